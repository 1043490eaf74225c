//! The OpenFlow side of the database configuration: per bridge its `protocols`,
//! `Controller` targets, datapath ID and MAC learning settings; per port its VLAN
//! mode (`tag`, `trunks`, `vlan_mode`). Runs on the main loop after each reconcile.

use std::collections::BTreeMap;
use std::time::Duration;

use rvs_ofproto::mac_learning::{DEFAULT_AGING, DEFAULT_MAX_ENTRIES};
use rvs_ofproto::vlan::PortVlan;
use rvs_ovsdb_client::Replica;

use crate::connmgr::BridgeOf;
use crate::reconcile::Switch;

/// The OpenFlow configuration of each bridge.
pub fn bridges(r: &Replica, sw: &Switch) -> BTreeMap<String, BridgeOf> {
    let mut out = BTreeMap::new();
    for br in r.rows("Bridge") {
        let name = br.str("name").to_string();
        let protocols = br
            .datum("protocols")
            .map(|d| {
                d.atoms()
                    .iter()
                    .filter_map(|a| a.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let controllers = br
            .refs("controller", "Controller")
            .map(|c| c.str("target").to_string())
            .filter(|t| !t.is_empty())
            .collect();
        let dpid = br
            .opt_str("datapath_id")
            .and_then(|s| u64::from_str_radix(s, 16).ok())
            .or_else(|| {
                let mac = sw.iface_link(&name)?.mac?;
                Some(mac.iter().fold(0u64, |a, b| a << 8 | u64::from(*b)))
            })
            .unwrap_or(0);
        out.insert(
            name,
            BridgeOf {
                protocols,
                controllers,
                dpid,
            },
        );
    }
    out
}

/// Applies MAC learning settings and port VLAN modes to ofproto.
pub fn apply(r: &Replica, sw: &Switch) {
    let mut reg = sw
        .registry_handle()
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for br in r.rows("Bridge") {
        let name = br.str("name");
        let aging = br
            .map_get("other_config", "mac-aging-time")
            .and_then(|s| s.parse::<u64>().ok())
            .map_or(DEFAULT_AGING, Duration::from_secs);
        let size = br
            .map_get("other_config", "mac-table-size")
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(DEFAULT_MAX_ENTRIES);
        let Some(b) = reg.bridge_mut(name) else {
            continue;
        };
        b.set_mac_config(aging, size);
        for p in br.refs("ports", "Port") {
            let trunks: Vec<i64> = p
                .datum("trunks")
                .map(|d| d.atoms().iter().filter_map(|a| a.as_i64()).collect())
                .unwrap_or_default();
            let vlan = PortVlan::from_columns(p.str("vlan_mode"), p.opt_int("tag"), &trunks);
            for i in p.refs("interfaces", "Interface") {
                let ofport = b.port_by_name(i.str("name")).map(|x| x.ofport);
                if let Some(ofport) = ofport {
                    b.set_port_vlan(ofport, vlan.clone());
                }
            }
        }
    }
}
