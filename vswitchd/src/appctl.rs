//! The commands `ovs-appctl -t rvs-vswitchd` (or `rvs-appctl`) runs, laid out like
//! OVS's output. They run on the main task, between database events, with the switch
//! in hand.

use std::fmt::Write as _;
use std::sync::atomic::AtomicU64;
use std::sync::PoisonError;
use std::time::Instant;

use rvs_datapath::{DropReason, PmdStats};
use rvs_packet::actions::format_actions;
use rvs_unixctl::Commands;

use crate::reconcile::Switch;

/// What a command asks of the daemon besides its reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Keep running.
    Continue,
    /// Exit cleanly (`exit`).
    Exit,
}

/// What commands keep between calls.
#[derive(Debug)]
pub struct State {
    /// Samples for `coverage/show`.
    pub coverage: crate::coverage::Coverage,
    /// When the PMD counters were last cleared (or the daemon started): the
    /// measurement interval of `pmd-perf-show`.
    pub stats_epoch: Instant,
}

impl State {
    /// A fresh state, measuring from now.
    pub fn new() -> State {
        State {
            coverage: crate::coverage::Coverage::new(),
            stats_epoch: Instant::now(),
        }
    }
}

impl Default for State {
    fn default() -> State {
        State::new()
    }
}

/// The command table.
pub fn commands() -> Commands {
    let mut c = Commands::new();
    c.register("exit", "", 0, 0);
    c.register("ofproto/list", "", 0, 0);
    c.register(
        "ofproto/trace",
        "{[dp_name] odp_flow | bridge br_flow} [OPTIONS...] [-generate|packet]",
        1,
        usize::MAX,
    );
    c.register("dpif/show", "", 0, 0);
    c.register("fdb/show", "bridge", 1, 1);
    c.register("fdb/flush", "[bridge]", 0, 1);
    c.register("dpctl/dump-flows", "[dp]", 0, 1);
    c.register("dpctl/del-flows", "[dp]", 0, 1);
    c.register("dpif-netdev/pmd-stats-show", "", 0, 0);
    c.register("dpif-netdev/pmd-rxq-show", "", 0, 0);
    c.register(
        "dpif-netdev/pmd-perf-show",
        "[-nh] [-it iter-history-len] [-ms ms-history-len] [-pmd core] [dp]",
        0,
        8,
    );
    c.register("bridge/dump-flows", "[--offload-stats] bridge", 1, 2);
    c.register("coverage/show", "", 0, 0);
    c.register("dpif-netdev/pmd-stats-clear", "", 0, 0);
    c.register("dpif-netdev/pmd-rxq-rebalance", "", 0, 0);
    c.register("dpif-netdev/drop-stats", "", 0, 0);
    c.register(
        "netdev-dummy/receive",
        "name packet|flow... [--len number] [--qid queue_id]",
        2,
        usize::MAX,
    );
    c.register("vlog/list", "", 0, 0);
    c.register(
        "vlog/set",
        "{spec | PATTERN:destination:pattern}",
        0,
        usize::MAX,
    );
    c.register("vlog/reopen", "", 0, 0);
    c.register("memory/show", "", 0, 0);
    c
}

fn get(c: &AtomicU64) -> u64 {
    PmdStats::get(c)
}

fn pmd_stats_show(sw: &Switch) -> String {
    let mut s = String::new();
    for p in sw.datapath().pmds() {
        let st = &p.stats;
        let packets = get(&st.packets);
        let passes = get(&st.passes);
        let (busy, idle) = (get(&st.busy_cycles), get(&st.idle_cycles));
        let total = (busy + idle).max(1);
        let pct = |x: u64| x as f64 * 100.0 / total as f64;
        let per = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let _ = writeln!(s, "pmd thread numa_id 0 core_id {}:", p.core);
        let _ = writeln!(s, "  packets received: {packets}");
        let _ = writeln!(
            s,
            "  packet recirculations: {}",
            passes.saturating_sub(packets)
        );
        let _ = writeln!(
            s,
            "  avg. datapath passes per packet: {:.2}",
            per(passes, packets)
        );
        let _ = writeln!(s, "  simple match hits: {}", get(&st.simple_hits));
        let _ = writeln!(s, "  emc hits: {}", get(&st.emc_hits));
        let _ = writeln!(s, "  smc hits: {}", get(&st.smc_hits));
        let _ = writeln!(s, "  megaflow hits: {}", get(&st.megaflow_hits));
        let _ = writeln!(
            s,
            "  miss with success upcall: {}",
            get(&st.misses) - get(&st.lost)
        );
        let _ = writeln!(s, "  miss with failed upcall: {}", get(&st.lost));
        let _ = writeln!(s, "  idle cycles: {idle} ({:.2}%)", pct(idle));
        let _ = writeln!(s, "  processing cycles: {busy} ({:.2}%)", pct(busy));
        if packets > 0 {
            let _ = writeln!(
                s,
                "  avg cycles per packet: {:.2} ({}/{packets})",
                per(busy + idle, packets),
                busy + idle
            );
            let _ = writeln!(
                s,
                "  avg processing cycles per packet: {:.2} ({busy}/{packets})",
                per(busy, packets)
            );
        }
    }
    s
}

