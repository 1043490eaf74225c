//! The parts of an OVSDB schema (RFC 7047 §3.2) that a client needs to read data: tables,
//! columns and column types.

use std::collections::HashMap;

use serde_json::Value;

/// Errors in a schema document.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The document does not have the RFC 7047 shape.
    #[error("malformed schema: {0}")]
    Malformed(String),
}

/// The type of an atom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtomicType {
    /// 64-bit signed integer.
    Integer,
    /// IEEE double.
    Real,
    /// true or false.
    Boolean,
    /// UTF-8 string.
    String,
    /// A row reference or other UUID.
    Uuid,
}

impl AtomicType {
    fn parse(v: &Value) -> Result<AtomicType, SchemaError> {
        let name = match v {
            Value::String(s) => s.as_str(),
            Value::Object(o) => o.get("type").and_then(Value::as_str).unwrap_or(""),
            _ => "",
        };
        Ok(match name {
            "integer" => AtomicType::Integer,
            "real" => AtomicType::Real,
            "boolean" => AtomicType::Boolean,
            "string" => AtomicType::String,
            "uuid" => AtomicType::Uuid,
            other => {
                return Err(SchemaError::Malformed(format!(
                    "unknown atomic type {other:?}"
                )))
            }
        })
    }
}

/// A column's type: a scalar, an optional value, a set or a map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnType {
    /// Type of the keys (the elements, for a set or scalar).
    pub key: AtomicType,
    /// Type of the values, for a map.
    pub value: Option<AtomicType>,
    /// Minimum number of elements.
    pub min: u32,
    /// Maximum number of elements (`u32::MAX` for "unlimited").
    pub max: u32,
}

impl ColumnType {
    /// Parses a `<type>` (RFC 7047 §3.2).
    pub fn parse(v: &Value) -> Result<ColumnType, SchemaError> {
        match v {
            Value::String(_) => Ok(ColumnType {
                key: AtomicType::parse(v)?,
                value: None,
                min: 1,
                max: 1,
            }),
            Value::Object(o) => {
                let key = AtomicType::parse(
                    o.get("key")
                        .ok_or_else(|| SchemaError::Malformed("type without \"key\"".into()))?,
                )?;
                let value = o.get("value").map(AtomicType::parse).transpose()?;
                let min = o.get("min").and_then(Value::as_u64).unwrap_or(1) as u32;
                let max = match o.get("max") {
                    None => 1,
                    Some(Value::String(s)) if s == "unlimited" => u32::MAX,
                    Some(m) => m
                        .as_u64()
                        .map(|m| m.min(u64::from(u32::MAX)) as u32)
                        .ok_or_else(|| SchemaError::Malformed(format!("bad \"max\" {m}")))?,
                };
                Ok(ColumnType {
                    key,
                    value,
                    min,
                    max,
                })
            }
            _ => Err(SchemaError::Malformed(format!("bad column type {v}"))),
        }
    }

    /// Exactly one value, never a set (OVS `ovsdb_type_is_scalar`).
    pub fn is_scalar(&self) -> bool {
        self.value.is_none() && self.min == 1 && self.max == 1
    }

    /// Key/value pairs.
    pub fn is_map(&self) -> bool {
        self.value.is_some()
    }
}

/// One table of a schema.
#[derive(Debug, Clone, Default)]
pub struct TableSchema {
    /// Column name to type (without the implicit `_uuid` and `_version`).
    pub columns: HashMap<String, ColumnType>,
    /// Whether the table is a root table (not garbage-collected).
    pub is_root: bool,
}

/// A database schema.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// Database name, e.g. `Open_vSwitch`.
    pub name: String,
    /// Schema version, e.g. `8.3.1`.
    pub version: String,
    /// Table name to table.
    pub tables: HashMap<String, TableSchema>,
}

impl Schema {
    /// Parses the result of `get_schema`.
    pub fn parse(v: &Value) -> Result<Schema, SchemaError> {
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let version = v
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let tables_json = v
            .get("tables")
            .and_then(Value::as_object)
            .ok_or_else(|| SchemaError::Malformed("no \"tables\" object".into()))?;
        let mut tables = HashMap::new();
        for (tname, t) in tables_json {
            let cols = t
                .get("columns")
                .and_then(Value::as_object)
                .ok_or_else(|| SchemaError::Malformed(format!("table {tname} has no columns")))?;
            let mut columns = HashMap::new();
            for (cname, c) in cols {
                let ty = c.get("type").ok_or_else(|| {
                    SchemaError::Malformed(format!("{tname}.{cname} has no type"))
                })?;
                columns.insert(cname.clone(), ColumnType::parse(ty)?);
            }
            let is_root = t.get("isRoot").and_then(Value::as_bool).unwrap_or(false);
            tables.insert(tname.clone(), TableSchema { columns, is_root });
        }
        Ok(Schema {
            name,
            version,
            tables,
        })
    }

    /// The type of `table.column`, if the schema has it.
    pub fn column(&self, table: &str, column: &str) -> Option<&ColumnType> {
        self.tables.get(table)?.columns.get(column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_types() {
        let s = Schema::parse(&json!({
            "name": "Open_vSwitch", "version": "8.3.1",
            "tables": {"Interface": {"columns": {
                "name": {"type": "string"},
                "ofport": {"type": {"key": "integer", "min": 0, "max": 1}},
                "options": {"type": {"key": "string", "value": "string", "min": 0, "max": "unlimited"}},
                "bridges": {"type": {"key": {"type": "uuid", "refTable": "Bridge"}, "min": 0, "max": "unlimited"}}
            }}}
        }))
        .unwrap();
        let name = s.column("Interface", "name").unwrap();
        assert!(name.is_scalar());
        let ofport = s.column("Interface", "ofport").unwrap();
        assert!(!ofport.is_scalar() && !ofport.is_map());
        assert!(s.column("Interface", "options").unwrap().is_map());
        let br = s.column("Interface", "bridges").unwrap();
        assert_eq!((br.key, br.max), (AtomicType::Uuid, u32::MAX));
    }
}
