//! `ovs-appctl ofproto/trace` (the real one) on a multi-table flow set: the rules hit
//! in tables 0, 1 and 2 through `resubmit` and `goto_table`, nested resubmits
//! indented as OVS indents them, the final flow, the megaflow and the datapath
//! actions; in the flow form and the packet (hex) form, and its errors.
//!
//! Run as root. `RVS_E2E_SWITCH=ovs` runs it against Debian's `ovs-vswitchd`: every
//! assertion holds for both.

use std::process::Command;
use std::time::Duration;

use rvs_e2e::{cmd, Bed};

fn ofctl_ok(bed: &Bed, args: &[&str]) -> String {
    let mut c = Command::new("ovs-ofctl");
    c.env("OVS_RUNDIR", bed.switch.dir()).args(args);
    let out = cmd::run(&mut c, Duration::from_secs(20));
    assert!(
        out.status.success(),
        "ovs-ofctl {args:?}: {}",
        cmd::stderr_str(&out)
    );
    cmd::stdout_str(&out)
}

fn trace(bed: &Bed, args: &[&str]) -> String {
    let mut v = vec!["ofproto/trace"];
    v.extend_from_slice(args);
    let out = bed.appctl(&v);
    assert!(
        out.status.success(),
        "ofproto/trace {args:?}: {}",
        cmd::stderr_str(&out)
    );
    cmd::stdout_str(&out)
}

/// The datapath port number of `name`, from `dpif/show` (`    name 1/3: (system)`).
fn odp_port(bed: &Bed, name: &str) -> String {
    let out = cmd::stdout_str(&bed.appctl(&["dpif/show"]));
    out.lines()
        .find_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some(name))
                .then(|| w.next())
                .flatten()
                .and_then(|p| p.split('/').nth(1))
                .map(|p| p.trim_end_matches(':').to_string())
        })
        .unwrap_or_else(|| panic!("{name} not in dpif/show:\n{out}"))
}

/// Asserts that `lines` appear in `text` in this order, each a whole line exactly.
fn assert_lines_in_order(text: &str, lines: &[String]) {
    let all: Vec<&str> = text.lines().collect();
    let mut at = 0;
    for want in lines {
        match all[at..].iter().position(|l| l == want) {
            Some(i) => at += i + 1,
            None => panic!("missing (in order) {want:?} in:\n{text}"),
        }
    }
}

fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} line in:\n{text}"))
}

