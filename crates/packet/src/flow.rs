//! The flow key, its masks and its hash.
//!
//! [`Flow`] is a flat, plain-old-data struct of every field OpenFlow and OVS
//! match on, modelled on OVS's `struct flow` (`include/openvswitch/flow.h`).
//! The same type serves as a mask: a 1 bit in a mask field means "this bit
//! matters". Masking, hashing and comparing work on the struct as an array of
//! `u64` words ([`Flow::words`]), which is also what a miniflow is built on.
//!
//! All functions here are allocation-free and run on the PMD threads.

mod eth_addr;
mod format;
pub(crate) mod ops;
mod wildcards;

pub use eth_addr::{EthAddr, ParseEthAddrError};
pub use format::MatchDisplay;
pub use ops::FLOW_WORDS;

/// `nw_frag` bit: the packet is a fragment (first or later), OVS's
/// `FLOW_NW_FRAG_ANY`.
pub const FRAG_ANY: u8 = 1;
/// `nw_frag` bit: the packet is a fragment with a nonzero offset, so it carries
/// no transport header, OVS's `FLOW_NW_FRAG_LATER`.
pub const FRAG_LATER: u8 = 2;
/// The bits of `nw_frag` that have a meaning.
pub const FRAG_MASK: u8 = FRAG_ANY | FRAG_LATER;

/// `vlan_tci` bit that says a tag is present (OVS reuses the 802.1Q CFI/DEI
/// bit for this, `VLAN_CFI`). The tag's own DEI bit is not kept.
pub const VLAN_CFI: u16 = 0x1000;
/// `vlan_tci` bits holding the VLAN ID.
pub const VLAN_VID_MASK: u16 = 0x0fff;
/// `vlan_tci` bits holding the priority code point.
pub const VLAN_PCP_MASK: u16 = 0xe000;
/// Shift of the priority code point within `vlan_tci`.
pub const VLAN_PCP_SHIFT: u32 = 13;

/// Ethertypes (host byte order).
pub mod ethertype {
    /// Internet Protocol version 4.
    pub const IPV4: u16 = 0x0800;
    /// Address Resolution Protocol.
    pub const ARP: u16 = 0x0806;
    /// Reverse ARP; parsed like ARP, as OVS does.
    pub const RARP: u16 = 0x8035;
    /// IEEE 802.1Q customer VLAN tag.
    pub const VLAN: u16 = 0x8100;
    /// IEEE 802.1ad service VLAN tag (QinQ outer tag).
    pub const QINQ: u16 = 0x88a8;
    /// Internet Protocol version 6.
    pub const IPV6: u16 = 0x86dd;
    /// MPLS unicast.
    pub const MPLS: u16 = 0x8847;
    /// MPLS multicast.
    pub const MPLS_MCAST: u16 = 0x8848;
    /// Link Layer Discovery Protocol.
    pub const LLDP: u16 = 0x88cc;
    /// Network Service Header.
    pub const NSH: u16 = 0x894f;
    /// Transparent Ethernet bridging (GRE protocol type of an Ethernet payload).
    pub const TEB: u16 = 0x6558;
    /// Smallest value of the type/length field that is an ethertype; below it
    /// the field is an 802.3 length (OVS `ETH_TYPE_MIN`).
    pub const MIN: u16 = 0x0600;
    /// `dl_type` of 802.3 frames without a SNAP header carrying an ethertype
    /// (OpenFlow's `OFP_DL_TYPE_NOT_ETH_TYPE`, OVS `FLOW_DL_TYPE_NONE`).
    pub const NOT_ETH_TYPE: u16 = 0x05ff;
}

/// IP protocol numbers (IPv4 protocol / IPv6 next header).
pub mod ipproto {
    /// IPv6 hop-by-hop options extension header.
    pub const HOPOPTS: u8 = 0;
    /// Internet Control Message Protocol.
    pub const ICMP: u8 = 1;
    /// Internet Group Management Protocol.
    pub const IGMP: u8 = 2;
    /// Transmission Control Protocol.
    pub const TCP: u8 = 6;
    /// User Datagram Protocol.
    pub const UDP: u8 = 17;
    /// IPv6 routing extension header.
    pub const ROUTING: u8 = 43;
    /// IPv6 fragment extension header.
    pub const FRAGMENT: u8 = 44;
    /// GRE.
    pub const GRE: u8 = 47;
    /// Encapsulating Security Payload.
    pub const ESP: u8 = 50;
    /// Authentication Header.
    pub const AH: u8 = 51;
    /// ICMP for IPv6.
    pub const ICMPV6: u8 = 58;
    /// IPv6 "no next header".
    pub const NONE: u8 = 59;
    /// IPv6 destination options extension header.
    pub const DSTOPTS: u8 = 60;
    /// Stream Control Transmission Protocol.
    pub const SCTP: u8 = 132;
}

