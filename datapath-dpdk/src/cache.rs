//! The per-PMD flow caches: the exact-match cache (EMC) in front of the megaflow
//! classifier (a tuple-space search over one hash table per distinct mask).
//!
//! Both store compact keys ([`Miniflow`]): an EMC entry holds the non-zero words of a
//! packet's flow; a subtable holds its mask as a miniflow and each megaflow as the
//! packet's words under the mask's map. Hashing and comparison touch only those words.
//!
//! Both are owned by one PMD thread; nothing here is shared or locked.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use rvs_packet::actions::DpAction;
use rvs_packet::miniflow::{hash_masked, FlowMap};
use rvs_packet::{Flow, Miniflow, PACKET_WORDS};

/// Actions as cached: shared between the EMC entry and its megaflow.
pub type CachedActions = Arc<[DpAction]>;

/// Entries in the EMC (a power of two), as in OVS.
pub const EMC_ENTRIES: usize = 8192;

/// OVS's default `emc-insert-inv-prob`: insert one megaflow hit in 100 into the EMC.
pub const EMC_INSERT_INV_PROB: u32 = 100;

/// What the caches compute once per packet from its flow.
#[derive(Debug, Clone, Copy)]
pub struct PacketKey {
    /// The flow's non-zero words.
    pub map: FlowMap,
    /// The hash of those words (the EMC hash).
    pub hash: u32,
}

impl PacketKey {
    /// The key of any flow.
    #[inline]
    pub fn new(flow: &Flow) -> PacketKey {
        let (map, hash) = rvs_packet::miniflow::hash_sparse(flow);
        PacketKey { map, hash }
    }

    /// The key of a flow with no metadata (zero after [`PACKET_WORDS`]): looks at
    /// the header words only.
    #[inline]
    pub fn of_packet(flow: &Flow) -> PacketKey {
        let (map, hash) = rvs_packet::miniflow::hash_sparse_prefix(flow, PACKET_WORDS);
        PacketKey { map, hash }
    }
}

#[derive(Debug)]
struct EmcEntry {
    hash: u32,
    key: Miniflow,
    actions: CachedActions,
}

/// Exact-match cache: a direct-mapped table keyed by the full flow.
#[derive(Debug)]
pub struct Emc {
    entries: Vec<Option<EmcEntry>>,
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

    /// The actions for exactly `flow` (whose key is `pk`), if cached.
    #[inline]
    pub fn lookup(&self, flow: &Flow, pk: &PacketKey) -> Option<&CachedActions> {
        match &self.entries[pk.hash as usize & (EMC_ENTRIES - 1)] {
            Some(e) if e.hash == pk.hash && e.key.equals_flow(flow, &pk.map) => Some(&e.actions),
            _ => None,
        }
    }

    /// Maybe caches `flow` (see `inv_prob`).
    pub fn maybe_insert(&mut self, flow: &Flow, pk: &PacketKey, actions: &CachedActions) {
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
        self.entries[pk.hash as usize & (EMC_ENTRIES - 1)] = Some(EmcEntry {
            hash: pk.hash,
            key: Miniflow::from_flow(flow),
            actions: actions.clone(),
        });
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.entries.iter_mut().for_each(|e| *e = None);
    }
}

/// A hasher for keys that are already hashes: keeps the `u32` it is given.
#[derive(Default, Debug)]
pub struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n);
    }
}

#[derive(Debug)]
struct Megaflow {
    key: Miniflow,
    actions: CachedActions,
}

#[derive(Debug)]
struct Subtable {
    mask: Miniflow,
    /// Megaflows by the hash of their key; collisions share a bucket.
    flows: HashMap<u32, Vec<Megaflow>, BuildHasherDefault<PrehashedHasher>>,
    len: usize,
    hits: u64,
}

impl Subtable {
    #[inline]
    fn find(&self, flow: &Flow) -> Option<&CachedActions> {
        let bucket = self.flows.get(&hash_masked(flow, &self.mask))?;
        bucket
            .iter()
            .find(|m| m.key.matches_masked(flow, &self.mask))
            .map(|m| &m.actions)
    }
}

/// The megaflow classifier: one hash table per mask, searched in order of hits.
#[derive(Debug, Default)]
pub struct Megaflows {
    subtables: Vec<Subtable>,
    lookups: u64,
}

/// How often (in lookups) subtables are re-sorted by hit count.
const RERANK_INTERVAL: u64 = 1 << 16;

