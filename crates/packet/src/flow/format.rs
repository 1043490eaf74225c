//! `Display` for [`Flow`] in ovs-ofctl match syntax, for logs.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::{ethertype, ipproto, EthAddr, Flow, FRAG_ANY, FRAG_LATER};

/// Writes `,` between fields.
struct Fields<'a, 'b> {
    f: &'a mut fmt::Formatter<'b>,
    first: bool,
}

impl Fields<'_, '_> {
    fn put(&mut self, name: &str, value: impl fmt::Display) -> fmt::Result {
        if !self.first {
            self.f.write_str(",")?;
        }
        self.first = false;
        write!(self.f, "{name}={value}")
    }
}

fn nw_frag_name(frag: u8) -> Option<&'static str> {
    match frag {
        FRAG_ANY => Some("first"),
        f if f == FRAG_ANY | FRAG_LATER => Some("later"),
        _ => None,
    }
}

impl fmt::Display for Flow {
    /// Prints the nonzero fields as `name=value` pairs joined by `,`, in the
    /// syntax of ovs-ofctl matches (`in_port=1,dl_src=..,dl_type=0x0800,
    /// nw_src=10.0.0.1,...`). Field names follow the protocol in `dl_type`
    /// and `nw_proto` (`arp_spa` for ARP, `icmp_type` for ICMP, `nd_sll` for
    /// neighbour discovery). `nw_tos` is split into ovs-ofctl's `nw_tos`
    /// (DSCP bits) and `nw_ecn`. An all-zero flow prints as nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Fields { f, first: true };
        let is_arp = matches!(self.dl_type, ethertype::ARP | ethertype::RARP);
        let is_ipv6 = self.dl_type == ethertype::IPV6;
        let is_icmp = matches!(
            (self.dl_type, self.nw_proto),
            (ethertype::IPV4, ipproto::ICMP) | (ethertype::IPV6, ipproto::ICMPV6)
        );
        let is_nd = is_ipv6 && self.nw_proto == ipproto::ICMPV6;

