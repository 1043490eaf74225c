//! Tunnel encapsulation against scapy-built packets, and decapsulation back to the
//! inner frame and the metadata.

use std::net::IpAddr;

use super::{hex, ref_sum};
use crate::buf::PacketBuf;
use crate::rewrite::tunnel::{
    decap, udp_src_port, Encap, GeneveOpts, PushArgs, TunnelConfig, TunnelFlags, TunnelHeader,
    TunnelKind, TunnelMetadata, GENEVE_PORT, VXLAN_PORT,
};
use crate::rewrite::Error;
use crate::{EthAddr, Layout};

/// Ethernet/IPv4/UDP "hello world!" (scapy), the inner frame of every test.
const INNER: &str = "00000000000200000000000108004500002800070000401166bc0a0000010a00000204d2162e00143ed468656c6c6f20776f726c6421";
/// Geneve options: a critical one (class 0x0102 type 0x80, 4 bytes) and another.
const GENEVE_OPTS: &str = "0102800100112233ffff0002aabbccdd11223344";

/// Outer headers, each followed by INNER, built with scapy: Ether(dst=aa:bb:cc:dd:ee:ff,
/// src=11:22:33:44:55:66), IP(192.168.1.1 > 192.168.1.2, tos 0x28, ttl 64, DF, id 0)
/// or IPv6(2001:db8::1 > 2001:db8::2, tc 0x28, hlim 64), then the tunnel header.
const VXLAN4_NOCSUM: &str = "aabbccddeeff11223344556608004528005a000040004011b717c0a80101c0a80102c00012b5004600000800000000006400";
const VXLAN4_CSUM: &str = "aabbccddeeff11223344556608004528005a000040004011b717c0a80101c0a80102c00012b50046497d0800000000006400";
const VXLAN6_CSUM: &str = "aabbccddeeff11223344556686dd628000000046114020010db800000000000000000000000120010db8000000000000000000000002c35012b50046373e08000000abcdef00";
const GENEVE4: &str = "aabbccddeeff11223344556608004528006e000040004011b703c0a80101c0a80102c00017c1005a000005406558123456000102800100112233ffff0002aabbccdd11223344";
const GENEVE6_CSUM: &str = "aabbccddeeff11223344556686dd628000000046114020010db800000000000000000000000120010db8000000000000000000000002c35017c100466a280080655800000500";
const GRE4_KEY: &str =
    "aabbccddeeff11223344556608004528005200004000402fb701c0a80101c0a801022000655800001234";
const GRE4_ALL: &str = "aabbccddeeff11223344556608004528005a00004000402fb6f9c0a80101c0a80102b000655859040000deadbeef0000002a";
const GRE6_CSUM: &str = "aabbccddeeff11223344556686dd62800000003e2f4020010db800000000000000000000000120010db80000000000000000000000028000655826cc0000";

fn config(v6: bool, encap: Encap) -> TunnelConfig {
    let (ip_src, ip_dst): (IpAddr, IpAddr) = if v6 {
        (
            "2001:db8::1".parse().unwrap(),
            "2001:db8::2".parse().unwrap(),
        )
    } else {
        (
            "192.168.1.1".parse().unwrap(),
            "192.168.1.2".parse().unwrap(),
        )
    };
    TunnelConfig {
        eth_dst: EthAddr([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]),
        eth_src: EthAddr([0x11, 0x22, 0x33, 0x44, 0x55, 0x66]),
        ip_src,
        ip_dst,
        tos: 0x28,
        ttl: 64,
        dont_fragment: true,
        encap,
    }
}

