//! The sans-IO OVSDB session: handshake (`get_schema`, `monitor_cond` with a fallback to
//! `monitor`, `lock`), echo replies, notifications into the [`Replica`], and transactions.
//!
//! The session never touches a socket. Feed it received messages with
//! [`Session::receive`], and send what [`Session::take_outgoing`] returns. This keeps the
//! protocol testable without a server and lets the caller own reconnection.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::idl::Replica;
use crate::jsonrpc::Message;
use crate::schema::Schema;

/// What the session reports to its owner.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The initial contents of the monitored tables are in the replica.
    Ready,
    /// The replica changed.
    Updated,
    /// The named lock is now held.
    LockAcquired,
    /// The named lock is not held (refused at first, or stolen).
    LockNotHeld,
    /// A transaction finished: the per-operation results, or the reason it failed.
    TxnDone {
        /// The id [`Session::transact`] returned.
        id: u64,
        /// Operation results, or a text error.
        result: Result<Vec<Value>, String>,
    },
    /// The server broke the protocol, or lacks a table or column we need; the caller
    /// should log this and reconnect.
    Fatal(String),
}

#[derive(Debug)]
enum Pending {
    GetSchema,
    MonitorCond,
    Monitor,
    Lock,
    Transact(u64),
}

/// One connection's worth of protocol state.
#[derive(Debug)]
pub struct Session {
    db: String,
    monitor: Vec<(String, Vec<String>)>,
    lock: Option<String>,
    next_id: u64,
    pending: HashMap<u64, Pending>,
    outgoing: Vec<Message>,
    replica: Option<Replica>,
    ready: bool,
    has_lock: bool,
    monitor_id: Value,
}

impl Session {
    /// Starts a session that monitors `columns` of each table in `monitor` in database
    /// `db`, and asks for `lock` if given. The first request is queued at once.
    pub fn new(db: &str, monitor: &[(&str, &[&str])], lock: Option<&str>) -> Session {
        let mut s = Session {
            db: db.into(),
            monitor: monitor
                .iter()
                .map(|(t, cols)| (t.to_string(), cols.iter().map(|c| c.to_string()).collect()))
                .collect(),
            lock: lock.map(str::to_string),
            next_id: 1,
            pending: HashMap::new(),
            outgoing: Vec::new(),
            replica: None,
            ready: false,
            has_lock: false,
            monitor_id: json!("rvs"),
        };
        s.request("get_schema", vec![json!(db)], Pending::GetSchema);
        s
    }

