//! Group statistics, descriptions and features replies (OVS
//! `ofputil_group_stats`, `ofputil_group_desc`, `ofputil_group_features`).

use std::fmt::Write;

use bytes::{Buf, BufMut};

use super::bitmaps;
use crate::error::{OfpError, Result};
use crate::flow_stats::duration;
use crate::group::{self as g, Bucket};
use crate::version::Version;

/// One group's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupStats {
    /// Group.
    pub group_id: u32,
    /// Flows and groups that point to it.
    pub ref_count: u32,
    /// Packets.
    pub packet_count: u64,
    /// Bytes.
    pub byte_count: u64,
    /// Seconds alive, `u32::MAX` if unknown (OpenFlow 1.1/1.2).
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
    /// `(packets, bytes)` of each bucket.
    pub buckets: Vec<(u64, u64)>,
}

/// Encodes one group's counters (the OpenFlow 1.3 layout, which OpenFlow
/// 1.0's NXST_GROUP also uses; 1.1 and 1.2 lack the duration).
pub fn put_stats(gs: &GroupStats, v: Version) -> Vec<u8> {
    let of11 = matches!(v, Version::Of11 | Version::Of12);
    let mut out = Vec::new();
    let len = if of11 { 32 } else { 40 } + 16 * gs.buckets.len();
    out.put_u16(len as u16);
    out.put_u16(0);
    out.put_u32(gs.group_id);
    out.put_u32(gs.ref_count);
    out.put_u32(0);
    out.put_u64(gs.packet_count);
    out.put_u64(gs.byte_count);
    if !of11 {
        out.put_u32(gs.duration_sec);
        out.put_u32(gs.duration_nsec);
    }
    for (p, b) in &gs.buckets {
        out.put_u64(*p);
        out.put_u64(*b);
    }
    out
}

