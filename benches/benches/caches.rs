//! The per-PMD caches: the exact-match cache hit path (extract, key, lookup) and the
//! megaflow classifier with 1, 10 and 100 subtables (masks), the target being the
//! last one searched.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rvs_datapath::cache::{CachedActions, Emc, Megaflows, PacketKey};
use rvs_packet::actions::DpAction;
use rvs_packet::{extract, extract_packet_into, Flow};

/// 64-byte IPv4 UDP frame, 10.0.0.1:1234 -> 10.0.0.2:5678.
const IPV4_UDP_64: [u8; 64] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x32, 0x00, 0x01, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00,
    0x00, 0x02, 0x04, 0xd2, 0x16, 0x2e, 0x00, 0x1e, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

fn bench_emc(c: &mut Criterion) {
    let mut g = c.benchmark_group("emc");
    g.throughput(Throughput::Elements(1));
    let mut emc = Emc::new(1);
    let actions: CachedActions = vec![DpAction::Output(2)].into();
    let flow = extract(&IPV4_UDP_64, 1);
    emc.maybe_insert(&flow, &PacketKey::new(&flow), &actions);
    // The whole per-packet path of an EMC hit, as the PMD runs it: extract into the
    // batch slot, key, lookup.
    let mut slot = Flow::default();
    g.bench_function("hit_path", |b| {
        b.iter(|| {
            extract_packet_into(black_box(&IPV4_UDP_64), 1, &mut slot);
            let pk = PacketKey::of_packet(&slot);
            emc.lookup(&slot, &pk).map(|a| a.len())
        })
    });
    let pk = PacketKey::of_packet(&flow);
    g.bench_function("key", |b| b.iter(|| PacketKey::of_packet(black_box(&flow))));
    g.bench_function("lookup_only", |b| {
        b.iter(|| emc.lookup(black_box(&flow), black_box(&pk)).is_some())
    });
    g.finish();
}

/// Subtable `i`'s mask: in_port, dl_type, and a distinct prefix length / port mask.
fn mask(i: u32) -> Flow {
    Flow {
        in_port: u32::MAX,
        dl_type: u16::MAX,
        nw_proto: u8::MAX,
        nw_dst: !0u32 << (i % 32),
        tp_dst: if i >= 32 { u16::MAX >> (i / 32) } else { 0 },
        tp_src: if i >= 64 { u16::MAX } else { 0 },
        nw_src: if i >= 96 { u32::MAX } else { 0 },
        ..Flow::default()
    }
}

fn bench_megaflows(c: &mut Criterion) {
    let mut g = c.benchmark_group("dpcls");
    g.throughput(Throughput::Elements(1));
    let flow = extract(&IPV4_UDP_64, 1);
    for n in [1u32, 10, 100] {
        let mut mf = Megaflows::default();
        // n - 1 subtables the packet misses (a different in_port), then its own.
        let mut other = flow;
        other.in_port = 9;
        for i in 0..n - 1 {
            for k in 0..8 {
                let mut f = other;
                f.nw_dst = f.nw_dst.wrapping_add(k << 8);
                mf.insert(&f, &mask(i), vec![DpAction::Output(1)]);
            }
        }
        mf.insert(&flow, &mask(n - 1), vec![DpAction::Output(2)]);
        assert_eq!(mf.subtable_count(), n as usize);
        assert!(mf.lookup(&flow).is_some());
        g.bench_with_input(BenchmarkId::new("lookup", n), &flow, |b, f| {
            b.iter(|| mf.lookup(black_box(f)).map(|a| a.len()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench_emc, bench_megaflows);
criterion_main!(benches);
