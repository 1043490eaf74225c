//! The sans-IO OVSDB session: the handshake, monitors, locks, echo and transactions of
//! one logical client across any number of connections.
//!
//! The session never touches a socket. After each new connection call
//! [`Session::connected`], feed received messages to [`Session::receive`], send what
//! [`Session::take_outgoing`] returns, and call [`Session::disconnected`] when the
//! connection drops. The replica and the last transaction id survive reconnections, so
//! a server that keeps transaction history (`monitor_cond_since`) sends only what
//! changed while the client was away.
//!
//! Handshake on every connection, as OVS's IDL does it:
//! 1. `monitor_cond` on `_Server.Database` (skipped for servers without `_Server`): a
//!    clustered member that is not connected to its cluster, or is not the leader when
//!    the session wants the leader, makes the session ask for another remote;
//! 2. `get_schema` of the database, checked against the columns the session monitors;
//! 3. `monitor_cond_since` (update3), falling back to `monitor_cond` (update2), then to
//!    `monitor` (update);
//! 4. `lock`, when the session holds a named lock.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::idl::Replica;
use crate::jsonrpc::Message;
use crate::schema::Schema;

/// What the session reports to its owner.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The monitored tables are in the replica (after a full or incremental resync).
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
        result: Result<Vec<Value>, TxnError>,
    },
    /// This server cannot serve the session (a cluster member cut off from its
    /// cluster, or not the leader); the caller should try another remote.
    Reconnect(String),
    /// The server broke the protocol, or lacks a table or column the session needs;
    /// the caller should log this and reconnect.
    Fatal(String),
}

/// Why a transaction failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxnError {
    /// The connection dropped before the answer came; the outcome is unknown.
    ConnectionLost,
    /// A `wait` or `verify` prerequisite failed, or the server asked to "try again":
    /// re-read the replica and build the transaction again.
    TryAgain(String),
    /// The server rejected the transaction.
    Failed(String),
}

impl std::fmt::Display for TxnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TxnError::ConnectionLost => f.write_str("connection lost before the reply"),
            TxnError::TryAgain(s) => write!(f, "try again: {s}"),
            TxnError::Failed(s) => f.write_str(s),
        }
    }
}

#[derive(Debug)]
enum Pending {
    ServerMonitor,
    GetSchema,
    MonitorCondSince,
    MonitorCond,
    Monitor,
    Lock,
    Unlock,
    Transact(u64),
}

const SERVER_DB: &str = "_Server";
const SERVER_MONITOR_ID: &str = "rvs-server";
const ZERO_UUID: &str = "00000000-0000-0000-0000-000000000000";

/// One logical client's protocol state.
#[derive(Debug)]
pub struct Session {
    db: String,
    monitor: Vec<(String, Vec<String>)>,
    lock: Option<String>,
    leader_only: bool,
    next_id: u64,
    pending: HashMap<u64, Pending>,
    outgoing: Vec<Message>,
    replica: Option<Replica>,
    ready: bool,
    has_lock: bool,
    monitor_id: Value,
    /// The id of the last transaction the replica reflects (`monitor_cond_since`).
    last_txn_id: Option<String>,
}

impl Session {
    /// A session that monitors `columns` of each table in `monitor` in database `db`
    /// and, if given, holds the named `lock`. Nothing is sent before
    /// [`Session::connected`].
    pub fn new(db: &str, monitor: &[(&str, &[&str])], lock: Option<&str>) -> Session {
        Session {
            db: db.into(),
            monitor: monitor
                .iter()
                .map(|(t, cols)| (t.to_string(), cols.iter().map(|c| c.to_string()).collect()))
                .collect(),
            lock: lock.map(str::to_string),
            leader_only: true,
            next_id: 1,
            pending: HashMap::new(),
            outgoing: Vec::new(),
            replica: None,
            ready: false,
            has_lock: false,
            monitor_id: json!("rvs"),
            last_txn_id: None,
        }
    }

    /// Whether only a cluster's leader will do (the default, as in OVS's IDL).
    pub fn set_leader_only(&mut self, leader_only: bool) {
        self.leader_only = leader_only;
    }

    /// Starts the handshake on a new connection.
    pub fn connected(&mut self) {
        self.disconnected_quietly();
        let req = json!({"Database": [{"columns":
            ["name", "model", "connected", "leader", "schema", "cid", "index"]}]});
        self.request(
            "monitor_cond",
            vec![json!(SERVER_DB), json!(SERVER_MONITOR_ID), req],
            Pending::ServerMonitor,
        );
    }

