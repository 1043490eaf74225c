//! Frame parsing: Ethernet bytes to a [`Flow`].
//!
//! [`extract`] follows Open vSwitch's `miniflow_extract()` (`lib/flow.c`)
//! so that flows, and therefore OpenFlow matches, come out the same as in OVS,
//! including on malformed and truncated packets. One module per layer:
//!
//! - `l2`: Ethernet II, 802.3 LLC/SNAP, up to [`MAX_VLAN_HEADERS`] VLAN tags;
//! - `mpls`: the MPLS label stack;
//! - `arp`: ARP and RARP for Ethernet/IPv4; `nsh`: the Network Service Header;
//! - `ipv4` and `ipv6` (with its extension headers);
//! - `l4`: TCP, UDP, SCTP, ICMP, IGMP; `icmpv6`: ICMPv6 and neighbour
//!   discovery.
//!
//! [`extract_layout`] also returns where each layer starts ([`Layout`]);
//! [`extract`] is the same parse without it (the compiler drops the offset
//! bookkeeping once inlined).
//!
//! Each parser takes the bytes of its header onwards, fills in its fields and
//! returns the bytes of the next layer. A header that is cut short or fails
//! OVS's sanity checks ends parsing: the fields parsed before it stay and the
//! rest stay zero.
//!
//! No input can make it panic: bytes are taken only with `split_first_chunk`,
//! `first_chunk` and `get`, which return `None` past the end, and then read
//! from the fixed-size arrays these return with constant indices, which the
//! compiler checks. The one subtraction per IP header is guarded by the
//! comparison before it. Nothing allocates.

mod arp;
mod icmpv6;
mod ipv4;
mod ipv6;
mod l2;
mod l4;
mod mpls;
mod nsh;
#[cfg(test)]
mod tests;

use crate::flow::{ethertype, Flow, FRAG_LATER};
use crate::layout::Layout;

/// How many VLAN tags are parsed (OVS's `FLOW_MAX_VLAN_HEADERS`, the default
/// `vlan-limit`). The outermost goes into [`Flow::vlan_tci`] and
/// [`Flow::vlan_tpid`], the second into [`Flow::vlan1_tci`] and
/// [`Flow::vlan1_tpid`]. Past this many tags, `dl_type` is the next tag's TPID, as in OVS.
pub const MAX_VLAN_HEADERS: usize = 2;

/// Parses `frame` (starting at the Ethernet header) into a [`Flow`] with
/// `in_port` set.
///
/// Never panics and never allocates. A truncated or malformed header leaves
/// its fields and everything after it zero, keeping what was parsed before it,
/// as OVS does; a frame shorter than an Ethernet header gives a flow with only
/// `in_port` set.
#[inline]
// `Flow { in_port, ..Flow::default() }` zeroes a temporary and copies all
// 648 bytes of it (measured: twice as slow); assigning after `default()`
// zeroes the result in place.
#[allow(clippy::field_reassign_with_default)]
pub fn extract(frame: &[u8], in_port: u32) -> Flow {
    let mut flow = Flow::default();
    flow.in_port = in_port;
    parse(frame, &mut flow);
    flow
}

/// [`extract`], plus the offsets of the layers it found, as OVS's
/// `miniflow_extract()` sets them in the packet:
///
/// - `l2_5`: the first MPLS label stack entry, for MPLS frames;
/// - `l3`: after the Ethernet header, VLAN tags and LLC/SNAP, or after the
///   MPLS label stack (up to its bottom-of-stack entry, or the end of the
///   frame); `None` for frames shorter than an Ethernet header;
/// - `l4`: after the IPv4 header and options, or the IPv6 header and the
///   extension headers walked, when that header passed OVS's checks (also for
///   later fragments, which have no transport header).
#[inline]
#[allow(clippy::field_reassign_with_default)] // As in `extract`.
pub fn extract_layout(frame: &[u8], in_port: u32) -> (Flow, Layout) {
    let mut flow = Flow::default();
    flow.in_port = in_port;
    let layout = parse(frame, &mut flow);
    (flow, layout)
}

