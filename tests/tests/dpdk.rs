//! DPDK ports end to end, configured through the real `ovs-vsctl`: `net_pcap` into a
//! `net_null` sink, bad devargs, DPDK and kernel ports on one bridge. Each test's switch
//! is its own process with `--no-huge` and a file prefix of its own.
//!
//! Run as root. `RVS_E2E_SWITCH=ovs` runs them against Debian's `ovs-vswitchd-dpdk`.

use std::sync::Mutex;
use std::time::Duration;

use rvs_e2e::pcap::{udp_frames, write_pcap};
use rvs_e2e::{wait_until, Bed, SETTLE};

/// DPDK switches busy-poll: one test at a time keeps the two cores usable.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// `key=value` of an OVSDB map printed by `ovs-vsctl get`, as a number.
fn map_value(map: &str, key: &str) -> Option<u64> {
    map.trim_matches(|c| c == '{' || c == '}')
        .split(", ")
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
}

fn stat(bed: &Bed, iface: &str, key: &str) -> u64 {
    map_value(&bed.db.get("Interface", iface, "statistics"), key).unwrap_or(0)
}

/// Adds a DPDK port with `devargs` and waits for the switch. A trailing
/// `,ofport_request=N` in `devargs` becomes the interface's `ofport_request`.
fn add_dpdk_port(bed: &Bed, br: &str, name: &str, devargs: &str) {
    let (devargs, ofport) = match devargs.split_once(",ofport_request=") {
        Some((d, n)) => (d, Some(format!("ofport_request={n}"))),
        None => (devargs, None),
    };
    let opt = format!("options:dpdk-devargs={devargs}");
    let mut args = vec![
        "add-port",
        br,
        name,
        "--",
        "set",
        "Interface",
        name,
        "type=dpdk",
        &opt,
    ];
    if let Some(o) = &ofport {
        args.push(o);
    }
    bed.vsctl_ok(&args);
}

/// `n_packets` of the flows `ovs-ofctl dump-flows br0` prints.
fn flow_packets(bed: &Bed) -> Vec<u64> {
    let out = bed.ofctl_ok(&["dump-flows", "br0"]);
    out.lines()
        .filter_map(|l| l.split("n_packets=").nth(1))
        .filter_map(|v| v.split(',').next()?.parse().ok())
        .collect()
}

#[test]
fn pcap_port_forwards_every_frame_to_a_null_sink() {
    let _s = serial();
    let bed = Bed::start_dpdk("dpdk_pcap");
    bed.add_bridge("br0");
    // Only the OpenFlow rule forwards: in_port=1 (the pcap port) to port 2 (the sink).
    bed.vsctl_ok(&["set", "bridge", "br0", "fail_mode=secure"]);
    bed.ofctl_ok(&["add-flow", "br0", "in_port=1,actions=output:2"]);
    let n = 1000;
    let pcap = bed.dir().join("in.pcap");
    // Unicast to an address nobody has: NORMAL floods it to the sink (and LOCAL).
    write_pcap(
        &pcap,
        &udp_frames([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2], 100, n),
    );
    add_dpdk_port(&bed, "br0", "sink0", "net_null1,no-rx=1,ofport_request=2");
    add_dpdk_port(
        &bed,
        "br0",
        "pcap0",
        &format!("net_pcap0,rx_pcap={},ofport_request=1", pcap.display()),
    );
    assert_eq!(bed.db.iface_error("pcap0"), None);
    assert_eq!(bed.db.iface_error("sink0"), None);
    // Every frame the pcap port received went to the sink, except those whose upcall
    // failed. OVS fails the upcalls of frames that arrive before ofproto knows the new
    // port; rvs tells ofproto first, so none of its upcalls fail.
    let failed_upcalls = || {
        let out = bed.appctl(&["dpif-netdev/pmd-stats-show"]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.trim().strip_prefix("miss with failed upcall: "))
            .filter_map(|v| v.parse::<u64>().ok())
            .sum::<u64>()
    };
    let ok = wait_until(SETTLE, || {
        stat(&bed, "pcap0", "rx_packets") == n as u64
            && stat(&bed, "sink0", "tx_packets") + failed_upcalls() == n as u64
    });
    assert!(
        ok,
        "pcap0 received {} and sink0 sent {} of {n}, {} failed upcalls\n{}\n{}",
        stat(&bed, "pcap0", "rx_packets"),
        stat(&bed, "sink0", "tx_packets"),
        failed_upcalls(),
        bed.db.get("Interface", "pcap0", "statistics"),
        bed.db.get("Interface", "sink0", "statistics"),
    );
    if !bed.kind().is_ovs() {
        assert_eq!(failed_upcalls(), 0);
    }
    // The rule counted every frame the sink sent.
    let sent = stat(&bed, "sink0", "tx_packets");
    let counted = wait_until(SETTLE, || flow_packets(&bed) == [sent]);
    assert!(
        counted,
        "flow n_packets {:?}, sink sent {sent}",
        flow_packets(&bed)
    );
    assert_eq!(bed.db.get("Open_vSwitch", ".", "dpdk_initialized"), "true");
    let version = bed.db.get("Open_vSwitch", ".", "dpdk_version");
    assert!(version.contains("DPDK 22.11"), "dpdk_version {version}");
}

