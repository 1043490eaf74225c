//! Flow table modifications (OVS `struct ofputil_flow_mod`): the
//! version-independent struct, its text syntax (`ovs-ofctl add-flow`), and
//! OFPT_FLOW_MOD (OpenFlow 1.0, 1.1+) and NXT_FLOW_MOD on the wire.

use std::fmt::Write;

use bytes::{Buf, BufMut};
use rvs_packet::ethertype;

use crate::actions::{self, port, text, wire, Action};
use crate::error::{OfpError, Result};
use crate::field::{self, access, parse_value};
use crate::kv::{str_to_u16, str_to_u64, KeyValues};
use crate::matches::{nxm, of10, Match, DEFAULT_PRIORITY};
use crate::version::{Protocols, Version};

/// Flow-mod commands (`OFPFC_*`).
pub mod command {
    /// Add a flow.
    pub const ADD: u8 = 0;
    /// Modify matching flows.
    pub const MODIFY: u8 = 1;
    /// Modify the flow with exactly this match and priority.
    pub const MODIFY_STRICT: u8 = 2;
    /// Delete matching flows.
    pub const DELETE: u8 = 3;
    /// Delete the flow with exactly this match and priority.
    pub const DELETE_STRICT: u8 = 4;
}

/// Version-independent flow-mod flags (OVS `OFPUTIL_FF_*`).
pub mod flags {
    /// Send flow-removed when the flow expires.
    pub const SEND_FLOW_REM: u16 = 1 << 0;
    /// Fail if the flow overlaps another.
    pub const CHECK_OVERLAP: u16 = 1 << 1;
    /// Reset counters on modify.
    pub const RESET_COUNTS: u16 = 1 << 2;
    /// Do not count packets.
    pub const NO_PKT_COUNTS: u16 = 1 << 3;
    /// Do not count bytes.
    pub const NO_BYT_COUNTS: u16 = 1 << 4;
    /// OpenFlow 1.0 emergency flow.
    pub const EMERG: u16 = 1 << 5;
}

/// `OFPG_ANY`.
pub const OFPG_ANY: u32 = 0xffff_ffff;
/// Nicira message subtype of NXT_FLOW_MOD.
pub const NXT_FLOW_MOD: u32 = 13;

/// A flow-mod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowMod {
    /// The match.
    pub m: Match,
    /// Priority.
    pub priority: u16,
    /// Cookie to match (with `cookie_mask`), for modify and delete.
    pub cookie: u64,
    /// Bits of `cookie` that must match.
    pub cookie_mask: u64,
    /// Cookie to give new or modified flows; `u64::MAX` for "unchanged".
    pub new_cookie: u64,
    /// Whether `new_cookie` is to be applied on modify.
    pub modify_cookie: bool,
    /// Table; 255 for all (or the default one).
    pub table_id: u8,
    /// `command::*`.
    pub command: u8,
    /// Idle timeout in seconds, 0 for none.
    pub idle_timeout: u16,
    /// Hard timeout in seconds, 0 for none.
    pub hard_timeout: u16,
    /// Eviction importance (OpenFlow 1.4+).
    pub importance: u16,
    /// Buffered packet to apply to, `u32::MAX` for none.
    pub buffer_id: u32,
    /// Delete only flows that output here (OpenFlow 1.0 numbering).
    pub out_port: u32,
    /// Delete only flows that output to this group.
    pub out_group: u32,
    /// `flags::*`.
    pub flags: u16,
    /// Actions and instructions.
    pub actions: Vec<Action>,
}

impl FlowMod {
    /// A flow-mod with OVS's defaults for `command`.
    pub fn new(command: u8) -> FlowMod {
        FlowMod {
            m: Match::default(),
            priority: DEFAULT_PRIORITY,
            cookie: 0,
            cookie_mask: 0,
            new_cookie: 0,
            modify_cookie: false,
            table_id: 0xff,
            command,
            idle_timeout: 0,
            hard_timeout: 0,
            importance: 0,
            buffer_id: u32::MAX,
            out_port: port::ANY,
            out_group: OFPG_ANY,
            flags: 0,
            actions: Vec::new(),
        }
    }
}

