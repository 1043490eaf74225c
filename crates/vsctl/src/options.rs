//! Command-line options, parsed the way `ovs-vsctl` parses them: GNU `getopt_long` with
//! `+` (options stop at the first non-option), unique prefixes of long options, global
//! options, and command options (`--may-exist`, `--id=@x`, ...) that may precede the
//! first command. The commands themselves are split at `--` by [`crate::commands`].

use std::collections::BTreeMap;

use crate::output::{CellFormat, Style, TableFormat};

/// How an option takes an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HasArg {
    /// `--opt`.
    No,
    /// `--opt=VALUE` or `--opt VALUE`.
    Required,
    /// `--opt[=VALUE]`.
    Optional,
}

/// The global options.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--db`.
    pub db: String,
    /// `--oneline`.
    pub oneline: bool,
    /// `--dry-run`.
    pub dry_run: bool,
    /// Without `--no-wait`: wait for ovs-vswitchd to apply the change.
    pub wait: bool,
    /// `--timeout` in seconds (0: none).
    pub timeout: u32,
    /// `--retry`.
    pub retry: bool,
    /// Output style.
    pub style: Style,
    /// Command options given before the first command, with their values.
    pub local: Vec<(String, Option<String>)>,
    /// Arguments after the options: the commands.
    pub rest: Vec<String>,
}

/// What the options ask for besides running commands.
#[derive(Debug)]
pub enum Parsed {
    /// Run the commands.
    Run(Options),
    /// Print this to stdout and exit 0 (`--help`, `--version`, ...).
    Print(String),
    /// Print this to stderr and exit 1.
    Fail(String),
}

/// The command options every command table registers (`ctl_add_cmd_options`).
pub const COMMAND_OPTIONS: &[(&str, HasArg)] = &[
    ("if-exists", HasArg::No),
    ("id", HasArg::Required),
    ("columns", HasArg::Required),
    ("all", HasArg::No),
    ("may-exist", HasArg::No),
    ("real", HasArg::No),
    ("fake", HasArg::No),
    ("with-iface", HasArg::No),
    ("fake-iface", HasArg::No),
    ("inactivity-probe", HasArg::Required),
    ("bootstrap", HasArg::No),
];

const GLOBAL: &[(&str, HasArg, Option<char>)] = &[
    ("db", HasArg::Required, None),
    ("no-syslog", HasArg::No, None),
    ("no-wait", HasArg::No, None),
    ("dry-run", HasArg::No, None),
    ("oneline", HasArg::No, None),
    ("timeout", HasArg::Required, Some('t')),
    ("retry", HasArg::No, None),
    ("help", HasArg::No, Some('h')),
    ("commands", HasArg::No, None),
    ("options", HasArg::No, None),
    ("leader-only", HasArg::No, None),
    ("no-leader-only", HasArg::No, None),
    ("shuffle-remotes", HasArg::No, None),
    ("no-shuffle-remotes", HasArg::No, None),
    ("version", HasArg::No, Some('V')),
    ("verbose", HasArg::Optional, Some('v')),
    ("log-file", HasArg::Optional, None),
    ("syslog-method", HasArg::Required, None),
    ("syslog-target", HasArg::Required, None),
    ("format", HasArg::Required, Some('f')),
    ("data", HasArg::Required, Some('d')),
    ("no-headings", HasArg::No, None),
    ("pretty", HasArg::No, None),
    ("bare", HasArg::No, None),
    ("max-column-width", HasArg::Required, None),
    ("private-key", HasArg::Required, Some('p')),
    ("certificate", HasArg::Required, Some('c')),
    ("ca-cert", HasArg::Required, Some('C')),
    ("bootstrap-ca-cert", HasArg::Required, None),
    ("peer-ca-cert", HasArg::Required, None),
];

/// The default database: `unix:$OVS_RUNDIR/db.sock`.
pub fn default_db() -> String {
    let rundir = std::env::var("OVS_RUNDIR").unwrap_or_else(|_| "/var/run/openvswitch".into());
    format!("unix:{rundir}/db.sock")
}

fn all_long() -> Vec<(&'static str, HasArg, bool)> {
    let mut v: Vec<_> = GLOBAL.iter().map(|(n, h, _)| (*n, *h, false)).collect();
    v.extend(COMMAND_OPTIONS.iter().map(|(n, h)| (*n, *h, true)));
    v
}

