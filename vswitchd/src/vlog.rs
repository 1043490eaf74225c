//! Logging in OVS's format (`2026-11-22T04:10:00.123Z|00001|bridge|INFO|message`)
//! through `tracing`, with OVS's `vlog` model: a level per module and destination
//! (`console` is stderr, `file` the `--log-file`; rvs has no `syslog` and shows it
//! off), changed at run time with `vlog/set` and shown with `vlog/list`.
//!
//! The rest of rvs logs through the `log` facade; [`init`] bridges those records into
//! `tracing` (`tracing-log`), so both kinds of events meet in one [`tracing`] layer
//! ([`VlogLayer`]) that filters and formats them. A module is the last path segment
//! of the event's target (`rvs_vswitchd::reconcile` logs as `reconcile`).
//!
//! Threads: any thread logs; the levels and the file sit behind one mutex, and the
//! `log` crate's global maximum level keeps disabled records off the PMD threads'
//! paths without taking it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_log::NormalizeEvent as _;
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::Layer;

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

/// OVS's log levels, least to most verbose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum VLevel {
    /// Nothing.
    Off,
    /// Emergencies only.
    Emer,
    /// Errors.
    Err,
    /// Warnings.
    Warn,
    /// Information.
    Info,
    /// Debugging.
    Dbg,
}

impl VLevel {
    const ALL: [VLevel; 6] = [
        VLevel::Off,
        VLevel::Emer,
        VLevel::Err,
        VLevel::Warn,
        VLevel::Info,
        VLevel::Dbg,
    ];

    fn name(self) -> &'static str {
        match self {
            VLevel::Off => "off",
            VLevel::Emer => "emer",
            VLevel::Err => "err",
            VLevel::Warn => "warn",
            VLevel::Info => "info",
            VLevel::Dbg => "dbg",
        }
    }

    fn from_name(s: &str) -> Option<VLevel> {
        VLevel::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(s))
    }

    fn of(level: &tracing::Level) -> VLevel {
        match *level {
            tracing::Level::ERROR => VLevel::Err,
            tracing::Level::WARN => VLevel::Warn,
            tracing::Level::INFO => VLevel::Info,
            _ => VLevel::Dbg,
        }
    }

    fn log_filter(self) -> log::LevelFilter {
        match self {
            VLevel::Off => log::LevelFilter::Off,
            VLevel::Emer | VLevel::Err => log::LevelFilter::Error,
            VLevel::Warn => log::LevelFilter::Warn,
            VLevel::Info => log::LevelFilter::Info,
            VLevel::Dbg => log::LevelFilter::Debug,
        }
    }
}

/// The destinations, in `vlog/list` column order.
pub const DESTINATIONS: [&str; 3] = ["console", "syslog", "file"];
const CONSOLE: usize = 0;
const SYSLOG: usize = 1;
const FILE: usize = 2;

/// Modules of rvs that log, known before they first do (so `vlog/set MODULE:...`
/// works from the start); modules seen later are added as they log.
const KNOWN_MODULES: &[&str] = &[
    "client",
    "connmgr",
    "daemon",
    "dpdk",
    "eal",
    "ethdev",
    "mbuf",
    "netdev",
    "normal",
    "ofconn",
    "reconcile",
    "rvs_datapath",
    "rvs_vswitchd",
    "server",
    "system",
    "tap",
    "vlog",
    "xlate",
];

/// Levels and the log file.
#[derive(Debug)]
struct Config {
    /// Levels of modules not listed in `modules` yet.
    defaults: [VLevel; 3],
    modules: BTreeMap<String, [VLevel; 3]>,
    /// The log file and its path (for `vlog/reopen` and SIGHUP).
    file: Option<(PathBuf, File)>,
}

impl Config {
    fn new(verbose: bool) -> Config {
        let l = if verbose { VLevel::Dbg } else { VLevel::Info };
        let defaults = [l, VLevel::Off, l];
        Config {
            defaults,
            modules: KNOWN_MODULES
                .iter()
                .map(|m| (m.to_string(), defaults))
                .collect(),
            file: None,
        }
    }

    fn levels(&mut self, module: &str) -> [VLevel; 3] {
        if let Some(l) = self.modules.get(module) {
            return *l;
        }
        self.modules.insert(module.to_string(), self.defaults);
        self.defaults
    }

