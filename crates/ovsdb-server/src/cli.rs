//! The `rvs-ovsdb-server` command line, spelled like `ovsdb-server`'s.

use std::path::PathBuf;

use crate::net;
use crate::schema::{vswitch_schema, DatabaseSchema};
use crate::server::Server;
use crate::storage::Storage;

const USAGE: &str = "\
rvs-ovsdb-server: Open vSwitch database server (RFC 7047)
usage: rvs-ovsdb-server [OPTIONS] [DATABASE...]
where each DATABASE is a database file in ovsdb format.
The default DATABASE, if none is given, is $OVS_DBDIR/conf.db
(/etc/openvswitch/conf.db), created with the Open_vSwitch schema if absent.

Remotes (--remote may be given more than once):
  --remote=punix:FILE     listen on Unix domain socket FILE
  --remote=ptcp:PORT[:IP] listen on TCP PORT on IP (default 0.0.0.0)
  --remote=unix:FILE, --remote=tcp:IP:PORT  connect out and serve the peer
  --remote=db:DB,TABLE,COLUMN  listen on the targets in DB's TABLE COLUMN

Other options:
  --pidfile[=FILE]        create pidfile (default: $OVS_RUNDIR/ovsdb-server.pid)
  --log-file[=FILE]       also log to FILE (default: $OVS_LOGDIR/ovsdb-server.log)
  --unixctl=SOCKET, --no-chdir  accepted for compatibility
  -h, --help              display this help message
  -V, --version           display version information
";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Database files.
    pub databases: Vec<PathBuf>,
    /// Remotes.
    pub remotes: Vec<String>,
    /// Pidfile.
    pub pidfile: Option<PathBuf>,
    /// Log file (besides stderr).
    pub log_file: Option<PathBuf>,
}

fn env_dir(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

/// The default database file: `$OVS_DBDIR/conf.db`.
pub fn default_db() -> PathBuf {
    env_dir("OVS_DBDIR", "/etc/openvswitch").join("conf.db")
}

/// Parses arguments (without the program name); `Err` carries a message, and
/// `Ok(None)` means help or version was printed.
pub fn parse(args: &[String]) -> Result<Option<Options>, String> {
    let rundir = env_dir("OVS_RUNDIR", "/var/run/openvswitch");
    let mut o = Options {
        databases: Vec::new(),
        remotes: Vec::new(),
        pidfile: None,
        log_file: None,
    };
    for a in args {
        match a.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(None);
            }
            "-V" | "--version" => {
                println!("rvs-ovsdb-server (rvs) {}", env!("CARGO_PKG_VERSION"));
                return Ok(None);
            }
            "--pidfile" => o.pidfile = Some(rundir.join("ovsdb-server.pid")),
            "--log-file" => {
                o.log_file =
                    Some(env_dir("OVS_LOGDIR", "/var/log/openvswitch").join("ovsdb-server.log"))
            }
            "--no-chdir" | "-v" | "--verbose" => {}
            "--detach" => return Err("--detach is not supported: run it under a supervisor".into()),
            s if s.starts_with("--remote=") => o.remotes.push(s["--remote=".len()..].to_string()),
            s if s.starts_with("--pidfile=") => o.pidfile = Some(s["--pidfile=".len()..].into()),
            s if s.starts_with("--unixctl=")
                || s.starts_with("--log-file=")
                || s.starts_with("-v") => {}
            s if s.starts_with('-') => {
                return Err(format!("unrecognized option '{s}' (use --help for help)"))
            }
            s => o.databases.push(s.into()),
        }
    }
    if o.databases.is_empty() {
        o.databases.push(default_db());
    }
    Ok(Some(o))
}

/// Log lines to stderr and, if given, a file, in OVS's `time|level|module|text` shape.
struct Logger {
    file: Option<std::sync::Mutex<std::fs::File>>,
}

impl log::Log for Logger {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.level() <= log::Level::Info
    }

    fn log(&self, r: &log::Record<'_>) {
        if !self.enabled(r.metadata()) {
            return;
        }
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let line = format!("{secs}|{}|{}|{}\n", r.level(), r.target(), r.args());
        eprint!("{line}");
        if let Some(f) = &self.file {
            use std::io::Write as _;
            let mut f = f.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let _ = f.write_all(line.as_bytes());
        }
    }

    fn flush(&self) {}
}

fn init_log(path: Option<&std::path::Path>) -> Result<(), String> {
    let file = match path {
        Some(p) => Some(std::sync::Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| format!("{}: {e}", p.display()))?,
        )),
        None => None,
    };
    // A logger set already (by an embedding program) is kept.
    if log::set_boxed_logger(Box::new(Logger { file })).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
    Ok(())
}

fn load(paths: &[PathBuf]) -> Result<Server, String> {
    let mut server = Server::new();
    let default_schema: DatabaseSchema = vswitch_schema();
    for p in paths {
        let (st, db) = Storage::open_or_create(p, &default_schema).map_err(|e| e.to_string())?;
        if server.database(&db.schema.name).is_some() {
            return Err(format!(
                "{}: duplicate database name {}",
                p.display(),
                db.schema.name
            ));
        }
        server.add_database(db, Some(st));
    }
    Ok(server)
}

/// Runs the server until SIGTERM or SIGINT; returns the exit code.
pub fn run(args: &[String]) -> i32 {
    let opts = match parse(args) {
        Ok(Some(o)) => o,
        Ok(None) => return 0,
        Err(e) => {
            eprintln!("rvs-ovsdb-server: {e}");
            return 1;
        }
    };
    if let Err(e) = init_log(opts.log_file.as_deref()) {
        eprintln!("rvs-ovsdb-server: {e}");
        return 1;
    }
    let server = match load(&opts.databases) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rvs-ovsdb-server: {e}");
            return 1;
        }
    };
    log::info!(
        "rvs-ovsdb-server {} serving {} on {}",
        env!("CARGO_PKG_VERSION"),
        opts.databases
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        if opts.remotes.is_empty() {
            "no remotes".to_string()
        } else {
            opts.remotes.join(", ")
        }
    );
    let handle = match net::spawn(server, opts.remotes.clone()) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("rvs-ovsdb-server: {e}");
            return 1;
        }
    };
    if let Some(p) = &opts.pidfile {
        if let Err(e) = std::fs::write(p, format!("{}\n", std::process::id())) {
            eprintln!("rvs-ovsdb-server: {}: {e}", p.display());
        }
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rvs-ovsdb-server: {e}");
            return 1;
        }
    };
    rt.block_on(async {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return,
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    });
    handle.stop();
    if let Some(p) = &opts.pidfile {
        let _ = std::fs::remove_file(p);
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(v: &[&str]) -> Result<Option<Options>, String> {
        parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn ovsdb_server_style_options() {
        let o = p(&[
            "a.db",
            "b.db",
            "--remote=punix:/x",
            "--remote=ptcp:1",
            "--pidfile=/p",
            "--no-chdir",
            "--unixctl=/c",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            o.databases,
            vec![PathBuf::from("a.db"), PathBuf::from("b.db")]
        );
        assert_eq!(o.remotes, vec!["punix:/x", "ptcp:1"]);
        assert_eq!(o.pidfile, Some(PathBuf::from("/p")));
        let o = p(&[]).unwrap().unwrap();
        assert!(o.databases[0].ends_with("conf.db"));
        assert!(p(&["--detach"]).is_err());
        assert!(p(&["--bogus"]).unwrap_err().contains("unrecognized option"));
    }
}
