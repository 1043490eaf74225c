//! Command-line options, spelled as `ovs-vswitchd` spells them.

use std::path::PathBuf;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// The OVSDB remote (`unix:PATH` or `tcp:IP:PORT`).
    pub remote: String,
    /// No remote was given: serve `$OVS_DBDIR/conf.db` with the embedded OVSDB
    /// server on `punix:$OVS_RUNDIR/db.sock` and connect to that.
    pub embedded_db: Option<PathBuf>,
    /// Where to write the pid, if anywhere.
    pub pidfile: Option<PathBuf>,
    /// Where to append the log, besides stderr.
    pub log_file: Option<PathBuf>,
    /// Log debug messages too.
    pub verbose: bool,
    /// `-vSPEC` / `--verbose=SPEC`: `vlog/set` specs applied at start-up.
    pub vlog: Vec<String>,
    /// `--detach`: run in the background, returning once ready.
    pub detach: bool,
    /// `--no-chdir`: with `--detach`, stay in the current directory.
    pub no_chdir: bool,
    /// `--monitor`: accepted as OVS does; rvs leaves restarts to systemd.
    pub monitor: bool,
    /// `--mlockall`: lock all memory.
    pub mlockall: bool,
    /// The run directory (`OVS_RUNDIR`).
    pub rundir: PathBuf,
    /// `--unixctl=PATH`: the control socket (default `$OVS_RUNDIR/rvs-vswitchd.PID.ctl`).
    pub unixctl: Option<PathBuf>,
    /// `--private-key`, `--certificate`, `--ca-cert` for `ssl:` remotes.
    pub ssl: Option<rvs_ovsdb_client::SslOptions>,
}

/// A parsed command line: run, or print something and exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// Start the daemon.
    Run(Box<Args>),
    /// Print this text and exit successfully (`--help`, `--version`).
    Exit(String),
}

const USAGE: &str = "\
rvs-vswitchd: userspace OpenFlow switch, a drop-in for ovs-vswitchd
usage: rvs-vswitchd [OPTIONS] [DATABASE]
where DATABASE is a socket on which ovsdb-server is listening.
Without DATABASE, rvs-vswitchd serves $OVS_DBDIR/conf.db itself (created if
absent) on \"punix:$OVS_RUNDIR/db.sock\" with its embedded OVSDB server, or,
when an ovsdb-server already serves that file, connects to \"unix:$OVS_RUNDIR/db.sock\".
  unix:FILE               Unix domain socket named FILE
  tcp:IP:PORT             TCP socket to IP with port PORT
  ssl:IP:PORT             SSL socket to IP with port PORT
  (several, comma-separated, for the members of a clustered database)

PKI configuration (required to use SSL):
  --private-key=FILE      file with private key
  --certificate=FILE      file with certificate for private key
  --ca-cert=FILE          file with peer CA certificate

