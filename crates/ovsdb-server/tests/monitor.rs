//! `ovsdb-client monitor` (update, via `monitor`/`monitor_cond`), `monitor-cond`
//! with a condition, and `monitor ALL`, against Debian's `ovsdb-server` and
//! `rvs-ovsdb-server`: the same transactions must print the same updates. UUIDs
//! are masked; rows within one update are compared in sorted order (a modified
//! row's old and new lines stay together).

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;

use rvs_jsonrpc::{Framer, Message};
use serde_json::{json, Value};
use support::{mask_uuids, Kind, TestServer};

const TXNS: &[&str] = &[
    r#"[{"op":"insert","table":"A","row":{"name":"b","i":2,"si":["set",[1,2]]}},{"op":"insert","table":"A","row":{"name":"c","i":3}}]"#,
    r#"[{"op":"update","table":"A","where":[["name","==","a"]],"row":{"i":5,"m":["map",[["k","v"]]]}}]"#,
    r#"[{"op":"mutate","table":"A","where":[],"mutations":[["i","+=",1]]}]"#,
    r#"[{"op":"update","table":"A","where":[["name","==","c"]],"row":{"i":0}}]"#,
    r#"[{"op":"insert","table":"B","row":{"n":7},"uuid-name":"b"},{"op":"update","table":"A","where":[["name","==","b"]],"row":{"refs":["named-uuid","b"]}}]"#,
    r#"[{"op":"update","table":"A","where":[["name","==","b"]],"row":{"refs":["set",[]]}}]"#,
    r#"[{"op":"delete","table":"A","where":[["name","==","b"]]}]"#,
    r#"[{"op":"update","table":"A","where":[["name","==","a"]],"row":{"eph":1}}]"#,
    r#"[{"op":"insert","table":"A","row":{"name":"end","i":99}}]"#,
];

fn monitors() -> Vec<Vec<&'static str>> {
    vec![
        vec![
            "--format=json",
            "monitor",
            "@REMOTE@",
            "rfc",
            "A",
            "name,i,si,m,refs",
        ],
        vec![
            "--format=json",
            "monitor-cond",
            "@REMOTE@",
            "rfc",
            r#"[["i",">",2]]"#,
            "A",
            "name,i",
        ],
        vec!["--format=json", "monitor", "@REMOTE@", "rfc", "ALL"],
    ]
}

/// One JSON update per line; rows grouped (a row with an empty "row" cell belongs
/// to the one before) and groups sorted.
fn normalize(out: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for line in out.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            lines.push(mask_uuids(line));
            continue;
        };
        let mut groups: Vec<Vec<String>> = Vec::new();
        for row in v["data"].as_array().cloned().unwrap_or_default() {
            let text = mask_uuids(&row.to_string());
            if row[0] == "" {
                if let Some(g) = groups.last_mut() {
                    g.push(text);
                    continue;
                }
            }
            groups.push(vec![text]);
        }
        groups.sort();
        lines.push(format!(
            "{} {}",
            mask_uuids(&v["headings"].to_string()),
            groups.concat().join(" ")
        ));
    }
    lines
}

