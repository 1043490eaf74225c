//! Nicira extension actions (`NXAST_*`): vendor 0x2320, a 16-bit subtype,
//! then the body, padded to 8 bytes.

use bytes::{Buf, BufMut};

use super::{Action, Controller, Subfield, NX_CTLR_NO_METER, OFPR_ACTION};
use crate::error::{OfpError, Result, NX_VENDOR_ID};
use crate::field::{self, access, FieldId};
use crate::matches::nxm::{self, EntryHeader};
use crate::version::Version;

/// `NXAST_RESUBMIT`.
pub const RESUBMIT: u16 = 1;
/// `NXAST_SET_TUNNEL`.
pub const SET_TUNNEL: u16 = 2;
/// `NXAST_SET_QUEUE`.
pub const SET_QUEUE: u16 = 4;
/// `NXAST_POP_QUEUE`.
pub const POP_QUEUE: u16 = 5;
/// `NXAST_REG_MOVE`.
pub const REG_MOVE: u16 = 6;
/// `NXAST_REG_LOAD`.
pub const REG_LOAD: u16 = 7;
/// `NXAST_NOTE`.
pub const NOTE: u16 = 8;
/// `NXAST_SET_TUNNEL64`.
pub const SET_TUNNEL64: u16 = 9;
/// `NXAST_RESUBMIT_TABLE`.
pub const RESUBMIT_TABLE: u16 = 14;
/// `NXAST_OUTPUT_REG`.
pub const OUTPUT_REG: u16 = 15;
/// `NXAST_EXIT`.
pub const EXIT: u16 = 17;
/// `NXAST_DEC_TTL`.
pub const DEC_TTL: u16 = 18;
/// `NXAST_CONTROLLER`.
pub const CONTROLLER: u16 = 20;
/// `NXAST_DEC_TTL_CNT_IDS`.
pub const DEC_TTL_CNT_IDS: u16 = 21;
/// `NXAST_WRITE_METADATA`.
pub const WRITE_METADATA: u16 = 22;
/// `NXAST_PUSH_MPLS`.
pub const PUSH_MPLS: u16 = 23;
/// `NXAST_POP_MPLS`.
pub const POP_MPLS: u16 = 24;
/// `NXAST_SET_MPLS_TTL`.
pub const SET_MPLS_TTL: u16 = 25;
/// `NXAST_DEC_MPLS_TTL`.
pub const DEC_MPLS_TTL: u16 = 26;
/// `NXAST_SET_MPLS_LABEL`.
pub const SET_MPLS_LABEL: u16 = 30;
/// `NXAST_SET_MPLS_TC`.
pub const SET_MPLS_TC: u16 = 31;
/// `NXAST_OUTPUT_REG2`.
pub const OUTPUT_REG2: u16 = 32;
/// `NXAST_REG_LOAD2`.
pub const REG_LOAD2: u16 = 33;
/// `NXAST_CONJUNCTION`.
pub const CONJUNCTION: u16 = 34;
/// `NXAST_MULTIPATH`.
pub const MULTIPATH: u16 = 10;
/// `NXAST_BUNDLE`.
pub const BUNDLE: u16 = 12;
/// `NXAST_BUNDLE_LOAD`.
pub const BUNDLE_LOAD: u16 = 13;
/// `NXAST_LEARN`.
pub const LEARN: u16 = 16;
/// `NXAST_LEARN2`.
pub const LEARN2: u16 = 45;
/// `NXAST_CT`.
pub const CT: u16 = 35;
/// `NXAST_NAT`.
pub const NAT: u16 = 36;
/// `NXAST_CONTROLLER2`.
pub const CONTROLLER2: u16 = 37;
/// `NXAST_GROUP` (OpenFlow 1.0 only).
pub const GROUP: u16 = 40;
/// `NXAST_CLONE`.
pub const CLONE: u16 = 42;
/// `NXAST_CT_CLEAR`.
pub const CT_CLEAR: u16 = 43;
/// `NXAST_RESUBMIT_TABLE_CT`.
pub const RESUBMIT_TABLE_CT: u16 = 44;

