//! OpenFlow messages: identification of raw messages in every version,
//! version-independent bodies, and their text (`ofp-print`).
//!
//! - [`basic`]: hello, error, echo, features, switch config, barrier, and
//!   the small Nicira controller messages;
//! - [`stats`]: multipart (stats) requests and replies.

pub mod basic;
pub mod message;
mod raw_lengths;
mod raw_table;
pub mod stats;

use crate::error::{OfpError, Result, NX_VENDOR_ID, ONF_VENDOR_ID};
use crate::flow_mod;
use crate::header::Header;

/// What a message is, by its family and OVS raw name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raw {
    /// Family: `OFPT`, `OFPST`, `NXT`, `NXST`, `ONFT`, `ONFST`.
    pub family: &'static str,
    /// OVS raw name (`OFPT11_FLOW_MOD`, `OFPST13_FLOW_REPLY`, ...).
    pub raw: &'static str,
    /// Bytes of header before the body (8 for plain messages, 12/16 for
    /// multipart, 16 for vendor messages, 24 for vendor multipart).
    pub body_ofs: usize,
    /// Multipart flags (0 for other messages).
    pub stats_flags: u16,
}

impl Raw {
    /// The name ofp-print shows: version digits dropped, multipart
    /// `_REQUEST`/`_REPLY` spelled ` request`/` reply`.
    pub fn name(&self) -> String {
        let raw = self.raw;
        let (fam, rest) = raw.split_once('_').expect("raw names have a family");
        let fam: String = fam.chars().filter(|c| !c.is_ascii_digit()).collect();
        let mut name = format!("{fam}_{rest}");
        if fam.ends_with("ST") {
            if let Some(n) = name.strip_suffix("_REQUEST") {
                name = format!("{n} request");
            } else if let Some(n) = name.strip_suffix("_REPLY") {
                name = format!("{n} reply");
            }
        }
        name
    }

    /// True for a multipart request.
    pub fn is_stats_request(&self) -> bool {
        self.family.ends_with("ST") && self.raw.ends_with("_REQUEST")
    }
}

fn lookup(family: &str, v: u8, num: u32, want_reply: Option<bool>) -> Option<&'static str> {
    raw_table::RAWS.lines().find_map(|l| {
        let mut it = l.split(' ');
        let (fam, lo, hi, n, raw) = (it.next()?, it.next()?, it.next()?, it.next()?, it.next()?);
        let ok = fam == family
            && lo.parse::<u8>().ok()? <= v
            && v <= hi.parse::<u8>().ok()?
            && n.parse::<u32>().ok()? == num
            && want_reply.is_none_or(|r| raw.ends_with("_REPLY") == r);
        ok.then_some(raw)
    })
}

fn be16(d: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([d[at], d[at + 1]])
}

fn be32(d: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]])
}

/// Identifies the message in `d` (OVS `ofpraw_decode()`); with `partial`,
/// only the bytes present are needed (for truncated messages).
pub fn identify(d: &[u8], partial: bool) -> Result<Raw> {
    let h = Header::peek(d).ok_or(OfpError::OFPBRC_BAD_LEN)?;
    // OVS's raw message table has nothing for an unknown version, so the
    // type is what is "not supported" (`ofpraw_decode()`); a connection
    // answers such a message with OFPBRC_BAD_VERSION instead (see
    // `message::decode`).
    let v = h
        .ofp_version()
        .map_err(|_| OfpError::OFPBRC_BAD_TYPE)?
        .wire();
    let len = if partial {
        d.len()
    } else {
        usize::from(h.length)
    };
    let need = |n: usize| {
        if len < n {
            Err(OfpError::OFPBRC_BAD_LEN)
        } else {
            Ok(())
        }
    };
    let of10 = v == 1;
    let (stats_req, stats_rep) = if of10 { (16, 17) } else { (18, 19) };
    let t = h.type_;
    if t == 4 {
        need(16)?;
        let vendor = be32(d, 8);
        let sub = be32(d, 12);
        let family = match vendor {
            NX_VENDOR_ID => "NXT",
            ONF_VENDOR_ID => "ONFT",
            _ => return Err(OfpError::OFPBRC_BAD_VENDOR),
        };
        let raw = lookup(family, v, sub, None).ok_or(OfpError::OFPBRC_BAD_SUBTYPE)?;
        check_len(raw, 16, len, partial)?;
        return Ok(Raw {
            family,
            raw,
            body_ofs: 16,
            stats_flags: 0,
        });
    }
    if t == stats_req || t == stats_rep {
        let hdr = if of10 { 12 } else { 16 };
        need(hdr)?;
        let st = be16(d, 8);
        let flags = be16(d, 10);
        let reply = t == stats_rep;
        if st == 0xffff {
            // Vendor, subtype and (OpenFlow 1.0) 4 bytes of padding. As
            // OVS's `ofphdrs_decode()`: OpenFlow 1.0 reads the vendor before
            // it needs the subtype, and knows only Nicira's.
            need(if of10 { 16 } else { 24 })?;
            let vendor = be32(d, hdr);
            let family = match vendor {
                NX_VENDOR_ID => "NXST",
                ONF_VENDOR_ID if !of10 => "ONFST",
                _ => return Err(OfpError::OFPBRC_BAD_VENDOR),
            };
            need(24)?;
            let sub = be32(d, hdr + 4);
            let raw = lookup(family, v, sub, Some(reply)).ok_or(OfpError::OFPBRC_BAD_SUBTYPE)?;
            check_len(raw, 24, len, partial)?;
            return Ok(Raw {
                family,
                raw,
                body_ofs: 24,
                stats_flags: flags,
            });
        }
        let raw =
            lookup("OFPST", v, u32::from(st), Some(reply)).ok_or(OfpError::OFPBRC_BAD_STAT)?;
        check_len(raw, hdr, len, partial)?;
        return Ok(Raw {
            family: "OFPST",
            raw,
            body_ofs: hdr,
            stats_flags: flags,
        });
    }
    let raw = lookup("OFPT", v, u32::from(t), None).ok_or(OfpError::OFPBRC_BAD_TYPE)?;
    check_len(raw, 8, len, partial)?;
    Ok(Raw {
        family: "OFPT",
        raw,
        body_ofs: 8,
        stats_flags: 0,
    })
}

