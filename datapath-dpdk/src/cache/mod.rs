//! The per-PMD flow caches, looked up in this order: the exact-match cache ([`emc`]),
//! the signature-match cache ([`smc`], off by default as in OVS), and the megaflow
//! classifier ([`dpcls`]: per input port, a tuple-space search over one hash table per
//! mask, subtables ranked by hits).
//!
//! The EMC keys on the packet's header words, compared densely (a fixed 160 bytes is
//! cheaper to hash and compare than a sparse map); megaflow keys and masks are
//! [`Miniflow`](rvs_packet::Miniflow)s, whose hashing and comparison touch only the
//! words a mask's map names. A megaflow is a [`MegaflowEntry`] shared (by `Arc`)
//! between its classifier and the EMC/SMC entries that point at it; removing it marks
//! it dead, which those entries check.
//!
//! Everything here is owned by one PMD thread; the atomics in [`MegaflowEntry`] exist
//! so that the control plane can read statistics, not for sharing between PMDs.

pub mod dpcls;
pub mod emc;
pub mod smc;

use std::hash::Hasher;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use rvs_packet::actions::DpAction;
use rvs_packet::{Flow, Miniflow, PACKET_WORDS};

use crate::upcall::StatsSink;

pub use dpcls::Megaflows;
pub use emc::{Emc, EMC_ENTRIES, EMC_INSERT_INV_PROB};
pub use smc::Smc;

/// What the caches compute once per packet from its flow: the hash of its header
/// words (the EMC and SMC hash). The exact-match and signature caches serve only
/// packets whose flow is zero after the header words ([`PACKET_WORDS`]), which is
/// every packet the PMD extracts today; a flow with metadata (tunnel, conntrack)
/// will need the metadata words in its key.
#[derive(Debug, Clone, Copy)]
pub struct PacketKey {
    /// Hash of the first [`PACKET_WORDS`] words.
    pub hash: u32,
}

impl PacketKey {
    /// The key of a flow with no metadata (zero after [`PACKET_WORDS`]).
    #[inline]
    pub fn of_packet(flow: &Flow) -> PacketKey {
        debug_assert!(flow.words()[PACKET_WORDS..].iter().all(|w| *w == 0));
        PacketKey {
            hash: rvs_packet::miniflow::hash_header(flow),
        }
    }
}

/// A megaflow's actions, with what execution wants to know up front.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpActions {
    /// The actions.
    pub list: Vec<DpAction>,
    /// Whether every action is an `Output` (the zero-copy fast path).
    pub output_only: bool,
    /// Whether the actions are header rewrites (`Set`) followed by outputs only: the
    /// packet is rewritten where it was received and sent from there (still zero copy).
    pub in_place: bool,
}

impl DpActions {
    /// Wraps an action list.
    pub fn new(list: Vec<DpAction>) -> DpActions {
        let output_only = !list.iter().any(DpAction::modifies);
        let first_output = list
            .iter()
            .position(|a| matches!(a, DpAction::Output(_)))
            .unwrap_or(list.len());
        let in_place = !output_only
            && list[..first_output]
                .iter()
                .all(|a| matches!(a, DpAction::Set(_)))
            && list[first_output..]
                .iter()
                .all(|a| matches!(a, DpAction::Output(_)));
        DpActions {
            list,
            output_only,
            in_place,
        }
    }
}

/// One installed megaflow.
#[derive(Debug)]
pub struct MegaflowEntry {
    /// The masked key.
    pub key: Miniflow,
    /// The mask (shared with its subtable).
    pub mask: Arc<Miniflow>,
    /// The flow of the packet that installed it, re-translated on revalidation.
    pub flow: Miniflow,
    /// What to do with matching packets.
    pub actions: Arc<DpActions>,
    /// Milliseconds (PMD clock) of the last hit.
    pub used_ms: AtomicU64,
    /// Packets that hit it.
    pub packets: AtomicU64,
    /// Bytes of those packets.
    pub bytes: AtomicU64,
    /// Where its packets are credited.
    pub sink: Option<Arc<dyn StatsSink>>,
    /// Packets and bytes already credited to `sink`.
    credited: [AtomicU64; 2],
    dead: AtomicBool,
}

impl MegaflowEntry {
    /// Whether the entry was removed from its classifier.
    #[inline]
    pub fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Relaxed)
    }

    fn kill(&self) {
        self.dead.store(true, Ordering::Relaxed);
    }

    /// Counts `n` hits of `bytes` in all at once.
    #[inline]
    pub fn hit_n(&self, n: usize, bytes: usize, now_ms: u64) {
        let p = self.packets.load(Ordering::Relaxed);
        self.packets.store(p + n as u64, Ordering::Relaxed);
        let b = self.bytes.load(Ordering::Relaxed);
        self.bytes.store(b + bytes as u64, Ordering::Relaxed);
        self.used_ms.store(now_ms, Ordering::Relaxed);
    }

    /// Credits the sink with the packets and bytes counted since the last credit.
    /// Only the owning PMD calls it (as only it counts hits).
    pub fn flush_stats(&self) {
        let Some(sink) = &self.sink else { return };
        let p = self.packets.load(Ordering::Relaxed);
        let c = self.credited[0].load(Ordering::Relaxed);
        if p <= c {
            return;
        }
        let b = self.bytes.load(Ordering::Relaxed);
        let cb = self.credited[1].load(Ordering::Relaxed);
        sink.credit(p - c, b.saturating_sub(cb));
        self.credited[0].store(p, Ordering::Relaxed);
        self.credited[1].store(b, Ordering::Relaxed);
    }

    /// Counts a hit. Only the owning PMD writes, so a load and a store suffice (no
    /// locked read-modify-write on the packet path); readers see whole values.
    #[inline]
    pub fn hit(&self, bytes: usize, now_ms: u64) {
        let p = self.packets.load(Ordering::Relaxed);
        self.packets.store(p + 1, Ordering::Relaxed);
        let b = self.bytes.load(Ordering::Relaxed);
        self.bytes.store(b + bytes as u64, Ordering::Relaxed);
        self.used_ms.store(now_ms, Ordering::Relaxed);
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
