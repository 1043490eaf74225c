//! Conditions (`where` clauses, RFC 7047 §5.1) and mutations (§5.1 `<mutation>`):
//! parsed against a table schema with type checking, then evaluated or applied to
//! rows.

use serde_json::Value;

use crate::error::{OvsdbError, Result};
use crate::schema::{AtomicType, TableSchema, Type};
use crate::value::{Atom, Datum, Symtab};

/// A comparison function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>=`
    Ge,
    /// `>`
    Gt,
    /// `includes`
    Includes,
    /// `excludes`
    Excludes,
}

impl Function {
    fn parse(s: &str) -> Result<Function> {
        Ok(match s {
            "<" => Function::Lt,
            "<=" => Function::Le,
            "==" => Function::Eq,
            "!=" => Function::Ne,
            ">=" => Function::Ge,
            ">" => Function::Gt,
            "includes" => Function::Includes,
            "excludes" => Function::Excludes,
            _ => {
                return Err(OvsdbError::syntax(
                    None,
                    Some("unknown function"),
                    format!("No function named {s}."),
                ))
            }
        })
    }

    fn name(self) -> &'static str {
        match self {
            Function::Lt => "<",
            Function::Le => "<=",
            Function::Eq => "==",
            Function::Ne => "!=",
            Function::Ge => ">=",
            Function::Gt => ">",
            Function::Includes => "includes",
            Function::Excludes => "excludes",
        }
    }
}

/// One clause of a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// The literal `true` or `false` (monitor_cond extension).
    Const(bool),
    /// `[column, function, value]`.
    Compare {
        /// Column index in the table.
        column: usize,
        /// The comparison.
        function: Function,
        /// The value compared against.
        arg: Datum,
    },
}

/// A conjunction of clauses; empty means "every row".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Condition {
    /// The clauses.
    pub clauses: Vec<Clause>,
}

impl Condition {
    /// Parses a `where` array.
    pub fn parse(
        ts: &TableSchema,
        json: &Value,
        mut symtab: Option<&mut Symtab>,
    ) -> Result<Condition> {
        let mut clauses = Vec::new();
        for c in json.as_array().map(Vec::as_slice).unwrap_or_default() {
            clauses.push(parse_clause(ts, c, symtab.as_deref_mut())?);
        }
        Ok(Condition { clauses })
    }

    /// Whether `fields` (a row) satisfies every clause.
    pub fn matches(&self, ts: &TableSchema, fields: &[Datum]) -> bool {
        self.clauses.iter().all(|c| eval_clause(ts, c, fields))
    }

    /// Whether the condition is the literal `[true]`, or empty: every row matches.
    pub fn is_true(&self) -> bool {
        self.clauses.iter().all(|c| *c == Clause::Const(true))
    }

    /// If the condition pins `_uuid` with `==`, that UUID (a fast path).
    pub fn uuid_eq(&self) -> Option<crate::uuid::Uuid> {
        self.clauses.iter().find_map(|c| match c {
            Clause::Compare {
                column: 0,
                function: Function::Eq,
                arg,
            } if arg.len() == 1 => arg.keys[0].as_uuid(),
            _ => None,
        })
    }
}

fn parse_clause(ts: &TableSchema, json: &Value, symtab: Option<&mut Symtab>) -> Result<Clause> {
    if let Some(b) = json.as_bool() {
        return Ok(Clause::Const(b));
    }
    let parts = match json.as_array().map(Vec::as_slice) {
        Some([c, f, v]) if c.is_string() && f.is_string() => (c, f, v),
        _ => {
            return Err(OvsdbError::syntax(
                Some(json),
                None,
                "Parse error in condition.",
            ))
        }
    };
    let cname = parts.0.as_str().unwrap_or_default();
    let Some(column) = ts.column_index(cname) else {
        return Err(OvsdbError::syntax(
            Some(json),
            Some("unknown column"),
            format!("No column {cname} in table {}.", ts.name),
        ));
    };
    let fname = parts.1.as_str().unwrap_or_default();
    if fname == "true" || fname == "false" {
        return Ok(Clause::Const(fname == "true"));
    }
    let function = Function::parse(fname)?;
    let col_ty = &ts.column(column).ty;
    let mut ty = col_ty.clone();
    match function {
        Function::Lt | Function::Le | Function::Gt | Function::Ge => {
            if !(col_ty.is_scalar() || col_ty.is_optional_scalar())
                || !matches!(col_ty.key.ty, AtomicType::Integer | AtomicType::Real)
            {
                return Err(OvsdbError::syntax(
                    Some(json),
                    None,
                    format!(
                        "Type mismatch: \"{}\" operator may not be applied to column {} of type {}.",
                        function.name(),
                        cname,
                        col_ty.to_english()
                    ),
                ));
            }
            ty.min = 1;
        }
        Function::Eq | Function::Ne => {}
        Function::Excludes => {
            if !col_ty.is_scalar() {
                ty.min = 0;
                ty.max = u32::MAX;
            }
        }
        Function::Includes => {
            if !col_ty.is_scalar() {
                ty.min = 0;
            }
        }
    }
    let arg = Datum::from_json(parts.2, &ty, symtab)?;
    Ok(Clause::Compare {
        column,
        function,
        arg,
    })
}

