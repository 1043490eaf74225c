//! Differential test: every script in `tests/corpus/*.vsctl` runs line by line against
//! two fresh `ovsdb-server`s, one driven by Open vSwitch's `ovs-vsctl --no-wait` and one
//! by `rvs-vsctl --no-wait`. After each line, stdout, stderr, the exit status and the
//! whole database (`ovsdb-client dump`) must be the same.
//!
//! Script syntax: one command line per line, split like a shell would (single and
//! double quotes, backslash); `#` starts a comment line. A line that starts with `~ `
//! prints rows in an order that depends on the random UUIDs (`list` and `find` without
//! records, `show` with several bridges): its stdout lines are compared sorted.
//!
//! Normalisation: the program name (`rvs-vsctl:` reads as `ovs-vsctl:`), log time
//! stamps, the servers' directories, and UUIDs. UUIDs are named `<0>`, `<1>`, ... per
//! database: rows of each table are sorted by their dump line with every UUID masked,
//! and numbered in that order, table after table; lists of UUIDs are then sorted. So two
//! databases compare equal when they hold the same rows linked the same way, whatever
//! UUIDs the servers picked.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::normalize::{normalize_dump, normalize_text, shell_split};
use common::{env, rvs_vsctl, wait_with_timeout, Server};

struct Side {
    stdout: String,
    stderr: String,
    status: Option<i32>,
    dump: String,
}

fn run_side(server: &Server, prog: &Path, args: &[String], sort: bool) -> Side {
    let out = server.run(prog, args);
    let (labels, dump) = normalize_dump(&server.dump());
    Side {
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
        status: out.status.code(),
        dump,
    }
}

/// Runs one script; returns a description of the first difference.
fn run_script(name: &str, text: &str, rvs: &Path) -> Result<usize, String> {
    let ovs_server = Server::start("ovs");
    let rvs_server = Server::start("rvs");
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
        let a = run_side(&ovs_server, Path::new("ovs-vsctl"), &args, sort);
        let b = run_side(&rvs_server, rvs, &args, sort);
        let mut diffs = Vec::new();
        if a.status != b.status {
            diffs.push(format!(
                "exit status: ovs {:?}, rvs {:?}",
                a.status, b.status
            ));
        }
        for (what, x, y) in [
            ("stdout", &a.stdout, &b.stdout),
            ("stderr", &a.stderr, &b.stderr),
            ("database", &a.dump, &b.dump),
        ] {
            if x != y && what == "database" {
                let only = |p: &str, q: &str| {
                    p.lines()
                        .filter(|l| !q.lines().any(|m| m == *l))
                        .map(|l| format!("{l}\n"))
                        .collect::<String>()
                };
                diffs.push(format!(
                    "database differs\n--- only with ovs-vsctl ---\n{}--- only with rvs-vsctl ---\n{}---",
                    only(x, y),
                    only(y, x)
                ));
            } else if x != y {
                diffs.push(format!(
                    "{what} differs\n--- ovs-vsctl ---\n{x}--- rvs-vsctl ---\n{y}---"
                ));
            }
        }
        if !diffs.is_empty() {
            return Err(format!(
                "script {name}, line {}: {line}\n{}",
                lineno + 1,
                diffs.join("\n")
            ));
        }
    }
    Ok(n)
}