/// The cases: configuration, per-packet arguments, scapy's outer headers, and the
/// metadata decapsulation must give back.
fn cases() -> Vec<(
    TunnelConfig,
    PushArgs,
    &'static str,
    TunnelKind,
    u64,
    u16,
    TunnelFlags,
)> {
    let opts = GeneveOpts::new(&hex(GENEVE_OPTS)).unwrap();
    let (key, csum, df) = (
        TunnelFlags::KEY,
        TunnelFlags::CSUM,
        TunnelFlags::DONT_FRAGMENT,
    );
    let udp4 = PushArgs {
        udp_src: 49152,
        gre_seq: 0,
    };
    let udp6 = PushArgs {
        udp_src: 50000,
        gre_seq: 0,
    };
    let vx = |vni, udp_csum| Encap::Vxlan {
        vni,
        udp_dst: VXLAN_PORT,
        udp_csum,
    };
    vec![
        (
            config(false, vx(100, false)),
            udp4,
            VXLAN4_NOCSUM,
            TunnelKind::Vxlan,
            100,
            VXLAN_PORT,
            key | df,
        ),
        (
            config(false, vx(100, true)),
            udp4,
            VXLAN4_CSUM,
            TunnelKind::Vxlan,
            100,
            VXLAN_PORT,
            key | df | csum,
        ),
        (
            config(true, vx(0xabcdef, true)),
            udp6,
            VXLAN6_CSUM,
            TunnelKind::Vxlan,
            0xabcdef,
            VXLAN_PORT,
            key | csum,
        ),
        (
            config(
                false,
                Encap::Geneve {
                    vni: 0x123456,
                    udp_dst: GENEVE_PORT,
                    udp_csum: false,
                    oam: false,
                    options: opts,
                },
            ),
            udp4,
            GENEVE4,
            TunnelKind::Geneve,
            0x123456,
            GENEVE_PORT,
            key | df,
        ),
        (
            config(
                true,
                Encap::Geneve {
                    vni: 5,
                    udp_dst: GENEVE_PORT,
                    udp_csum: true,
                    oam: true,
                    options: GeneveOpts::EMPTY,
                },
            ),
            udp6,
            GENEVE6_CSUM,
            TunnelKind::Geneve,
            5,
            GENEVE_PORT,
            key | csum | TunnelFlags::OAM,
        ),
        (
            config(
                false,
                Encap::Gre {
                    key: Some(0x1234),
                    csum: false,
                    seq: false,
                },
            ),
            PushArgs::default(),
            GRE4_KEY,
            TunnelKind::Gre,
            0x1234,
            0,
            key | df,
        ),
        (
            config(
                false,
                Encap::Gre {
                    key: Some(0xdead_beef),
                    csum: true,
                    seq: true,
                },
            ),
            PushArgs {
                udp_src: 0,
                gre_seq: 42,
            },
            GRE4_ALL,
            TunnelKind::Gre,
            0xdead_beef,
            0,
            key | csum | df,
        ),
        (
            config(
                true,
                Encap::Gre {
                    key: None,
                    csum: true,
                    seq: false,
                },
            ),
            PushArgs::default(),
            GRE6_CSUM,
            TunnelKind::Gre,
            0,
            0,
            csum,
        ),
    ]
}

