//! Nicira actions for sampling, truncation, timeouts, the field stack and
//! packet sizes: `sample` (`NXAST_SAMPLE`, `SAMPLE2`, `SAMPLE3`),
//! `output(port=..,max_len=..)` (`NXAST_OUTPUT_TRUNC`), `fin_timeout`
//! (`NXAST_FIN_TIMEOUT`), `push:`/`pop:` (`NXAST_STACK_PUSH`/`POP`) and
//! `check_pkt_larger(N)->dst` (`NXAST_CHECK_PKT_LARGER`): wire form, text
//! and checks as OVS's `ofp-actions.c` has them.

use std::fmt::Write;

use bytes::{Buf, BufMut};

use super::nx::{put_nx, put_nx_header};
use super::text::{format_subfield, parse_subfield};
use super::{port, Action, Subfield};
use crate::error::{OfpError, Result};
use crate::field::{parse_port, port_name};
use crate::kv::{str_to_u16, str_to_u32, KeyValues};
use crate::matches::nxm::EntryHeader;

/// `NXAST_FIN_TIMEOUT`.
pub const FIN_TIMEOUT: u16 = 19;
/// `NXAST_STACK_PUSH`.
pub const STACK_PUSH: u16 = 27;
/// `NXAST_STACK_POP`.
pub const STACK_POP: u16 = 28;
/// `NXAST_SAMPLE`.
pub const SAMPLE: u16 = 29;
/// `NXAST_SAMPLE2`.
pub const SAMPLE2: u16 = 38;
/// `NXAST_OUTPUT_TRUNC`.
pub const OUTPUT_TRUNC: u16 = 39;
/// `NXAST_SAMPLE3`.
pub const SAMPLE3: u16 = 41;
/// `NXAST_CHECK_PKT_LARGER`.
pub const CHECK_PKT_LARGER: u16 = 49;

/// The subtypes this module decodes.
pub const SUBTYPES: [u16; 8] = [
    FIN_TIMEOUT,
    STACK_PUSH,
    STACK_POP,
    SAMPLE,
    SAMPLE2,
    OUTPUT_TRUNC,
    SAMPLE3,
    CHECK_PKT_LARGER,
];

/// Sampling direction of `sample` (`NX_ACTION_SAMPLE_*`).
pub mod direction {
    /// Not given.
    pub const DEFAULT: u8 = 0;
    /// `ingress`.
    pub const INGRESS: u8 = 1;
    /// `egress`.
    pub const EGRESS: u8 = 2;
}

/// A `sample` action (OVS `struct ofpact_sample`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// Packets sampled out of 65535.
    pub probability: u16,
    /// Collector set (`Flow_Sample_Collector_Set` ID).
    pub collector_set_id: u32,
    /// IPFIX observation domain.
    pub obs_domain_id: u32,
    /// IPFIX observation point.
    pub obs_point_id: u32,
    /// Port the sample is about, [`port::ANY`] for none.
    pub sampling_port: u32,
    /// [`direction`] value.
    pub direction: u8,
    /// The subtype it came in as (or must go out as): [`SAMPLE`],
    /// [`SAMPLE2`] or [`SAMPLE3`]; the smallest that carries the fields
    /// otherwise.
    pub raw: u16,
}

fn want(act: &[u8], len: usize) -> Result<()> {
    if act.len() == len {
        Ok(())
    } else {
        Err(OfpError::OFPBAC_BAD_LEN)
    }
}

/// OVS `mf_check_dst()`: the bits lie in the field, the match (if any)
/// meets its prerequisites, and it is writable.
pub fn check_dst(sf: &Subfield, m: Option<&crate::matches::Match>) -> Result<()> {
    sf.check_as(m, "destination")?;
    if !sf.field.field().writable {
        crate::diag::warn(
            "meta_flow",
            format!(
                "destination field {} is not writable",
                sf.field.field().name
            ),
        );
        return Err(OfpError::OFPBAC_BAD_SET_ARGUMENT);
    }
    Ok(())
}