#[test]
fn corpus_matches_ovs_vsctl() {
    if Command::new("ovs-vsctl").arg("--version").output().is_err() {
        panic!("ovs-vsctl is not installed: the differential test needs Open vSwitch 3.1");
    }
    let rvs = rvs_vsctl();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
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
        match run_script(&name, &text, &rvs) {
            Ok(n) => total += n,
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    eprintln!(
        "{total} command lines matched across {} scripts",
        files.len()
    );
}

#[test]
fn normalisation_is_order_independent() {
    let a = "Bridge table\n_uuid name ports\n----- ---- -----\n\
        11111111-1111-1111-1111-111111111111 br0 [33333333-3333-3333-3333-333333333333, 22222222-2222-2222-2222-222222222222]\n\n\
        Port table\n_uuid name\n----- ----\n22222222-2222-2222-2222-222222222222 p2\n33333333-3333-3333-3333-333333333333 p1\n";
    let b = a
        .replace("22222222-2222-2222-2222-222222222222", "T")
        .replace(
            "33333333-3333-3333-3333-333333333333",
            "22222222-2222-2222-2222-222222222222",
        )
        .replace('T', "33333333-3333-3333-3333-333333333333");
    assert_eq!(normalize_dump(a).1, normalize_dump(&b).1);
    assert_eq!(
        shell_split(r#"set port p 'a b' "c\"d" e\ f"#),
        vec!["set", "port", "p", "a b", "c\"d", "e f"]
    );
}

/// Without `--no-wait`: both programs increment `next_cfg`, wait for a stand-in switch to
/// report it in `cur_cfg`, then report the new interfaces that got no OpenFlow port.
#[test]
fn waiting_for_reload_matches() {
    let rvs = rvs_vsctl();
    let mut results = Vec::new();
    for (tag, prog) in [("ovs-wait", PathBuf::from("ovs-vsctl")), ("rvs-wait", rvs)] {
        let server = Server::start(tag);
        let args: Vec<String> = [
            "--timeout=20",
            "add-br",
            "br0",
            "--",
            "add-port",
            "br0",
            "p1",
            "--",
            "set",
            "interface",
            "p1",
            "error=\"could not open network device p1\"",
            "--",
            "add-port",
            "br0",
            "p2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut c = Command::new(&prog);
        env(&mut c, &server.dir).args(&args).stdin(Stdio::null());
        let child = c
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        // Play ovs-vswitchd: once next_cfg moves, apply it.
        let ovs = Path::new("ovs-vsctl");
        let get = |col: &str| -> String {
            let out = server.run(
                ovs,
                &[
                    "--no-wait".into(),
                    "get".into(),
                    "open".into(),
                    ".".into(),
                    col.into(),
                ],
            );
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        };
        let t0 = Instant::now();
        while get("next_cfg") != "1" {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "{tag}: next_cfg never moved"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let set: Vec<String> = [
            "--no-wait",
            "set",
            "interface",
            "br0",
            "ofport=65534",
            "--",
            "set",
            "interface",
            "p2",
            "ofport=-1",
            "--",
            "set",
            "open",
            ".",
            "cur_cfg=1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert!(server.run(ovs, &set).status.success());
        let out = wait_with_timeout(child, Duration::from_secs(20), tag);
        let (labels, dump) = normalize_dump(&server.dump());
        results.push((
            out.status.code(),
            normalize_text(
                &String::from_utf8_lossy(&out.stdout),
                &labels,
                &server.dir,
                false,
            ),
            normalize_text(
                &String::from_utf8_lossy(&out.stderr),
                &labels,
                &server.dir,
                false,
            ),
            dump,
        ));
    }
    assert_eq!(results[0].0, results[1].0, "exit status");
    assert_eq!(results[0].1, results[1].1, "stdout");
    assert_eq!(results[0].2, results[1].2, "stderr");
    assert_eq!(results[0].3, results[1].3, "database");
    assert!(results[0]
        .2
        .contains("Error detected while setting up 'p1': could not open"));
}

/// `wait-until` blocks until another client makes the condition true.
#[test]
fn wait_until_returns_once_condition_holds() {
    let rvs = rvs_vsctl();
    for (tag, prog) in [
        ("ovs-until", PathBuf::from("ovs-vsctl")),
        ("rvs-until", rvs),
    ] {
        let server = Server::start(tag);
        let mut c = Command::new(&prog);
        env(&mut c, &server.dir)
            .args([
                "--no-wait",
                "wait-until",
                "bridge",
                "br1",
                "stp_enable=true",
            ])
            .stdin(Stdio::null());
        let child = c
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(300));
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let ovs = Path::new("ovs-vsctl");
        assert!(server
            .run(ovs, &args(&["--no-wait", "add-br", "br1"]))
            .status
            .success());
        std::thread::sleep(Duration::from_millis(300));
        let st = ["--no-wait", "set", "bridge", "br1", "stp_enable=true"];
        assert!(server.run(ovs, &args(&st)).status.success());
        let out = wait_with_timeout(child, Duration::from_secs(10), tag);
        assert!(
            out.status.success(),
            "{tag}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{tag}");
    }
}

/// On a database without an `Open_vSwitch` row, the first command creates it.
#[test]
fn first_command_on_empty_database_matches() {
    let rvs = rvs_vsctl();
    for line in [&["init"][..], &["add-br", "br0"][..], &["list-br"][..]] {
        let mut sides = Vec::new();
        for (tag, prog) in [
            ("ovs-empty", PathBuf::from("ovs-vsctl")),
            ("rvs-empty", rvs.clone()),
        ] {
            let server = Server::start_empty(tag);
            let mut args = vec!["--no-wait".to_string()];
            args.extend(line.iter().map(|s| s.to_string()));
            let out = server.run(&prog, &args);
            let (labels, dump) = normalize_dump(&server.dump());
            sides.push((
                out.status.code(),
                normalize_text(
                    &String::from_utf8_lossy(&out.stdout),
                    &labels,
                    &server.dir,
                    false,
                ),
                normalize_text(
                    &String::from_utf8_lossy(&out.stderr),
                    &labels,
                    &server.dir,
                    false,
                ),
                dump,
            ));
        }
        assert_eq!(sides[0].0, sides[1].0, "{line:?}: exit status");
        assert_eq!(sides[0].1, sides[1].1, "{line:?}: stdout");
        assert_eq!(sides[0].2, sides[1].2, "{line:?}: stderr");
        assert_eq!(sides[0].3, sides[1].3, "{line:?}: database");
    }
}
