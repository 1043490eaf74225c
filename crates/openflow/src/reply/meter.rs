//! Meter statistics, configuration and features replies (OVS
//! `ofputil_meter_stats`, `ofputil_meter_config`, `ofputil_meter_features`).

use std::fmt::Write;

use bytes::{Buf, BufMut};

use crate::error::{OfpError, Result};
use crate::flow_stats::duration;
use crate::meter::{format_meter_id, Band, OFPMBT_DROP, OFPMBT_DSCP_REMARK};
use crate::meter::{OFPMF_BURST, OFPMF_KBPS, OFPMF_PKTPS, OFPMF_STATS};

/// One meter's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeterStats {
    /// Meter.
    pub meter_id: u32,
    /// Flows that use it.
    pub flow_count: u32,
    /// Packets in.
    pub packet_in_count: u64,
    /// Bytes in.
    pub byte_in_count: u64,
    /// Seconds alive.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
    /// `(packets, bytes)` of each band.
    pub bands: Vec<(u64, u64)>,
}

/// Encodes one meter's counters.
pub fn put_stats(ms: &MeterStats) -> Vec<u8> {
    let mut out = Vec::new();
    out.put_u32(ms.meter_id);
    out.put_u16((40 + 16 * ms.bands.len()) as u16);
    out.put_slice(&[0; 6]);
    out.put_u32(ms.flow_count);
    out.put_u64(ms.packet_in_count);
    out.put_u64(ms.byte_in_count);
    out.put_u32(ms.duration_sec);
    out.put_u32(ms.duration_nsec);
    for (p, b) in &ms.bands {
        out.put_u64(*p);
        out.put_u64(*b);
    }
    out
}

