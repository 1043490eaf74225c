//! Compact flow keys: a [`Flow`] stored as a presence map of its words plus only the
//! words the map names (OVS's miniflow).
//!
//! A [`Flow`] is [`FLOW_WORDS`] words, mostly zero for any one packet: an IPv4/UDP
//! packet sets about ten. The caches store keys and masks as [`Miniflow`]s, and
//! hashing and comparison touch only the words a map names:
//! - an exact-match cache entry is the miniflow of a packet's flow (its non-zero
//!   words), found by [`FlowMap::of_nonzero`] + [`hash_sparse`];
//! - a megaflow mask is the miniflow of the mask; each megaflow key holds the packet's
//!   words under the mask's map, ANDed with the mask ([`Miniflow::masked`]), and a
//!   lookup hashes and compares exactly those words ([`hash_masked`],
//!   [`Miniflow::matches_masked`]) without building anything.

use crate::flow::ops::SeqHasher;
use crate::flow::{Flow, FLOW_WORDS};

/// Words in a presence map: enough bits for every word of a [`Flow`].
const MAP_WORDS: usize = FLOW_WORDS.div_ceil(64);

/// Which words of a [`Flow`] a miniflow holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FlowMap([u64; MAP_WORDS]);

impl FlowMap {
    /// The words of `words` that are not zero.
    #[inline]
    pub fn of_nonzero(words: &[u64; FLOW_WORDS]) -> FlowMap {
        let mut map = [0u64; MAP_WORDS];
        for (i, w) in words.iter().enumerate() {
            map[i / 64] |= u64::from(*w != 0) << (i % 64);
        }
        FlowMap(map)
    }

    /// Whether word `i` is in the map.
    #[inline]
    pub fn contains(&self, i: usize) -> bool {
        i < FLOW_WORDS && self.0[i / 64] & (1 << (i % 64)) != 0
    }

    /// Number of words in the map.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.iter().map(|m| m.count_ones() as usize).sum()
    }

    /// Whether the map is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|m| *m == 0)
    }

    /// The word indexes in the map, in increasing order.
    #[inline]
    pub fn iter(&self) -> FlowMapIter {
        FlowMapIter {
            map: self.0,
            word: 0,
        }
    }

    /// The raw map words (hashed after the values, so that equal values at
    /// different positions never make equal keys).
    #[inline]
    pub fn raw(&self) -> &[u64; MAP_WORDS] {
        &self.0
    }
}

/// The word indexes of a [`FlowMap`], in increasing order.
#[derive(Debug, Clone)]
pub struct FlowMapIter {
    map: [u64; MAP_WORDS],
    word: usize,
}

impl Iterator for FlowMapIter {
    type Item = usize;

    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        while self.word < MAP_WORDS {
            let bits = &mut self.map[self.word];
            if *bits != 0 {
                let b = bits.trailing_zeros() as usize;
                *bits &= *bits - 1;
                return Some(self.word * 64 + b);
            }
            self.word += 1;
        }
        None
    }
}

/// A flow (or mask, or masked key) in compact form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Miniflow {
    map: FlowMap,
    values: Box<[u64]>,
}

impl Miniflow {
    /// The non-zero words of `flow`.
    pub fn from_flow(flow: &Flow) -> Miniflow {
        let w = flow.words();
        let map = FlowMap::of_nonzero(w);
        let values = map.iter().map(|i| w[i]).collect();
        Miniflow { map, values }
    }

    /// The key of `flow` under `mask`: `flow`'s words at the mask's map, ANDed with
    /// the mask (zero results included, so every key of one mask has the same map).
    pub fn masked(flow: &Flow, mask: &Miniflow) -> Miniflow {
        let w = flow.words();
        let values = mask
            .map
            .iter()
            .zip(mask.values.iter())
            .map(|(i, m)| w[i] & m)
            .collect();
        Miniflow {
            map: mask.map,
            values,
        }
    }

    /// The full flow again (words outside the map are zero).
    pub fn expand(&self) -> Flow {
        let mut w = [0u64; FLOW_WORDS];
        for (i, v) in self.map.iter().zip(self.values.iter()) {
            w[i] = *v;
        }
        Flow::from_words(&w)
    }

