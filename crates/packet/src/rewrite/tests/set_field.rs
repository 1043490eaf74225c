//! `set_field` on every field, with random values and masks, over IPv4/IPv6 ×
//! TCP/UDP/ICMP/SCTP/ND frames with and without a VLAN tag, plus MPLS and ARP frames:
//! the frame must equal an independent masked write, and every checksum must
//! verify from scratch.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{ref_crc32c, ref_sum, verify, Rng};
use crate::rewrite::{set_field, Error, Masked, SetField};
use crate::{EthAddr, Layout};

/// Transport payload of a generated frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum L4 {
    Tcp,
    Udp,
    /// UDP over IPv4 with no checksum.
    UdpZero,
    Icmp,
    Sctp,
    NdNs,
    NdNa,
}

/// A generated frame and what the checks need to know about it.
pub(super) struct Frame {
    pub bytes: Vec<u8>,
    pub layout: Layout,
    v6: bool,
    vlan: bool,
    l4: L4,
    pub proto: u8,
}

fn put16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_be_bytes());
}

/// Builds a random valid frame: Ethernet, optional VLAN tag, IPv4 or IPv6, `l4`,
/// random payload, correct checksums, Ethernet padding to 60 bytes.
pub(super) fn build(rng: &mut Rng, v6: bool, l4: L4, vlan: bool) -> Frame {
    let mut f = rng.bytes::<12>().to_vec();
    if vlan {
        put16(&mut f, 0x8100);
        put16(&mut f, rng.next() as u16);
    }
    put16(&mut f, if v6 { 0x86dd } else { 0x0800 });
    let l3 = f.len();
    let proto: u8 = match l4 {
        L4::Tcp => 6,
        L4::Udp | L4::UdpZero => 17,
        L4::Icmp if !v6 => 1,
        L4::Icmp | L4::NdNs | L4::NdNa => 58,
        L4::Sctp => 132,
    };
    let mut seg = Vec::new();
    let payload_len = rng.below(24);
    match l4 {
        L4::Tcp => {
            seg.extend_from_slice(&rng.bytes::<12>());
            seg.extend_from_slice(&[0x50, rng.next() as u8 & 0x3f]);
            seg.extend_from_slice(&[0x20, 0, 0, 0, 0, 0]);
        }
        L4::Udp | L4::UdpZero => {
            seg.extend_from_slice(&rng.bytes::<4>());
            put16(&mut seg, (8 + payload_len) as u16);
            put16(&mut seg, 0);
        }
        L4::Icmp => {
            seg.extend_from_slice(&[if v6 { 128 } else { 8 }, 0, 0, 0]);
            seg.extend_from_slice(&rng.bytes::<4>());
        }
        L4::Sctp => seg.extend_from_slice(&rng.bytes::<8>()),
        L4::NdNs | L4::NdNa => {
            let ns = l4 == L4::NdNs;
            seg.extend_from_slice(&[if ns { 135 } else { 136 }, 0, 0, 0]);
            seg.extend_from_slice(&[if ns { 0 } else { 0x60 }, 0, 0, 0]);
            seg.extend_from_slice(&rng.bytes::<16>());
            seg.extend_from_slice(&[if ns { 1 } else { 2 }, 1]);
            seg.extend_from_slice(&rng.bytes::<6>());
        }
    }
    if l4 == L4::Sctp {
        seg.extend_from_slice(&[0; 4]);
    }
    if !matches!(l4, L4::NdNs | L4::NdNa) {
        for _ in 0..payload_len {
            seg.push(rng.next() as u8);
        }
    }
    if v6 {
        let word = 6 << 28 | (rng.next() as u32 & 0x0fff_ffff);
        f.extend_from_slice(&word.to_be_bytes());
        put16(&mut f, seg.len() as u16);
        f.extend_from_slice(&[proto, rng.next() as u8]);
        f.extend_from_slice(&rng.bytes::<32>());
    } else {
        // Half of the headers carry 4 bytes of options (NOPs).
        let options = 4 * rng.below(2);
        f.extend_from_slice(&[0x45 + options as u8 / 4, rng.next() as u8]);
        put16(&mut f, (20 + options + seg.len()) as u16);
        f.extend_from_slice(&rng.bytes::<2>());
        f.extend_from_slice(&[0x40, 0, rng.next() as u8, proto, 0, 0]);
        f.extend_from_slice(&rng.bytes::<8>());
        f.extend(std::iter::repeat_n(1, options));
        let c = !ref_sum(0, &f[l3..]);
        f[l3 + 10..l3 + 12].copy_from_slice(&c.to_be_bytes());
    }
    let l4_at = f.len();
    f.extend_from_slice(&seg);
    let layout = Layout {
        l2_5: None,
        l3: Some(l3 as u16),
        l4: Some(l4_at as u16),
    };
    // Checksums, from the reference implementation.
    let seg_len = seg.len();
    let pseudo = {
        let a = if v6 {
            &f[l3 + 8..l3 + 40]
        } else {
            &f[l3 + 12..l3 + 20]
        };
        u32::from(ref_sum(0, a)) + u32::from(proto) + seg_len as u32
    };
    let (csum_at, pseudo) = match l4 {
        L4::Tcp => (Some(16), pseudo),
        L4::Udp => (Some(6), pseudo),
        L4::Icmp if !v6 => (Some(2), 0),
        L4::Icmp | L4::NdNs | L4::NdNa => (Some(2), pseudo),
        L4::UdpZero | L4::Sctp => (None, 0),
    };
    if let Some(at) = csum_at {
        let c = !ref_sum(pseudo, &f[l4_at..]);
        f[l4_at + at..l4_at + at + 2].copy_from_slice(&c.to_be_bytes());
    }
    if l4 == L4::Sctp {
        let crc = ref_crc32c(&f[l4_at..]);
        f[l4_at + 8..l4_at + 12].copy_from_slice(&crc.to_le_bytes());
    }
    while f.len() < 60 {
        f.push(rng.next() as u8);
    }
    Frame {
        bytes: f,
        layout,
        v6,
        vlan,
        l4,
        proto,
    }
}