/// Reads an NXM/OXM header naming a field (OVS `nx_pull_header()`, no
/// mask allowed).
fn pull_field(b: &mut &[u8]) -> Result<crate::field::FieldId> {
    let h = EntryHeader::pull(b)?;
    let f = crate::field::by_code(h.class, h.field, h.vendor)
        .filter(|f| usize::from(f.n_bytes) == h.field_len())
        .ok_or(OfpError::OFPBMC_BAD_FIELD)?;
    if h.hasmask {
        return Err(OfpError::OFPBMC_BAD_MASK);
    }
    Ok(f.id)
}

fn zeros(b: &[u8]) -> Result<()> {
    if b.iter().all(|&x| x == 0) {
        Ok(())
    } else {
        Err(OfpError::NXBRC_MUST_BE_ZERO)
    }
}

/// Decodes one of [`SUBTYPES`]; `act` is the whole action.
pub fn decode(act: &[u8], subtype: u16) -> Result<Action> {
    let mut b = &act[10..];
    Ok(match subtype {
        FIN_TIMEOUT => {
            want(act, 16)?;
            Action::FinTimeout {
                idle: b.get_u16(),
                hard: b.get_u16(),
            }
        }
        OUTPUT_TRUNC => {
            want(act, 16)?;
            let port = u32::from(b.get_u16());
            let max_len = b.get_u32();
            if max_len < 14 {
                return Err(OfpError::OFPBAC_BAD_ARGUMENT);
            }
            Action::OutputTrunc { port, max_len }
        }
        SAMPLE | SAMPLE2 | SAMPLE3 => {
            want(act, if subtype == SAMPLE { 24 } else { 32 })?;
            let mut s = Sample {
                probability: b.get_u16(),
                collector_set_id: b.get_u32(),
                obs_domain_id: b.get_u32(),
                obs_point_id: b.get_u32(),
                sampling_port: port::ANY,
                direction: direction::DEFAULT,
                raw: subtype,
            };
            if subtype != SAMPLE {
                s.sampling_port = u32::from(b.get_u16());
                let dir = b.get_u8();
                if subtype == SAMPLE3 {
                    zeros(b)?;
                    if dir > direction::EGRESS {
                        crate::diag::warn("ofp_actions", format!("invalid sample direction {dir}"));
                        return Err(OfpError::OFPBAC_BAD_ARGUMENT);
                    }
                    s.direction = dir;
                }
            }
            if s.probability == 0 {
                return Err(OfpError::OFPBAC_BAD_ARGUMENT);
            }
            Action::Sample(Box::new(s))
        }
        STACK_PUSH | STACK_POP => {
            want(act, 24)?;
            let ofs = b.get_u16();
            let field = pull_field(&mut b)?;
            if b.len() < 2 {
                return Err(OfpError::OFPBMC_BAD_LEN);
            }
            let n_bits = b.get_u16();
            zeros(b)?;
            let sf = Subfield { field, ofs, n_bits };
            if subtype == STACK_PUSH {
                sf.check_as(None, "source")?;
                Action::StackPush(sf)
            } else {
                check_dst(&sf, None)?;
                Action::StackPop(sf)
            }
        }
        CHECK_PKT_LARGER => {
            if act.len() < 24 {
                return Err(OfpError::OFPBAC_BAD_LEN);
            }
            let pkt_len = b.get_u16();
            let ofs = b.get_u16();
            let field = pull_field(&mut b)?;
            zeros(b)?;
            let dst = Subfield {
                field,
                ofs,
                n_bits: 1,
            };
            check_dst(&dst, None)?;
            Action::CheckPktLarger { pkt_len, dst }
        }
        _ => return Err(OfpError::OFPBAC_BAD_VENDOR_TYPE),
    })
}

/// Writes the field's header as OVS's `nx_put_mff_header()` does (the
/// NXM header where the field has one).
fn put_field_header(out: &mut Vec<u8>, field: crate::field::FieldId) {
    let f = field.field();
    if let Some(c) = f.code_for(None) {
        EntryHeader::of_code(c, usize::from(f.n_bytes), false).put(out);
    }
}

