//! Whole-frame tests of [`extract`] against literal frames.

use super::*;
use crate::flow::{ipproto, EthAddr, FRAG_ANY, VLAN_CFI};

const MAC_DST: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];
const MAC_SRC: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];

/// 10.0.0.1:12345 -> 10.0.0.2:8080 TCP SYN|ACK, TOS 0xb8, TTL 64.
const IPV4_TCP: [u8; 54] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08,
    0x00, // Ethernet
    0x45, 0xb8, 0x00, 0x28, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, // IPv4
    0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, //
    0x30, 0x39, 0x1f, 0x90, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // TCP
    0x50, 0x12, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, //
];

/// 10.0.0.1:53 -> 10.0.0.2:1024 UDP with 4 bytes of data, padded to 60 bytes.
const IPV4_UDP_PADDED: [u8; 60] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08,
    0x00, // Ethernet
    0x45, 0x00, 0x00, 0x20, 0x00, 0x02, 0x00, 0x00, 0x11, 0x11, 0x00, 0x00, // IPv4, len 32
    0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, //
    0x00, 0x35, 0x04, 0x00, 0x00, 0x0c, 0x00, 0x00, // UDP
    0xde, 0xad, 0xbe, 0xef, // data
    0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
    0xee, // padding
];

/// Echo request 192.168.1.1 -> 192.168.1.2.
const IPV4_ICMP: [u8; 42] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08,
    0x00, // Ethernet
    0x45, 0x00, 0x00, 0x1c, 0x00, 0x03, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00, // IPv4
    0xc0, 0xa8, 0x01, 0x01, 0xc0, 0xa8, 0x01, 0x02, //
    0x08, 0x00, 0xf7, 0xfe, 0x00, 0x01, 0x00, 0x01, // ICMP echo request
];

/// Who has 10.0.0.2? Tell 10.0.0.1, padded to 60 bytes.
const ARP_REQUEST: [u8; 60] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08,
    0x06, // Ethernet
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, // htype, ptype, hlen, plen, op
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x01, // sha, spa
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02, // tha, tpa
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // padding
];

/// Neighbour solicitation for fe80::2 from fe80::1 with a source link-layer
/// address option.
const IPV6_ND_NS: [u8; 86] = [
    0x33, 0x33, 0xff, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86,
    0xdd, // Ethernet
    0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, // IPv6: plen 32, ICMPv6, hop limit 255
    0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // source
    0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0, 0, 0x02, // destination
    0x87, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // NS
    0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, // target
    0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // SLL option
];

/// IPv6 TCP 2001:db8::1:443 -> 2001:db8::2:40000 through a hop-by-hop
/// header, traffic class 0x28, flow label 0xbeef.
const IPV6_HBH_TCP: [u8; 82] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86,
    0xdd, // Ethernet
    0x62, 0x80, 0xbe, 0xef, 0x00, 0x1c, 0x00, 0x40, // IPv6: plen 28, hop-by-hop, hop limit 64
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // source
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, // destination
    0x06, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, // hop-by-hop: next TCP, PadN
    0x01, 0xbb, 0x9c, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x11, 0x10, 0x00, 0, 0, 0,
    0, // TCP FIN|ACK
];

/// IPv4 UDP first fragment (MF set) inside QinQ: S-tag PCP 3 VID 10, C-tag VID 20.
const QINQ_IPV4_FRAG: [u8; 50] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // addresses
    0x88, 0xa8, 0x60, 0x0a, 0x81, 0x00, 0x00, 0x14, 0x08, 0x00, // tags, type
    0x45, 0x00, 0x00, 0x1c, 0x00, 0x04, 0x20, 0x00, 0x40, 0x11, 0x00, 0x00, // IPv4, MF
    0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, //
    0x00, 0x35, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00, // UDP
];

fn eth_only(frame: &[u8]) -> Flow {
    Flow {
        in_port: 7,
        dl_dst: EthAddr(frame[0..6].try_into().unwrap()),
        dl_src: EthAddr(frame[6..12].try_into().unwrap()),
        ..Flow::default()
    }
}

