//! Hello (with version negotiation), error, echo, features, switch
//! configuration, barrier, and the small Nicira controller messages.

use std::fmt::Write;

use bytes::{Buf, BufMut};

use super::Raw;
use crate::error::{ErrorCode, OfpError, Result, NXET_VENDOR, OFPET12_EXPERIMENTER};
use crate::print::hex_dump;
use crate::version::Version;

/// Hello element type carrying a version bitmap.
pub const OFPHET_VERSIONBITMAP: u16 = 1;

/// The versions a hello offers: its bitmap element, or every version up to
/// the header's (OVS `ofputil_decode_hello()`). `ok` is false if the hello
/// has elements OVS does not understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hello {
    /// Bit `n` set: wire version `n` is offered.
    pub versions: u32,
    /// Whether every element was understood.
    pub ok: bool,
}

/// Decodes a hello message (whole message bytes).
pub fn decode_hello(d: &[u8]) -> Hello {
    let v = d[0];
    let mut versions = if v >= 31 {
        !1
    } else {
        ((1u32 << (v + 1)) - 1) & !1
    };
    let mut b = &d[8..];
    let mut ok = true;
    while !b.is_empty() {
        if b.len() < 4 {
            return Hello {
                versions,
                ok: false,
            };
        }
        let t = u16::from_be_bytes([b[0], b[1]]);
        let len = usize::from(u16::from_be_bytes([b[2], b[3]]));
        let padded = len.div_ceil(8) * 8;
        if len < 4 || padded > b.len() {
            return Hello {
                versions,
                ok: false,
            };
        }
        let bitmap_len = len - 4;
        if t != OFPHET_VERSIONBITMAP || bitmap_len == 0 || bitmap_len % 4 != 0 {
            ok = false;
        } else {
            let bm = u32::from_be_bytes([b[4], b[5], b[6], b[7]]) & !1;
            if bm == 0 {
                ok = false;
            } else {
                versions = bm;
            }
        }
        b = &b[padded..];
    }
    Hello { versions, ok }
}

/// Encodes a hello offering `versions` (OVS `ofputil_encode_hello()`):
/// the header carries the highest one, and a bitmap element is added
/// unless the set is "1.0 up to the highest".
pub fn encode_hello(versions: u32, xid: u32) -> Vec<u8> {
    let high = 31 - versions.leading_zeros();
    let mut out = Vec::new();
    out.put_u8(high as u8);
    out.put_u8(0);
    out.put_u16(8);
    out.put_u32(xid);
    if !((versions >> 1).wrapping_add(1)).is_power_of_two() {
        out.put_u16(OFPHET_VERSIONBITMAP);
        out.put_u16(8);
        out.put_u32(versions);
    }
    let len = out.len() as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    out
}

/// The version two peers speak: the highest in both bitmaps, or
/// `OFPHFC_INCOMPATIBLE`.
pub fn negotiate(ours: u32, theirs: u32) -> Result<Version> {
    let common = ours & theirs;
    if common == 0 {
        return Err(OfpError::OFPHFC_INCOMPATIBLE);
    }
    Version::from_wire((31 - common.leading_zeros()) as u8).ok_or(OfpError::OFPHFC_INCOMPATIBLE)
}

/// The OFPT_ERROR a switch answers `offending` with: `e` in the request's
/// version (OpenFlow 1.0 for a version rvs does not know) and xid, echoing
/// the whole request as far as it fits in one message (OVS 3.1
/// `ofperr_encode_reply()`; older OVS echoed only 64 bytes).
pub fn error_reply(e: OfpError, offending: &[u8]) -> Vec<u8> {
    let h = crate::header::Header::peek(offending);
    let v = h
        .and_then(|h| Version::from_wire(h.version))
        .unwrap_or(Version::Of10);
    let xid = h.map_or(0, |h| h.xid);
    encode_error(e, v, xid, offending)
}

/// An OFPT_ERROR message for `e` in version `v` carrying `data`.
pub fn encode_error(e: OfpError, v: Version, xid: u32, data: &[u8]) -> Vec<u8> {
    let c = e.code(v);
    let mut out = Vec::new();
    out.put_u8(v.wire());
    out.put_u8(1);
    out.put_u16(0);
    out.put_u32(xid);
    match c.vendor {
        None => {
            out.put_u16(c.type_);
            out.put_u16(c.code);
        }
        Some(vendor) if c.type_ == OFPET12_EXPERIMENTER => {
            out.put_u16(OFPET12_EXPERIMENTER);
            out.put_u16(c.code);
            out.put_u32(vendor);
        }
        Some(vendor) => {
            out.put_u16(NXET_VENDOR);
            out.put_u16(0);
            out.put_u32(vendor);
            out.put_u16(c.type_);
            out.put_u16(c.code);
        }
    }
    // Whatever does not fit in the 16-bit length is left out.
    let room = usize::from(u16::MAX) - out.len();
    out.extend_from_slice(&data[..data.len().min(room)]);
    let len = out.len() as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    out
}

