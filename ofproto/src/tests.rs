//! NORMAL through the registry, with megaflow masks checked.

use rvs_packet::actions::DpAction;
use rvs_packet::{EthAddr, Flow};

use crate::{FailMode, Registry, OFPP_LOCAL};

fn mac(b: u8) -> EthAddr {
    EthAddr([0x02, 0, 0, 0, 0, b])
}

fn pkt(in_port: u32, src: u8, dst: EthAddr) -> Flow {
    Flow {
        in_port,
        dl_src: mac(src),
        dl_dst: dst,
        dl_type: 0x0800,
        nw_src: 0x0a00_0001,
        nw_dst: 0x0a00_0002,
        ..Flow::default()
    }
}

/// br0 with LOCAL on datapath port 1 and ports a, b, c on datapath ports 2, 3, 4.
fn registry() -> Registry {
    let mut r = Registry::new();
    r.ensure_bridge("br0", FailMode::Standalone);
    assert_eq!(r.add_port("br0", "br0", 1, None, None), Some(OFPP_LOCAL));
    assert_eq!(r.add_port("br0", "a", 2, None, None), Some(1));
    assert_eq!(r.add_port("br0", "b", 3, None, None), Some(2));
    assert_eq!(r.add_port("br0", "c", 4, Some(10), None), Some(10));
    r
}

#[test]
fn normal_floods_unknown_then_learns() {
    let r = registry();
    let gen0 = r
        .generation_handle()
        .load(std::sync::atomic::Ordering::Relaxed);
    let out = r.upcall(&pkt(2, 1, mac(2)));
    assert_eq!(
        out.actions,
        vec![
            DpAction::Output(3),
            DpAction::Output(4),
            DpAction::Output(1)
        ],
        "flood: every port but the input one, LOCAL included"
    );
    assert!(out.learned);
    assert!(
        r.generation_handle()
            .load(std::sync::atomic::Ordering::Relaxed)
            > gen0
    );
    // The mask covers what NORMAL read and nothing of L3.
    assert_eq!(out.mask.in_port, u32::MAX);
    assert_eq!(out.mask.dl_src, EthAddr::BROADCAST);
    assert_eq!(out.mask.dl_dst, EthAddr::BROADCAST);
    assert_eq!(out.mask.vlan_tci, u16::MAX);
    assert_eq!(
        (out.mask.nw_src, out.mask.nw_dst, out.mask.tp_src),
        (0, 0, 0)
    );

    // The reply goes straight back to port a.
    let out = r.upcall(&pkt(3, 2, mac(1)));
    assert_eq!(out.actions, vec![DpAction::Output(2)]);
    // A refresh is not a change.
    assert!(!r.upcall(&pkt(3, 2, mac(1))).learned);
}

#[test]
fn never_back_out_of_the_input_port() {
    let r = registry();
    r.upcall(&pkt(2, 1, EthAddr::BROADCAST));
    r.upcall(&pkt(2, 3, EthAddr::BROADCAST));
    // mac(3) sits behind port a; a frame from a to mac(3) is dropped.
    assert!(r.upcall(&pkt(2, 1, mac(3))).actions.is_empty());
    // Broadcast never returns to the input port either.
    let out = r.upcall(&pkt(4, 9, EthAddr::BROADCAST));
    assert!(!out.actions.contains(&DpAction::Output(4)));
    assert_eq!(out.actions.len(), 3);
}

#[test]
fn bpdus_are_dropped_and_vlans_are_separate() {
    let r = registry();
    let stp = EthAddr([0x01, 0x80, 0xc2, 0, 0, 0]);
    assert!(r.upcall(&pkt(2, 1, stp)).actions.is_empty());
    r.upcall(&pkt(2, 1, EthAddr::BROADCAST));
    let mut tagged = pkt(3, 2, mac(1));
    tagged.vlan_tci = 0x1000 | 10;
    assert_eq!(
        r.upcall(&tagged).actions.len(),
        3,
        "mac(1) is unknown on VLAN 10"
    );
}

#[test]
fn removed_ports_are_forgotten() {
    let mut r = registry();
    r.upcall(&pkt(2, 1, EthAddr::BROADCAST));
    assert_eq!(r.remove_port("br0", "a"), Some(2));
    let out = r.upcall(&pkt(3, 2, mac(1)));
    assert_eq!(out.actions, vec![DpAction::Output(4), DpAction::Output(1)]);
    let out = r.upcall(&pkt(2, 1, mac(2)));
    assert!(
        out.actions.is_empty(),
        "a removed port's packets go nowhere"
    );
    assert_eq!(r.remove_bridge("br0").len(), 3);
    assert!(r.upcall(&pkt(3, 2, mac(1))).actions.is_empty());
}

#[test]
fn secure_mode_drops_everything() {
    let mut r = registry();
    r.ensure_bridge("br0", FailMode::Secure);
    assert!(r.upcall(&pkt(2, 1, EthAddr::BROADCAST)).actions.is_empty());
}

#[test]
fn patch_ports_join_bridges() {
    let mut r = Registry::new();
    r.ensure_bridge("br0", FailMode::Standalone);
    r.ensure_bridge("br1", FailMode::Standalone);
    r.add_port("br0", "br0", 1, None, None);
    r.add_port("br0", "a", 2, None, None);
    r.add_port("br1", "br1", 3, None, None);
    r.add_port("br1", "b", 4, None, None);
    assert_eq!(r.add_patch_port("br0", "p0", "p1", None, None), Some(2));
    assert_eq!(r.add_patch_port("br1", "p1", "p0", None, None), Some(2));
    // a broadcasts: br0's LOCAL, then through p0 into br1: b and br1's LOCAL.
    let out = r.upcall(&pkt(2, 1, EthAddr::BROADCAST));
    let mut got = out.actions.clone();
    got.sort_by_key(|a| format!("{a}"));
    assert_eq!(
        got,
        vec![
            DpAction::Output(1),
            DpAction::Output(3),
            DpAction::Output(4)
        ]
    );
    // br1 learned mac(1) behind p1: b's reply crosses back to a alone.
    let out = r.upcall(&pkt(4, 2, mac(1)));
    assert_eq!(out.actions, vec![DpAction::Output(2)]);
    // Removing a patch port cuts the path: a broadcast stays in br0.
    r.remove_port("br1", "p1");
    let out = r.upcall(&pkt(2, 1, EthAddr::BROADCAST));
    assert_eq!(
        out.actions,
        vec![DpAction::Output(1)],
        "only br0's LOCAL is left"
    );
}

#[test]
fn patch_port_loops_end() {
    let mut r = Registry::new();
    r.ensure_bridge("br0", FailMode::Standalone);
    r.add_port("br0", "a", 1, None, None);
    // Two patch pairs between the same bridges would loop forever on a flood.
    r.ensure_bridge("br1", FailMode::Standalone);
    r.add_patch_port("br0", "p0", "p1", None, None);
    r.add_patch_port("br1", "p1", "p0", None, None);
    r.add_patch_port("br0", "q0", "q1", None, None);
    r.add_patch_port("br1", "q1", "q0", None, None);
    // The flood goes round p0 -> br1 -> q1 -> br0 -> p0 ... until the depth limit,
    // and translation ends (the loop's copies back to a are one output).
    let out = r.upcall(&pkt(1, 1, EthAddr::BROADCAST));
    assert!(out.actions.len() <= 1, "{:?}", out.actions);
}