fn run(kind: Kind, schema: &Path) -> Vec<Vec<String>> {
    let s = TestServer::start(kind, "monitor", schema);
    let first = r#"["rfc",{"op":"insert","table":"A","row":{"name":"a","i":1}}]"#;
    assert!(s.client(&["transact", "@REMOTE@", first]).status.success());
    let mut children: Vec<(Child, std::path::PathBuf)> = Vec::new();
    for (n, args) in monitors().into_iter().enumerate() {
        let file = s.dir.join(format!("mon{n}.out"));
        let f = std::fs::File::create(&file).expect("output file");
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("@REMOTE@", &s.remote()))
            .collect();
        let child = Command::new("ovsdb-client")
            .args(&args)
            .stdin(Stdio::null())
            .stdout(f)
            .stderr(Stdio::null())
            .spawn()
            .expect("ovsdb-client monitor");
        children.push((child, file));
    }
    let wait_for = |file: &Path, what: &str| {
        let t0 = Instant::now();
        while !std::fs::read_to_string(file)
            .unwrap_or_default()
            .contains(what)
        {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "{kind:?}: no {what} in {}",
                file.display()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    // Initial contents first (the conditional monitor starts empty).
    wait_for(&children[0].1, "\"a\"");
    wait_for(&children[2].1, "\"a\"");
    std::thread::sleep(Duration::from_millis(200));
    for t in TXNS {
        let params = format!("[\"rfc\",{}", t.trim_start_matches('['));
        let out = s.client(&["transact", "@REMOTE@", &params]);
        assert!(out.status.success(), "{kind:?}: {t}");
    }
    let mut outs = Vec::new();
    for (mut child, file) in children {
        wait_for(&file, "\"end\"");
        let _ = child.kill();
        let _ = child.wait();
        outs.push(normalize(
            &std::fs::read_to_string(&file).unwrap_or_default(),
        ));
    }
    outs
}

#[test]
fn monitor_output_matches_ovsdb_server() {
    if !support::have_ovs_tools(&[]) {
        return;
    }
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rfc/rfc.ovsschema");
    let ovs = run(Kind::Ovs, &schema);
    let rvs = run(Kind::Rvs, &schema);
    for (i, (a, b)) in ovs.iter().zip(&rvs).enumerate() {
        assert!(a.len() > 3, "monitor {i} printed too little: {a:?}");
        assert_eq!(a, b, "monitor {i} ({:?}) prints differently", monitors()[i]);
    }
}

/// Sorts the row objects of a `<table-updates>` by their masked text, so that two
/// servers' UUIDs do not decide the order; returns the masked text.
fn canon_updates(v: &Value) -> String {
    let mut tables: Vec<String> = Vec::new();
    for (t, rows) in v.as_object().cloned().unwrap_or_default() {
        let mut rs: Vec<String> = rows
            .as_object()
            .cloned()
            .unwrap_or_default()
            .into_values()
            .map(|r| mask_uuids(&r.to_string()))
            .collect();
        rs.sort();
        tables.push(format!("{t}: {}", rs.join(" ")));
    }
    tables.join("; ")
}

struct Raw {
    s: UnixStream,
    f: Framer,
    seen: Vec<String>,
}

impl Raw {
    fn call(&mut self, method: &str, params: Value, id: u64) -> Value {
        let m = Message::Request {
            method: method.into(),
            params: params.as_array().cloned().unwrap_or_default(),
            id: json!(id),
        };
        self.s.write_all(&m.to_bytes()).expect("write");
        loop {
            while let Ok(Some(m)) = self.f.next_message() {
                match m {
                    Message::Response {
                        result,
                        error,
                        id: rid,
                    } if rid == json!(id) => {
                        return if error.is_null() {
                            result
                        } else {
                            json!({ "error": error })
                        };
                    }
                    Message::Notification { method, params } => {
                        let body = params.last().map(canon_updates).unwrap_or_default();
                        self.seen.push(format!("{method}: {body}"));
                    }
                    _ => {}
                }
            }
            let mut buf = [0u8; 65536];
            let n = self.s.read(&mut buf).expect("read");
            assert!(n > 0, "connection closed");
            self.f.push(&buf[..n]);
        }
    }
}

/// Raw `monitor` (update, with per-request `select`) and `monitor_cond` (update2,
/// conditions, rows entering and leaving them) on both servers: the same
/// notifications after the same transactions.
#[test]
fn raw_monitor_protocols_match_ovsdb_server() {
    if !support::have_ovs_tools(&[]) {
        return;
    }
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rfc/rfc.ovsschema");
    let mut results = Vec::new();
    for kind in [Kind::Ovs, Kind::Rvs] {
        let srv = TestServer::start(kind, "rawmon", &schema);
        let sock = srv.dir.join("db.sock");
        let mut mon = Raw {
            s: UnixStream::connect(&sock).expect("connect"),
            f: Framer::new(),
            seen: Vec::new(),
        };
        let mut w = Raw {
            s: UnixStream::connect(&sock).expect("connect"),
            f: Framer::new(),
            seen: Vec::new(),
        };
        let mut log = Vec::new();
        let first = json!(["rfc", {"op": "insert", "table": "A", "row": {"name": "a", "i": 1, "si": ["set", [1]]}}]);
        w.call("transact", first, 1);
        let v1 = json!(["rfc", "m1", {"A": [
            {"columns": ["name", "i"], "select": {"initial": true, "insert": true, "delete": false, "modify": true}},
            {"columns": ["si"], "select": {"initial": false, "modify": true, "insert": false, "delete": true}}]}]);
        log.push(format!(
            "monitor: {}",
            canon_updates(&mon.call("monitor", v1, 1))
        ));
        let v2 = json!(["rfc", "m2", {"A": {"columns": ["name", "i", "m"], "where": [["i", ">=", 2]]}, "B": {}}]);
        log.push(format!(
            "monitor_cond: {}",
            canon_updates(&mon.call("monitor_cond", v2, 2))
        ));
        for (n, t) in TXNS.iter().enumerate() {
            let params =
                serde_json::from_str::<Value>(&format!("[\"rfc\",{}", t.trim_start_matches('[')))
                    .expect("json");
            w.call("transact", params, 10 + n as u64);
            // An echo round trip: every update of this transaction has arrived.
            mon.call("echo", json!([]), 100 + n as u64);
            log.append(&mut mon.seen);
        }
        let change = json!(["m2", "m2", {"A": [{"where": [["name", "==", "a"]]}]}]);
        log.push(format!(
            "cond_change reply: {}",
            mon.call("monitor_cond_change", change, 500)
        ));
        log.append(&mut mon.seen);
        log.push(format!(
            "cancel: {}",
            mon.call("monitor_cancel", json!(["m1"]), 501)
        ));
        log.push(format!(
            "cancel again: {}",
            mon.call("monitor_cancel", json!(["m1"]), 502)
        ));
        results.push(log);
    }
    assert!(
        results[0].len() > 10,
        "too little happened: {:?}",
        results[0]
    );
    assert_eq!(results[0], results[1]);
}
