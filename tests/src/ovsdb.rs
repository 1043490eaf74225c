//! A private `ovsdb-server` on a fresh `Open_vSwitch` database, and `ovs-vsctl`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::cmd::{self, QUICK};
use crate::wait_until;

/// The schema shipped by Debian's openvswitch-common.
pub const SCHEMA: &str = "/usr/share/openvswitch/vswitch.ovsschema";

/// `--timeout` given to every `ovs-vsctl`; a wall-clock guard kills it 5 s later.
pub const VSCTL_TIMEOUT: u64 = 10;

/// Sets the private OVS directories (`OVS_RUNDIR`, `OVS_DBDIR`, `OVS_LOGDIR`) on `cmd`,
/// so no OVS program touches /var/run/openvswitch or the system database.
pub fn ovs_env<'c>(cmd: &'c mut Command, dir: &Path) -> &'c mut Command {
    cmd.env("OVS_RUNDIR", dir)
        .env("OVS_DBDIR", dir)
        .env("OVS_LOGDIR", dir)
        .env("OVS_SYSCONFDIR", dir)
}

/// `ovsdb-server` serving `DIR/conf.db` on `unix:DIR/db.sock`, run as our child (not
/// detached) and stopped on drop.
#[derive(Debug)]
pub struct Ovsdb {
    dir: PathBuf,
    child: Option<Child>,
}

impl Ovsdb {
    /// Creates `DIR/conf.db`, starts the server, waits for its socket and runs
    /// `ovs-vsctl --no-wait init`.
    pub fn start(dir: &Path) -> Ovsdb {
        let db = dir.join("conf.db");
        cmd::run_ok(
            ovs_env(&mut Command::new("ovsdb-tool"), dir)
                .arg("create")
                .arg(&db)
                .arg(SCHEMA),
            QUICK,
        );
        let mut server = Ovsdb {
            dir: dir.to_owned(),
            child: None,
        };
        server.spawn();
        let out = server.vsctl(&["--no-wait", "init"]);
        assert!(
            out.status.success(),
            "ovs-vsctl init: {}",
            cmd::stderr_str(&out)
        );
        server
    }

