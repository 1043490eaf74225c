//! vhost-user ports end to end with `dpdk-testpmd` guests (no VM): server mode
//! (`dpdkvhostuser`), client mode (`dpdkvhostuserclient`) across a switch restart and a
//! guest restart. Configured through the real `ovs-vsctl`.
//!
//! Run as root. `RVS_E2E_SWITCH=ovs` runs them against Debian's `ovs-vswitchd-dpdk`.

use std::sync::Mutex;

use rvs_e2e::guest::{Guest, GuestMode};
use rvs_e2e::{wait_until, Bed, SETTLE};

/// DPDK processes busy-poll: one test at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn add_vhost(bed: &Bed, name: &str, kind: &str, extra: &[&str]) {
    let ty = format!("type={kind}");
    let mut args = vec!["add-port", "br0", name, "--", "set", "Interface", name, &ty];
    args.extend_from_slice(extra);
    bed.vsctl_ok(&args);
}

/// Waits until `rx` has received at least `n` more packets than `from`.
fn rx_grows(rx: &Guest, from: u64, n: u64) -> bool {
    wait_until(SETTLE, || rx.counters().0 >= from + n)
}

#[test]
fn server_mode_carries_frames_between_two_guests() {
    let _s = serial();
    let bed = Bed::start_dpdk("vhost_server");
    bed.add_bridge("br0");
    add_vhost(&bed, "vhu0", "dpdkvhostuser", &[]);
    add_vhost(&bed, "vhu1", "dpdkvhostuser", &[]);
    assert_eq!(bed.db.iface_error("vhu0"), None);
    let id = bed.id();
    // The sockets are in OVS_RUNDIR, named after the ports.
    let rx = Guest::start(
        bed.dir(),
        &format!("g1{id}"),
        &bed.dir().join("vhu1"),
        false,
        GuestMode::RxOnly,
    );
    let tx = Guest::start(
        bed.dir(),
        &format!("g0{id}"),
        &bed.dir().join("vhu0"),
        false,
        GuestMode::TxOnly,
    );
    assert!(
        rx_grows(&rx, 0, 10_000),
        "the receiving guest got {:?}; sender {:?}\n{}\n{}",
        rx.counters(),
        tx.counters(),
        rx.tail(20),
        tx.tail(20)
    );
    let up = wait_until(SETTLE, || {
        bed.db.get("Interface", "vhu1", "link_state") == "up"
    });
    assert!(up, "vhu1 link_state never up");
}

#[test]
fn client_mode_survives_a_switch_restart_and_a_guest_restart() {
    let _s = serial();
    let mut bed = Bed::start_dpdk("vhost_client");
    bed.add_bridge("br0");
    let id = bed.id();
    let s0 = bed.dir().join("guest0.sock");
    let s1 = bed.dir().join("guest1.sock");
    // The guests serve the sockets; the switch connects to them.
    let mut rx = Guest::start(bed.dir(), &format!("g1{id}"), &s1, true, GuestMode::RxOnly);
    let tx = Guest::start(bed.dir(), &format!("g0{id}"), &s0, true, GuestMode::TxOnly);
    let p0 = format!("options:vhost-server-path={}", s0.display());
    let p1 = format!("options:vhost-server-path={}", s1.display());
    add_vhost(&bed, "vhc0", "dpdkvhostuserclient", &[&p0]);
    add_vhost(&bed, "vhc1", "dpdkvhostuserclient", &[&p1]);
    assert!(
        rx_grows(&rx, 0, 10_000),
        "no traffic before the restart: rx {:?} tx {:?}\n{}",
        rx.counters(),
        tx.counters(),
        rx.tail(20)
    );

    // The switch goes away and comes back: the guests do nothing.
    bed.switch.restart();
    let before = rx.counters().0;
    assert!(
        rx_grows(&rx, before, 10_000),
        "no traffic after the switch restarted: rx {:?}\n{}",
        rx.counters(),
        rx.tail(20)
    );

    // The receiving guest crashes and comes back: the switch reconnects to it.
    rx.restart();
    assert!(
        rx_grows(&rx, 0, 10_000),
        "no traffic after the guest restarted: rx {:?}\n{}",
        rx.counters(),
        rx.tail(20)
    );
}