/// Where a field is, for the independent masked write.
#[derive(Clone, Copy)]
enum Base {
    L2,
    L25,
    L3,
    L4,
}

/// Every settable field: name, where it is (base, byte offset, bytes, bit shift,
/// bit width), and how to make the `SetField` from raw value and mask bits.
type Make = fn(u128, u128) -> SetField;
const FIELDS: &[(&str, Base, usize, usize, u32, u32, Make)] = &[
    ("eth_dst", Base::L2, 0, 6, 0, 48, |v, m| {
        SetField::EthDst(Masked::new(mac(v), mac(m)))
    }),
    ("eth_src", Base::L2, 6, 6, 0, 48, |v, m| {
        SetField::EthSrc(Masked::new(mac(v), mac(m)))
    }),
    ("vlan_vid", Base::L2, 14, 2, 0, 12, |v, m| {
        SetField::VlanVid(Masked::new(v as u16, m as u16))
    }),
    ("vlan_pcp", Base::L2, 14, 2, 13, 3, |v, m| {
        SetField::VlanPcp(Masked::new(v as u8, m as u8))
    }),
    ("mpls_label", Base::L25, 0, 4, 12, 20, |v, m| {
        SetField::MplsLabel(Masked::new(v as u32, m as u32))
    }),
    ("mpls_tc", Base::L25, 0, 4, 9, 3, |v, m| {
        SetField::MplsTc(Masked::new(v as u8, m as u8))
    }),
    ("mpls_bos", Base::L25, 0, 4, 8, 1, |v, m| {
        SetField::MplsBos(Masked::new(v as u8, m as u8))
    }),
    ("mpls_ttl", Base::L25, 0, 4, 0, 8, |v, m| {
        SetField::MplsTtl(Masked::new(v as u8, m as u8))
    }),
    ("ipv4_src", Base::L3, 12, 4, 0, 32, |v, m| {
        SetField::Ipv4Src(Masked::new(v4(v), v4(m)))
    }),
    ("ipv4_dst", Base::L3, 16, 4, 0, 32, |v, m| {
        SetField::Ipv4Dst(Masked::new(v4(v), v4(m)))
    }),
    ("ipv4_dscp", Base::L3, 1, 1, 2, 6, |v, m| {
        SetField::Ipv4Dscp(Masked::new(v as u8, m as u8))
    }),
    ("ipv4_ecn", Base::L3, 1, 1, 0, 2, |v, m| {
        SetField::Ipv4Ecn(Masked::new(v as u8, m as u8))
    }),
    ("ipv4_ttl", Base::L3, 8, 1, 0, 8, |v, m| {
        SetField::Ipv4Ttl(Masked::new(v as u8, m as u8))
    }),
    ("ipv6_src", Base::L3, 8, 16, 0, 128, |v, m| {
        SetField::Ipv6Src(Masked::new(v6(v), v6(m)))
    }),
    ("ipv6_dst", Base::L3, 24, 16, 0, 128, |v, m| {
        SetField::Ipv6Dst(Masked::new(v6(v), v6(m)))
    }),
    ("ipv6_label", Base::L3, 0, 4, 0, 20, |v, m| {
        SetField::Ipv6FlowLabel(Masked::new(v as u32, m as u32))
    }),
    ("ipv6_tclass", Base::L3, 0, 4, 20, 8, |v, m| {
        SetField::Ipv6TrafficClass(Masked::new(v as u8, m as u8))
    }),
    ("ipv6_hlimit", Base::L3, 7, 1, 0, 8, |v, m| {
        SetField::Ipv6HopLimit(Masked::new(v as u8, m as u8))
    }),
    ("tcp_src", Base::L4, 0, 2, 0, 16, |v, m| {
        SetField::TcpSrc(Masked::new(v as u16, m as u16))
    }),
    ("tcp_dst", Base::L4, 2, 2, 0, 16, |v, m| {
        SetField::TcpDst(Masked::new(v as u16, m as u16))
    }),
    ("udp_src", Base::L4, 0, 2, 0, 16, |v, m| {
        SetField::UdpSrc(Masked::new(v as u16, m as u16))
    }),
    ("udp_dst", Base::L4, 2, 2, 0, 16, |v, m| {
        SetField::UdpDst(Masked::new(v as u16, m as u16))
    }),
    ("sctp_src", Base::L4, 0, 2, 0, 16, |v, m| {
        SetField::SctpSrc(Masked::new(v as u16, m as u16))
    }),
    ("sctp_dst", Base::L4, 2, 2, 0, 16, |v, m| {
        SetField::SctpDst(Masked::new(v as u16, m as u16))
    }),
    ("icmpv4_type", Base::L4, 0, 1, 0, 8, |v, m| {
        SetField::Icmpv4Type(Masked::new(v as u8, m as u8))
    }),
    ("icmpv4_code", Base::L4, 1, 1, 0, 8, |v, m| {
        SetField::Icmpv4Code(Masked::new(v as u8, m as u8))
    }),
    ("icmpv6_type", Base::L4, 0, 1, 0, 8, |v, m| {
        SetField::Icmpv6Type(Masked::new(v as u8, m as u8))
    }),
    ("icmpv6_code", Base::L4, 1, 1, 0, 8, |v, m| {
        SetField::Icmpv6Code(Masked::new(v as u8, m as u8))
    }),
    ("arp_op", Base::L3, 6, 2, 0, 16, |v, m| {
        SetField::ArpOp(Masked::new(v as u16, m as u16))
    }),
    ("arp_sha", Base::L3, 8, 6, 0, 48, |v, m| {
        SetField::ArpSha(Masked::new(mac(v), mac(m)))
    }),
    ("arp_spa", Base::L3, 14, 4, 0, 32, |v, m| {
        SetField::ArpSpa(Masked::new(v4(v), v4(m)))
    }),
    ("arp_tha", Base::L3, 18, 6, 0, 48, |v, m| {
        SetField::ArpTha(Masked::new(mac(v), mac(m)))
    }),
    ("arp_tpa", Base::L3, 24, 4, 0, 32, |v, m| {
        SetField::ArpTpa(Masked::new(v4(v), v4(m)))
    }),
    ("nd_target", Base::L4, 8, 16, 0, 128, |v, m| {
        SetField::NdTarget(Masked::new(v6(v), v6(m)))
    }),
    ("nd_sll", Base::L4, 26, 6, 0, 48, |v, m| {
        SetField::NdSll(Masked::new(mac(v), mac(m)))
    }),
    ("nd_tll", Base::L4, 26, 6, 0, 48, |v, m| {
        SetField::NdTll(Masked::new(mac(v), mac(m)))
    }),
];

