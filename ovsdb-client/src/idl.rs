//! The replica: an in-memory copy of the monitored tables, fed by `update`/`update2`
//! notifications, with typed read accessors.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use crate::datum::{Atom, Datum, DatumError};
use crate::schema::{ColumnType, Schema};

/// Errors applying a table-updates object.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// The notification does not have the shape of RFC 7047 / ovsdb-server(7) updates.
    #[error("malformed table update: {0}")]
    Malformed(String),
    /// A column value did not parse.
    #[error("table {table} column {column}: {source}")]
    Datum {
        /// Table.
        table: String,
        /// Column.
        column: String,
        /// Cause.
        #[source]
        source: DatumError,
    },
}

/// One row: column name to value. Columns at their default value may be absent.
pub type Row = HashMap<String, Datum>;

/// The replica of the monitored part of a database.
#[derive(Debug)]
pub struct Replica {
    schema: Schema,
    tables: HashMap<String, HashMap<String, Row>>,
    seqno: u64,
    /// Rows inserted, modified or deleted since [`Replica::take_changes`]; `None` after
    /// a full resync (everything may have changed).
    changed: Option<BTreeSet<(String, String)>>,
}

impl Replica {
    /// An empty replica for `schema`.
    pub fn new(schema: Schema) -> Replica {
        Replica {
            schema,
            tables: HashMap::new(),
            seqno: 0,
            changed: None,
        }
    }

    /// The schema the server returned.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Increases with every applied change; the reconciler compares it to what it last saw.
    pub fn seqno(&self) -> u64 {
        self.seqno
    }

    /// Drops all rows (before a full resync).
    pub fn clear(&mut self) {
        self.tables.clear();
        self.seqno += 1;
        self.changed = None;
    }

    /// The rows changed since the last call, as (table, uuid), or `None` when the
    /// replica was reloaded in full and the caller must look at everything. Resets the
    /// tracking.
    pub fn take_changes(&mut self) -> Option<BTreeSet<(String, String)>> {
        self.changed.replace(BTreeSet::new())
    }

    fn touch(&mut self, table: &str, uuid: &str) {
        if let Some(c) = self.changed.as_mut() {
            c.insert((table.to_string(), uuid.to_string()));
        }
    }

    fn parse_row(
        &self,
        table: &str,
        row: &Value,
    ) -> Result<Vec<(String, Datum, ColumnType)>, UpdateError> {
        let obj = row
            .as_object()
            .ok_or_else(|| UpdateError::Malformed(format!("row of {table} is not an object")))?;
        let mut out = Vec::with_capacity(obj.len());
        for (col, v) in obj {
            // Columns we did not ask for, or that the schema does not know, are ignored.
            let Some(ty) = self.schema.column(table, col) else {
                continue;
            };
            let d = Datum::from_json(v, ty).map_err(|source| UpdateError::Datum {
                table: table.into(),
                column: col.clone(),
                source,
            })?;
            out.push((col.clone(), d, ty.clone()));
        }
        Ok(out)
    }

    fn each_row(updates: &Value) -> Result<Vec<(&str, &str, &Value)>, UpdateError> {
        let tables = updates
            .as_object()
            .ok_or_else(|| UpdateError::Malformed("table-updates is not an object".into()))?;
        let mut out = Vec::new();
        for (t, rows) in tables {
            let rows = rows
                .as_object()
                .ok_or_else(|| UpdateError::Malformed(format!("updates of {t} not an object")))?;
            for (uuid, u) in rows {
                out.push((t.as_str(), uuid.as_str(), u));
            }
        }
        Ok(out)
    }

    /// Applies `<table-updates2>` (from `monitor_cond` and `update2`).
    pub fn apply_update2(&mut self, updates: &Value) -> Result<(), UpdateError> {
        for (table, uuid, u) in Self::each_row(updates)? {
            self.touch(table, uuid);
            let u = u
                .as_object()
                .ok_or_else(|| UpdateError::Malformed(format!("{table} {uuid}: not an object")))?;
            if let Some(row) = u.get("initial").or_else(|| u.get("insert")) {
                let cols = self.parse_row(table, row)?;
                let r: Row = cols.into_iter().map(|(c, d, _)| (c, d)).collect();
                self.tables
                    .entry(table.into())
                    .or_default()
                    .insert(uuid.into(), r);
            } else if let Some(row) = u.get("modify") {
                let cols = self.parse_row(table, row)?;
                let t = self.tables.entry(table.into()).or_default();
                let r = t.entry(uuid.into()).or_default();
                for (c, diff, ty) in cols {
                    let cur = r.entry(c).or_insert_with(|| Datum::default_of(&ty));
                    cur.apply_diff(diff, &ty);
                }
            } else if u.contains_key("delete") {
                if let Some(t) = self.tables.get_mut(table) {
                    t.remove(uuid);
                }
            } else {
                return Err(UpdateError::Malformed(format!(
                    "{table} {uuid}: unknown update"
                )));
            }
        }
        self.seqno += 1;
        Ok(())
    }

