//! Checksum fix-ups shared by the field setters: which checksum covers what, and
//! UDP's "zero means none" rule.

use super::locate::{get16, Transport};
use super::{Error, Result};
use crate::flow::ipproto;
use crate::wire::checksum;
use crate::wire::crc32c::crc32c;

/// Where the transport checksum that covers the IP pseudo-header is stored, and
/// whether it is UDP's (which may be zero, "none"). `None` for protocols without one
/// (ICMPv4, SCTP, others), for truncated headers and for non-first fragments.
pub(super) fn pseudo_csum(t: &Transport) -> Option<(usize, bool)> {
    if t.later_fragment {
        return None;
    }
    let (at, min, udp) = match t.proto {
        ipproto::TCP => (16, 20, false),
        ipproto::UDP => (6, 8, true),
        ipproto::ICMPV6 if t.ip.v6 => (2, 4, false),
        _ => return None,
    };
    (t.len() >= min).then_some((t.l4 + at, udp))
}

/// Rewrites the 16-bit checksum stored at `at` with `f`. For a UDP checksum, zero is
/// left alone (the sender computed none) and a result of zero is stored as `0xffff`
/// (RFC 768: zero is transmitted as all ones). Out-of-range `at` does nothing.
pub(super) fn update_at(frame: &mut [u8], at: usize, udp: bool, f: impl FnOnce(u16) -> u16) {
    let Some(old) = get16(frame, at) else {
        return;
    };
    if udp && old == 0 {
        return;
    }
    let mut new = f(old);
    if udp && new == 0 {
        new = 0xffff;
    }
    frame[at..at + 2].copy_from_slice(&new.to_be_bytes());
}

/// Updates the transport checksum for an address of the pseudo-header changing from
/// `old` to `new` (4 or 16 bytes, at an even offset of the pseudo-header).
pub(super) fn pseudo_header_changed(frame: &mut [u8], t: &Transport, old: &[u8], new: &[u8]) {
    if let Some((at, udp)) = pseudo_csum(t) {
        update_at(frame, at, udp, |c| checksum::update_bytes(c, old, new));
    }
}

/// Runs `f` on the SCTP packet at `t` and recomputes its CRC32c. A checksum that was
/// wrong before stays wrong by the same difference, as OVS's `packet_set_sctp_port`
/// does, so that rewriting never makes a corrupt packet look good.
pub(super) fn sctp_rewrite(
    frame: &mut [u8],
    t: &Transport,
    f: impl FnOnce(&mut [u8]),
) -> Result<()> {
    let sctp = frame
        .get_mut(t.l4..t.ip.end)
        .filter(|s| s.len() >= 12)
        .ok_or(Error::Truncated("SCTP"))?;
    let mut stored = [0; 4];
    stored.copy_from_slice(&sctp[8..12]);
    sctp[8..12].fill(0);
    let old_correct = crc32c(sctp);
    f(sctp);
    let new_correct = crc32c(sctp);
    // SCTP stores the CRC least significant byte first (RFC 9260 appendix A).
    let csum = u32::from_le_bytes(stored) ^ old_correct ^ new_correct;
    sctp[8..12].copy_from_slice(&csum.to_le_bytes());
    Ok(())
}
