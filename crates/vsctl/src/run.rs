//! The program's main loop: options, prerequisites, snapshot, commands, commit (again on
//! conflict), output, and waiting for ovs-vswitchd.

use std::io::Write;
use std::rc::Rc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::client::{Client, ClientError};
use crate::commands::{parse_commands, Command};
use crate::ctx::{escape_arg, fatal, get_column, get_table, Ctx, Fail, Output, R};
use crate::data::{Atom, SymbolTable};
use crate::options::{self, Options, Parsed};
use crate::output::Printer;
use crate::schema::Schema;
use crate::text::parse_token;
use crate::txn::{Snapshot, Txn};

const DB: &str = "Open_vSwitch";

/// Runs the program with `argv` (including the program name); returns the exit status.
pub fn run(argv: Vec<String>) -> i32 {
    let prog = crate::program_name(argv.first().map(String::as_str).unwrap_or(""));
    let opts = match options::parse(&prog, argv.get(1..).unwrap_or(&[])) {
        Parsed::Run(o) => o,
        Parsed::Print(s) => {
            print!("{s}");
            return 0;
        }
        Parsed::Fail(s) => {
            eprintln!("{s}");
            return 1;
        }
    };
    if opts.timeout > 0 {
        let t = opts.timeout;
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(u64::from(t)));
            // ovs-vsctl dies of SIGALRM; a shell reports that as 128 + 14.
            std::process::exit(142);
        });
    }
    let args: Vec<String> = argv.iter().skip(1).cloned().collect();
    match main_loop(&prog, &opts, &args) {
        Ok(()) => 0,
        Err(Fail::Fatal(m)) => {
            eprintln!("{prog}: {m}");
            1
        }
        Err(Fail::Exit(n)) => n,
    }
}

fn conn_fail<T>(db: &str, e: ClientError) -> R<T> {
    match e {
        ClientError::Connection(m) => fatal(format!("{db}: database connection failed ({m})")),
        ClientError::Rpc(v) => fatal(format!("{db}: {v}")),
    }
}

fn connect(opts: &Options) -> R<Client> {
    loop {
        match Client::connect(&opts.db) {
            Ok(c) => return Ok(c),
            Err(e) if !opts.retry => return conn_fail(&opts.db, e),
            Err(_) => std::thread::sleep(Duration::from_millis(250)),
        }
    }
}

fn pre_column_arg(table: &crate::schema::Table, arg: &str) -> R<()> {
    let (name, _) = parse_token(arg)?;
    if name.is_empty() {
        return fatal(format!("{arg}: missing column name"));
    }
    get_column(table, &name)?;
    Ok(())
}

/// Checks table and column names before anything runs (OVS's prerequisites phase).
fn prerequisites(schema: &Schema, cmds: &[Command]) -> R<()> {
    for c in cmds {
        let a = &c.args;
        let needs_table = matches!(
            a[0].as_str(),
            "get"
                | "list"
                | "find"
                | "set"
                | "add"
                | "remove"
                | "clear"
                | "create"
                | "destroy"
                | "wait-until"
        );
        if !needs_table {
            continue;
        }
        let table = &schema.tables[&get_table(schema, &a[1])?];
        match a[0].as_str() {
            "get" => {
                for arg in &a[3..] {
                    if !arg.eq_ignore_ascii_case("_uuid") && !arg.eq_ignore_ascii_case("-uuid") {
                        pre_column_arg(table, arg)?;
                    }
                }
            }
            "list" | "find" => {
                if let Some(cols) = c.value("--columns") {
                    let mut n = 0;
                    for name in cols.split([',', ' ']).filter(|s| !s.is_empty()) {
                        n += 1;
                        if !name.eq_ignore_ascii_case("_uuid") {
                            get_column(table, name)?;
                        }
                    }
                    if n == 0 {
                        return fatal("must specify at least one column name");
                    }
                }
                if a[0] == "find" {
                    for arg in &a[2..] {
                        pre_column_arg(table, arg)?;
                    }
                }
            }
            "set" | "wait-until" => {
                for arg in &a[3..] {
                    pre_column_arg(table, arg)?;
                }
            }
            "add" | "remove" => {
                get_column(table, &a[3])?;
            }
            "clear" => {
                for arg in &a[3..] {
                    get_column(table, arg)?;
                }
            }
            "create" if c.value("--id").is_none() && !table.is_root => crate::warn(
                "db_ctl_base",
                &format!(
                    "applying \"create\" command to table {} without --id option will have no effect",
                    table.name
                ),
            ),
            _ => {}
        }
    }
    Ok(())
}

