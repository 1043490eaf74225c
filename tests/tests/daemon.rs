//! The daemon as a service manager or an init script drives it: `--detach --pidfile`
//! returns only once the switch is ready (its control socket answers and
//! `ovs-vsctl` sees its configuration applied), SIGHUP reopens the log (rvs), and
//! SIGTERM then leaves no pidfile, no control socket and no process behind.
//!
//! Run as root. `RVS_E2E_SWITCH=ovs` runs it against Debian's `ovs-vswitchd`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rvs_e2e::{
    cmd, ovs_env, require_root, sweep_leftovers, wait_until, Netns, Ovsdb, SwitchKind, TempDir,
    OVS_VSWITCHD, SETTLE,
};

/// Whether `pid` runs (a zombie does not).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit(") ").next().and_then(|s| s.chars().next());
            state != Some('Z')
        }
        Err(_) => false,
    }
}

/// Kills the detached daemon if the test fails before it stopped it.
struct Daemon(u32);

impl Drop for Daemon {
    fn drop(&mut self) {
        if alive(self.0) {
            cmd::signal(self.0, libc::SIGKILL);
        }
    }
}

fn control_sockets(dir: &Path, name: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!("{name}.")) && n.ends_with(".ctl"))
        .collect()
}

#[test]
fn detach_pidfile_then_sigterm_leaves_nothing_behind() {
    require_root();
    sweep_leftovers();
    let kind = SwitchKind::from_env();
    let name = kind.name();
    let tag = format!("rvs-{}-daemon", std::process::id());
    let dir = TempDir::new(&tag);
    let db = Ovsdb::start(dir.path());
    let ns = Netns::new(&format!("{tag}-sw"));
    let bin: PathBuf = match &kind {
        SwitchKind::Rvs(p) => p.clone(),
        SwitchKind::Ovs => OVS_VSWITCHD.into(),
    };
    let pidfile = dir.path().join(format!("{name}.pid"));
    let mut c = ns.command(&[
        bin.to_str().unwrap(),
        &db.remote(),
        "--detach",
        &format!("--pidfile={}", pidfile.display()),
        &format!(
            "--log-file={}",
            dir.path().join(format!("{name}.log")).display()
        ),
    ]);
    ovs_env(&mut c, dir.path());
    let out = cmd::run(&mut c, Duration::from_secs(60));
    assert!(
        out.status.success(),
        "{name} --detach failed: {}",
        cmd::stderr_str(&out)
    );

    // It returned only once ready: pidfile, process, control socket are there.
    let pid: u32 = std::fs::read_to_string(&pidfile)
        .expect("pidfile written before --detach returns")
        .trim()
        .parse()
        .expect("pid in pidfile");
    let _guard = Daemon(pid);
    assert!(alive(pid), "the daemon {pid} is not running");
    assert_eq!(
        control_sockets(dir.path(), name),
        [format!("{name}.{pid}.ctl")]
    );
    let mut appctl = Command::new("ovs-appctl");
    ovs_env(&mut appctl, dir.path()).args(["-t", name, "version"]);
    let v = cmd::run(&mut appctl, Duration::from_secs(20));
    assert!(v.status.success(), "version: {}", cmd::stderr_str(&v));
    // ovs-vsctl (waiting for cur_cfg) sees the daemon apply a change.
    db.vsctl_ok(&[
        "add-br",
        "br0",
        "--",
        "set",
        "bridge",
        "br0",
        "datapath_type=netdev",
    ]);

    // SIGHUP reopens the log after rotation (rvs only: OVS daemons exit on SIGHUP).
    if !kind.is_ovs() {
        let log = dir.path().join(format!("{name}.log"));
        let rotated = dir.path().join(format!("{name}.log.1"));
        std::fs::rename(&log, &rotated).unwrap();
        assert!(cmd::signal(pid, libc::SIGHUP));
        assert!(
            wait_until(SETTLE, || log.exists()),
            "SIGHUP did not reopen {}",
            log.display()
        );
        assert!(alive(pid), "the daemon died of SIGHUP");
    }

    assert!(cmd::signal(pid, libc::SIGTERM));
    assert!(
        wait_until(SETTLE, || !alive(pid)),
        "the daemon {pid} outlived SIGTERM"
    );
    assert!(!pidfile.exists(), "pidfile left behind");
    assert_eq!(control_sockets(dir.path(), name), Vec::<String>::new());
    drop(ns);
}

/// Under systemd (`Type=notify`): `READY=1` with the daemon's pid once the
/// configuration is applied, `STOPPING=1` on SIGTERM. rvs only: Debian's OVS does
/// not notify.
#[test]
fn sd_notify_ready_and_stopping() {
    require_root();
    sweep_leftovers();
    let SwitchKind::Rvs(bin) = SwitchKind::from_env() else {
        eprintln!("note: sd_notify is rvs's; nothing to check against OVS");
        return;
    };
    let tag = format!("rvs-{}-notify", std::process::id());
    let dir = TempDir::new(&tag);
    let db = Ovsdb::start(dir.path());
    db.vsctl_ok(&[
        "--no-wait",
        "add-br",
        "br0",
        "--",
        "set",
        "bridge",
        "br0",
        "datapath_type=netdev",
    ]);
    let ns = Netns::new(&format!("{tag}-sw"));
    let sock_path = dir.path().join("notify");
    let sock = std::os::unix::net::UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut c = ns.command(&[bin.to_str().unwrap(), &db.remote()]);
    ovs_env(&mut c, dir.path())
        .env("NOTIFY_SOCKET", &sock_path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd::die_with_parent(&mut c).spawn().unwrap();
    let mut buf = [0u8; 256];
    let n = sock.recv(&mut buf).expect("no READY=1 from the daemon");
    let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert_eq!(msg, format!("READY=1\nMAINPID={}", child.id()));
    // Ready means applied: the bridge's management socket is there.
    assert!(
        dir.path().join("br0.mgmt").exists(),
        "READY before br0.mgmt"
    );
    let status = cmd::stop_child(&mut child, libc::SIGTERM, SETTLE);
    assert!(status.success(), "exit status after SIGTERM: {status}");
    let n = sock.recv(&mut buf).expect("no STOPPING=1 from the daemon");
    assert_eq!(&buf[..n], b"STOPPING=1");
    drop(ns);
}
