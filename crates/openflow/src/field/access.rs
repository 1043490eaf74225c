//! Reading and writing a field's wire bits in a [`Flow`] (values or masks).
//!
//! `get` and `set` see the field as OpenFlow does: `vlan_vid` includes the
//! "present" bit, `ip_dscp` is shifted down, `icmp_type` is a byte. The same
//! functions serve for a flow and for its mask.

use rvs_packet::{EthAddr, Flow, VLAN_CFI, VLAN_PCP_MASK, VLAN_PCP_SHIFT, VLAN_VID_MASK};

use super::FieldId;

fn eth(a: EthAddr) -> u128 {
    a.0.iter().fold(0, |acc, &b| acc << 8 | u128::from(b))
}

fn to_eth(v: u128) -> EthAddr {
    let b = v.to_be_bytes();
    EthAddr(b[10..].try_into().expect("6 bytes"))
}

/// The field `id` of `f`, right-aligned.
pub fn get(f: &Flow, id: FieldId) -> u128 {
    use FieldId::*;
    let t = &f.tunnel;
    match id {
        DpHash => f.dp_hash.into(),
        RecircId => f.recirc_id.into(),
        PacketType => f.packet_type.into(),
        ConjId => f.conj_id.into(),
        TunId => t.tun_id.into(),
        TunSrc => t.ip_src.into(),
        TunDst => t.ip_dst.into(),
        TunIpv6Src => u128::from_be_bytes(t.ipv6_src),
        TunIpv6Dst => u128::from_be_bytes(t.ipv6_dst),
        TunFlags => t.flags.into(),
        TunTtl => t.ip_ttl.into(),
        TunTos => t.ip_tos.into(),
        TunGbpId => t.gbp_id.into(),
        TunGbpFlags => t.gbp_flags.into(),
        Metadata => f.metadata.into(),
        InPort => (f.in_port & 0xffff).into(),
        InPortOxm => port_to_ofp11(f.in_port).into(),
        ActsetOutput => port_to_ofp11(f.actset_output).into(),
        SkbPriority => f.skb_priority.into(),
        PktMark => f.pkt_mark.into(),
        CtState => f.ct_state.into(),
        CtZone => f.ct_zone.into(),
        CtMark => f.ct_mark.into(),
        CtLabel => u128::from_be_bytes(f.ct_label),
        CtNwProto => f.ct_nw_proto.into(),
        CtNwSrc => f.ct_nw_src.into(),
        CtNwDst => f.ct_nw_dst.into(),
        CtIpv6Src => u128::from_be_bytes(f.ct_ipv6_src),
        CtIpv6Dst => u128::from_be_bytes(f.ct_ipv6_dst),
        CtTpSrc => f.ct_tp_src.into(),
        CtTpDst => f.ct_tp_dst.into(),
        Reg0 | Reg1 | Reg2 | Reg3 | Reg4 | Reg5 | Reg6 | Reg7 | Reg8 | Reg9 | Reg10 | Reg11
        | Reg12 | Reg13 | Reg14 | Reg15 => f.regs[id as usize - Reg0 as usize].into(),
        Xreg0 | Xreg1 | Xreg2 | Xreg3 | Xreg4 | Xreg5 | Xreg6 | Xreg7 => {
            f.xreg(id as usize - Xreg0 as usize).into()
        }
        Xxreg0 | Xxreg1 | Xxreg2 | Xxreg3 => {
            let i = 2 * (id as usize - Xxreg0 as usize);
            u128::from(f.xreg(i)) << 64 | u128::from(f.xreg(i + 1))
        }
        EthSrc => eth(f.dl_src),
        EthDst => eth(f.dl_dst),
        EthType => f.dl_type.into(),
        VlanTci => f.vlan_tci.into(),
        DlVlan => (f.vlan_tci & VLAN_VID_MASK).into(),
        VlanVid => (f.vlan_tci & (VLAN_VID_MASK | VLAN_CFI)).into(),
        DlVlanPcp | VlanPcp => ((f.vlan_tci & VLAN_PCP_MASK) >> VLAN_PCP_SHIFT).into(),
        MplsLabel => f.mpls_label().into(),
        MplsTc => f.mpls_tc().into(),
        MplsBos => f.mpls_bos().into(),
        MplsTtl => f.mpls_ttl().into(),
        Ipv4Src | ArpSpa => f.nw_src.into(),
        Ipv4Dst | ArpTpa => f.nw_dst.into(),
        Ipv6Src => u128::from_be_bytes(f.ipv6_src),
        Ipv6Dst => u128::from_be_bytes(f.ipv6_dst),
        Ipv6Label => f.ipv6_label.into(),
        IpProto | ArpOp => f.nw_proto.into(),
        IpDscp => (f.nw_tos & 0xfc).into(),
        IpDscpShifted => (f.nw_tos >> 2).into(),
        IpEcn => (f.nw_tos & 3).into(),
        IpTtl => f.nw_ttl.into(),
        IpFrag => f.nw_frag.into(),
        ArpSha | NdSll => eth(f.arp_sha),
        ArpTha | NdTll => eth(f.arp_tha),
        TcpSrc | UdpSrc | SctpSrc => f.tp_src.into(),
        TcpDst | UdpDst | SctpDst => f.tp_dst.into(),
        Icmpv4Type | Icmpv6Type => (f.tp_src & 0xff).into(),
        Icmpv4Code | Icmpv6Code => (f.tp_dst & 0xff).into(),
        TcpFlags => f.tcp_flags.into(),
        NdOptionsType => (f.tcp_flags & 0xff).into(),
        NdTarget => u128::from_be_bytes(f.nd_target),
        NdReserved => f.igmp_group_ip4.into(),
        NshFlags => f.nsh.flags.into(),
        NshMdtype => f.nsh.mdtype.into(),
        NshNp => f.nsh.np.into(),
        NshSpi => (f.nsh.path_hdr >> 8).into(),
        NshSi => (f.nsh.path_hdr & 0xff).into(),
        NshC1 | NshC2 | NshC3 | NshC4 => f.nsh.context[id as usize - NshC1 as usize].into(),
        NshTtl => f.nsh.ttl.into(),
    }
}

