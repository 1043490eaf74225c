//! The megaflow classifier: one tuple-space classifier per input port (as OVS's
//! dpcls), each a list of subtables (one per mask) searched in order of hits, each a
//! hash table of masked keys.
//!
//! Megaflows leave by idle expiry (`max-idle`), by revalidation (re-translated and
//! found stale), or when the whole cache is flushed; the flow limit keeps new ones out.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use rvs_packet::actions::DpAction;
use rvs_packet::{Flow, MaskPlan, Miniflow};

use super::{DpActions, MegaflowEntry, PrehashedHasher};
use crate::upcall::{same_sink, StatsSink};

/// How often (in lookups) a classifier re-sorts its subtables by hits.
const RERANK_INTERVAL: u64 = 1 << 14;

/// Whether `mask` matches on the input port and nothing else.
fn is_in_port_only(mask: &Miniflow) -> bool {
    static IN_PORT: std::sync::OnceLock<Miniflow> = std::sync::OnceLock::new();
    *mask
        == *IN_PORT.get_or_init(|| {
            Miniflow::from_flow(&Flow {
                in_port: u32::MAX,
                ..Flow::default()
            })
        })
}

/// End of a slot chain.
const NIL: u32 = u32::MAX;

/// The megaflows of one mask. Keys are stored flat (`len` words per slot) next to
/// their entries, and found through a map from hash to the first slot of a chain of
/// slots with that hash: a lookup is one hash of the flow, one map probe and a compare
/// of contiguous words, with no pointer chased until the hit.
#[derive(Debug)]
struct Subtable {
    mask: Arc<Miniflow>,
    plan: MaskPlan,
    heads: HashMap<u32, u32, BuildHasherDefault<PrehashedHasher>>,
    keys: Vec<u64>,
    hashes: Vec<u32>,
    next: Vec<u32>,
    entries: Vec<Option<Arc<MegaflowEntry>>>,
    free: Vec<u32>,
    len: usize,
    hits: u64,
}

impl Subtable {
    fn new(mask: Miniflow) -> Subtable {
        Subtable {
            plan: MaskPlan::new(&mask),
            mask: Arc::new(mask),
            heads: HashMap::default(),
            keys: Vec::new(),
            hashes: Vec::new(),
            next: Vec::new(),
            entries: Vec::new(),
            free: Vec::new(),
            len: 0,
            hits: 0,
        }
    }

    #[inline]
    fn key(&self, slot: u32) -> &[u64] {
        let n = self.plan.len();
        &self.keys[slot as usize * n..][..n]
    }

    /// The slot of the megaflow matching `flow`.
    #[inline]
    fn locate(&self, flow: &Flow) -> Option<u32> {
        let mut slot = *self.heads.get(&self.plan.hash(flow))?;
        while slot != NIL {
            if self.plan.matches(flow, self.key(slot)) {
                return Some(slot);
            }
            slot = self.next[slot as usize];
        }
        None
    }

    /// Unlinks and kills the entry in `slot`.
    fn remove_slot(&mut self, slot: u32) -> Option<Arc<MegaflowEntry>> {
        let e = self.entries[slot as usize].take()?;
        let h = self.hashes[slot as usize];
        let after = self.next[slot as usize];
        match self.heads.get(&h).copied() {
            Some(head) if head == slot => {
                if after == NIL {
                    self.heads.remove(&h);
                } else {
                    self.heads.insert(h, after);
                }
            }
            Some(mut s) => {
                while s != NIL && self.next[s as usize] != slot {
                    s = self.next[s as usize];
                }
                if s != NIL {
                    self.next[s as usize] = after;
                }
            }
            None => {}
        }
        self.free.push(slot);
        self.len -= 1;
        e.flush_stats();
        e.kill();
        Some(e)
    }

    /// Installs `entry` for `flow` (whose masked key it holds), replacing and killing
    /// a megaflow with the same key; returns whether one was replaced.
    fn insert(&mut self, flow: &Flow, entry: Arc<MegaflowEntry>) -> bool {
        let replaced = match self.locate(flow) {
            Some(old) => self.remove_slot(old).is_some(),
            None => false,
        };
        let n = self.plan.len();
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                let s = self.entries.len() as u32;
                self.keys.resize(self.keys.len() + n, 0);
                self.hashes.push(0);
                self.next.push(NIL);
                self.entries.push(None);
                s
            }
        };
        let h = self.plan.hash(flow);
        let (k0, s0) = (slot as usize * n, slot as usize);
        self.plan.key_into(flow, &mut self.keys[k0..k0 + n]);
        self.hashes[s0] = h;
        self.next[s0] = self.heads.insert(h, slot).unwrap_or(NIL);
        self.entries[s0] = Some(entry);
        self.len += 1;
        replaced
    }

    fn live(&self) -> impl Iterator<Item = &Arc<MegaflowEntry>> {
        self.entries.iter().flatten()
    }

    /// Removes (and kills) the entries `keep` rejects.
    fn retain(&mut self, keep: &mut impl FnMut(&MegaflowEntry) -> bool) {
        for slot in 0..self.entries.len() as u32 {
            let drop = self.entries[slot as usize]
                .as_ref()
                .is_some_and(|e| !keep(e));
            if drop {
                self.remove_slot(slot);
            }
        }
    }
}

