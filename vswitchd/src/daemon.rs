//! Process concerns of the daemon: the pidfile, `--detach`, `--mlockall`, and telling
//! whoever started us that we are ready (the `--detach` parent, systemd's
//! `NOTIFY_SOCKET`).
//!
//! `--detach` without `fork()`: the process the user started (the *parent*) runs
//! nothing of the switch. It starts its own executable again with the same arguments
//! and [`DETACHED_ENV`] set, reads the child's stdout, and exits 0 when the child
//! writes [`READY_LINE`] there, or with the child's failure when the pipe closes
//! first. The child (which has no threads yet when it starts, as a forked OVS child
//! has none) leaves the session (`setsid`), changes to `/` unless `--no-chdir`, and
//! once the first database contents are applied says it is ready and points its
//! standard streams at `/dev/null`. So `rvs-vswitchd --detach` returns only when the
//! switch is up, as `ovs-vswitchd --detach` does, and vswitchd stays free of
//! `unsafe`.

use std::io::{BufRead as _, Write as _};
use std::os::fd::AsRawFd as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context as _;

/// Set in the environment of the detached child.
pub const DETACHED_ENV: &str = "RVS_VSWITCHD_DETACHED";

/// What the detached child writes on its stdout when it is ready.
pub const READY_LINE: &str = "rvs-vswitchd: ready";

/// Whether this process is the child of a `--detach` parent.
pub fn is_detached_child() -> bool {
    std::env::var_os(DETACHED_ENV).is_some()
}

/// The `--detach` parent: starts the daemon again as a detached child and waits until
/// it is ready (`Ok`) or has failed (`Err`, with its exit status).
pub fn detach_and_wait() -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("cannot find my own executable")?;
    let mut child = Command::new(&exe)
        .args(std::env::args_os().skip(1))
        .env(DETACHED_ENV, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("{}: cannot start the daemon", exe.display()))?;
    let out = child.stdout.take().context("no pipe to the daemon")?;
    let mut line = String::new();
    let mut reader = std::io::BufReader::new(out);
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line.trim_end() == READY_LINE => return Ok(()),
            // Anything else the child printed belongs on our stdout.
            Ok(_) => print!("{line}"),
        }
    }
    let status = child.wait().context("waiting for the daemon")?;
    anyhow::bail!("the daemon exited before it was ready ({status})")
}

/// Sets up the detached child: a session of its own, and `/` as working directory
/// unless `no_chdir`.
pub fn become_daemon(no_chdir: bool) -> anyhow::Result<()> {
    nix::unistd::setsid().context("setsid")?;
    if !no_chdir {
        std::env::set_current_dir("/").context("chdir /")?;
    }
    Ok(())
}

/// Makes `p` absolute against the current directory (before a daemon changes it).
pub fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        return p.to_owned();
    }
    std::env::current_dir()
        .map(|d| d.join(p))
        .unwrap_or_else(|_| p.to_owned())
}

/// `--mlockall`: locks all current and future memory, as OVS does; a failure is
/// logged and the daemon goes on.
pub fn mlockall() {
    use nix::sys::mman::{mlockall, MlockAllFlags};
    match mlockall(MlockAllFlags::MCL_CURRENT | MlockAllFlags::MCL_FUTURE) {
        Ok(()) => log::info!("locked all current and future memory (--mlockall)"),
        Err(e) => log::error!("mlockall failed: {e}"),
    }
}

/// Says "ready" once: to the `--detach` parent (then stdin, stdout and stderr go to
/// `/dev/null`, as a detached OVS daemon's do) and to systemd when `NOTIFY_SOCKET` is
/// set.
#[derive(Debug, Default)]
pub struct Readiness {
    done: bool,
}

impl Readiness {
    /// Not ready yet.
    pub fn new() -> Readiness {
        Readiness::default()
    }

    /// Whether [`Readiness::ready`] has run.
    pub fn is_ready(&self) -> bool {
        self.done
    }

    /// Reports readiness (the first call only).
    pub fn ready(&mut self) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        log::info!("ready (pid {})", std::process::id());
        if let Err(e) = sd_notify(&format!("READY=1\nMAINPID={}", std::process::id())) {
            log::warn!("could not notify systemd: {e}");
        }
        if is_detached_child() {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{READY_LINE}");
            let _ = out.flush();
            drop(out);
            if let Err(e) = close_stdio() {
                log::warn!("could not detach the standard streams: {e}");
            }
        }
    }
}

/// Points stdin, stdout and stderr at `/dev/null`.
fn close_stdio() -> std::io::Result<()> {
    let null = std::fs::File::options()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    for fd in 0..3 {
        nix::unistd::dup2(null.as_raw_fd(), fd)?;
    }
    Ok(())
}

/// Sends `state` to systemd's notification socket, if `NOTIFY_SOCKET` names one
/// (a path, or an abstract socket written `@name`); does nothing otherwise.
pub fn sd_notify(state: &str) -> std::io::Result<()> {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return Ok(());
    };
    let sock = std::os::unix::net::UnixDatagram::unbound()?;
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str());
    if let Some(name) = bytes.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt as _;
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
        sock.send_to_addr(state.as_bytes(), &addr)?;
    } else {
        sock.send_to(state.as_bytes(), Path::new(&path))?;
    }
    Ok(())
}

/// The pidfile, held with a POSIX (`fcntl`) write lock for the daemon's lifetime:
/// `ovs-appctl` and OVS's own tools treat an unlocked pidfile as stale. Removed on
/// drop, which every way out of [`crate::run`] goes through (SIGTERM, SIGINT, `exit`,
/// errors).
#[derive(Debug)]
pub struct Pidfile {
    path: PathBuf,
    _file: std::fs::File,
}

impl Pidfile {
    /// Creates, locks and fills the pidfile; fails if another live process holds it.
    pub fn create(path: PathBuf) -> anyhow::Result<Pidfile> {
        let ctx = || format!("{}: could not write pidfile", path.display());
        let mut file = std::fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(ctx)?;
        let lock = nix::libc::flock {
            l_type: nix::libc::F_WRLCK as i16,
            l_whence: nix::libc::SEEK_SET as i16,
            l_start: 0,
            l_len: 0,
            l_pid: 0,
        };
        nix::fcntl::fcntl(file.as_raw_fd(), nix::fcntl::FcntlArg::F_SETLK(&lock))
            .with_context(|| format!("{}: pidfile is locked by another process", path.display()))?;
        file.set_len(0).with_context(ctx)?;
        writeln!(file, "{}", std::process::id()).with_context(ctx)?;
        Ok(Pidfile { path, _file: file })
    }
}

impl Drop for Pidfile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sd_notify_reaches_the_socket() {
        let dir = std::env::temp_dir().join(format!("rvs-sdnotify-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("notify");
        let _ = std::fs::remove_file(&path);
        let rx = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        // The variable is process-wide: this is the only test that sets it.
        std::env::set_var("NOTIFY_SOCKET", &path);
        sd_notify("READY=1").unwrap();
        std::env::remove_var("NOTIFY_SOCKET");
        let mut buf = [0u8; 64];
        let n = rx.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");
        let _ = std::fs::remove_dir_all(&dir);
        // Without NOTIFY_SOCKET it is a no-op.
        sd_notify("READY=1").unwrap();
    }

    #[test]
    fn pidfile_is_locked_and_removed() {
        let dir = std::env::temp_dir().join(format!("rvs-pidfile-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("x.pid");
        let p = Pidfile::create(path.clone()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.trim(), std::process::id().to_string());
        drop(p);
        assert!(!path.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
