//! The protocol core of the server, sans IO: databases, sessions, the JSON-RPC
//! methods of RFC 7047 §4 plus OVS's extensions, locks, triggers (transactions
//! blocked in "wait"), monitors and the `_Server` database.
//!
//! Callers (the socket layer in [`crate::net`]) feed it each session's messages
//! and deliver what it returns. One thread owns the [`Server`]; it is not shared.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rvs_jsonrpc::Message;
use serde_json::{json, Value};

use crate::db::{ChangeSet, Database, Row, RowChange};
use crate::error::{is_id, OvsdbError};
use crate::execute::{transact, Outcome, SessionView};
use crate::monitor::{History, Monitor, Version};
use crate::schema::{server_schema, DatabaseSchema};
use crate::storage::Storage;
use crate::uuid::Uuid;
use crate::value::{Atom, Datum};

/// Identifies a client connection.
pub type SessionId = u64;

/// A message for one session.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// The session.
    pub session: SessionId,
    /// The message.
    pub msg: Message,
}

/// One database with its storage and recent history.
#[derive(Debug)]
pub struct DbState {
    /// The data.
    pub db: Database,
    storage: Option<Storage>,
    history: History,
}

#[derive(Debug)]
struct Trigger {
    id: Value,
    db: String,
    ops: Vec<Value>,
    start: Instant,
    timeout_ms: Option<i64>,
}

#[derive(Debug, Default)]
struct Session {
    monitors: Vec<(Value, Monitor)>,
    triggers: Vec<Trigger>,
    locks: BTreeSet<String>,
    db_change_aware: bool,
}

/// The server state.
#[derive(Debug)]
pub struct Server {
    dbs: BTreeMap<String, DbState>,
    sessions: BTreeMap<SessionId, Session>,
    next_sid: SessionId,
    /// Lock name to the sessions holding (first) or waiting for it.
    locks: BTreeMap<String, VecDeque<SessionId>>,
    server_id: Uuid,
}

struct Holder<'a>(&'a BTreeMap<String, VecDeque<SessionId>>, SessionId);

impl SessionView for Holder<'_> {
    fn holds_lock(&self, name: &str) -> bool {
        self.0.get(name).and_then(|q| q.front()) == Some(&self.1)
    }
}

fn reply(session: SessionId, id: &Value, result: Value) -> Outgoing {
    Outgoing {
        session,
        msg: Message::Response {
            result,
            error: Value::Null,
            id: id.clone(),
        },
    }
}

fn error_reply(session: SessionId, id: &Value, error: Value) -> Outgoing {
    Outgoing {
        session,
        msg: Message::Response {
            result: Value::Null,
            error,
            id: id.clone(),
        },
    }
}

fn notify(session: SessionId, method: &str, params: Vec<Value>) -> Outgoing {
    Outgoing {
        session,
        msg: Message::Notification {
            method: method.into(),
            params,
        },
    }
}

/// Merges consecutive change sets into one (first old, last new of each row).
fn merge(sets: &[Arc<ChangeSet>]) -> ChangeSet {
    let mut rows: BTreeMap<(String, Uuid), RowChange> = BTreeMap::new();
    for cs in sets {
        for c in &cs.rows {
            let key = (c.table.clone(), c.uuid);
            match rows.get_mut(&key) {
                Some(e) => e.new = c.new.clone(),
                None => {
                    rows.insert(key, c.clone());
                }
            }
        }
    }
    ChangeSet {
        rows: rows
            .into_values()
            .filter(|c| c.old.is_some() || c.new.is_some())
            .collect(),
        ..ChangeSet::default()
    }
}

impl Default for Server {
    fn default() -> Self {
        Server::new()
    }
}

impl Server {
    /// A server with only the `_Server` database.
    pub fn new() -> Server {
        let mut s = Server {
            dbs: BTreeMap::new(),
            sessions: BTreeMap::new(),
            next_sid: 1,
            locks: BTreeMap::new(),
            server_id: Uuid::random(),
        };
        s.dbs.insert(
            "_Server".into(),
            DbState {
                db: Database::new(Arc::new(server_schema())),
                storage: None,
                history: History::default(),
            },
        );
        s
    }