/// `pmd-perf-show`: OVS's overall PMD statistics, with what rvs measures (no
/// iteration counts or histories: rvs accounts cycles per busy and idle poll).
fn pmd_perf_show(sw: &Switch, since: Instant, args: &[String]) -> Result<String, String> {
    let mut core = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-nh" => {}
            "-pmd" => {
                let c = it.next().and_then(|c| c.parse::<usize>().ok());
                core = Some(c.ok_or("-pmd needs a core number")?);
            }
            "-it" | "-ms" => return Err(format!("{a}: rvs keeps no iteration history")),
            "netdev@ovs-netdev" | "ovs-netdev" => {}
            other => return Err(format!("{other}: unknown option or datapath")),
        }
    }
    let duration = since.elapsed().as_secs_f64().max(0.001);
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let iso = crate::vlog::iso8601_ms(ms);
    let clock = iso.split('T').nth(1).unwrap_or("").trim_end_matches('Z');
    let mut s = format!("\nTime: {clock}\nMeasurement duration: {duration:.3} s\n\n");
    for p in sw.datapath().pmds() {
        if core.is_some_and(|c| c != p.core) {
            continue;
        }
        let st = &p.stats;
        let (busy, idle) = (get(&st.busy_cycles), get(&st.idle_cycles));
        let used = busy + idle;
        let pct = |x: u64, of: u64| {
            if of == 0 {
                0.0
            } else {
                100.0 * x as f64 / of as f64
            }
        };
        let _ = writeln!(s, "pmd thread numa_id 0 core_id {}:\n", p.core);
        let _ = writeln!(s, "  Used TSC cycles:   {used:12}");
        let _ = writeln!(
            s,
            "  - idle cycles:     {idle:12}  ({:5.1} % of used cycles)",
            pct(idle, used)
        );
        let _ = writeln!(
            s,
            "  - busy cycles:     {busy:12}  ({:5.1} % of used cycles)",
            pct(busy, used)
        );
        let rx = get(&st.packets);
        if rx == 0 {
            let _ = writeln!(s, "  Rx packets:        {:12}\n", 0);
            continue;
        }
        let passes = get(&st.passes).max(rx);
        let (misses, lost) = (get(&st.misses), get(&st.lost));
        let _ = writeln!(
            s,
            "  Rx packets:        {rx:12}  ({:.0} Kpps, {:.0} cycles/pkt)",
            rx as f64 / duration / 1000.0,
            busy as f64 / rx as f64
        );
        let _ = writeln!(
            s,
            "  Datapath passes:   {passes:12}  ({:.2} passes/pkt)",
            passes as f64 / rx as f64
        );
        for (name, v) in [
            ("Simple Match hits", get(&st.simple_hits)),
            ("EMC hits", get(&st.emc_hits)),
            ("SMC hits", get(&st.smc_hits)),
            ("Megaflow hits", get(&st.megaflow_hits)),
            ("Upcalls", misses),
            ("Lost upcalls", lost),
        ] {
            let label = format!("- {name}:");
            // Label and number fill 31 columns, as OVS's lines do.
            let label = format!("{label:<19}");
            let width = 31usize.saturating_sub(label.len()).max(1);
            let _ = writeln!(s, "  {label}{v:>width$}  ({:5.1} %)", pct(v, passes));
        }
        s.push('\n');
    }
    Ok(s)
}

/// `bridge/dump-flows BR`: every rule of every table, OVS's layout (`table_id=` for
/// tables other than 0; durations in whole seconds).
fn bridge_dump_flows(sw: &Switch, args: &[String]) -> Result<String, String> {
    let name = match args {
        [b] => b,
        [opt, b] if opt == "--offload-stats" => b,
        _ => return Err("usage: bridge/dump-flows [--offload-stats] bridge".into()),
    };
    let reg = sw
        .registry_handle()
        .read()
        .unwrap_or_else(PoisonError::into_inner);
    let b = reg
        .bridge(name)
        .ok_or_else(|| format!("{name}: unknown bridge"))?;
    let now = Instant::now();
    let mut s = String::new();
    for (id, t) in b.tables().iter().enumerate() {
        for r in t.rules() {
            if id != 0 {
                let _ = write!(s, "table_id={id}, ");
            }
            let _ = write!(
                s,
                "duration={}s, n_packets={}, n_bytes={}, {},actions={}",
                now.duration_since(r.created).as_secs(),
                get(&r.stats.packets),
                get(&r.stats.bytes),
                r.m.display(r.priority),
                rvs_openflow::actions::text::format_actions(&r.actions)
            );
            s.push('\n');
        }
    }
    Ok(s)
}

