//! OpenFlow 1.0's fixed 40-byte `ofp_match`.

use bytes::{Buf, BufMut};
use rvs_packet::{EthAddr, VLAN_CFI, VLAN_PCP_MASK, VLAN_PCP_SHIFT, VLAN_VID_MASK};

use super::Match;
use crate::error::{OfpError, Result};

/// Bytes in `ofp10_match`.
pub const LEN: usize = 40;

/// Wildcard bits (`OFPFW10_*`).
pub mod wc {
    /// Switch input port.
    pub const IN_PORT: u32 = 1 << 0;
    /// VLAN ID.
    pub const DL_VLAN: u32 = 1 << 1;
    /// Ethernet source.
    pub const DL_SRC: u32 = 1 << 2;
    /// Ethernet destination.
    pub const DL_DST: u32 = 1 << 3;
    /// Ethertype.
    pub const DL_TYPE: u32 = 1 << 4;
    /// IP protocol.
    pub const NW_PROTO: u32 = 1 << 5;
    /// Transport source port.
    pub const TP_SRC: u32 = 1 << 6;
    /// Transport destination port.
    pub const TP_DST: u32 = 1 << 7;
    /// Shift of the count of wildcarded low bits of `nw_src`.
    pub const NW_SRC_SHIFT: u32 = 8;
    /// Shift of the count of wildcarded low bits of `nw_dst`.
    pub const NW_DST_SHIFT: u32 = 14;
    /// VLAN priority.
    pub const DL_VLAN_PCP: u32 = 1 << 20;
    /// IP ToS (DSCP bits).
    pub const NW_TOS: u32 = 1 << 21;
    /// Every wildcard bit.
    pub const ALL: u32 = (1 << 22) - 1;
}

/// `dl_vlan` value meaning "no VLAN tag" (`OFP10_VLAN_NONE`).
pub const VLAN_NONE: u16 = 0xffff;

/// The raw `ofp10_match`, as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RawMatch10 {
    /// `OFPFW10_*` bits.
    pub wildcards: u32,
    /// Input port.
    pub in_port: u16,
    /// Ethernet source.
    pub dl_src: EthAddr,
    /// Ethernet destination.
    pub dl_dst: EthAddr,
    /// VLAN ID or [`VLAN_NONE`].
    pub dl_vlan: u16,
    /// VLAN priority.
    pub dl_vlan_pcp: u8,
    /// Ethertype.
    pub dl_type: u16,
    /// IP ToS.
    pub nw_tos: u8,
    /// IP protocol or ARP opcode.
    pub nw_proto: u8,
    /// IP source.
    pub nw_src: u32,
    /// IP destination.
    pub nw_dst: u32,
    /// Transport source port / ICMP type.
    pub tp_src: u16,
    /// Transport destination port / ICMP code.
    pub tp_dst: u16,
}

fn get_eth(b: &mut &[u8]) -> EthAddr {
    let mut a = [0; 6];
    b.copy_to_slice(&mut a);
    EthAddr(a)
}

impl RawMatch10 {
    /// Reads 40 bytes.
    pub fn decode(b: &mut &[u8]) -> Result<RawMatch10> {
        if b.len() < LEN {
            return Err(OfpError::OFPBRC_BAD_LEN);
        }
        let wildcards = b.get_u32();
        let in_port = b.get_u16();
        let dl_src = get_eth(b);
        let dl_dst = get_eth(b);
        let dl_vlan = b.get_u16();
        let dl_vlan_pcp = b.get_u8();
        b.advance(1);
        let dl_type = b.get_u16();
        let nw_tos = b.get_u8();
        let nw_proto = b.get_u8();
        b.advance(2);
        Ok(RawMatch10 {
            wildcards,
            in_port,
            dl_src,
            dl_dst,
            dl_vlan,
            dl_vlan_pcp,
            dl_type,
            nw_tos,
            nw_proto,
            nw_src: b.get_u32(),
            nw_dst: b.get_u32(),
            tp_src: b.get_u16(),
            tp_dst: b.get_u16(),
        })
    }

    /// Writes 40 bytes.
    pub fn encode(&self, out: &mut impl BufMut) {
        out.put_u32(self.wildcards);
        out.put_u16(self.in_port);
        out.put_slice(&self.dl_src.0);
        out.put_slice(&self.dl_dst.0);
        out.put_u16(self.dl_vlan);
        out.put_u8(self.dl_vlan_pcp);
        out.put_u8(0);
        out.put_u16(self.dl_type);
        out.put_u8(self.nw_tos);
        out.put_u8(self.nw_proto);
        out.put_u16(0);
        out.put_u32(self.nw_src);
        out.put_u32(self.nw_dst);
        out.put_u16(self.tp_src);
        out.put_u16(self.tp_dst);
    }
}

