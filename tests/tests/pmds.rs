//! NORMAL forwarding between af_packet ports with one and with two PMD threads
//! (`other_config:pmd-cpu-mask`), checked with ping, an iperf3 TCP run, and a TCP
//! transfer whose every byte is checked (iperf3's own byte counts are not exact). With
//! two PMDs, each port's receive queue is polled by its own thread and both transmit
//! on both ports.
//!
//! TCP over af_packet retransmits: the kernel drops at the socket when the sender
//! outruns the switch (no backpressure), which is how TCP finds the rate. OVS shows
//! more of them on this path; the test reports the count and does not bound it.
//!
//! Run as root. `RVS_E2E_SWITCH=ovs` runs it against Debian's `ovs-vswitchd`.

use std::process::Stdio;
use std::time::Duration;

use rvs_e2e::{wait_until, Bed};

/// Bytes of the checked transfer.
const TRANSFER: usize = 32 << 20;

/// Sends [`TRANSFER`] pseudo-random bytes over TCP from `a` to `b`; returns the
/// SHA-256 of what was sent and of what arrived.
fn checked_transfer(a: &rvs_e2e::Host, b: &rvs_e2e::Host) -> (String, String) {
    let recv = [
        "import socket,hashlib".to_string(),
        "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)".into(),
        format!("s.bind(('{}',5202)); s.listen(1); s.settimeout(30)", b.ip),
        "c,_=s.accept(); c.settimeout(30); h=hashlib.sha256()".into(),
        "while True:".into(),
        "  d=c.recv(65536)".into(),
        "  if not d: break".into(),
        "  h.update(d)".into(),
        "print(h.hexdigest())".into(),
    ]
    .join("\n");
    let server =
        b.ns.command(&["python3", "-c", &recv])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("receiver");
    let send = [
        "import socket,hashlib,random,time".to_string(),
        format!("data=random.Random(7).randbytes({TRANSFER})"),
        "for i in range(100):".into(),
        "  try:".into(),
        format!("    s=socket.create_connection(('{}',5202)); break", b.ip),
        "  except OSError: time.sleep(0.1)".into(),
        "s.sendall(data); s.close(); print(hashlib.sha256(data).hexdigest())".into(),
    ]
    .join("\n");
    let out = a.ns.run(&["python3", "-c", &send]);
    let sent = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let got = server.wait_with_output().expect("receiver output");
    (sent, String::from_utf8_lossy(&got.stdout).trim().to_owned())
}

/// Runs iperf3 (TCP, 2 s) from `a` to a server in `b`; returns (bytes received,
/// retransmitted segments).
fn iperf(a: &rvs_e2e::Host, b: &rvs_e2e::Host) -> (u64, u64) {
    let mut server =
        b.ns.command(&["iperf3", "-s", "-1", "-B", &b.ip, "-p", "5201"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("iperf3 server");
    // The server listens within a moment; the client retries until it connects.
    let mut json = String::new();
    let ok = wait_until(Duration::from_secs(20), || {
        let out =
            a.ns.run(&["iperf3", "-c", &b.ip, "-p", "5201", "-t", "2", "-J"]);
        json = String::from_utf8_lossy(&out.stdout).into_owned();
        // iperf3 3.12 exits 0 with -J even when it could not connect.
        out.status.success() && !json.contains("\"error\"")
    });
    let _ = server.kill();
    let _ = server.wait();
    assert!(ok, "iperf3 failed:\n{json}");
    let v: serde_json::Value = serde_json::from_str(&json).expect("iperf3 -J output");
    let received = v["end"]["sum_received"]["bytes"].as_u64().unwrap_or(0);
    let retransmits = v["end"]["sum_sent"]["retransmits"]
        .as_u64()
        .unwrap_or(u64::MAX);
    (received, retransmits)
}

fn run(mask: Option<&str>, test: &str) {
    let bed = Bed::start(test);
    if let Some(m) = mask {
        bed.vsctl_ok(&[
            "set",
            "Open_vSwitch",
            ".",
            &format!("other_config:pmd-cpu-mask={m}"),
        ]);
    }
    bed.add_bridge("br0");
    let a = bed.host("a", "10.0.0.1/24");
    let b = bed.host("b", "10.0.0.2/24");
    bed.add_port("br0", &a);
    bed.add_port("br0", &b);
    assert!(a.ping(&b.ip, 3), "ping a -> b");
    assert!(b.ping(&a.ip, 3), "ping b -> a");
    let (received, retransmits) = iperf(&a, &b);
    eprintln!("{test}: iperf3 moved {received} bytes, {retransmits} retransmits");
    assert!(received > 1_000_000, "iperf3 moved only {received} bytes");
    let (sent, arrived) = checked_transfer(&a, &b);
    assert_eq!(sent.len(), 64, "sender failed: {sent:?}");
    assert_eq!(sent, arrived, "the TCP transfer did not arrive whole");
}

#[test]
fn normal_with_one_pmd() {
    run(None, "one_pmd");
}

#[test]
fn normal_with_two_pmds() {
    run(Some("0x3"), "two_pmds");
}
