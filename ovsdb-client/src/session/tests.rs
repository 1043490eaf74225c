//! Protocol tests of the session, with no server: each test plays the server's part.

use serde_json::{json, Value};

use super::*;

fn schema_json() -> Value {
    json!({"name": "Open_vSwitch", "version": "8.3.1", "tables": {
        "Open_vSwitch": {"columns": {"next_cfg": {"type": "integer"}, "cur_cfg": {"type": "integer"}}},
    }})
}

/// Answers the newest request, checking its method.
fn reply(s: &mut Session, method: &str, result: Value, error: Value) -> Vec<Event> {
    let out = s.take_outgoing();
    let Some(Message::Request { id, method: m, .. }) = out.last() else {
        panic!("no request to answer in {out:?}");
    };
    assert_eq!(m, method, "outgoing: {out:?}");
    s.receive(Message::Response {
        result,
        error,
        id: id.clone(),
    })
}

fn unknown() -> Value {
    json!({"error": "unknown method"})
}

fn server_row(model: &str, connected: bool, leader: bool) -> Value {
    json!({"Database": {"d1": {"initial": {
        "name": "Open_vSwitch", "model": model, "connected": connected, "leader": leader}}}})
}

fn session() -> Session {
    let mut s = Session::new(
        "Open_vSwitch",
        &[("Open_vSwitch", &["next_cfg"])],
        Some("ovs_vswitchd"),
    );
    s.connected();
    s
}

/// Runs the handshake up to the data monitor request, on a standalone server.
fn to_monitor(s: &mut Session) {
    let ev = reply(
        s,
        "monitor_cond",
        server_row("standalone", true, true),
        Value::Null,
    );
    assert!(ev.is_empty(), "{ev:?}");
    assert!(reply(s, "get_schema", schema_json(), Value::Null).is_empty());
}

fn next_cfg(s: &Session) -> i64 {
    s.replica()
        .unwrap()
        .row("Open_vSwitch", "r1")
        .map_or(-1, |r| r.int("next_cfg"))
}

#[test]
fn falls_back_to_monitor_cond_then_monitor() {
    let mut s = session();
    to_monitor(&mut s);
    assert!(reply(&mut s, "monitor_cond_since", Value::Null, unknown()).is_empty());
    assert!(reply(&mut s, "monitor_cond", Value::Null, unknown()).is_empty());
    let ev = reply(
        &mut s,
        "monitor",
        json!({"Open_vSwitch": {"r1": {"new": {"next_cfg": 4}}}}),
        Value::Null,
    );
    assert_eq!(ev, vec![Event::Ready]);
    assert_eq!(next_cfg(&s), 4);
    assert!(!s.has_lock());
    assert_eq!(
        reply(&mut s, "lock", json!({"locked": false}), Value::Null),
        vec![Event::LockNotHeld]
    );
    let ev = s.receive(Message::Notification {
        method: "locked".into(),
        params: vec![json!("ovs_vswitchd")],
    });
    assert_eq!(ev, vec![Event::LockAcquired]);
    assert!(s.has_lock());
    let ev = s.receive(Message::Notification {
        method: "stolen".into(),
        params: vec![json!("ovs_vswitchd")],
    });
    assert_eq!(ev, vec![Event::LockNotHeld]);
}

#[test]
fn servers_without_server_database_are_standalone() {
    let mut s = session();
    assert!(reply(
        &mut s,
        "monitor_cond",
        Value::Null,
        json!({"error": "unknown database"})
    )
    .is_empty());
    assert!(reply(&mut s, "get_schema", schema_json(), Value::Null).is_empty());
    assert_eq!(s.take_outgoing().len(), 1);
}

#[test]
fn cluster_members_that_cannot_serve_ask_for_another_remote() {
    let mut s = session();
    let ev = reply(
        &mut s,
        "monitor_cond",
        server_row("clustered", false, false),
        Value::Null,
    );
    assert!(matches!(&ev[..], [Event::Reconnect(m)] if m.contains("disconnected")));

    let mut s = session();
    let ev = reply(
        &mut s,
        "monitor_cond",
        server_row("clustered", true, false),
        Value::Null,
    );
    assert!(matches!(&ev[..], [Event::Reconnect(m)] if m.contains("not the leader")));

    let mut s = session();
    s.set_leader_only(false);
    let ev = reply(
        &mut s,
        "monitor_cond",
        server_row("clustered", true, false),
        Value::Null,
    );
    assert!(ev.is_empty());

    // A member that later loses the cluster is left as well.
    let mut s = session();
    to_monitor(&mut s);
    let ev = s.receive(Message::Notification {
        method: "update2".into(),
        params: vec![
            json!("rvs-server"),
            json!({"Database": {"d1": {"modify": {
            "name": "Open_vSwitch", "model": "clustered", "connected": false}}}}),
        ],
    });
    assert!(matches!(&ev[..], [Event::Reconnect(_)]));

    let mut s = session();
    let ev = reply(&mut s, "monitor_cond", json!({"Database": {}}), Value::Null);
    assert!(matches!(&ev[..], [Event::Reconnect(m)] if m.contains("does not have database")));
}