/// Bits of [`Flow::tcp_flags`] (the low 12 bits of TCP's data-offset/flags word).
pub mod tcp_flags {
    /// No more data from sender.
    pub const FIN: u16 = 0x001;
    /// Synchronize sequence numbers.
    pub const SYN: u16 = 0x002;
    /// Reset the connection.
    pub const RST: u16 = 0x004;
    /// Push function.
    pub const PSH: u16 = 0x008;
    /// Acknowledgment field significant.
    pub const ACK: u16 = 0x010;
    /// Urgent pointer field significant.
    pub const URG: u16 = 0x020;
    /// ECN echo.
    pub const ECE: u16 = 0x040;
    /// Congestion window reduced.
    pub const CWR: u16 = 0x080;
    /// ECN nonce sum (RFC 3540).
    pub const NS: u16 = 0x100;
    /// All 12 bits OVS keeps (including the 3 reserved ones).
    pub const MASK: u16 = 0x0fff;
}

/// MPLS label stack entry: label bits (`label << 12`).
pub const MPLS_LABEL_MASK: u32 = 0xffff_f000;
/// MPLS label stack entry: shift of the label.
pub const MPLS_LABEL_SHIFT: u32 = 12;
/// MPLS label stack entry: traffic class bits.
pub const MPLS_TC_MASK: u32 = 0x0000_0e00;
/// MPLS label stack entry: shift of the traffic class.
pub const MPLS_TC_SHIFT: u32 = 9;
/// MPLS label stack entry: bottom-of-stack bit.
pub const MPLS_BOS_MASK: u32 = 0x0000_0100;
/// MPLS label stack entry: shift of the bottom-of-stack bit.
pub const MPLS_BOS_SHIFT: u32 = 8;
/// MPLS label stack entry: TTL bits.
pub const MPLS_TTL_MASK: u32 = 0x0000_00ff;
/// How many MPLS label stack entries a flow holds (OVS `FLOW_MAX_MPLS_LABELS`).
pub const MAX_MPLS_LABELS: usize = 3;
/// Number of 32-bit registers (`reg0`..`reg15`; `xregN` is `reg2N`:`reg2N+1`).
pub const FLOW_N_REGS: usize = 16;
/// Bytes of Geneve option data a flow holds (OVS `TUN_METADATA_TOT_OPT_SIZE`).
pub const TUN_METADATA_TOT_OPT_SIZE: usize = 256;

/// Bits of [`Tunnel::flags`] (OVS `FLOW_TNL_F_*`).
pub mod tun_flags {
    /// Operations, administration and maintenance packet.
    pub const OAM: u16 = 1 << 0;
    /// Don't fragment the outer IP header.
    pub const DONT_FRAGMENT: u16 = 1 << 1;
    /// The outer header has (or gets) a checksum.
    pub const CSUM: u16 = 1 << 2;
    /// The tunnel key (`tun_id`) is present.
    pub const KEY: u16 = 1 << 3;
    /// The flags with an OpenFlow meaning.
    pub const MASK: u16 = (1 << 4) - 1;
}

/// Bits of [`Flow::ct_state`] (OVS `CS_*`).
pub mod ct_state {
    /// Start of a new connection.
    pub const NEW: u8 = 1 << 0;
    /// Part of an established connection.
    pub const ESTABLISHED: u8 = 1 << 1;
    /// Related to an established connection.
    pub const RELATED: u8 = 1 << 2;
    /// In the reply direction.
    pub const REPLY_DIR: u8 = 1 << 3;
    /// Invalid.
    pub const INVALID: u8 = 1 << 4;
    /// Has been through conntrack.
    pub const TRACKED: u8 = 1 << 5;
    /// Source address translated.
    pub const SRC_NAT: u8 = 1 << 6;
    /// Destination address translated.
    pub const DST_NAT: u8 = 1 << 7;
}

/// Network Service Header fields (OVS `struct ovs_key_nsh`), for frames with
/// ethertype [`ethertype::NSH`]. Integers in host byte order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Nsh {
    /// The 2 flag bits after the version (`nsh_flags`).
    pub flags: u8,
    /// TTL, 6 bits (`nsh_ttl`).
    pub ttl: u8,
    /// The whole MD type byte (`nsh_mdtype`).
    pub mdtype: u8,
    /// Next protocol (`nsh_np`).
    pub np: u8,
    /// Service path header: `SPI << 8 | SI` (`nsh_spi`, `nsh_si`).
    pub path_hdr: u32,
    /// MD type 1 context headers (`nsh_c1`..`nsh_c4`); zero for other types.
    pub context: [u32; 4],
}

