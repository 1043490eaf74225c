//! The command table: names, argument counts, allowed options, and the splitting of
//! the command line into `--`-separated commands (`ctl_parse_commands`).

use crate::options::CommandOptions;

/// Whether a command may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Read-only.
    Ro,
    /// May write.
    Rw,
}

/// One command's syntax.
#[derive(Debug)]
pub struct Syntax {
    /// Name.
    pub name: &'static str,
    /// Minimum number of arguments.
    pub min_args: usize,
    /// Maximum number of arguments.
    pub max_args: usize,
    /// Argument synopsis.
    pub arguments: &'static str,
    /// Allowed options, comma-separated, `=` for a required argument.
    pub options: &'static str,
    /// Read-only or read-write.
    pub mode: Mode,
}

const MANY: usize = usize::MAX;

macro_rules! cmd {
    ($name:expr, $min:expr, $max:expr, $args:expr, $opts:expr, $mode:ident) => {
        Syntax {
            name: $name,
            min_args: $min,
            max_args: $max,
            arguments: $args,
            options: $opts,
            mode: Mode::$mode,
        }
    };
}

/// Every command, in the order OVS registers them.
pub static COMMANDS: &[Syntax] = &[
    cmd!("comment", 0, MANY, "[ARG]...", "", Ro),
    cmd!(
        "get",
        2,
        MANY,
        "TABLE RECORD [COLUMN[:KEY]]...",
        "--if-exists,--id=",
        Ro
    ),
    cmd!(
        "list",
        1,
        MANY,
        "TABLE [RECORD]...",
        "--if-exists,--columns=",
        Ro
    ),
    cmd!(
        "find",
        1,
        MANY,
        "TABLE [COLUMN[:KEY]=VALUE]...",
        "--columns=",
        Ro
    ),
    cmd!(
        "set",
        3,
        MANY,
        "TABLE RECORD COLUMN[:KEY]=VALUE...",
        "--if-exists",
        Rw
    ),
    cmd!(
        "add",
        4,
        MANY,
        "TABLE RECORD COLUMN [KEY=]VALUE...",
        "--if-exists",
        Rw
    ),
    cmd!(
        "remove",
        4,
        MANY,
        "TABLE RECORD COLUMN KEY|VALUE|KEY=VALUE...",
        "--if-exists",
        Rw
    ),
    cmd!(
        "clear",
        3,
        MANY,
        "TABLE RECORD COLUMN...",
        "--if-exists",
        Rw
    ),
    cmd!(
        "create",
        2,
        MANY,
        "TABLE COLUMN[:KEY]=VALUE...",
        "--id=",
        Rw
    ),
    cmd!(
        "destroy",
        1,
        MANY,
        "TABLE [RECORD]...",
        "--if-exists,--all",
        Rw
    ),
    cmd!(
        "wait-until",
        2,
        MANY,
        "TABLE RECORD [COLUMN[:KEY]=VALUE]...",
        "",
        Ro
    ),
    cmd!("show", 0, 0, "", "", Ro),
    cmd!("init", 0, 0, "", "", Rw),
    cmd!(
        "add-br",
        1,
        3,
        "NEW-BRIDGE [PARENT] [NEW-VLAN]",
        "--may-exist",
        Rw
    ),
    cmd!("del-br", 1, 1, "BRIDGE", "--if-exists", Rw),
    cmd!("list-br", 0, 0, "", "--real,--fake", Ro),
    cmd!("br-exists", 1, 1, "BRIDGE", "", Ro),
    cmd!("br-to-vlan", 1, 1, "BRIDGE", "", Ro),
    cmd!("br-to-parent", 1, 1, "BRIDGE", "", Ro),
    cmd!("br-set-external-id", 2, 3, "BRIDGE KEY [VALUE]", "", Rw),
    cmd!("br-get-external-id", 1, 2, "BRIDGE [KEY]", "", Ro),
    cmd!("list-ports", 1, 1, "BRIDGE", "", Ro),
    cmd!(
        "add-port",
        2,
        MANY,
        "BRIDGE NEW-PORT [COLUMN[:KEY]=VALUE]...",
        "--may-exist",
        Rw
    ),
    cmd!(
        "del-port",
        1,
        2,
        "[BRIDGE] PORT|IFACE",
        "--if-exists,--with-iface",
        Rw
    ),
    cmd!("port-to-br", 1, 1, "PORT", "", Ro),
    cmd!(
        "add-bond",
        4,
        MANY,
        "BRIDGE BOND IFACE... [COLUMN[:KEY]=VALUE]...",
        "--may-exist,--fake-iface",
        Rw
    ),
    cmd!("add-bond-iface", 2, 2, "BOND IFACE", "--may-exist", Rw),
    cmd!("del-bond-iface", 1, 2, "[BOND] IFACE", "--if-exists", Rw),
    cmd!("list-ifaces", 1, 1, "BRIDGE", "", Ro),
    cmd!("iface-to-br", 1, 1, "IFACE", "", Ro),
    cmd!("get-controller", 1, 1, "BRIDGE", "", Ro),
    cmd!("del-controller", 1, 1, "BRIDGE", "", Rw),
    cmd!(
        "set-controller",
        1,
        MANY,
        "BRIDGE TARGET...",
        "--inactivity-probe=",
        Rw
    ),
    cmd!("get-fail-mode", 1, 1, "BRIDGE", "", Ro),
    cmd!("del-fail-mode", 1, 1, "BRIDGE", "", Rw),
    cmd!("set-fail-mode", 2, 2, "BRIDGE MODE", "", Rw),
    cmd!("get-manager", 0, 0, "", "", Ro),
    cmd!("del-manager", 0, 0, "", "", Rw),
    cmd!(
        "set-manager",
        1,
        MANY,
        "TARGET...",
        "--inactivity-probe=",
        Rw
    ),
    cmd!("get-ssl", 0, 0, "", "", Ro),
    cmd!("del-ssl", 0, 0, "", "", Rw),
    cmd!(
        "set-ssl",
        3,
        3,
        "PRIVATE-KEY CERTIFICATE CA-CERT",
        "--bootstrap",
        Rw
    ),
    cmd!("add-aa-mapping", 3, 3, "BRIDGE ARG ARG", "", Rw),
    cmd!("del-aa-mapping", 3, 3, "BRIDGE ARG ARG", "", Rw),
    cmd!("get-aa-mapping", 1, 1, "BRIDGE", "", Ro),
    cmd!("emer-reset", 0, 0, "", "", Rw),
    cmd!("add-zone-tp", 3, MANY, "", "--may-exist", Rw),
    cmd!("del-zone-tp", 2, 2, "", "--if-exists", Rw),
    cmd!("list-zone-tp", 1, 1, "", "", Ro),
    cmd!("list-dp-cap", 1, 1, "", "", Ro),
];