/// OVS's length rule for `raw` (see [`raw_lengths`]), `hdrs` bytes of
/// headers included; not checked for a partial message.
fn check_len(raw: &str, hdrs: usize, len: usize, partial: bool) -> Result<()> {
    let Some(&(_, min, multiple)) = raw_lengths::LENGTHS.iter().find(|l| l.0 == raw) else {
        return Ok(());
    };
    let min = hdrs + usize::from(min);
    let ok = partial
        || match multiple {
            0 => len == min,
            m => len >= min && (len - min) % usize::from(m) == 0,
        };
    if ok {
        Ok(())
    } else {
        Err(OfpError::OFPBRC_BAD_LEN)
    }
}

/// The body text of a whole message at `verbosity` (OVS
/// `ofp_to_string__()`); messages whose bodies rvs does not print yet show
/// only their header line.
pub fn format_body(d: &[u8], raw: &Raw, verbosity: i32) -> Result<String> {
    let mut s = String::new();
    format_body_into(&mut s, d, raw, verbosity)?;
    Ok(s)
}

/// [`format_body`] into `s`, which keeps what was printed before an error
/// (OVS prints the entries of a reply that decode before a bad one).
pub fn format_body_into(s: &mut String, d: &[u8], raw: &Raw, verbosity: i32) -> Result<()> {
    let h = Header::peek(d).ok_or(OfpError::OFPBRC_BAD_LEN)?;
    let v = h.ofp_version()?;
    let body = &d[raw.body_ofs.min(d.len())..];
    if raw.family.ends_with("ST") {
        stats::format_flags(s, raw, v);
    }
    match raw.raw {
        "OFPT10_FLOW_MOD" | "OFPT11_FLOW_MOD" | "NXT_FLOW_MOD" => {
            let kind = match raw.raw {
                "OFPT10_FLOW_MOD" => flow_mod::Raw::Of10,
                "NXT_FLOW_MOD" => flow_mod::Raw::Nx,
                _ => flow_mod::Raw::Of11,
            };
            let fm = flow_mod::decode(body, v, kind)?;
            let raw_match = match kind {
                flow_mod::Raw::Of10 if verbosity >= 3 => {
                    let mut b = body;
                    Some(crate::matches::of10::RawMatch10::decode(&mut b)?.to_text(verbosity))
                }
                flow_mod::Raw::Nx if verbosity >= 3 => {
                    let len = usize::from(be16(body, 24));
                    Some(crate::matches::nxm::match_to_string(&body[32..32 + len]))
                }
                _ => None,
            };
            s.push_str(&flow_mod::format_verbose(&fm, v, raw_match));
        }
        "OFPT11_GROUP_MOD" | "OFPT15_GROUP_MOD" | "NXT_GROUP_MOD" => {
            let gm = crate::group::decode(body, v, raw.raw != "OFPT11_GROUP_MOD")?;
            s.push_str(&crate::group::format(&gm, v));
        }
        "NXT_PACKET_IN2" | "NXT_RESUME" => {
            s.push_str(&crate::packet_in2::format(body, v, verbosity)?);
        }
        "OFPT10_PACKET_IN" | "OFPT11_PACKET_IN" | "OFPT12_PACKET_IN" | "OFPT13_PACKET_IN"
        | "NXT_PACKET_IN" => {
            let kind = match raw.raw {
                "OFPT10_PACKET_IN" => crate::packet_in::Raw::Of10,
                "OFPT11_PACKET_IN" => crate::packet_in::Raw::Of11,
                "OFPT12_PACKET_IN" => crate::packet_in::Raw::Of12,
                "OFPT13_PACKET_IN" => crate::packet_in::Raw::Of13,
                _ => crate::packet_in::Raw::Nx,
            };
            let pin = crate::packet_in::decode(body, kind)?;
            s.push_str(&crate::packet_in::format(&pin, verbosity));
        }
        "OFPT10_PORT_STATUS" | "OFPT11_PORT_STATUS" | "OFPT14_PORT_STATUS" => {
            let ps = crate::port::decode_status(body, v)?;
            s.push_str(&crate::port::format_status(&ps));
        }
        "OFPT10_PACKET_OUT" | "OFPT11_PACKET_OUT" | "OFPT15_PACKET_OUT" => {
            let po = crate::packet_out::decode(body, v)?;
            s.push_str(&crate::packet_out::format(&po, verbosity));
        }
        "OFPT10_PORT_MOD" | "OFPT11_PORT_MOD" | "OFPT14_PORT_MOD" => {
            let pm = crate::switch_mods::decode_port_mod_loose(body, v)?;
            s.push_str(&crate::switch_mods::format_port_mod(&pm));
        }
        "OFPT11_TABLE_MOD" | "OFPT14_TABLE_MOD" => {
            s.push_str(&crate::switch_mods::format_table_mod(body, v)?);
        }
        "OFPT14_BUNDLE_CONTROL" | "ONFT13_BUNDLE_CONTROL" => {
            s.push_str(&crate::switch_mods::format_bundle_ctrl(body)?);
        }
        "OFPT14_BUNDLE_ADD_MESSAGE" | "ONFT13_BUNDLE_ADD_MESSAGE" => {
            s.push_str(&crate::switch_mods::format_bundle_add(body, d, verbosity)?);
        }
        "OFPT10_FLOW_REMOVED"
        | "OFPT11_FLOW_REMOVED"
        | "OFPT15_FLOW_REMOVED"
        | "NXT_FLOW_REMOVED" => {
            use crate::controller::FlowRemovedRaw as F;
            let kind = match raw.raw {
                "OFPT10_FLOW_REMOVED" => F::Of10,
                "NXT_FLOW_REMOVED" => F::Nx,
                _ => F::Of11,
            };
            let fr = crate::controller::decode_flow_removed(body, v, kind)?;
            s.push_str(&crate::controller::format_flow_removed(&fr));
        }
        "OFPT12_ROLE_REQUEST" | "OFPT12_ROLE_REPLY" | "NXT_ROLE_REQUEST" | "NXT_ROLE_REPLY" => {
            let r = crate::controller::decode_role(
                body,
                raw.family == "NXT",
                raw.raw.ends_with("REPLY"),
            )?;
            s.push_str(&crate::controller::format_role(&r));
        }
        "OFPT14_ROLE_STATUS" | "ONFT13_ROLE_STATUS" => {
            let r = crate::controller::decode_role_status(body)?;
            s.push_str(&crate::controller::format_role_status(&r));
        }
        "OFPT13_SET_ASYNC"
        | "NXT_SET_ASYNC_CONFIG"
        | "OFPT13_GET_ASYNC_REPLY"
        | "OFPT14_SET_ASYNC"
        | "OFPT14_GET_ASYNC_REPLY"
        | "NXT_SET_ASYNC_CONFIG2" => {
            let props = matches!(
                raw.raw,
                "OFPT14_SET_ASYNC" | "OFPT14_GET_ASYNC_REPLY" | "NXT_SET_ASYNC_CONFIG2"
            );
            let ac = crate::controller::decode_async(
                body,
                v,
                props,
                raw.raw.ends_with("REPLY"),
                &Default::default(),
            )?;
            s.push_str(&crate::controller::format_async(&ac));
        }
        "OFPT13_METER_MOD" => {
            let mm = crate::meter::decode(body)?;
            s.push_str(&crate::meter::format(&mm));
        }
        _ if raw.family.ends_with("ST") && !raw.is_stats_request() => {
            // Replies print what decodes before an error, so the text so
            // far goes back with the error.
            crate::reply::format(s, body, raw, v, verbosity)?;
        }
        _ => {
            if !basic::format(s, d, body, raw, v, verbosity)? {
                stats::format(s, body, raw, v, verbosity)?;
            }
        }
    }
    Ok(())
}
