//! Actions in ovs-ofctl syntax (OVS `ofpacts_parse()` / `ofpacts_format()`).

pub use super::format::{format_actions, load_segments};
use super::{port, Action, Controller, Subfield, NX_CTLR_NO_METER, OFPR_ACTION};
use crate::field::{self, format_value, parse_value};
use crate::kv::{hex_bytes, str_to_u16, str_to_u32, str_to_u64, str_to_u8, KeyValues};
use crate::version::Protocols;

/// Packet-in reason names (OVS `ofputil_packet_in_reason_to_string()`).
pub const REASONS: [&str; 6] = [
    "no_match",
    "action",
    "invalid_ttl",
    "action_set",
    "group",
    "packet_out",
];

/// A subfield's name: its NXM name where it has one (OVS
/// `mf_format_subfield()`).
pub fn format_subfield(sf: &Subfield) -> String {
    let f = sf.field.field();
    let name = f.code_for(None).map_or(f.name, |c| c.name);
    if sf.ofs == 0 && sf.n_bits == f.n_bits {
        format!("{name}[]")
    } else if sf.n_bits == 1 {
        format!("{name}[{}]", sf.ofs)
    } else {
        format!(
            "{name}[{}..{}]",
            sf.ofs,
            (u32::from(sf.ofs) + u32::from(sf.n_bits)).saturating_sub(1)
        )
    }
}

/// Parses `reg0[0..15]`, `NXM_NX_REG0[]`, `eth_src` (OVS
/// `mf_parse_subfield()`); returns it and the unparsed rest.
pub fn parse_subfield(s: &str) -> Result<(Subfield, &str), String> {
    let name_len = s.find(['[', '-']).unwrap_or(s.len());
    let name = &s[..name_len];
    let base = name.strip_suffix("_W").unwrap_or(name);
    let f = field::FIELDS
        .iter()
        .find(|f| f.codes.iter().any(|c| c.name == base))
        .or_else(|| field::by_name(name))
        .ok_or_else(|| format!("{s}: unknown field `{name}'"))?;
    let mut rest = &s[name_len..];
    let (mut start, mut end) = (0u32, u32::from(f.n_bits) - 1);
    if let Some(r) = rest.strip_prefix('[') {
        let close = r.find(']').ok_or_else(|| {
            format!("{s}: syntax error expecting [] or [<bit>] or [<start>..<end>]")
        })?;
        let inner = &r[..close];
        let num = |t: &str| t.trim().parse::<u32>().ok();
        if inner.is_empty() {
        } else if let Some((a, b)) = inner.split_once("..") {
            match (num(a), num(b)) {
                (Some(a), Some(b)) => (start, end) = (a, b),
                _ => {
                    return Err(format!(
                        "{s}: syntax error expecting [] or [<bit>] or [<start>..<end>]"
                    ))
                }
            }
        } else if let Some(a) = num(inner) {
            (start, end) = (a, a);
        } else {
            return Err(format!(
                "{s}: syntax error expecting [] or [<bit>] or [<start>..<end>]"
            ));
        }
        rest = &r[close + 1..];
    }
    let w = u32::from(f.n_bits);
    if start > end {
        return Err(format!(
            "{s}: starting bit {start} is after ending bit {end}"
        ));
    } else if start >= w {
        return Err(format!(
            "{s}: starting bit {start} is not valid because field is only {w} bits wide"
        ));
    } else if end >= w {
        return Err(format!(
            "{s}: ending bit {end} is not valid because field is only {w} bits wide"
        ));
    }
    Ok((
        Subfield {
            field: f.id,
            ofs: start as u16,
            n_bits: (end - start + 1) as u16,
        },
        rest,
    ))
}

fn whole_subfield(s: &str) -> Result<Subfield, String> {
    let (sf, rest) = parse_subfield(s)?;
    if !rest.is_empty() {
        return Err(format!("{s}: trailing garbage following subfield"));
    }
    Ok(sf)
}

/// Context of one parse: the protocols the actions still allow.
struct Parser {
    usable: Protocols,
}

