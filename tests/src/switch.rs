//! The switch under test, `rvs-vswitchd` or the real `ovs-vswitchd`, run inside its
//! own network namespace.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::cmd;
use crate::netns::Netns;
use crate::ovsdb::{ovs_env, Ovsdb};

/// Debian's plain (non-DPDK) Open vSwitch daemon, the reference implementation.
pub const OVS_VSWITCHD: &str = "/usr/sbin/ovs-vswitchd";
/// Debian's DPDK build of it, the reference for DPDK tests.
pub const OVS_VSWITCHD_DPDK: &str = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk";

/// Which daemon the tests drive: chosen by `RVS_E2E_SWITCH` (`rvs`, the default, or
/// `ovs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SwitchKind {
    /// `rvs-vswitchd` at this path.
    Rvs(PathBuf),
    /// `/usr/sbin/ovs-vswitchd` with the userspace (netdev) datapath.
    Ovs,
}

impl SwitchKind {
    /// Reads `RVS_E2E_SWITCH`; for rvs locates the binary (`RVS_VSWITCHD`, else next to
    /// the test binary's `deps/` directory, i.e. `target/<profile>/rvs-vswitchd`) and
    /// panics with instructions when it is not there. Never skips.
    pub fn from_env() -> SwitchKind {
        let which = std::env::var("RVS_E2E_SWITCH").unwrap_or_default();
        match which.as_str() {
            "" | "rvs" => SwitchKind::Rvs(rvs_binary()),
            "ovs" => {
                assert!(
                    Path::new(OVS_VSWITCHD).exists(),
                    "RVS_E2E_SWITCH=ovs but {OVS_VSWITCHD} is missing: run scripts/deps.sh"
                );
                SwitchKind::Ovs
            }
            other => panic!("RVS_E2E_SWITCH={other:?}: expected `rvs` (default) or `ovs`"),
        }
    }

    /// Short name for messages and file names: `rvs-vswitchd` or `ovs-vswitchd`.
    pub fn name(&self) -> &'static str {
        match self {
            SwitchKind::Rvs(_) => "rvs-vswitchd",
            SwitchKind::Ovs => "ovs-vswitchd",
        }
    }

    pub fn is_ovs(&self) -> bool {
        matches!(self, SwitchKind::Ovs)
    }
}

fn rvs_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("RVS_VSWITCHD") {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "RVS_VSWITCHD={} does not name a file",
            p.display()
        );
        return p;
    }
    let exe = std::env::current_exe().expect("current_exe");
    // target/<profile>/deps/<test>-<hash>  ->  target/<profile>/rvs-vswitchd
    let dir = exe
        .parent()
        .filter(|d| d.ends_with("deps"))
        .and_then(Path::parent)
        .or_else(|| exe.parent())
        .expect("test binary has a parent directory");
    let p = dir.join("rvs-vswitchd");
    assert!(
        p.is_file(),
        "rvs-vswitchd not found at {}.\nBuild it first (`cargo build -p rvs-vswitchd`, or \
         `cargo build --workspace --all-targets` as scripts/test.sh does), point \
         RVS_VSWITCHD at a binary, or run the tests against Open vSwitch with \
         RVS_E2E_SWITCH=ovs.",
        p.display()
    );
    p
}

/// The running switch daemon: our child, in namespace `ns`, talking to the test's
/// ovsdb-server, with pidfile, log file and stderr in the test's temp dir. Killed on
/// drop; when the test is failing, the tail of its log goes into the test output.
#[derive(Debug)]
pub struct Switch {
    kind: SwitchKind,
    ns: String,
    dir: PathBuf,
    remote: String,
    child: Option<Child>,
    /// Run OVS's DPDK build (for DPDK tests against the oracle).
    dpdk: bool,
}

impl Switch {
    /// Starts the daemon of `kind` in `ns` against `db`. Does not wait for it to be
    /// ready: `ovs-vsctl` without `--no-wait` does that.
    pub fn start(kind: SwitchKind, ns: &Netns, dir: &Path, db: &Ovsdb) -> Switch {
        Switch::start_with(kind, ns, dir, db, false)
    }

