//! A vhost-user guest without a VM: `dpdk-testpmd` with a `virtio_user` port on a
//! socket, in its own process (its own EAL, no hugepages). Its output goes to a file in
//! the test's temp dir; the counters it prints every second are read from there.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::cmd;

/// How the guest forwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestMode {
    /// Sends 64-byte UDP frames as fast as it can.
    TxOnly,
    /// Receives and counts.
    RxOnly,
}

/// A running testpmd guest; stopped on drop.
#[derive(Debug)]
pub struct Guest {
    child: Option<Child>,
    out: PathBuf,
    sock: PathBuf,
    server: bool,
    mode: GuestMode,
    prefix: String,
}

impl Guest {
    /// Starts testpmd on `sock`: as the vhost-user client (`server=false`, the switch
    /// serves: `dpdkvhostuser`) or as the server (`dpdkvhostuserclient`). `prefix`
    /// must be unique among running DPDK processes.
    pub fn start(dir: &Path, prefix: &str, sock: &Path, server: bool, mode: GuestMode) -> Guest {
        let mut g = Guest {
            child: None,
            out: dir.join(format!("{prefix}.out")),
            sock: sock.to_path_buf(),
            server,
            mode,
            prefix: prefix.to_string(),
        };
        g.spawn();
        g
    }

    fn spawn(&mut self) {
        let mut vdev = format!("virtio_user0,path={}", self.sock.display());
        if self.server {
            vdev.push_str(",server=1");
        }
        let fwd = match self.mode {
            GuestMode::TxOnly => "txonly",
            GuestMode::RxOnly => "rxonly",
        };
        let out = File::options()
            .create(true)
            .append(true)
            .open(&self.out)
            .expect("guest output file");
        let mut c = Command::new("dpdk-testpmd");
        c.args([
            "--no-huge",
            "-m",
            "512",
            "--no-pci",
            "--lcores=0@1,1@1",
            &format!("--file-prefix={}", self.prefix),
            &format!("--vdev={vdev}"),
            "--",
            "--total-num-mbufs=16384",
            &format!("--forward-mode={fwd}"),
            "--auto-start",
            "--stats-period=1",
        ])
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("dup"))
        .stderr(out);
        let what = cmd::describe(&c);
        let child = cmd::die_with_parent(&mut c)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{what}`: {e}"));
        self.child = Some(child);
    }

    /// Kills the guest (as a crashed VM would go) and starts it again.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// SIGKILL, as a guest crash.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            cmd::stop_child(&mut c, libc::SIGKILL, Duration::from_secs(5));
        }
    }

    /// The latest cumulative `RX-packets`/`TX-packets` testpmd printed for its port
    /// since it (last) started: (rx, tx).
    pub fn counters(&self) -> (u64, u64) {
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        // Only the current run: restarts append to the same file.
        let run = text.rsplit("EAL: Detected").next().unwrap_or("");
        let last = |key: &str| {
            run.lines()
                .rev()
                .find_map(|l| {
                    let i = l.find(key)?;
                    l[i + key.len()..]
                        .split_whitespace()
                        .next()?
                        .parse::<u64>()
                        .ok()
                })
                .unwrap_or(0)
        };
        (last("RX-packets:"), last("TX-packets:"))
    }

    /// The end of testpmd's output, for failure messages.
    pub fn tail(&self, n: usize) -> String {
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

impl Drop for Guest {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            cmd::stop_child(&mut c, libc::SIGINT, Duration::from_secs(5));
        }
        // testpmd leaves its runtime directory behind.
        let _ = std::fs::remove_dir_all(format!("/var/run/dpdk/{}", self.prefix));
    }
}
