//! Database schemas (RFC 7047 §3.2) with everything the server enforces: atomic
//! types and their constraints, set and map sizes, references (strong or weak),
//! mutability, ephemeral columns, root tables, `maxRows` and unique indexes.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use crate::error::{is_id, OvsdbError, Result};
use crate::value::{Atom, Datum};

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
    /// UUID.
    Uuid,
}

impl AtomicType {
    /// The RFC 7047 name.
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

/// Strong references keep their target alive and must not dangle; weak references
/// disappear with their target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefType {
    /// The default.
    Strong,
    /// `"refType": "weak"`.
    Weak,
}

/// An atomic type with its constraints.
#[derive(Debug, Clone, PartialEq)]
pub struct BaseType {
    /// The atomic type.
    pub ty: AtomicType,
    /// Allowed values, sorted, if restricted.
    pub enum_: Option<Vec<Atom>>,
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
    /// For a UUID: the table the UUID refers to.
    pub ref_table: Option<String>,
    /// For a reference: strong or weak.
    pub ref_type: RefType,
}

impl BaseType {
    /// An unconstrained atomic type.
    pub fn plain(ty: AtomicType) -> BaseType {
        BaseType {
            ty,
            enum_: None,
            min_integer: i64::MIN,
            max_integer: i64::MAX,
            min_real: -f64::MAX,
            max_real: f64::MAX,
            min_length: 0,
            max_length: u64::from(u32::MAX),
            ref_table: None,
            ref_type: RefType::Strong,
        }
    }

    /// Whether this is a strong reference to a table.
    pub fn is_strong_ref(&self) -> bool {
        self.ref_table.is_some() && self.ref_type == RefType::Strong
    }

    /// Whether this is a weak reference to a table.
    pub fn is_weak_ref(&self) -> bool {
        self.ref_table.is_some() && self.ref_type == RefType::Weak
    }

    /// The same type with no constraints.
    pub fn without_constraints(&self) -> BaseType {
        BaseType::plain(self.ty)
    }

    fn parse(v: &Value) -> Result<BaseType> {
        let bad = |msg: &str| OvsdbError::syntax(Some(v), None, msg.to_string());
        let (name, obj) = match v {
            Value::String(s) => (s.as_str(), None),
            Value::Object(o) => (
                o.get("type").and_then(Value::as_str).ok_or_else(|| {
                    bad("Parsing ovsdb type failed: Required 'type' member is missing.")
                })?,
                Some(o),
            ),
            _ => return Err(bad("base type expected")),
        };
        let ty = AtomicType::from_name(name)
            .ok_or_else(|| bad(&format!("unknown atomic type \"{name}\"")))?;
        let mut b = BaseType::plain(ty);
        let Some(o) = obj else { return Ok(b) };
        for key in o.keys() {
            let allowed = match key.as_str() {
                "type" | "enum" => true,
                "minInteger" | "maxInteger" => ty == AtomicType::Integer,
                "minReal" | "maxReal" => ty == AtomicType::Real,
                "minLength" | "maxLength" => ty == AtomicType::String,
                "refTable" | "refType" => ty == AtomicType::Uuid,
                _ => false,
            };
            if !allowed {
                return Err(bad(&format!(
                    "Member '{key}' is present but not allowed here."
                )));
            }
        }
        if let Some(e) = o.get("enum") {
            let set_ty = Type {
                key: BaseType::plain(ty),
                value: None,
                min: 1,
                max: u32::MAX,
            };
            let d = Datum::from_json(e, &set_ty, None)?;
            b.enum_ = Some(d.keys);
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
        if b.min_integer > b.max_integer || b.min_real > b.max_real || b.min_length > b.max_length {
            return Err(bad("minimum exceeds maximum"));
        }
        if let Some(t) = o.get("refTable") {
            let t = t
                .as_str()
                .filter(|t| is_id(t))
                .ok_or_else(|| bad("refTable must be an <id>"))?;
            b.ref_table = Some(t.to_string());
            b.ref_type = match o.get("refType").and_then(Value::as_str) {
                None | Some("strong") => RefType::Strong,
                Some("weak") => RefType::Weak,
                Some(other) => {
                    return Err(bad(&format!(
                        "refType must be \"strong\" or \"weak\" (not \"{other}\")"
                    )))
                }
            };
        }
        Ok(b)
    }
}

/// A column type: scalar, optional, set or map.
#[derive(Debug, Clone, PartialEq)]
pub struct Type {
    /// The key (element) type.
    pub key: BaseType,
    /// The value type, for a map.
    pub value: Option<BaseType>,
    /// Minimum number of elements (0 or 1).
    pub min: u32,
    /// Maximum number of elements, `u32::MAX` for "unlimited".
    pub max: u32,
}

impl Type {
    /// A scalar of an unconstrained atomic type.
    pub fn scalar(ty: AtomicType) -> Type {
        Type {
            key: BaseType::plain(ty),
            value: None,
            min: 1,
            max: 1,
        }
    }