/// Writes the 10-byte NX action header with a zero length.
pub fn put_nx_header(out: &mut Vec<u8>, subtype: u16) {
    out.put_u16(super::wire::OFPAT_VENDOR);
    out.put_u16(0);
    out.put_u32(NX_VENDOR_ID);
    out.put_u16(subtype);
}

/// Writes a whole NX action with `body` after the subtype.
pub fn put_nx(out: &mut Vec<u8>, subtype: u16, body: &[u8]) {
    let start = out.len();
    put_nx_header(out, subtype);
    out.extend_from_slice(body);
    super::wire::finish_action(out, start);
}

fn ofs_nbits(ofs: u16, n_bits: u16) -> u16 {
    ofs << 6 | (n_bits - 1)
}

/// The 32-bit NXM header of `field`, if it has one.
pub fn nxm_header32(field: FieldId) -> Option<u32> {
    let f = field.field();
    let c = f.code_for(None)?;
    if c.class == 0xffff {
        return None;
    }
    let h = EntryHeader::of_code(c, usize::from(f.n_bytes), false);
    Some(u32::from(h.class) << 16 | u32::from(h.field) << 9 | u32::from(h.length))
}

/// `NXAST_REG_LOAD` of `value` into `n_bits` bits of `field` at `ofs`.
pub fn put_reg_load(out: &mut Vec<u8>, field: FieldId, ofs: u16, n_bits: u16, value: u64) {
    let mut b = Vec::new();
    b.put_u16(ofs_nbits(ofs, n_bits));
    b.put_u32(nxm_header32(field).unwrap_or(0));
    b.put_u64(value);
    put_nx(out, REG_LOAD, &b);
}

/// A set-field as Nicira actions: `NXAST_REG_LOAD`s, one per run of mask
/// bits, or `NXAST_REG_LOAD2` when the field has no 32-bit NXM header (OVS
/// `set_field_to_nxast()`).
pub fn put_set_field_nx(out: &mut Vec<u8>, field: FieldId, value: u128, mask: u128) {
    let f = field.field();
    if nxm_header32(field).is_none() {
        let start = out.len();
        put_nx_header(out, REG_LOAD2);
        let n = usize::from(f.n_bytes);
        let ones = if n == 16 {
            u128::MAX
        } else {
            (1u128 << (8 * n)) - 1
        };
        if let Some(c) = f.code_for(None) {
            let masked = mask != ones;
            EntryHeader::of_code(c, n, masked).put(out);
            out.extend_from_slice(&value.to_be_bytes()[16 - n..]);
            if masked {
                out.extend_from_slice(&mask.to_be_bytes()[16 - n..]);
            }
        }
        super::wire::finish_action(out, start);
        return;
    }
    for (ofs, n_bits) in super::text::load_segments(mask, f.n_bits) {
        let bits = if n_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << n_bits) - 1
        };
        put_reg_load(out, field, ofs, n_bits, ((value >> ofs) & bits) as u64);
    }
}

fn put_oxm_header(out: &mut Vec<u8>, field: FieldId) {
    let f = field.field();
    if let Some(c) = f.code_for(None) {
        EntryHeader::of_code(c, usize::from(f.n_bytes), false).put(out);
    }
}

