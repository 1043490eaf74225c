//! OpenFlow 1.0-1.5 for rvs: a sans-IO wire codec with Nicira (NXM) and OXM
//! extensions, and ovs-ofctl's flow text syntax, parsed and printed.
//!
//! Modelled on Open vSwitch's `ofputil_*` layer: messages of every version
//! decode into version-independent structs ([`flow_mod::FlowMod`], ...) and
//! encode back for a chosen version or "protocol" ([`version::Protocols`]).
//! Nothing here does I/O: decode from byte slices, encode into buffers,
//! frame a stream with [`header::Framer`].
//!
//! Errors in what a peer sent are [`error::OfpError`] values, which map to
//! the `(type, code)` OVS would put in an `OFPT_ERROR` for each version.
#![forbid(unsafe_code)]

pub mod actions;
pub mod controller;
pub mod diag;
pub mod error;
pub mod field;
pub mod flow_mod;
pub mod flow_stats;
pub mod group;
pub mod header;
pub mod kv;
pub mod matches;
pub mod meter;
pub mod msg;
pub mod ofp_print;
pub mod packet_in;
pub mod packet_in2;
pub mod packet_out;
pub mod port;
pub mod print;
pub mod reply;
pub mod switch_mods;
pub mod text_cmds;
pub mod version;

pub use error::OfpError;
pub use matches::Match;
pub use version::{Protocols, Version};