/// Geneve options of a tunnelled packet (OVS `struct tun_metadata`, without
/// its pointer to the option table, which is per bridge rather than per packet).
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct TunMetadata {
    /// One bit per mapped option (`tun_metadata0`..`tun_metadata63`) present
    /// in `opts`.
    pub present: u64,
    /// The option values, laid out as the bridge's option table says.
    pub opts: [u8; TUN_METADATA_TOT_OPT_SIZE],
}

impl std::fmt::Debug for TunMetadata {
    /// The present map and the option bytes up to the last nonzero one.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let used = self.opts.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        f.debug_struct("TunMetadata")
            .field("present", &format_args!("{:#x}", self.present))
            .field("opts", &&self.opts[..used])
            .finish()
    }
}

/// Outer headers of the tunnel a packet arrived through (OVS `struct flow_tnl`),
/// all zero for a packet that did not come from a tunnel port. Integers are in
/// host byte order, IPv6 addresses in wire order.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Tunnel {
    /// Tunnel key: VXLAN VNI, GRE key, Geneve VNI (`tun_id`).
    pub tun_id: u64,
    /// Outer IPv4 source (`tun_src`).
    pub ip_src: u32,
    /// Outer IPv4 destination (`tun_dst`); nonzero for an IPv4 tunnel.
    pub ip_dst: u32,
    /// Outer IPv6 source (`tun_ipv6_src`).
    pub ipv6_src: [u8; 16],
    /// Outer IPv6 destination (`tun_ipv6_dst`); nonzero for an IPv6 tunnel.
    pub ipv6_dst: [u8; 16],
    /// [`tun_flags`] bits (`tun_flags`).
    pub flags: u16,
    /// Outer TOS (`tun_tos`).
    pub ip_tos: u8,
    /// Outer TTL (`tun_ttl`).
    pub ip_ttl: u8,
    /// Outer UDP source port.
    pub tp_src: u16,
    /// Outer UDP destination port.
    pub tp_dst: u16,
    /// VXLAN group-based policy ID (`tun_gbp_id`).
    pub gbp_id: u16,
    /// VXLAN group-based policy flags (`tun_gbp_flags`).
    pub gbp_flags: u8,
    /// Padding to 8 bytes; always zero.
    #[doc(hidden)]
    pub pad: [u8; 5],
    /// Geneve options (`tun_metadata0`..`tun_metadata63`).
    pub metadata: TunMetadata,
}