        if self.in_port != 0 {
            out.put("in_port", self.in_port)?;
        }
        if self.vlan_tci != 0 {
            out.put("vlan_tci", format_args!("{:#06x}", self.vlan_tci))?;
        }
        if self.dl_src != EthAddr::ZERO {
            out.put("dl_src", self.dl_src)?;
        }
        if self.dl_dst != EthAddr::ZERO {
            out.put("dl_dst", self.dl_dst)?;
        }
        if self.dl_type != 0 {
            out.put("dl_type", format_args!("{:#06x}", self.dl_type))?;
        }
        let (src, dst) = if is_arp {
            ("arp_spa", "arp_tpa")
        } else {
            ("nw_src", "nw_dst")
        };
        if self.nw_src != 0 {
            out.put(src, Ipv4Addr::from(self.nw_src))?;
        }
        if self.nw_dst != 0 {
            out.put(dst, Ipv4Addr::from(self.nw_dst))?;
        }
        if self.ipv6_src != [0; 16] {
            out.put("ipv6_src", Ipv6Addr::from(self.ipv6_src))?;
        }
        if self.ipv6_dst != [0; 16] {
            out.put("ipv6_dst", Ipv6Addr::from(self.ipv6_dst))?;
        }
        if self.ipv6_label != 0 {
            out.put("ipv6_label", format_args!("{:#07x}", self.ipv6_label))?;
        }
        if self.nw_proto != 0 {
            out.put(if is_arp { "arp_op" } else { "nw_proto" }, self.nw_proto)?;
        }
        if self.nw_tos & 0xfc != 0 {
            out.put("nw_tos", self.nw_tos & 0xfc)?;
        }
        if self.nw_tos & 0x03 != 0 {
            out.put("nw_ecn", self.nw_tos & 0x03)?;
        }
        if self.nw_ttl != 0 {
            out.put("nw_ttl", self.nw_ttl)?;
        }
        match (self.nw_frag, nw_frag_name(self.nw_frag)) {
            (0, _) => {}
            (_, Some(name)) => out.put("nw_frag", name)?,
            (frag, None) => out.put("nw_frag", format_args!("{frag:#04x}"))?,
        }
        let (tp_src, tp_dst) = if is_icmp {
            ("icmp_type", "icmp_code")
        } else {
            ("tp_src", "tp_dst")
        };
        if self.tp_src != 0 {
            out.put(tp_src, self.tp_src)?;
        }
        if self.tp_dst != 0 {
            out.put(tp_dst, self.tp_dst)?;
        }
        if self.tcp_flags != 0 {
            if is_nd {
                out.put("nd_options_type", self.tcp_flags)?;
            } else {
                out.put("tcp_flags", format_args!("{:#05x}", self.tcp_flags))?;
            }
        }
        if self.nd_target != [0; 16] {
            out.put("nd_target", Ipv6Addr::from(self.nd_target))?;
        }
        let (sha, tha) = if is_ipv6 {
            ("nd_sll", "nd_tll")
        } else {
            ("arp_sha", "arp_tha")
        };
        if self.arp_sha != EthAddr::ZERO {
            out.put(sha, self.arp_sha)?;
        }
        if self.arp_tha != EthAddr::ZERO {
            out.put(tha, self.arp_tha)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{tcp_flags, VLAN_CFI};
    use super::*;

    #[test]
    fn zero_flow_prints_nothing() {
        assert_eq!(Flow::default().to_string(), "");
    }

    #[test]
    fn tcp_flow() {
        let flow = Flow {
            in_port: 1,
            dl_src: EthAddr([0x02, 0, 0, 0, 0, 1]),
            dl_dst: EthAddr([0x02, 0, 0, 0, 0, 2]),
            dl_type: ethertype::IPV4,
            vlan_tci: VLAN_CFI | 5 << 13 | 100,
            nw_src: 0x0a00_0001,
            nw_dst: 0x0a00_0002,
            nw_proto: ipproto::TCP,
            nw_tos: 0xb9,
            nw_ttl: 64,
            nw_frag: FRAG_ANY,
            tp_src: 12345,
            tp_dst: 80,
            tcp_flags: tcp_flags::SYN | tcp_flags::ACK,
            ..Flow::default()
        };
        assert_eq!(
            flow.to_string(),
            "in_port=1,vlan_tci=0xb064,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,\
             dl_type=0x0800,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_proto=6,nw_tos=184,nw_ecn=1,\
             nw_ttl=64,nw_frag=first,tp_src=12345,tp_dst=80,tcp_flags=0x012"
        );
    }

    #[test]
    fn arp_and_nd_names() {
        let arp = Flow {
            dl_type: ethertype::ARP,
            nw_src: 0x0a00_0001,
            nw_dst: 0x0a00_0002,
            nw_proto: 1,
            arp_sha: EthAddr([0x02, 0, 0, 0, 0, 1]),
            ..Flow::default()
        };
        assert_eq!(
            arp.to_string(),
            "dl_type=0x0806,arp_spa=10.0.0.1,arp_tpa=10.0.0.2,arp_op=1,arp_sha=02:00:00:00:00:01"
        );
        let mut target = [0u8; 16];
        target[0] = 0xfe;
        target[1] = 0x80;
        target[15] = 2;
        let nd = Flow {
            dl_type: ethertype::IPV6,
            nw_proto: ipproto::ICMPV6,
            nw_frag: FRAG_LATER,
            ipv6_label: 0x12345,
            tp_src: 136,
            tcp_flags: 2,
            nd_target: target,
            arp_tha: EthAddr([0x02, 0, 0, 0, 0, 2]),
            ..Flow::default()
        };
        assert_eq!(
            nd.to_string(),
            "dl_type=0x86dd,ipv6_label=0x12345,nw_proto=58,nw_frag=0x02,icmp_type=136,\
             nd_options_type=2,nd_target=fe80::2,nd_tll=02:00:00:00:00:02"
        );
    }

    #[test]
    fn exact_mask_prints_every_field() {
        let s = Flow::exact_mask().to_string();
        assert_eq!(s.split(',').count(), 21, "{s}");
        assert!(s.contains("nw_frag=0xff"), "{s}");
    }
}