    /// The presence map.
    pub fn map(&self) -> &FlowMap {
        &self.map
    }

    /// The values, one per word in the map, in index order.
    pub fn values(&self) -> &[u64] {
        &self.values
    }

    /// Hash of the values, then the map.
    #[inline]
    pub fn hash(&self) -> u32 {
        let mut h = SeqHasher::new();
        self.values.iter().for_each(|v| h.push(*v));
        self.map.0.iter().for_each(|m| h.push(*m));
        h.finish()
    }

    /// Whether this key (made by [`Miniflow::masked`] with `mask`) is what `flow`
    /// gives under `mask`.
    #[inline]
    pub fn matches_masked(&self, flow: &Flow, mask: &Miniflow) -> bool {
        let w = flow.words();
        mask.map
            .iter()
            .zip(mask.values.iter().zip(self.values.iter()))
            .all(|(i, (m, k))| w[i] & m == *k)
    }

    /// Whether this is the miniflow of exactly `flow`, whose non-zero map is `map`.
    #[inline]
    pub fn equals_flow(&self, flow: &Flow, map: &FlowMap) -> bool {
        let w = flow.words();
        self.map == *map
            && self
                .map
                .iter()
                .zip(self.values.iter())
                .all(|(i, v)| w[i] == *v)
    }
}

/// The hash of `flow`'s non-zero words with their map: equal to
/// `Miniflow::from_flow(flow).hash()`, without allocating. Returns the map too.
#[inline]
pub fn hash_sparse(flow: &Flow) -> (FlowMap, u32) {
    hash_sparse_prefix(flow, FLOW_WORDS)
}

/// [`hash_sparse`] for a flow known to be zero after its first `n` words: one pass
/// over those words builds the map and feeds the hash.
#[inline]
pub fn hash_sparse_prefix(flow: &Flow, n: usize) -> (FlowMap, u32) {
    let w = flow.words();
    let mut map = [0u64; MAP_WORDS];
    let mut h = SeqHasher::new();
    for (i, v) in w.iter().enumerate().take(n) {
        if *v != 0 {
            map[i / 64] |= 1 << (i % 64);
            h.push(*v);
        }
    }
    map.iter().for_each(|m| h.push(*m));
    (FlowMap(map), h.finish())
}

/// The exact-match cache's hash of a packet's header words (the first
/// [`PACKET_WORDS`](crate::PACKET_WORDS) words of its flow): the words are folded into
/// four lanes, each rotated by its row so that equal values in different words still
/// differ, and the lanes mixed with two multiplications. About a third of the work of
/// hashing every word in sequence; the cache compares whole keys, so a weaker hash
/// costs at most a collision, never a wrong hit.
#[inline]
pub fn hash_header(flow: &Flow) -> u32 {
    const K1: u64 = 0x9e37_79b9_7f4a_7c15;
    const K2: u64 = 0xc2b2_ae3d_27d4_eb4f;
    const K3: u64 = 0x1656_67b1_9e37_79f9;
    let w = flow.words();
    let mut lanes = [0u64; 4];
    for (row, chunk) in w[..crate::PACKET_WORDS].chunks_exact(4).enumerate() {
        for (l, x) in lanes.iter_mut().zip(chunk) {
            *l ^= x.rotate_left(row as u32 * 13);
        }
    }
    let a = (lanes[0] ^ lanes[1].rotate_left(17)).wrapping_mul(K1);
    let b = (lanes[2] ^ lanes[3].rotate_left(41)).wrapping_mul(K2);
    let mut h = (a ^ b.rotate_left(32)).wrapping_mul(K3);
    h ^= h >> 29;
    h = h.wrapping_mul(K1);
    (h ^ (h >> 32)) as u32
}

/// A hash of the first `n` words of `flow`, dense (every word, zero or not).
#[inline]
pub fn hash_prefix(flow: &Flow, n: usize) -> u32 {
    let mut h = SeqHasher::new();
    for w in flow.words().iter().take(n) {
        h.push(*w);
    }
    h.finish()
}

