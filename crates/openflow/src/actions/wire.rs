//! OpenFlow 1.0 actions, OpenFlow 1.1+ actions and instructions on the wire
//! (OVS `ofpacts_put_openflow_*()`); decoding is in `decode`.

use bytes::BufMut;
use rvs_packet::{ethertype, ipproto, EthAddr, VLAN_CFI};

pub use super::decode::{decode_actions, decode_instructions};
use super::{nx, Action};
use crate::field::{access, FieldId};
use crate::matches::nxm::{self, EntryHeader};
use crate::matches::Match;
use crate::version::Version;

/// Vendor action type (`OFPAT_VENDOR` / `OFPAT_EXPERIMENTER`).
pub const OFPAT_VENDOR: u16 = 0xffff;

/// Pads the action that starts at `start` to a multiple of 8 and sets its
/// length field.
pub fn finish_action(out: &mut Vec<u8>, start: usize) {
    nxm::pad8(out, start);
    let len = (out.len() - start) as u16;
    out[start + 2..start + 4].copy_from_slice(&len.to_be_bytes());
}

/// Writes a standard action: type, length, then `body`, padded.
fn put_std(out: &mut Vec<u8>, type_: u16, body: &[u8]) {
    let start = out.len();
    out.put_u16(type_);
    out.put_u16(0);
    out.extend_from_slice(body);
    finish_action(out, start);
}

/// Writes an OpenFlow 1.2+ set-field action for an exact value.
pub fn put_set_field(
    out: &mut Vec<u8>,
    v: Version,
    field: FieldId,
    value: u128,
    mask: Option<u128>,
) {
    let f = field.field();
    let Some(code) = f.code_for(Some(v)) else {
        return;
    };
    let start = out.len();
    out.put_u16(25);
    out.put_u16(0);
    let n = usize::from(f.n_bytes);
    EntryHeader::of_code(code, n, mask.is_some()).put(out);
    out.extend_from_slice(&value.to_be_bytes()[16 - n..]);
    if let Some(m) = mask {
        out.extend_from_slice(&m.to_be_bytes()[16 - n..]);
    }
    finish_action(out, start);
}

/// Mutable facts about the packet that encoding depends on (OVS records
/// them on the actions during `ofpacts_check()`).
#[derive(Debug, Clone, Copy)]
struct Ctx {
    has_vlan: bool,
    nw_proto: u8,
    ip: bool,
}

impl Ctx {
    fn of(m: &Match) -> Ctx {
        Ctx {
            has_vlan: m.flow.vlan_tci & VLAN_CFI != 0,
            nw_proto: m.flow.nw_proto,
            ip: matches!(m.flow.dl_type, ethertype::IPV4 | ethertype::IPV6),
        }
    }
}

/// Encodes `acts` as an OpenFlow action list of version `v` (no
/// instructions; those in `acts` are dropped unless `v` is 1.0, where the
/// Nicira forms exist).
pub fn encode_actions(acts: &[Action], v: Version, m: &Match, out: &mut Vec<u8>) {
    let mut ctx = Ctx::of(m);
    for a in acts {
        encode_action(a, v, &mut ctx, out);
    }
}

