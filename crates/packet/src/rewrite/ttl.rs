//! The TTL actions: decrement (IP and MPLS) and copy between MPLS and IP.

use super::l3::set_ipv4_byte_at;
use super::locate::{self, span};
use super::{Error, Result};
use crate::Layout;

/// Decrements the IPv4 TTL (fixing the header checksum) or the IPv6 hop limit and
/// returns the new value.
///
/// If the TTL is 1 or 0 the frame is left alone and [`Error::InvalidTtl`] returned:
/// OVS's `dec_ttl` then sends the packet to the controllers that asked for
/// `OFPR_INVALID_TTL` packet-ins instead of forwarding it.
pub fn dec_ip_ttl(frame: &mut [u8], layout: &Layout) -> Result<u8> {
    let ip = locate::ip(frame, layout)?;
    let at = if ip.v6 { 7 } else { 8 };
    let ttl = frame[ip.l3 + at];
    if ttl <= 1 {
        return Err(Error::InvalidTtl);
    }
    if ip.v6 {
        frame[ip.l3 + at] = ttl - 1;
    } else {
        set_ipv4_byte_at(frame, ip.l3, at, |t| t - 1);
    }
    Ok(ttl - 1)
}

/// Decrements the TTL of the outermost MPLS label stack entry and returns the new
/// value; [`Error::InvalidTtl`] (frame unchanged) if it is 1 or 0, as OVS's
/// `dec_mpls_ttl`.
pub fn dec_mpls_ttl(frame: &mut [u8], layout: &Layout) -> Result<u8> {
    let at = usize::from(layout.l2_5.ok_or(Error::NotPresent("MPLS"))?);
    let lse = span::<4>(frame, at, "MPLS")?;
    if lse[3] <= 1 {
        return Err(Error::InvalidTtl);
    }
    lse[3] -= 1;
    Ok(lse[3])
}

/// What follows the outermost MPLS entry: the next entry, or the IP header after the
/// bottom of the stack.
enum Inner {
    Mpls(usize),
    Ipv4(usize),
    Ipv6(usize),
}

/// Locates the outermost MPLS entry and the header below it.
fn outer_and_inner(frame: &[u8], layout: &Layout) -> Result<(usize, Inner)> {
    let at = usize::from(layout.l2_5.ok_or(Error::NotPresent("MPLS"))?);
    let lse = frame.get(at..at + 4).ok_or(Error::Truncated("MPLS"))?;
    let next = at + 4;
    if lse[2] & 1 == 0 {
        return match frame.get(next..next + 4) {
            Some(_) => Ok((at, Inner::Mpls(next))),
            None => Err(Error::Truncated("MPLS")),
        };
    }
    // MPLS does not say what it carries; like OVS, go by the IP version nibble.
    match frame.get(next).map(|b| b >> 4) {
        Some(4) if frame.len() >= next + 20 && frame[next] & 0x0f >= 5 => {
            Ok((at, Inner::Ipv4(next)))
        }
        Some(6) if frame.len() >= next + 40 => Ok((at, Inner::Ipv6(next))),
        _ => Err(Error::NotPresent("IP under MPLS")),
    }
}

/// OpenFlow's `copy_ttl_out`: copies the TTL of the header below the outermost MPLS
/// entry (the next entry, or the IPv4 TTL / IPv6 hop limit after the bottom of the
/// stack) into the outermost entry.
pub fn copy_ttl_out(frame: &mut [u8], layout: &Layout) -> Result<()> {
    let (at, inner) = outer_and_inner(frame, layout)?;
    frame[at + 3] = match inner {
        Inner::Mpls(i) => frame[i + 3],
        Inner::Ipv4(i) => frame[i + 8],
        Inner::Ipv6(i) => frame[i + 7],
    };
    Ok(())
}

/// OpenFlow's `copy_ttl_in`: copies the outermost MPLS entry's TTL into the header
/// below it (the next entry, or the IPv4 TTL, fixing the checksum, or the IPv6 hop
/// limit).
pub fn copy_ttl_in(frame: &mut [u8], layout: &Layout) -> Result<()> {
    let (at, inner) = outer_and_inner(frame, layout)?;
    let ttl = frame[at + 3];
    match inner {
        Inner::Mpls(i) => frame[i + 3] = ttl,
        Inner::Ipv4(i) => set_ipv4_byte_at(frame, i, 8, |_| ttl),
        Inner::Ipv6(i) => frame[i + 7] = ttl,
    }
    Ok(())
}
