//! Global options shared by the commands (`-O`, `-F`, `-m`).

use rvs_openflow::{Protocols, Version};

/// Parsed global options.
#[derive(Debug, Clone)]
pub struct Options {
    /// Versions allowed by `-O` (bit n: wire version n); default OpenFlow 1.0.
    pub versions: u32,
    /// Protocols allowed by `-F` and the versions.
    pub protocols: Protocols,
    /// `-m` count.
    pub verbosity: i32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            versions: 1 << 1,
            protocols: Protocols::ANY,
            verbosity: 0,
        }
    }
}

/// Splits options from the command words. Errors are ovs-ofctl's messages.
pub fn parse(args: &[String]) -> Result<(Options, Vec<String>), String> {
    let mut o = Options::default();
    let mut flow_formats = Protocols::ANY;
    let mut rest = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let mut value = |name: &str| -> Result<String, String> {
            if let Some(v) = a.strip_prefix(&format!("{name}=")) {
                return Ok(v.to_owned());
            }
            i += 1;
            args.get(i)
                .cloned()
                .ok_or_else(|| format!("option '{name}' requires an argument"))
        };
        if a == "-O" || a.starts_with("--protocols") {
            let v = value(if a == "-O" { "-O" } else { "--protocols" })?;
            o.versions = 0;
            for name in v.split(',').filter(|s| !s.is_empty()) {
                let ver = Version::from_name(name.trim())
                    .ok_or_else(|| format!("{name}: unknown OpenFlow version"))?;
                o.versions |= 1 << ver.wire();
            }
        } else if let Some(v) = a.strip_prefix("-O").filter(|v| !v.is_empty()) {
            o.versions = 0;
            for name in v.split(',') {
                let ver = Version::from_name(name)
                    .ok_or_else(|| format!("{name}: unknown OpenFlow version"))?;
                o.versions |= 1 << ver.wire();
            }
        } else if a == "-F" || a.starts_with("--flow-format") {
            let v = value(if a == "-F" { "-F" } else { "--flow-format" })?;
            flow_formats =
                Protocols::from_names(&v).ok_or_else(|| format!("{v}: invalid flow format(s)"))?;
        } else if a == "--more" {
            o.verbosity += 1;
        } else if a.starts_with("-m") && a[1..].bytes().all(|b| b == b'm') {
            o.verbosity += (a.len() - 1) as i32;
        } else if a == "--" {
            rest.extend(args[i + 1..].iter().cloned());
            break;
        } else if a.starts_with('-') && a.len() > 1 && rest.is_empty() {
            return Err(format!("unrecognized option '{a}'"));
        } else {
            rest.push(a.clone());
        }
        i += 1;
    }
    let mut version_protocols = Protocols::NONE;
    for v in Version::ALL {
        if o.versions & (1 << v.wire()) != 0 {
            version_protocols = version_protocols.or(Protocols::from_version(v));
        }
    }
    o.protocols = flow_formats.and(version_protocols);
    Ok((o, rest))
}
