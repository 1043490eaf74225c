//! The rvs-vsctl differential corpus (`crates/vsctl/tests/corpus/*.vsctl`), run
//! with the real `ovs-vsctl` against Debian's `ovsdb-server` and against
//! `rvs-ovsdb-server`, each on a fresh database made by `ovsdb-tool create`. After
//! every line, stdout, stderr, the exit status and the whole database
//! (`ovsdb-client dump`, with UUIDs labelled as in the vsctl differential test)
//! must be identical.
//!
//! Needs Open vSwitch 3.1's tools: skipped without them, unless
//! `RVS_REQUIRE_ORACLES=1`, which makes it fail.

#[path = "../../vsctl/tests/common/mod.rs"]
mod common;
mod support;

use std::path::{Path, PathBuf};

use common::normalize::{normalize_dump, normalize_text, shell_split};
use common::Server;

struct Side {
    status: Option<i32>,
    stdout: String,
    stderr: String,
    dump: String,
}

fn run_side(server: &Server, args: &[String], sort: bool) -> Side {
    let out = server.run(Path::new("ovs-vsctl"), args);
    let (labels, dump) = normalize_dump(&server.dump());
    Side {
        status: out.status.code(),
        stdout: normalize_text(
            &String::from_utf8_lossy(&out.stdout),
            &labels,
            &server.dir,
            sort,
        ),
        stderr: normalize_text(
            &String::from_utf8_lossy(&out.stderr),
            &labels,
            &server.dir,
            false,
        ),
        dump,
    }
}

fn run_script(name: &str, text: &str) -> Result<usize, String> {
    let ovs = Server::start("corpus-ovs");
    let rvs = Server::start_on("corpus-rvs", &support::rvs_server_bin());
    let mut n = 0;
    for (lineno, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (sort, line) = match line.strip_prefix("~ ") {
            Some(l) => (true, l),
            None => (false, line),
        };
        let mut args = vec!["--no-wait".to_string()];
        args.extend(shell_split(line));
        n += 1;
        let a = run_side(&ovs, &args, sort);
        let b = run_side(&rvs, &args, sort);
        let mut diffs = Vec::new();
        if a.status != b.status {
            diffs.push(format!(
                "exit status: ovsdb-server {:?}, rvs {:?}",
                a.status, b.status
            ));
        }
        for (what, x, y) in [
            ("stdout", &a.stdout, &b.stdout),
            ("stderr", &a.stderr, &b.stderr),
            ("database", &a.dump, &b.dump),
        ] {
            if x != y {
                diffs.push(format!(
                    "{what} differs\n--- ovsdb-server ---\n{x}--- rvs-ovsdb-server ---\n{y}---"
                ));
            }
        }
        if !diffs.is_empty() {
            return Err(format!(
                "{name}:{}: {line}\n{}",
                lineno + 1,
                diffs.join("\n")
            ));
        }
    }
    Ok(n)
}

#[test]
fn vsctl_corpus_same_on_both_servers() {
    if !support::have_ovs_tools(&["ovs-vsctl"]) {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vsctl/tests/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "vsctl"))
        .collect();
    files.sort();
    let only = std::env::var("RVS_VSCTL_SCRIPT").ok();
    let mut failures = Vec::new();
    let mut total = 0;
    for f in &files {
        let name = f
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let text = std::fs::read_to_string(f).expect("read script");
        match run_script(&name, &text) {
            Ok(n) => total += n,
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(total > 300, "only {total} lines ran");
    eprintln!("{total} corpus lines identical on ovsdb-server and rvs-ovsdb-server");
}