    /// Starts `ovsdb-server` on the existing `DIR/conf.db` and waits for its socket.
    fn spawn(&mut self) {
        let dir = &self.dir;
        let sock = dir.join("db.sock");
        let log = File::options()
            .create(true)
            .append(true)
            .open(dir.join("ovsdb-server.stderr"))
            .expect("stderr file");
        let mut c = Command::new("ovsdb-server");
        ovs_env(&mut c, dir)
            .arg(dir.join("conf.db"))
            .arg(format!("--remote=punix:{}", sock.display()))
            .arg(format!(
                "--pidfile={}",
                dir.join("ovsdb-server.pid").display()
            ))
            .arg(format!(
                "--unixctl={}",
                dir.join("ovsdb-server.ctl").display()
            ))
            .arg(format!(
                "--log-file={}",
                dir.join("ovsdb-server.log").display()
            ))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("dup"))
            .stderr(log);
        let child = cmd::die_with_parent(&mut c)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start ovsdb-server: {e}"));
        self.child = Some(child);
        let up = wait_until(QUICK, || {
            sock.exists()
                || self
                    .child
                    .as_mut()
                    .is_some_and(|c| !matches!(c.try_wait(), Ok(None)))
        });
        assert!(
            up && sock.exists(),
            "ovsdb-server did not create {}:\n{}",
            sock.display(),
            self.log_tail(20)
        );
    }

    /// Kills the server with SIGKILL (its socket stays behind, as after a crash).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            cmd::stop_child(&mut child, libc::SIGKILL, Duration::from_secs(5));
        }
    }

    /// Starts the server again on the same database after [`Ovsdb::kill`].
    pub fn restart(&mut self) {
        self.kill();
        let _ = std::fs::remove_file(self.dir.join("db.sock"));
        self.spawn();
    }

    /// `unix:DIR/db.sock`, the remote the switch connects to.
    pub fn remote(&self) -> String {
        format!("unix:{}", self.dir.join("db.sock").display())
    }

    /// Runs the real `ovs-vsctl --db=unix:DIR/db.sock --timeout=10 ARGS...` with the
    /// private environment; panics only if it is still running 5 s after its own
    /// time-out (a hang). Without `--no-wait` in `args`, commands that change the
    /// configuration wait for the switch to report it applied (`cur_cfg`).
    pub fn vsctl(&self, args: &[&str]) -> Output {
        let mut c = Command::new("ovs-vsctl");
        ovs_env(&mut c, &self.dir)
            .arg(format!("--db={}", self.remote()))
            .arg(format!("--timeout={VSCTL_TIMEOUT}"))
            .args(args);
        cmd::run(&mut c, Duration::from_secs(VSCTL_TIMEOUT + 5))
    }

    /// Like [`Ovsdb::vsctl`], and also the wall-clock time it took.
    pub fn vsctl_timed(&self, args: &[&str]) -> (Output, Duration) {
        let t0 = Instant::now();
        let out = self.vsctl(args);
        (out, t0.elapsed())
    }

    /// Runs `ovs-vsctl ARGS` and panics unless it succeeded with an empty stderr
    /// (ovs-vsctl reports ports the switch failed to set up on stderr but still exits
    /// 0). Returns stdout, trimmed.
    pub fn vsctl_ok(&self, args: &[&str]) -> String {
        let out = self.vsctl(args);
        let err = cmd::stderr_str(&out);
        assert!(
            out.status.success() && err.trim().is_empty(),
            "`ovs-vsctl {}` failed ({}):\nstdout: {}\nstderr: {err}",
            args.join(" "),
            out.status,
            cmd::stdout_str(&out)
        );
        cmd::stdout_str(&out)
    }

    /// `ovs-vsctl get TABLE RECORD COLUMN`, trimmed, in OVSDB's text syntax (strings
    /// quoted when needed, `[]` for an empty optional value).
    pub fn get(&self, table: &str, record: &str, column: &str) -> String {
        self.vsctl_ok(&["--no-wait", "get", table, record, column])
    }

    /// `Interface.ofport` of `iface`; None while it is unset (`[]`).
    pub fn ofport(&self, iface: &str) -> Option<i64> {
        let v = self.get("Interface", iface, "ofport");
        if v == "[]" {
            return None;
        }
        Some(
            v.parse()
                .unwrap_or_else(|e| panic!("ofport of {iface}: {v:?}: {e}")),
        )
    }

    /// `Interface.error` of `iface`, unquoted; None while it is unset.
    pub fn iface_error(&self, iface: &str) -> Option<String> {
        let v = self.get("Interface", iface, "error");
        (v != "[]").then(|| unquote(&v))
    }

    /// Names of the bridges (`ovs-vsctl list-br`).
    pub fn bridges(&self) -> Vec<String> {
        let out = self.vsctl_ok(&["--no-wait", "list-br"]);
        out.lines().map(str::to_owned).collect()
    }

    /// `(cur_cfg, next_cfg)` of the `Open_vSwitch` row.
    pub fn cfg(&self) -> (i64, i64) {
        let n = |col: &str| -> i64 {
            let v = self.get("Open_vSwitch", ".", col);
            v.parse().unwrap_or_else(|e| panic!("{col} = {v:?}: {e}"))
        };
        (n("cur_cfg"), n("next_cfg"))
    }

    /// The last `n` lines of the server's log and stderr.
    pub fn log_tail(&self, n: usize) -> String {
        let mut s = String::new();
        for f in ["ovsdb-server.log", "ovsdb-server.stderr"] {
            s.push_str(&crate::switch::tail(&self.dir.join(f), n));
        }
        s
    }
}

impl Drop for Ovsdb {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            cmd::stop_child(&mut child, libc::SIGTERM, Duration::from_secs(5));
        }
    }
}

/// Removes OVSDB's quoting from a string value (`"a \"b\""` -> `a "b"`); returns
/// unquoted atoms unchanged.
pub fn unquote(v: &str) -> String {
    let v = v.trim();
    let Some(inner) = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return v.to_owned();
    };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unquote;

    #[test]
    fn unquote_strings_and_atoms() {
        assert_eq!(unquote("\"a \\\"b\\\" c\""), "a \"b\" c");
        assert_eq!(
            unquote("\"could not open network device x (No such device)\""),
            "could not open network device x (No such device)"
        );
        assert_eq!(unquote(" 65534\n"), "65534");
        assert_eq!(unquote("[]"), "[]");
    }
}