fn encode_action(a: &Action, v: Version, ctx: &mut Ctx, out: &mut Vec<u8>) {
    let of10 = v == Version::Of10;
    let pre12 = v < Version::Of12;
    match a {
        Action::Output { port: p, max_len } => {
            if of10 {
                let mut b = Vec::new();
                b.put_u16(*p as u16);
                b.put_u16(*max_len);
                put_std(out, 0, &b);
            } else {
                let mut b = Vec::new();
                b.put_u32(access::port_to_ofp11(*p));
                b.put_u16(*max_len);
                put_std(out, 0, &b);
            }
        }
        Action::Enqueue { port: p, queue } => {
            if of10 {
                let mut b = Vec::new();
                b.put_u16(*p as u16);
                b.put_slice(&[0; 6]);
                b.put_u32(*queue);
                put_std(out, 11, &b);
            } else {
                put_std(out, 21, &queue.to_be_bytes());
                let mut b = Vec::new();
                b.put_u32(access::port_to_ofp11(*p));
                b.put_u16(u16::MAX);
                put_std(out, 0, &b);
                nx::put_nx(out, nx::POP_QUEUE, &[0; 6]);
            }
        }
        Action::Group(g) if !of10 => put_std(out, 22, &g.to_be_bytes()),
        Action::SetQueue(q) if !of10 => put_std(out, 21, &q.to_be_bytes()),
        Action::DecTtl(None) if !of10 => put_std(out, 24, &[]),
        Action::SetVlanVid { vid, push } => {
            if !of10 && *push && !ctx.has_vlan {
                put_std(out, 17, &0x8100u16.to_be_bytes());
            }
            ctx.has_vlan = true;
            if pre12 {
                put_std(out, 1, &vid.to_be_bytes());
            } else {
                put_set_field(out, v, FieldId::VlanVid, u128::from(vid | VLAN_CFI), None);
            }
        }
        Action::SetVlanPcp { pcp, push } => {
            if !of10 && *push && !ctx.has_vlan {
                put_std(out, 17, &0x8100u16.to_be_bytes());
            }
            ctx.has_vlan = true;
            if pre12 {
                put_std(out, 2, &[*pcp]);
            } else {
                put_set_field(out, v, FieldId::VlanPcp, u128::from(*pcp), None);
            }
        }
        Action::StripVlan { .. } => {
            ctx.has_vlan = false;
            put_std(out, if of10 { 3 } else { 18 }, &[]);
        }
        Action::PushVlan(t) => {
            ctx.has_vlan = true;
            if !of10 {
                put_std(out, 17, &t.to_be_bytes());
            }
        }
        Action::SetEthSrc(mac) | Action::SetEthDst(mac) => {
            let src = matches!(a, Action::SetEthSrc(_));
            if pre12 {
                let t = match (of10, src) {
                    (true, true) => 4,
                    (true, false) => 5,
                    (false, true) => 3,
                    (false, false) => 4,
                };
                let mut b = mac.0.to_vec();
                b.extend_from_slice(&[0; 6]);
                put_std(out, t, &b);
            } else {
                let f = if src {
                    FieldId::EthSrc
                } else {
                    FieldId::EthDst
                };
                put_set_field(out, v, f, mac_u128(*mac), None);
            }
        }
        Action::SetIpv4Src(ip) | Action::SetIpv4Dst(ip) => {
            let src = matches!(a, Action::SetIpv4Src(_));
            if pre12 {
                let t = match (of10, src) {
                    (true, true) => 6,
                    (true, false) => 7,
                    (false, true) => 5,
                    (false, false) => 6,
                };
                put_std(out, t, &ip.to_be_bytes());
            } else {
                let f = if src {
                    FieldId::Ipv4Src
                } else {
                    FieldId::Ipv4Dst
                };
                put_set_field(out, v, f, u128::from(*ip), None);
            }
        }
        Action::SetIpDscp(tos) => {
            if pre12 {
                put_std(out, if of10 { 8 } else { 7 }, &[*tos]);
            } else {
                put_set_field(out, v, FieldId::IpDscpShifted, u128::from(tos >> 2), None);
            }
        }
        Action::SetIpEcn(ecn) => {
            if of10 {
                nx::put_reg_load(out, FieldId::IpEcn, 0, 2, u64::from(*ecn));
            } else if v == Version::Of11 {
                put_std(out, 8, &[*ecn]);
            } else {
                put_set_field(out, v, FieldId::IpEcn, u128::from(*ecn), None);
            }
        }
        Action::SetIpTtl(ttl) => {
            if of10 {
                nx::put_reg_load(out, FieldId::IpTtl, 0, 8, u64::from(*ttl));
            } else {
                put_std(out, 23, &[*ttl]);
            }
        }
        Action::SetL4Src(p) | Action::SetL4Dst(p) => {
            let src = matches!(a, Action::SetL4Src(_));
            let field = match (ctx.ip, ctx.nw_proto, src) {
                (true, ipproto::TCP, true) => Some(FieldId::TcpSrc),
                (true, ipproto::TCP, false) => Some(FieldId::TcpDst),
                (true, ipproto::UDP, true) => Some(FieldId::UdpSrc),
                (true, ipproto::UDP, false) => Some(FieldId::UdpDst),
                (true, ipproto::SCTP, true) => Some(FieldId::SctpSrc),
                (true, ipproto::SCTP, false) => Some(FieldId::SctpDst),
                _ => None,
            };
            match field {
                Some(f) if !pre12 => put_set_field(out, v, f, u128::from(*p), None),
                _ => put_std(out, if src { 9 } else { 10 }, &p.to_be_bytes()),
            }
        }
        Action::SetMplsLabel(l) if !of10 => {
            if pre12 {
                put_std(out, 13, &l.to_be_bytes());
            } else {
                // OVS accepts any value on decode; set-field cannot carry
                // more than the field's bits.
                put_set_field(out, v, FieldId::MplsLabel, u128::from(*l & 0xf_ffff), None);
            }
        }
        Action::SetMplsTc(t) if !of10 => {
            if pre12 {
                put_std(out, 14, &[*t]);
            } else {
                put_set_field(out, v, FieldId::MplsTc, u128::from(*t & 7), None);
            }
        }
        Action::SetMplsTtl(t) if !of10 => put_std(out, 15, &[*t]),
        Action::DecMplsTtl if !of10 => put_std(out, 16, &[]),
        Action::PushMpls(t) if !of10 => {
            ctx.nw_proto = 0;
            put_std(out, 19, &t.to_be_bytes());
        }
        Action::PopMpls(t) if !of10 => put_std(out, 20, &t.to_be_bytes()),
        Action::SetField {
            field,
            value,
            mask,
            load,
        } => encode_set_field(*field, *value, *mask, *load, v, ctx, out),
        Action::Move { src, dst } if v >= Version::Of15 => {
            let start = out.len();
            out.put_u16(28);
            out.put_u16(0);
            out.put_u16(dst.n_bits);
            out.put_u16(src.ofs);
            out.put_u16(dst.ofs);
            out.put_u16(0);
            for f in [src.field, dst.field] {
                if let Some(c) = f.field().code_for(Some(v)) {
                    EntryHeader::of_code(c, usize::from(f.field().n_bytes), false).put(out);
                }
            }
            finish_action(out, start);
        }
        Action::Meter(m) if v >= Version::Of15 => put_std(out, 29, &m.to_be_bytes()),
        Action::Clone(inner) => {
            let start = out.len();
            nx::put_nx_header(out, nx::CLONE);
            out.put_slice(&[0; 6]);
            for a in inner {
                encode_action(a, v, ctx, out);
            }
            let len = (out.len() - start) as u16;
            out[start + 2..start + 4].copy_from_slice(&len.to_be_bytes());
        }
        Action::PushMpls(_) => {
            ctx.nw_proto = 0;
            nx::encode(a, v, out);
        }
        Action::Ct(c) => {
            let mut inner = *ctx;
            super::ct::encode_ct(c, v, out, &mut |a, out| {
                encode_action(a, v, &mut inner, out)
            });
        }
        Action::Nat(n) => super::ct::encode_nat(n, out),
        _ => nx::encode(a, v, out),
    }
}

