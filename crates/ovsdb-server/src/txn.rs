//! A transaction's workspace over a [`Database`] and its commit checks: what
//! changed, strong reference counts and referential integrity, garbage collection
//! of unreferenced rows of non-root tables, `maxRows`, removal of dangling weak
//! references, unique indexes and new `_version`s.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::condition::Condition;
use crate::db::{ChangeSet, Database, Row, RowChange};
use crate::error::{OvsdbError, Result};
use crate::schema::{TableSchema, COL_VERSION};
use crate::uuid::Uuid;
use crate::value::{Atom, Datum};

type Key = (String, Uuid);

/// Uncommitted changes over a database.
#[derive(Debug)]
pub struct Txn<'a> {
    /// The database as of the start of the transaction.
    pub db: &'a Database,
    /// New fields of every touched row; None once deleted.
    changes: BTreeMap<Key, Option<Vec<Datum>>>,
    /// `comment` operations, in order.
    pub comments: Vec<String>,
}

impl<'a> Txn<'a> {
    /// An empty transaction.
    pub fn new(db: &'a Database) -> Txn<'a> {
        Txn {
            db,
            changes: BTreeMap::new(),
            comments: Vec::new(),
        }
    }

    fn ts(&self, table: &str) -> &'a TableSchema {
        // Callers only name tables of the schema.
        &self.db.schema.tables[table]
    }

    /// A row as the transaction sees it.
    pub fn get(&self, table: &str, uuid: Uuid) -> Option<&[Datum]> {
        match self.changes.get(&(table.to_string(), uuid)) {
            Some(Some(f)) => Some(f),
            Some(None) => None,
            None => self.db.row(table, &uuid).map(|r| r.fields.as_slice()),
        }
    }

    /// UUIDs of the rows of `table` that satisfy `cond`, in UUID order.
    pub fn query(&self, table: &str, cond: &Condition) -> Vec<Uuid> {
        let ts = self.ts(table);
        if let Some(u) = cond.uuid_eq() {
            return match self.get(table, u) {
                Some(f) if cond.matches(ts, f) => vec![u],
                _ => Vec::new(),
            };
        }
        let mut out = BTreeSet::new();
        if let Some(t) = self.db.tables.get(table) {
            for (u, r) in &t.rows {
                if !self.changes.contains_key(&(table.to_string(), *u))
                    && cond.matches(ts, &r.fields)
                {
                    out.insert(*u);
                }
            }
        }
        let lo = (table.to_string(), Uuid(0));
        for ((t, u), f) in self.changes.range(lo..) {
            if t != table {
                break;
            }
            if let Some(f) = f {
                if cond.matches(ts, f) {
                    out.insert(*u);
                }
            }
        }
        out.into_iter().collect()
    }

    /// Whether a row with this UUID may be inserted: not present and not deleted by
    /// this transaction.
    pub fn may_create(&self, table: &str, uuid: Uuid) -> bool {
        !self.changes.contains_key(&(table.to_string(), uuid))
            && self.db.row(table, &uuid).is_none()
    }

    /// Adds a new row.
    pub fn insert(&mut self, table: &str, uuid: Uuid, fields: Vec<Datum>) {
        self.changes.insert((table.to_string(), uuid), Some(fields));
    }

    /// The fields of an existing row, for modification.
    pub fn modify(&mut self, table: &str, uuid: Uuid) -> Option<&mut Vec<Datum>> {
        let key = (table.to_string(), uuid);
        if !self.changes.contains_key(&key) {
            let f = self.db.row(table, &uuid)?.fields.clone();
            self.changes.insert(key.clone(), Some(f));
        }
        self.changes.get_mut(&key)?.as_mut()
    }

    /// Deletes a row.
    pub fn delete(&mut self, table: &str, uuid: Uuid) {
        self.changes.insert((table.to_string(), uuid), None);
    }