#[test]
fn ipv4_tcp() {
    let flow = extract(&IPV4_TCP, 7);
    let want = Flow {
        in_port: 7,
        dl_dst: EthAddr(MAC_DST),
        dl_src: EthAddr(MAC_SRC),
        dl_type: ethertype::IPV4,
        nw_src: 0x0a00_0001,
        nw_dst: 0x0a00_0002,
        nw_proto: ipproto::TCP,
        nw_tos: 0xb8,
        nw_ttl: 64,
        tp_src: 12345,
        tp_dst: 8080,
        tcp_flags: 0x012,
        ..Flow::default()
    };
    assert_eq!(flow, want);
}

#[test]
fn ipv4_udp_ignores_padding() {
    let flow = extract(&IPV4_UDP_PADDED, 1);
    assert_eq!(
        (flow.dl_type, flow.nw_proto, flow.nw_ttl),
        (ethertype::IPV4, ipproto::UDP, 0x11)
    );
    assert_eq!((flow.tp_src, flow.tp_dst, flow.tcp_flags), (53, 1024, 0));
}

#[test]
fn ipv4_icmp() {
    let flow = extract(&IPV4_ICMP, 1);
    assert_eq!((flow.nw_src, flow.nw_dst), (0xc0a8_0101, 0xc0a8_0102));
    assert_eq!(
        (flow.nw_proto, flow.tp_src, flow.tp_dst),
        (ipproto::ICMP, 8, 0)
    );
}

#[test]
fn arp_request() {
    let flow = extract(&ARP_REQUEST, 2);
    let want = Flow {
        in_port: 2,
        dl_dst: EthAddr::BROADCAST,
        dl_src: EthAddr(MAC_SRC),
        dl_type: ethertype::ARP,
        nw_src: 0x0a00_0001,
        nw_dst: 0x0a00_0002,
        nw_proto: 1,
        arp_sha: EthAddr(MAC_SRC),
        ..Flow::default()
    };
    assert_eq!(flow, want);
}

#[test]
fn rarp_is_parsed_like_arp() {
    let mut rarp = ARP_REQUEST;
    rarp[12..14].copy_from_slice(&[0x80, 0x35]);
    rarp[21] = 3; // reverse request
    let flow = extract(&rarp, 2);
    assert_eq!(
        (flow.dl_type, flow.nw_proto, flow.nw_src),
        (ethertype::RARP, 3, 0x0a00_0001)
    );
}

#[test]
fn ipv6_neighbor_solicitation() {
    let flow = extract(&IPV6_ND_NS, 3);
    assert_eq!(flow.dl_type, ethertype::IPV6);
    assert_eq!(flow.dl_dst, EthAddr([0x33, 0x33, 0xff, 0, 0, 2]));
    assert_eq!(flow.ipv6_src, IPV6_ND_NS[22..38]);
    assert_eq!(flow.ipv6_dst, IPV6_ND_NS[38..54]);
    assert_eq!(
        (flow.nw_proto, flow.nw_ttl, flow.nw_tos, flow.ipv6_label),
        (ipproto::ICMPV6, 255, 0, 0)
    );
    assert_eq!((flow.tp_src, flow.tp_dst), (135, 0));
    assert_eq!(flow.nd_target, IPV6_ND_NS[62..78]);
    assert_eq!(flow.arp_sha, EthAddr(MAC_SRC));
    assert_eq!(flow.arp_tha, EthAddr::ZERO);
    assert_eq!(flow.tcp_flags, 1, "nd_options_type");
}

#[test]
fn ipv6_hop_by_hop_tcp() {
    let flow = extract(&IPV6_HBH_TCP, 3);
    assert_eq!(
        (flow.nw_tos, flow.ipv6_label, flow.nw_ttl),
        (0x28, 0xbeef, 64)
    );
    assert_eq!(
        (flow.nw_proto, flow.tp_src, flow.tp_dst),
        (ipproto::TCP, 443, 40000)
    );
    assert_eq!(flow.tcp_flags, 0x011);
}

#[test]
fn ipv6_later_fragment_has_no_l4() {
    // Replace the hop-by-hop header with a fragment header at offset 8.
    let mut frame = IPV6_HBH_TCP;
    frame[20] = ipproto::FRAGMENT;
    frame[54..62].copy_from_slice(&[ipproto::TCP, 0, 0x00, 0x40, 0, 0, 0, 9]);
    let flow = extract(&frame, 3);
    assert_eq!(
        (flow.nw_proto, flow.nw_frag),
        (ipproto::FRAGMENT, FRAG_ANY | FRAG_LATER)
    );
    assert_eq!((flow.tp_src, flow.tp_dst, flow.tcp_flags), (0, 0, 0));
    // With offset 0 and M set it is a first fragment and L4 is parsed.
    frame[56..58].copy_from_slice(&[0x00, 0x01]);
    let flow = extract(&frame, 3);
    assert_eq!(
        (flow.nw_proto, flow.nw_frag, flow.tp_src),
        (ipproto::TCP, FRAG_ANY, 443)
    );
}

