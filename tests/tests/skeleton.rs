//! Acceptance tests of the walking skeleton: a netdev bridge configured with the real
//! `ovs-vsctl` forwards between veth ports like a learning switch, reports `ofport`
//! and `error`, and survives runtime changes and a crash of the daemon.
//!
//! Run as root. `RVS_E2E_SWITCH=ovs` runs the same tests against Debian's
//! `ovs-vswitchd` (the oracle); the default is `rvs-vswitchd` from this workspace.

use rvs_e2e::{probe, wait_until, Bed, Host, SETTLE};

/// What both switches write into `Interface.error` for a system port whose device
/// does not exist.
const NOSUCHDEV_ERROR: &str = "could not open network device nosuchdev (No such device)";

/// The first line `ovs-vsctl add-port br0 nosuchdev` prints on stderr (and still
/// exits 0). ovs-vsctl prints it itself once `cur_cfg` catches up, for each interface
/// it created whose `ofport` is then unset or -1, quoting `Interface.error`.
const NOSUCHDEV_VSCTL: &str = "ovs-vsctl: Error detected while setting up 'nosuchdev': \
     could not open network device nosuchdev (No such device).  See ovs-vswitchd log for details.";

/// OpenFlow ports a switch may assign to a normal port (OFPP_MAX is 0xff00).
const OFPORT_RANGE: std::ops::Range<i64> = 1..0xff00;

fn ping_both_ways(x: &Host, y: &Host, what: &str) {
    assert!(
        x.ping(&y.ip, 3),
        "{what}: ping -c 3 {} -> {} failed",
        x.label,
        y.label
    );
    assert!(
        y.ping(&x.ip, 3),
        "{what}: ping -c 3 {} -> {} failed",
        y.label,
        x.label
    );
}

/// Asserts that frames `from` sends towards `to` reach the switch but are not
/// forwarded to `to` (see [`probe`]: cannot pass vacuously).
fn assert_isolated(from: &Host, to: &Host, what: &str) {
    let p = probe(from, to, 3);
    assert_eq!(
        p.replies, 0,
        "{what}: {} still gets replies from {}: {p:?}",
        from.label, to.label
    );
    assert!(
        p.sent > 0,
        "{what}: {} sent nothing, the check proves nothing: {p:?}",
        from.label
    );
    assert!(
        p.offered > 0,
        "{what}: nothing from {} reached the switch side: {p:?}",
        from.label
    );
    assert!(
        p.arrived.is_empty(),
        "{what}: frames from {} ({}) still reach {}:\n{}",
        from.label,
        from.mac,
        to.label,
        p.arrived.join("\n")
    );
}

/// Asserts the path works and that [`probe`]'s capture sees it (the positive control
/// for [`assert_isolated`]).
fn assert_reaches(from: &Host, to: &Host, what: &str) {
    let p = probe(from, to, 3);
    assert_eq!(
        p.replies, 3,
        "{what}: {} -> {} ping failed: {p:?}",
        from.label, to.label
    );
    assert!(
        p.arrived.len() >= 3,
        "{what}: tcpdump on {} saw too few frames from {}: {p:?}",
        to.label,
        from.label
    );
}

fn ofport(bed: &Bed, iface: &str) -> i64 {
    let port = bed.db.ofport(iface);
    let port = port.unwrap_or_else(|| panic!("Interface {iface} has no ofport"));
    assert!(OFPORT_RANGE.contains(&port), "ofport of {iface} is {port}");
    port
}

