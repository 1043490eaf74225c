//! Seed 001's experiment: NORMAL with port VLAN modes across two bridges joined by a
//! patch pair. Four hosts on one subnet, tagged 100/200 on br0 and 100/200 on br1:
//! only same-tag hosts reach each other; trunking the patch ports to VLAN 100 keeps
//! VLAN 100 and cuts VLAN 200. Then a host port in native-tagged mode gets its native
//! VLAN's frames with an 802.1Q header on the wire, and in native-untagged mode
//! without one (checked with tcpdump on the host's interface).
//!
//! Run as root. `RVS_E2E_SWITCH=ovs` runs it against Debian's `ovs-vswitchd`.

use rvs_e2e::{Bed, Capture, Host};

fn set_port(bed: &Bed, port: &str, settings: &[&str]) {
    let mut args = vec!["set", "port", port];
    args.extend_from_slice(settings);
    bed.vsctl_ok(&args);
}

/// Whether `from` reaches `to` with one ping (ARP included).
fn reaches(from: &Host, to: &Host) -> bool {
    from.ping(&to.ip, 1)
}

#[test]
fn vlan_modes_across_a_patch_pair() {
    let bed = Bed::start("vlanmodes");
    bed.add_bridge("br0");
    bed.add_bridge("br1");
    let h1 = bed.host("h1", "10.5.0.1/24");
    let h2 = bed.host("h2", "10.5.0.2/24");
    let h3 = bed.host("h3", "10.5.0.3/24");
    let h4 = bed.host("h4", "10.5.0.4/24");
    bed.add_port("br0", &h1);
    bed.add_port("br0", &h2);
    bed.add_port("br1", &h3);
    bed.add_port("br1", &h4);
    set_port(&bed, &h1.port, &["tag=100"]);
    set_port(&bed, &h2.port, &["tag=200"]);
    set_port(&bed, &h3.port, &["tag=100"]);
    set_port(&bed, &h4.port, &["tag=200"]);
    let (pa, pb) = (format!("pa{}", bed.id()), format!("pb{}", bed.id()));
    bed.vsctl_ok(&[
        "add-port",
        "br0",
        &pa,
        "--",
        "set",
        "interface",
        &pa,
        "type=patch",
        &format!("options:peer={pb}"),
        "--",
        "add-port",
        "br1",
        &pb,
        "--",
        "set",
        "interface",
        &pb,
        "type=patch",
        &format!("options:peer={pa}"),
    ]);

    // Patch ports trunk every VLAN by default.
    assert!(reaches(&h1, &h3), "VLAN 100 across the patch");
    assert!(reaches(&h2, &h4), "VLAN 200 across the patch");
    assert!(!reaches(&h1, &h2), "100 and 200 on one bridge");
    assert!(!reaches(&h1, &h4), "100 to 200 across the patch");
    assert!(
        !reaches(&h3, &h2),
        "100 to 200 across the patch, the other way"
    );

    // Trunks of VLAN 100 only on the patch pair.
    set_port(&bed, &pa, &["vlan_mode=trunk", "trunks=100"]);
    set_port(&bed, &pb, &["vlan_mode=trunk", "trunks=100"]);
    assert!(reaches(&h1, &h3), "VLAN 100 still crosses");
    assert!(!reaches(&h2, &h4), "VLAN 200 no longer crosses");

    // h1 native-tagged in VLAN 100: what reaches it from VLAN 100 carries the tag (its
    // kernel has no VLAN device, so it does not answer).
    set_port(&bed, &h1.port, &["vlan_mode=native-tagged", "tag=100"]);
    let cap = Capture::start(&h1.ns, &h1.ifname, "arp or icmp or vlan");
    assert!(!reaches(&h3, &h1), "h1 cannot read tagged frames");
    let lines = cap.stop();
    let from_h3: Vec<&String> = lines.iter().filter(|l| l.contains(&h3.mac)).collect();
    assert!(
        !from_h3.is_empty(),
        "nothing from h3 reached h1:\n{lines:#?}"
    );
    assert!(
        from_h3
            .iter()
            .all(|l| l.contains("802.1Q") && l.contains("vlan 100")),
        "native-tagged: every frame tagged with VLAN 100:\n{lines:#?}"
    );

    // Native-untagged: the same frames come untagged, and h1 answers (its untagged
    // frames join VLAN 100).
    set_port(&bed, &h1.port, &["vlan_mode=native-untagged"]);
    let cap = Capture::start(&h1.ns, &h1.ifname, "arp or icmp or vlan");
    assert!(reaches(&h3, &h1), "native-untagged VLAN 100");
    let lines = cap.stop();
    let from_h3: Vec<&String> = lines.iter().filter(|l| l.contains(&h3.mac)).collect();
    assert!(
        !from_h3.is_empty(),
        "nothing from h3 reached h1:\n{lines:#?}"
    );
    assert!(
        from_h3.iter().all(|l| !l.contains("802.1Q")),
        "native-untagged: no frame tagged:\n{lines:#?}"
    );
    assert!(!reaches(&h2, &h1), "VLAN 200 still apart from h1");
}
