//! Ethernet II frames (and the type/length field of 802.3 frames).

use super::{get_array, get_u16, set_u16, Error, Result};
use crate::flow::EthAddr;

open_enum! {
    /// An ethertype. Values below 0x0600 are 802.3 lengths, not ethertypes;
    /// they come out as `Unknown`.
    pub enum EtherType(u16) {
        /// Internet Protocol version 4.
        Ipv4 = 0x0800,
        /// Address Resolution Protocol.
        Arp = 0x0806,
        /// Reverse ARP.
        Rarp = 0x8035,
        /// IEEE 802.1Q customer VLAN tag.
        Vlan = 0x8100,
        /// IEEE 802.1ad service VLAN tag.
        QinQ = 0x88a8,
        /// Internet Protocol version 6.
        Ipv6 = 0x86dd,
        /// MPLS unicast.
        Mpls = 0x8847,
        /// MPLS multicast.
        MplsMulticast = 0x8848,
        /// Link Layer Discovery Protocol.
        Lldp = 0x88cc,
        /// Network Service Header.
        Nsh = 0x894f,
        /// Transparent Ethernet bridging (Ethernet in GRE or Geneve).
        TransEtherBridging = 0x6558,
    }
}

impl EtherType {
    /// Smallest type/length value that is an ethertype; below it the field
    /// is an 802.3 payload length.
    pub const MIN: u16 = 0x0600;

    /// True for the VLAN tag ethertypes (802.1Q and 802.1ad).
    pub fn is_vlan(self) -> bool {
        matches!(self, EtherType::Vlan | EtherType::QinQ)
    }

    /// True for the MPLS ethertypes.
    pub fn is_mpls(self) -> bool {
        matches!(self, EtherType::Mpls | EtherType::MplsMulticast)
    }

    /// True when this type/length value is an 802.3 length (below 0x0600),
    /// so an LLC header ([`super::LlcSnap`]) follows.
    pub fn is_802_3_length(self) -> bool {
        u16::from(self) < Self::MIN
    }
}

/// A view of an Ethernet II frame: destination, source, ethertype, payload.
/// VLAN tags are not part of this view; when [`EthernetFrame::ethertype`] is
/// a VLAN type the payload starts with a [`super::VlanHeader`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EthernetFrame<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    use std::ops::{Range, RangeFrom};
    pub const DESTINATION: Range<usize> = 0..6;
    pub const SOURCE: Range<usize> = 6..12;
    pub const ETHERTYPE: usize = 12;
    pub const PAYLOAD: RangeFrom<usize> = 14..;
}

view_common!(EthernetFrame);

impl<T: AsRef<[u8]>> EthernetFrame<T> {
    /// Length of the header.
    pub const HEADER_LEN: usize = field::PAYLOAD.start;

    /// Checks that the buffer holds the 14-byte header.
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < Self::HEADER_LEN {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Destination address.
    pub fn dst_addr(&self) -> EthAddr {
        EthAddr(get_array(self.buffer.as_ref(), field::DESTINATION.start))
    }

    /// Source address.
    pub fn src_addr(&self) -> EthAddr {
        EthAddr(get_array(self.buffer.as_ref(), field::SOURCE.start))
    }

    /// Ethertype (or 802.3 length).
    pub fn ethertype(&self) -> EtherType {
        EtherType::from(get_u16(self.buffer.as_ref(), field::ETHERTYPE))
    }

    /// Everything after the header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EthernetFrame<T> {
    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, addr: EthAddr) {
        self.buffer.as_mut()[field::DESTINATION].copy_from_slice(&addr.0);
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, addr: EthAddr) {
        self.buffer.as_mut()[field::SOURCE].copy_from_slice(&addr.0);
    }

    /// Sets the ethertype.
    pub fn set_ethertype(&mut self, ethertype: EtherType) {
        set_u16(self.buffer.as_mut(), field::ETHERTYPE, ethertype.into());
    }