Daemon options:
  --pidfile[=FILE]        create pidfile (default: $OVS_RUNDIR/rvs-vswitchd.pid)
  --log-file[=FILE]       also log to FILE (default: $OVS_LOGDIR/rvs-vswitchd.log)
  --unixctl=SOCKET        override default control socket name
  --detach                run in background as daemon (returns when ready)
  --no-chdir              do not chdir to '/'
  --monitor               accepted for OVS compatibility (use systemd's Restart=)
  --overwrite-pidfile     accepted (a stale pidfile is always replaced)
  --mlockall              lock all memory
  -v, --verbose           log debug messages
  -vSPEC, --verbose=SPEC  set logging levels (as vlog/set: [module:][dest:]level)
  -h, --help              display this help message
  -V, --version           display version information
";

fn env_dir(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

impl Args {
    /// Parses arguments (without the program name).
    pub fn parse<I: IntoIterator<Item = String>>(argv: I) -> Result<Parsed, String> {
        let rundir = env_dir("OVS_RUNDIR", "/var/run/openvswitch");
        let logdir = env_dir("OVS_LOGDIR", "/var/log/openvswitch");
        let mut remote = None;
        let mut a = Args {
            remote: String::new(),
            embedded_db: None,
            pidfile: None,
            log_file: None,
            verbose: false,
            vlog: Vec::new(),
            detach: false,
            no_chdir: false,
            monitor: false,
            mlockall: false,
            rundir: rundir.clone(),
            unixctl: None,
            ssl: None,
        };
        let (mut key, mut cert, mut ca) = (None, None, None);
        for arg in argv {
            match arg.as_str() {
                "-h" | "--help" => return Ok(Parsed::Exit(USAGE.into())),
                "-V" | "--version" => {
                    return Ok(Parsed::Exit(format!(
                        "rvs-vswitchd (rvs) {}\n",
                        env!("CARGO_PKG_VERSION")
                    )))
                }
                "-v" | "--verbose" => a.verbose = true,
                "--detach" => a.detach = true,
                "--no-chdir" => a.no_chdir = true,
                "--monitor" => a.monitor = true,
                "--mlockall" => a.mlockall = true,
                "--overwrite-pidfile" => {}
                s if s.starts_with("--verbose=") => a.vlog.push(s["--verbose=".len()..].into()),
                s if s.starts_with("-v") && !s.starts_with("--") => a.vlog.push(s[2..].into()),
                "--pidfile" => a.pidfile = Some(rundir.join("rvs-vswitchd.pid")),
                "--log-file" => a.log_file = Some(logdir.join("rvs-vswitchd.log")),
                s if s.starts_with("--pidfile=") => {
                    a.pidfile = Some(s["--pidfile=".len()..].into())
                }
                s if s.starts_with("--log-file=") => {
                    a.log_file = Some(s["--log-file=".len()..].into())
                }
                s if s.starts_with("--unixctl=") => {
                    a.unixctl = Some(s["--unixctl=".len()..].into())
                }
                s if s.starts_with("--private-key=") => {
                    key = Some(s["--private-key=".len()..].into())
                }
                s if s.starts_with("--certificate=") => {
                    cert = Some(s["--certificate=".len()..].into())
                }
                s if s.starts_with("--ca-cert=") => ca = Some(s["--ca-cert=".len()..].into()),
                s if s.starts_with('-') => {
                    return Err(format!("unrecognized option '{s}' (use --help for help)"))
                }
                s => {
                    if remote.is_some() {
                        return Err("exactly zero or one non-option argument required; \
                                    use --help for usage"
                            .into());
                    }
                    remote = Some(s.to_string());
                }
            }
        }
        if remote.is_none() {
            a.embedded_db = Some(env_dir("OVS_DBDIR", "/etc/openvswitch").join("conf.db"));
        }
        a.remote = remote.unwrap_or_else(|| format!("unix:{}/db.sock", rundir.display()));
        for r in a.remote.split(',') {
            if !["unix:", "tcp:", "ssl:"].iter().any(|p| r.starts_with(p)) {
                return Err(format!("{r}: unsupported database remote"));
            }
        }
        match (key, cert, ca) {
            (Some(private_key), Some(certificate), Some(ca_cert)) => {
                a.ssl = Some(rvs_ovsdb_client::SslOptions {
                    private_key,
                    certificate,
                    ca_cert,
                })
            }
            (None, None, None) if a.remote.contains("ssl:") => {
                return Err("SSL remotes require --private-key, --certificate and --ca-cert".into())
            }
            (None, None, None) => {}
            _ => return Err("--private-key, --certificate and --ca-cert go together".into()),
        }
        Ok(Parsed::Run(Box::new(a)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &[&str]) -> Result<Parsed, String> {
        Args::parse(v.iter().map(|s| s.to_string()))
    }

    #[test]
    fn ovs_style_options() {
        let Ok(Parsed::Run(a)) = parse(&["unix:/tmp/x/db.sock", "--pidfile=/tmp/p", "-v"]) else {
            panic!()
        };
        assert_eq!(a.remote, "unix:/tmp/x/db.sock");
        assert_eq!(a.pidfile, Some(PathBuf::from("/tmp/p")));
        assert!(a.verbose);
        let Ok(Parsed::Run(a)) = parse(&[
            "--detach",
            "--no-chdir",
            "--monitor",
            "--mlockall",
            "-vconsole:off",
            "--verbose=file:dbg",
        ]) else {
            panic!()
        };
        assert!(a.detach && a.no_chdir && a.monitor && a.mlockall && !a.verbose);
        assert_eq!(a.vlog, ["console:off", "file:dbg"]);
        assert!(matches!(parse(&["--help"]), Ok(Parsed::Exit(_))));
        assert!(parse(&["--bogus"])
            .unwrap_err()
            .contains("unrecognized option"));
        assert!(parse(&["ssl:1.2.3.4:6640"]).is_err(), "ssl without a PKI");
        let Ok(Parsed::Run(a)) = parse(&[
            "ssl:1.2.3.4:6640,unix:/x",
            "--private-key=k",
            "--certificate=c",
            "--ca-cert=ca",
        ]) else {
            panic!()
        };
        assert_eq!(a.ssl.unwrap().ca_cert, PathBuf::from("ca"));
        assert!(parse(&["--private-key=k"]).is_err());
        assert!(parse(&["ptcp:6640"]).is_err());
        assert!(parse(&["unix:a", "unix:b"]).is_err());
        assert_eq!(a.embedded_db, None);
        let Ok(Parsed::Run(a)) = parse(&[]) else {
            panic!()
        };
        assert!(a.embedded_db.is_some_and(|p| p.ends_with("conf.db")));
        assert!(a.remote.ends_with("/db.sock"));
    }
}
