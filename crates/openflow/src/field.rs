//! The match field registry: one table of every field rvs matches on, with
//! its names, width, maskability, prerequisites, NXM/OXM codes and what
//! OpenFlow 1.0/1.1 can express of it (OVS `lib/meta-flow.h`).
//!
//! Values and masks travel as [`Value`]: the field's bytes in network order.
//! [`access`] reads and writes them in a [`rvs_packet::Flow`].

pub mod access;
mod format;
mod parse;

pub use format::{format_value, port_name, put_hex};
pub use parse::{parse_int, parse_port, parse_value};

use crate::version::{Protocols, Version};

/// What a match on a field requires of the rest of the match (OVS `enum
/// mf_prereqs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prereq {
    /// Nothing.
    None,
    /// An Ethernet packet.
    Ethernet,
    /// ARP or RARP.
    Arp,
    /// A VLAN tag (`vlan_vid` with the CFI bit).
    VlanVid,
    /// IPv4.
    Ipv4,
    /// IPv6.
    Ipv6,
    /// IPv4 or IPv6.
    IpAny,
    /// NSH.
    Nsh,
    /// A tracked connection (`ct_state=+trk`, not `+inv`).
    Ct,
    /// MPLS.
    Mpls,
    /// TCP over IP.
    Tcp,
    /// UDP over IP.
    Udp,
    /// SCTP over IP.
    Sctp,
    /// ICMPv4.
    Icmpv4,
    /// ICMPv6.
    Icmpv6,
    /// Neighbour solicitation or advertisement.
    Nd,
    /// Neighbour solicitation.
    NdSolicit,
    /// Neighbour advertisement.
    NdAdvert,
}

/// How a field's value is written in ovs-ofctl syntax (OVS `enum
/// mf_string`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// Decimal integer.
    Decimal,
    /// Hexadecimal integer.
    Hex,
    /// Conntrack state flags.
    CtState,
    /// Ethernet address.
    Ethernet,
    /// IPv4 address.
    Ipv4,
    /// IPv6 address.
    Ipv6,
    /// OpenFlow 1.0 port.
    OfpPort,
    /// OpenFlow 1.1+ port.
    OfpPortOxm,
    /// Fragment state (`no`, `first`, ...).
    Frag,
    /// Tunnel flags.
    TunFlags,
    /// TCP flags.
    TcpFlags,
    /// `(namespace,type)`.
    PacketType,
}

/// What OpenFlow 1.0 or 1.1's fixed match can express of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixedMatch {
    /// Nothing.
    No,
    /// Exact matches.
    Exact,
    /// CIDR prefixes.
    Cidr,
    /// Any mask.
    Bitwise,
}

/// One NXM or OXM header that can carry a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OxmCode {
    /// The header's name (`NXM_OF_ETH_SRC`).
    pub name: &'static str,
    /// OXM class (0x0000/0x0001 NXM, 0x8000 basic, 0xffff experimenter).
    pub class: u16,
    /// Field number within the class.
    pub field: u8,
    /// Experimenter ID for class 0xffff, else 0.
    pub vendor: u32,
    /// Wire version since which a standard OXM exists; 0 for extensions.
    pub since: u8,
}

const fn nxm0(field: u8, name: &'static str) -> OxmCode {
    OxmCode {
        name,
        class: 0,
        field,
        vendor: 0,
        since: 0,
    }
}
const fn nxm1(field: u8, name: &'static str) -> OxmCode {
    OxmCode {
        name,
        class: 1,
        field,
        vendor: 0,
        since: 0,
    }
}
/// Basic OXM since OpenFlow 1.`minor`.
const fn oxm(field: u8, minor: u8, name: &'static str) -> OxmCode {
    OxmCode {
        name,
        class: 0x8000,
        field,
        vendor: 0,
        since: minor + 1,
    }
}
const fn onf(field: u8, minor: u8, name: &'static str) -> OxmCode {
    OxmCode {
        name,
        class: 0xffff,
        field,
        vendor: crate::error::ONF_VENDOR_ID,
        since: minor + 1,
    }
}
const fn nxexp(field: u8, name: &'static str) -> OxmCode {
    OxmCode {
        name,
        class: 0xffff,
        field,
        vendor: crate::error::NX_VENDOR_ID,
        since: 0,
    }
}
const fn nshexp(field: u8, name: &'static str) -> OxmCode {
    OxmCode {
        name,
        class: 0xffff,
        field,
        vendor: 0x005a_d650,
        since: 0,
    }
}
const fn eric(field: u8, name: &'static str) -> OxmCode {
    OxmCode {
        name,
        class: 0x1000,
        field,
        vendor: 0,
        since: 0,
    }
}

