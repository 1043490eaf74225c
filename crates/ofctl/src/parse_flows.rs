//! `parse-flows FILE`: parses flows as `add-flows` would and prints the
//! chosen protocol and each encoded flow-mod, as `ovs-ofctl parse-flows`.

use std::io::Write;

use rvs_openflow::flow_mod::{self, command};
use rvs_openflow::ofp_print::ofp_to_string;
use rvs_openflow::Protocols;

use crate::opts::Options;

/// Lines of a flow file with comments and blank lines dropped and
/// backslash-newline continuations joined (OVS
/// `ds_get_preprocessed_line()`), with their line numbers.
pub fn preprocessed_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut first = 0;
    for (i, line) in text.split('\n').enumerate() {
        if cur.is_empty() {
            first = i + 1;
        }
        if let Some(l) = line.strip_suffix('\\') {
            cur.push_str(l);
            continue;
        }
        cur.push_str(line);
        let logical = std::mem::take(&mut cur);
        let logical = match logical.find('#') {
            Some(h) => logical[..h].to_owned(),
            None => logical,
        };
        if !logical.trim().is_empty() {
            out.push((i + 1, logical));
        }
        let _ = first;
    }
    out
}

/// Runs the command; returns the exit status.
pub fn run(o: &Options, file: &str, out: &mut dyn Write) -> i32 {
    let text = if file == "-" {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut s);
        s
    } else {
        match std::fs::read_to_string(file) {
            Ok(s) => s,
            Err(e) => {
                let e = crate::Errno::from_io(&e);
                crate::error(format_args!("{file}: open failed ({})", e.text), None);
                return 1;
            }
        }
    };
    let mut fms = Vec::new();
    let mut usable = Protocols::ANY;
    for (n, line) in preprocessed_lines(&text) {
        let parsed = flow_mod::parse(&line, Some(command::ADD));
        crate::flush_warnings();
        match parsed {
            Ok((fm, u)) => {
                usable = usable.and(u);
                fms.push(fm);
            }
            Err(e) => {
                let _ = out.flush();
                crate::error(format_args!("{file}:{n}: {e}"), None);
                return 1;
            }
        }
    }
    print_flow_mods(o, &fms, usable, out)
}

/// The shared tail of `parse-flow` and `parse-flows`.
pub fn print_flow_mods(
    o: &Options,
    fms: &[flow_mod::FlowMod],
    usable: Protocols,
    out: &mut dyn Write,
) -> i32 {
    let _ = writeln!(out, "usable protocols: {usable}");
    let Some(protocol) = usable.and(o.protocols).lowest() else {
        let _ = out.flush();
        crate::error(format_args!("no usable protocol"), None);
        return 1;
    };
    let _ = writeln!(
        out,
        "chosen protocol: {}",
        protocol.name().unwrap_or("(unknown)")
    );
    for (i, fm) in fms.iter().enumerate() {
        let msg = flow_mod::encode(fm, protocol, i as u32 + 1);
        let _ = out.write_all(ofp_to_string(&msg, o.verbosity).as_bytes());
        crate::flush_warnings();
    }
    0
}
