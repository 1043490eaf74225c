//! The DPDK Environment Abstraction Layer: initialised at most once per process, from
//! the `Open_vSwitch` table's `other_config` as OVS reads it.

use std::cell::Cell;
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::sync::{Mutex, OnceLock};

use rvs_dpdk_sys as sys;

/// `other_config:dpdk-init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DpdkInit {
    /// `false` or absent: DPDK stays off.
    #[default]
    Off,
    /// `true`: initialise; OVS aborts when that fails, rvs logs it and carries on
    /// without DPDK (`dpdk_initialized=false`), since the other ports can still work.
    On,
    /// `try`: initialise, and carry on without DPDK on failure.
    Try,
}

/// EAL settings from `Open_vSwitch:other_config`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EalOptions {
    /// `dpdk-init`.
    pub init: DpdkInit,
    /// `dpdk-lcore-mask` (hex, `-c`).
    pub lcore_mask: Option<String>,
    /// `dpdk-socket-mem` (`--socket-mem`).
    pub socket_mem: Option<String>,
    /// `dpdk-socket-limit` (`--socket-limit`).
    pub socket_limit: Option<String>,
    /// `dpdk-hugepage-dir` (`--huge-dir`).
    pub hugepage_dir: Option<String>,
    /// `dpdk-extra`, split on white space.
    pub extra: Vec<String>,
    /// `vhost-sock-dir`: where `dpdkvhostuser` sockets go (relative to the run
    /// directory, as in OVS).
    pub vhost_sock_dir: Option<String>,
}

impl EalOptions {
    /// Reads the settings; `get` looks a key up in `other_config`.
    pub fn from_other_config<'a>(get: impl Fn(&str) -> Option<&'a str>) -> EalOptions {
        let s = |k: &str| {
            get(k)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(String::from)
        };
        EalOptions {
            init: match get("dpdk-init") {
                Some("true") => DpdkInit::On,
                Some("try") => DpdkInit::Try,
                _ => DpdkInit::Off,
            },
            lcore_mask: s("dpdk-lcore-mask"),
            socket_mem: s("dpdk-socket-mem"),
            socket_limit: s("dpdk-socket-limit"),
            hugepage_dir: s("dpdk-hugepage-dir"),
            extra: get("dpdk-extra")
                .map(|e| e.split_whitespace().map(String::from).collect())
                .unwrap_or_default(),
            vhost_sock_dir: s("vhost-sock-dir"),
        }
    }

    /// The EAL command line (without the program name), as OVS builds it: the
    /// explicit settings, then `dpdk-extra`. Without a core mask the main lcore floats
    /// over the CPUs the process may use; without `--legacy-mem` or `--no-huge`,
    /// memory is `--in-memory` (no files left behind).
    pub fn args(&self) -> Vec<String> {
        let mut a = Vec::new();
        let has = |flag: &str| {
            self.extra
                .iter()
                .any(|e| e == flag || e.starts_with(&format!("{flag}=")))
        };
        match &self.lcore_mask {
            Some(m) => {
                a.push("-c".into());
                a.push(m.clone());
            }
            None if !has("-c") && !has("-l") && !has("--lcores") => {
                let cpus: Vec<String> = crate::sys::allowed_cpus()
                    .iter()
                    .map(|c| c.to_string())
                    .collect();
                a.push(format!("--lcores=0@({})", cpus.join(",")));
            }
            None => {}
        }
        for (flag, v) in [
            ("--socket-mem", &self.socket_mem),
            ("--socket-limit", &self.socket_limit),
            ("--huge-dir", &self.hugepage_dir),
        ] {
            if let Some(v) = v {
                a.push(format!("{flag}={v}"));
            }
        }
        if !has("--legacy-mem") && !has("--no-huge") && !has("--in-memory") {
            a.push("--in-memory".into());
        }
        a.extend(self.extra.iter().cloned());
        a
    }
}

/// What became of EAL initialisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EalState {
    /// Not requested (`dpdk-init` absent or `false`).
    Off,
    /// Running.
    Up,
    /// Requested and failed, with the reason.
    Failed(String),
}

static EAL: OnceLock<Result<(), String>> = OnceLock::new();
static INIT_LOCK: Mutex<()> = Mutex::new(());

