//! OVSDB values (RFC 7047 §5.1): atoms, sets and maps, their JSON forms, and the
//! `update2` diff semantics of `monitor_cond`.

use serde_json::{json, Value};

use crate::schema::{AtomicType, ColumnType};

/// Errors converting JSON to OVSDB values.
#[derive(Debug, thiserror::Error)]
pub enum DatumError {
    /// The JSON does not encode a value of the expected type.
    #[error("bad OVSDB value {value}: {why}")]
    Bad {
        /// The offending JSON.
        value: String,
        /// What was expected.
        why: &'static str,
    },
}

fn bad(v: &Value, why: &'static str) -> DatumError {
    DatumError::Bad {
        value: v.to_string(),
        why,
    }
}

/// A single OVSDB value.
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    /// An integer.
    Integer(i64),
    /// A real number.
    Real(f64),
    /// A boolean.
    Boolean(bool),
    /// A string.
    String(String),
    /// A UUID, in its 36-character text form.
    Uuid(String),
}

impl Atom {
    /// Parses an `<atom>`.
    pub fn from_json(v: &Value) -> Result<Atom, DatumError> {
        match v {
            Value::Bool(b) => Ok(Atom::Boolean(*b)),
            Value::String(s) => Ok(Atom::String(s.clone())),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Ok(Atom::Integer(i))
                } else {
                    n.as_f64()
                        .map(Atom::Real)
                        .ok_or_else(|| bad(v, "number out of range"))
                }
            }
            Value::Array(a) if a.len() == 2 => match (&a[0], &a[1]) {
                (Value::String(tag), Value::String(u)) if tag == "uuid" || tag == "named-uuid" => {
                    Ok(Atom::Uuid(u.clone()))
                }
                _ => Err(bad(v, "expected [\"uuid\", ...]")),
            },
            _ => Err(bad(v, "expected an atom")),
        }
    }

    /// Parses an `<atom>` and checks that it has type `ty` (an integer is also a real).
    pub fn from_json_typed(v: &Value, ty: AtomicType) -> Result<Atom, DatumError> {
        let a = Atom::from_json(v)?;
        let ok = matches!(
            (&a, ty),
            (Atom::Integer(_), AtomicType::Integer)
                | (Atom::Integer(_) | Atom::Real(_), AtomicType::Real)
                | (Atom::Boolean(_), AtomicType::Boolean)
                | (Atom::String(_), AtomicType::String)
                | (Atom::Uuid(_), AtomicType::Uuid)
        );
        match (ok, a) {
            (true, Atom::Integer(i)) if ty == AtomicType::Real => Ok(Atom::Real(i as f64)),
            (true, a) => Ok(a),
            (false, _) => Err(bad(v, "atom of the wrong type")),
        }
    }

    /// The JSON form.
    pub fn to_json(&self) -> Value {
        match self {
            Atom::Integer(i) => json!(i),
            Atom::Real(r) => json!(r),
            Atom::Boolean(b) => json!(b),
            Atom::String(s) => json!(s),
            Atom::Uuid(u) => json!(["uuid", u]),
        }
    }

    /// The default atom of a type (RFC 7047: 0, 0.0, false, "", the all-zeros UUID).
    pub fn default_of(ty: AtomicType) -> Atom {
        match ty {
            AtomicType::Integer => Atom::Integer(0),
            AtomicType::Real => Atom::Real(0.0),
            AtomicType::Boolean => Atom::Boolean(false),
            AtomicType::String => Atom::String(String::new()),
            AtomicType::Uuid => Atom::Uuid("00000000-0000-0000-0000-000000000000".into()),
        }
    }

    /// The string, if this is a string atom.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Atom::String(s) | Atom::Uuid(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is an integer atom.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Atom::Integer(i) => Some(*i),
            _ => None,
        }
    }
}

/// A column value: a set of atoms (a scalar is a set of one) or a map.
#[derive(Debug, Clone, PartialEq)]
pub enum Datum {
    /// A set; a scalar column holds exactly one element.
    Set(Vec<Atom>),
    /// A map as key/value pairs, keys unique.
    Map(Vec<(Atom, Atom)>),
}

impl Datum {
    /// The default value of a column type (RFC 7047 §5.1).
    pub fn default_of(ty: &ColumnType) -> Datum {
        if ty.is_map() {
            Datum::Map(Vec::new())
        } else if ty.min == 0 {
            Datum::Set(Vec::new())
        } else {
            Datum::Set(vec![Atom::default_of(ty.key)])
        }
    }

    /// Parses a `<value>` of type `ty`.
    pub fn from_json(v: &Value, ty: &ColumnType) -> Result<Datum, DatumError> {
        if ty.is_map() {
            let pairs = match v {
                Value::Array(a) if a.len() == 2 && a[0] == "map" => a[1]
                    .as_array()
                    .ok_or_else(|| bad(v, "map body is not an array"))?,
                _ => return Err(bad(v, "expected [\"map\", ...]")),
            };
            let mut out = Vec::with_capacity(pairs.len());
            for p in pairs {
                match p.as_array().map(Vec::as_slice) {
                    Some([k, val]) => {
                        let vt = ty.value.unwrap_or(ty.key);
                        out.push((
                            Atom::from_json_typed(k, ty.key)?,
                            Atom::from_json_typed(val, vt)?,
                        ))
                    }
                    _ => return Err(bad(p, "map pair is not [key, value]")),
                }
            }
            return Ok(Datum::Map(out));
        }
        match v {
            Value::Array(a) if a.len() == 2 && a[0] == "set" => {
                let elems = a[1]
                    .as_array()
                    .ok_or_else(|| bad(v, "set body is not an array"))?;
                let atoms = elems.iter().map(|e| Atom::from_json_typed(e, ty.key));
                atoms.collect::<Result<_, _>>().map(Datum::Set)
            }
            _ => Ok(Datum::Set(vec![Atom::from_json_typed(v, ty.key)?])),
        }
    }

