//! Shared by the integration tests: the fuzz seed corpus, as hex.
//!
//! `fuzz/corpus/flow_extract/<name>` holds each of these frames as raw bytes;
//! `tests/fuzz_corpus.rs` checks that the files match and rewrites them when
//! run with `RVS_WRITE_CORPUS=1`.
#![allow(dead_code)] // Each test binary uses a different part.

use std::path::PathBuf;

use rvs_packet::{Flow, FRAG_MASK, VLAN_CFI};

/// (file name, frame as hex) of every seed frame.
pub const SEEDS: &[(&str, &str)] = &[
    // ARP request 10.0.0.1 -> who-has 10.0.0.2, padded to 60 bytes.
    (
        "arp_request",
        "ffffffffffff020000000001080600010800060400010200000000010a00000100000000\
         00000a000002000000000000000000000000000000000000",
    ),
    // ARP reply in VLAN 100.
    (
        "arp_reply_vlan",
        "02000000000202000000000181000064080600010800060400020200000000020a000002\
         0200000000010a0000010000000000000000000000000000",
    ),
    // RARP request (opcode 3).
    (
        "rarp_request",
        "ffffffffffff020000000001803500010800060400030200000000010000000002000000\
         000100000000000000000000000000000000000000000000",
    ),
    // IPv4 TCP SYN with an MSS option, TOS 0xb8.
    (
        "ipv4_tcp_syn",
        "020000000002020000000001080045b8002c00014000400600000a0000010a0000023039\
         005000000001000000006002ffff00000000020405b4",
    ),
    // 64-byte IPv4 UDP frame.
    (
        "ipv4_udp_64",
        "02000000000202000000000108004500003200014000401100000a0000010a00000204d2\
         162e001e000000000000000000000000000000000000000000000000",
    ),
    // IPv4 ICMP echo request, padded.
    (
        "ipv4_icmp_echo",
        "02000000000202000000000108004500001c0001400040010000c0a80101c0a801020800\
         f7fe00010001000000000000000000000000000000000000",
    ),
    // IPv4 UDP first fragment (MF).
    (
        "ipv4_frag_first",
        "02000000000202000000000108004500002c00012000401100000a0000010a0000020035\
         00350018000000000000000000000000000000000000",
    ),
    // IPv4 later fragment (offset 3).
    (
        "ipv4_frag_later",
        "02000000000202000000000108004500002c00010003401100000a0000010a0000020000\
         000000000000000000000000000000000000000000000000",
    ),
    // IPv4 with a router-alert option carrying SCTP.
    (
        "ipv4_options_sctp",
        "02000000000202000000000108004600002400014000408400000a0000010a0000029404\
         00000b590b5a000000000000000000000000000000000000",
    ),
    // IGMPv2 membership report.
    (
        "ipv4_igmp_report",
        "01005e0000fb02000000000108004500001c00014000010200000a000001e00000fb1600\
         0000e00000fb000000000000000000000000000000000000",
    ),
    // IPv6 TCP FIN|ACK behind a hop-by-hop header.
    (
        "ipv6_tcp_hbh",
        "02000000000202000000000186dd6280beef001c004020010db800000000000000000000\
         000120010db8000000000000000000000002060001040000000001bb9c40000000010000\
         00005011ffff00000000",
    ),
    // IPv6 UDP behind hop-by-hop, routing, destination options and AH.
    (
        "ipv6_ext_chain_udp",
        "02000000000202000000000186dd60000000004c004020010db800000000000000000000\
         000120010db80000000000000000000000022b000104000000003c020000000000000000\
         000000000000000000000000000033000104000000001104000000000001000000000000\
         0000000000000000000002220223000c000001020304",
    ),
    // IPv6 later fragment.
    (
        "ipv6_frag_later",
        "02000000000202000000000186dd6000000000182c4020010db800000000000000000000\
         000120010db800000000000000000000000211000059000000aa00000000000000000000\
         000000000000",
    ),
    // IPv6 UDP first fragment.
    (
        "ipv6_frag_first_udp",
        "02000000000202000000000186dd6000000000182c4020010db800000000000000000000\
         000120010db800000000000000000000000211000001000000aa03e807d0001000000000\
         000000000000",
    ),
    // Neighbour solicitation with a source link-layer address.
    (
        "ipv6_nd_ns_sll",
        "3333ff00000202000000000186dd6000000000203afffe80000000000000000000000000\
         0001ff0200000000000000000001ff0000028700000000000000fe800000000000000000\
         0000000000020101020000000001",
    ),
    // Neighbour advertisement with a target link-layer address.
    (
        "ipv6_nd_na_tll",
        "02000000000102000000000286dd6000000000203afffe80000000000000000000000000\
         0002fe8000000000000000000000000000018800000060000000fe800000000000000000\
         0000000000020201020000000002",
    ),
    // Neighbour solicitation with two SLL options (invalid).
    (
        "ipv6_nd_duplicate_sll",
        "02000000000202000000000186dd6000000000283afffe80000000000000000000000000\
         0001ff0200000000000000000001ff0000028700000000000000fe800000000000000000\
         00000000000201010200000000010101020000000002",
    ),
    // 802.1ad + 802.1Q tagged ICMPv6 echo request.
    (
        "qinq_ipv6_icmp6_echo",
        "02000000000202000000000188a8600a8100001486dd60354321000c3a4020010db80000\
         0000000000000000000120010db800000000000000000000000280000000000100016162\
         6364",
    ),
    // 802.1Q tagged (PCP 5, VID 10) IPv4 UDP.
    (
        "vlan_ipv4_udp",
        "0200000000020200000000018100a00a08004500002400014000401100000a0000010a00\
         000212b512b5001000000000000000000000",
    ),
    // 802.3/LLC STP BPDU.
    (
        "llc_stp_bpdu",
        "0180c2000000020000000001002642420300000000000000000000000000000000000000\
         000000000000000000000000000000000000000000000000",
    ),
    // 802.3 LLC/SNAP (OUI 0) IPv4 UDP.
    (
        "snap_ipv4_udp",
        "0200000000020200000000010030aaaa0300000008004500002400014000401100000a00\
         00010a00000200430044001000000000000000000000",
    ),
    // MPLS label 100 (TC 5, TTL 64) over label 200 (bottom of stack), IPv4 UDP.
    (
        "mpls_two_labels",
        "020000000002020000000001884700064a40000c813f4500001c00010000401166ce0a00\
         00010a000002000100020008ebd8",
    ),
    // Four MPLS labels, none with the bottom-of-stack bit.
    (
        "mpls_four_labels_no_bos",
        "020000000002020000000001884700010000000110000001200000013000",
    ),
    // 802.1ad VLAN 100 PCP 3 over 802.1Q VLAN 200 PCP 1, IPv4 TCP SYN.
    (
        "qinq_ipv4_tcp",
        "02000000000202000000000188a86064810020c808004500002800010000400666cd0a00\
         00010a00000203e8001600000000000000005002200077e20000",
    ),
    // IGMPv3 membership report with a router-alert option.
    (
        "igmpv3_report",
        "01005e000016020000000001080046c0002800010000010239f80a000001e00000169404\
         00002200e9fb0000000104000000ef010101",
    ),
    // VXLAN VNI 5000 carrying Ethernet/IPv4/ICMP (outer flow only).
    (
        "vxlan",
        "02000000000202000000000108004500004e000100004011669c0a0000010a000002c000\
         12b5003a78960c0000030013880002000000000b02000000000a08004500001c00010000\
         4001f98cc0a80001c0a800020800f7ff00000000",
    ),
    // GRE with checksum, key and sequence number, carrying Ethernet.
    (
        "gre_key_seq_csum",
        "02000000000202000000000108004500004e00010000402f667e0a0000010a000002b000\
         6558cc560000000012340000000702000000000b02000000000a08004500001c00010000\
         4001f98cc0a80001c0a800020800f7ff00000000",
    ),
    // Geneve VNI 100 with one 4-byte option, carrying Ethernet.
    (
        "geneve_options",
        "02000000000202000000000108004500005600010000401166940a0000010a0000021388\
         17c1004267a10200655800006400010280010000000c02000000000b02000000000a0800\
         4500001c000100004001f98cc0a80001c0a800020800f7ff00000000",
    ),
    // NSH MD type 1, SPI 0x123456, SI 255.
    (
        "nsh_md1",
        "020000000002020000000001894f0fc60101123456ff0000000100000002000000030000\
         0004",
    ),
    // 10 bytes: shorter than an Ethernet header.
    ("runt_10_bytes", "02000000000202000000"),
];

