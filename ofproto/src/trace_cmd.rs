//! `ofproto/trace BRIDGE FLOW [-generate | PACKET]`: the argument handling of
//! `ovs-appctl ofproto/trace`; the trace itself is [`crate::trace`]. The arguments
//! come from whoever can reach the control socket, so this is fuzzed
//! ([`fuzz_one`]).
//!
//! `FLOW` is in ovs-ofctl match syntax (`in_port=1,tcp,nw_dst=10.0.0.2,tp_dst=80`),
//! with `in_port` given as a number, a reserved name (`LOCAL`) or a port name of the
//! bridge. `PACKET` is an Ethernet frame in hex: its headers make the flow, and only
//! the metadata (input port, registers, metadata, mark, priority, tunnel) come from
//! `FLOW`, as in OVS. `-generate` is accepted: rvs never sends traced packets anywhere
//! and traces have no side effects, so it changes nothing.

use crate::Registry;
use rvs_openflow::field::parse_port;
use rvs_openflow::flow_mod::{self, command};
use rvs_packet::Flow;

/// Decodes a hex frame as OVS's `eth_from_hex()` does (whitespace is skipped).
fn eth_from_hex(s: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let nibble = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(digits.len() / 2);
    for pair in digits.chunks(2) {
        match (
            pair.first().and_then(|&b| nibble(b)),
            pair.get(1).and_then(|&b| nibble(b)),
        ) {
            (Some(h), Some(l)) => out.push(h << 4 | l),
            _ => return Err("Trailing garbage in packet data".into()),
        }
    }
    if out.len() < 14 {
        return Err("Packet data too short for Ethernet".into());
    }
    Ok(out)
}