    fn disconnected_quietly(&mut self) -> Vec<u64> {
        self.outgoing.clear();
        self.ready = false;
        self.has_lock = false;
        let txns = self
            .pending
            .drain()
            .filter_map(|(_, p)| match p {
                Pending::Transact(id) => Some(id),
                _ => None,
            })
            .collect();
        txns
    }

    /// Forgets the connection. Transactions in flight are reported failed with
    /// [`TxnError::ConnectionLost`]; the replica is kept for the next resync.
    pub fn disconnected(&mut self) -> Vec<Event> {
        let mut txns = self.disconnected_quietly();
        txns.sort_unstable();
        txns.into_iter()
            .map(|id| Event::TxnDone {
                id,
                result: Err(TxnError::ConnectionLost),
            })
            .collect()
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

    /// The replica, once a schema has arrived.
    pub fn replica(&self) -> Option<&Replica> {
        self.replica.as_ref()
    }

    /// Whether the monitored tables are loaded on the current connection.
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// Whether the lock asked for is held (always true when no lock was asked for).
    pub fn has_lock(&self) -> bool {
        self.lock.is_none() || self.has_lock
    }

    /// The id of the last transaction reflected in the replica, when the server
    /// reports it (`monitor_cond_since`).
    pub fn last_txn_id(&self) -> Option<&str> {
        self.last_txn_id.as_deref()
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

    /// Takes the lock from whoever holds it (`steal`).
    pub fn steal_lock(&mut self) {
        if let Some(lock) = self.lock.clone() {
            self.request("steal", vec![json!(lock)], Pending::Lock);
        }
    }

    /// Gives the lock up and stops asking for it.
    pub fn unlock(&mut self) {
        if let Some(lock) = self.lock.take() {
            self.has_lock = false;
            self.request("unlock", vec![json!(lock)], Pending::Unlock);
        }
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
                let (result, error) = if method == "echo" {
                    (Value::Array(params), Value::Null)
                } else {
                    (
                        Value::Null,
                        json!({"error": "unknown method", "details": method}),
                    )
                };
                self.outgoing.push(Message::Response { result, error, id });
                Vec::new()
            }
            Message::Notification { method, params } => self.notification(&method, &params),
            Message::Response { result, error, id } => {
                let Some(p) = id.as_u64().and_then(|i| self.pending.remove(&i)) else {
                    // Replies to our own echoes, or stale ids: nothing to do.
                    return Vec::new();
                };
                self.response(p, result, error)
            }
        }
    }