/// Pulls one entry (OVS `ofputil_decode_group_stats_reply()`, including
/// its reading of only whole bucket counters).
fn pull_one(b: &mut &[u8], of11: bool) -> Result<GroupStats> {
    let base = if of11 { 32 } else { 40 };
    if b.len() < base {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let length = usize::from(b.get_u16());
    b.advance(2);
    let group_id = b.get_u32();
    let ref_count = b.get_u32();
    b.advance(4);
    let packet_count = b.get_u64();
    let byte_count = b.get_u64();
    let (duration_sec, duration_nsec) = if of11 {
        (u32::MAX, u32::MAX)
    } else {
        (b.get_u32(), b.get_u32())
    };
    if length < 8 || length < base {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let n = (length - base) / 16;
    if b.len() < n * 16 {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let buckets = (0..n).map(|_| (b.get_u64(), b.get_u64())).collect();
    Ok(GroupStats {
        group_id,
        ref_count,
        packet_count,
        byte_count,
        duration_sec,
        duration_nsec,
        buckets,
    })
}

/// Entries until the first bad one, and its error.
pub fn pull_stats(mut b: &[u8], of11: bool) -> (Vec<GroupStats>, Option<OfpError>) {
    let mut out = Vec::new();
    while !b.is_empty() {
        match pull_one(&mut b, of11) {
            Ok(x) => out.push(x),
            Err(e) => return (out, Some(e)),
        }
    }
    (out, None)
}

/// Decodes a whole group stats body (`of11`: the OpenFlow 1.1/1.2 layout).
pub fn decode_stats(b: &[u8], of11: bool) -> Result<Vec<GroupStats>> {
    match pull_stats(b, of11) {
        (x, None) => Ok(x),
        (_, Some(e)) => Err(e),
    }
}

/// One group's line (OVS `ofputil_group_stats_format()`).
pub fn format_stats(s: &mut String, gs: &GroupStats) {
    let _ = write!(s, "\n group_id={},", gs.group_id);
    if gs.duration_sec != u32::MAX {
        s.push_str("duration=");
        duration(s, gs.duration_sec, gs.duration_nsec);
        s.push(',');
    }
    let _ = write!(
        s,
        "ref_count={},packet_count={},byte_count={}",
        gs.ref_count, gs.packet_count, gs.byte_count
    );
    for (i, (p, b)) in gs.buckets.iter().enumerate() {
        if *p != u64::MAX {
            let _ = write!(s, ",bucket{i}:packet_count={p},byte_count={b}");
        }
    }
}

/// One group's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDesc {
    /// 0 all, 1 select, 2 indirect, 3 fast failover.
    pub type_: u8,
    /// Group.
    pub group_id: u32,
    /// Buckets.
    pub buckets: Vec<Bucket>,
}

fn ext_layout(v: Version) -> bool {
    v == Version::Of10 || v >= Version::Of15
}

/// Encodes one description (OVS `ofputil_append_group_desc_reply()`).
pub fn put_desc(gd: &GroupDesc, v: Version) -> Vec<u8> {
    let mut out = Vec::new();
    out.put_u16(0);
    out.put_u8(gd.type_);
    out.put_u8(0);
    out.put_u32(gd.group_id);
    if ext_layout(v) {
        out.put_u16(0);
        out.put_slice(&[0; 6]);
        g::put_buckets15(&gd.buckets, gd.type_, v, &mut out);
        let blen = (out.len() - 16) as u16;
        out[8..10].copy_from_slice(&blen.to_be_bytes());
    } else {
        g::put_buckets11(&gd.buckets, v, &mut out);
    }
    let len = out.len() as u16;
    out[0..2].copy_from_slice(&len.to_be_bytes());
    out
}

fn pull_desc(b: &mut &[u8], v: Version) -> Result<GroupDesc> {
    let fixed = if ext_layout(v) { 16 } else { 8 };
    if b.len() < fixed {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let length = usize::from(u16::from_be_bytes([b[0], b[1]]));
    if length < fixed || length > b.len() {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let (e, rest) = b.split_at(length);
    *b = rest;
    let type_ = e[2];
    let group_id = u32::from_be_bytes([e[4], e[5], e[6], e[7]]);
    let buckets = if ext_layout(v) {
        let blen = usize::from(u16::from_be_bytes([e[8], e[9]]));
        if length < blen + 16 {
            return Err(OfpError::OFPBRC_BAD_LEN);
        }
        if length > blen + 16 {
            // Group properties (selection method): not supported.
            return Err(OfpError::OFPBPC_BAD_TYPE);
        }
        g::decode_buckets15(&e[16..16 + blen], v, type_)?
    } else {
        g::decode_buckets11(&e[8..], v)?
    };
    Ok(GroupDesc {
        type_,
        group_id,
        buckets,
    })
}

/// Descriptions until the first bad one, and its error.
pub fn pull_descs(mut b: &[u8], v: Version) -> (Vec<GroupDesc>, Option<OfpError>) {
    let mut out = Vec::new();
    while !b.is_empty() {
        match pull_desc(&mut b, v) {
            Ok(x) => out.push(x),
            Err(e) => return (out, Some(e)),
        }
    }
    (out, None)
}

/// Decodes a whole group description body.
pub fn decode_desc(b: &[u8], v: Version) -> Result<Vec<GroupDesc>> {
    match pull_descs(b, v) {
        (x, None) => Ok(x),
        (_, Some(e)) => Err(e),
    }
}

/// One description (OVS `ofp_print_group()`).
pub fn format_desc(s: &mut String, gd: &GroupDesc, v: Version) {
    let t = ["all", "select", "indirect", "ff", "unknown"][usize::from(gd.type_.min(4))];
    let _ = write!(s, "group_id={},type={t}", gd.group_id);
    s.push(',');
    g::format_buckets(s, &gd.buckets, gd.type_, v);
}

/// Group table capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupFeatures {
    /// Bit `t`: group type `t` supported.
    pub types: u32,
    /// `OFPGFC_*` capabilities.
    pub capabilities: u32,
    /// Most groups of each type.
    pub max_groups: [u32; 4],
    /// Action kinds of each type ([`bitmaps::OFPACT_NAMES`] bits).
    pub actions: [u64; 4],
}

/// Encodes the features body.
pub fn put_features(f: &GroupFeatures, v: Version, out: &mut Vec<u8>) {
    out.put_u32(f.types);
    out.put_u32(f.capabilities);
    for m in f.max_groups {
        out.put_u32(m);
    }
    for a in f.actions {
        out.put_u32(bitmaps::ofpacts_to_openflow(a, v));
    }
}

/// Decodes the features body.
pub fn decode_features(mut b: &[u8], v: Version) -> Result<GroupFeatures> {
    if b.len() != 40 {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let types = b.get_u32();
    let capabilities = b.get_u32();
    let max_groups = [b.get_u32(), b.get_u32(), b.get_u32(), b.get_u32()];
    let actions = [0; 4].map(|_: u64| bitmaps::ofpacts_from_openflow(b.get_u32(), v));
    Ok(GroupFeatures {
        types,
        capabilities,
        max_groups,
        actions,
    })
}

/// C's `%#x`: `0x` before nonzero values only.
pub(crate) fn alt_hex(v: u32) -> String {
    if v == 0 {
        "0".into()
    } else {
        format!("{v:#x}")
    }
}

/// OVS `ofputil_group_features_format()`.
pub fn format_features(s: &mut String, f: &GroupFeatures) {
    let _ = writeln!(s, "\n Group table:");
    let _ = writeln!(s, "    Types:  0x{:x}", f.types);
    let _ = writeln!(s, "    Capabilities:  0x{:x}", f.capabilities);
    for (i, name) in ["all", "select", "indirect", "fast failover"]
        .iter()
        .enumerate()
    {
        if f.types & (1 << i) != 0 {
            let _ = writeln!(s, "    {name} group:");
            let _ = writeln!(s, "       max_groups={}", alt_hex(f.max_groups[i]));
            s.push_str("       actions: ");
            bitmaps::format_ofpacts(s, f.actions[i]);
            s.push('\n');
        }
    }
}