impl Megaflows {
    /// The actions of the megaflow that matches `flow`.
    pub fn lookup(&mut self, flow: &Flow) -> Option<&CachedActions> {
        self.lookups += 1;
        if self.lookups % RERANK_INTERVAL == 0 {
            self.subtables.sort_by_key(|s| std::cmp::Reverse(s.hits));
            self.subtables.iter_mut().for_each(|s| s.hits = 0);
        }
        let i = self
            .subtables
            .iter()
            .position(|st| st.find(flow).is_some())?;
        let st = &mut self.subtables[i];
        st.hits += 1;
        st.find(flow)
    }

    /// Installs the megaflow `flow`/`mask` → `actions` and returns the cached actions.
    pub fn insert(&mut self, flow: &Flow, mask: &Flow, actions: Vec<DpAction>) -> CachedActions {
        let actions: CachedActions = actions.into();
        let mask = Miniflow::from_flow(mask);
        let i = match self.subtables.iter().position(|s| s.mask == mask) {
            Some(i) => i,
            None => {
                self.subtables.push(Subtable {
                    mask,
                    flows: HashMap::default(),
                    len: 0,
                    hits: 0,
                });
                self.subtables.len() - 1
            }
        };
        let st = &mut self.subtables[i];
        let key = Miniflow::masked(flow, &st.mask);
        let bucket = st.flows.entry(key.hash()).or_default();
        match bucket.iter_mut().find(|m| m.key == key) {
            Some(m) => m.actions = actions.clone(),
            None => {
                bucket.push(Megaflow {
                    key,
                    actions: actions.clone(),
                });
                st.len += 1;
            }
        }
        actions
    }

    /// Number of installed megaflows.
    pub fn len(&self) -> usize {
        self.subtables.iter().map(|s| s.len).sum()
    }

    /// Whether no megaflow is installed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of distinct masks.
    pub fn subtable_count(&self) -> usize {
        self.subtables.len()
    }

    /// Removes every megaflow.
    pub fn clear(&mut self) {
        self.subtables.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rvs_packet::EthAddr;

    fn flow(port: u32, dst: u8) -> Flow {
        Flow {
            in_port: port,
            dl_dst: EthAddr([0, 0, 0, 0, 0, dst]),
            dl_type: 0x0800,
            nw_src: 0x0a00_0001,
            ..Flow::default()
        }
    }

    #[test]
    fn megaflow_matches_under_its_mask_only() {
        let mut m = Megaflows::default();
        let mask = Flow {
            in_port: u32::MAX,
            dl_dst: EthAddr::BROADCAST,
            ..Flow::default()
        };
        m.insert(&flow(1, 2), &mask, vec![DpAction::Output(2)]);
        let mut other_ip = flow(1, 2);
        other_ip.nw_src = 99;
        assert_eq!(&**m.lookup(&other_ip).unwrap(), &[DpAction::Output(2)]);
        assert!(m.lookup(&flow(1, 3)).is_none());
        assert!(m.lookup(&flow(2, 2)).is_none());
        m.insert(&flow(2, 2), &Flow::exact_mask(), vec![]);
        assert_eq!((m.len(), m.subtable_count()), (2, 2));
        assert_eq!(m.lookup(&flow(2, 2)).map(|a| a.len()), Some(0));
        m.clear();
        assert!(m.is_empty());
    }

    #[test]
    fn emc_is_exact_and_probabilistic() {
        let mut e = Emc::new(1);
        let (f, g) = (flow(1, 2), flow(1, 3));
        let (fk, gk) = (PacketKey::new(&f), PacketKey::new(&g));
        let a: CachedActions = vec![DpAction::Output(2)].into();
        e.maybe_insert(&f, &fk, &a);
        assert!(e.lookup(&f, &fk).is_some());
        assert!(e.lookup(&g, &gk).is_none());
        assert_eq!(PacketKey::of_packet(&f).hash, fk.hash);
        e.clear();
        assert!(e.lookup(&f, &fk).is_none());

        let mut e = Emc::new(EMC_INSERT_INV_PROB);
        let inserted = (0..10_000u32)
            .filter(|i| {
                let f = Flow {
                    in_port: *i,
                    ..Flow::default()
                };
                let k = PacketKey::new(&f);
                e.maybe_insert(&f, &k, &a);
                e.lookup(&f, &k).is_some()
            })
            .count();
        assert!(
            (20..500).contains(&inserted),
            "{inserted} of 10000 inserted"
        );
    }
}
