//! The real `ovs-appctl` against the switch: version and list-commands, PMD statistics
//! that move with traffic, learned MACs in `fdb/show`, megaflows in
//! `dpctl/dump-flows`, rule counters in `bridge/dump-flows`, `coverage/show`,
//! `pmd-perf-show`, and `exit` stopping the daemon cleanly.
//!
//! Run as root. `RVS_E2E_SWITCH=ovs` runs it against Debian's `ovs-vswitchd`.

use std::time::Duration;

use rvs_e2e::{wait_until, Bed};

fn ok(bed: &Bed, args: &[&str]) -> String {
    let out = bed.appctl(args);
    assert!(
        out.status.success(),
        "ovs-appctl {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Sum of every `packets received:` line (PMDs and, in OVS, the main thread).
fn packets_received(stats: &str) -> u64 {
    stats
        .lines()
        .filter_map(|l| l.trim().strip_prefix("packets received:"))
        .filter_map(|v| v.trim().parse::<u64>().ok())
        .sum()
}

#[test]
fn ovs_appctl_works_against_the_switch() {
    let mut bed = Bed::start("appctl");
    bed.add_bridge("br0");
    let a = bed.host("a", "10.0.0.1/24");
    let b = bed.host("b", "10.0.0.2/24");
    bed.add_port("br0", &a);
    bed.add_port("br0", &b);

    assert!(ok(&bed, &["version"]).contains("vswitchd"));
    let cmds = ok(&bed, &["list-commands"]);
    for c in [
        "dpif-netdev/pmd-stats-show",
        "fdb/show",
        "dpctl/dump-flows",
        "exit",
    ] {
        assert!(cmds.contains(c), "list-commands lacks {c}:\n{cmds}");
    }
    assert!(ok(&bed, &["vlog/list"]).contains("console"));
    ok(&bed, &["vlog/reopen"]);
    ok(&bed, &["vlog/set", "info"]);
    // Per-destination levels: the file column turns DBG, the console stays.
    ok(&bed, &["vlog/set", "ANY:file:dbg"]);
    let list = ok(&bed, &["vlog/list"]);
    let rows: Vec<&str> = list.lines().skip(2).collect();
    assert!(
        !rows.is_empty()
            && rows
                .iter()
                .all(|r| r.ends_with("DBG") && r.contains("INFO")),
        "{list}"
    );
    ok(&bed, &["vlog/set", "file:info"]);
    let bad = bed.appctl(&["vlog/set", "nosuchmodule:dbg"]);
    assert_eq!(bad.status.code(), Some(2));
    // Log lines in OVS's format: time|sequence|module|level|message.
    let log = std::fs::read_to_string(bed.switch.log_path()).unwrap();
    for l in log.lines().take(5) {
        let f: Vec<&str> = l.splitn(5, '|').collect();
        assert!(
            f.len() == 5
                && f[0].len() == 24
                && f[0].ends_with('Z')
                && f[1].len() == 5
                && f[1].chars().all(|c| c.is_ascii_digit())
                && ["EMER", "ERR", "WARN", "INFO", "DBG"].contains(&f[3]),
            "not an OVS log line: {l}"
        );
    }
    let bad = bed.appctl(&["no-such-command"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a valid command"));

    let before = packets_received(&ok(&bed, &["dpif-netdev/pmd-stats-show"]));
    assert!(a.ping(&b.ip, 3), "ping a -> b");
    let after = packets_received(&ok(&bed, &["dpif-netdev/pmd-stats-show"]));
    assert!(
        after >= before + 6,
        "pmd-stats-show did not move: {before} -> {after}"
    );

    let fdb = ok(&bed, &["fdb/show", "br0"]);
    assert!(
        fdb.starts_with(" port  VLAN  MAC                Age"),
        "{fdb}"
    );
    for h in [&a, &b] {
        assert!(
            fdb.contains(&h.mac),
            "fdb/show lacks {} ({}):\n{fdb}",
            h.label,
            h.mac
        );
    }
    let dpif = ok(&bed, &["dpif/show"]);
    assert!(
        dpif.contains("br0:") && dpif.contains(&a.port),
        "dpif/show:\n{dpif}"
    );
    // dpctl/dump-flows: the pings' megaflows in OVS's datapath-flow syntax, with
    // counters and the time since their last use.
    let flows = ok(&bed, &["dpctl/dump-flows"]);
    assert!(flows.starts_with("flow-dump from "), "{flows}");
    let from_a = flows
        .lines()
        .find(|l| {
            l.starts_with("recirc_id(0),in_port(")
                && l.contains(&format!("eth(src={}", a.mac))
                && !l.contains(", packets:0,")
        })
        .unwrap_or_else(|| panic!("no megaflow from {} with packets:\n{flows}", a.mac));
    assert!(
        from_a.contains(", bytes:") && from_a.contains(", used:") && !from_a.contains("used:never"),
        "{from_a}"
    );
    let actions = from_a.split(", actions:").nth(1).unwrap_or("");
    assert!(
        !actions.is_empty() && actions.split(',').all(|p| p.parse::<u32>().is_ok()),
        "{from_a}"
    );

    // bridge/dump-flows: the default NORMAL flow, which the pings went through (rule
    // counters follow the megaflows' with a delay, in OVS as in rvs).
    let normal_packets = |dump: &str| -> Option<u64> {
        let line = dump
            .lines()
            .find(|l| l.starts_with("duration=") && l.ends_with("priority=0,actions=NORMAL"))?;
        line.split("n_packets=")
            .nth(1)?
            .split(',')
            .next()?
            .parse()
            .ok()
    };
    let mut bflows = String::new();
    let counted = wait_until(Duration::from_secs(20), || {
        bflows = ok(&bed, &["bridge/dump-flows", "br0"]);
        normal_packets(&bflows).unwrap_or(0) >= 6
    });
    assert!(counted, "NORMAL flow did not count the pings:\n{bflows}");

    // coverage/show: OVS's layout, with the reconfigurations counted.
    let cov = ok(&bed, &["coverage/show"]);
    assert!(
        cov.starts_with(
            "Event coverage, avg rate over last: 5 seconds, last minute, last hour,  hash="
        ),
        "{cov}"
    );
    assert!(cov.trim_end().ends_with("events never hit"), "{cov}");
    let reconf = cov
        .lines()
        .find(|l| l.starts_with("bridge_reconfigure "))
        .unwrap_or_else(|| panic!("no bridge_reconfigure in coverage/show:\n{cov}"));
    assert!(
        reconf.contains("/sec") && reconf.contains("total: "),
        "{reconf}"
    );

    // pmd-perf-show (rvs only: Debian's OVS without DPDK polls in its main thread and
    // shows nothing here).
    if !bed.kind().is_ovs() {
        let perf = ok(&bed, &["dpif-netdev/pmd-perf-show"]);
        assert!(perf.contains("Measurement duration: "), "{perf}");
        assert!(perf.contains("pmd thread numa_id 0 core_id "), "{perf}");
        let rx: u64 = perf
            .lines()
            .filter_map(|l| l.trim().strip_prefix("Rx packets:"))
            .filter_map(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .sum();
        assert!(rx >= 6, "pmd-perf-show Rx packets {rx}:\n{perf}");
    }

    // A dummy port takes packets from netdev-dummy/receive (rvs only: Debian's OVS
    // needs --enable-dummy for dummy ports).
    if !bed.kind().is_ovs() {
        bed.vsctl_ok(&[
            "add-port",
            "br0",
            "d0",
            "--",
            "set",
            "interface",
            "d0",
            "type=dummy",
        ]);
        let frame = format!("ffffffffffff0200000000aa0800{}", "00".repeat(46));
        let before = packets_received(&ok(&bed, &["dpif-netdev/pmd-stats-show"]));
        ok(&bed, &["netdev-dummy/receive", "d0", &frame, &frame]);
        let moved = wait_until(Duration::from_secs(10), || {
            packets_received(&ok(&bed, &["dpif-netdev/pmd-stats-show"])) >= before + 2
        });
        assert!(moved, "netdev-dummy/receive did not reach the datapath");
        let fdb = ok(&bed, &["fdb/show", "br0"]);
        assert!(
            fdb.contains("02:00:00:00:00:aa"),
            "the dummy's source MAC was not learned:\n{fdb}"
        );
        // A packet given as a flow, padded to 64 bytes.
        ok(
            &bed,
            &[
                "netdev-dummy/receive",
                "d0",
                "--len",
                "64",
                "dl_src=02:00:00:00:00:bb,dl_dst=ff:ff:ff:ff:ff:ff,udp,nw_src=10.0.0.9,\
                 nw_dst=10.0.0.1,nw_ttl=64,tp_src=5000,tp_dst=53",
            ],
        );
        let learned = wait_until(Duration::from_secs(10), || {
            ok(&bed, &["fdb/show", "br0"]).contains("02:00:00:00:00:bb")
        });
        assert!(learned, "the flow-made packet's source MAC was not learned");
        let bad = bed.appctl(&["netdev-dummy/receive", "d0", "nosuchfield=1"]);
        assert_eq!(bad.status.code(), Some(2));
    }

    // exit: the daemon stops on its own, taking its pidfile (and, for rvs, its socket).
    let out = bed.appctl(&["exit"]);
    assert!(
        out.status.success(),
        "exit: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exited = wait_until(Duration::from_secs(10), || {
        bed.switch.try_exited().is_some()
    });
    assert!(exited, "the switch did not exit");
    let dir = bed.switch.dir().to_owned();
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.ends_with(".pid") && n.contains("vswitchd")
                || n.starts_with("rvs-vswitchd.") && n.ends_with(".ctl")
        })
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}
