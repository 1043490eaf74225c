//! The `transact` method (RFC 7047 §4.1.3, §5.2): parses and runs each operation
//! against a [`Txn`], pads results with nulls after an error, and runs the commit
//! checks. Persisting and applying the change set is the caller's job.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::condition::{apply_mutations, parse_mutations, Condition};
use crate::db::{ChangeSet, Database, Row};
use crate::error::{OvsdbError, Parser, Result, Want};
use crate::schema::{TableSchema, COL_UUID, COL_VERSION};
use crate::txn::Txn;
use crate::uuid::Uuid;
use crate::value::{Atom, Datum, Symtab};

/// What running a transaction produced.
#[derive(Debug)]
pub enum Outcome {
    /// Finished: the result array, and the changes to commit if it succeeded.
    Done {
        /// One entry per operation, plus one more for a commit error.
        results: Vec<Value>,
        /// The changes to make durable and apply (None when aborted).
        changes: Option<ChangeSet>,
    },
    /// A "wait" is not satisfied yet: retry when the database changes, and fail
    /// once `timeout_ms` (since the first attempt) has passed.
    Blocked {
        /// The smallest "timeout" of the unsatisfied waits, if any.
        timeout_ms: Option<i64>,
    },
}

/// The session facts an operation may consult.
pub trait SessionView {
    /// Whether this session owns the lock.
    fn holds_lock(&self, name: &str) -> bool;
}

struct Exec<'a, 'b> {
    txn: Txn<'a>,
    symtab: Symtab,
    session: &'b dyn SessionView,
    elapsed_ms: i64,
    timeout_ms: Option<i64>,
}

/// Runs the operations of a `transact` (the params after the database name).
/// `elapsed_ms` is how long ago the request first arrived.
pub fn transact(
    db: &Database,
    ops: &[Value],
    session: &dyn SessionView,
    elapsed_ms: i64,
) -> Outcome {
    let mut x = Exec {
        txn: Txn::new(db),
        symtab: Symtab::default(),
        session,
        elapsed_ms,
        timeout_ms: None,
    };
    let n = ops.len();
    let mut results = Vec::with_capacity(n + 1);
    let mut failed = false;
    for (i, op) in ops.iter().enumerate() {
        let mut result = serde_json::Map::new();
        let mut p = Parser::new(op, format!("ovsdb operation {} of {n}", i + 1));
        let mut error = None;
        let mut read_only = true;
        let name = p.member("op", &[Want::Id], false).and_then(Value::as_str);
        if let Some(name) = name {
            read_only = matches!(name, "select" | "wait" | "abort" | "comment" | "assert");
            let r = match name {
                "insert" => x.insert(&mut p, &mut result),
                "select" => x.select(&mut p, &mut result),
                "update" => x.update(&mut p, &mut result),
                "mutate" => x.mutate(&mut p, &mut result),
                "delete" => x.delete(&mut p, &mut result),
                "wait" => x.wait(&mut p),
                "commit" => x.commit_op(&mut p),
                "abort" => Err(OvsdbError::new("aborted", "aborted by request")),
                "comment" => x.comment(&mut p),
                "assert" => x.assert(&mut p),
                other => {
                    p.raise(format!("No operation \"{other}\""));
                    Ok(())
                }
            };
            error = r.err();
        }
        if let Some(pe) = p.finish() {
            error = Some(pe);
        }
        if error.is_none() && !read_only && db.schema.name.starts_with('_') {
            error = Some(OvsdbError::new(
                "not allowed",
                format!(
                    "{} operation not allowed on table in reserved database {}",
                    name.unwrap_or_default(),
                    db.schema.name
                ),
            ));
        }
        if let Some(e) = error {
            if e.tag == "not supported" {
                return Outcome::Blocked {
                    timeout_ms: x.timeout_ms,
                };
            }
            results.push(e.to_json());
            failed = true;
            break;
        }
        results.push(Value::Object(result));
    }
    while results.len() < n {
        results.push(Value::Null);
    }
    if failed {
        return Outcome::Done {
            results,
            changes: None,
        };
    }
    match x.txn.commit() {
        Ok(cs) => Outcome::Done {
            results,
            changes: Some(cs),
        },
        Err(e) => {
            results.push(e.to_json());
            Outcome::Done {
                results,
                changes: None,
            }
        }
    }
}

