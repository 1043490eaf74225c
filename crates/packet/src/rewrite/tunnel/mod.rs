//! Tunnel encapsulation and decapsulation: VXLAN (RFC 7348), GRE (RFC 2784 with the
//! key and sequence number of RFC 2890) and Geneve (RFC 8926), over IPv4 or IPv6,
//! carrying Ethernet frames.
//!
//! As in OVS's native tunneling (`lib/netdev-native-tnl.c`), the outer headers are
//! built once per tunnel and route into a [`TunnelHeader`] (OVS's
//! `ovs_action_push_tnl` header data), and [`TunnelHeader::push`] copies it in front
//! of each packet, filling in only what depends on the packet: the IP and UDP
//! lengths, the IPv4 header checksum (updated from a checksum precomputed over the
//! template), the UDP source port, the GRE sequence number and, when the tunnel asks
//! for them, the UDP or GRE checksum (computed over the whole packet).
//!
//! [`decap`] is OVS's `tnl_pop`: it validates the outer headers (IPv4 header
//! checksum, no fragments, lengths, UDP or GRE checksum when present, the tunnel
//! header's flags and version), strips them and returns their contents as
//! [`TunnelMetadata`] (OVS's `struct flow_tnl`). The caller then parses the inner
//! frame afresh, as OVS recirculates after `tnl_pop`.
//!
//! Not done: ECN propagation between inner and outer headers (RFC 6040), GRE over
//! IPv4 carrying IP rather than Ethernet, VXLAN-GPE and GBP extensions.

mod header;
mod pop;

use std::fmt;
use std::net::IpAddr;

pub use header::{udp_src_port, PushArgs, TunnelHeader};
pub use pop::decap;

use super::{Error, Result};
use crate::EthAddr;

/// The IANA UDP port of Geneve.
pub use crate::wire::geneve::UDP_PORT as GENEVE_PORT;
/// The IANA UDP port of VXLAN.
pub use crate::wire::vxlan::UDP_PORT as VXLAN_PORT;
/// Most bytes of Geneve options a header can carry (6-bit length in 4-byte words).
pub const GENEVE_MAX_OPTS: usize = 252;

/// Which tunnel protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TunnelKind {
    /// VXLAN over UDP.
    Vxlan,
    /// GRE with an Ethernet payload (gretap).
    Gre,
    /// Geneve over UDP.
    Geneve,
}

/// Geneve options as raw TLV bytes (at most [`GENEVE_MAX_OPTS`]), held inline so
/// that decapsulation does not allocate.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct GeneveOpts {
    len: u8,
    bytes: [u8; GENEVE_MAX_OPTS],
}

impl GeneveOpts {
    /// No options.
    pub const EMPTY: GeneveOpts = GeneveOpts {
        len: 0,
        bytes: [0; GENEVE_MAX_OPTS],
    };

    /// Options from their wire bytes. They must be whole TLVs (4-byte headers with
    /// their 5-bit length in 4-byte words), at most 252 bytes in all.
    pub fn new(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > GENEVE_MAX_OPTS {
            return Err(Error::InvalidArgument(
                "Geneve options longer than 252 bytes",
            ));
        }
        let mut at = 0;
        while at < bytes.len() {
            let hdr = bytes
                .get(at..at + 4)
                .ok_or(Error::Malformed("Geneve option TLV"))?;
            at += 4 + usize::from(hdr[3] & 0x1f) * 4;
        }
        if at != bytes.len() {
            return Err(Error::Malformed("Geneve option TLV"));
        }
        let mut opts = Self::EMPTY;
        opts.len = bytes.len() as u8;
        opts.bytes[..bytes.len()].copy_from_slice(bytes);
        Ok(opts)
    }

    /// The options' wire bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// True if any option is critical (the high bit of its type): the Geneve header's
    /// C flag.
    pub fn any_critical(&self) -> bool {
        let mut at = 0;
        let b = self.as_bytes();
        while at + 4 <= b.len() {
            if b[at + 2] & 0x80 != 0 {
                return true;
            }
            at += 4 + usize::from(b[at + 3] & 0x1f) * 4;
        }
        false
    }
}

impl Default for GeneveOpts {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl fmt::Debug for GeneveOpts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("GeneveOpts").field(&self.as_bytes()).finish()
    }
}

