//! The client against Debian's real `ovsdb-server`, under faults: a server killed and
//! restarted on the same database, and a 3-member cluster losing the member the client
//! uses. Every change made while the client was away must show up after the resync.
//!
//! Needs `ovsdb-server`, `ovsdb-tool` and `ovs-vsctl` (scripts/deps.sh installs them).
//! When they are missing the tests fail if `RVS_REQUIRE_ORACLES=1`, else they skip
//! with a note.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rvs_ovsdb_client::{Client, Replica, Session};

const SCHEMA: &str = "/usr/share/openvswitch/vswitch.ovsschema";
const DEADLINE: Duration = Duration::from_secs(30);

fn tools_present() -> bool {
    let ok = Path::new(SCHEMA).exists()
        && ["ovsdb-server", "ovsdb-tool", "ovs-vsctl"].iter().all(|t| {
            Command::new(t)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    if !ok {
        assert!(
            std::env::var("RVS_REQUIRE_ORACLES").as_deref() != Ok("1"),
            "ovsdb-server/ovsdb-tool/ovs-vsctl or {SCHEMA} missing (run scripts/deps.sh)"
        );
        eprintln!("skipping: Open vSwitch's ovsdb tools are not installed");
    }
    ok
}

/// A temp dir and the servers started in it; everything is killed and removed on drop.
struct Lab {
    dir: PathBuf,
    servers: Vec<Option<Child>>,
}

impl Lab {
    fn new(name: &str) -> Lab {
        let dir = std::env::temp_dir().join(format!("rvs-ovsdb-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Lab {
            dir,
            servers: Vec::new(),
        }
    }

    fn path(&self, f: &str) -> String {
        self.dir.join(f).display().to_string()
    }

    fn run(&self, prog: &str, args: &[&str]) -> String {
        let out = Command::new(prog)
            .args(args)
            .env("OVS_RUNDIR", &self.dir)
            .env("OVS_DBDIR", &self.dir)
            .env("OVS_LOGDIR", &self.dir)
            .output()
            .unwrap_or_else(|e| panic!("{prog}: {e}"));
        assert!(
            out.status.success(),
            "{prog} {args:?}: {}: {}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts server `i` on database file `db`, listening on `sN.sock`.
    fn start(&mut self, i: usize, db: &str) {
        let sock = self.path(&format!("s{i}.sock"));
        let _ = std::fs::remove_file(&sock);
        let child = Command::new("ovsdb-server")
            .arg(self.path(db))
            .arg(format!("--remote=punix:{sock}"))
            .arg(format!("--unixctl={}", self.path(&format!("s{i}.ctl"))))
            .arg(format!("--log-file={}", self.path(&format!("s{i}.log"))))
            .env("OVS_RUNDIR", &self.dir)
            .env("OVS_DBDIR", &self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ovsdb-server");
        if self.servers.len() <= i {
            self.servers.resize_with(i + 1, || None);
        }
        self.servers[i] = Some(child);
        let t0 = std::time::Instant::now();
        while !Path::new(&sock).exists() {
            assert!(t0.elapsed() < DEADLINE, "server {i} did not create {sock}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(&mut self, i: usize) {
        if let Some(mut c) = self.servers[i].take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn remote(&self, i: usize) -> String {
        format!("unix:{}", self.path(&format!("s{i}.sock")))
    }

    /// `ovs-vsctl --no-wait ARGS` against any of `members`.
    fn vsctl(&self, members: &[usize], args: &[&str]) {
        let db: Vec<String> = members.iter().map(|i| self.remote(*i)).collect();
        let mut a = vec![
            format!("--db={}", db.join(",")),
            "--no-wait".into(),
            "--timeout=20".into(),
        ];
        a.extend(args.iter().map(|s| s.to_string()));
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        self.run("ovs-vsctl", &a);
    }
}

impl Lab {
    /// Like [`Lab::vsctl`], retried until it succeeds or the deadline passes.
    fn vsctl_retry(&self, members: &[usize], args: &[&str]) {
        let db: Vec<String> = members.iter().map(|i| self.remote(*i)).collect();
        let t0 = std::time::Instant::now();
        loop {
            let out = Command::new("ovs-vsctl")
                .arg(format!("--db={}", db.join(",")))
                .args(["--no-wait", "--timeout=5"])
                .args(args)
                .output()
                .expect("ovs-vsctl");
            if out.status.success() {
                return;
            }
            assert!(
                t0.elapsed() < DEADLINE,
                "ovs-vsctl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for i in 0..self.servers.len() {
            self.kill(i);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn client(remotes: &str) -> Client {
    let session = Session::new(
        "Open_vSwitch",
        &[
            ("Open_vSwitch", &["bridges", "next_cfg"]),
            ("Bridge", &["name"]),
        ],
        None,
    );
    Client::new(remotes, session)
}

fn bridges(r: &Replica) -> Vec<String> {
    let mut v: Vec<String> = r
        .rows("Bridge")
        .map(|b| b.str("name").to_string())
        .collect();
    v.sort();
    v
}

/// Drives the client until its replica holds exactly `want` bridges (and it is ready).
fn wait_bridges(
    rt: &tokio::runtime::Runtime,
    c: &mut Client,
    want: &[&str],
    log: &mut Vec<String>,
) {
    let want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
    rt.block_on(async {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let s = c.session();
            if s.is_ready() && s.replica().is_some_and(|r| bridges(r) == want) {
                return;
            }
            match tokio::time::timeout_at(deadline, c.next_event()).await {
                Ok(ev) => log.push(format!("{ev:?}")),
                Err(_) => panic!(
                    "replica never had bridges {want:?}; has {:?}; events:\n{}",
                    c.session().replica().map(bridges),
                    log.join("\n")
                ),
            }
        }
    });
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn resyncs_after_server_restart_without_missing_changes() {
    if !tools_present() {
        return;
    }
    let mut lab = Lab::new("restart");
    lab.run("ovsdb-tool", &["create", &lab.path("conf.db"), SCHEMA]);
    lab.start(0, "conf.db");
    lab.vsctl(&[0], &["init"]);
    let rt = runtime();
    let mut c = client(&lab.remote(0));
    let mut log = Vec::new();
    lab.vsctl(&[0], &["add-br", "br0"]);
    wait_bridges(&rt, &mut c, &["br0"], &mut log);

    // Changes made while the client is disconnected: an insert, then a delete.
    lab.kill(0);
    lab.start(0, "conf.db");
    lab.vsctl(&[0], &["add-br", "br1"]);
    wait_bridges(&rt, &mut c, &["br0", "br1"], &mut log);
    lab.kill(0);
    lab.start(0, "conf.db");
    lab.vsctl(&[0], &["del-br", "br0"]);
    wait_bridges(&rt, &mut c, &["br1"], &mut log);
    assert!(
        log.iter().filter(|e| e.starts_with("Connected")).count() >= 3,
        "expected three connections:\n{}",
        log.join("\n")
    );
    // And changes made while connected still arrive.
    lab.vsctl(&[0], &["add-br", "br2"]);
    wait_bridges(&rt, &mut c, &["br1", "br2"], &mut log);
}

#[test]
fn follows_a_cluster_when_its_member_dies() {
    if !tools_present() {
        return;
    }
    let mut lab = Lab::new("cluster");
    let raft = |i: usize| format!("unix:{}", lab.path(&format!("r{i}.raft")));
    lab.run(
        "ovsdb-tool",
        &["create-cluster", &lab.path("d0.db"), SCHEMA, &raft(0)],
    );
    for i in 1..3 {
        lab.run(
            "ovsdb-tool",
            &[
                "join-cluster",
                &lab.path(&format!("d{i}.db")),
                "Open_vSwitch",
                &raft(i),
                &raft(0),
            ],
        );
    }
    for i in 0..3 {
        lab.start(i, &format!("d{i}.db"));
    }
    lab.vsctl(&[0, 1, 2], &["init"]);
    let rt = runtime();
    let remotes = (0..3).map(|i| lab.remote(i)).collect::<Vec<_>>().join(",");
    let mut c = client(&remotes);
    let mut log = Vec::new();
    lab.vsctl(&[0, 1, 2], &["add-br", "br0"]);
    wait_bridges(&rt, &mut c, &["br0"], &mut log);

    // Kill the member the client is using; it must move to another one.
    let used = c.remote().expect("connected").to_string();
    let victim = (0..3).find(|i| lab.remote(*i) == used).expect("a member");
    lab.kill(victim);
    let rest: Vec<usize> = (0..3).filter(|i| *i != victim).collect();
    // The survivors elect a new leader first; ovs-vsctl gives up while there is none.
    lab.vsctl_retry(&rest, &["add-br", "br1"]);
    wait_bridges(&rt, &mut c, &["br0", "br1"], &mut log);
    let now = c.remote().expect("connected").to_string();
    assert_ne!(now, used, "still on the dead member?\n{}", log.join("\n"));
    assert!(
        c.session().replica().is_some(),
        "events:\n{}",
        log.join("\n")
    );
    // Leader-only: a session that settled on a member is on the leader.
    assert!(
        !log.iter().any(|e| e.contains("Fatal")),
        "protocol errors:\n{}",
        log.join("\n")
    );
}

/// Makes a PKI `ca` with OVS's own tool and certificates signed by it for `names`
/// (`NAME-privkey.pem`, `NAME-cert.pem`; the CA certificate is `ca-cert.pem`).
fn make_pki(lab: &Lab, ca: &str, names: &[&str]) {
    let dir = format!("--dir={}", lab.path(&format!("{ca}-pki")));
    let log = format!("--log={}", lab.path("ovs-pki.log"));
    let pki = |args: &[&str]| {
        // Run in the lab dir with short names: ovs-pki puts NAME into the subject's CN,
        // which holds 64 characters at most.
        let out = Command::new("ovs-pki")
            .args([dir.as_str(), log.as_str()])
            .args(args)
            .current_dir(&lab.dir)
            .stdin(Stdio::null())
            .output()
            .expect("ovs-pki");
        assert!(
            out.status.success(),
            "ovs-pki {args:?}: see {}",
            lab.path("ovs-pki.log")
        );
    };
    pki(&["init"]);
    let cacert = lab.path(&format!("{ca}-pki/switchca/cacert.pem"));
    std::fs::copy(&cacert, lab.path(&format!("{ca}-cert.pem"))).expect("CA certificate");
    for n in names {
        pki(&["req+sign", n, "switch"]);
    }
}

#[test]
fn ssl_remote_with_ovs_trust_model() {
    if !tools_present() {
        return;
    }
    let mut lab = Lab::new("ssl");
    make_pki(&lab, "ca", &["server", "client"]);
    make_pki(&lab, "otherca", &["stranger"]);
    lab.run("ovsdb-tool", &["create", &lab.path("conf.db"), SCHEMA]);
    // A port from the pid keeps parallel runs apart; ovsdb-server binds 127.0.0.1 only.
    let port = 20000 + std::process::id() % 20000;
    let child = Command::new("ovsdb-server")
        .arg(lab.path("conf.db"))
        .arg(format!("--remote=punix:{}", lab.path("s0.sock")))
        .arg(format!("--remote=pssl:{port}:127.0.0.1"))
        .arg(format!("--private-key={}", lab.path("server-privkey.pem")))
        .arg(format!("--certificate={}", lab.path("server-cert.pem")))
        .arg(format!("--ca-cert={}", lab.path("ca-cert.pem")))
        .arg(format!("--unixctl={}", lab.path("s0.ctl")))
        .arg(format!("--log-file={}", lab.path("s0.log")))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ovsdb-server");
    lab.servers.push(Some(child));
    let t0 = std::time::Instant::now();
    while !Path::new(&lab.path("s0.sock")).exists() {
        assert!(t0.elapsed() < DEADLINE, "ovsdb-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    lab.vsctl(&[0], &["init"]);
    lab.vsctl(&[0], &["add-br", "brs"]);
    let rt = runtime();
    let ssl = |who: &str, ca: &str| rvs_ovsdb_client::SslOptions {
        private_key: lab.path(&format!("{who}-privkey.pem")).into(),
        certificate: lab.path(&format!("{who}-cert.pem")).into(),
        ca_cert: lab.path(&format!("{ca}-cert.pem")).into(),
    };
    let remote = format!("ssl:127.0.0.1:{port}");

    let mut c = client(&remote);
    c.set_ssl(ssl("client", "ca").client_config().expect("client config"));
    let mut log = Vec::new();
    wait_bridges(&rt, &mut c, &["brs"], &mut log);

    // A certificate from another CA is refused by the server, and a server whose
    // certificate does not chain to our CA is refused by us.
    for (who, ca) in [("stranger", "otherca"), ("client", "otherca")] {
        let mut c = client(&remote);
        c.set_ssl(ssl(who, ca).client_config().expect("client config"));
        rt.block_on(async {
            let until = tokio::time::Instant::now() + Duration::from_secs(2);
            while let Ok(ev) = tokio::time::timeout_at(until, c.next_event()).await {
                assert!(!c.session().is_ready(), "{who}/{ca} got through: {ev:?}");
            }
        });
    }
    assert!(
        ssl("nobody", "ca").client_config().is_err(),
        "missing key file"
    );
}