#[test]
fn qinq_first_fragment() {
    let flow = extract(&QINQ_IPV4_FRAG, 4);
    assert_eq!(flow.vlan_tci, 3 << 13 | VLAN_CFI | 10);
    assert_eq!((flow.dl_type, flow.nw_frag), (ethertype::IPV4, FRAG_ANY));
    assert_eq!((flow.tp_src, flow.tp_dst), (53, 53));
}

#[test]
fn ipv4_later_fragment_has_no_l4() {
    let mut frame = QINQ_IPV4_FRAG;
    frame[28] = 0x00; // offset 1, MF clear: the last fragment
    frame[29] = 0x01;
    let flow = extract(&frame, 4);
    assert_eq!(
        (flow.nw_proto, flow.nw_frag),
        (ipproto::UDP, FRAG_ANY | FRAG_LATER)
    );
    assert_eq!((flow.tp_src, flow.tp_dst), (0, 0));
}

#[test]
fn single_vlan_tag() {
    let frame = [&IPV4_TCP[..12], &[0x81, 0x00, 0xe0, 0x01], &IPV4_TCP[12..]].concat();
    let flow = extract(&frame, 7);
    assert_eq!(flow.vlan_tci, 0xf001);
    assert_eq!(
        Flow {
            vlan_tci: 0,
            vlan_tpid: 0,
            ..flow
        },
        extract(&IPV4_TCP, 7)
    );
}

#[test]
fn snap_encapsulated_ipv4() {
    // 802.3 length 0x30, LLC/SNAP with OUI 0 and type IPv4, then the TCP packet.
    let frame = [
        &IPV4_TCP[..12],
        &[0x00, 0x30, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00],
        &IPV4_TCP[14..],
    ]
    .concat();
    assert_eq!(extract(&frame, 7), extract(&IPV4_TCP, 7));
    let mut other_oui = frame.clone();
    other_oui[19] = 0x0c;
    assert_eq!(
        extract(&other_oui, 7),
        Flow {
            dl_type: ethertype::NOT_ETH_TYPE,
            ..eth_only(&frame)
        }
    );
}

#[test]
fn short_frames_have_only_in_port() {
    for n in 0..14 {
        assert_eq!(
            extract(&IPV4_TCP[..n], 9),
            Flow {
                in_port: 9,
                ..Flow::default()
            }
        );
    }
    assert_eq!(
        extract(&IPV4_TCP[..14], 9),
        Flow {
            in_port: 9,
            dl_type: 0x0800,
            ..eth_only(&IPV4_TCP)
        }
    );
}

