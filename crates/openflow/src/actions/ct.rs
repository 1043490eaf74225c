//! The conntrack actions `ct(...)` and `nat(...)` (Nicira `NXAST_CT`,
//! `NXAST_NAT`): model, text syntax and wire form.

use std::fmt::Write;
use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::{Buf, BufMut};

use super::{Action, Subfield};
use crate::error::{OfpError, Result};
use crate::kv::{str_to_u16, KeyValues};
use crate::version::Version;

/// `ct` flag: commit the connection.
pub const CT_COMMIT: u16 = 1;
/// `ct` flag: force a new commit in the current direction.
pub const CT_FORCE: u16 = 2;
/// `recirc_table` value meaning "do not recirculate".
pub const CT_RECIRC_NONE: u8 = 255;

/// `nat` flag: source NAT.
pub const NAT_SRC: u16 = 1;
/// `nat` flag: destination NAT.
pub const NAT_DST: u16 = 2;
/// `nat` flag: persistent mapping.
pub const NAT_PERSISTENT: u16 = 4;
/// `nat` flag: hash the port.
pub const NAT_HASH: u16 = 8;
/// `nat` flag: random port.
pub const NAT_RANDOM: u16 = 16;

/// A `ct` action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ct {
    /// `CT_*` flags.
    pub flags: u16,
    /// Zone from a field, if not immediate.
    pub zone_src: Option<Subfield>,
    /// Immediate zone.
    pub zone_imm: u16,
    /// Table to recirculate to, [`CT_RECIRC_NONE`] for none.
    pub recirc_table: u8,
    /// Application-layer gateway port (21 ftp, 69 tftp), 0 for none.
    pub alg: u16,
    /// Nested actions (a leading `nat`, then `exec(...)` ones).
    pub actions: Vec<Action>,
}

/// An address range of a `nat` action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NatAddrs {
    /// IPv4 min and max (0 when absent).
    V4(u32, u32),
    /// IPv6 min and max (all-zero when absent).
    V6([u8; 16], [u8; 16]),
}

/// A `nat` action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nat {
    /// `NAT_*` flags.
    pub flags: u16,
    /// Addresses, if given.
    pub addrs: Option<NatAddrs>,
    /// Port range min and max (0 when absent).
    pub ports: (u16, u16),
}

/// Parses the inside of `ct(...)`.
pub fn parse_ct(
    v: &str,
    parse_exec: &mut dyn FnMut(&str) -> std::result::Result<Vec<Action>, String>,
) -> std::result::Result<Action, String> {
    let mut ct = Ct {
        flags: 0,
        zone_src: None,
        zone_imm: 0,
        recirc_table: CT_RECIRC_NONE,
        alg: 0,
        actions: Vec::new(),
    };
    for (k, val) in KeyValues::new(v) {
        match k {
            "commit" => ct.flags |= CT_COMMIT,
            "force" => ct.flags |= CT_FORCE,
            "table" => {
                ct.recirc_table =
                    crate::kv::parse_table(val).ok_or_else(|| format!("unknown table {val}"))?;
                if ct.recirc_table == CT_RECIRC_NONE {
                    return Err(format!("invalid table {:#x}", ct.recirc_table));
                }
            }
            "zone" => match str_to_u16(val, "zone") {
                Ok(z) => ct.zone_imm = z,
                Err(_) => {
                    let (sf, rest) = super::text::parse_subfield(val)?;
                    if !rest.is_empty() {
                        return Err(format!("{val}: trailing garbage following subfield"));
                    }
                    ct.zone_src = Some(sf);
                }
            },
            "alg" => {
                ct.alg = match val {
                    "ftp" => 21,
                    "tftp" => 69,
                    _ => return Err(format!("invalid conntrack helper \"{val}\"")),
                }
            }
            "nat" => ct.actions.push(Action::Nat(parse_nat(val)?)),
            "exec" => ct.actions.extend(parse_exec(val)?),
            _ => return Err(format!("invalid argument to \"ct\" action: `{k}'")),
        }
    }
    if ct.flags & CT_FORCE != 0 && ct.flags & CT_COMMIT == 0 {
        return Err("\"force\" flag requires \"commit\" flag.".into());
    }
    Ok(Action::Ct(ct))
}

