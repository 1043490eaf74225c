//! Setting IPv4 and IPv6 header fields, with the IPv4 header checksum and the
//! transport pseudo-header checksums kept right.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::csum;
use super::field::{FieldValue, Masked};
use super::locate::{self, span, Ip};
use super::{Error, Result};
use crate::wire::checksum;
use crate::Layout;

/// The IPv4 header, or [`Error::NotPresent`] for any other frame.
fn ipv4(frame: &[u8], layout: &Layout) -> Result<Ip> {
    match locate::ip(frame, layout)? {
        ip if !ip.v6 => Ok(ip),
        _ => Err(Error::NotPresent("IPv4")),
    }
}

/// The IPv6 header, or [`Error::NotPresent`] for any other frame.
fn ipv6(frame: &[u8], layout: &Layout) -> Result<Ip> {
    match locate::ip(frame, layout)? {
        ip if ip.v6 => Ok(ip),
        _ => Err(Error::NotPresent("IPv6")),
    }
}

/// IPv4 source (`at` 12) or destination (`at` 16) address.
pub(super) fn set_ipv4_addr(
    frame: &mut [u8],
    layout: &Layout,
    at: usize,
    m: Masked<Ipv4Addr>,
) -> Result<()> {
    let ip = ipv4(frame, layout)?;
    let old = *span::<4>(frame, ip.l3 + at, "IPv4")?;
    let new = m.apply(Ipv4Addr::from(old)).octets();
    if old == new {
        return Ok(());
    }
    // The transport header may be absent (layout without l4): then only IPv4's.
    if let Ok(t) = locate::transport(frame, layout) {
        csum::pseudo_header_changed(frame, &t, &old, &new);
    }
    frame[ip.l3 + at..ip.l3 + at + 4].copy_from_slice(&new);
    csum::update_at(frame, ip.l3 + 10, false, |c| {
        checksum::update_bytes(c, &old, &new)
    });
    Ok(())
}

/// Masked write of the IPv4 header byte at `at` (1: TOS, 8: TTL).
pub(super) fn set_ipv4_byte(
    frame: &mut [u8],
    layout: &Layout,
    at: usize,
    value: u8,
    mask: u8,
) -> Result<()> {
    let ip = ipv4(frame, layout)?;
    set_ipv4_byte_at(frame, ip.l3, at, |old| u8::merge(old, value, mask));
    Ok(())
}

/// Writes `f(old)` to byte `at` of the IPv4 header at `l3` (which the caller has
/// checked holds 20 bytes) and updates the header checksum.
pub(super) fn set_ipv4_byte_at(frame: &mut [u8], l3: usize, at: usize, f: impl FnOnce(u8) -> u8) {
    let word = l3 + (at & !1);
    let old = u16::from_be_bytes([frame[word], frame[word + 1]]);
    frame[l3 + at] = f(frame[l3 + at]);
    let new = u16::from_be_bytes([frame[word], frame[word + 1]]);
    csum::update_at(frame, l3 + 10, false, |c| checksum::update16(c, old, new));
}

/// IPv6 source (`at` 8) or destination (`at` 24) address.
pub(super) fn set_ipv6_addr(
    frame: &mut [u8],
    layout: &Layout,
    at: usize,
    m: Masked<Ipv6Addr>,
) -> Result<()> {
    let ip = ipv6(frame, layout)?;
    let old = *span::<16>(frame, ip.l3 + at, "IPv6")?;
    let new = m.apply(Ipv6Addr::from(old)).octets();
    if old == new {
        return Ok(());
    }
    if let Ok(t) = locate::transport(frame, layout) {
        // With a routing header still to be processed, the pseudo-header holds the
        // final destination, not this one (RFC 8200 section 8.1).
        if !(at == 24 && t.routed) {
            csum::pseudo_header_changed(frame, &t, &old, &new);
        }
    }
    frame[ip.l3 + at..ip.l3 + at + 16].copy_from_slice(&new);
    Ok(())
}

/// Masked write of the first 32-bit word of the IPv6 header (version, traffic class,
/// flow label); the version bits are never touched.
pub(super) fn set_ipv6_word(
    frame: &mut [u8],
    layout: &Layout,
    value: u32,
    mask: u32,
) -> Result<()> {
    let ip = ipv6(frame, layout)?;
    let word = span::<4>(frame, ip.l3, "IPv6")?;
    let mask = mask & 0x0fff_ffff;
    *word = u32::merge(u32::from_be_bytes(*word), value, mask).to_be_bytes();
    Ok(())
}

/// Masked write of the IPv6 hop limit.
pub(super) fn set_ipv6_hop_limit(frame: &mut [u8], layout: &Layout, m: Masked<u8>) -> Result<()> {
    let ip = ipv6(frame, layout)?;
    frame[ip.l3 + 7] = m.apply(frame[ip.l3 + 7]);
    Ok(())
}
