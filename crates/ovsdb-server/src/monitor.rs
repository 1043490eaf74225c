//! Monitors (RFC 7047 §4.1.5 `monitor`, and OVS's `monitor_cond`,
//! `monitor_cond_since` and `monitor_cond_change`): which tables, columns and kinds
//! of change a client asked for, its conditions, and the `<table-updates>`
//! (`update`), `<table-updates2>` (`update2`, `update3`) it is sent.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::condition::Condition;
use crate::db::{ChangeSet, Database};
use crate::error::{OvsdbError, Parser, Result, Want};
use crate::schema::{DatabaseSchema, TableSchema, COL_UUID};
use crate::uuid::Uuid;
use crate::value::Datum;

/// Protocol version of a monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `monitor` / `update`.
    V1,
    /// `monitor_cond` / `update2`.
    V2,
    /// `monitor_cond_since` / `update3`.
    V3,
}

/// Kinds of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Select {
    /// Rows present when the monitor starts.
    pub initial: bool,
    /// Inserted rows.
    pub insert: bool,
    /// Deleted rows.
    pub delete: bool,
    /// Modified rows.
    pub modify: bool,
}

impl Select {
    const ALL: Select = Select {
        initial: true,
        insert: true,
        delete: true,
        modify: true,
    };

    fn union(self, o: Select) -> Select {
        Select {
            initial: self.initial || o.initial,
            insert: self.insert || o.insert,
            delete: self.delete || o.delete,
            modify: self.modify || o.modify,
        }
    }