/// The `ofp-print` protocol names of the flow-mod text parser's protocol
/// keywords (OVS `ofp_parse_protocol()`).
pub const PROTOCOL_KEYWORDS: [(&str, u16, u8); 17] = [
    ("ip", ethertype::IPV4, 0),
    ("ipv4", ethertype::IPV4, 0),
    ("ip4", ethertype::IPV4, 0),
    ("arp", ethertype::ARP, 0),
    ("icmp", ethertype::IPV4, 1),
    ("tcp", ethertype::IPV4, 6),
    ("udp", ethertype::IPV4, 17),
    ("sctp", ethertype::IPV4, 132),
    ("ipv6", ethertype::IPV6, 0),
    ("ip6", ethertype::IPV6, 0),
    ("icmp6", ethertype::IPV6, 58),
    ("tcp6", ethertype::IPV6, 6),
    ("udp6", ethertype::IPV6, 17),
    ("sctp6", ethertype::IPV6, 132),
    ("rarp", ethertype::RARP, 0),
    ("mpls", ethertype::MPLS, 0),
    ("mplsm", ethertype::MPLS_MCAST, 0),
];

/// Parses a flow in ovs-ofctl syntax (OVS `parse_ofp_str()`); `command`
/// `None` means "read an optional command word first" (`add-flows` files
/// of `ovs-ofctl bundle`). Returns the flow-mod and the protocols that can
/// express it.
pub fn parse(s: &str, command: Option<u8>) -> std::result::Result<(FlowMod, Protocols), String> {
    let mut s = s;
    let command = match command {
        Some(c) => c,
        None => {
            let t = s.trim_start_matches([' ', '\t', '\r', '\n']);
            let len = t.find([',', ' ', '\t', '\r', '\n']).unwrap_or(t.len());
            let word = &t[..len];
            let c = [
                ("add", command::ADD),
                ("delete", command::DELETE),
                ("delete_strict", command::DELETE_STRICT),
                ("modify", command::MODIFY),
                ("modify_strict", command::MODIFY_STRICT),
            ]
            .iter()
            .find(|(n, _)| !word.is_empty() && n.starts_with(word))
            .map(|&(_, c)| c);
            match c {
                Some(c) => {
                    s = &t[len..];
                    c
                }
                None => command::ADD,
            }
        }
    };
    let (f_out_port, f_actions, f_importance, f_timeout, f_priority, f_flags) = match command {
        command::ADD => (false, true, true, true, true, true),
        command::DELETE => (true, false, false, false, false, false),
        command::DELETE_STRICT => (true, false, false, false, true, false),
        _ => (false, true, false, true, true, true),
    };
    let mut fm = FlowMod::new(command);
    if matches!(command, command::MODIFY | command::MODIFY_STRICT) {
        fm.new_cookie = u64::MAX;
    }
    let mut usable = Protocols::ANY;
    let (match_str, act_str) = if f_actions {
        match s.find("action") {
            Some(i) => {
                let rest = &s[i..];
                match rest.find('=') {
                    Some(eq) => (&s[..i], Some(&rest[eq + 1..])),
                    None => return Err("must specify an action".into()),
                }
            }
            None => return Err("must specify an action".into()),
        }
    } else {
        (s, None)
    };
    let mut m = Match::default();
    for (name, value) in KeyValues::new(match_str) {
        if let Some(&(_, dl_type, proto)) = PROTOCOL_KEYWORDS.iter().find(|(n, _, _)| *n == name) {
            m.set_dl_type(dl_type);
            if proto != 0 {
                m.set_nw_proto(proto);
            }
            m.set_default_packet_type();
        } else if name == "eth" {
            m.flow.packet_type = 0;
            m.mask.packet_type = u32::MAX;
        } else if f_flags && name == "send_flow_rem" {
            fm.flags |= flags::SEND_FLOW_REM;
        } else if f_flags && name == "check_overlap" {
            fm.flags |= flags::CHECK_OVERLAP;
        } else if f_flags && name == "reset_counts" {
            fm.flags |= flags::RESET_COUNTS;
            usable = usable.and(Protocols::OF12_UP);
        } else if f_flags && name == "no_packet_counts" {
            fm.flags |= flags::NO_PKT_COUNTS;
            usable = usable.and(Protocols::OF13_UP);
        } else if f_flags && name == "no_byte_counts" {
            fm.flags |= flags::NO_BYT_COUNTS;
            usable = usable.and(Protocols::OF13_UP);
        } else if name == "no_readonly_table" || name == "allow_hidden_fields" {
        } else if let Some(f) = field::by_name(name) {
            let v = if value.is_empty() { "0/0" } else { value };
            let (val, mask) = parse_value(f, v)?;
            usable = usable.and(m.set_field(f, val, mask));
            if f.prereq != field::Prereq::None {
                m.set_default_packet_type();
            }
        } else if name.contains('[') {
            let (sf, rest) = text::parse_subfield(name)?;
            if !rest.is_empty() {
                return Err(format!("{name}: trailing garbage following subfield"));
            }
            let f = sf.field.field();
            let n = usize::from(f.n_bytes);
            let val = match field::parse_int(value, n) {
                Ok((v, "")) => v,
                _ => return Err(format!("{name}: cannot parse integer value: {value}")),
            };
            if sf.n_bits < 128 && val >> sf.n_bits != 0 {
                return Err(format!(
                    "{name}: value {} does not fit into {} bits",
                    field::format_value(f, val, None),
                    sf.n_bits
                ));
            }
            let (mut v, mut k) = m.get(f.id);
            let bits = if sf.n_bits == 128 {
                u128::MAX
            } else {
                (1u128 << sf.n_bits) - 1
            };
            v = (v & !(bits << sf.ofs)) | (val << sf.ofs);
            k |= bits << sf.ofs;
            usable = usable.and(m.set_field(f, v, k));
            if f.prereq != field::Prereq::None {
                m.set_default_packet_type();
            }
        } else {
            if value.is_empty() {
                return Err(format!("field {name} missing value"));
            }
            match name {
                "table" => {
                    fm.table_id = crate::kv::parse_table(value)
                        .ok_or_else(|| format!("unknown table \"{value}\""))?;
                    if fm.table_id != 0xff {
                        usable = usable.and(Protocols::TID);
                    }
                }
                "out_port" if f_out_port => {
                    fm.out_port = field::parse_port(value)
                        .ok_or_else(|| format!("{value} is not a valid OpenFlow port"))?;
                }
                "out_group" if f_out_port => {
                    usable = usable.and(Protocols::OF11_UP);
                    fm.out_group = parse_group(value)
                        .ok_or_else(|| format!("{value} is not a valid OpenFlow group"))?;
                }
                "priority" if f_priority => fm.priority = str_to_u16(value, name)?,
                "idle_timeout" if f_timeout => fm.idle_timeout = str_to_u16(value, name)?,
                "hard_timeout" if f_timeout => fm.hard_timeout = str_to_u16(value, name)?,
                "importance" if f_importance => fm.importance = str_to_u16(value, name)?,
                "cookie" => match value.split_once('/') {
                    Some((c, k)) => {
                        if command == command::ADD {
                            return Err("flow additions cannot use a cookie mask".into());
                        }
                        fm.cookie = str_to_u64(c)?;
                        fm.cookie_mask = str_to_u64(k)?;
                        if fm.cookie_mask != 0 {
                            usable = usable.and(Protocols::NXM_OF11_UP);
                        }
                    }
                    None => {
                        if !matches!(
                            command,
                            command::ADD | command::MODIFY | command::MODIFY_STRICT
                        ) {
                            return Err(format!(
                                "cannot set cookie (to match on a cookie, specify a mask, e.g. cookie={value}/-1)"
                            ));
                        }
                        fm.new_cookie = str_to_u64(value)?;
                        fm.modify_cookie = true;
                    }
                },
                "duration" | "n_packets" | "n_bytes" | "idle_age" | "hard_age" => {}
                _ => return Err(format!("unknown keyword {name}")),
            }
        }
    }
    if m.mask.packet_type == u32::MAX && m.flow.packet_type >> 16 == 1 {
        m.flow.dl_type = m.flow.packet_type as u16;
    }
    if m.flow.dl_type == ethertype::IPV6 {
        let k = &m.mask;
        if k.nw_proto != 0 || k.nw_tos != 0 || k.tp_src != 0 || k.tp_dst != 0 {
            usable = usable.and(Protocols::NXM_OXM_ANY);
        }
    }
    if fm.cookie_mask == 0
        && fm.new_cookie == u64::MAX
        && matches!(command, command::MODIFY | command::MODIFY_STRICT)
    {
        fm.new_cookie = 0;
    }
    // OVS normalizes a copy, only to log what OpenFlow 1.0 would drop.
    let mut copy = m;
    copy.normalize();
    if let Some(a) = act_str {
        let (acts, u) = text::parse_actions(a, true)?;
        usable = usable.and(u);
        match actions::check(&acts, &m, fm.table_id) {
            Ok(u) => {
                usable = usable.and(u);
                if usable.is_empty() {
                    return Err(
                        "actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)"
                            .into(),
                    );
                }
            }
            Err(e) => return Err(format!("actions are invalid with specified match ({e})")),
        }
        fm.actions = acts;
    }
    fm.m = m;
    Ok((fm, usable))
}

