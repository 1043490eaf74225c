//! Crash safety: a client streams transactions to `rvs-ovsdb-server` while the
//! server gets SIGKILL at a random moment; after a restart every acknowledged
//! transaction is present and nothing that was never sent is. 25 rounds on the
//! same file, so later rounds also start from files earlier kills left behind.
//! Needs no Open vSwitch.

mod support;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rvs_jsonrpc::{Framer, Message};
use serde_json::{json, Value};

fn start(dir: &std::path::Path) -> Child {
    let sock = dir.join("db.sock");
    let _ = std::fs::remove_file(&sock);
    let child = Command::new(support::rvs_server_bin())
        .arg(dir.join("conf.db"))
        .arg(format!("--remote=punix:{}", sock.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rvs-ovsdb-server");
    let t0 = Instant::now();
    while UnixStream::connect(&sock).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

struct Conn {
    s: UnixStream,
    f: Framer,
    next: u64,
}

impl Conn {
    fn open(dir: &std::path::Path) -> std::io::Result<Conn> {
        let s = UnixStream::connect(dir.join("db.sock"))?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        Ok(Conn {
            s,
            f: Framer::new(),
            next: 1,
        })
    }

    /// Sends a transaction; the reply's result, or None if the server went away.
    fn transact(&mut self, ops: Value) -> Option<Value> {
        let id = self.next;
        self.next += 1;
        let mut params = vec![json!("Open_vSwitch")];
        params.extend(ops.as_array().cloned().unwrap_or_default());
        let m = Message::Request {
            method: "transact".into(),
            params,
            id: json!(id),
        };
        self.s.write_all(&m.to_bytes()).ok()?;
        let mut buf = [0u8; 65536];
        loop {
            match self.f.next_message() {
                Ok(Some(Message::Response {
                    result, id: rid, ..
                })) if rid == json!(id) => return Some(result),
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(_) => return None,
            }
            let n = self.s.read(&mut buf).ok()?;
            if n == 0 {
                return None;
            }
            self.f.push(&buf[..n]);
        }
    }
}

fn present(dir: &std::path::Path) -> BTreeSet<u64> {
    let mut c = Conn::open(dir).expect("connect");
    let r = c
        .transact(
            json!([{"op": "select", "table": "QoS", "where": [], "columns": ["external_ids"]}]),
        )
        .expect("select");
    let mut out = BTreeSet::new();
    for row in r[0]["rows"].as_array().cloned().unwrap_or_default() {
        for pair in row["external_ids"][1]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            if pair[0] == "n" {
                let n: u64 = pair[1].as_str().and_then(|s| s.parse().ok()).expect("n");
                assert!(out.insert(n), "row {n} twice");
            }
        }
    }
    out
}

#[test]
fn kill_9_loses_no_acknowledged_transaction() {
    let dir = support::unique_dir("crash");
    let mut rng = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7)
        | 1;
    let mut rand = move |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let mut acked: BTreeSet<u64> = BTreeSet::new();
    let mut sent: BTreeSet<u64> = BTreeSet::new();
    let mut seq = 0u64;
    let mut total_acked_in_rounds = 0;
    for round in 0..25 {
        let mut child = start(&dir);
        let have = present(&dir);
        assert!(
            acked.is_subset(&have),
            "round {round}: lost {:?}",
            acked.difference(&have).collect::<Vec<_>>()
        );
        assert!(
            have.is_subset(&sent),
            "round {round}: rows never sent {:?}",
            have.difference(&sent).collect::<Vec<_>>()
        );
        acked = have;
        let delay = Duration::from_millis(5 + rand(80));
        let killer = std::thread::spawn(move || {
            std::thread::sleep(delay);
            let _ = child.kill();
            let _ = child.wait();
        });
        let mut c = Conn::open(&dir).expect("connect");
        loop {
            seq += 1;
            sent.insert(seq);
            // Each transaction also modifies the existing rows, so records are not
            // only inserts.
            let ops = json!([
                {"op": "insert", "table": "QoS", "row": {"type": "crash", "external_ids": ["map", [["n", seq.to_string()]]]}},
                {"op": "mutate", "table": "QoS", "where": [["type", "==", "crash"]], "mutations": [["other_config", "insert", ["map", [["last", seq.to_string()]]]]]}
            ]);
            match c.transact(ops) {
                Some(r)
                    if r.as_array().is_some_and(|a| {
                        a.len() == 2 && a.iter().all(|x| x.get("error").is_none())
                    }) =>
                {
                    acked.insert(seq);
                    total_acked_in_rounds += 1;
                }
                Some(r) => panic!("round {round}: transaction failed: {r}"),
                None => break,
            }
        }
        killer.join().expect("killer");
    }
    let mut child = start(&dir);
    let have = present(&dir);
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        acked.is_subset(&have),
        "lost {:?}",
        acked.difference(&have).collect::<Vec<_>>()
    );
    assert!(have.is_subset(&sent));
    assert!(
        total_acked_in_rounds > 25,
        "too few transactions ran: {total_acked_in_rounds}"
    );
    // The file is still one ovsdb-tool reads, when it is installed.
    if let Ok(out) = Command::new("ovsdb-tool")
        .arg("show-log")
        .arg(dir.join("conf.db"))
        .output()
    {
        assert!(
            out.status.success(),
            "ovsdb-tool show-log: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
