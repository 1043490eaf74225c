//! The switch's replies and asynchronous messages, built from the codec's typed
//! forms (`rvs_openflow::reply`, `rvs_openflow::controller`) so that their bytes are
//! OVS's: this module only fills in what rvs reports (OVS's description strings,
//! 254 tables, its capabilities). Table features are still encoded here, without
//! their property lists (see docs/COMPAT.md).

use bytes::BufMut;
use rvs_openflow::controller::{self, FlowRemoved, RoleRequest, SwitchFeatures};
use rvs_openflow::flow_stats::FlowStats;
use rvs_openflow::msg::message::{self, Message, SwitchConfig};
use rvs_openflow::port::PhyPort;
use rvs_openflow::reply::table::{TableFeatures, TableStats};
use rvs_openflow::reply::{self, Desc, StatsReply};
use rvs_openflow::Version;

/// A multipart reply, in as many messages as it takes.
pub fn multipart(v: Version, xid: u32, r: &StatsReply) -> Vec<Vec<u8>> {
    reply::encode_parts(r, v, xid)
}

/// The features reply: datapath ID, 254 tables, OVS's capabilities and OpenFlow 1.0
/// actions, and (before OpenFlow 1.3) the ports.
pub fn features(v: Version, xid: u32, dpid: u64, ports: &[PhyPort]) -> Vec<u8> {
    let f = SwitchFeatures {
        datapath_id: dpid,
        n_buffers: 0,
        n_tables: 254,
        auxiliary_id: 0,
        // OF1.0: FLOW_STATS TABLE_STATS PORT_STATS QUEUE_STATS ARP_MATCH_IP;
        // later: FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS.
        capabilities: if v == Version::Of10 { 0xc7 } else { 0x4f },
        actions: if v == Version::Of10 { 0xfff } else { 0 },
        ports: ports.to_vec(),
    };
    controller::encode_features_reply(&f, v, xid)
}

/// The switch description OVS gives (`dp_desc` is the bridge's name).
pub fn desc(dp_desc: &str) -> StatsReply {
    StatsReply::Desc(Desc {
        mfr_desc: "Open vSwitch".into(),
        hw_desc: "None".into(),
        sw_desc: env!("CARGO_PKG_VERSION").into(),
        serial_num: "None".into(),
        dp_desc: dp_desc.into(),
    })
}

fn table_name(id: u8) -> String {
    if id == 0 {
        "classifier".into()
    } else {
        format!("table{id}")
    }
}

/// One table's counters (with the name, wildcards and size OpenFlow 1.0 shows).
pub fn table_stats(id: u8, active: u32, lookups: u64, matched: u64) -> TableStats {
    let mut features = TableFeatures::new(id);
    features.name = table_name(id);
    features.max_entries = 1_000_000;
    TableStats {
        active_count: active,
        lookup_count: lookups,
        matched_count: matched,
        features,
    }
}

/// A flow-removed message for a rule whose stats are `fs`.
pub fn flow_removed(v: Version, fs: &FlowStats, reason: u8) -> Vec<u8> {
    let fr = FlowRemoved {
        m: fs.m,
        priority: fs.priority,
        reason,
        table_id: fs.table_id,
        cookie: fs.cookie,
        duration_sec: fs.duration_sec,
        duration_nsec: fs.duration_nsec,
        idle_timeout: fs.idle_timeout,
        hard_timeout: fs.hard_timeout,
        packet_count: fs.packet_count,
        byte_count: fs.byte_count,
    };
    controller::encode_flow_removed(&fr, v, false, 0)
}

/// A role reply.
pub fn role_reply(v: Version, xid: u32, role: u32, generation: u64) -> Vec<u8> {
    let r = RoleRequest {
        role,
        generation_id: Some(generation),
    };
    controller::encode_role(&r, v, true, xid)
}

/// A get-config reply.
pub fn get_config_reply(v: Version, xid: u32, flags: u16, miss_send_len: u16) -> Vec<u8> {
    let c = SwitchConfig {
        flags,
        miss_send_len,
    };
    message::encode(&Message::GetConfigReply(c), v, xid)
}

/// A barrier reply.
pub fn barrier_reply(v: Version, xid: u32) -> Vec<u8> {
    message::encode(&Message::BarrierReply, v, xid)
}

/// One table's features without properties (name, metadata bits, max entries), as
/// a raw `OFPMP_TABLE_FEATURES` entry.
pub fn table_features(id: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.put_u16(128);
    out.put_u8(id);
    out.put_slice(&[0; 5]);
    let mut n = [0u8; 32];
    for (d, b) in n.iter_mut().zip(table_name(id).bytes()) {
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

/// A raw multipart reply of type `stype` made of `entries` (for table features).
pub fn raw_multipart(v: Version, xid: u32, stype: u16, entries: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![v.wire(), if v == Version::Of10 { 17 } else { 19 }, 0, 0];
    out.extend_from_slice(&xid.to_be_bytes());
    out.extend_from_slice(&stype.to_be_bytes());
    out.extend_from_slice(&[0; 2]);
    if v != Version::Of10 {
        out.extend_from_slice(&[0; 4]);
    }
    for e in entries {
        out.extend_from_slice(e);
    }
    let len = out.len() as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    out
}