/// Decodes an error message: the error and the payload it carries (OVS
/// `ofperr_decode_msg()`).
pub fn decode_error(d: &[u8]) -> Option<(OfpError, &[u8])> {
    let v = Version::from_wire(d[0])?;
    let mut b = d.get(8..)?;
    if b.len() < 4 {
        return None;
    }
    let type_ = b.get_u16();
    let code = b.get_u16();
    let c = if type_ == NXET_VENDOR && code == 0 {
        if b.len() < 8 {
            return None;
        }
        let vendor = b.get_u32();
        let t = b.get_u16();
        let c = b.get_u16();
        ErrorCode {
            type_: t,
            code: c,
            vendor: Some(vendor),
        }
    } else if type_ == OFPET12_EXPERIMENTER {
        if b.len() < 4 {
            return None;
        }
        ErrorCode {
            type_,
            code,
            vendor: Some(b.get_u32()),
        }
    } else {
        ErrorCode {
            type_,
            code,
            vendor: None,
        }
    };
    Some((OfpError::decode(v, c)?, b))
}

/// Writes ofp-print text for the messages of this module; returns false
/// if `raw` is not one of them.
pub fn format(
    s: &mut String,
    d: &[u8],
    body: &[u8],
    raw: &Raw,
    v: Version,
    verbosity: i32,
) -> Result<bool> {
    match raw.raw {
        "OFPT_HELLO" => {
            let h = decode_hello(d);
            s.push_str("\n version bitmap: ");
            let mut first = true;
            for bit in 0..32 {
                if h.versions & (1 << bit) != 0 {
                    if !first {
                        s.push_str(", ");
                    }
                    first = false;
                    let _ = write!(s, "0x{bit:02x}");
                }
            }
            if !h.ok {
                s.push_str("\n unknown data in hello:\n");
                hex_dump(s, d);
            }
        }
        "OFPT_ERROR" => {
            let (e, payload) = decode_error(d).ok_or(OfpError::OFPBRC_BAD_LEN)?;
            let _ = writeln!(s, " {}", e.name());
            if matches!(e, OfpError::OFPHFC_INCOMPATIBLE | OfpError::OFPHFC_EPERM) {
                for &c in payload {
                    if (32..127).contains(&c) || c == b'\n' {
                        s.push(char::from(c));
                    } else {
                        let _ = write!(s, "\\{c:03o}");
                    }
                }
            } else {
                s.push_str(&crate::ofp_print::ofp_to_string(payload, 1));
            }
        }
        "OFPT_ECHO_REQUEST" | "OFPT_ECHO_REPLY" => {
            let _ = writeln!(s, " {} bytes of payload", d.len() - 8);
            if verbosity > 1 {
                hex_dump(s, &d[8..]);
            }
        }
        "OFPT_FEATURES_REQUEST"
        | "OFPT_GET_CONFIG_REQUEST"
        | "OFPT10_BARRIER_REQUEST"
        | "OFPT11_BARRIER_REQUEST"
        | "OFPT10_BARRIER_REPLY"
        | "OFPT11_BARRIER_REPLY"
        | "OFPT13_GET_ASYNC_REQUEST"
        | "OFPT14_GET_ASYNC_REQUEST" => {
            if body.len() != d.len() - 8 || !body.is_empty() {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
        }
        "OFPT_GET_CONFIG_REPLY" | "OFPT_SET_CONFIG" => {
            if body.len() != 4 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            let flags = u16::from_be_bytes([body[0], body[1]]);
            let miss = u16::from_be_bytes([body[2], body[3]]);
            let mut valid = 3u16;
            if v < Version::Of13 {
                valid |= 4;
            }
            if raw.raw == "OFPT_SET_CONFIG" && flags & !valid != 0 {
                return Err(OfpError::OFPSCFC_BAD_FLAGS);
            }
            let frag = ["normal", "drop", "reassemble", "nx-match"][usize::from(flags & 3)];
            let _ = write!(s, " frags={frag}");
            if v < Version::Of13 && flags & 4 != 0 {
                s.push_str(" invalid_ttl_to_controller");
            }
            let _ = writeln!(s, " miss_send_len={miss}");
        }
        "OFPT10_FEATURES_REPLY" | "OFPT11_FEATURES_REPLY" | "OFPT13_FEATURES_REPLY" => {
            format_features(s, body, raw, v)?;
        }
        "NXT_SET_FLOW_FORMAT" => {
            if body.len() != 4 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            let f = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
            let name = match f {
                0 => "openflow10",
                2 => "nxm",
                _ => "(unknown)",
            };
            let _ = write!(s, " format={name}");
        }
        "NXT_FLOW_MOD_TABLE_ID" => {
            if body.len() != 8 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            let _ = write!(s, " {}", if body[0] != 0 { "enable" } else { "disable" });
        }
        "NXT_SET_PACKET_IN_FORMAT" => {
            if body.len() != 4 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            let f = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
            let name = match f {
                0 => "standard",
                1 => "nxt_packet_in",
                2 => "nxt_packet_in2",
                _ => return Err(OfpError::OFPBRC_EPERM),
            };
            let _ = write!(s, " format={name}");
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Switch features (OVS `ofputil_pull_switch_features()` and
/// `ofputil_switch_features_format()`), without the OpenFlow 1.0 port list.
fn format_features(s: &mut String, body: &[u8], raw: &Raw, v: Version) -> Result<()> {
    if body.len() < 24 {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let mut b = body;
    let dpid = b.get_u64();
    let n_buffers = b.get_u32();
    let n_tables = b.get_u8();
    let aux = b.get_u8();
    b.advance(2);
    let caps_raw = b.get_u32();
    let actions = b.get_u32();
    let (mask, names): (u32, &[(u32, &str)]) = if v == Version::Of10 {
        (
            0xef,
            &[
                (1, "FLOW_STATS"),
                (2, "TABLE_STATS"),
                (4, "PORT_STATS"),
                (8, "STP"),
                (32, "IP_REASM"),
                (64, "QUEUE_STATS"),
                (128, "ARP_MATCH_IP"),
            ],
        )
    } else {
        (
            0x16f,
            &[
                (1, "FLOW_STATS"),
                (2, "TABLE_STATS"),
                (4, "PORT_STATS"),
                (8, "GROUP_STATS"),
                (32, "IP_REASM"),
                (64, "QUEUE_STATS"),
                (256, "PORT_BLOCKED"),
            ],
        )
    };
    let caps = caps_raw & mask;
    let _ = writeln!(s, " dpid:{dpid:016x}");
    let _ = write!(s, "n_tables:{n_tables}, n_buffers:{n_buffers}");
    if raw.raw == "OFPT13_FEATURES_REPLY" && aux != 0 {
        let _ = write!(s, ", auxiliary_id:{aux}");
    }
    s.push('\n');
    s.push_str("capabilities: ");
    let mut parts = Vec::new();
    for &(bit, name) in names {
        if caps & bit != 0 {
            parts.push(name.to_owned());
        }
    }
    let unknown = caps & !names.iter().fold(0, |a, (b, _)| a | b);
    if unknown != 0 {
        parts.push(format!("0x{unknown:x}"));
    }
    s.push_str(&parts.join(" "));
    s.push('\n');
    if raw.raw == "OFPT10_FEATURES_REPLY" && actions != 0 {
        const NAMES: [&str; 12] = [
            "output",
            "set_vlan_vid",
            "set_vlan_pcp",
            "strip_vlan",
            "mod_dl_src",
            "mod_dl_dst",
            "mod_nw_src",
            "mod_nw_dst",
            "mod_nw_tos",
            "mod_tp_src",
            "mod_tp_dst",
            "enqueue",
        ];
        let mut names: Vec<&str> = Vec::new();
        // OVS lists them in its own action order: output, enqueue first.
        for (bit, n) in NAMES.iter().enumerate() {
            if actions & (1 << bit) != 0 && bit == 0 {
                names.push(n);
            }
        }
        if actions & (1 << 11) != 0 {
            names.push("enqueue");
        }
        for (bit, n) in NAMES.iter().enumerate().take(11).skip(1) {
            if actions & (1 << bit) != 0 {
                names.push(n);
            }
        }
        let _ = writeln!(s, "actions: {}", names.join(" "));
    }
    if v == Version::Of10 && !b.is_empty() {
        crate::msg::stats::format_ports(s, b, v)?;
    }
    Ok(())
}