/// Encodes a Nicira-only (or Nicira-in-this-version) action.
pub fn encode(a: &Action, v: Version, out: &mut Vec<u8>) {
    match a {
        Action::Controller(c) => {
            if !c.userdata.is_empty() || c.pause || c.meter_id != NX_CTLR_NO_METER {
                let start = out.len();
                put_nx_header(out, CONTROLLER2);
                out.put_slice(&[0; 6]);
                let prop = |out: &mut Vec<u8>, t: u16, body: &[u8]| {
                    let s = out.len();
                    out.put_u16(t);
                    out.put_u16((4 + body.len()) as u16);
                    out.extend_from_slice(body);
                    nxm::pad8(out, s);
                };
                if c.max_len != u16::MAX {
                    prop(out, 0, &[&c.max_len.to_be_bytes()[..], &[0, 0]].concat());
                }
                if c.controller_id != 0 {
                    prop(
                        out,
                        1,
                        &[&c.controller_id.to_be_bytes()[..], &[0, 0]].concat(),
                    );
                }
                if c.reason != OFPR_ACTION {
                    prop(out, 2, &[c.reason]);
                }
                if !c.userdata.is_empty() {
                    prop(out, 3, &c.userdata);
                }
                if c.pause {
                    prop(out, 4, &[]);
                }
                if c.meter_id != NX_CTLR_NO_METER {
                    prop(out, 5, &c.meter_id.to_be_bytes());
                }
                super::wire::finish_action(out, start);
            } else {
                let mut b = Vec::new();
                b.put_u16(c.max_len);
                b.put_u16(c.controller_id);
                b.put_u8(c.reason);
                put_nx(out, CONTROLLER, &b);
            }
        }
        Action::OutputReg { src, max_len, reg2 } => {
            match nxm_header32(src.field).filter(|_| !reg2) {
                Some(h) => {
                    let mut b = Vec::new();
                    b.put_u16(ofs_nbits(src.ofs, src.n_bits));
                    b.put_u32(h);
                    b.put_u16(*max_len);
                    put_nx(out, OUTPUT_REG, &b);
                }
                None => {
                    let start = out.len();
                    put_nx_header(out, OUTPUT_REG2);
                    out.put_u16(ofs_nbits(src.ofs, src.n_bits));
                    out.put_u16(*max_len);
                    put_oxm_header(out, src.field);
                    super::wire::finish_action(out, start);
                }
            }
        }
        Action::Group(g) => put_nx(out, GROUP, &[&[0, 0][..], &g.to_be_bytes()].concat()),
        Action::SetQueue(q) => put_nx(out, SET_QUEUE, &[&[0, 0][..], &q.to_be_bytes()].concat()),
        Action::PopQueue => put_nx(out, POP_QUEUE, &[]),
        Action::Resubmit { in_port, table, ct } => {
            let mut b = Vec::new();
            b.put_u16(*in_port as u16);
            b.put_u8(*table);
            put_nx(
                out,
                if *ct {
                    RESUBMIT_TABLE_CT
                } else {
                    RESUBMIT_TABLE
                },
                &b,
            );
        }
        Action::Exit => put_nx(out, EXIT, &[]),
        Action::CtClear => put_nx(out, CT_CLEAR, &[]),
        Action::Note(d) => put_nx(out, NOTE, d),
        Action::DecTtl(None) => put_nx(out, DEC_TTL, &[]),
        Action::DecTtl(Some(ids)) => {
            let mut b = Vec::new();
            b.put_u16(ids.len() as u16);
            b.put_u32(0);
            for id in ids {
                b.put_u16(*id);
            }
            put_nx(out, DEC_TTL_CNT_IDS, &b);
        }
        Action::Move { src, dst } => {
            let start = out.len();
            put_nx_header(out, REG_MOVE);
            out.put_u16(dst.n_bits);
            out.put_u16(src.ofs);
            out.put_u16(dst.ofs);
            put_oxm_header(out, src.field);
            put_oxm_header(out, dst.field);
            super::wire::finish_action(out, start);
        }
        Action::SetTunnel { id, .. } if v >= Version::Of12 => {
            super::wire::put_set_field(out, v, FieldId::TunId, u128::from(*id), None);
        }
        Action::GotoTable(t) if v == Version::Of10 => {
            let mut b = Vec::new();
            b.put_u16(super::port::IN_PORT as u16);
            b.put_u8(*t);
            put_nx(out, RESUBMIT_TABLE, &b);
        }
        Action::SetTunnel { id, wide } => {
            if *wide || *id > u64::from(u32::MAX) {
                put_nx(
                    out,
                    SET_TUNNEL64,
                    &[&[0; 6][..], &id.to_be_bytes()].concat(),
                );
            } else {
                put_nx(
                    out,
                    SET_TUNNEL,
                    &[&[0, 0][..], &(*id as u32).to_be_bytes()].concat(),
                );
            }
        }
        Action::Conjunction {
            id,
            clause,
            n_clauses,
        } => {
            let mut b = vec![*clause, *n_clauses];
            b.put_u32(*id);
            put_nx(out, CONJUNCTION, &b);
        }
        Action::PushMpls(t) => put_nx(out, PUSH_MPLS, &t.to_be_bytes()),
        Action::Learn(l) => super::learn::encode(l, out),
        Action::Multipath(m) => super::balance::encode_multipath(m, out),
        Action::Bundle(b) => super::balance::encode_bundle(b, out),
        Action::PopMpls(t) => put_nx(out, POP_MPLS, &t.to_be_bytes()),
        Action::SetMplsLabel(l) => put_nx(
            out,
            SET_MPLS_LABEL,
            &[&[0, 0][..], &l.to_be_bytes()].concat(),
        ),
        Action::SetMplsTc(t) => put_nx(out, SET_MPLS_TC, &[*t]),
        Action::SetMplsTtl(t) => put_nx(out, SET_MPLS_TTL, &[*t]),
        Action::DecMplsTtl => put_nx(out, DEC_MPLS_TTL, &[]),
        Action::WriteMetadata { value, mask } => {
            let mut b = vec![0; 6];
            b.put_u64(*value);
            b.put_u64(*mask);
            put_nx(out, WRITE_METADATA, &b);
        }
        Action::OutputTrunc { .. }
        | Action::FinTimeout { .. }
        | Action::Sample(_)
        | Action::StackPush(_)
        | Action::StackPop(_)
        | Action::CheckPktLarger { .. } => super::extra::encode(a, out),
        // Instructions have no OpenFlow 1.0 form except write_metadata;
        // meter, goto_table, clear/write_actions are dropped as OVS does.
        _ => {
            let _ = v;
        }
    }
}

