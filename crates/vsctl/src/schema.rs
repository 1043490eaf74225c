//! The full OVSDB type system of a schema, including the constraints (enums, ranges,
//! string lengths, references) that `ovs-vsctl` checks before sending anything.
//!
//! `rvs-ovsdb-client`'s schema model keeps only what a replica needs; the command line
//! needs every constraint, because OVS reports constraint violations itself, with its own
//! wording, before the server sees the transaction.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::data::{Atom, Datum};

/// The type of an atom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AtomicType {
    /// 64-bit signed integer.
    Integer,
    /// IEEE double.
    Real,
    /// true or false.
    Boolean,
    /// UTF-8 string.
    String,
    /// A UUID.
    Uuid,
}

impl AtomicType {
    /// The name OVSDB uses for the type.
    pub fn name(self) -> &'static str {
        match self {
            AtomicType::Integer => "integer",
            AtomicType::Real => "real",
            AtomicType::Boolean => "boolean",
            AtomicType::String => "string",
            AtomicType::Uuid => "uuid",
        }
    }

    fn from_name(s: &str) -> Option<AtomicType> {
        Some(match s {
            "integer" => AtomicType::Integer,
            "real" => AtomicType::Real,
            "boolean" => AtomicType::Boolean,
            "string" => AtomicType::String,
            "uuid" => AtomicType::Uuid,
            _ => return None,
        })
    }
}

/// An atomic type with its constraints (RFC 7047 `<base-type>`).
#[derive(Debug, Clone, PartialEq)]
pub struct BaseType {
    /// The atomic type.
    pub ty: AtomicType,
    /// Allowed values, sorted, if the type is an enumeration.
    pub enumeration: Option<Vec<Atom>>,
    /// Integer range.
    pub min_integer: i64,
    /// Integer range.
    pub max_integer: i64,
    /// Real range.
    pub min_real: f64,
    /// Real range.
    pub max_real: f64,
    /// String length range, in characters.
    pub min_length: u64,
    /// String length range, in characters.
    pub max_length: u64,
    /// Referenced table, for a UUID.
    pub ref_table: Option<String>,
    /// Strong (true) or weak reference.
    pub ref_strong: bool,
}

impl BaseType {
    /// An unconstrained base type.
    pub fn plain(ty: AtomicType) -> BaseType {
        BaseType {
            ty,
            enumeration: None,
            min_integer: i64::MIN,
            max_integer: i64::MAX,
            min_real: -f64::MAX,
            max_real: f64::MAX,
            min_length: 0,
            max_length: u64::from(u32::MAX),
            ref_table: None,
            ref_strong: true,
        }
    }

    fn parse(v: &Value) -> Result<BaseType, String> {
        match v {
            Value::String(s) => AtomicType::from_name(s)
                .map(BaseType::plain)
                .ok_or_else(|| format!("unknown atomic type {s:?}")),
            Value::Object(o) => {
                let name = o.get("type").and_then(Value::as_str).unwrap_or("");
                let ty = AtomicType::from_name(name)
                    .ok_or_else(|| format!("unknown atomic type {name:?}"))?;
                let mut b = BaseType::plain(ty);
                if let Some(e) = o.get("enum") {
                    let set_ty = Type {
                        key: BaseType::plain(ty),
                        value: None,
                        n_min: 0,
                        n_max: u32::MAX,
                    };
                    let d = Datum::from_json(e, &set_ty).map_err(|e| e.to_string())?;
                    b.enumeration = Some(d.keys);
                }
                let int = |k: &str| o.get(k).and_then(Value::as_i64);
                let real = |k: &str| o.get(k).and_then(Value::as_f64);
                if let Some(x) = int("minInteger") {
                    b.min_integer = x;
                }
                if let Some(x) = int("maxInteger") {
                    b.max_integer = x;
                }
                if let Some(x) = real("minReal") {
                    b.min_real = x;
                }
                if let Some(x) = real("maxReal") {
                    b.max_real = x;
                }
                if let Some(x) = o.get("minLength").and_then(Value::as_u64) {
                    b.min_length = x;
                }
                if let Some(x) = o.get("maxLength").and_then(Value::as_u64) {
                    b.max_length = x;
                }
                if let Some(t) = o.get("refTable").and_then(Value::as_str) {
                    b.ref_table = Some(t.to_string());
                    b.ref_strong = o.get("refType").and_then(Value::as_str) != Some("weak");
                }
                Ok(b)
            }
            _ => Err(format!("bad base type {v}")),
        }
    }
}

/// A column type: key, optional value, and the number of elements.
#[derive(Debug, Clone, PartialEq)]
pub struct Type {
    /// Key (or element) type.
    pub key: BaseType,
    /// Value type, for a map.
    pub value: Option<BaseType>,
    /// Minimum number of elements.
    pub n_min: u32,
    /// Maximum number of elements (`u32::MAX` for unlimited).
    pub n_max: u32,
}