    /// The most verbose level any module has anywhere: the `log` crate's filter.
    fn max(&self) -> VLevel {
        self.modules
            .values()
            .chain(std::iter::once(&self.defaults))
            .flat_map(|l| l.iter().copied())
            .max()
            .unwrap_or(VLevel::Off)
    }
}

/// The layer every event goes through.
#[derive(Debug, Clone)]
pub struct VlogLayer {
    seq: Arc<AtomicU64>,
    config: Arc<Mutex<Config>>,
}

/// Collects an event's message and its other fields.
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let name = field.name();
        if name == "message" {
            let _ = write!(self.0, "{value:?}");
        } else if !name.starts_with("log.") {
            let _ = write!(self.0, " {name}={value:?}");
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else if !field.name().starts_with("log.") {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

/// The module name of a target: its last path segment.
fn module_of(target: &str) -> &str {
    target.rsplit("::").next().unwrap_or(target)
}

/// One log line (with its newline) in OVS's format.
pub fn format_line(ms: u128, seq: u64, module: &str, level: VLevel, message: &str) -> String {
    let lvl = match level {
        VLevel::Emer => "EMER",
        VLevel::Err => "ERR",
        VLevel::Warn => "WARN",
        VLevel::Info => "INFO",
        VLevel::Dbg | VLevel::Off => "DBG",
    };
    format!("{}|{seq:05}|{module}|{lvl}|{message}\n", iso8601_ms(ms))
}

impl<S: Subscriber> Layer<S> for VlogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let normalized = event.normalized_metadata();
        let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
        let module = module_of(meta.target());
        let level = VLevel::of(meta.level());
        let mut cfg = self.config.lock().unwrap_or_else(PoisonError::into_inner);
        let levels = cfg.levels(module);
        let to_console = level <= levels[CONSOLE];
        let to_file = level <= levels[FILE] && cfg.file.is_some();
        if !to_console && !to_file {
            return;
        }
        let mut msg = Message(String::new());
        event.record(&mut msg);
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let n = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let line = format_line(ms, n, module, level, &msg.0);
        if to_console {
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
        if to_file {
            if let Some((_, f)) = cfg.file.as_mut() {
                let _ = f.write_all(line.as_bytes());
            }
        }
    }
}

static LAYER: OnceLock<VlogLayer> = OnceLock::new();

fn open_log(p: &Path) -> std::io::Result<File> {
    File::options().create(true).append(true).open(p)
}

/// Installs the logging: the `tracing` subscriber with the vlog layer, and the
/// bridge from the `log` facade. Call once; later calls change nothing.
pub fn init(log_file: Option<&Path>, verbose: bool) -> std::io::Result<()> {
    let mut config = Config::new(verbose);
    if let Some(p) = log_file {
        config.file = Some((p.to_owned(), open_log(p)?));
    }
    let max = config.max();
    let layer = VlogLayer {
        seq: Arc::new(AtomicU64::new(0)),
        config: Arc::new(Mutex::new(config)),
    };
    if LAYER.set(layer.clone()).is_err() {
        return Ok(());
    }
    let subscriber = tracing_subscriber::registry().with(layer);
    if tracing::subscriber::set_global_default(subscriber).is_ok() {
        let _ = tracing_log::LogTracer::init();
    }
    log::set_max_level(max.log_filter());
    Ok(())
}

/// Reopens the log file (after rotation): `vlog/reopen` and SIGHUP.
pub fn reopen() -> Result<(), String> {
    let Some(l) = LAYER.get() else {
        return Err("logging is not set up".into());
    };
    let mut cfg = l.config.lock().unwrap_or_else(PoisonError::into_inner);
    let Some((path, file)) = cfg.file.as_mut() else {
        return Ok(());
    };
    *file = open_log(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}

fn list_config(cfg: &Config) -> String {
    let mut s = String::from(
        "                 console    syslog    file\n                 -------    ------    ------\n",
    );
    for (m, l) in &cfg.modules {
        let up = |v: VLevel| v.name().to_ascii_uppercase();
        let _ = writeln!(
            s,
            "{m:<16}{:>6}{:>11}{:>11}",
            up(l[CONSOLE]),
            up(l[SYSLOG]),
            up(l[FILE])
        );
    }
    s
}

/// The `vlog/list` table, as OVS lays it out.
pub fn list() -> String {
    match LAYER.get() {
        Some(l) => list_config(&l.config.lock().unwrap_or_else(PoisonError::into_inner)),
        None => list_config(&Config::new(false)),
    }
}

/// Applies one `vlog/set` spec: words separated by `:` (or spaces or commas), each a
/// destination, a level, a module or `ANY`; what is not named means all of it, and
/// a missing level means `dbg`.
fn set_one(cfg: &mut Config, spec: &str) -> Result<(), String> {
    if spec.starts_with("PATTERN:") || spec.starts_with("FACILITY:") {
        return Err(format!("{spec}: rvs logs in OVS's default pattern only"));
    }
    let (mut dest, mut level, mut module) = (None, None, None);
    for w in spec
        .split([':', ' ', ','])
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        if w.eq_ignore_ascii_case("any") {
            continue;
        }
        if let Some(d) = DESTINATIONS.iter().position(|d| d.eq_ignore_ascii_case(w)) {
            dest = Some(d);
        } else if let Some(l) = VLevel::from_name(w) {
            level = Some(l);
        } else if cfg.modules.contains_key(w) {
            module = Some(w.to_string());
        } else {
            return Err(format!("no destination, level, or module \"{w}\""));
        }
    }
    let level = level.unwrap_or(VLevel::Dbg);
    let dests: Vec<usize> = match dest {
        Some(d) => vec![d],
        None => (0..DESTINATIONS.len()).collect(),
    };
    // rvs has no syslog: it stays off.
    let dests: Vec<usize> = dests.into_iter().filter(|&d| d != SYSLOG).collect();
    let apply = |l: &mut [VLevel; 3]| {
        for &d in &dests {
            l[d] = level;
        }
    };
    match module {
        Some(m) => apply(cfg.modules.entry(m).or_insert(cfg.defaults)),
        None => {
            apply(&mut cfg.defaults);
            cfg.modules.values_mut().for_each(apply);
        }
    }
    Ok(())
}

/// `vlog/set` (and `-v`/`--verbose=` at start-up): OVS's spec syntax.
pub fn set(spec: &[String]) -> Result<(), String> {
    let Some(l) = LAYER.get() else {
        return Err("logging is not set up".into());
    };
    let mut cfg = l.config.lock().unwrap_or_else(PoisonError::into_inner);
    let mut next = Config {
        defaults: cfg.defaults,
        modules: cfg.modules.clone(),
        file: None,
    };
    for s in spec {
        set_one(&mut next, s)?;
    }
    cfg.defaults = next.defaults;
    cfg.modules = next.modules;
    log::set_max_level(cfg.max().log_filter());
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

    #[test]
    fn lines_in_ovs_format() {
        assert_eq!(
            format_line(1_795_321_234_567, 7, "reconcile", VLevel::Warn, "x y"),
            "2026-11-22T04:20:34.567Z|00007|reconcile|WARN|x y\n"
        );
        assert_eq!(module_of("rvs_vswitchd::reconcile"), "reconcile");
        assert_eq!(module_of("rvs_datapath"), "rvs_datapath");
    }

    #[test]
    fn specs_like_vlog_set() {
        let mut c = Config::new(false);
        set_one(&mut c, "reconcile:file:dbg").unwrap();
        assert_eq!(
            c.modules["reconcile"],
            [VLevel::Info, VLevel::Off, VLevel::Dbg]
        );
        set_one(&mut c, "ANY:console:warn").unwrap();
        assert!(c.modules.values().all(|l| l[CONSOLE] == VLevel::Warn));
        assert_eq!(c.defaults[CONSOLE], VLevel::Warn);
        set_one(&mut c, "off").unwrap();
        assert!(c.modules.values().all(|l| l[FILE] == VLevel::Off));
        assert_eq!(c.max(), VLevel::Off);
        set_one(&mut c, "dbg").unwrap();
        assert_eq!(c.max(), VLevel::Dbg);
        assert_eq!(
            set_one(&mut c, "nosuch:dbg").unwrap_err(),
            "no destination, level, or module \"nosuch\""
        );
        assert!(set_one(&mut c, "console:xx").is_err());
        // A module seen later starts from the defaults.
        assert_eq!(c.levels("newmod"), c.defaults);
        let l = list_config(&c);
        assert!(l.starts_with("                 console    syslog    file\n"));
        assert!(
            l.contains("\nreconcile          DBG        OFF        DBG\n"),
            "{l}"
        );
    }
}