    /// The JSON form, as a transaction sends it.
    pub fn to_json(&self) -> Value {
        match self {
            Datum::Set(s) if s.len() == 1 => s[0].to_json(),
            Datum::Set(s) => json!(["set", s.iter().map(Atom::to_json).collect::<Vec<_>>()]),
            Datum::Map(m) => json!([
                "map",
                m.iter()
                    .map(|(k, v)| json!([k.to_json(), v.to_json()]))
                    .collect::<Vec<_>>()
            ]),
        }
    }

    /// Applies an `update2` "modify" diff (ovsdb-server(7)): a scalar takes the new value;
    /// set elements in the diff are toggled; a map key in the diff is removed when the
    /// value matches, replaced when it differs and inserted when absent.
    pub fn apply_diff(&mut self, diff: Datum, ty: &ColumnType) {
        if ty.is_scalar() {
            *self = diff;
            return;
        }
        // An optional value (a set of at most one): ovsdb-server sends the new value
        // (`"b"` for a -> b, `["set", []]` for a -> nothing), not the two-element
        // difference; take both forms.
        if !ty.is_map() && ty.max == 1 && diff.atoms().len() < 2 {
            *self = diff;
            return;
        }
        match (self, diff) {
            (Datum::Set(cur), Datum::Set(d)) => {
                for a in d {
                    if let Some(i) = cur.iter().position(|x| *x == a) {
                        cur.swap_remove(i);
                    } else {
                        cur.push(a);
                    }
                }
            }
            (Datum::Map(cur), Datum::Map(d)) => {
                for (k, v) in d {
                    match cur.iter().position(|(ck, _)| *ck == k) {
                        Some(i) if cur[i].1 == v => {
                            cur.swap_remove(i);
                        }
                        Some(i) => cur[i].1 = v,
                        None => cur.push((k, v)),
                    }
                }
            }
            (me, d) => *me = d,
        }
    }

    /// The set elements (empty for a map).
    pub fn atoms(&self) -> &[Atom] {
        match self {
            Datum::Set(s) => s,
            Datum::Map(_) => &[],
        }
    }

    /// The map pairs (empty for a set).
    pub fn pairs(&self) -> &[(Atom, Atom)] {
        match self {
            Datum::Map(m) => m,
            Datum::Set(_) => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(key: AtomicType, value: Option<AtomicType>, min: u32, max: u32) -> ColumnType {
        ColumnType {
            key,
            value,
            min,
            max,
        }
    }

    #[test]
    fn parse_and_print() {
        let opt = ty(AtomicType::Integer, None, 0, 1);
        assert_eq!(
            Datum::from_json(&json!(["set", []]), &opt).unwrap(),
            Datum::Set(vec![])
        );
        assert_eq!(
            Datum::from_json(&json!(5), &opt).unwrap(),
            Datum::Set(vec![Atom::Integer(5)])
        );
        let m = ty(AtomicType::String, Some(AtomicType::String), 0, u32::MAX);
        let d = Datum::from_json(&json!(["map", [["a", "b"]]]), &m).unwrap();
        assert_eq!(d.to_json(), json!(["map", [["a", "b"]]]));
        let u = ty(AtomicType::Uuid, None, 0, u32::MAX);
        let d = Datum::from_json(&json!(["uuid", "x"]), &u).unwrap();
        assert_eq!(d, Datum::Set(vec![Atom::Uuid("x".into())]));
        assert!(Datum::from_json(&json!({"a": 1}), &u).is_err());
    }

    #[test]
    fn update2_diffs() {
        let opt = ty(AtomicType::Integer, None, 0, 1);
        // ofport 5 -> 7 arrives as the symmetric difference {5, 7}.
        let mut d = Datum::Set(vec![Atom::Integer(5)]);
        d.apply_diff(Datum::Set(vec![Atom::Integer(5), Atom::Integer(7)]), &opt);
        assert_eq!(d, Datum::Set(vec![Atom::Integer(7)]));
        // What ovsdb-server 3.1 actually sends for an optional column: the new value.
        d.apply_diff(Datum::Set(vec![Atom::Integer(9)]), &opt);
        assert_eq!(d, Datum::Set(vec![Atom::Integer(9)]));
        d.apply_diff(Datum::Set(vec![]), &opt);
        assert_eq!(d, Datum::Set(vec![]));
        d.apply_diff(Datum::Set(vec![Atom::Integer(3)]), &opt);
        assert_eq!(d, Datum::Set(vec![Atom::Integer(3)]));

        let scalar = ty(AtomicType::String, None, 1, 1);
        let mut d = Datum::Set(vec![Atom::String("a".into())]);
        d.apply_diff(Datum::Set(vec![Atom::String("b".into())]), &scalar);
        assert_eq!(d, Datum::Set(vec![Atom::String("b".into())]));

        let map = ty(AtomicType::String, Some(AtomicType::String), 0, u32::MAX);
        let s = |x: &str| Atom::String(x.into());
        let mut d = Datum::Map(vec![(s("k1"), s("v1")), (s("k2"), s("v2"))]);
        d.apply_diff(
            Datum::Map(vec![
                (s("k1"), s("v1")),
                (s("k2"), s("v9")),
                (s("k3"), s("v3")),
            ]),
            &map,
        );
        let mut got = d.pairs().to_vec();
        got.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
        assert_eq!(got, vec![(s("k2"), s("v9")), (s("k3"), s("v3"))]);
    }
}
