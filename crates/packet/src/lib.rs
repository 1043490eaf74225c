//! Packet headers to flow keys: the one place in rvs that reads outside bytes
//! on the fast path.
//!
//! This crate owns
//!
//! - [`Flow`], the flow key (and, with the same type, the flow mask) that the
//!   datapath's caches and ofproto's classifier are keyed on, with masking
//!   ([`Flow::masked`], [`Flow::union_with`]) and deterministic hashing
//!   ([`Flow::hash`], [`Flow::hash_masked`]);
//! - [`extract()`], which parses an Ethernet frame into a [`Flow`] following
//!   Open vSwitch's `miniflow_extract()` (`lib/flow.c`) field for field;
//! - [`EthAddr`] and the wire constants ([`ethertype`], [`ipproto`],
//!   [`tcp_flags`], the VLAN TCI masks).
//!
//! # Threads
//!
//! [`extract()`] and the hashing functions run on the PMD (poll-mode driver)
//! threads for every received packet. They never allocate, never panic on any
//! input and hold no state, so they need no locking and are safe to call from
//! any thread. The crate has no dependencies beyond `std` and no `unsafe`.
#![forbid(unsafe_code)]

pub mod actions;
pub mod buf;
pub mod extract;
pub mod flow;
pub mod layout;
pub mod rewrite;
pub mod wire;

pub use extract::extract;
pub use layout::Layout;
pub use flow::{
    ethertype, ipproto, tcp_flags, EthAddr, Flow, ParseEthAddrError, FRAG_ANY, FRAG_LATER,
    FRAG_MASK, VLAN_CFI, VLAN_PCP_MASK, VLAN_PCP_SHIFT, VLAN_VID_MASK,
};