/// A megaflow mask laid out for repeated lookups: the indexes of its words and their
/// values in two flat arrays, so that hashing and comparing a flow under it is a plain
/// loop (no walk over the presence map's bits). [`MaskPlan::hash`] equals
/// [`hash_masked`] and [`Miniflow::hash`] of the masked key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskPlan {
    idx: Box<[u8]>,
    vals: Box<[u64]>,
    map: [u64; MAP_WORDS],
}

impl MaskPlan {
    /// The plan of `mask`.
    pub fn new(mask: &Miniflow) -> MaskPlan {
        MaskPlan {
            idx: mask.map.iter().map(|i| i as u8).collect(),
            vals: mask.values.clone(),
            map: mask.map.0,
        }
    }

    /// Words in a key under this mask.
    #[inline]
    pub fn len(&self) -> usize {
        self.idx.len()
    }

    /// Whether the mask has no word.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.idx.is_empty()
    }

    /// The hash of `flow` under the mask.
    #[inline]
    pub fn hash(&self, flow: &Flow) -> u32 {
        let w = flow.words();
        let mut h = SeqHasher::new();
        for (&i, m) in self.idx.iter().zip(self.vals.iter()) {
            h.push(w[usize::from(i)] & m);
        }
        self.map.iter().for_each(|m| h.push(*m));
        h.finish()
    }

    /// Writes `flow`'s words under the mask into `key` (of [`MaskPlan::len`] words).
    #[inline]
    pub fn key_into(&self, flow: &Flow, key: &mut [u64]) {
        let w = flow.words();
        for ((&i, m), k) in self.idx.iter().zip(self.vals.iter()).zip(key.iter_mut()) {
            *k = w[usize::from(i)] & m;
        }
    }

    /// Whether `flow` under the mask is `key` (as [`MaskPlan::key_into`] writes it).
    #[inline]
    pub fn matches(&self, flow: &Flow, key: &[u64]) -> bool {
        let w = flow.words();
        self.idx
            .iter()
            .zip(self.vals.iter())
            .zip(key)
            .fold(0u64, |acc, ((&i, m), k)| {
                acc | ((w[usize::from(i)] & m) ^ k)
            })
            == 0
    }
}

