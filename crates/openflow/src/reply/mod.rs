//! Multipart (stats) replies: what a switch answers each multipart request
//! with, as version-independent values ([`StatsReply`]), encoded for the
//! negotiated version, decoded from any version, and printed as
//! `ovs-ofctl ofp-print` does (OVS `ofputil_*_stats` and their formats).
//!
//! A switch builds a [`StatsReply`] and calls [`encode_parts`], which
//! splits long replies into messages of at most 65535 bytes with the
//! "more" flag set on all but the last.

pub mod bitmaps;
pub mod counters;
pub mod group;
pub mod meter;
pub mod table;

use std::fmt::Write;

use bytes::BufMut;

use crate::error::{OfpError, Result, NX_VENDOR_ID};
use crate::flow_stats::{self, AggregateStats, FlowStats};
use crate::msg::Raw;
use crate::port::PhyPort;
use crate::version::Version;

pub use counters::{PortStats, QueueStats};
pub use group::{GroupDesc, GroupFeatures, GroupStats};
pub use meter::{MeterConfig, MeterFeatures, MeterStats};
pub use table::{TableFeatures, TableStats};

/// `OFPSF_REPLY_MORE`: more reply messages follow.
pub const MORE: u16 = 1;

/// Switch description (`OFPST_DESC` reply).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Desc {
    /// Manufacturer.
    pub mfr_desc: String,
    /// Hardware.
    pub hw_desc: String,
    /// Software.
    pub sw_desc: String,
    /// Serial number.
    pub serial_num: String,
    /// Datapath description.
    pub dp_desc: String,
}

const DESC_LENS: [usize; 5] = [256, 256, 256, 32, 256];

/// A decoded multipart reply body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsReply {
    /// Switch description.
    Desc(Desc),
    /// Flows; in OpenFlow 1.0 `nx` selects the Nicira form (NXST_FLOW).
    Flow {
        /// The flows.
        flows: Vec<FlowStats>,
        /// Nicira form in OpenFlow 1.0.
        nx: bool,
    },
    /// Aggregate statistics; `nx` as for [`StatsReply::Flow`].
    Aggregate {
        /// The totals.
        stats: AggregateStats,
        /// Nicira form in OpenFlow 1.0.
        nx: bool,
    },
    /// Table statistics (with the features OpenFlow 1.0 carries).
    Table(Vec<TableStats>),
    /// Port statistics.
    Port(Vec<PortStats>),
    /// Port descriptions.
    PortDesc(Vec<PhyPort>),
    /// Queue statistics.
    Queue(Vec<QueueStats>),
    /// Group statistics.
    Group(Vec<GroupStats>),
    /// Group descriptions.
    GroupDesc(Vec<GroupDesc>),
    /// Group features.
    GroupFeatures(GroupFeatures),
    /// Meter statistics.
    Meter(Vec<MeterStats>),
    /// Meter configurations.
    MeterConfig(Vec<MeterConfig>),
    /// Meter features.
    MeterFeatures(MeterFeatures),
    /// Table features.
    TableFeatures(Vec<TableFeatures>),
}

/// Where the body of a reply of one kind starts, and how its header is
/// written: a standard multipart type or a Nicira subtype.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Std(u16),
    Nx(u32),
}

fn kind(r: &StatsReply, v: Version) -> Kind {
    let of10 = v == Version::Of10;
    match r {
        StatsReply::Desc(_) => Kind::Std(0),
        StatsReply::Flow { nx: true, .. } if of10 => Kind::Nx(0),
        StatsReply::Flow { .. } => Kind::Std(1),
        StatsReply::Aggregate { nx: true, .. } if of10 => Kind::Nx(1),
        StatsReply::Aggregate { .. } => Kind::Std(2),
        StatsReply::Table(_) => Kind::Std(3),
        StatsReply::Port(_) => Kind::Std(4),
        StatsReply::Queue(_) => Kind::Std(5),
        StatsReply::Group(_) if of10 => Kind::Nx(7),
        StatsReply::Group(_) => Kind::Std(6),
        StatsReply::GroupDesc(_) if of10 => Kind::Nx(8),
        StatsReply::GroupDesc(_) => Kind::Std(7),
        StatsReply::GroupFeatures(_) if v < Version::Of12 => Kind::Nx(9),
        StatsReply::GroupFeatures(_) => Kind::Std(8),
        StatsReply::Meter(_) => Kind::Std(9),
        StatsReply::MeterConfig(_) => Kind::Std(10),
        StatsReply::MeterFeatures(_) => Kind::Std(11),
        StatsReply::TableFeatures(_) => Kind::Std(12),
        StatsReply::PortDesc(_) => Kind::Std(13),
    }
}

