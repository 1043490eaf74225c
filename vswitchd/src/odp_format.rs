//! Megaflows in OVS's datapath-flow syntax, as `ovs-appctl dpctl/dump-flows` prints
//! them: `recirc_id(0),in_port(2),packet_type(ns=0,id=0),eth(src=..,dst=..),
//! eth_type(0x0800),ipv4(src=..,frag=no), packets:3, bytes:294, used:0.512s,
//! actions:3`.
//!
//! Each key attribute appears when translation consulted any of its bits, with only
//! the consulted sub-fields, and a `/mask` after a partially consulted value. A
//! tagged packet's layers go inside `vlan(...),encap(...)` as in OVS.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use rvs_packet::{ethertype, ipproto, EthAddr, Flow, FRAG_ANY, FRAG_LATER, VLAN_CFI};

/// One `name=value[/mask]` sub-field; nothing when the mask is zero.
fn put(out: &mut Vec<String>, name: &str, value: String, mask: Option<String>, consulted: bool) {
    if !consulted {
        return;
    }
    match mask {
        Some(m) => out.push(format!("{name}={value}/{m}")),
        None => out.push(format!("{name}={value}")),
    }
}

fn dec<T: Into<u64> + Copy + PartialEq>(out: &mut Vec<String>, name: &str, v: T, m: T, full: T) {
    let (v, m, full) = (v.into(), m.into(), full.into());
    put(
        out,
        name,
        v.to_string(),
        (m != full).then(|| format!("{m:#x}")),
        m != 0,
    );
}

fn hex<T: Into<u64> + Copy>(out: &mut Vec<String>, name: &str, v: T, m: T, full: T) {
    let (v, m, full) = (v.into(), m.into(), full.into());
    let h = |x: u64| {
        if x == 0 {
            "0".to_string()
        } else {
            format!("{x:#x}")
        }
    };
    put(out, name, h(v), (m != full).then(|| h(m)), m != 0);
}

fn ip4(out: &mut Vec<String>, name: &str, v: u32, m: u32) {
    put(
        out,
        name,
        Ipv4Addr::from(v).to_string(),
        (m != u32::MAX).then(|| Ipv4Addr::from(m).to_string()),
        m != 0,
    );
}

fn ip6(out: &mut Vec<String>, name: &str, v: [u8; 16], m: [u8; 16]) {
    put(
        out,
        name,
        Ipv6Addr::from(v).to_string(),
        (m != [0xff; 16]).then(|| Ipv6Addr::from(m).to_string()),
        m != [0; 16],
    );
}

fn eth(out: &mut Vec<String>, name: &str, v: EthAddr, m: EthAddr) {
    put(
        out,
        name,
        v.to_string(),
        (m != EthAddr::BROADCAST).then(|| m.to_string()),
        m != EthAddr([0; 6]),
    );
}

fn attr(s: &mut Vec<String>, name: &str, fields: Vec<String>) {
    if !fields.is_empty() {
        s.push(format!("{name}({})", fields.join(",")));
    }
}

fn frag_name(v: u8) -> &'static str {
    if v & FRAG_ANY == 0 {
        "no"
    } else if v & FRAG_LATER == 0 {
        "first"
    } else {
        "later"
    }
}