fn must_be_zero(b: &[u8]) -> Result<()> {
    if b.iter().all(|&x| x == 0) {
        Ok(())
    } else {
        Err(OfpError::NXBAC_MUST_BE_ZERO)
    }
}

fn subfield(h: Option<FieldId>, ofs_nbits: u16) -> Result<Subfield> {
    let field = h.ok_or(OfpError::OFPBAC_BAD_SET_TYPE)?;
    let sf = Subfield {
        field,
        ofs: ofs_nbits >> 6,
        n_bits: (ofs_nbits & 0x3f) + 1,
    };
    sf.check(None)?;
    Ok(sf)
}

fn field_of_header32(h: u32) -> Option<FieldId> {
    let class = (h >> 16) as u16;
    let fno = ((h >> 9) & 0x7f) as u8;
    if h & 0x100 != 0 {
        return None;
    }
    field::by_code(class, fno, 0).map(|f| f.id)
}

fn pull_field(b: &mut &[u8]) -> Result<FieldId> {
    let h = EntryHeader::pull(b).map_err(|_| OfpError::OFPBAC_BAD_LEN)?;
    if h.hasmask {
        return Err(OfpError::OFPBAC_BAD_SET_TYPE);
    }
    field::by_code(h.class, h.field, h.vendor)
        .map(|f| f.id)
        .ok_or(OfpError::OFPBAC_BAD_SET_TYPE)
}

/// The body of a move (NX `REG_MOVE` or OpenFlow 1.5 copy-field) after
/// the bit counts: the two field headers.
pub fn decode_move(b: &mut &[u8], n_bits: u16, src_ofs: u16, dst_ofs: u16) -> Result<Action> {
    let src = pull_field(b)?;
    let dst = pull_field(b)?;
    let src = Subfield {
        field: src,
        ofs: src_ofs,
        n_bits,
    };
    let dst = Subfield {
        field: dst,
        ofs: dst_ofs,
        n_bits,
    };
    src.check(None)?;
    dst.check(None)?;
    Ok(Action::Move { src, dst })
}

fn want(act: &[u8], len: usize) -> Result<()> {
    if act.len() == len {
        Ok(())
    } else {
        Err(OfpError::OFPBAC_BAD_LEN)
    }
}