/// Encodes an action of this module (any other is ignored).
pub fn encode(a: &Action, out: &mut Vec<u8>) {
    match a {
        Action::FinTimeout { idle, hard } => {
            let mut b = Vec::new();
            b.put_u16(*idle);
            b.put_u16(*hard);
            b.put_u16(0);
            put_nx(out, FIN_TIMEOUT, &b);
        }
        Action::OutputTrunc { port, max_len } => {
            let mut b = Vec::new();
            b.put_u16(*port as u16);
            b.put_u32(*max_len);
            put_nx(out, OUTPUT_TRUNC, &b);
        }
        Action::Sample(s) => {
            let sub = if s.raw == SAMPLE3 || s.direction != direction::DEFAULT {
                SAMPLE3
            } else if s.raw == SAMPLE2 || s.sampling_port != port::ANY {
                SAMPLE2
            } else {
                SAMPLE
            };
            let mut b = Vec::new();
            b.put_u16(s.probability);
            b.put_u32(s.collector_set_id);
            b.put_u32(s.obs_domain_id);
            b.put_u32(s.obs_point_id);
            if sub != SAMPLE {
                b.put_u16(s.sampling_port as u16);
                b.put_u8(s.direction);
                b.put_slice(&[0; 5]);
            }
            put_nx(out, sub, &b);
        }
        Action::StackPush(sf) | Action::StackPop(sf) => {
            let start = out.len();
            let sub = if matches!(a, Action::StackPush(_)) {
                STACK_PUSH
            } else {
                STACK_POP
            };
            put_nx_header(out, sub);
            out.put_u16(sf.ofs);
            put_field_header(out, sf.field);
            out.put_u16(sf.n_bits);
            out.resize(start + 24, 0);
            super::wire::finish_action(out, start);
        }
        Action::CheckPktLarger { pkt_len, dst } => {
            let start = out.len();
            put_nx_header(out, CHECK_PKT_LARGER);
            out.put_u16(*pkt_len);
            out.put_u16(dst.ofs);
            put_field_header(out, dst.field);
            out.resize(start + 24, 0);
            super::wire::finish_action(out, start);
        }
        _ => {}
    }
}

/// Parses `fin_timeout(idle_timeout=N,hard_timeout=N)`'s argument.
pub fn parse_fin_timeout(v: &str) -> std::result::Result<Action, String> {
    let (mut idle, mut hard) = (0, 0);
    for (k, val) in KeyValues::new(v) {
        match k {
            "idle_timeout" => idle = str_to_u16(val, k)?,
            "hard_timeout" => hard = str_to_u16(val, k)?,
            _ => return Err(format!("invalid key '{k}' in 'fin_timeout' argument")),
        }
    }
    Ok(Action::FinTimeout { idle, hard })
}

/// Parses `output(port=P,max_len=N)`'s argument (OVS
/// `parse_truncate_subfield()`).
pub fn parse_output_trunc(v: &str) -> std::result::Result<Action, String> {
    let (mut p, mut max_len) = (0, 0);
    for (k, val) in KeyValues::new(v) {
        match k {
            "port" => {
                p = parse_port(val)
                    .ok_or_else(|| format!("output to unknown truncate port: {val}"))?;
                if p > port::MAX && p != port::LOCAL && p != port::IN_PORT {
                    return Err(format!("output to unsupported truncate port: {val}"));
                }
            }
            "max_len" => {
                max_len = str_to_u32(val)?;
                if max_len < 14 {
                    return Err(format!(
                        "max_len {max_len} is less than the minimum value 14"
                    ));
                }
            }
            _ => return Err(format!("invalid key '{k}' in output_trunc argument")),
        }
    }
    Ok(Action::OutputTrunc { port: p, max_len })
}