/// Every field as a number, for field-by-field comparison.
fn fields(f: &Flow) -> [(&'static str, u128); 20] {
    [
        ("in_port", f.in_port.into()),
        ("dl_dst", f.dl_dst.to_u64().into()),
        ("dl_src", f.dl_src.to_u64().into()),
        ("dl_type", f.dl_type.into()),
        ("vlan_tci", f.vlan_tci.into()),
        ("nw_src", f.nw_src.into()),
        ("nw_dst", f.nw_dst.into()),
        ("ipv6_src", u128::from_be_bytes(f.ipv6_src)),
        ("ipv6_dst", u128::from_be_bytes(f.ipv6_dst)),
        ("ipv6_label", f.ipv6_label.into()),
        ("nw_proto", f.nw_proto.into()),
        ("nw_tos", f.nw_tos.into()),
        ("nw_ttl", f.nw_ttl.into()),
        ("nw_frag", f.nw_frag.into()),
        ("tp_src", f.tp_src.into()),
        ("tp_dst", f.tp_dst.into()),
        ("tcp_flags", f.tcp_flags.into()),
        ("arp_sha", f.arp_sha.to_u64().into()),
        ("arp_tha", f.arp_tha.to_u64().into()),
        ("nd_target", u128::from_be_bytes(f.nd_target)),
    ]
}

/// Extracts every prefix of `frame` and checks that each field is either
/// the full frame's value or zero. `dl_type` may also be one of
/// `truncated_dl_types`: a VLAN TPID when the tag is cut (OVS then takes the
/// TPID as the type), or 0x05ff when an LLC/SNAP header is cut.
fn check_truncations(frame: &[u8], truncated_dl_types: &[u16]) {
    let full = extract(frame, 5);
    for n in 0..frame.len() {
        let cut = extract(&frame[..n], 5);
        for ((name, got), (_, want)) in fields(&cut).into_iter().zip(fields(&full)) {
            let ok = got == want
                || (got == 0 && name != "in_port")
                || (name == "dl_type" && truncated_dl_types.iter().any(|t| u128::from(*t) == got));
            assert!(
                ok,
                "len {n}: {name} = {got:#x}, full frame has {want:#x}\n{cut:?}"
            );
        }
    }
}

#[test]
fn truncation_at_every_offset_is_monotone() {
    check_truncations(&IPV4_TCP, &[]);
    check_truncations(&IPV4_UDP_PADDED, &[]);
    check_truncations(&IPV4_ICMP, &[]);
    check_truncations(&ARP_REQUEST, &[]);
    check_truncations(&IPV6_ND_NS, &[]);
    check_truncations(&IPV6_HBH_TCP, &[]);
    check_truncations(&QINQ_IPV4_FRAG, &[ethertype::QINQ, ethertype::VLAN]);
    let snap = [
        &IPV4_TCP[..12],
        &[0x00, 0x30, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00],
        &IPV4_TCP[14..],
    ]
    .concat();
    check_truncations(&snap, &[ethertype::NOT_ETH_TYPE]);
}

#[test]
fn truncated_ip_packets_keep_only_link_layer() {
    // OVS checks the IP length fields against the frame, so a packet cut
    // anywhere inside its IP datagram has no IP fields at all.
    for frame in [&IPV4_TCP[..], &IPV4_ICMP, &IPV6_HBH_TCP, &IPV6_ND_NS] {
        let l2 = Flow {
            dl_type: extract(frame, 7).dl_type,
            ..eth_only(frame)
        };
        for n in 14..frame.len() {
            assert_eq!(extract(&frame[..n], 7), l2, "len {n}");
        }
    }
    // Padding is not part of the datagram: cutting it changes nothing.
    let full = extract(&IPV4_UDP_PADDED, 7);
    for n in 46..IPV4_UDP_PADDED.len() {
        assert_eq!(extract(&IPV4_UDP_PADDED[..n], 7), full, "len {n}");
    }
}

/// xorshift64*: deterministic pseudo-random test data without a dependency.
fn rng(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

#[test]
fn mutated_frames_never_panic_and_keep_invariants() {
    let seeds: [&[u8]; 7] = [
        &IPV4_TCP,
        &IPV4_UDP_PADDED,
        &IPV4_ICMP,
        &ARP_REQUEST,
        &IPV6_ND_NS,
        &IPV6_HBH_TCP,
        &QINQ_IPV4_FRAG,
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15;
    for i in 0..20_000 {
        let mut frame = seeds[i % seeds.len()].to_vec();
        for _ in 0..1 + rng(&mut state) % 4 {
            let r = rng(&mut state);
            let at = (r >> 8) as usize % frame.len();
            match r % 4 {
                0 => frame[at] = (r >> 32) as u8,
                1 => frame[at] ^= 1 << ((r >> 40) % 8),
                2 => frame.truncate(at),
                _ => frame.insert(at, (r >> 32) as u8),
            }
            if frame.is_empty() {
                frame.push(0);
            }
        }
        let flow = extract(&frame, 1);
        assert_eq!(flow.in_port, 1);
        assert_eq!(flow.masked(&Flow::exact_mask()), flow);
        assert_eq!(flow.hash_masked(&Flow::exact_mask()), flow.hash());
        assert!(flow.nw_frag & !crate::flow::FRAG_MASK == 0);
        assert!(flow.tcp_flags <= 0x0fff);
        assert!(flow.ipv6_label <= 0xfffff);
        assert!(flow.vlan_tci == 0 || flow.vlan_tci & VLAN_CFI != 0);
    }
}

#[test]
fn random_bytes_never_panic() {
    let types = [
        0x0800u16, 0x86dd, 0x0806, 0x8035, 0x8100, 0x88a8, 0x0030, 0x8847, 0x1234,
    ];
    let mut state = 12345;
    for len in 0..200usize {
        for _ in 0..50 {
            let mut frame: Vec<u8> = (0..len).map(|_| rng(&mut state) as u8).collect();
            if len >= 14 {
                let t = types[rng(&mut state) as usize % types.len()];
                frame[12..14].copy_from_slice(&t.to_be_bytes());
            }
            let flow = extract(&frame, 0);
            if len < 14 {
                assert_eq!(flow, Flow::default());
            } else {
                assert!(flow.dl_type >= ethertype::NOT_ETH_TYPE, "{frame:02x?}");
            }
        }
    }
}

fn layout(l2_5: Option<u16>, l3: Option<u16>, l4: Option<u16>) -> Layout {
    Layout { l2_5, l3, l4 }
}

#[test]
fn layouts() {
    let cases: [(&str, &[u8], Layout); 6] = [
        ("ipv4 tcp", &IPV4_TCP, layout(None, Some(14), Some(34))),
        (
            "qinq ipv4",
            &QINQ_IPV4_FRAG,
            layout(None, Some(22), Some(42)),
        ),
        (
            "ipv6 hop-by-hop",
            &IPV6_HBH_TCP,
            layout(None, Some(14), Some(62)),
        ),
        ("arp", &ARP_REQUEST, layout(None, Some(14), None)),
        ("runt", &IPV4_TCP[..13], layout(None, None, None)),
        (
            "bad ihl",
            &[&IPV4_TCP[..14], &[0x44], &IPV4_TCP[15..]].concat(),
            layout(None, Some(14), None),
        ),
    ];
    for (name, frame, want) in cases {
        let (flow, got) = extract_layout(frame, 7);
        assert_eq!(got, want, "{name}");
        assert_eq!(flow, extract(frame, 7), "{name}");
    }
}

#[test]
fn mpls_stack_fields_and_layout() {
    // Labels 100 (TC 5, TTL 64), 200 (BOS, TTL 63), then an IPv4 header that
    // is not parsed: dl_type stays MPLS.
    let frame = [
        &IPV4_TCP[..12],
        &[0x88, 0x47],
        &[0x00, 0x06, 0x4a, 0x40, 0x00, 0x0c, 0x81, 0x3f],
        &IPV4_TCP[14..],
    ]
    .concat();
    let (flow, got) = extract_layout(&frame, 1);
    assert_eq!(got, layout(Some(14), Some(22), None));
    assert_eq!(flow.dl_type, ethertype::MPLS);
    assert_eq!(flow.mpls_lse, [0x0006_4a40, 0x000c_813f, 0]);
    assert_eq!((flow.nw_src, flow.nw_proto, flow.tp_src), (0, 0, 0));
    // Behind a VLAN tag, multicast MPLS.
    let tagged = [
        &IPV4_TCP[..12],
        &[0x81, 0x00, 0x00, 0x05, 0x88, 0x48],
        &frame[14..],
    ]
    .concat();
    let (flow, got) = extract_layout(&tagged, 1);
    assert_eq!(got, layout(Some(18), Some(26), None));
    assert_eq!(
        (flow.dl_type, flow.vlan_tci, flow.mpls_lse[1]),
        (ethertype::MPLS_MCAST, 0x1005, 0x000c_813f)
    );
}

#[test]
fn igmp_group_and_nd_reserved() {
    // IGMPv2 report for 239.1.2.3.
    let igmp = [
        &IPV4_ICMP[..14],
        &[
            0x45, 0x00, 0x00, 0x1c, 0, 1, 0, 0, 1, 2, 0, 0, 10, 0, 0, 1, 239, 1, 2, 3,
        ],
        &[0x16, 0x00, 0xfa, 0x04, 239, 1, 2, 3],
    ]
    .concat();
    let flow = extract(&igmp, 1);
    assert_eq!(
        (flow.nw_proto, flow.tp_src, flow.igmp_group_ip4),
        (2, 0x16, 0xef01_0203)
    );
    // The NS above with its reserved word set: nd_reserved.
    let mut ns = IPV6_ND_NS;
    ns[58..62].copy_from_slice(&[0xa0, 0x00, 0x00, 0x01]);
    let flow = extract(&ns, 1);
    assert_eq!(flow.igmp_group_ip4, 0xa000_0001);
    assert_eq!(flow.arp_sha, EthAddr([0x02, 0, 0, 0, 0, 0x01]));
}
