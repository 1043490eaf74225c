//! [`Flow`] as words: masking, mask union, comparison and hashing.
//!
//! Every operation here is a loop over [`FLOW_WORDS`] `u64`s, so it costs the
//! same for every field and needs no change when a field is added.

use std::hash::{Hash, Hasher};

use super::{Flow, Tunnel};

/// Number of `u64` words in a [`Flow`].
pub const FLOW_WORDS: usize = std::mem::size_of::<Flow>() / 8;

impl Flow {
    /// The flow as words, in memory order (native byte order within a word).
    /// Bitwise operations on words are bitwise operations on the fields.
    #[inline(always)]
    pub fn words(&self) -> &[u64; FLOW_WORDS] {
        bytemuck::cast_ref(self)
    }

    /// The flow whose [`Flow::words`] are `w`. Padding bits in `w` end up in
    /// the padding fields; keep them zero to compare equal to extracted flows.
    #[inline(always)]
    pub fn from_words(w: &[u64; FLOW_WORDS]) -> Flow {
        bytemuck::cast(*w)
    }

    /// Field-wise AND with a mask: the key with every bit the mask does not
    /// care about cleared.
    #[inline]
    pub fn masked(&self, mask: &Flow) -> Flow {
        let (a, m) = (self.words(), mask.words());
        Flow::from_words(&std::array::from_fn(|i| a[i] & m[i]))
    }

    /// ORs another mask into this one, so that it matters wherever either
    /// did (the union of two megaflow masks).
    #[inline]
    pub fn union_with(&mut self, other: &Flow) {
        let w: &mut [u64; FLOW_WORDS] = bytemuck::cast_mut(self);
        for (x, y) in w.iter_mut().zip(other.words()) {
            *x |= y;
        }
    }

    /// The mask with every bit of every field set, and the padding clear.
    pub fn exact_mask() -> Flow {
        let mut m = Flow::from_words(&[u64::MAX; FLOW_WORDS]);
        m.pad0 = 0;
        m.tunnel = Tunnel {
            pad: [0; 5],
            ..m.tunnel
        };
        m
    }

    /// A fast, deterministic 32-bit hash of every field, for the exact-match
    /// cache. The value depends only on the field values (no per-process
    /// seed), so it is stable across runs and threads.
    #[inline]
    pub fn hash(&self) -> u32 {
        let w = self.words();
        hash_words(|i| w[i])
    }

    /// The hash of `self.masked(mask)`, computed without building the masked
    /// flow (for megaflow tables).
    #[inline]
    pub fn hash_masked(&self, mask: &Flow) -> u32 {
        let (w, m) = (self.words(), mask.words());
        hash_words(|i| w[i] & m[i])
    }
}

impl PartialEq for Flow {
    #[inline]
    fn eq(&self, other: &Flow) -> bool {
        self.words() == other.words()
    }
}

impl Eq for Flow {}

impl Hash for Flow {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.words().hash(state);
    }
}

/// Xor-rotate-multiply mix over the words in eight independent lanes, a
/// final mix of the lanes, then MurmurHash3's 64-bit finalizer.
///
/// Each round `h = rotl(h ^ w, 31) * K` is a bijection of `w` for a fixed `h`
/// and of `h` for a fixed `w` (K is odd), and so is the lane combination of
/// each lane, so two flows that differ in a single word never collide before
/// the final fold to 32 bits. The lanes keep eight multiply chains in flight
/// instead of one serial chain, so the multiplier's throughput rather than
/// its latency bounds the cost; the finalizer gives the avalanche that the
/// short per-lane chains lack.
#[inline]
fn hash_words(word: impl Fn(usize) -> u64) -> u32 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15; // 2^64 / golden ratio.
    #[inline(always)]
    fn round(h: u64, w: u64) -> u64 {
        (h ^ w).rotate_left(31).wrapping_mul(K)
    }
    // Digits of pi.
    let mut lanes: [u64; 8] = [
        0x243f_6a88_85a3_08d3,
        0x1319_8a2e_0370_7344,
        0xa409_3822_299f_31d0,
        0x082e_fa98_ec4e_6c89,
        0x4528_21e6_38d0_1377,
        0xbe54_66cf_34e9_0c6c,
        0xc0ac_29b7_c97c_50dd,
        0x3f84_d5b5_b547_0917,
    ];
    // Word i goes to lane i % 8; whole rows of 8 first, so that the lanes
    // stay in registers.
    let rows = FLOW_WORDS / 8;
    for row in 0..rows {
        for (j, lane) in lanes.iter_mut().enumerate() {
            *lane = round(*lane, word(row * 8 + j));
        }
    }
    for (j, lane) in lanes.iter_mut().enumerate().take(FLOW_WORDS % 8) {
        *lane = round(*lane, word(rows * 8 + j));
    }
    let [a, b, c, d, e, f, g, k] = lanes;
    let mut h = round(
        round(round(round(round(round(round(a, b), c), d), e), f), g),
        k,
    );
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h as u32
}

/// The same kind of mix over a stream of words of any length (miniflow values):
/// four lanes, then the lane combination and the finalizer of [`hash_words`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeqHasher {
    lanes: [u64; 4],
    n: usize,
}

impl SeqHasher {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;

    #[inline(always)]
    fn round(h: u64, w: u64) -> u64 {
        (h ^ w).rotate_left(31).wrapping_mul(Self::K)
    }

    #[inline(always)]
    pub(crate) fn new() -> SeqHasher {
        SeqHasher {
            lanes: [
                0x243f_6a88_85a3_08d3,
                0x1319_8a2e_0370_7344,
                0xa409_3822_299f_31d0,
                0x082e_fa98_ec4e_6c89,
            ],
            n: 0,
        }
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, w: u64) {
        let l = &mut self.lanes[self.n & 3];
        *l = Self::round(*l, w);
        self.n += 1;
    }

    #[inline(always)]
    pub(crate) fn finish(self) -> u32 {
        let [a, b, c, d] = self.lanes;
        let mut h = Self::round(Self::round(Self::round(a, b), c), d);
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^= h >> 33;
        h as u32
    }
}
