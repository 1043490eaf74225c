//! Multipart (stats) messages: the requests a controller sends, decoded
//! into [`StatsRequest`] and printed as OVS does.

use std::fmt::Write;

use bytes::Buf;

use super::Raw;
use crate::error::{OfpError, Result};
use crate::field::{access, port_name};
use crate::matches::{nxm, of10, Match, DEFAULT_PRIORITY};
use crate::version::Version;

/// A flow or aggregate statistics request (OVS `ofputil_flow_stats_request`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStatsRequest {
    /// Aggregate rather than per-flow.
    pub aggregate: bool,
    /// Flows to report.
    pub m: Match,
    /// Cookie to match.
    pub cookie: u64,
    /// Bits of the cookie that matter.
    pub cookie_mask: u64,
    /// Only flows that output to this port.
    pub out_port: u32,
    /// Only flows that output to this group.
    pub out_group: u32,
    /// Table, 255 for all.
    pub table_id: u8,
    /// In OpenFlow 1.0, sent as the Nicira form (NXST_FLOW) with an NXM
    /// match rather than the standard one.
    pub nxm: bool,
}

/// A decoded multipart request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsRequest {
    /// Switch description.
    Desc,
    /// Flows or aggregate.
    Flow(Box<FlowStatsRequest>),
    /// Table statistics.
    Table,
    /// Port statistics for a port (ANY for all).
    Port(u32),
    /// Port descriptions.
    PortDesc(u32),
    /// Queue statistics: port, queue.
    Queue(u32, u32),
    /// Group statistics.
    Group(u32),
    /// Group descriptions.
    GroupDesc(u32),
    /// Group features.
    GroupFeatures,
    /// Meter statistics.
    Meter(u32),
    /// Meter configuration.
    MeterConfig(u32),
    /// Meter features.
    MeterFeatures,
    /// Table features (with the tables to set, undecoded).
    TableFeatures(Vec<u8>),
}

/// ` flags=[more]` and unknown multipart flags (OVS `ofp_print_stats()`).
pub fn format_flags(s: &mut String, raw: &Raw, v: Version) {
    let mut flags = raw.stats_flags;
    if flags == 0 {
        return;
    }
    s.push_str(" flags=");
    if (!raw.is_stats_request() || v >= Version::Of13) && flags & 1 != 0 {
        s.push_str("[more]");
        flags &= !1;
    }
    if flags != 0 {
        let _ = write!(s, "[***unknown flags 0x{flags:04x}***]");
    }
}

/// OpenFlow 1.0 physical ports of a features reply.
pub fn format_ports(s: &mut String, b: &[u8], v: Version) -> Result<()> {
    crate::port::format_all(s, b, v)
}

fn port11(p: u32) -> Result<u32> {
    access::port_from_ofp11(p).ok_or(OfpError::OFPBRC_BAD_PORT)
}

fn exact(b: &[u8], n: usize) -> Result<()> {
    if b.len() == n {
        Ok(())
    } else {
        Err(OfpError::OFPBRC_BAD_LEN)
    }
}