/// The flow key: the header fields and metadata of one packet, or (as a mask)
/// which bits of them matter.
///
/// Integer fields are in host byte order; Ethernet and IPv6 addresses and
/// `ct_label` are in wire order. Fields a packet does not have are zero.
///
/// # What is stored
///
/// What OVS's `struct flow` stores (apart from ERSPAN and GTP-U), with
/// OVS's overlays: several OpenFlow match fields are views of one stored
/// field, so they are methods or names in the match syntax rather than fields
/// here. `dl_vlan`/`dl_vlan_pcp` are bits of [`Flow::vlan_tci`]; `nw_ecn` is
/// the low 2 bits of [`Flow::nw_tos`]; `icmp_type`/`icmp_code` are
/// [`Flow::tp_src`]/[`Flow::tp_dst`]; `arp_spa`/`arp_tpa`/`arp_op` are
/// [`Flow::nw_src`]/[`Flow::nw_dst`]/[`Flow::nw_proto`]; `nd_sll`/`nd_tll` are
/// [`Flow::arp_sha`]/[`Flow::arp_tha`]; `nd_options_type` is
/// [`Flow::tcp_flags`]; `nd_reserved` is [`Flow::igmp_group_ip4`];
/// `mpls_label`/`tc`/`bos`/`ttl` are bits of `mpls_lse[0]`; `xregN` is
/// `regs[2N]:regs[2N+1]`; `ip_frag` is [`Flow::nw_frag`].
///
/// # Layout
///
/// `#[repr(C)]`, 8-byte aligned, a multiple of 8 bytes, with explicit `pad*`
/// fields where alignment would leave a hole, so it is [`bytemuck::Pod`] and
/// [`Flow::words`] sees it as [`FLOW_WORDS`] `u64`s. Padding is always zero in
/// flows built by this crate and is not part of [`Flow::exact_mask`].
///
/// The order differs from OVS's, which puts tunnel and metadata first: here the
/// fields [`crate::extract()`] writes come first, so that for the common
/// packets (IPv4/IPv6 TCP/UDP, ARP, VLAN) its stores, and the loads of an
/// exact-match lookup, fall in the first 160 bytes (20 words): in_port,
/// Ethernet, VLANs, IPv4 and L4 in the first 48 bytes, then MPLS, IPv6, ND
/// and NSH. The per-packet datapath metadata
/// follows (registers, marks, conntrack), and the tunnel with its 256 bytes of
/// Geneve options comes last, where untunnelled traffic never touches it
/// except to zero it.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Flow {
    // ---- Word 0..: what extraction writes for every packet.
    /// Port number the packet arrived on (`in_port`).
    pub in_port: u32,
    /// OpenFlow packet type, `namespace << 16 | type` (`packet_type`); 0 is
    /// Ethernet.
    pub packet_type: u32,
    /// Ethernet destination.
    pub dl_dst: EthAddr,
    /// Ethernet source.
    pub dl_src: EthAddr,
    /// Ethertype after any VLAN tags; [`ethertype::NOT_ETH_TYPE`] for 802.3
    /// frames that are not SNAP with OUI 0; 0 for frames shorter than an
    /// Ethernet header.
    pub dl_type: u16,
    /// Outermost 802.1Q/802.1ad tag: `PCP << 13 | VLAN_CFI | VID` (OVS
    /// `vlans[0].tci`); 0 when untagged. The tag's own DEI bit is not kept.
    pub vlan_tci: u16,
    /// TPID of the outermost tag (0x8100 or 0x88a8); 0 when untagged.
    pub vlan_tpid: u16,
    /// Second tag's TCI, as [`Flow::vlan_tci`] (`vlan_tci1`).
    pub vlan1_tci: u16,
    /// Second tag's TPID.
    pub vlan1_tpid: u16,
    /// TCP flags (12 bits, see [`tcp_flags`]). For ICMPv6 neighbour
    /// discovery the type of the first link-layer address option
    /// (`nd_options_type`), as in OVS.
    pub tcp_flags: u16,
    /// IPv4 source; for ARP the sender protocol address (`arp_spa`).
    pub nw_src: u32,
    /// IPv4 destination; for ARP the target protocol address (`arp_tpa`).
    pub nw_dst: u32,
    /// IPv4 protocol / IPv6 final next header ([`ipproto::FRAGMENT`] for
    /// later IPv6 fragments); for ARP the opcode when it is at most 255
    /// (`arp_op`).
    pub nw_proto: u8,
    /// Full IPv4 TOS / IPv6 traffic class byte (`nw_tos` is `DSCP << 2`,
    /// `nw_ecn` the low 2 bits).
    pub nw_tos: u8,
    /// IPv4 TTL / IPv6 hop limit.
    pub nw_ttl: u8,
    /// [`FRAG_ANY`] and [`FRAG_LATER`] bits (`ip_frag`).
    pub nw_frag: u8,
    /// TCP/UDP/SCTP source port; ICMP/ICMPv6/IGMP type (`icmp_type`).
    pub tp_src: u16,
    /// TCP/UDP/SCTP destination port; ICMP/ICMPv6/IGMP code (`icmp_code`).
    pub tp_dst: u16,
    /// IPv6 flow label (20 bits).
    pub ipv6_label: u32,
    /// IGMP group address; for ICMPv6 neighbour discovery the 32 bits after
    /// the checksum (`nd_reserved`: the R/S/O flags and reserved bits).
    pub igmp_group_ip4: u32,
    /// Up to [`MAX_MPLS_LABELS`] label stack entries, outermost first, each
    /// `label << 12 | tc << 9 | bos << 8 | ttl`.
    pub mpls_lse: [u32; MAX_MPLS_LABELS],
    /// Datapath hash of the packet (`dp_hash`).
    pub dp_hash: u32,
    /// IPv6 source.
    pub ipv6_src: [u8; 16],
    /// IPv6 destination.
    pub ipv6_dst: [u8; 16],
    /// ND target address (neighbour solicitation and advertisement).
    pub nd_target: [u8; 16],
    /// ARP sender hardware address; ND source link-layer address (`nd_sll`).
    pub arp_sha: EthAddr,
    /// ARP target hardware address; ND target link-layer address (`nd_tll`).
    pub arp_tha: EthAddr,
    /// Recirculation ID (`recirc_id`); 0 for a packet's first pass.
    pub recirc_id: u32,
    /// NSH header fields.
    pub nsh: Nsh,

    // ---- Pipeline and datapath metadata.
    /// OpenFlow metadata (`metadata`).
    pub metadata: u64,
    /// Registers `reg0`..`reg15`.
    pub regs: [u32; FLOW_N_REGS],
    /// Queue priority (`skb_priority`).
    pub skb_priority: u32,
    /// Packet mark (`pkt_mark`).
    pub pkt_mark: u32,
    /// Conjunctive match ID (`conj_id`).
    pub conj_id: u32,
    /// Output port in the action set (`actset_output`).
    pub actset_output: u32,
    /// Connection tracking state, [`ct_state`] bits.
    pub ct_state: u8,
    /// IP protocol of the connection's original direction (`ct_nw_proto`).
    pub ct_nw_proto: u8,
    /// Connection tracking zone (`ct_zone`).
    pub ct_zone: u16,
    /// Connection mark (`ct_mark`).
    pub ct_mark: u32,
    /// Connection label, 128 bits big-endian (`ct_label`).
    pub ct_label: [u8; 16],
    /// Original-direction IPv4 source (`ct_nw_src`).
    pub ct_nw_src: u32,
    /// Original-direction IPv4 destination (`ct_nw_dst`).
    pub ct_nw_dst: u32,
    /// Original-direction IPv6 source (`ct_ipv6_src`).
    pub ct_ipv6_src: [u8; 16],
    /// Original-direction IPv6 destination (`ct_ipv6_dst`).
    pub ct_ipv6_dst: [u8; 16],
    /// Original-direction source port / ICMP type (`ct_tp_src`).
    pub ct_tp_src: u16,
    /// Original-direction destination port / ICMP code (`ct_tp_dst`).
    pub ct_tp_dst: u16,
    /// Padding to 8 bytes; always zero.
    #[doc(hidden)]
    pub pad0: u32,

    // ---- Tunnel, last: large and untouched by untunnelled traffic.
    /// Outer headers of a tunnelled packet.
    pub tunnel: Tunnel,
}