/// The multipart reply header (with the Nicira vendor header when `k` is
/// a Nicira kind), length left 0.
fn header(v: Version, xid: u32, k: Kind, flags: u16) -> Vec<u8> {
    let of10 = v == Version::Of10;
    let mut out = Vec::with_capacity(64);
    out.put_u8(v.wire());
    out.put_u8(if of10 { 17 } else { 19 });
    out.put_u16(0);
    out.put_u32(xid);
    let t = match k {
        Kind::Std(t) => t,
        Kind::Nx(_) => 0xffff,
    };
    out.put_u16(t);
    out.put_u16(flags);
    if !of10 {
        out.put_u32(0);
    }
    if let Kind::Nx(sub) = k {
        out.put_u32(NX_VENDOR_ID);
        out.put_u32(sub);
        if of10 {
            out.put_u32(0);
        }
    }
    out
}

/// Writes `s` NUL-padded into `n` bytes, cut at a character boundary so
/// that what was decoded lossily from bad UTF-8 reads back the same.
fn put_str(out: &mut Vec<u8>, s: &str, n: usize) {
    let b = s.as_bytes();
    let mut k = b.len().min(n - 1);
    while !s.is_char_boundary(k) {
        k -= 1;
    }
    out.extend_from_slice(&b[..k]);
    out.extend(std::iter::repeat_n(0, n - k));
}

/// A fixed-size NUL-padded string field.
pub(crate) fn get_str(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// The entries of a reply body, each encoded on its own (so that a long
/// reply can be split between entries), or the whole body for replies
/// that are one record.
fn entries(r: &StatsReply, v: Version) -> Vec<Vec<u8>> {
    let one = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = Vec::new();
        f(&mut b);
        vec![b]
    };
    match r {
        StatsReply::Desc(d) => one(&|b| {
            for (s, n) in [
                &d.mfr_desc,
                &d.hw_desc,
                &d.sw_desc,
                &d.serial_num,
                &d.dp_desc,
            ]
            .into_iter()
            .zip(DESC_LENS)
            {
                put_str(b, s, n);
            }
        }),
        StatsReply::Flow { flows, nx } => {
            let raw = if v == Version::Of10 {
                if *nx {
                    flow_stats::Raw::Nx
                } else {
                    flow_stats::Raw::Of10
                }
            } else if v >= Version::Of15 {
                flow_stats::Raw::Of15
            } else {
                flow_stats::Raw::Of11
            };
            flows
                .iter()
                .map(|f| {
                    let mut b = Vec::new();
                    flow_stats::put(f, v, raw, &mut b);
                    b
                })
                .collect()
        }
        StatsReply::Aggregate { stats, .. } => one(&|b| flow_stats::put_aggregate(stats, v, b)),
        StatsReply::Table(t) => t.iter().map(|t| table::put_stats(t, v)).collect(),
        StatsReply::Port(p) => p.iter().map(|p| counters::put_port(p, v)).collect(),
        StatsReply::PortDesc(p) => p
            .iter()
            .map(|p| {
                let mut b = Vec::new();
                crate::port::put(p, v, &mut b);
                b
            })
            .collect(),
        StatsReply::Queue(q) => q.iter().map(|q| counters::put_queue(q, v)).collect(),
        StatsReply::Group(g) => g.iter().map(|g| group::put_stats(g, v)).collect(),
        StatsReply::GroupDesc(g) => g.iter().map(|g| group::put_desc(g, v)).collect(),
        StatsReply::GroupFeatures(f) => one(&|b| group::put_features(f, v, b)),
        StatsReply::Meter(m) => m.iter().map(meter::put_stats).collect(),
        StatsReply::MeterConfig(m) => m.iter().map(meter::put_config).collect(),
        StatsReply::MeterFeatures(f) => one(&|b| meter::put_features(f, b)),
        StatsReply::TableFeatures(t) => t.iter().map(|t| table::put_features(t, v)).collect(),
    }
}

fn finish(mut m: Vec<u8>) -> Vec<u8> {
    let len = m.len() as u16;
    m[2..4].copy_from_slice(&len.to_be_bytes());
    m
}

/// Encodes `r` as one reply message of version `v` with multipart `flags`
/// (OVS `ofpmp_init()` and the `ofputil_append_*` functions). The caller
/// keeps the body under 64 kB; [`encode_parts`] splits for it.
pub fn encode(r: &StatsReply, v: Version, xid: u32, flags: u16) -> Vec<u8> {
    let mut m = header(v, xid, kind(r, v), flags);
    for e in entries(r, v) {
        m.extend_from_slice(&e);
    }
    finish(m)
}

