//! Cross-checks `extract` against Open vSwitch itself: the seed frames, every
//! truncation of them and a few thousand random mutations are written to a
//! pcap file, `ovs-ofctl parse-pcap` runs OVS's `flow_extract()` on each, and
//! the flows it prints must equal ours on every field it prints.
//!
//! Skips (with a note on stderr) when `ovs-ofctl` is not installed. Set
//! `OVS_OFCTL` to use a particular binary, and `RVS_ORACLE_DIR` to a directory
//! of raw frames (such as a grown fuzz corpus) to check those too.

mod common;

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::process::Command;

use rvs_packet::{
    ethertype, extract, ipproto, tcp_flags, EthAddr, Flow, FRAG_ANY, FRAG_LATER, VLAN_CFI,
};

fn ovs_ofctl() -> Option<String> {
    let bin = std::env::var("OVS_OFCTL").unwrap_or_else(|_| "ovs-ofctl".to_owned());
    let ok = Command::new(&bin)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(bin)
}

/// A classic pcap file (microsecond timestamps, Ethernet link type).
fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes()); // magic
    out.extend_from_slice(&2u16.to_le_bytes()); // version 2.4
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes()); // thiszone
    out.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
    out.extend_from_slice(&65535u32.to_le_bytes()); // snaplen
    out.extend_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
    for (i, frame) in frames.iter().enumerate() {
        let len = u32::try_from(frame.len()).expect("frame length");
        out.extend_from_slice(&u32::try_from(i).expect("index").to_le_bytes()); // ts_sec
        out.extend_from_slice(&0u32.to_le_bytes()); // ts_usec
        out.extend_from_slice(&len.to_le_bytes()); // incl_len
        out.extend_from_slice(&len.to_le_bytes()); // orig_len
        out.extend_from_slice(frame);
    }
    out
}

fn num<T: TryFrom<u64>>(v: &str) -> Result<T, String> {
    let n = match v.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => v.parse(),
    }
    .map_err(|e| format!("{v}: {e}"))?;
    T::try_from(n).map_err(|_| format!("{v}: out of range"))
}

fn parse_tcp_flags(v: &str) -> Result<u16, String> {
    v.split('|')
        .map(|name| match name {
            "fin" => Ok(tcp_flags::FIN),
            "syn" => Ok(tcp_flags::SYN),
            "rst" => Ok(tcp_flags::RST),
            "psh" => Ok(tcp_flags::PSH),
            "ack" => Ok(tcp_flags::ACK),
            "urg" => Ok(tcp_flags::URG),
            "ece" => Ok(tcp_flags::ECE),
            "cwr" => Ok(tcp_flags::CWR),
            "ns" => Ok(tcp_flags::NS),
            "[200]" => Ok(0x200),
            "[400]" => Ok(0x400),
            "[800]" => Ok(0x800),
            other => num(other),
        })
        .try_fold(0, |acc, bit| bit.map(|b| acc | b))
}

