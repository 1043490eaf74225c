//! Shared by the integration tests: a private `ovsdb-server` and child processes with a
//! time limit.
#![allow(dead_code)]

pub mod normalize;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SCHEMA: &str = "/usr/share/openvswitch/vswitch.ovsschema";

pub fn rvs_vsctl() -> PathBuf {
    if let Some(p) = std::env::var_os("RVS_VSCTL") {
        return PathBuf::from(p);
    }
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent().and_then(Path::parent) {
            let p = dir.join("rvs-vsctl");
            if p.is_file() {
                return p;
            }
        }
    }
    // Other crates' tests include this module too; only rvs-vsctl's define this.
    option_env!("CARGO_BIN_EXE_rvs-vsctl")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("rvs-vsctl"))
}

/// A private `ovsdb-server` in a temporary directory, stopped and removed on drop.
pub struct Server {
    pub dir: PathBuf,
    child: Option<Child>,
}

fn unique_dir(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("rvs-vsctl-diff-{}-{tag}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

pub fn env<'c>(c: &'c mut Command, dir: &Path) -> &'c mut Command {
    c.env("OVS_RUNDIR", dir)
        .env("OVS_DBDIR", dir)
        .env("OVS_LOGDIR", dir)
        .env("OVS_SYSCONFDIR", dir)
        .env("LC_ALL", "C")
}

impl Server {
    pub fn start(tag: &str) -> Server {
        Server::start_on(tag, Path::new("ovsdb-server"))
    }

    /// Like [`Server::start`], with another OVSDB server program (same options as
    /// `ovsdb-server`), e.g. `rvs-ovsdb-server`.
    pub fn start_on(tag: &str, program: &Path) -> Server {
        let s = Server::start_empty_on(tag, program);
        let out = s.run(Path::new("ovs-vsctl"), &["--no-wait".into(), "init".into()]);
        assert!(
            out.status.success(),
            "init: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        s
    }

    /// A server on a database without even the `Open_vSwitch` row.
    pub fn start_empty(tag: &str) -> Server {
        Server::start_empty_on(tag, Path::new("ovsdb-server"))
    }

    /// Like [`Server::start_empty`], with another OVSDB server program.
    pub fn start_empty_on(tag: &str, program: &Path) -> Server {
        let dir = unique_dir(tag);
        let mut s = Server { dir, child: None };
        let db = s.dir.join("conf.db");
        let st = env(&mut Command::new("ovsdb-tool"), &s.dir)
            .arg("create")
            .arg(&db)
            .arg(SCHEMA)
            .status()
            .expect("ovsdb-tool");
        assert!(st.success(), "ovsdb-tool create failed");
        let sock = s.dir.join("db.sock");
        let child = env(&mut Command::new(program), &s.dir)
            .arg(&db)
            .arg(format!("--remote=punix:{}", sock.display()))
            .arg(format!(
                "--unixctl={}",
                s.dir.join("ovsdb-server.ctl").display()
            ))
            .arg("--no-chdir")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ovsdb-server");
        s.child = Some(child);
        let t0 = Instant::now();
        while !sock.exists() {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "{} did not start",
                program.display()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let out = s.run(Path::new("ovs-vsctl"), &["--no-wait".into(), "init".into()]);
        assert!(
            out.status.success(),
            "init: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        s
    }

    pub fn run(&self, prog: &Path, args: &[String]) -> Output {
        let mut c = Command::new(prog);
        env(&mut c, &self.dir).args(args).stdin(Stdio::null());
        let child = c
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        wait_with_timeout(
            child,
            Duration::from_secs(20),
            &format!("{} {args:?}", prog.display()),
        )
    }

    pub fn dump(&self) -> String {
        let out = self.run(
            Path::new("ovsdb-client"),
            &[
                "dump".into(),
                format!("unix:{}/db.sock", self.dir.display()),
                "Open_vSwitch".into(),
            ],
        );
        assert!(out.status.success(), "dump failed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

pub fn wait_with_timeout(mut child: Child, limit: Duration, what: &str) -> Output {
    use std::io::Read;
    // Read both pipes while waiting, so a child with a lot to say does not block.
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut v);
            }
            v
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|x| Box::new(x) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|x| Box::new(x) as Box<dyn Read + Send>),
    );
    let t0 = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let e = err.join().unwrap_or_default();
            panic!("{what}: timed out; stderr: {}", String::from_utf8_lossy(&e));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