    /// Exactly one atom.
    pub fn is_scalar(&self) -> bool {
        self.value.is_none() && self.min == 1 && self.max == 1
    }

    /// Zero or one atom.
    pub fn is_optional_scalar(&self) -> bool {
        self.value.is_none() && self.min == 0 && self.max == 1
    }

    /// A set that is not a scalar.
    pub fn is_set(&self) -> bool {
        self.value.is_none() && (self.min != 1 || self.max != 1)
    }

    /// A map.
    pub fn is_map(&self) -> bool {
        self.value.is_some()
    }

    /// Whether a key or value is a strong reference.
    pub fn has_strong_refs(&self) -> bool {
        self.key.is_strong_ref() || self.value.as_ref().is_some_and(BaseType::is_strong_ref)
    }

    /// Whether a key or value is a weak reference.
    pub fn has_weak_refs(&self) -> bool {
        self.key.is_weak_ref() || self.value.as_ref().is_some_and(BaseType::is_weak_ref)
    }

    /// The type in English, as OVS's `ovsdb_type_to_english` words it.
    pub fn to_english(&self) -> String {
        let key = self.key.ty.name();
        if self.is_scalar() {
            return key.to_string();
        }
        let mut s = if self.is_map() {
            "map".to_string()
        } else {
            "set".to_string()
        };
        if self.max == u32::MAX {
            if self.min > 0 {
                s.push_str(&format!(" of {} or more", self.min));
            } else {
                s.push_str(" of");
            }
        } else if self.min > 0 {
            s.push_str(&format!(" of {} to {}", self.min, self.max));
        } else {
            s.push_str(&format!(" of up to {}", self.max));
        }
        match &self.value {
            None => s.push_str(&format!(" {key}s")),
            Some(v) => s.push_str(&format!(" ({key}, {}) pairs", v.ty.name())),
        }
        s
    }

    /// Parses a `<type>`.
    pub fn parse(v: &Value) -> Result<Type> {
        match v {
            Value::String(_) => Ok(Type {
                key: BaseType::parse(v)?,
                value: None,
                min: 1,
                max: 1,
            }),
            Value::Object(o) => {
                let bad = |m: &str| OvsdbError::syntax(Some(v), None, m.to_string());
                for k in o.keys() {
                    if !matches!(k.as_str(), "key" | "value" | "min" | "max") {
                        return Err(bad(&format!(
                            "Parsing ovsdb type failed: Member '{k}' is present but not allowed here."
                        )));
                    }
                }
                let key = BaseType::parse(o.get("key").ok_or_else(|| {
                    bad("Parsing ovsdb type failed: Required 'key' member is missing.")
                })?)?;
                let value = o.get("value").map(BaseType::parse).transpose()?;
                let min = match o.get("min") {
                    None => 1,
                    Some(m) => m
                        .as_u64()
                        .filter(|m| *m <= 1)
                        .ok_or_else(|| bad("ovsdb type min must be 0 or 1"))?
                        as u32,
                };
                let max = match o.get("max") {
                    None => 1,
                    Some(Value::String(s)) if s == "unlimited" => u32::MAX,
                    Some(m) => m
                        .as_u64()
                        .filter(|m| *m >= 1)
                        .map(|m| m.min(u64::from(u32::MAX)) as u32)
                        .ok_or_else(|| {
                            bad("ovsdb type max must be a positive integer or \"unlimited\"")
                        })?,
                };
                if min > max {
                    return Err(bad("ovsdb type min greater than max"));
                }
                Ok(Type {
                    key,
                    value,
                    min,
                    max,
                })
            }
            _ => Err(OvsdbError::syntax(Some(v), None, "ovsdb type expected")),
        }
    }
}

/// One column.
#[derive(Debug, Clone)]
pub struct ColumnSchema {
    /// Column name.
    pub name: String,
    /// Column type.
    pub ty: Type,
    /// Not written to disk.
    pub ephemeral: bool,
    /// May be changed by "update" and "mutate".
    pub mutable: bool,
}

/// Index of the `_uuid` column in every table.
pub const COL_UUID: usize = 0;
/// Index of the `_version` column in every table.
pub const COL_VERSION: usize = 1;

/// One table. Columns 0 and 1 are `_uuid` and `_version`; the schema's columns
/// follow in name order.
#[derive(Debug, Clone)]
pub struct TableSchema {
    /// Table name.
    pub name: String,
    /// All columns including `_uuid` and `_version`.
    pub columns: Vec<ColumnSchema>,
    by_name: HashMap<String, usize>,
    /// Rows not referenced by any row are deleted unless the table is a root table.
    pub is_root: bool,
    /// Upper bound on the number of rows.
    pub max_rows: Option<u64>,
    /// Sets of columns whose values must be unique across rows.
    pub indexes: Vec<Vec<usize>>,
}

impl TableSchema {
    /// The index of a column by name (including `_uuid` and `_version`).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// A column by index.
    pub fn column(&self, i: usize) -> &ColumnSchema {
        &self.columns[i]
    }