#[test]
fn monitor_cond_since_resyncs_incrementally() {
    let mut s = session();
    to_monitor(&mut s);
    let ev = reply(
        &mut s,
        "monitor_cond_since",
        json!([false, "t1", {"Open_vSwitch": {"r1": {"initial": {"next_cfg": 1}}}}]),
        Value::Null,
    );
    assert_eq!(ev, vec![Event::Ready]);
    assert_eq!(s.last_txn_id(), Some("t1"));
    let ev = s.receive(Message::Notification {
        method: "update3".into(),
        params: vec![
            json!("rvs"),
            json!("t2"),
            json!({"Open_vSwitch": {"r1": {"modify": {"next_cfg": 2}}}}),
        ],
    });
    assert_eq!(ev, vec![Event::Updated]);
    assert_eq!((next_cfg(&s), s.last_txn_id()), (2, Some("t2")));

    // The connection drops; a transaction in flight is reported lost.
    let txn = s.transact(vec![json!({"op": "comment", "comment": "x"})]);
    let ev = s.disconnected();
    assert_eq!(
        ev,
        vec![Event::TxnDone {
            id: txn,
            result: Err(TxnError::ConnectionLost)
        }]
    );
    assert!(!s.is_ready() && !s.has_lock());

    // Reconnect: the request carries the last id, and found=true keeps the rows.
    s.connected();
    to_monitor(&mut s);
    let out = s.take_outgoing();
    let Some(Message::Request { params, .. }) = out.last() else {
        panic!()
    };
    assert_eq!(params.last(), Some(&json!("t2")));
    s.outgoing = out;
    let ev = reply(
        &mut s,
        "monitor_cond_since",
        json!([true, "t3", {"Open_vSwitch": {"r1": {"modify": {"next_cfg": 3}}}}]),
        Value::Null,
    );
    assert_eq!(ev, vec![Event::Ready]);
    assert_eq!(
        next_cfg(&s),
        3,
        "incremental update applied on top of the kept rows"
    );

    // found=false: the server lost our history, the replica starts over.
    s.disconnected();
    s.connected();
    to_monitor(&mut s);
    reply(
        &mut s,
        "monitor_cond_since",
        json!([false, "t9", {}]),
        Value::Null,
    );
    assert_eq!(next_cfg(&s), -1);
}

#[test]
fn missing_column_is_fatal() {
    let mut s = Session::new("Open_vSwitch", &[("Open_vSwitch", &["bridges"])], None);
    s.connected();
    reply(
        &mut s,
        "monitor_cond",
        server_row("standalone", true, true),
        Value::Null,
    );
    let ev = reply(&mut s, "get_schema", schema_json(), Value::Null);
    assert!(matches!(&ev[..], [Event::Fatal(m)] if m.contains("no column bridges")));
}

#[test]
fn echo_is_answered_and_txn_errors_are_classified() {
    let mut s = Session::new("Open_vSwitch", &[], None);
    s.receive(Message::Request {
        method: "echo".into(),
        params: vec![json!("x")],
        id: json!("echo"),
    });
    let out = s.take_outgoing();
    assert_eq!(
        out,
        vec![Message::Response {
            result: json!(["x"]),
            error: Value::Null,
            id: json!("echo")
        }]
    );

    let id = s.transact(vec![json!({"op": "comment", "comment": "x"})]);
    let ev = reply(
        &mut s,
        "transact",
        json!([{}, {"error": "constraint violation", "details": "bad"}]),
        Value::Null,
    );
    assert!(
        matches!(&ev[..], [Event::TxnDone { id: i, result: Err(TxnError::Failed(e)) }] if *i == id && e.contains("bad"))
    );

    s.transact(vec![json!({"op": "wait"})]);
    let ev = reply(
        &mut s,
        "transact",
        json!([{"error": "timed out"}]),
        Value::Null,
    );
    assert!(matches!(
        &ev[..],
        [Event::TxnDone {
            result: Err(TxnError::TryAgain(_)),
            ..
        }]
    ));

    s.transact(vec![]);
    let ev = reply(&mut s, "transact", Value::Null, json!("not leader"));
    assert!(matches!(
        &ev[..],
        [Event::TxnDone {
            result: Err(TxnError::Failed(_)),
            ..
        }]
    ));
}

#[test]
fn lock_steal_and_unlock() {
    let mut s = session();
    s.steal_lock();
    let ev = reply(&mut s, "steal", json!({"locked": true}), Value::Null);
    assert_eq!(ev, vec![Event::LockAcquired]);
    s.unlock();
    assert!(s.has_lock(), "no lock wanted any more");
    assert!(
        matches!(s.take_outgoing().last(), Some(Message::Request { method, .. }) if method == "unlock")
    );
}