#[derive(Debug, Default)]
struct Classifier {
    subtables: Vec<Subtable>,
    lookups: u64,
}

impl Classifier {
    /// The subtable and slot of the megaflow matching `flow`.
    fn find(&mut self, flow: &Flow) -> Option<(u32, u32)> {
        self.lookups += 1;
        if self.lookups % RERANK_INTERVAL == 0 {
            self.subtables.sort_by_key(|s| std::cmp::Reverse(s.hits));
            self.subtables.iter_mut().for_each(|s| s.hits = 0);
        }
        let (i, slot) = self
            .subtables
            .iter()
            .enumerate()
            .find_map(|(i, st)| st.locate(flow).map(|slot| (i, slot)))?;
        self.subtables[i].hits += 1;
        Some((i as u32, slot))
    }
}

/// Where a lookup found a megaflow (valid until the classifier next changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    port: u32,
    table: u32,
    slot: u32,
}

/// A megaflow as the control plane sees it (`dpctl/dump-flows`).
#[derive(Debug, Clone, PartialEq)]
pub struct MegaflowDump {
    /// The masked key.
    pub key: Flow,
    /// The mask.
    pub mask: Flow,
    /// The actions.
    pub actions: Vec<DpAction>,
    /// Packets that hit it.
    pub packets: u64,
    /// Bytes of those packets.
    pub bytes: u64,
    /// PMD clock (ms) of the last hit.
    pub used_ms: u64,
    /// Milliseconds since the last hit, when the PMD dumped it (`used:` of
    /// `dpctl/dump-flows`).
    pub age_ms: u64,
}

/// What a revalidation pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Revalidated {
    /// Megaflows whose translation had not changed.
    pub kept: usize,
    /// Megaflows whose actions changed under the same mask (replaced in place).
    pub updated: usize,
    /// Megaflows whose mask changed (removed; the next packet makes a new one).
    pub removed: usize,
}

/// The megaflow classifiers of one PMD.
#[derive(Debug, Default)]
pub struct Megaflows {
    by_port: HashMap<u32, Classifier, BuildHasherDefault<PrehashedHasher>>,
    len: usize,
}

impl Megaflows {
    /// The live megaflow that matches `flow`.
    #[inline]
    pub fn lookup(&mut self, flow: &Flow) -> Option<&Arc<MegaflowEntry>> {
        let f = self.find(flow)?;
        Some(self.get(f))
    }

    /// The megaflow every packet of `in_port` matches, when the port's classifier
    /// holds exactly one megaflow and its mask is the input port alone: then each of
    /// the port's packets has that megaflow's actions, with no need to extract or look
    /// anything up (OVS's "simple match" for such ports).
    #[inline]
    pub fn port_wide(&self, in_port: u32) -> Option<&Arc<MegaflowEntry>> {
        let cls = self.by_port.get(&in_port)?;
        let [st] = &cls.subtables[..] else {
            return None;
        };
        if st.len != 1 || !is_in_port_only(&st.mask) {
            return None;
        }
        st.live().next().filter(|e| !e.is_dead())
    }

    /// Where the megaflow that matches `flow` is: a handle that holds no borrow, so a
    /// caller can look up, then update other caches, then [`Megaflows::get`] it.
    #[inline]
    pub fn find(&mut self, flow: &Flow) -> Option<Found> {
        let (table, slot) = self.by_port.get_mut(&flow.in_port)?.find(flow)?;
        Some(Found {
            port: flow.in_port,
            table,
            slot,
        })
    }

    /// The megaflow `f` names.
    ///
    /// # Panics
    ///
    /// If the classifier changed since `f` was found.
    #[inline]
    pub fn get(&self, f: Found) -> &Arc<MegaflowEntry> {
        self.by_port[&f.port].subtables[f.table as usize].entries[f.slot as usize]
            .as_ref()
            .expect("a found megaflow is live until the classifier changes")
    }