/// [`extract_layout`] into a caller's `Flow` (overwritten entirely), for
/// callers that keep a batch of flows and would rather not move 648 bytes.
#[inline]
pub fn extract_into(frame: &[u8], in_port: u32, flow: &mut Flow) -> Layout {
    *flow = Flow::default();
    flow.in_port = in_port;
    parse(frame, flow)
}

/// Number of leading words of a [`Flow`] that hold what a packet's headers set
/// (everything before `metadata`); `recirc_id` and `dp_hash`, which the datapath sets,
/// live there too.
pub const PACKET_WORDS: usize = std::mem::offset_of!(Flow, metadata) / 8;

/// [`extract_into`] for a datapath's per-batch flows: clears only the first
/// [`PACKET_WORDS`] words (the header fields, `recirc_id` and `dp_hash`) and leaves
/// the pipeline and tunnel metadata after them as the caller keeps them. A PMD whose
/// packets carry no metadata keeps those words zero and so never pays for clearing
/// them; the result equals [`extract`]'s then.
#[inline]
pub fn extract_packet_into(frame: &[u8], in_port: u32, flow: &mut Flow) -> Layout {
    let w: &mut [u64; crate::flow::FLOW_WORDS] = bytemuck::cast_mut(flow);
    w[..PACKET_WORDS].fill(0);
    flow.in_port = in_port;
    parse(frame, flow)
}

/// [`extract_packet_into`] writing the layout into `layout` where the caller keeps it.
/// A PMD uses this in its burst loop: a layout returned by value is written with
/// narrow stores and copied by the caller with wide loads, which the CPU cannot
/// forward (a stall of some 15 cycles per packet).
pub fn extract_packet_layout(frame: &[u8], in_port: u32, flow: &mut Flow, layout: &mut Layout) {
    *layout = extract_packet_into(frame, in_port, flow);
}

/// The parse behind the entry points: `flow` is zero but for `in_port` (in the
/// words parsing writes).
#[inline(always)]
fn parse(frame: &[u8], flow: &mut Flow) -> Layout {
    let mut layout = Layout::default();
    let Some(mut l3) = l2::parse(frame, flow) else {
        return layout;
    };
    if matches!(flow.dl_type, ethertype::MPLS | ethertype::MPLS_MCAST) {
        layout.l2_5 = offset(frame, l3);
        l3 = mpls::parse(l3, flow);
    }
    layout.l3 = offset(frame, l3);
    let l4 = match flow.dl_type {
        ethertype::IPV4 => ipv4::parse(l3, flow),
        ethertype::IPV6 => ipv6::parse(l3, flow),
        ethertype::ARP | ethertype::RARP => {
            arp::parse(l3, flow);
            None
        }
        ethertype::NSH => {
            nsh::parse(l3, flow);
            None
        }
        _ => None,
    };
    if let Some(l4) = l4 {
        layout.l4 = offset(frame, l4);
        // Later fragments carry no transport header.
        if flow.nw_frag & FRAG_LATER == 0 {
            l4::parse(l4, flow);
        }
    }
    layout
}

/// Where `part`, a subslice of `frame`, starts in it, if that fits a `u16`
/// (as OVS's offsets do).
#[inline(always)]
fn offset(frame: &[u8], part: &[u8]) -> Option<u16> {
    let at = (part.as_ptr() as usize).wrapping_sub(frame.as_ptr() as usize);
    u16::try_from(at).ok()
}

/// Big-endian `u16` from two bytes.
#[inline]
fn be16(bytes: [u8; 2]) -> u16 {
    u16::from_be_bytes(bytes)
}

/// Big-endian `u32` from four bytes.
#[inline]
fn be32(bytes: [u8; 4]) -> u32 {
    u32::from_be_bytes(bytes)
}