fn mac_u128(m: EthAddr) -> u128 {
    m.0.iter().fold(0, |a, &b| a << 8 | u128::from(b))
}

fn encode_set_field(
    field: FieldId,
    value: u128,
    mask: u128,
    load: bool,
    v: Version,
    ctx: &mut Ctx,
    out: &mut Vec<u8>,
) {
    let f = field.field();
    let n = usize::from(f.n_bytes);
    let ones = if n == 16 {
        u128::MAX
    } else {
        (1u128 << (8 * n)) - 1
    };
    if field == FieldId::VlanTci {
        ctx.has_vlan = value as u16 & VLAN_CFI != 0;
    }
    if v >= Version::Of15 {
        put_set_field(out, v, field, value, (mask != ones).then_some(mask));
    } else if load || (v >= Version::Of12 && mask != ones) {
        nx::put_set_field_nx(out, field, value, mask);
    } else if v < Version::Of12 {
        legacy_set_field(field, value, mask, v, out);
    } else {
        put_set_field(out, v, field, value, None);
    }
}

/// OVS `set_field_to_legacy_openflow()`.
fn legacy_set_field(field: FieldId, value: u128, mask: u128, v: Version, out: &mut Vec<u8>) {
    let of10 = v == Version::Of10;
    use FieldId::*;
    match field {
        VlanTci => {
            let tci = value as u16;
            if tci & VLAN_CFI != 0 {
                if !of10 {
                    put_std(out, 17, &0x8100u16.to_be_bytes());
                }
                put_std(out, 1, &(tci & 0xfff).to_be_bytes());
                put_std(out, 2, &[(tci >> 13) as u8]);
            } else {
                put_std(out, if of10 { 3 } else { 18 }, &[]);
            }
        }
        VlanVid => put_std(out, 1, &((value as u16) & 0xfff).to_be_bytes()),
        VlanPcp => put_std(out, 2, &[value as u8]),
        EthSrc | EthDst => {
            let t = match (of10, field == EthSrc) {
                (true, true) => 4,
                (true, false) => 5,
                (false, true) => 3,
                (false, false) => 4,
            };
            let mut b = value.to_be_bytes()[10..].to_vec();
            b.extend_from_slice(&[0; 6]);
            put_std(out, t, &b);
        }
        Ipv4Src | Ipv4Dst => {
            let t = match (of10, field == Ipv4Src) {
                (true, true) => 6,
                (true, false) => 7,
                (false, true) => 5,
                (false, false) => 6,
            };
            put_std(out, t, &(value as u32).to_be_bytes());
        }
        IpDscp => put_std(out, if of10 { 8 } else { 7 }, &[value as u8]),
        IpDscpShifted => put_std(out, if of10 { 8 } else { 7 }, &[(value as u8) << 2]),
        IpEcn => {
            if of10 {
                nx::put_reg_load(out, IpEcn, 0, 2, value as u64);
            } else {
                put_std(out, 8, &[value as u8]);
            }
        }
        TcpSrc | UdpSrc => put_std(out, 9, &(value as u16).to_be_bytes()),
        TcpDst | UdpDst => put_std(out, 10, &(value as u16).to_be_bytes()),
        _ => nx::put_set_field_nx(out, field, value, mask),
    }
}