    /// Everything after the header, mutably.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD]
    }
}

/// The fields of an Ethernet II header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EthernetRepr {
    /// Source address.
    pub src_addr: EthAddr,
    /// Destination address.
    pub dst_addr: EthAddr,
    /// Ethertype.
    pub ethertype: EtherType,
}

impl EthernetRepr {
    /// Reads the header of a checked frame.
    pub fn parse<T: AsRef<[u8]>>(frame: &EthernetFrame<T>) -> Result<Self> {
        frame.check_len()?;
        Ok(EthernetRepr {
            src_addr: frame.src_addr(),
            dst_addr: frame.dst_addr(),
            ethertype: frame.ethertype(),
        })
    }

    /// Bytes [`Self::emit`] writes.
    pub const fn buffer_len(&self) -> usize {
        field::PAYLOAD.start
    }

    /// Writes the header into `frame`, which must hold
    /// [`Self::buffer_len`] bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, frame: &mut EthernetFrame<T>) {
        frame.set_dst_addr(self.dst_addr);
        frame.set_src_addr(self.src_addr);
        frame.set_ethertype(self.ethertype);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;

    // scapy: Ether(dst="00:11:22:33:44:55", src="66:77:88:99:aa:bb")/IP(...)/UDP(...)/b"hello"
    const FRAME: &str = "00112233445566778899aabb080045b90021123440004011a48bc0a80101c0a8010204d2162e000d1dae68656c6c6f";

    #[test]
    fn parse_emit_round_trip() {
        let bytes = hex(FRAME);
        let frame = EthernetFrame::new_checked(&bytes[..]).unwrap();
        let repr = EthernetRepr::parse(&frame).unwrap();
        assert_eq!(
            repr,
            EthernetRepr {
                dst_addr: EthAddr([0x00, 0x11, 0x22, 0x33, 0x44, 0x55]),
                src_addr: EthAddr([0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb]),
                ethertype: EtherType::Ipv4,
            }
        );
        assert_eq!(frame.payload(), &bytes[14..]);
        let mut out = vec![0u8; repr.buffer_len()];
        repr.emit(&mut EthernetFrame::new_unchecked(&mut out[..]));
        assert_eq!(out, bytes[..14]);
    }

    #[test]
    fn rejects_truncation() {
        let bytes = hex(FRAME);
        for len in 0..EthernetFrame::<&[u8]>::HEADER_LEN {
            assert_eq!(
                EthernetFrame::new_checked(&bytes[..len]),
                Err(Error::Truncated)
            );
        }
        assert!(EthernetFrame::new_checked(&bytes[..14])
            .unwrap()
            .payload()
            .is_empty());
    }

    #[test]
    fn setters_round_trip() {
        let mut bytes = hex(FRAME);
        let mut frame = EthernetFrame::new_checked(&mut bytes[..]).unwrap();
        frame.set_dst_addr(EthAddr::BROADCAST);
        frame.set_src_addr(EthAddr([2, 0, 0, 0, 0, 1]));
        frame.set_ethertype(EtherType::Unknown(0x1234));
        frame.payload_mut()[0] = 0x99;
        assert_eq!(frame.dst_addr(), EthAddr::BROADCAST);
        assert_eq!(frame.src_addr(), EthAddr([2, 0, 0, 0, 0, 1]));
        assert_eq!(frame.ethertype(), EtherType::Unknown(0x1234));
        assert_eq!(frame.payload()[0], 0x99);
        assert_eq!(&bytes[12..15], &[0x12, 0x34, 0x99]);
    }

    #[test]
    fn ethertype_classes() {
        assert!(EtherType::from(0x88a8).is_vlan());
        assert!(EtherType::from(0x8848).is_mpls());
        assert!(EtherType::from(0x05dc).is_802_3_length());
        assert!(!EtherType::Ipv4.is_802_3_length());
        assert_eq!(u16::from(EtherType::from(0x9999)), 0x9999);
    }
}
