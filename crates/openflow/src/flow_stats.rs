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
    /// OpenFlow 1.5 `ofp15_flow_desc` with OXS statistics.
    Of15,
}

/// OXS statistics (OVS `struct oxs_stats`): `u32::MAX`/`u64::MAX` for
/// those absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Oxs {
    /// Seconds alive.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
    /// Seconds idle.
    pub idle_age: u32,
    /// Packets.
    pub packet_count: u64,
    /// Bytes.
    pub byte_count: u64,
    /// Flows.
    pub flow_count: u32,
}

impl Default for Oxs {
    fn default() -> Oxs {
        Oxs {
            duration_sec: u32::MAX,
            duration_nsec: u32::MAX,
            idle_age: u32::MAX,
            packet_count: u64::MAX,
            byte_count: u64::MAX,
            flow_count: u32::MAX,
        }
    }
}

const OXS_CLASS: u32 = 0x8002;

/// Appends OXS statistics, padded to 8 bytes (OVS `oxs_put_stats()`).
pub fn put_oxs(out: &mut Vec<u8>, o: &Oxs) {
    let start = out.len();
    out.put_u32(0);
    let hdr = |out: &mut Vec<u8>, field: u32, len: u32| {
        out.put_u32(OXS_CLASS << 16 | field << 9 | len);
    };
    if o.duration_sec != u32::MAX {
        hdr(out, 0, 8);
        out.put_u32(o.duration_sec);
        out.put_u32(o.duration_nsec);
    }
    if o.idle_age != u32::MAX {
        hdr(out, 1, 8);
        out.put_u64(u64::from(o.idle_age) << 32);
    }
    if o.packet_count != u64::MAX {
        hdr(out, 4, 8);
        out.put_u64(o.packet_count);
    }
    if o.byte_count != u64::MAX {
        hdr(out, 5, 8);
        out.put_u64(o.byte_count);
    }
    if o.flow_count != u32::MAX {
        hdr(out, 3, 4);
        out.put_u32(o.flow_count);
    }
    let len = (out.len() - start) as u16;
    out[start + 2..start + 4].copy_from_slice(&len.to_be_bytes());
    while (out.len() - start) % 8 != 0 {
        out.put_u8(0);
    }
}

/// Reads OXS statistics (OVS `oxs_pull_stat()`): the values and the
/// padded bytes they took.
pub fn pull_oxs(b: &mut &[u8]) -> Result<Oxs> {
    let mut o = Oxs::default();
    if b.len() < 4 {
        return Err(OfpError::OFPBMC_BAD_LEN);
    }
    let len = usize::from(u16::from_be_bytes([b[2], b[3]]));
    let padded = len.div_ceil(8) * 8;
    if len < 4 || padded > b.len() {
        return Err(OfpError::OFPBMC_BAD_LEN);
    }
    let mut p = &b[4..len];
    *b = &b[padded..];
    while !p.is_empty() {
        if p.len() < 4 {
            return Err(OfpError::OFPBMC_BAD_LEN);
        }
        let h = p.get_u32();
        let class = h >> 16;
        let hlen = (h & 0xff) as usize;
        let exp = if class == 0xffff { 4 } else { 0 };
        if hlen < exp || p.len() < hlen {
            return Err(OfpError::OFPBMC_BAD_LEN);
        }
        let (mut v, rest) = p.split_at(hlen);
        p = rest;
        if class != OXS_CLASS || h & 0x100 != 0 {
            continue;
        }
        match ((h >> 9) & 0x7f, hlen) {
            (0, 8) => {
                o.duration_sec = v.get_u32();
                o.duration_nsec = v.get_u32();
            }
            (1, 8) => o.idle_age = (v.get_u64() >> 32) as u32,
            (4, 8) => o.packet_count = v.get_u64(),
            (5, 8) => o.byte_count = v.get_u64(),
            (3, 4) => o.flow_count = v.get_u32(),
            _ => {}
        }
    }
    Ok(o)
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
            Raw::Of15 => 24,
        };
        if len < fixed || len > b.len() {
            return Err(OfpError::OFPBRC_BAD_LEN);
        }
        let (entry, rest) = b.split_at(len);
        b = rest;
        let mut e = &entry[if raw == Raw::Of15 { 4 } else { 2 }..];
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
            Raw::Of15 => {
                fs.priority = e.get_u16();
                fs.idle_timeout = e.get_u16();
                fs.hard_timeout = e.get_u16();
                let raw_flags = e.get_u16();
                fs.importance = e.get_u16();
                fs.cookie = e.get_u64();
                fs.flags = flags_from_raw(raw_flags, v)?;
                fs.m = nxm::decode_oxm_match(&mut e)?;
                let o = pull_oxs(&mut e)?;
                fs.duration_sec = o.duration_sec;
                fs.duration_nsec = o.duration_nsec;
                fs.packet_count = o.packet_count;
                fs.byte_count = o.byte_count;
                fs.idle_age = (o.idle_age != u32::MAX).then(|| o.idle_age.min(0xffff) as u16);
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
    if raw == Raw::Of15 {
        out.put_u16(0);
    }
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
        Raw::Of15 => {
            out.put_u16(fs.priority);
            out.put_u16(fs.idle_timeout);
            out.put_u16(fs.hard_timeout);
            out.put_u16(flags_to_raw(fs.flags));
            out.put_u16(fs.importance);
            out.put_u64(fs.cookie);
            nxm::encode_oxm_match(out, &fs.m, v);
            put_oxs(
                out,
                &Oxs {
                    duration_sec: fs.duration_sec,
                    duration_nsec: fs.duration_nsec,
                    idle_age: fs.idle_age.map_or(u32::MAX, u32::from),
                    packet_count: fs.packet_count,
                    byte_count: fs.byte_count,
                    flow_count: u32::MAX,
                },
            );
            wire::encode_instructions(&fs.actions, v, &fs.m, out);
        }
    }
    let len = (out.len() - start) as u16;
    out[start..start + 2].copy_from_slice(&len.to_be_bytes());
}

/// OVS `ofp_print_duration()`.
pub(crate) fn duration(s: &mut String, sec: u32, nsec: u32) {
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

/// Decodes an OpenFlow 1.5 aggregate reply body (OXS statistics).
pub fn decode_aggregate15(mut b: &[u8]) -> Result<AggregateStats> {
    let o = pull_oxs(&mut b)?;
    Ok(AggregateStats {
        packet_count: o.packet_count,
        byte_count: o.byte_count,
        flow_count: o.flow_count,
    })
}

/// Appends an aggregate reply body for `v`.
pub fn put_aggregate(a: &AggregateStats, v: Version, out: &mut Vec<u8>) {
    if v >= Version::Of15 {
        put_oxs(
            out,
            &Oxs {
                packet_count: a.packet_count,
                byte_count: a.byte_count,
                flow_count: a.flow_count,
                ..Oxs::default()
            },
        );
    } else {
        out.put_u64(a.packet_count);
        out.put_u64(a.byte_count);
        out.put_u32(a.flow_count);
        out.put_u32(0);
    }
}

/// The ofp-print body of an aggregate reply.
pub fn format_aggregate(a: &AggregateStats) -> String {
    format!(
        " packet_count={} byte_count={} flow_count={}",
        a.packet_count, a.byte_count, a.flow_count
    )
}