/// Initialises the EAL once with `opts`. Later calls return the first outcome: EAL
/// cannot be initialised twice in a process, as in OVS (changing the settings needs a
/// restart).
pub fn init(opts: &EalOptions) -> EalState {
    if opts.init == DpdkInit::Off {
        return match EAL.get() {
            Some(Ok(())) => EalState::Up,
            _ => EalState::Off,
        };
    }
    let _g = INIT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let r = EAL.get_or_init(|| {
        let args = opts.args();
        log::info!("EAL ARGS: {}", args.join(" "));
        let r = eal_init(&args);
        match &r {
            Ok(()) => log::info!("DPDK Enabled - initialized ({})", version()),
            Err(e) => log::error!("DPDK initialization failed: {e}"),
        }
        r
    });
    match r {
        Ok(()) => EalState::Up,
        Err(e) => EalState::Failed(e.clone()),
    }
}

/// Whether the EAL is up.
pub fn initialized() -> bool {
    matches!(EAL.get(), Some(Ok(())))
}

fn eal_init(args: &[String]) -> Result<(), String> {
    let mut owned = vec![CString::new("rvs-vswitchd").expect("no NUL")];
    for a in args {
        owned.push(CString::new(a.as_str()).map_err(|_| format!("bad EAL argument {a:?}"))?);
    }
    // EAL may keep pointers into argv (and permutes it): the strings live for the
    // whole process.
    let owned: &'static [CString] = Box::leak(owned.into_boxed_slice());
    let argv: &'static mut [*mut c_char] = Box::leak(
        owned
            .iter()
            .map(|c| c.as_ptr() as *mut c_char)
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let argc = argv.len() as i32;
    // SAFETY: argv holds `argc` valid NUL-terminated strings that are never freed;
    // rte_eal_init runs at most once per process (guarded by EAL's OnceLock and
    // INIT_LOCK).
    let rc = unsafe { sys::rte_eal_init(argc, argv.as_mut_ptr()) };
    if rc < 0 {
        return Err(errno_text());
    }
    Ok(())
}

/// `rte_strerror(rte_errno)` of the calling thread.
pub(crate) fn errno_text() -> String {
    // SAFETY: rvs_rte_errno reads a thread-local integer.
    let e = unsafe { sys::rvs_rte_errno() };
    strerror(-e.abs())
}

/// DPDK's text for a negative error code.
pub(crate) fn strerror(rc: i32) -> String {
    // SAFETY: rte_strerror returns a pointer to a NUL-terminated string, static or
    // thread-local, valid until the next call on this thread; it is copied at once.
    unsafe { CStr::from_ptr(sys::rte_strerror(rc.abs())) }
        .to_string_lossy()
        .into_owned()
}

/// The DPDK version, as `Open_vSwitch:dpdk_version` shows it ("DPDK 22.11.x").
pub fn version() -> String {
    // SAFETY: rte_version returns a pointer to a static NUL-terminated string.
    unsafe { CStr::from_ptr(sys::rvs_rte_version()) }
        .to_string_lossy()
        .into_owned()
}

thread_local! {
    static REGISTERED: Cell<bool> = const { Cell::new(false) };
}

/// Registers the calling thread with EAL (once per thread), giving it an lcore id and
/// so per-thread mempool caches, as OVS does for its PMD threads.
pub(crate) fn register_thread() {
    if REGISTERED.with(|r| r.replace(true)) || !initialized() {
        return;
    }
    // SAFETY: EAL is initialised; registering a non-EAL thread has no other
    // precondition, and failure (no lcore left) only means no mempool cache.
    let rc = unsafe { sys::rte_thread_register() };
    if rc != 0 {
        log::debug!("rte_thread_register: {}", errno_text());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_become_eal_arguments_as_ovs_builds_them() {
        let cfg = [
            ("dpdk-init", "true"),
            ("dpdk-lcore-mask", "0x1"),
            ("dpdk-socket-mem", "1024"),
            ("dpdk-extra", " --no-huge  -m 1024 --file-prefix=t1 "),
        ];
        let o = EalOptions::from_other_config(|k| cfg.iter().find(|c| c.0 == k).map(|c| c.1));
        assert_eq!(o.init, DpdkInit::On);
        assert_eq!(
            o.args(),
            [
                "-c",
                "0x1",
                "--socket-mem=1024",
                "--no-huge",
                "-m",
                "1024",
                "--file-prefix=t1"
            ]
        );
        let o = EalOptions::from_other_config(|k| (k == "dpdk-init").then_some("try"));
        assert_eq!(o.init, DpdkInit::Try);
        let a = o.args();
        assert!(a[0].starts_with("--lcores=0@("), "{a:?}");
        assert_eq!(a[1], "--in-memory");
        let o = EalOptions::from_other_config(|_| None);
        assert_eq!(o.init, DpdkInit::Off);
        assert_eq!(init(&o), EalState::Off);
    }
}