    fn has(self, k: Kind) -> bool {
        match k {
            Kind::Initial => self.initial,
            Kind::Insert => self.insert,
            Kind::Delete => self.delete,
            Kind::Modify => self.modify,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Initial,
    Insert,
    Delete,
    Modify,
}

/// What one monitor watches in one table.
#[derive(Debug, Clone)]
pub struct MonitorTable {
    /// Monitored columns with the kinds of change each is reported for.
    pub columns: Vec<(usize, Select)>,
    /// Union of the selects.
    pub select: Select,
    /// The condition (monitor_cond); None means every row.
    pub condition: Option<Condition>,
}

/// One monitor of one session.
#[derive(Debug, Clone)]
pub struct Monitor {
    /// The database.
    pub db: String,
    /// The protocol version.
    pub version: Version,
    /// Tables by name.
    pub tables: BTreeMap<String, MonitorTable>,
}

fn parse_request(
    ts: &TableSchema,
    req: &Value,
    conditional: bool,
    mt: &mut MonitorTable,
) -> Result<()> {
    let mut p = Parser::new(req, format!("table {}", ts.name));
    let where_ = if conditional {
        p.member("where", &[Want::Array], true)
    } else {
        None
    };
    let columns = p.member("columns", &[Want::Array], true);
    let select = p.member("select", &[Want::Object], true);
    if let Some(e) = p.finish() {
        return Err(e);
    }
    let sel = match select {
        Some(s) => {
            let mut p = Parser::new(s, format!("table {} select", ts.name));
            let mut b = |name| {
                p.member(name, &[Want::Boolean], true)
                    .and_then(Value::as_bool)
                    .unwrap_or(true)
            };
            let sel = Select {
                initial: b("initial"),
                insert: b("insert"),
                delete: b("delete"),
                modify: b("modify"),
            };
            if let Some(e) = p.finish() {
                return Err(e);
            }
            sel
        }
        None => Select::ALL,
    };
    mt.select = mt.select.union(sel);
    let cols: Vec<usize> = match columns {
        Some(c) => {
            let bad = || OvsdbError::syntax(Some(c), None, "array of column names expected");
            let mut v = Vec::new();
            for e in c.as_array().ok_or_else(bad)? {
                let s = e.as_str().ok_or_else(bad)?;
                let i = ts.column_index(s).ok_or_else(|| {
                    OvsdbError::syntax(Some(c), None, format!("{s} is not a valid column name"))
                })?;
                v.push(i);
            }
            v
        }
        None => (0..ts.columns.len()).filter(|i| *i != COL_UUID).collect(),
    };
    for i in cols {
        if mt.columns.iter().any(|(c, _)| *c == i) {
            return Err(OvsdbError::syntax(
                columns,
                None,
                format!("column {} mentioned more than once", ts.column(i).name),
            ));
        }
        mt.columns.push((i, sel));
    }
    if conditional && mt.condition.is_none() {
        mt.condition = Some(match where_ {
            Some(w) => Condition::parse(ts, w, None)?,
            None => Condition::default(),
        });
    }
    Ok(())
}

impl Monitor {
    /// Parses the `<monitor-requests>` object of a monitor request.
    pub fn parse(schema: &DatabaseSchema, version: Version, requests: &Value) -> Result<Monitor> {
        let obj = requests.as_object().ok_or_else(|| {
            OvsdbError::syntax(Some(requests), None, "monitor-requests must be object")
        })?;
        let mut tables = BTreeMap::new();
        for (tname, reqs) in obj {
            let ts = schema
                .table(tname)
                .ok_or_else(|| OvsdbError::syntax(None, None, format!("no table named {tname}")))?;
            let mut mt = MonitorTable {
                columns: Vec::new(),
                select: Select::default(),
                condition: None,
            };
            let conditional = version != Version::V1;
            match reqs {
                Value::Array(a) => {
                    for r in a {
                        parse_request(ts, r, conditional, &mut mt)?;
                    }
                }
                r => parse_request(ts, r, conditional, &mut mt)?,
            }
            mt.columns.sort_by_key(|(i, _)| *i);
            tables.insert(tname.clone(), mt);
        }
        Ok(Monitor {
            db: schema.name.clone(),
            version,
            tables,
        })
    }

    /// The updates for the rows present now (the reply to the monitor request).
    pub fn initial(&self, db: &Database) -> Value {
        let mut out = Map::new();
        for (tname, mt) in &self.tables {
            if !mt.select.initial {
                continue;
            }
            let (Some(ts), Some(t)) = (db.schema.table(tname), db.tables.get(tname)) else {
                continue;
            };
            let mut rows = Map::new();
            for (u, r) in &t.rows {
                if let Some(j) = self.row_update(
                    ts,
                    mt,
                    Kind::Initial,
                    None,
                    Some(&r.fields),
                    mt.condition.as_ref(),
                    mt.condition.as_ref(),
                ) {
                    rows.insert(u.to_string(), j);
                }
            }
            if !rows.is_empty() {
                out.insert(tname.clone(), Value::Object(rows));
            }
        }
        Value::Object(out)
    }

    /// The updates for one committed change set; None when nothing concerns this
    /// monitor.
    pub fn changes(&self, schema: &DatabaseSchema, cs: &ChangeSet) -> Option<Value> {
        let mut out = Map::new();
        for c in &cs.rows {
            let Some(mt) = self.tables.get(&c.table) else {
                continue;
            };
            let Some(ts) = schema.table(&c.table) else {
                continue;
            };
            let kind = match (&c.old, &c.new) {
                (None, Some(_)) => Kind::Insert,
                (Some(_), None) => Kind::Delete,
                _ => Kind::Modify,
            };
            let cond = mt.condition.as_ref();
            if let Some(j) =
                self.row_update(ts, mt, kind, c.old.as_deref(), c.new.as_deref(), cond, cond)
            {
                out.entry(c.table.clone())
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .map(|t| t.insert(c.uuid.to_string(), j));
            }
        }
        (!out.is_empty()).then_some(Value::Object(out))
    }

    /// Replaces conditions (`monitor_cond_change`) and returns the rows that enter
    /// or leave the monitor as a result.
    pub fn change_conditions(&mut self, db: &Database, requests: &Value) -> Result<Option<Value>> {
        let obj = requests.as_object().ok_or_else(|| {
            OvsdbError::syntax(None, None, "monitor-cond-change-requests must be object")
        })?;
        let mut new_conds: Vec<(String, Condition)> = Vec::new();
        for (tname, reqs) in obj {
            let ts = db
                .schema
                .table(tname)
                .ok_or_else(|| OvsdbError::syntax(None, None, format!("no table named {tname}")))?;
            if !self.tables.contains_key(tname) {
                return Err(OvsdbError::syntax(
                    None,
                    None,
                    format!("no table named {tname} in monitor session"),
                ));
            }
            let Some(arr) = reqs.as_array() else {
                return Err(OvsdbError::syntax(
                    None,
                    None,
                    format!("table {tname} no monitor-cond-change JSON array"),
                ));
            };
            for r in arr {
                let mut p = Parser::new(r, format!("table {tname}"));
                let columns = p.member("columns", &[Want::Array], true);
                let where_ = p.member("where", &[Want::Array], true);
                if let Some(e) = p.finish() {
                    return Err(e);
                }
                if columns.is_some() {
                    return Err(OvsdbError::syntax(
                        Some(r),
                        None,
                        "changing columns is unsupported",
                    ));
                }
                let cond = match where_ {
                    Some(w) => Condition::parse(ts, w, None)?,
                    None => Condition::default(),
                };
                new_conds.push((tname.clone(), cond));
            }
        }
        let mut out = Map::new();
        for (tname, cond) in new_conds {
            let (Some(ts), Some(t)) = (db.schema.table(&tname), db.tables.get(&tname)) else {
                continue;
            };
            let Some(mt) = self.tables.get(&tname).cloned() else {
                continue;
            };
            let old = mt.condition.clone().unwrap_or_default();
            if old == cond {
                continue;
            }
            let mut rows = Map::new();
            for (u, r) in &t.rows {
                let f = Some(r.fields.as_slice());
                if let Some(j) =
                    self.row_update(ts, &mt, Kind::Modify, f, f, Some(&old), Some(&cond))
                {
                    rows.insert(u.to_string(), j);
                }
            }
            if !rows.is_empty() {
                out.insert(tname.clone(), Value::Object(rows));
            }
            if let Some(m) = self.tables.get_mut(&tname) {
                m.condition = Some(cond);
            }
        }
        Ok((!out.is_empty()).then_some(Value::Object(out)))
    }

    #[allow(clippy::too_many_arguments)]
    fn row_update(
        &self,
        ts: &TableSchema,
        mt: &MonitorTable,
        mut kind: Kind,
        old: Option<&[Datum]>,
        new: Option<&[Datum]>,
        old_cond: Option<&Condition>,
        new_cond: Option<&Condition>,
    ) -> Option<Value> {
        if self.version != Version::V1 {
            let m = |c: Option<&Condition>, f: Option<&[Datum]>| match (c, f) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(c), Some(f)) => c.matches(ts, f),
            };
            let (o, n) = (m(old_cond, old), m(new_cond, new));
            kind = match kind {
                Kind::Initial | Kind::Insert if !n => return None,
                Kind::Delete if !o => return None,
                Kind::Modify => match (o, n) {
                    (false, false) => return None,
                    (false, true) => Kind::Insert,
                    (true, false) => Kind::Delete,
                    (true, true) => Kind::Modify,
                },
                k => k,
            };
        }
        if !mt.select.has(kind) {
            return None;
        }
        let changed: Vec<usize> = match (kind, old, new) {
            (Kind::Modify, Some(o), Some(n)) => mt
                .columns
                .iter()
                .map(|(i, _)| *i)
                .filter(|i| o[*i] != n[*i])
                .collect(),
            _ => Vec::new(),
        };
        if kind == Kind::Modify && changed.is_empty() {
            return None;
        }
        let cols = mt
            .columns
            .iter()
            .filter(|(_, s)| s.has(kind))
            .map(|(i, _)| *i);
        if self.version == Version::V1 {
            let mut old_j = Map::new();
            let mut new_j = Map::new();
            for i in cols {
                let name = ts.column(i).name.clone();
                if kind == Kind::Delete || (kind == Kind::Modify && changed.contains(&i)) {
                    if let Some(o) = old {
                        old_j.insert(name.clone(), o[i].to_json());
                    }
                }
                if kind != Kind::Delete {
                    if let Some(n) = new {
                        new_j.insert(name, n[i].to_json());
                    }
                }
            }
            let mut r = Map::new();
            if matches!(kind, Kind::Delete | Kind::Modify) {
                r.insert("old".into(), Value::Object(old_j));
            }
            if kind != Kind::Delete {
                r.insert("new".into(), Value::Object(new_j));
            }
            return Some(Value::Object(r));
        }
        if kind == Kind::Delete {
            return Some(json!({"delete": null}));
        }
        let mut d = Map::new();
        for i in cols {
            let c = ts.column(i);
            let value = match (kind, old, new) {
                (Kind::Modify, Some(o), Some(n)) => changed
                    .contains(&i)
                    .then(|| Datum::diff(&o[i], &n[i], &c.ty).to_json()),
                (_, _, Some(n)) => (!n[i].is_default(&c.ty)).then(|| n[i].to_json()),
                _ => None,
            };
            if let Some(v) = value {
                d.insert(c.name.clone(), v);
            }
        }
        let op = match kind {
            Kind::Initial => "initial",
            Kind::Modify => "modify",
            _ => "insert",
        };
        Some(json!({ op: Value::Object(d) }))
    }
}

/// Recent transactions of a database, for `monitor_cond_since`.
#[derive(Debug, Default)]
pub struct History {
    entries: std::collections::VecDeque<(Uuid, std::sync::Arc<ChangeSet>)>,
    /// The id of the last committed transaction (zero before the first).
    pub last: Uuid,
}

impl History {
    const MAX: usize = 100;

    /// Records a committed transaction.
    pub fn push(&mut self, cs: std::sync::Arc<ChangeSet>) -> Uuid {
        let id = Uuid::random();
        self.entries.push_back((id, cs));
        if self.entries.len() > Self::MAX {
            self.entries.pop_front();
        }
        self.last = id;
        id
    }

    /// The transactions after `id`, if `id` is still known.
    pub fn since(&self, id: Uuid) -> Option<Vec<std::sync::Arc<ChangeSet>>> {
        if id == self.last && id != Uuid::ZERO {
            return Some(Vec::new());
        }
        let pos = self.entries.iter().position(|(u, _)| *u == id)?;
        Some(
            self.entries
                .iter()
                .skip(pos + 1)
                .map(|(_, c)| c.clone())
                .collect(),
        )
    }
}
