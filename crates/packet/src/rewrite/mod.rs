//! Header rewrite: the datapath actions that change a packet's bytes.
//!
//! Everything here follows Open vSwitch's userspace datapath (`lib/packets.c`,
//! `lib/odp-execute.c`, `lib/netdev-native-tnl.c`):
//!
//! - [`set_field`] writes any [`SetField`] (a value under a mask, OVS's
//!   `new = (old & !mask) | (value & mask)`) and patches every checksum the field is
//!   covered by, incrementally (RFC 1624): the IPv4 header checksum, the TCP, UDP and
//!   ICMPv6 checksums through the pseudo-header when an address changes, TCP and UDP
//!   when a port changes, ICMP and ICMPv6 when the type, code or ND payload changes,
//!   and SCTP's CRC32c by recomputing it. A UDP checksum of zero ("none") stays zero;
//!   an updated UDP checksum that comes out zero is stored as `0xffff`.
//! - [`push_vlan`], [`pop_vlan`], [`push_mpls`], [`pop_mpls`] insert and remove tags
//!   in a [`PacketBuf`], moving only the Ethernet addresses, never the payload.
//! - [`dec_ip_ttl`], [`dec_mpls_ttl`], [`copy_ttl_in`], [`copy_ttl_out`]: the TTL
//!   actions; decrementing reports [`Error::InvalidTtl`] where OVS sends an
//!   `OFPR_INVALID_TTL` packet-in instead of forwarding.
//! - [`tunnel`]: VXLAN, GRE and Geneve encapsulation from a header template built
//!   once per tunnel and pushed per packet, and decapsulation with validation.
//!
//! Functions take the frame's [`Layout`] (the layer offsets extraction found) rather
//! than parsing again; those that add or remove bytes update it.
//!
//! # Threads and allocation
//!
//! Nothing here holds state or allocates, except [`PacketBuf::push_front`] when a
//! packet's headroom runs out; errors are plain values that the datapath counts as
//! drop reasons. Every function may run on any PMD thread.
//!
//! [`PacketBuf`]: crate::buf::PacketBuf
//! [`PacketBuf::push_front`]: crate::buf::PacketBuf::push_front
//! [`Layout`]: crate::Layout

mod csum;
mod field;
mod l2;
mod l3;
mod l4;
mod locate;
mod tags;
#[cfg(test)]
mod tests;
mod ttl;
pub mod tunnel;

use std::fmt;

pub use field::{FieldValue, Masked, SetField};
pub use l2::mpls_lse;
pub use tags::{pop_mpls, pop_vlan, push_mpls, push_vlan};
pub use ttl::{copy_ttl_in, copy_ttl_out, dec_ip_ttl, dec_mpls_ttl};

use crate::Layout;