    /// Applies `<table-updates>` (from `monitor` and `update`).
    pub fn apply_update(&mut self, updates: &Value) -> Result<(), UpdateError> {
        for (table, uuid, u) in Self::each_row(updates)? {
            self.touch(table, uuid);
            match u.get("new") {
                Some(new) => {
                    let cols = self.parse_row(table, new)?;
                    let t = self.tables.entry(table.into()).or_default();
                    let r = t.entry(uuid.into()).or_default();
                    for (c, d, _) in cols {
                        r.insert(c, d);
                    }
                }
                None => {
                    if let Some(t) = self.tables.get_mut(table) {
                        t.remove(uuid);
                    }
                }
            }
        }
        self.seqno += 1;
        Ok(())
    }

    /// Every row of `table` as (uuid, view).
    pub fn rows<'a>(&'a self, table: &'a str) -> impl Iterator<Item = RowView<'a>> + 'a {
        self.tables
            .get(table)
            .into_iter()
            .flat_map(move |t| t.iter().map(move |(u, r)| RowView::new(self, table, u, r)))
    }

    /// One row of `table` by UUID.
    pub fn row<'a>(&'a self, table: &'a str, uuid: &str) -> Option<RowView<'a>> {
        let (u, r) = self.tables.get(table)?.get_key_value(uuid)?;
        Some(RowView::new(self, table, u, r))
    }
}

/// A replica over a small schema with every column kind (scalar, optional, set of
/// references, map), for fuzzing the update parsers.
pub fn fuzz_replica() -> Replica {
    let schema = serde_json::json!({"name": "Open_vSwitch", "version": "1", "tables": {
        "Interface": {"columns": {
            "name": {"type": "string"},
            "ofport": {"type": {"key": "integer", "min": 0, "max": 1}},
            "options": {"type": {"key": "string", "value": "string", "min": 0, "max": "unlimited"}},
            "up": {"type": "boolean"},
            "speed": {"type": {"key": "real", "min": 0, "max": 1}}
        }},
        "Port": {"columns": {
            "interfaces": {"type": {"key": {"type": "uuid", "refTable": "Interface"}, "min": 1, "max": "unlimited"}}
        }}
    }});
    // The literal above is a valid schema.
    Replica::new(Schema::parse(&schema).unwrap_or_default())
}

/// Typed, read-only access to one row; absent columns read as their default.
#[derive(Debug, Clone, Copy)]
pub struct RowView<'a> {
    replica: &'a Replica,
    table: &'a str,
    uuid: &'a str,
    row: &'a Row,
}

impl<'a> RowView<'a> {
    fn new(replica: &'a Replica, table: &'a str, uuid: &'a str, row: &'a Row) -> Self {
        RowView {
            replica,
            table,
            uuid,
            row,
        }
    }

