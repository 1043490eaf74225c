//! Pushing and popping VLAN tags and MPLS label stack entries.
//!
//! A push takes the new bytes from the packet's headroom and moves only what comes
//! before the insertion point (the Ethernet addresses, and any VLAN tags for MPLS)
//! towards the front; a pop moves them back. The payload never moves.

use super::l2::is_vlan_tpid;
use super::locate::get16;
use super::{Error, Result};
use crate::buf::PacketBuf;
use crate::flow::{ethertype, VLAN_CFI};
use crate::Layout;

/// Length of a VLAN tag and of an MPLS label stack entry.
const TAG_LEN: usize = 4;
/// Length of the two Ethernet addresses.
const ADDRS_LEN: usize = 12;

/// Moves one layer offset by `by` bytes, for a push (positive) or pop (negative)
/// in front of that layer.
fn shift(off: &mut Option<u16>, by: isize) {
    *off = off.and_then(|o| u16::try_from(o as isize + by).ok());
}

/// Inserts an 802.1Q (`tpid` 0x8100) or 802.1ad (0x88a8) tag with `tci` as the
/// outermost tag, after the Ethernet addresses, and moves the layout's offsets.
///
/// As OVS's `eth_push_vlan`, the CFI/DEI bit (0x1000) of `tci` is cleared: in OVS's
/// `push_vlan` action it means "tag present", not drop eligibility.
pub fn push_vlan(buf: &mut PacketBuf, layout: &mut Layout, tpid: u16, tci: u16) -> Result<()> {
    if !is_vlan_tpid(tpid) {
        return Err(Error::InvalidArgument("TPID is not 0x8100 or 0x88a8"));
    }
    if buf.len() < 14 {
        return Err(Error::Truncated("Ethernet"));
    }
    buf.push_front(TAG_LEN);
    let data = buf.data_mut();
    data.copy_within(TAG_LEN..TAG_LEN + ADDRS_LEN, 0);
    data[12..14].copy_from_slice(&tpid.to_be_bytes());
    data[14..16].copy_from_slice(&(tci & !VLAN_CFI).to_be_bytes());
    shift(&mut layout.l2_5, 4);
    shift(&mut layout.l3, 4);
    shift(&mut layout.l4, 4);
    Ok(())
}

/// Removes the outermost VLAN tag (either TPID) and moves the layout's offsets.
pub fn pop_vlan(buf: &mut PacketBuf, layout: &mut Layout) -> Result<()> {
    if buf.len() < 18 || !get16(buf.data(), 12).is_some_and(is_vlan_tpid) {
        return Err(Error::NotPresent("VLAN"));
    }
    buf.data_mut().copy_within(0..ADDRS_LEN, TAG_LEN);
    buf.pull_front(TAG_LEN);
    shift(&mut layout.l2_5, -4);
    shift(&mut layout.l3, -4);
    shift(&mut layout.l4, -4);
    Ok(())
}

/// Pushes the MPLS label stack entry `lse` (see [`mpls_lse`](super::mpls_lse)) on
/// top of the label stack, or in front of the network header if the frame has no
/// MPLS yet, and sets the ethertype to `ethertype` (0x8847 unicast or 0x8848
/// multicast), as OVS's `push_mpls`. The caller chooses the entry's bottom-of-stack
/// bit (set only when the frame had no MPLS) and TTL.
pub fn push_mpls(buf: &mut PacketBuf, layout: &mut Layout, ethertype: u16, lse: u32) -> Result<()> {
    if ethertype != ethertype::MPLS && ethertype != ethertype::MPLS_MCAST {
        return Err(Error::InvalidArgument("ethertype is not MPLS"));
    }
    let at = usize::from(
        layout
            .l2_5
            .or(layout.l3)
            .ok_or(Error::NotPresent("network"))?,
    );
    if at < 14 || at > buf.len() {
        return Err(Error::Truncated("Ethernet"));
    }
    buf.data_mut()[at - 2..at].copy_from_slice(&ethertype.to_be_bytes());
    buf.push_front(TAG_LEN);
    let data = buf.data_mut();
    data.copy_within(TAG_LEN..TAG_LEN + at, 0);
    data[at..at + TAG_LEN].copy_from_slice(&lse.to_be_bytes());
    layout.l2_5 = Some(at as u16);
    shift(&mut layout.l3, 4);
    shift(&mut layout.l4, 4);
    Ok(())
}

/// Removes the outermost MPLS label stack entry and sets the ethertype to
/// `ethertype`, which names what follows (another MPLS entry, or the payload
/// protocol after the bottom of the stack), as OVS's `pop_mpls`.
pub fn pop_mpls(buf: &mut PacketBuf, layout: &mut Layout, ethertype: u16) -> Result<()> {
    let at = usize::from(layout.l2_5.ok_or(Error::NotPresent("MPLS"))?);
    if at < 14 || at + TAG_LEN > buf.len() {
        return Err(Error::Truncated("MPLS"));
    }
    let data = buf.data_mut();
    let bos = data[at + 2] & 1 != 0;
    data[at - 2..at].copy_from_slice(&ethertype.to_be_bytes());
    data.copy_within(0..at, TAG_LEN);
    buf.pull_front(TAG_LEN);
    if bos {
        layout.l2_5 = None;
    }
    shift(&mut layout.l3, -4);
    shift(&mut layout.l4, -4);
    Ok(())
}