    fn notification(&mut self, method: &str, params: &[Value]) -> Vec<Event> {
        if matches!(method, "update2" | "update")
            && params.first().and_then(Value::as_str) == Some(SERVER_MONITOR_ID)
        {
            return params
                .get(1)
                .map(|u| self.server_update(u))
                .unwrap_or_default();
        }
        let applied = match (method, params, self.replica.as_mut()) {
            ("update3", [_, last, updates], Some(r)) => {
                let res = r.apply_update2(updates);
                if res.is_ok() {
                    self.last_txn_id = last.as_str().map(str::to_string);
                }
                res
            }
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

    /// Checks `_Server.Database` for our database; returns a reconnect request when
    /// this server cannot serve us.
    fn server_update(&mut self, updates: &Value) -> Vec<Event> {
        let Some(rows) = updates.get("Database").and_then(Value::as_object) else {
            return Vec::new();
        };
        for u in rows.values() {
            let row = u
                .get("initial")
                .or_else(|| u.get("insert"))
                .or_else(|| u.get("modify"))
                .or_else(|| u.get("new"));
            let Some(row) = row else { continue };
            if row
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n != self.db)
            {
                continue;
            }
            let clustered = row.get("model").and_then(Value::as_str) == Some("clustered");
            let connected = row.get("connected").and_then(Value::as_bool);
            let leader = row.get("leader").and_then(Value::as_bool);
            if clustered && connected == Some(false) {
                return vec![Event::Reconnect(format!(
                    "clustered database {} is disconnected from the cluster",
                    self.db
                ))];
            }
            if clustered && self.leader_only && leader == Some(false) {
                return vec![Event::Reconnect(format!(
                    "clustered database {}: this server is not the leader",
                    self.db
                ))];
            }
        }
        Vec::new()
    }

    fn send_monitor(&mut self, p: Pending) {
        let mut params = vec![
            json!(self.db),
            self.monitor_id.clone(),
            self.monitor_requests(),
        ];
        let method = match p {
            Pending::MonitorCondSince => {
                params.push(json!(self.last_txn_id.as_deref().unwrap_or(ZERO_UUID)));
                "monitor_cond_since"
            }
            Pending::MonitorCond => "monitor_cond",
            _ => "monitor",
        };
        self.request(method, params, p);
    }

    fn response(&mut self, p: Pending, result: Value, error: Value) -> Vec<Event> {
        let failed = !error.is_null();
        match p {
            Pending::ServerMonitor => {
                let mut ev = Vec::new();
                if failed {
                    // A server without _Server (before OVS 2.9): a standalone database.
                } else if result.get("Database").is_some() {
                    let found = result["Database"].as_object().is_some_and(|rows| {
                        rows.values().any(|u| {
                            let row = u.get("initial").or_else(|| u.get("new"));
                            row.and_then(|r| r.get("name")).and_then(Value::as_str)
                                == Some(&self.db)
                        })
                    });
                    if !found {
                        return vec![Event::Reconnect(format!(
                            "server does not have database {}",
                            self.db
                        ))];
                    }
                    ev = self.server_update(&result);
                }
                if ev.is_empty() {
                    self.request("get_schema", vec![json!(self.db)], Pending::GetSchema);
                }
                ev
            }
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
                let same = self
                    .replica
                    .as_ref()
                    .is_some_and(|r| r.schema().version == schema.version);
                if !same {
                    self.replica = Some(Replica::new(schema));
                    self.last_txn_id = None;
                }
                self.send_monitor(Pending::MonitorCondSince);
                Vec::new()
            }
            Pending::MonitorCondSince | Pending::MonitorCond if failed => {
                let next = match p {
                    Pending::MonitorCondSince => Pending::MonitorCond,
                    _ => Pending::Monitor,
                };
                self.send_monitor(next);
                Vec::new()
            }
            Pending::Monitor if failed => vec![Event::Fatal(format!("monitor failed: {error}"))],
            Pending::MonitorCondSince | Pending::MonitorCond | Pending::Monitor => {
                let Some(r) = self.replica.as_mut() else {
                    return vec![Event::Fatal("monitor reply before schema".into())];
                };
                let applied = match p {
                    Pending::MonitorCondSince => match result.as_array().map(Vec::as_slice) {
                        Some([found, last, updates]) => {
                            if found.as_bool() != Some(true) {
                                r.clear();
                            }
                            let res = r.apply_update2(updates);
                            self.last_txn_id = last.as_str().map(str::to_string);
                            res
                        }
                        _ => {
                            return vec![Event::Fatal(format!(
                            "monitor_cond_since reply is not [found, last-id, updates]: {result}"
                        ))]
                        }
                    },
                    Pending::MonitorCond => {
                        r.clear();
                        r.apply_update2(&result)
                    }
                    _ => {
                        r.clear();
                        r.apply_update(&result)
                    }
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
            Pending::Unlock => Vec::new(),
            Pending::Transact(id) => vec![Event::TxnDone {
                id,
                result: txn_result(result, &error),
            }],
        }
    }
}

/// Interprets a `transact` reply (RFC 7047 §4.1.3).
fn txn_result(result: Value, error: &Value) -> Result<Vec<Value>, TxnError> {
    if !error.is_null() {
        return Err(TxnError::Failed(error.to_string()));
    }
    let Value::Array(ops) = result else {
        return Err(TxnError::Failed(format!(
            "transact result is not an array: {result}"
        )));
    };
    let Some(err) = ops
        .iter()
        .find_map(|o| o.get("error").and_then(Value::as_str))
    else {
        return Ok(ops);
    };
    let details = ops
        .iter()
        .find_map(|o| o.get("details"))
        .and_then(Value::as_str);
    let text = match details {
        Some(d) => format!("{err}: {d}"),
        None => err.to_string(),
    };
    // A failed "wait" shows up as "timed out"; ovsdb-server's own conflicts as
    // "try again" (clustered databases).
    if err == "timed out" || err == "try again" {
        Err(TxnError::TryAgain(text))
    } else {
        Err(TxnError::Failed(text))
    }
}

#[cfg(test)]
mod tests;
