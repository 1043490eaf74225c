//! The `learn` action (Nicira `NXAST_LEARN` / `NXAST_LEARN2`): adds or
//! modifies a flow built from the packet being processed (OVS
//! `lib/learn.c`).

use std::fmt::Write;

use bytes::{Buf, BufMut};

use super::text::{format_subfield, parse_subfield};
use super::Subfield;
use crate::error::{OfpError, Result};
use crate::field::{self, format_value, put_hex};
use crate::kv::KeyValues;
use crate::matches::Match;

/// Flag: send flow-removed for learned flows.
pub const SEND_FLOW_REM: u16 = 1;
/// Flag: delete learned flows when this flow goes.
pub const DELETE_LEARNED: u16 = 2;
/// Flag: write whether learning succeeded to `result_dst`.
pub const WRITE_RESULT: u16 = 4;

/// Where a spec's bits come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LearnSrc {
    /// From a field of the packet.
    Field(Subfield),
    /// A constant: `n_bits` bits, right-aligned.
    Imm(u128),
}

/// What a spec does with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LearnDst {
    /// Match on these bits in the new flow.
    Match(Subfield),
    /// Load them into these bits in the new flow's actions.
    Load(Subfield),
    /// Output to the port they name.
    Output,
}

/// One flow-mod spec of a `learn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnSpec {
    /// Bits.
    pub n_bits: u16,
    /// Source.
    pub src: LearnSrc,
    /// Destination.
    pub dst: LearnDst,
}

/// A `learn` action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Learn {
    /// Idle timeout of the new flow.
    pub idle_timeout: u16,
    /// Hard timeout.
    pub hard_timeout: u16,
    /// Priority.
    pub priority: u16,
    /// Cookie.
    pub cookie: u64,
    /// `SEND_FLOW_REM`, `DELETE_LEARNED`, `WRITE_RESULT`.
    pub flags: u16,
    /// Table of the new flow.
    pub table_id: u8,
    /// Idle timeout after FIN/RST.
    pub fin_idle_timeout: u16,
    /// Hard timeout after FIN/RST.
    pub fin_hard_timeout: u16,
    /// Maximum number of flows learned (0: no limit).
    pub limit: u32,
    /// One bit to record success in.
    pub result_dst: Option<Subfield>,
    /// The specs.
    pub specs: Vec<LearnSpec>,
}

fn atoi(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, d) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t),
    };
    let n = d
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |a, c| a * 10 + i64::from(c - b'0'));
    if neg {
        -n
    } else {
        n
    }
}

fn whole(s: &str) -> std::result::Result<Subfield, String> {
    let (sf, rest) = parse_subfield(s)?;
    if !rest.is_empty() {
        return Err(format!("{s}: trailing garbage following subfield"));
    }
    Ok(sf)
}

fn needs_nxm(sf: &Subfield, orig: &str, name: &str) -> std::result::Result<(), String> {
    if super::nx::nxm_header32(sf.field).is_none() {
        return Err(format!(
            "{orig}: experimenter OXM field '{name}' not supported"
        ));
    }
    Ok(())
}

fn mask(n: u16) -> u128 {
    if n >= 128 {
        u128::MAX
    } else {
        (1u128 << n) - 1
    }
}

