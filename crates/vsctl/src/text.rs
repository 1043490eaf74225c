//! The command-line text syntax of OVSDB values, parsed the way OVS's
//! `ovsdb_token_parse`, `ovsdb_atom_from_string` and `ovsdb_datum_from_string` parse it,
//! with OVS's constraint checks and error messages.

use std::cmp::Ordering;

use crate::data::{format_real, parse_uuid, Atom, Datum, SymbolTable};
use crate::schema::{AtomicType, BaseType, Type};

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
                    parse_int(s)
                        .ok_or_else(|| format!("\"{s}\" is not a valid integer or range"))?,
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
            return Err(format!("{s}: trailing garbage after \"{}\"", delim as char));
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
    use crate::data::string_needs_quotes;

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
        assert_eq!(parse(&t, "a").unwrap_err(), "a: syntax error at \"");
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
