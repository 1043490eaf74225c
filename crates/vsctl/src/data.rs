//! OVSDB values as `ovs-vsctl` reads and writes them: atoms, sorted sets and maps, their
//! JSON forms, and the text syntax of the command line (`a=b, c=d`, `[1, 2]`, quoted
//! strings), parsed and printed the way OVS's `ovsdb_datum_from_string` and
//! `ovsdb_datum_to_string` do.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::schema::{AtomicType, Type};

/// A JSON value that is not a value of the expected type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError(pub String);

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One value.
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    /// Integer.
    Integer(i64),
    /// Real.
    Real(f64),
    /// Boolean.
    Boolean(bool),
    /// String.
    String(String),
    /// UUID in its 36-character lowercase form.
    Uuid(String),
}

impl Atom {
    /// Total order within one type (OVS `ovsdb_atom_compare_3way`).
    pub fn compare(&self, other: &Atom) -> Ordering {
        match (self, other) {
            (Atom::Integer(a), Atom::Integer(b)) => a.cmp(b),
            (Atom::Real(a), Atom::Real(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (Atom::Boolean(a), Atom::Boolean(b)) => a.cmp(b),
            (Atom::String(a), Atom::String(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Atom::Uuid(a), Atom::Uuid(b)) => a.cmp(b),
            _ => rank(self).cmp(&rank(other)),
        }
    }

    /// The default atom of a type.
    pub fn default_of(ty: AtomicType) -> Atom {
        match ty {
            AtomicType::Integer => Atom::Integer(0),
            AtomicType::Real => Atom::Real(0.0),
            AtomicType::Boolean => Atom::Boolean(false),
            AtomicType::String => Atom::String(String::new()),
            AtomicType::Uuid => Atom::Uuid("00000000-0000-0000-0000-000000000000".into()),
        }
    }

    /// The string, for string and UUID atoms.
    pub fn as_str(&self) -> &str {
        match self {
            Atom::String(s) | Atom::Uuid(s) => s,
            _ => "",
        }
    }

    /// The integer, for integer atoms.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Atom::Integer(i) => Some(*i),
            _ => None,
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

    /// Parses the JSON form of an atom of type `ty`.
    pub fn from_json(v: &Value, ty: AtomicType) -> Result<Atom, JsonError> {
        let bad = || JsonError(format!("{v} is not a valid {}", ty.name()));
        Ok(match ty {
            AtomicType::Integer => Atom::Integer(v.as_i64().ok_or_else(bad)?),
            AtomicType::Real => Atom::Real(v.as_f64().ok_or_else(bad)?),
            AtomicType::Boolean => Atom::Boolean(v.as_bool().ok_or_else(bad)?),
            AtomicType::String => Atom::String(v.as_str().ok_or_else(bad)?.to_string()),
            AtomicType::Uuid => match v.as_array().map(Vec::as_slice) {
                Some([Value::String(tag), Value::String(u)]) if tag == "uuid" => {
                    Atom::Uuid(u.clone())
                }
                _ => return Err(bad()),
            },
        })
    }

    /// Appends the text form that [`atom_from_string`] accepts (`ovsdb_atom_to_string`).
    pub fn to_text(&self, out: &mut String) {
        match self {
            Atom::Integer(i) => out.push_str(&i.to_string()),
            Atom::Real(r) => out.push_str(&format_real(*r)),
            Atom::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
            Atom::String(s) => {
                if string_needs_quotes(s) {
                    out.push_str(&Value::String(s.clone()).to_string());
                } else {
                    out.push_str(s);
                }
            }
            Atom::Uuid(u) => out.push_str(u),
        }
    }

    /// Appends the bare form: strings without quotes (`ovsdb_atom_to_bare`).
    pub fn to_bare(&self, out: &mut String) {
        match self {
            Atom::String(s) => out.push_str(s),
            _ => self.to_text(out),
        }
    }
}

fn rank(a: &Atom) -> u8 {
    match a {
        Atom::Integer(_) => 0,
        Atom::Real(_) => 1,
        Atom::Boolean(_) => 2,
        Atom::String(_) => 3,
        Atom::Uuid(_) => 4,
    }
}

/// `%.15g`, as C's printf formats it.
pub fn format_real(r: f64) -> String {
    if r == 0.0 {
        return "0".into();
    }
    if !r.is_finite() {
        return if r.is_nan() {
            "nan".into()
        } else if r > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let sci = format!("{r:.14e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..15).contains(&exp) {
        let mant = trim_zeros(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (14 - exp).max(0) as usize;
        trim_zeros(&format!("{r:.decimals$}")).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Parses a UUID in RFC 4122 text form, returning its lowercase form.
pub fn parse_uuid(s: &str) -> Option<String> {
    is_uuid(s).then(|| s.to_ascii_lowercase())
}

pub(crate) fn string_needs_quotes(s: &str) -> bool {
    let b = s.as_bytes();
    match b.first() {
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {}
        _ => return true,
    }
    if b[1..]
        .iter()
        .any(|c| !c.is_ascii_alphanumeric() && !matches!(c, b'_' | b'-' | b'.'))
    {
        return true;
    }
    s == "true" || s == "false" || is_uuid(s)
}

/// A column value: keys sorted and unique; `values` is empty for a set and parallel to
/// `keys` for a map.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Datum {
    /// Keys (set elements).
    pub keys: Vec<Atom>,
    /// Values of a map.
    pub values: Vec<Atom>,
}

impl Datum {
    /// A set of one.
    pub fn scalar(a: Atom) -> Datum {
        Datum {
            keys: vec![a],
            values: Vec::new(),
        }
    }

    /// The default value of a type.
    pub fn default_of(ty: &Type) -> Datum {
        if ty.n_min == 0 {
            Datum::default()
        } else {
            let mut d = Datum::scalar(Atom::default_of(ty.key.ty));
            if let Some(v) = &ty.value {
                d.values.push(Atom::default_of(v.ty));
            }
            d
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// No elements.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether this is the default value of `ty`.
    pub fn is_default(&self, ty: &Type) -> bool {
        *self == Datum::default_of(ty)
    }

    /// The first element, if any.
    pub fn first(&self) -> Option<&Atom> {
        self.keys.first()
    }

    /// The value of map key `k`.
    pub fn get(&self, k: &Atom) -> Option<&Atom> {
        self.find_key(k).map(|i| &self.values[i])
    }

    /// The value of string map key `k`.
    pub fn get_str(&self, k: &str) -> Option<&str> {
        self.get(&Atom::String(k.into())).map(Atom::as_str)
    }

    /// Index of key `k` (binary search over the sorted keys).
    pub fn find_key(&self, k: &Atom) -> Option<usize> {
        self.keys.binary_search_by(|x| x.compare(k)).ok()
    }

    fn is_map(&self) -> bool {
        !self.values.is_empty() || self.keys.is_empty()
    }

    /// Sorts by key; false if a key repeats (`ovsdb_datum_sort`).
    pub fn sort(&mut self) -> bool {
        let mut idx: Vec<usize> = (0..self.keys.len()).collect();
        idx.sort_by(|a, b| self.keys[*a].compare(&self.keys[*b]));
        let keys: Vec<Atom> = idx.iter().map(|i| self.keys[*i].clone()).collect();
        if !self.values.is_empty() {
            self.values = idx.iter().map(|i| self.values[*i].clone()).collect();
        }
        self.keys = keys;
        !self
            .keys
            .windows(2)
            .any(|w| w[0].compare(&w[1]) == Ordering::Equal)
    }

    /// Adds the elements of `b` whose keys are not in `self` (`ovsdb_datum_union`).
    pub fn union(&mut self, b: &Datum) {
        let map = !b.values.is_empty();
        for (i, k) in b.keys.iter().enumerate() {
            if self.find_key(k).is_none() {
                self.keys.push(k.clone());
                if map {
                    self.values.push(b.values[i].clone());
                }
                self.sort();
            }
        }
    }

    /// Removes the elements of `b` (`ovsdb_datum_subtract`): for a map, `b` may be a set
    /// of keys, or a map whose pairs must match exactly.
    pub fn subtract(&mut self, b: &Datum) {
        for (i, k) in b.keys.iter().enumerate() {
            if let Some(j) = self.find_key(k) {
                if !b.values.is_empty() && self.values.get(j) != b.values.get(i) {
                    continue;
                }
                self.keys.remove(j);
                if !self.values.is_empty() {
                    self.values.remove(j);
                }
            }
        }
    }

    fn contains_pair(&self, k: &Atom, v: Option<&Atom>) -> bool {
        match self.find_key(k) {
            Some(j) => match v {
                Some(v) => self
                    .values
                    .get(j)
                    .is_some_and(|x| x.compare(v) == Ordering::Equal),
                None => true,
            },
            None => false,
        }
    }

    /// Every element of `self` is in `b`.
    pub fn includes_all_of(&self, b: &Datum) -> bool {
        self.keys
            .iter()
            .enumerate()
            .all(|(i, k)| b.contains_pair(k, self.values.get(i)))
    }

    /// No element of `self` is in `b`.
    pub fn excludes_all_of(&self, b: &Datum) -> bool {
        !self
            .keys
            .iter()
            .enumerate()
            .any(|(i, k)| b.contains_pair(k, self.values.get(i)))
    }

    /// `ovsdb_datum_compare_3way`: by size, then keys, then values.
    pub fn compare(&self, b: &Datum) -> Ordering {
        self.len()
            .cmp(&b.len())
            .then_with(|| cmp_atoms(&self.keys, &b.keys))
            .then_with(|| cmp_atoms(&self.values, &b.values))
    }

    /// The JSON form (`ovsdb_datum_to_json`).
    pub fn to_json(&self, ty: &Type) -> Value {
        if ty.is_map() {
            let pairs: Vec<Value> = self
                .keys
                .iter()
                .zip(&self.values)
                .map(|(k, v)| json!([k.to_json(), v.to_json()]))
                .collect();
            json!(["map", pairs])
        } else if self.keys.len() == 1 {
            self.keys[0].to_json()
        } else {
            json!([
                "set",
                self.keys.iter().map(Atom::to_json).collect::<Vec<_>>()
            ])
        }
    }

    /// Parses the JSON form of a value of type `ty`.
    pub fn from_json(v: &Value, ty: &Type) -> Result<Datum, JsonError> {
        let mut d = Datum::default();
        if let Some(vt) = &ty.value {
            let pairs = match v.as_array().map(Vec::as_slice) {
                Some([Value::String(tag), Value::Array(p)]) if tag == "map" => p,
                _ => return Err(JsonError(format!("{v} is not a map"))),
            };
            for p in pairs {
                let Some([k, val]) = p.as_array().map(Vec::as_slice) else {
                    return Err(JsonError(format!("{p} is not a pair")));
                };
                d.keys.push(Atom::from_json(k, ty.key.ty)?);
                d.values.push(Atom::from_json(val, vt.ty)?);
            }
        } else {
            match v.as_array().map(Vec::as_slice) {
                Some([Value::String(tag), Value::Array(elems)]) if tag == "set" => {
                    for e in elems {
                        d.keys.push(Atom::from_json(e, ty.key.ty)?);
                    }
                }
                _ => d.keys.push(Atom::from_json(v, ty.key.ty)?),
            }
        }
        d.sort();
        Ok(d)
    }

    /// The text form (`ovsdb_datum_to_string`).
    pub fn to_text(&self, ty: &Type) -> String {
        let mut out = String::new();
        let brackets = ty.n_max > 1 || self.keys.is_empty();
        let (open, close) = if ty.is_map() { ('{', '}') } else { ('[', ']') };
        if brackets {
            out.push(open);
        }
        for (i, k) in self.keys.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            k.to_text(&mut out);
            if let Some(v) = self.values.get(i) {
                out.push('=');
                v.to_text(&mut out);
            }
        }
        if brackets {
            out.push(close);
        }
        out
    }

    /// The bare text form (`ovsdb_datum_to_bare`).
    pub fn to_bare(&self) -> String {
        let mut out = String::new();
        for (i, k) in self.keys.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            k.to_bare(&mut out);
            if let Some(v) = self.values.get(i) {
                out.push('=');
                v.to_bare(&mut out);
            }
        }
        out
    }

    /// Whether this datum is a map (has values) given its type.
    pub fn looks_like_map(&self) -> bool {
        self.is_map()
    }
}

fn cmp_atoms(a: &[Atom], b: &[Atom]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let c = x.compare(y);
        if c != Ordering::Equal {
            return c;
        }
    }
    a.len().cmp(&b.len())
}

/// A named row (`@name`) used on the command line.
#[derive(Debug, Clone, Default)]
pub struct Symbol {
    /// The row's temporary UUID.
    pub uuid: String,
    /// Created by `--id=@name`.
    pub created: bool,
    /// Referenced from a strong reference column.
    pub strong_ref: bool,
    /// Referenced from a weak reference column.
    pub weak_ref: bool,
}

/// `@name` symbols of one transaction, in name order.
#[derive(Debug, Default)]
pub struct SymbolTable {
    /// Symbols by name (with the `@`).
    pub symbols: BTreeMap<String, Symbol>,
}

impl SymbolTable {
    /// The symbol named `name`, created with a fresh UUID if new.
    pub fn insert(&mut self, name: &str) -> &mut Symbol {
        self.symbols
            .entry(name.to_string())
            .or_insert_with(|| Symbol {
                uuid: crate::txn::random_uuid(),
                ..Symbol::default()
            })
    }
}