fn pull_stats_one(b: &mut &[u8]) -> Result<MeterStats> {
    if b.len() < 40 {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let meter_id = b.get_u32();
    let len = usize::from(b.get_u16());
    b.advance(6);
    let flow_count = b.get_u32();
    let packet_in_count = b.get_u64();
    let byte_in_count = b.get_u64();
    let duration_sec = b.get_u32();
    let duration_nsec = b.get_u32();
    let blen = len.checked_sub(40).ok_or(OfpError::OFPBRC_BAD_LEN)?;
    if b.len() < blen || blen % 16 != 0 {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let bands = (0..blen / 16).map(|_| (b.get_u64(), b.get_u64())).collect();
    Ok(MeterStats {
        meter_id,
        flow_count,
        packet_in_count,
        byte_in_count,
        duration_sec,
        duration_nsec,
        bands,
    })
}

/// Entries until the first bad one, and its error.
pub fn pull_stats(mut b: &[u8]) -> (Vec<MeterStats>, Option<OfpError>) {
    let mut out = Vec::new();
    while !b.is_empty() {
        match pull_stats_one(&mut b) {
            Ok(x) => out.push(x),
            Err(e) => return (out, Some(e)),
        }
    }
    (out, None)
}

/// Decodes a whole meter stats body.
pub fn decode_stats(b: &[u8]) -> Result<Vec<MeterStats>> {
    match pull_stats(b) {
        (x, None) => Ok(x),
        (_, Some(e)) => Err(e),
    }
}

/// OVS `ofputil_format_meter_stats()`.
pub fn format_stats(s: &mut String, ms: &MeterStats) {
    format_meter_id(s, ms.meter_id, ':');
    let _ = write!(
        s,
        " flow_count:{} packet_in_count:{} byte_in_count:{} duration:",
        ms.flow_count, ms.packet_in_count, ms.byte_in_count
    );
    duration(s, ms.duration_sec, ms.duration_nsec);
    s.push_str(" bands:\n");
    for (i, (p, b)) in ms.bands.iter().enumerate() {
        let _ = writeln!(s, "{i}: packet_count:{p} byte_count:{b}");
    }
}

/// One meter's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeterConfig {
    /// `OFPMF_*`.
    pub flags: u16,
    /// Meter.
    pub meter_id: u32,
    /// Bands.
    pub bands: Vec<Band>,
}

/// Encodes one configuration.
pub fn put_config(mc: &MeterConfig) -> Vec<u8> {
    let mut out = Vec::new();
    out.put_u16((8 + 16 * mc.bands.len()) as u16);
    out.put_u16(mc.flags);
    out.put_u32(mc.meter_id);
    for b in &mc.bands {
        out.put_u16(b.type_);
        out.put_u16(16);
        out.put_u32(b.rate);
        out.put_u32(b.burst_size);
        out.put_u8(b.prec_level);
        out.put_slice(&[0; 3]);
    }
    out
}

fn pull_config(b: &mut &[u8]) -> Result<MeterConfig> {
    if b.len() < 8 {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let len = usize::from(b.get_u16());
    let flags = b.get_u16();
    let meter_id = b.get_u32();
    let blen = len.checked_sub(8).ok_or(OfpError::OFPBRC_BAD_LEN)?;
    if b.len() < blen {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let (mut bb, rest) = b.split_at(blen);
    *b = rest;
    let mut bands = Vec::new();
    while bb.len() >= 16 {
        let type_ = bb.get_u16();
        if bb.get_u16() != 16 {
            return Err(OfpError::OFPBRC_BAD_LEN);
        }
        if type_ != OFPMBT_DROP && type_ != OFPMBT_DSCP_REMARK {
            return Err(OfpError::OFPMMFC_BAD_BAND);
        }
        let rate = bb.get_u32();
        let burst_size = bb.get_u32();
        let prec = bb.get_u8();
        bb.advance(3);
        bands.push(Band {
            type_,
            rate,
            burst_size,
            prec_level: if type_ == OFPMBT_DSCP_REMARK { prec } else { 0 },
        });
    }
    if !bb.is_empty() {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    Ok(MeterConfig {
        flags,
        meter_id,
        bands,
    })
}

/// Configurations until the first bad one, and its error.
pub fn pull_configs(mut b: &[u8]) -> (Vec<MeterConfig>, Option<OfpError>) {
    let mut out = Vec::new();
    while !b.is_empty() {
        match pull_config(&mut b) {
            Ok(x) => out.push(x),
            Err(e) => return (out, Some(e)),
        }
    }
    (out, None)
}

/// Decodes a whole meter config body.
pub fn decode_configs(b: &[u8]) -> Result<Vec<MeterConfig>> {
    match pull_configs(b) {
        (x, None) => Ok(x),
        (_, Some(e)) => Err(e),
    }
}

/// OVS `ofputil_format_meter_config()`.
pub fn format_config(s: &mut String, mc: &MeterConfig) {
    format_meter_id(s, mc.meter_id, '=');
    s.push(' ');
    for (bit, name) in [
        (OFPMF_KBPS, "kbps "),
        (OFPMF_PKTPS, "pktps "),
        (OFPMF_BURST, "burst "),
        (OFPMF_STATS, "stats "),
    ] {
        if mc.flags & bit != 0 {
            s.push_str(name);
        }
    }
    let rest = mc.flags & !0xf;
    if rest != 0 {
        let _ = write!(s, "flags:0x{rest:x} ");
    }
    s.push_str("bands=");
    for b in &mc.bands {
        s.push_str("\ntype=");
        match b.type_ {
            OFPMBT_DROP => s.push_str("drop"),
            OFPMBT_DSCP_REMARK => s.push_str("dscp_remark"),
            t => {
                let _ = write!(s, "{t}");
            }
        }
        let _ = write!(s, " rate={}", b.rate);
        if mc.flags & OFPMF_BURST != 0 {
            let _ = write!(s, " burst_size={}", b.burst_size);
        }
        if b.type_ == OFPMBT_DSCP_REMARK {
            let _ = write!(s, " prec_level={}", b.prec_level);
        }
    }
    s.push('\n');
}

/// Meter capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeterFeatures {
    /// Most meters.
    pub max_meters: u32,
    /// Bit `t`: band type `t` supported.
    pub band_types: u32,
    /// `OFPMF_*` flags supported.
    pub capabilities: u32,
    /// Most bands per meter.
    pub max_bands: u8,
    /// Most colours.
    pub max_color: u8,
}

/// Encodes the features body.
pub fn put_features(f: &MeterFeatures, out: &mut Vec<u8>) {
    out.put_u32(f.max_meters);
    out.put_u32(f.band_types);
    out.put_u32(f.capabilities);
    out.put_u8(f.max_bands);
    out.put_u8(f.max_color);
    out.put_u16(0);
}

/// Decodes the features body.
pub fn decode_features(mut b: &[u8]) -> Result<MeterFeatures> {
    if b.len() != 16 {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    Ok(MeterFeatures {
        max_meters: b.get_u32(),
        band_types: b.get_u32(),
        capabilities: b.get_u32(),
        max_bands: b.get_u8(),
        max_color: b.get_u8(),
    })
}

/// OVS `ofp_print_bit_names()`.
pub(crate) fn bit_names(s: &mut String, bits: u32, name: impl Fn(u32) -> Option<&'static str>) {
    if bits == 0 {
        s.push('0');
        return;
    }
    let mut rest = bits;
    let mut n = 0;
    for i in 0..32 {
        let bit = 1u32 << i;
        if bits & bit != 0 {
            if let Some(nm) = name(bit) {
                if n > 0 {
                    s.push(' ');
                }
                n += 1;
                s.push_str(nm);
                rest &= !bit;
            }
        }
    }
    if rest != 0 {
        if n > 0 {
            s.push(' ');
        }
        let _ = write!(s, "0x{rest:x}");
    }
}

/// OVS `ofputil_format_meter_features()`.
pub fn format_features(s: &mut String, f: &MeterFeatures) {
    let _ = writeln!(
        s,
        "\nmax_meter:{} max_bands:{} max_color:{}",
        f.max_meters, f.max_bands, f.max_color
    );
    s.push_str("band_types: ");
    bit_names(s, f.band_types, |b| match b {
        2 => Some("drop"),
        4 => Some("dscp_remark"),
        _ => None,
    });
    s.push_str("\ncapabilities: ");
    bit_names(s, f.capabilities, |b| match b {
        1 => Some("kbps"),
        2 => Some("pktps"),
        4 => Some("burst"),
        8 => Some("stats"),
        _ => None,
    });
    s.push('\n');
}