fn nat_range(s: &str, nat: &mut Nat) -> std::result::Result<(), String> {
    let garbage = |rest: &str| {
        format!(
            "garbage ({rest}) after nat range \"{s}\" (pos: {})",
            s.len() - rest.len()
        )
    };
    let bad = || format!("invalid nat range \"{s}\"");
    let mut rest = s;
    let take_v4 = |r: &str| -> Option<(Ipv4Addr, usize)> {
        let end = r
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(r.len());
        r[..end].parse().ok().map(|a| (a, end))
    };
    let take_v6 = |r: &str| -> Option<(Ipv6Addr, usize)> {
        if let Some(inner) = r.strip_prefix('[') {
            let close = inner.find(']')?;
            return inner[..close].parse().ok().map(|a| (a, close + 2));
        }
        let end = r
            .find(|c: char| !(c.is_ascii_hexdigit() || c == ':' || c == '.'))
            .unwrap_or(r.len());
        r[..end].parse().ok().map(|a| (a, end))
    };
    if let Some((min, n)) = take_v4(rest) {
        rest = &rest[n..];
        let mut max = 0;
        if let Some(r) = rest.strip_prefix('-') {
            let (m, n) = take_v4(r).ok_or_else(bad)?;
            if u32::from(m) < u32::from(min) {
                return Err(bad());
            }
            max = m.into();
            rest = &r[n..];
        }
        nat.addrs = Some(NatAddrs::V4(min.into(), max));
    } else if let Some((min, n)) = take_v6(rest) {
        rest = &rest[n..];
        let mut max = [0; 16];
        if let Some(r) = rest.strip_prefix('-') {
            let (m, n) = take_v6(r).ok_or_else(bad)?;
            if m.octets() < min.octets() {
                return Err(bad());
            }
            max = m.octets();
            rest = &r[n..];
        }
        nat.addrs = Some(NatAddrs::V6(min.octets(), max));
    }
    if nat.addrs.is_some() {
        if let Some(r) = rest.strip_prefix(':') {
            let end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            nat.ports.0 = r[..end].parse().map_err(|_| bad())?;
            rest = &r[end..];
            if let Some(r) = rest.strip_prefix('-') {
                let end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
                nat.ports.1 = r[..end].parse().map_err(|_| bad())?;
                if nat.ports.1 < nat.ports.0 {
                    return Err(bad());
                }
                rest = &r[end..];
            }
        }
    }
    if !rest.is_empty() {
        return Err(garbage(rest));
    }
    Ok(())
}

/// Parses the inside of `nat(...)`.
pub fn parse_nat(v: &str) -> std::result::Result<Nat, String> {
    let mut nat = Nat {
        flags: 0,
        addrs: None,
        ports: (0, 0),
    };
    for (k, val) in KeyValues::new(v) {
        match k {
            "src" | "dst" => {
                nat.flags |= if k == "src" { NAT_SRC } else { NAT_DST };
                nat_range(val, &mut nat)?;
            }
            "persistent" => nat.flags |= NAT_PERSISTENT,
            "hash" => nat.flags |= NAT_HASH,
            "random" => nat.flags |= NAT_RANDOM,
            _ => return Err(format!("invalid key \"{k}\" in \"nat\" argument")),
        }
    }
    if nat.flags & NAT_SRC != 0 && nat.flags & NAT_DST != 0 {
        return Err("May only specify one of \"src\" or \"dst\".".into());
    }
    if nat.flags & (NAT_SRC | NAT_DST) == 0 {
        if nat.flags != 0 {
            return Err("Flags allowed only with \"src\" or \"dst\".".into());
        }
        if nat.addrs.is_some() {
            return Err("Range allowed only with \"src\" or \"dst\".".into());
        }
    }
    if nat.flags & NAT_HASH != 0 && nat.flags & NAT_RANDOM != 0 {
        return Err("Both \"hash\" and \"random\" are not allowed.".into());
    }
    Ok(nat)
}