/// Replaces `in_port=NAME` with the port's number on `bridge`.
fn resolve_port_names(reg: &Registry, bridge: &str, flow: &str) -> String {
    let Some(b) = reg.bridge(bridge) else {
        return flow.to_string();
    };
    flow.split(',')
        .map(|tok| match tok.trim().split_once('=') {
            Some((k, v)) if k.trim() == "in_port" && parse_port(v.trim()).is_none() => {
                match b.port_by_name(v.trim()) {
                    Some(p) => format!("in_port={}", p.ofport),
                    None => tok.to_string(),
                }
            }
            _ => tok.to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses `FLOW` into an exact flow (unset fields zero), OpenFlow numbering.
pub fn parse_flow(reg: &Registry, bridge: &str, text: &str) -> Result<Flow, String> {
    let resolved = resolve_port_names(reg, bridge, text);
    let (fm, _) = flow_mod::parse(&resolved, Some(command::DELETE))
        .map_err(|e| format!("Bad openflow flow syntax: {text}: {e}"))?;
    if fm.out_port != rvs_openflow::actions::port::ANY
        || fm.out_group != flow_mod::OFPG_ANY
        || fm.cookie_mask != 0
        || fm.table_id != 0xff
    {
        return Err(format!(
            "Bad openflow flow syntax: {text}: only match fields are allowed"
        ));
    }
    Ok(fm.m.flow)
}

/// Runs `ofproto/trace` with its arguments (without the command name).
pub fn ofproto_trace(reg: &Registry, args: &[String]) -> Result<String, String> {
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut packet = None;
    match args.last() {
        Some(&"-generate") => {
            args.pop();
        }
        Some(last) if args.len() >= 2 => match eth_from_hex(last) {
            Ok(p) => {
                packet = Some(p);
                args.pop();
            }
            // The three-argument form must end in -generate or a packet.
            Err(e) if args.len() == 3 => return Err(e),
            Err(_) => {}
        },
        _ => {}
    }
    if let Some(opt) = args.iter().find(|a| a.starts_with("--")) {
        return Err(format!("{opt}: option not supported by rvs"));
    }
    let (bridge, text) = match args[..] {
        [bridge, flow] => (bridge, flow),
        [flow] => {
            return Err(format!(
                "syntax error at {flow} (or the bridge name was omitted)"
            ))
        }
        _ => return Err("Syntax error".into()),
    };
    if reg.bridge(bridge).is_none() {
        return Err(format!("{bridge}: unknown bridge"));
    }
    let meta = parse_flow(reg, bridge, text)?;
    let flow = match packet {
        None => meta,
        Some(bytes) => {
            let mut f = rvs_packet::extract(&bytes, meta.in_port);
            f.regs = meta.regs;
            f.metadata = meta.metadata;
            f.pkt_mark = meta.pkt_mark;
            f.skb_priority = meta.skb_priority;
            f.tunnel = meta.tunnel;
            f
        }
    };
    let out = reg
        .trace(bridge, &flow)
        .ok_or_else(|| format!("{bridge}: unknown bridge"))?;
    Ok(out.render())
}

/// The fuzz target's body: `data` as whitespace-separated arguments of
/// `ofproto/trace` against a small bridge with a multi-table flow set. Never panics;
/// a successful trace always ends with the datapath actions.
pub fn fuzz_one(data: &[u8]) {
    use std::sync::OnceLock;
    static REG: OnceLock<Registry> = OnceLock::new();
    let reg = REG.get_or_init(|| {
        use rvs_openflow::flow_mod::{self, command};
        let mut r = Registry::new();
        r.ensure_bridge("br0", crate::FailMode::Standalone);
        r.add_port("br0", "br0", 1, None, None);
        r.add_port("br0", "p1", 2, None, None);
        r.add_port("br0", "p2", 3, None, None);
        for f in [
            "table=0,priority=100,ip,actions=set_field:0x5->reg0,resubmit(,1)",
            "table=1,priority=100,tcp,actions=mod_dl_dst:aa:bb:cc:dd:ee:ff,goto_table:2",
            "table=1,priority=1,actions=NORMAL",
            "table=2,priority=1,actions=dec_ttl,output:2,controller",
        ] {
            if let Ok((fm, _)) = flow_mod::parse(f, Some(command::ADD)) {
                if let Some(b) = r.bridge_mut("br0") {
                    let _ = b.flow_mod(&fm, std::time::Instant::now());
                }
            }
        }
        r
    });
    let text = String::from_utf8_lossy(data);
    let args: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    if let Ok(out) = ofproto_trace(reg, &args) {
        assert!(out.starts_with("Flow: "));
        assert!(out.contains("\nDatapath actions: "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FailMode;

    fn registry() -> Registry {
        let mut r = Registry::new();
        r.ensure_bridge("br0", FailMode::Standalone);
        r.add_port("br0", "br0", 1, None, None);
        r.add_port("br0", "eth1", 2, None, None);
        r.add_port("br0", "eth2", 3, None, None);
        r
    }

    fn run(r: &Registry, a: &[&str]) -> Result<String, String> {
        ofproto_trace(r, &a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn flow_and_packet_forms() {
        let r = registry();
        let t = run(&r, &["br0", "in_port=eth1,dl_dst=ff:ff:ff:ff:ff:ff"]).unwrap();
        assert!(t.starts_with("Flow: in_port=1,"), "{t}");
        assert!(t.contains("\n 0. priority 0\n    NORMAL\n"), "{t}");
        // Flooded to LOCAL and eth2 (datapath ports 1 and 3), never back to eth1.
        let dp = t.lines().last().unwrap();
        assert!(
            dp == "Datapath actions: 1,3" || dp == "Datapath actions: 3,1",
            "{t}"
        );

        let frame = "ffffffffffff0200000000aa08004500001c0001000040110000c0a80001c0a80002\
                     0035003500080000";
        let t = run(&r, &["br0", "in_port=2,reg3=7", frame]).unwrap();
        assert!(
            t.starts_with("Flow: udp,reg3=0x7,in_port=2,vlan_tci=0x0000,dl_src=02:00:00:00:00:aa"),
            "{t}"
        );
        assert!(t.contains("nw_dst=192.168.0.2"), "{t}");
        let g = run(&r, &["br0", "in_port=2", "-generate"]).unwrap();
        assert!(g.contains("Datapath actions: "), "{g}");
    }

    #[test]
    fn fuzz_corpus_runs() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/ofproto_trace");
        let mut n = 0;
        for e in std::fs::read_dir(&dir).expect("seed corpus") {
            let data = std::fs::read(e.expect("entry").path()).expect("seed");
            fuzz_one(&data);
            n += 1;
        }
        assert!(n >= 4, "seed corpus of ofproto_trace has {n} files");
        // Arguments that must not panic whatever they hold.
        for s in [
            "",
            "br0",
            "br0 in_port=p1 -generate",
            "br0 in_port=1 00",
            "a b c d e",
        ] {
            fuzz_one(s.as_bytes());
        }
    }

    #[test]
    fn errors_like_ovs() {
        let r = registry();
        assert_eq!(
            run(&r, &["brX", "in_port=1"]).unwrap_err(),
            "brX: unknown bridge"
        );
        assert!(run(&r, &["in_port=1"])
            .unwrap_err()
            .contains("(or the bridge name was omitted)"));
        assert!(run(&r, &["br0", "in_port=1,foo=1"])
            .unwrap_err()
            .starts_with("Bad openflow flow syntax: in_port=1,foo=1: "));
        assert_eq!(
            run(&r, &["br0", "in_port=1", "zz"]).unwrap_err(),
            "Trailing garbage in packet data"
        );
        assert_eq!(
            run(&r, &["br0", "in_port=1", "0011"]).unwrap_err(),
            "Packet data too short for Ethernet"
        );
    }
}