/// A parsed command.
#[derive(Debug, Clone)]
pub struct Command {
    /// Its syntax.
    pub syntax: &'static Syntax,
    /// Options given to it.
    pub options: CommandOptions,
    /// `argv[0]` is the command name.
    pub args: Vec<String>,
}

impl Command {
    /// Whether option `name` (with `--`) was given.
    pub fn has(&self, name: &str) -> bool {
        self.options.contains_key(name)
    }

    /// The value of option `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.options.get(name).and_then(|v| v.as_deref())
    }
}

fn find(name: &str) -> Option<&'static Syntax> {
    COMMANDS.iter().find(|s| s.name == name)
}

fn parse_one(args: &[String], mut options: CommandOptions) -> Result<Command, String> {
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') {
        let (k, v) = match args[i].split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (args[i].clone(), None),
        };
        if options.contains_key(&k) {
            return Err(format!("'{}' option specified multiple times", args[i]));
        }
        options.insert(k, v);
        i += 1;
    }
    if i == args.len() {
        return Err("missing command name (use --help for help)".into());
    }
    let name = &args[i];
    let syntax =
        find(name).ok_or_else(|| format!("unknown command '{name}'; use --help for help"))?;
    for (k, v) in &options {
        let end = syntax.options.find(k.as_str()).map(|p| {
            syntax
                .options
                .as_bytes()
                .get(p + k.len())
                .copied()
                .unwrap_or(0)
        });
        match end {
            Some(0 | b'=' | b',' | b'?' | b' ') => {}
            _ => return Err(format!("'{name}' command has no '{k}' option")),
        }
        let end = end.unwrap_or(0);
        if end != b'?' && (end == b'=') != v.is_some() {
            return Err(if end == b'=' {
                format!("missing argument to '{k}' option on '{name}' command")
            } else {
                format!("'{k}' option on '{name}' does not accept an argument")
            });
        }
    }
    let n_arg = args.len() - i - 1;
    if n_arg < syntax.min_args {
        return Err(format!(
            "'{}' command requires at least {} arguments",
            syntax.name, syntax.min_args
        ));
    }
    if n_arg > syntax.max_args {
        let note = if args[i + 1..].iter().any(|a| a.starts_with('-')) {
            " (note that options must precede command names and follow a \"--\" argument)"
        } else {
            ""
        };
        return Err(format!(
            "'{}' command takes at most {} arguments{note}",
            syntax.name, syntax.max_args
        ));
    }
    Ok(Command {
        syntax,
        options,
        args: args[i..].to_vec(),
    })
}

