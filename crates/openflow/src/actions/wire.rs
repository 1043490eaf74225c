//! OpenFlow 1.0 actions, OpenFlow 1.1+ actions and instructions on the wire
//! (OVS `ofpacts_pull_openflow_*()` / `ofpacts_put_openflow_*()`).

use bytes::{Buf, BufMut};
use rvs_packet::{ethertype, ipproto, EthAddr, VLAN_CFI};

use super::{nx, port, Action};
use crate::error::{OfpError, Result, NX_VENDOR_ID, ONF_VENDOR_ID};
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
                put_set_field(out, v, FieldId::MplsLabel, u128::from(*l), None);
            }
        }
        Action::SetMplsTc(t) if !of10 => {
            if pre12 {
                put_std(out, 14, &[*t]);
            } else {
                put_set_field(out, v, FieldId::MplsTc, u128::from(*t), None);
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

/// Decodes an action list (OVS `ofpacts_decode()`); every action must be
/// known, a multiple of 8 bytes and fit.
pub fn decode_actions(b: &[u8], v: Version) -> Result<Vec<Action>> {
    let mut ofs = 0;
    decode_actions_at(b, v, &mut ofs).inspect_err(|e| {
        let mut dump = String::new();
        crate::print::hex_dump_plain(&mut dump, b);
        crate::diag::warn(
            "ofp_actions",
            format!(
                "bad action at offset {ofs} ({}):\n{}",
                e.name(),
                dump.trim_end()
            ),
        );
    })
}

fn decode_actions_at(mut b: &[u8], v: Version, ofs: &mut usize) -> Result<Vec<Action>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        if b.len() < 4 {
            return Err(OfpError::OFPBAC_BAD_LEN);
        }
        let type_ = u16::from_be_bytes([b[0], b[1]]);
        let len = usize::from(u16::from_be_bytes([b[2], b[3]]));
        let mut vendor = (0, 0);
        if type_ == OFPAT_VENDOR {
            if b.len() < 8 {
                return Err(OfpError::OFPBAC_BAD_LEN);
            }
            let id = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
            if id != NX_VENDOR_ID && id != ONF_VENDOR_ID {
                return Err(OfpError::OFPBAC_BAD_VENDOR);
            }
            if b.len() < 10 {
                return Err(OfpError::OFPBAC_BAD_LEN);
            }
            vendor = (id, u16::from_be_bytes([b[8], b[9]]));
        }
        if len > b.len() {
            return Err(OfpError::OFPBAC_BAD_LEN);
        }
        let (act, rest) = b.split_at(len);
        if type_ == OFPAT_VENDOR {
            nx::decode(act, vendor.0, vendor.1, v, &mut out)?;
        } else {
            if len < 8 || len % 8 != 0 {
                return Err(OfpError::OFPBAC_BAD_LEN);
            }
            decode_std(type_, act, v, &mut out)?;
        }
        if len % 8 != 0 || len == 0 {
            return Err(OfpError::OFPBAC_BAD_LEN);
        }
        b = rest;
        *ofs += len;
    }
    Ok(out)
}

/// Checks an action's length against the fixed size of its kind.
fn want_len(act: &[u8], len: usize) -> Result<()> {
    if act.len() == len {
        Ok(())
    } else {
        Err(OfpError::OFPBAC_BAD_LEN)
    }
}