/// Parses the inside of `learn(...)`.
pub fn parse(orig: &str) -> std::result::Result<Learn, String> {
    let mut l = Learn {
        idle_timeout: 0,
        hard_timeout: 0,
        priority: crate::matches::DEFAULT_PRIORITY,
        cookie: 0,
        flags: 0,
        table_id: 1,
        fin_idle_timeout: 0,
        fin_hard_timeout: 0,
        limit: 0,
        result_dst: None,
        specs: Vec::new(),
    };
    for (name, value) in KeyValues::new(orig) {
        match name {
            "table" => {
                l.table_id = crate::kv::parse_table(value)
                    .ok_or_else(|| format!("unknown table \"{value}\""))?;
                if l.table_id == 255 {
                    return Err(format!("{orig}: table id 255 not valid for `learn' action"));
                }
            }
            "priority" => l.priority = atoi(value) as u16,
            "idle_timeout" => l.idle_timeout = atoi(value) as u16,
            "hard_timeout" => l.hard_timeout = atoi(value) as u16,
            "fin_idle_timeout" => l.fin_idle_timeout = atoi(value) as u16,
            "fin_hard_timeout" => l.fin_hard_timeout = atoi(value) as u16,
            "cookie" => l.cookie = crate::kv::c_uint(value).unwrap_or(0),
            "send_flow_rem" => l.flags |= SEND_FLOW_REM,
            "delete_learned" => l.flags |= DELETE_LEARNED,
            "limit" => l.limit = atoi(value) as u32,
            "result_dst" => {
                l.flags |= WRITE_RESULT;
                let sf = whole(value)?;
                if !sf.field.field().writable {
                    return Err(format!("{value} is read-only"));
                }
                if sf.n_bits != 1 {
                    return Err("result_dst in 'learn' action must be a single bit".into());
                }
                l.result_dst = Some(sf);
            }
            _ => l.specs.push(parse_spec(orig, name, value)?),
        }
    }
    Ok(l)
}

fn parse_spec(orig: &str, name: &str, value: &str) -> std::result::Result<LearnSpec, String> {
    if let Ok(dst) = whole(name) {
        needs_nxm(&dst, orig, name)?;
        if value.is_empty() {
            return Ok(LearnSpec {
                n_bits: dst.n_bits,
                src: LearnSrc::Field(dst),
                dst: LearnDst::Match(dst),
            });
        }
        return match whole(value) {
            Ok(src) => {
                if src.n_bits != dst.n_bits {
                    return Err(format!(
                        "{orig}: bit widths of {name} ({}) and {value} ({}) differ",
                        src.n_bits, dst.n_bits
                    ));
                }
                Ok(LearnSpec {
                    n_bits: dst.n_bits,
                    src: LearnSrc::Field(src),
                    dst: LearnDst::Match(dst),
                })
            }
            Err(sub_err) => {
                let f = dst.field.field();
                let imm = if dst.ofs == 0 && dst.n_bits == f.n_bits {
                    field::parse_value(f, value).and_then(|(v, m)| {
                        if m == mask(u16::from(f.n_bytes) * 8) {
                            Ok(v)
                        } else {
                            Err(format!("{value}: invalid mask for field {}", f.name))
                        }
                    })
                } else {
                    match field::parse_int(value, usize::from(f.n_bytes)) {
                        Ok((v, "")) if v >> dst.n_bits == 0 || dst.n_bits >= 128 => Ok(v),
                        Ok((v, "")) => Err(format!(
                            "{orig}: value {} does not fit into {} bits",
                            format_value(f, v, None),
                            dst.n_bits
                        )),
                        _ => Err(format!("{orig}: cannot parse integer value")),
                    }
                };
                match imm {
                    Ok(v) => Ok(LearnSpec {
                        n_bits: dst.n_bits,
                        src: LearnSrc::Imm(v & mask(dst.n_bits)),
                        dst: LearnDst::Match(dst),
                    }),
                    Err(imm_err) => Err(format!(
                        "{orig}: {name} value {value} cannot be parsed as a subfield ({sub_err}) or an immediate value ({imm_err})"
                    )),
                }
            }
        };
    }
    match name {
        "load" => {
            let Some(arrow) = value.find("->") else {
                return Err(format!("{name}: missing `->' in `{value}'"));
            };
            if arrow == 0 {
                return Err(format!("{name}: missing source before `->' in `{value}'"));
            }
            let (src_s, dst_s) = (&value[..arrow], &value[arrow + 2..]);
            if let Ok((imm, rest)) = field::parse_int(src_s, 16) {
                if !rest.is_empty() {
                    return Err(format!("{name}: garbage before `->' in `{value}'"));
                }
                let dst = whole(dst_s)?;
                needs_nxm(&dst, value, dst_s)?;
                if dst.n_bits < 128 && imm >> dst.n_bits != 0 {
                    return Err(format!(
                        "{value}: value does not fit into {} bits",
                        dst.n_bits
                    ));
                }
                return Ok(LearnSpec {
                    n_bits: dst.n_bits,
                    src: LearnSrc::Imm(imm),
                    dst: LearnDst::Load(dst),
                });
            }
            let src = whole(src_s)?;
            let dst = whole(dst_s)?;
            if src.n_bits != dst.n_bits {
                return Err(format!(
                    "{value}: source field is {} bits wide but destination is {} bits wide",
                    src.n_bits, dst.n_bits
                ));
            }
            Ok(LearnSpec {
                n_bits: src.n_bits,
                src: LearnSrc::Field(src),
                dst: LearnDst::Load(dst),
            })
        }
        "output" => {
            let src = whole(value)?;
            Ok(LearnSpec {
                n_bits: src.n_bits,
                src: LearnSrc::Field(src),
                dst: LearnDst::Output,
            })
        }
        _ => Err(format!("{orig}: unknown keyword {name}")),
    }
}