/// Sets the field `id` of `f` to `v` (right-aligned, truncated to the field).
pub fn set(f: &mut Flow, id: FieldId, v: u128) {
    use FieldId::*;
    let (v8, v16, v32, v64) = (v as u8, v as u16, v as u32, v as u64);
    let t = &mut f.tunnel;
    match id {
        DpHash => f.dp_hash = v32,
        RecircId => f.recirc_id = v32,
        PacketType => f.packet_type = v32,
        ConjId => f.conj_id = v32,
        TunId => t.tun_id = v64,
        TunSrc => t.ip_src = v32,
        TunDst => t.ip_dst = v32,
        TunIpv6Src => t.ipv6_src = v.to_be_bytes(),
        TunIpv6Dst => t.ipv6_dst = v.to_be_bytes(),
        TunFlags => t.flags = v16,
        TunTtl => t.ip_ttl = v8,
        TunTos => t.ip_tos = v8,
        TunGbpId => t.gbp_id = v16,
        TunGbpFlags => t.gbp_flags = v8,
        Metadata => f.metadata = v64,
        InPort => f.in_port = v16.into(),
        InPortOxm => f.in_port = port_from_ofp11_lossy(v32),
        ActsetOutput => f.actset_output = port_from_ofp11_lossy(v32),
        SkbPriority => f.skb_priority = v32,
        PktMark => f.pkt_mark = v32,
        CtState => f.ct_state = v8,
        CtZone => f.ct_zone = v16,
        CtMark => f.ct_mark = v32,
        CtLabel => f.ct_label = v.to_be_bytes(),
        CtNwProto => f.ct_nw_proto = v8,
        CtNwSrc => f.ct_nw_src = v32,
        CtNwDst => f.ct_nw_dst = v32,
        CtIpv6Src => f.ct_ipv6_src = v.to_be_bytes(),
        CtIpv6Dst => f.ct_ipv6_dst = v.to_be_bytes(),
        CtTpSrc => f.ct_tp_src = v16,
        CtTpDst => f.ct_tp_dst = v16,
        Reg0 | Reg1 | Reg2 | Reg3 | Reg4 | Reg5 | Reg6 | Reg7 | Reg8 | Reg9 | Reg10 | Reg11
        | Reg12 | Reg13 | Reg14 | Reg15 => f.regs[id as usize - Reg0 as usize] = v32,
        Xreg0 | Xreg1 | Xreg2 | Xreg3 | Xreg4 | Xreg5 | Xreg6 | Xreg7 => {
            let i = 2 * (id as usize - Xreg0 as usize);
            f.regs[i] = (v64 >> 32) as u32;
            f.regs[i + 1] = v32;
        }
        Xxreg0 | Xxreg1 | Xxreg2 | Xxreg3 => {
            let i = 4 * (id as usize - Xxreg0 as usize);
            for k in 0..4 {
                f.regs[i + k] = (v >> (96 - 32 * k)) as u32;
            }
        }
        EthSrc => f.dl_src = to_eth(v),
        EthDst => f.dl_dst = to_eth(v),
        EthType => f.dl_type = v16,
        VlanTci => f.vlan_tci = v16,
        DlVlan => f.vlan_tci = (f.vlan_tci & !VLAN_VID_MASK) | (v16 & VLAN_VID_MASK),
        VlanVid => f.vlan_tci = (f.vlan_tci & VLAN_PCP_MASK) | (v16 & (VLAN_VID_MASK | VLAN_CFI)),
        DlVlanPcp | VlanPcp => {
            f.vlan_tci = (f.vlan_tci & !VLAN_PCP_MASK) | ((v16 << VLAN_PCP_SHIFT) & VLAN_PCP_MASK)
        }
        MplsLabel => f.mpls_lse[0] = (f.mpls_lse[0] & 0xfff) | (v32 << 12),
        MplsTc => f.mpls_lse[0] = (f.mpls_lse[0] & !0xe00) | ((v32 & 7) << 9),
        MplsBos => f.mpls_lse[0] = (f.mpls_lse[0] & !0x100) | ((v32 & 1) << 8),
        MplsTtl => f.mpls_lse[0] = (f.mpls_lse[0] & !0xff) | (v32 & 0xff),
        Ipv4Src | ArpSpa => f.nw_src = v32,
        Ipv4Dst | ArpTpa => f.nw_dst = v32,
        Ipv6Src => f.ipv6_src = v.to_be_bytes(),
        Ipv6Dst => f.ipv6_dst = v.to_be_bytes(),
        Ipv6Label => f.ipv6_label = v32,
        IpProto | ArpOp => f.nw_proto = v8,
        IpDscp => f.nw_tos = (f.nw_tos & 3) | (v8 & 0xfc),
        IpDscpShifted => f.nw_tos = (f.nw_tos & 3) | (v8 << 2),
        IpEcn => f.nw_tos = (f.nw_tos & 0xfc) | (v8 & 3),
        IpTtl => f.nw_ttl = v8,
        IpFrag => f.nw_frag = v8,
        ArpSha | NdSll => f.arp_sha = to_eth(v),
        ArpTha | NdTll => f.arp_tha = to_eth(v),
        TcpSrc | UdpSrc | SctpSrc => f.tp_src = v16,
        TcpDst | UdpDst | SctpDst => f.tp_dst = v16,
        Icmpv4Type | Icmpv6Type => f.tp_src = v8.into(),
        Icmpv4Code | Icmpv6Code => f.tp_dst = v8.into(),
        TcpFlags => f.tcp_flags = v16,
        NdOptionsType => f.tcp_flags = v8.into(),
        NdTarget => f.nd_target = v.to_be_bytes(),
        NdReserved => f.igmp_group_ip4 = v32,
        NshFlags => f.nsh.flags = v8,
        NshMdtype => f.nsh.mdtype = v8,
        NshNp => f.nsh.np = v8,
        NshSpi => f.nsh.path_hdr = (f.nsh.path_hdr & 0xff) | (v32 << 8),
        NshSi => f.nsh.path_hdr = (f.nsh.path_hdr & !0xff) | u32::from(v8),
        NshC1 | NshC2 | NshC3 | NshC4 => f.nsh.context[id as usize - NshC1 as usize] = v32,
        NshTtl => f.nsh.ttl = v8,
    }
}

/// An OpenFlow 1.0 port number as OpenFlow 1.1+ writes it (OVS
/// `ofputil_port_to_ofp11()`): reserved ports move to the top.
pub fn port_to_ofp11(p: u32) -> u32 {
    if p >= 0xff00 {
        p + 0xffff_0000
    } else {
        p
    }
}

/// An OpenFlow 1.1+ port as an OpenFlow 1.0 port, or `None` if it has no
/// 16-bit form (OVS `ofputil_port_from_ofp11()` fails with
/// `OFPBAC_BAD_OUT_PORT`).
pub fn port_from_ofp11(p: u32) -> Option<u32> {
    if p < 0xff00 {
        Some(p)
    } else if p >= 0xffff_ff00 {
        Some(p - 0xffff_0000)
    } else {
        None
    }
}

fn port_from_ofp11_lossy(p: u32) -> u32 {
    if p == u32::MAX {
        // A mask.
        return 0xffff;
    }
    port_from_ofp11(p).unwrap_or(p & 0xffff)
}
