//! Finding headers from a [`Layout`] and reading fields without panicking.
//!
//! Every read and write in this module's siblings goes through [`span`] or the
//! checked helpers here, which return [`Error::Truncated`] instead of panicking, so
//! no frame and no layout (even a wrong one) can make a rewrite panic.

use super::{Error, Result};
use crate::flow::{ethertype, ipproto};
use crate::wire::{self, Ipv4Packet, Ipv6Packet};
use crate::Layout;

/// Maps a header view's error to ours, naming the header.
pub(super) fn wire_err(what: &'static str) -> impl Fn(wire::Error) -> Error {
    move |e| match e {
        wire::Error::Truncated => Error::Truncated(what),
        wire::Error::Malformed | wire::Error::Unsupported => Error::Malformed(what),
    }
}

/// `frame[at..at + N]` as an array reference, or [`Error::Truncated`] naming `what`.
pub(super) fn span<'a, const N: usize>(
    frame: &'a mut [u8],
    at: usize,
    what: &'static str,
) -> Result<&'a mut [u8; N]> {
    frame
        .get_mut(at..)
        .and_then(|s| s.first_chunk_mut::<N>())
        .ok_or(Error::Truncated(what))
}

/// Big-endian 16-bit value at `at`, if in bounds.
pub(super) fn get16(frame: &[u8], at: usize) -> Option<u16> {
    let b = frame.get(at..)?.first_chunk::<2>()?;
    Some(u16::from_be_bytes(*b))
}

/// Byte at `at`, or [`Error::Truncated`] naming `what`.
pub(super) fn byte(frame: &[u8], at: usize, what: &'static str) -> Result<u8> {
    frame.get(at).copied().ok_or(Error::Truncated(what))
}

/// The ethertype that names the network header: the two bytes before `l3`, which is
/// the last ethertype after any VLAN tags. `None` for MPLS frames, whose network
/// header is not named.
pub(super) fn l3_ethertype(frame: &[u8], layout: &Layout) -> Option<(usize, u16)> {
    if layout.l2_5.is_some() {
        return None;
    }
    let l3 = usize::from(layout.l3?);
    if l3 < 14 {
        return None;
    }
    Some((l3, get16(frame, l3 - 2)?))
}

/// Where the IP header is and what its payload covers.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ip {
    /// Offset of the IP header.
    pub l3: usize,
    /// IPv6 rather than IPv4.
    pub v6: bool,
    /// Offset just past the IP packet (excluding Ethernet padding).
    pub end: usize,
}

/// Locates the IPv4 or IPv6 header named by the frame's ethertype.
pub(super) fn ip(frame: &[u8], layout: &Layout) -> Result<Ip> {
    let Some((l3, ty)) = l3_ethertype(frame, layout) else {
        return Err(Error::NotPresent("IP"));
    };
    let bytes = frame.get(l3..).unwrap_or_default();
    match ty {
        ethertype::IPV4 => {
            let ip = Ipv4Packet::new_checked(bytes).map_err(wire_err("IPv4"))?;
            if ip.version() != 4 {
                return Err(Error::Malformed("IPv4 version"));
            }
            Ok(Ip {
                l3,
                v6: false,
                end: l3 + usize::from(ip.total_len()),
            })
        }
        ethertype::IPV6 => {
            let ip = Ipv6Packet::new_checked(bytes).map_err(wire_err("IPv6"))?;
            if ip.version() != 6 {
                return Err(Error::Malformed("IPv6 version"));
            }
            let end = l3 + Ipv6Packet::<&[u8]>::HEADER_LEN + usize::from(ip.payload_len());
            Ok(Ip { l3, v6: true, end })
        }
        _ => Err(Error::NotPresent("IP")),
    }
}

/// Where the transport header is, what protocol it is, and what a checksum update
/// must take into account.
#[derive(Debug, Clone, Copy)]
pub(super) struct Transport {
    /// The IP header carrying it.
    pub ip: Ip,
    /// Offset of the transport header.
    pub l4: usize,
    /// IP protocol number (after IPv6 extension headers).
    pub proto: u8,
    /// The packet is a non-first fragment: `l4` holds no transport header.
    pub later_fragment: bool,
    /// An IPv6 routing header with segments left: the pseudo-header's destination is
    /// not the IPv6 destination field.
    pub routed: bool,
}

impl Transport {
    /// Bytes from the transport header to the end of the IP packet.
    pub fn len(&self) -> usize {
        self.ip.end.saturating_sub(self.l4)
    }
}

/// Locates the transport header of an IP frame.
pub(super) fn transport(frame: &[u8], layout: &Layout) -> Result<Transport> {
    let ip = ip(frame, layout)?;
    let l4 = usize::from(layout.l4.ok_or(Error::NotPresent("transport"))?);
    if l4 > ip.end {
        return Err(Error::Truncated("transport"));
    }
    let mut t = Transport {
        ip,
        l4,
        proto: 0,
        later_fragment: false,
        routed: false,
    };
    if !ip.v6 {
        t.proto = frame[ip.l3 + 9];
        t.later_fragment = get16(frame, ip.l3 + 6).is_some_and(|f| f & 0x1fff != 0);
        if l4 != ip.l3 + usize::from(frame[ip.l3] & 0x0f) * 4 {
            return Err(Error::Malformed("IPv4 header length and layout disagree"));
        }
        return Ok(t);
    }
    // Walk the IPv6 extension headers up to `l4` to learn the transport protocol.
    let mut next = frame[ip.l3 + 6];
    let mut at = ip.l3 + 40;
    while at < l4 {
        let len = match next {
            ipproto::HOPOPTS | ipproto::ROUTING | ipproto::DSTOPTS => {
                let n = byte(frame, at + 1, "IPv6 extension")?;
                if next == ipproto::ROUTING && byte(frame, at + 3, "IPv6 routing")? != 0 {
                    t.routed = true;
                }
                (usize::from(n) + 1) * 8
            }
            ipproto::FRAGMENT => {
                let off = get16(frame, at + 2).ok_or(Error::Truncated("IPv6 fragment"))?;
                t.later_fragment |= off & 0xfff8 != 0;
                8
            }
            ipproto::AH => (usize::from(byte(frame, at + 1, "IPv6 AH")?) + 2) * 4,
            _ => break,
        };
        next = byte(frame, at, "IPv6 extension")?;
        at += len;
    }
    if at != l4 {
        return Err(Error::Malformed(
            "IPv6 extension headers and layout disagree",
        ));
    }
    t.proto = next;
    Ok(t)
}
