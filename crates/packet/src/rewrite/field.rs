//! The settable fields ([`SetField`]) and masked values ([`Masked`]).

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::EthAddr;

/// A type a field value can have: it can be combined bitwise under a mask.
pub trait FieldValue: Copy {
    /// The value with every bit set: the mask of an exact (unmasked) set.
    const ONES: Self;

    /// OVS's masked write: `(old & !mask) | (value & mask)`.
    fn merge(old: Self, value: Self, mask: Self) -> Self;
}

macro_rules! int_field_value {
    ($($t:ty),*) => {$(
        impl FieldValue for $t {
            const ONES: Self = <$t>::MAX;
            fn merge(old: Self, value: Self, mask: Self) -> Self {
                (old & !mask) | (value & mask)
            }
        }
    )*};
}
int_field_value!(u8, u16, u32, u128);

impl FieldValue for EthAddr {
    const ONES: Self = EthAddr([0xff; 6]);
    fn merge(old: Self, value: Self, mask: Self) -> Self {
        EthAddr(std::array::from_fn(|i| {
            u8::merge(old.0[i], value.0[i], mask.0[i])
        }))
    }
}

impl FieldValue for Ipv4Addr {
    const ONES: Self = Ipv4Addr::BROADCAST;
    fn merge(old: Self, value: Self, mask: Self) -> Self {
        Ipv4Addr::from(u32::merge(old.into(), value.into(), mask.into()))
    }
}

impl FieldValue for Ipv6Addr {
    const ONES: Self = Ipv6Addr::new(
        0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff,
    );
    fn merge(old: Self, value: Self, mask: Self) -> Self {
        Ipv6Addr::from(u128::merge(old.into(), value.into(), mask.into()))
    }
}

/// A value to write and the bits of the field to write it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Masked<T> {
    /// The new bits; those outside `mask` are ignored.
    pub value: T,
    /// Which bits of the field to replace.
    pub mask: T,
}

impl<T: FieldValue> Masked<T> {
    /// `value` under `mask`.
    pub fn new(value: T, mask: T) -> Self {
        Masked { value, mask }
    }

    /// `value` for the whole field.
    pub fn exact(value: T) -> Self {
        Masked {
            value,
            mask: T::ONES,
        }
    }

    /// The field's new value given its old one.
    pub fn apply(&self, old: T) -> T {
        T::merge(old, self.value, self.mask)
    }
}