fn decode_std(type_: u16, act: &[u8], v: Version, out: &mut Vec<Action>) -> Result<()> {
    let mut b = &act[4..];
    let of10 = v == Version::Of10;
    let a = if of10 {
        match type_ {
            0 => {
                want_len(act, 8)?;
                let p = u32::from(b.get_u16());
                let max_len = b.get_u16();
                super::check_output_port(p)?;
                Action::Output { port: p, max_len }
            }
            1 => {
                want_len(act, 8)?;
                let vid = b.get_u16();
                if vid & !0xfff != 0 {
                    return Err(OfpError::OFPBAC_BAD_ARGUMENT);
                }
                Action::SetVlanVid { vid, push: true }
            }
            2 => {
                want_len(act, 8)?;
                let pcp = b.get_u8();
                if pcp & !7 != 0 {
                    return Err(OfpError::OFPBAC_BAD_ARGUMENT);
                }
                Action::SetVlanPcp { pcp, push: true }
            }
            3 => {
                want_len(act, 8)?;
                Action::StripVlan { pop: false }
            }
            4 | 5 => {
                want_len(act, 16)?;
                let mut m = [0; 6];
                b.copy_to_slice(&mut m);
                if type_ == 4 {
                    Action::SetEthSrc(EthAddr(m))
                } else {
                    Action::SetEthDst(EthAddr(m))
                }
            }
            6 | 7 => {
                want_len(act, 8)?;
                let ip = b.get_u32();
                if type_ == 6 {
                    Action::SetIpv4Src(ip)
                } else {
                    Action::SetIpv4Dst(ip)
                }
            }
            8 => {
                want_len(act, 8)?;
                let tos = b.get_u8();
                if tos & 3 != 0 {
                    return Err(OfpError::OFPBAC_BAD_ARGUMENT);
                }
                Action::SetIpDscp(tos)
            }
            9 | 10 => {
                want_len(act, 8)?;
                let p = b.get_u16();
                if type_ == 9 {
                    Action::SetL4Src(p)
                } else {
                    Action::SetL4Dst(p)
                }
            }
            11 => {
                want_len(act, 16)?;
                let p = u32::from(b.get_u16());
                b.advance(6);
                let queue = b.get_u32();
                if p >= port::MAX && p != port::IN_PORT && p != port::LOCAL {
                    return Err(OfpError::OFPBAC_BAD_OUT_PORT);
                }
                Action::Enqueue { port: p, queue }
            }
            _ => return Err(OfpError::OFPBAC_BAD_TYPE),
        }
    } else {
        decode_std11(type_, act, v)?
    };
    out.push(a);
    Ok(())
}

fn decode_std11(type_: u16, act: &[u8], v: Version) -> Result<Action> {
    let mut b = &act[4..];
    if v >= Version::Of12 {
        if let Some(name) = deprecated_name(type_) {
            crate::diag::info(
                "ofp_actions",
                format!("{name} is deprecated in {} (use Set-Field)", v.name()),
            );
        }
    }
    Ok(match type_ {
        0 => {
            want_len(act, 16)?;
            let p = access::port_from_ofp11(b.get_u32()).ok_or(OfpError::OFPBAC_BAD_OUT_PORT)?;
            let max_len = b.get_u16();
            super::check_output_port(p)?;
            Action::Output { port: p, max_len }
        }
        1 | 2 => {
            want_len(act, 8)?;
            if type_ == 1 {
                let vid = b.get_u16();
                if vid & !0xfff != 0 {
                    return Err(OfpError::OFPBAC_BAD_ARGUMENT);
                }
                Action::SetVlanVid { vid, push: false }
            } else {
                let pcp = b.get_u8();
                if pcp & !7 != 0 {
                    return Err(OfpError::OFPBAC_BAD_ARGUMENT);
                }
                Action::SetVlanPcp { pcp, push: false }
            }
        }
        3 | 4 => {
            want_len(act, 16)?;
            let mut m = [0; 6];
            b.copy_to_slice(&mut m);
            if type_ == 3 {
                Action::SetEthSrc(EthAddr(m))
            } else {
                Action::SetEthDst(EthAddr(m))
            }
        }
        5 | 6 => {
            want_len(act, 8)?;
            let ip = b.get_u32();
            if type_ == 5 {
                Action::SetIpv4Src(ip)
            } else {
                Action::SetIpv4Dst(ip)
            }
        }
        7 => {
            want_len(act, 8)?;
            let tos = b.get_u8();
            if tos & 3 != 0 {
                return Err(OfpError::OFPBAC_BAD_ARGUMENT);
            }
            Action::SetIpDscp(tos)
        }
        8 => {
            want_len(act, 8)?;
            let ecn = b.get_u8();
            if ecn > 3 {
                return Err(OfpError::OFPBAC_BAD_ARGUMENT);
            }
            Action::SetIpEcn(ecn)
        }
        9 | 10 => {
            want_len(act, 8)?;
            let p = b.get_u16();
            if type_ == 9 {
                Action::SetL4Src(p)
            } else {
                Action::SetL4Dst(p)
            }
        }
        13 => {
            want_len(act, 8)?;
            Action::SetMplsLabel(b.get_u32())
        }
        14 => {
            want_len(act, 8)?;
            Action::SetMplsTc(b.get_u8())
        }
        15 => {
            want_len(act, 8)?;
            Action::SetMplsTtl(b.get_u8())
        }
        16 => {
            want_len(act, 8)?;
            Action::DecMplsTtl
        }
        17 => {
            want_len(act, 8)?;
            let t = b.get_u16();
            if t != 0x8100 && t != 0x88a8 {
                return Err(OfpError::OFPBAC_BAD_ARGUMENT);
            }
            Action::PushVlan(t)
        }
        18 => {
            want_len(act, 8)?;
            Action::StripVlan { pop: true }
        }
        19 => {
            want_len(act, 8)?;
            let t = b.get_u16();
            if !matches!(t, 0x8847 | 0x8848) {
                return Err(OfpError::OFPBAC_BAD_ARGUMENT);
            }
            Action::PushMpls(t)
        }
        20 => {
            want_len(act, 8)?;
            Action::PopMpls(b.get_u16())
        }
        21 => {
            want_len(act, 8)?;
            Action::SetQueue(b.get_u32())
        }
        22 => {
            want_len(act, 8)?;
            Action::Group(b.get_u32())
        }
        23 => {
            want_len(act, 8)?;
            Action::SetIpTtl(b.get_u8())
        }
        24 => {
            want_len(act, 8)?;
            Action::DecTtl(None)
        }
        25 if v >= Version::Of12 => decode_set_field(b, v)?,
        28 if v >= Version::Of15 => {
            if act.len() < 16 {
                return Err(OfpError::OFPBAC_BAD_LEN);
            }
            let n_bits = b.get_u16();
            let src_ofs = b.get_u16();
            let dst_ofs = b.get_u16();
            b.advance(2);
            nx::decode_move(&mut b, n_bits, src_ofs, dst_ofs)?
        }
        29 if v >= Version::Of15 => {
            want_len(act, 8)?;
            Action::Meter(b.get_u32())
        }
        _ => return Err(OfpError::OFPBAC_BAD_TYPE),
    })
}

