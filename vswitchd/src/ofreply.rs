//! Encoders for the replies and asynchronous messages the switch sends that the
//! OpenFlow codec does not (yet) encode: features reply, multipart (stats) replies,
//! flow-removed and role reply.

use bytes::BufMut;
use rvs_openflow::flow_stats::{self, FlowStats};
use rvs_openflow::port::{self, PhyPort};
use rvs_openflow::Version;

/// Largest OpenFlow message.
const MAX_MSG: usize = 65535;

fn header(v: Version, type_: u8, xid: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.put_u8(v.wire());
    out.put_u8(type_);
    out.put_u16(0);
    out.put_u32(xid);
    out
}

fn finish(mut out: Vec<u8>) -> Vec<u8> {
    let len = out.len() as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    out
}

/// Multipart types (`OFPMP_*`).
pub mod mp {
    /// Switch description.
    pub const DESC: u16 = 0;
    /// Flows.
    pub const FLOW: u16 = 1;
    /// Aggregate.
    pub const AGGREGATE: u16 = 2;
    /// Tables.
    pub const TABLE: u16 = 3;
    /// Ports.
    pub const PORT: u16 = 4;
    /// Queues.
    pub const QUEUE: u16 = 5;
    /// Groups.
    pub const GROUP: u16 = 6;
    /// Group descriptions.
    pub const GROUP_DESC: u16 = 7;
    /// Group features.
    pub const GROUP_FEATURES: u16 = 8;
    /// Port descriptions.
    pub const PORT_DESC: u16 = 13;
}

/// Splits `entries` into multipart replies of type `stype` (with the "more" flag on
/// all but the last); `nx` is a Nicira stats subtype for OpenFlow 1.0 `NXST_*`.
pub fn multipart(
    v: Version,
    xid: u32,
    stype: u16,
    nx: Option<u32>,
    entries: &[Vec<u8>],
) -> Vec<Vec<u8>> {
    let start = |more: bool| {
        let mut out = header(v, if v == Version::Of10 { 17 } else { 19 }, xid);
        match nx {
            Some(sub) => {
                out.put_u16(0xffff);
                out.put_u16(u16::from(more));
                out.put_u32(0x2320);
                out.put_u32(sub);
                out.put_u32(0);
            }
            None if v == Version::Of10 => {
                out.put_u16(stype);
                out.put_u16(u16::from(more));
            }
            None => {
                out.put_u16(stype);
                out.put_u16(u16::from(more));
                out.put_u32(0);
            }
        }
        out
    };
    let mut msgs = Vec::new();
    let mut cur = start(false);
    let hdr_len = cur.len();
    for e in entries {
        if cur.len() + e.len() > MAX_MSG && cur.len() > hdr_len {
            // The flags sit at offset 10 in every layout.
            let flag_at = 10;
            cur[flag_at..flag_at + 2].copy_from_slice(&1u16.to_be_bytes());
            msgs.push(finish(std::mem::replace(&mut cur, start(false))));
        }
        cur.extend_from_slice(e);
    }
    msgs.push(finish(cur));
    msgs
}

/// The features reply: datapath ID, 254 tables, OVS's capabilities, and (before
/// OpenFlow 1.3) the ports.
pub fn features(v: Version, xid: u32, dpid: u64, ports: &[PhyPort]) -> Vec<u8> {
    let mut out = header(v, 6, xid);
    out.put_u64(dpid);
    out.put_u32(0); // n_buffers
    out.put_u8(254);
    out.put_slice(&[0; 3]);
    match v {
        Version::Of10 => {
            // FLOW_STATS TABLE_STATS PORT_STATS QUEUE_STATS ARP_MATCH_IP.
            out.put_u32(0xc7);
            out.put_u32(0xfff);
        }
        _ => {
            // FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS.
            out.put_u32(0x4f);
            out.put_u32(0);
        }
    }
    if v < Version::Of13 {
        for p in ports {
            port::put(p, v, &mut out);
        }
    }
    finish(out)
}

/// One port description entry.
pub fn port_desc(v: Version, p: &PhyPort) -> Vec<u8> {
    let mut out = Vec::new();
    port::put(p, v, &mut out);
    out
}

/// The switch description (`OFPMP_DESC` body).
pub fn desc(dp_desc: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(1056);
    for (s, n) in [
        ("Open vSwitch", 256),
        ("None", 256),
        (env!("CARGO_PKG_VERSION"), 256),
        ("None", 32),
        (dp_desc, 256),
    ] {
        let mut f = vec![0u8; n];
        for (d, b) in f.iter_mut().zip(s.bytes().take(n - 1)) {
            *d = b;
        }
        out.extend_from_slice(&f);
    }
    out
}

/// One flow stats entry in the layout for `v` (`nx`: Nicira `NXST_FLOW`).
pub fn flow_entry(v: Version, nx: bool, fs: &FlowStats) -> Vec<u8> {
    let raw = match (v, nx) {
        (Version::Of10, true) => flow_stats::Raw::Nx,
        (Version::Of10, false) => flow_stats::Raw::Of10,
        _ => flow_stats::Raw::Of11,
    };
    let mut out = Vec::new();
    flow_stats::put(fs, v, raw, &mut out);
    out
}