    /// Indexes of the user columns (not `_uuid`, `_version`).
    pub fn user_columns(&self) -> std::ops::Range<usize> {
        2..self.columns.len()
    }
}

/// A database schema.
#[derive(Debug, Clone)]
pub struct DatabaseSchema {
    /// Database name.
    pub name: String,
    /// Version string.
    pub version: String,
    /// `cksum` member, if any.
    pub cksum: Option<String>,
    /// Tables by name.
    pub tables: BTreeMap<String, TableSchema>,
}

impl DatabaseSchema {
    /// Parses a schema document and checks its references.
    pub fn parse(v: &Value) -> Result<DatabaseSchema> {
        let bad = |m: String| OvsdbError::syntax(Some(v), None, m);
        let o = v
            .as_object()
            .ok_or_else(|| bad("database schema must be an object".into()))?;
        let name = o
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| is_id(n))
            .ok_or_else(|| {
                bad("Parsing database schema failed: Required 'name' member is missing.".into())
            })?
            .to_string();
        let version = o
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let cksum = o.get("cksum").and_then(Value::as_str).map(str::to_string);
        let tables_json = o.get("tables").and_then(Value::as_object).ok_or_else(|| {
            bad("Parsing database schema failed: Required 'tables' member is missing.".into())
        })?;
        let mut tables = BTreeMap::new();
        let mut any_root = false;
        for (tname, t) in tables_json {
            if !is_id(tname) || tname.starts_with('_') {
                return Err(bad(format!(
                    "names beginning with \"_\" are reserved: {tname}"
                )));
            }
            let cols = t
                .get("columns")
                .and_then(Value::as_object)
                .ok_or_else(|| bad(format!("table {tname} has no columns")))?;
            let mut columns = vec![
                ColumnSchema {
                    name: "_uuid".into(),
                    ty: Type::scalar(AtomicType::Uuid),
                    ephemeral: true,
                    mutable: false,
                },
                ColumnSchema {
                    name: "_version".into(),
                    ty: Type::scalar(AtomicType::Uuid),
                    ephemeral: true,
                    mutable: false,
                },
            ];
            for (cname, c) in cols {
                if !is_id(cname) || cname.starts_with('_') {
                    return Err(bad(format!(
                        "{cname}: names beginning with \"_\" are reserved"
                    )));
                }
                let ty = Type::parse(
                    c.get("type")
                        .ok_or_else(|| bad(format!("{tname}.{cname} has no type")))?,
                )?;
                columns.push(ColumnSchema {
                    name: cname.clone(),
                    ty,
                    ephemeral: c.get("ephemeral").and_then(Value::as_bool).unwrap_or(false),
                    mutable: c.get("mutable").and_then(Value::as_bool).unwrap_or(true),
                });
            }
            let by_name: HashMap<String, usize> = columns
                .iter()
                .enumerate()
                .map(|(i, c)| (c.name.clone(), i))
                .collect();
            let mut indexes = Vec::new();
            if let Some(ix) = t.get("indexes").and_then(Value::as_array) {
                for index in ix {
                    let names = index
                        .as_array()
                        .ok_or_else(|| bad("index must be an array".into()))?;
                    let mut cols = Vec::new();
                    for n in names {
                        let i = n.as_str().and_then(|n| by_name.get(n)).ok_or_else(|| {
                            bad(format!("table {tname} index names unknown column {n}"))
                        })?;
                        if columns[*i].ephemeral && *i >= 2 {
                            return Err(bad(format!(
                                "ephemeral columns (such as {n}) may not be indexed"
                            )));
                        }
                        cols.push(*i);
                    }
                    if cols.is_empty() {
                        return Err(bad("index must have at least one column".into()));
                    }
                    indexes.push(cols);
                }
            }
            let is_root = t.get("isRoot").and_then(Value::as_bool).unwrap_or(false);
            any_root |= is_root;
            let max_rows = t.get("maxRows").and_then(Value::as_u64);
            tables.insert(
                tname.clone(),
                TableSchema {
                    name: tname.clone(),
                    columns,
                    by_name,
                    is_root,
                    max_rows,
                    indexes,
                },
            );
        }
        // Schemas from before isRoot existed: every table is a root table.
        if !any_root {
            for t in tables.values_mut() {
                t.is_root = true;
            }
        }
        for t in tables.values() {
            for c in &t.columns {
                for b in std::iter::once(&c.ty.key).chain(c.ty.value.as_ref()) {
                    if let Some(r) = &b.ref_table {
                        if !tables.contains_key(r) {
                            return Err(bad(format!(
                                "table {} column {} refers to undefined table {r}",
                                t.name, c.name
                            )));
                        }
                    }
                }
            }
        }
        Ok(DatabaseSchema {
            name,
            version,
            cksum,
            tables,
        })
    }