    /// [`Switch::start`]; with `dpdk`, OVS runs as its DPDK build.
    pub fn start_with(kind: SwitchKind, ns: &Netns, dir: &Path, db: &Ovsdb, dpdk: bool) -> Switch {
        let mut sw = Switch {
            kind,
            ns: ns.name().to_owned(),
            dir: dir.to_owned(),
            remote: db.remote(),
            child: None,
            dpdk,
        };
        sw.spawn();
        sw
    }

    pub fn kind(&self) -> &SwitchKind {
        &self.kind
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.join(format!("{}.log", self.kind.name()))
    }

    fn stderr_path(&self) -> PathBuf {
        self.dir.join(format!("{}.stderr", self.kind.name()))
    }

    fn spawn(&mut self) {
        assert!(self.child.is_none(), "switch already running");
        let name = self.kind.name();
        let d = |f: &str| self.dir.join(f).display().to_string();
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns]);
        match &self.kind {
            SwitchKind::Rvs(bin) => {
                c.arg(bin).env("RUST_BACKTRACE", "1");
            }
            SwitchKind::Ovs => {
                let bin = if self.dpdk {
                    OVS_VSWITCHD_DPDK
                } else {
                    OVS_VSWITCHD
                };
                c.arg(bin)
                    .arg(format!("--unixctl={}", d("ovs-vswitchd.ctl")));
            }
        }
        c.arg(&self.remote)
            .arg(format!("--pidfile={}", d(&format!("{name}.pid"))))
            .arg(format!("--log-file={}", d(&format!("{name}.log"))));
        ovs_env(&mut c, &self.dir);
        // Stdout and stderr (panics, early errors) of every run, appended.
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.stderr_path())
            .expect("switch stderr file");
        c.stdin(Stdio::null())
            .stdout(out.try_clone().expect("dup"))
            .stderr(out);
        let what = cmd::describe(&c);
        let child = cmd::die_with_parent(&mut c)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{what}`: {e}"));
        self.child = Some(child);
    }

    /// Process id of the running daemon (`ip netns exec` execs it in place).
    /// The target `ovs-appctl -t` takes for this switch: rvs by name (found through
    /// its pidfile in `OVS_RUNDIR`, as operators call it), OVS by socket path.
    pub fn appctl_target(&self) -> String {
        match &self.kind {
            SwitchKind::Rvs(_) => "rvs-vswitchd".into(),
            SwitchKind::Ovs => self.dir.join("ovs-vswitchd.ctl").display().to_string(),
        }
    }

    /// The exit status, if the daemon has exited (and forgets the child then).
    pub fn try_exited(&mut self) -> Option<std::process::ExitStatus> {
        let status = self.child.as_mut()?.try_wait().ok()??;
        self.child = None;
        Some(status)
    }

    /// The switch's files directory (also its `OVS_RUNDIR`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// True while the daemon runs; panics with its log if it exited on its own.
    pub fn assert_running(&mut self) {
        let child = self.child.as_mut().expect("switch is not started");
        if let Ok(Some(status)) = child.try_wait() {
            self.child = None;
            panic!(
                "{} exited on its own ({status})\n{}",
                self.kind.name(),
                self.log_tail(40)
            );
        }
    }

    /// SIGKILL: no chance to clean up, as in a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then SIGKILL after 10 s.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            cmd::stop_child(&mut child, libc::SIGTERM, Duration::from_secs(10));
        }
    }

    /// Starts the daemon again with the same arguments (after [`Switch::kill`] or
    /// [`Switch::stop`]; stops it first if it still runs).
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// The last `n` lines of the daemon's log file and of its stderr.
    pub fn log_tail(&self, n: usize) -> String {
        tail(&self.log_path(), n) + &tail(&self.stderr_path(), n)
    }
}

impl Drop for Switch {
    fn drop(&mut self) {
        let failing = std::thread::panicking();
        if failing {
            eprintln!("{}", self.log_tail(60));
        }
        self.stop();
    }
}

/// `==> FILE (last n lines) <==` followed by those lines; empty if the file is
/// missing or empty.
pub(crate) fn tail(path: &Path, n: usize) -> String {
    let Ok(text) = std::fs::read(path) else {
        return String::new();
    };
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        return String::new();
    }
    let from = lines.len().saturating_sub(n);
    let mut s = format!(
        "==> {} (last {} lines) <==\n",
        path.display(),
        lines.len() - from
    );
    for l in &lines[from..] {
        s.push_str(l);
        s.push('\n');
    }
    s
}