#[test]
fn infinite_pcap_keeps_the_sink_busy_and_bad_devargs_hurt_only_their_port() {
    let _s = serial();
    let bed = Bed::start_dpdk("dpdk_inf");
    bed.add_bridge("br0");
    let pcap = bed.dir().join("in.pcap");
    write_pcap(
        &pcap,
        &udp_frames([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2], 1000, 1000),
    );
    add_dpdk_port(&bed, "br0", "sink0", "net_null1,no-rx=1");
    add_dpdk_port(
        &bed,
        "br0",
        "pcap0",
        &format!("net_pcap0,rx_pcap={},infinite_rx=1", pcap.display()),
    );
    // A device DPDK has no driver for: the port gets an error, nothing else changes.
    let out = bed.vsctl(&[
        "add-port",
        "br0",
        "bad0",
        "--",
        "set",
        "Interface",
        "bad0",
        "type=dpdk",
        "options:dpdk-devargs=net_nosuchdriver0",
    ]);
    assert!(out.status.success(), "add-port bad0: {out:?}");
    let err = bed.db.iface_error("bad0").unwrap_or_default();
    assert!(
        err.contains("Error attaching device 'net_nosuchdriver0' to DPDK"),
        "bad0 error: {err:?}"
    );
    assert_eq!(bed.db.get("Interface", "bad0", "ofport"), "-1");

    let first = (
        stat(&bed, "pcap0", "rx_packets"),
        stat(&bed, "sink0", "tx_packets"),
    );
    let moved = wait_until(SETTLE, || {
        stat(&bed, "sink0", "tx_packets") > first.1 + 100_000
    });
    assert!(moved, "sink0 tx_packets stuck near {}", first.1);
    // The pcap port counts on receipt, the sink after forwarding: the sink never leads.
    let stats = bed.vsctl_ok(&[
        "get",
        "Interface",
        "pcap0",
        "statistics",
        "--",
        "get",
        "Interface",
        "sink0",
        "statistics",
    ]);
    let lines: Vec<&str> = stats.lines().collect();
    let (rx, tx) = (
        map_value(lines[0], "rx_packets").unwrap_or(0),
        map_value(lines[1], "tx_packets").unwrap_or(0),
    );
    assert!(tx > 0 && tx <= rx, "sink0 sent {tx}, pcap0 received {rx}");
    // Fixing the devargs brings the bad port up.
    bed.vsctl_ok(&[
        "set",
        "Interface",
        "bad0",
        "options:dpdk-devargs=net_null2,no-rx=1",
    ]);
    let up = wait_until(SETTLE, || bed.db.iface_error("bad0").is_none());
    assert!(up, "bad0 still failing: {:?}", bed.db.iface_error("bad0"));
}

#[test]
fn dpdk_and_kernel_ports_forward_to_each_other() {
    let _s = serial();
    let bed = Bed::start_dpdk("dpdk_mixed");
    bed.add_bridge("br0");
    let a = bed.host("a", "10.0.0.1/24");
    let b = bed.host("b", "10.0.0.2/24");
    bed.add_port("br0", &a);
    // b's switch-side veth end is driven by DPDK's af_packet driver.
    add_dpdk_port(
        &bed,
        "br0",
        "dpdkb",
        &format!("net_af_packet0,iface={}", b.port),
    );
    assert_eq!(bed.db.iface_error("dpdkb"), None);
    assert!(a.ping(&b.ip, 5), "ping a -> b through a DPDK port");
    assert!(b.ping(&a.ip, 3), "ping b -> a through a DPDK port");
}

#[test]
fn dpdk_ports_without_dpdk_init_fail_and_others_keep_working() {
    let _s = serial();
    let bed = Bed::start("dpdk_off");
    bed.add_bridge("br0");
    let a = bed.host("a", "10.0.0.1/24");
    let b = bed.host("b", "10.0.0.2/24");
    bed.add_port("br0", &a);
    let out = bed.vsctl(&[
        "add-port",
        "br0",
        "dpdk0",
        "--",
        "set",
        "Interface",
        "dpdk0",
        "type=dpdk",
        "options:dpdk-devargs=net_null0",
    ]);
    assert!(out.status.success(), "add-port dpdk0: {out:?}");
    bed.add_port("br0", &b);
    let err = bed.db.iface_error("dpdk0").unwrap_or_default();
    assert!(
        err.contains("could not open network device dpdk0"),
        "dpdk0 error: {err:?}"
    );
    assert!(a.ping(&b.ip, 3), "ping a -> b next to a failed DPDK port");
    let _ = Duration::from_secs(0);
}