/// Parses `s` as actions (and, with `allow_instructions`, instructions).
/// Returns them and the protocols that can carry them.
pub fn parse_actions(
    s: &str,
    allow_instructions: bool,
) -> Result<(Vec<Action>, Protocols), String> {
    let mut p = Parser {
        usable: Protocols::ANY,
    };
    let acts = p.parse_list(s, allow_instructions, 0)?;
    Ok((acts, p.usable))
}

impl Parser {
    fn parse_list(
        &mut self,
        s: &str,
        allow_instructions: bool,
        depth: u32,
    ) -> Result<Vec<Action>, String> {
        if depth >= 100 {
            return Err("Action nested too deeply".into());
        }
        let mut out = Vec::new();
        let mut drop = false;
        for (key, value) in KeyValues::new(s) {
            let lower = key.to_ascii_lowercase();
            if lower == "drop" {
                drop = true;
                continue;
            }
            if lower == "apply_actions" {
                return Err("apply_actions is the default instruction".into());
            }
            self.parse_one(&lower, key, value, &mut out, depth)?;
            if lower == "meter" && !allow_instructions {
                self.usable = self.usable.and(Protocols::OF15_UP);
            }
        }
        if drop && !out.is_empty() {
            return Err(
                "\"drop\" must not be accompanied by any other action or instruction".into(),
            );
        }
        super::verify(&out, allow_instructions).map_err(|(_, msg)| msg)?;
        Ok(out)
    }