/// Splits `args` at `--` into commands; `local` are options given before the first.
pub fn parse_commands(
    args: &[String],
    local: Vec<(String, Option<String>)>,
) -> Result<Vec<Command>, String> {
    let mut local: Option<CommandOptions> = Some(local.into_iter().collect());
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..=args.len() {
        if i == args.len() || args[i] == "--" {
            if i > start {
                let opts = local.take().unwrap_or_default();
                out.push(parse_one(&args[start..i], opts)?);
            } else if local.as_ref().is_some_and(|l| !l.is_empty()) {
                return Err("missing command name (use --help for help)".into());
            }
            start = i + 1;
        }
    }
    if out.is_empty() {
        return Err("missing command name (use --help for help)".into());
    }
    Ok(out)
}

/// `--commands`.
pub fn list_commands() -> String {
    let mut s = String::new();
    let mut sorted: Vec<&Syntax> = COMMANDS.iter().collect();
    sorted.sort_by_key(|c| c.name);
    for c in sorted {
        for o in c.options.split(',').filter(|o| !o.is_empty()) {
            s.push_str(&format!("[{o}] "));
        }
        s.push_str(&format!(",{},{}\n", c.name, c.arguments));
    }
    s
}

/// `--help`.
pub fn usage(prog: &str) -> String {
    let mut s = format!(
        "{prog}: ovs-vswitchd management utility\nusage: {prog} [OPTIONS] COMMAND [ARG...]\n\n"
    );
    s.push_str("Commands:\n");
    for c in COMMANDS {
        s.push_str(&format!("  {} {}\n", c.name, c.arguments));
    }
    s.push_str(&format!(
        "\nOptions:\n  --db=DATABASE               connect to DATABASE\n                              (default: {})\n  --no-wait                   do not wait for ovs-vswitchd to reconfigure\n  -t, --timeout=SECS          wait at most SECS seconds for ovs-vswitchd\n  --dry-run                   do not commit changes to database\n  --oneline                   print exactly one line of output per command\n  -f, --format=FORMAT         table, list, html, csv or json\n  -d, --data=FORMAT           string, bare or json\n  --no-headings               omit table heading row\n  --pretty                    pretty-print JSON in output\n  --bare                      equivalent to \"--format=list --data=bare --no-headings\"\n  -h, --help                  display this help message\n  -V, --version               display version information\n",
        crate::options::default_db()
    ));
    s
}
