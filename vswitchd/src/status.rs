//! Status written back to the database after each applied change: `Interface.ofport`,
//! `Interface.error` and `Open_vSwitch.cur_cfg`, in one transaction, so that
//! `ovs-vsctl` sees the ports' outcome as soon as it sees `cur_cfg` catch up; link
//! state, MAC and MTU of interfaces when they change; `Interface.statistics` every
//! `stats-update-interval`; `Bridge.datapath_id`; and the `Open_vSwitch` row's version
//! and capability columns.

use serde_json::{json, Value};

use rvs_ovsdb_client::{Atom, Replica, RowView};

use crate::reconcile::{Switch, Wanted};

fn by_uuid(u: &str) -> Value {
    json!([["_uuid", "==", ["uuid", u]]])
}

/// `Open_vSwitch.datapath_types` and `iface_types` as rvs supports them.
pub const DATAPATH_TYPES: &[&str] = &["netdev"];
/// Interface types rvs opens.
pub const IFACE_TYPES: &[&str] = &["dummy", "internal", "patch", "system"];

fn map_json(pairs: &[(&str, i64)]) -> Value {
    json!([
        "map",
        pairs.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>()
    ])
}

fn map_equals(row: &RowView<'_>, column: &str, want: &[(&str, i64)]) -> bool {
    let Some(d) = row.datum(column) else {
        return want.is_empty();
    };
    let have = d.pairs();
    have.len() == want.len()
        && want.iter().all(|(k, v)| {
            have.iter()
                .any(|(hk, hv)| hk.as_str() == Some(k) && *hv == Atom::Integer(*v))
        })
}

fn str_map_equals(row: &RowView<'_>, column: &str, want: &[(&str, &str)]) -> bool {
    let Some(d) = row.datum(column) else {
        return want.is_empty();
    };
    let have = d.pairs();
    have.len() == want.len()
        && want.iter().all(|(k, v)| {
            have.iter()
                .any(|(hk, hv)| hk.as_str() == Some(k) && hv.as_str() == Some(v))
        })
}

fn string_set_equals(row: &RowView<'_>, column: &str, want: &[&str]) -> bool {
    let have: Vec<&str> = row.datum(column).map_or(Vec::new(), |d| {
        d.atoms().iter().filter_map(Atom::as_str).collect()
    });
    have.len() == want.len() && want.iter().all(|w| have.contains(w))
}

/// `link_speed`, `duplex` and the driver in `status` of a kernel interface, where
/// they differ from the row (see [`crate::kernel_if`]).
fn kernel_columns(row: &RowView<'_>, name: &str, set: &mut serde_json::Map<String, Value>) {
    let k = crate::kernel_if::read(name);
    let speed = k.speed_bps.and_then(|b| i64::try_from(b).ok());
    if row.opt_int("link_speed") != speed {
        set.insert(
            "link_speed".into(),
            speed.map_or(json!(["set", []]), |v| json!(v)),
        );
    }
    if row.opt_str("duplex") != k.duplex.as_deref() {
        set.insert(
            "duplex".into(),
            k.duplex.as_deref().map_or(json!(["set", []]), |v| json!(v)),
        );
    }
    let Some(driver) = &k.driver else {
        return;
    };
    let mut want = vec![("driver_name", driver.as_str()), ("firmware_version", "")];
    if let Some(v) = &k.driver_version {
        want.push(("driver_version", v.as_str()));
    }
    if !str_map_equals(row, "status", &want) {
        set.insert(
            "status".into(),
            json!([
                "map",
                want.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>()
            ]),
        );
    }
}

/// `ID` and `VERSION_ID` of `/etc/os-release` (what `ovs-ctl` writes into
/// `system_type` and `system_version`).
pub fn os_release() -> (Option<String>, Option<String>) {
    let text = std::fs::read_to_string("/etc/os-release")
        .or_else(|_| std::fs::read_to_string("/usr/lib/os-release"))
        .unwrap_or_default();
    parse_os_release(&text)
}

