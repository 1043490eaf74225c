//! A snapshot of the database and a transaction over it.
//!
//! Commands read and write the working copy as if it were the database. At commit the
//! difference to the snapshot becomes OVSDB operations: `insert` with `uuid-name`s for
//! new rows, `update` of the changed columns, `delete` of deleted root rows (the server
//! garbage-collects the others, as OVS's IDL relies on), and a `wait` (timeout 0) for
//! every column a command read to decide what to write, so a concurrent change makes
//! the server refuse the transaction and the commands run again on fresh data.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use serde_json::{json, Value};

use crate::data::Datum;
use crate::schema::Schema;

/// One row: every column of the table.
pub type Row = BTreeMap<String, Datum>;

/// A random (version 4) UUID.
pub fn random_uuid() -> String {
    let mut b = [0u8; 16];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .is_ok();
    if !ok {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        b = (t ^ (u128::from(std::process::id()) << 64)).to_le_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// All rows of all tables.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Table name to (UUID to row); UUID order.
    pub tables: BTreeMap<String, BTreeMap<String, Row>>,
}

impl Snapshot {
    /// Builds a snapshot from the results of one `select` per table (in `names` order).
    pub fn from_selects(
        schema: &Schema,
        names: &[String],
        results: &[Value],
    ) -> Result<Self, String> {
        let mut tables = BTreeMap::new();
        for (name, res) in names.iter().zip(results) {
            let table = schema.table(name).ok_or("unknown table")?;
            let mut rows = BTreeMap::new();
            for r in res
                .get("rows")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let uuid = r
                    .get("_uuid")
                    .and_then(|u| u.get(1))
                    .and_then(Value::as_str)
                    .ok_or("row without _uuid")?
                    .to_string();
                let mut row = Row::new();
                for c in &table.columns {
                    let d = match r.get(&c.name) {
                        Some(v) => Datum::from_json(v, &c.ty).map_err(|e| e.to_string())?,
                        None => Datum::default_of(&c.ty),
                    };
                    row.insert(c.name.clone(), d);
                }
                rows.insert(uuid, row);
            }
            tables.insert(name.clone(), rows);
        }
        Ok(Snapshot { tables })
    }
}

/// A transaction under construction.
#[derive(Debug)]
pub struct Txn {
    /// The schema.
    pub schema: Schema,
    orig: Snapshot,
    cur: Snapshot,
    /// New rows in insertion order: (table, temporary UUID).
    inserted: Vec<(String, String)>,
    verified: BTreeSet<(String, String, String)>,
}

/// The operations of a transaction, and what the reply means.
#[derive(Debug)]
pub struct Ops {
    /// The `transact` operations (without the database name).
    pub ops: Vec<Value>,
    /// Whether anything would change; if not, the transaction need not be sent.
    pub changed: bool,
    /// Index of the `select` that reads back `next_cfg`, if incremented.
    pub next_cfg_index: Option<usize>,
    /// Index of each inserted row's `insert` op, by temporary UUID.
    pub insert_index: Vec<(String, usize)>,
}

impl Txn {
    /// A transaction over `snap`.
    pub fn new(schema: Schema, snap: Snapshot) -> Txn {
        Txn {
            schema,
            cur: snap.clone(),
            orig: snap,
            inserted: Vec::new(),
            verified: BTreeSet::new(),
        }
    }

    /// Rows of `table`, in UUID order.
    pub fn rows(&self, table: &str) -> impl Iterator<Item = (&String, &Row)> {
        self.cur.tables.get(table).into_iter().flatten()
    }

    /// UUIDs of the rows of `table`.
    pub fn uuids(&self, table: &str) -> Vec<String> {
        self.rows(table).map(|(u, _)| u.clone()).collect()
    }

    /// One row.
    pub fn row(&self, table: &str, uuid: &str) -> Option<&Row> {
        self.cur.tables.get(table)?.get(uuid)
    }

    /// One column of one row (the default if the row lacks it).
    pub fn get(&self, table: &str, uuid: &str, column: &str) -> Datum {
        self.row(table, uuid)
            .and_then(|r| r.get(column))
            .cloned()
            .unwrap_or_default()
    }

    /// A string scalar column.
    pub fn get_str(&self, table: &str, uuid: &str, column: &str) -> String {
        self.get(table, uuid, column)
            .first()
            .map(|a| a.as_str().to_string())
            .unwrap_or_default()
    }

    /// The UUIDs in a reference column.
    pub fn get_refs(&self, table: &str, uuid: &str, column: &str) -> Vec<String> {
        self.get(table, uuid, column)
            .keys
            .iter()
            .map(|a| a.as_str().to_string())
            .collect()
    }

    /// Records that the commands depend on `column` of an existing row.
    pub fn verify(&mut self, table: &str, uuid: &str, column: &str) {
        if self
            .orig
            .tables
            .get(table)
            .is_some_and(|t| t.contains_key(uuid))
        {
            self.verified
                .insert((table.to_string(), uuid.to_string(), column.to_string()));
        }
    }