/// Parses a column list (`columns` or `sort`); absent means every column.
fn column_set(json: Option<&Value>, ts: &TableSchema) -> Result<Vec<usize>> {
    let Some(json) = json else {
        return Ok((0..ts.columns.len()).collect());
    };
    let generic =
        || OvsdbError::syntax(Some(json), None, "array of distinct column names expected");
    let arr = json.as_array().ok_or_else(generic)?;
    let mut out = Vec::new();
    for e in arr {
        let s = e.as_str().ok_or_else(generic)?;
        let i = ts.column_index(s).ok_or_else(|| {
            OvsdbError::syntax(Some(json), None, format!("{s} is not a valid column name"))
        })?;
        if out.contains(&i) {
            return Err(generic());
        }
        out.push(i);
    }
    Ok(out)
}

/// Parses a `<row>` object into (column index, datum) pairs.
fn parse_row(json: &Value, ts: &TableSchema, symtab: &mut Symtab) -> Result<Vec<(usize, Datum)>> {
    let obj = json
        .as_object()
        .ok_or_else(|| OvsdbError::syntax(Some(json), None, "row must be JSON object"))?;
    let mut out = Vec::new();
    for (name, v) in obj {
        let Some(i) = ts.column_index(name) else {
            return Err(OvsdbError::syntax(
                Some(json),
                Some("unknown column"),
                format!("No column {name} in table {}.", ts.name),
            ));
        };
        out.push((i, Datum::from_json(v, &ts.column(i).ty, Some(symtab))?));
    }
    Ok(out)
}

/// A row as JSON with the given columns.
pub fn row_to_json(ts: &TableSchema, fields: &[Datum], columns: &[usize]) -> Value {
    let mut o = serde_json::Map::new();
    for &i in columns {
        o.insert(ts.column(i).name.clone(), fields[i].to_json());
    }
    Value::Object(o)
}

fn datum_cmp(a: &Datum, b: &Datum) -> std::cmp::Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.keys.cmp(&b.keys))
        .then_with(|| a.values.cmp(&b.values))
}

