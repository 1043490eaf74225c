//! The real `ovs-ofctl` against the switch, on `unix:$OVS_RUNDIR/br0.mgmt` and on a
//! `ptcp:` controller target, in OpenFlow 1.0 and 1.3 (and 1.4 for bundles): flows
//! added, modified and deleted (strict and not) with counters that move, aggregate,
//! tables, ports, groups, and errors for bad flow-mods with the connection staying up.
//!
//! Run as root. `RVS_E2E_SWITCH=ovs` runs it against Debian's `ovs-vswitchd`.

use std::process::{Command, Output};
use std::time::Duration;

use rvs_e2e::cmd;

use rvs_e2e::{wait_until, Bed};

fn ofctl(bed: &Bed, args: &[&str]) -> Output {
    let mut c = Command::new("ovs-ofctl");
    c.env("OVS_RUNDIR", bed.switch.dir()).args(args);
    cmd::run(&mut c, Duration::from_secs(20))
}

fn ok(bed: &Bed, args: &[&str]) -> String {
    let out = ofctl(bed, args);
    assert!(
        out.status.success(),
        "ovs-ofctl {args:?}: {}{}",
        cmd::stdout_str(&out),
        cmd::stderr_str(&out)
    );
    cmd::stdout_str(&out)
}

/// The counter `what` (`n_packets`, `n_bytes`) of the flow whose text contains
/// `needle`.
fn counter(dump: &str, needle: &str, what: &str) -> Option<u64> {
    let line = dump.lines().find(|l| l.contains(needle))?;
    let v = line
        .split(&format!("{what}="))
        .nth(1)?
        .split([',', ' '])
        .next()?;
    v.parse().ok()
}

#[test]
fn ovs_ofctl_on_mgmt_and_ptcp_in_of10_and_of13() {
    let bed = Bed::start("ofctl");
    bed.add_bridge("br0");
    let a = bed.host("a", "10.0.0.1/24");
    let b = bed.host("b", "10.0.0.2/24");
    bed.add_port("br0", &a);
    bed.add_port("br0", &b);
    let pa = bed.db.ofport(&a.port).expect("ofport a");
    let pb = bed.db.ofport(&b.port).expect("ofport b");

    for ver in ["OpenFlow10", "OpenFlow13"] {
        let t = "br0";
        let o = |x: &[&str]| {
            let mut v = vec!["-O", ver];
            v.extend_from_slice(x);
            ok(&bed, &v)
        };
        let show = o(&["show", t]);
        assert!(show.contains("n_tables:254"), "{show}");
        assert!(show.contains(&format!(" {pa}({})", a.port)), "{show}");
        assert!(show.contains("LOCAL(br0)"), "{show}");

        o(&["del-flows", t]);
        o(&[
            "add-flow",
            t,
            &format!("priority=100,ip,nw_dst=10.0.0.2,actions=output:{pb}"),
        ]);
        o(&[
            "add-flow",
            t,
            &format!("priority=100,ip,nw_dst=10.0.0.1,actions=output:{pa}"),
        ]);
        o(&["add-flow", t, "priority=50,arp,actions=NORMAL"]);
        o(&["add-flow", t, "table=1,priority=7,cookie=0x5,actions=drop"]);
        let dump = o(&["dump-flows", t]);
        assert!(
            dump.contains(&format!(
                "priority=100,ip,nw_dst=10.0.0.2 actions=output:{pb}"
            )),
            "{dump}"
        );
        assert!(dump.contains("table=1, n_packets=0"), "{dump}");

        assert!(a.ping(&b.ip, 3), "{ver}: ping through the flows");
        // Exactly the three echo requests and the three replies (98-byte frames),
        // whatever happened to the datapath's cached flows in between. OVS credits
        // its rules in the background, so the counters may take a moment to settle.
        let want = |d: &str| {
            [
                counter(d, "nw_dst=10.0.0.2", "n_packets"),
                counter(d, "nw_dst=10.0.0.2", "n_bytes"),
                counter(d, "nw_dst=10.0.0.1", "n_packets"),
                counter(d, "nw_dst=10.0.0.1", "n_bytes"),
            ] == [Some(3), Some(294), Some(3), Some(294)]
        };
        let exact = wait_until(Duration::from_secs(10), || want(&o(&["dump-flows", t])));
        assert!(
            exact,
            "{ver}: counters are not 3 packets / 294 bytes each way:\n{}",
            o(&["dump-flows", t])
        );
        let agg = o(&["dump-aggregate", t]);
        assert!(agg.contains("flow_count=4"), "{agg}");
        let total = counter(&agg, "packet_count", "packet_count");
        assert!(total.is_some_and(|n| n >= 6), "{agg}");

        // Loose modify of every ip flow; strict delete of one.
        o(&["mod-flows", t, "ip,actions=NORMAL"]);
        let dump = o(&["dump-flows", t]);
        assert_eq!(dump.matches("actions=NORMAL").count(), 3, "{dump}");
        o(&[
            "del-flows",
            "--strict",
            t,
            "priority=100,ip,nw_dst=10.0.0.1",
        ]);
        let by_cookie = o(&["dump-flows", t, "cookie=0x5/-1"]);
        assert!(
            by_cookie.contains("table=1,") && by_cookie.lines().count() == 2,
            "{by_cookie}"
        );
        assert!(!o(&["dump-flows", t, "cookie=0x6/-1"]).contains("table=1"));
        o(&["del-flows", t, "table=1,cookie=0x5/-1"]);
        let dump = o(&["dump-flows", t]);
        assert!(!dump.contains("nw_dst=10.0.0.1"), "{dump}");
        assert!(!dump.contains("table=1"), "{dump}");
        assert!(dump.contains("nw_dst=10.0.0.2"), "{dump}");
        // Non-strict delete of ip removes the rest of ip.
        o(&["del-flows", t, "ip"]);
        let dump = o(&["dump-flows", t]);
        assert!(!dump.contains("nw_dst"), "{dump}");

        let tables = o(&["dump-tables", t]);
        assert!(tables.contains("table 0"), "{tables}");
        assert!(tables.contains("active=1"), "{tables}");
        let ports = o(&["dump-ports", t]);
        assert!(ports.contains(&format!("port  {pa}: rx pkts=")), "{ports}");

        // Bad input: the error OVS sends, and the connection (and switch) live on.
        let bad = ofctl(&bed, &["-O", ver, "add-flow", t, "table=254,actions=drop"]);
        assert!(!bad.status.success());
        assert!(
            cmd::stderr_str(&bad).contains("OFPBRC_EPERM"),
            "{}",
            cmd::stderr_str(&bad)
        );
        if ver == "OpenFlow13" {
            let bad = ofctl(&bed, &["-O", ver, "add-flow", t, "actions=group:99"]);
            assert!(!bad.status.success());
            assert!(
                cmd::stderr_str(&bad).contains("OFPBAC_BAD_OUT_GROUP"),
                "{}",
                cmd::stderr_str(&bad)
            );
            o(&[
                "add-group",
                t,
                &format!("group_id=1,type=all,bucket=output:{pa},bucket=output:{pb}"),
            ]);
            let groups = o(&["dump-groups", t]);
            assert!(
                groups.contains(&format!(
                    "group_id=1,type=all,bucket=actions=output:{pa},bucket=actions=output:{pb}"
                )),
                "{groups}"
            );
            o(&["del-groups", t]);
        }
        o(&["show", t]);
    }
    // ptcp: a controller target the switch listens on; ovs-ofctl runs in the
    // switch's namespace.
    bed.vsctl_ok(&["set-controller", "br0", "ptcp:16653:127.0.0.1"]);
    let up = wait_until(Duration::from_secs(10), || {
        bed.sw_ns
            .run(&[
                "ovs-ofctl",
                "-O",
                "OpenFlow13",
                "show",
                "tcp:127.0.0.1:16653",
            ])
            .status
            .success()
    });
    assert!(up, "ptcp listener");
    let out = bed.sw_ns.run(&[
        "ovs-ofctl",
        "-O",
        "OpenFlow13",
        "add-flow",
        "tcp:127.0.0.1:16653",
        "priority=9,udp,actions=drop",
    ]);
    assert!(out.status.success(), "{}", cmd::stderr_str(&out));
    let dump = ok(&bed, &["dump-flows", "br0"]);
    assert!(dump.contains("priority=9,udp actions=drop"), "{dump}");
}