fn mac(x: u128) -> EthAddr {
    EthAddr(std::array::from_fn(|i| (x >> (8 * (5 - i))) as u8))
}

fn v4(x: u128) -> Ipv4Addr {
    Ipv4Addr::from(x as u32)
}

fn v6(x: u128) -> Ipv6Addr {
    Ipv6Addr::from(x)
}

/// Whether field `name` exists in an IP frame `f` (ND link-layer options: whether
/// it is rewritten; a message without the option is left alone).
fn applies(name: &str, f: &Frame) -> bool {
    let prefix = name.split('_').next().unwrap_or("");
    match prefix {
        "eth" => true,
        "vlan" => f.vlan,
        "ipv4" => !f.v6,
        "ipv6" => f.v6,
        "tcp" => f.l4 == L4::Tcp,
        "udp" => matches!(f.l4, L4::Udp | L4::UdpZero),
        "sctp" => f.l4 == L4::Sctp,
        "icmpv4" => f.l4 == L4::Icmp && !f.v6,
        "icmpv6" => f.v6 && matches!(f.l4, L4::Icmp | L4::NdNs | L4::NdNa),
        "nd" => match name {
            "nd_target" => matches!(f.l4, L4::NdNs | L4::NdNa),
            "nd_sll" => f.l4 == L4::NdNs,
            _ => f.l4 == L4::NdNa,
        },
        _ => false,
    }
}

