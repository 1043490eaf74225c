//! Status the switch writes back to OVSDB: `Interface.statistics` after traffic
//! (within an update interval), `link_state`, `mac_in_use`, `mtu`, `link_speed`,
//! `duplex`, the driver in `status`,
//! `Bridge.datapath_id`, and the `Open_vSwitch` row's type columns.
//!
//! Run as root. `RVS_E2E_SWITCH=ovs` runs it against Debian's `ovs-vswitchd`.

use std::time::Duration;

use rvs_e2e::{unquote, wait_until, Bed};

/// `key=value` of an OVSDB map printed by `ovs-vsctl get`, as a number.
fn map_value(map: &str, key: &str) -> Option<u64> {
    map.trim_matches(|c| c == '{' || c == '}')
        .split(", ")
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
}

#[test]
fn statistics_and_link_status_reach_the_database() {
    let bed = Bed::start("status");
    bed.add_bridge("br0");
    let a = bed.host("a", "10.0.0.1/24");
    let b = bed.host("b", "10.0.0.2/24");
    bed.add_port("br0", &a);
    bed.add_port("br0", &b);
    assert!(a.ping(&b.ip, 5), "ping a -> b");

    // Within one stats-update-interval (5 s) and some slack.
    let mut stats = String::new();
    let ok = wait_until(Duration::from_secs(20), || {
        stats = bed.db.get("Interface", &a.port, "statistics");
        map_value(&stats, "rx_packets").unwrap_or(0) >= 5
            && map_value(&stats, "tx_packets").unwrap_or(0) >= 5
    });
    assert!(
        ok,
        "statistics of {} never showed the pings: {stats}",
        a.port
    );
    assert!(map_value(&stats, "rx_bytes").unwrap_or(0) >= 5 * 98);

    assert_eq!(bed.db.get("Interface", &a.port, "link_state"), "up");
    let mac = unquote(&bed.db.get("Interface", &a.port, "mac_in_use"));
    assert_eq!(mac.len(), 17, "mac_in_use {mac:?}");
    assert_eq!(bed.db.get("Interface", &a.port, "mtu"), "1500");
    // What ethtool tells OVS about a veth and the bridge's tap device.
    assert_eq!(
        bed.db.get("Interface", &a.port, "link_speed"),
        "10000000000"
    );
    assert_eq!(bed.db.get("Interface", &a.port, "duplex"), "full");
    let st = bed.db.get("Interface", &a.port, "status");
    assert!(st.contains("driver_name=veth"), "status of a veth: {st}");
    let st = bed.db.get("Interface", "br0", "status");
    assert!(st.contains("driver_name=tun"), "status of br0: {st}");
    let dpid = unquote(&bed.db.get("Bridge", "br0", "datapath_id"));
    assert!(
        dpid.len() == 16 && dpid.chars().all(|c| c.is_ascii_hexdigit()),
        "datapath_id {dpid:?}"
    );
    let types = bed.db.get("Open_vSwitch", ".", "datapath_types");
    assert!(types.contains("netdev"), "datapath_types {types}");
    if !bed.kind().is_ovs() {
        // OVS leaves these to ovs-ctl; rvs fills them from os-release when empty.
        let t = unquote(&bed.db.get("Open_vSwitch", ".", "system_type"));
        assert!(!t.is_empty() && t != "[]", "system_type {t:?}");
    }
    let iface_types = bed.db.get("Open_vSwitch", ".", "iface_types");
    for t in ["internal", "patch", "system"] {
        assert!(
            iface_types.contains(t),
            "iface_types lacks {t}: {iface_types}"
        );
    }
}
