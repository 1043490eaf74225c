//! The walking skeleton without Open vSwitch: `rvs-vswitchd` started with no
//! database argument serves `$OVS_DBDIR/conf.db` itself (created on first start) on
//! `punix:$OVS_RUNDIR/db.sock`, and is configured with `rvs-vsctl` only. Neither
//! program gets a `PATH` with any Open vSwitch binary on it. Two hosts ping through
//! a netdev bridge; a missing device is reported in `Interface.error`; after a
//! `kill -9` and a restart the configuration is still there and forwarding resumes.
//!
//! Run as root (network namespaces). Only for rvs: with `RVS_E2E_SWITCH=ovs` the
//! test has nothing to compare and returns.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use rvs_e2e::{
    cmd, require_root, sweep_leftovers, wait_until, Host, Id, Netns, SwitchKind, TempDir, SETTLE,
};

fn sibling(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let dir = exe
        .parent()
        .filter(|d| d.ends_with("deps"))
        .and_then(Path::parent)
        .or_else(|| exe.parent())
        .expect("test binary has a parent directory")
        .to_path_buf();
    let p = dir.join(name);
    assert!(
        p.is_file(),
        "{name} not found at {}: build the workspace first",
        p.display()
    );
    p
}

fn find_ip() -> PathBuf {
    ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .expect("iproute2's ip")
}

struct Env {
    dir: PathBuf,
    /// A PATH with nothing on it but `ip`.
    path: PathBuf,
}

impl Env {
    fn apply<'c>(&self, c: &'c mut Command) -> &'c mut Command {
        c.env("OVS_RUNDIR", &self.dir)
            .env("OVS_DBDIR", &self.dir)
            .env("OVS_LOGDIR", &self.dir)
            .env("OVS_SYSCONFDIR", &self.dir)
            .env("PATH", &self.path)
    }

    fn vsctl(&self, args: &[&str]) -> Output {
        let mut c = Command::new(sibling("rvs-vsctl"));
        self.apply(&mut c).arg("--timeout=10").args(args);
        cmd::run(&mut c, Duration::from_secs(15))
    }

    fn vsctl_ok(&self, args: &[&str]) -> String {
        let out = self.vsctl(args);
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "rvs-vsctl {args:?}: {}\n{}",
            out.status,
            cmd::stderr_str(&out)
        );
        cmd::stdout_str(&out)
    }

    fn start_switch(&self, ns: &Netns) -> Child {
        let mut c = Command::new(find_ip());
        c.args(["netns", "exec", ns.name()])
            .arg(sibling("rvs-vswitchd"));
        self.apply(&mut c)
            .arg(format!(
                "--pidfile={}",
                self.dir.join("rvs-vswitchd.pid").display()
            ))
            .arg(format!(
                "--log-file={}",
                self.dir.join("rvs-vswitchd.log").display()
            ))
            .env("RUST_BACKTRACE", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd::die_with_parent(&mut c).spawn().expect("rvs-vswitchd");
        let sock = self.dir.join("db.sock");
        assert!(
            wait_until(SETTLE, || sock.exists()),
            "the embedded database never listened on {}",
            sock.display()
        );
        child
    }
}

#[test]
fn embedded_database_with_rvs_vsctl_only() {
    if SwitchKind::from_env().is_ovs() {
        eprintln!("embedded_db: RVS_E2E_SWITCH=ovs: rvs-only test, nothing to do");
        return;
    }
    require_root();
    sweep_leftovers();
    let id = Id::next();
    let tmp = TempDir::new(&format!("{}-embedded", id.long()));
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    std::os::unix::fs::symlink(find_ip(), bin.join("ip")).expect("symlink ip");
    let env = Env {
        dir: tmp.path().to_path_buf(),
        path: bin,
    };
    let sw_ns = Netns::new(&format!("{}-sw", id.long()));
    let mut switch = env.start_switch(&sw_ns);
    assert!(
        tmp.path().join("conf.db").is_file(),
        "conf.db was not created"
    );

    // 1. A bridge, applied (rvs-vsctl waits for cur_cfg).
    env.vsctl_ok(&[
        "add-br",
        "br0",
        "--",
        "set",
        "bridge",
        "br0",
        "datapath_type=netdev",
    ]);
    assert!(sw_ns.has_link("br0"), "no tap device br0");

    // 2. Two hosts ping each other.
    let a = Host::new(&id, &sw_ns, "a", "10.0.0.1/24");
    let b = Host::new(&id, &sw_ns, "b", "10.0.0.2/24");
    env.vsctl_ok(&["add-port", "br0", &a.port]);
    env.vsctl_ok(&["add-port", "br0", &b.port]);
    assert!(a.ping(&b.ip, 3) && b.ping(&a.ip, 3), "ping through br0");
    let ofport = |iface: &str| {
        env.vsctl_ok(&["--no-wait", "get", "interface", iface, "ofport"])
            .trim()
            .to_string()
    };
    assert_ne!(ofport(&a.port), "[]");
    assert_eq!(ofport("br0"), "65534");

    // 3. A port whose device does not exist gets an error; the others keep working.
    let out = env.vsctl(&["add-port", "br0", "nosuchdev"]);
    assert!(
        out.status.success(),
        "add-port nosuchdev: {}",
        cmd::stderr_str(&out)
    );
    let err = env.vsctl_ok(&["--no-wait", "get", "interface", "nosuchdev", "error"]);
    assert!(
        err.contains("could not open network device nosuchdev"),
        "error: {err}"
    );
    assert!(a.ping(&b.ip, 2), "ping after the bad port");

    // 4. kill -9 (switch and its database together), restart: the configuration
    //    came back from conf.db and forwarding resumes.
    cmd::stop_child(&mut switch, libc::SIGKILL, Duration::from_secs(5));
    let _ = std::fs::remove_file(tmp.path().join("db.sock"));
    let mut switch = env.start_switch(&sw_ns);
    assert_eq!(env.vsctl_ok(&["--no-wait", "list-br"]).trim(), "br0");
    let ports = env.vsctl_ok(&["--no-wait", "list-ports", "br0"]);
    assert!(
        ports.contains(&a.port) && ports.contains(&b.port),
        "ports after restart: {ports}"
    );
    assert!(
        wait_until(SETTLE, || a.ping(&b.ip, 1)),
        "no forwarding after the restart"
    );
    assert!(b.ping(&a.ip, 3), "ping back after the restart");
    cmd::stop_child(&mut switch, libc::SIGTERM, Duration::from_secs(5));
}
