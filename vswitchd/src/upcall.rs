//! The seam between the datapath and ofproto: the datapath's upcall trait, answered by
//! the bridge registry.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use rvs_datapath::{StatsSink, Upcall, UpcallHandler};
use rvs_ofproto::{Credits, Registry, XlateOut};
use rvs_packet::Flow;
use tokio::sync::mpsc::UnboundedSender;

use crate::connmgr::Upcalled;

/// Answers upcalls by translating through ofproto. Called on PMD threads.
#[derive(Debug)]
pub struct OfprotoUpcall {
    registry: Arc<RwLock<Registry>>,
    generation: Arc<AtomicU64>,
    packet_ins: Option<UnboundedSender<Upcalled>>,
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
            packet_ins: None,
        }
    }

    /// Hands packets of `userspace` actions (packet-ins) to the main loop.
    pub fn with_packet_ins(mut self, tx: UnboundedSender<Upcalled>) -> OfprotoUpcall {
        self.packet_ins = Some(tx);
        self
    }
}

/// A megaflow's record of the rules, groups and tables its translation hit.
#[derive(Debug)]
struct RuleCredits(Credits);

impl StatsSink for RuleCredits {
    fn credit(&self, packets: u64, bytes: u64) {
        self.0.credit(packets, bytes, std::time::Instant::now());
    }

    fn same(&self, other: &dyn StatsSink) -> bool {
        other
            .as_any()
            .downcast_ref::<RuleCredits>()
            .is_some_and(|o| o.0.same(&self.0))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn to_upcall(out: XlateOut) -> Upcall {
    let stats =
        (!out.credits.is_empty()).then(|| Arc::new(RuleCredits(out.credits)) as Arc<dyn StatsSink>);
    Upcall {
        actions: out.actions,
        mask: out.mask,
        stats,
    }
}

impl UpcallHandler for OfprotoUpcall {
    fn upcall(&self, _packet: &[u8], flow: &Flow) -> Upcall {
        let out = self
            .registry
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .upcall(flow);
        to_upcall(out)
    }

    fn revalidate(&self, flow: &Flow) -> Upcall {
        let out = self
            .registry
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .revalidate(flow);
        to_upcall(out)
    }

    fn userspace(&self, packet: &[u8], _flow: &Flow, userdata: &[u8]) {
        if let Some(tx) = &self.packet_ins {
            let _ = tx.send(Upcalled {
                packet: packet.to_vec(),
                userdata: userdata.to_vec(),
            });
        }
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}