/// `nat(...)` text (OVS `format_NAT()`).
pub fn format_nat(s: &mut String, n: &Nat) {
    s.push_str("nat");
    if n.flags & (NAT_SRC | NAT_DST) == 0 {
        return;
    }
    s.push('(');
    s.push_str(if n.flags & NAT_SRC != 0 { "src" } else { "dst" });
    if let Some(a) = n.addrs {
        s.push('=');
        match a {
            NatAddrs::V4(min, max) => {
                let _ = write!(s, "{}", Ipv4Addr::from(min));
                if max != 0 && max != min {
                    let _ = write!(s, "-{}", Ipv4Addr::from(max));
                }
            }
            NatAddrs::V6(min, max) => {
                let text = |a: [u8; 16]| {
                    if n.ports.0 != 0 {
                        format!("[{}]", Ipv6Addr::from(a))
                    } else {
                        Ipv6Addr::from(a).to_string()
                    }
                };
                s.push_str(&text(min));
                if max != [0; 16] && max != min {
                    s.push('-');
                    s.push_str(&text(max));
                }
            }
        }
        if n.ports.0 != 0 {
            let _ = write!(s, ":{}", n.ports.0);
            if n.ports.1 != 0 && n.ports.1 != n.ports.0 {
                let _ = write!(s, "-{}", n.ports.1);
            }
        }
        s.push(',');
        if n.flags & NAT_PERSISTENT != 0 {
            s.push_str("persistent,");
        }
        if n.flags & NAT_HASH != 0 {
            s.push_str("hash,");
        }
        if n.flags & NAT_RANDOM != 0 {
            s.push_str("random,");
        }
    }
    if s.ends_with(',') {
        s.pop();
    }
    s.push(')');
}

/// `ct(...)` text (OVS `format_CT()`).
pub fn format_ct(s: &mut String, c: &Ct) {
    s.push_str("ct(");
    if c.flags & CT_COMMIT != 0 {
        s.push_str("commit,");
    }
    if c.flags & CT_FORCE != 0 {
        s.push_str("force,");
    }
    if c.recirc_table != CT_RECIRC_NONE {
        let _ = write!(s, "table={},", c.recirc_table);
    }
    if let Some(z) = &c.zone_src {
        let _ = write!(s, "zone={},", super::text::format_subfield(z));
    } else if c.zone_imm != 0 {
        let _ = write!(s, "zone={},", c.zone_imm);
    }
    let mut acts = &c.actions[..];
    if let Some(Action::Nat(n)) = acts.first() {
        format_nat(s, n);
        s.push(',');
        acts = &acts[1..];
    }
    if !acts.is_empty() {
        let _ = write!(s, "exec({}),", super::text::format_actions(acts));
    }
    match c.alg {
        0 => {}
        21 => s.push_str("alg=ftp,"),
        69 => s.push_str("alg=tftp,"),
        p => {
            let _ = write!(s, "alg={p},");
        }
    }
    if s.ends_with(',') {
        s.pop();
    }
    s.push(')');
}

/// Encodes `ct` with its nested actions.
pub fn encode_ct(
    c: &Ct,
    v: Version,
    out: &mut Vec<u8>,
    encode_nested: &mut dyn FnMut(&Action, &mut Vec<u8>),
) {
    let start = out.len();
    super::nx::put_nx_header(out, super::nx::CT);
    out.put_u16(c.flags);
    match &c.zone_src {
        Some(z) => {
            out.put_u32(super::nx::nxm_header32(z.field).unwrap_or(0));
            out.put_u16(z.ofs << 6 | (z.n_bits - 1));
        }
        None => {
            out.put_u32(0);
            out.put_u16(c.zone_imm);
        }
    }
    out.put_u8(c.recirc_table);
    out.put_slice(&[0; 3]);
    out.put_u16(c.alg);
    for a in &c.actions {
        encode_nested(a, out);
    }
    let _ = v;
    let len = (out.len() - start) as u16;
    out[start + 2..start + 4].copy_from_slice(&len.to_be_bytes());
}

/// Encodes `nat`.
pub fn encode_nat(n: &Nat, out: &mut Vec<u8>) {
    let start = out.len();
    super::nx::put_nx_header(out, super::nx::NAT);
    out.put_u16(0);
    out.put_u16(n.flags);
    let present_at = out.len();
    out.put_u16(0);
    let mut present = 0u16;
    match n.addrs {
        Some(NatAddrs::V4(min, max)) => {
            if min != 0 {
                out.put_u32(min);
                present |= 1;
            }
            if max != 0 {
                out.put_u32(max);
                present |= 2;
            }
        }
        Some(NatAddrs::V6(min, max)) => {
            if min != [0; 16] {
                out.put_slice(&min);
                present |= 4;
            }
            if max != [0; 16] {
                out.put_slice(&max);
                present |= 8;
            }
        }
        None => {}
    }
    if n.addrs.is_some() {
        if n.ports.0 != 0 {
            out.put_u16(n.ports.0);
            present |= 16;
        }
        if n.ports.1 != 0 {
            out.put_u16(n.ports.1);
            present |= 32;
        }
    }
    out[present_at..present_at + 2].copy_from_slice(&present.to_be_bytes());
    super::wire::finish_action(out, start);
}

