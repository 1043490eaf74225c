//! Meters: OFPT_METER_MOD (OpenFlow 1.3+) as a version-independent
//! [`MeterMod`], encoded, decoded and printed as OVS does (`lib/ofp-meter.c`).

use std::fmt::Write;

use bytes::{Buf, BufMut};

use crate::error::{OfpError, Result};
use crate::version::Version;

/// Meter flag: rate in kb/s.
pub const OFPMF_KBPS: u16 = 1;
/// Meter flag: rate in packets/s.
pub const OFPMF_PKTPS: u16 = 2;
/// Meter flag: use burst sizes.
pub const OFPMF_BURST: u16 = 4;
/// Meter flag: collect statistics.
pub const OFPMF_STATS: u16 = 8;

/// Band type: drop.
pub const OFPMBT_DROP: u16 = 1;
/// Band type: remark DSCP.
pub const OFPMBT_DSCP_REMARK: u16 = 2;

/// One meter band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    /// `OFPMBT_*`.
    pub type_: u16,
    /// Rate.
    pub rate: u32,
    /// Burst size.
    pub burst_size: u32,
    /// DSCP precedence increase for remark bands.
    pub prec_level: u8,
}

/// A meter-mod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeterMod {
    /// 0 add, 1 modify, 2 delete.
    pub command: u16,
    /// `OFPMF_*`.
    pub flags: u16,
    /// Meter ID.
    pub meter_id: u32,
    /// Bands.
    pub bands: Vec<Band>,
}

/// Decodes a meter-mod body (after the header), OVS
/// `ofputil_decode_meter_mod()`.
pub fn decode(mut b: &[u8]) -> Result<MeterMod> {
    if b.len() < 8 {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let command = b.get_u16();
    let flags = b.get_u16();
    let meter_id = b.get_u32();
    if command > 2 {
        return Err(OfpError::OFPMMFC_BAD_COMMAND);
    }
    let mut mm = MeterMod {
        command,
        flags: 0,
        meter_id,
        bands: Vec::new(),
    };
    if command == 2 {
        return Ok(mm);
    }
    if flags & OFPMF_KBPS != 0 && flags & OFPMF_PKTPS != 0 {
        return Err(OfpError::OFPMMFC_BAD_FLAGS);
    }
    mm.flags = flags;
    while b.len() >= 16 {
        let type_ = b.get_u16();
        let len = b.get_u16();
        if len != 16 {
            return Err(OfpError::OFPBRC_BAD_LEN);
        }
        if type_ != OFPMBT_DROP && type_ != OFPMBT_DSCP_REMARK {
            return Err(OfpError::OFPMMFC_BAD_BAND);
        }
        let rate = b.get_u32();
        let burst_size = b.get_u32();
        let prec = b.get_u8();
        b.advance(3);
        mm.bands.push(Band {
            type_,
            rate,
            burst_size,
            prec_level: if type_ == OFPMBT_DSCP_REMARK { prec } else { 0 },
        });
    }
    if !b.is_empty() {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    Ok(mm)
}

/// Encodes a whole OFPT_METER_MOD message.
pub fn encode(mm: &MeterMod, v: Version, xid: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.put_u8(v.wire());
    out.put_u8(29);
    out.put_u16(0);
    out.put_u32(xid);
    out.put_u16(mm.command);
    out.put_u16(mm.flags);
    out.put_u32(mm.meter_id);
    for b in &mm.bands {
        out.put_u16(b.type_);
        out.put_u16(16);
        out.put_u32(b.rate);
        out.put_u32(b.burst_size);
        out.put_u8(b.prec_level);
        out.put_slice(&[0; 3]);
    }
    let len = out.len() as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    out
}

/// `meter=N` or the name of a reserved meter (OVS `ofputil_format_meter_id()`).
pub fn format_meter_id(s: &mut String, id: u32, sep: char) {
    let name = match id {
        0..=0xffff_0000 => {
            let _ = write!(s, "meter{sep}{id}");
            return;
        }
        0xffff_fffd => "slowpath",
        0xffff_fffe => "controller",
        0xffff_ffff => "all",
        _ => "unknown",
    };
    let _ = write!(s, "meter{sep}{name}");
}

/// The ofp-print body of a meter-mod.
pub fn format(mm: &MeterMod) -> String {
    let mut s = String::new();
    match mm.command {
        0 => s.push_str(" ADD "),
        1 => s.push_str(" MOD "),
        2 => s.push_str(" DEL "),
        c => {
            let _ = write!(s, " cmd:{c} ");
        }
    }
    format_meter_id(&mut s, mm.meter_id, '=');
    s.push(' ');
    for (bit, name) in [
        (OFPMF_KBPS, "kbps "),
        (OFPMF_PKTPS, "pktps "),
        (OFPMF_BURST, "burst "),
        (OFPMF_STATS, "stats "),
    ] {
        if mm.flags & bit != 0 {
            s.push_str(name);
        }
    }
    let rest = mm.flags & !0xf;
    if rest != 0 {
        let _ = write!(s, "flags:0x{rest:x} ");
    }
    s.push_str("bands=");
    for b in &mm.bands {
        s.push_str("\ntype=");
        match b.type_ {
            OFPMBT_DROP => s.push_str("drop"),
            OFPMBT_DSCP_REMARK => s.push_str("dscp_remark"),
            t => {
                let _ = write!(s, "{t}");
            }
        }
        let _ = write!(s, " rate={}", b.rate);
        if mm.flags & OFPMF_BURST != 0 {
            let _ = write!(s, " burst_size={}", b.burst_size);
        }
        if b.type_ == OFPMBT_DSCP_REMARK {
            let _ = write!(s, " prec_level={}", b.prec_level);
        }
    }
    s.push('\n');
    s
}