macro_rules! field_ids {
    ($($id:ident),* $(,)?) => {
        /// A match field (OVS `enum mf_field_id`).
        #[allow(missing_docs)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum FieldId { $($id,)* }
    };
}

field_ids! {
    DpHash, RecircId, PacketType, ConjId, TunId, TunSrc, TunDst, TunIpv6Src, TunIpv6Dst,
    TunFlags, TunTtl, TunTos, TunGbpId, TunGbpFlags, Metadata, InPort, InPortOxm,
    ActsetOutput, SkbPriority, PktMark, CtState, CtZone, CtMark, CtLabel, CtNwProto,
    CtNwSrc, CtNwDst, CtIpv6Src, CtIpv6Dst, CtTpSrc, CtTpDst,
    Reg0, Reg1, Reg2, Reg3, Reg4, Reg5, Reg6, Reg7, Reg8, Reg9, Reg10, Reg11, Reg12, Reg13,
    Reg14, Reg15, Xreg0, Xreg1, Xreg2, Xreg3, Xreg4, Xreg5, Xreg6, Xreg7, Xxreg0, Xxreg1,
    Xxreg2, Xxreg3,
    EthSrc, EthDst, EthType, VlanTci, DlVlan, VlanVid, DlVlanPcp, VlanPcp, MplsLabel, MplsTc,
    MplsBos, MplsTtl, Ipv4Src, Ipv4Dst, Ipv6Src, Ipv6Dst, Ipv6Label, IpProto, IpDscp,
    IpDscpShifted, IpEcn, IpTtl, IpFrag, ArpOp, ArpSpa, ArpTpa, ArpSha, ArpTha, TcpSrc,
    TcpDst, TcpFlags, UdpSrc, UdpDst, SctpSrc, SctpDst, Icmpv4Type, Icmpv4Code, Icmpv6Type,
    Icmpv6Code, NdTarget, NdSll, NdTll, NdReserved, NdOptionsType, NshFlags, NshMdtype,
    NshNp, NshSpi, NshSi, NshC1, NshC2, NshC3, NshC4, NshTtl,
}

/// A field's static description (OVS `struct mf_field`).
#[derive(Debug)]
pub struct Field {
    /// The field.
    pub id: FieldId,
    /// Its name in ovs-ofctl syntax.
    pub name: &'static str,
    /// Another accepted name (`dl_src` for `eth_src`).
    pub alias: Option<&'static str>,
    /// Bytes on the wire.
    pub n_bytes: u8,
    /// Meaningful bits (the low ones).
    pub n_bits: u16,
    /// Whether a match may have an arbitrary mask.
    pub maskable: bool,
    /// How the value is written.
    pub syntax: Syntax,
    /// What the rest of the match must say.
    pub prereq: Prereq,
    /// Whether actions may set it.
    pub writable: bool,
    /// What the OpenFlow 1.0 match can say of it.
    pub of10: FixedMatch,
    /// What the OpenFlow 1.1 match can say of it.
    pub of11: FixedMatch,
    /// Its NXM and OXM headers, standard OXMs last in version order.
    pub codes: &'static [OxmCode],
}

use FixedMatch::{Bitwise as B, Cidr as C, Exact as E, No as N};
use Prereq as P;
use Syntax as S;

#[allow(clippy::too_many_arguments)]
const fn f(
    id: FieldId,
    name: &'static str,
    alias: Option<&'static str>,
    n_bits: u16,
    n_bytes: u8,
    maskable: bool,
    syntax: Syntax,
    prereq: Prereq,
    writable: bool,
    of10: FixedMatch,
    of11: FixedMatch,
    codes: &'static [OxmCode],
) -> Field {
    Field {
        id,
        name,
        alias,
        n_bytes,
        n_bits,
        maskable,
        syntax,
        prereq,
        writable,
        of10,
        of11,
        codes,
    }
}

macro_rules! reg {
    ($id:ident, $name:literal, $n:literal) => {
        f(
            FieldId::$id,
            $name,
            None,
            32,
            4,
            true,
            S::Hex,
            P::None,
            true,
            N,
            N,
            &[nxm1($n, concat!("NXM_NX_REG", $n))],
        )
    };
}
macro_rules! xreg {
    ($id:ident, $name:literal, $n:literal) => {
        f(
            FieldId::$id,
            $name,
            None,
            64,
            8,
            true,
            S::Hex,
            P::None,
            true,
            N,
            N,
            &[oxm_pkt_reg($n, concat!("OXM_OF_PKT_REG", $n))],
        )
    };
}
macro_rules! xxreg {
    ($id:ident, $name:literal, $n:literal) => {
        f(
            FieldId::$id,
            $name,
            None,
            128,
            16,
            true,
            S::Hex,
            P::None,
            true,
            N,
            N,
            &[nxm1(111 + $n, concat!("NXM_NX_XXREG", $n))],
        )
    };
}

