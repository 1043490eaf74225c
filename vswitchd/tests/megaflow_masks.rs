//! Megaflow masks are never too narrow: random packets go through ofproto's NORMAL
//! (with MAC learning moving under them) into the datapath's megaflow classifier,
//! revalidated whenever ofproto's generation changes, as the PMD does. Then every
//! installed megaflow is checked against fresh translations of random packets that
//! match it: any field translation read but did not put in the mask would show up as
//! a packet the megaflow serves with the wrong actions.

use std::sync::atomic::Ordering;

use rvs_datapath::cache::Megaflows;
use rvs_ofproto::{FailMode, Registry};
use rvs_packet::{EthAddr, Flow};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[(self.next() % v.len() as u64) as usize]
    }
}

const MACS: [EthAddr; 7] = [
    EthAddr([2, 0, 0, 0, 0, 1]),
    EthAddr([2, 0, 0, 0, 0, 2]),
    EthAddr([2, 0, 0, 0, 0, 3]),
    EthAddr([2, 0, 0, 0, 0, 4]),
    EthAddr::BROADCAST,
    EthAddr([0x01, 0x00, 0x5e, 0, 0, 1]),
    EthAddr([0x01, 0x80, 0xc2, 0, 0, 0]),
];

fn random_flow(r: &mut Rng) -> Flow {
    let mut f = Flow {
        in_port: r.pick(&[1, 2, 3, 4]),
        ..Flow::default()
    };
    let keep_port = Flow {
        in_port: u32::MAX,
        ..Flow::default()
    };
    randomize_unmasked(r, &mut f, &keep_port);
    f
}

/// Sets every field the mask does not cover to a random value.
fn randomize_unmasked(r: &mut Rng, f: &mut Flow, mask: &Flow) {
    let mut noise = Flow {
        nw_src: r.next() as u32,
        nw_dst: r.next() as u32,
        nw_proto: r.next() as u8,
        nw_tos: r.next() as u8,
        nw_ttl: r.next() as u8,
        tp_src: r.next() as u16,
        tp_dst: r.next() as u16,
        ipv6_label: r.next() as u32 & 0xf_ffff,
        tcp_flags: r.next() as u16 & 0xfff,
        ..Flow::default()
    };
    noise.dl_src = r.pick(&MACS[..5]);
    noise.dl_dst = r.pick(&MACS);
    noise.vlan_tci = r.pick(&[0, 0x1000 | 10, 0x1000 | 20]);
    noise.dl_type = r.pick(&[0x0800, 0x0806, 0x86dd]);
    let (w, m, n) = (f.words(), mask.words(), noise.words());
    let mixed: Vec<u64> = (0..w.len())
        .map(|i| (w[i] & m[i]) | (n[i] & !m[i]))
        .collect();
    *f = Flow::from_words(&mixed.try_into().unwrap_or_else(|_| unreachable!()));
}

#[test]
fn no_megaflow_serves_a_packet_with_the_wrong_actions() {
    let mut reg = Registry::new();
    reg.ensure_bridge("br0", FailMode::Standalone);
    for (i, name) in ["br0", "a", "b", "c"].iter().enumerate() {
        reg.add_port("br0", name, i as u32 + 1, None, None);
    }
    let generation = reg.generation_handle();
    let mut seen = generation.load(Ordering::Acquire);
    let mut mf = Megaflows::default();
    let mut r = Rng(0x1234_5678_9abc_def1);
    let mut checked = 0;
    for round in 0..2000 {
        let f = random_flow(&mut r);
        if mf.lookup(&f).is_none() {
            let out = reg.upcall(&f);
            let mut mask = out.mask;
            mask.in_port = u32::MAX;
            mf.insert(&f, &mask, out.actions, 0);
        }
        let now = generation.load(Ordering::Acquire);
        if now != seen {
            seen = now;
            mf.revalidate(|g| {
                let out = reg.revalidate(g);
                (out.actions, out.mask)
            });
        }
        if round % 100 != 99 {
            continue;
        }
        for dump in mf.dump() {
            for _ in 0..20 {
                let mut p = dump.key;
                randomize_unmasked(&mut r, &mut p, &dump.mask);
                let fresh = reg.revalidate(&p);
                assert_eq!(
                    fresh.actions, dump.actions,
                    "megaflow {} / {} serves {} with the wrong actions",
                    dump.key, dump.mask, p
                );
                checked += 1;
            }
        }
    }
    assert!(
        mf.len() > 10,
        "only {} megaflows: the test explores too little",
        mf.len()
    );
    assert!(checked > 1000);
}