    fn stored(&self, key: &Key) -> Option<&'a Row> {
        self.db.row(&key.0, &key.1)
    }

    /// Runs the commit checks and returns what the transaction changes.
    pub fn commit(mut self) -> Result<ChangeSet> {
        // What actually changed.
        let db = self.db;
        self.changes
            .retain(|k, new| match (db.row(&k.0, &k.1), new) {
                (None, None) => false,
                (Some(old), Some(new)) => old.fields[2..] != new[2..],
                _ => true,
            });
        if self.changes.is_empty() {
            return Ok(ChangeSet {
                comment: self.comments,
                ..ChangeSet::default()
            });
        }

        // Strong reference counts and referential integrity.
        let mut refs: HashMap<Key, i64> = HashMap::new();
        let keys: Vec<Key> = self.changes.keys().cloned().collect();
        for key in &keys {
            let ts = self.ts(&key.0);
            let old = self.stored(key).map(|r| r.fields.clone());
            let new = self.changes[key].clone();
            for (i, c) in ts.columns.iter().enumerate() {
                if !c.ty.has_strong_refs() {
                    continue;
                }
                for (base, of_values) in [(Some(&c.ty.key), false), (c.ty.value.as_ref(), true)] {
                    let Some(target) = base
                        .filter(|b| b.is_strong_ref())
                        .and_then(|b| b.ref_table.clone())
                    else {
                        continue;
                    };
                    let list = |f: &Option<Vec<Datum>>| -> Vec<Uuid> {
                        let mut v: Vec<Uuid> = f
                            .as_ref()
                            .map(|f| f[i].uuids(of_values).filter(|u| *u != key.1).collect())
                            .unwrap_or_default();
                        v.sort();
                        v
                    };
                    let (removed, added) = multiset_diff(&list(&old), &list(&new));
                    for u in removed {
                        *self.ref_entry(&mut refs, &target, u) -= 1;
                    }
                    for u in added {
                        if self.get(&target, u).is_none() {
                            return Err(OvsdbError::new(
                                "referential integrity violation",
                                format!(
                                    "Table {} column {} row {} references nonexistent row {u} in table {target}.",
                                    key.0, c.name, key.1
                                ),
                            ));
                        }
                        *self.ref_entry(&mut refs, &target, u) += 1;
                    }
                }
            }
        }
        for (key, new) in &self.changes {
            let n = refs
                .get(key)
                .copied()
                .unwrap_or_else(|| self.stored(key).map_or(0, |r| r.n_refs as i64));
            if new.is_none() && n > 0 {
                return Err(OvsdbError::new(
                    "referential integrity violation",
                    format!(
                        "cannot delete {} row {} because of {n} remaining reference(s)",
                        key.0, key.1
                    ),
                ));
            }
        }

        // Garbage collection: rows of non-root tables that nothing references.
        // Candidates: every row of the transaction and every row whose count moved.
        let mut candidates: BTreeSet<Key> = self.changes.keys().cloned().collect();
        candidates.extend(refs.keys().cloned());
        let mut work: Vec<Key> = candidates
            .into_iter()
            .filter(|k| {
                self.get(&k.0, k.1).is_some() && self.count(&refs, k) == 0 && !self.ts(&k.0).is_root
            })
            .collect();
        while let Some(key) = work.pop() {
            let Some(fields) = self.get(&key.0, key.1).map(<[Datum]>::to_vec) else {
                continue;
            };
            if self.ts(&key.0).is_root {
                continue;
            }
            self.changes.insert(key.clone(), None);
            let ts = self.ts(&key.0);
            for (i, c) in ts.columns.iter().enumerate() {
                for (base, of_values) in [(Some(&c.ty.key), false), (c.ty.value.as_ref(), true)] {
                    let Some(target) = base
                        .filter(|b| b.is_strong_ref())
                        .and_then(|b| b.ref_table.clone())
                    else {
                        continue;
                    };
                    for u in fields[i].uuids(of_values) {
                        if u == key.1 {
                            continue;
                        }
                        let e = self.ref_entry(&mut refs, &target, u);
                        *e -= 1;
                        if *e == 0 && !self.ts(&target).is_root {
                            work.push((target.clone(), u));
                        }
                    }
                }
            }
        }
        // Rows inserted and collected in the same transaction leave no trace.
        self.changes
            .retain(|k, new| new.is_some() || db.row(&k.0, &k.1).is_some());

        // maxRows.
        let touched: BTreeSet<String> = self.changes.keys().map(|k| k.0.clone()).collect();
        for t in &touched {
            let ts = self.ts(t);
            if let Some(max) = ts.max_rows {
                let n = self.count_rows(t);
                if n as u64 > max {
                    return Err(OvsdbError::constraint(format!(
                        "transaction causes \"{t}\" table to contain {n} rows, greater than the schema-defined limit of {max} row(s)"
                    )));
                }
            }
        }

        self.weak_refs()?;
        self.check_indexes()?;

        // New versions, and the change set.
        let mut cs = ChangeSet {
            comment: std::mem::take(&mut self.comments),
            ..ChangeSet::default()
        };
        for (key, new) in std::mem::take(&mut self.changes) {
            let old = db.row(&key.0, &key.1).map(|r| r.fields.clone());
            let new = new.map(|mut f| {
                f[COL_VERSION] = Datum::single(Atom::Uuid(Uuid::random()));
                f
            });
            if let (Some(o), Some(n)) = (&old, &new) {
                if o[2..] == n[2..] {
                    continue;
                }
            }
            cs.rows.push(RowChange {
                table: key.0,
                uuid: key.1,
                old,
                new,
            });
        }
        let alive: HashMap<Key, bool> = cs
            .rows
            .iter()
            .map(|c| ((c.table.clone(), c.uuid), c.new.is_some()))
            .collect();
        for (key, n) in refs {
            let exists = alive
                .get(&key)
                .copied()
                .unwrap_or_else(|| db.row(&key.0, &key.1).is_some());
            if exists {
                cs.refs.push((key.0, key.1, n.max(0) as usize));
            }
        }
        Ok(cs)
    }

    fn count(&self, refs: &HashMap<Key, i64>, key: &Key) -> i64 {
        refs.get(key)
            .copied()
            .unwrap_or_else(|| self.stored(key).map_or(0, |r| r.n_refs as i64))
    }

    fn ref_entry<'m>(&self, refs: &'m mut HashMap<Key, i64>, table: &str, u: Uuid) -> &'m mut i64 {
        let key = (table.to_string(), u);
        let start = self.stored(&key).map_or(0, |r| r.n_refs as i64);
        refs.entry(key).or_insert(start)
    }

    fn count_rows(&self, table: &str) -> usize {
        let base = self.db.tables.get(table).map_or(0, |t| t.rows.len());
        let lo = (table.to_string(), Uuid(0));
        let mut n = base as i64;
        for ((t, u), new) in self.changes.range(lo..) {
            if t != table {
                break;
            }
            let existed = self.db.row(t, u).is_some();
            match (existed, new.is_some()) {
                (false, true) => n += 1,
                (true, false) => n -= 1,
                _ => {}
            }
        }
        n.max(0) as usize
    }

    /// Drops weak references to rows that do not exist after the transaction.
    fn weak_refs(&mut self) -> Result<()> {
        let deleted: BTreeSet<String> = self
            .changes
            .iter()
            .filter(|(_, n)| n.is_none())
            .map(|(k, _)| k.0.clone())
            .collect();
        let mut candidates: BTreeSet<Key> = self
            .changes
            .iter()
            .filter(|(_, n)| n.is_some())
            .map(|(k, _)| k.clone())
            .collect();
        if !deleted.is_empty() {
            for (tname, ts) in &self.db.schema.tables {
                let points_at_deleted = ts.columns.iter().any(|c| {
                    [Some(&c.ty.key), c.ty.value.as_ref()]
                        .into_iter()
                        .flatten()
                        .any(|b| {
                            b.is_weak_ref()
                                && b.ref_table.as_ref().is_some_and(|r| deleted.contains(r))
                        })
                });
                if points_at_deleted {
                    if let Some(t) = self.db.tables.get(tname) {
                        candidates.extend(t.rows.keys().map(|u| (tname.clone(), *u)));
                    }
                }
            }
        }
        for key in candidates {
            let ts = self.ts(&key.0);
            if !ts.columns.iter().any(|c| c.ty.has_weak_refs()) {
                continue;
            }
            let Some(fields) = self.get(&key.0, key.1) else {
                continue;
            };
            let mut fields = fields.to_vec();
            let mut changed = false;
            for (i, c) in ts.columns.iter().enumerate() {
                if !c.ty.has_weak_refs() {
                    continue;
                }
                let kt =
                    c.ty.key
                        .is_weak_ref()
                        .then(|| c.ty.key.ref_table.clone())
                        .flatten();
                let vt =
                    c.ty.value
                        .as_ref()
                        .filter(|v| v.is_weak_ref())
                        .and_then(|v| v.ref_table.clone());
                let before = fields[i].len();
                let gone_key = |u: Uuid| kt.as_ref().is_some_and(|t| self.get(t, u).is_none());
                let gone_val = |u: Uuid| vt.as_ref().is_some_and(|t| self.get(t, u).is_none());
                let mut d = fields[i].clone();
                d.remove_uuids(kt.is_some(), false, &gone_key);
                d.remove_uuids(false, vt.is_some(), &gone_val);
                if d.len() != before {
                    if (d.len() as u64) < u64::from(c.ty.min) {
                        let existed = self.stored(&key).is_some();
                        return Err(OvsdbError::constraint(format!(
                            "Deletion of {} weak reference(s) to deleted (or never-existing) rows from column \"{}\" in \"{}\" row {} {}caused this column to become empty, but constraints on this column disallow an empty column.",
                            before - d.len(),
                            c.name,
                            key.0,
                            key.1,
                            if existed { "" } else { "(inserted within this transaction) " }
                        )));
                    }
                    fields[i] = d;
                    changed = true;
                }
            }
            if changed {
                self.changes.insert(key, Some(fields));
            }
        }
        Ok(())
    }

    fn check_indexes(&self) -> Result<()> {
        let touched: BTreeSet<&String> = self
            .changes
            .iter()
            .filter(|(_, n)| n.is_some())
            .map(|(k, _)| &k.0)
            .collect();
        for t in touched {
            let ts = self.ts(t);
            for index in &ts.indexes {
                let mut seen: HashMap<Vec<&Datum>, Uuid> = HashMap::new();
                let mut rows: Vec<(Uuid, &[Datum])> = Vec::new();
                if let Some(table) = self.db.tables.get(t) {
                    for (u, r) in &table.rows {
                        if !self.changes.contains_key(&(t.clone(), *u)) {
                            rows.push((*u, &r.fields));
                        }
                    }
                }
                let lo = (t.clone(), Uuid(0));
                for ((tt, u), f) in self.changes.range(lo..) {
                    if tt != t {
                        break;
                    }
                    if let Some(f) = f {
                        rows.push((*u, f));
                    }
                }
                for (u, f) in rows {
                    let k: Vec<&Datum> = index.iter().map(|i| &f[*i]).collect();
                    if let Some(other) = seen.insert(k.clone(), u) {
                        return Err(self.duplicate_index(ts, index, other, u));
                    }
                }
            }
        }
        Ok(())
    }
}

