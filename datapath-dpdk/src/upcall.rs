//! The upcall interface: how a datapath asks its owner (ofproto, via vswitchd) what to
//! do with a packet no cache knows.

use rvs_packet::actions::DpAction;
use rvs_packet::Flow;

/// The answer to an upcall: actions for this packet, and the mask of the fields that
/// decided them, so that the datapath can cache the answer as a megaflow.
#[derive(Debug, Clone, PartialEq)]
pub struct Upcall {
    /// Datapath actions; empty means drop.
    pub actions: Vec<DpAction>,
    /// Fields consulted by translation; every packet that agrees with this one on them
    /// must get the same actions.
    pub mask: Flow,
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