fn imm_hex(s: &mut String, v: u128, n_bits: u16) {
    let n = usize::from(n_bits.div_ceil(8));
    put_hex(s, &v.to_be_bytes()[16 - n..]);
}

/// `learn(...)` text (OVS `learn_format()`).
pub fn format(s: &mut String, l: &Learn) {
    let _ = write!(s, "learn(table={}", l.table_id);
    if l.idle_timeout != 0 {
        let _ = write!(s, ",idle_timeout={}", l.idle_timeout);
    }
    if l.hard_timeout != 0 {
        let _ = write!(s, ",hard_timeout={}", l.hard_timeout);
    }
    if l.fin_idle_timeout != 0 {
        let _ = write!(s, ",fin_idle_timeout={}", l.fin_idle_timeout);
    }
    if l.fin_hard_timeout != 0 {
        let _ = write!(s, ",fin_hard_timeout={}", l.fin_hard_timeout);
    }
    if l.priority != crate::matches::DEFAULT_PRIORITY {
        let _ = write!(s, ",priority={}", l.priority);
    }
    if l.flags & SEND_FLOW_REM != 0 {
        s.push_str(",send_flow_rem");
    }
    if l.flags & DELETE_LEARNED != 0 {
        s.push_str(",delete_learned");
    }
    if l.cookie != 0 {
        let _ = write!(s, ",cookie={:#x}", l.cookie);
    }
    if l.limit != 0 {
        let _ = write!(s, ",limit={}", l.limit);
    }
    if let Some(r) = &l.result_dst {
        let _ = write!(s, ",result_dst={}", format_subfield(r));
    }
    for spec in &l.specs {
        s.push(',');
        match (&spec.src, &spec.dst) {
            (LearnSrc::Imm(v), LearnDst::Match(d)) => {
                let f = d.field.field();
                if d.ofs == 0 && d.n_bits == f.n_bits {
                    let _ = write!(s, "{}={}", f.name, format_value(f, *v, None));
                } else {
                    let _ = write!(s, "{}=", format_subfield(d));
                    imm_hex(s, *v, spec.n_bits);
                }
            }
            (LearnSrc::Field(src), LearnDst::Match(d)) => {
                s.push_str(&format_subfield(d));
                if src.field != d.field || src.ofs != d.ofs {
                    let _ = write!(s, "={}", format_subfield(src));
                }
            }
            (LearnSrc::Imm(v), LearnDst::Load(d)) => {
                s.push_str("load:");
                imm_hex(s, *v, spec.n_bits);
                let _ = write!(s, "->{}", format_subfield(d));
            }
            (LearnSrc::Field(src), LearnDst::Load(d)) => {
                let _ = write!(s, "load:{}->{}", format_subfield(src), format_subfield(d));
            }
            (LearnSrc::Field(src), LearnDst::Output) => {
                let _ = write!(s, "output:{}", format_subfield(src));
            }
            (LearnSrc::Imm(_), LearnDst::Output) => {}
        }
    }
    s.push(')');
}