#[test]
fn encap_matches_scapy_and_decap_restores_frame_and_metadata() {
    let inner = hex(INNER);
    for (cfg, args, outer, kind, tun_id, tp_dst, flags) in cases() {
        let hdr = TunnelHeader::new(&cfg).unwrap();
        assert_eq!(hdr.kind(), kind);
        let mut buf = PacketBuf::new(&inner);
        let payload = buf.data().as_ptr();
        let layout = hdr.push(&mut buf, args).unwrap();
        let mut want = hex(outer);
        want.extend_from_slice(&inner);
        assert_eq!(hex_of(buf.data()), hex_of(&want), "{outer}");
        assert_eq!(
            buf.data()[hdr.as_bytes().len()..].as_ptr(),
            payload,
            "inner frame moved"
        );
        // The IPv4 header checksum, checked independently.
        if !cfg.ip_src.is_ipv6() {
            assert_eq!(ref_sum(0, &buf.data()[14..34]), 0xffff);
        }
        // Padding after the outer packet must not end up in the inner frame.
        let mut padded = buf.data().to_vec();
        padded.extend_from_slice(&[0xee; 7]);
        let mut buf = PacketBuf::new(&padded);
        let md = decap(&mut buf, &layout, kind).unwrap();
        assert_eq!(buf.data(), inner, "{outer}");
        let opts = match cfg.encap {
            Encap::Geneve { options, .. } => options,
            _ => GeneveOpts::EMPTY,
        };
        let tp_src = if kind == TunnelKind::Gre {
            0
        } else {
            args.udp_src
        };
        assert_eq!(
            md,
            TunnelMetadata {
                tun_id,
                ip_src: cfg.ip_src,
                ip_dst: cfg.ip_dst,
                tos: 0x28,
                ttl: 64,
                tp_src,
                tp_dst,
                flags,
                geneve_options: opts,
            },
            "{outer}"
        );
    }
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn decap_rejects_corruption_and_leaves_packet_alone() {
    let l4 = Layout {
        l2_5: None,
        l3: Some(14),
        l4: Some(34),
    };
    let full = |outer: &str| {
        let mut v = hex(outer);
        v.extend_from_slice(&hex(INNER));
        v
    };
    let cases: Vec<(Vec<u8>, usize, u8, TunnelKind, Error)> = vec![
        (
            full(VXLAN4_CSUM),
            24,
            0x01,
            TunnelKind::Vxlan,
            Error::BadChecksum("IPv4 header"),
        ),
        (
            full(VXLAN4_CSUM),
            80,
            0x01,
            TunnelKind::Vxlan,
            Error::BadChecksum("UDP"),
        ),
        (
            full(VXLAN4_NOCSUM),
            42,
            0x0c,
            TunnelKind::Vxlan,
            Error::Malformed("VXLAN flags"),
        ),
        (
            full(GENEVE4),
            42,
            0x45,
            TunnelKind::Geneve,
            Error::Malformed("Geneve version"),
        ),
        (
            full(GRE4_KEY),
            34,
            0x60,
            TunnelKind::Gre,
            Error::Malformed("GRE"),
        ),
        (
            full(GRE4_ALL),
            90,
            0x01,
            TunnelKind::Gre,
            Error::BadChecksum("GRE"),
        ),
        (
            full(GRE4_KEY),
            0,
            0,
            TunnelKind::Vxlan,
            Error::NotPresent("UDP"),
        ),
    ];
    for (mut frame, at, xor, kind, err) in cases {
        frame[at] ^= xor;
        let mut buf = PacketBuf::new(&frame);
        assert_eq!(decap(&mut buf, &l4, kind), Err(err));
        assert_eq!(buf.data(), frame);
    }
    // A fragment (MF set, checksum fixed up) is refused.
    let mut frag = full(GRE4_KEY);
    frag[20] |= 0x20;
    frag[24..26].fill(0);
    let c = !ref_sum(0, &frag[14..34]);
    frag[24..26].copy_from_slice(&c.to_be_bytes());
    let mut buf = PacketBuf::new(&frag);
    assert!(matches!(
        decap(&mut buf, &l4, TunnelKind::Gre),
        Err(Error::Malformed(_))
    ));
    // Truncated anywhere: an error, never a panic.
    let whole = full(GENEVE4);
    for cut in 0..whole.len() {
        let mut buf = PacketBuf::new(&whole[..cut]);
        assert!(decap(&mut buf, &l4, TunnelKind::Geneve).is_err());
    }
}

#[test]
fn builder_rejects_bad_config_and_long_packets() {
    let mut cfg = config(
        false,
        Encap::Vxlan {
            vni: 1 << 24,
            udp_dst: 1,
            udp_csum: false,
        },
    );
    assert!(matches!(
        TunnelHeader::new(&cfg),
        Err(Error::InvalidArgument(_))
    ));
    cfg.encap = Encap::Vxlan {
        vni: 1,
        udp_dst: 1,
        udp_csum: false,
    };
    cfg.ip_dst = "::1".parse().unwrap();
    assert!(matches!(
        TunnelHeader::new(&cfg),
        Err(Error::InvalidArgument(_))
    ));
    assert!(GeneveOpts::new(&[0; 256]).is_err());
    assert!(GeneveOpts::new(&[0, 1, 2, 1]).is_err());
    let hdr = TunnelHeader::new(&config(
        false,
        Encap::Gre {
            key: None,
            csum: false,
            seq: false,
        },
    ))
    .unwrap();
    let mut buf = PacketBuf::new(&vec![0; 65535 - 20 - 4 + 1]);
    assert_eq!(
        hdr.push(&mut buf, PushArgs::default()),
        Err(Error::TooLong(65535 + 14 + 1))
    );
    assert_eq!(buf.len(), 65535 - 24 + 1);
    // IPv6's payload length leaves out its 40-byte header.
    let hdr = TunnelHeader::new(&config(
        true,
        Encap::Gre {
            key: None,
            csum: false,
            seq: false,
        },
    ))
    .unwrap();
    let mut buf = PacketBuf::new(&vec![0; 65535 - 4]);
    let layout = hdr.push(&mut buf, PushArgs::default()).unwrap();
    assert_eq!(&buf.data()[18..20], &[0xff, 0xff]);
    assert_eq!(layout.l4, Some(54));
    let mut buf = PacketBuf::new(&vec![0; 65535 - 4 + 1]);
    assert!(matches!(
        hdr.push(&mut buf, PushArgs::default()),
        Err(Error::TooLong(_))
    ));
}

#[test]
fn udp_source_ports_spread_like_ovs() {
    assert_eq!(udp_src_port(0), 32768);
    assert_eq!(udp_src_port(u32::MAX), 60999);
    assert_eq!(udp_src_port(1 << 31), 32768 + (61000 - 32768) / 2);
}
