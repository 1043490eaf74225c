//! The signature-match cache (`other_config:smc-enable`, off by default as in OVS): a
//! large direct-mapped table of 16-bit signatures pointing at megaflows, consulted
//! after an EMC miss. A hit is confirmed against the megaflow's own mask and key, so a
//! signature collision costs a comparison, never a wrong answer.

use std::sync::Arc;

use rvs_packet::Flow;

use super::{MegaflowEntry, PacketKey};

/// Entries in the SMC (a power of two).
pub const SMC_ENTRIES: usize = 1 << 16;

/// Signature-match cache.
#[derive(Debug)]
pub struct Smc {
    entries: Vec<Option<(u16, Arc<MegaflowEntry>)>>,
}

impl Default for Smc {
    fn default() -> Self {
        Smc::new()
    }
}

impl Smc {
    /// An empty SMC.
    pub fn new() -> Smc {
        Smc {
            entries: (0..SMC_ENTRIES).map(|_| None).collect(),
        }
    }

    fn slot(pk: &PacketKey) -> (usize, u16) {
        (pk.hash as usize & (SMC_ENTRIES - 1), (pk.hash >> 16) as u16)
    }

    /// The live megaflow that `flow` matches, if its signature is cached.
    #[inline]
    pub fn lookup(&self, flow: &Flow, pk: &PacketKey) -> Option<&Arc<MegaflowEntry>> {
        let (i, sig) = Smc::slot(pk);
        match &self.entries[i] {
            Some((s, e)) if *s == sig && !e.is_dead() && e.key.matches_masked(flow, &e.mask) => {
                Some(e)
            }
            _ => None,
        }
    }

    /// Caches the megaflow under the packet's signature.
    pub fn insert(&mut self, pk: &PacketKey, entry: &Arc<MegaflowEntry>) {
        let (i, sig) = Smc::slot(pk);
        self.entries[i] = Some((sig, entry.clone()));
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.entries.iter_mut().for_each(|e| *e = None);
    }
}
