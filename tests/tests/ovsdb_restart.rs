//! The switch outlives its database server: when `ovsdb-server` dies, rvs keeps
//! forwarding with the configuration already applied; when the server comes back on
//! the same database, the switch reconnects, resyncs, and applies changes made after.
//!
//! OVS 3.1 differs while the server is down: its userspace datapath polls kernel
//! (af_packet) ports from the main thread, which stops running the bridges until it
//! holds the database lock again, so nothing is forwarded. That check is rvs-only.
//!
//! Run as root. `RVS_E2E_SWITCH=ovs` runs it against Debian's `ovs-vswitchd`.

use rvs_e2e::{Bed, SwitchKind};

#[test]
fn survives_ovsdb_server_restart() {
    let mut bed = Bed::start("ovsdb_restart");
    bed.add_bridge("br0");
    let a = bed.host("a", "10.0.0.1/24");
    let b = bed.host("b", "10.0.0.2/24");
    bed.add_port("br0", &a);
    bed.add_port("br0", &b);
    assert!(a.ping(&b.ip, 3), "ping a -> b before the restart");

    bed.db.kill();
    if matches!(bed.kind(), SwitchKind::Rvs(_)) {
        assert!(a.ping(&b.ip, 3), "ping a -> b while ovsdb-server is down");
    }
    bed.db.restart();

    // A change made after the restart is applied (and, without --no-wait, reported
    // applied through cur_cfg, so this also proves the switch reconnected).
    let c = bed.host("c", "10.0.0.3/24");
    bed.add_port("br0", &c);
    assert!(
        c.ping(&a.ip, 3),
        "ping c -> a: a port added after the restart"
    );
    assert!(b.ping(&c.ip, 3), "ping b -> c");
    let (cur, next) = bed.db.cfg();
    assert_eq!(cur, next, "cur_cfg caught up with next_cfg");

    // A port deleted after the restart stops forwarding.
    bed.del_port("br0", &b);
    assert!(!a.ping(&b.ip, 1), "b was deleted but still answers");
}