/// OVS `learn_check()`: sources meet the flow's prerequisites, learned
/// match fields meet the learned match's.
pub fn check(l: &Learn, src_match: &Match) -> Result<()> {
    let mut dst_match = Match::default();
    for spec in &l.specs {
        if let LearnSrc::Field(src) = &spec.src {
            src.check_as(Some(src_match), "source")?;
        }
        match spec.dst {
            LearnDst::Match(d) => {
                d.check_as(Some(&dst_match), "source")?;
                if let LearnSrc::Imm(v) = spec.src {
                    let (mut fv, mut fm) = dst_match.get(d.field);
                    let bits = mask(d.n_bits) << d.ofs;
                    fv = (fv & !bits) | ((v << d.ofs) & bits);
                    fm |= bits;
                    dst_match.set_field(d.field.field(), fv, fm);
                }
            }
            LearnDst::Load(d) => {
                d.check_as(Some(&dst_match), "destination")?;
                if !d.field.field().writable {
                    return Err(OfpError::OFPBAC_BAD_SET_ARGUMENT);
                }
            }
            LearnDst::Output => {}
        }
    }
    Ok(())
}

fn put_sf(out: &mut Vec<u8>, sf: &Subfield) {
    out.put_u32(super::nx::nxm_header32(sf.field).unwrap_or(0));
    out.put_u16(sf.ofs);
}

/// Encodes `learn` (`NXAST_LEARN2` when it has a limit or result bit).
pub fn encode(l: &Learn, out: &mut Vec<u8>) {
    let start = out.len();
    let v2 = l.limit != 0 || l.result_dst.is_some();
    super::nx::put_nx_header(
        out,
        if v2 {
            super::nx::LEARN2
        } else {
            super::nx::LEARN
        },
    );
    out.put_u16(l.idle_timeout);
    out.put_u16(l.hard_timeout);
    out.put_u16(l.priority);
    out.put_u64(l.cookie);
    out.put_u16(l.flags);
    out.put_u8(l.table_id);
    out.put_u8(0);
    out.put_u16(l.fin_idle_timeout);
    out.put_u16(l.fin_hard_timeout);
    if v2 {
        out.put_u32(l.limit);
        out.put_u16(l.result_dst.map_or(0, |r| r.ofs));
        out.put_u16(0);
        if let Some(r) = &l.result_dst {
            out.put_u32(super::nx::nxm_header32(r.field).unwrap_or(0));
        }
    }
    for spec in &l.specs {
        let mut h = spec.n_bits & 0x7ff;
        if matches!(spec.src, LearnSrc::Imm(_)) {
            h |= 1 << 13;
        }
        h |= match spec.dst {
            LearnDst::Match(_) => 0,
            LearnDst::Load(_) => 1 << 11,
            LearnDst::Output => 2 << 11,
        };
        out.put_u16(h);
        match &spec.src {
            LearnSrc::Field(sf) => put_sf(out, sf),
            LearnSrc::Imm(v) => {
                let n = 2 * usize::from(spec.n_bits.div_ceil(16));
                out.extend_from_slice(&v.to_be_bytes()[16 - n.min(16)..]);
            }
        }
        if let LearnDst::Match(d) | LearnDst::Load(d) = &spec.dst {
            put_sf(out, d);
        }
    }
    super::wire::finish_action(out, start);
}

fn pull_sf(b: &mut &[u8], n_bits: u16) -> Result<Subfield> {
    if b.len() < 6 {
        return Err(OfpError::OFPBAC_BAD_LEN);
    }
    let h = b.get_u32();
    let ofs = b.get_u16();
    let class = (h >> 16) as u16;
    let fno = ((h >> 9) & 0x7f) as u8;
    let f = field::by_code(class, fno, 0).ok_or(OfpError::OFPBAC_BAD_ARGUMENT)?;
    let sf = Subfield {
        field: f.id,
        ofs,
        n_bits,
    };
    sf.check(None).map_err(|_| OfpError::OFPBAC_BAD_ARGUMENT)?;
    Ok(sf)
}

