//! `rvs-ofctl`, the ovs-ofctl-compatible command line of rvs.
//!
//! Commands print exactly what `ovs-ofctl` prints for the same input, with
//! `ovs-ofctl:` replaced by `rvs-ofctl:` in error messages, and exit with the
//! same status. Implemented so far:
//!
//! - `parse-pcap FILE...`: the flow of every packet in each pcap file, one per
//!   line, as OVS's `flow_extract()` and `flow_format()` see it;
//! - `parse-flow FLOW`, `parse-flows FILE`: flows in `add-flow` syntax,
//!   the protocol chosen for them and each encoded flow-mod as ofp-print
//!   shows it (with `-O VERSIONS`, `-F FORMATS`, `-m...`);
//! - `ofp-print HEX [VERBOSITY]`: one OpenFlow message, decoded.
//!
//! The binary is a thin wrapper around [`run`].
#![forbid(unsafe_code)]

mod log;
pub mod ofp_print;
pub mod opts;
pub mod parse_flows;
pub mod parse_pcap;
pub mod pcap;

use std::ffi::OsString;
use std::io::Write;

/// Program name in messages.
pub const PROGRAM: &str = "rvs-ofctl";

/// An error as OVS reports it: an errno-style code (OVS's `EOF` is -1) that
/// becomes the exit status, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errno {
    /// The code: an `errno` value, or -1 for end of file.
    pub code: i32,
    /// What `ovs_retval_to_string()` says for it.
    pub text: String,
}

impl Errno {
    /// OVS's `EOF` (-1), "End of file".
    pub fn eof() -> Errno {
        Errno {
            code: -1,
            text: "End of file".to_owned(),
        }
    }

    /// `EPROTO`, "Protocol error".
    pub fn eproto() -> Errno {
        Errno {
            code: 71,
            text: "Protocol error".to_owned(),
        }
    }

    /// From an I/O error: its OS code and the C library's text for it.
    pub fn from_io(e: &std::io::Error) -> Errno {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            return Errno::eof();
        }
        let text = e.to_string();
        let text = match text.rfind(" (os error ") {
            Some(i) => text[..i].to_owned(),
            None => text,
        };
        Errno {
            code: e.raw_os_error().unwrap_or(5),
            text,
        }
    }
}

/// `ovs_error()`: `rvs-ofctl: MESSAGE (ERROR TEXT)` on stderr.
pub(crate) fn error(msg: std::fmt::Arguments<'_>, err: Option<&Errno>) {
    let mut line = format!("{PROGRAM}: {msg}");
    if let Some(e) = err {
        line.push_str(&format!(" ({})", e.text));
    }
    line.push('\n');
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// Prints the warnings the library recorded, in OVS's log format.
pub(crate) fn flush_warnings() {
    for (module, level, msg) in rvs_openflow::diag::take() {
        log::log(module, level.name(), format_args!("{msg}"));
    }
}

/// Runs the command line `args` (without the program name) and returns the
/// exit status.
pub fn run(args: impl IntoIterator<Item = OsString>) -> i32 {
    let args: Vec<OsString> = args.into_iter().collect();
    let strings: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let (o, words) = match opts::parse(&strings) {
        Ok(x) => x,
        Err(e) => {
            error(format_args!("{e}"), None);
            return 1;
        }
    };
    let Some(cmd) = words.first() else {
        error(
            format_args!("missing command name; use --help for help"),
            None,
        );
        return 1;
    };
    let rest = &words[1..];
    let need = |n: usize| {
        if rest.len() < n {
            error(
                format_args!("'{cmd}' command requires at least {n} arguments"),
                None,
            );
            false
        } else {
            true
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let code = match cmd.as_str() {
        "parse-pcap" => {
            if !need(1) {
                return 1;
            }
            let files: Vec<OsString> = rest.iter().map(OsString::from).collect();
            parse_pcap::run(&files, &mut out)
        }
        "parse-flows" => {
            if !need(1) {
                return 1;
            }
            parse_flows::run(&o, &rest[0], &mut out)
        }
        "parse-flow" => {
            if !need(1) {
                return 1;
            }
            let parsed =
                rvs_openflow::flow_mod::parse(&rest[0], Some(rvs_openflow::flow_mod::command::ADD));
            flush_warnings();
            match parsed {
                Ok((fm, u)) => parse_flows::print_flow_mods(&o, &[fm], u, &mut out),
                Err(e) => {
                    error(format_args!("{e}"), None);
                    1
                }
            }
        }
        "ofp-print" => {
            if !need(1) {
                return 1;
            }
            ofp_print::run(&rest[0], rest.get(1).map(String::as_str), &mut out)
        }
        _ => {
            error(
                format_args!("unknown command '{cmd}'; use --help for help"),
                None,
            );
            1
        }
    };
    let _ = out.flush();
    code
}