    /// Serves a database, durable through `storage` if given.
    pub fn add_database(&mut self, db: Database, storage: Option<Storage>) {
        let name = db.schema.name.clone();
        let schema_text = db.schema.to_json().to_string();
        self.dbs.insert(
            name.clone(),
            DbState {
                db,
                storage,
                history: History::default(),
            },
        );
        // Describe it in _Server.Database.
        let Some(sdb) = self.dbs.get_mut("_Server") else {
            return;
        };
        let schema = sdb.db.schema.clone();
        let Some(ts) = schema.table("Database") else {
            return;
        };
        let uuid = Uuid::random();
        let mut row = Row::new(ts, uuid);
        let mut set = |col: &str, d: Datum| {
            if let Some(i) = ts.column_index(col) {
                row.fields[i] = d;
            }
        };
        set("name", Datum::single(Atom::String(name)));
        set("model", Datum::single(Atom::String("standalone".into())));
        set("connected", Datum::single(Atom::Boolean(true)));
        set("leader", Datum::single(Atom::Boolean(true)));
        set("schema", Datum::single(Atom::String(schema_text)));
        let cs = ChangeSet {
            rows: vec![RowChange {
                table: "Database".into(),
                uuid,
                old: None,
                new: Some(row.fields),
            }],
            ..ChangeSet::default()
        };
        sdb.db.apply(&cs);
    }

    /// A copy of this server's databases and ids, with no storage, sessions or
    /// locks (for tests and fuzzing, which start many servers).
    pub fn clone_in_memory(&self) -> Server {
        Server {
            dbs: self
                .dbs
                .iter()
                .map(|(k, d)| {
                    (
                        k.clone(),
                        DbState {
                            db: d.db.clone(),
                            storage: None,
                            history: History::default(),
                        },
                    )
                })
                .collect(),
            sessions: BTreeMap::new(),
            next_sid: 1,
            locks: BTreeMap::new(),
            server_id: self.server_id,
        }
    }

    /// A database by name.
    pub fn database(&self, name: &str) -> Option<&Database> {
        self.dbs.get(name).map(|d| &d.db)
    }

    /// A new session.
    pub fn connect(&mut self) -> SessionId {
        let sid = self.next_sid;
        self.next_sid += 1;
        self.sessions.insert(sid, Session::default());
        sid
    }

    /// A session went away: its locks pass on, its monitors and triggers end.
    pub fn disconnect(&mut self, sid: SessionId) -> Vec<Outgoing> {
        let mut out = Vec::new();
        if let Some(s) = self.sessions.remove(&sid) {
            for name in s.locks {
                out.extend(self.release_lock(sid, &name));
            }
        }
        out
    }

    fn release_lock(&mut self, sid: SessionId, name: &str) -> Vec<Outgoing> {
        let mut out = Vec::new();
        if let Some(q) = self.locks.get_mut(name) {
            let was_owner = q.front() == Some(&sid);
            q.retain(|s| *s != sid);
            if was_owner {
                if let Some(next) = q.front() {
                    out.push(notify(*next, "locked", vec![json!(name)]));
                }
            }
            if q.is_empty() {
                self.locks.remove(name);
            }
        }
        out
    }

