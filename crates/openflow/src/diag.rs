//! Warnings that OVS logs while parsing text (e.g. deprecated port
//! numbers). Parsers record them here, per thread, and the command line
//! drains and prints them in OVS's log format.

use std::cell::RefCell;
use std::collections::HashSet;

thread_local! {
    static PENDING: RefCell<Vec<(&'static str, Level, String)>> = const { RefCell::new(Vec::new()) };
    static ONCE: RefCell<HashSet<&'static str>> = RefCell::new(HashSet::new());
}

/// Log levels OVS uses for these messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `WARN`.
    Warn,
    /// `INFO`.
    Info,
}

impl Level {
    /// The name in a log line.
    pub fn name(self) -> &'static str {
        match self {
            Level::Warn => "WARN",
            Level::Info => "INFO",
        }
    }
}

/// Records a warning of `module`.
pub fn warn(module: &'static str, msg: String) {
    PENDING.with(|p| p.borrow_mut().push((module, Level::Warn, msg)));
}

/// Records an informational message of `module`.
pub fn info(module: &'static str, msg: String) {
    PENDING.with(|p| p.borrow_mut().push((module, Level::Info, msg)));
}

/// Records a warning at most once per thread for the call site `key`
/// (OVS `VLOG_WARN_ONCE`).
pub fn warn_once(key: &'static str, module: &'static str, msg: String) {
    if ONCE.with(|o| o.borrow_mut().insert(key)) {
        warn(module, msg);
    }
}

/// Takes the warnings recorded so far.
pub fn take() -> Vec<(&'static str, Level, String)> {
    PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()))
}
