//! The upcall interface: how a datapath asks its owner (ofproto, via vswitchd) what to
//! do with a packet no cache knows.

use std::any::Any;
use std::sync::Arc;

use rvs_packet::actions::DpAction;
use rvs_packet::Flow;

/// Where a megaflow's packets are credited: the slow path's record of what the
/// translation hit (OpenFlow rules, groups, tables), as OVS's xlate cache. The PMD
/// that owns the megaflow credits it with the packets counted since the last credit,
/// about once a second, when the control plane asks
/// ([`Datapath::flush_flow_stats`](crate::Datapath::flush_flow_stats)), and a last
/// time when the megaflow goes away (revalidated, expired, flushed), so that every
/// packet is credited exactly once, to the rules that decided its actions.
pub trait StatsSink: Send + Sync + std::fmt::Debug {
    /// Adds `packets` and `bytes`.
    fn credit(&self, packets: u64, bytes: u64);
    /// Whether `other` credits the same things (a revalidated megaflow whose sink is
    /// the same keeps its entry).
    fn same(&self, other: &dyn StatsSink) -> bool;
    /// For [`StatsSink::same`]'s downcast.
    fn as_any(&self) -> &dyn Any;
}

/// Whether two optional sinks credit the same things.
pub fn same_sink(a: &Option<Arc<dyn StatsSink>>, b: &Option<Arc<dyn StatsSink>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.same(&**b),
        _ => false,
    }
}

/// The answer to an upcall: actions for this packet, and the mask of the fields that
/// decided them, so that the datapath can cache the answer as a megaflow.
#[derive(Debug, Clone)]
pub struct Upcall {
    /// Datapath actions; empty means drop.
    pub actions: Vec<DpAction>,
    /// Fields consulted by translation; every packet that agrees with this one on them
    /// must get the same actions.
    pub mask: Flow,
    /// Where the packets of the megaflow are credited (none: nowhere).
    pub stats: Option<Arc<dyn StatsSink>>,
}

impl PartialEq for Upcall {
    fn eq(&self, o: &Upcall) -> bool {
        self.actions == o.actions && self.mask == o.mask && same_sink(&self.stats, &o.stats)
    }
}

/// The slow path. Called on PMD threads, so implementations must be `Sync`.
pub trait UpcallHandler: Send + Sync {
    /// Translates one packet whose flow key is `flow`, with side effects (MAC
    /// learning, packet-ins).
    fn upcall(&self, packet: &[u8], flow: &Flow) -> Upcall;

    /// Translates `flow` again to check an installed megaflow, without side effects.
    fn revalidate(&self, flow: &Flow) -> Upcall {
        self.upcall(&[], flow)
    }

    /// The `userspace` action: hands a packet to the slow path (to a controller).
    fn userspace(&self, _packet: &[u8], _flow: &Flow, _userdata: &[u8]) {}

    /// A counter that changes whenever earlier answers may have become wrong (flow
    /// table, port or MAC-learning changes). A PMD that sees it change drops its
    /// cached flows before its next lookup.
    fn generation(&self) -> u64;
}