/// A group number or `ANY`/`ALL` (OVS `ofputil_group_from_string()`).
pub fn parse_group(s: &str) -> Option<u32> {
    if s.eq_ignore_ascii_case("any") {
        return Some(OFPG_ANY);
    }
    if s.eq_ignore_ascii_case("all") {
        return Some(0xffff_fffc);
    }
    let v = crate::kv::c_uint(s).and_then(|v| u32::try_from(v).ok())?;
    (v <= 0xffff_ff00).then_some(v)
}

fn raw_flags(flags_: u16, v: Version) -> u16 {
    let mut r = 0;
    if flags_ & flags::SEND_FLOW_REM != 0 {
        r |= 1;
    }
    if flags_ & flags::CHECK_OVERLAP != 0 {
        r |= 2;
    }
    if flags_ & flags::EMERG != 0 && v == Version::Of10 {
        r |= 4;
    }
    if flags_ & flags::RESET_COUNTS != 0 && v >= Version::Of12 {
        r |= 4;
    }
    if flags_ & flags::NO_PKT_COUNTS != 0 && v >= Version::Of13 {
        r |= 8;
    }
    if flags_ & flags::NO_BYT_COUNTS != 0 && v >= Version::Of13 {
        r |= 16;
    }
    r
}

fn decode_flags(raw: u16, v: Version) -> Result<u16> {
    let mut out = 0;
    let mut left = raw;
    let mut take = |bit: u16, flag: u16, ok: bool| {
        if ok && raw & bit != 0 {
            out |= flag;
            left &= !bit;
        }
    };
    take(1, flags::SEND_FLOW_REM, true);
    take(2, flags::CHECK_OVERLAP, true);
    take(4, flags::EMERG, v == Version::Of10);
    take(4, flags::RESET_COUNTS, v >= Version::Of12);
    take(8, flags::NO_PKT_COUNTS, v >= Version::Of13);
    take(16, flags::NO_BYT_COUNTS, v >= Version::Of13);
    if left != 0 {
        return Err(OfpError::OFPFMFC_BAD_FLAGS);
    }
    Ok(out)
}