    /// Installs `flow`/`mask` → `actions` (replacing a megaflow with the same key).
    /// The mask must cover `in_port`.
    pub fn insert(
        &mut self,
        flow: &Flow,
        mask: &Flow,
        actions: Vec<DpAction>,
        now_ms: u64,
    ) -> Arc<MegaflowEntry> {
        self.insert_with_sink(flow, mask, actions, now_ms, None)
    }

    /// [`Megaflows::insert`] with a sink its packets are credited to.
    pub fn insert_with_sink(
        &mut self,
        flow: &Flow,
        mask: &Flow,
        actions: Vec<DpAction>,
        now_ms: u64,
        sink: Option<Arc<dyn StatsSink>>,
    ) -> Arc<MegaflowEntry> {
        let mask = Miniflow::from_flow(mask);
        let cls = self.by_port.entry(flow.in_port).or_default();
        let i = match cls.subtables.iter().position(|s| *s.mask == mask) {
            Some(i) => i,
            None => {
                cls.subtables.push(Subtable::new(mask));
                cls.subtables.len() - 1
            }
        };
        let st = &mut cls.subtables[i];
        let entry = Arc::new(MegaflowEntry {
            key: Miniflow::masked(flow, &st.mask),
            mask: st.mask.clone(),
            flow: Miniflow::from_flow(flow),
            actions: Arc::new(DpActions::new(actions)),
            used_ms: AtomicU64::new(now_ms),
            packets: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            sink,
            credited: Default::default(),
            dead: AtomicBool::new(false),
        });
        if st.insert(flow, entry.clone()) {
            self.len -= 1;
        }
        self.len += 1;
        entry
    }

    /// Number of installed megaflows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no megaflow is installed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of distinct masks over all ports.
    pub fn subtable_count(&self) -> usize {
        self.by_port.values().map(|c| c.subtables.len()).sum()
    }

    /// Removes every megaflow.
    pub fn clear(&mut self) {
        self.retain(|_| false);
    }

    /// Removes megaflows that `keep` rejects; also drops empty subtables and ports.
    fn retain(&mut self, mut keep: impl FnMut(&MegaflowEntry) -> bool) {
        for cls in self.by_port.values_mut() {
            for st in &mut cls.subtables {
                st.retain(&mut keep);
            }
            cls.subtables.retain(|st| st.len > 0);
        }
        self.by_port.retain(|_, c| !c.subtables.is_empty());
        self.len = self
            .by_port
            .values()
            .flat_map(|c| &c.subtables)
            .map(|s| s.len)
            .sum();
    }

    /// Removes megaflows not hit for `max_idle_ms`; returns how many.
    pub fn expire(&mut self, now_ms: u64, max_idle_ms: u64) -> usize {
        let before = self.len;
        self.retain(|e| now_ms.saturating_sub(e.used_ms.load(Ordering::Relaxed)) < max_idle_ms);
        before - self.len
    }

    /// Re-translates every megaflow's original flow with `translate` (which must have
    /// no side effects) and keeps, updates or removes it (see [`Revalidated`]).
    pub fn revalidate(
        &mut self,
        mut translate: impl FnMut(&Flow) -> (Vec<DpAction>, Flow),
    ) -> Revalidated {
        self.revalidate_with_sinks(|f| {
            let (a, m) = translate(f);
            (a, m, None)
        })
    }

    /// [`Megaflows::revalidate`] for translations that also say where packets are
    /// credited. A megaflow whose sink changed (the translation now goes through
    /// other rules) is updated: what it counted so far goes to the old sink.
    pub fn revalidate_with_sinks(
        &mut self,
        mut translate: impl FnMut(&Flow) -> (Vec<DpAction>, Flow, Option<Arc<dyn StatsSink>>),
    ) -> Revalidated {
        let mut r = Revalidated::default();
        let mut replace = Vec::new();
        self.retain(|e| {
            let flow = e.flow.expand();
            let (actions, mut mask, sink) = translate(&flow);
            mask.in_port = u32::MAX;
            if Miniflow::from_flow(&mask) != *e.mask {
                r.removed += 1;
                return false;
            }
            if actions == e.actions.list && same_sink(&sink, &e.sink) {
                r.kept += 1;
                return true;
            }
            r.updated += 1;
            replace.push((
                flow,
                mask,
                actions,
                sink,
                e.used_ms.load(Ordering::Relaxed),
                e.packets.load(Ordering::Relaxed),
                e.bytes.load(Ordering::Relaxed),
            ));
            false
        });
        // The old entries credited their sinks as they left: the new ones carry the
        // counters on, all of it already credited.
        for (flow, mask, actions, sink, used, packets, bytes) in replace {
            let e = self.insert_with_sink(&flow, &mask, actions, used, sink);
            e.packets.store(packets, Ordering::Relaxed);
            e.bytes.store(bytes, Ordering::Relaxed);
            e.credited[0].store(packets, Ordering::Relaxed);
            e.credited[1].store(bytes, Ordering::Relaxed);
        }
        r
    }