const fn oxm_pkt_reg(n: u8, name: &'static str) -> OxmCode {
    OxmCode {
        name,
        class: 0x8001,
        field: n,
        vendor: 0,
        since: 4,
    }
}

/// Every field, in [`FieldId`] order: one line per field.
#[rustfmt::skip]
pub static FIELDS: &[Field] = &[
    f(FieldId::DpHash, "dp_hash", None, 32, 4, true, S::Hex, P::None, false, N, N, &[nxm1(35, "NXM_NX_DP_HASH"), nxexp(0, "NXOXM_ET_DP_HASH")]),
    f(FieldId::RecircId, "recirc_id", None, 32, 4, false, S::Decimal, P::None, false, N, N, &[nxm1(36, "NXM_NX_RECIRC_ID")]),
    f(FieldId::PacketType, "packet_type", None, 32, 4, false, S::PacketType, P::None, false, N, N, &[oxm(44, 5, "OXM_OF_PACKET_TYPE")]),
    f(FieldId::ConjId, "conj_id", None, 32, 4, false, S::Decimal, P::None, false, N, N, &[nxm1(37, "NXM_NX_CONJ_ID")]),
    f(FieldId::TunId, "tun_id", Some("tunnel_id"), 64, 8, true, S::Hex, P::None, true, N, N, &[nxm1(16, "NXM_NX_TUN_ID"), oxm(38, 3, "OXM_OF_TUNNEL_ID")]),
    f(FieldId::TunSrc, "tun_src", None, 32, 4, true, S::Ipv4, P::None, true, N, N, &[nxm1(31, "NXM_NX_TUN_IPV4_SRC")]),
    f(FieldId::TunDst, "tun_dst", None, 32, 4, true, S::Ipv4, P::None, true, N, N, &[nxm1(32, "NXM_NX_TUN_IPV4_DST")]),
    f(FieldId::TunIpv6Src, "tun_ipv6_src", None, 128, 16, true, S::Ipv6, P::None, true, N, N, &[nxm1(109, "NXM_NX_TUN_IPV6_SRC")]),
    f(FieldId::TunIpv6Dst, "tun_ipv6_dst", None, 128, 16, true, S::Ipv6, P::None, true, N, N, &[nxm1(110, "NXM_NX_TUN_IPV6_DST")]),
    f(FieldId::TunFlags, "tun_flags", None, 1, 2, true, S::TunFlags, P::None, true, N, N, &[nxm1(104, "NXM_NX_TUN_FLAGS")]),
    f(FieldId::TunTtl, "tun_ttl", None, 8, 1, false, S::Decimal, P::None, false, N, N, &[]),
    f(FieldId::TunTos, "tun_tos", None, 8, 1, false, S::Decimal, P::None, false, N, N, &[]),
    f(FieldId::TunGbpId, "tun_gbp_id", None, 16, 2, true, S::Decimal, P::None, true, N, N, &[nxm1(38, "NXM_NX_TUN_GBP_ID")]),
    f(FieldId::TunGbpFlags, "tun_gbp_flags", None, 8, 1, true, S::Hex, P::None, true, N, N, &[nxm1(39, "NXM_NX_TUN_GBP_FLAGS")]),
    f(FieldId::Metadata, "metadata", None, 64, 8, true, S::Hex, P::None, true, N, B, &[oxm(2, 2, "OXM_OF_METADATA")]),
    f(FieldId::InPort, "in_port", None, 16, 2, false, S::OfpPort, P::None, true, E, E, &[nxm0(0, "NXM_OF_IN_PORT")]),
    f(FieldId::InPortOxm, "in_port_oxm", None, 32, 4, false, S::OfpPortOxm, P::None, true, N, E, &[oxm(0, 2, "OXM_OF_IN_PORT")]),
    f(FieldId::ActsetOutput, "actset_output", None, 32, 4, false, S::OfpPortOxm, P::None, false, N, N, &[ onf(43, 3, "ONFOXM_ET_ACTSET_OUTPUT"), oxm(43, 5, "OXM_OF_ACTSET_OUTPUT"), ]),
    f(FieldId::SkbPriority, "skb_priority", None, 32, 4, false, S::Hex, P::None, false, N, N, &[]),
    f(FieldId::PktMark, "pkt_mark", None, 32, 4, true, S::Hex, P::None, true, N, N, &[nxm1(33, "NXM_NX_PKT_MARK")]),
    f(FieldId::CtState, "ct_state", None, 32, 4, true, S::CtState, P::None, false, N, N, &[nxm1(105, "NXM_NX_CT_STATE")]),
    f(FieldId::CtZone, "ct_zone", None, 16, 2, false, S::Hex, P::None, false, N, N, &[nxm1(106, "NXM_NX_CT_ZONE")]),
    f(FieldId::CtMark, "ct_mark", None, 32, 4, true, S::Hex, P::None, true, N, N, &[nxm1(107, "NXM_NX_CT_MARK")]),
    f(FieldId::CtLabel, "ct_label", None, 128, 16, true, S::Hex, P::None, true, N, N, &[nxm1(108, "NXM_NX_CT_LABEL")]),
    f(FieldId::CtNwProto, "ct_nw_proto", None, 8, 1, false, S::Decimal, P::Ct, false, N, N, &[nxm1(119, "NXM_NX_CT_NW_PROTO")]),
    f(FieldId::CtNwSrc, "ct_nw_src", None, 32, 4, true, S::Ipv4, P::Ct, false, N, N, &[nxm1(120, "NXM_NX_CT_NW_SRC")]),
    f(FieldId::CtNwDst, "ct_nw_dst", None, 32, 4, true, S::Ipv4, P::Ct, false, N, N, &[nxm1(121, "NXM_NX_CT_NW_DST")]),
    f(FieldId::CtIpv6Src, "ct_ipv6_src", None, 128, 16, true, S::Ipv6, P::Ct, false, N, N, &[nxm1(122, "NXM_NX_CT_IPV6_SRC")]),
    f(FieldId::CtIpv6Dst, "ct_ipv6_dst", None, 128, 16, true, S::Ipv6, P::Ct, false, N, N, &[nxm1(123, "NXM_NX_CT_IPV6_DST")]),
    f(FieldId::CtTpSrc, "ct_tp_src", None, 16, 2, true, S::Decimal, P::Ct, false, N, N, &[nxm1(124, "NXM_NX_CT_TP_SRC")]),
    f(FieldId::CtTpDst, "ct_tp_dst", None, 16, 2, true, S::Decimal, P::Ct, false, N, N, &[nxm1(125, "NXM_NX_CT_TP_DST")]),
    reg!(Reg0, "reg0", 0),
    reg!(Reg1, "reg1", 1),
    reg!(Reg2, "reg2", 2),
    reg!(Reg3, "reg3", 3),
    reg!(Reg4, "reg4", 4),
    reg!(Reg5, "reg5", 5),
    reg!(Reg6, "reg6", 6),
    reg!(Reg7, "reg7", 7),
    reg!(Reg8, "reg8", 8),
    reg!(Reg9, "reg9", 9),
    reg!(Reg10, "reg10", 10),
    reg!(Reg11, "reg11", 11),
    reg!(Reg12, "reg12", 12),
    reg!(Reg13, "reg13", 13),
    reg!(Reg14, "reg14", 14),
    reg!(Reg15, "reg15", 15),
    xreg!(Xreg0, "xreg0", 0),
    xreg!(Xreg1, "xreg1", 1),
    xreg!(Xreg2, "xreg2", 2),
    xreg!(Xreg3, "xreg3", 3),
    xreg!(Xreg4, "xreg4", 4),
    xreg!(Xreg5, "xreg5", 5),
    xreg!(Xreg6, "xreg6", 6),
    xreg!(Xreg7, "xreg7", 7),
    xxreg!(Xxreg0, "xxreg0", 0),
    xxreg!(Xxreg1, "xxreg1", 1),
    xxreg!(Xxreg2, "xxreg2", 2),
    xxreg!(Xxreg3, "xxreg3", 3),
    f(FieldId::EthSrc, "eth_src", Some("dl_src"), 48, 6, true, S::Ethernet, P::Ethernet, true, E, B, &[nxm0(2, "NXM_OF_ETH_SRC"), oxm(4, 2, "OXM_OF_ETH_SRC")]),
    f(FieldId::EthDst, "eth_dst", Some("dl_dst"), 48, 6, true, S::Ethernet, P::Ethernet, true, E, B, &[nxm0(1, "NXM_OF_ETH_DST"), oxm(3, 2, "OXM_OF_ETH_DST")]),
    f(FieldId::EthType, "eth_type", Some("dl_type"), 16, 2, false, S::Hex, P::Ethernet, false, E, E, &[nxm0(3, "NXM_OF_ETH_TYPE"), oxm(5, 2, "OXM_OF_ETH_TYPE")]),
    f(FieldId::VlanTci, "vlan_tci", None, 16, 2, true, S::Hex, P::Ethernet, true, E, E, &[nxm0(4, "NXM_OF_VLAN_TCI")]),
    f(FieldId::DlVlan, "dl_vlan", None, 12, 2, false, S::Decimal, P::Ethernet, true, E, E, &[]),
    f(FieldId::VlanVid, "vlan_vid", None, 12, 2, true, S::Decimal, P::Ethernet, true, E, E, &[oxm(6, 2, "OXM_OF_VLAN_VID")]),
    f(FieldId::DlVlanPcp, "dl_vlan_pcp", None, 3, 1, false, S::Decimal, P::Ethernet, true, E, E, &[]),
    f(FieldId::VlanPcp, "vlan_pcp", None, 3, 1, false, S::Decimal, P::VlanVid, true, E, E, &[oxm(7, 2, "OXM_OF_VLAN_PCP")]),
    f(FieldId::MplsLabel, "mpls_label", None, 20, 4, false, S::Decimal, P::Mpls, true, N, E, &[oxm(34, 2, "OXM_OF_MPLS_LABEL")]),
    f(FieldId::MplsTc, "mpls_tc", None, 3, 1, false, S::Decimal, P::Mpls, true, N, E, &[oxm(35, 2, "OXM_OF_MPLS_TC")]),
    f(FieldId::MplsBos, "mpls_bos", None, 1, 1, false, S::Decimal, P::Mpls, false, N, N, &[oxm(36, 3, "OXM_OF_MPLS_BOS")]),
    f(FieldId::MplsTtl, "mpls_ttl", None, 8, 1, false, S::Decimal, P::Mpls, true, N, N, &[nxm1(30, "NXM_NX_MPLS_TTL")]),
    f(FieldId::Ipv4Src, "ip_src", Some("nw_src"), 32, 4, true, S::Ipv4, P::Ipv4, true, C, B, &[nxm0(7, "NXM_OF_IP_SRC"), oxm(11, 2, "OXM_OF_IPV4_SRC")]),
    f(FieldId::Ipv4Dst, "ip_dst", Some("nw_dst"), 32, 4, true, S::Ipv4, P::Ipv4, true, C, B, &[nxm0(8, "NXM_OF_IP_DST"), oxm(12, 2, "OXM_OF_IPV4_DST")]),
    f(FieldId::Ipv6Src, "ipv6_src", None, 128, 16, true, S::Ipv6, P::Ipv6, true, N, N, &[nxm1(19, "NXM_NX_IPV6_SRC"), oxm(26, 2, "OXM_OF_IPV6_SRC")]),
    f(FieldId::Ipv6Dst, "ipv6_dst", None, 128, 16, true, S::Ipv6, P::Ipv6, true, N, N, &[nxm1(20, "NXM_NX_IPV6_DST"), oxm(27, 2, "OXM_OF_IPV6_DST")]),
    f(FieldId::Ipv6Label, "ipv6_label", None, 20, 4, true, S::Hex, P::Ipv6, true, N, N, &[ nxm1(27, "NXM_NX_IPV6_LABEL"), oxm(28, 2, "OXM_OF_IPV6_FLABEL"), ]),
    f(FieldId::IpProto, "nw_proto", Some("ip_proto"), 8, 1, false, S::Decimal, P::IpAny, false, E, E, &[nxm0(6, "NXM_OF_IP_PROTO"), oxm(10, 2, "OXM_OF_IP_PROTO")]),
    f(FieldId::IpDscp, "nw_tos", None, 8, 1, false, S::Decimal, P::IpAny, true, E, E, &[nxm0(5, "NXM_OF_IP_TOS")]),
    f(FieldId::IpDscpShifted, "ip_dscp", None, 6, 1, false, S::Decimal, P::IpAny, true, E, E, &[oxm(8, 2, "OXM_OF_IP_DSCP")]),
    f(FieldId::IpEcn, "nw_ecn", Some("ip_ecn"), 2, 1, false, S::Decimal, P::IpAny, true, N, E, &[nxm1(28, "NXM_NX_IP_ECN"), oxm(9, 2, "OXM_OF_IP_ECN")]),
    f(FieldId::IpTtl, "nw_ttl", None, 8, 1, false, S::Decimal, P::IpAny, true, N, N, &[nxm1(29, "NXM_NX_IP_TTL")]),
    f(FieldId::IpFrag, "ip_frag", Some("nw_frag"), 2, 1, true, S::Frag, P::IpAny, false, N, N, &[nxm1(26, "NXM_NX_IP_FRAG")]),
    f(FieldId::ArpOp, "arp_op", None, 16, 2, false, S::Decimal, P::Arp, true, E, E, &[nxm0(15, "NXM_OF_ARP_OP"), oxm(21, 2, "OXM_OF_ARP_OP")]),
    f(FieldId::ArpSpa, "arp_spa", None, 32, 4, true, S::Ipv4, P::Arp, true, C, B, &[nxm0(16, "NXM_OF_ARP_SPA"), oxm(22, 2, "OXM_OF_ARP_SPA")]),
    f(FieldId::ArpTpa, "arp_tpa", None, 32, 4, true, S::Ipv4, P::Arp, true, C, B, &[nxm0(17, "NXM_OF_ARP_TPA"), oxm(23, 2, "OXM_OF_ARP_TPA")]),
    f(FieldId::ArpSha, "arp_sha", None, 48, 6, true, S::Ethernet, P::Arp, true, N, N, &[nxm1(17, "NXM_NX_ARP_SHA"), oxm(24, 2, "OXM_OF_ARP_SHA")]),
    f(FieldId::ArpTha, "arp_tha", None, 48, 6, true, S::Ethernet, P::Arp, true, N, N, &[nxm1(18, "NXM_NX_ARP_THA"), oxm(25, 2, "OXM_OF_ARP_THA")]),
    f(FieldId::TcpSrc, "tcp_src", Some("tp_src"), 16, 2, true, S::Decimal, P::Tcp, true, E, E, &[nxm0(9, "NXM_OF_TCP_SRC"), oxm(13, 2, "OXM_OF_TCP_SRC")]),
    f(FieldId::TcpDst, "tcp_dst", Some("tp_dst"), 16, 2, true, S::Decimal, P::Tcp, true, E, E, &[nxm0(10, "NXM_OF_TCP_DST"), oxm(14, 2, "OXM_OF_TCP_DST")]),
    f(FieldId::TcpFlags, "tcp_flags", None, 12, 2, true, S::TcpFlags, P::Tcp, false, N, N, &[ nxm1(34, "NXM_NX_TCP_FLAGS"), onf(42, 3, "ONFOXM_ET_TCP_FLAGS"), oxm(42, 5, "OXM_OF_TCP_FLAGS"), ]),
    f(FieldId::UdpSrc, "udp_src", None, 16, 2, true, S::Decimal, P::Udp, true, E, E, &[nxm0(11, "NXM_OF_UDP_SRC"), oxm(15, 2, "OXM_OF_UDP_SRC")]),
    f(FieldId::UdpDst, "udp_dst", None, 16, 2, true, S::Decimal, P::Udp, true, E, E, &[nxm0(12, "NXM_OF_UDP_DST"), oxm(16, 2, "OXM_OF_UDP_DST")]),
    f(FieldId::SctpSrc, "sctp_src", None, 16, 2, true, S::Decimal, P::Sctp, true, N, E, &[oxm(17, 2, "OXM_OF_SCTP_SRC")]),
    f(FieldId::SctpDst, "sctp_dst", None, 16, 2, true, S::Decimal, P::Sctp, true, N, E, &[oxm(18, 2, "OXM_OF_SCTP_DST")]),
    f(FieldId::Icmpv4Type, "icmp_type", None, 8, 1, false, S::Decimal, P::Icmpv4, true, E, E, &[ nxm0(13, "NXM_OF_ICMP_TYPE"), oxm(19, 2, "OXM_OF_ICMPV4_TYPE"), ]),
    f(FieldId::Icmpv4Code, "icmp_code", None, 8, 1, false, S::Decimal, P::Icmpv4, true, E, E, &[ nxm0(14, "NXM_OF_ICMP_CODE"), oxm(20, 2, "OXM_OF_ICMPV4_CODE"), ]),
    f(FieldId::Icmpv6Type, "icmpv6_type", None, 8, 1, false, S::Decimal, P::Icmpv6, true, N, N, &[ nxm1(21, "NXM_NX_ICMPV6_TYPE"), oxm(29, 2, "OXM_OF_ICMPV6_TYPE"), ]),
    f(FieldId::Icmpv6Code, "icmpv6_code", None, 8, 1, false, S::Decimal, P::Icmpv6, true, N, N, &[ nxm1(22, "NXM_NX_ICMPV6_CODE"), oxm(30, 2, "OXM_OF_ICMPV6_CODE"), ]),
    f(FieldId::NdTarget, "nd_target", None, 128, 16, true, S::Ipv6, P::Nd, true, N, N, &[ nxm1(23, "NXM_NX_ND_TARGET"), oxm(31, 2, "OXM_OF_IPV6_ND_TARGET"), ]),
    f(FieldId::NdSll, "nd_sll", None, 48, 6, true, S::Ethernet, P::NdSolicit, true, N, N, &[nxm1(24, "NXM_NX_ND_SLL"), oxm(32, 2, "OXM_OF_IPV6_ND_SLL")]),
    f(FieldId::NdTll, "nd_tll", None, 48, 6, true, S::Ethernet, P::NdAdvert, true, N, N, &[nxm1(25, "NXM_NX_ND_TLL"), oxm(33, 2, "OXM_OF_IPV6_ND_TLL")]),
    f(FieldId::NdReserved, "nd_reserved", None, 32, 4, false, S::Decimal, P::Nd, true, N, N, &[eric(1, "ERICOXM_OF_ICMPV6_ND_RESERVED")]),
    f(FieldId::NdOptionsType, "nd_options_type", None, 8, 1, false, S::Decimal, P::Nd, true, N, N, &[eric(2, "ERICOXM_OF_ICMPV6_ND_OPTIONS_TYPE")]),
    f(FieldId::NshFlags, "nsh_flags", None, 8, 1, true, S::Decimal, P::Nsh, true, N, N, &[nshexp(1, "NXOXM_NSH_FLAGS")]),
    f(FieldId::NshMdtype, "nsh_mdtype", None, 8, 1, false, S::Decimal, P::Nsh, false, N, N, &[nshexp(2, "NXOXM_NSH_MDTYPE")]),
    f(FieldId::NshNp, "nsh_np", None, 8, 1, false, S::Decimal, P::Nsh, false, N, N, &[nshexp(3, "NXOXM_NSH_NP")]),
    f(FieldId::NshSpi, "nsh_spi", Some("nsp"), 24, 4, false, S::Hex, P::Nsh, true, N, N, &[nshexp(4, "NXOXM_NSH_SPI")]),
    f(FieldId::NshSi, "nsh_si", Some("nsi"), 8, 1, false, S::Decimal, P::Nsh, true, N, N, &[nshexp(5, "NXOXM_NSH_SI")]),
    f(FieldId::NshC1, "nsh_c1", Some("nshc1"), 32, 4, true, S::Hex, P::Nsh, true, N, N, &[nshexp(6, "NXOXM_NSH_C1")]),
    f(FieldId::NshC2, "nsh_c2", Some("nshc2"), 32, 4, true, S::Hex, P::Nsh, true, N, N, &[nshexp(7, "NXOXM_NSH_C2")]),
    f(FieldId::NshC3, "nsh_c3", Some("nshc3"), 32, 4, true, S::Hex, P::Nsh, true, N, N, &[nshexp(8, "NXOXM_NSH_C3")]),
    f(FieldId::NshC4, "nsh_c4", Some("nshc4"), 32, 4, true, S::Hex, P::Nsh, true, N, N, &[nshexp(9, "NXOXM_NSH_C4")]),
    f(FieldId::NshTtl, "nsh_ttl", None, 8, 1, false, S::Decimal, P::Nsh, true, N, N, &[nshexp(10, "NXOXM_NSH_TTL")]),
];