    /// The row's UUID.
    pub fn uuid(&self) -> &'a str {
        self.uuid
    }

    /// The raw value of a column, if present.
    pub fn datum(&self, column: &str) -> Option<&'a Datum> {
        self.row.get(column)
    }

    fn atoms(&self, column: &str) -> &'a [Atom] {
        self.row.get(column).map(Datum::atoms).unwrap_or(&[])
    }

    /// A string column (scalar or optional); "" when empty.
    pub fn str(&self, column: &str) -> &'a str {
        self.atoms(column)
            .first()
            .and_then(Atom::as_str)
            .unwrap_or("")
    }

    /// An optional string column.
    pub fn opt_str(&self, column: &str) -> Option<&'a str> {
        self.atoms(column).first().and_then(Atom::as_str)
    }

    /// An integer column (scalar); 0 when absent.
    pub fn int(&self, column: &str) -> i64 {
        self.opt_int(column).unwrap_or(0)
    }

    /// An optional integer column.
    pub fn opt_int(&self, column: &str) -> Option<i64> {
        self.atoms(column).first().and_then(Atom::as_i64)
    }

    /// The UUIDs of a reference-set column.
    pub fn uuids(&self, column: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.atoms(column).iter().filter_map(|a| match a {
            Atom::Uuid(u) => Some(u.as_str()),
            _ => None,
        })
    }

    /// One key of a string-to-string map column.
    pub fn map_get(&self, column: &str, key: &str) -> Option<&'a str> {
        self.row
            .get(column)?
            .pairs()
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .and_then(|(_, v)| v.as_str())
    }

    /// The rows a reference-set column points to, skipping dangling references.
    pub fn refs(&self, column: &str, table: &'a str) -> impl Iterator<Item = RowView<'a>> + 'a {
        let replica = self.replica;
        self.uuids(column)
            .filter_map(move |u| replica.row(table, u))
    }

    /// The table this row belongs to.
    pub fn table(&self) -> &'a str {
        self.table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Schema {
        Schema::parse(&json!({"name": "db", "version": "1", "tables": {
            "Interface": {"columns": {
                "name": {"type": "string"},
                "ofport": {"type": {"key": "integer", "min": 0, "max": 1}},
                "options": {"type": {"key": "string", "value": "string", "min": 0, "max": "unlimited"}}
            }},
            "Port": {"columns": {
                "interfaces": {"type": {"key": {"type": "uuid", "refTable": "Interface"}, "min": 1, "max": "unlimited"}}
            }}
        }}))
        .unwrap()
    }

    #[test]
    fn initial_modify_delete() {
        let mut r = Replica::new(schema());
        r.apply_update2(&json!({
            "Interface": {"u1": {"initial": {"name": "eth0"}}},
            "Port": {"p1": {"initial": {"interfaces": ["uuid", "u1"]}}}
        }))
        .unwrap();
        let i = r.row("Interface", "u1").unwrap();
        assert_eq!((i.str("name"), i.opt_int("ofport")), ("eth0", None));
        let p = r.row("Port", "p1").unwrap();
        assert_eq!(p.refs("interfaces", "Interface").count(), 1);

        r.apply_update2(&json!({"Interface": {"u1": {"modify": {
            "ofport": 3, "options": ["map", [["k", "v"]]]}}}}))
            .unwrap();
        let i = r.row("Interface", "u1").unwrap();
        assert_eq!(i.opt_int("ofport"), Some(3));
        assert_eq!(i.map_get("options", "k"), Some("v"));

        r.apply_update2(&json!({"Interface": {"u1": {"modify": {"ofport": ["set", [3, 4]]}}}}))
            .unwrap();
        assert_eq!(r.row("Interface", "u1").unwrap().opt_int("ofport"), Some(4));

        r.apply_update2(&json!({"Interface": {"u1": {"delete": null}}}))
            .unwrap();
        assert!(r.row("Interface", "u1").is_none());
        assert_eq!(p_count(&r), 0);
    }

    fn p_count(r: &Replica) -> usize {
        r.row("Port", "p1")
            .unwrap()
            .refs("interfaces", "Interface")
            .count()
    }

    #[test]
    fn change_tracking() {
        let mut r = Replica::new(schema());
        assert_eq!(r.take_changes(), None, "a new replica is all new");
        r.apply_update2(&json!({"Interface": {"u1": {"insert": {"name": "a"}}}}))
            .unwrap();
        r.apply_update2(&json!({"Interface": {"u2": {"insert": {"name": "b"}}}}))
            .unwrap();
        let c = r.take_changes().unwrap();
        assert_eq!(c.len(), 2);
        assert!(c.contains(&("Interface".to_string(), "u1".to_string())));
        r.apply_update2(&json!({"Interface": {"u1": {"delete": null}}}))
            .unwrap();
        assert_eq!(r.take_changes().unwrap().len(), 1);
        assert_eq!(r.take_changes().unwrap().len(), 0);
        r.clear();
        assert_eq!(r.take_changes(), None);
    }

    #[test]
    fn monitor_updates() {
        let mut r = Replica::new(schema());
        r.apply_update(
            &json!({"Interface": {"u1": {"new": {"name": "a", "ofport": ["set", []]}}}}),
        )
        .unwrap();
        assert_eq!(r.row("Interface", "u1").unwrap().opt_int("ofport"), None);
        r.apply_update(&json!({"Interface": {"u1": {"old": {"name": "a"}, "new": {"name": "b"}}}}))
            .unwrap();
        assert_eq!(r.row("Interface", "u1").unwrap().str("name"), "b");
        r.apply_update(&json!({"Interface": {"u1": {"old": {"name": "b"}}}}))
            .unwrap();
        assert_eq!(r.rows("Interface").count(), 0);
    }

    #[test]
    fn malformed_updates_are_errors() {
        let mut r = Replica::new(schema());
        assert!(r.apply_update2(&json!([1])).is_err());
        assert!(r
            .apply_update2(&json!({"Interface": {"u": {"bogus": {}}}}))
            .is_err());
        assert!(r
            .apply_update2(&json!({"Interface": {"u": {"insert": {"ofport": "x"}}}}))
            .is_err());
        assert!(r
            .apply_update2(&json!({"Interface": {"u": {"insert": {"ofport": {"x": 1}}}}}))
            .is_err());
    }
}