    /// Credits every megaflow's sink with what it counted since the last credit.
    pub fn flush_stats(&self) {
        for cls in self.by_port.values() {
            for st in &cls.subtables {
                st.live().for_each(|e| e.flush_stats());
            }
        }
    }

    /// Every megaflow, for `dpctl/dump-flows`.
    pub fn dump(&self) -> Vec<MegaflowDump> {
        let mut out = Vec::with_capacity(self.len);
        for cls in self.by_port.values() {
            for st in &cls.subtables {
                for e in st.live() {
                    out.push(MegaflowDump {
                        key: e.key.expand(),
                        mask: st.mask.expand(),
                        actions: e.actions.list.clone(),
                        packets: e.packets.load(Ordering::Relaxed),
                        bytes: e.bytes.load(Ordering::Relaxed),
                        used_ms: e.used_ms.load(Ordering::Relaxed),
                        age_ms: 0,
                    });
                }
            }
        }
        out
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

    fn mask() -> Flow {
        Flow {
            in_port: u32::MAX,
            dl_dst: EthAddr::BROADCAST,
            ..Flow::default()
        }
    }

    #[test]
    fn matches_under_its_mask_only() {
        let mut m = Megaflows::default();
        m.insert(&flow(1, 2), &mask(), vec![DpAction::Output(2)], 0);
        let mut other_ip = flow(1, 2);
        other_ip.nw_src = 99;
        assert_eq!(
            m.lookup(&other_ip).unwrap().actions.list,
            [DpAction::Output(2)]
        );
        assert!(m.lookup(&flow(1, 3)).is_none());
        assert!(
            m.lookup(&flow(2, 2)).is_none(),
            "classifiers are per input port"
        );
        m.insert(&flow(2, 2), &Flow::exact_mask(), vec![], 0);
        assert_eq!((m.len(), m.subtable_count()), (2, 2));
        assert!(m.lookup(&flow(2, 2)).unwrap().actions.list.is_empty());
        let e = m.lookup(&flow(1, 2)).unwrap().clone();
        m.clear();
        assert!(m.is_empty() && e.is_dead());
    }

    #[test]
    fn same_key_replaces_and_kills_the_old_entry() {
        let mut m = Megaflows::default();
        let old = m.insert(&flow(1, 2), &mask(), vec![DpAction::Output(2)], 0);
        let new = m.insert(&flow(1, 2), &mask(), vec![DpAction::Output(3)], 0);
        assert!(old.is_dead() && !new.is_dead());
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn idle_megaflows_expire() {
        let mut m = Megaflows::default();
        let a = m.insert(&flow(1, 2), &mask(), vec![], 0);
        m.insert(&flow(1, 3), &mask(), vec![], 0);
        a.hit(64, 9_000);
        assert_eq!(m.expire(9_999, 10_000), 0);
        assert_eq!(m.expire(10_001, 5_000), 1, "the one not hit since 0 goes");
        assert!(m.lookup(&flow(1, 2)).is_some() && m.lookup(&flow(1, 3)).is_none());
        assert_eq!(m.expire(20_000, 5_000), 1);
        assert!(m.is_empty());
    }

    #[test]
    fn revalidation_keeps_updates_and_removes() {
        let mut m = Megaflows::default();
        for d in 1..=3 {
            let e = m.insert(
                &flow(1, d),
                &mask(),
                vec![DpAction::Output(u32::from(d))],
                0,
            );
            e.hit(100, 5);
        }
        let r = m.revalidate(|f| match f.dl_dst.0[5] {
            1 => (vec![DpAction::Output(1)], mask()),
            2 => (vec![DpAction::Output(9)], mask()),
            _ => (vec![DpAction::Output(3)], Flow::exact_mask()),
        });
        assert_eq!(
            r,
            Revalidated {
                kept: 1,
                updated: 1,
                removed: 1
            }
        );
        assert_eq!(
            m.lookup(&flow(1, 2)).unwrap().actions.list,
            [DpAction::Output(9)]
        );
        assert_eq!(
            m.lookup(&flow(1, 2))
                .unwrap()
                .packets
                .load(Ordering::Relaxed),
            1,
            "stats carried over"
        );
        assert!(m.lookup(&flow(1, 3)).is_none());
        assert_eq!(m.dump().len(), 2);
    }
}