/// The key and mask of a megaflow in datapath-flow syntax (without counters).
pub fn format_key(k: &Flow, m: &Flow) -> String {
    let mut s: Vec<String> = vec![format!("recirc_id({:#x})", k.recirc_id).replace("(0x0)", "(0)")];
    if m.dp_hash != 0 {
        s.push(format!("dp_hash({:#x}/{:#x})", k.dp_hash, m.dp_hash));
    }
    if m.skb_priority != 0 {
        s.push(format!("skb_priority({:#x})", k.skb_priority));
    }
    if m.pkt_mark != 0 {
        s.push(format!("skb_mark({:#x})", k.pkt_mark));
    }
    s.push(format!("in_port({})", k.in_port));
    s.push("packet_type(ns=0,id=0)".into());
    let mut e = Vec::new();
    eth(&mut e, "src", k.dl_src, m.dl_src);
    eth(&mut e, "dst", k.dl_dst, m.dl_dst);
    attr(&mut s, "eth", e);
    // A tag: eth_type(0x8100),vlan(vid=..,pcp=..),encap(the rest).
    let tagged = k.vlan_tci & VLAN_CFI != 0 && m.vlan_tci != 0;
    let mut inner: Vec<String> = Vec::new();
    if tagged {
        s.push(format!(
            "eth_type({:#06x})",
            k.vlan_tpid.max(ethertype::VLAN)
        ));
        let mut v = Vec::new();
        dec(&mut v, "vid", k.vlan_tci & 0xfff, m.vlan_tci & 0xfff, 0xfff);
        dec(&mut v, "pcp", k.vlan_tci >> 13, m.vlan_tci >> 13, 7);
        attr(&mut s, "vlan", v);
    }
    let body = if tagged { &mut inner } else { &mut s };
    if m.dl_type != 0 {
        body.push(format!("eth_type({:#06x})", k.dl_type));
    }
    let (proto, pm) = (k.nw_proto, m.nw_proto);
    match k.dl_type {
        ethertype::IPV4 => {
            let mut f = Vec::new();
            ip4(&mut f, "src", k.nw_src, m.nw_src);
            ip4(&mut f, "dst", k.nw_dst, m.nw_dst);
            dec(&mut f, "proto", proto, pm, u8::MAX);
            hex(&mut f, "tos", k.nw_tos, m.nw_tos, u8::MAX);
            dec(&mut f, "ttl", k.nw_ttl, m.nw_ttl, u8::MAX);
            if m.nw_frag != 0 {
                f.push(format!("frag={}", frag_name(k.nw_frag)));
            }
            attr(body, "ipv4", f);
        }
        ethertype::IPV6 => {
            let mut f = Vec::new();
            ip6(&mut f, "src", k.ipv6_src, m.ipv6_src);
            ip6(&mut f, "dst", k.ipv6_dst, m.ipv6_dst);
            hex(&mut f, "label", k.ipv6_label, m.ipv6_label, 0xfffff);
            dec(&mut f, "proto", proto, pm, u8::MAX);
            hex(&mut f, "tclass", k.nw_tos, m.nw_tos, u8::MAX);
            dec(&mut f, "hlimit", k.nw_ttl, m.nw_ttl, u8::MAX);
            if m.nw_frag != 0 {
                f.push(format!("frag={}", frag_name(k.nw_frag)));
            }
            attr(body, "ipv6", f);
        }
        ethertype::ARP | ethertype::RARP => {
            let mut f = Vec::new();
            ip4(&mut f, "sip", k.nw_src, m.nw_src);
            ip4(&mut f, "tip", k.nw_dst, m.nw_dst);
            dec(&mut f, "op", proto, pm, u8::MAX);
            eth(&mut f, "sha", k.arp_sha, m.arp_sha);
            eth(&mut f, "tha", k.arp_tha, m.arp_tha);
            attr(body, "arp", f);
        }
        ethertype::MPLS | ethertype::MPLS_MCAST => {
            let (v, mm) = (k.mpls_lse[0], m.mpls_lse[0]);
            let mut f = Vec::new();
            dec(&mut f, "label", v >> 12, mm >> 12, 0xfffff);
            dec(&mut f, "tc", (v >> 9) & 7, (mm >> 9) & 7, 7);
            dec(&mut f, "ttl", v & 0xff, mm & 0xff, 0xff);
            dec(&mut f, "bos", (v >> 8) & 1, (mm >> 8) & 1, 1);
            attr(body, "mpls", f);
        }
        _ => {}
    }
    let ip = matches!(k.dl_type, ethertype::IPV4 | ethertype::IPV6);
    if ip && k.nw_frag & FRAG_LATER == 0 {
        let l4 = match (k.dl_type, proto) {
            (_, ipproto::TCP) => Some("tcp"),
            (_, ipproto::UDP) => Some("udp"),
            (_, ipproto::SCTP) => Some("sctp"),
            (ethertype::IPV4, ipproto::ICMP) => Some("icmp"),
            (ethertype::IPV6, ipproto::ICMPV6) => Some("icmpv6"),
            _ => None,
        };
        if let Some(name) = l4 {
            let mut f = Vec::new();
            if name.starts_with("icmp") {
                dec(&mut f, "type", k.tp_src, m.tp_src, 0xff);
                dec(&mut f, "code", k.tp_dst, m.tp_dst, 0xff);
            } else {
                dec(&mut f, "src", k.tp_src, m.tp_src, u16::MAX);
                dec(&mut f, "dst", k.tp_dst, m.tp_dst, u16::MAX);
            }
            attr(body, name, f);
            if name == "tcp" && m.tcp_flags != 0 {
                let mut f = Vec::new();
                hex(&mut f, "flags", k.tcp_flags, m.tcp_flags, 0xfff);
                body.push(format!(
                    "tcp_flags({})",
                    f.join(",").trim_start_matches("flags=")
                ));
            }
        }
    }
    if tagged && !inner.is_empty() {
        s.push(format!("encap({})", inner.join(",")));
    }
    s.join(",")
}

