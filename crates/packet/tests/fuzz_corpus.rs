//! Runs `extract` over the fuzz seed corpus (`fuzz/corpus/flow_extract/`), so
//! the corpus is exercised on stable Rust without cargo-fuzz.

mod common;

use std::fs;

use common::{check_invariants, corpus_dir, seeds};
use rvs_packet::{ethertype, extract, ipproto, FRAG_ANY, FRAG_LATER};

/// Each seed is in the corpus directory with the same bytes. Set
/// `RVS_WRITE_CORPUS=1` to (re)write the files from `tests/common/mod.rs`.
#[test]
fn corpus_holds_every_seed() {
    let dir = corpus_dir();
    let write = std::env::var_os("RVS_WRITE_CORPUS").is_some();
    if write {
        fs::create_dir_all(&dir).expect("create corpus directory");
    }
    for (name, frame) in seeds() {
        let path = dir.join(name);
        if write {
            fs::write(&path, &frame).expect("write seed");
        }
        let on_disk = fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run `RVS_WRITE_CORPUS=1 cargo test -p rvs-packet --test fuzz_corpus`",
                path.display()
            )
        });
        assert_eq!(on_disk, frame, "{name} differs from tests/common/mod.rs");
    }
}

/// Every file in the corpus directory, seeds and anything a fuzzer added,
/// parses without panicking and keeps the invariants.
#[test]
fn extract_over_every_corpus_file() {
    let mut n = 0;
    for entry in fs::read_dir(corpus_dir()).expect("read corpus directory") {
        let path = entry.expect("directory entry").path();
        let hidden = path
            .file_name()
            .and_then(|f| f.to_str())
            .is_some_and(|f| f.starts_with('.'));
        if !path.is_file() || hidden {
            continue;
        }
        let frame = fs::read(&path).expect("read corpus file");
        for in_port in [0, 1, u32::MAX] {
            check_invariants(&frame, in_port, &extract(&frame, in_port));
        }
        n += 1;
    }
    assert!(n >= common::SEEDS.len(), "only {n} corpus files");
}

/// The seeds parse as their names say: (name, dl_type, nw_proto, nw_frag,
/// tp_src, tp_dst).
#[test]
fn seeds_parse_as_named() {
    let expected: &[(&str, u16, u8, u8, u16, u16)] = &[
        ("arp_request", ethertype::ARP, 1, 0, 0, 0),
        ("arp_reply_vlan", ethertype::ARP, 2, 0, 0, 0),
        ("rarp_request", ethertype::RARP, 3, 0, 0, 0),
        ("ipv4_tcp_syn", ethertype::IPV4, ipproto::TCP, 0, 12345, 80),
        ("ipv4_udp_64", ethertype::IPV4, ipproto::UDP, 0, 1234, 5678),
        ("ipv4_icmp_echo", ethertype::IPV4, ipproto::ICMP, 0, 8, 0),
        (
            "ipv4_frag_first",
            ethertype::IPV4,
            ipproto::UDP,
            FRAG_ANY,
            53,
            53,
        ),
        (
            "ipv4_frag_later",
            ethertype::IPV4,
            ipproto::UDP,
            FRAG_ANY | FRAG_LATER,
            0,
            0,
        ),
        (
            "ipv4_options_sctp",
            ethertype::IPV4,
            ipproto::SCTP,
            0,
            2905,
            2906,
        ),
        (
            "ipv4_igmp_report",
            ethertype::IPV4,
            ipproto::IGMP,
            0,
            0x16,
            0,
        ),
        ("ipv6_tcp_hbh", ethertype::IPV6, ipproto::TCP, 0, 443, 40000),
        (
            "ipv6_ext_chain_udp",
            ethertype::IPV6,
            ipproto::UDP,
            0,
            546,
            547,
        ),
        (
            "ipv6_frag_later",
            ethertype::IPV6,
            ipproto::FRAGMENT,
            FRAG_ANY | FRAG_LATER,
            0,
            0,
        ),
        (
            "ipv6_frag_first_udp",
            ethertype::IPV6,
            ipproto::UDP,
            FRAG_ANY,
            1000,
            2000,
        ),
        (
            "ipv6_nd_ns_sll",
            ethertype::IPV6,
            ipproto::ICMPV6,
            0,
            135,
            0,
        ),
        (
            "ipv6_nd_na_tll",
            ethertype::IPV6,
            ipproto::ICMPV6,
            0,
            136,
            0,
        ),
        (
            "ipv6_nd_duplicate_sll",
            ethertype::IPV6,
            ipproto::ICMPV6,
            0,
            135,
            0,
        ),
        (
            "qinq_ipv6_icmp6_echo",
            ethertype::IPV6,
            ipproto::ICMPV6,
            0,
            128,
            0,
        ),
        (
            "vlan_ipv4_udp",
            ethertype::IPV4,
            ipproto::UDP,
            0,
            4789,
            4789,
        ),
        ("llc_stp_bpdu", ethertype::NOT_ETH_TYPE, 0, 0, 0, 0),
        ("snap_ipv4_udp", ethertype::IPV4, ipproto::UDP, 0, 67, 68),
        ("mpls_two_labels", ethertype::MPLS, 0, 0, 0, 0),
        ("mpls_four_labels_no_bos", ethertype::MPLS, 0, 0, 0, 0),
        ("qinq_ipv4_tcp", ethertype::IPV4, ipproto::TCP, 0, 1000, 22),
        ("igmpv3_report", ethertype::IPV4, ipproto::IGMP, 0, 0x22, 0),
        ("vxlan", ethertype::IPV4, ipproto::UDP, 0, 49152, 4789),
        ("gre_key_seq_csum", ethertype::IPV4, ipproto::GRE, 0, 0, 0),
        (
            "geneve_options",
            ethertype::IPV4,
            ipproto::UDP,
            0,
            5000,
            6081,
        ),
        ("nsh_md1", ethertype::NSH, 0, 0, 0, 0),
        ("runt_10_bytes", 0, 0, 0, 0, 0),
    ];
    let seeds = seeds();
    assert_eq!(expected.len(), seeds.len());
    for ((name, frame), want) in seeds.iter().zip(expected) {
        assert_eq!(*name, want.0);
        let f = extract(frame, 1);
        assert_eq!(
            (f.dl_type, f.nw_proto, f.nw_frag, f.tp_src, f.tp_dst),
            (want.1, want.2, want.3, want.4, want.5),
            "{name}: {f}"
        );
    }
}
