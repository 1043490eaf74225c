//! Checksum updates around IPv6 extension headers and IPv4 fragments.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{hex, ref_sum, verify};
use crate::rewrite::{set_field, Error, Masked, SetField};
use crate::Layout;

/// scapy: IPv6(2001:db8::1 > 2001:db8::2)/IPv6ExtHdrHopByHop()/TCP(1 > 2, S)/"xyz".
const HBH_TCP: &str = "00000000000200000000000186dd60000000001f004020010db800000000000000000000000120010db800000000000000000000000206000104000000000001000200000000000000005002200041ee000078797a";
/// scapy: IPv6(2001:db8::1 > 2001:db8::2)/IPv6ExtHdrRouting(addresses=[2001:db8::99],
/// segleft=1)/UDP(5 > 6)/"abc": the UDP checksum covers the final destination ::99.
const ROUTED_UDP: &str = "00000000000200000000000186dd6000000000232b4020010db800000000000000000000000120010db8000000000000000000000002110200010000000020010db800000000000000000000009900050006000bdf5e616263";
/// ROUTED_UDP from 2001:db8::1:5 (scapy).
const ROUTED_UDP_NEW_SRC: &str = "00000000000200000000000186dd6000000000232b4020010db800000000000000000001000520010db8000000000000000000000002110200010000000020010db800000000000000000000009900050006000bdf59616263";
/// scapy: IP(1.1.1.1 > 2.2.2.2, frag=10, proto=6)/20 bytes: a non-first fragment.
const LATER_FRAGMENT: &str = "0000000000020000000000010800450000280001000a400674c00101010102020202303132333435363738396162636465666768696a";

#[test]
fn hop_by_hop_before_tcp() {
    let mut frame = hex(HBH_TCP);
    let layout = Layout {
        l2_5: None,
        l3: Some(14),
        l4: Some(62),
    };
    let src: Ipv6Addr = "fe80::1234".parse().unwrap();
    set_field(&mut frame, &layout, &SetField::Ipv6Src(Masked::exact(src))).unwrap();
    verify(&frame, &layout, 6);
    set_field(&mut frame, &layout, &SetField::TcpDst(Masked::exact(443))).unwrap();
    verify(&frame, &layout, 6);
    // A layout whose l4 is not where the extension headers end is refused.
    let wrong = Layout {
        l4: Some(54),
        ..layout
    };
    assert!(set_field(&mut frame, &wrong, &SetField::TcpDst(Masked::exact(1))).is_err());
}

#[test]
fn routing_header_keeps_final_destination_in_checksum() {
    let layout = Layout {
        l2_5: None,
        l3: Some(14),
        l4: Some(78),
    };
    let mut frame = hex(ROUTED_UDP);
    let dst: Ipv6Addr = "2001:db8::77".parse().unwrap();
    set_field(&mut frame, &layout, &SetField::Ipv6Dst(Masked::exact(dst))).unwrap();
    assert_eq!(&frame[78 + 6..78 + 8], &[0xdf, 0x5e], "checksum unchanged");
    let mut frame = hex(ROUTED_UDP);
    let src: Ipv6Addr = "2001:db8::1:5".parse().unwrap();
    set_field(&mut frame, &layout, &SetField::Ipv6Src(Masked::exact(src))).unwrap();
    assert_eq!(frame, hex(ROUTED_UDP_NEW_SRC));
}

#[test]
fn later_fragment_has_no_transport_header() {
    let layout = Layout {
        l2_5: None,
        l3: Some(14),
        l4: Some(34),
    };
    let orig = hex(LATER_FRAGMENT);
    let mut frame = orig.clone();
    let src = Ipv4Addr::new(9, 8, 7, 6);
    set_field(&mut frame, &layout, &SetField::Ipv4Src(Masked::exact(src))).unwrap();
    assert_eq!(ref_sum(0, &frame[14..34]), 0xffff);
    assert_eq!(frame[34..], orig[34..], "payload untouched");
    let r = set_field(&mut frame, &layout, &SetField::TcpSrc(Masked::exact(1)));
    assert_eq!(r, Err(Error::NotPresent("TCP")));
}

/// scapy: IP(1.2.3.4 > 5.6.7.8)/SCTP(1000 > 2000, tag 0x11223344)/DATA("abcd").
const SCTP: &str = "02fc0000000502fc000000010800450000340001000040846a32010203040506070803e807d01122334414b482160000001400000000000000000000000061626364";
/// SCTP with source port 1001 (scapy).
const SCTP_SPORT_1001: &str = "02fc0000000502fc000000010800450000340001000040846a32010203040506070803e907d01122334499d4256e0000001400000000000000000000000061626364";

#[test]
fn sctp_crc_is_recomputed_and_a_wrong_one_stays_wrong() {
    let layout = Layout {
        l2_5: None,
        l3: Some(14),
        l4: Some(34),
    };
    let mut frame = hex(SCTP);
    set_field(&mut frame, &layout, &SetField::SctpSrc(Masked::exact(1001))).unwrap();
    assert_eq!(frame, hex(SCTP_SPORT_1001));
    // As OVS's packet_set_sctp_port: a corrupt CRC stays corrupt, by the same bits.
    let mut frame = hex(SCTP);
    frame[42] ^= 0x10;
    set_field(&mut frame, &layout, &SetField::SctpSrc(Masked::exact(1001))).unwrap();
    let mut want = hex(SCTP_SPORT_1001);
    want[42] ^= 0x10;
    assert_eq!(frame, want);
}