/// Decodes the body of `NXAST_CT` (whole action in `act`).
pub fn decode_ct(act: &[u8], v: Version) -> Result<Action> {
    if act.len() < 24 {
        return Err(OfpError::OFPBAC_BAD_LEN);
    }
    let mut b = &act[10..];
    let flags = b.get_u16();
    let zone_src = b.get_u32();
    let zone = b.get_u16();
    let recirc_table = b.get_u8();
    b.advance(3);
    let alg = b.get_u16();
    if flags & !(CT_COMMIT | CT_FORCE) != 0 {
        return Err(OfpError::OFPBAC_BAD_ARGUMENT);
    }
    if flags & CT_FORCE != 0 && flags & CT_COMMIT == 0 {
        return Err(OfpError::OFPBAC_BAD_ARGUMENT);
    }
    let zone_field = if zone_src == 0 {
        None
    } else {
        let class = (zone_src >> 16) as u16;
        let fno = ((zone_src >> 9) & 0x7f) as u8;
        let f = crate::field::by_code(class, fno, 0).ok_or(OfpError::OFPBAC_BAD_SET_TYPE)?;
        let sf = Subfield {
            field: f.id,
            ofs: zone >> 6,
            n_bits: (zone & 0x3f) + 1,
        };
        sf.check(None)?;
        Some(sf)
    };
    let actions = super::wire::decode_actions(&act[24..], v)?;
    for (i, a) in actions.iter().enumerate() {
        let ok = match a {
            Action::Nat(_) => i == 0,
            Action::SetField { field, .. } => {
                matches!(
                    field,
                    crate::field::FieldId::CtMark | crate::field::FieldId::CtLabel
                )
            }
            _ => false,
        };
        if !ok {
            return Err(OfpError::OFPBAC_BAD_ARGUMENT);
        }
    }
    Ok(Action::Ct(Ct {
        flags,
        zone_src: zone_field,
        zone_imm: if zone_src == 0 { zone } else { 0 },
        recirc_table,
        alg,
        actions,
    }))
}

/// Decodes `NXAST_NAT` (whole action in `act`).
pub fn decode_nat(act: &[u8]) -> Result<Action> {
    if act.len() < 16 {
        return Err(OfpError::OFPBAC_BAD_LEN);
    }
    let mut b = &act[12..];
    let flags = b.get_u16();
    let present = b.get_u16();
    if flags & !0x1f != 0 || (flags & NAT_SRC != 0 && flags & NAT_DST != 0) {
        return Err(OfpError::OFPBAC_BAD_ARGUMENT);
    }
    let need = |b: &[u8], n: usize| {
        if b.len() < n {
            Err(OfpError::OFPBAC_BAD_LEN)
        } else {
            Ok(())
        }
    };
    let mut addrs = None;
    if present & 3 != 0 {
        let (mut min, mut max) = (0, 0);
        if present & 1 != 0 {
            need(b, 4)?;
            min = b.get_u32();
        }
        if present & 2 != 0 {
            need(b, 4)?;
            max = b.get_u32();
        }
        addrs = Some(NatAddrs::V4(min, max));
    } else if present & 12 != 0 {
        let (mut min, mut max) = ([0; 16], [0; 16]);
        if present & 4 != 0 {
            need(b, 16)?;
            b.copy_to_slice(&mut min);
        }
        if present & 8 != 0 {
            need(b, 16)?;
            b.copy_to_slice(&mut max);
        }
        addrs = Some(NatAddrs::V6(min, max));
    }
    if present & 3 != 0 && present & 12 != 0 {
        return Err(OfpError::OFPBAC_BAD_ARGUMENT);
    }
    let mut ports = (0, 0);
    if present & 16 != 0 {
        need(b, 2)?;
        ports.0 = b.get_u16();
    }
    if present & 32 != 0 {
        need(b, 2)?;
        ports.1 = b.get_u16();
    }
    if present & !0x3f != 0 || (addrs.is_none() && present & 48 != 0) {
        return Err(OfpError::OFPBAC_BAD_ARGUMENT);
    }
    Ok(Action::Nat(Nat {
        flags,
        addrs,
        ports,
    }))
}
