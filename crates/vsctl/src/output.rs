//! Table output in OVS's formats (`lib/table.c`): `list` (the default), `table`, `csv`,
//! `json` and `html`, with cells as text, bare text or JSON.

use serde_json::{json, Value};

use crate::data::Datum;
use crate::schema::Type;

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// Aligned columns.
    Table,
    /// `heading : value` lines, one paragraph per row.
    List,
    /// An HTML table.
    Html,
    /// Comma-separated values.
    Csv,
    /// A JSON object with headings and data.
    Json,
}

/// `--data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellFormat {
    /// OVSDB text syntax.
    String,
    /// Text without quotes and brackets.
    Bare,
    /// OVSDB JSON.
    Json,
}

/// The output style.
#[derive(Debug, Clone)]
pub struct Style {
    /// Format.
    pub format: TableFormat,
    /// Cell format.
    pub cell: CellFormat,
    /// Print headings.
    pub headings: bool,
    /// Pretty-print JSON.
    pub pretty: bool,
    /// Limit for the width of a column in the table format (0: none).
    pub max_column_width: usize,
}

impl Default for Style {
    fn default() -> Style {
        Style {
            format: TableFormat::List,
            cell: CellFormat::String,
            headings: true,
            pretty: false,
            max_column_width: 0,
        }
    }
}

/// One cell: a value and its type.
#[derive(Debug, Clone)]
pub struct Cell {
    /// The value.
    pub datum: Datum,
    /// Its type.
    pub ty: Type,
}

impl Cell {
    fn text(&self, style: &Style) -> String {
        match style.cell {
            CellFormat::Json => self.datum.to_json(&self.ty).to_string(),
            CellFormat::String => self.datum.to_text(&self.ty),
            CellFormat::Bare => self.datum.to_bare(),
        }
    }
}

/// A table of output.
#[derive(Debug, Clone, Default)]
pub struct OutTable {
    /// Column headings.
    pub headings: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<Cell>>,
}

/// Prints tables in sequence; tables after the first are separated by a blank line in
/// the text formats, as OVS does.
#[derive(Debug, Default)]
pub struct Printer {
    printed_one: bool,
}

fn finish_line(s: &mut String) {
    while s.ends_with(' ') {
        s.pop();
    }
    s.push('\n');
}

fn csv_cell(s: &mut String, c: &str) {
    if c.contains(['\n', '"', ',']) {
        s.push('"');
        s.push_str(&c.replace('"', "\"\""));
        s.push('"');
    } else {
        s.push_str(c);
    }
}

fn html_escape(c: &str) -> String {
    let mut s = String::new();
    for ch in c.chars() {
        match ch {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            _ => s.push(ch),
        }
    }
    s
}

impl Printer {
    fn separator(&mut self, s: &mut String) {
        if self.printed_one {
            s.push('\n');
        }
        self.printed_one = true;
    }

    /// Formats `t` in `style`.
    pub fn format(&mut self, t: &OutTable, style: &Style) -> String {
        let mut s = String::new();
        let texts: Vec<Vec<String>> = t
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.text(style)).collect())
            .collect();
        match style.format {
            TableFormat::Table => {
                self.separator(&mut s);
                let mut widths = Vec::new();
                for (x, h) in t.headings.iter().enumerate() {
                    let mut w = texts.iter().map(|r| r[x].len()).max().unwrap_or(0);
                    if style.max_column_width > 0 && w > style.max_column_width {
                        w = style.max_column_width;
                    }
                    if style.headings {
                        w = w.max(h.len());
                    }
                    widths.push(w);
                }
                if style.headings {
                    for (x, h) in t.headings.iter().enumerate() {
                        if x > 0 {
                            s.push(' ');
                        }
                        s.push_str(&format!("{h:<w$}", w = widths[x]));
                    }
                    finish_line(&mut s);
                    for (x, w) in widths.iter().enumerate() {
                        if x > 0 {
                            s.push(' ');
                        }
                        s.push_str(&"-".repeat(*w));
                    }
                    finish_line(&mut s);
                }
                for r in &texts {
                    for (x, c) in r.iter().enumerate() {
                        if x > 0 {
                            s.push(' ');
                        }
                        let w = widths[x];
                        let cut: String = truncate_bytes(c, w);
                        s.push_str(&cut);
                        s.push_str(&" ".repeat(w.saturating_sub(cut.len())));
                    }
                    finish_line(&mut s);
                }
            }
            TableFormat::List => {
                self.separator(&mut s);
                for (y, r) in texts.iter().enumerate() {
                    if y > 0 {
                        s.push('\n');
                    }
                    for (x, c) in r.iter().enumerate() {
                        if style.headings {
                            s.push_str(&format!("{:<20}: ", t.headings[x]));
                        }
                        s.push_str(c);
                        s.push('\n');
                    }
                }
            }
            TableFormat::Csv => {
                self.separator(&mut s);
                if style.headings {
                    for (x, h) in t.headings.iter().enumerate() {
                        if x > 0 {
                            s.push(',');
                        }
                        csv_cell(&mut s, h);
                    }
                    s.push('\n');
                }
                for r in &texts {
                    for (x, c) in r.iter().enumerate() {
                        if x > 0 {
                            s.push(',');
                        }
                        csv_cell(&mut s, c);
                    }
                    s.push('\n');
                }
            }
            TableFormat::Html => {
                s.push_str("<table border=1>\n");
                if style.headings {
                    s.push_str("  <tr>\n");
                    for h in &t.headings {
                        s.push_str(&format!("    <th>{}</th>\n", html_escape(h)));
                    }
                    s.push_str("  </tr>\n");
                }
                for r in &texts {
                    s.push_str("  <tr>\n");
                    for (x, c) in r.iter().enumerate() {
                        if t.headings[x] == "_uuid" {
                            let short: String = c.chars().take(8).collect();
                            s.push_str(&format!(
                                "    <td><a name=\"{}\">{}</a></td>\n",
                                html_escape(c),
                                html_escape(&short)
                            ));
                        } else {
                            s.push_str(&format!("    <td>{}</td>\n", html_escape(c)));
                        }
                    }
                    s.push_str("  </tr>\n");
                }
                s.push_str("</table>\n");
            }
            TableFormat::Json => {
                let data: Vec<Value> = t
                    .rows
                    .iter()
                    .map(|r| {
                        Value::Array(
                            // OVS never renders cells to text for JSON output, so
                            // `--data` does not apply.
                            r.iter().map(|c| c.datum.to_json(&c.ty)).collect(),
                        )
                    })
                    .collect();
                let v = json!({"data": data, "headings": t.headings});
                if style.pretty {
                    pretty_json(&v, 0, &mut s);
                } else {
                    s.push_str(&v.to_string());
                }
                s.push('\n');
            }
        }
        s
    }
}