/// A field that [`set_field`](super::set_field) can write, with its value and mask,
/// as OVS's `set_field` and `OVS_ACTION_ATTR_SET_MASKED` carry them.
///
/// Numeric fields narrower than their type take their value in the low bits (a VLAN
/// VID of 12 bits in a `u16`, a DSCP of 6 bits in a `u8`); bits above the field's
/// width are ignored in both value and mask. Each variant names the header it needs;
/// the [`Layout`](crate::Layout) offset it is found at is in parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetField {
    /// Ethernet source address.
    EthSrc(Masked<EthAddr>),
    /// Ethernet destination address.
    EthDst(Masked<EthAddr>),
    /// VLAN ID (12 bits) of the outermost 802.1Q or 802.1ad tag.
    VlanVid(Masked<u16>),
    /// Priority code point (3 bits) of the outermost VLAN tag.
    VlanPcp(Masked<u8>),
    /// Label (20 bits) of the outermost MPLS label stack entry (at `Layout::l2_5`).
    MplsLabel(Masked<u32>),
    /// Traffic class (3 bits) of the outermost MPLS entry (at `Layout::l2_5`).
    MplsTc(Masked<u8>),
    /// Bottom-of-stack bit (1 bit) of the outermost MPLS entry (at `Layout::l2_5`).
    MplsBos(Masked<u8>),
    /// TTL of the outermost MPLS entry (at `Layout::l2_5`).
    MplsTtl(Masked<u8>),
    /// IPv4 source address (at `Layout::l3`); fixes the IPv4, TCP and UDP checksums.
    Ipv4Src(Masked<Ipv4Addr>),
    /// IPv4 destination address (at `Layout::l3`); fixes the IPv4, TCP and UDP checksums.
    Ipv4Dst(Masked<Ipv4Addr>),
    /// IPv4 DSCP (6 bits, the high bits of the TOS byte) (at `Layout::l3`).
    Ipv4Dscp(Masked<u8>),
    /// IPv4 ECN (2 bits, the low bits of the TOS byte) (at `Layout::l3`).
    Ipv4Ecn(Masked<u8>),
    /// IPv4 TTL (at `Layout::l3`).
    Ipv4Ttl(Masked<u8>),
    /// IPv6 source address (at `Layout::l3`); fixes the TCP, UDP and ICMPv6 checksums.
    Ipv6Src(Masked<Ipv6Addr>),
    /// IPv6 destination address (at `Layout::l3`); fixes the TCP, UDP and ICMPv6 checksums
    /// unless a routing header with segments left makes the final destination
    /// another one (as OVS's `packet_set_ipv6`).
    Ipv6Dst(Masked<Ipv6Addr>),
    /// IPv6 flow label (20 bits) (at `Layout::l3`).
    Ipv6FlowLabel(Masked<u32>),
    /// IPv6 traffic class (8 bits: DSCP and ECN) (at `Layout::l3`).
    Ipv6TrafficClass(Masked<u8>),
    /// IPv6 hop limit (at `Layout::l3`).
    Ipv6HopLimit(Masked<u8>),
    /// TCP source port (at `Layout::l4`).
    TcpSrc(Masked<u16>),
    /// TCP destination port (at `Layout::l4`).
    TcpDst(Masked<u16>),
    /// UDP source port (at `Layout::l4`).
    UdpSrc(Masked<u16>),
    /// UDP destination port (at `Layout::l4`).
    UdpDst(Masked<u16>),
    /// SCTP source port (at `Layout::l4`); recomputes the CRC32c.
    SctpSrc(Masked<u16>),
    /// SCTP destination port (at `Layout::l4`); recomputes the CRC32c.
    SctpDst(Masked<u16>),
    /// ICMPv4 type (at `Layout::l4`).
    Icmpv4Type(Masked<u8>),
    /// ICMPv4 code (at `Layout::l4`).
    Icmpv4Code(Masked<u8>),
    /// ICMPv6 type (at `Layout::l4`).
    Icmpv6Type(Masked<u8>),
    /// ICMPv6 code (at `Layout::l4`).
    Icmpv6Code(Masked<u8>),
    /// ARP (or RARP) opcode (at `Layout::l3`).
    ArpOp(Masked<u16>),
    /// ARP sender protocol (IPv4) address (at `Layout::l3`).
    ArpSpa(Masked<Ipv4Addr>),
    /// ARP target protocol (IPv4) address (at `Layout::l3`).
    ArpTpa(Masked<Ipv4Addr>),
    /// ARP sender hardware address (at `Layout::l3`).
    ArpSha(Masked<EthAddr>),
    /// ARP target hardware address (at `Layout::l3`).
    ArpTha(Masked<EthAddr>),
    /// Target address of an ICMPv6 neighbor solicitation or advertisement (at `Layout::l4`).
    NdTarget(Masked<Ipv6Addr>),
    /// Source link-layer address option of a neighbor solicitation (at `Layout::l4`). Like OVS,
    /// does nothing if the message has no such option.
    NdSll(Masked<EthAddr>),
    /// Target link-layer address option of a neighbor advertisement (at `Layout::l4`). Like OVS,
    /// does nothing if the message has no such option.
    NdTll(Masked<EthAddr>),
}