const _: () = {
    assert!(std::mem::size_of::<Flow>() % 8 == 0);
    assert!(std::mem::align_of::<Flow>() == 8);
};

impl Default for Flow {
    /// The all-zero flow (and the mask that matches every packet).
    #[inline]
    fn default() -> Flow {
        bytemuck::Zeroable::zeroed()
    }
}

impl Default for Tunnel {
    fn default() -> Tunnel {
        bytemuck::Zeroable::zeroed()
    }
}

impl Default for TunMetadata {
    fn default() -> TunMetadata {
        bytemuck::Zeroable::zeroed()
    }
}

impl Flow {
    /// MPLS label of the outermost label stack entry (`mpls_label`).
    pub fn mpls_label(&self) -> u32 {
        (self.mpls_lse[0] & MPLS_LABEL_MASK) >> MPLS_LABEL_SHIFT
    }

    /// Traffic class of the outermost label stack entry (`mpls_tc`).
    pub fn mpls_tc(&self) -> u8 {
        ((self.mpls_lse[0] & MPLS_TC_MASK) >> MPLS_TC_SHIFT) as u8
    }

    /// Bottom-of-stack bit of the outermost label stack entry (`mpls_bos`).
    pub fn mpls_bos(&self) -> u8 {
        ((self.mpls_lse[0] & MPLS_BOS_MASK) >> MPLS_BOS_SHIFT) as u8
    }

    /// TTL of the outermost label stack entry (`mpls_ttl`).
    pub fn mpls_ttl(&self) -> u8 {
        (self.mpls_lse[0] & MPLS_TTL_MASK) as u8
    }

    /// VLAN ID of the outer tag (`dl_vlan`).
    pub fn dl_vlan(&self) -> u16 {
        self.vlan_tci & VLAN_VID_MASK
    }

    /// Priority of the outer tag (`dl_vlan_pcp`).
    pub fn dl_vlan_pcp(&self) -> u8 {
        (self.vlan_tci >> VLAN_PCP_SHIFT) as u8
    }

    /// ECN bits of the TOS / traffic class (`nw_ecn`).
    pub fn nw_ecn(&self) -> u8 {
        self.nw_tos & 0x03
    }

    /// 64-bit register `xreg{i}`: `reg{2i}` in the high half.
    pub fn xreg(&self, i: usize) -> u64 {
        u64::from(self.regs[2 * i]) << 32 | u64::from(self.regs[2 * i + 1])
    }
}

#[cfg(test)]
mod tests;
