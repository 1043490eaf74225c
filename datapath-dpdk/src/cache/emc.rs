//! The exact-match cache: a direct-mapped table from a packet's full flow to the
//! megaflow that handles it.

use std::sync::Arc;

use rvs_packet::{Flow, PACKET_WORDS};

use super::{MegaflowEntry, PacketKey};

/// Entries in the EMC (a power of two), as in OVS.
pub const EMC_ENTRIES: usize = 8192;

/// OVS's default `emc-insert-inv-prob`: insert one megaflow hit in 100 into the EMC.
pub const EMC_INSERT_INV_PROB: u32 = 100;

/// Three whole cache lines, so that a burst's prefetch brings all of an entry in.
#[derive(Debug)]
#[repr(align(64))]
struct Entry {
    hash: u32,
    /// The packet's header words (inline: one cache line fewer to fetch).
    key: [u64; PACKET_WORDS],
    flow: Arc<MegaflowEntry>,
}

#[inline(always)]
fn header(flow: &Flow) -> &[u64; PACKET_WORDS] {
    flow.words()[..PACKET_WORDS]
        .try_into()
        .expect("a flow has at least PACKET_WORDS words")
}

/// Whether two keys are equal: a fixed-size, branch-free compare the compiler
/// vectorises (a slice compare is a call to `memcmp`).
#[inline(always)]
fn same_key(a: &[u64; PACKET_WORDS], b: &[u64; PACKET_WORDS]) -> bool {
    a.iter().zip(b).fold(0u64, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Exact-match cache.
#[derive(Debug)]
pub struct Emc {
    entries: Vec<Option<Entry>>,
    rng: u32,
    inv_prob: u32,
}

impl Emc {
    /// An empty EMC that inserts with probability `1 / inv_prob` (0 disables it).
    pub fn new(inv_prob: u32) -> Emc {
        Emc {
            entries: (0..EMC_ENTRIES).map(|_| None).collect(),
            rng: 0x9e37_79b9,
            inv_prob,
        }
    }

    /// Changes the insertion probability.
    pub fn set_inv_prob(&mut self, inv_prob: u32) {
        self.inv_prob = inv_prob;
        if inv_prob == 0 {
            self.clear();
        }
    }

    /// The live megaflow for exactly `flow` (whose key is `pk`), if cached.
    #[inline]
    pub fn lookup(&self, flow: &Flow, pk: &PacketKey) -> Option<&Arc<MegaflowEntry>> {
        match &self.entries[pk.hash as usize & (EMC_ENTRIES - 1)] {
            Some(e) if e.hash == pk.hash && same_key(&e.key, header(flow)) && !e.flow.is_dead() => {
                Some(&e.flow)
            }
            _ => None,
        }
    }

    /// Starts fetching the slot `pk` maps to, so that a lookup a little later finds it
    /// in cache: a burst prefetches all its slots before looking any up.
    #[inline(always)]
    pub fn prefetch(&self, pk: &PacketKey) {
        let e: *const Option<Entry> = &self.entries[pk.hash as usize & (EMC_ENTRIES - 1)];
        let lines = std::mem::size_of::<Option<Entry>>().div_ceil(64);
        for l in 0..lines {
            crate::sys::prefetch(e.cast::<u8>().wrapping_add(64 * l));
        }
    }

    /// Maybe caches `flow` → `entry` (see `inv_prob`).
    pub fn maybe_insert(&mut self, flow: &Flow, pk: &PacketKey, entry: &Arc<MegaflowEntry>) {
        if self.inv_prob == 0 {
            return;
        }
        if self.inv_prob > 1 {
            // xorshift32: cheap and good enough to spread insertions.
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 17;
            self.rng ^= self.rng << 5;
            if self.rng % self.inv_prob != 0 {
                return;
            }
        }
        self.entries[pk.hash as usize & (EMC_ENTRIES - 1)] = Some(Entry {
            hash: pk.hash,
            key: *header(flow),
            flow: entry.clone(),
        });
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.entries.iter_mut().for_each(|e| *e = None);
    }
}