/// A value as OVS's odp-util prints it, with `/mask` when the set is masked.
fn put<T: FieldValue + PartialEq + std::fmt::Display>(
    f: &mut std::fmt::Formatter<'_>,
    m: &Masked<T>,
) -> std::fmt::Result {
    if m.mask == T::ONES {
        write!(f, "{}", m.value)
    } else {
        write!(f, "{}/{}", m.value, m.mask)
    }
}

impl std::fmt::Display for SetField {
    /// The key inside a datapath `set(...)` as `ovs-appctl dpctl/dump-flows` prints
    /// it: `eth(dst=aa:bb:cc:dd:ee:ff)`, `ipv4(ttl=63)`, `tcp(dst=80)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use SetField::*;
        let (header, key) = match self {
            EthSrc(_) => ("eth", "src"),
            EthDst(_) => ("eth", "dst"),
            VlanVid(_) => ("vlan", "vid"),
            VlanPcp(_) => ("vlan", "pcp"),
            MplsLabel(_) => ("mpls", "label"),
            MplsTc(_) => ("mpls", "tc"),
            MplsBos(_) => ("mpls", "bos"),
            MplsTtl(_) => ("mpls", "ttl"),
            Ipv4Src(_) => ("ipv4", "src"),
            Ipv4Dst(_) => ("ipv4", "dst"),
            Ipv4Dscp(_) => ("ipv4", "dscp"),
            Ipv4Ecn(_) => ("ipv4", "ecn"),
            Ipv4Ttl(_) => ("ipv4", "ttl"),
            Ipv6Src(_) => ("ipv6", "src"),
            Ipv6Dst(_) => ("ipv6", "dst"),
            Ipv6FlowLabel(_) => ("ipv6", "label"),
            Ipv6TrafficClass(_) => ("ipv6", "tclass"),
            Ipv6HopLimit(_) => ("ipv6", "hlimit"),
            TcpSrc(_) => ("tcp", "src"),
            TcpDst(_) => ("tcp", "dst"),
            UdpSrc(_) => ("udp", "src"),
            UdpDst(_) => ("udp", "dst"),
            SctpSrc(_) => ("sctp", "src"),
            SctpDst(_) => ("sctp", "dst"),
            Icmpv4Type(_) => ("icmp", "type"),
            Icmpv4Code(_) => ("icmp", "code"),
            Icmpv6Type(_) => ("icmpv6", "type"),
            Icmpv6Code(_) => ("icmpv6", "code"),
            ArpOp(_) => ("arp", "op"),
            ArpSpa(_) => ("arp", "sip"),
            ArpTpa(_) => ("arp", "tip"),
            ArpSha(_) => ("arp", "sha"),
            ArpTha(_) => ("arp", "tha"),
            NdTarget(_) => ("nd", "target"),
            NdSll(_) => ("nd", "sll"),
            NdTll(_) => ("nd", "tll"),
        };
        write!(f, "{header}({key}=")?;
        match self {
            EthSrc(m) | EthDst(m) | ArpSha(m) | ArpTha(m) | NdSll(m) | NdTll(m) => put(f, m)?,
            VlanVid(m) | TcpSrc(m) | TcpDst(m) | UdpSrc(m) | UdpDst(m) | SctpSrc(m)
            | SctpDst(m) | ArpOp(m) => put(f, m)?,
            VlanPcp(m) | MplsTc(m) | MplsBos(m) | MplsTtl(m) | Ipv4Dscp(m) | Ipv4Ecn(m)
            | Ipv4Ttl(m) | Ipv6TrafficClass(m) | Ipv6HopLimit(m) | Icmpv4Type(m)
            | Icmpv4Code(m) | Icmpv6Type(m) | Icmpv6Code(m) => put(f, m)?,
            MplsLabel(m) | Ipv6FlowLabel(m) => put(f, m)?,
            Ipv4Src(m) | Ipv4Dst(m) | ArpSpa(m) | ArpTpa(m) => put(f, m)?,
            Ipv6Src(m) | Ipv6Dst(m) | NdTarget(m) => put(f, m)?,
        }
        f.write_str(")")
    }
}