/// The flow `ovs-ofctl parse-pcap` printed (`flow_format()` syntax).
fn parse_ovs_flow(line: &str) -> Result<Flow, String> {
    let mut f = Flow::default();
    for token in line.split(',') {
        let Some((key, v)) = token.split_once('=') else {
            let (dl_type, nw_proto) = match token {
                "ip" => (ethertype::IPV4, None),
                "ipv6" => (ethertype::IPV6, None),
                "arp" => (ethertype::ARP, None),
                "rarp" => (ethertype::RARP, None),
                "mpls" => (ethertype::MPLS, None),
                "mplsm" => (ethertype::MPLS_MCAST, None),
                "icmp" => (ethertype::IPV4, Some(ipproto::ICMP)),
                "tcp" => (ethertype::IPV4, Some(ipproto::TCP)),
                "udp" => (ethertype::IPV4, Some(ipproto::UDP)),
                "sctp" => (ethertype::IPV4, Some(ipproto::SCTP)),
                "icmp6" => (ethertype::IPV6, Some(ipproto::ICMPV6)),
                "tcp6" => (ethertype::IPV6, Some(ipproto::TCP)),
                "udp6" => (ethertype::IPV6, Some(ipproto::UDP)),
                "sctp6" => (ethertype::IPV6, Some(ipproto::SCTP)),
                other => return Err(format!("unknown keyword {other:?}")),
            };
            f.dl_type = dl_type;
            f.nw_proto = nw_proto.unwrap_or(f.nw_proto);
            continue;
        };
        let mac = |v: &str| v.parse::<EthAddr>().map_err(|e| format!("{v}: {e}"));
        let ip4 = |v: &str| {
            v.parse::<Ipv4Addr>()
                .map(u32::from)
                .map_err(|e| format!("{v}: {e}"))
        };
        let ip6 = |v: &str| {
            v.parse::<Ipv6Addr>()
                .map(|a| a.octets())
                .map_err(|e| format!("{v}: {e}"))
        };
        match key {
            "in_port" | "vlan_tci1" | "dl_vlan1" | "dl_vlan_pcp1" => {}
            k if k.starts_with("mpls_") || k.starts_with("nsh_") => {}
            "vlan_tci" => f.vlan_tci = num(v)?,
            "dl_vlan" => f.vlan_tci |= VLAN_CFI | num::<u16>(v)?,
            "dl_vlan_pcp" => f.vlan_tci |= VLAN_CFI | num::<u16>(v)? << 13,
            "dl_src" => f.dl_src = mac(v)?,
            "dl_dst" => f.dl_dst = mac(v)?,
            "dl_type" => f.dl_type = num(v)?,
            "nw_src" | "arp_spa" => f.nw_src = ip4(v)?,
            "nw_dst" | "arp_tpa" => f.nw_dst = ip4(v)?,
            "ipv6_src" => f.ipv6_src = ip6(v)?,
            "ipv6_dst" => f.ipv6_dst = ip6(v)?,
            "nd_target" => f.nd_target = ip6(v)?,
            "ipv6_label" => f.ipv6_label = num(v)?,
            "nw_proto" | "arp_op" => f.nw_proto = num(v)?,
            "nw_tos" | "nw_ecn" => f.nw_tos |= num::<u8>(v)?,
            "nw_ttl" => f.nw_ttl = num(v)?,
            "nw_frag" => {
                f.nw_frag = match v {
                    "no" => 0,
                    "first" => FRAG_ANY,
                    "later" => FRAG_ANY | FRAG_LATER,
                    _ => return Err(format!("nw_frag={v}")),
                }
            }
            "tp_src" | "icmp_type" => f.tp_src = num(v)?,
            "tp_dst" | "icmp_code" => f.tp_dst = num(v)?,
            "tcp_flags" => f.tcp_flags = parse_tcp_flags(v)?,
            "arp_sha" | "nd_sll" => f.arp_sha = mac(v)?,
            "arp_tha" | "nd_tll" => f.arp_tha = mac(v)?,
            other => return Err(format!("unknown field {other:?}")),
        }
    }
    Ok(f)
}

/// The fields `flow_format()` prints for a packet like `f`, per OVS's
/// `flow_wildcards_init_for_packet()`. Fields outside it cannot be compared.
fn printed_fields(f: &Flow) -> Flow {
    let all = Flow::exact_mask();
    let mut m = Flow {
        dl_src: all.dl_src,
        dl_dst: all.dl_dst,
        dl_type: all.dl_type,
        vlan_tci: all.vlan_tci,
        ..Flow::default()
    };
    match f.dl_type {
        ethertype::ARP | ethertype::RARP => {
            m.nw_src = all.nw_src;
            m.nw_dst = all.nw_dst;
            m.nw_proto = all.nw_proto;
            m.arp_sha = all.arp_sha;
            m.arp_tha = all.arp_tha;
            return m;
        }
        ethertype::IPV4 => {
            m.nw_src = all.nw_src;
            m.nw_dst = all.nw_dst;
        }
        ethertype::IPV6 => {
            m.ipv6_src = all.ipv6_src;
            m.ipv6_dst = all.ipv6_dst;
            m.ipv6_label = all.ipv6_label;
            let nd =
                f.nw_proto == ipproto::ICMPV6 && matches!(f.tp_src, 135 | 136) && f.tp_dst == 0;
            if nd {
                m.arp_sha = all.arp_sha;
                m.arp_tha = all.arp_tha;
                m.nd_target = all.nd_target;
            }
        }
        _ => return m,
    }
    m.nw_frag = FRAG_ANY | FRAG_LATER;
    m.nw_tos = all.nw_tos;
    m.nw_ttl = all.nw_ttl;
    m.nw_proto = all.nw_proto;
    let l4 = [
        ipproto::ICMP,
        ipproto::ICMPV6,
        ipproto::TCP,
        ipproto::UDP,
        ipproto::SCTP,
        ipproto::IGMP,
    ];
    if f.nw_frag & FRAG_LATER == 0 && l4.contains(&f.nw_proto) {
        m.tp_src = all.tp_src;
        m.tp_dst = all.tp_dst;
        if f.nw_proto == ipproto::TCP {
            m.tcp_flags = all.tcp_flags;
        }
    }
    m
}