/// Encodes `r` as as many reply messages as it takes to keep each under
/// 65536 bytes, all but the last flagged "more" (OVS `ofpmp_postappend()`).
pub fn encode_parts(r: &StatsReply, v: Version, xid: u32) -> Vec<Vec<u8>> {
    let k = kind(r, v);
    let mut out = Vec::new();
    let mut cur = header(v, xid, k, 0);
    let hlen = cur.len();
    for e in entries(r, v) {
        if cur.len() + e.len() > usize::from(u16::MAX) && cur.len() > hlen {
            cur[10..12].copy_from_slice(&MORE.to_be_bytes());
            out.push(finish(cur));
            cur = header(v, xid, k, 0);
        }
        cur.extend_from_slice(&e);
    }
    out.push(finish(cur));
    out
}

/// Decodes the body of the multipart reply named by `raw`; `None` for
/// kinds rvs does not decode.
pub fn decode(body: &[u8], raw: &Raw, v: Version) -> Result<Option<StatsReply>> {
    use crate::flow_stats::Raw as F;
    Ok(Some(match raw.raw {
        "OFPST_DESC_REPLY" => {
            if body.len() != DESC_LENS.iter().sum::<usize>() {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            let mut at = 0;
            let mut f = DESC_LENS.map(|n| {
                let s = get_str(&body[at..at + n]);
                at += n;
                s
            });
            let take = |s: &mut String| std::mem::take(s);
            StatsReply::Desc(Desc {
                mfr_desc: take(&mut f[0]),
                hw_desc: take(&mut f[1]),
                sw_desc: take(&mut f[2]),
                serial_num: take(&mut f[3]),
                dp_desc: take(&mut f[4]),
            })
        }
        "OFPST10_FLOW_REPLY" | "NXST_FLOW_REPLY" | "OFPST11_FLOW_REPLY" | "OFPST13_FLOW_REPLY"
        | "OFPST15_FLOW_REPLY" => {
            let fr = match raw.raw {
                "OFPST10_FLOW_REPLY" => F::Of10,
                "NXST_FLOW_REPLY" => F::Nx,
                "OFPST15_FLOW_REPLY" => F::Of15,
                _ => F::Of11,
            };
            StatsReply::Flow {
                flows: flow_stats::decode_reply(body, v, fr)?,
                nx: fr == F::Nx,
            }
        }
        "OFPST_AGGREGATE_REPLY" | "NXST_AGGREGATE_REPLY" | "OFPST15_AGGREGATE_REPLY" => {
            StatsReply::Aggregate {
                stats: if raw.raw == "OFPST15_AGGREGATE_REPLY" {
                    flow_stats::decode_aggregate15(body)?
                } else {
                    flow_stats::decode_aggregate(body)?
                },
                nx: raw.raw == "NXST_AGGREGATE_REPLY",
            }
        }
        "OFPST10_TABLE_REPLY" | "OFPST13_TABLE_REPLY" => {
            StatsReply::Table(table::decode_stats(body, v)?)
        }
        "OFPST10_PORT_REPLY" | "OFPST11_PORT_REPLY" | "OFPST13_PORT_REPLY"
        | "OFPST14_PORT_REPLY" => StatsReply::Port(counters::decode_ports(body, v)?),
        "OFPST10_PORT_DESC_REPLY" | "OFPST11_PORT_DESC_REPLY" | "OFPST14_PORT_DESC_REPLY" => {
            let mut b = body;
            let mut ports = Vec::new();
            while let Some(p) = crate::port::pull(&mut b, v)? {
                ports.push(p);
            }
            StatsReply::PortDesc(ports)
        }
        "OFPST10_QUEUE_REPLY"
        | "OFPST11_QUEUE_REPLY"
        | "OFPST13_QUEUE_REPLY"
        | "OFPST14_QUEUE_REPLY" => StatsReply::Queue(counters::decode_queues(body, v)?),
        "NXST_GROUP_REPLY" | "OFPST11_GROUP_REPLY" | "OFPST13_GROUP_REPLY" => {
            StatsReply::Group(group::decode_stats(body, raw.raw == "OFPST11_GROUP_REPLY")?)
        }
        "NXST_GROUP_DESC_REPLY" | "OFPST11_GROUP_DESC_REPLY" => {
            StatsReply::GroupDesc(group::decode_desc(body, v)?)
        }
        "NXST_GROUP_FEATURES_REPLY" | "OFPST12_GROUP_FEATURES_REPLY" => {
            StatsReply::GroupFeatures(group::decode_features(body, v)?)
        }
        "OFPST13_METER_REPLY" => StatsReply::Meter(meter::decode_stats(body)?),
        "OFPST13_METER_CONFIG_REPLY" => StatsReply::MeterConfig(meter::decode_configs(body)?),
        "OFPST13_METER_FEATURES_REPLY" => StatsReply::MeterFeatures(meter::decode_features(body)?),
        "OFPST13_TABLE_FEATURES_REPLY" => {
            StatsReply::TableFeatures(table::decode_features(body, v, true)?)
        }
        _ => return Ok(None),
    }))
}

/// The ofp-print text of a multipart reply body named by `raw`, after the
/// flags; `false` if rvs does not print this kind. Decoding errors come
/// back so the caller prints what OVS prints for them.
pub fn format(s: &mut String, body: &[u8], raw: &Raw, v: Version, verbosity: i32) -> Result<bool> {
    match raw.raw {
        // OVS counts the entries it can decode first, then prints them
        // one by one, stopping at the first bad one.
        "OFPST10_PORT_REPLY" | "OFPST11_PORT_REPLY" | "OFPST13_PORT_REPLY"
        | "OFPST14_PORT_REPLY" => {
            let (ok, err) = counters::pull_ports(body, v);
            let _ = writeln!(s, " {} ports", ok.len());
            if verbosity >= 1 {
                for p in &ok {
                    counters::format_port(s, p);
                }
                if let Some(e) = err {
                    return Err(e);
                }
            }
            return Ok(true);
        }
        "OFPST10_QUEUE_REPLY"
        | "OFPST11_QUEUE_REPLY"
        | "OFPST13_QUEUE_REPLY"
        | "OFPST14_QUEUE_REPLY" => {
            let (ok, err) = counters::pull_queues(body, v);
            let _ = writeln!(s, " {} queues", ok.len());
            if verbosity >= 1 {
                for q in &ok {
                    counters::format_queue(s, q);
                }
                if let Some(e) = err {
                    return Err(e);
                }
            }
            return Ok(true);
        }
        "NXST_GROUP_REPLY" | "OFPST11_GROUP_REPLY" | "OFPST13_GROUP_REPLY" => {
            let (ok, err) = group::pull_stats(body, raw.raw == "OFPST11_GROUP_REPLY");
            for g in &ok {
                group::format_stats(s, g);
            }
            if let Some(e) = err {
                s.push_str(" ***parse error***");
                return Err(e);
            }
            return Ok(true);
        }
        "OFPST13_METER_REPLY" => {
            let (ok, err) = meter::pull_stats(body);
            for m in &ok {
                s.push('\n');
                meter::format_stats(s, m);
            }
            return err.map_or(Ok(true), Err);
        }
        "OFPST13_METER_CONFIG_REPLY" => {
            let (ok, err) = meter::pull_configs(body);
            for m in &ok {
                s.push('\n');
                meter::format_config(s, m);
            }
            return err.map_or(Ok(true), Err);
        }
        "NXST_GROUP_DESC_REPLY" | "OFPST11_GROUP_DESC_REPLY" => {
            let (ok, err) = group::pull_descs(body, v);
            for g in &ok {
                s.push_str("\n ");
                group::format_desc(s, g, v);
            }
            return err.map_or(Ok(true), Err);
        }
        "OFPST10_TABLE_REPLY" | "OFPST13_TABLE_REPLY" => {
            let (ok, err) = table::pull_stats(body, v);
            table::format_stats(s, &ok);
            return err.map_or(Ok(true), Err);
        }
        "OFPST13_TABLE_FEATURES_REPLY" => {
            let (ok, err) = table::pull_features(body, v, true);
            table::format_features(s, &ok);
            return err.map_or(Ok(true), Err);
        }
        _ => {}
    }
    let Some(r) = decode(body, raw, v)? else {
        return Ok(false);
    };
    match &r {
        StatsReply::Desc(d) => {
            s.push('\n');
            let _ = writeln!(s, "Manufacturer: {}", d.mfr_desc);
            let _ = writeln!(s, "Hardware: {}", d.hw_desc);
            let _ = writeln!(s, "Software: {}", d.sw_desc);
            let _ = writeln!(s, "Serial Num: {}", d.serial_num);
            let _ = writeln!(s, "DP Description: {}", d.dp_desc);
        }
        StatsReply::Flow { flows, .. } => s.push_str(&flow_stats::format_reply(flows)),
        StatsReply::Aggregate { stats, .. } => s.push_str(&flow_stats::format_aggregate(stats)),
        StatsReply::PortDesc(_) => {
            s.push('\n');
            crate::port::format_all(s, body, v)?;
        }
        StatsReply::GroupFeatures(f) => group::format_features(s, f),
        StatsReply::MeterFeatures(f) => meter::format_features(s, f),
        _ => return Ok(false),
    }
    Ok(true)
}