/// True for ND link-layer fields on the other ND message: `Ok` without a change.
fn nd_noop(name: &str, f: &Frame) -> bool {
    (name == "nd_sll" && f.l4 == L4::NdNa) || (name == "nd_tll" && f.l4 == L4::NdNs)
}

/// The independent masked write of field `i` into `bytes`.
fn reference_write(bytes: &mut [u8], layout: &Layout, i: usize, value: u128, mask: u128) {
    let (_, base, off, n, shift, width, _) = FIELDS[i];
    let base = match base {
        Base::L2 => 0,
        Base::L25 => layout.l2_5.unwrap(),
        Base::L3 => layout.l3.unwrap(),
        Base::L4 => layout.l4.unwrap(),
    };
    let at = usize::from(base) + off;
    let ones = if width == 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    let fmask = (mask & ones) << shift;
    let mut x = bytes[at..at + n]
        .iter()
        .fold(0u128, |a, &b| a << 8 | u128::from(b));
    x = (x & !fmask) | ((value & ones) << shift & fmask);
    for k in 0..n {
        bytes[at + k] = (x >> (8 * (n - 1 - k))) as u8;
    }
}

/// Zeroes the checksum fields of an IP frame, for comparing everything else.
fn without_checksums(f: &Frame, bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let l3 = usize::from(f.layout.l3.unwrap());
    let l4 = usize::from(f.layout.l4.unwrap());
    if !f.v6 {
        b[l3 + 10..l3 + 12].fill(0);
    }
    match f.proto {
        6 => b[l4 + 16..l4 + 18].fill(0),
        17 => b[l4 + 6..l4 + 8].fill(0),
        1 | 58 => b[l4 + 2..l4 + 4].fill(0),
        132 => b[l4 + 8..l4 + 12].fill(0),
        _ => {}
    }
    b
}

/// A random mask: all ones, all zeros, or random bits.
fn random_mask(rng: &mut Rng) -> u128 {
    match rng.below(4) {
        0 => u128::MAX,
        1 => 0,
        _ => rng.u128(),
    }
}

