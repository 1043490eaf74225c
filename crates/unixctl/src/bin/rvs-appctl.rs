//! `rvs-appctl [-t TARGET] [-T SECS] COMMAND [ARG...]`: `ovs-appctl`'s syntax, output
//! and exit codes.

use std::time::Duration;

use rvs_unixctl::client::{call, resolve_target};

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let mut target = "rvs-vswitchd".to_string();
    let mut timeout = None;
    while let Some(a) = args.peek().cloned() {
        if a == "-t" || a == "--target" {
            args.next();
            target = args.next().unwrap_or_default();
        } else if let Some(t) = a.strip_prefix("--target=") {
            target = t.to_string();
            args.next();
        } else if a == "-T" || a == "--timeout" {
            args.next();
            timeout = args
                .next()
                .and_then(|s| s.parse().ok())
                .map(Duration::from_secs);
        } else if let Some(t) = a.strip_prefix("--timeout=") {
            timeout = t.parse().ok().map(Duration::from_secs);
            args.next();
        } else if a == "-h" || a == "--help" {
            println!("usage: rvs-appctl [-t TARGET] [-T SECS] COMMAND [ARG...]");
            return;
        } else {
            break;
        }
    }
    let Some(command) = args.next() else {
        eprintln!("rvs-appctl: at least one non-option argument is required (use --help for help)");
        std::process::exit(1);
    };
    let rest: Vec<String> = args.collect();
    let path = match resolve_target(&target) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("rvs-appctl: {e}");
            std::process::exit(1);
        }
    };
    match call(&path, &command, &rest, timeout) {
        Ok(Ok(out)) => print!("{out}"),
        Ok(Err(err)) => {
            eprint!("{err}");
            if !err.ends_with('\n') {
                eprintln!();
            }
            eprintln!("rvs-appctl: {target}: server returned an error");
            std::process::exit(2);
        }
        Err(e) => {
            eprintln!("rvs-appctl: cannot connect to \"{}\" ({e})", path.display());
            std::process::exit(1);
        }
    }
}