fn parse_os_release(text: &str) -> (Option<String>, Option<String>) {
    let get = |key: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(key)?.strip_prefix('='))
            .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
            .filter(|v| !v.is_empty())
    };
    (get("ID"), get("VERSION_ID"))
}

/// The transaction operations that bring the database's status columns up to date;
/// empty when nothing differs. Statistics are included when `with_stats`.
pub fn status_ops(r: &Replica, w: &Wanted, sw: &Switch, with_stats: bool) -> Vec<Value> {
    let mut ops = Vec::new();
    for uuid in &w.managed {
        let Some(row) = r.row("Interface", uuid) else {
            continue;
        };
        let (ofport, error) = sw.iface_status(w, uuid, row.str("name"));
        let mut set = serde_json::Map::new();
        if row.opt_int("ofport") != Some(ofport) {
            set.insert("ofport".into(), json!(ofport));
        }
        if row.opt_str("error") != error.as_deref() {
            let v = match &error {
                Some(e) => json!(e),
                None => json!(["set", []]),
            };
            set.insert("error".into(), v);
        }
        let name = row.str("name");
        if let Some(link) = sw.iface_link(name) {
            let state = if link.up { "up" } else { "down" };
            if row.opt_str("link_state") != Some(state) {
                set.insert("link_state".into(), json!(state));
            }
            if let Some(mac) = link.mac {
                let mac = rvs_packet::EthAddr(mac).to_string();
                if row.opt_str("mac_in_use") != Some(mac.as_str()) {
                    set.insert("mac_in_use".into(), json!(mac));
                }
            }
            if let Some(mtu) = link.mtu {
                if row.opt_int("mtu") != Some(i64::from(mtu)) {
                    set.insert("mtu".into(), json!(mtu));
                }
            }
        }
        let device = sw.iface_device(name);
        let kernel =
            matches!(row.str("type"), "" | "system" | "internal") && sw.iface_link(name).is_some();
        if kernel {
            kernel_columns(&row, name, &mut set);
        }
        if let Some(dev) = device.as_ref().filter(|d| !kernel || !d.status.is_empty()) {
            let want: Vec<(&str, &str)> = dev
                .status
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            if !str_map_equals(&row, "status", &want) {
                set.insert(
                    "status".into(),
                    json!([
                        "map",
                        want.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>()
                    ]),
                );
            }
        }
        let device_stats = device.and_then(|d| d.stats);
        if let Some(d) = device_stats.as_ref().filter(|_| with_stats) {
            let mut stats: Vec<(&str, i64)> = [
                ("rx_packets", d.rx_packets),
                ("rx_bytes", d.rx_bytes),
                ("rx_dropped", d.rx_dropped),
                ("rx_errors", d.rx_errors),
                ("tx_packets", d.tx_packets),
                ("tx_bytes", d.tx_bytes),
                ("tx_dropped", d.tx_dropped),
                ("tx_errors", d.tx_errors),
            ]
            .into_iter()
            .map(|(k, v)| (k, i64::try_from(v).unwrap_or(i64::MAX)))
            .collect();
            for (k, v) in &d.extended {
                if !stats.iter().any(|(n, _)| n == k) {
                    stats.push((k.as_str(), i64::try_from(*v).unwrap_or(i64::MAX)));
                }
            }
            if !map_equals(&row, "statistics", &stats) {
                set.insert("statistics".into(), map_json(&stats));
            }
        } else if with_stats {
            if let Some(c) = sw.iface_counters(name) {
                let names = [
                    "rx_packets",
                    "rx_bytes",
                    "rx_dropped",
                    "tx_packets",
                    "tx_bytes",
                    "tx_dropped",
                ];
                let mut stats: Vec<(&str, i64)> = names
                    .iter()
                    .zip(c)
                    .map(|(k, v)| (*k, i64::try_from(v).unwrap_or(i64::MAX)))
                    .collect();
                stats.push(("rx_errors", 0));
                stats.push(("tx_errors", 0));
                if !map_equals(&row, "statistics", &stats) {
                    set.insert("statistics".into(), map_json(&stats));
                }
            }
        }
        if !set.is_empty() {
            ops.push(
                json!({"op": "update", "table": "Interface", "where": by_uuid(uuid), "row": set}),
            );
        }
    }
    for br in r.rows("Bridge") {
        let Some(mac) = sw.iface_link(br.str("name")).and_then(|l| l.mac) else {
            continue;
        };
        // OVS: other_config:datapath-id if valid, else from the local port's MAC.
        let dpid = br
            .map_get("other_config", "datapath-id")
            .map(|s| s.trim_start_matches("0x").to_lowercase())
            .filter(|s| s.len() == 16 && s.chars().all(|c| c.is_ascii_hexdigit()))
            .unwrap_or_else(|| {
                format!(
                    "0000{}",
                    mac.iter().map(|b| format!("{b:02x}")).collect::<String>()
                )
            });
        if br.opt_str("datapath_id") != Some(dpid.as_str()) {
            ops.push(
                json!({"op": "update", "table": "Bridge", "where": by_uuid(br.uuid()),
                            "row": {"datapath_id": dpid}}),
            );
        }
    }
    if let Some(ovs) = r.rows("Open_vSwitch").next() {
        let mut set = serde_json::Map::new();
        let next = ovs.int("next_cfg");
        if ovs.int("cur_cfg") != next {
            set.insert("cur_cfg".into(), json!(next));
        }
        let version = format!("rvs-{}", env!("CARGO_PKG_VERSION"));
        if ovs.opt_str("ovs_version") != Some(version.as_str()) {
            set.insert("ovs_version".into(), json!(version));
        }
        let db_version = r.schema().version.as_str();
        if ovs.opt_str("db_version") != Some(db_version) {
            set.insert("db_version".into(), json!(db_version));
        }
        if !string_set_equals(&ovs, "datapath_types", DATAPATH_TYPES) {
            set.insert("datapath_types".into(), json!(["set", DATAPATH_TYPES]));
        }
        let iface_types: Vec<&str> = IFACE_TYPES
            .iter()
            .chain(crate::dpdk::iface_types())
            .copied()
            .collect();
        if !string_set_equals(&ovs, "iface_types", &iface_types) {
            set.insert("iface_types".into(), json!(["set", iface_types]));
        }
        // As ovs-ctl does at start-up, from os-release; never over what is set.
        let (sys_type, sys_version) = os_release();
        for (col, v) in [("system_type", sys_type), ("system_version", sys_version)] {
            if let Some(v) = v.filter(|_| ovs.opt_str(col).is_none()) {
                set.insert(col.into(), json!(v));
            }
        }
        let dpdk = sw.dpdk();
        let has = |c: &str| r.schema().column("Open_vSwitch", c).is_some();
        if has("dpdk_initialized")
            && ovs
                .datum("dpdk_initialized")
                .and_then(|d| d.atoms().first())
                != Some(&Atom::Boolean(dpdk.initialized()))
        {
            set.insert("dpdk_initialized".into(), json!(dpdk.initialized()));
        }
        if let Some(v) = dpdk.version() {
            if has("dpdk_version") && ovs.opt_str("dpdk_version") != Some(v.as_str()) {
                set.insert("dpdk_version".into(), json!(v));
            }
        }
        if !set.is_empty() {
            ops.push(json!({"op": "update", "table": "Open_vSwitch", "where": by_uuid(ovs.uuid()), "row": set}));
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    #[test]
    fn os_release_fields() {
        let t = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\nID=debian\n";
        assert_eq!(
            super::parse_os_release(t),
            (Some("debian".into()), Some("12".into()))
        );
        assert_eq!(super::parse_os_release(""), (None, None));
    }
}