/// Subtypes [`decode`] knows.
const KNOWN: [u16; 36] = [
    RESUBMIT,
    SET_TUNNEL,
    SET_QUEUE,
    POP_QUEUE,
    REG_MOVE,
    REG_LOAD,
    NOTE,
    SET_TUNNEL64,
    MULTIPATH,
    BUNDLE,
    BUNDLE_LOAD,
    RESUBMIT_TABLE,
    OUTPUT_REG,
    LEARN,
    EXIT,
    DEC_TTL,
    CONTROLLER,
    DEC_TTL_CNT_IDS,
    WRITE_METADATA,
    PUSH_MPLS,
    POP_MPLS,
    SET_MPLS_TTL,
    DEC_MPLS_TTL,
    SET_MPLS_LABEL,
    SET_MPLS_TC,
    OUTPUT_REG2,
    REG_LOAD2,
    CONJUNCTION,
    CT,
    NAT,
    CONTROLLER2,
    GROUP,
    CLONE,
    CT_CLEAR,
    RESUBMIT_TABLE_CT,
    LEARN2,
];

/// Decodes one vendor action. `act` is the action as its length field
/// says; `vendor` and `subtype` were read from the buffer, as OVS does, so
/// that an unknown subtype is reported before a bad length.
pub fn decode(
    act: &[u8],
    vendor: u32,
    subtype: u16,
    v: Version,
    out: &mut Vec<Action>,
) -> Result<()> {
    if vendor == NX_VENDOR_ID && super::extra::SUBTYPES.contains(&subtype) {
        if act.len() < 16 {
            return Err(OfpError::OFPBAC_BAD_LEN);
        }
        out.push(super::extra::decode(act, subtype)?);
        return Ok(());
    }
    if vendor != NX_VENDOR_ID
        || !KNOWN.contains(&subtype)
        || (subtype == GROUP && v != Version::Of10)
    {
        return Err(OfpError::OFPBAC_BAD_VENDOR_TYPE);
    }
    if act.len() < 16 {
        return Err(OfpError::OFPBAC_BAD_LEN);
    }
    let mut b = &act[10..];
    let a = match subtype {
        RESUBMIT => {
            want(act, 16)?;
            Action::Resubmit {
                in_port: b.get_u16().into(),
                table: 255,
                ct: false,
            }
        }
        RESUBMIT_TABLE | RESUBMIT_TABLE_CT => {
            want(act, 16)?;
            let in_port = b.get_u16().into();
            let table = b.get_u8();
            must_be_zero(&b[..3])?;
            Action::Resubmit {
                in_port,
                table,
                ct: subtype == RESUBMIT_TABLE_CT,
            }
        }
        SET_TUNNEL => {
            want(act, 16)?;
            b.advance(2);
            Action::SetTunnel {
                id: b.get_u32().into(),
                wide: false,
            }
        }
        SET_TUNNEL64 => {
            want(act, 24)?;
            b.advance(6);
            Action::SetTunnel {
                id: b.get_u64(),
                wide: true,
            }
        }
        SET_QUEUE => {
            want(act, 16)?;
            b.advance(2);
            Action::SetQueue(b.get_u32())
        }
        GROUP if v == Version::Of10 => {
            want(act, 16)?;
            b.advance(2);
            Action::Group(b.get_u32())
        }
        POP_QUEUE => {
            want(act, 16)?;
            Action::PopQueue
        }
        EXIT => {
            want(act, 16)?;
            Action::Exit
        }
        CT_CLEAR => {
            want(act, 16)?;
            Action::CtClear
        }
        DEC_TTL => {
            want(act, 16)?;
            Action::DecTtl(None)
        }
        NOTE => Action::Note(b.to_vec()),
        DEC_TTL_CNT_IDS => {
            if act.len() < 16 {
                return Err(OfpError::OFPBAC_BAD_LEN);
            }
            let n = usize::from(b.get_u16());
            must_be_zero(&b[..4])?;
            b.advance(4);
            if b.len() < 2 * n {
                return Err(OfpError::OFPBAC_BAD_LEN);
            }
            let ids = (0..n).map(|_| b.get_u16()).collect();
            must_be_zero(b)?;
            Action::DecTtl(Some(ids))
        }
        REG_LOAD => {
            want(act, 24)?;
            let on = b.get_u16();
            let dst = subfield(field_of_header32(b.get_u32()), on)?;
            let value = b.get_u64();
            if dst.n_bits < 64 && value >> dst.n_bits != 0 {
                return Err(OfpError::OFPBAC_BAD_ARGUMENT);
            }
            if !dst.field.field().writable {
                return Err(OfpError::OFPBAC_BAD_SET_ARGUMENT);
            }
            let bits = (1u128 << dst.n_bits) - 1;
            Action::SetField {
                field: dst.field,
                value: u128::from(value) << dst.ofs,
                mask: bits << dst.ofs,
                load: true,
            }
        }
        REG_LOAD2 => {
            b.advance(6);
            let h = EntryHeader::pull(&mut b).map_err(|_| OfpError::OFPBAC_BAD_LEN)?;
            let f =
                field::by_code(h.class, h.field, h.vendor).ok_or(OfpError::OFPBAC_BAD_SET_TYPE)?;
            let n = usize::from(f.n_bytes);
            if h.field_len() != n || b.len() < h.payload_len() {
                return Err(OfpError::OFPBAC_BAD_SET_LEN);
            }
            let read = |s: &[u8]| s.iter().fold(0u128, |a, &x| a << 8 | u128::from(x));
            let value = read(&b[..n]);
            let ones = if n == 16 {
                u128::MAX
            } else {
                (1u128 << (8 * n)) - 1
            };
            let mask = if h.hasmask { read(&b[n..2 * n]) } else { ones };
            must_be_zero(&b[h.payload_len()..])?;
            if !f.writable || !nxm::is_value_valid(f, value) {
                return Err(OfpError::OFPBAC_BAD_SET_ARGUMENT);
            }
            Action::SetField {
                field: f.id,
                value: value & mask,
                mask,
                load: true,
            }
        }
        REG_MOVE => {
            if act.len() < 24 {
                return Err(OfpError::OFPBAC_BAD_LEN);
            }
            let n_bits = b.get_u16();
            let src_ofs = b.get_u16();
            let dst_ofs = b.get_u16();
            let a = decode_move(&mut b, n_bits, src_ofs, dst_ofs)?;
            must_be_zero(b)?;
            a
        }
        OUTPUT_REG => {
            want(act, 24)?;
            let on = b.get_u16();
            let src = subfield(field_of_header32(b.get_u32()), on)?;
            let max_len = b.get_u16();
            must_be_zero(b)?;
            Action::OutputReg {
                src,
                max_len,
                reg2: false,
            }
        }
        OUTPUT_REG2 => {
            if act.len() < 24 {
                return Err(OfpError::OFPBAC_BAD_LEN);
            }
            let on = b.get_u16();
            let max_len = b.get_u16();
            let f = pull_field(&mut b)?;
            let src = subfield(Some(f), on)?;
            must_be_zero(b)?;
            Action::OutputReg {
                src,
                max_len,
                reg2: nxm_header32(f).is_none(),
            }
        }
        CONTROLLER => {
            want(act, 16)?;
            let max_len = b.get_u16();
            let controller_id = b.get_u16();
            let reason = b.get_u8();
            Action::Controller(Controller {
                max_len,
                controller_id,
                reason,
                userdata: Vec::new(),
                pause: false,
                meter_id: NX_CTLR_NO_METER,
            })
        }
        CONTROLLER2 => decode_controller2(act)?,
        CT => super::ct::decode_ct(act, v)?,
        MULTIPATH => super::balance::decode_multipath(act)?,
        BUNDLE | BUNDLE_LOAD => super::balance::decode_bundle(act, subtype == BUNDLE_LOAD)?,
        LEARN | LEARN2 => Action::Learn(Box::new(super::learn::decode(act, subtype == LEARN2)?)),
        NAT => super::ct::decode_nat(act)?,
        CONJUNCTION => {
            want(act, 16)?;
            let clause = b.get_u8();
            let n_clauses = b.get_u8();
            let id = b.get_u32();
            if !(2..=64).contains(&n_clauses) || clause >= n_clauses {
                return Err(OfpError::NXBAC_BAD_CONJUNCTION);
            }
            Action::Conjunction {
                id,
                clause,
                n_clauses,
            }
        }
        PUSH_MPLS | POP_MPLS => {
            want(act, 16)?;
            let t = b.get_u16();
            if subtype == PUSH_MPLS {
                if !matches!(t, 0x8847 | 0x8848) {
                    return Err(OfpError::OFPBAC_BAD_ARGUMENT);
                }
                Action::PushMpls(t)
            } else {
                Action::PopMpls(t)
            }
        }
        SET_MPLS_LABEL => {
            want(act, 16)?;
            b.advance(2);
            Action::SetMplsLabel(b.get_u32())
        }
        SET_MPLS_TC => {
            want(act, 16)?;
            Action::SetMplsTc(b.get_u8())
        }
        SET_MPLS_TTL => {
            want(act, 16)?;
            Action::SetMplsTtl(b.get_u8())
        }
        DEC_MPLS_TTL => {
            want(act, 16)?;
            Action::DecMplsTtl
        }
        WRITE_METADATA => {
            want(act, 32)?;
            must_be_zero(&b[..6])?;
            b.advance(6);
            let value = b.get_u64();
            let mask = b.get_u64();
            Action::WriteMetadata { value, mask }
        }
        CLONE => {
            if act.len() < 16 {
                return Err(OfpError::OFPBAC_BAD_LEN);
            }
            let inner = super::wire::decode_actions(&act[16..], v)?;
            if inner.iter().any(|a| a.inst() != super::Inst::Apply) {
                return Err(OfpError::OFPBAC_BAD_ARGUMENT);
            }
            Action::Clone(inner)
        }
        _ => return Err(OfpError::OFPBAC_BAD_VENDOR_TYPE),
    };
    out.push(a);
    Ok(())
}