fn fetch(client: &mut Client, db: &str, schema: &Schema) -> R<Snapshot> {
    let names: Vec<String> = schema.tables.keys().cloned().collect();
    let mut params = vec![json!(DB)];
    params.extend(
        names
            .iter()
            .map(|t| json!({"op": "select", "table": t, "where": []})),
    );
    let res = match client.call("transact", params) {
        Ok(r) => r,
        Err(e) => return conn_fail(db, e),
    };
    let results = res.as_array().cloned().unwrap_or_default();
    Ok(Snapshot::from_selects(schema, &names, &results)?)
}

/// What one attempt at running the commands came to.
enum Attempt {
    /// Committed (or unchanged): outputs, the new `next_cfg` if incremented, and the
    /// real UUIDs of inserted interfaces to check.
    Done(Vec<Output>, Option<i64>, Vec<String>),
    /// Run again once the database has changed.
    Again,
}

fn main_loop(prog: &str, opts: &Options, args: &[String]) -> R<()> {
    let cmds = parse_commands(&opts.rest, opts.local.clone())?;
    if cmds
        .iter()
        .any(|c| c.syntax.mode == crate::commands::Mode::Rw)
    {
        crate::count_syslog_message();
    }
    let mut client = connect(opts)?;
    let schema_json = match client.call("get_schema", vec![json!(DB)]) {
        Ok(s) => s,
        Err(e) => return conn_fail(&opts.db, e),
    };
    let schema = Rc::new(Schema::parse(&schema_json)?);
    prerequisites(&schema, &cmds)?;
    let comment = txn_comment(prog, args);
    let (outputs, next_cfg, new_ifaces) = loop {
        let snap = fetch(&mut client, &opts.db, &schema)?;
        match attempt(&mut client, opts, &schema, snap, &cmds, &comment)? {
            Attempt::Done(o, n, i) => break (o, n, i),
            Attempt::Again => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    print_outputs(opts, &outputs);
    if let Some(next) = next_cfg {
        wait_for_reload(&mut client, opts, &schema, next, &new_ifaces, prog)?;
    }
    Ok(())
}

/// The transaction's comment, which ovsdb-server logs: who ran what, as OVS writes it.
fn txn_comment(prog: &str, args: &[String]) -> String {
    let mut words = vec![escape_arg(prog)];
    words.extend(args.iter().map(|a| escape_arg(a)));
    let cmdline = words.join(" ");
    let parent = std::fs::read(format!(
        "/proc/{}/cmdline",
        std::os::unix::process::parent_id()
    ))
    .ok()
    .and_then(|b| {
        let first = b.split(|c| *c == 0).next()?.to_vec();
        String::from_utf8(first).ok()
    });
    match parent {
        Some(p) => format!("{prog} (invoked by {p}): {cmdline}"),
        None => format!("{prog}: {cmdline}"),
    }
}

fn attempt(
    client: &mut Client,
    opts: &Options,
    schema: &Rc<Schema>,
    snap: Snapshot,
    cmds: &[Command],
    comment: &str,
) -> R<Attempt> {
    let mut txn = Txn::new((**schema).clone(), snap);
    let ovs = match txn.uuids(DB).first() {
        Some(u) => u.clone(),
        None => txn.insert(DB, None),
    };
    let mut ctx = Ctx {
        schema: schema.clone(),
        txn,
        symtab: SymbolTable::default(),
        ovs,
        out: Output::default(),
        try_again: false,
        last: false,
        new_ifaces: Vec::new(),
        verified_ports: false,
    };
    let mut outputs = Vec::new();
    for (i, c) in cmds.iter().enumerate() {
        ctx.out = Output::default();
        ctx.last = i + 1 == cmds.len();
        ctx.verified_ports = false;
        if !crate::dbctl::run(&mut ctx, c)? && !crate::bridge::run(&mut ctx, c)? {
            return fatal(format!("unknown command '{}'", c.args[0]));
        }
        outputs.push(std::mem::take(&mut ctx.out));
        if ctx.try_again {
            return Ok(Attempt::Again);
        }
    }
    for (name, sym) in &ctx.symtab.symbols {
        if !sym.created {
            return fatal(format!(
                "row id \"{name}\" is referenced but never created (e.g. with \"-- --id={name} create ...\")"
            ));
        }
        if !sym.strong_ref {
            let how = if sym.weak_ref {
                "only a weak reference to it was inserted"
            } else {
                "no reference to it was inserted"
            };
            crate::warn(
                "vsctl",
                &format!(
                    "row id \"{name}\" was created but {how}, so it will not actually appear in the database"
                ),
            );
        }
    }
    let inc = opts.wait.then_some(ctx.ovs.as_str());
    let ops = ctx.txn.ops(inc, comment, opts.dry_run);
    let mut real: Vec<(String, String)> = Vec::new();
    let mut next_cfg = None;
    if ops.changed {
        let mut params = vec![json!(DB)];
        params.extend(ops.ops.iter().cloned());
        let reply = match client.call("transact", params) {
            Ok(r) => r,
            Err(ClientError::Rpc(e)) if e == json!("canceled") => return Ok(Attempt::Again),
            Err(ClientError::Rpc(e)) => return fatal(format!("transaction error: {}", e)),
            Err(e) => return conn_fail(&opts.db, e),
        };
        let results = reply.as_array().cloned().unwrap_or_default();
        let mut soft = false;
        for r in &results {
            match r.get("error").and_then(Value::as_str) {
                Some("timed out") | Some("unknown database") => soft = true,
                Some("aborted") | None => {}
                Some(_) => {
                    let text = r.to_string();
                    crate::warn("ovsdb_idl", &format!("transaction error: {text}"));
                    return fatal(format!("transaction error: {text}"));
                }
            }
        }
        if soft {
            return Ok(Attempt::Again);
        }
        if !opts.dry_run {
            for (tmp, idx) in &ops.insert_index {
                if let Some(u) = results
                    .get(*idx)
                    .and_then(|r| r.get("uuid"))
                    .and_then(|u| u.get(1))
                    .and_then(Value::as_str)
                {
                    real.push((tmp.clone(), u.to_string()));
                }
            }
            next_cfg = ops.next_cfg_index.and_then(|i| {
                results
                    .get(i)?
                    .get("rows")?
                    .get(0)?
                    .get("next_cfg")?
                    .as_i64()
            });
        }
    }
    // `create` prints the UUID the server assigned.
    for (o, c) in outputs.iter_mut().zip(cmds) {
        if c.args[0] == "create" {
            if let Some((_, r)) = real.iter().find(|(t, _)| *t == o.text) {
                o.text = r.clone();
            }
            o.text.push('\n');
        }
    }
    let ifaces = ctx
        .new_ifaces
        .iter()
        .filter_map(|t| {
            real.iter()
                .find(|(tmp, _)| tmp == t)
                .map(|(_, r)| r.clone())
        })
        .collect();
    Ok(Attempt::Done(outputs, next_cfg, ifaces))
}

fn print_outputs(opts: &Options, outputs: &[Output]) {
    let mut printer = Printer::default();
    let mut s = String::new();
    for o in outputs {
        if let Some(t) = &o.table {
            s.push_str(&printer.format(t, &opts.style));
        } else if opts.oneline {
            let text = o.text.strip_suffix('\n').unwrap_or(&o.text);
            for ch in text.chars() {
                match ch {
                    '\n' => s.push_str("\\n"),
                    '\\' => s.push_str("\\\\"),
                    c => s.push(c),
                }
            }
            s.push('\n');
        } else {
            s.push_str(&o.text);
        }
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}

fn wait_for_reload(
    client: &mut Client,
    opts: &Options,
    schema: &Schema,
    next_cfg: i64,
    new_ifaces: &[String],
    prog: &str,
) -> R<()> {
    loop {
        // Like ovs-vsctl, keep waiting across a lost connection: reconnect and look again.
        let snap = match fetch(client, &opts.db, schema) {
            Ok(s) => s,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(250));
                if let Ok(c) = Client::connect(&opts.db) {
                    *client = c;
                }
                continue;
            }
        };
        let txn = Txn::new(schema.clone(), snap);
        let done = txn.uuids(DB).iter().any(|u| {
            txn.get(DB, u, "cur_cfg")
                .first()
                .and_then(Atom::as_int)
                .unwrap_or(0)
                >= next_cfg
        });
        if done {
            let mut any = false;
            for u in new_ifaces {
                if txn.row("Interface", u).is_none() {
                    continue;
                }
                let ofport = txn
                    .get("Interface", u, "ofport")
                    .first()
                    .and_then(Atom::as_int);
                if ofport.is_none() || ofport == Some(-1) {
                    let name = txn.get_str("Interface", u, "name");
                    let err = txn.get_str("Interface", u, "error");
                    if err.is_empty() {
                        eprintln!(
                            "{prog}: Error detected while setting up '{name}'.  See ovs-vswitchd log for details."
                        );
                    } else {
                        eprintln!(
                            "{prog}: Error detected while setting up '{name}': {err}.  See ovs-vswitchd log for details."
                        );
                    }
                    any = true;
                }
            }
            if any {
                let logdir =
                    std::env::var("OVS_LOGDIR").unwrap_or_else(|_| "/var/log/openvswitch".into());
                eprintln!("{prog}: The default log directory is \"{logdir}\".");
            }
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
