//! rvs-ofproto: OpenFlow switch semantics.
//!
//! It owns bridges ([`bridge`]): their OpenFlow ports, flow tables and MAC learning;
//! translation of a packet through them into datapath actions plus a megaflow mask
//! ([`xlate`]), with the NORMAL action; and the routing of upcalls from datapath ports to
//! bridges ([`registry`]). It never touches a datapath: the datapath calls in through an
//! upcall and watches a generation counter, so ofproto is tested without one.
//!
//! Threads: see [`registry`]. Bridges are mutated by the control thread only; PMD threads
//! translate under a read lock, and MAC learning takes a per-bridge mutex.
#![forbid(unsafe_code)]

pub mod bridge;
mod commit;
pub mod credit;
pub mod flow_mod;
pub mod group;
pub mod mac_learning;
mod normal;
pub mod registry;
pub mod rule;
pub mod trace;
pub mod trace_cmd;
pub mod vlan;
pub mod xlate;

pub use bridge::{Bridge, ControllerState, FailMode, OfPort, OFPP_LOCAL};
pub use credit::Credits;
pub use registry::Registry;
pub use xlate::{FlowView, XlateOut};

#[cfg(test)]
mod pipeline_tests;
#[cfg(test)]
mod tests;