/// Encodes `acts` as OpenFlow 1.1+ instructions (apply-actions around runs
/// of plain actions), or as a plain action list for OpenFlow 1.0.
pub fn encode_instructions(acts: &[Action], v: Version, m: &Match, out: &mut Vec<u8>) {
    if v == Version::Of10 {
        return encode_actions(acts, v, m, out);
    }
    let mut ctx = Ctx::of(m);
    let mut i = 0;
    while i < acts.len() {
        let is_apply = |a: &Action| {
            a.inst() == super::Inst::Apply || (matches!(a, Action::Meter(_)) && v >= Version::Of15)
        };
        if is_apply(&acts[i]) {
            let start = out.len();
            out.put_u16(4);
            out.put_u16(0);
            out.put_u32(0);
            while i < acts.len() && is_apply(&acts[i]) {
                encode_action(&acts[i], v, &mut ctx, out);
                i += 1;
            }
            let len = (out.len() - start) as u16;
            out[start + 2..start + 4].copy_from_slice(&len.to_be_bytes());
            continue;
        }
        match &acts[i] {
            Action::Meter(id) => {
                out.put_u16(6);
                out.put_u16(8);
                out.put_u32(*id);
            }
            Action::ClearActions => {
                out.put_u16(5);
                out.put_u16(8);
                out.put_u32(0);
            }
            Action::WriteActions(inner) => {
                let start = out.len();
                out.put_u16(3);
                out.put_u16(0);
                out.put_u32(0);
                let mut c = ctx;
                for a in inner {
                    encode_action(a, v, &mut c, out);
                }
                let len = (out.len() - start) as u16;
                out[start + 2..start + 4].copy_from_slice(&len.to_be_bytes());
            }
            Action::WriteMetadata { value, mask } => {
                out.put_u16(2);
                out.put_u16(24);
                out.put_u32(0);
                out.put_u64(*value);
                out.put_u64(*mask);
            }
            Action::GotoTable(t) => {
                out.put_u16(1);
                out.put_u16(8);
                out.put_u8(*t);
                out.put_slice(&[0; 3]);
            }
            _ => unreachable!("plain actions are handled above"),
        }
        i += 1;
    }
}
