use super::*;

/// xorshift64*: deterministic pseudo-random test data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A flow whose words are each zero, all-ones or random (padding clear).
    fn flow(&mut self) -> Flow {
        let words: [u64; FLOW_WORDS] = std::array::from_fn(|_| match self.next() % 4 {
            0 => 0,
            1 => u64::MAX,
            _ => self.next(),
        });
        Flow::from_words(&words).masked(&Flow::exact_mask())
    }
}

fn sample() -> Flow {
    Flow {
        in_port: 3,
        dl_dst: EthAddr([0x02, 0, 0, 0, 0, 2]),
        dl_src: EthAddr([0x02, 0, 0, 0, 0, 1]),
        dl_type: ethertype::IPV4,
        nw_src: 0x0a00_0001,
        nw_dst: 0x0a00_0002,
        nw_proto: ipproto::TCP,
        nw_ttl: 64,
        tp_src: 12345,
        tp_dst: 80,
        tcp_flags: tcp_flags::SYN,
        ..Flow::default()
    }
}

#[test]
fn layout_is_words_without_holes() {
    assert_eq!(std::mem::size_of::<Flow>(), FLOW_WORDS * 8);
    assert_eq!(FLOW_WORDS, 81);
    // The fields extraction writes for IPv4/UDP sit in the first 6 words.
    let probe = Flow {
        in_port: u32::MAX,
        dl_dst: EthAddr::BROADCAST,
        dl_src: EthAddr::BROADCAST,
        dl_type: u16::MAX,
        nw_src: u32::MAX,
        nw_dst: u32::MAX,
        nw_proto: u8::MAX,
        nw_tos: u8::MAX,
        nw_ttl: u8::MAX,
        nw_frag: u8::MAX,
        tp_src: u16::MAX,
        tp_dst: u16::MAX,
        ..Flow::default()
    };
    assert!(probe.words()[6..].iter().all(|&w| w == 0));
    // Exact mask: every bit but the 9 padding bytes.
    let ones: u32 = Flow::exact_mask()
        .words()
        .iter()
        .map(|w| w.count_ones())
        .sum();
    assert_eq!(ones as usize, (FLOW_WORDS * 8 - 9) * 8);
}

#[test]
fn words_round_trip() {
    let mut rng = Rng(5);
    for _ in 0..200 {
        let f = rng.flow();
        assert_eq!(Flow::from_words(f.words()), f);
    }
}

#[test]
fn overlay_accessors() {
    let f = Flow {
        vlan_tci: VLAN_CFI | 5 << VLAN_PCP_SHIFT | 100,
        nw_tos: 0xb9,
        mpls_lse: [
            100 << MPLS_LABEL_SHIFT | 5 << MPLS_TC_SHIFT | MPLS_BOS_MASK | 63,
            0,
            0,
        ],
        regs: std::array::from_fn(|i| i as u32),
        ..Flow::default()
    };
    assert_eq!((f.dl_vlan(), f.dl_vlan_pcp(), f.nw_ecn()), (100, 5, 1));
    assert_eq!(
        (f.mpls_label(), f.mpls_tc(), f.mpls_bos(), f.mpls_ttl()),
        (100, 5, 1, 63)
    );
    assert_eq!(f.xreg(3), 6 << 32 | 7);
}

#[test]
fn exact_mask_is_identity_and_zero_mask_clears() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..200 {
        let f = rng.flow();
        assert_eq!(f.masked(&Flow::exact_mask()), f);
        assert_eq!(f.masked(&Flow::default()), Flow::default());
    }
}

#[test]
fn masked_clears_only_unmasked_bits() {
    let mask = Flow {
        dl_type: 0xffff,
        nw_src: 0xffff_ff00,
        tp_dst: 0xfff0,
        dl_dst: EthAddr([0x01, 0, 0, 0, 0, 0]),
        ipv6_src: [0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0f],
        ..Flow::default()
    };
    let f = Flow {
        ipv6_src: [0xab; 16],
        dl_dst: EthAddr([0x33, 0x33, 0, 0, 0, 1]),
        ..sample()
    };
    let m = f.masked(&mask);
    assert_eq!(m.dl_type, ethertype::IPV4);
    assert_eq!(m.nw_src, 0x0a00_0000);
    assert_eq!(m.tp_dst, 80);
    assert_eq!(m.dl_dst, EthAddr([0x01, 0, 0, 0, 0, 0]));
    assert_eq!(
        m.ipv6_src,
        [0xab, 0xab, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b]
    );
    assert_eq!((m.in_port, m.tp_src, m.nw_dst, m.nw_ttl), (0, 0, 0, 0));
}

