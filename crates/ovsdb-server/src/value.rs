//! OVSDB values (RFC 7047 §5.1): atoms, data (sorted sets and maps), their JSON
//! forms, constraint checks, and the set algebra that conditions, mutations,
//! referential integrity and `update2` diffs are built from.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::{json, Value};

use crate::error::{is_id, OvsdbError, Result};
use crate::schema::{AtomicType, BaseType, Type};
use crate::uuid::Uuid;

/// One value.
#[derive(Debug, Clone)]
pub enum Atom {
    /// An integer.
    Integer(i64),
    /// A real.
    Real(f64),
    /// A boolean.
    Boolean(bool),
    /// A string.
    String(String),
    /// A UUID.
    Uuid(Uuid),
}

impl Atom {
    fn rank(&self) -> u8 {
        match self {
            Atom::Integer(_) => 0,
            Atom::Real(_) => 1,
            Atom::Boolean(_) => 2,
            Atom::String(_) => 3,
            Atom::Uuid(_) => 4,
        }
    }

    /// The default atom of a type: 0, 0.0, false, "", the all-zeros UUID.
    pub fn default_of(ty: AtomicType) -> Atom {
        match ty {
            AtomicType::Integer => Atom::Integer(0),
            AtomicType::Real => Atom::Real(0.0),
            AtomicType::Boolean => Atom::Boolean(false),
            AtomicType::String => Atom::String(String::new()),
            AtomicType::Uuid => Atom::Uuid(Uuid::ZERO),
        }
    }

    /// The UUID, for a UUID atom.
    pub fn as_uuid(&self) -> Option<Uuid> {
        match self {
            Atom::Uuid(u) => Some(*u),
            _ => None,
        }
    }

    /// The JSON form.
    pub fn to_json(&self) -> Value {
        match self {
            Atom::Integer(i) => json!(i),
            Atom::Real(r) => real_json(*r),
            Atom::Boolean(b) => json!(b),
            Atom::String(s) => json!(s),
            Atom::Uuid(u) => json!(["uuid", u.to_string()]),
        }
    }

    /// Parses an atom of type `base` and checks its constraints. Named UUIDs resolve
    /// through `symtab` when one is given.
    pub fn from_json(v: &Value, base: &BaseType, symtab: Option<&mut Symtab>) -> Result<Atom> {
        let a = Atom::from_json_unchecked(v, base, symtab)?;
        a.check_constraints(base)?;
        Ok(a)
    }

    fn from_json_unchecked(
        v: &Value,
        base: &BaseType,
        symtab: Option<&mut Symtab>,
    ) -> Result<Atom> {
        match base.ty {
            AtomicType::Integer => {
                if let Some(i) = v.as_i64() {
                    return Ok(Atom::Integer(i));
                }
            }
            AtomicType::Real => {
                if let Some(i) = v.as_i64() {
                    return Ok(Atom::Real(i as f64));
                }
                if let Some(r) = v.as_f64() {
                    return Ok(Atom::Real(r));
                }
            }
            AtomicType::Boolean => {
                if let Some(b) = v.as_bool() {
                    return Ok(Atom::Boolean(b));
                }
            }
            AtomicType::String => {
                if let Some(s) = v.as_str() {
                    return Ok(Atom::String(s.to_string()));
                }
            }
            AtomicType::Uuid => return parse_uuid(v, base, symtab).map(Atom::Uuid),
        }
        Err(OvsdbError::syntax(
            Some(v),
            None,
            format!("expected {}", base.ty.name()),
        ))
    }