fn pmd_rxq_show(sw: &Switch) -> String {
    let ports = sw.datapath().ports();
    let mut s = String::new();
    for p in sw.datapath().pmds() {
        let _ = writeln!(s, "pmd thread numa_id 0 core_id {}:", p.core);
        let _ = writeln!(s, "  isolated : false");
        for (port, q) in &p.rxqs {
            let name = ports.get(port).map_or("?", |i| i.name.as_str());
            let _ = writeln!(s, "  port: {name:<16} queue-id: {q:>2} (enabled)");
        }
    }
    s
}

fn drop_stats(sw: &Switch) -> String {
    let pmds = sw.datapath().pmds();
    let mut s = String::from("Datapath drop statistics (rvs counts these by cause):\n");
    for r in DropReason::ALL {
        let n: u64 = pmds.iter().map(|p| p.stats.drops(r)).sum();
        let _ = writeln!(s, "  {}: {n}", r.name());
    }
    s
}

/// `dpctl/dump-flows`: each PMD's megaflows in OVS's datapath-flow syntax, under
/// OVS's per-PMD header.
fn dump_flows(sw: &Switch) -> Result<String, String> {
    let flows = sw.datapath().dump_flows().map_err(|e| e.to_string())?;
    let mut s = String::new();
    let mut last_core = None;
    for (core, f) in flows {
        if last_core != Some(core) {
            let _ = writeln!(s, "flow-dump from pmd on cpu core: {core}");
            last_core = Some(core);
        }
        let line = crate::odp_format::format_flow(
            &f.key,
            &f.mask,
            f.packets,
            f.bytes,
            (f.packets > 0).then_some(f.age_ms),
            &format_actions(&f.actions),
        );
        s.push_str(&line);
        s.push('\n');
    }
    Ok(s)
}

fn fdb_show(sw: &Switch, bridge: &str) -> Result<String, String> {
    let reg = sw
        .registry_handle()
        .read()
        .unwrap_or_else(PoisonError::into_inner);
    let b = reg
        .bridge(bridge)
        .ok_or_else(|| "no such bridge".to_string())?;
    let mut s = String::from(" port  VLAN  MAC                Age\n");
    for (port, vlan, mac, age) in b.mac_learning().dump(Instant::now()) {
        let port = if port == rvs_ofproto::OFPP_LOCAL {
            "LOCAL".to_string()
        } else {
            port.to_string()
        };
        let _ = writeln!(s, "{port:>5}  {vlan:>4}  {mac}  {:>3}", age.as_secs());
    }
    Ok(s)
}

/// `dpif/show`: the datapath's hit/miss totals, then each bridge's ports as
/// `name ofport/datapath-port: (type)`.
fn dpif_show(sw: &Switch) -> String {
    let pmds = sw.datapath().pmds();
    let hits: u64 = pmds
        .iter()
        .map(|p| {
            get(&p.stats.simple_hits)
                + get(&p.stats.emc_hits)
                + get(&p.stats.smc_hits)
                + get(&p.stats.megaflow_hits)
        })
        .sum();
    let missed: u64 = pmds.iter().map(|p| get(&p.stats.misses)).sum();
    let mut s = format!("netdev@ovs-netdev: hit:{hits} missed:{missed}\n");
    let reg = sw
        .registry_handle()
        .read()
        .unwrap_or_else(PoisonError::into_inner);
    let dp_ports = sw.datapath().ports();
    for b in reg.bridges() {
        let _ = writeln!(s, "  {}:", b.name());
        for p in b.ports() {
            let ofport = if p.ofport == rvs_ofproto::OFPP_LOCAL {
                "65534".to_string()
            } else {
                p.ofport.to_string()
            };
            match &p.peer {
                Some(peer) => {
                    let _ = writeln!(s, "    {} {ofport}/none: (patch: peer={peer})", p.name);
                }
                None => {
                    let kind = dp_ports.get(&p.odp_port).map_or("?", |i| match i.kind {
                        "internal" => "tap",
                        k => k,
                    });
                    let _ = writeln!(s, "    {} {ofport}/{}: ({kind})", p.name, p.odp_port);
                }
            }
        }
    }
    s
}

fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok())
        .collect()
}