    /// Writes a column.
    pub fn write(&mut self, table: &str, uuid: &str, column: &str, d: Datum) {
        if let Some(r) = self.cur.tables.get_mut(table).and_then(|t| t.get_mut(uuid)) {
            r.insert(column.to_string(), d);
        }
    }

    /// Inserts a row with every column at its default; returns its temporary UUID.
    pub fn insert(&mut self, table: &str, uuid: Option<String>) -> String {
        let uuid = uuid.unwrap_or_else(random_uuid);
        let mut row = Row::new();
        if let Some(t) = self.schema.table(table) {
            for c in &t.columns {
                row.insert(c.name.clone(), Datum::default_of(&c.ty));
            }
        }
        self.cur
            .tables
            .entry(table.to_string())
            .or_default()
            .insert(uuid.clone(), row);
        self.inserted.push((table.to_string(), uuid.clone()));
        uuid
    }

    /// Deletes a row.
    pub fn delete(&mut self, table: &str, uuid: &str) {
        if let Some(t) = self.cur.tables.get_mut(table) {
            t.remove(uuid);
        }
    }

    /// Whether `uuid` is a row inserted by this transaction.
    pub fn is_inserted(&self, uuid: &str) -> bool {
        self.inserted.iter().any(|(_, u)| u == uuid)
    }

    /// Builds the operations. `increment` names the `Open_vSwitch` row whose `next_cfg`
    /// to increment when anything changes.
    pub fn ops(&self, increment: Option<&str>, comment: &str, dry_run: bool) -> Ops {
        let mut ops = Vec::new();
        let mut changed = false;
        let named: BTreeSet<&str> = self
            .inserted
            .iter()
            .filter(|(t, u)| self.cur.tables.get(t).is_some_and(|r| r.contains_key(u)))
            .map(|(_, u)| u.as_str())
            .collect();
        let subst = |v: Value| substitute(v, &named);
        let where_uuid = |u: &str| json!([["_uuid", "==", ["uuid", u]]]);

        // Verifications, one wait per row.
        let mut by_row: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
        for (t, u, c) in &self.verified {
            by_row.entry((t, u)).or_default().push(c);
        }
        for ((t, u), cols) in by_row {
            let Some(orig) = self.orig.tables.get(t).and_then(|r| r.get(u)) else {
                continue;
            };
            let Some(table) = self.schema.table(t) else {
                continue;
            };
            let mut row = serde_json::Map::new();
            for c in &cols {
                if let (Some(d), Some(col)) = (orig.get(*c), table.column(c)) {
                    row.insert(c.to_string(), d.to_json(&col.ty));
                }
            }
            ops.push(
                json!({"op": "wait", "table": t, "timeout": 0, "where": where_uuid(u),
                "until": "==", "columns": cols, "rows": [Value::Object(row)]}),
            );
        }

        // Singleton tables: inserting into an empty one must not race.
        for (name, table) in &self.schema.tables {
            let before = self.orig.tables.get(name).map_or(0, BTreeMap::len);
            let after = self.cur.tables.get(name).map_or(0, BTreeMap::len);
            if table.is_singleton && before == 0 && after == 1 {
                ops.push(
                    json!({"op": "wait", "table": name, "where": [], "timeout": 0,
                    "until": "==", "rows": []}),
                );
            }
        }

        let mut insert_index = Vec::new();
        for (t, u) in &self.inserted {
            let (Some(row), Some(table)) = (
                self.cur.tables.get(t).and_then(|r| r.get(u)),
                self.schema.table(t),
            ) else {
                continue;
            };
            let mut obj = serde_json::Map::new();
            for c in &table.columns {
                if let Some(d) = row.get(&c.name).filter(|d| !d.is_default(&c.ty)) {
                    obj.insert(c.name.clone(), subst(d.to_json(&c.ty)));
                }
            }
            insert_index.push((u.clone(), ops.len()));
            ops.push(json!({"op": "insert", "table": t, "uuid-name": row_name(u),
                "row": Value::Object(obj)}));
            changed = true;
        }

        for (t, rows) in &self.orig.tables {
            let Some(table) = self.schema.table(t) else {
                continue;
            };
            for (u, orig) in rows {
                match self.cur.tables.get(t).and_then(|r| r.get(u)) {
                    None => {
                        if table.is_root {
                            ops.push(json!({"op": "delete", "table": t, "where": where_uuid(u)}));
                            changed = true;
                        }
                    }
                    Some(now) => {
                        let mut obj = serde_json::Map::new();
                        for c in &table.columns {
                            let (a, b) = (orig.get(&c.name), now.get(&c.name));
                            if a != b {
                                if let Some(b) = b {
                                    obj.insert(c.name.clone(), subst(b.to_json(&c.ty)));
                                }
                            }
                        }
                        if !obj.is_empty() {
                            ops.push(json!({"op": "update", "table": t, "where": where_uuid(u),
                                "row": Value::Object(obj)}));
                            changed = true;
                        }
                    }
                }
            }
        }

        let mut next_cfg_index = None;
        if let (true, Some(ovs)) = (changed, increment) {
            let w = subst(where_uuid(ovs));
            ops.push(json!({"op": "mutate", "table": "Open_vSwitch", "where": w,
                "mutations": [["next_cfg", "+=", 1]]}));
            next_cfg_index = Some(ops.len());
            ops.push(json!({"op": "select", "table": "Open_vSwitch", "where": w,
                "columns": ["next_cfg"]}));
        }
        if !comment.is_empty() {
            ops.push(json!({"op": "comment", "comment": comment}));
        }
        if dry_run {
            ops.push(json!({"op": "abort"}));
        }
        Ops {
            ops,
            changed,
            next_cfg_index,
            insert_index,
        }
    }
}