/// OFPAT_SET_FIELD body: one OXM entry (masked only in OpenFlow 1.5),
/// zero padding.
fn decode_set_field(mut b: &[u8], v: Version) -> Result<Action> {
    let may_mask = v >= Version::Of15;
    let h = EntryHeader::pull(&mut b).map_err(|_| OfpError::OFPBMC_BAD_LEN)?;
    let f =
        crate::field::by_code(h.class, h.field, h.vendor).ok_or(OfpError::OFPBAC_BAD_SET_TYPE)?;
    let n = usize::from(f.n_bytes);
    if b.len() < h.payload_len() {
        return Err(OfpError::OFPBMC_BAD_LEN);
    }
    if h.hasmask && !may_mask {
        return Err(OfpError::OFPBAC_BAD_SET_MASK);
    }
    if h.field_len() != n {
        return Err(OfpError::OFPBMC_BAD_LEN);
    }
    let read = |s: &[u8]| s.iter().fold(0u128, |a, &x| a << 8 | u128::from(x));
    let value = read(&b[..n]);
    let ones = if n == 16 {
        u128::MAX
    } else {
        (1u128 << (8 * n)) - 1
    };
    let mask = if h.hasmask { read(&b[n..2 * n]) } else { ones };
    if h.hasmask && value & !mask != 0 {
        return Err(OfpError::OFPBAC_BAD_SET_MASK);
    }
    if b[h.payload_len()..].iter().any(|&x| x != 0) {
        return Err(OfpError::OFPBAC_BAD_SET_ARGUMENT);
    }
    if f.id == FieldId::InPortOxm {
        return Err(OfpError::OFPBAC_BAD_SET_ARGUMENT);
    }
    if !f.writable {
        crate::diag::warn(
            "ofp_actions",
            format!("destination field {} is not writable", f.name),
        );
        return Err(OfpError::OFPBAC_BAD_SET_ARGUMENT);
    }
    let vid_present = u128::from(VLAN_CFI);
    if !nxm::is_value_valid(f, value)
        || (f.id == FieldId::VlanVid && (mask & vid_present == 0 || value & vid_present == 0))
    {
        crate::diag::warn(
            "ofp_actions",
            format!(
                "Invalid value for set field {}: {}",
                f.name,
                crate::field::format_value(f, value, None)
            ),
        );
        return Err(OfpError::OFPBAC_BAD_SET_ARGUMENT);
    }
    Ok(Action::SetField {
        field: f.id,
        value,
        mask,
        load: false,
    })
}

