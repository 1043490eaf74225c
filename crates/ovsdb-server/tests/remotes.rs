//! Remotes of `rvs-ovsdb-server`: `ptcp:` and `db:Open_vSwitch,Open_vSwitch,
//! manager_options` (a listener appears when a Manager row with a `ptcp:` target is
//! added, and goes away when it is removed), and the database file created with the
//! built-in `Open_vSwitch` schema when absent. Needs no Open vSwitch.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rvs_jsonrpc::{Framer, Message};
use serde_json::{json, Value};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

fn call<S: Read + Write>(s: &mut S, method: &str, params: Value) -> Value {
    let m = Message::Request {
        method: method.into(),
        params: params.as_array().cloned().unwrap_or_default(),
        id: json!(1),
    };
    s.write_all(&m.to_bytes()).expect("write");
    let mut f = Framer::new();
    let mut buf = [0u8; 65536];
    loop {
        if let Ok(Some(Message::Response { result, error, .. })) = f.next_message() {
            assert!(error.is_null(), "{method}: {error}");
            return result;
        }
        let n = s.read(&mut buf).expect("read");
        assert!(n > 0, "{method}: connection closed");
        f.push(&buf[..n]);
    }
}

fn tcp_up(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

fn wait(what: &str, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ptcp_and_manager_options_remotes() {
    let dir = support::unique_dir("remotes");
    let (p1, p2) = (free_port(), free_port());
    let sock = dir.join("db.sock");
    let mut child = Command::new(support::rvs_server_bin())
        .arg(dir.join("conf.db"))
        .arg(format!("--remote=punix:{}", sock.display()))
        .arg(format!("--remote=ptcp:{p1}:127.0.0.1"))
        .arg("--remote=db:Open_vSwitch,Open_vSwitch,manager_options")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rvs-ovsdb-server");
    wait("the unix socket", || UnixStream::connect(&sock).is_ok());
    assert!(dir.join("conf.db").is_file(), "database file not created");
    let mut tcp = TcpStream::connect(("127.0.0.1", p1)).expect("ptcp remote");
    let dbs = call(&mut tcp, "list_dbs", json!([]));
    assert_eq!(dbs, json!(["Open_vSwitch", "_Server"]));
    assert!(!tcp_up(p2));
    let target = format!("ptcp:{p2}:127.0.0.1");
    let r = call(
        &mut tcp,
        "transact",
        json!(["Open_vSwitch",
            {"op": "insert", "table": "Manager", "row": {"target": target}, "uuid-name": "m"},
            {"op": "insert", "table": "Open_vSwitch", "row": {"manager_options": ["named-uuid", "m"]}}]),
    );
    assert!(
        r.as_array()
            .is_some_and(|a| a.iter().all(|x| x.get("error").is_none())),
        "{r}"
    );
    wait("the manager_options listener", || tcp_up(p2));
    let mut m = TcpStream::connect(("127.0.0.1", p2)).expect("manager remote");
    assert_eq!(call(&mut m, "echo", json!(["hi"])), json!(["hi"]));
    // Removing the manager closes its listener (the Manager row is garbage collected).
    let r = call(
        &mut tcp,
        "transact",
        json!(["Open_vSwitch", {"op": "update", "table": "Open_vSwitch", "where": [], "row": {"manager_options": ["set", []]}}]),
    );
    assert_eq!(r, json!([{"count": 1}]));
    let r = call(
        &mut tcp,
        "transact",
        json!(["Open_vSwitch", {"op": "select", "table": "Manager", "where": [], "columns": ["target"]}]),
    );
    assert_eq!(r[0]["rows"], json!([]), "Manager row not collected: {r}");
    wait("the listener to close", || !tcp_up(p2));
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Active remotes: the server connects out (`tcp:`, from the command line and from
/// a Manager row) and serves the peer that accepted, like an OVSDB manager.
#[test]
fn active_tcp_remotes() {
    let dir = support::unique_dir("active");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mgr = TcpListener::bind("127.0.0.1:0").expect("bind");
    let mgr_port = mgr.local_addr().expect("addr").port();
    let sock = dir.join("db.sock");
    let mut child = Command::new(support::rvs_server_bin())
        .arg(dir.join("conf.db"))
        .arg(format!("--remote=punix:{}", sock.display()))
        .arg(format!("--remote=tcp:127.0.0.1:{port}"))
        .arg("--remote=db:Open_vSwitch,Open_vSwitch,manager_options")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rvs-ovsdb-server");
    let (mut s, _) = listener.accept().expect("the server connects out");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    assert_eq!(
        call(&mut s, "list_dbs", json!([])),
        json!(["Open_vSwitch", "_Server"])
    );
    let target = format!("tcp:127.0.0.1:{mgr_port}");
    let r = call(
        &mut s,
        "transact",
        json!(["Open_vSwitch",
            {"op": "insert", "table": "Manager", "row": {"target": target}, "uuid-name": "m"},
            {"op": "insert", "table": "Open_vSwitch", "row": {"manager_options": ["named-uuid", "m"]}}]),
    );
    assert!(
        r.as_array()
            .is_some_and(|a| a.iter().all(|x| x.get("error").is_none())),
        "{r}"
    );
    let (mut m, _) = mgr.accept().expect("the server connects to the manager");
    m.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    assert_eq!(call(&mut m, "echo", json!(["x"])), json!(["x"]));
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