/// The hash of `flow` under `mask`: equal to `Miniflow::masked(flow, mask).hash()`,
/// without allocating.
#[inline]
pub fn hash_masked(flow: &Flow, mask: &Miniflow) -> u32 {
    let w = flow.words();
    let mut h = SeqHasher::new();
    for (i, m) in mask.map.iter().zip(mask.values.iter()) {
        h.push(w[i] & m);
    }
    mask.map.0.iter().for_each(|m| h.push(*m));
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{extract, EthAddr};

    const UDP: &str = "020000000002020000000001080045000032000140004011000\
        00a0000010a00000204d2162e001e0000000000000000000000000000000000000000";

    fn frame() -> Vec<u8> {
        (0..UDP.len() / 2)
            .map(|i| u8::from_str_radix(&UDP[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn header_hash_spreads_flows_over_cache_slots() {
        // 4096 flows differing in one field each way (ports, addresses, MACs): the
        // low 13 bits (an 8192-slot cache) must spread them about as well as random.
        let base = extract(&frame(), 3);
        let mut slots = std::collections::HashSet::new();
        let mut n = 0;
        for i in 0..1024u32 {
            let mut f = base;
            f.tp_src = i as u16;
            slots.insert(hash_header(&f) & 8191);
            let mut f = base;
            f.nw_src = 0x0a00_0000 | i;
            slots.insert(hash_header(&f) & 8191);
            let mut f = base;
            f.nw_dst = 0x0a00_0000 | i;
            slots.insert(hash_header(&f) & 8191);
            let mut f = base;
            f.dl_src.0[5] = i as u8;
            f.dl_src.0[4] = (i >> 8) as u8;
            slots.insert(hash_header(&f) & 8191);
            n += 4;
        }
        // Random placement of 4096 keys in 8192 slots fills about 3220.
        assert!(slots.len() > 2900, "{} slots for {n} flows", slots.len());
        let mut base = base;
        base.nw_src = 0x0a00_0001;
        base.nw_dst = 0x0a00_0002;
        let mut swapped = base;
        std::mem::swap(&mut swapped.nw_src, &mut swapped.nw_dst);
        assert_ne!(hash_header(&base), hash_header(&swapped));
    }

    #[test]
    fn mask_plans_hash_and_match_like_miniflows() {
        let f = extract(&frame(), 3);
        let mask = Flow {
            in_port: u32::MAX,
            nw_dst: u32::MAX,
            tp_dst: 0xff00,
            ..Flow::default()
        };
        let m = Miniflow::from_flow(&mask);
        let plan = MaskPlan::new(&m);
        let key = Miniflow::masked(&f, &m);
        assert_eq!(plan.hash(&f), hash_masked(&f, &m));
        assert_eq!(plan.hash(&f), key.hash());
        let mut k = vec![0; plan.len()];
        plan.key_into(&f, &mut k);
        assert_eq!(k[..], key.values[..]);
        assert!(plan.matches(&f, &k));
        let mut g = f;
        g.tp_dst ^= 0x00ff;
        assert!(plan.matches(&g, &k), "outside the mask");
        g.tp_dst ^= 0x0100;
        assert!(!plan.matches(&g, &k));
    }

    #[test]
    fn round_trip_and_sparseness() {
        let f = extract(&frame(), 3);
        let m = Miniflow::from_flow(&f);
        assert_eq!(m.expand(), f);
        assert!(
            m.map().len() < 16,
            "an IPv4/UDP flow has {} non-zero words",
            m.map().len()
        );
        assert_eq!(m.values().len(), m.map().len());
        let (map, h) = hash_sparse(&f);
        assert_eq!((map, h), (*m.map(), m.hash()));
        assert_eq!(hash_sparse_prefix(&f, crate::PACKET_WORDS), (map, h));
        assert!(m.equals_flow(&f, &map));
        let mut g = f;
        g.tp_dst ^= 1;
        let (gmap, _) = hash_sparse(&g);
        assert!(!m.equals_flow(&g, &gmap));
        assert_eq!(Miniflow::from_flow(&Flow::default()).map().len(), 0);
    }

    #[test]
    fn masked_keys_hash_and_match_without_allocating() {
        let f = extract(&frame(), 3);
        let mask = Miniflow::from_flow(&Flow {
            in_port: u32::MAX,
            dl_dst: EthAddr::BROADCAST,
            nw_dst: 0xffff_ff00,
            ..Flow::default()
        });
        let key = Miniflow::masked(&f, &mask);
        assert_eq!(key.map(), mask.map());
        assert_eq!(hash_masked(&f, &mask), key.hash());
        assert!(key.matches_masked(&f, &mask));
        assert_eq!(key.expand(), f.masked(&mask.expand()));
        // A packet that differs only where the mask does not look still matches...
        let mut g = f;
        g.nw_src ^= 0xff;
        g.nw_dst ^= 0x01; // the /24 does not cover the last byte
        assert!(key.matches_masked(&g, &mask));
        assert_eq!(hash_masked(&g, &mask), key.hash());
        // ...and one that differs where it looks does not.
        g.in_port = 4;
        assert!(!key.matches_masked(&g, &mask));
    }

    #[test]
    fn values_at_different_words_differ() {
        let a = Miniflow::from_flow(&Flow {
            in_port: 5,
            ..Flow::default()
        });
        let b = Miniflow::from_flow(&Flow {
            tp_src: 5,
            ..Flow::default()
        });
        assert_ne!(a, b);
        assert_ne!(a.hash(), b.hash());
    }

    #[test]
    fn map_iteration_covers_every_word() {
        let all = FlowMap::of_nonzero(&[1; FLOW_WORDS]);
        assert_eq!(all.len(), FLOW_WORDS);
        assert_eq!(
            all.iter().collect::<Vec<_>>(),
            (0..FLOW_WORDS).collect::<Vec<_>>()
        );
        assert!(all.contains(FLOW_WORDS - 1) && !all.contains(FLOW_WORDS));
        assert!(FlowMap::default().is_empty());
    }
}
