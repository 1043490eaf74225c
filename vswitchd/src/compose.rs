//! A packet made from a flow, as OVS's `flow_compose()` makes one for
//! `netdev-dummy/receive PORT FLOW`: Ethernet with up to two VLAN tags, then ARP,
//! IPv4 or IPv6 (with valid header checksums), then TCP, UDP, SCTP, ICMP or ICMPv6
//! with no payload, so that extracting the packet gives the flow back (for the fields
//! a packet carries).

use rvs_packet::{ethertype, ipproto, Flow, FRAG_ANY, FRAG_LATER, VLAN_CFI};

/// Ones' complement sum of 16-bit words, folded.
fn sum16(mut acc: u32, data: &[u8]) -> u32 {
    for c in data.chunks(2) {
        let w = u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]);
        acc += u32::from(w);
    }
    acc
}

fn finish(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

fn l4_header(f: &Flow, v6: bool) -> Vec<u8> {
    let mut l4 = Vec::new();
    match f.nw_proto {
        ipproto::TCP => {
            l4.extend_from_slice(&f.tp_src.to_be_bytes());
            l4.extend_from_slice(&f.tp_dst.to_be_bytes());
            l4.extend_from_slice(&[0; 8]); // seq, ack
            let flags = f.tcp_flags & 0x0fff;
            l4.push(0x50 | (flags >> 8) as u8);
            l4.push(flags as u8);
            l4.extend_from_slice(&[0; 6]); // window, checksum, urgent
        }
        ipproto::UDP => {
            l4.extend_from_slice(&f.tp_src.to_be_bytes());
            l4.extend_from_slice(&f.tp_dst.to_be_bytes());
            l4.extend_from_slice(&8u16.to_be_bytes());
            l4.extend_from_slice(&[0, 0]);
        }
        ipproto::SCTP => {
            l4.extend_from_slice(&f.tp_src.to_be_bytes());
            l4.extend_from_slice(&f.tp_dst.to_be_bytes());
            l4.extend_from_slice(&[0; 8]); // verification tag, checksum
        }
        ipproto::ICMP if !v6 => {
            l4.extend_from_slice(&[f.tp_src as u8, f.tp_dst as u8, 0, 0, 0, 0, 0, 0]);
        }
        ipproto::ICMPV6 if v6 => {
            l4.extend_from_slice(&[f.tp_src as u8, f.tp_dst as u8, 0, 0, 0, 0, 0, 0]);
        }
        _ => {}
    }
    l4
}

/// Where the checksum of each L4 header goes, and whether it covers a pseudo-header.
fn l4_csum_at(proto: u8) -> Option<(usize, bool)> {
    match proto {
        ipproto::TCP => Some((16, true)),
        ipproto::UDP => Some((6, true)),
        ipproto::ICMP => Some((2, false)),
        ipproto::ICMPV6 => Some((2, true)),
        _ => None,
    }
}

/// The packet for `f`, padded with zeros to at least `min_len` bytes.
pub fn compose(f: &Flow, min_len: usize) -> Vec<u8> {
    let mut p = Vec::with_capacity(64);
    p.extend_from_slice(&f.dl_dst.0);
    p.extend_from_slice(&f.dl_src.0);
    for (tci, tpid) in [(f.vlan_tci, f.vlan_tpid), (f.vlan1_tci, f.vlan1_tpid)] {
        if tci & VLAN_CFI == 0 {
            break;
        }
        let tpid = if tpid == 0 { ethertype::VLAN } else { tpid };
        p.extend_from_slice(&tpid.to_be_bytes());
        p.extend_from_slice(&(tci & !VLAN_CFI).to_be_bytes());
    }
    p.extend_from_slice(&f.dl_type.to_be_bytes());
    let later = f.nw_frag & FRAG_LATER != 0;
    match f.dl_type {
        ethertype::ARP | ethertype::RARP => {
            p.extend_from_slice(&[0, 1, 0x08, 0x00, 6, 4, 0, f.nw_proto]);
            p.extend_from_slice(&f.arp_sha.0);
            p.extend_from_slice(&f.nw_src.to_be_bytes());
            p.extend_from_slice(&f.arp_tha.0);
            p.extend_from_slice(&f.nw_dst.to_be_bytes());
        }
        ethertype::IPV4 => {
            let l4 = if later {
                Vec::new()
            } else {
                l4_header(f, false)
            };
            let total = (20 + l4.len()) as u16;
            let frag: u16 = match (f.nw_frag & FRAG_ANY != 0, later) {
                (false, _) => 0,
                (true, false) => 0x2000, // more fragments
                (true, true) => 100,     // an offset
            };
            let mut ip = vec![0x45, f.nw_tos];
            ip.extend_from_slice(&total.to_be_bytes());
            ip.extend_from_slice(&[0, 0]);
            ip.extend_from_slice(&frag.to_be_bytes());
            ip.extend_from_slice(&[f.nw_ttl, f.nw_proto, 0, 0]);
            ip.extend_from_slice(&f.nw_src.to_be_bytes());
            ip.extend_from_slice(&f.nw_dst.to_be_bytes());
            let c = finish(sum16(0, &ip));
            ip[10..12].copy_from_slice(&c.to_be_bytes());
            let mut l4 = l4;
            if let Some((at, pseudo)) = l4_csum_at(f.nw_proto).filter(|_| !l4.is_empty()) {
                let mut acc = 0;
                if pseudo {
                    acc = sum16(acc, &ip[12..20]);
                    acc += u32::from(f.nw_proto) + l4.len() as u32;
                }
                let c = finish(sum16(acc, &l4));
                l4[at..at + 2].copy_from_slice(&c.to_be_bytes());
            }
            p.extend_from_slice(&ip);
            p.extend_from_slice(&l4);
        }
        ethertype::IPV6 => {
            let mut l4 = if later {
                Vec::new()
            } else {
                l4_header(f, true)
            };
            let word = (6u32 << 28) | (u32::from(f.nw_tos) << 20) | (f.ipv6_label & 0xfffff);
            let mut ip = word.to_be_bytes().to_vec();
            ip.extend_from_slice(&(l4.len() as u16).to_be_bytes());
            ip.extend_from_slice(&[f.nw_proto, f.nw_ttl]);
            ip.extend_from_slice(&f.ipv6_src);
            ip.extend_from_slice(&f.ipv6_dst);
            if let Some((at, _)) = l4_csum_at(f.nw_proto).filter(|_| !l4.is_empty()) {
                let mut acc = sum16(0, &ip[8..40]);
                acc += u32::from(f.nw_proto) + l4.len() as u32;
                let c = finish(sum16(acc, &l4));
                l4[at..at + 2].copy_from_slice(&c.to_be_bytes());
            }
            p.extend_from_slice(&ip);
            p.extend_from_slice(&l4);
        }
        ethertype::MPLS | ethertype::MPLS_MCAST => {
            p.extend_from_slice(&(f.mpls_lse[0] | 0x100).to_be_bytes());
        }
        _ => {}
    }
    if p.len() < min_len {
        p.resize(min_len, 0);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use rvs_packet::EthAddr;

    fn round_trip(f: Flow) {
        let p = compose(&f, 0);
        let back = rvs_packet::extract(&p, f.in_port);
        let mask = f.packet_mask();
        assert_eq!(
            back.masked(&mask).words(),
            f.masked(&mask).words(),
            "\nwant {f}\nhave {back}\npacket {p:02x?}"
        );
    }

    #[test]
    fn extract_gives_the_flow_back() {
        let base = Flow {
            in_port: 1,
            dl_src: EthAddr([2, 0, 0, 0, 0, 1]),
            dl_dst: EthAddr([2, 0, 0, 0, 0, 2]),
            ..Flow::default()
        };
        round_trip(Flow {
            dl_type: ethertype::IPV4,
            nw_src: 0x0a00_0001,
            nw_dst: 0x0a00_0002,
            nw_proto: ipproto::TCP,
            nw_ttl: 64,
            nw_tos: 0x10,
            tp_src: 1234,
            tp_dst: 80,
            tcp_flags: 0x012,
            ..base
        });
        round_trip(Flow {
            dl_type: ethertype::IPV4,
            vlan_tci: VLAN_CFI | 0x2005,
            vlan_tpid: ethertype::VLAN,
            nw_proto: ipproto::UDP,
            nw_ttl: 1,
            tp_src: 53,
            tp_dst: 5353,
            ..base
        });
        round_trip(Flow {
            dl_type: ethertype::IPV4,
            nw_proto: ipproto::ICMP,
            nw_ttl: 9,
            tp_src: 8,
            tp_dst: 0,
            ..base
        });
        round_trip(Flow {
            dl_type: ethertype::ARP,
            nw_proto: 1,
            nw_src: 0x0a00_0001,
            nw_dst: 0x0a00_0002,
            arp_sha: EthAddr([2, 0, 0, 0, 0, 1]),
            ..base
        });
        let mut v6 = Flow {
            dl_type: ethertype::IPV6,
            nw_proto: ipproto::UDP,
            nw_ttl: 255,
            ipv6_label: 0x12345,
            tp_src: 546,
            tp_dst: 547,
            ..base
        };
        v6.ipv6_src[15] = 1;
        v6.ipv6_dst[0] = 0xfe;
        round_trip(v6);
        assert_eq!(compose(&base, 60).len(), 60);
    }

    #[test]
    fn checksums_are_valid() {
        let f = Flow {
            dl_type: ethertype::IPV4,
            nw_src: 0xc0a8_0001,
            nw_dst: 0xc0a8_0002,
            nw_proto: ipproto::UDP,
            nw_ttl: 64,
            tp_src: 53,
            tp_dst: 53,
            ..Flow::default()
        };
        let p = compose(&f, 0);
        // The IPv4 header sums to 0xffff with its checksum in.
        assert_eq!(finish(sum16(0, &p[14..34])), 0);
        let mut acc = sum16(0, &p[26..34]);
        acc += u32::from(ipproto::UDP) + 8;
        assert_eq!(finish(sum16(acc, &p[34..42])), 0);
    }
}