#[test]
fn union_with_ors_every_field() {
    let mut rng = Rng(42);
    for _ in 0..100 {
        let (a, b, f) = (rng.flow(), rng.flow(), rng.flow());
        let mut u = a;
        u.union_with(&b);
        // A bit survives masking by the union iff it survives either mask.
        let mut either = f.masked(&a);
        either.union_with(&f.masked(&b));
        assert_eq!(f.masked(&u), either);
        let mut all = a;
        all.union_with(&Flow::exact_mask());
        assert_eq!(all, Flow::exact_mask());
    }
}

#[test]
fn hash_masked_agrees_with_masked_hash() {
    let mut rng = Rng(7);
    for _ in 0..500 {
        let (f, m) = (rng.flow(), rng.flow());
        assert_eq!(f.hash_masked(&m), f.masked(&m).hash());
        assert_eq!(f.hash_masked(&Flow::exact_mask()), f.hash());
        assert_eq!(f.hash_masked(&Flow::default()), Flow::default().hash());
    }
}

#[test]
fn hash_is_deterministic_and_sees_every_bit() {
    let base = sample();
    assert_eq!(base.hash(), sample().hash());
    // Toggling any single bit of any field changes the hash: one round is a
    // bijection of its word.
    let exact = Flow::exact_mask();
    let mut seen = 0;
    for i in 0..FLOW_WORDS {
        for bit in 0..64 {
            if exact.words()[i] & 1 << bit == 0 {
                continue; // Padding.
            }
            let mut w = *base.words();
            w[i] ^= 1 << bit;
            seen += 1;
            assert_ne!(
                Flow::from_words(&w).hash(),
                base.hash(),
                "word {i} bit {bit}"
            );
        }
    }
    assert_eq!(seen, (FLOW_WORDS * 8 - 9) * 8);
}

#[test]
fn std_hash_and_eq_follow_words() {
    use std::collections::HashSet;
    let mut rng = Rng(9);
    let flows: Vec<Flow> = (0..50).map(|_| rng.flow()).collect();
    let set: HashSet<Flow> = flows.iter().copied().collect();
    assert!(flows.iter().all(|f| set.contains(f)));
    assert_ne!(
        sample(),
        Flow {
            tp_dst: 81,
            ..sample()
        }
    );
}

#[test]
fn hash_spreads_similar_flows() {
    // 4096 flows that differ in 12 bits of one field, as caches see them:
    // both the low 12 bits (a 4096-entry EMC) and the high 12 bits of the
    // hash should look uniform. A uniform hash leaves about 4096/e = 1507
    // of 4096 buckets empty and rarely puts more than 8 in one.
    let base = sample();
    type Vary = fn(Flow, u16) -> Flow;
    let variants: [(&str, Vary); 8] = [
        ("tp_src", |f, i| Flow { tp_src: i, ..f }),
        ("nw_dst low", |f, i| Flow {
            nw_dst: 0x0a00_0000 | u32::from(i),
            ..f
        }),
        ("nw_src high", |f, i| Flow {
            nw_src: u32::from(i) << 20,
            ..f
        }),
        ("in_port", |f, i| Flow {
            in_port: u32::from(i),
            ..f
        }),
        ("vlan_tci", |f, i| Flow {
            vlan_tci: VLAN_CFI | i,
            ..f
        }),
        ("dl_src last bytes", |f, i| {
            let [hi, lo] = i.to_be_bytes();
            Flow {
                dl_src: EthAddr([0x02, 0, 0, 0, hi, lo]),
                ..f
            }
        }),
        ("ipv6_dst last bytes", |f, i| {
            let mut a = [0u8; 16];
            a[0] = 0x20;
            a[14..].copy_from_slice(&i.to_be_bytes());
            Flow { ipv6_dst: a, ..f }
        }),
        ("tun_id", |mut f, i| {
            f.tunnel.tun_id = u64::from(i);
            f
        }),
    ];
    for (name, vary) in variants {
        for (part, shift) in [("low", 0), ("high", 20)] {
            let mut buckets = vec![0u32; 4096];
            for i in 0..4096u16 {
                buckets[(vary(base, i).hash() >> shift & 0xfff) as usize] += 1;
            }
            let max = buckets.iter().copied().max().unwrap_or(0);
            let empty = buckets.iter().filter(|&&b| b == 0).count();
            assert!(max <= 9, "{name}, {part} bits: max bucket {max}");
            assert!(
                (1350..1670).contains(&empty),
                "{name}, {part} bits: {empty} empty buckets"
            );
        }
    }
}
