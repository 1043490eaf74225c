//! Status written back to the database after each applied change: `Interface.ofport`,
//! `Interface.error` and `Open_vSwitch.cur_cfg`, in one transaction, so that
//! `ovs-vsctl` sees the ports' outcome as soon as it sees `cur_cfg` catch up.

use serde_json::{json, Value};

use rvs_ovsdb_client::Replica;

use crate::reconcile::{Switch, Wanted};

fn by_uuid(u: &str) -> Value {
    json!([["_uuid", "==", ["uuid", u]]])
}

/// The transaction operations that bring the database's status columns up to date;
/// empty when nothing differs.
pub fn status_ops(r: &Replica, w: &Wanted, sw: &Switch) -> Vec<Value> {
    let mut ops = Vec::new();
    for uuid in &w.managed {
        let Some(row) = r.row("Interface", uuid) else {
            continue;
        };
        let (ofport, error) = sw.iface_status(w, uuid, row.str("name"));
        let mut set = serde_json::Map::new();
        if row.opt_int("ofport") != Some(ofport) {
            set.insert("ofport".into(), json!(ofport));
        }
        if row.opt_str("error") != error.as_deref() {
            let v = match &error {
                Some(e) => json!(e),
                None => json!(["set", []]),
            };
            set.insert("error".into(), v);
        }
        if !set.is_empty() {
            ops.push(
                json!({"op": "update", "table": "Interface", "where": by_uuid(uuid), "row": set}),
            );
        }
    }
    if let Some(ovs) = r.rows("Open_vSwitch").next() {
        let next = ovs.int("next_cfg");
        if ovs.int("cur_cfg") != next {
            ops.push(json!({
                "op": "update", "table": "Open_vSwitch", "where": by_uuid(ovs.uuid()),
                "row": {"cur_cfg": next}
            }));
        }
    }
    ops
}