/// xorshift64*.
fn rng(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

/// The seeds, every truncation of each, and `n` random mutations, none empty.
fn frames(n: usize) -> Vec<Vec<u8>> {
    let seeds: Vec<Vec<u8>> = common::seeds().into_iter().map(|(_, f)| f).collect();
    let mut out = seeds.clone();
    for seed in &seeds {
        // ovs_pcap_read() takes an empty record for the end of the file.
        out.extend((1..seed.len()).map(|len| seed[..len].to_vec()));
    }
    let mut state = 0x0123_4567_89ab_cdef;
    for i in 0..n {
        let mut frame = seeds[i % seeds.len()].clone();
        for _ in 0..1 + rng(&mut state) % 3 {
            let r = rng(&mut state);
            let at = (r >> 8) as usize % frame.len().max(1);
            match r % 5 {
                _ if frame.is_empty() => frame.push((r >> 32) as u8),
                0 => frame[at] = (r >> 32) as u8,
                1 | 2 => frame[at] ^= 1 << ((r >> 40) % 8),
                3 => frame.truncate(at.max(1)),
                _ => frame.insert(at, (r >> 32) as u8),
            }
        }
        out.push(frame);
    }
    out
}

#[test]
fn extract_matches_ovs_ofctl_parse_pcap() {
    let Some(ofctl) = ovs_ofctl() else {
        eprintln!("note: ovs-ofctl not found (set OVS_OFCTL or install openvswitch-common); skipping the OVS cross-check");
        return;
    };
    let mut frames = frames(20_000);
    if let Some(dir) = std::env::var_os("RVS_ORACLE_DIR") {
        for entry in std::fs::read_dir(dir).expect("read RVS_ORACLE_DIR") {
            let frame = std::fs::read(entry.expect("directory entry").path()).expect("read frame");
            // Empty records end a pcap for OVS; OVS reads at most 64 KiB.
            if !frame.is_empty() && frame.len() <= 65535 {
                frames.push(frame);
            }
        }
    }
    let path: PathBuf =
        std::env::temp_dir().join(format!("rvs-packet-oracle-{}.pcap", std::process::id()));
    std::fs::write(&path, pcap(&frames)).expect("write pcap");
    let output = Command::new(&ofctl)
        .arg("parse-pcap")
        .arg(&path)
        .output()
        .expect("run ovs-ofctl");
    let _ = std::fs::remove_file(&path);
    assert!(
        output.status.success(),
        "ovs-ofctl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("utf-8 output");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), frames.len(), "one line per packet");

    let mut failures = Vec::new();
    for (frame, line) in frames.iter().zip(&lines) {
        let theirs = match parse_ovs_flow(line) {
            Ok(f) => f,
            Err(e) => {
                failures.push(format!("unparsed ovs-ofctl output ({e}): {line}"));
                continue;
            }
        };
        let ours = extract(frame, 0);
        let printed = printed_fields(&theirs);
        if ours.masked(&printed) != theirs.masked(&printed) {
            failures.push(format!(
                "frame {}\n  ovs:  {line}\n  ovs:  {}\n  ours: {}",
                frame.iter().map(|b| format!("{b:02x}")).collect::<String>(),
                theirs.masked(&printed),
                ours.masked(&printed),
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} frames differ from OVS; first ones:\n{}",
        failures.len(),
        frames.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
