//! A test bed: temp dir, ovsdb-server, switch namespace, switch daemon.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::cmd;
use crate::netns::{Host, Netns};
use crate::ovsdb::{ovs_env, Ovsdb, VSCTL_TIMEOUT};
use crate::switch::{Switch, SwitchKind};
use crate::{require_root, sweep_leftovers, Id, TempDir};

/// Everything one test needs, torn down on drop in a safe order: the switch first,
/// then its namespace (and with it every veth end and tap device in it), then
/// ovsdb-server, then the temp dir. Hosts are separate guards owned by the test.
#[derive(Debug)]
pub struct Bed {
    pub switch: Switch,
    pub sw_ns: Netns,
    pub db: Ovsdb,
    id: Id,
    dir: TempDir,
}

impl Bed {
    /// Sets up a fresh bed for `test` and starts the switch chosen by
    /// `RVS_E2E_SWITCH` (see [`SwitchKind::from_env`]).
    pub fn start(test: &str) -> Bed {
        Bed::start_with(test, None)
    }

    /// A bed whose switch runs DPDK: `dpdk-init=true` and a `dpdk-extra` with no
    /// hugepages, no PCI and a file prefix of the test's own are in the database before
    /// the switch starts (OVS reads them at start-up). Against the oracle, OVS's DPDK
    /// build runs, with the memory options it needs here.
    pub fn start_dpdk(test: &str) -> Bed {
        Bed::start_with(test, Some(&[]))
    }

    /// [`Bed::start_dpdk`] with more `Open_vSwitch:other_config` settings.
    pub fn start_dpdk_with(test: &str, other_config: &[(&str, &str)]) -> Bed {
        Bed::start_with(test, Some(other_config))
    }

    fn start_with(test: &str, dpdk: Option<&[(&str, &str)]>) -> Bed {
        require_root();
        sweep_leftovers();
        let kind = SwitchKind::from_env();
        let id = Id::next();
        let tag: String = test
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(24)
            .collect();
        // /tmp/rvs-<pid>-<n>-<test>: short enough for unix socket paths inside.
        let dir = TempDir::new(&format!("{}-{tag}", id.long()));
        let db = Ovsdb::start(dir.path());
        if let Some(extra) = dpdk {
            let mem = if kind.is_ovs() {
                // Without --legacy-mem OVS adds --in-memory, which EAL refuses with
                // --no-huge; and its mempools need more than 1 GB.
                "--no-huge --legacy-mem -m 2048"
            } else {
                "--no-huge -m 1024"
            };
            let mut args = vec![
                "set".to_string(),
                "Open_vSwitch".into(),
                ".".into(),
                "other_config:dpdk-init=true".into(),
                format!(
                    "other_config:dpdk-extra=\"{mem} --no-pci --file-prefix=rvs{}\"",
                    id.short()
                ),
            ];
            for (k, v) in extra {
                args.push(format!("other_config:{k}=\"{v}\""));
            }
            let mut a: Vec<&str> = vec!["--no-wait"];
            a.extend(args.iter().map(String::as_str));
            db.vsctl_ok(&a);
        }
        let sw_ns = Netns::new(&format!("{}-sw", id.long()));
        let switch = Switch::start_with(kind, &sw_ns, dir.path(), &db, dpdk.is_some());
        eprintln!(
            "rvs-e2e: {test}: {} in netns {}, files in {}",
            switch.kind().name(),
            sw_ns.name(),
            dir.path().display()
        );
        Bed {
            switch,
            sw_ns,
            db,
            id,
            dir,
        }
    }

    pub fn kind(&self) -> &SwitchKind {
        self.switch.kind()
    }

    /// The test's temp dir (`OVS_RUNDIR` of everything in the bed).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The test's short id, for names that must be unique across tests.
    pub fn id(&self) -> String {
        self.id.short()
    }