impl FieldId {
    /// The field's description.
    pub fn field(self) -> &'static Field {
        &FIELDS[self as usize]
    }

    /// `reg{i}`.
    pub fn reg(i: usize) -> FieldId {
        FIELDS[FieldId::Reg0 as usize + i].id
    }
}

/// A field by name or alias (OVS `mf_from_name()`).
pub fn by_name(name: &str) -> Option<&'static Field> {
    FIELDS
        .iter()
        .find(|f| f.name == name || f.alias == Some(name))
}

/// A field by its NXM/OXM header: class, field number and experimenter.
pub fn by_code(class: u16, field: u8, vendor: u32) -> Option<&'static Field> {
    FIELDS.iter().find(|f| {
        f.codes
            .iter()
            .any(|c| c.class == class && c.field == field && c.vendor == vendor)
    })
}

impl Field {
    /// The header to write the field with in `version` (`None`: NXM, as in
    /// an OpenFlow 1.0 NXT_FLOW_MOD): the newest code the version has, else
    /// the first one (what OVS's `nxm_field_by_mf_id()` picks).
    pub fn code_for(&self, version: Option<Version>) -> Option<&'static OxmCode> {
        let v = version.map_or(0, Version::wire);
        let mut best: Option<&'static OxmCode> = None;
        for c in self.codes {
            match best {
                None => best = Some(c),
                Some(b) if c.since <= v && c.since > b.since => best = Some(c),
                _ => {}
            }
        }
        best
    }

    fn protocol_set(&self, of10: bool, of11: bool) -> Protocols {
        let oxm = !self.codes.is_empty() || matches!(self.id, FieldId::DlVlan | FieldId::DlVlanPcp);
        let dl_vlan_like = matches!(self.id, FieldId::DlVlan | FieldId::DlVlanPcp);
        match (of10 || dl_vlan_like, of11 || dl_vlan_like, oxm) {
            (true, true, true) => Protocols::ANY,
            (false, true, true) => Protocols::NXM_OF11_UP,
            (false, false, true) => Protocols::NXM_OXM_ANY,
            _ => Protocols::NONE,
        }
    }

    /// Protocols that can express an exact match on the field.
    pub fn usable_exact(&self) -> Protocols {
        self.protocol_set(self.of10 != N, self.of11 != N)
    }

    /// Protocols that can express a CIDR-masked match.
    pub fn usable_cidr(&self) -> Protocols {
        if !self.maskable {
            return Protocols::NONE;
        }
        self.protocol_set(matches!(self.of10, C | B), self.of11 == B)
    }

    /// Protocols that can express an arbitrary mask.
    pub fn usable_bitwise(&self) -> Protocols {
        if !self.maskable {
            return Protocols::NONE;
        }
        self.protocol_set(self.of10 == B, self.of11 == B)
    }
}