impl Txn<'_> {
    /// The error for two rows with the same values in a unique index, worded as
    /// OVS words it.
    fn duplicate_index(&self, ts: &TableSchema, index: &[usize], a: Uuid, b: Uuid) -> OvsdbError {
        let t = &ts.name;
        let values = |f: &[Datum]| -> String {
            index
                .iter()
                .map(|i| datum_text(&f[*i], &ts.column(*i).ty))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let names: Vec<String> = index
            .iter()
            .map(|i| format!("\"{}\"", ts.columns[*i].name))
            .collect();
        let on = if names.len() == 1 {
            format!("column {}", names[0])
        } else {
            format!("columns {}", names.join(", "))
        };
        let describe = |title: &str, u: Uuid| -> String {
            let key = (t.clone(), u);
            let old = self.stored(&key);
            let how = match (old, self.changes.get(&key)) {
                (_, None) => "existed in the database before this transaction and was not modified by the transaction.".to_string(),
                (None, _) => "was inserted by this transaction.".to_string(),
                (Some(o), Some(Some(n))) if index.iter().all(|i| o.fields[*i] == n[*i]) => {
                    "existed in the database before this transaction, which modified some of the row's columns but not any columns in this index.".to_string()
                }
                (Some(o), _) => format!("had the following index values before the transaction: {}.", values(&o.fields)),
            };
            format!("{title} row, with UUID {u}, {how}")
        };
        let f = self.get(t, b).map(<[Datum]>::to_vec).unwrap_or_default();
        let shown = if f.is_empty() {
            String::new()
        } else {
            values(&f)
        };
        OvsdbError::constraint(format!(
            "Transaction causes multiple rows in \"{t}\" table to have identical values ({shown}) for index on {on}.  {}  {}",
            describe("First", a),
            describe("Second", b)
        ))
    }
}