    fn parse_one(
        &mut self,
        name: &str,
        key: &str,
        v: &str,
        out: &mut Vec<Action>,
        depth: u32,
    ) -> Result<(), String> {
        let a = match name {
            "output" => return self.parse_output(v, out),
            "controller" => parse_controller(v)?,
            "fin_timeout" => super::extra::parse_fin_timeout(v)?,
            "sample" => super::extra::parse_sample(v)?,
            "push" => super::extra::parse_stack(v, true)?,
            "pop" => super::extra::parse_stack(v, false)?,
            "check_pkt_larger" => super::extra::parse_check_pkt_larger(v)?,
            "enqueue" => {
                let mut it = v.splitn(2, [':', 'q', ',']);
                let (p, q) = match (it.next(), it.next()) {
                    (Some(p), Some(q)) if !p.is_empty() => (p, q),
                    _ => return Err(
                        "\"enqueue\" syntax is \"enqueue:PORT:QUEUE\" or \"enqueue(PORT,QUEUE)\""
                            .into(),
                    ),
                };
                let port =
                    field::parse_port(p).ok_or_else(|| format!("{p}: enqueue to unknown port"))?;
                Action::Enqueue {
                    port,
                    queue: str_to_u32(q)?,
                }
            }
            "group" => Action::Group(str_to_u32(v)?),
            "set_queue" => Action::SetQueue(str_to_u32(v)?),
            "pop_queue" => Action::PopQueue,
            "resubmit" => parse_resubmit(v)?,
            "exit" => Action::Exit,
            "note" => Action::Note(hex_bytes(v).ok_or("bad hex digit in `note' argument")?),
            "dec_ttl" => {
                if v.is_empty() {
                    Action::DecTtl(None)
                } else {
                    let ids: Vec<u16> = v
                        .split([',', ' '])
                        .filter(|t| !t.is_empty())
                        .map(|t| t.parse::<i64>().unwrap_or(0) as u16)
                        .collect();
                    if ids.is_empty() {
                        return Err("dec_ttl_cnt_ids: expected at least one controller id.".into());
                    }
                    Action::DecTtl(Some(ids))
                }
            }
            "set_field" => self.parse_set_field(v)?,
            "load" => parse_load(v)?,
            "move" => {
                let (src, dst) = v
                    .split_once("->")
                    .ok_or_else(|| format!("{v}: missing `->' following source"))?;
                let src = whole_subfield(src)?;
                let dst = whole_subfield(dst)?;
                if src.n_bits != dst.n_bits {
                    return Err(format!(
                        "{v}: source field is {} bits wide but destination is {} bits wide",
                        src.n_bits, dst.n_bits
                    ));
                }
                Action::Move { src, dst }
            }
            "mod_vlan_vid" | "set_vlan_vid" => {
                let vid = str_to_u16(v, "VLAN VID")?;
                if vid & !0x0fff != 0 {
                    return Err(format!("{v}: not a valid VLAN VID"));
                }
                Action::SetVlanVid {
                    vid,
                    push: name == "mod_vlan_vid",
                }
            }
            "mod_vlan_pcp" | "set_vlan_pcp" => {
                let pcp = str_to_u8(v, "VLAN PCP")?;
                if pcp & !7 != 0 {
                    return Err(format!("{v}: not a valid VLAN PCP"));
                }
                Action::SetVlanPcp {
                    pcp,
                    push: name == "mod_vlan_pcp",
                }
            }
            "strip_vlan" => Action::StripVlan { pop: false },
            "pop_vlan" => Action::StripVlan { pop: true },
            "push_vlan" => {
                self.usable = self.usable.and(Protocols::OF11_UP);
                let t = str_to_u16(v, "ethertype")?;
                if t != 0x8100 && t != 0x88a8 {
                    return Err(format!("{v}: not a valid VLAN ethertype"));
                }
                Action::PushVlan(t)
            }
            "mod_dl_src" | "mod_dl_dst" => {
                let mac = v.parse().map_err(|_| format!("invalid mac address {v}"))?;
                if name == "mod_dl_src" {
                    Action::SetEthSrc(mac)
                } else {
                    Action::SetEthDst(mac)
                }
            }
            "mod_nw_src" | "mod_nw_dst" => {
                let ip: std::net::Ipv4Addr = v
                    .parse()
                    .map_err(|_| format!("{v}: could not convert to IP address"))?;
                if name == "mod_nw_src" {
                    Action::SetIpv4Src(ip.into())
                } else {
                    Action::SetIpv4Dst(ip.into())
                }
            }
            "mod_nw_tos" => {
                let tos = str_to_u8(v, "TOS")?;
                if tos & 3 != 0 {
                    return Err(format!("{v}: not a valid TOS"));
                }
                Action::SetIpDscp(tos)
            }
            "mod_nw_ecn" => {
                let ecn = str_to_u8(v, "ECN")?;
                if ecn > 3 {
                    return Err(format!("{v}: not a valid ECN"));
                }
                Action::SetIpEcn(ecn)
            }
            "mod_nw_ttl" | "set_nw_ttl" => Action::SetIpTtl(str_to_u8(v, "TTL")?),
            "mod_tp_src" => Action::SetL4Src(str_to_u16(v, "source port")?),
            "mod_tp_dst" => Action::SetL4Dst(str_to_u16(v, "destination port")?),
            "dec_mpls_ttl" => Action::DecMplsTtl,
            "set_mpls_label" => Action::SetMplsLabel(str_to_u32(v)?),
            "set_mpls_tc" => Action::SetMplsTc(str_to_u8(v, "MPLS TC")?),
            "set_mpls_ttl" => Action::SetMplsTtl(str_to_u8(v, "MPLS TTL")?),
            "push_mpls" | "pop_mpls" => {
                let t = str_to_u16(v, "push_mpls")?;
                if name == "push_mpls" {
                    if !matches!(t, 0x8847 | 0x8848) {
                        return Err(format!("{v}: invalid ethertype"));
                    }
                    Action::PushMpls(t)
                } else {
                    Action::PopMpls(t)
                }
            }
            "set_tunnel" | "set_tunnel64" => {
                let id = str_to_u64(v)?;
                Action::SetTunnel {
                    id,
                    wide: name == "set_tunnel64" || id > u64::from(u32::MAX),
                }
            }
            "conjunction" => parse_conjunction(v)?,
            "clone" => {
                let inner = self.parse_list(v, false, depth + 1)?;
                Action::Clone(inner)
            }
            "ct_clear" => Action::CtClear,
            "ct" => {
                let mut exec = |v: &str| -> Result<Vec<Action>, String> {
                    let inner = self.parse_nested(v, depth + 1)?;
                    super::verify_in(&inner, false, Some("ct")).map_err(|(_, m)| m)?;
                    Ok(inner)
                };
                super::ct::parse_ct(v, &mut exec)?
            }
            "nat" => Action::Nat(super::ct::parse_nat(v)?),
            "learn" => Action::Learn(Box::new(super::learn::parse(v)?)),
            "multipath" => super::balance::parse_multipath(v)?,
            "bundle" => super::balance::parse_bundle(v, false)?,
            "bundle_load" => super::balance::parse_bundle(v, true)?,
            "meter" => {
                self.usable = self.usable.and(Protocols::OF13_UP);
                Action::Meter(str_to_u32(v)?)
            }
            "clear_actions" => Action::ClearActions,
            "write_actions" => {
                let inner = self.parse_list(v, false, depth + 1)?;
                Action::WriteActions(inner)
            }
            "write_metadata" => {
                self.usable = self.usable.and(Protocols::NXM_OF11_UP);
                let (val, mask) = match v.split_once('/') {
                    Some((a, m)) => (str_to_u64(a)?, str_to_u64(m)?),
                    None => (str_to_u64(v)?, u64::MAX),
                };
                Action::WriteMetadata { value: val, mask }
            }
            "goto_table" => Action::GotoTable(
                crate::kv::parse_table(v).ok_or_else(|| format!("unknown table \"{v}\""))?,
            ),
            _ => match field::parse_port(key) {
                Some(p) => Action::Output {
                    port: p,
                    max_len: 0,
                },
                None => return Err(format!("unknown action {key}")),
            },
        };
        out.push(a);
        Ok(())
    }