/// The packets of `netdev-dummy/receive`: each argument a hex frame or a flow in
/// ovs-ofctl syntax (made into a packet as OVS's `flow_compose()` does);
/// `--len N` pads the packets that follow to N bytes, `--qid Q` is accepted.
fn dummy_packets(args: &[String]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut min_len = 0;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--len" => {
                min_len = it
                    .next()
                    .and_then(|v| v.parse::<usize>().ok())
                    .filter(|&n| n <= 65535)
                    .ok_or("--len needs a packet length")?;
            }
            "--qid" => {
                it.next().ok_or("--qid needs a queue id")?;
            }
            text => match parse_hex(text) {
                Some(bytes) if bytes.len() >= 14 => out.push(bytes),
                _ => {
                    let (fm, _) = rvs_openflow::flow_mod::parse(
                        text,
                        Some(rvs_openflow::flow_mod::command::DELETE),
                    )
                    .map_err(|e| format!("{text}: bad packet or flow syntax ({e})"))?;
                    out.push(crate::compose::compose(&fm.m.flow, min_len));
                }
            },
        }
    }
    if out.is_empty() {
        return Err("no packet given".into());
    }
    Ok(out)
}

/// Runs one command.
pub fn run(
    sw: &mut Switch,
    state: &mut State,
    cmds: &Commands,
    method: &str,
    args: &[String],
) -> (Result<String, String>, After) {
    if let Err(e) = cmds.check(method, args.len()) {
        return (Err(e), After::Continue);
    }
    let r = match method {
        "list-commands" => Ok(cmds.list()),
        "version" => Ok(format!(
            "rvs-vswitchd (rvs) {}\n",
            env!("CARGO_PKG_VERSION")
        )),
        "exit" => return (Ok(String::new()), After::Exit),
        "ofproto/list" => {
            let reg = sw
                .registry_handle()
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            Ok(reg.bridges().map(|b| format!("{}\n", b.name())).collect())
        }
        "ofproto/trace" => {
            let reg = sw
                .registry_handle()
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            rvs_ofproto::trace_cmd::ofproto_trace(&reg, args)
        }
        "fdb/show" => fdb_show(sw, &args[0]),
        "dpif/show" => Ok(dpif_show(sw)),
        "fdb/flush" => {
            let reg = sw
                .registry_handle()
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            let mut n = 0;
            for b in reg
                .bridges()
                .filter(|b| args.first().is_none_or(|a| a == b.name()))
            {
                b.mac_learning().flush();
                n += 1;
            }
            reg.invalidate();
            crate::coverage::count(crate::coverage::Event::MacLearningFlush);
            if n == 0 {
                Err("no such bridge".into())
            } else {
                Ok("table successfully flushed\n".into())
            }
        }
        "dpctl/dump-flows" => dump_flows(sw),
        "dpctl/del-flows" => {
            crate::coverage::count(crate::coverage::Event::DpifFlowFlush);
            sw.datapath()
                .flush()
                .map(|()| String::new())
                .map_err(|e| e.to_string())
        }
        "dpif-netdev/pmd-stats-show" => Ok(pmd_stats_show(sw)),
        "dpif-netdev/pmd-rxq-show" => Ok(pmd_rxq_show(sw)),
        "dpif-netdev/pmd-perf-show" => pmd_perf_show(sw, state.stats_epoch, args),
        "bridge/dump-flows" => bridge_dump_flows(sw, args),
        "coverage/show" => Ok(state.coverage.show(sw, Instant::now())),
        "dpif-netdev/pmd-stats-clear" => {
            sw.datapath().pmds().iter().for_each(|p| p.stats.clear());
            state.stats_epoch = Instant::now();
            Ok(String::new())
        }
        "dpif-netdev/pmd-rxq-rebalance" => sw
            .datapath_mut()
            .rebalance()
            .map(|()| "pmd rxq rebalance requested.\n".into())
            .map_err(|e| e.to_string()),
        "dpif-netdev/drop-stats" => Ok(drop_stats(sw)),
        "vlog/list" => Ok(crate::vlog::list()),
        "vlog/set" => crate::vlog::set(args).map(|()| String::new()),
        "vlog/reopen" => crate::vlog::reopen().map(|()| String::new()),
        "memory/show" => {
            let megaflows: u64 = sw
                .datapath()
                .pmds()
                .iter()
                .map(|p| get(&p.stats.megaflows))
                .sum();
            let ports = sw.datapath().ports().len();
            Ok(format!(
                "megaflows:{megaflows} ports:{ports} pmds:{}\n",
                sw.datapath().pmds().len()
            ))
        }
        "netdev-dummy/receive" => {
            let Some(h) = sw.dummy(&args[0]) else {
                return (Err("no such dummy netdev".into()), After::Continue);
            };
            match dummy_packets(&args[1..]) {
                Ok(packets) => {
                    packets.iter().for_each(|p| h.inject(p));
                    Ok(String::new())
                }
                Err(e) => Err(e),
            }
        }
        _ => Err(format!("\"{method}\" is not implemented")),
    };
    (r, After::Continue)
}
