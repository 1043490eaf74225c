//! VLAN and MPLS push/pop, TTL actions: against scapy-built frames, and round trips.

use super::set_field::{build, L4};
use super::{hex, verify, Rng};
use crate::buf::PacketBuf;
use crate::rewrite::{
    copy_ttl_in, copy_ttl_out, dec_ip_ttl, dec_mpls_ttl, mpls_lse, pop_mpls, pop_vlan, push_mpls,
    push_vlan, Error,
};
use crate::Layout;

/// Ethernet/IPv4/UDP "hello world!" (scapy).
const PLAIN: &str = "00000000000200000000000108004500002800070000401166bc0a0000010a00000204d2162e00143ed468656c6c6f20776f726c6421";
/// PLAIN with an 802.1Q tag, PCP 5, VID 100 (scapy `Dot1Q(prio=5, vlan=100)`).
const VLAN: &str = "0000000000020000000000018100a06408004500002800070000401166bc0a0000010a00000204d2162e00143ed468656c6c6f20776f726c6421";
/// VLAN with an outer 802.1ad tag, PCP 3, VID 200.
const QINQ: &str = "00000000000200000000000188a860c88100a06408004500002800070000401166bc0a0000010a00000204d2162e00143ed468656c6c6f20776f726c6421";
/// PLAIN under an MPLS entry: label 1000, TC 2, bottom of stack, TTL 63.
const MPLS: &str = "0000000000020000000000018847003e853f4500002800070000401166bc0a0000010a00000204d2162e00143ed468656c6c6f20776f726c6421";

fn plain_layout() -> Layout {
    Layout {
        l2_5: None,
        l3: Some(14),
        l4: Some(34),
    }
}

#[test]
fn push_vlan_matches_scapy_and_pops_back() {
    let mut buf = PacketBuf::new(&hex(PLAIN));
    let payload = buf.data()[14..].as_ptr();
    let mut layout = plain_layout();
    push_vlan(&mut buf, &mut layout, 0x8100, 0xa064).unwrap();
    assert_eq!(buf.data(), hex(VLAN));
    assert_eq!(buf.data()[18..].as_ptr(), payload, "payload did not move");
    assert_eq!(
        layout,
        Layout {
            l2_5: None,
            l3: Some(18),
            l4: Some(38)
        }
    );
    verify(buf.data(), &layout, 17);
    push_vlan(&mut buf, &mut layout, 0x88a8, 0x60c8).unwrap();
    assert_eq!(buf.data(), hex(QINQ));
    assert_eq!(layout.l3, Some(22));
    pop_vlan(&mut buf, &mut layout).unwrap();
    assert_eq!(buf.data(), hex(VLAN));
    pop_vlan(&mut buf, &mut layout).unwrap();
    assert_eq!(buf.data(), hex(PLAIN));
    assert_eq!(layout, plain_layout());
    assert_eq!(
        pop_vlan(&mut buf, &mut layout),
        Err(Error::NotPresent("VLAN"))
    );
    assert_eq!(buf.data(), hex(PLAIN));
}

#[test]
fn push_vlan_clears_cfi_and_checks_tpid() {
    let mut buf = PacketBuf::new(&hex(PLAIN));
    let mut layout = plain_layout();
    assert!(matches!(
        push_vlan(&mut buf, &mut layout, 0x0800, 1),
        Err(Error::InvalidArgument(_))
    ));
    push_vlan(&mut buf, &mut layout, 0x8100, 0x1000 | 0xa064).unwrap();
    assert_eq!(buf.data(), hex(VLAN));
    let mut short = PacketBuf::new(&[0; 13]);
    assert_eq!(
        push_vlan(&mut short, &mut layout, 0x8100, 1),
        Err(Error::Truncated("Ethernet"))
    );
}