fn eval_clause(ts: &TableSchema, c: &Clause, fields: &[Datum]) -> bool {
    let (column, function, arg) = match c {
        Clause::Const(b) => return *b,
        Clause::Compare {
            column,
            function,
            arg,
        } => (*column, *function, arg),
    };
    let ty: &Type = &ts.column(column).ty;
    let field = &fields[column];
    let ordered = matches!(
        function,
        Function::Lt | Function::Le | Function::Gt | Function::Ge
    );
    if ty.is_optional_scalar() && field.is_empty() && ordered {
        return false;
    }
    if (ty.is_scalar() || ty.is_optional_scalar()) && field.len() == 1 && arg.len() == 1 {
        let cmp = field.keys[0].cmp(&arg.keys[0]);
        return match function {
            Function::Lt => cmp.is_lt(),
            Function::Le => cmp.is_le(),
            Function::Eq | Function::Includes => cmp.is_eq(),
            Function::Ne | Function::Excludes => cmp.is_ne(),
            Function::Ge => cmp.is_ge(),
            Function::Gt => cmp.is_gt(),
        };
    }
    match function {
        Function::Eq => field == arg,
        Function::Ne => field != arg,
        Function::Includes => arg.includes_all(field),
        Function::Excludes => arg.excludes_all(field),
        // Only scalars reach here with an ordered function, and they were handled.
        _ => false,
    }
}

/// A mutator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutator {
    /// `+=`
    Add,
    /// `-=`
    Sub,
    /// `*=`
    Mul,
    /// `/=`
    Div,
    /// `%=`
    Mod,
    /// `insert`
    Insert,
    /// `delete`
    Delete,
}

impl Mutator {
    fn name(self) -> &'static str {
        match self {
            Mutator::Add => "+=",
            Mutator::Sub => "-=",
            Mutator::Mul => "*=",
            Mutator::Div => "/=",
            Mutator::Mod => "%=",
            Mutator::Insert => "insert",
            Mutator::Delete => "delete",
        }
    }
}

/// One mutation.
#[derive(Debug, Clone)]
pub struct Mutation {
    /// Column index.
    pub column: usize,
    /// What to do.
    pub mutator: Mutator,
    /// The argument.
    pub arg: Datum,
}

/// Parses a `mutations` array.
pub fn parse_mutations(
    ts: &TableSchema,
    json: &Value,
    mut symtab: Option<&mut Symtab>,
) -> Result<Vec<Mutation>> {
    let mut out = Vec::new();
    for m in json.as_array().map(Vec::as_slice).unwrap_or_default() {
        out.push(parse_mutation(ts, m, symtab.as_deref_mut())?);
    }
    Ok(out)
}

