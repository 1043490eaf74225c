//! Flow statistics replies (OVS `struct ofputil_flow_stats`) in the
//! OpenFlow 1.0, Nicira and OpenFlow 1.1-1.4 layouts, aggregate replies,
//! and their text (what `ovs-ofctl dump-flows` prints).

use std::fmt::Write;

use bytes::{Buf, BufMut};

use crate::actions::{text, wire, Action};
use crate::error::{OfpError, Result};
use crate::flow_mod::flags;
use crate::matches::{nxm, of10, Match};
use crate::version::Version;

/// One flow's statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStats {
    /// The match.
    pub m: Match,
    /// Priority.
    pub priority: u16,
    /// Table.
    pub table_id: u8,
    /// Cookie.
    pub cookie: u64,
    /// Seconds alive.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
    /// Idle timeout.
    pub idle_timeout: u16,
    /// Hard timeout.
    pub hard_timeout: u16,
    /// Eviction importance.
    pub importance: u16,
    /// Flow-mod flags (`flow_mod::flags`).
    pub flags: u16,
    /// Seconds since last hit, if known (Nicira only).
    pub idle_age: Option<u16>,
    /// Seconds since last modification, if known (Nicira only).
    pub hard_age: Option<u16>,
    /// Packets.
    pub packet_count: u64,
    /// Bytes.
    pub byte_count: u64,
    /// Actions and instructions.
    pub actions: Vec<Action>,
}

/// Which layout a reply uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raw {
    /// OpenFlow 1.0 `ofp10_flow_stats`.
    Of10,
    /// Nicira `nx_flow_stats`.
    Nx,
    /// OpenFlow 1.1-1.4 `ofp11_flow_stats`.
    Of11,
}

fn flags_from_raw(raw: u16, v: Version) -> Result<u16> {
    let mut out = 0;
    for (bit, f, ok) in [
        (1, flags::SEND_FLOW_REM, true),
        (2, flags::CHECK_OVERLAP, true),
        (4, flags::RESET_COUNTS, v >= Version::Of12),
        (8, flags::NO_PKT_COUNTS, v >= Version::Of13),
        (16, flags::NO_BYT_COUNTS, v >= Version::Of13),
    ] {
        if raw & bit != 0 {
            if !ok {
                return Err(OfpError::OFPFMFC_BAD_FLAGS);
            }
            out |= f;
        }
    }
    if raw & !0x1f != 0 {
        return Err(OfpError::OFPFMFC_BAD_FLAGS);
    }
    Ok(out)
}

fn flags_to_raw(f: u16) -> u16 {
    let mut r = 0;
    for (bit, fl) in [
        (1, flags::SEND_FLOW_REM),
        (2, flags::CHECK_OVERLAP),
        (4, flags::RESET_COUNTS),
        (8, flags::NO_PKT_COUNTS),
        (16, flags::NO_BYT_COUNTS),
    ] {
        if f & fl != 0 {
            r |= bit;
        }
    }
    r
}

