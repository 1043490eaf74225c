//! Frame parsing: Ethernet bytes to a [`Flow`].
//!
//! [`extract`] follows Open vSwitch's `miniflow_extract()` (`lib/flow.c`)
//! so that flows, and therefore OpenFlow matches, come out the same as in OVS,
//! including on malformed and truncated packets. One module per layer:
//!
//! - `l2`: Ethernet II, 802.3 LLC/SNAP, up to [`MAX_VLAN_HEADERS`] VLAN tags;
//! - `arp`: ARP and RARP for Ethernet/IPv4;
//! - `ipv4` and `ipv6` (with its extension headers);
//! - `l4`: TCP, UDP, SCTP, ICMP, IGMP; `icmpv6`: ICMPv6 and neighbour
//!   discovery.
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
#[cfg(test)]
mod tests;

use crate::flow::{ethertype, Flow, FRAG_LATER};

/// How many VLAN tags are parsed (OVS's `FLOW_MAX_VLAN_HEADERS`, the default
/// `vlan-limit`). The outermost goes into [`Flow::vlan_tci`]; the second is
/// skipped. Past this many tags, `dl_type` is the next tag's TPID, as in OVS.
pub const MAX_VLAN_HEADERS: usize = 2;

/// Parses `frame` (starting at the Ethernet header) into a [`Flow`] with
/// `in_port` set.
///
/// Never panics and never allocates. A truncated or malformed header leaves
/// its fields and everything after it zero, keeping what was parsed before it,
/// as OVS does; a frame shorter than an Ethernet header gives a flow with only
/// `in_port` set.
pub fn extract(frame: &[u8], in_port: u32) -> Flow {
    let mut flow = Flow {
        in_port,
        ..Flow::default()
    };
    let Some(l3) = l2::parse(frame, &mut flow) else {
        return flow;
    };
    let l4 = match flow.dl_type {
        ethertype::IPV4 => ipv4::parse(l3, &mut flow),
        ethertype::IPV6 => ipv6::parse(l3, &mut flow),
        ethertype::ARP | ethertype::RARP => {
            arp::parse(l3, &mut flow);
            None
        }
        _ => None,
    };
    // Later fragments carry no transport header.
    if let Some(l4) = l4 {
        if flow.nw_frag & FRAG_LATER == 0 {
            l4::parse(l4, &mut flow);
        }
    }
    flow
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