/// `ofputil_wcbits_to_netmask()`.
pub fn wcbits_to_netmask(bits: u32) -> u32 {
    let bits = bits & 0x3f;
    if bits < 32 {
        !((1u32 << bits) - 1)
    } else {
        0
    }
}

/// `ofputil_netmask_to_wcbits()`: wildcarded low bits of a CIDR mask.
pub fn netmask_to_wcbits(mask: u32) -> u32 {
    32 - mask.leading_ones()
}

impl Match {
    /// The match an `ofp10_match` means (OVS `ofputil_match_from_ofp10_match()`).
    pub fn from_of10(m: &RawMatch10) -> Match {
        use wc::*;
        let w = m.wildcards & ALL;
        let mut r = Match::default();
        let k = &mut r.mask;
        if w & IN_PORT == 0 {
            k.in_port = 0xffff;
        }
        if w & NW_TOS == 0 {
            k.nw_tos |= 0xfc;
        }
        if w & NW_PROTO == 0 {
            k.nw_proto = u8::MAX;
        }
        k.nw_src = wcbits_to_netmask(w >> NW_SRC_SHIFT);
        k.nw_dst = wcbits_to_netmask(w >> NW_DST_SHIFT);
        if w & TP_SRC == 0 {
            k.tp_src = u16::MAX;
        }
        if w & TP_DST == 0 {
            k.tp_dst = u16::MAX;
        }
        if w & DL_SRC == 0 {
            k.dl_src = EthAddr::BROADCAST;
        }
        if w & DL_DST == 0 {
            k.dl_dst = EthAddr::BROADCAST;
        }
        if w & DL_TYPE == 0 {
            k.dl_type = u16::MAX;
        }
        if w & DL_VLAN_PCP == 0 {
            k.vlan_tci |= VLAN_PCP_MASK | VLAN_CFI;
        }
        if w & DL_VLAN == 0 {
            k.vlan_tci |= VLAN_VID_MASK | VLAN_CFI;
        }
        let data_bits =
            NW_TOS | NW_PROTO | TP_SRC | TP_DST | DL_SRC | DL_DST | DL_TYPE | DL_VLAN | DL_VLAN_PCP;
        if w & data_bits != data_bits
            || wcbits_to_netmask(w >> NW_SRC_SHIFT) != 0
            || wcbits_to_netmask(w >> NW_DST_SHIFT) != 0
        {
            r.set_default_packet_type();
        }
        let f = &mut r.flow;
        f.nw_src = m.nw_src;
        f.nw_dst = m.nw_dst;
        f.in_port = m.in_port.into();
        f.dl_type = m.dl_type;
        f.tp_src = m.tp_src;
        f.tp_dst = m.tp_dst;
        f.dl_src = m.dl_src;
        f.dl_dst = m.dl_dst;
        f.nw_tos = m.nw_tos & 0xfc;
        f.nw_proto = m.nw_proto;
        if w & DL_VLAN == 0 && m.dl_vlan == VLAN_NONE {
            f.vlan_tci = 0;
            r.mask.vlan_tci = u16::MAX;
        } else {
            let tci = (m.dl_vlan & VLAN_VID_MASK)
                | ((u16::from(m.dl_vlan_pcp) << VLAN_PCP_SHIFT) & VLAN_PCP_MASK)
                | VLAN_CFI;
            f.vlan_tci = tci & r.mask.vlan_tci;
        }
        r.flow = r.flow.masked(&r.mask);
        r
    }

    /// The `ofp10_match` for this match (OVS `ofputil_match_to_ofp10_match()`);
    /// what it cannot say is dropped, so check the usable protocols first.
    pub fn to_of10(&self) -> RawMatch10 {
        use wc::*;
        let (f, k) = (&self.flow, &self.mask);
        let mut w = 0;
        if k.in_port == 0 {
            w |= IN_PORT;
        }
        if k.dl_type == 0 {
            w |= DL_TYPE;
        }
        if k.nw_proto == 0 {
            w |= NW_PROTO;
        }
        w |= netmask_to_wcbits(k.nw_src) << NW_SRC_SHIFT;
        w |= netmask_to_wcbits(k.nw_dst) << NW_DST_SHIFT;
        if k.nw_tos & 0xfc == 0 {
            w |= NW_TOS;
        }
        if k.tp_src == 0 {
            w |= TP_SRC;
        }
        if k.tp_dst == 0 {
            w |= TP_DST;
        }
        if k.dl_src.is_zero() {
            w |= DL_SRC;
        }
        if k.dl_dst.is_zero() {
            w |= DL_DST;
        }
        let (mut dl_vlan, mut dl_vlan_pcp) = (0, 0);
        if k.vlan_tci == 0 {
            w |= DL_VLAN | DL_VLAN_PCP;
        } else if k.vlan_tci & VLAN_CFI != 0 && f.vlan_tci & VLAN_CFI == 0 {
            dl_vlan = VLAN_NONE;
        } else {
            if k.vlan_tci & VLAN_VID_MASK == 0 {
                w |= DL_VLAN;
            } else {
                dl_vlan = f.vlan_tci & VLAN_VID_MASK;
            }
            if k.vlan_tci & VLAN_PCP_MASK == 0 {
                w |= DL_VLAN_PCP;
            } else {
                dl_vlan_pcp = (f.vlan_tci >> VLAN_PCP_SHIFT) as u8;
            }
        }
        RawMatch10 {
            wildcards: w,
            in_port: f.in_port as u16,
            dl_src: f.dl_src,
            dl_dst: f.dl_dst,
            dl_vlan,
            dl_vlan_pcp,
            dl_type: f.dl_type,
            nw_tos: f.nw_tos & 0xfc,
            nw_proto: f.nw_proto,
            nw_src: f.nw_src,
            nw_dst: f.nw_dst,
            tp_src: f.tp_src,
            tp_dst: f.tp_dst,
        }
    }
}

