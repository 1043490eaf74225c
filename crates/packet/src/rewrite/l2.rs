//! Setting Ethernet, VLAN, MPLS and ARP fields: none of them is under a checksum.

use super::field::{FieldValue, Masked};
use super::locate::{get16, l3_ethertype, span};
use super::{Error, Result};
use crate::flow::ethertype;
use crate::{EthAddr, Layout};

/// Builds an MPLS label stack entry (RFC 3032): label (20 bits), traffic class (3),
/// bottom of stack, TTL. Bits above each field's width are ignored.
pub fn mpls_lse(label: u32, tc: u8, bos: bool, ttl: u8) -> u32 {
    (label & 0xf_ffff) << 12 | u32::from(tc & 7) << 9 | u32::from(bos) << 8 | u32::from(ttl)
}

/// Ethernet address at `at` (0 for the destination, 6 for the source).
pub(super) fn set_eth(frame: &mut [u8], at: usize, m: Masked<EthAddr>) -> Result<()> {
    let addr = span::<6>(frame, at, "Ethernet")?;
    *addr = m.apply(EthAddr(*addr)).0;
    Ok(())
}

/// True for the TPIDs of 802.1Q and 802.1ad tags.
pub(super) fn is_vlan_tpid(tpid: u16) -> bool {
    tpid == ethertype::VLAN || tpid == ethertype::QINQ
}

/// Masked write of the outermost VLAN tag's TCI (`value` and `mask` already in place).
pub(super) fn set_vlan_tci(frame: &mut [u8], value: u16, mask: u16) -> Result<()> {
    if !get16(frame, 12).is_some_and(is_vlan_tpid) {
        return Err(Error::NotPresent("VLAN"));
    }
    let tci = span::<2>(frame, 14, "VLAN")?;
    *tci = u16::merge(u16::from_be_bytes(*tci), value, mask).to_be_bytes();
    Ok(())
}

/// Masked write of the outermost MPLS label stack entry.
pub(super) fn set_lse(frame: &mut [u8], layout: &Layout, value: u32, mask: u32) -> Result<()> {
    let at = usize::from(layout.l2_5.ok_or(Error::NotPresent("MPLS"))?);
    let lse = span::<4>(frame, at, "MPLS")?;
    *lse = u32::merge(u32::from_be_bytes(*lse), value, mask).to_be_bytes();
    Ok(())
}

/// Masked write of `value.len()` bytes at offset `at` of an ARP or RARP header.
pub(super) fn set_arp(
    frame: &mut [u8],
    layout: &Layout,
    at: usize,
    value: &[u8],
    mask: &[u8],
) -> Result<()> {
    let l3 = match l3_ethertype(frame, layout) {
        Some((l3, ethertype::ARP | ethertype::RARP)) => l3,
        _ => return Err(Error::NotPresent("ARP")),
    };
    // The fields are at fixed offsets only for Ethernet/IPv4 ARP, 28 bytes.
    let arp = span::<28>(frame, l3, "ARP")?;
    for ((b, v), m) in arp[at..at + value.len()].iter_mut().zip(value).zip(mask) {
        *b = u8::merge(*b, *v, *m);
    }
    Ok(())
}