#[test]
fn bundle_add_flows_in_of14() {
    let bed = Bed::start("ofbundle");
    bed.add_bridge("br0");
    bed.vsctl_ok(&[
        "set",
        "bridge",
        "br0",
        "protocols=OpenFlow10,OpenFlow13,OpenFlow14",
    ]);
    let file = bed.switch.dir().join("flows.txt");
    std::fs::write(
        &file,
        "priority=10,ip,nw_dst=10.1.0.1,actions=drop\n\
         priority=11,arp,actions=NORMAL\n\
         table=3,priority=12,udp,tp_dst=53,actions=drop\n",
    )
    .expect("write flows");
    let path = file.to_str().expect("utf-8 path");
    let o = |x: &[&str]| {
        let mut v = vec!["-O", "OpenFlow14"];
        v.extend_from_slice(x);
        ok(&bed, &v)
    };
    // The switch may still be applying the protocols when the first try comes.
    let ready = wait_until(Duration::from_secs(10), || {
        ofctl(&bed, &["-O", "OpenFlow14", "show", "br0"])
            .status
            .success()
    });
    assert!(ready, "OpenFlow 1.4 on br0");
    o(&["--bundle", "add-flows", "br0", path]);
    let dump = o(&["dump-flows", "br0"]);
    assert!(
        dump.contains("priority=10,ip,nw_dst=10.1.0.1 actions=drop"),
        "{dump}"
    );
    assert!(dump.contains("priority=11,arp actions=NORMAL"), "{dump}");
    assert!(dump.contains("table=3, "), "{dump}");
    // All or nothing: a bad flow in the bundle leaves the tables as they were.
    std::fs::write(
        &file,
        "priority=20,ip,actions=drop\n\
         priority=21,actions=group:99\n",
    )
    .expect("write flows");
    let bad = ofctl(
        &bed,
        &["-O", "OpenFlow14", "--bundle", "add-flows", "br0", path],
    );
    assert!(!bad.status.success());
    assert!(
        cmd::stderr_str(&bad).contains("OFPBAC_BAD_OUT_GROUP"),
        "{}",
        cmd::stderr_str(&bad)
    );
    let dump = o(&["dump-flows", "br0"]);
    assert!(!dump.contains("priority=20"), "{dump}");
    // --bundle replace-flows and del-flows.
    o(&["--bundle", "del-flows", "br0"]);
    assert_eq!(o(&["dump-flows", "br0"]).lines().count(), 1);
}