fn parse_mutation(ts: &TableSchema, json: &Value, symtab: Option<&mut Symtab>) -> Result<Mutation> {
    let parts = match json.as_array().map(Vec::as_slice) {
        Some([c, m, v]) if c.is_string() && m.is_string() => (c, m, v),
        _ => {
            return Err(OvsdbError::syntax(
                Some(json),
                None,
                "Parse error in mutation.",
            ))
        }
    };
    let cname = parts.0.as_str().unwrap_or_default();
    let Some(column) = ts.column_index(cname) else {
        return Err(OvsdbError::syntax(
            Some(json),
            Some("unknown column"),
            format!("No column {cname} in table {}.", ts.name),
        ));
    };
    let col = ts.column(column);
    if !col.mutable {
        return Err(OvsdbError::syntax(
            Some(json),
            Some("constraint violation"),
            format!(
                "Cannot mutate immutable column {cname} in table {}.",
                ts.name
            ),
        ));
    }
    let mname = parts.1.as_str().unwrap_or_default();
    let mutator = match mname {
        "+=" => Mutator::Add,
        "-=" => Mutator::Sub,
        "*=" => Mutator::Mul,
        "/=" => Mutator::Div,
        "%=" => Mutator::Mod,
        "insert" => Mutator::Insert,
        "delete" => Mutator::Delete,
        _ => {
            return Err(OvsdbError::syntax(
                None,
                Some("unknown mutator"),
                format!("No mutator named {mname}."),
            ))
        }
    };
    let mismatch = || {
        OvsdbError::syntax(
            Some(json),
            None,
            format!(
                "Type mismatch: \"{}\" operator may not be applied to column {} of type {}.",
                mutator.name(),
                cname,
                col.ty.to_english()
            ),
        )
    };
    let mut ty = col.ty.clone();
    let arg = match mutator {
        Mutator::Add | Mutator::Sub | Mutator::Mul | Mutator::Div | Mutator::Mod => {
            if !(ty.is_scalar() || ty.is_set())
                || !matches!(ty.key.ty, AtomicType::Integer | AtomicType::Real)
                || (mutator == Mutator::Mod && ty.key.ty == AtomicType::Real)
            {
                return Err(mismatch());
            }
            ty.key = ty.key.without_constraints();
            ty.min = 1;
            ty.max = 1;
            Datum::from_json(parts.2, &ty, symtab)?
        }
        Mutator::Insert | Mutator::Delete => {
            if !(ty.is_set() || ty.is_map()) {
                return Err(mismatch());
            }
            ty.min = 0;
            if mutator == Mutator::Delete {
                ty.max = u32::MAX;
            }
            let mut symtab = symtab;
            match Datum::from_json(parts.2, &ty, symtab.as_deref_mut()) {
                Ok(d) => d,
                Err(e) if ty.is_map() && mutator == Mutator::Delete => {
                    // "delete" from a map also takes a set of keys.
                    let keys_ty = Type {
                        key: ty.key.clone(),
                        value: None,
                        min: 0,
                        max: u32::MAX,
                    };
                    Datum::from_json(parts.2, &keys_ty, symtab).map_err(|_| e)?
                }
                Err(e) => return Err(e),
            }
        }
    };
    Ok(Mutation {
        column,
        mutator,
        arg,
    })
}

fn scalar_op(mutator: Mutator, x: &Atom, y: &Atom) -> Result<Atom> {
    let range = || {
        OvsdbError::new(
            "range error",
            format!(
                "Result of \"{}\" operation is out of range.",
                mutator.name()
            ),
        )
    };
    let dom = || OvsdbError::new("domain error", "Division by zero.");
    match (x, y) {
        (Atom::Integer(a), Atom::Integer(b)) => {
            let r = match mutator {
                Mutator::Add => a.checked_add(*b),
                Mutator::Sub => a.checked_sub(*b),
                Mutator::Mul => a.checked_mul(*b),
                Mutator::Div | Mutator::Mod => {
                    if *b == 0 {
                        return Err(dom());
                    }
                    if mutator == Mutator::Div {
                        a.checked_div(*b)
                    } else {
                        a.checked_rem(*b)
                    }
                }
                _ => None,
            };
            r.map(Atom::Integer).ok_or_else(range)
        }
        (Atom::Real(a), Atom::Real(b)) => {
            let r = match mutator {
                Mutator::Add => a + b,
                Mutator::Sub => a - b,
                Mutator::Mul => a * b,
                Mutator::Div => {
                    if *b == 0.0 {
                        return Err(dom());
                    }
                    a / b
                }
                _ => return Err(OvsdbError::new("ovsdb error", "Operation not supported.")),
            };
            if r.is_finite() {
                Ok(Atom::Real(r))
            } else {
                Err(range())
            }
        }
        _ => Err(OvsdbError::new("ovsdb error", "Operation not supported.")),
    }
}