#[test]
fn every_field_on_ip_frames_keeps_checksums_valid() {
    let mut rng = Rng::new(0x5eed);
    let kinds = [
        L4::Tcp,
        L4::Udp,
        L4::UdpZero,
        L4::Icmp,
        L4::Sctp,
        L4::NdNs,
        L4::NdNa,
    ];
    let mut checked = 0;
    for v6 in [false, true] {
        for l4 in kinds {
            if (l4 == L4::UdpZero && v6) || (matches!(l4, L4::NdNs | L4::NdNa) && !v6) {
                continue;
            }
            for vlan in [false, true] {
                for _ in 0..8 {
                    let f = build(&mut rng, v6, l4, vlan);
                    verify(&f.bytes, &f.layout, f.proto);
                    for (i, field) in FIELDS.iter().enumerate() {
                        let (name, make) = (field.0, field.6);
                        for _ in 0..6 {
                            let (value, mask) = (rng.u128(), random_mask(&mut rng));
                            let mut got = f.bytes.clone();
                            let r = set_field(&mut got, &f.layout, &make(value, mask));
                            if !applies(name, &f) {
                                if nd_noop(name, &f) {
                                    assert_eq!(r, Ok(()), "{name} on {l4:?}");
                                } else {
                                    assert!(
                                        matches!(r, Err(Error::NotPresent(_))),
                                        "{name} on {l4:?} v6={v6}: {r:?}"
                                    );
                                }
                                assert_eq!(got, f.bytes, "{name} changed a frame without it");
                                continue;
                            }
                            assert_eq!(r, Ok(()), "{name} on {l4:?} v6={v6} vlan={vlan}");
                            let mut want = f.bytes.clone();
                            reference_write(&mut want, &f.layout, i, value, mask);
                            assert_eq!(
                                without_checksums(&f, &got),
                                without_checksums(&f, &want),
                                "{name} on {l4:?} v6={v6} value {value:x} mask {mask:x}"
                            );
                            verify(&got, &f.layout, f.proto);
                            if l4 == L4::UdpZero {
                                let at = usize::from(f.layout.l4.unwrap()) + 6;
                                assert_eq!(&got[at..at + 2], &[0, 0], "UDP zero checksum kept");
                            }
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 10_000, "{checked}");
}

#[test]
fn udp_checksum_that_updates_to_zero_is_stored_as_ffff() {
    let mut rng = Rng::new(7);
    let f = build(&mut rng, false, L4::Udp, false);
    let l4 = usize::from(f.layout.l4.unwrap());
    // Choose the source port that makes the sum over the segment, checksum field
    // zeroed, 0xffff: then the computed checksum is 0.
    let mut zeroed = f.bytes.clone();
    zeroed[l4 + 6..l4 + 8].fill(0);
    let l3 = usize::from(f.layout.l3.unwrap());
    let end = l3 + usize::from(u16::from_be_bytes([f.bytes[l3 + 2], f.bytes[l3 + 3]]));
    let seg_len = (end - l4) as u32;
    let pseudo = u32::from(ref_sum(0, &f.bytes[l3 + 12..l3 + 20])) + 17 + seg_len;
    let s = ref_sum(pseudo, &zeroed[l4..end]);
    let old = u16::from_be_bytes([f.bytes[l4], f.bytes[l4 + 1]]);
    let sum = u32::from(old) + u32::from(!s);
    let new = ((sum & 0xffff) + (sum >> 16)) as u16;
    let mut got = f.bytes.clone();
    set_field(&mut got, &f.layout, &SetField::UdpSrc(Masked::exact(new))).unwrap();
    assert_eq!(&got[l4..l4 + 2], &new.to_be_bytes());
    assert_eq!(&got[l4 + 6..l4 + 8], &[0xff, 0xff]);
    verify(&got, &f.layout, 17);
}

#[test]
fn mpls_and_arp_fields() {
    let mut rng = Rng::new(99);
    // Ethernet, two MPLS entries, then an IPv4 header: MPLS fields touch only the
    // outer entry; IP fields are not reachable (OVS does not parse under MPLS).
    let mut mpls = rng.bytes::<12>().to_vec();
    mpls.extend_from_slice(&[0x88, 0x47, 0x00, 0x01, 0x20, 0x40, 0x00, 0x02, 0x31, 0x3f]);
    mpls.extend_from_slice(&[
        0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    let mpls_layout = Layout {
        l2_5: Some(14),
        l3: Some(22),
        l4: None,
    };
    let mut arp = rng.bytes::<12>().to_vec();
    arp.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1]);
    arp.extend_from_slice(&rng.bytes::<20>());
    arp.resize(60, 0);
    let arp_layout = Layout {
        l2_5: None,
        l3: Some(14),
        l4: None,
    };
    for (frame, layout, prefixes) in [
        (&mpls, mpls_layout, ["eth", "mpls"]),
        (&arp, arp_layout, ["eth", "arp"]),
    ] {
        for (i, field) in FIELDS.iter().enumerate() {
            let ok = prefixes
                .iter()
                .any(|p| field.0.starts_with(p) && field.0.as_bytes()[p.len()] == b'_');
            for _ in 0..20 {
                let (value, mask) = (rng.u128(), random_mask(&mut rng));
                let mut got = frame.clone();
                let r = set_field(&mut got, &layout, &(field.6)(value, mask));
                if !ok {
                    assert!(r.is_err(), "{} on {prefixes:?}", field.0);
                    assert_eq!(&got, frame);
                    continue;
                }
                r.unwrap();
                let mut want = frame.clone();
                reference_write(&mut want, &layout, i, value, mask);
                assert_eq!(got, want, "{}", field.0);
            }
        }
    }
}

#[test]
fn bad_layouts_do_not_panic() {
    let mut rng = Rng::new(3);
    let f = build(&mut rng, true, L4::Tcp, true);
    for cut in 0..f.bytes.len() {
        for l3 in [None, Some(0), Some(14), Some(18), Some(200)] {
            for l4 in [None, Some(0), Some(58), Some(62), Some(300)] {
                let layout = Layout { l2_5: None, l3, l4 };
                for field in FIELDS {
                    let mut b = f.bytes[..cut].to_vec();
                    let _ = set_field(&mut b, &layout, &(field.6)(rng.u128(), u128::MAX));
                }
            }
        }
    }
}
