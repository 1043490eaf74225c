//! Traffic helpers: ping, interface counters, and tcpdump captures that prove a frame
//! did (or did not) arrive.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::cmd::{self, QUICK};
use crate::{Host, Netns};

/// Echo requests sent `count` times, 0.2 s apart, waiting up to 2 s for each reply;
/// returns how many replies came back.
pub fn ping_replies(ns: &Netns, ip: &str, count: u32) -> u32 {
    let count_s = count.to_string();
    let out = ns.run(&["ping", "-n", "-c", &count_s, "-i", "0.2", "-W", "2", ip]);
    let text = cmd::stdout_str(&out);
    // "3 packets transmitted, 3 received, 0% packet loss, time 405ms"
    text.lines()
        .find(|l| l.contains("packets transmitted"))
        .and_then(|l| l.split(", ").nth(1))
        .and_then(|f| f.strip_suffix(" received"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "cannot parse ping output in {}:\n{text}\n{}",
                ns.name(),
                cmd::stderr_str(&out)
            )
        })
}

/// `ping -c count ip` from namespace `ns`: true when every request got its reply.
pub fn ping(ns: &Netns, ip: &str, count: u32) -> bool {
    ping_replies(ns, ip, count) == count
}

/// A counter from /sys/class/net/IF/statistics (e.g. `rx_packets`, `tx_packets`).
pub fn link_stat(ns: &Netns, ifname: &str, stat: &str) -> u64 {
    let path = format!("/sys/class/net/{ifname}/statistics/{stat}");
    ns.read(&path)
        .parse()
        .unwrap_or_else(|e| panic!("{path} in {}: {e}", ns.name()))
}

/// A running `tcpdump` on one interface of a namespace. Started only once tcpdump
/// says it listens, so nothing sent after [`Capture::start`] returns is missed.
#[derive(Debug)]
pub struct Capture {
    child: Option<Child>,
    lines: mpsc::Receiver<String>,
    what: String,
}

impl Capture {
    /// Captures (promiscuously, every frame arriving at or leaving `ifname`) the
    /// frames matching the pcap `filter`, one summary line per frame.
    pub fn start(ns: &Netns, ifname: &str, filter: &str) -> Capture {
        let what = format!("tcpdump -i {ifname} '{filter}' in {}", ns.name());
        let mut c = ns.command(&[
            "tcpdump",
            "-i",
            ifname,
            "-n",
            "-e",
            "-l",
            "--immediate-mode",
            // Stay root: dropping to user tcpdump would clear the parent-death signal.
            "-Z",
            "root",
            filter,
        ]);
        let mut child = cmd::die_with_parent(&mut c)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (etx, erx) = mpsc::channel();
        let mut stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
        thread::spawn(move || {
            let mut line = String::new();
            let mut seen = String::new();
            while stderr.read_line(&mut line).unwrap_or(0) > 0 {
                seen.push_str(&line);
                if line.contains("listening on") {
                    let _ = etx.send(Ok(()));
                }
                line.clear();
            }
            // Reading to the end above also keeps tcpdump from blocking on stderr.
            let _ = etx.send(Err(seen));
        });
        let mut cap = Capture {
            child: Some(child),
            lines,
            what,
        };
        match erx.recv_timeout(QUICK) {
            Ok(Ok(())) => cap,
            Ok(Err(stderr)) => {
                let status = cap.child.as_mut().and_then(|c| c.wait().ok());
                panic!(
                    "{} exited ({status:?}) before listening:\n{stderr}",
                    cap.what
                )
            }
            Err(_) => panic!("{} did not start listening within {QUICK:?}", cap.what),
        }
    }

    /// Stops tcpdump (after a short grace for frames in flight) and returns the
    /// summary lines of the frames it captured.
    pub fn stop(mut self) -> Vec<String> {
        thread::sleep(Duration::from_millis(300));
        if let Some(mut child) = self.child.take() {
            cmd::stop_child(&mut child, libc::SIGINT, Duration::from_secs(5));
        }
        let mut out = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            // tcpdump prints an empty line when interrupted.
            if !line.trim().is_empty() {
                out.push(line);
            }
        }
        out
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// What happened when `from` pinged `to` while `to`'s interface was watched.
#[derive(Debug)]
pub struct Probe {
    /// Echo replies `from` received.
    pub replies: u32,
    /// Frames `from` transmitted meanwhile (its host end's `tx_packets` delta).
    pub sent: u64,
    /// Frames that reached the switch-side end of `from` meanwhile (`rx_packets`
    /// delta there): they were offered to the switch.
    pub offered: u64,
    /// tcpdump lines, on `to`'s interface, of frames with `from`'s source MAC.
    pub arrived: Vec<String>,
}

/// Sends `count` pings from `from` to `to` while capturing, on `to`'s interface,
/// every frame whose Ethernet source is `from`'s MAC. Because it also counts what
/// `from` sent and what reached the switch, "nothing arrived" cannot pass vacuously:
/// check `sent > 0 && offered > 0 && arrived.is_empty()`. Run it once while the path
/// works to see the same capture catch the frames.
pub fn probe(from: &Host, to: &Host, count: u32) -> Probe {
    let cap = Capture::start(&to.ns, &to.ifname, &format!("ether src {}", from.mac));
    let tx0 = from.stat("tx_packets");
    let rx0 = from.port_stat("rx_packets");
    let replies = ping_replies(&from.ns, &to.ip, count);
    let arrived = cap.stop();
    Probe {
        replies,
        sent: from.stat("tx_packets") - tx0,
        offered: from.port_stat("rx_packets") - rx0,
        arrived,
    }
}
