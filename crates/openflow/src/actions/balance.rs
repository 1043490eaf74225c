//! Load-balancing actions: `multipath` (`NXAST_MULTIPATH`) and `bundle` /
//! `bundle_load` (`NXAST_BUNDLE`, `NXAST_BUNDLE_LOAD`).

use std::fmt::Write;

use bytes::{Buf, BufMut};

use super::text::{format_subfield, parse_subfield};
use super::{Action, Subfield};
use crate::error::{OfpError, Result};
use crate::field;

/// Hash field sets, by `NX_HASH_FIELDS_*` value.
pub const HASH_FIELDS: [&str; 7] = [
    "eth_src",
    "symmetric_l4",
    "symmetric_l3l4",
    "symmetric_l3l4+udp",
    "nw_src",
    "nw_dst",
    "symmetric_l3",
];
/// Multipath algorithms, by `NX_MP_ALG_*` value.
pub const MP_ALGS: [&str; 4] = ["modulo_n", "hash_threshold", "hrw", "iter_hash"];
/// Bundle algorithms, by `NX_BD_ALG_*` value.
pub const BD_ALGS: [&str; 2] = ["active_backup", "hrw"];

/// A `multipath` action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Multipath {
    /// `NX_HASH_FIELDS_*`.
    pub fields: u16,
    /// Hash basis.
    pub basis: u16,
    /// `NX_MP_ALG_*`.
    pub algorithm: u16,
    /// Number of links minus one.
    pub max_link: u16,
    /// Algorithm argument.
    pub arg: u32,
    /// Where the link number goes.
    pub dst: Subfield,
}

/// A `bundle` or `bundle_load` action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// `NX_BD_ALG_*`.
    pub algorithm: u16,
    /// `NX_HASH_FIELDS_*`.
    pub fields: u16,
    /// Hash basis.
    pub basis: u16,
    /// For `bundle_load`, where the chosen port goes.
    pub dst: Option<Subfield>,
    /// Member ports.
    pub members: Vec<u32>,
}

fn atoi(s: &str) -> i64 {
    let d: String = s.trim().chars().take_while(char::is_ascii_digit).collect();
    d.parse().unwrap_or(0)
}

fn name_index(names: &[&str], s: &str) -> Option<u16> {
    names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(s))
        .map(|i| i as u16)
}

fn tokens<'a>(s: &'a str, delims: &'a [char]) -> impl Iterator<Item = &'a str> + 'a {
    s.split(move |c| delims.contains(&c))
        .filter(|t| !t.is_empty())
}

/// Parses the inside of `multipath(...)`.
pub fn parse_multipath(s: &str) -> std::result::Result<Action, String> {
    let t: Vec<&str> = tokens(s, &[',', ' ']).collect();
    if t.len() < 6 {
        return Err(format!("{s}: not enough arguments to multipath action"));
    }
    let fields =
        name_index(&HASH_FIELDS, t[0]).ok_or_else(|| format!("{s}: unknown fields `{}'", t[0]))?;
    let algorithm =
        name_index(&MP_ALGS, t[2]).ok_or_else(|| format!("{s}: unknown algorithm `{}'", t[2]))?;
    let n_links = atoi(t[3]);
    if !(1..=65536).contains(&n_links) {
        return Err(format!(
            "{s}: n_links {n_links} is not in valid range 1 to 65536"
        ));
    }
    let (dst, rest) = parse_subfield(t[5])?;
    if !rest.is_empty() {
        return Err(format!("{}: trailing garbage following subfield", t[5]));
    }
    if super::nx::nxm_header32(dst.field).is_none() {
        return Err(format!(
            "{s}: experimenter OXM field '{}' not supported",
            t[5]
        ));
    }
    if dst.n_bits < 16 && n_links > 1 << dst.n_bits {
        return Err(format!(
            "{s}: {}-bit destination field has {} possible values, less than specified n_links {n_links}",
            dst.n_bits,
            1u32 << dst.n_bits
        ));
    }
    Ok(Action::Multipath(Box::new(Multipath {
        fields,
        basis: atoi(t[1]) as u16,
        algorithm,
        max_link: (n_links - 1) as u16,
        arg: atoi(t[4]) as u32,
        dst,
    })))
}

