//! Logging in OVS's format (`2026-11-22T04:10:00.123Z|00001|bridge|INFO|message`), to
//! stderr and optionally a file, through the `log` facade.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

struct Vlog {
    seq: AtomicU64,
    /// The log file and its path (for `vlog/reopen` and SIGHUP).
    file: Mutex<Option<(PathBuf, File)>>,
}

static LOGGER: OnceLock<&'static Vlog> = OnceLock::new();

/// Formats a Unix time in milliseconds as ISO 8601 UTC, as OVS's log does.
pub fn iso8601_ms(ms: u128) -> String {
    let secs = (ms / 1000) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

impl log::Log for Vlog {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.level() <= log::max_level()
    }

    fn log(&self, r: &log::Record<'_>) {
        if !self.enabled(r.metadata()) {
            return;
        }
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let module = r.target().rsplit("::").next().unwrap_or("rvs");
        let level = match r.level() {
            log::Level::Error => "ERR",
            log::Level::Warn => "WARN",
            log::Level::Info => "INFO",
            log::Level::Debug | log::Level::Trace => "DBG",
        };
        let n = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let line = format!("{}|{n:05}|{module}|{level}|{}\n", iso8601_ms(ms), r.args());
        let _ = std::io::stderr().write_all(line.as_bytes());
        if let Ok(mut f) = self.file.lock() {
            if let Some((_, f)) = f.as_mut() {
                let _ = f.write_all(line.as_bytes());
            }
        }
    }

    fn flush(&self) {}
}

/// Installs the logger. Call once.
pub fn init(log_file: Option<&Path>, verbose: bool) -> std::io::Result<()> {
    let file = match log_file {
        Some(p) => Some((
            p.to_owned(),
            File::options().create(true).append(true).open(p)?,
        )),
        None => None,
    };
    let level = if verbose {
        log::LevelFilter::Debug
    } else {
        log::LevelFilter::Info
    };
    let logger: &'static Vlog = Box::leak(Box::new(Vlog {
        seq: AtomicU64::new(0),
        file: Mutex::new(file),
    }));
    if log::set_logger(logger).is_ok() {
        log::set_max_level(level);
        let _ = LOGGER.set(logger);
    }
    Ok(())
}

/// Reopens the log file (after rotation): `vlog/reopen` and SIGHUP.
pub fn reopen() -> Result<(), String> {
    let Some(l) = LOGGER.get() else {
        return Err("logging is not set up".into());
    };
    let mut g = l.file.lock().map_err(|_| "log lock poisoned".to_string())?;
    let Some((path, file)) = g.as_mut() else {
        return Ok(());
    };
    *file = File::options()
        .create(true)
        .append(true)
        .open(&*path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}

/// The `vlog/list` table: rvs has one level for all modules, shown for each
/// destination as OVS shows them.
pub fn list() -> String {
    let lvl = match log::max_level() {
        log::LevelFilter::Off => "off",
        log::LevelFilter::Error => "err",
        log::LevelFilter::Warn => "warn",
        log::LevelFilter::Info => "info",
        log::LevelFilter::Debug | log::LevelFilter::Trace => "dbg",
    };
    let file = LOGGER
        .get()
        .and_then(|l| l.file.lock().ok().map(|g| g.is_some()))
        .unwrap_or(false);
    let file_lvl = if file { lvl } else { "off" };
    format!("                 console    syslog    file\n                 -------    ------    ------\nrvs              {lvl:<10} off       {file_lvl}\n")
}

/// `vlog/set`: `[DEST:]LEVEL` or `MODULE:DEST:LEVEL` with OVS's level names; rvs applies
/// the level to every module and destination.
pub fn set(spec: &[String]) -> Result<(), String> {
    for s in spec {
        let level = s.rsplit(':').next().unwrap_or("");
        let f = match level {
            "off" | "emer" => log::LevelFilter::Off,
            "err" => log::LevelFilter::Error,
            "warn" => log::LevelFilter::Warn,
            "info" => log::LevelFilter::Info,
            "dbg" => log::LevelFilter::Debug,
            "any" => continue,
            other => return Err(format!("unknown log level \"{other}\"")),
        };
        log::set_max_level(f);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601_ms(1_795_321_234_567), "2026-11-22T04:20:34.567Z");
        assert_eq!(iso8601_ms(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
