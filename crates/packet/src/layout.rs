//! Where each layer of a frame starts, as found by extraction (OVS keeps the same
//! offsets in `struct dp_packet`: `l2_5_ofs`, `l3_ofs`, `l4_ofs`). Header rewrite uses
//! them to find the bytes a `set_field` or a push/pop touches without parsing again.

/// Byte offsets of the layers of one frame; `None` when the frame has no such layer
/// (or it was not parsed because the frame is truncated).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Layout {
    /// Start of the first MPLS label stack entry, if the frame is MPLS.
    pub l2_5: Option<u16>,
    /// Start of the network header (IPv4, IPv6, ARP, or whatever `dl_type` names).
    pub l3: Option<u16>,
    /// Start of the transport header (TCP, UDP, SCTP, ICMP, ICMPv6, IGMP), after any
    /// IPv4 options and IPv6 extension headers.
    pub l4: Option<u16>,
}