/// Why a rewrite did not happen. The frame is unchanged whenever one of these is
/// returned, except where a variant says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Error {
    /// The frame ends inside the named header.
    Truncated(&'static str),
    /// The frame has no such header, or the [`Layout`] does not locate it (for
    /// example a TCP port on a UDP packet, a VLAN field on an untagged frame). OVS
    /// ignores such actions; the datapath may count and ignore this error.
    NotPresent(&'static str),
    /// Decrementing would take the TTL (or hop limit) to zero, or it is zero already:
    /// OVS does not forward such a packet but sends it to the controller with reason
    /// `OFPR_INVALID_TTL`.
    InvalidTtl,
    /// An argument is outside what the operation accepts (a TPID that is not a VLAN
    /// TPID, an MPLS ethertype for `pop_mpls`, Geneve options longer than 252 bytes).
    InvalidArgument(&'static str),
    /// A header holds values the operation rejects (a GRE routing flag, a VXLAN
    /// without its I flag, an IPv4 fragment in a tunnel).
    Malformed(&'static str),
    /// The named checksum does not verify.
    BadChecksum(&'static str),
    /// The packet would exceed what its IP length field can describe.
    TooLong(usize),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated(what) => write!(f, "Frame is truncated in its {what} header"),
            Error::NotPresent(what) => write!(f, "Frame has no {what} header"),
            Error::InvalidTtl => f.write_str("TTL would reach zero"),
            Error::InvalidArgument(what) => write!(f, "Invalid argument: {what}"),
            Error::Malformed(what) => write!(f, "Malformed header: {what}"),
            Error::BadChecksum(what) => write!(f, "Bad {what} checksum"),
            Error::TooLong(len) => write!(f, "Packet of {len} bytes is too long"),
        }
    }
}

impl std::error::Error for Error {}

/// Result of a rewrite.
pub type Result<T> = std::result::Result<T, Error>;

/// Applies one [`SetField`] to `frame`, whose layers are at `layout`, and fixes up
/// the checksums that cover the field. See [`SetField`] for which header each field
/// lives in; a frame without that header gives [`Error::NotPresent`].
pub fn set_field(frame: &mut [u8], layout: &Layout, field: &SetField) -> Result<()> {
    use SetField as F;
    match *field {
        F::EthSrc(m) => l2::set_eth(frame, 6, m),
        F::EthDst(m) => l2::set_eth(frame, 0, m),
        F::VlanVid(m) => l2::set_vlan_tci(frame, m.value & 0x0fff, m.mask & 0x0fff),
        F::VlanPcp(m) => {
            l2::set_vlan_tci(frame, u16::from(m.value) << 13, u16::from(m.mask & 7) << 13)
        }
        F::MplsLabel(m) => l2::set_lse(frame, layout, m.value << 12, (m.mask & 0xf_ffff) << 12),
        F::MplsTc(m) => l2::set_lse(
            frame,
            layout,
            u32::from(m.value) << 9,
            u32::from(m.mask & 7) << 9,
        ),
        F::MplsBos(m) => l2::set_lse(
            frame,
            layout,
            u32::from(m.value) << 8,
            u32::from(m.mask & 1) << 8,
        ),
        F::MplsTtl(m) => l2::set_lse(frame, layout, u32::from(m.value), u32::from(m.mask)),
        F::ArpOp(m) => l2::set_arp(
            frame,
            layout,
            6,
            &m.value.to_be_bytes(),
            &m.mask.to_be_bytes(),
        ),
        F::ArpSha(m) => l2::set_arp(frame, layout, 8, &m.value.0, &m.mask.0),
        F::ArpSpa(m) => l2::set_arp(frame, layout, 14, &m.value.octets(), &m.mask.octets()),
        F::ArpTha(m) => l2::set_arp(frame, layout, 18, &m.value.0, &m.mask.0),
        F::ArpTpa(m) => l2::set_arp(frame, layout, 24, &m.value.octets(), &m.mask.octets()),
        F::Ipv4Src(m) => l3::set_ipv4_addr(frame, layout, 12, m),
        F::Ipv4Dst(m) => l3::set_ipv4_addr(frame, layout, 16, m),
        F::Ipv4Dscp(m) => l3::set_ipv4_byte(frame, layout, 1, m.value << 2, (m.mask & 0x3f) << 2),
        F::Ipv4Ecn(m) => l3::set_ipv4_byte(frame, layout, 1, m.value, m.mask & 3),
        F::Ipv4Ttl(m) => l3::set_ipv4_byte(frame, layout, 8, m.value, m.mask),
        F::Ipv6Src(m) => l3::set_ipv6_addr(frame, layout, 8, m),
        F::Ipv6Dst(m) => l3::set_ipv6_addr(frame, layout, 24, m),
        F::Ipv6FlowLabel(m) => l3::set_ipv6_word(frame, layout, m.value, m.mask & 0xf_ffff),
        F::Ipv6TrafficClass(m) => l3::set_ipv6_word(
            frame,
            layout,
            u32::from(m.value) << 20,
            u32::from(m.mask) << 20,
        ),
        F::Ipv6HopLimit(m) => l3::set_ipv6_hop_limit(frame, layout, m),
        F::TcpSrc(m) => l4::set_port(frame, layout, l4::Proto::Tcp, 0, m),
        F::TcpDst(m) => l4::set_port(frame, layout, l4::Proto::Tcp, 2, m),
        F::UdpSrc(m) => l4::set_port(frame, layout, l4::Proto::Udp, 0, m),
        F::UdpDst(m) => l4::set_port(frame, layout, l4::Proto::Udp, 2, m),
        F::SctpSrc(m) => l4::set_port(frame, layout, l4::Proto::Sctp, 0, m),
        F::SctpDst(m) => l4::set_port(frame, layout, l4::Proto::Sctp, 2, m),
        F::Icmpv4Type(m) => l4::set_icmp(frame, layout, l4::Proto::Icmpv4, 0, m),
        F::Icmpv4Code(m) => l4::set_icmp(frame, layout, l4::Proto::Icmpv4, 1, m),
        F::Icmpv6Type(m) => l4::set_icmp(frame, layout, l4::Proto::Icmpv6, 0, m),
        F::Icmpv6Code(m) => l4::set_icmp(frame, layout, l4::Proto::Icmpv6, 1, m),
        F::NdTarget(m) => l4::set_nd_target(frame, layout, m),
        F::NdSll(m) => l4::set_nd_lla(frame, layout, 1, m),
        F::NdTll(m) => l4::set_nd_lla(frame, layout, 2, m),
    }
}