/// Encodes `fm` for `protocol` (one protocol bit), xid `xid`, as OVS's
/// `ofputil_encode_flow_mod()`.
pub fn encode(fm: &FlowMod, protocol: Protocols, xid: u32) -> Vec<u8> {
    let v = protocol.version();
    let mut out = Vec::with_capacity(128);
    let tid = protocol.intersects(Protocols::TID);
    let tid_command = |fm: &FlowMod| {
        if tid {
            u16::from(fm.command) | u16::from(fm.table_id) << 8
        } else {
            u16::from(fm.command)
        }
    };
    if v >= Version::Of11 {
        header(&mut out, v, 14, xid);
        let cookie = if fm.command == command::ADD
            || (v == Version::Of11
                && matches!(fm.command, command::MODIFY | command::MODIFY_STRICT)
                && fm.cookie_mask == 0)
        {
            fm.new_cookie
        } else {
            fm.cookie & fm.cookie_mask
        };
        out.put_u64(cookie);
        out.put_u64(fm.cookie_mask);
        let is_delete = matches!(fm.command, command::DELETE | command::DELETE_STRICT);
        let table = if fm.table_id != 0xff || (v != Version::Of11 && is_delete) {
            fm.table_id
        } else {
            0
        };
        out.put_u8(table);
        out.put_u8(fm.command);
        out.put_u16(fm.idle_timeout);
        out.put_u16(fm.hard_timeout);
        out.put_u16(fm.priority);
        out.put_u32(fm.buffer_id);
        out.put_u32(access::port_to_ofp11(fm.out_port));
        out.put_u32(fm.out_group);
        out.put_u16(raw_flags(fm.flags, v));
        out.put_u16(if v >= Version::Of14 && fm.command == command::ADD {
            fm.importance
        } else {
            0
        });
        nxm::encode_oxm_match(&mut out, &fm.m, v);
        wire::encode_instructions(&fm.actions, v, &fm.m, &mut out);
    } else if protocol.intersects(Protocols::OF10_STD_ANY) {
        header(&mut out, v, 14, xid);
        fm.m.to_of10().encode(&mut out);
        out.put_u64(fm.new_cookie);
        out.put_u16(tid_command(fm));
        out.put_u16(fm.idle_timeout);
        out.put_u16(fm.hard_timeout);
        out.put_u16(fm.priority);
        out.put_u32(fm.buffer_id);
        out.put_u16(fm.out_port as u16);
        out.put_u16(raw_flags(fm.flags, v));
        wire::encode_actions(&fm.actions, v, &fm.m, &mut out);
    } else {
        header(&mut out, v, 4, xid);
        out.put_u32(crate::error::NX_VENDOR_ID);
        out.put_u32(NXT_FLOW_MOD);
        out.put_u64(fm.new_cookie);
        out.put_u16(tid_command(fm));
        out.put_u16(fm.idle_timeout);
        out.put_u16(fm.hard_timeout);
        out.put_u16(fm.priority);
        out.put_u32(fm.buffer_id);
        out.put_u16(fm.out_port as u16);
        out.put_u16(raw_flags(fm.flags, v));
        let len_at = out.len();
        out.put_u16(0);
        out.put_slice(&[0; 6]);
        let start = out.len();
        let n = nxm::encode(&mut out, &fm.m, None, fm.cookie, fm.cookie_mask);
        out[len_at..len_at + 2].copy_from_slice(&(n as u16).to_be_bytes());
        nxm::pad8(&mut out, start);
        wire::encode_actions(&fm.actions, v, &fm.m, &mut out);
    }
    let len = out.len() as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    out
}