/// Parses `args` (without the program name). `prog` prefixes getopt's messages.
pub fn parse(prog: &str, args: &[String]) -> Parsed {
    let mut o = Options {
        db: String::new(),
        oneline: false,
        dry_run: false,
        wait: true,
        timeout: 0,
        retry: false,
        style: Style::default(),
        local: Vec::new(),
        rest: Vec::new(),
    };
    let longs = all_long();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            i += 1;
            break;
        }
        if !a.starts_with('-') || a == "-" {
            break;
        }
        i += 1;
        let (name, value, is_local, has) = if let Some(body) = a.strip_prefix("--") {
            let (n, value) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let exact = longs.iter().find(|(l, _, _)| *l == n);
            let found = match exact {
                Some(e) => *e,
                None => {
                    let m: Vec<_> = longs.iter().filter(|(l, _, _)| l.starts_with(n)).collect();
                    match m.as_slice() {
                        [one] => **one,
                        [] => return Parsed::Fail(format!("{prog}: unrecognized option '{a}'")),
                        many => {
                            let list: String =
                                many.iter().map(|(l, _, _)| format!(" '--{l}'")).collect();
                            return Parsed::Fail(format!(
                                "{prog}: option '--{n}' is ambiguous; possibilities:{list}"
                            ));
                        }
                    }
                }
            };
            let (lname, has, local) = found;
            let value = match (has, value) {
                (HasArg::No, Some(_)) => {
                    return Parsed::Fail(format!(
                        "{prog}: option '--{lname}' doesn't allow an argument"
                    ))
                }
                (HasArg::Required, None) => {
                    if i < args.len() {
                        i += 1;
                        Some(args[i - 1].clone())
                    } else {
                        return Parsed::Fail(format!(
                            "{prog}: option '--{lname}' requires an argument"
                        ));
                    }
                }
                (_, v) => v,
            };
            (lname.to_string(), value, local, has)
        } else {
            let c = a[1..].chars().next().unwrap_or('-');
            let Some((lname, has, _)) = GLOBAL.iter().find(|(_, _, s)| *s == Some(c)) else {
                return Parsed::Fail(format!("{prog}: invalid option -- '{c}'"));
            };
            let tail = &a[1 + c.len_utf8()..];
            let value = match has {
                HasArg::No => {
                    if !tail.is_empty() {
                        // Bundled short options are rare in practice; treat as unknown.
                        return Parsed::Fail(format!(
                            "{prog}: invalid option -- '{}'",
                            tail.chars().next().unwrap_or('-')
                        ));
                    }
                    None
                }
                HasArg::Optional => (!tail.is_empty()).then(|| tail.to_string()),
                HasArg::Required => {
                    if !tail.is_empty() {
                        Some(tail.to_string())
                    } else if i < args.len() {
                        i += 1;
                        Some(args[i - 1].clone())
                    } else {
                        return Parsed::Fail(format!(
                            "{prog}: option requires an argument -- '{c}'"
                        ));
                    }
                }
            };
            (lname.to_string(), value, false, *has)
        };
        let _ = has;
        if is_local {
            o.local.push((format!("--{name}"), value));
            continue;
        }
        let v = value.unwrap_or_default();
        match name.as_str() {
            "db" => o.db = v,
            "no-wait" => o.wait = false,
            "dry-run" => o.dry_run = true,
            "oneline" => o.oneline = true,
            "retry" => o.retry = true,
            "timeout" => match v.parse::<u32>() {
                Ok(t) if t > 0 && !v.starts_with('+') => o.timeout = t,
                _ => {
                    return Parsed::Fail(format!("{prog}: value {v} on -t or --timeout is invalid"))
                }
            },
            "help" => return Parsed::Print(crate::commands::usage(prog)),
            "version" => {
                return Parsed::Print(format!("{prog} (Open vSwitch) 3.1.0\nDB Schema 8.3.1\n"))
            }
            "commands" => return Parsed::Print(crate::commands::list_commands()),
            "format" => {
                o.style.format = match v.as_str() {
                    "table" => TableFormat::Table,
                    "list" => TableFormat::List,
                    "html" => TableFormat::Html,
                    "csv" => TableFormat::Csv,
                    "json" => TableFormat::Json,
                    _ => return Parsed::Fail(format!("{prog}: unknown output format \"{v}\"")),
                }
            }
            "data" => {
                o.style.cell = match v.as_str() {
                    "string" => CellFormat::String,
                    "bare" => CellFormat::Bare,
                    "json" => CellFormat::Json,
                    _ => return Parsed::Fail(format!("{prog}: unknown data format \"{v}\"")),
                }
            }
            "no-headings" => o.style.headings = false,
            "pretty" => o.style.pretty = true,
            "bare" => {
                o.style.format = TableFormat::List;
                o.style.cell = CellFormat::Bare;
                o.style.headings = false;
            }
            "max-column-width" => o.style.max_column_width = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    if o.db.is_empty() {
        o.db = default_db();
    }
    o.rest = args[i..].to_vec();
    Parsed::Run(o)
}

/// Options of one command, by name with the leading `--`.
pub type CommandOptions = BTreeMap<String, Option<String>>;
