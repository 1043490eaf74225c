//! rvs-vsctl: a drop-in for `ovs-vsctl`.
//!
//! The program parses options and `--`-separated commands, connects to the database,
//! reads a snapshot of every table, runs the commands against a transaction over that
//! snapshot, and commits it. Columns the commands read are verified with `wait`
//! operations, so a concurrent change makes the server refuse the commit and the
//! commands run again on fresh data, as with OVS's IDL. Unless `--no-wait` is given, the
//! transaction increments `next_cfg` and the program then waits for the switch to
//! report it in `cur_cfg`, and reports interfaces it failed to set up.
//!
//! Messages begin with the program name as invoked: `ovs-vsctl` through a symlink of
//! that name (so scripts that match messages keep working), `rvs-vsctl` otherwise.
#![forbid(unsafe_code)]

pub mod bridge;
pub mod client;
pub mod commands;
pub mod ctx;
pub mod data;
pub mod dbctl;
pub mod options;
pub mod output;
pub mod run;
pub mod schema;
pub mod show;
pub mod switch;
pub mod target;
pub mod text;
pub mod txn;

use std::sync::atomic::{AtomicU32, Ordering};

static LOG_SEQ: AtomicU32 = AtomicU32::new(0);

/// Counts a log message that goes only to syslog (the "Called as" line OVS logs at
/// INFO level for commands that may write), keeping console sequence numbers in step.
pub fn count_syslog_message() {
    LOG_SEQ.fetch_add(1, Ordering::Relaxed);
}

/// Logs a warning to stderr in OVS's console format
/// (`TIME|SEQ|MODULE|WARN|MESSAGE`).
pub fn warn(module: &str, msg: &str) {
    let seq = LOG_SEQ.fetch_add(1, Ordering::Relaxed) + 1;
    eprintln!("{}|{seq:05}|{module}|WARN|{msg}", utc_now());
}

fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The program name for messages: the base name of `argv[0]`.
pub fn program_name(argv0: &str) -> String {
    let base = argv0.rsplit('/').next().unwrap_or(argv0);
    let base = base.strip_prefix("lt-").unwrap_or(base);
    if base.is_empty() {
        "rvs-vsctl".into()
    } else {
        base.to_string()
    }
}

pub use run::run;