/// Decodes every flow of a reply body.
pub fn decode_reply(mut b: &[u8], v: Version, raw: Raw) -> Result<Vec<FlowStats>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        if b.len() < 2 {
            return Err(OfpError::OFPBRC_BAD_LEN);
        }
        let len = usize::from(u16::from_be_bytes([b[0], b[1]]));
        let fixed = match raw {
            Raw::Of10 => 88,
            Raw::Nx | Raw::Of11 => 48,
        };
        if len < fixed || len > b.len() {
            return Err(OfpError::OFPBRC_BAD_LEN);
        }
        let (entry, rest) = b.split_at(len);
        b = rest;
        let mut e = &entry[2..];
        let table_id = e.get_u8();
        e.advance(1);
        let mut fs = FlowStats {
            m: Match::default(),
            priority: 0,
            table_id,
            cookie: 0,
            duration_sec: 0,
            duration_nsec: 0,
            idle_timeout: 0,
            hard_timeout: 0,
            importance: 0,
            flags: 0,
            idle_age: None,
            hard_age: None,
            packet_count: 0,
            byte_count: 0,
            actions: Vec::new(),
        };
        match raw {
            Raw::Of10 => {
                fs.m = Match::from_of10(&of10::RawMatch10::decode(&mut e)?);
                fs.duration_sec = e.get_u32();
                fs.duration_nsec = e.get_u32();
                fs.priority = e.get_u16();
                fs.idle_timeout = e.get_u16();
                fs.hard_timeout = e.get_u16();
                e.advance(6);
                fs.cookie = e.get_u64();
                fs.packet_count = e.get_u64();
                fs.byte_count = e.get_u64();
                fs.actions = wire::decode_actions(e, v)?;
            }
            Raw::Nx => {
                fs.duration_sec = e.get_u32();
                fs.duration_nsec = e.get_u32();
                fs.priority = e.get_u16();
                fs.idle_timeout = e.get_u16();
                fs.hard_timeout = e.get_u16();
                let match_len = usize::from(e.get_u16());
                let idle_age = e.get_u16();
                let hard_age = e.get_u16();
                fs.idle_age = idle_age.checked_sub(1);
                fs.hard_age = hard_age.checked_sub(1);
                fs.cookie = e.get_u64();
                fs.packet_count = e.get_u64();
                fs.byte_count = e.get_u64();
                let padded = match_len.div_ceil(8) * 8;
                if e.len() < padded {
                    return Err(OfpError::OFPBRC_BAD_LEN);
                }
                fs.m = nxm::decode(&e[..match_len], false)?.m;
                fs.actions = wire::decode_actions(&e[padded..], v)?;
            }
            Raw::Of11 => {
                fs.duration_sec = e.get_u32();
                fs.duration_nsec = e.get_u32();
                fs.priority = e.get_u16();
                fs.idle_timeout = e.get_u16();
                fs.hard_timeout = e.get_u16();
                let raw_flags = e.get_u16();
                let importance = e.get_u16();
                e.advance(2);
                fs.cookie = e.get_u64();
                fs.packet_count = e.get_u64();
                fs.byte_count = e.get_u64();
                if v >= Version::Of13 {
                    fs.flags = flags_from_raw(raw_flags, v)?;
                }
                if v >= Version::Of14 {
                    fs.importance = importance;
                }
                fs.m = nxm::decode_oxm_match(&mut e)?;
                fs.actions = wire::decode_instructions(e, v)?;
            }
        }
        out.push(fs);
    }
    Ok(out)
}

/// Appends one flow's entry to a reply body.
pub fn put(fs: &FlowStats, v: Version, raw: Raw, out: &mut Vec<u8>) {
    let start = out.len();
    out.put_u16(0);
    out.put_u8(fs.table_id);
    out.put_u8(0);
    match raw {
        Raw::Of10 => {
            fs.m.to_of10().encode(out);
            out.put_u32(fs.duration_sec);
            out.put_u32(fs.duration_nsec);
            out.put_u16(fs.priority);
            out.put_u16(fs.idle_timeout);
            out.put_u16(fs.hard_timeout);
            out.put_slice(&[0; 6]);
            out.put_u64(fs.cookie);
            out.put_u64(fs.packet_count);
            out.put_u64(fs.byte_count);
            wire::encode_actions(&fs.actions, v, &fs.m, out);
        }
        Raw::Nx => {
            out.put_u32(fs.duration_sec);
            out.put_u32(fs.duration_nsec);
            out.put_u16(fs.priority);
            out.put_u16(fs.idle_timeout);
            out.put_u16(fs.hard_timeout);
            let len_at = out.len();
            out.put_u16(0);
            out.put_u16(fs.idle_age.map_or(0, |a| a.saturating_add(1)));
            out.put_u16(fs.hard_age.map_or(0, |a| a.saturating_add(1)));
            out.put_u64(fs.cookie);
            out.put_u64(fs.packet_count);
            out.put_u64(fs.byte_count);
            let mstart = out.len();
            let n = nxm::encode(out, &fs.m, None, 0, 0);
            out[len_at..len_at + 2].copy_from_slice(&(n as u16).to_be_bytes());
            nxm::pad8(out, mstart);
            wire::encode_actions(&fs.actions, v, &fs.m, out);
        }
        Raw::Of11 => {
            out.put_u32(fs.duration_sec);
            out.put_u32(fs.duration_nsec);
            out.put_u16(fs.priority);
            out.put_u16(fs.idle_timeout);
            out.put_u16(fs.hard_timeout);
            out.put_u16(if v >= Version::Of13 {
                flags_to_raw(fs.flags)
            } else {
                0
            });
            out.put_u16(if v >= Version::Of14 { fs.importance } else { 0 });
            out.put_u16(0);
            out.put_u64(fs.cookie);
            out.put_u64(fs.packet_count);
            out.put_u64(fs.byte_count);
            nxm::encode_oxm_match(out, &fs.m, v);
            wire::encode_instructions(&fs.actions, v, &fs.m, out);
        }
    }
    let len = (out.len() - start) as u16;
    out[start..start + 2].copy_from_slice(&len.to_be_bytes());
}