    /// A table by name.
    pub fn table(&self, name: &str) -> Option<&TableSchema> {
        self.tables.get(name)
    }

    /// The schema as JSON, as `get_schema` returns it.
    pub fn to_json(&self) -> Value {
        let mut tables = serde_json::Map::new();
        for t in self.tables.values() {
            let mut cols = serde_json::Map::new();
            for c in &t.columns[2..] {
                let mut cj = serde_json::Map::new();
                cj.insert("type".into(), type_to_json(&c.ty));
                if c.ephemeral {
                    cj.insert("ephemeral".into(), json!(true));
                }
                if !c.mutable {
                    cj.insert("mutable".into(), json!(false));
                }
                cols.insert(c.name.clone(), Value::Object(cj));
            }
            let mut tj = serde_json::Map::new();
            tj.insert("columns".into(), Value::Object(cols));
            if t.is_root {
                tj.insert("isRoot".into(), json!(true));
            }
            if let Some(m) = t.max_rows {
                tj.insert("maxRows".into(), json!(m));
            }
            if !t.indexes.is_empty() {
                let ix: Vec<Value> = t
                    .indexes
                    .iter()
                    .map(|cols| {
                        json!(cols
                            .iter()
                            .map(|i| t.columns[*i].name.clone())
                            .collect::<Vec<_>>())
                    })
                    .collect();
                tj.insert("indexes".into(), json!(ix));
            }
            tables.insert(t.name.clone(), Value::Object(tj));
        }
        let mut o = serde_json::Map::new();
        o.insert("name".into(), json!(self.name));
        o.insert("version".into(), json!(self.version));
        if let Some(c) = &self.cksum {
            o.insert("cksum".into(), json!(c));
        }
        o.insert("tables".into(), Value::Object(tables));
        Value::Object(o)
    }
}

fn base_to_json(b: &BaseType) -> Value {
    let mut o = serde_json::Map::new();
    o.insert("type".into(), json!(b.ty.name()));
    if let Some(e) = &b.enum_ {
        o.insert(
            "enum".into(),
            Datum {
                keys: e.clone(),
                values: None,
            }
            .to_json(),
        );
    }
    if b.min_integer != i64::MIN {
        o.insert("minInteger".into(), json!(b.min_integer));
    }
    if b.max_integer != i64::MAX {
        o.insert("maxInteger".into(), json!(b.max_integer));
    }
    if b.min_real != -f64::MAX {
        o.insert("minReal".into(), json!(b.min_real));
    }
    if b.max_real != f64::MAX {
        o.insert("maxReal".into(), json!(b.max_real));
    }
    if b.min_length != 0 {
        o.insert("minLength".into(), json!(b.min_length));
    }
    if b.max_length != u64::from(u32::MAX) {
        o.insert("maxLength".into(), json!(b.max_length));
    }
    if let Some(r) = &b.ref_table {
        o.insert("refTable".into(), json!(r));
        if b.ref_type == RefType::Weak {
            o.insert("refType".into(), json!("weak"));
        }
    }
    if o.len() == 1 {
        json!(b.ty.name())
    } else {
        Value::Object(o)
    }
}