    /// The earliest moment a blocked transaction times out.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.sessions
            .values()
            .flat_map(|s| &s.triggers)
            .filter_map(|t| {
                t.timeout_ms
                    .map(|ms| t.start + Duration::from_millis(ms.max(0) as u64))
            })
            .min()
    }

    /// Times out blocked transactions whose deadline passed.
    pub fn tick(&mut self, now: Instant) -> Vec<Outgoing> {
        let mut out = Vec::new();
        self.run_triggers(now, &mut out, true);
        out
    }

    /// Handles one message from a session.
    pub fn handle(&mut self, sid: SessionId, msg: Message, now: Instant) -> Vec<Outgoing> {
        let mut out = Vec::new();
        match msg {
            Message::Request { method, params, id } => {
                self.request(sid, &method, params, id, now, &mut out)
            }
            Message::Notification { method, params } => {
                if method == "cancel" && params.len() == 1 {
                    if let Some(s) = self.sessions.get_mut(&sid) {
                        if let Some(pos) = s.triggers.iter().position(|t| t.id == params[0]) {
                            let t = s.triggers.remove(pos);
                            out.push(error_reply(sid, &t.id, json!("canceled")));
                        }
                    }
                }
            }
            Message::Response { .. } => {}
        }
        out
    }

    fn lookup_db(&self, method: &str, params: &[Value]) -> Result<String, Value> {
        let Some(name) = params.first().and_then(Value::as_str) else {
            return Err(OvsdbError::syntax(
                Some(&json!(params)),
                None,
                format!("{method} request params must begin with <db-name>"),
            )
            .to_json());
        };
        if !self.dbs.contains_key(name) {
            return Err(OvsdbError::syntax(
                Some(&json!(params)),
                Some("unknown database"),
                format!("{method} request specifies unknown database {name}"),
            )
            .to_json());
        }
        Ok(name.to_string())
    }

    fn request(
        &mut self,
        sid: SessionId,
        method: &str,
        params: Vec<Value>,
        id: Value,
        now: Instant,
        out: &mut Vec<Outgoing>,
    ) {
        let syntax_reply = |details: &str| {
            OvsdbError::syntax(Some(&json!(params)), None, format!("{method}: {details}")).to_json()
        };
        match method {
            "transact" => {
                let db = match self.lookup_db(method, &params) {
                    Ok(d) => d,
                    Err(e) => return out.push(error_reply(sid, &id, e)),
                };
                let dup = self
                    .sessions
                    .get(&sid)
                    .is_some_and(|s| s.triggers.iter().any(|t| t.id == id));
                if dup {
                    return out.push(error_reply(sid, &id, syntax_reply("duplicate request ID")));
                }
                let t = Trigger {
                    id,
                    db,
                    ops: params[1..].to_vec(),
                    start: now,
                    timeout_ms: None,
                };
                self.try_trigger(sid, t, now, out);
            }
            "monitor" | "monitor_cond" | "monitor_cond_since" => {
                let db = match self.lookup_db(method, &params) {
                    Ok(d) => d,
                    Err(e) => return out.push(error_reply(sid, &id, e)),
                };
                match self.monitor(sid, method, &db, &params) {
                    Ok(r) => out.push(reply(sid, &id, r)),
                    Err(e) => out.push(error_reply(sid, &id, e.to_json())),
                }
            }
            "monitor_cond_change" => match self.monitor_cond_change(sid, &params) {
                Ok(update) => {
                    if let Some(u) = update {
                        out.push(u);
                    }
                    out.push(reply(sid, &id, json!({})));
                }
                Err(e) => out.push(error_reply(sid, &id, e.to_json())),
            },
            "monitor_cancel" => {
                let Some(s) = self.sessions.get_mut(&sid) else {
                    return;
                };
                if params.len() != 1 {
                    return out.push(error_reply(sid, &id, json!("invalid parameters")));
                }
                match s.monitors.iter().position(|(mid, _)| *mid == params[0]) {
                    Some(pos) => {
                        s.monitors.remove(pos);
                        out.push(reply(sid, &id, json!({})));
                    }
                    None => out.push(error_reply(sid, &id, json!("unknown monitor"))),
                }
            }
            "get_schema" => match self.lookup_db(method, &params) {
                Ok(d) => out.push(reply(sid, &id, self.dbs[&d].db.schema.to_json())),
                Err(e) => out.push(error_reply(sid, &id, e)),
            },
            "list_dbs" => {
                let names: Vec<Value> = self.dbs.keys().map(|k| json!(k)).collect();
                out.push(reply(sid, &id, Value::Array(names)));
            }
            "get_server_id" => out.push(reply(sid, &id, json!(self.server_id.to_string()))),
            "lock" | "steal" => {
                let name = match params.as_slice() {
                    [Value::String(n)] if is_id(n) => n.clone(),
                    _ => {
                        let e = OvsdbError::syntax(
                            Some(&json!(params)),
                            None,
                            format!("{method} request params must be <id>"),
                        );
                        return out.push(error_reply(sid, &id, e.to_json()));
                    }
                };
                let Some(s) = self.sessions.get_mut(&sid) else {
                    return;
                };
                if s.locks.contains(&name) {
                    let e = OvsdbError::syntax(
                        Some(&json!(params)),
                        None,
                        format!("must issue \"unlock\" before new \"{method}\""),
                    );
                    return out.push(error_reply(sid, &id, e.to_json()));
                }
                s.locks.insert(name.clone());
                let q = self.locks.entry(name.clone()).or_default();
                if method == "steal" {
                    if let Some(&victim) = q.front() {
                        out.push(notify(victim, "stolen", vec![json!(name)]));
                    }
                    q.push_front(sid);
                } else {
                    q.push_back(sid);
                }
                let locked = q.front() == Some(&sid);
                out.push(reply(sid, &id, json!({ "locked": locked })));
            }
            "unlock" => {
                let name = match params.as_slice() {
                    [Value::String(n)] if is_id(n) => n.clone(),
                    _ => {
                        let e = OvsdbError::syntax(
                            Some(&json!(params)),
                            None,
                            "unlock request params must be <id>",
                        );
                        return out.push(error_reply(sid, &id, e.to_json()));
                    }
                };
                let held = self
                    .sessions
                    .get_mut(&sid)
                    .is_some_and(|s| s.locks.remove(&name));
                if !held {
                    return out.push(error_reply(
                        sid,
                        &id,
                        syntax_reply("\"unlock\" without \"lock\" or \"steal\""),
                    ));
                }
                out.extend(self.release_lock(sid, &name));
                out.push(reply(sid, &id, json!({})));
            }
            "set_db_change_aware" => match params.as_slice() {
                [Value::Bool(b)] => {
                    if let Some(s) = self.sessions.get_mut(&sid) {
                        s.db_change_aware = *b;
                    }
                    out.push(reply(sid, &id, json!({})));
                }
                _ => out.push(error_reply(
                    sid,
                    &id,
                    syntax_reply("true or false parameter expected"),
                )),
            },
            "echo" => out.push(reply(sid, &id, Value::Array(params))),
            _ => out.push(error_reply(sid, &id, json!("unknown method"))),
        }
    }

    fn monitor(
        &mut self,
        sid: SessionId,
        method: &str,
        db: &str,
        params: &[Value],
    ) -> Result<Value, OvsdbError> {
        let version = match method {
            "monitor" => Version::V1,
            "monitor_cond" => Version::V2,
            _ => Version::V3,
        };
        let want = match version {
            Version::V1 => None,
            Version::V2 => Some(3),
            Version::V3 => Some(4),
        };
        if want.is_some_and(|n| params.len() != n) || params.len() < 3 {
            return Err(OvsdbError::syntax(
                Some(&json!(params)),
                None,
                "invalid parameters",
            ));
        }
        let mid = params[1].clone();
        let st = &self.dbs[db];
        let mon = Monitor::parse(&st.db.schema, version, &params[2])?;
        let session = self.sessions.entry(sid).or_default();
        if session.monitors.iter().any(|(m, _)| *m == mid) {
            return Err(OvsdbError::syntax(Some(&mid), None, "duplicate monitor ID"));
        }
        let mut result = None;
        let mut found = false;
        if version == Version::V3 {
            let last = params[3].as_str().ok_or_else(|| {
                OvsdbError::syntax(Some(&params[3]), None, "last-txn-id must be string")
            })?;
            let last = Uuid::parse(last).ok_or_else(|| {
                OvsdbError::syntax(Some(&params[3]), None, "last-txn-id must be UUID format.")
            })?;
            if last != Uuid::ZERO {
                if let Some(sets) = st.history.since(last) {
                    found = true;
                    result = Some(
                        mon.changes(&st.db.schema, &merge(&sets))
                            .unwrap_or_else(|| json!({})),
                    );
                }
            }
        }
        let updates = result.unwrap_or_else(|| mon.initial(&st.db));
        let last = st.history.last;
        session.monitors.push((mid, mon));
        Ok(if version == Version::V3 {
            json!([found, last.to_string(), updates])
        } else {
            updates
        })
    }

    fn monitor_cond_change(
        &mut self,
        sid: SessionId,
        params: &[Value],
    ) -> Result<Option<Outgoing>, OvsdbError> {
        if params.len() != 3 {
            return Err(OvsdbError::syntax(
                Some(&json!(params)),
                None,
                "invalid parameters",
            ));
        }
        let dbs = &self.dbs;
        let Some(s) = self.sessions.get_mut(&sid) else {
            return Ok(None);
        };
        let Some(pos) = s.monitors.iter().position(|(m, _)| *m == params[0]) else {
            return Err(OvsdbError::syntax(
                Some(&params[0]),
                None,
                "unknown monitor session",
            ));
        };
        let new_id = params[1].clone();
        if new_id != params[0] && s.monitors.iter().any(|(m, _)| *m == new_id) {
            return Err(OvsdbError::syntax(
                Some(&new_id),
                None,
                "duplicate monitor ID",
            ));
        }
        let (_, mon) = &mut s.monitors[pos];
        let Some(st) = dbs.get(&mon.db) else {
            return Ok(None);
        };
        let update = mon.change_conditions(&st.db, &params[2])?;
        let version = mon.version;
        s.monitors[pos].0 = new_id.clone();
        Ok(update.map(|u| match version {
            Version::V3 => notify(
                sid,
                "update3",
                vec![new_id, json!(st.history.last.to_string()), u],
            ),
            Version::V2 => notify(sid, "update2", vec![new_id, u]),
            Version::V1 => notify(sid, "update", vec![new_id, u]),
        }))
    }

    /// Runs a transaction; replies, or parks it as a trigger while it waits.
    fn try_trigger(
        &mut self,
        sid: SessionId,
        mut t: Trigger,
        now: Instant,
        out: &mut Vec<Outgoing>,
    ) {
        let elapsed = now.saturating_duration_since(t.start).as_millis() as i64;
        let Some(st) = self.dbs.get(&t.db) else {
            return;
        };
        let outcome = transact(&st.db, &t.ops, &Holder(&self.locks, sid), elapsed);
        match outcome {
            Outcome::Blocked { timeout_ms } => {
                t.timeout_ms = timeout_ms;
                if let Some(s) = self.sessions.get_mut(&sid) {
                    s.triggers.push(t);
                }
            }
            Outcome::Done {
                mut results,
                changes,
            } => {
                if let Some(cs) = changes.filter(|c| !c.is_empty()) {
                    if let Err(e) = self.commit(&t.db, cs, out) {
                        results.push(OvsdbError::new("I/O error", e.to_string()).to_json());
                    } else {
                        out.push(reply(sid, &t.id, Value::Array(results)));
                        self.run_triggers(now, out, false);
                        return;
                    }
                }
                out.push(reply(sid, &t.id, Value::Array(results)));
            }
        }
    }

    /// Re-runs parked transactions (after a commit, or to time them out).
    fn run_triggers(&mut self, now: Instant, out: &mut Vec<Outgoing>, only_expired: bool) {
        let mut pending: Vec<(SessionId, Trigger)> = Vec::new();
        for (sid, s) in &mut self.sessions {
            let (run, keep): (Vec<Trigger>, Vec<Trigger>) =
                std::mem::take(&mut s.triggers).into_iter().partition(|t| {
                    !only_expired
                        || t.timeout_ms.is_some_and(|ms| {
                            now.saturating_duration_since(t.start).as_millis() as i64 >= ms
                        })
                });
            s.triggers = keep;
            pending.extend(run.into_iter().map(|t| (*sid, t)));
        }
        for (sid, t) in pending {
            self.try_trigger(sid, t, now, out);
        }
    }

    /// Makes a change set durable, applies it and sends monitor updates.
    fn commit(
        &mut self,
        dbname: &str,
        cs: ChangeSet,
        out: &mut Vec<Outgoing>,
    ) -> Result<(), crate::storage::StorageError> {
        let Some(st) = self.dbs.get_mut(dbname) else {
            return Ok(());
        };
        if let Some(storage) = &mut st.storage {
            storage.commit(&st.db.schema, &cs)?;
        }
        st.db.apply(&cs);
        let cs = Arc::new(cs);
        let txn_id = st.history.push(cs.clone());
        if let Some(storage) = &mut st.storage {
            if storage.should_compact() {
                if let Err(e) = storage.compact(&st.db) {
                    log::warn!("compaction failed: {e}");
                }
            }
        }
        for (sid, s) in &self.sessions {
            for (mid, mon) in &s.monitors {
                if mon.db != dbname {
                    continue;
                }
                if let Some(u) = mon.changes(&st.db.schema, &cs) {
                    out.push(match mon.version {
                        Version::V1 => notify(*sid, "update", vec![mid.clone(), u]),
                        Version::V2 => notify(*sid, "update2", vec![mid.clone(), u]),
                        Version::V3 => notify(
                            *sid,
                            "update3",
                            vec![mid.clone(), json!(txn_id.to_string()), u],
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// Compacts every database's log now.
    pub fn compact(&mut self) -> Vec<String> {
        let mut errors = Vec::new();
        for st in self.dbs.values_mut() {
            if let Some(storage) = &mut st.storage {
                if let Err(e) = storage.compact(&st.db) {
                    errors.push(e.to_string());
                }
            }
        }
        errors
    }

    /// Targets named by a `db:DB,TABLE,COLUMN` remote: the column's strings, or
    /// the `target` column of the rows it references.
    pub fn db_remotes(&self, spec: &str) -> Vec<String> {
        let Some(rest) = spec.strip_prefix("db:") else {
            return Vec::new();
        };
        let parts: Vec<&str> = rest.split(',').collect();
        let [dbname, table, column] = parts.as_slice() else {
            return Vec::new();
        };
        let Some(db) = self.database(dbname) else {
            return Vec::new();
        };
        let (Some(ts), Some(t)) = (db.schema.table(table), db.tables.get(*table)) else {
            return Vec::new();
        };
        let Some(ci) = ts.column_index(column) else {
            return Vec::new();
        };
        let ty = &ts.column(ci).ty;
        let mut out = BTreeSet::new();
        for r in t.rows.values() {
            for a in &r.fields[ci].keys {
                match a {
                    Atom::String(s) => {
                        out.insert(s.clone());
                    }
                    Atom::Uuid(u) => {
                        let Some(rt) = &ty.key.ref_table else {
                            continue;
                        };
                        let (Some(rts), Some(row)) = (db.schema.table(rt), db.row(rt, u)) else {
                            continue;
                        };
                        if let Some(ti) = rts.column_index("target") {
                            if let Some(Atom::String(s)) = row.fields[ti].keys.first() {
                                out.insert(s.clone());
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        out.into_iter().collect()
    }
}

/// Loads (or creates, with `schema`) a database file and returns it ready to serve.
pub fn open_database(
    path: &std::path::Path,
    schema: &DatabaseSchema,
) -> Result<(Database, Storage), crate::storage::StorageError> {
    let (st, db) = Storage::open_or_create(path, schema)?;
    Ok((db, st))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::vswitch_schema;

    fn server() -> Server {
        let mut s = Server::new();
        s.add_database(Database::new(Arc::new(vswitch_schema())), None);
        s
    }

    fn req(method: &str, params: Value, id: u64) -> Message {
        Message::Request {
            method: method.into(),
            params: params.as_array().cloned().unwrap_or_default(),
            id: json!(id),
        }
    }

    fn result_of(out: &[Outgoing], sid: SessionId, id: u64) -> Option<Value> {
        out.iter().find_map(|o| match &o.msg {
            Message::Response {
                result,
                error,
                id: rid,
            } if o.session == sid && *rid == json!(id) => Some(if error.is_null() {
                result.clone()
            } else {
                json!({"rpc-error": error})
            }),
            _ => None,
        })
    }

    fn notes(out: &[Outgoing], sid: SessionId, method: &str) -> Vec<Vec<Value>> {
        out.iter()
            .filter_map(|o| match &o.msg {
                Message::Notification { method: m, params } if o.session == sid && m == method => {
                    Some(params.clone())
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn locks_steal_and_hand_over() {
        let mut s = server();
        let now = Instant::now();
        let (a, b, c) = (s.connect(), s.connect(), s.connect());
        let out = s.handle(a, req("lock", json!(["L"]), 1), now);
        assert_eq!(result_of(&out, a, 1), Some(json!({"locked": true})));
        let out = s.handle(b, req("lock", json!(["L"]), 1), now);
        assert_eq!(result_of(&out, b, 1), Some(json!({"locked": false})));
        let out = s.handle(b, req("lock", json!(["L"]), 2), now);
        assert!(result_of(&out, b, 2).unwrap()["rpc-error"]["details"]
            .as_str()
            .unwrap()
            .contains("unlock"));
        let assert_op = json!(["Open_vSwitch", {"op": "assert", "lock": "L"}]);
        let out = s.handle(a, req("transact", assert_op.clone(), 3), now);
        assert_eq!(result_of(&out, a, 3), Some(json!([{}])));
        let out = s.handle(b, req("transact", assert_op.clone(), 3), now);
        assert_eq!(result_of(&out, b, 3).unwrap()[0]["error"], "not owner");
        let out = s.handle(c, req("steal", json!(["L"]), 1), now);
        assert_eq!(result_of(&out, c, 1), Some(json!({"locked": true})));
        assert_eq!(notes(&out, a, "stolen"), vec![vec![json!("L")]]);
        let out = s.handle(c, req("unlock", json!(["L"]), 2), now);
        assert_eq!(result_of(&out, c, 2), Some(json!({})));
        assert_eq!(notes(&out, a, "locked"), vec![vec![json!("L")]]);
        let out = s.disconnect(a);
        assert_eq!(notes(&out, b, "locked"), vec![vec![json!("L")]]);
        let out = s.handle(c, req("unlock", json!(["L"]), 3), now);
        assert!(result_of(&out, c, 3).unwrap().get("rpc-error").is_some());
    }

    #[test]
    fn triggers_wait_time_out_and_cancel() {
        let mut s = server();
        let t0 = Instant::now();
        let (a, b) = (s.connect(), s.connect());
        let out = s.handle(
            a,
            req(
                "transact",
                json!(["Open_vSwitch", {"op": "insert", "table": "Open_vSwitch", "row": {}}]),
                1,
            ),
            t0,
        );
        assert!(result_of(&out, a, 1).is_some());
        let wait = |cfg: i64, timeout: i64| {
            json!(["Open_vSwitch",
                {"op": "wait", "table": "Open_vSwitch", "timeout": timeout, "where": [], "columns": ["cur_cfg"], "until": "==", "rows": [{"cur_cfg": cfg}]},
                {"op": "select", "table": "Open_vSwitch", "where": [], "columns": ["cur_cfg"]}])
        };
        // Blocks until another session makes it true.
        let out = s.handle(b, req("transact", wait(1, 10_000), 7), t0);
        assert!(result_of(&out, b, 7).is_none());
        let set = json!(["Open_vSwitch", {"op": "update", "table": "Open_vSwitch", "where": [], "row": {"cur_cfg": 1}}]);
        let out = s.handle(a, req("transact", set, 2), t0);
        assert_eq!(result_of(&out, a, 2), Some(json!([{"count": 1}])));
        assert_eq!(
            result_of(&out, b, 7),
            Some(json!([{}, {"rows": [{"cur_cfg": 1}]}]))
        );
        // Times out.
        let out = s.handle(b, req("transact", wait(5, 100), 8), t0);
        assert!(result_of(&out, b, 8).is_none());
        assert!(s.next_deadline().is_some());
        assert!(s.tick(t0 + Duration::from_millis(50)).is_empty());
        let out = s.tick(t0 + Duration::from_millis(150));
        let r = result_of(&out, b, 8).unwrap();
        assert_eq!(r[0]["error"], "timed out");
        assert_eq!(r[1], Value::Null);
        // Cancelled.
        let out = s.handle(b, req("transact", wait(9, 10_000), 9), t0);
        assert!(result_of(&out, b, 9).is_none());
        let out = s.handle(
            b,
            Message::Notification {
                method: "cancel".into(),
                params: vec![json!(9)],
            },
            t0,
        );
        assert_eq!(
            result_of(&out, b, 9),
            Some(json!({"rpc-error": "canceled"}))
        );
        assert!(s.next_deadline().is_none());
    }

    #[test]
    fn monitor_cond_change_and_since() {
        let mut s = server();
        let now = Instant::now();
        let (a, m) = (s.connect(), s.connect());
        let mon = json!(["Open_vSwitch", "mid", {"Bridge": [{"columns": ["name"], "where": [["name", "==", "a"]]}]}, "00000000-0000-0000-0000-000000000000"]);
        let out = s.handle(m, req("monitor_cond_since", mon, 1), now);
        let r = result_of(&out, m, 1).unwrap();
        assert_eq!(r[0], json!(false));
        assert_eq!(r[2], json!({}));
        let ins = json!(["Open_vSwitch",
            {"op": "insert", "table": "Bridge", "row": {"name": "a"}, "uuid-name": "ba"},
            {"op": "insert", "table": "Bridge", "row": {"name": "b"}, "uuid-name": "bb"},
            {"op": "insert", "table": "Open_vSwitch", "row": {"bridges": ["set", [["named-uuid", "ba"], ["named-uuid", "bb"]]]}}]);
        let out = s.handle(a, req("transact", ins, 1), now);
        let upd = notes(&out, m, "update3");
        assert_eq!(upd.len(), 1);
        let rows = upd[0][2]["Bridge"].as_object().unwrap();
        assert_eq!(rows.len(), 1, "only bridge a matches: {rows:?}");
        assert_eq!(
            rows.values().next().unwrap(),
            &json!({"insert": {"name": "a"}})
        );
        let last = upd[0][1].clone();
        // New condition: a leaves, b enters.
        let change = json!(["mid", "mid2", {"Bridge": [{"where": [["name", "==", "b"]]}]}]);
        let out = s.handle(m, req("monitor_cond_change", change, 2), now);
        assert_eq!(result_of(&out, m, 2), Some(json!({})));
        let upd = notes(&out, m, "update3");
        let mut kinds: Vec<String> = upd[0][2]["Bridge"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.to_string())
            .collect();
        kinds.sort();
        assert_eq!(
            kinds,
            vec![
                r#"{"delete":null}"#.to_string(),
                r#"{"insert":{"name":"b"}}"#.to_string()
            ]
        );
        // Catching up from a known transaction sends only what came after it.
        let out = s.handle(a, req("transact", json!(["Open_vSwitch", {"op": "update", "table": "Bridge", "where": [["name", "==", "b"]], "row": {"stp_enable": true}}]), 2), now);
        assert_eq!(
            notes(&out, m, "update3").len(),
            0,
            "stp_enable is not monitored"
        );
        let m2 = s.connect();
        let mon =
            json!(["Open_vSwitch", "x", {"Bridge": [{"columns": ["name", "stp_enable"]}]}, last]);
        let out = s.handle(m2, req("monitor_cond_since", mon, 1), now);
        let r = result_of(&out, m2, 1).unwrap();
        assert_eq!(r[0], json!(true));
        let rows = r[2]["Bridge"].as_object().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows.values().next().unwrap(),
            &json!({"modify": {"stp_enable": true}})
        );
        let out = s.handle(m2, req("monitor_cancel", json!(["x"]), 2), now);
        assert_eq!(result_of(&out, m2, 2), Some(json!({})));
        let out = s.handle(m2, req("monitor_cancel", json!(["x"]), 3), now);
        assert_eq!(
            result_of(&out, m2, 3),
            Some(json!({"rpc-error": "unknown monitor"}))
        );
    }

    #[test]
    fn server_database_and_errors() {
        let mut s = server();
        let now = Instant::now();
        let a = s.connect();
        let out = s.handle(a, req("list_dbs", json!([]), 1), now);
        assert_eq!(
            result_of(&out, a, 1),
            Some(json!(["Open_vSwitch", "_Server"]))
        );
        let sel = json!(["_Server", {"op": "select", "table": "Database", "where": [["name", "==", "Open_vSwitch"]], "columns": ["model", "connected", "leader"]}]);
        let out = s.handle(a, req("transact", sel, 2), now);
        assert_eq!(
            result_of(&out, a, 2),
            Some(json!([{"rows": [{"model": "standalone", "connected": true, "leader": true}]}]))
        );
        let ins = json!(["_Server", {"op": "insert", "table": "Database", "row": {"model": "standalone"}}]);
        let out = s.handle(a, req("transact", ins, 3), now);
        assert_eq!(result_of(&out, a, 3).unwrap()[0]["error"], "not allowed");
        let out = s.handle(a, req("get_schema", json!(["nope"]), 4), now);
        assert_eq!(
            result_of(&out, a, 4).unwrap()["rpc-error"]["error"],
            "unknown database"
        );
        let out = s.handle(a, req("frob", json!([]), 5), now);
        assert_eq!(
            result_of(&out, a, 5),
            Some(json!({"rpc-error": "unknown method"}))
        );
        let out = s.handle(a, req("echo", json!([1, "x"]), 6), now);
        assert_eq!(result_of(&out, a, 6), Some(json!([1, "x"])));
    }
}