/// OVS's name of a standard action deprecated in OpenFlow 1.2+ in favour
/// of set-field, by OpenFlow 1.1+ type.
fn deprecated_name(type_: u16) -> Option<&'static str> {
    Some(match type_ {
        1 => "OFPAT_SET_VLAN_VID",
        2 => "OFPAT_SET_VLAN_PCP",
        3 => "OFPAT_SET_DL_SRC",
        4 => "OFPAT_SET_DL_DST",
        5 => "OFPAT_SET_NW_SRC",
        6 => "OFPAT_SET_NW_DST",
        7 => "OFPAT_SET_NW_TOS",
        8 => "OFPAT_SET_NW_ECN",
        9 => "OFPAT_SET_TP_SRC",
        10 => "OFPAT_SET_TP_DST",
        13 => "OFPAT_SET_MPLS_LABEL",
        14 => "OFPAT_SET_MPLS_TC",
        15 => "OFPAT_SET_MPLS_TTL",
        _ => return None,
    })
}

/// Decodes OpenFlow 1.1+ instructions into one list in instruction order
/// (OVS `ofpacts_pull_openflow_instructions()`).
pub fn decode_instructions(b: &[u8], v: Version) -> Result<Vec<Action>> {
    if v == Version::Of10 {
        return decode_actions(b, v);
    }
    if b.len() % 8 != 0 {
        return Err(OfpError::OFPBIC_BAD_LEN);
    }
    let mut slots: [Option<&[u8]>; 6] = [None; 6];
    let mut rest = b;
    while !rest.is_empty() {
        if rest.len() < 8 {
            return Err(OfpError::OFPBIC_BAD_LEN);
        }
        let type_ = u16::from_be_bytes([rest[0], rest[1]]);
        let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        if len < 8 || len % 8 != 0 || len > rest.len() {
            return Err(OfpError::OFPBIC_BAD_LEN);
        }
        let (inst, r) = rest.split_at(len);
        rest = r;
        let slot = match type_ {
            6 if v >= Version::Of15 => return Err(OfpError::OFPBIC_UNKNOWN_INST),
            6 => 0,
            4 => 1,
            5 => 2,
            3 => 3,
            2 => 4,
            1 => 5,
            0xffff => return Err(OfpError::OFPBIC_BAD_EXPERIMENTER),
            _ => return Err(OfpError::OFPBIC_UNKNOWN_INST),
        };
        let want = match type_ {
            1 | 5 | 6 => Some(8),
            2 => Some(24),
            _ => None,
        };
        if want.is_some_and(|w| w != len) {
            return Err(OfpError::OFPBIC_BAD_LEN);
        }
        if slots[slot].is_some() {
            return Err(OfpError::OFPBIC_DUP_INST);
        }
        slots[slot] = Some(inst);
    }
    let mut out = Vec::new();
    if let Some(i) = slots[0] {
        out.push(Action::Meter(u32::from_be_bytes([i[4], i[5], i[6], i[7]])));
    }
    if let Some(i) = slots[1] {
        out.extend(decode_actions(&i[8..], v)?);
    }
    if slots[2].is_some() {
        out.push(Action::ClearActions);
    }
    if let Some(i) = slots[3] {
        out.push(Action::WriteActions(decode_actions(&i[8..], v)?));
    }
    if let Some(mut i) = slots[4] {
        i.advance(8);
        let value = i.get_u64();
        let mask = i.get_u64();
        out.push(Action::WriteMetadata { value, mask });
    }
    if let Some(i) = slots[5] {
        out.push(Action::GotoTable(i[4]));
    }
    Ok(out)
}