/// OVS's pretty JSON (`JSSF_PRETTY`): two spaces a level, closing brackets right after
/// the last element, keys sorted.
fn pretty_json(v: &Value, depth: usize, s: &mut String) {
    let indent = |s: &mut String, d: usize| {
        s.push('\n');
        s.push_str(&" ".repeat(2 * d));
    };
    match v {
        Value::Array(a) => {
            s.push('[');
            if !a.is_empty() {
                indent(s, depth + 1);
                for (i, e) in a.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                        indent(s, depth + 1);
                    }
                    pretty_json(e, depth + 1, s);
                }
            }
            s.push(']');
        }
        Value::Object(o) => {
            s.push('{');
            indent(s, depth + 1);
            for (i, (k, e)) in o.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                    indent(s, depth + 1);
                }
                s.push_str(&Value::String(k.clone()).to_string());
                s.push_str(": ");
                pretty_json(e, depth + 1, s);
            }
            s.push('}');
        }
        other => s.push_str(&other.to_string()),
    }
}

fn truncate_bytes(s: &str, w: usize) -> String {
    if s.len() <= w {
        return s.to_string();
    }
    let mut end = w;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Atom;
    use crate::schema::AtomicType;

    fn table() -> OutTable {
        let name = |s: &str| Cell {
            datum: Datum::scalar(Atom::String(s.into())),
            ty: Type::scalar(AtomicType::String),
        };
        let port = |p: Option<i64>| Cell {
            datum: Datum {
                keys: p.map(Atom::Integer).into_iter().collect(),
                values: vec![],
            },
            ty: Type {
                n_min: 0,
                ..Type::scalar(AtomicType::Integer)
            },
        };
        OutTable {
            headings: vec!["name".into(), "ofport".into()],
            rows: vec![
                vec![name("br0"), port(Some(65534))],
                vec![name("a,b"), port(None)],
            ],
        }
    }

    #[test]
    fn list_table_csv_json() {
        let t = table();
        let mut st = Style::default();
        let mut p = Printer::default();
        assert_eq!(
            p.format(&t, &st),
            "name                : br0\nofport              : 65534\n\n\
             name                : \"a,b\"\nofport              : []\n"
        );
        st.format = TableFormat::Table;
        assert_eq!(
            Printer::default().format(&t, &st),
            "name  ofport\n----- ------\nbr0   65534\n\"a,b\" []\n"
        );
        st.format = TableFormat::Csv;
        assert_eq!(
            Printer::default().format(&t, &st),
            "name,ofport\nbr0,65534\n\"\"\"a,b\"\"\",[]\n"
        );
        st.format = TableFormat::Json;
        assert_eq!(
            Printer::default().format(&t, &st),
            "{\"data\":[[\"br0\",65534],[\"a,b\",[\"set\",[]]]],\"headings\":[\"name\",\"ofport\"]}\n"
        );
    }

    #[test]
    fn second_table_is_separated() {
        let t = table();
        let st = Style {
            cell: CellFormat::Bare,
            headings: false,
            ..Style::default()
        };
        let mut p = Printer::default();
        assert_eq!(p.format(&t, &st), "br0\n65534\n\na,b\n\n");
        assert!(p.format(&t, &st).starts_with('\n'));
    }
}
