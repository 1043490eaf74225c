//! `Controller` status written back as OVS writes it: `is_connected`, `role`
//! (`other`, `master`, `slave`) and the `status` map (`state`, `last_error`,
//! `sec_since_connect`, `sec_since_disconnect`) for active targets (`tcp:`, `unix:`);
//! passive targets (`ptcp:`, `punix:`) get nothing, as in OVS. Runs on the main loop.
//!
//! Written when something but the seconds changes (a connection comes or goes, a
//! role, an error) and, seconds included, every `stats-update-interval`.

use std::time::Instant;

use rvs_ovsdb_client::{Atom, Replica, RowView};
use serde_json::{json, Value};

use crate::connmgr::{role, Connmgr};
use crate::ofconn;

/// What happened to one active `Controller` target.
#[derive(Debug, Default, Clone)]
pub struct History {
    /// When it last connected.
    pub connected_at: Option<Instant>,
    /// When it last lost its connection.
    pub disconnected_at: Option<Instant>,
    /// The last connection error.
    pub last_error: Option<String>,
    /// The last attempt failed (backing off).
    pub failed: bool,
}

/// The columns of one `Controller` row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CtlStatus {
    /// `is_connected`.
    pub is_connected: bool,
    /// `role`, if connected.
    pub role: Option<&'static str>,
    /// `status`, sorted by key.
    pub status: Vec<(String, String)>,
}

fn role_name(r: u32) -> &'static str {
    match r {
        role::MASTER => "master",
        role::SLAVE => "slave",
        _ => "other",
    }
}

/// The status of `target` on `bridge` at `now`.
pub fn status_of(cm: &Connmgr, bridge: &str, target: &str, now: Instant) -> CtlStatus {
    if ofconn::is_passive(target) {
        return CtlStatus::default();
    }
    let conn_role = cm.controller_status(bridge, target);
    let h = cm
        .controller_history(bridge, target)
        .cloned()
        .unwrap_or_default();
    let secs = |t: Instant| now.saturating_duration_since(t).as_secs().to_string();
    let mut status = Vec::new();
    if let Some(e) = &h.last_error {
        status.push(("last_error".to_string(), e.clone()));
    }
    if let Some(t) = h.connected_at {
        status.push(("sec_since_connect".into(), secs(t)));
    }
    if conn_role.is_none() {
        if let Some(t) = h.disconnected_at {
            status.push(("sec_since_disconnect".into(), secs(t)));
        }
    }
    let state = match conn_role {
        Some(_) => "ACTIVE",
        None if h.failed || h.disconnected_at.is_some() => "BACKOFF",
        None => "CONNECTING",
    };
    status.push(("state".into(), state.into()));
    status.sort();
    CtlStatus {
        is_connected: conn_role.is_some(),
        role: conn_role.map(role_name),
        status,
    }
}

fn without_seconds(s: &[(String, String)]) -> Vec<&(String, String)> {
    s.iter()
        .filter(|(k, _)| !k.starts_with("sec_since"))
        .collect()
}

fn current(row: &RowView<'_>) -> CtlStatus {
    let is_connected = row
        .datum("is_connected")
        .and_then(|d| d.atoms().first().cloned())
        == Some(Atom::Boolean(true));
    let role = match row.opt_str("role") {
        Some("master") => Some("master"),
        Some("slave") => Some("slave"),
        Some("other") => Some("other"),
        _ => None,
    };
    let mut status: Vec<(String, String)> = row
        .datum("status")
        .map(|d| {
            d.pairs()
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    status.sort();
    CtlStatus {
        is_connected,
        role,
        status,
    }
}

/// Updates of `Controller` rows whose status differs from what the database has
/// (the seconds count only with `with_seconds`).
pub fn controller_ops(r: &Replica, cm: &Connmgr, with_seconds: bool) -> Vec<Value> {
    let now = Instant::now();
    let mut ops = Vec::new();
    for br in r.rows("Bridge") {
        for c in br.refs("controller", "Controller") {
            let want = status_of(cm, br.str("name"), c.str("target"), now);
            let have = current(&c);
            let same = have.is_connected == want.is_connected
                && have.role == want.role
                && if with_seconds {
                    have.status == want.status
                } else {
                    without_seconds(&have.status) == without_seconds(&want.status)
                };
            if same {
                continue;
            }
            let role = want.role.map_or(json!(["set", []]), |r| json!(r));
            let status: Vec<Value> = want.status.iter().map(|(k, v)| json!([k, v])).collect();
            ops.push(json!({
                "op": "update",
                "table": "Controller",
                "where": [["_uuid", "==", ["uuid", c.uuid()]]],
                "row": {
                    "is_connected": want.is_connected,
                    "role": role,
                    "status": ["map", status],
                },
            }));
        }
    }
    ops
}