    /// A new host namespace `label` (at most 4 characters) with address `ip_cidr`,
    /// wired into the switch namespace (not yet added to a bridge: see
    /// [`Bed::add_port`]).
    pub fn host(&self, label: &str, ip_cidr: &str) -> Host {
        Host::new(&self.id, &self.sw_ns, label, ip_cidr)
    }

    /// See [`Ovsdb::vsctl`].
    pub fn vsctl(&self, args: &[&str]) -> Output {
        self.db.vsctl(args)
    }

    /// Runs the real `ovs-appctl -t <switch> ARGS` with the test's `OVS_RUNDIR`.
    pub fn appctl(&self, args: &[&str]) -> Output {
        let mut c = Command::new("ovs-appctl");
        ovs_env(&mut c, self.switch.dir())
            .arg("-t")
            .arg(self.switch.appctl_target())
            .args(args);
        cmd::run(&mut c, Duration::from_secs(30))
    }

    /// Runs the real `ovs-ofctl ARGS` against the switch (bridges by name, through
    /// `$OVS_RUNDIR/<br>.mgmt`); panics unless it succeeds, returns its stdout.
    pub fn ofctl_ok(&self, args: &[&str]) -> String {
        let mut c = Command::new("ovs-ofctl");
        c.env("OVS_RUNDIR", self.switch.dir()).args(args);
        let out = cmd::run(&mut c, Duration::from_secs(20));
        assert!(
            out.status.success(),
            "ovs-ofctl {}: {}{}",
            args.join(" "),
            cmd::stdout_str(&out),
            cmd::stderr_str(&out)
        );
        cmd::stdout_str(&out)
    }

    /// See [`Ovsdb::vsctl_ok`].
    pub fn vsctl_ok(&self, args: &[&str]) -> String {
        self.db.vsctl_ok(args)
    }

    /// `ovs-vsctl add-br BR -- set bridge BR datapath_type=netdev`, waiting (no
    /// `--no-wait`) for the switch to apply it; panics unless that succeeds cleanly
    /// within the 10 s `--timeout`.
    pub fn add_bridge(&self, br: &str) {
        let (out, took) = self.db.vsctl_timed(&[
            "add-br",
            br,
            "--",
            "set",
            "bridge",
            br,
            "datapath_type=netdev",
        ]);
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "add-br {br} did not complete within --timeout={VSCTL_TIMEOUT} ({}, {took:?}):\n{}",
            out.status,
            cmd::stderr_str(&out)
        );
        assert!(
            took < Duration::from_secs(VSCTL_TIMEOUT),
            "add-br {br} took {took:?}"
        );
    }

    /// `ovs-vsctl add-port BR <host's switch-side end>`, waiting for the switch; panics
    /// unless it succeeds with nothing on stderr (ovs-vsctl prints "Error detected
    /// while setting up" there when the port got no ofport).
    pub fn add_port(&self, br: &str, host: &Host) {
        self.vsctl_ok(&["add-port", br, &host.port]);
    }

    /// `ovs-vsctl del-port BR <host's switch-side end>`, waiting for the switch.
    pub fn del_port(&self, br: &str, host: &Host) {
        self.vsctl_ok(&["del-port", br, &host.port]);
    }

    /// Dumps the database's view of the switch (for failing tests). Never panics.
    fn dump(&self) {
        let mut c = Command::new("ovs-vsctl");
        ovs_env(&mut c, self.dir.path())
            .arg(format!("--db={}", self.db.remote()))
            .arg("--timeout=5")
            .args([
                "show",
                "--",
                "--columns=name,ofport,error",
                "list",
                "Interface",
                "--",
                "get",
                "Open_vSwitch",
                ".",
                "cur_cfg",
                "next_cfg",
            ])
            .stdin(Stdio::null());
        match c.output() {
            Ok(out) => eprintln!(
                "==> ovs-vsctl show; list Interface; cur_cfg, next_cfg <==\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => eprintln!("ovs-vsctl show: {e}"),
        }
    }
}

impl Drop for Bed {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.dump();
        }
    }
}