impl<'a> Exec<'a, '_> {
    fn table(&self, p: &mut Parser<'_>) -> Option<String> {
        let name = p.member("table", &[Want::Id], false)?.as_str()?;
        match self.txn.db.schema.tables.get_key_value(name) {
            Some((k, _)) => Some(k.clone()),
            None => {
                p.raise(format!("No table named {name}."));
                None
            }
        }
    }

    fn ts(&self, table: &str) -> &'a TableSchema {
        let db: &'a Database = self.txn.db;
        &db.schema.tables[table]
    }

    fn insert(
        &mut self,
        p: &mut Parser<'_>,
        result: &mut serde_json::Map<String, Value>,
    ) -> Result<()> {
        let table = self.table(p);
        let uuid_json = p.member("uuid", &[Want::String], true);
        let uuid_name = p.member("uuid-name", &[Want::Id], true);
        let row_json = p.member("row", &[Want::Object], false);
        if let Some(e) = p.error() {
            return Err(e);
        }
        let (Some(table), Some(row_json)) = (table, row_json) else {
            return Ok(());
        };
        let table: &str = &table;
        let mut uuid = None;
        if let Some(u) = uuid_json {
            let parsed = Uuid::parse(u.as_str().unwrap_or_default())
                .ok_or_else(|| OvsdbError::syntax(Some(u), None, "bad uuid"))?;
            if !self.txn.may_create(table, parsed) {
                return Err(OvsdbError::syntax(
                    Some(u),
                    Some("duplicate uuid"),
                    "This UUID would duplicate a UUID already present within the table or deleted within the same transaction.",
                ));
            }
            uuid = Some(parsed);
        }
        if let Some(n) = uuid_name {
            let sym = self.symtab.insert(n.as_str().unwrap_or_default());
            if sym.created {
                return Err(OvsdbError::syntax(
                    Some(n),
                    Some("duplicate uuid-name"),
                    "This \"uuid-name\" appeared on an earlier \"insert\" operation.",
                ));
            }
            match uuid {
                Some(u) => sym.uuid = u,
                None => uuid = Some(sym.uuid),
            }
            sym.created = true;
        }
        let uuid = uuid.unwrap_or_else(Uuid::random);
        let ts = self.ts(table);
        let values = parse_row(row_json, ts, &mut self.symtab)?;
        let mut row = Row::new(ts, uuid);
        for (i, d) in values {
            row.fields[i] = d;
        }
        row.fields[COL_UUID] = Datum::single(Atom::Uuid(uuid));
        // Defaults of columns not given might violate constraints.
        for (i, c) in ts.columns.iter().enumerate() {
            if row.fields[i].len() == 1 {
                row.fields[i].check_constraints(&c.ty)?;
            }
        }
        self.txn.insert(table, uuid, row.fields);
        result.insert("uuid".into(), json!(["uuid", uuid.to_string()]));
        Ok(())
    }

    fn select(
        &mut self,
        p: &mut Parser<'_>,
        result: &mut serde_json::Map<String, Value>,
    ) -> Result<()> {
        let table = self.table(p);
        let where_ = p.member("where", &[Want::Array], false);
        let columns = p.member("columns", &[Want::Array], true);
        let sort = p.member("sort", &[Want::Array], true);
        if let Some(e) = p.error() {
            return Err(e);
        }
        let (Some(table), Some(where_)) = (table, where_) else {
            return Ok(());
        };
        let table: &str = &table;
        let ts = self.ts(table);
        let cond = Condition::parse(ts, where_, Some(&mut self.symtab))?;
        let columns = column_set(columns, ts)?;
        let sort = match sort {
            Some(s) => column_set(Some(s), ts)?,
            None => Vec::new(),
        };
        let mut rows: Vec<&[Datum]> = Vec::new();
        let mut seen: HashSet<Vec<&Datum>> = HashSet::new();
        let uuids = self.txn.query(table, &cond);
        for u in &uuids {
            if let Some(f) = self.txn.get(table, *u) {
                if columns.contains(&COL_UUID)
                    || seen.insert(columns.iter().map(|i| &f[*i]).collect())
                {
                    rows.push(f);
                }
            }
        }
        rows.sort_by(|a, b| {
            sort.iter()
                .map(|i| datum_cmp(&a[*i], &b[*i]))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let out: Vec<Value> = rows.iter().map(|f| row_to_json(ts, f, &columns)).collect();
        result.insert("rows".into(), Value::Array(out));
        Ok(())
    }

    fn update(
        &mut self,
        p: &mut Parser<'_>,
        result: &mut serde_json::Map<String, Value>,
    ) -> Result<()> {
        let table = self.table(p);
        let where_ = p.member("where", &[Want::Array], false);
        let row_json = p.member("row", &[Want::Object], false);
        if let Some(e) = p.error() {
            return Err(e);
        }
        let (Some(table), Some(where_), Some(row_json)) = (table, where_, row_json) else {
            return Ok(());
        };
        let table: &str = &table;
        let ts = self.ts(table);
        let values = parse_row(row_json, ts, &mut self.symtab)?;
        for (i, _) in &values {
            let c = ts.column(*i);
            if !c.mutable {
                return Err(OvsdbError::syntax(
                    Some(p.json()),
                    Some("constraint violation"),
                    format!(
                        "Cannot update immutable column {} in table {}.",
                        c.name, ts.name
                    ),
                ));
            }
        }
        let cond = Condition::parse(ts, where_, Some(&mut self.symtab))?;
        let uuids = self.txn.query(table, &cond);
        for u in &uuids {
            let differs = self
                .txn
                .get(table, *u)
                .is_some_and(|f| values.iter().any(|(i, d)| f[*i] != *d));
            if differs {
                if let Some(f) = self.txn.modify(table, *u) {
                    for (i, d) in &values {
                        f[*i] = d.clone();
                    }
                }
            }
        }
        result.insert("count".into(), json!(uuids.len()));
        Ok(())
    }

    fn mutate(
        &mut self,
        p: &mut Parser<'_>,
        result: &mut serde_json::Map<String, Value>,
    ) -> Result<()> {
        let table = self.table(p);
        let where_ = p.member("where", &[Want::Array], false);
        let mutations = p.member("mutations", &[Want::Array], false);
        if let Some(e) = p.error() {
            return Err(e);
        }
        let (Some(table), Some(where_), Some(mutations)) = (table, where_, mutations) else {
            return Ok(());
        };
        let table: &str = &table;
        let ts = self.ts(table);
        let muts = parse_mutations(ts, mutations, Some(&mut self.symtab))?;
        let cond = Condition::parse(ts, where_, Some(&mut self.symtab))?;
        let uuids = self.txn.query(table, &cond);
        if !muts.is_empty() {
            for u in &uuids {
                if let Some(f) = self.txn.modify(table, *u) {
                    apply_mutations(ts, f, &muts)?;
                }
            }
        }
        result.insert("count".into(), json!(uuids.len()));
        Ok(())
    }

    fn delete(
        &mut self,
        p: &mut Parser<'_>,
        result: &mut serde_json::Map<String, Value>,
    ) -> Result<()> {
        let where_ = p.member("where", &[Want::Array], false);
        let table = self.table(p);
        if let Some(e) = p.error() {
            return Err(e);
        }
        let (Some(table), Some(where_)) = (table, where_) else {
            return Ok(());
        };
        let table: &str = &table;
        let ts = self.ts(table);
        let cond = Condition::parse(ts, where_, Some(&mut self.symtab))?;
        let uuids = self.txn.query(table, &cond);
        for u in &uuids {
            self.txn.delete(table, *u);
        }
        result.insert("count".into(), json!(uuids.len()));
        Ok(())
    }

    fn wait(&mut self, p: &mut Parser<'_>) -> Result<()> {
        let timeout = p.member("timeout", &[Want::Integer], true);
        let where_ = p.member("where", &[Want::Array], false);
        let columns = p.member("columns", &[Want::Array], true);
        let until = p.member("until", &[Want::String], false);
        let rows = p.member("rows", &[Want::Array], false);
        let table = self.table(p);
        if let Some(e) = p.error() {
            return Err(e);
        }
        let (Some(table), Some(where_), Some(until), Some(rows)) = (table, where_, until, rows)
        else {
            return Ok(());
        };
        let table: &str = &table;
        let ts = self.ts(table);
        let cond = Condition::parse(ts, where_, Some(&mut self.symtab))?;
        let columns = column_set(columns, ts)?;
        let mut timeout_ms = i64::MAX;
        if let Some(t) = timeout {
            timeout_ms = t.as_i64().unwrap_or(i64::MAX);
            if timeout_ms < 0 {
                return Err(OvsdbError::syntax(
                    Some(t),
                    None,
                    "timeout must be nonnegative",
                ));
            }
            self.timeout_ms = Some(self.timeout_ms.map_or(timeout_ms, |x| x.min(timeout_ms)));
        }
        let until_eq = match until.as_str() {
            Some("==") => true,
            Some("!=") => false,
            _ => {
                return Err(OvsdbError::syntax(
                    Some(until),
                    None,
                    "\"until\" must be \"==\" or \"!=\"",
                ))
            }
        };
        let mut expected: HashSet<Vec<Datum>> = HashSet::new();
        for r in rows.as_array().map(Vec::as_slice).unwrap_or_default() {
            let values = parse_row(r, ts, &mut self.symtab)?;
            let mut row = Row::new(ts, Uuid::ZERO);
            row.fields[COL_VERSION] = Datum::single(Atom::Uuid(Uuid::ZERO));
            for (i, d) in values {
                row.fields[i] = d;
            }
            expected.insert(columns.iter().map(|i| row.fields[*i].clone()).collect());
        }
        let mut actual: HashSet<Vec<Datum>> = HashSet::new();
        let mut equal = true;
        for u in self.txn.query(table, &cond) {
            if let Some(f) = self.txn.get(table, u) {
                let proj: Vec<Datum> = columns.iter().map(|i| f[*i].clone()).collect();
                if !expected.contains(&proj) {
                    equal = false;
                    break;
                }
                actual.insert(proj);
            }
        }
        if equal {
            equal = actual.len() == expected.len();
        }
        if until_eq != equal {
            if timeout.is_some() && self.elapsed_ms >= timeout_ms {
                return Err(if self.elapsed_ms > 0 {
                    OvsdbError::new(
                        "timed out",
                        format!("\"wait\" timed out after {} ms", self.elapsed_ms),
                    )
                } else {
                    OvsdbError::new("timed out", "\"where\" clause test failed")
                });
            }
            return Err(OvsdbError::new("not supported", "triggers not supported"));
        }
        Ok(())
    }

    fn commit_op(&mut self, p: &mut Parser<'_>) -> Result<()> {
        // Every commit is durable here: the log is fsynced before any reply.
        p.member("durable", &[Want::Boolean], false);
        Ok(())
    }

    fn comment(&mut self, p: &mut Parser<'_>) -> Result<()> {
        if let Some(c) = p
            .member("comment", &[Want::String], false)
            .and_then(Value::as_str)
        {
            self.txn.comments.push(c.to_string());
        }
        Ok(())
    }

    fn assert(&mut self, p: &mut Parser<'_>) -> Result<()> {
        let Some(lock) = p.member("lock", &[Want::Id], false).and_then(Value::as_str) else {
            return Ok(());
        };
        if self.session.holds_lock(lock) {
            Ok(())
        } else {
            Err(OvsdbError::new(
                "not owner",
                format!("Asserted lock {lock} not held."),
            ))
        }
    }
}
