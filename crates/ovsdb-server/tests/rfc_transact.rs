//! RFC 7047 transactions (`tests/rfc/transactions.txt`: every operation, condition
//! function, mutator and error class) sent with the real `ovsdb-client transact`
//! to Debian's `ovsdb-server` and to `rvs-ovsdb-server`, one after the other on
//! databases made from the same test schema. The answers must be the same, with
//! UUIDs masked and rows and UUID sets compared in sorted order; where the two
//! servers word an error's `details` differently, only its `error` is compared
//! (those are listed on stderr).

mod support;

use std::path::Path;

use serde_json::Value;
use support::{mask_uuids, Kind, TestServer};

/// Masks UUIDs and sorts what the servers may order differently: select rows and
/// sets (of UUIDs, once masked).
fn canon(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(mask_uuids(s)),
        Value::Array(a) => {
            let mut items: Vec<Value> = a.iter().map(canon).collect();
            if a.len() == 2 && a[0] == "set" {
                if let Value::Array(inner) = &mut items[1] {
                    inner.sort_by_key(|x| x.to_string());
                }
            }
            Value::Array(items)
        }
        Value::Object(o) => {
            let mut m = serde_json::Map::new();
            for (k, x) in o {
                let mut c = canon(x);
                if k == "rows" {
                    if let Value::Array(rows) = &mut c {
                        rows.sort_by_key(|r| r.to_string());
                    }
                }
                m.insert(k.clone(), c);
            }
            Value::Object(m)
        }
        other => other.clone(),
    }
}

/// Compares two answers; `Ok(n)` with the number of errors compared by tag only.
fn compare(a: &Value, b: &Value) -> Result<usize, String> {
    if a == b {
        return Ok(0);
    }
    match (a, b) {
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            let mut n = 0;
            for (p, q) in x.iter().zip(y) {
                n += compare(p, q)?;
            }
            Ok(n)
        }
        (Value::Object(x), Value::Object(y))
            if x.contains_key("error") && y.contains_key("error") =>
        {
            if x.get("error") == y.get("error") {
                Ok(1)
            } else {
                Err(format!("error {} vs {}", x["error"], y["error"]))
            }
        }
        _ => Err(format!("{a} vs {b}")),
    }
}

fn transact(s: &TestServer, ops: &str) -> Result<Value, String> {
    let params = format!("[\"rfc\",{}", ops.trim_start().trim_start_matches('['));
    let out = s.client(&["transact", "@REMOTE@", &params]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(mask_uuids(&String::from_utf8_lossy(&out.stderr)));
    }
    serde_json::from_str(stdout.trim()).map_err(|e| format!("bad output {stdout:?}: {e}"))
}

#[test]
fn rfc7047_transactions_match_ovsdb_server() {
    if !support::have_ovs_tools(&[]) {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rfc");
    let schema = dir.join("rfc.ovsschema");
    let text = std::fs::read_to_string(dir.join("transactions.txt")).expect("transactions");
    let ovs = TestServer::start(Kind::Ovs, "rfc-ovs", &schema);
    let rvs = TestServer::start(Kind::Rvs, "rfc-rvs", &schema);
    let mut failures = Vec::new();
    let mut by_tag = 0;
    let mut n = 0;
    for (lineno, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        n += 1;
        let a = transact(&ovs, line).map(|v| canon(&v));
        let b = transact(&rvs, line).map(|v| canon(&v));
        match (&a, &b) {
            (Ok(x), Ok(y)) => match compare(x, y) {
                Ok(k) => {
                    if k > 0 {
                        eprintln!(
                            "line {}: error details differ (tags equal):\n  ovs {x}\n  rvs {y}",
                            lineno + 1
                        );
                    }
                    by_tag += k;
                }
                Err(e) => failures.push(format!(
                    "line {}: {line}\n  {e}\n  ovs: {x}\n  rvs: {y}",
                    lineno + 1
                )),
            },
            (Err(x), Err(y))
                if x.replace("ovsdb-server", "X") == y.replace("ovsdb-server", "X") => {}
            _ => failures.push(format!(
                "line {}: {line}\n  ovs: {a:?}\n  rvs: {b:?}",
                lineno + 1
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} transactions differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(n > 80, "only {n} transactions");
    eprintln!("{n} transactions answered alike ({by_tag} errors compared by tag only)");
}