/// A field value or mask: the field's bytes, network order, in the first
/// `n_bytes` of 16.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Value(pub [u8; 16]);

impl Value {
    /// The value of an `n`-byte field from the low bytes of an integer.
    pub fn from_u128(v: u128, n: usize) -> Value {
        let mut out = [0; 16];
        out[..n].copy_from_slice(&v.to_be_bytes()[16 - n..]);
        Value(out)
    }

    /// The first `n` bytes as an integer.
    pub fn to_u128(&self, n: usize) -> u128 {
        let mut b = [0; 16];
        b[16 - n..].copy_from_slice(&self.0[..n]);
        u128::from_be_bytes(b)
    }

    /// The all-ones mask of an `n`-byte field.
    pub fn ones(n: usize) -> Value {
        let mut out = [0; 16];
        out[..n].fill(0xff);
        Value(out)
    }

    /// True if the first `n` bytes are zero.
    pub fn is_zero(&self, n: usize) -> bool {
        self.0[..n].iter().all(|&b| b == 0)
    }

    /// True if the first `n` bytes are all ones.
    pub fn is_ones(&self, n: usize) -> bool {
        self.0[..n].iter().all(|&b| b == 0xff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_in_id_order() {
        for (i, f) in FIELDS.iter().enumerate() {
            assert_eq!(f.id as usize, i, "{}", f.name);
        }
        assert_eq!(by_name("dl_src").map(|f| f.id), Some(FieldId::EthSrc));
        assert_eq!(by_name("reg7").map(|f| f.id), Some(FieldId::Reg7));
    }

    #[test]
    fn usable_protocols_as_ovs() {
        let src = FieldId::Ipv4Src.field();
        assert_eq!(src.usable_exact(), Protocols::ANY);
        assert_eq!(src.usable_cidr(), Protocols::ANY);
        assert_eq!(src.usable_bitwise(), Protocols::NXM_OF11_UP);
        let eth = FieldId::EthSrc.field();
        assert_eq!(eth.usable_cidr(), Protocols::NXM_OF11_UP);
        assert_eq!(FieldId::Reg0.field().usable_exact(), Protocols::NXM_OXM_ANY);
        assert_eq!(
            FieldId::Metadata.field().usable_exact(),
            Protocols::NXM_OF11_UP
        );
    }

    #[test]
    fn codes_by_version() {
        let tf = FieldId::TcpFlags.field();
        assert_eq!(tf.code_for(None).map(|c| c.class), Some(1));
        assert_eq!(
            tf.code_for(Some(Version::Of13)).map(|c| c.vendor),
            Some(crate::error::ONF_VENDOR_ID)
        );
        assert_eq!(
            tf.code_for(Some(Version::Of15)).map(|c| c.class),
            Some(0x8000)
        );
        let md = FieldId::Metadata.field();
        assert_eq!(md.code_for(None).map(|c| c.class), Some(0x8000));
    }
}