fn header(out: &mut Vec<u8>, v: Version, type_: u8, xid: u32) {
    out.put_u8(v.wire());
    out.put_u8(type_);
    out.put_u16(0);
    out.put_u32(xid);
}

/// Which wire form a decoded flow-mod came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raw {
    /// OpenFlow 1.0 OFPT_FLOW_MOD.
    Of10,
    /// Nicira NXT_FLOW_MOD.
    Nx,
    /// OpenFlow 1.1+ OFPT_FLOW_MOD.
    Of11,
}

/// Decodes a flow-mod body (after the 8-byte header, and for NXT_FLOW_MOD
/// after the vendor and subtype) as OVS `ofputil_decode_flow_mod()` with
/// table IDs enabled.
pub fn decode(mut b: &[u8], v: Version, raw: Raw) -> Result<FlowMod> {
    let mut fm = FlowMod::new(command::ADD);
    let raw_flags;
    match raw {
        Raw::Of11 => {
            if b.len() < 40 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            let cookie = b.get_u64();
            let cookie_mask = b.get_u64();
            let table_id = b.get_u8();
            let cmd = b.get_u8();
            fm.idle_timeout = b.get_u16();
            fm.hard_timeout = b.get_u16();
            fm.priority = b.get_u16();
            fm.buffer_id = b.get_u32();
            let out_port = b.get_u32();
            let out_group = b.get_u32();
            raw_flags = b.get_u16();
            let importance = b.get_u16();
            fm.m = nxm::decode_oxm_match(&mut b)?;
            if cmd == command::ADD
                || (v == Version::Of11
                    && matches!(cmd, command::MODIFY | command::MODIFY_STRICT)
                    && cookie_mask == 0)
            {
                fm.new_cookie = cookie;
            } else {
                // Only the masked bits of the cookie mean anything.
                fm.cookie = cookie & cookie_mask;
                fm.cookie_mask = cookie_mask;
                fm.new_cookie = u64::MAX;
            }
            fm.command = cmd;
            fm.table_id = table_id;
            let is_delete = matches!(cmd, command::DELETE | command::DELETE_STRICT);
            if table_id == 0xff && (v == Version::Of11 || !is_delete) {
                return Err(OfpError::OFPFMFC_BAD_TABLE_ID);
            }
            fm.importance = if v >= Version::Of14 && cmd == command::ADD {
                importance
            } else {
                0
            };
            fm.out_port = access::port_from_ofp11(out_port).ok_or(OfpError::OFPBAC_BAD_OUT_PORT)?;
            fm.out_group = if is_delete { out_group } else { OFPG_ANY };
        }
        Raw::Of10 | Raw::Nx => {
            let cmd16;
            if raw == Raw::Of10 {
                let m = of10::RawMatch10::decode(&mut b)?;
                if b.len() < 24 {
                    return Err(OfpError::OFPBRC_BAD_LEN);
                }
                fm.m = Match::from_of10(&m);
                fm.m.normalize();
                fm.m.drop_unneeded_packet_type();
                fm.new_cookie = b.get_u64();
                cmd16 = b.get_u16();
                fm.idle_timeout = b.get_u16();
                fm.hard_timeout = b.get_u16();
                let pri = b.get_u16();
                fm.priority = if m.wildcards & of10::wc::ALL != 0 {
                    pri
                } else {
                    u16::MAX
                };
                fm.buffer_id = b.get_u32();
                fm.out_port = b.get_u16().into();
                raw_flags = b.get_u16();
            } else {
                if b.len() < 32 {
                    return Err(OfpError::OFPBRC_BAD_LEN);
                }
                fm.new_cookie = b.get_u64();
                cmd16 = b.get_u16();
                fm.idle_timeout = b.get_u16();
                fm.hard_timeout = b.get_u16();
                fm.priority = b.get_u16();
                fm.buffer_id = b.get_u32();
                fm.out_port = b.get_u16().into();
                raw_flags = b.get_u16();
                let match_len = usize::from(b.get_u16());
                b.advance(6);
                let padded = match_len.div_ceil(8) * 8;
                if b.len() < padded {
                    return Err(OfpError::OFPBMC_BAD_LEN);
                }
                let d = nxm::decode(&b[..match_len], true)?;
                b.advance(padded);
                fm.m = d.m;
                fm.cookie = d.cookie;
                fm.cookie_mask = d.cookie_mask;
                if cmd16 & 0xff == u16::from(command::ADD) && fm.cookie_mask != 0 {
                    return Err(OfpError::NXBRC_NXM_INVALID);
                }
            }
            fm.modify_cookie = fm.new_cookie != u64::MAX;
            fm.command = cmd16 as u8;
            fm.table_id = (cmd16 >> 8) as u8;
        }
    }
    let k = &fm.m.mask;
    if ((k.ct_nw_src != 0 || k.ct_nw_dst != 0) && fm.m.flow.dl_type != ethertype::IPV4)
        || ((k.ct_ipv6_src != [0; 16] || k.ct_ipv6_dst != [0; 16])
            && fm.m.flow.dl_type != ethertype::IPV6)
    {
        return Err(OfpError::OFPBAC_MATCH_INCONSISTENT);
    }
    if fm.command > command::DELETE_STRICT {
        return Err(OfpError::OFPFMFC_BAD_COMMAND);
    }
    fm.actions = wire::decode_instructions(b, v)?;
    if v >= Version::Of11 {
        actions::verify(&fm.actions, true).map_err(|(e, _)| e)?;
    }
    fm.flags = decode_flags(raw_flags, v)?;
    if fm.flags & flags::EMERG != 0 {
        return Err(if fm.hard_timeout != 0 || fm.idle_timeout != 0 {
            OfpError::OFPFMFC_BAD_EMERG_TIMEOUT
        } else {
            OfpError::OFPFMFC_TABLE_FULL
        });
    }
    let usable = actions::check(&fm.actions, &fm.m, fm.table_id)?;
    let needed = Protocols::from_version(v);
    if needed.0 & !usable.0 != 0 {
        return Err(OfpError::OFPBAC_MATCH_INCONSISTENT);
    }
    Ok(fm)
}