fn decode_controller2(act: &[u8]) -> Result<Action> {
    if act.len() < 16 {
        return Err(OfpError::OFPBAC_BAD_LEN);
    }
    let mut c = Controller {
        max_len: u16::MAX,
        controller_id: 0,
        reason: OFPR_ACTION,
        userdata: Vec::new(),
        pause: false,
        meter_id: NX_CTLR_NO_METER,
    };
    let mut p = &act[16..];
    while !p.is_empty() {
        if p.len() < 4 {
            return Err(OfpError::OFPBPC_BAD_LEN);
        }
        let t = u16::from_be_bytes([p[0], p[1]]);
        let len = usize::from(u16::from_be_bytes([p[2], p[3]]));
        let padded = len.div_ceil(8) * 8;
        if len < 4 || padded > p.len() {
            return Err(OfpError::OFPBPC_BAD_LEN);
        }
        let body = &p[4..len];
        let fixed = |n: usize| {
            if body.len() == n {
                Ok(())
            } else {
                Err(OfpError::OFPBPC_BAD_LEN)
            }
        };
        match t {
            0 => {
                if body.len() != 2 && body.len() != 4 {
                    return Err(OfpError::OFPBPC_BAD_LEN);
                }
                c.max_len = u16::from_be_bytes([body[0], body[1]]);
            }
            1 => {
                if body.len() != 2 && body.len() != 4 {
                    return Err(OfpError::OFPBPC_BAD_LEN);
                }
                c.controller_id = u16::from_be_bytes([body[0], body[1]]);
            }
            2 => {
                fixed(1)?;
                c.reason = body[0];
            }
            3 => c.userdata = body.to_vec(),
            4 => {
                fixed(0)?;
                c.pause = true;
            }
            5 => {
                fixed(4)?;
                c.meter_id = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
            }
            _ => return Err(OfpError::OFPBPC_BAD_TYPE),
        }
        p = &p[padded..];
    }
    let _ = access::port_to_ofp11;
    Ok(Action::Controller(c))
}