/// The aggregate body.
pub fn aggregate(packets: u64, bytes: u64, flows: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.put_u64(packets);
    out.put_u64(bytes);
    out.put_u32(flows);
    out.put_u32(0);
    out
}

/// One table stats entry.
pub fn table_entry(v: Version, id: u8, active: u32, lookups: u64, matched: u64) -> Vec<u8> {
    let mut out = Vec::new();
    out.put_u8(id);
    out.put_slice(&[0; 3]);
    if v == Version::Of10 {
        let name = if id == 0 {
            "classifier".to_string()
        } else {
            format!("table{id}")
        };
        let mut n = [0u8; 32];
        for (d, b) in n.iter_mut().zip(name.bytes()) {
            *d = b;
        }
        out.put_slice(&n);
        out.put_u32(0x003f_ffff); // OFPFW10_ALL
        out.put_u32(1_000_000);
        out.put_u32(active);
        out.put_u64(lookups);
        out.put_u64(matched);
    } else {
        out.put_u32(active);
        out.put_u64(lookups);
        out.put_u64(matched);
    }
    out
}

/// Counters of one port, OVS order: rx/tx packets, rx/tx bytes, rx/tx dropped, rx/tx
/// errors, frame, overrun, crc, collisions.
pub fn port_stats(
    v: Version,
    port_no: u32,
    c: [u64; 12],
    duration: std::time::Duration,
) -> Vec<u8> {
    let mut out = Vec::new();
    if v == Version::Of10 {
        out.put_u16(port_no as u16);
        out.put_slice(&[0; 6]);
    } else {
        out.put_u32(rvs_openflow::field::access::port_to_ofp11(port_no));
        out.put_u32(0);
    }
    for x in c {
        out.put_u64(x);
    }
    if v >= Version::Of13 {
        out.put_u32(duration.as_secs() as u32);
        out.put_u32(duration.subsec_nanos());
    }
    out
}

/// A flow-removed message.
pub fn flow_removed(v: Version, fs: &FlowStats, reason: u8) -> Vec<u8> {
    let mut out = header(v, 11, 0);
    if v == Version::Of10 {
        fs.m.to_of10().encode(&mut out);
        out.put_u64(fs.cookie);
        out.put_u16(fs.priority);
        out.put_u8(reason);
        out.put_u8(0);
        out.put_u32(fs.duration_sec);
        out.put_u32(fs.duration_nsec);
        out.put_u16(fs.idle_timeout);
        out.put_slice(&[0; 2]);
        out.put_u64(fs.packet_count);
        out.put_u64(fs.byte_count);
    } else {
        out.put_u64(fs.cookie);
        out.put_u16(fs.priority);
        out.put_u8(reason);
        out.put_u8(fs.table_id);
        out.put_u32(fs.duration_sec);
        out.put_u32(fs.duration_nsec);
        out.put_u16(fs.idle_timeout);
        out.put_u16(fs.hard_timeout);
        out.put_u64(fs.packet_count);
        out.put_u64(fs.byte_count);
        rvs_openflow::matches::nxm::encode_oxm_match(&mut out, &fs.m, v);
    }
    finish(out)
}

/// A role reply (OpenFlow 1.2+).
pub fn role_reply(v: Version, xid: u32, role: u32, generation: u64) -> Vec<u8> {
    let mut out = header(v, 25, xid);
    out.put_u32(role);
    out.put_u32(0);
    out.put_u64(generation);
    finish(out)
}

/// A get-config reply.
pub fn get_config_reply(v: Version, xid: u32, flags: u16, miss_send_len: u16) -> Vec<u8> {
    let mut out = header(v, 8, xid);
    out.put_u16(flags);
    out.put_u16(miss_send_len);
    finish(out)
}

/// A barrier reply.
pub fn barrier_reply(v: Version, xid: u32) -> Vec<u8> {
    finish(header(v, if v == Version::Of10 { 19 } else { 21 }, xid))
}

/// One table's features without properties (name, metadata bits, max entries).
pub fn table_features(id: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.put_u16(128);
    out.put_u8(id);
    out.put_slice(&[0; 5]);
    let name = if id == 0 {
        "classifier".to_string()
    } else {
        format!("table{id}")
    };
    let mut n = [0u8; 32];
    for (d, b) in n.iter_mut().zip(name.bytes()) {
        *d = b;
    }
    out.put_slice(&n);
    out.put_u64(u64::MAX);
    out.put_u64(u64::MAX);
    out.put_u32(3);
    out.put_u32(1_000_000);
    // The eight properties OpenFlow requires (instructions, next tables, write and
    // apply actions, match, wildcards, write and apply set-field), left empty.
    for t in [0u16, 2, 4, 6, 8, 10, 12, 14] {
        out.put_u16(t);
        out.put_u16(4);
        out.put_u32(0);
    }
    out
}