/// The tunnel-specific part of a [`TunnelConfig`].
// Geneve's inline options make that variant large; a config is built once per
// tunnel, so boxing them would only cost an allocation and `Copy`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encap {
    /// VXLAN with a 24-bit VNI to UDP port `udp_dst` (usually [`VXLAN_PORT`]).
    Vxlan {
        /// VXLAN network identifier (24 bits).
        vni: u32,
        /// Destination UDP port.
        udp_dst: u16,
        /// Compute the outer UDP checksum (otherwise zero).
        udp_csum: bool,
    },
    /// Geneve with a 24-bit VNI and options to UDP port `udp_dst` (usually
    /// [`GENEVE_PORT`]). The critical flag follows the options.
    Geneve {
        /// Virtual network identifier (24 bits).
        vni: u32,
        /// Destination UDP port.
        udp_dst: u16,
        /// Compute the outer UDP checksum (otherwise zero).
        udp_csum: bool,
        /// Set the O (OAM) flag.
        oam: bool,
        /// Options to carry.
        options: GeneveOpts,
    },
    /// GRE carrying Ethernet (protocol 0x6558).
    Gre {
        /// The key field, if any.
        key: Option<u32>,
        /// Carry a checksum over the GRE header and payload.
        csum: bool,
        /// Carry a sequence number (given per packet in [`PushArgs::gre_seq`]).
        seq: bool,
    },
}

/// Everything a tunnel's outer headers hold that does not change per packet: OVS's
/// tunnel port options together with the route and neighbor lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TunnelConfig {
    /// Outer Ethernet destination (the next hop's address).
    pub eth_dst: EthAddr,
    /// Outer Ethernet source.
    pub eth_src: EthAddr,
    /// Outer IP source; IPv4 or IPv6 like `ip_dst`.
    pub ip_src: IpAddr,
    /// Outer IP destination (the remote tunnel endpoint).
    pub ip_dst: IpAddr,
    /// Outer IPv4 TOS or IPv6 traffic class.
    pub tos: u8,
    /// Outer IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
    /// Set IPv4's don't-fragment flag (ignored for IPv6).
    pub dont_fragment: bool,
    /// The tunnel protocol and its fields.
    pub encap: Encap,
}

/// Flags of [`TunnelMetadata`], with the values of OVS's `FLOW_TNL_F_*`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TunnelFlags(pub u16);

impl TunnelFlags {
    /// The outer IPv4 header had DF set.
    pub const DONT_FRAGMENT: TunnelFlags = TunnelFlags(1 << 0);
    /// The outer UDP or GRE header carried a (valid) checksum.
    pub const CSUM: TunnelFlags = TunnelFlags(1 << 1);
    /// The tunnel header carried a key (GRE key, VXLAN or Geneve VNI).
    pub const KEY: TunnelFlags = TunnelFlags(1 << 2);
    /// Geneve's OAM flag was set.
    pub const OAM: TunnelFlags = TunnelFlags(1 << 3);

    /// True if every flag of `other` is set.
    pub fn contains(self, other: TunnelFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for TunnelFlags {
    type Output = TunnelFlags;
    fn bitor(self, rhs: TunnelFlags) -> TunnelFlags {
        TunnelFlags(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for TunnelFlags {
    fn bitor_assign(&mut self, rhs: TunnelFlags) {
        self.0 |= rhs.0;
    }
}

/// What decapsulation learned from the outer headers (OVS's `struct flow_tnl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TunnelMetadata {
    /// VXLAN or Geneve VNI, or GRE key; 0 if none.
    pub tun_id: u64,
    /// Outer IP source.
    pub ip_src: IpAddr,
    /// Outer IP destination.
    pub ip_dst: IpAddr,
    /// Outer IPv4 TOS or IPv6 traffic class.
    pub tos: u8,
    /// Outer IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
    /// Outer UDP source port (0 for GRE).
    pub tp_src: u16,
    /// Outer UDP destination port (0 for GRE).
    pub tp_dst: u16,
    /// What the headers carried.
    pub flags: TunnelFlags,
    /// Geneve options (empty for other tunnels).
    pub geneve_options: GeneveOpts,
}