    fn request(&mut self, method: &str, params: Vec<Value>, p: Pending) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.pending.insert(id, p);
        self.outgoing.push(Message::Request {
            method: method.into(),
            params,
            id: json!(id),
        });
        id
    }

    /// Messages to send to the server, oldest first.
    pub fn take_outgoing(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.outgoing)
    }

    /// The replica, once the schema has arrived.
    pub fn replica(&self) -> Option<&Replica> {
        self.replica.as_ref()
    }

    /// Whether the initial monitor reply has been applied.
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// Whether the lock asked for is held (always true when no lock was asked for).
    pub fn has_lock(&self) -> bool {
        self.lock.is_none() || self.has_lock
    }

    /// Queues a `transact` of `ops` on the session's database; the answer arrives as
    /// [`Event::TxnDone`] with the returned id.
    pub fn transact(&mut self, ops: Vec<Value>) -> u64 {
        let txn = self.next_id;
        let mut params = vec![json!(self.db)];
        params.extend(ops);
        self.request("transact", params, Pending::Transact(txn));
        txn
    }

    fn monitor_requests(&self) -> Value {
        let mut m = serde_json::Map::new();
        for (t, cols) in &self.monitor {
            m.insert(t.clone(), json!([{ "columns": cols }]));
        }
        Value::Object(m)
    }

    fn check_schema(&self, schema: &Schema) -> Result<(), String> {
        for (t, cols) in &self.monitor {
            let Some(ts) = schema.tables.get(t) else {
                return Err(format!("database {} has no table {t}", self.db));
            };
            if let Some(c) = cols.iter().find(|c| !ts.columns.contains_key(*c)) {
                return Err(format!(
                    "table {t} in database {} has no column {c}",
                    self.db
                ));
            }
        }
        Ok(())
    }

    /// Processes one message from the server.
    pub fn receive(&mut self, msg: Message) -> Vec<Event> {
        match msg {
            Message::Request { method, params, id } => {
                if method == "echo" {
                    self.outgoing.push(Message::Response {
                        result: Value::Array(params),
                        error: Value::Null,
                        id,
                    });
                } else {
                    self.outgoing.push(Message::Response {
                        result: Value::Null,
                        error: json!({"error": "unknown method", "details": method}),
                        id,
                    });
                }
                Vec::new()
            }
            Message::Notification { method, params } => self.notification(&method, &params),
            Message::Response { result, error, id } => {
                let Some(p) = id.as_u64().and_then(|i| self.pending.remove(&i)) else {
                    // Echo replies to our own echoes, or stale ids: nothing to do.
                    return Vec::new();
                };
                self.response(p, result, error)
            }
        }
    }

    fn notification(&mut self, method: &str, params: &[Value]) -> Vec<Event> {
        let applied = match (method, params, self.replica.as_mut()) {
            ("update2", [_, updates], Some(r)) => r.apply_update2(updates),
            ("update", [_, updates], Some(r)) => r.apply_update(updates),
            ("locked", _, _) => {
                self.has_lock = true;
                return vec![Event::LockAcquired];
            }
            ("stolen", _, _) => {
                self.has_lock = false;
                return vec![Event::LockNotHeld];
            }
            _ => return Vec::new(),
        };
        match applied {
            Ok(()) => vec![Event::Updated],
            Err(e) => vec![Event::Fatal(e.to_string())],
        }
    }

    fn response(&mut self, p: Pending, result: Value, error: Value) -> Vec<Event> {
        let failed = !error.is_null();
        match p {
            Pending::GetSchema => {
                if failed {
                    return vec![Event::Fatal(format!("get_schema failed: {error}"))];
                }
                let schema = match Schema::parse(&result) {
                    Ok(s) => s,
                    Err(e) => return vec![Event::Fatal(e.to_string())],
                };
                if let Err(e) = self.check_schema(&schema) {
                    return vec![Event::Fatal(e)];
                }
                self.replica = Some(Replica::new(schema));
                let params = vec![
                    json!(self.db),
                    self.monitor_id.clone(),
                    self.monitor_requests(),
                ];
                self.request("monitor_cond", params, Pending::MonitorCond);
                Vec::new()
            }
            Pending::MonitorCond | Pending::Monitor if failed => {
                if matches!(p, Pending::MonitorCond) {
                    // An older server: fall back to RFC 7047 monitor.
                    let params = vec![
                        json!(self.db),
                        self.monitor_id.clone(),
                        self.monitor_requests(),
                    ];
                    self.request("monitor", params, Pending::Monitor);
                    return Vec::new();
                }
                vec![Event::Fatal(format!("monitor failed: {error}"))]
            }
            Pending::MonitorCond | Pending::Monitor => {
                let Some(r) = self.replica.as_mut() else {
                    return vec![Event::Fatal("monitor reply before schema".into())];
                };
                r.clear();
                let applied = if matches!(p, Pending::MonitorCond) {
                    r.apply_update2(&result)
                } else {
                    r.apply_update(&result)
                };
                if let Err(e) = applied {
                    return vec![Event::Fatal(e.to_string())];
                }
                self.ready = true;
                if let Some(lock) = self.lock.clone() {
                    self.request("lock", vec![json!(lock)], Pending::Lock);
                }
                vec![Event::Ready]
            }
            Pending::Lock => {
                let locked = result
                    .get("locked")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                self.has_lock = locked && !failed;
                if self.has_lock {
                    vec![Event::LockAcquired]
                } else {
                    vec![Event::LockNotHeld]
                }
            }
            Pending::Transact(id) => {
                let result = if failed {
                    Err(error.to_string())
                } else {
                    match result {
                        Value::Array(ops) => match ops.iter().find_map(|o| o.get("error")) {
                            Some(e) => Err(format!(
                                "{e}: {}",
                                ops.iter()
                                    .find_map(|o| o.get("details"))
                                    .and_then(Value::as_str)
                                    .unwrap_or("")
                            )),
                            None => Ok(ops),
                        },
                        other => Err(format!("transact result is not an array: {other}")),
                    }
                };
                vec![Event::TxnDone { id, result }]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_json() -> Value {
        json!({"name": "Open_vSwitch", "version": "8.3.1", "tables": {
            "Open_vSwitch": {"columns": {"next_cfg": {"type": "integer"}, "cur_cfg": {"type": "integer"}}},
        }})
    }

    fn reply(s: &mut Session, result: Value, error: Value) -> Vec<Event> {
        let out = s.take_outgoing();
        let Some(Message::Request { id, .. }) = out.last() else {
            panic!("nothing to answer in {out:?}");
        };
        s.receive(Message::Response {
            result,
            error,
            id: id.clone(),
        })
    }

    fn method_of(m: &Message) -> &str {
        match m {
            Message::Request { method, .. } => method,
            _ => "",
        }
    }

    #[test]
    fn handshake_falls_back_to_monitor_and_takes_lock() {
        let mut s = Session::new(
            "Open_vSwitch",
            &[("Open_vSwitch", &["next_cfg"])],
            Some("ovs_vswitchd"),
        );
        assert!(reply(&mut s, schema_json(), Value::Null).is_empty());
        let out = s.take_outgoing();
        assert_eq!(method_of(&out[0]), "monitor_cond");
        s.outgoing = out;
        assert!(reply(&mut s, Value::Null, json!({"error": "unknown method"})).is_empty());
        let out = s.take_outgoing();
        assert_eq!(method_of(&out[0]), "monitor");
        s.outgoing = out;
        let ev = reply(
            &mut s,
            json!({"Open_vSwitch": {"r1": {"new": {"next_cfg": 4}}}}),
            Value::Null,
        );
        assert_eq!(ev, vec![Event::Ready]);
        assert_eq!(
            s.replica()
                .unwrap()
                .row("Open_vSwitch", "r1")
                .unwrap()
                .int("next_cfg"),
            4
        );
        assert!(!s.has_lock());
        assert_eq!(
            reply(&mut s, json!({"locked": false}), Value::Null),
            vec![Event::LockNotHeld]
        );
        let ev = s.receive(Message::Notification {
            method: "locked".into(),
            params: vec![json!("ovs_vswitchd")],
        });
        assert_eq!(ev, vec![Event::LockAcquired]);
        assert!(s.has_lock());
    }

    #[test]
    fn missing_column_is_fatal() {
        let mut s = Session::new("Open_vSwitch", &[("Open_vSwitch", &["bridges"])], None);
        let ev = reply(&mut s, schema_json(), Value::Null);
        assert!(matches!(&ev[..], [Event::Fatal(m)] if m.contains("no column bridges")));
    }

    #[test]
    fn echo_is_answered_and_txn_errors_surface() {
        let mut s = Session::new("Open_vSwitch", &[], None);
        s.take_outgoing();
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
            json!([{}, {"error": "constraint violation", "details": "bad"}]),
            Value::Null,
        );
        assert!(
            matches!(&ev[..], [Event::TxnDone { id: i, result: Err(e) }] if *i == id && e.contains("bad"))
        );
    }
}