    /// Checks `base`'s constraints (not references: those are checked at commit).
    pub fn check_constraints(&self, base: &BaseType) -> Result<()> {
        if let Some(e) = &base.enum_ {
            if e.binary_search(self).is_err() {
                let valid: Vec<String> = e.iter().map(Atom::to_text).collect();
                return Err(OvsdbError::constraint(format!(
                    "{} is not one of the allowed values ([{}])",
                    self.to_text(),
                    valid.join(", ")
                )));
            }
        }
        match self {
            Atom::Integer(i) => {
                if *i >= base.min_integer && *i <= base.max_integer {
                    Ok(())
                } else if base.min_integer != i64::MIN {
                    if base.max_integer != i64::MAX {
                        Err(OvsdbError::constraint(format!(
                            "{i} is not in the valid range {} to {} (inclusive)",
                            base.min_integer, base.max_integer
                        )))
                    } else {
                        Err(OvsdbError::constraint(format!(
                            "{i} is less than minimum allowed value {}",
                            base.min_integer
                        )))
                    }
                } else {
                    Err(OvsdbError::constraint(format!(
                        "{i} is greater than maximum allowed value {}",
                        base.max_integer
                    )))
                }
            }
            Atom::Real(r) => {
                if *r >= base.min_real && *r <= base.max_real {
                    Ok(())
                } else if base.min_real != -f64::MAX {
                    if base.max_real != f64::MAX {
                        Err(OvsdbError::constraint(format!(
                            "{} is not in the valid range {} to {} (inclusive)",
                            fmt_real(*r),
                            fmt_real(base.min_real),
                            fmt_real(base.max_real)
                        )))
                    } else {
                        Err(OvsdbError::constraint(format!(
                            "{} is less than minimum allowed value {}",
                            fmt_real(*r),
                            fmt_real(base.min_real)
                        )))
                    }
                } else {
                    Err(OvsdbError::constraint(format!(
                        "{} is greater than maximum allowed value {}",
                        fmt_real(*r),
                        fmt_real(base.max_real)
                    )))
                }
            }
            Atom::String(s) => {
                let n = s.chars().count() as u64;
                if n < base.min_length {
                    Err(OvsdbError::constraint(format!(
                        "\"{s}\" length {n} is less than minimum allowed length {}",
                        base.min_length
                    )))
                } else if n > base.max_length {
                    Err(OvsdbError::constraint(format!(
                        "\"{s}\" length {n} is greater than maximum allowed length {}",
                        base.max_length
                    )))
                } else {
                    Ok(())
                }
            }
            Atom::Boolean(_) | Atom::Uuid(_) => Ok(()),
        }
    }

    /// The text form OVS uses in messages (`ovsdb_atom_to_string`): strings are
    /// quoted when they would not read back as the same string.
    pub fn to_text(&self) -> String {
        match self {
            Atom::Integer(i) => i.to_string(),
            Atom::Real(r) => fmt_real(*r),
            Atom::Boolean(b) => b.to_string(),
            Atom::Uuid(u) => u.to_string(),
            Atom::String(s) => {
                let bare = !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                    && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
                    && s != "true"
                    && s != "false";
                if bare {
                    s.clone()
                } else {
                    Value::String(s.clone()).to_string()
                }
            }
        }
    }
}

/// `%.17g`-style printing that reads back to the same double.
fn fmt_real(r: f64) -> String {
    format!("{r}")
}