/// A datum as OVS prints it in messages (`ovsdb_datum_to_string`).
pub fn datum_text(d: &Datum, ty: &crate::schema::Type) -> String {
    let inner = |i: usize| -> String {
        match &d.values {
            Some(v) => format!("{}={}", d.keys[i].to_text(), v[i].to_text()),
            None => d.keys[i].to_text(),
        }
    };
    let body: Vec<String> = (0..d.len()).map(inner).collect();
    if ty.is_map() {
        format!("{{{}}}", body.join(", "))
    } else if ty.max > 1 || d.is_empty() {
        format!("[{}]", body.join(", "))
    } else {
        body.join(", ")
    }
}

/// Elements of `old` missing from `new`, and of `new` missing from `old`, counting
/// repeats (both inputs sorted).
fn multiset_diff(old: &[Uuid], new: &[Uuid]) -> (Vec<Uuid>, Vec<Uuid>) {
    let (mut i, mut j) = (0, 0);
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    while i < old.len() || j < new.len() {
        if j == new.len() || (i < old.len() && old[i] < new[j]) {
            removed.push(old[i]);
            i += 1;
        } else if i == old.len() || new[j] < old[i] {
            added.push(new[j]);
            j += 1;
        } else {
            i += 1;
            j += 1;
        }
    }
    (removed, added)
}