/// The whole walking-skeleton scenario, steps 1-7 of the acceptance list, in order.
/// Step 7 re-adds the port deleted in step 6 before killing the switch, so the
/// restart is checked on two attached ports (and re-adding a deleted port is
/// checked on the way).
#[test]
fn skeleton_walkthrough() {
    // 1. Fresh database, switch started against it (in its own namespace).
    let mut bed = Bed::start("skeleton");

    // 2. add-br without --no-wait returns, successfully, within --timeout=10.
    bed.add_bridge("br0");
    assert!(
        bed.sw_ns.has_link("br0"),
        "no tap device br0 in the switch namespace"
    );

    // 3. Two hosts on br0 ping each other.
    let a = bed.host("a", "10.0.0.1/24");
    let b = bed.host("b", "10.0.0.2/24");
    bed.add_port("br0", &a);
    bed.add_port("br0", &b);
    ping_both_ways(&a, &b, "two ports");

    // 4. ofports: positive for the veths, 65534 (OFPP_LOCAL) for the bridge's own port.
    let (pa, pb) = (ofport(&bed, &a.port), ofport(&bed, &b.port));
    assert_ne!(pa, pb, "two ports share ofport {pa}");
    assert_eq!(bed.db.ofport("br0"), Some(65534), "ofport of br0");

    // 5. A port whose device does not exist: error reported, others unaffected.
    let out = bed.vsctl(&["add-port", "br0", "nosuchdev"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "add-port nosuchdev: {}: {stderr}",
        out.status
    );
    let mut lines = stderr.lines();
    assert_eq!(
        lines.next(),
        Some(NOSUCHDEV_VSCTL),
        "stderr of add-port nosuchdev"
    );
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("ovs-vsctl: The default log directory is ")),
        "stderr of add-port nosuchdev: {stderr}"
    );
    assert_eq!(
        bed.db.iface_error("nosuchdev").as_deref(),
        Some(NOSUCHDEV_ERROR)
    );
    assert_eq!(bed.db.ofport("nosuchdev"), Some(-1), "ofport of nosuchdev");
    ping_both_ways(&a, &b, "after nosuchdev");

    // 6. After del-port, nothing from the deleted port is forwarded. The same probe
    //    first proves it sees a's frames at b while a is attached.
    assert_reaches(&a, &b, "before del-port");
    bed.del_port("br0", &a);
    assert_isolated(&a, &b, "after del-port");

    // 7. Re-add it, then crash the switch: forwarding stops, and comes back after a
    //    restart from the database alone, with the same ofports.
    bed.add_port("br0", &a);
    ping_both_ways(&a, &b, "re-added port");
    let before = (ofport(&bed, &a.port), ofport(&bed, &b.port));
    bed.switch.kill();
    assert_eq!(
        rvs_e2e::ping_replies(&a.ns, &b.ip, 1),
        0,
        "forwarding without a switch"
    );
    bed.switch.restart();
    assert!(
        wait_until(SETTLE, || a.ping(&b.ip, 1)),
        "forwarding did not come back within {SETTLE:?} of the restart"
    );
    ping_both_ways(&a, &b, "after restart");
    assert!(
        wait_until(SETTLE, || {
            let (cur, next) = bed.db.cfg();
            cur == next
        }),
        "cur_cfg did not reach next_cfg after the restart: {:?}",
        bed.db.cfg()
    );
    let after = (ofport(&bed, &a.port), ofport(&bed, &b.port));
    assert_eq!(before, after, "ofports changed across the restart");
    assert_eq!(
        bed.db.iface_error("nosuchdev").as_deref(),
        Some(NOSUCHDEV_ERROR)
    );
    bed.switch.assert_running();
}

/// A second bridge added at run time forwards on its own, is isolated from the first,
/// and goes away with del-br; the first bridge keeps working throughout.
#[test]
fn second_bridge_at_run_time() {
    let mut bed = Bed::start("second_bridge");
    bed.add_bridge("br0");
    let a = bed.host("a", "10.0.0.1/24");
    let b = bed.host("b", "10.0.0.2/24");
    bed.add_port("br0", &a);
    bed.add_port("br0", &b);
    ping_both_ways(&a, &b, "br0");

    bed.add_bridge("br1");
    assert!(
        bed.sw_ns.has_link("br1"),
        "no tap device br1 in the switch namespace"
    );
    assert_eq!(bed.db.ofport("br1"), Some(65534), "ofport of br1");
    let c = bed.host("c", "10.0.0.3/24");
    let d = bed.host("d", "10.0.0.4/24");
    bed.add_port("br1", &c);
    bed.add_port("br1", &d);
    ping_both_ways(&c, &d, "br1");
    ping_both_ways(&a, &b, "br0 next to br1");
    // Same subnet, different bridges: no path between them.
    assert_isolated(&a, &c, "br0 -> br1");
    assert_isolated(&d, &b, "br1 -> br0");

    assert_reaches(&c, &d, "br1 before del-br");
    bed.vsctl_ok(&["del-br", "br1"]);
    assert_eq!(bed.db.bridges(), ["br0"]);
    assert_isolated(&c, &d, "after del-br br1");
    assert!(
        wait_until(SETTLE, || !bed.sw_ns.has_link("br1")),
        "tap device br1 still there after del-br"
    );
    ping_both_ways(&a, &b, "br0 after del-br br1");
    bed.switch.assert_running();
}

/// A port added to a bridge that already forwards joins it: it reaches the existing
/// hosts, and they keep reaching each other.
#[test]
fn port_added_while_forwarding() {
    let mut bed = Bed::start("late_port");
    bed.add_bridge("br0");
    let a = bed.host("a", "10.1.0.1/24");
    let b = bed.host("b", "10.1.0.2/24");
    bed.add_port("br0", &a);
    bed.add_port("br0", &b);
    ping_both_ways(&a, &b, "first two ports");

    let c = bed.host("c", "10.1.0.3/24");
    bed.add_port("br0", &c);
    let ports = [
        ofport(&bed, &a.port),
        ofport(&bed, &b.port),
        ofport(&bed, &c.port),
    ];
    assert!(
        ports[2] != ports[0] && ports[2] != ports[1],
        "new port reuses an ofport: {ports:?}"
    );
    ping_both_ways(&c, &a, "late port");
    ping_both_ways(&c, &b, "late port");
    ping_both_ways(&a, &b, "after adding a port");
    bed.switch.assert_running();
}