/// The body text of a flow-mod as `ovs-ofctl ofp-print` shows it (after
/// the header text), OVS `ofputil_flow_mod_format()` at default verbosity.
pub fn format(fm: &FlowMod, v: Version) -> String {
    format_verbose(fm, v, None)
}

/// [`format`] with the match replaced by `raw_match` (the raw OpenFlow
/// 1.0 or NXM match text that OVS prints at verbosity 3 and up), in which
/// case a non-default priority follows as `pri:N`.
pub fn format_verbose(fm: &FlowMod, v: Version, raw_match: Option<String>) -> String {
    let mut s = String::from(" ");
    match fm.command {
        command::ADD => s.push_str("ADD"),
        command::MODIFY => s.push_str("MOD"),
        command::MODIFY_STRICT => s.push_str("MOD_STRICT"),
        command::DELETE => s.push_str("DEL"),
        command::DELETE_STRICT => s.push_str("DEL_STRICT"),
        c => {
            let _ = write!(s, "cmd:{c}");
        }
    }
    if fm.table_id != 0 {
        let _ = write!(s, " table:{}", fm.table_id);
    }
    s.push(' ');
    let need_priority = raw_match.is_some();
    match raw_match {
        Some(t) => s.push_str(&t),
        None => {
            let _ = write!(s, "{}", fm.m.display(fm.priority));
        }
    }
    if !s.ends_with(' ') {
        s.push(' ');
    }
    if fm.new_cookie != 0 && fm.new_cookie != u64::MAX {
        let _ = write!(s, "cookie:{:#x} ", fm.new_cookie);
    }
    if fm.cookie_mask != 0 {
        let _ = write!(s, "cookie:{:#x}/{:#x} ", fm.cookie, fm.cookie_mask);
    }
    if fm.idle_timeout != 0 {
        let _ = write!(s, "idle:{} ", fm.idle_timeout);
    }
    if fm.hard_timeout != 0 {
        let _ = write!(s, "hard:{} ", fm.hard_timeout);
    }
    if fm.importance != 0 {
        let _ = write!(s, "importance:{} ", fm.importance);
    }
    if fm.priority != DEFAULT_PRIORITY && need_priority {
        let _ = write!(s, "pri:{} ", fm.priority);
    }
    if fm.buffer_id != u32::MAX {
        let _ = write!(s, "buf:{:#x} ", fm.buffer_id);
    }
    if fm.out_port != port::ANY {
        let _ = write!(s, "out_port:{} ", field::port_name(fm.out_port));
    }
    let mut fl = fm.flags;
    if v <= Version::Of11 {
        fl &= !flags::RESET_COUNTS;
    }
    for (bit, name) in [
        (flags::SEND_FLOW_REM, "send_flow_rem "),
        (flags::CHECK_OVERLAP, "check_overlap "),
        (flags::RESET_COUNTS, "reset_counts "),
        (flags::NO_PKT_COUNTS, "no_packet_counts "),
        (flags::NO_BYT_COUNTS, "no_byte_counts "),
    ] {
        if fl & bit != 0 {
            s.push_str(name);
        }
    }
    s.push_str("actions=");
    s.push_str(&text::format_actions(&fm.actions));
    s
}
