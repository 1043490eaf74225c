//! OVSDB values as `ovs-vsctl` reads and writes them: atoms, sorted sets and maps, their
//! JSON forms, and the text syntax of the command line (`a=b, c=d`, `[1, 2]`, quoted
//! strings), parsed and printed the way OVS's `ovsdb_datum_from_string` and
//! `ovsdb_datum_to_string` do.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::schema::{AtomicType, BaseType, Type};

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

fn string_needs_quotes(s: &str) -> bool {
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
                Some(v) => self.values.get(j).is_some_and(|x| x.compare(v) == Ordering::Equal),
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
            json!(["set", self.keys.iter().map(Atom::to_json).collect::<Vec<_>>()])
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
        self.symbols.entry(name.to_string()).or_insert_with(|| Symbol {
            uuid: crate::txn::random_uuid(),
            ..Symbol::default()
        })
    }
}

/// Whether `c` ends a token (`ovsdb_token_is_delim`).
pub fn is_delim(c: u8) -> bool {
    b":=, []{}!<>".contains(&c)
}

/// Reads one token from the start of `s` (`ovsdb_token_parse`): up to the first unquoted,
/// unescaped delimiter. Backslash escapes a delimiter; double quotes are kept.
pub fn parse_token(s: &str) -> Result<(String, &str), String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut in_quotes = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        i += 1;
        if c == b'\\' {
            if in_quotes {
                out.push(b'\\');
            }
            if i >= b.len() {
                return Err(format!("{s}: backslash at end of argument"));
            }
            out.push(b[i]);
            i += 1;
        } else if !in_quotes && is_delim(c) {
            i -= 1;
            break;
        } else {
            out.push(c);
            if c == b'"' {
                in_quotes = !in_quotes;
            }
        }
    }
    if in_quotes {
        return Err(format!("{s}: quoted string extends past end of argument"));
    }
    Ok((String::from_utf8_lossy(&out).into_owned(), &s[i..]))
}

/// Parses `s` as a signed decimal integer the way OVS's `str_to_llong` does.
fn parse_int(s: &str) -> Option<i64> {
    let t = s.strip_prefix('+').unwrap_or(s);
    if t.is_empty() || t.starts_with(['+', ' ']) {
        return None;
    }
    t.parse::<i64>().ok()
}

fn parse_range(s: &str) -> Option<(i64, i64)> {
    // A '-' after the first character separates the two ends.
    let start = usize::from(s.starts_with(['-', '+']));
    let dash = s[start..].find('-')? + start;
    Some((parse_int(&s[..dash])?, parse_int(&s[dash + 1..])?))
}