/// The `uuid-name` of a new row (OVS `ovsdb_data_row_name`).
pub fn row_name(uuid: &str) -> String {
    format!("row{}", uuid.replace('-', "_"))
}

fn substitute(v: Value, named: &BTreeSet<&str>) -> Value {
    match v {
        Value::Array(a) => {
            if let [Value::String(tag), Value::String(u)] = a.as_slice() {
                if tag == "uuid" && named.contains(u.as_str()) {
                    return json!(["named-uuid", row_name(u)]);
                }
            }
            Value::Array(a.into_iter().map(|x| substitute(x, named)).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Atom;

    fn schema() -> Schema {
        Schema::parse(&json!({"name": "Open_vSwitch", "tables": {
            "Open_vSwitch": {"maxRows": 1, "isRoot": true, "columns": {
                "bridges": {"type": {"key": {"type": "uuid", "refTable": "Bridge"}, "min": 0, "max": "unlimited"}},
                "next_cfg": {"type": "integer"}}},
            "Bridge": {"columns": {"name": {"type": "string", "mutable": false}}}
        }}))
        .unwrap()
    }

    fn snapshot(s: &Schema) -> Snapshot {
        let names = vec!["Bridge".to_string(), "Open_vSwitch".to_string()];
        Snapshot::from_selects(
            s,
            &names,
            &[
                json!({"rows": [{"_uuid": ["uuid", "b1"], "name": "br0"}]}),
                json!({"rows": [{"_uuid": ["uuid", "o1"], "bridges": ["uuid", "b1"], "next_cfg": 3}]}),
            ],
        )
        .unwrap()
    }

    #[test]
    fn reads_become_waits_and_new_rows_named_uuids() {
        let s = schema();
        let mut t = Txn::new(s.clone(), snapshot(&s));
        t.verify("Open_vSwitch", "o1", "bridges");
        let b = t.insert(
            "Bridge",
            Some("11111111-2222-3333-4444-555555555555".into()),
        );
        t.write(
            "Bridge",
            &b,
            "name",
            Datum::scalar(Atom::String("br1".into())),
        );
        let mut refs = t.get("Open_vSwitch", "o1", "bridges");
        refs.keys.push(Atom::Uuid(b.clone()));
        refs.sort();
        t.write("Open_vSwitch", "o1", "bridges", refs);
        let ops = t.ops(Some("o1"), "c", false);
        assert!(ops.changed);
        let v = Value::Array(ops.ops.clone());
        // The wait carries the value read, so a concurrent change makes it fail.
        assert_eq!(ops.ops[0]["op"], "wait");
        assert_eq!(ops.ops[0]["rows"][0]["bridges"], json!(["uuid", "b1"]));
        assert_eq!(ops.ops[1]["op"], "insert");
        let name = row_name(&b);
        assert_eq!(ops.ops[1]["uuid-name"], json!(name));
        assert!(v
            .to_string()
            .contains(&format!("[\"named-uuid\",\"{name}\"]")));
        let update = &ops.ops[2];
        assert_eq!(update["op"], "update");
        assert!(
            update["row"].get("next_cfg").is_none(),
            "only changed columns"
        );
        let sel = ops.next_cfg_index.unwrap();
        assert_eq!(
            ops.ops[sel - 1]["mutations"],
            json!([["next_cfg", "+=", 1]])
        );
        assert_eq!(ops.ops.last().unwrap()["op"], "comment");
    }

    #[test]
    fn read_only_runs_send_nothing() {
        let s = schema();
        let mut t = Txn::new(s.clone(), snapshot(&s));
        t.verify("Bridge", "b1", "name");
        let ops = t.ops(Some("o1"), "", false);
        assert!(!ops.changed);
        assert!(ops.next_cfg_index.is_none());
    }
}
