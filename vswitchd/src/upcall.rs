//! The seam between the datapath and ofproto: the datapath's upcall trait, answered by
//! the bridge registry.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use rvs_datapath::{Upcall, UpcallHandler};
use rvs_ofproto::Registry;
use rvs_packet::Flow;

/// Answers upcalls by translating through ofproto. Called on PMD threads.
#[derive(Debug)]
pub struct OfprotoUpcall {
    registry: Arc<RwLock<Registry>>,
    generation: Arc<AtomicU64>,
}

impl OfprotoUpcall {
    /// An upcall handler for `registry`.
    pub fn new(registry: Arc<RwLock<Registry>>) -> OfprotoUpcall {
        let generation = registry
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .generation_handle();
        OfprotoUpcall {
            registry,
            generation,
        }
    }
}

impl UpcallHandler for OfprotoUpcall {
    fn upcall(&self, _packet: &[u8], flow: &Flow) -> Upcall {
        let out = self
            .registry
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .upcall(flow);
        Upcall {
            actions: out.actions,
            mask: out.mask,
        }
    }

    fn revalidate(&self, flow: &Flow) -> Upcall {
        let out = self
            .registry
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .revalidate(flow);
        Upcall {
            actions: out.actions,
            mask: out.mask,
        }
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}
