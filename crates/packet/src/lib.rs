//! Packet headers to flow keys: the one place in rvs that reads outside bytes
//! on the fast path.
//!
//! This crate owns
//!
//! - [`Flow`], the flow key (and, with the same type, the flow mask) that the
//!   datapath's caches and ofproto's classifier are keyed on: every field of
//!   OVS's `struct flow`, plain old data viewable as words ([`Flow::words`]),
//!   with masking ([`Flow::masked`], [`Flow::union_with`]), deterministic
//!   hashing ([`Flow::hash`], [`Flow::hash_masked`]) and ovs-ofctl syntax
//!   (`Display`, [`MatchDisplay`]);
//! - [`extract()`] and [`extract_layout()`], which parse an Ethernet frame into
//!   a [`Flow`] (and [`Layout`]) following Open vSwitch's `miniflow_extract()`
//!   (`lib/flow.c`) field for field;
//! - [`EthAddr`] and the wire constants ([`ethertype`], [`ipproto`],
//!   [`tcp_flags`], the VLAN TCI masks).
//!
//! # Threads
//!
//! [`extract()`] and the hashing functions run on the PMD (poll-mode driver)
//! threads for every received packet. They never allocate, never panic on any
//! input and hold no state, so they need no locking and are safe to call from
//! any thread. The crate has no `unsafe`; its one dependency, `bytemuck`, does
//! the checked casts between [`Flow`] and its words.
#![forbid(unsafe_code)]

pub mod actions;
pub mod buf;
pub mod extract;
pub mod flow;
pub mod layout;
pub mod miniflow;
pub mod rewrite;
pub mod wire;

pub use extract::{
    extract, extract_into, extract_layout, extract_packet_into, extract_packet_layout, PACKET_WORDS,
};
pub use flow::{
    ct_state, ethertype, ipproto, tcp_flags, tun_flags, EthAddr, Flow, MatchDisplay, Nsh,
    ParseEthAddrError, TunMetadata, Tunnel, FLOW_N_REGS, FLOW_WORDS, FRAG_ANY, FRAG_LATER,
    FRAG_MASK, MAX_MPLS_LABELS, MPLS_BOS_MASK, MPLS_BOS_SHIFT, MPLS_LABEL_MASK, MPLS_LABEL_SHIFT,
    MPLS_TC_MASK, MPLS_TC_SHIFT, MPLS_TTL_MASK, TUN_METADATA_TOT_OPT_SIZE, VLAN_CFI, VLAN_PCP_MASK,
    VLAN_PCP_SHIFT, VLAN_VID_MASK,
};
pub use layout::Layout;
pub use miniflow::{FlowMap, MaskPlan, Miniflow};