impl RawMatch10 {
    /// The raw match as OVS's `ofp10_match_to_string()` prints it: wildcarded
    /// fields as `field=*` at verbosity 2 and up, omitted below.
    pub fn to_text(&self, verbosity: i32) -> String {
        use std::fmt::Write;
        use wc::*;
        let w = self.wildcards;
        let mut f = String::new();
        let (mut skip_type, mut skip_proto) = (false, false);
        if w & DL_TYPE == 0 {
            skip_type = true;
            match self.dl_type {
                0x0800 => {
                    if w & NW_PROTO == 0 {
                        skip_proto = true;
                        match self.nw_proto {
                            1 => f.push_str("icmp,"),
                            6 => f.push_str("tcp,"),
                            17 => f.push_str("udp,"),
                            132 => f.push_str("sctp,"),
                            _ => {
                                f.push_str("ip,");
                                skip_proto = false;
                            }
                        }
                    } else {
                        f.push_str("ip,");
                    }
                }
                0x0806 => f.push_str("arp,"),
                0x8035 => f.push_str("rarp,"),
                0x8847 => f.push_str("mpls,"),
                0x8848 => f.push_str("mplsm,"),
                _ => skip_type = false,
            }
        }
        let wild = |f: &mut String, leader: &str, is_wild: bool, val: String| {
            if is_wild && verbosity < 2 {
                return;
            }
            f.push_str(leader);
            if is_wild {
                f.push('*');
            } else {
                f.push_str(&val);
            }
            f.push(',');
        };
        wild(
            &mut f,
            "in_port=",
            w & IN_PORT != 0,
            crate::field::port_name(self.in_port.into()),
        );
        wild(
            &mut f,
            "dl_vlan=",
            w & DL_VLAN != 0,
            self.dl_vlan.to_string(),
        );
        wild(
            &mut f,
            "dl_vlan_pcp=",
            w & DL_VLAN_PCP != 0,
            self.dl_vlan_pcp.to_string(),
        );
        wild(&mut f, "dl_src=", w & DL_SRC != 0, self.dl_src.to_string());
        wild(&mut f, "dl_dst=", w & DL_DST != 0, self.dl_dst.to_string());
        if !skip_type {
            wild(
                &mut f,
                "dl_type=",
                w & DL_TYPE != 0,
                format!("0x{:04x}", self.dl_type),
            );
        }
        for (leader, ip, shift) in [
            ("nw_src=", self.nw_src, NW_SRC_SHIFT),
            ("nw_dst=", self.nw_dst, NW_DST_SHIFT),
        ] {
            let bits = (w >> shift) & 0x3f;
            if bits >= 32 && verbosity < 2 {
                continue;
            }
            f.push_str(leader);
            if bits < 32 {
                let _ = write!(f, "{}", std::net::Ipv4Addr::from(ip));
                if bits != 0 {
                    let _ = write!(f, "/{}", 32 - bits);
                }
            } else {
                f.push('*');
            }
            f.push(',');
        }
        if !skip_proto {
            let leader = if matches!(self.dl_type, 0x0806 | 0x8035) {
                "arp_op="
            } else {
                "nw_proto="
            };
            wild(&mut f, leader, w & NW_PROTO != 0, self.nw_proto.to_string());
        }
        wild(&mut f, "nw_tos=", w & NW_TOS != 0, self.nw_tos.to_string());
        if self.nw_proto == 1 {
            wild(
                &mut f,
                "icmp_type=",
                w & TP_SRC != 0,
                self.tp_src.to_string(),
            );
            wild(
                &mut f,
                "icmp_code=",
                w & TP_DST != 0,
                self.tp_dst.to_string(),
            );
        } else {
            wild(&mut f, "tp_src=", w & TP_SRC != 0, self.tp_src.to_string());
            wild(&mut f, "tp_dst=", w & TP_DST != 0, self.tp_dst.to_string());
        }
        if f.ends_with(',') {
            f.pop();
        }
        f
    }
}