/// Applies mutations to a row's fields.
pub fn apply_mutations(
    ts: &TableSchema,
    fields: &mut [Datum],
    mutations: &[Mutation],
) -> Result<()> {
    for m in mutations {
        let ty = &ts.column(m.column).ty;
        let dst = &mut fields[m.column];
        match m.mutator {
            Mutator::Insert | Mutator::Delete => {
                if m.mutator == Mutator::Insert {
                    dst.union(&m.arg);
                } else {
                    dst.subtract(&m.arg);
                }
                let n = dst.len() as u64;
                if n < u64::from(ty.min) || n > u64::from(ty.max) {
                    return Err(OvsdbError::constraint(format!(
                        "Attempted to store {n} elements in {}.",
                        ty.to_english()
                    )));
                }
            }
            _ => {
                let y = &m.arg.keys[0];
                let mut keys = Vec::with_capacity(dst.len());
                for x in &dst.keys {
                    keys.push(scalar_op(m.mutator, x, y)?);
                }
                for k in &keys {
                    k.check_constraints(&ty.key)?;
                }
                let mut sorted = keys.clone();
                sorted.sort();
                if sorted.windows(2).any(|w| w[0] == w[1]) {
                    return Err(OvsdbError::constraint(format!(
                        "Result of \"{}\" operation contains duplicates.",
                        m.mutator.name()
                    )));
                }
                dst.keys = sorted;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::DatabaseSchema;
    use serde_json::json;

    fn schema() -> DatabaseSchema {
        DatabaseSchema::parse(
            &json!({"name": "t", "version": "1", "tables": {"T": {"columns": {
                "i": {"type": "integer"},
                "o": {"type": {"key": "integer", "min": 0, "max": 1}},
                "s": {"type": {"key": "integer", "min": 0, "max": "unlimited"}},
                "m": {"type": {"key": "string", "value": "string", "min": 0, "max": "unlimited"}},
                "n": {"type": "string", "mutable": false}
            }}}}),
        )
        .unwrap()
    }

    fn row(ts: &TableSchema, v: Value) -> Vec<Datum> {
        let mut f: Vec<Datum> = ts
            .columns
            .iter()
            .map(|c| Datum::default_of(&c.ty))
            .collect();
        for (k, val) in v.as_object().unwrap() {
            let i = ts.column_index(k).unwrap();
            f[i] = Datum::from_json(val, &ts.column(i).ty, None).unwrap();
        }
        f
    }

    #[test]
    fn evaluates_every_function() {
        let s = schema();
        let ts = s.table("T").unwrap();
        let r = row(
            ts,
            json!({"i": 5, "s": ["set", [1, 2]], "m": ["map", [["a", "b"]]]}),
        );
        let yes = |c: Value| Condition::parse(ts, &c, None).unwrap().matches(ts, &r);
        assert!(yes(json!([
            ["i", "<", 6],
            ["i", "<=", 5],
            ["i", ">", 4],
            ["i", ">=", 5]
        ])));
        assert!(yes(json!([
            ["i", "==", 5],
            ["i", "!=", 4],
            ["i", "includes", 5],
            ["i", "excludes", 4]
        ])));
        assert!(!yes(json!([["o", "<", 1]])));
        assert!(yes(json!([
            ["s", "includes", ["set", [1]]],
            ["s", "excludes", 3]
        ])));
        assert!(yes(json!([
            ["s", "==", ["set", [1, 2]]],
            ["m", "includes", ["map", [["a", "b"]]]]
        ])));
        assert!(!yes(json!([["m", "includes", ["map", [["a", "c"]]]]])));
        assert!(yes(json!([true])) && !yes(json!([false])));
        let e = Condition::parse(ts, &json!([["s", "<", 1]]), None).unwrap_err();
        assert!(e
            .details
            .unwrap()
            .contains("may not be applied to column s of type set of integers"));
        let e = Condition::parse(ts, &json!([["x", "==", 1]]), None).unwrap_err();
        assert_eq!(e.tag, "unknown column");
        let e = Condition::parse(ts, &json!([["i", "~", 1]]), None).unwrap_err();
        assert_eq!(e.tag, "unknown function");
    }

    #[test]
    fn mutates() {
        let s = schema();
        let ts = s.table("T").unwrap();
        let mut r = row(
            ts,
            json!({"i": 5, "s": ["set", [1, 2]], "m": ["map", [["a", "b"]]]}),
        );
        let m = parse_mutations(
            ts,
            &json!([
                ["i", "*=", 3],
                ["s", "+=", 10],
                ["s", "insert", 4],
                ["m", "delete", ["set", ["a"]]]
            ]),
            None,
        )
        .unwrap();
        apply_mutations(ts, &mut r, &m).unwrap();
        assert_eq!(r[ts.column_index("i").unwrap()].to_json(), json!(15));
        assert_eq!(
            r[ts.column_index("s").unwrap()].to_json(),
            json!(["set", [4, 11, 12]])
        );
        assert_eq!(
            r[ts.column_index("m").unwrap()].to_json(),
            json!(["map", []])
        );
        let m = parse_mutations(ts, &json!([["i", "/=", 0]]), None).unwrap();
        assert_eq!(
            apply_mutations(ts, &mut r, &m).unwrap_err().tag,
            "domain error"
        );
        let m = parse_mutations(ts, &json!([["i", "+=", i64::MAX]]), None).unwrap();
        assert_eq!(
            apply_mutations(ts, &mut r, &m).unwrap_err().tag,
            "range error"
        );
        let m = parse_mutations(ts, &json!([["o", "insert", ["set", [1, 2]]]]), None);
        assert!(m.is_err());
        let e = parse_mutations(ts, &json!([["n", "insert", "x"]]), None).unwrap_err();
        assert_eq!(e.tag, "constraint violation");
        let e = parse_mutations(ts, &json!([["m", "+=", 1]]), None).unwrap_err();
        assert_eq!(e.tag, "syntax error");
    }
}
