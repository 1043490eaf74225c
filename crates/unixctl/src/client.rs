//! The control-socket client, and `ovs-appctl`'s rules for finding a daemon's socket.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rvs_jsonrpc::{Framer, Message};
use serde_json::{json, Value};

/// The run directory, `OVS_RUNDIR` or OVS's default.
pub fn rundir() -> PathBuf {
    std::env::var_os("OVS_RUNDIR")
        .map_or_else(|| PathBuf::from("/var/run/openvswitch"), PathBuf::from)
}

/// Where `ovs-appctl -t TARGET` connects: TARGET itself when it names a path, else
/// `$OVS_RUNDIR/TARGET.<pid>.ctl` with the pid read from `$OVS_RUNDIR/TARGET.pid`.
pub fn resolve_target(target: &str) -> io::Result<PathBuf> {
    if target.contains('/') {
        return Ok(PathBuf::from(target));
    }
    let dir = rundir();
    let pidfile = dir.join(format!("{target}.pid"));
    let pid = std::fs::read_to_string(&pidfile).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot read pidfile \"{}\" ({e})", pidfile.display()),
        )
    })?;
    let pid: u32 = pid.trim().parse().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: bad pid", pidfile.display()),
        )
    })?;
    Ok(dir.join(format!("{target}.{pid}.ctl")))
}

/// Runs one command on the daemon listening at `path`: `Ok(Ok(output))`, or
/// `Ok(Err(error text))` when the daemon refused it.
pub fn call(
    path: &Path,
    method: &str,
    args: &[String],
    timeout: Option<Duration>,
) -> io::Result<Result<String, String>> {
    let mut s = UnixStream::connect(path)?;
    s.set_read_timeout(timeout)?;
    let req = Message::Request {
        method: method.to_string(),
        params: args.iter().map(|a| json!(a)).collect(),
        id: json!(0),
    };
    s.write_all(&req.to_bytes())?;
    let mut framer = Framer::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match framer.next_message() {
            Ok(Some(Message::Response { result, error, .. })) => {
                if !error.is_null() {
                    return Ok(Err(text(error)));
                }
                return Ok(Ok(text(result)));
            }
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
        }
        let n = s.read(&mut buf)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        framer.push(&buf[..n]);
    }
}

fn text(v: Value) -> String {
    match v {
        Value::String(s) => s,
        other => other.to_string(),
    }
}