#[test]
fn push_mpls_matches_scapy_and_pops_back() {
    let mut buf = PacketBuf::new(&hex(PLAIN));
    let mut layout = plain_layout();
    push_mpls(&mut buf, &mut layout, 0x8847, mpls_lse(1000, 2, true, 63)).unwrap();
    assert_eq!(buf.data(), hex(MPLS));
    assert_eq!(
        layout,
        Layout {
            l2_5: Some(14),
            l3: Some(18),
            l4: Some(38)
        }
    );
    // A second entry goes on top, not bottom of stack.
    push_mpls(&mut buf, &mut layout, 0x8847, mpls_lse(7, 0, false, 9)).unwrap();
    assert_eq!(
        &buf.data()[12..22],
        &[0x88, 0x47, 0, 0, 0x70, 9, 0, 0x3e, 0x85, 0x3f]
    );
    assert_eq!(
        layout,
        Layout {
            l2_5: Some(14),
            l3: Some(22),
            l4: Some(42)
        }
    );
    pop_mpls(&mut buf, &mut layout, 0x8847).unwrap();
    assert_eq!(buf.data(), hex(MPLS));
    assert_eq!(layout.l2_5, Some(14));
    pop_mpls(&mut buf, &mut layout, 0x0800).unwrap();
    assert_eq!(buf.data(), hex(PLAIN));
    assert_eq!(layout, plain_layout());
    assert_eq!(
        pop_mpls(&mut buf, &mut layout, 0x0800),
        Err(Error::NotPresent("MPLS"))
    );
    assert!(matches!(
        push_mpls(&mut buf, &mut layout, 0x0800, 0),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn mpls_goes_after_vlan_tags() {
    let mut buf = PacketBuf::new(&hex(QINQ));
    let mut layout = Layout {
        l2_5: None,
        l3: Some(22),
        l4: Some(42),
    };
    push_mpls(&mut buf, &mut layout, 0x8848, mpls_lse(5, 0, true, 1)).unwrap();
    assert_eq!(&buf.data()[..20], &hex(QINQ)[..20]);
    assert_eq!(&buf.data()[20..26], &[0x88, 0x48, 0, 0, 0x51, 1]);
    assert_eq!(&buf.data()[26..], &hex(QINQ)[22..]);
    pop_vlan(&mut buf, &mut layout).unwrap();
    assert_eq!(
        layout,
        Layout {
            l2_5: Some(18),
            l3: Some(22),
            l4: Some(42)
        }
    );
    pop_mpls(&mut buf, &mut layout, 0x0800).unwrap();
    assert_eq!(buf.data(), hex(VLAN));
}

#[test]
fn headroom_exhaustion_reallocates() {
    let mut buf = PacketBuf::with_headroom(&hex(PLAIN), 2);
    let mut layout = plain_layout();
    for _ in 0..3 {
        push_vlan(&mut buf, &mut layout, 0x8100, 5).unwrap();
    }
    for _ in 0..3 {
        pop_vlan(&mut buf, &mut layout).unwrap();
    }
    assert_eq!(buf.data(), hex(PLAIN));
}

#[test]
fn dec_ttl_ipv4_ipv6_mpls() {
    let mut frame = hex(PLAIN);
    let layout = plain_layout();
    assert_eq!(dec_ip_ttl(&mut frame, &layout), Ok(63));
    verify(&frame, &layout, 17);
    frame[22] = 2;
    frame[24..26].fill(0);
    let c = !super::ref_sum(0, &frame[14..34]);
    frame[24..26].copy_from_slice(&c.to_be_bytes());
    assert_eq!(dec_ip_ttl(&mut frame, &layout), Ok(1));
    verify(&frame, &layout, 17);
    let before = frame.clone();
    assert_eq!(dec_ip_ttl(&mut frame, &layout), Err(Error::InvalidTtl));
    assert_eq!(frame, before);

    // IPv6 hop limit.
    let mut v6 = hex(PLAIN)[..14].to_vec();
    v6[12..14].copy_from_slice(&[0x86, 0xdd]);
    v6.extend_from_slice(&[0x60, 0, 0, 0, 0, 0, 59, 1]);
    v6.extend_from_slice(&[0; 32]);
    let l6 = Layout {
        l2_5: None,
        l3: Some(14),
        l4: None,
    };
    assert_eq!(dec_ip_ttl(&mut v6, &l6), Err(Error::InvalidTtl));
    v6[21] = 200;
    assert_eq!(dec_ip_ttl(&mut v6, &l6), Ok(199));

    let mut mpls = hex(MPLS);
    let lm = Layout {
        l2_5: Some(14),
        l3: Some(18),
        l4: None,
    };
    assert_eq!(dec_mpls_ttl(&mut mpls, &lm), Ok(62));
    mpls[17] = 1;
    assert_eq!(dec_mpls_ttl(&mut mpls, &lm), Err(Error::InvalidTtl));
    assert_eq!(
        dec_mpls_ttl(&mut hex(PLAIN), &plain_layout()),
        Err(Error::NotPresent("MPLS"))
    );
}

#[test]
fn copy_ttl_between_mpls_and_ip() {
    let mut mpls = hex(MPLS);
    let lm = Layout {
        l2_5: Some(14),
        l3: Some(18),
        l4: Some(38),
    };
    // In: MPLS TTL 63 into the IPv4 TTL (64), with its checksum.
    copy_ttl_in(&mut mpls, &lm).unwrap();
    assert_eq!(mpls[18 + 8], 63);
    let inner = Layout {
        l2_5: None,
        l3: Some(18),
        l4: Some(38),
    };
    let mut as_ip = mpls.clone();
    as_ip[12..14].copy_from_slice(&[0x08, 0x00]);
    verify(&as_ip, &inner, 17);
    // Out: IPv4 TTL into the MPLS entry.
    mpls[17] = 5;
    copy_ttl_out(&mut mpls, &lm).unwrap();
    assert_eq!(mpls[17], 63);

    // Two entries: copies go between them.
    let mut buf = PacketBuf::new(&hex(MPLS));
    let mut layout = lm;
    push_mpls(&mut buf, &mut layout, 0x8847, mpls_lse(9, 0, false, 10)).unwrap();
    copy_ttl_in(buf.data_mut(), &layout).unwrap();
    assert_eq!(buf.data()[21], 10);
    buf.data_mut()[21] = 33;
    copy_ttl_out(buf.data_mut(), &layout).unwrap();
    assert_eq!(buf.data()[17], 33);
}

#[test]
fn random_frames_round_trip_through_vlan_and_mpls() {
    let mut rng = Rng::new(11);
    for v6 in [false, true] {
        for l4 in [L4::Tcp, L4::Udp, L4::Icmp, L4::Sctp] {
            for vlan in [false, true] {
                for _ in 0..10 {
                    let f = build(&mut rng, v6, l4, vlan);
                    let mut buf = PacketBuf::with_headroom(&f.bytes, rng.below(12));
                    let mut layout = f.layout;
                    let l3 = usize::from(layout.l3.unwrap());
                    let ethertype = u16::from_be_bytes([f.bytes[l3 - 2], f.bytes[l3 - 1]]);
                    let tpid = if rng.next() & 1 == 0 { 0x8100 } else { 0x88a8 };
                    push_vlan(&mut buf, &mut layout, tpid, rng.next() as u16 & !0x1000).unwrap();
                    verify(buf.data(), &layout, f.proto);
                    let mut lse = |bos| mpls_lse(rng.next() as u32, 3, bos, 64);
                    let (bottom, top) = (lse(true), lse(false));
                    push_mpls(&mut buf, &mut layout, 0x8847, bottom).unwrap();
                    push_mpls(&mut buf, &mut layout, 0x8848, top).unwrap();
                    verify(buf.data(), &layout, f.proto);
                    pop_mpls(&mut buf, &mut layout, 0x8847).unwrap();
                    pop_mpls(&mut buf, &mut layout, ethertype).unwrap();
                    pop_vlan(&mut buf, &mut layout).unwrap();
                    assert_eq!(buf.data(), f.bytes);
                    assert_eq!(layout, f.layout);
                }
            }
        }
    }
}