fn real_json(r: f64) -> Value {
    serde_json::Number::from_f64(r)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

impl PartialEq for Atom {
    fn eq(&self, other: &Atom) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Atom {}

impl PartialOrd for Atom {
    fn partial_cmp(&self, other: &Atom) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Atom {
    fn cmp(&self, other: &Atom) -> Ordering {
        match (self, other) {
            (Atom::Integer(a), Atom::Integer(b)) => a.cmp(b),
            (Atom::Real(a), Atom::Real(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (Atom::Boolean(a), Atom::Boolean(b)) => a.cmp(b),
            (Atom::String(a), Atom::String(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Atom::Uuid(a), Atom::Uuid(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl std::hash::Hash for Atom {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        match self {
            Atom::Integer(i) => i.hash(h),
            Atom::Real(r) => r.to_bits().hash(h),
            Atom::Boolean(b) => b.hash(h),
            Atom::String(s) => s.hash(h),
            Atom::Uuid(u) => u.hash(h),
        }
    }
}

/// Named UUIDs of one transaction (`["named-uuid", "name"]`).
#[derive(Debug, Default)]
pub struct Symtab {
    /// Name to symbol.
    pub symbols: HashMap<String, Symbol>,
}

/// One named UUID.
#[derive(Debug, Clone)]
pub struct Symbol {
    /// The UUID the name stands for.
    pub uuid: Uuid,
    /// Whether an "insert" created the row.
    pub created: bool,
}

impl Symtab {
    /// The symbol for `name`, created with a fresh UUID on first use.
    pub fn insert(&mut self, name: &str) -> &mut Symbol {
        self.symbols
            .entry(name.to_string())
            .or_insert_with(|| Symbol {
                uuid: Uuid::random(),
                created: false,
            })
    }
}

fn unwrap_tagged<'a>(v: &'a Value, name: &str, want_array: bool) -> Result<&'a Value> {
    if let Some([tag, inner]) = v.as_array().map(Vec::as_slice) {
        if tag.as_str() == Some(name)
            && (if want_array {
                inner.is_array()
            } else {
                inner.is_string()
            })
        {
            return Ok(inner);
        }
    }
    Err(OvsdbError::syntax(
        Some(v),
        None,
        format!(
            "expected [\"{name}\", <{}>]",
            if want_array { "array" } else { "string" }
        ),
    ))
}

fn parse_uuid(v: &Value, _base: &BaseType, symtab: Option<&mut Symtab>) -> Result<Uuid> {
    match unwrap_tagged(v, "uuid", false) {
        Ok(s) => {
            let s = s.as_str().unwrap_or_default();
            Uuid::parse(s).ok_or_else(|| {
                OvsdbError::syntax(Some(v), None, format!("\"{s}\" is not a valid UUID"))
            })
        }
        Err(e0) => {
            let Some(symtab) = symtab else { return Err(e0) };
            let Ok(name) = unwrap_tagged(v, "named-uuid", false) else {
                return Err(e0);
            };
            let name = name.as_str().unwrap_or_default();
            if !is_id(name) {
                return Err(OvsdbError::syntax(
                    Some(v),
                    None,
                    "named-uuid string is not a valid <id>",
                ));
            }
            Ok(symtab.insert(name).uuid)
        }
    }
}

/// A column value: sorted unique keys, and for a map the value of each key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Datum {
    /// Keys (set elements), sorted and unique.
    pub keys: Vec<Atom>,
    /// For a map, `values[i]` belongs to `keys[i]`.
    pub values: Option<Vec<Atom>>,
}

impl Datum {
    /// An empty set or map.
    pub fn empty(ty: &Type) -> Datum {
        Datum {
            keys: Vec::new(),
            values: ty.value.as_ref().map(|_| Vec::new()),
        }
    }

    /// A set of one atom.
    pub fn single(a: Atom) -> Datum {
        Datum {
            keys: vec![a],
            values: None,
        }
    }

    /// The default value of a type.
    pub fn default_of(ty: &Type) -> Datum {
        if ty.min == 0 {
            Datum::empty(ty)
        } else {
            Datum {
                keys: vec![Atom::default_of(ty.key.ty)],
                values: ty.value.as_ref().map(|v| vec![Atom::default_of(v.ty)]),
            }
        }
    }

    /// Number of elements or pairs.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// No elements.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether this is the type's default value.
    pub fn is_default(&self, ty: &Type) -> bool {
        *self == Datum::default_of(ty)
    }

    /// The element or pair at `i`.
    fn pair(&self, i: usize) -> (&Atom, Option<&Atom>) {
        (&self.keys[i], self.values.as_ref().map(|v| &v[i]))
    }

    fn find_key(&self, k: &Atom) -> Option<usize> {
        self.keys.binary_search(k).ok()
    }

    /// Whether the element (or pair) is present.
    fn contains(&self, k: &Atom, v: Option<&Atom>) -> bool {
        match self.find_key(k) {
            Some(i) => match (v, &self.values) {
                (Some(v), Some(vals)) => vals[i] == *v,
                _ => true,
            },
            None => false,
        }
    }

    /// Sorts by key; an error when two keys are equal.
    fn sort(&mut self) -> Result<()> {
        let mut idx: Vec<usize> = (0..self.keys.len()).collect();
        idx.sort_by(|a, b| self.keys[*a].cmp(&self.keys[*b]));
        let keys: Vec<Atom> = idx.iter().map(|i| self.keys[*i].clone()).collect();
        if let Some(v) = &self.values {
            self.values = Some(idx.iter().map(|i| v[*i].clone()).collect());
        }
        self.keys = keys;
        if self.keys.windows(2).any(|w| w[0] == w[1]) {
            return Err(OvsdbError::new(
                "ovsdb error",
                if self.values.is_some() {
                    "map contains duplicate key"
                } else {
                    "set contains duplicate"
                },
            ));
        }
        Ok(())
    }

    fn from_pairs(mut pairs: Vec<(Atom, Option<Atom>)>, is_map: bool) -> Datum {
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs.dedup_by(|a, b| a.0 == b.0);
        let mut d = Datum {
            keys: Vec::with_capacity(pairs.len()),
            values: is_map.then(Vec::new),
        };
        for (k, v) in pairs {
            d.keys.push(k);
            if let (Some(vals), Some(v)) = (&mut d.values, v) {
                vals.push(v);
            }
        }
        d
    }

    fn pairs_owned(&self) -> Vec<(Atom, Option<Atom>)> {
        (0..self.len())
            .map(|i| {
                let (k, v) = self.pair(i);
                (k.clone(), v.cloned())
            })
            .collect()
    }

    /// Parses a `<value>` of type `ty`, checking element counts and constraints.
    pub fn from_json(v: &Value, ty: &Type, mut symtab: Option<&mut Symtab>) -> Result<Datum> {
        let is_map = ty.is_map();
        let tagged_set = v
            .as_array()
            .and_then(|a| a.first())
            .and_then(Value::as_str)
            .is_some_and(|s| s == "set");
        let mut d = if is_map || tagged_set {
            let class = if is_map { "map" } else { "set" };
            let inner = unwrap_tagged(v, class, true)?;
            let elems = inner.as_array().map(Vec::as_slice).unwrap_or_default();
            let n = elems.len();
            if (n as u64) < u64::from(ty.min) || (n as u64) > u64::from(ty.max) {
                return Err(if ty.min == 1 && ty.max == 1 {
                    OvsdbError::syntax(
                        Some(v),
                        None,
                        format!("{class} must have exactly one member but {n} are present"),
                    )
                } else {
                    OvsdbError::syntax(
                        Some(v),
                        None,
                        format!(
                            "{class} must have {} to {} members but {n} are present",
                            ty.min, ty.max
                        ),
                    )
                });
            }
            let mut d = Datum {
                keys: Vec::with_capacity(n),
                values: is_map.then(|| Vec::with_capacity(n)),
            };
            for e in elems {
                if let (Some(vt), Some(vals)) = (&ty.value, &mut d.values) {
                    let Some([k, val]) = e.as_array().map(Vec::as_slice) else {
                        return Err(OvsdbError::syntax(
                            Some(e),
                            None,
                            "expected 2-element array",
                        ));
                    };
                    d.keys
                        .push(Atom::from_json(k, &ty.key, symtab.as_deref_mut())?);
                    vals.push(Atom::from_json(val, vt, symtab.as_deref_mut())?);
                } else {
                    d.keys
                        .push(Atom::from_json(e, &ty.key, symtab.as_deref_mut())?);
                }
            }
            d
        } else {
            Datum::single(Atom::from_json(v, &ty.key, symtab)?)
        };
        d.sort()?;
        Ok(d)
    }

    /// The JSON form: a bare atom for one set element, else `["set", ...]` or
    /// `["map", ...]`.
    pub fn to_json(&self) -> Value {
        match &self.values {
            Some(vals) => json!([
                "map",
                self.keys
                    .iter()
                    .zip(vals)
                    .map(|(k, v)| json!([k.to_json(), v.to_json()]))
                    .collect::<Vec<_>>()
            ]),
            None if self.keys.len() == 1 => self.keys[0].to_json(),
            None => json!([
                "set",
                self.keys.iter().map(Atom::to_json).collect::<Vec<_>>()
            ]),
        }
    }

    /// Checks every atom against the type's constraints.
    pub fn check_constraints(&self, ty: &Type) -> Result<()> {
        for k in &self.keys {
            k.check_constraints(&ty.key)?;
        }
        if let (Some(vals), Some(vt)) = (&self.values, &ty.value) {
            for v in vals {
                v.check_constraints(vt)?;
            }
        }
        Ok(())
    }

    /// Whether every element (pair) of `self` is in `other`.
    pub fn includes_all(&self, other: &Datum) -> bool {
        (0..self.len()).all(|i| {
            let (k, v) = self.pair(i);
            other.contains(k, v)
        })
    }

    /// Whether no element (pair) of `self` is in `other`.
    pub fn excludes_all(&self, other: &Datum) -> bool {
        (0..self.len()).all(|i| {
            let (k, v) = self.pair(i);
            !other.contains(k, v)
        })
    }

    /// Adds the elements of `src`; for a map, only keys not present yet.
    pub fn union(&mut self, src: &Datum) {
        let mut pairs = self.pairs_owned();
        for i in 0..src.len() {
            let (k, v) = src.pair(i);
            if self.find_key(k).is_none() {
                pairs.push((k.clone(), v.cloned()));
            }
        }
        *self = Datum::from_pairs(pairs, self.values.is_some());
    }

    /// Removes the elements of `src`. A set `src` against a map removes by key; a
    /// map `src` removes pairs whose key and value both match.
    pub fn subtract(&mut self, src: &Datum) {
        let keep: Vec<bool> = (0..self.len())
            .map(|i| {
                let (k, v) = self.pair(i);
                match &src.values {
                    Some(_) => !src.contains(k, v),
                    None => src.find_key(k).is_none(),
                }
            })
            .collect();
        let mut it = keep.iter();
        self.keys.retain(|_| *it.next().unwrap_or(&true));
        if let Some(vals) = &mut self.values {
            let mut it = keep.iter();
            vals.retain(|_| *it.next().unwrap_or(&true));
        }
    }

    /// The `update2` diff from `old` to `new`: the new value for a scalar, the
    /// symmetric difference for a set, and for a map the removed pairs, the added
    /// pairs and the new pairs of changed keys.
    pub fn diff(old: &Datum, new: &Datum, ty: &Type) -> Datum {
        if ty.is_scalar() {
            return new.clone();
        }
        let mut pairs = Vec::new();
        for i in 0..old.len() {
            let (k, _) = old.pair(i);
            if new.find_key(k).is_none() {
                let (k, v) = old.pair(i);
                pairs.push((k.clone(), v.cloned()));
            }
        }
        for i in 0..new.len() {
            let (k, v) = new.pair(i);
            if !old.contains(k, v) {
                pairs.push((k.clone(), v.cloned()));
            }
        }
        Datum::from_pairs(pairs, ty.is_map())
    }

    /// Applies an `update2`-style diff (inverse of [`Datum::diff`]).
    pub fn apply_diff(&mut self, diff: &Datum, ty: &Type) {
        if ty.is_scalar() {
            *self = diff.clone();
            return;
        }
        let mut pairs = self.pairs_owned();
        for i in 0..diff.len() {
            let (k, v) = diff.pair(i);
            match pairs.iter().position(|(pk, _)| pk == k) {
                Some(j) if pairs[j].1.as_ref() == v || v.is_none() => {
                    pairs.swap_remove(j);
                }
                Some(j) => pairs[j].1 = v.cloned(),
                None => pairs.push((k.clone(), v.cloned())),
            }
        }
        *self = Datum::from_pairs(pairs, ty.is_map());
    }

    /// The UUIDs among keys (if `key`) or values that are references of `base`.
    pub fn uuids<'a>(&'a self, of_values: bool) -> impl Iterator<Item = Uuid> + 'a {
        let atoms: &'a [Atom] = if of_values {
            self.values.as_deref().unwrap_or(&[])
        } else {
            &self.keys
        };
        atoms.iter().filter_map(Atom::as_uuid)
    }

    /// Removes every element (pair) whose key or value is a UUID in `gone`.
    pub fn remove_uuids(&mut self, key: bool, value: bool, gone: &dyn Fn(Uuid) -> bool) -> usize {
        let before = self.len();
        let keep: Vec<bool> = (0..self.len())
            .map(|i| {
                let (k, v) = self.pair(i);
                !(key && k.as_uuid().is_some_and(gone)
                    || value && v.and_then(Atom::as_uuid).is_some_and(gone))
            })
            .collect();
        let mut it = keep.iter();
        self.keys.retain(|_| *it.next().unwrap_or(&true));
        if let Some(vals) = &mut self.values {
            let mut it = keep.iter();
            vals.retain(|_| *it.next().unwrap_or(&true));
        }
        before - self.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(v: Value) -> Type {
        Type::parse(&v).unwrap()
    }

    #[test]
    fn parse_sort_and_print() {
        let t = ty(json!({"key": "integer", "min": 0, "max": "unlimited"}));
        let d = Datum::from_json(&json!(["set", [3, 1, 2]]), &t, None).unwrap();
        assert_eq!(d.to_json(), json!(["set", [1, 2, 3]]));
        let e = Datum::from_json(&json!(["set", [1, 1]]), &t, None).unwrap_err();
        assert_eq!(e.details.as_deref(), Some("set contains duplicate"));
        let one = ty(json!({"key": "integer", "min": 0, "max": 1}));
        let e = Datum::from_json(&json!(["set", [1, 2]]), &one, None).unwrap_err();
        assert_eq!(e.tag, "syntax error");
        let e = Datum::from_json(&json!("x"), &one, None).unwrap_err();
        assert_eq!(e.details.as_deref(), Some("expected integer"));
        let m = ty(json!({"key": "string", "value": "integer", "min": 0, "max": "unlimited"}));
        let d = Datum::from_json(&json!(["map", [["b", 2], ["a", 1]]]), &m, None).unwrap();
        assert_eq!(d.to_json(), json!(["map", [["a", 1], ["b", 2]]]));
        assert!(Datum::from_json(&json!(["set", []]), &m, None).is_err());
    }

    #[test]
    fn constraints() {
        let t = ty(json!({"key": {"type": "integer", "minInteger": 0, "maxInteger": 4095}}));
        let e = Datum::from_json(&json!(4096), &t, None).unwrap_err();
        assert_eq!(e.tag, "constraint violation");
        assert_eq!(
            e.details.unwrap(),
            "4096 is not in the valid range 0 to 4095 (inclusive)"
        );
        let t = ty(json!({"key": {"type": "string", "enum": ["set", ["secure", "standalone"]]}}));
        let e = Datum::from_json(&json!("x y"), &t, None).unwrap_err();
        assert_eq!(
            e.details.unwrap(),
            "\"x y\" is not one of the allowed values ([secure, standalone])"
        );
        assert!(Datum::from_json(&json!("secure"), &t, None).is_ok());
    }

    #[test]
    fn named_uuids_resolve_once() {
        let t = ty(json!({"key": "uuid", "min": 0, "max": "unlimited"}));
        let mut st = Symtab::default();
        let a = Datum::from_json(&json!(["named-uuid", "x"]), &t, Some(&mut st)).unwrap();
        let b = Datum::from_json(&json!(["named-uuid", "x"]), &t, Some(&mut st)).unwrap();
        assert_eq!(a, b);
        assert!(Datum::from_json(&json!(["named-uuid", "x"]), &t, None).is_err());
    }

    #[test]
    fn set_algebra_and_diffs() {
        let m = ty(json!({"key": "string", "value": "string", "min": 0, "max": "unlimited"}));
        let d = |v: Value| Datum::from_json(&v, &m, None).unwrap();
        let old = d(json!(["map", [["a", "1"], ["b", "2"], ["c", "3"]]]));
        let new = d(json!(["map", [["a", "1"], ["b", "9"], ["d", "4"]]]));
        let diff = Datum::diff(&old, &new, &m);
        assert_eq!(
            diff,
            d(json!(["map", [["b", "9"], ["c", "3"], ["d", "4"]]]))
        );
        let mut x = old.clone();
        x.apply_diff(&diff, &m);
        assert_eq!(x, new);
        let mut u = old.clone();
        u.union(&d(json!(["map", [["a", "changed"], ["z", "26"]]])));
        assert_eq!(
            u,
            d(json!([
                "map",
                [["a", "1"], ["b", "2"], ["c", "3"], ["z", "26"]]
            ]))
        );
        let mut s = old.clone();
        s.subtract(&d(json!(["map", [["a", "1"], ["b", "3"]]])));
        assert_eq!(s, d(json!(["map", [["b", "2"], ["c", "3"]]])));
        let keys = Datum {
            keys: vec![Atom::String("c".into())],
            values: None,
        };
        s.subtract(&keys);
        assert_eq!(s, d(json!(["map", [["b", "2"]]])));
        assert!(d(json!(["map", [["b", "2"]]])).includes_all(&old));
        assert!(d(json!(["map", [["b", "3"]]])).excludes_all(&old));
    }
}