/// OVS `ofp_print_duration()`.
fn duration(s: &mut String, sec: u32, nsec: u32) {
    let _ = write!(s, "{sec}");
    if nsec > 0 {
        let msec = nsec / 1_000_000;
        if msec * 1_000_000 == nsec {
            let _ = write!(s, ".{msec:03}");
        } else {
            let t = format!("{nsec:09}");
            let _ = write!(s, ".{}", t.trim_end_matches('0'));
        }
    }
    s.push('s');
}

/// One flow as `ovs-ofctl dump-flows` prints it (OVS
/// `ofputil_flow_stats_format()` with statistics).
pub fn format(s: &mut String, fs: &FlowStats) {
    let _ = write!(s, "cookie=0x{:x}, ", fs.cookie);
    s.push_str("duration=");
    duration(s, fs.duration_sec, fs.duration_nsec);
    s.push_str(", ");
    let _ = write!(s, "table={}, ", fs.table_id);
    for (name, v) in [("n_packets", fs.packet_count), ("n_bytes", fs.byte_count)] {
        if v == u64::MAX {
            let _ = write!(s, "{name}=?, ");
        } else {
            let _ = write!(s, "{name}={v}, ");
        }
    }
    if fs.idle_timeout != 0 {
        let _ = write!(s, "idle_timeout={}, ", fs.idle_timeout);
    }
    if fs.hard_timeout != 0 {
        let _ = write!(s, "hard_timeout={}, ", fs.hard_timeout);
    }
    for (bit, name) in [
        (flags::SEND_FLOW_REM, "send_flow_rem "),
        (flags::CHECK_OVERLAP, "check_overlap "),
        (flags::RESET_COUNTS, "reset_counts "),
        (flags::NO_PKT_COUNTS, "no_packet_counts "),
        (flags::NO_BYT_COUNTS, "no_byte_counts "),
    ] {
        if fs.flags & bit != 0 {
            s.push_str(name);
        }
    }
    if fs.importance != 0 {
        let _ = write!(s, "importance={}, ", fs.importance);
    }
    if let Some(a) = fs.idle_age {
        let _ = write!(s, "idle_age={a}, ");
    }
    if let Some(a) = fs.hard_age {
        if u32::from(a) != fs.duration_sec {
            let _ = write!(s, "hard_age={a}, ");
        }
    }
    let m = fs.m.display(fs.priority).to_string();
    if !m.is_empty() {
        s.push_str(&m);
        s.push(' ');
    }
    s.push_str("actions=");
    s.push_str(&text::format_actions(&fs.actions));
}

/// The ofp-print body of a flow stats reply.
pub fn format_reply(flows: &[FlowStats]) -> String {
    let mut s = String::new();
    for f in flows {
        s.push_str("\n ");
        format(&mut s, f);
    }
    s
}

/// Aggregate statistics (OVS `struct ofputil_aggregate_stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AggregateStats {
    /// Packets.
    pub packet_count: u64,
    /// Bytes.
    pub byte_count: u64,
    /// Flows.
    pub flow_count: u32,
}

/// Decodes an aggregate reply body (OpenFlow 1.0-1.4 and Nicira layout).
pub fn decode_aggregate(mut b: &[u8]) -> Result<AggregateStats> {
    if b.len() < 24 {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    Ok(AggregateStats {
        packet_count: b.get_u64(),
        byte_count: b.get_u64(),
        flow_count: b.get_u32(),
    })
}

/// The ofp-print body of an aggregate reply.
pub fn format_aggregate(a: &AggregateStats) -> String {
    format!(
        " packet_count={} byte_count={} flow_count={}",
        a.packet_count, a.byte_count, a.flow_count
    )
}
