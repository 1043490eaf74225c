//! An in-memory database: tables of rows, each row a vector of data indexed like
//! its table's columns (`_uuid`, `_version`, then the schema's columns), plus the
//! count of strong references to it that garbage collection relies on.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::schema::{DatabaseSchema, TableSchema, COL_UUID, COL_VERSION};
use crate::uuid::Uuid;
use crate::value::{Atom, Datum};

/// One row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Every column, `_uuid` and `_version` first.
    pub fields: Vec<Datum>,
    /// Strong references from other rows (self-references do not count).
    pub n_refs: usize,
}

impl Row {
    /// A row with default values and the given UUID.
    pub fn new(ts: &TableSchema, uuid: Uuid) -> Row {
        let mut fields: Vec<Datum> = ts
            .columns
            .iter()
            .map(|c| Datum::default_of(&c.ty))
            .collect();
        fields[COL_UUID] = Datum::single(Atom::Uuid(uuid));
        fields[COL_VERSION] = Datum::single(Atom::Uuid(Uuid::random()));
        Row { fields, n_refs: 0 }
    }
}

/// The rows of one table, ordered by UUID.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Rows by UUID.
    pub rows: BTreeMap<Uuid, Row>,
}

/// One change to one row: `old` and `new` fields (None for insert / delete).
#[derive(Debug, Clone)]
pub struct RowChange {
    /// The table.
    pub table: String,
    /// The row.
    pub uuid: Uuid,
    /// Fields before, if the row existed.
    pub old: Option<Vec<Datum>>,
    /// Fields after, if the row still exists.
    pub new: Option<Vec<Datum>>,
}

/// Everything one committed transaction changed.
#[derive(Debug, Clone, Default)]
pub struct ChangeSet {
    /// Row changes, ordered by table then UUID.
    pub rows: Vec<RowChange>,
    /// `comment` operations.
    pub comment: Vec<String>,
    /// Reference count of every row whose count changed (table, uuid, count).
    pub refs: Vec<(String, Uuid, usize)>,
}

impl ChangeSet {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// A database: its schema and its tables.
#[derive(Debug, Clone)]
pub struct Database {
    /// The schema.
    pub schema: Arc<DatabaseSchema>,
    /// Tables by name.
    pub tables: BTreeMap<String, Table>,
}

impl Database {
    /// An empty database.
    pub fn new(schema: Arc<DatabaseSchema>) -> Database {
        let tables = schema
            .tables
            .keys()
            .map(|t| (t.clone(), Table::default()))
            .collect();
        Database { schema, tables }
    }

    /// A row.
    pub fn row(&self, table: &str, uuid: &Uuid) -> Option<&Row> {
        self.tables.get(table)?.rows.get(uuid)
    }

    /// Applies a committed change set.
    pub fn apply(&mut self, cs: &ChangeSet) {
        for c in &cs.rows {
            let Some(t) = self.tables.get_mut(&c.table) else {
                continue;
            };
            match &c.new {
                Some(fields) => {
                    let n_refs = t.rows.get(&c.uuid).map(|r| r.n_refs).unwrap_or(0);
                    t.rows.insert(
                        c.uuid,
                        Row {
                            fields: fields.clone(),
                            n_refs,
                        },
                    );
                }
                None => {
                    t.rows.remove(&c.uuid);
                }
            }
        }
        for (table, uuid, n) in &cs.refs {
            if let Some(r) = self
                .tables
                .get_mut(table)
                .and_then(|t| t.rows.get_mut(uuid))
            {
                r.n_refs = *n;
            }
        }
    }

    /// Recomputes every row's strong reference count (after loading from disk).
    pub fn recount_refs(&mut self) {
        let mut counts: HashMap<(String, Uuid), usize> = HashMap::new();
        for (tname, t) in &self.tables {
            let Some(ts) = self.schema.table(tname) else {
                continue;
            };
            for (uuid, row) in &t.rows {
                for (i, c) in ts.columns.iter().enumerate() {
                    for (base, of_values) in [(Some(&c.ty.key), false), (c.ty.value.as_ref(), true)]
                    {
                        let Some(base) = base.filter(|b| b.is_strong_ref()) else {
                            continue;
                        };
                        let target = base.ref_table.clone().unwrap_or_default();
                        for u in row.fields[i].uuids(of_values) {
                            if u != *uuid {
                                *counts.entry((target.clone(), u)).or_default() += 1;
                            }
                        }
                    }
                }
            }
        }
        for (tname, t) in &mut self.tables {
            for (uuid, row) in &mut t.rows {
                row.n_refs = counts.get(&(tname.clone(), *uuid)).copied().unwrap_or(0);
            }
        }
    }
}
