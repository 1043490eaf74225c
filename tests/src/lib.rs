//! End-to-end test harness for rvs.
//!
//! Every test gets a [`Bed`]: a private temp dir, its own `ovsdb-server` on a fresh
//! database, a network namespace for the switch and the switch daemon running in it
//! (`rvs-vswitchd`, or the real `ovs-vswitchd` with `RVS_E2E_SWITCH=ovs`). Hosts are
//! further namespaces, each wired to the switch namespace with a veth pair
//! ([`Host`]). All of it is owned by RAII guards that tear it down even when the test
//! panics; with `RVS_E2E_KEEP=1` the temp dir of a failed test is kept for reading.
//!
//! Names embed the test process id and a per-process counter, so tests run in
//! parallel (threads or processes) without meeting each other, and leftovers of a
//! test process that was killed are recognised and removed by the next run.

mod bed;
pub mod cmd;
pub mod guest;
mod netns;
mod ovsdb;
pub mod pcap;
mod switch;
mod traffic;

pub use bed::Bed;
pub use netns::{Host, Netns};
pub use ovsdb::{ovs_env, unquote, Ovsdb, VSCTL_TIMEOUT};
pub use switch::{Switch, SwitchKind, OVS_VSWITCHD};
pub use traffic::{link_stat, ping, ping_replies, probe, Capture, Probe};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// A generous deadline for anything the tests poll for (a switch coming back after a
/// restart, a device going away). Tests never assert how fast something happens.
pub const SETTLE: Duration = Duration::from_secs(20);

/// Polls `cond` every 100 ms until it returns true (then true) or `timeout` passes
/// (then false, after one last try).
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return cond();
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// A unique id for one test bed in this process: `(pid, n)`.
#[derive(Debug, Clone)]
pub struct Id {
    pid: u32,
    n: u32,
}

impl Id {
    pub fn next() -> Id {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        Id {
            pid: std::process::id(),
            n: NEXT.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Long form, for namespace and directory names: `rvs-<pid>-<n>`.
    pub fn long(&self) -> String {
        format!("rvs-{}-{}", self.pid, self.n)
    }

    /// Short form for interface names: the pid in base 36 padded to 5 characters (so
    /// the form is unambiguous), then the counter in base 36; 6 to 8 characters.
    pub fn short(&self) -> String {
        format!("{:0>5}{}", base36(self.pid), base36(self.n))
    }
}

fn base36(mut v: u32) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(v % 36) as usize]);
        v /= 36;
        if v == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

/// Panics with a clear message unless the tests run as root (they create network
/// namespaces, veth pairs and af_packet sockets). Never skips silently.
pub fn require_root() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("?");
    assert!(
        euid == "0",
        "the rvs end-to-end tests need root (network namespaces, veth pairs, af_packet); \
         effective uid is {euid}. Run them as root, e.g. via scripts/test.sh"
    );
}

/// A directory under /tmp, removed on drop. Kept when the test failed and
/// `RVS_E2E_KEEP` is set.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `/tmp/<name>`, replacing a leftover of the same name.
    pub fn new(name: &str) -> TempDir {
        let path = Path::new("/tmp").join(name);
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if thread::panicking() && std::env::var_os("RVS_E2E_KEEP").is_some() {
            eprintln!("rvs-e2e: kept {} for inspection", self.path.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Removes what test processes that no longer run left behind: network namespaces
/// and temp dirs named `rvs-<pid>-...` whose pid is gone. Runs once per process.
pub fn sweep_leftovers() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let dead = |name: &str| -> bool {
            let Some(rest) = name.strip_prefix("rvs-") else {
                return false;
            };
            let pid = rest.split('-').next().unwrap_or("");
            match pid.parse::<u32>() {
                Ok(pid) => {
                    pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists()
                }
                Err(_) => false,
            }
        };
        if let Ok(entries) = std::fs::read_dir("/run/netns") {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if dead(&name) {
                    eprintln!("rvs-e2e: removing leftover network namespace {name}");
                    let _ = cmd::run(
                        std::process::Command::new("ip").args(["netns", "del", &name]),
                        cmd::QUICK,
                    );
                }
            }
        }
        if let Ok(entries) = std::fs::read_dir("/tmp") {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if dead(&name) && e.path().is_dir() {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_and_distinct() {
        assert_eq!(base36(0), "0");
        assert_eq!(base36(35), "z");
        assert_eq!(base36(36), "10");
        // The largest Linux pid and a large counter still leave room in an ifname.
        assert!(base36(4_194_304).len() <= 5 && base36(1295).len() <= 3);
        let (a, b) = (Id::next(), Id::next());
        assert_ne!(a.long(), b.long());
        assert_ne!(a.short(), b.short());
        assert!(a
            .long()
            .starts_with(&format!("rvs-{}-", std::process::id())));
    }
}