/// Parses the inside of `bundle(...)` or, with `load`, `bundle_load(...)`.
pub fn parse_bundle(s: &str, load: bool) -> std::result::Result<Action, String> {
    let head_n = if load { 5 } else { 4 };
    let mut it = tokens(s, &[',', ' ']);
    let head: Vec<&str> = it.by_ref().take(head_n).collect();
    let rest: Vec<&str> = it.collect();
    let rest = rest.join(",");
    let mut parts = tokens(&rest, &[':', ' ', ',', '[', ']']);
    let delim = parts.next();
    if head.len() < head_n || delim.is_none() {
        return Err(format!("{s}: not enough arguments to bundle action"));
    }
    let delim = delim.unwrap_or_default();
    if !delim.eq_ignore_ascii_case("members") && !delim.eq_ignore_ascii_case("slaves") {
        return Err(format!(
            "{s}: missing member delimiter, expected `members', got `{delim}'"
        ));
    }
    let mut members = Vec::new();
    for m in parts {
        members.push(field::parse_port(m).ok_or_else(|| format!("{m}: bad port number"))?);
    }
    let fields = name_index(&HASH_FIELDS, head[0])
        .ok_or_else(|| format!("{s}: unknown fields `{}'", head[0]))?;
    let algorithm = name_index(&BD_ALGS, head[2])
        .ok_or_else(|| format!("{s}: unknown algorithm `{}'", head[2]))?;
    if !head[3].eq_ignore_ascii_case("ofport") {
        return Err(format!("{s}: unknown member_type `{}'", head[3]));
    }
    let dst = if load {
        let (d, r) = parse_subfield(head[4])?;
        if !r.is_empty() {
            return Err(format!("{}: trailing garbage following subfield", head[4]));
        }
        if super::nx::nxm_header32(d.field).is_none() {
            return Err(format!(
                "{s}: experimenter OXM field '{}' not supported",
                head[4]
            ));
        }
        Some(d)
    } else {
        None
    };
    Ok(Action::Bundle(Box::new(Bundle {
        algorithm,
        fields,
        basis: atoi(head[1]) as u16,
        dst,
        members,
    })))
}

/// `multipath(...)` text.
pub fn format_multipath(s: &mut String, m: &Multipath) {
    let f = HASH_FIELDS
        .get(usize::from(m.fields))
        .copied()
        .unwrap_or("<unknown>");
    let a = MP_ALGS
        .get(usize::from(m.algorithm))
        .copied()
        .unwrap_or("<unknown>");
    let _ = write!(
        s,
        "multipath({f},{},{a},{},{},{})",
        m.basis,
        u32::from(m.max_link) + 1,
        m.arg,
        format_subfield(&m.dst)
    );
}

/// `bundle(...)` / `bundle_load(...)` text.
pub fn format_bundle(s: &mut String, b: &Bundle) {
    let f = HASH_FIELDS
        .get(usize::from(b.fields))
        .copied()
        .unwrap_or("<unknown>");
    let a = BD_ALGS
        .get(usize::from(b.algorithm))
        .copied()
        .unwrap_or("<unknown>");
    let name = if b.dst.is_some() {
        "bundle_load"
    } else {
        "bundle"
    };
    let _ = write!(s, "{name}({f},{},{a},ofport,", b.basis);
    if let Some(d) = &b.dst {
        let _ = write!(s, "{},", format_subfield(d));
    }
    s.push_str("members:");
    for (i, m) in b.members.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&field::port_name(*m));
    }
    s.push(')');
}

fn ofs_nbits(sf: &Subfield) -> u16 {
    sf.ofs << 6 | (sf.n_bits - 1)
}

/// Encodes `multipath`.
pub fn encode_multipath(m: &Multipath, out: &mut Vec<u8>) {
    let mut b = Vec::new();
    b.put_u16(m.fields);
    b.put_u16(m.basis);
    b.put_u16(0);
    b.put_u16(m.algorithm);
    b.put_u16(m.max_link);
    b.put_u32(m.arg);
    b.put_u16(0);
    b.put_u16(ofs_nbits(&m.dst));
    b.put_u32(super::nx::nxm_header32(m.dst.field).unwrap_or(0));
    super::nx::put_nx(out, super::nx::MULTIPATH, &b);
}