/// A column type as schema JSON.
pub fn type_to_json(t: &Type) -> Value {
    if t.is_scalar() && base_to_json(&t.key).is_string() {
        return base_to_json(&t.key);
    }
    let mut o = serde_json::Map::new();
    o.insert("key".into(), base_to_json(&t.key));
    if let Some(v) = &t.value {
        o.insert("value".into(), base_to_json(v));
    }
    if t.min != 1 {
        o.insert("min".into(), json!(t.min));
    }
    if t.max == u32::MAX {
        o.insert("max".into(), json!("unlimited"));
    } else if t.max != 1 {
        o.insert("max".into(), json!(t.max));
    }
    Value::Object(o)
}

/// The schema of the `_Server` database that every server also serves.
pub fn server_schema() -> DatabaseSchema {
    let v = json!({
        "name": "_Server",
        "version": "1.2.0",
        "cksum": "3009684573 744",
        "tables": {"Database": {"isRoot": true, "columns": {
            "name": {"type": "string"},
            "model": {"type": {"key": {"type": "string",
                "enum": ["set", ["standalone", "clustered", "relay"]]}}},
            "connected": {"type": "boolean"},
            "leader": {"type": "boolean"},
            "schema": {"type": {"key": {"type": "string"}, "min": 0, "max": 1}},
            "cid": {"type": {"key": {"type": "uuid"}, "min": 0, "max": 1}},
            "sid": {"type": {"key": {"type": "uuid"}, "min": 0, "max": 1}},
            "index": {"type": {"key": {"type": "integer"}, "min": 0, "max": 1}}
        }}}
    });
    // The literal above is well formed.
    DatabaseSchema::parse(&v).unwrap_or_else(|e| panic!("built-in _Server schema: {e}"))
}

/// The `Open_vSwitch` schema that rvs ships (same tables, columns and types as
/// Open vSwitch 3.1's `vswitch.ovsschema`).
pub const VSWITCH_SCHEMA: &str = include_str!("../schema/vswitch.ovsschema");

/// [`VSWITCH_SCHEMA`], parsed.
pub fn vswitch_schema() -> DatabaseSchema {
    let v: Value =
        serde_json::from_str(VSWITCH_SCHEMA).unwrap_or_else(|e| panic!("built-in schema: {e}"));
    DatabaseSchema::parse(&v).unwrap_or_else(|e| panic!("built-in schema: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vswitch_schema_parses_and_round_trips() {
        let v: Value = serde_json::from_str(VSWITCH_SCHEMA).unwrap();
        let s = DatabaseSchema::parse(&v).unwrap();
        assert_eq!(s.name, "Open_vSwitch");
        assert_eq!(s.version, "8.3.1");
        let br = s.table("Bridge").unwrap();
        assert_eq!(br.indexes.len(), 1);
        assert!(!br.is_root);
        assert!(s.table("Open_vSwitch").unwrap().is_root);
        assert_eq!(s.table("Open_vSwitch").unwrap().max_rows, Some(1));
        let m = s.table("Mirror").unwrap();
        let c = m.column(m.column_index("output_port").unwrap());
        assert!(c.ty.key.is_weak_ref());
        let again = DatabaseSchema::parse(&s.to_json()).unwrap();
        assert_eq!(again.to_json(), s.to_json());
        // Same tables, columns and types as the Open vSwitch 3.1 schema, when present.
        if let Ok(text) = std::fs::read_to_string("/usr/share/openvswitch/vswitch.ovsschema") {
            let ovs = DatabaseSchema::parse(&serde_json::from_str(&text).unwrap()).unwrap();
            assert_eq!(ovs.to_json(), s.to_json());
        }
    }

    #[test]
    fn english_types() {
        let t =
            Type::parse(&json!({"key": "string", "value": "string", "min": 0, "max": "unlimited"}))
                .unwrap();
        assert_eq!(t.to_english(), "map of (string, string) pairs");
        let t = Type::parse(&json!({"key": "integer", "min": 0, "max": 1})).unwrap();
        assert_eq!(t.to_english(), "set of up to 1 integers");
        let t = Type::parse(&json!({"key": "integer", "min": 1, "max": 4})).unwrap();
        assert_eq!(t.to_english(), "set of 1 to 4 integers");
        assert_eq!(Type::parse(&json!("real")).unwrap().to_english(), "real");
    }
}
