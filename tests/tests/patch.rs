//! Patch ports join two bridges: hosts on different bridges ping each other through
//! a patch pair, and deleting one side cuts them apart.
//!
//! Run as root. `RVS_E2E_SWITCH=ovs` runs it against Debian's `ovs-vswitchd`.

use rvs_e2e::Bed;
use rvs_e2e::{wait_until, SETTLE};

#[test]
fn hosts_on_two_bridges_talk_through_patch_ports() {
    let bed = Bed::start("patch");
    bed.add_bridge("br0");
    bed.add_bridge("br1");
    let a = bed.host("a", "10.0.0.1/24");
    let b = bed.host("b", "10.0.0.2/24");
    bed.add_port("br0", &a);
    bed.add_port("br1", &b);
    assert!(!a.ping(&b.ip, 1), "the bridges are not joined yet");
    bed.vsctl_ok(&[
        "add-port",
        "br0",
        "p0",
        "--",
        "set",
        "interface",
        "p0",
        "type=patch",
        "options:peer=p1",
        "--",
        "add-port",
        "br1",
        "p1",
        "--",
        "set",
        "interface",
        "p1",
        "type=patch",
        "options:peer=p0",
    ]);
    let p0 = bed.db.ofport("p0").expect("p0 has an ofport");
    assert!(p0 > 0, "ofport of p0 is {p0}");
    // OVS may drop the very first frames after ports appear (its upcalls fail until
    // ofproto has them): let one ping get through before counting.
    assert!(
        wait_until(SETTLE, || a.ping(&b.ip, 1)),
        "no ping a -> b through the patch ports"
    );
    assert!(a.ping(&b.ip, 3), "ping a -> b through the patch ports");
    assert!(b.ping(&a.ip, 3), "ping b -> a through the patch ports");
    bed.vsctl_ok(&["del-port", "br1", "p1"]);
    assert!(
        !a.ping(&b.ip, 2),
        "a still reaches b with one patch port gone"
    );
}