/// Encodes `bundle` / `bundle_load`.
pub fn encode_bundle(bd: &Bundle, out: &mut Vec<u8>) {
    let mut b = Vec::new();
    b.put_u16(bd.algorithm);
    b.put_u16(bd.fields);
    b.put_u16(bd.basis);
    b.put_u32(0x0000_0002);
    b.put_u16(bd.members.len() as u16);
    match &bd.dst {
        Some(d) => {
            b.put_u16(ofs_nbits(d));
            b.put_u32(super::nx::nxm_header32(d.field).unwrap_or(0));
        }
        None => {
            b.put_u16(0);
            b.put_u32(0);
        }
    }
    b.put_u32(0);
    for m in &bd.members {
        b.put_u16(*m as u16);
    }
    let sub = if bd.dst.is_some() {
        super::nx::BUNDLE_LOAD
    } else {
        super::nx::BUNDLE
    };
    super::nx::put_nx(out, sub, &b);
}

fn subfield_of(h: u32, on: u16) -> Result<Subfield> {
    let f = field::by_code((h >> 16) as u16, ((h >> 9) & 0x7f) as u8, 0)
        .ok_or(OfpError::OFPBAC_BAD_ARGUMENT)?;
    let sf = Subfield {
        field: f.id,
        ofs: on >> 6,
        n_bits: (on & 0x3f) + 1,
    };
    sf.check(None)?;
    Ok(sf)
}

/// Decodes `NXAST_MULTIPATH` (whole action).
pub fn decode_multipath(act: &[u8]) -> Result<Action> {
    if act.len() != 32 {
        return Err(OfpError::OFPBAC_BAD_LEN);
    }
    let mut b = &act[10..];
    let fields = b.get_u16();
    let basis = b.get_u16();
    b.advance(2);
    let algorithm = b.get_u16();
    let max_link = b.get_u16();
    let arg = b.get_u32();
    b.advance(2);
    let on = b.get_u16();
    let dst = subfield_of(b.get_u32(), on)?;
    if usize::from(fields) >= HASH_FIELDS.len() || usize::from(algorithm) >= MP_ALGS.len() {
        return Err(OfpError::OFPBAC_BAD_ARGUMENT);
    }
    if dst.n_bits < 16 && u32::from(max_link) >= 1 << dst.n_bits {
        return Err(OfpError::OFPBAC_BAD_ARGUMENT);
    }
    Ok(Action::Multipath(Box::new(Multipath {
        fields,
        basis,
        algorithm,
        max_link,
        arg,
        dst,
    })))
}

/// Decodes `NXAST_BUNDLE` or, with `load`, `NXAST_BUNDLE_LOAD`.
pub fn decode_bundle(act: &[u8], load: bool) -> Result<Action> {
    if act.len() < 32 {
        return Err(OfpError::OFPBAC_BAD_LEN);
    }
    let mut b = &act[10..];
    let algorithm = b.get_u16();
    let fields = b.get_u16();
    let basis = b.get_u16();
    let member_type = b.get_u32();
    let n = usize::from(b.get_u16());
    let on = b.get_u16();
    let dst_h = b.get_u32();
    if b.get_u32() != 0 {
        return Err(OfpError::OFPBAC_BAD_ARGUMENT);
    }
    if member_type != 2
        || usize::from(fields) >= HASH_FIELDS.len()
        || usize::from(algorithm) >= BD_ALGS.len()
    {
        return Err(OfpError::OFPBAC_BAD_ARGUMENT);
    }
    if b.len() < 2 * n {
        return Err(OfpError::OFPBAC_BAD_LEN);
    }
    let members = (0..n).map(|_| u32::from(b.get_u16())).collect();
    let dst = if load {
        Some(subfield_of(dst_h, on)?)
    } else {
        if dst_h != 0 || on != 0 {
            return Err(OfpError::OFPBAC_BAD_ARGUMENT);
        }
        None
    };
    Ok(Action::Bundle(Box::new(Bundle {
        algorithm,
        fields,
        basis,
        dst,
        members,
    })))
}