/// Decodes `NXAST_LEARN` or, with `v2`, `NXAST_LEARN2` (whole action).
pub fn decode(act: &[u8], v2: bool) -> Result<Learn> {
    let fixed = if v2 { 40 } else { 32 };
    if act.len() < fixed {
        return Err(OfpError::OFPBAC_BAD_LEN);
    }
    let mut b = &act[10..];
    let mut l = Learn {
        idle_timeout: b.get_u16(),
        hard_timeout: b.get_u16(),
        priority: b.get_u16(),
        cookie: b.get_u64(),
        flags: b.get_u16(),
        table_id: b.get_u8(),
        fin_idle_timeout: 0,
        fin_hard_timeout: 0,
        limit: 0,
        result_dst: None,
        specs: Vec::new(),
    };
    if b.get_u8() != 0 {
        return Err(OfpError::OFPBAC_BAD_ARGUMENT);
    }
    l.fin_idle_timeout = b.get_u16();
    l.fin_hard_timeout = b.get_u16();
    let max_flags = if v2 { 7 } else { 3 };
    if l.flags & !max_flags != 0 || l.table_id == 255 {
        return Err(OfpError::OFPBAC_BAD_ARGUMENT);
    }
    if v2 {
        l.limit = b.get_u32();
        let ofs = b.get_u16();
        b.advance(2);
        if l.flags & WRITE_RESULT != 0 {
            if b.len() < 4 {
                return Err(OfpError::OFPBAC_BAD_LEN);
            }
            let h = b.get_u32();
            let f = field::by_code((h >> 16) as u16, ((h >> 9) & 0x7f) as u8, 0)
                .ok_or(OfpError::OFPBAC_BAD_ARGUMENT)?;
            let sf = Subfield {
                field: f.id,
                ofs,
                n_bits: 1,
            };
            sf.check(None).map_err(|_| OfpError::OFPBAC_BAD_ARGUMENT)?;
            if !f.writable {
                return Err(OfpError::OFPBAC_BAD_ARGUMENT);
            }
            l.result_dst = Some(sf);
        }
    }
    while b.len() >= 2 {
        let h = u16::from_be_bytes([b[0], b[1]]);
        if h == 0 {
            break;
        }
        b.advance(2);
        let n_bits = h & 0x7ff;
        let imm = h & (1 << 13) != 0;
        let dst_type = (h >> 11) & 3;
        if h & 0xc000 != 0 || dst_type == 3 || (dst_type == 2 && imm) || n_bits == 0 {
            return Err(OfpError::OFPBAC_BAD_ARGUMENT);
        }
        let src = if imm {
            let n = 2 * usize::from(n_bits.div_ceil(16));
            if b.len() < n {
                return Err(OfpError::OFPBAC_BAD_LEN);
            }
            if n > 16 {
                return Err(OfpError::OFPBAC_BAD_ARGUMENT);
            }
            let v = b[..n].iter().fold(0u128, |a, &x| a << 8 | u128::from(x));
            b.advance(n);
            if v >> n_bits != 0 && n_bits < 128 {
                return Err(OfpError::OFPBAC_BAD_ARGUMENT);
            }
            LearnSrc::Imm(v)
        } else {
            LearnSrc::Field(pull_sf(&mut b, n_bits)?)
        };
        let dst = match dst_type {
            0 => LearnDst::Match(pull_sf(&mut b, n_bits)?),
            1 => LearnDst::Load(pull_sf(&mut b, n_bits)?),
            _ => LearnDst::Output,
        };
        l.specs.push(LearnSpec { n_bits, src, dst });
    }
    if b.iter().any(|&x| x != 0) {
        return Err(OfpError::OFPBAC_BAD_ARGUMENT);
    }
    Ok(l)
}
