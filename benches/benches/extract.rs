//! Flow extraction and flow hashing: the work done for every received packet
//! on a PMD thread before the exact-match cache lookup.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rvs_packet::{extract, extract_layout, extract_packet_into, Flow};

/// 64-byte IPv4 UDP frame, 10.0.0.1:1234 -> 10.0.0.2:5678 (the classic
/// small-packet forwarding test).
const IPV4_UDP_64: [u8; 64] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08,
    0x00, // Ethernet
    0x45, 0x00, 0x00, 0x32, 0x00, 0x01, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, // IPv4
    0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, //
    0x04, 0xd2, 0x16, 0x2e, 0x00, 0x1e, 0x00, 0x00, // UDP
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// IPv4 TCP ACK with a timestamp option, 10.0.0.1:40000 -> 10.0.0.2:443.
const IPV4_TCP_ACK: [u8; 66] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08,
    0x00, // Ethernet
    0x45, 0x00, 0x00, 0x34, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, // IPv4
    0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, //
    0x9c, 0x40, 0x01, 0xbb, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // TCP
    0x80, 0x10, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, //
    0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x02, // NOP, NOP, timestamps
];

/// IPv6 TCP ACK with a timestamp option, 2001:db8::1:40000 -> 2001:db8::2:443.
const IPV6_TCP_ACK: [u8; 86] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86,
    0xdd, // Ethernet
    0x60, 0x01, 0x23, 0x45, 0x00, 0x20, 0x06, 0x40, // IPv6
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x9c, 0x40, 0x01, 0xbb, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // TCP
    0x80, 0x10, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, //
    0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x02, // NOP, NOP, timestamps
];

/// The 64-byte IPv4/UDP frame with an 802.1Q tag (VID 100, PCP 3) after the MACs.
fn vlan_ipv4_udp() -> Vec<u8> {
    let mut f = IPV4_UDP_64[..12].to_vec();
    f.extend_from_slice(&[0x81, 0x00, 0x60, 0x64]);
    f.extend_from_slice(&IPV4_UDP_64[12..]);
    f
}

/// A VXLAN packet (outer IPv4/UDP to port 4789, VNI 42) carrying the IPv4/UDP frame.
fn vxlan() -> Vec<u8> {
    let inner = &IPV4_UDP_64[..];
    let mut f = vec![
        0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x08, 0x00,
    ];
    let ip_len = (20 + 8 + 8 + inner.len()) as u16;
    f.extend_from_slice(&[0x45, 0x00]);
    f.extend_from_slice(&ip_len.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0x40, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2]);
    f.extend_from_slice(&[0xc0, 0x00, 0x12, 0xb5]); // UDP 49152 -> 4789
    f.extend_from_slice(&(ip_len - 20).to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(&[0x08, 0, 0, 0, 0, 0, 42, 0]); // VXLAN, I flag, VNI 42
    f.extend_from_slice(inner);
    f
}

/// What the datapath does for a VXLAN packet: the outer flow (which decides the
/// tunnel pop), then the inner frame's flow (after recirculation).
fn extract_vxlan(frame: &[u8]) -> (Flow, Flow) {
    let (outer, layout) = extract_layout(frame, 1);
    let inner_at = usize::from(layout.l4.unwrap_or(0)) + 16;
    let inner = extract(frame.get(inner_at..).unwrap_or_default(), 1);
    (outer, inner)
}

/// Extraction as the PMD runs it: into the batch slot's flow, whose metadata
/// words stay zero, so only the header words are cleared and written.
fn bench_extract(c: &mut Criterion) {
    let mut group = c.benchmark_group("extract");
    group.throughput(Throughput::Elements(1));
    let (vlan, vx) = (vlan_ipv4_udp(), vxlan());
    let frames: [(&str, &[u8]); 4] = [
        ("ipv4_udp_64", &IPV4_UDP_64),
        ("ipv4_tcp", &IPV4_TCP_ACK),
        ("ipv6_tcp", &IPV6_TCP_ACK),
        ("vlan_ipv4_udp", &vlan),
    ];
    let mut slot = Flow::default();
    for (name, frame) in frames {
        // Sanity: the frame parses all the way to L4, as `extract` parses it.
        extract_packet_into(frame, 1, &mut slot);
        assert_ne!(slot.tp_dst, 0, "{name}");
        assert_eq!(slot, extract(frame, 1), "{name}");
        group.bench_function(name, |b| {
            b.iter(|| extract_packet_into(black_box(frame), black_box(1), &mut slot))
        });
    }
    assert_eq!(extract(&vlan, 1).vlan_tci, 0x7064);
    let (outer, inner) = extract_vxlan(&vx);
    assert_eq!((outer.tp_dst, inner.tp_dst), (4789, 5678));
    let (mut so, mut si) = (Flow::default(), Flow::default());
    group.bench_function("vxlan_outer_inner", |b| {
        b.iter(|| {
            let layout = extract_packet_into(black_box(&vx), 1, &mut so);
            let at = usize::from(layout.l4.unwrap_or(0)) + 16;
            extract_packet_into(vx.get(at..).unwrap_or_default(), 1, &mut si)
        })
    });
    // The convenience API, which returns a whole 648-byte Flow by value.
    group.bench_function("owned_ipv4_udp_64", |b| {
        b.iter(|| extract(black_box(&IPV4_UDP_64), black_box(1)))
    });
    group.finish();
}

fn bench_hash(c: &mut Criterion) {
    let mut group = c.benchmark_group("flow");
    group.throughput(Throughput::Elements(1));
    let flow = extract(&IPV4_UDP_64, 1);
    group.bench_function("hash", |b| b.iter(|| black_box(&flow).hash()));
    // What the caches compute per packet: the map of non-zero words and their hash.
    group.bench_function("hash_sparse", |b| {
        b.iter(|| rvs_packet::miniflow::hash_sparse(black_box(&flow)))
    });
    // A typical megaflow mask: in_port, dl_type, nw_dst /24, nw_proto, tp_dst.
    let mask = Flow {
        in_port: u32::MAX,
        dl_type: u16::MAX,
        nw_dst: 0xffff_ff00,
        nw_proto: u8::MAX,
        tp_dst: u16::MAX,
        ..Flow::default()
    };
    group.bench_function("hash_masked", |b| {
        b.iter(|| black_box(&flow).hash_masked(black_box(&mask)))
    });
    group.finish();
}

criterion_group!(benches, bench_extract, bench_hash);
criterion_main!(benches);