    /// Actions nested in another action; their usable protocols narrow
    /// ours, and the outer action verifies them.
    fn parse_nested(&mut self, s: &str, depth: u32) -> Result<Vec<Action>, String> {
        if depth >= 100 {
            return Err("Action nested too deeply".into());
        }
        let mut out = Vec::new();
        for (key, value) in KeyValues::new(s) {
            let lower = key.to_ascii_lowercase();
            if lower == "drop" {
                continue;
            }
            self.parse_one(&lower, key, value, &mut out, depth)?;
        }
        Ok(out)
    }

    fn parse_output(&mut self, v: &str, out: &mut Vec<Action>) -> Result<(), String> {
        if v.contains("port") && v.contains("max_len") {
            out.push(super::extra::parse_output_trunc(v)?);
            return Ok(());
        }
        if let Some(p) = field::parse_port(v) {
            out.push(Action::Output {
                port: p,
                max_len: if p == port::CONTROLLER { u16::MAX } else { 0 },
            });
            return Ok(());
        }
        match parse_subfield(v) {
            Ok((src, "")) => {
                out.push(Action::OutputReg {
                    src,
                    max_len: u16::MAX,
                    reg2: false,
                });
                Ok(())
            }
            _ => Err(format!("{v}: output to unknown port")),
        }
    }

    fn parse_set_field(&mut self, v: &str) -> Result<Action, String> {
        let (value, key) = v
            .rsplit_once("->")
            .ok_or_else(|| format!("{v}: missing `->'"))?;
        if key.is_empty() {
            return Err(format!("{v}: missing field name following `->'"));
        }
        let f =
            field::by_name(key).ok_or_else(|| format!("{key} is not a valid OXM field name"))?;
        if !f.writable {
            return Err(format!("{key} is read-only"));
        }
        let (val, mask) = parse_value(f, value)?;
        if !crate::matches::nxm::is_value_valid(f, val) {
            return Err(format!("{value} is not a valid value for field {key}"));
        }
        self.usable = self.usable.and(f.usable_exact());
        Ok(Action::SetField {
            field: f.id,
            value: val & mask,
            mask,
            load: false,
        })
    }
}

fn parse_load(v: &str) -> Result<Action, String> {
    let (value, dst) = v
        .split_once("->")
        .ok_or_else(|| format!("{v}: missing `->'"))?;
    let dst = whole_subfield(dst)?;
    let f = dst.field.field();
    let n = usize::from(f.n_bytes);
    let (val, rest) =
        field::parse_int(value, n).map_err(|_| format!("{v}: cannot parse integer value"))?;
    if !rest.is_empty() {
        return Err(format!("{v}: cannot parse integer value"));
    }
    if dst.n_bits < 128 && val >> dst.n_bits != 0 {
        let shown = format_value(f, val, None);
        return Err(format!(
            "{v}: value {shown} does not fit into {} bits",
            dst.n_bits
        ));
    }
    let bits = if dst.n_bits == 128 {
        u128::MAX
    } else {
        (1u128 << dst.n_bits) - 1
    };
    Ok(Action::SetField {
        field: dst.field,
        value: val << dst.ofs,
        mask: bits << dst.ofs,
        load: true,
    })
}