impl Type {
    /// A type of exactly one atom of `ty`.
    pub fn scalar(ty: AtomicType) -> Type {
        Type {
            key: BaseType::plain(ty),
            value: None,
            n_min: 1,
            n_max: 1,
        }
    }

    /// Parses an RFC 7047 `<type>`.
    pub fn parse(v: &Value) -> Result<Type, String> {
        match v {
            Value::String(_) => Ok(Type {
                key: BaseType::parse(v)?,
                value: None,
                n_min: 1,
                n_max: 1,
            }),
            Value::Object(o) => {
                let key = BaseType::parse(o.get("key").ok_or("type without key")?)?;
                let value = o.get("value").map(BaseType::parse).transpose()?;
                let n_min = o.get("min").and_then(Value::as_u64).unwrap_or(1) as u32;
                let n_max = match o.get("max") {
                    None => 1,
                    Some(Value::String(s)) if s == "unlimited" => u32::MAX,
                    Some(m) => m.as_u64().ok_or("bad max")?.min(u64::from(u32::MAX)) as u32,
                };
                Ok(Type {
                    key,
                    value,
                    n_min,
                    n_max,
                })
            }
            _ => Err(format!("bad type {v}")),
        }
    }

    /// A map type.
    pub fn is_map(&self) -> bool {
        self.value.is_some()
    }

    /// Exactly one atom, not a set or map.
    pub fn is_scalar(&self) -> bool {
        self.value.is_none() && self.n_min == 1 && self.n_max == 1
    }

    /// A set type (not scalar, not map).
    pub fn is_set(&self) -> bool {
        self.value.is_none() && (self.n_min != 1 || self.n_max != 1)
    }

    /// The type described in English, as OVS's `ovsdb_type_to_english` does.
    pub fn to_english(&self) -> String {
        let key = self.key.ty.name();
        if self.is_scalar() {
            return key.to_string();
        }
        let mut s = String::from(if self.is_set() { "set" } else { "map" });
        if self.n_max == u32::MAX {
            if self.n_min > 0 {
                s += &format!(" of {} or more", self.n_min);
            } else {
                s += " of";
            }
        } else if self.n_min > 0 {
            s += &format!(" of {} to {}", self.n_min, self.n_max);
        } else {
            s += &format!(" of up to {}", self.n_max);
        }
        match &self.value {
            None => s += &format!(" {key}s"),
            Some(v) => s += &format!(" ({key}, {}) pairs", v.ty.name()),
        }
        s
    }
}

/// One column.
#[derive(Debug, Clone)]
pub struct Column {
    /// Name.
    pub name: String,
    /// Type.
    pub ty: Type,
    /// Whether clients may change it after insertion.
    pub mutable: bool,
}

/// One table.
#[derive(Debug, Clone)]
pub struct Table {
    /// Name.
    pub name: String,
    /// Columns sorted by name (the order OVS's generated IDL uses).
    pub columns: Vec<Column>,
    /// Root table (rows are not garbage collected).
    pub is_root: bool,
    /// At most one row.
    pub is_singleton: bool,
}

impl Table {
    /// A column by exact name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A database schema.
#[derive(Debug, Clone)]
pub struct Schema {
    /// Database name.
    pub name: String,
    /// Tables by name (sorted).
    pub tables: BTreeMap<String, Table>,
}

impl Schema {
    /// Parses a schema document.
    pub fn parse(v: &Value) -> Result<Schema, String> {
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let tables_json = v
            .get("tables")
            .and_then(Value::as_object)
            .ok_or("schema has no tables")?;
        let mut tables = BTreeMap::new();
        for (tname, t) in tables_json {
            let cols = t
                .get("columns")
                .and_then(Value::as_object)
                .ok_or_else(|| format!("table {tname} has no columns"))?;
            let mut columns = Vec::new();
            for (cname, c) in cols {
                let ty = Type::parse(c.get("type").ok_or("column without type")?)?;
                let mutable = c.get("mutable").and_then(Value::as_bool).unwrap_or(true);
                columns.push(Column {
                    name: cname.clone(),
                    ty,
                    mutable,
                });
            }
            columns.sort_by(|a, b| a.name.cmp(&b.name));
            let table = Table {
                name: tname.clone(),
                columns,
                is_root: t.get("isRoot").and_then(Value::as_bool).unwrap_or(false),
                is_singleton: t.get("maxRows").and_then(Value::as_u64) == Some(1),
            };
            tables.insert(tname.clone(), table);
        }
        Ok(Schema { name, tables })
    }

    /// A table by exact name.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// The type of `table.column`.
    pub fn column_type(&self, table: &str, column: &str) -> Option<&Type> {
        self.table(table)?.column(column).map(|c| &c.ty)
    }
}