/// Decodes a hex string (no separators).
pub fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd-length hex");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// The seed frames, decoded.
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    SEEDS.iter().map(|(name, h)| (*name, hex(h))).collect()
}

/// `fuzz/corpus/flow_extract` at the root of the repository.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/flow_extract")
}

/// What must hold for the flow of any frame (the fuzz target checks the same).
pub fn check_invariants(frame: &[u8], in_port: u32, flow: &Flow) {
    assert_eq!(flow.in_port, in_port);
    assert_eq!(flow.masked(&Flow::exact_mask()), *flow);
    assert_eq!(flow.masked(&Flow::default()), Flow::default());
    assert_eq!(flow.hash_masked(&Flow::exact_mask()), flow.hash());
    let half = Flow {
        dl_type: 0xffff,
        nw_src: 0xffff_0000,
        tp_dst: 0x00ff,
        ..Flow::default()
    };
    assert_eq!(flow.hash_masked(&half), flow.masked(&half).hash());
    if frame.len() < 14 {
        assert_eq!(
            *flow,
            Flow {
                in_port,
                ..Flow::default()
            }
        );
    }
    assert_eq!(flow.nw_frag & !FRAG_MASK, 0);
    assert!(flow.tcp_flags <= 0x0fff);
    assert!(flow.ipv6_label <= 0x000f_ffff);
    assert!(flow.vlan_tci == 0 || flow.vlan_tci & VLAN_CFI != 0);
    // Packet parsing writes only the leading words, so the datapath's fast path
    // (clear those, hash those) sees the same flow as `extract`.
    assert!(
        flow.words()[rvs_packet::PACKET_WORDS..]
            .iter()
            .all(|w| *w == 0),
        "extract wrote past PACKET_WORDS"
    );
    // A reused flow slot: the previous packet's header words are garbage, the
    // metadata words zero.
    let mut w = [0u64; rvs_packet::FLOW_WORDS];
    w[..rvs_packet::PACKET_WORDS].fill(u64::MAX);
    let mut reused = Flow::from_words(&w);
    rvs_packet::extract_packet_into(frame, in_port, &mut reused);
    assert_eq!(reused, *flow, "extract_packet_into differs from extract");
}
