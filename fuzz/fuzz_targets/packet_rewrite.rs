//! Fuzzes what the datapath does to packets from outside: every header view over
//! arbitrary bytes, tunnel decapsulation, and header rewrites, push/pop and TTL
//! actions at the offsets extraction found. Never panics; a rewrite that fails
//! leaves the frame as it was.
#![no_main]

use std::net::{Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use rvs_packet::buf::PacketBuf;
use rvs_packet::rewrite::tunnel::{decap, TunnelKind};
use rvs_packet::rewrite::{self, Masked, SetField};
use rvs_packet::{extract_layout, EthAddr};

fuzz_target!(|data: &[u8]| {
    rvs_packet::wire::no_panic::exercise(data);
    let (_, layout) = extract_layout(data, 1);
    for kind in [TunnelKind::Vxlan, TunnelKind::Gre, TunnelKind::Geneve] {
        let mut buf = PacketBuf::new(data);
        if decap(&mut buf, &layout, kind).is_err() {
            assert_eq!(buf.data(), data, "a failed decap changed the packet");
        }
    }
    let b = |i: usize| data.get(i).copied().unwrap_or(0xa5);
    let u16_at = |i: usize| u16::from_be_bytes([b(i), b(i + 1)]);
    let fields = [
        SetField::EthDst(Masked::new(EthAddr([b(0), b(1), b(2), b(3), b(4), b(5)]), EthAddr::BROADCAST)),
        SetField::VlanVid(Masked::exact(u16_at(6))),
        SetField::MplsLabel(Masked::new(u32::from(u16_at(8)) << 4, 0xf_ffff)),
        SetField::Ipv4Src(Masked::new(Ipv4Addr::new(b(10), b(11), b(12), b(13)), Ipv4Addr::new(255, 255, b(14), 0))),
        SetField::Ipv4Ttl(Masked::exact(b(15))),
        SetField::Ipv6Dst(Masked::exact(Ipv6Addr::from([b(16); 16]))),
        SetField::TcpDst(Masked::exact(u16_at(17))),
        SetField::UdpSrc(Masked::new(u16_at(19), u16_at(21))),
        SetField::SctpDst(Masked::exact(u16_at(23))),
    ];
    for f in fields {
        let mut frame = data.to_vec();
        if rewrite::set_field(&mut frame, &layout, &f).is_err() {
            assert_eq!(frame, data, "a failed set_field changed the frame: {f:?}");
        }
    }
    let mut frame = data.to_vec();
    let _ = rewrite::dec_ip_ttl(&mut frame, &layout);
    let _ = rewrite::dec_mpls_ttl(&mut frame, &layout);
    let _ = rewrite::copy_ttl_in(&mut frame, &layout);
    let _ = rewrite::copy_ttl_out(&mut frame, &layout);
    let mut buf = PacketBuf::new(data);
    let mut l = layout;
    let _ = rewrite::pop_vlan(&mut buf, &mut l);
    let _ = rewrite::push_vlan(&mut buf, &mut l, 0x88a8, u16_at(25));
    let _ = rewrite::push_mpls(&mut buf, &mut l, 0x8847, rewrite::mpls_lse(7, 1, true, 64));
    let _ = rewrite::pop_mpls(&mut buf, &mut l, 0x0800);
});
