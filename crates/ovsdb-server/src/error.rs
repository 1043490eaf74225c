//! OVSDB error objects (RFC 7047 §3.1 and §4.1.3): a tag in `error`, optional
//! `details`, and the offending JSON in `syntax` (an RFC 7047-compatible extension
//! that OVS also sends).

use serde_json::{json, Value};

/// One OVSDB error, as it goes into a result array or a JSON-RPC error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OvsdbError {
    /// The `error` member: "syntax error", "constraint violation", ...
    pub tag: String,
    /// Free-form explanation.
    pub details: Option<String>,
    /// The JSON that failed to parse, serialized with sorted keys.
    pub syntax: Option<String>,
}

/// Results of this crate's parsers and executors.
pub type Result<T> = std::result::Result<T, OvsdbError>;

impl OvsdbError {
    /// An error with a tag and details.
    pub fn new(tag: &str, details: impl Into<String>) -> OvsdbError {
        OvsdbError {
            tag: tag.to_string(),
            details: Some(details.into()),
            syntax: None,
        }
    }

    /// A syntax error about `json`; the tag defaults to "syntax error".
    pub fn syntax(
        json: Option<&Value>,
        tag: Option<&str>,
        details: impl Into<String>,
    ) -> OvsdbError {
        OvsdbError {
            tag: tag.unwrap_or("syntax error").to_string(),
            details: Some(details.into()),
            syntax: json.map(|j| j.to_string()),
        }
    }

    /// "constraint violation" with details.
    pub fn constraint(details: impl Into<String>) -> OvsdbError {
        OvsdbError::new("constraint violation", details)
    }

    /// The JSON object.
    pub fn to_json(&self) -> Value {
        let mut o = serde_json::Map::new();
        o.insert("error".into(), json!(self.tag));
        if let Some(d) = &self.details {
            o.insert("details".into(), json!(d));
        }
        if let Some(s) = &self.syntax {
            o.insert("syntax".into(), json!(s));
        }
        Value::Object(o)
    }
}

impl std::fmt::Display for OvsdbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.tag)?;
        if let Some(d) = &self.details {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for OvsdbError {}

/// Whether `s` is an RFC 7047 `<id>`: a letter or `_`, then letters, digits, `_`.
pub fn is_id(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

/// The members of a JSON object that an operation or request must have, checked the
/// way OVS's `ovsdb_parser` does: a missing or mistyped member and any member left
/// unused are errors prefixed by a description of the object.
#[derive(Debug)]
pub struct Parser<'a> {
    obj: Option<&'a serde_json::Map<String, Value>>,
    json: &'a Value,
    name: String,
    used: Vec<&'a str>,
    error: Option<OvsdbError>,
}

/// Which JSON types a member may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// A string that is an `<id>`.
    Id,
    /// Any string.
    String,
    /// An object.
    Object,
    /// An array.
    Array,
    /// true or false.
    Boolean,
    /// An integer.
    Integer,
    /// An integer or a string.
    IntegerOrString,
    /// A string or an object.
    StringOrObject,
}

impl<'a> Parser<'a> {
    /// Starts parsing `json`, described as `name` in error messages.
    pub fn new(json: &'a Value, name: impl Into<String>) -> Parser<'a> {
        let mut p = Parser {
            obj: json.as_object(),
            json,
            name: name.into(),
            used: Vec::new(),
            error: None,
        };
        if p.obj.is_none() {
            p.raise("Object expected.".into());
        }
        p
    }

    /// Records an error unless one is recorded already.
    pub fn raise(&mut self, msg: String) {
        if self.error.is_none() {
            self.error = Some(OvsdbError::syntax(
                self.obj.map(|_| self.json),
                None,
                format!("Parsing {} failed: {msg}", self.name),
            ));
        }
    }

    /// Records `e` unless an error is recorded already.
    pub fn put_error(&mut self, e: OvsdbError) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    /// The member `name`, which must have one of the JSON types in `want`.
    pub fn member(&mut self, name: &'a str, want: &[Want], optional: bool) -> Option<&'a Value> {
        let obj = self.obj?;
        let Some(v) = obj.get(name) else {
            if !optional {
                self.raise(format!("Required '{name}' member is missing."));
            }
            return None;
        };
        self.used.push(name);
        let ok = want.iter().any(|w| match w {
            Want::Id => v.as_str().is_some_and(is_id),
            Want::String => v.is_string(),
            Want::Object => v.is_object(),
            Want::Array => v.is_array(),
            Want::Boolean => v.is_boolean(),
            Want::Integer => v.is_i64() || v.is_u64(),
            Want::IntegerOrString => v.is_i64() || v.is_u64() || v.is_string(),
            Want::StringOrObject => v.is_string() || v.is_object(),
        });
        if ok {
            Some(v)
        } else {
            self.raise(format!("Type mismatch for member '{name}'."));
            None
        }
    }

    /// The JSON being parsed.
    pub fn json(&self) -> &'a Value {
        self.json
    }

    /// Whether an error was recorded.
    pub fn has_error(&self) -> bool {
        self.error.is_some()
    }

    /// A copy of the recorded error.
    pub fn error(&self) -> Option<OvsdbError> {
        self.error.clone()
    }

    /// Finishes: members that were never asked for are an error.
    pub fn finish(mut self) -> Option<OvsdbError> {
        if self.error.is_none() {
            if let Some(obj) = self.obj {
                let unused: Vec<&String> = obj
                    .keys()
                    .filter(|k| !self.used.contains(&k.as_str()))
                    .collect();
                if let Some(first) = unused.first() {
                    let msg = if unused.len() == 1 {
                        format!("Member '{first}' is present but not allowed here.")
                    } else {
                        format!(
                            "Member '{first}' and {} other member{} are present but not allowed here.",
                            unused.len() - 1,
                            if unused.len() > 2 { "s" } else { "" }
                        )
                    };
                    self.raise(msg);
                }
            }
        }
        self.error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_reports_missing_mistyped_and_extra_members() {
        let j = json!({"op": "select", "table": 5, "x": 1});
        let mut p = Parser::new(&j, "ovsdb operation 1 of 1");
        assert!(p.member("op", &[Want::Id], false).is_some());
        assert!(p.member("table", &[Want::Id], false).is_none());
        let e = p.finish().unwrap();
        assert_eq!(e.tag, "syntax error");
        assert_eq!(
            e.details.unwrap(),
            "Parsing ovsdb operation 1 of 1 failed: Type mismatch for member 'table'."
        );
        let j = json!({"op": "select", "x": 1});
        let mut p = Parser::new(&j, "t");
        p.member("op", &[Want::Id], false);
        assert!(p
            .finish()
            .unwrap()
            .details
            .unwrap()
            .contains("Member 'x' is present"));
        assert!(is_id("_a1") && !is_id("1a") && !is_id("") && !is_id("a-b"));
    }
}
