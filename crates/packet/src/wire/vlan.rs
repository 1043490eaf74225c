//! IEEE 802.1Q / 802.1ad VLAN tags.
//!
//! A tag is the 4 bytes after a VLAN ethertype (TPID 0x8100 or 0x88a8):
//! the tag control information (PCP, DEI, VID) and the encapsulated
//! ethertype. [`VlanHeader`] views those 4 bytes and what follows.

use super::ethernet::EtherType;
use super::{get_u16, set_u16, Error, Result};

/// A view of a VLAN tag's TCI and inner ethertype.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VlanHeader<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    use std::ops::RangeFrom;
    pub const TCI: usize = 0;
    pub const ETHERTYPE: usize = 2;
    pub const PAYLOAD: RangeFrom<usize> = 4..;
}

/// TCI bits holding the priority code point.
pub const PCP_MASK: u16 = 0xe000;
/// Shift of the priority code point in the TCI.
pub const PCP_SHIFT: u32 = 13;
/// TCI bit holding the drop eligible indicator (formerly CFI).
pub const DEI: u16 = 0x1000;
/// TCI bits holding the VLAN ID.
pub const VID_MASK: u16 = 0x0fff;

view_common!(VlanHeader);

impl<T: AsRef<[u8]>> VlanHeader<T> {
    /// Length of the tag (after its TPID).
    pub const HEADER_LEN: usize = field::PAYLOAD.start;

    /// Checks that the buffer holds the 4-byte tag.
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < Self::HEADER_LEN {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// The whole tag control information.
    pub fn tci(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::TCI)
    }

    /// Priority code point (0..=7).
    pub fn pcp(&self) -> u8 {
        ((self.tci() & PCP_MASK) >> PCP_SHIFT) as u8
    }

    /// Drop eligible indicator.
    pub fn dei(&self) -> bool {
        self.tci() & DEI != 0
    }

    /// VLAN ID (0..=4095).
    pub fn vid(&self) -> u16 {
        self.tci() & VID_MASK
    }

    /// Ethertype of what follows the tag.
    pub fn ethertype(&self) -> EtherType {
        EtherType::from(get_u16(self.buffer.as_ref(), field::ETHERTYPE))
    }

    /// Everything after the tag.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> VlanHeader<T> {
    /// Sets the whole tag control information.
    pub fn set_tci(&mut self, tci: u16) {
        set_u16(self.buffer.as_mut(), field::TCI, tci);
    }

    /// Sets the priority code point; only the low 3 bits of `pcp` are used.
    pub fn set_pcp(&mut self, pcp: u8) {
        let tci = (self.tci() & !PCP_MASK) | ((u16::from(pcp) << PCP_SHIFT) & PCP_MASK);
        self.set_tci(tci);
    }

    /// Sets the drop eligible indicator.
    pub fn set_dei(&mut self, dei: bool) {
        let tci = if dei {
            self.tci() | DEI
        } else {
            self.tci() & !DEI
        };
        self.set_tci(tci);
    }

    /// Sets the VLAN ID; only the low 12 bits of `vid` are used.
    pub fn set_vid(&mut self, vid: u16) {
        self.set_tci((self.tci() & !VID_MASK) | (vid & VID_MASK));
    }

    /// Sets the inner ethertype.
    pub fn set_ethertype(&mut self, ethertype: EtherType) {
        set_u16(self.buffer.as_mut(), field::ETHERTYPE, ethertype.into());
    }

    /// Everything after the tag, mutably.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD]
    }
}

/// The fields of a VLAN tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VlanRepr {
    /// Priority code point (0..=7).
    pub pcp: u8,
    /// Drop eligible indicator.
    pub dei: bool,
    /// VLAN ID (0..=4095).
    pub vid: u16,
    /// Ethertype of what follows the tag.
    pub ethertype: EtherType,
}

impl VlanRepr {
    /// Reads a tag.
    pub fn parse<T: AsRef<[u8]>>(tag: &VlanHeader<T>) -> Result<Self> {
        tag.check_len()?;
        Ok(VlanRepr {
            pcp: tag.pcp(),
            dei: tag.dei(),
            vid: tag.vid(),
            ethertype: tag.ethertype(),
        })
    }

    /// Bytes [`Self::emit`] writes.
    pub const fn buffer_len(&self) -> usize {
        field::PAYLOAD.start
    }

    /// Writes the tag into `tag`, which must hold [`Self::buffer_len`] bytes.
    /// Out-of-range `pcp` and `vid` bits are dropped.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, tag: &mut VlanHeader<T>) {
        tag.set_tci(0);
        tag.set_pcp(self.pcp);
        tag.set_dei(self.dei);
        tag.set_vid(self.vid);
        tag.set_ethertype(self.ethertype);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::EthernetFrame;

    // scapy: Ether(dst="ff:ff:ff:ff:ff:ff", src="00:00:00:00:00:01")
    //        /Dot1Q(prio=5, id=1, vlan=100)/ARP(op=1, ...)
    const FRAME: &str = "ffffffffffff0000000000018100b064080600010800060400010000000000010a0000010000000000000a000002";

    #[test]
    fn parse_emit_round_trip() {
        let bytes = hex(FRAME);
        let eth = EthernetFrame::new_checked(&bytes[..]).unwrap();
        assert_eq!(eth.ethertype(), EtherType::Vlan);
        let tag = VlanHeader::new_checked(eth.payload()).unwrap();
        let repr = VlanRepr::parse(&tag).unwrap();
        assert_eq!(
            repr,
            VlanRepr {
                pcp: 5,
                dei: true,
                vid: 100,
                ethertype: EtherType::Arp
            }
        );
        assert_eq!(tag.tci(), 0xb064);
        assert_eq!(tag.payload(), &bytes[18..]);
        let mut out = [0u8; 4];
        repr.emit(&mut VlanHeader::new_unchecked(&mut out[..]));
        assert_eq!(out, bytes[14..18]);
    }

    #[test]
    fn rejects_truncation() {
        let bytes = hex(FRAME);
        for len in 0..4 {
            assert_eq!(
                VlanHeader::new_checked(&bytes[14..14 + len]),
                Err(Error::Truncated)
            );
        }
    }

    #[test]
    fn setters_round_trip() {
        let mut buf = [0u8; 6];
        let mut tag = VlanHeader::new_checked(&mut buf[..]).unwrap();
        tag.set_vid(0xffff);
        assert_eq!(tag.vid(), 0x0fff);
        assert_eq!(tag.pcp(), 0);
        tag.set_pcp(7);
        tag.set_dei(true);
        tag.set_vid(42);
        tag.set_ethertype(EtherType::Ipv6);
        tag.payload_mut().copy_from_slice(&[0xaa, 0xbb]);
        assert_eq!((tag.pcp(), tag.dei(), tag.vid()), (7, true, 42));
        tag.set_dei(false);
        assert_eq!(tag.tci(), 0xe02a);
        assert_eq!(buf, [0xe0, 0x2a, 0x86, 0xdd, 0xaa, 0xbb]);
    }
}