fn parse_controller(v: &str) -> Result<Action, String> {
    let mut c = Controller {
        max_len: u16::MAX,
        controller_id: 0,
        reason: OFPR_ACTION,
        userdata: Vec::new(),
        pause: false,
        meter_id: NX_CTLR_NO_METER,
    };
    let mut has_userdata = false;
    if v.is_empty() {
    } else if v.bytes().all(|b| b.is_ascii_digit()) {
        c.max_len = str_to_u16(v, "max_len")?;
    } else {
        for (k, val) in KeyValues::new(v) {
            match k {
                "reason" => {
                    c.reason = REASONS
                        .iter()
                        .position(|r| *r == val)
                        .ok_or_else(|| format!("unknown reason \"{val}\""))?
                        as u8
                }
                "max_len" => c.max_len = str_to_u16(val, "max_len")?,
                "id" => c.controller_id = str_to_u16(val, "id")?,
                "userdata" => {
                    has_userdata = true;
                    c.userdata =
                        hex_bytes(val).ok_or("bad hex digit in `controller' action `userdata'")?;
                }
                "pause" => c.pause = true,
                "meter_id" => c.meter_id = str_to_u32(val)?,
                _ => return Err(format!("unknown key \"{k}\" parsing controller action")),
            }
        }
    }
    if c.reason == OFPR_ACTION
        && c.controller_id == 0
        && !has_userdata
        && !c.pause
        && c.meter_id == NX_CTLR_NO_METER
    {
        return Ok(Action::Output {
            port: port::CONTROLLER,
            max_len: c.max_len,
        });
    }
    Ok(Action::Controller(c))
}

fn parse_resubmit(v: &str) -> Result<Action, String> {
    let mut parts = v.splitn(3, ',');
    let p = parts.next().unwrap_or("");
    let t = parts.next().unwrap_or("");
    let ct = parts.next().unwrap_or("");
    let in_port = if p.is_empty() {
        port::IN_PORT
    } else {
        field::parse_port(p).ok_or_else(|| format!("{p}: resubmit to unknown port"))?
    };
    let table = if t.is_empty() {
        255
    } else {
        crate::kv::parse_table(t).ok_or_else(|| format!("{t}: resubmit to unknown table"))?
    };
    let ct = match ct {
        "" => false,
        "ct" => true,
        other => return Err(format!("{other}: unknown parameter")),
    };
    if in_port == port::IN_PORT && table == 255 {
        return Err("at least one \"in_port\" or \"table\" must be specified on resubmit".into());
    }
    Ok(Action::Resubmit { in_port, table, ct })
}

fn parse_conjunction(v: &str) -> Result<Action, String> {
    let syntax = || "\"conjunction\" syntax is \"conjunction(id,i/n)\"".to_string();
    let (id, rest) = v.split_once(',').ok_or_else(syntax)?;
    let (k, n) = rest.split_once('/').ok_or_else(syntax)?;
    let id = crate::kv::c_uint(id.trim())
        .and_then(|x| u32::try_from(x).ok())
        .ok_or_else(syntax)?;
    let k: u8 = k.trim().parse().map_err(|_| syntax())?;
    let n: u8 = n.trim().parse().map_err(|_| syntax())?;
    if n < 2 {
        return Err("conjunction must have at least 2 clauses".into());
    } else if n > 64 {
        return Err("conjunction must have at most 64 clauses".into());
    } else if k < 1 {
        return Err("clause index must be positive".into());
    } else if k > n {
        return Err("clause index must be less than or equal to number of clauses".into());
    }
    Ok(Action::Conjunction {
        id,
        clause: k - 1,
        n_clauses: n,
    })
}