#[test]
fn ofproto_trace_through_three_tables() {
    let bed = Bed::start("trace");
    bed.add_bridge("br0");
    let a = bed.host("a", "10.0.0.1/24");
    let b = bed.host("b", "10.0.0.2/24");
    bed.add_port("br0", &a);
    bed.add_port("br0", &b);
    let pa = bed.db.ofport(&a.port).expect("ofport a");
    let pb = bed.db.ofport(&b.port).expect("ofport b");
    let flows = [
        format!("table=0,priority=100,in_port={pa},ip,actions=set_field:0x5->reg0,resubmit(,1)"),
        format!("table=0,priority=50,in_port={pb},actions=resubmit(,3),output:{pa}"),
        "table=0,priority=0,actions=drop".to_string(),
        "table=1,priority=100,ip,nw_dst=10.0.0.2,\
         actions=set_field:aa:bb:cc:dd:ee:ff->eth_dst,goto_table:2"
            .to_string(),
        "table=1,priority=10,actions=drop".to_string(),
        format!("table=2,priority=100,cookie=0x2a,tcp,tp_dst=80,actions=output:{pb}"),
        "table=3,priority=0,actions=set_field:0x7->reg1".to_string(),
    ];
    let file = bed.dir().join("flows.txt");
    std::fs::write(&file, flows.join("\n") + "\n").unwrap();
    ofctl_ok(
        &bed,
        &[
            "-O",
            "OpenFlow13",
            "replace-flows",
            "br0",
            file.to_str().unwrap(),
        ],
    );

    // Flow form, port given by name: tables 0 -> resubmit 1 -> goto 2.
    let t = trace(
        &bed,
        &[
            "br0",
            &format!(
                "in_port={},tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tp_dst=80",
                a.port
            ),
        ],
    );
    assert!(t.starts_with(&format!("Flow: tcp,in_port={pa},")), "{t}");
    assert_lines_in_order(
        &t,
        &[
            "bridge(\"br0\")".into(),
            "-------------".into(),
            format!(" 0. ip,in_port={pa}, priority 100"),
            "    set_field:0x5->reg0".into(),
            "    resubmit(,1)".into(),
            " 1. ip,nw_dst=10.0.0.2, priority 100".into(),
            "    set_field:aa:bb:cc:dd:ee:ff->eth_dst".into(),
            "    goto_table:2".into(),
            " 2. tcp,tp_dst=80, priority 100, cookie 0x2a".into(),
            format!("    output:{pb}"),
        ],
    );
    let fin = line(&t, "Final flow: ");
    assert!(
        fin.contains("reg0=0x5") && fin.contains("dl_dst=aa:bb:cc:dd:ee:ff"),
        "{t}"
    );
    let mega = line(&t, "Megaflow: ");
    assert!(
        mega.starts_with(&format!("Megaflow: recirc_id=0,eth,tcp,in_port={pa},")),
        "{t}"
    );
    assert!(
        mega.contains(",nw_dst=10.0.0.2") && mega.contains(",tp_dst=80"),
        "{t}"
    );
    assert_eq!(
        line(&t, "Datapath actions: "),
        format!(
            "Datapath actions: set(eth(dst=aa:bb:cc:dd:ee:ff)),{}",
            odp_port(&bed, &b.port)
        ),
        "{t}"
    );

    // A nested resubmit followed by an action indents as OVS does.
    let t = trace(&bed, &["br0", &format!("in_port={pb}")]);
    assert_lines_in_order(
        &t,
        &[
            format!(" 0. in_port={pb}, priority 50"),
            "    resubmit(,3)".into(),
            "     3. priority 0".into(),
            "            set_field:0x7->reg1".into(),
            format!("    output:{pa}"),
        ],
    );
    assert!(line(&t, "Final flow: ").contains("reg1=0x7"), "{t}");
    assert_eq!(
        line(&t, "Datapath actions: "),
        format!("Datapath actions: {}", odp_port(&bed, &a.port))
    );

    // Packet form: a UDP frame to 10.0.0.9 misses table 1's first rule.
    let frame = "ffffffffffff0200000000aa08004500001c0001000040110000\
                 0a0000010a0000090035003500080000";
    let t = trace(&bed, &["br0", &format!("in_port={pa}"), frame]);
    assert!(
        t.starts_with(&format!(
            "Flow: udp,in_port={pa},vlan_tci=0x0000,dl_src=02:00:00:00:00:aa,\
             dl_dst=ff:ff:ff:ff:ff:ff,nw_src=10.0.0.1,nw_dst=10.0.0.9,"
        )),
        "{t}"
    );
    assert_lines_in_order(
        &t,
        &[
            format!(" 0. ip,in_port={pa}, priority 100"),
            " 1. priority 10".into(),
            "    drop".into(),
        ],
    );
    assert!(
        line(&t, "Final flow: ").starts_with("Final flow: udp,reg0=0x5,"),
        "{t}"
    );
    assert_eq!(line(&t, "Datapath actions: "), "Datapath actions: drop");

    // Errors: exit status 2 and OVS's messages.
    for (args, msg) in [
        (
            vec!["ofproto/trace", "nobr", "in_port=1"],
            "nobr: unknown bridge",
        ),
        (
            vec!["ofproto/trace", "br0", "in_port=1,nosuchfield=1"],
            "Bad openflow flow syntax: in_port=1,nosuchfield=1: ",
        ),
        (
            vec!["ofproto/trace", "br0", "in_port=1", "zz"],
            "Trailing garbage in packet data",
        ),
    ] {
        let out = bed.appctl(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            cmd::stderr_str(&out).starts_with(msg),
            "{args:?}: {}",
            cmd::stderr_str(&out)
        );
    }
}