/// One `dpctl/dump-flows` line.
pub fn format_flow(
    k: &Flow,
    m: &Flow,
    packets: u64,
    bytes: u64,
    age_ms: Option<u64>,
    actions: &str,
) -> String {
    let mut s = format_key(k, m);
    let used = match age_ms {
        None => "never".to_string(),
        Some(ms) => format!("{:.3}s", ms as f64 / 1000.0),
    };
    let _ = write!(
        s,
        ", packets:{packets}, bytes:{bytes}, used:{used}, actions:{actions}"
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(f: impl FnOnce(&mut Flow)) -> Flow {
        let mut m = Flow {
            in_port: u32::MAX,
            ..Flow::default()
        };
        f(&mut m);
        m
    }

    #[test]
    fn like_ovs_dump_flows() {
        let k = Flow {
            in_port: 3,
            dl_src: EthAddr([0x9e, 0x29, 0xc3, 0x38, 0x81, 0x41]),
            dl_dst: EthAddr([0xff; 6]),
            dl_type: ethertype::ARP,
            nw_src: u32::from(Ipv4Addr::new(10, 9, 0, 1)),
            nw_dst: u32::from(Ipv4Addr::new(10, 9, 0, 2)),
            nw_proto: 1,
            ..Flow::default()
        };
        let m = full(|m| {
            m.dl_src = EthAddr::BROADCAST;
            m.dl_dst = EthAddr::BROADCAST;
            m.dl_type = u16::MAX;
            m.nw_src = u32::MAX;
            m.nw_dst = u32::MAX;
            m.nw_proto = u8::MAX;
        });
        assert_eq!(
            format_flow(&k, &m, 0, 0, None, "1,2"),
            "recirc_id(0),in_port(3),packet_type(ns=0,id=0),\
             eth(src=9e:29:c3:38:81:41,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),\
             arp(sip=10.9.0.1,tip=10.9.0.2,op=1), packets:0, bytes:0, used:never, actions:1,2"
        );

        let k = Flow {
            in_port: 1,
            dl_type: ethertype::IPV4,
            nw_dst: u32::from(Ipv4Addr::new(10, 9, 0, 0)),
            nw_proto: 6,
            nw_ttl: 64,
            tp_dst: 80,
            ..Flow::default()
        };
        let m = full(|m| {
            m.dl_type = u16::MAX;
            m.nw_dst = 0xffff_0000;
            m.nw_proto = u8::MAX;
            m.nw_frag = 3;
            m.tp_dst = 0xfff0;
        });
        assert_eq!(
            format_flow(&k, &m, 3, 294, Some(512), "3"),
            "recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth_type(0x0800),\
             ipv4(dst=10.9.0.0/255.255.0.0,proto=6,frag=no),tcp(dst=80/0xfff0), \
             packets:3, bytes:294, used:0.512s, actions:3"
        );
    }

    #[test]
    fn vlan_goes_into_encap() {
        let k = Flow {
            in_port: 2,
            dl_type: ethertype::IPV4,
            vlan_tci: VLAN_CFI | 5,
            vlan_tpid: ethertype::VLAN,
            ..Flow::default()
        };
        let m = full(|m| {
            m.dl_type = u16::MAX;
            m.vlan_tci = u16::MAX;
            m.nw_frag = 3;
        });
        assert_eq!(
            format_key(&k, &m),
            "recirc_id(0),in_port(2),packet_type(ns=0,id=0),eth_type(0x8100),\
             vlan(vid=5,pcp=0),encap(eth_type(0x0800),ipv4(frag=no))"
        );
    }
}