/// Decodes the body of a multipart request named by `raw`; `None` for
/// kinds rvs does not decode.
pub fn decode_request(mut b: &[u8], raw: &Raw, v: Version) -> Result<Option<StatsRequest>> {
    let r = match raw.raw {
        "OFPST_DESC_REQUEST" => {
            exact(b, 0)?;
            StatsRequest::Desc
        }
        "OFPST_TABLE_REQUEST" => {
            exact(b, 0)?;
            StatsRequest::Table
        }
        "OFPST10_FLOW_REQUEST" | "OFPST10_AGGREGATE_REQUEST" => {
            exact(b, 44)?;
            let m = of10::RawMatch10::decode(&mut b)?;
            let table_id = b.get_u8();
            b.advance(1);
            StatsRequest::Flow(Box::new(FlowStatsRequest {
                aggregate: raw.raw.contains("AGGREGATE"),
                m: Match::from_of10(&m),
                cookie: 0,
                cookie_mask: 0,
                out_port: b.get_u16().into(),
                out_group: u32::MAX,
                table_id,
                nxm: false,
            }))
        }
        "NXST_FLOW_REQUEST" | "NXST_AGGREGATE_REQUEST" => {
            if b.len() < 8 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            let out_port = b.get_u16().into();
            let match_len = usize::from(b.get_u16());
            let table_id = b.get_u8();
            b.advance(3);
            let padded = match_len.div_ceil(8) * 8;
            if b.len() < padded {
                return Err(OfpError::OFPBMC_BAD_LEN);
            }
            let d = nxm::decode(&b[..match_len], true)?;
            if b.len() != padded {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            StatsRequest::Flow(Box::new(FlowStatsRequest {
                aggregate: raw.raw.contains("AGGREGATE"),
                m: d.m,
                cookie: d.cookie,
                cookie_mask: d.cookie_mask,
                out_port,
                out_group: u32::MAX,
                table_id,
                nxm: true,
            }))
        }
        "OFPST11_FLOW_REQUEST" | "OFPST11_AGGREGATE_REQUEST" | "OFPST15_AGGREGATE_REQUEST" => {
            if b.len() < 32 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            let table_id = b.get_u8();
            b.advance(3);
            let out_port = port11(b.get_u32())?;
            let out_group = b.get_u32();
            b.advance(4);
            let cookie = b.get_u64();
            let cookie_mask = b.get_u64();
            let m = nxm::decode_oxm_match(&mut b)?;
            if !b.is_empty() {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            StatsRequest::Flow(Box::new(FlowStatsRequest {
                aggregate: raw.raw.contains("AGGREGATE"),
                m,
                cookie,
                cookie_mask,
                out_port,
                out_group,
                table_id,
                nxm: false,
            }))
        }
        "OFPST10_PORT_REQUEST" => {
            exact(b, 8)?;
            StatsRequest::Port(b.get_u16().into())
        }
        "OFPST11_PORT_REQUEST" => {
            exact(b, 8)?;
            StatsRequest::Port(port11(b.get_u32())?)
        }
        "OFPST10_PORT_DESC_REQUEST" => {
            exact(b, 0)?;
            StatsRequest::PortDesc(crate::actions::port::ANY)
        }
        "OFPST15_PORT_DESC_REQUEST" => {
            exact(b, 8)?;
            StatsRequest::PortDesc(port11(b.get_u32())?)
        }
        "OFPST10_QUEUE_REQUEST" => {
            exact(b, 8)?;
            let p = match u32::from(b.get_u16()) {
                crate::actions::port::ALL => crate::actions::port::ANY,
                p => p,
            };
            b.advance(2);
            StatsRequest::Queue(p, b.get_u32())
        }
        "OFPST11_QUEUE_REQUEST" => {
            exact(b, 8)?;
            let p = match port11(b.get_u32())? {
                crate::actions::port::ALL => crate::actions::port::ANY,
                p => p,
            };
            StatsRequest::Queue(p, b.get_u32())
        }
        "OFPST11_GROUP_REQUEST" | "NXST_GROUP_REQUEST" => {
            exact(b, 8)?;
            StatsRequest::Group(b.get_u32())
        }
        "OFPST11_GROUP_DESC_REQUEST" => {
            exact(b, 0)?;
            StatsRequest::GroupDesc(0xffff_fffc)
        }
        "NXST_GROUP_DESC_REQUEST" => {
            exact(b, 8)?;
            StatsRequest::GroupDesc(b.get_u32())
        }
        "OFPST15_GROUP_DESC_REQUEST" => {
            exact(b, 8)?;
            StatsRequest::GroupDesc(b.get_u32())
        }
        "OFPST12_GROUP_FEATURES_REQUEST" | "NXST_GROUP_FEATURES_REQUEST" => {
            exact(b, 0)?;
            StatsRequest::GroupFeatures
        }
        "OFPST13_METER_REQUEST" | "OFPST13_METER_CONFIG_REQUEST" => {
            exact(b, 8)?;
            let id = b.get_u32();
            if raw.raw.contains("CONFIG") {
                StatsRequest::MeterConfig(id)
            } else {
                StatsRequest::Meter(id)
            }
        }
        "OFPST13_METER_FEATURES_REQUEST" => {
            exact(b, 0)?;
            StatsRequest::MeterFeatures
        }
        "OFPST13_TABLE_FEATURES_REQUEST" => StatsRequest::TableFeatures(b.to_vec()),
        _ => return Ok(None),
    };
    let _ = v;
    Ok(Some(r))
}

fn group_name(g: u32) -> String {
    match g {
        0xffff_ffff => "ANY".into(),
        0xffff_fffc => "ALL".into(),
        g => g.to_string(),
    }
}

/// Multipart bodies rvs prints; others print nothing.
pub fn format(s: &mut String, body: &[u8], raw: &Raw, v: Version, _verbosity: i32) -> Result<()> {
    use crate::flow_stats::{self as fs, Raw as FsRaw};
    let flow_raw = match raw.raw {
        "OFPST10_FLOW_REPLY" => Some(FsRaw::Of10),
        "NXST_FLOW_REPLY" => Some(FsRaw::Nx),
        "OFPST11_FLOW_REPLY" | "OFPST13_FLOW_REPLY" => Some(FsRaw::Of11),
        _ => None,
    };
    if let Some(fr) = flow_raw {
        let flows = fs::decode_reply(body, v, fr)?;
        s.push_str(&fs::format_reply(&flows));
        return Ok(());
    }
    if matches!(raw.raw, "OFPST_AGGREGATE_REPLY" | "NXST_AGGREGATE_REPLY") {
        s.push_str(&fs::format_aggregate(&fs::decode_aggregate(body)?));
        return Ok(());
    }
    if matches!(
        raw.raw,
        "OFPST10_PORT_DESC_REPLY" | "OFPST11_PORT_DESC_REPLY" | "OFPST14_PORT_DESC_REPLY"
    ) {
        s.push('\n');
        return crate::port::format_all(s, body, v);
    }
    let Some(r) = decode_request(body, raw, v)? else {
        return Ok(());
    };
    match r {
        StatsRequest::Flow(f) => {
            if f.table_id != 0xff {
                let _ = write!(s, " table={}", f.table_id);
            }
            if f.out_port != crate::actions::port::ANY {
                let _ = write!(s, " out_port={}", port_name(f.out_port));
            }
            s.push(' ');
            let _ = write!(s, "{}", f.m.display(DEFAULT_PRIORITY));
        }
        StatsRequest::Port(p) => {
            let _ = write!(s, " port_no={}", port_name(p));
        }
        StatsRequest::PortDesc(p) => {
            let _ = write!(s, " port={}", port_name(p));
        }
        StatsRequest::Queue(p, q) => {
            let _ = write!(s, " port={} queue=", port_name(p));
            if q == u32::MAX {
                s.push_str("ALL");
            } else {
                let _ = write!(s, "{q}");
            }
        }
        StatsRequest::Group(g) | StatsRequest::GroupDesc(g) => {
            let _ = write!(s, " group_id={}", group_name(g));
        }
        StatsRequest::Meter(m) | StatsRequest::MeterConfig(m) => {
            s.push(' ');
            crate::meter::format_meter_id(s, m, '=');
        }
        _ => {}
    }
    Ok(())
}

/// Encodes a whole multipart request message.
pub fn encode_request(r: &StatsRequest, v: Version, xid: u32) -> Vec<u8> {
    use bytes::BufMut;
    let of10 = v == Version::Of10;
    let mut out = Vec::new();
    out.put_u8(v.wire());
    out.put_u8(if of10 { 16 } else { 18 });
    out.put_u16(0);
    out.put_u32(xid);
    let stats_header = |out: &mut Vec<u8>, t: u16| {
        out.put_u16(t);
        out.put_u16(0);
        if !of10 {
            out.put_u32(0);
        }
    };
    let p11 = access::port_to_ofp11;
    match r {
        StatsRequest::Desc => stats_header(&mut out, 0),
        StatsRequest::Table => stats_header(&mut out, 3),
        StatsRequest::Flow(f) => {
            let t = if f.aggregate { 2 } else { 1 };
            if of10 && f.nxm {
                stats_header(&mut out, 0xffff);
                out.put_u32(crate::error::NX_VENDOR_ID);
                out.put_u32(u32::from(f.aggregate));
                out.put_u32(0);
                out.put_u16(f.out_port as u16);
                let len_at = out.len();
                out.put_u16(0);
                out.put_u8(f.table_id);
                out.put_slice(&[0; 3]);
                let start = out.len();
                let n = nxm::encode(&mut out, &f.m, None, f.cookie, f.cookie_mask);
                out[len_at..len_at + 2].copy_from_slice(&(n as u16).to_be_bytes());
                nxm::pad8(&mut out, start);
            } else if of10 {
                stats_header(&mut out, t);
                f.m.to_of10().encode(&mut out);
                out.put_u8(f.table_id);
                out.put_u8(0);
                out.put_u16(f.out_port as u16);
            } else {
                stats_header(&mut out, t);
                out.put_u8(f.table_id);
                out.put_slice(&[0; 3]);
                out.put_u32(p11(f.out_port));
                out.put_u32(f.out_group);
                out.put_u32(0);
                out.put_u64(f.cookie);
                out.put_u64(f.cookie_mask);
                nxm::encode_oxm_match(&mut out, &f.m, v);
            }
        }
        StatsRequest::Port(p) => {
            stats_header(&mut out, 4);
            if of10 {
                out.put_u16(*p as u16);
                out.put_slice(&[0; 6]);
            } else {
                out.put_u32(p11(*p));
                out.put_u32(0);
            }
        }
        StatsRequest::PortDesc(p) => {
            stats_header(&mut out, 13);
            if v >= Version::Of15 {
                out.put_u32(p11(*p));
                out.put_u32(0);
            }
        }
        StatsRequest::Queue(p, q) => {
            stats_header(&mut out, 5);
            if of10 {
                out.put_u16(*p as u16);
                out.put_u16(0);
            } else {
                out.put_u32(p11(*p));
            }
            out.put_u32(*q);
        }
        StatsRequest::Group(g) => {
            if of10 {
                stats_header(&mut out, 0xffff);
                out.put_u32(crate::error::NX_VENDOR_ID);
                out.put_u32(7);
                out.put_u32(0);
            } else {
                stats_header(&mut out, 6);
            }
            out.put_u32(*g);
            out.put_u32(0);
        }
        StatsRequest::GroupDesc(g) => {
            if of10 {
                stats_header(&mut out, 0xffff);
                out.put_u32(crate::error::NX_VENDOR_ID);
                out.put_u32(8);
                out.put_u32(0);
                out.put_u32(*g);
                out.put_u32(0);
            } else {
                stats_header(&mut out, 7);
                if v >= Version::Of15 {
                    out.put_u32(*g);
                    out.put_u32(0);
                }
            }
        }
        StatsRequest::GroupFeatures => {
            if of10 {
                stats_header(&mut out, 0xffff);
                out.put_u32(crate::error::NX_VENDOR_ID);
                out.put_u32(9);
                out.put_u32(0);
            } else {
                stats_header(&mut out, 8);
            }
        }
        StatsRequest::Meter(m) | StatsRequest::MeterConfig(m) => {
            stats_header(
                &mut out,
                if matches!(r, StatsRequest::Meter(_)) {
                    9
                } else {
                    10
                },
            );
            out.put_u32(*m);
            out.put_u32(0);
        }
        StatsRequest::MeterFeatures => stats_header(&mut out, 11),
        StatsRequest::TableFeatures(b) => {
            stats_header(&mut out, 12);
            out.extend_from_slice(b);
        }
    }
    let len = out.len() as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    out
}
