//! Shared by this crate's integration tests: a private OVSDB server (Debian's
//! `ovsdb-server` or `rvs-ovsdb-server`) on a fresh database in a temporary
//! directory, stopped and removed on drop; commands with a time limit.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Which server to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Debian's `ovsdb-server`, the oracle.
    Ovs,
    /// `rvs-ovsdb-server`.
    Rvs,
}

pub fn rvs_server_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rvs-ovsdb-server"))
}

/// Whether the Open vSwitch tools a differential test needs are installed. When
/// they are not, the test fails if `RVS_REQUIRE_ORACLES=1` (CI sets it) and is
/// otherwise skipped with a note (returns false).
pub fn have_ovs_tools(extra: &[&str]) -> bool {
    let missing: Vec<&str> = ["ovsdb-server", "ovsdb-tool", "ovsdb-client"]
        .iter()
        .chain(extra)
        .copied()
        .filter(|t| Command::new(t).arg("--version").output().is_err())
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("RVS_REQUIRE_ORACLES").as_deref() != Ok("1"),
        "{missing:?} not installed: this differential test needs Open vSwitch 3.1 (scripts/deps.sh)"
    );
    eprintln!("skipping: {missing:?} not installed (Open vSwitch 3.1 is the oracle)");
    false
}

pub fn unique_dir(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("rvs-ovsdb-{}-{tag}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

pub struct TestServer {
    pub dir: PathBuf,
    pub kind: Kind,
    child: Option<Child>,
}

impl TestServer {
    /// Creates `DIR/conf.db` with `ovsdb-tool create DB SCHEMA` and serves it.
    pub fn start(kind: Kind, tag: &str, schema: &Path) -> TestServer {
        let dir = unique_dir(tag);
        let db = dir.join("conf.db");
        let st = Command::new("ovsdb-tool")
            .arg("create")
            .arg(&db)
            .arg(schema)
            .status()
            .expect("ovsdb-tool");
        assert!(st.success(), "ovsdb-tool create failed");
        let mut s = TestServer {
            dir,
            kind,
            child: None,
        };
        s.spawn();
        s
    }

    /// Serves an existing `DIR/conf.db` (again).
    pub fn spawn(&mut self) {
        let sock = self.dir.join("db.sock");
        let _ = std::fs::remove_file(&sock);
        let prog = match self.kind {
            Kind::Ovs => PathBuf::from("ovsdb-server"),
            Kind::Rvs => rvs_server_bin(),
        };
        let child = Command::new(&prog)
            .arg(self.dir.join("conf.db"))
            .arg(format!("--remote=punix:{}", sock.display()))
            .arg(format!("--unixctl={}", self.dir.join("ctl").display()))
            .arg("--no-chdir")
            .env("OVS_RUNDIR", &self.dir)
            .env("OVS_DBDIR", &self.dir)
            .env("OVS_LOGDIR", &self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", prog.display()));
        self.child = Some(child);
        let t0 = Instant::now();
        while !sock.exists() {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "{} did not start",
                prog.display()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGKILL, no cleanup.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn remote(&self) -> String {
        format!("unix:{}", self.dir.join("db.sock").display())
    }

    /// `ovsdb-client ARGS` with the remote substituted for `@REMOTE@`.
    pub fn client(&self, args: &[&str]) -> Output {
        let remote = self.remote();
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("@REMOTE@", &remote))
            .collect();
        let mut c = Command::new("ovsdb-client");
        c.args(&args);
        run_with_timeout(c, Duration::from_secs(20))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn run_with_timeout(mut c: Command, limit: Duration) -> Output {
    let child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_output(child, limit)
}

pub fn wait_output(mut child: Child, limit: Duration) -> Output {
    use std::io::Read;
    let mut so = child.stdout.take();
    let mut se = child.stderr.take();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(r) = so.as_mut() {
            let _ = r.read_to_end(&mut v);
        }
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(r) = se.as_mut() {
            let _ = r.read_to_end(&mut v);
        }
        v
    });
    let t0 = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            break child.wait().expect("wait");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    Output {
        status,
        stdout: t_out.join().unwrap_or_default(),
        stderr: t_err.join().unwrap_or_default(),
    }
}

fn is_uuid_at(b: &[u8], i: usize) -> bool {
    i + 36 <= b.len()
        && (0..36).all(|k| match k {
            8 | 13 | 18 | 23 => b[i + k] == b'-',
            _ => b[i + k].is_ascii_hexdigit(),
        })
}

/// Replaces every UUID in `s` with `<u>`.
pub fn mask_uuids(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        if is_uuid_at(b, i) {
            out.push_str(&s[last..i]);
            out.push_str("<u>");
            i += 36;
            last = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&s[last..]);
    out
}
