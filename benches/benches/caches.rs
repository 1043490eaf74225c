//! The per-PMD caches: the exact-match cache hit path (extract, key, lookup) and the
//! megaflow classifier with 1, 10 and 100 subtables (masks), the target being the
//! last one searched.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::sync::Arc;

use rvs_datapath::cache::{Emc, Megaflows, PacketKey};
use rvs_datapath::{BenchPmd, Upcall, UpcallHandler};
use rvs_ofproto::{FailMode, Registry};
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
    let flow = extract(&IPV4_UDP_64, 1);
    let mut mf = Megaflows::default();
    let entry = mf.insert(&flow, &Flow::exact_mask(), vec![DpAction::Output(2)], 0);
    emc.maybe_insert(&flow, &PacketKey::of_packet(&flow), &entry);
    // The whole per-packet path of an EMC hit, as the PMD runs it: extract into the
    // batch slot, key, lookup.
    let mut slot = Flow::default();
    g.bench_function("hit_path", |b| {
        b.iter(|| {
            extract_packet_into(black_box(&IPV4_UDP_64), 1, &mut slot);
            let pk = PacketKey::of_packet(&slot);
            emc.lookup(&slot, &pk).map(|e| e.actions.list.len())
        })
    });
    // As the PMD runs it: a burst of 32 extracted first, then keyed and looked up.
    let mut slots = vec![Flow::default(); 32];
    g.bench_function("hit_path_burst", |b| {
        b.iter_custom(|iters| {
            let start = std::time::Instant::now();
            for _ in 0..iters.div_ceil(32) {
                for s in slots.iter_mut() {
                    extract_packet_into(black_box(&IPV4_UDP_64), 1, s);
                }
                for s in &slots {
                    let pk = PacketKey::of_packet(s);
                    black_box(emc.lookup(s, &pk).map(|e| e.actions.list.len()));
                }
            }
            start.elapsed()
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
                mf.insert(&f, &mask(i), vec![DpAction::Output(1)], 0);
            }
        }
        mf.insert(&flow, &mask(n - 1), vec![DpAction::Output(2)], 0);
        assert_eq!(mf.subtable_count(), n as usize);
        assert!(mf.lookup(&flow).is_some());
        g.bench_with_input(BenchmarkId::new("lookup", n), &flow, |b, f| {
            b.iter(|| mf.lookup(black_box(f)).map(|e| e.actions.list.len()))
        });
    }
    g.finish();
}

/// A miss as the PMD handles it: translation through ofproto (NORMAL on a bridge with
/// three ports, MAC learning included) and installation of the megaflow.
fn bench_upcall_install(c: &mut Criterion) {
    let mut g = c.benchmark_group("upcall");
    g.throughput(Throughput::Elements(1));
    let mut reg = Registry::new();
    reg.ensure_bridge("br0", FailMode::Standalone);
    for (i, name) in ["br0", "a", "b"].iter().enumerate() {
        reg.add_port("br0", name, i as u32 + 1, None, None);
    }
    let mut flow = extract(&IPV4_UDP_64, 2);
    let mut mf = Megaflows::default();
    let mut n = 0u32;
    g.bench_function("translate_and_install", |b| {
        b.iter(|| {
            // A new destination MAC each time: a new megaflow each time.
            n = n.wrapping_add(1);
            flow.dl_dst.0[2..].copy_from_slice(&n.to_be_bytes());
            let out = reg.upcall(&flow);
            let mut mask = out.mask;
            mask.in_port = u32::MAX;
            if mf.len() > 100_000 {
                mf.clear();
            }
            mf.insert(&flow, &mask, out.actions, 0).actions.list.len()
        })
    });
    g.finish();
}

/// Forwards port 1 to port 2 on the input port alone (`in_port=1,actions=output:2`).
struct Forward;

impl UpcallHandler for Forward {
    fn upcall(&self, _packet: &[u8], _flow: &Flow) -> Upcall {
        Upcall {
            actions: vec![DpAction::Output(2)],
            mask: Flow {
                in_port: u32::MAX,
                ..Flow::default()
            },
            stats: None,
        }
    }
    fn generation(&self) -> u64 {
        0
    }
}

/// The whole PMD loop on in-memory queues: a burst of 32 received (copied into the
/// batch), extracted, looked up, and sent; per packet.
fn bench_pmd(c: &mut Criterion) {
    let mut g = c.benchmark_group("pmd");
    g.throughput(Throughput::Elements(32));
    let mut pmd = BenchPmd::new(Arc::new(Forward), &IPV4_UDP_64, 1);
    pmd.burst();
    g.bench_function("rx_to_tx_emc_hit", |b| b.iter(|| pmd.burst()));
    let mut pmd = BenchPmd::new(Arc::new(Forward), &IPV4_UDP_64, 0);
    pmd.burst();
    g.bench_function("rx_to_tx_megaflow_hit", |b| b.iter(|| pmd.burst()));
    assert!(pmd.sent() > 0);
    g.finish();
}

criterion_group!(
    benches,
    bench_emc,
    bench_megaflows,
    bench_upcall_install,
    bench_pmd
);
criterion_main!(benches);
