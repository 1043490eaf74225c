//! The state the commands of one invocation share while they run: the transaction,
//! the `@name` symbols, each command's output, and how a command fails.

use std::rc::Rc;

use crate::commands::Command;
use crate::data::SymbolTable;
use crate::output::OutTable;
use crate::schema::{Column, Schema, Table};
use crate::txn::Txn;

/// How a command stops the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fail {
    /// Print `PROGRAM: MESSAGE` to stderr and exit 1 (`ctl_fatal`).
    Fatal(String),
    /// Exit with this status and no message (`br-exists`).
    Exit(i32),
}

/// Result of a command step.
pub type R<T> = Result<T, Fail>;

/// Fails with `msg`.
pub fn fatal<T>(msg: impl Into<String>) -> R<T> {
    Err(Fail::Fatal(msg.into()))
}

impl From<String> for Fail {
    fn from(s: String) -> Fail {
        Fail::Fatal(s)
    }
}

/// Output of one command.
#[derive(Debug, Default, Clone)]
pub struct Output {
    /// Text.
    pub text: String,
    /// A table, printed in the `--format` style instead of the text.
    pub table: Option<OutTable>,
}

/// Shared state of a run of the commands.
#[derive(Debug)]
pub struct Ctx {
    /// The schema.
    pub schema: Rc<Schema>,
    /// The transaction.
    pub txn: Txn,
    /// `@name` symbols.
    pub symtab: SymbolTable,
    /// UUID of the `Open_vSwitch` row.
    pub ovs: String,
    /// Output of the command running now.
    pub out: Output,
    /// The command asked to run again after the database changes (`wait-until`).
    pub try_again: bool,
    /// Whether the command running now is the last one.
    pub last: bool,
    /// Interfaces created by the commands, checked after ovs-vswitchd reconfigures.
    pub new_ifaces: Vec<String>,
    /// Ports already verified in this command (`verify_ports`).
    pub verified_ports: bool,
}

impl Ctx {
    /// A table by exact name (the caller resolved it).
    pub fn table(&self, name: &str) -> Rc<Table> {
        Rc::new(self.schema.tables[name].clone())
    }

    /// Appends a line of text output.
    pub fn line(&mut self, s: impl AsRef<str>) {
        self.out.text.push_str(s.as_ref());
        self.out.text.push('\n');
    }
}

/// `score_partial_match`: exact match beats a case- and dash-insensitive match, which
/// beats a prefix (scored by its length).
pub fn score_partial_match(name: &str, s: &str) -> u32 {
    if name == s {
        return u32::MAX;
    }
    let norm = |c: u8| {
        if c == b'-' {
            b'_'
        } else {
            c.to_ascii_lowercase()
        }
    };
    let (n, t) = (name.as_bytes(), s.as_bytes());
    let mut i = 0;
    loop {
        let a = n.get(i).copied().unwrap_or(0);
        let b = t.get(i).copied().unwrap_or(0);
        if norm(a) != norm(b) {
            break;
        } else if a == 0 {
            return u32::MAX - 1;
        }
        i += 1;
    }
    if i >= t.len() {
        i as u32
    } else {
        0
    }
}

fn best_match<'a>(names: impl Iterator<Item = &'a str>, s: &str) -> Vec<&'a str> {
    let mut best = Vec::new();
    let mut best_score = 0;
    for n in names {
        let sc = score_partial_match(n, s);
        if sc > 0 && sc >= best_score {
            if sc > best_score {
                best.clear();
            }
            best.push(n);
            best_score = sc;
        }
    }
    best.sort_unstable();
    best.dedup();
    best
}

/// Resolves a table name (`get_table`).
pub fn get_table(schema: &Schema, name: &str) -> Result<String, String> {
    let m = best_match(schema.tables.keys().map(String::as_str), name);
    match m.as_slice() {
        [] => Err(format!("unknown table \"{name}\"")),
        [one] => Ok(one.to_string()),
        many => Err(format!(
            "\"{name}\" matches multiple table names: {}",
            many.join(", ")
        )),
    }
}

/// Resolves a column name (`get_column`).
pub fn get_column(table: &Table, name: &str) -> Result<Column, String> {
    let m = best_match(table.columns.iter().map(|c| c.name.as_str()), name);
    match m.as_slice() {
        [] => Err(format!(
            "{} does not contain a column whose name matches \"{name}\"",
            table.name
        )),
        [one] => Ok(table
            .column(one)
            .cloned()
            .unwrap_or_else(|| table.columns[0].clone())),
        many => Err(format!(
            "{} contains more than one column whose name matches \"{name}\": {}",
            table.name,
            many.join(", ")
        )),
    }
}

/// The command `c` as a string, as OVS quotes it in messages (`vsctl_context_to_string`).
pub fn command_string(c: &Command) -> String {
    let mut words: Vec<String> = c.options.keys().cloned().collect();
    words.extend(c.args.iter().cloned());
    words
        .iter()
        .map(|w| escape_arg(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `process_escape_args`: quotes an argument that holds shell metacharacters.
pub fn escape_arg(w: &str) -> String {
    if !w.contains([' ', '\t', '\r', '\n', '\x0b', '\\', '\'', '"']) {
        return w.to_string();
    }
    let mut s = String::from("\"");
    for ch in w.chars() {
        if ch == '\\' || ch == '"' {
            s.push('\\');
        }
        s.push(ch);
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_matches() {
        assert_eq!(score_partial_match("Bridge", "Bridge"), u32::MAX);
        assert_eq!(score_partial_match("Bridge", "bridge"), u32::MAX - 1);
        assert_eq!(
            score_partial_match("Open_vSwitch", "open-vswitch"),
            u32::MAX - 1
        );
        assert_eq!(score_partial_match("Bridge", "br"), 2);
        assert_eq!(score_partial_match("Bridge", "bx"), 0);
        assert_eq!(score_partial_match("Bridge", ""), 0);
    }
}