/// Parses `sample(...)`'s argument (OVS `parse_SAMPLE()`).
pub fn parse_sample(v: &str) -> std::result::Result<Action, String> {
    let mut s = Sample {
        probability: 0,
        collector_set_id: 0,
        obs_domain_id: 0,
        obs_point_id: 0,
        sampling_port: port::ANY,
        direction: direction::DEFAULT,
        raw: SAMPLE,
    };
    for (k, val) in KeyValues::new(v) {
        match k {
            "probability" => {
                s.probability = str_to_u16(val, "probability")?;
                if s.probability == 0 {
                    return Err(format!("invalid probability value \"{val}\""));
                }
            }
            "collector_set_id" => s.collector_set_id = str_to_u32(val)?,
            "obs_domain_id" => s.obs_domain_id = str_to_u32(val)?,
            "obs_point_id" => s.obs_point_id = str_to_u32(val)?,
            "sampling_port" => {
                s.sampling_port = parse_port(val).ok_or_else(|| format!("{val}: unknown port"))?;
            }
            "ingress" => s.direction = direction::INGRESS,
            "egress" => s.direction = direction::EGRESS,
            _ => return Err(format!("invalid key \"{k}\" in \"sample\" argument")),
        }
    }
    if s.probability == 0 {
        return Err("non-zero \"probability\" must be specified on sample".into());
    }
    Ok(Action::Sample(Box::new(s)))
}

/// Parses `push:SUBFIELD` or `pop:SUBFIELD`'s argument.
pub fn parse_stack(v: &str, push: bool) -> std::result::Result<Action, String> {
    let (sf, rest) = parse_subfield(v)?;
    if !rest.is_empty() {
        return Err(format!("{rest}: trailing garbage following push or pop"));
    }
    Ok(if push {
        Action::StackPush(sf)
    } else {
        Action::StackPop(sf)
    })
}

/// Parses `check_pkt_larger(N)->DST`'s argument, `N)->DST`.
pub fn parse_check_pkt_larger(v: &str) -> std::result::Result<Action, String> {
    let (value, key) = v
        .split_once("->")
        .ok_or_else(|| format!("{v}: missing `->'"))?;
    if key.is_empty() {
        return Err(format!("{v}: missing field name following `->'"));
    }
    let value = value.strip_suffix(')').unwrap_or(value);
    let (dst, rest) = parse_subfield(key)?;
    if !rest.is_empty() {
        return Err(format!("{key}: trailing garbage following subfield"));
    }
    if dst.n_bits != 1 {
        return Err("Only 1-bit destination field is allowed".into());
    }
    let pkt_len = str_to_u16(value, "")?;
    Ok(Action::CheckPktLarger { pkt_len, dst })
}

/// Prints an action of this module as `ovs-ofctl` does; false for any
/// other action.
pub fn format(s: &mut String, a: &Action) -> bool {
    match a {
        Action::FinTimeout { idle, hard } => {
            s.push_str("fin_timeout(");
            let mut parts = Vec::new();
            if *idle != 0 {
                parts.push(format!("idle_timeout={idle}"));
            }
            if *hard != 0 {
                parts.push(format!("hard_timeout={hard}"));
            }
            s.push_str(&parts.join(","));
            s.push(')');
        }
        Action::OutputTrunc { port: p, max_len } => {
            let _ = write!(s, "output(port={},max_len={max_len})", port_name(*p));
        }
        Action::Sample(x) => {
            let _ = write!(
                s,
                "sample(probability={},collector_set_id={},obs_domain_id={},obs_point_id={}",
                x.probability, x.collector_set_id, x.obs_domain_id, x.obs_point_id
            );
            if x.sampling_port != port::ANY {
                let _ = write!(s, ",sampling_port={}", port_name(x.sampling_port));
            }
            match x.direction {
                direction::INGRESS => s.push_str(",ingress"),
                direction::EGRESS => s.push_str(",egress"),
                _ => {}
            }
            s.push(')');
        }
        Action::StackPush(sf) => {
            let _ = write!(s, "push:{}", format_subfield(sf));
        }
        Action::StackPop(sf) => {
            let _ = write!(s, "pop:{}", format_subfield(sf));
        }
        Action::CheckPktLarger { pkt_len, dst } => {
            let _ = write!(s, "check_pkt_larger({pkt_len})->{}", format_subfield(dst));
        }
        _ => return false,
    }
    true
}