/// Checks the constraints of `base` (`ovsdb_atom_check_constraints`).
pub fn check_constraints(a: &Atom, base: &BaseType) -> Result<(), String> {
    if let Some(e) = &base.enumeration {
        if !e.iter().any(|x| x.compare(a) == Ordering::Equal) {
            let mut actual = String::new();
            a.to_text(&mut actual);
            let ty = Type {
                key: BaseType::plain(base.ty),
                value: None,
                n_min: 0,
                n_max: u32::MAX,
            };
            let valid = Datum {
                keys: e.clone(),
                values: Vec::new(),
            }
            .to_text(&ty);
            return Err(format!(
                "constraint violation: {actual} is not one of the allowed values ({valid})"
            ));
        }
    }
    match a {
        Atom::Integer(i) => {
            if *i >= base.min_integer && *i <= base.max_integer {
                Ok(())
            } else if base.min_integer != i64::MIN {
                if base.max_integer != i64::MAX {
                    Err(format!(
                        "constraint violation: {i} is not in the valid range {} to {} (inclusive)",
                        base.min_integer, base.max_integer
                    ))
                } else {
                    Err(format!(
                        "constraint violation: {i} is less than minimum allowed value {}",
                        base.min_integer
                    ))
                }
            } else {
                Err(format!(
                    "constraint violation: {i} is greater than maximum allowed value {}",
                    base.max_integer
                ))
            }
        }
        Atom::Real(r) => {
            if *r >= base.min_real && *r <= base.max_real {
                Ok(())
            } else {
                let f = |x: f64| format_real(x);
                Err(if base.min_real != -f64::MAX {
                    if base.max_real != f64::MAX {
                        format!(
                            "constraint violation: {} is not in the valid range {} to {} (inclusive)",
                            f(*r),
                            f(base.min_real),
                            f(base.max_real)
                        )
                    } else {
                        format!(
                            "constraint violation: {} is less than minimum allowed value {}",
                            f(*r),
                            f(base.min_real)
                        )
                    }
                } else {
                    format!(
                        "constraint violation: {} is greater than maximum allowed value {}",
                        f(*r),
                        f(base.max_real)
                    )
                })
            }
        }
        Atom::String(s) => {
            let n = s.chars().count() as u64;
            if n < base.min_length {
                Err(format!(
                    "constraint violation: \"{s}\" length {n} is less than minimum allowed length {}",
                    base.min_length
                ))
            } else if n > base.max_length {
                Err(format!(
                    "constraint violation: \"{s}\" length {n} is greater than maximum allowed length {}",
                    base.max_length
                ))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

/// Parses one atom of `base` from `s` (`ovsdb_atom_from_string`). With `allow_range`, an
/// integer may be a range `A-B`, returned as its end. `@name` UUIDs go through `symtab`.
pub fn atom_from_string(
    base: &BaseType,
    s: &str,
    symtab: &mut SymbolTable,
    allow_range: bool,
) -> Result<(Atom, Option<Atom>), String> {
    let mut range_end = None;
    let atom = match base.ty {
        AtomicType::Integer => {
            if let Some((a, b)) = allow_range.then(|| parse_range(s)).flatten() {
                if b < a {
                    return Err(format!(
                        "\"{s}\" is not a valid range. Range end cannot be before start."
                    ));
                }
                range_end = Some(Atom::Integer(b));
                Atom::Integer(a)
            } else {
                Atom::Integer(
                    parse_int(s).ok_or_else(|| format!("\"{s}\" is not a valid integer or range"))?,
                )
            }
        }
        AtomicType::Real => {
            let r: f64 = s
                .trim_start()
                .parse()
                .ok()
                .filter(|_| !s.is_empty())
                .ok_or_else(|| format!("\"{s}\" is not a valid real number"))?;
            Atom::Real(if r == 0.0 { 0.0 } else { r })
        }
        AtomicType::Boolean => match s {
            "true" | "yes" | "on" | "1" => Atom::Boolean(true),
            "false" | "no" | "off" | "0" => Atom::Boolean(false),
            _ => {
                return Err(format!(
                    "\"{s}\" is not a valid boolean (use \"true\" or \"false\")"
                ))
            }
        },
        AtomicType::String => {
            if s.is_empty() {
                return Err(
                    "An empty string is not valid as input; use \"\" to represent the empty string"
                        .into(),
                );
            } else if let Some(rest) = s.strip_prefix('"') {
                if s.len() < 2 || !rest.ends_with('"') {
                    return Err(format!("{s}: missing quote at end of quoted string"));
                }
                let quoted = &s[..s.len()];
                match serde_json::from_str::<String>(quoted) {
                    Ok(v) => Atom::String(v),
                    Err(e) => return Err(format!("{s}: {e}")),
                }
            } else {
                Atom::String(s.to_string())
            }
        }
        AtomicType::Uuid => {
            if s.starts_with('@') {
                let sym = symtab.insert(s);
                if base.ref_table.is_some() {
                    if base.ref_strong {
                        sym.strong_ref = true;
                    } else {
                        sym.weak_ref = true;
                    }
                }
                Atom::Uuid(sym.uuid.clone())
            } else {
                Atom::Uuid(parse_uuid(s).ok_or_else(|| format!("\"{s}\" is not a valid UUID"))?)
            }
        }
    };
    check_constraints(&atom, base)?;
    if let (Some(Atom::Integer(end)), Atom::Integer(start)) = (&range_end, &atom) {
        if base.enumeration.is_some() {
            for i in start + 1..=*end {
                check_constraints(&Atom::Integer(i), base)?;
            }
        } else {
            check_constraints(&Atom::Integer(*end), base)?;
        }
        if (*end as u64).wrapping_sub(*start as u64) >= 4096 {
            return Err(format!(
                "constraint violation: Range \"{start}-{end}\" is too big. Maximum allowed size is 4096."
            ));
        }
    }
    Ok((atom, range_end))
}

fn skip_spaces(s: &str) -> &str {
    s.trim_start_matches(|c: char| c.is_ascii_whitespace())
}

fn parse_atom_token<'a>(
    s: &'a str,
    base: &BaseType,
    symtab: &mut SymbolTable,
    allow_range: bool,
) -> Result<((Atom, Option<Atom>), &'a str), String> {
    let (tok, rest) = parse_token(s)?;
    Ok((atom_from_string(base, &tok, symtab, allow_range)?, rest))
}

/// Parses a value of type `ty` from its text form (`ovsdb_datum_from_string`).
pub fn datum_from_string(ty: &Type, s: &str, symtab: &mut SymbolTable) -> Result<Datum, String> {
    let is_map = ty.is_map();
    let mut p = skip_spaces(s);
    let end_delim = if p.starts_with(if is_map { '{' } else { '[' }) {
        p = skip_spaces(&p[1..]);
        Some(if is_map { b'}' } else { b']' })
    } else if p.is_empty() {
        return Err(if is_map {
            "use \"{}\" to specify the empty map".into()
        } else {
            "use \"[]\" to specify the empty set".into()
        });
    } else {
        None
    };
    let at_end = |p: &str| match end_delim {
        Some(d) => p.is_empty() || p.as_bytes()[0] == d,
        None => p.is_empty(),
    };
    let mut d = Datum::default();
    while !at_end(p) {
        let c = p.as_bytes()[0];
        if is_delim(c) {
            return Err(format!(
                "{s}: unexpected \"{}\" parsing {}",
                c as char,
                ty.to_english()
            ));
        }
        let start = p;
        let ((key, range_end), rest) = parse_atom_token(p, &ty.key, symtab, true)?;
        p = rest;
        let mut value = None;
        if let Some(vt) = &ty.value {
            p = skip_spaces(p);
            if let Some(r) = p.strip_prefix('=') {
                p = skip_spaces(r);
                let ((v, _), rest) = parse_atom_token(p, vt, symtab, false)?;
                p = rest;
                value = Some(v);
            } else {
                // OVS prints the character with %c: at the end of the string that is a
                // NUL, which ends the message there.
                return Err(match p.chars().next() {
                    Some(c) => format!("{start}: syntax error at \"{c}\" expecting \"=\""),
                    None => format!("{start}: syntax error at \""),
                });
            }
        }
        match (&key, range_end) {
            (Atom::Integer(a), Some(Atom::Integer(b))) => {
                for i in *a..=b {
                    d.keys.push(Atom::Integer(i));
                    if let Some(v) = &value {
                        d.values.push(v.clone());
                    }
                }
            }
            _ => {
                d.keys.push(key);
                if let Some(v) = value {
                    d.values.push(v);
                }
            }
        }
        p = skip_spaces(p);
        if let Some(r) = p.strip_prefix(',') {
            p = skip_spaces(r);
        }
    }
    if let Some(delim) = end_delim {
        if p.is_empty() {
            return Err(format!("{s}: missing \"{}\" at end of data", delim as char));
        }
        if !skip_spaces(&p[1..]).is_empty() {
            return Err(format!(
                "{s}: trailing garbage after \"{}\"",
                delim as char
            ));
        }
    }
    let what = if is_map { "pair(s)" } else { "value(s)" };
    if (d.len() as u64) < u64::from(ty.n_min) {
        return Err(format!(
            "{s}: {} {what} specified but the minimum number is {}",
            d.len(),
            ty.n_min
        ));
    }
    if (d.len() as u64) > u64::from(ty.n_max) {
        return Err(format!(
            "{s}: {} {what} specified but the maximum number is {}",
            d.len(),
            ty.n_max
        ));
    }
    if !d.sort() {
        return Err(if is_map {
            format!("{s}: map contains duplicate key")
        } else {
            format!("{s}: set contains duplicate value")
        });
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_of(ty: AtomicType) -> Type {
        Type {
            key: BaseType::plain(ty),
            value: None,
            n_min: 0,
            n_max: u32::MAX,
        }
    }

    fn smap() -> Type {
        Type {
            key: BaseType::plain(AtomicType::String),
            value: Some(BaseType::plain(AtomicType::String)),
            n_min: 0,
            n_max: u32::MAX,
        }
    }

    fn parse(ty: &Type, s: &str) -> Result<Datum, String> {
        datum_from_string(ty, s, &mut SymbolTable::default())
    }

    #[test]
    fn sets_and_ranges() {
        let t = set_of(AtomicType::Integer);
        let d = parse(&t, "20,10 30-32").unwrap();
        assert_eq!(d.to_text(&t), "[10, 20, 30, 31, 32]");
        assert_eq!(parse(&t, "[]").unwrap().to_text(&t), "[]");
        assert_eq!(
            parse(&t, "").unwrap_err(),
            "use \"[]\" to specify the empty set"
        );
        assert_eq!(
            parse(&t, "1,1").unwrap_err(),
            "1,1: set contains duplicate value"
        );
        assert_eq!(
            parse(&t, "[1").unwrap_err(),
            "[1: missing \"]\" at end of data"
        );
        assert_eq!(
            parse(&t, "x").unwrap_err(),
            "\"x\" is not a valid integer or range"
        );
    }

    #[test]
    fn maps_and_quoting() {
        let t = smap();
        let d = parse(&t, "{b=\"x y\", a=1}").unwrap();
        assert_eq!(d.to_text(&t), "{a=\"1\", b=\"x y\"}");
        assert_eq!(d.to_bare(), "a=1 b=x y");
        assert_eq!(
            parse(&t, "a").unwrap_err(),
            "a: syntax error at \""
        );
        let d = parse(&t, "remote_ip=192.0.2.1,key=flow").unwrap();
        assert_eq!(d.to_text(&t), "{key=flow, remote_ip=\"192.0.2.1\"}");
        assert_eq!(d.get_str("key"), Some("flow"));
    }

    #[test]
    fn scalars_print_without_brackets() {
        let t = Type::scalar(AtomicType::String);
        let d = parse(&t, "br0").unwrap();
        assert_eq!(d.to_text(&t), "br0");
        let t = Type::scalar(AtomicType::Boolean);
        assert_eq!(parse(&t, "yes").unwrap().to_text(&t), "true");
        let opt = Type {
            n_min: 0,
            ..Type::scalar(AtomicType::Integer)
        };
        assert_eq!(Datum::default().to_text(&opt), "[]");
        assert_eq!(parse(&opt, "5").unwrap().to_text(&opt), "5");
    }

    #[test]
    fn tokens() {
        assert_eq!(parse_token("a\\:b:c").unwrap(), ("a:b".to_string(), ":c"));
        assert_eq!(
            parse_token("\"a:b\"=c").unwrap(),
            ("\"a:b\"".to_string(), "=c")
        );
        assert!(parse_token("\"abc").is_err());
    }

    #[test]
    fn strings_that_need_quotes() {
        for (s, q) in [
            ("abc", false),
            ("a-b.c_d", false),
            ("1abc", true),
            ("", true),
            ("true", true),
            ("a b", true),
            ("550e8400-e29b-41d4-a716-446655440000", true),
        ] {
            assert_eq!(string_needs_quotes(s), q, "{s}");
        }
    }

    #[test]
    fn reals() {
        assert_eq!(format_real(1.5), "1.5");
        assert_eq!(format_real(100.0), "100");
        assert_eq!(format_real(0.1), "0.1");
        assert_eq!(format_real(1e20), "1e+20");
    }

    #[test]
    fn enum_constraint() {
        let mut b = BaseType::plain(AtomicType::String);
        b.enumeration = Some(vec![
            Atom::String("access".into()),
            Atom::String("trunk".into()),
        ]);
        let t = Type {
            key: b,
            value: None,
            n_min: 0,
            n_max: 1,
        };
        assert_eq!(
            parse(&t, "foo").unwrap_err(),
            "constraint violation: foo is not one of the allowed values ([access, trunk])"
        );
    }
}
