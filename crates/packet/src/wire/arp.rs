//! ARP packets (RFC 826), and RARP, which shares the format.

use std::net::Ipv4Addr;

use super::ethernet::EtherType;
use super::{get_array, get_u16, set_u16, Error, Result};
use crate::flow::EthAddr;

open_enum! {
    /// An ARP hardware type.
    pub enum ArpHardware(u16) {
        /// Ethernet.
        Ethernet = 1,
    }
}

open_enum! {
    /// An ARP operation.
    pub enum ArpOperation(u16) {
        /// ARP request.
        Request = 1,
        /// ARP reply.
        Reply = 2,
        /// RARP request.
        RarpRequest = 3,
        /// RARP reply.
        RarpReply = 4,
    }
}

/// A view of an ARP packet of any hardware and protocol address lengths.
/// ARP has no payload; bytes past the packet (Ethernet padding) are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    pub const HTYPE: usize = 0;
    pub const PTYPE: usize = 2;
    pub const HLEN: usize = 4;
    pub const PLEN: usize = 5;
    pub const OPER: usize = 6;
    pub const SHA: usize = 8;
}

view_common!(ArpPacket);

impl<T: AsRef<[u8]>> ArpPacket<T> {
    /// Length of the fixed part, before the addresses.
    pub const FIXED_LEN: usize = field::SHA;

    /// Checks that the buffer holds the fixed part and the four addresses
    /// its length fields announce.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < Self::FIXED_LEN || len < self.packet_len() {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Length of the whole packet: 8 plus twice both address lengths.
    pub fn packet_len(&self) -> usize {
        let (h, p) = (
            usize::from(self.hardware_len()),
            usize::from(self.protocol_len()),
        );
        field::SHA + 2 * (h + p)
    }

    /// Hardware type.
    pub fn hardware_type(&self) -> ArpHardware {
        ArpHardware::from(get_u16(self.buffer.as_ref(), field::HTYPE))
    }

    /// Protocol type.
    pub fn protocol_type(&self) -> EtherType {
        EtherType::from(get_u16(self.buffer.as_ref(), field::PTYPE))
    }

    /// Hardware address length.
    pub fn hardware_len(&self) -> u8 {
        self.buffer.as_ref()[field::HLEN]
    }

    /// Protocol address length.
    pub fn protocol_len(&self) -> u8 {
        self.buffer.as_ref()[field::PLEN]
    }

    /// Operation.
    pub fn operation(&self) -> ArpOperation {
        ArpOperation::from(get_u16(self.buffer.as_ref(), field::OPER))
    }

    /// Start offsets of SHA, SPA, THA, TPA and the end of TPA.
    fn offsets(&self) -> [usize; 5] {
        let (h, p) = (
            usize::from(self.hardware_len()),
            usize::from(self.protocol_len()),
        );
        let sha = field::SHA;
        [
            sha,
            sha + h,
            sha + h + p,
            sha + 2 * h + p,
            sha + 2 * (h + p),
        ]
    }

    /// Sender hardware address.
    pub fn source_hardware_addr(&self) -> &[u8] {
        let o = self.offsets();
        &self.buffer.as_ref()[o[0]..o[1]]
    }

    /// Sender protocol address.
    pub fn source_protocol_addr(&self) -> &[u8] {
        let o = self.offsets();
        &self.buffer.as_ref()[o[1]..o[2]]
    }

    /// Target hardware address.
    pub fn target_hardware_addr(&self) -> &[u8] {
        let o = self.offsets();
        &self.buffer.as_ref()[o[2]..o[3]]
    }

    /// Target protocol address.
    pub fn target_protocol_addr(&self) -> &[u8] {
        let o = self.offsets();
        &self.buffer.as_ref()[o[3]..o[4]]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> ArpPacket<T> {
    /// Sets the hardware type.
    pub fn set_hardware_type(&mut self, value: ArpHardware) {
        set_u16(self.buffer.as_mut(), field::HTYPE, value.into());
    }

    /// Sets the protocol type.
    pub fn set_protocol_type(&mut self, value: EtherType) {
        set_u16(self.buffer.as_mut(), field::PTYPE, value.into());
    }

    /// Sets the hardware address length.
    pub fn set_hardware_len(&mut self, value: u8) {
        self.buffer.as_mut()[field::HLEN] = value;
    }

    /// Sets the protocol address length.
    pub fn set_protocol_len(&mut self, value: u8) {
        self.buffer.as_mut()[field::PLEN] = value;
    }

    /// Sets the operation.
    pub fn set_operation(&mut self, value: ArpOperation) {
        set_u16(self.buffer.as_mut(), field::OPER, value.into());
    }

    /// Sets the sender hardware address; `addr` must be `hardware_len` long.
    pub fn set_source_hardware_addr(&mut self, addr: &[u8]) {
        let o = self.offsets();
        self.buffer.as_mut()[o[0]..o[1]].copy_from_slice(addr);
    }

    /// Sets the sender protocol address; `addr` must be `protocol_len` long.
    pub fn set_source_protocol_addr(&mut self, addr: &[u8]) {
        let o = self.offsets();
        self.buffer.as_mut()[o[1]..o[2]].copy_from_slice(addr);
    }

    /// Sets the target hardware address; `addr` must be `hardware_len` long.
    pub fn set_target_hardware_addr(&mut self, addr: &[u8]) {
        let o = self.offsets();
        self.buffer.as_mut()[o[2]..o[3]].copy_from_slice(addr);
    }

    /// Sets the target protocol address; `addr` must be `protocol_len` long.
    pub fn set_target_protocol_addr(&mut self, addr: &[u8]) {
        let o = self.offsets();
        self.buffer.as_mut()[o[3]..o[4]].copy_from_slice(addr);
    }
}

/// An ARP (or RARP) packet for IPv4 over Ethernet, the only kind OVS
/// parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArpRepr {
    /// Operation.
    pub operation: ArpOperation,
    /// Sender hardware address.
    pub source_hardware_addr: EthAddr,
    /// Sender protocol address.
    pub source_protocol_addr: Ipv4Addr,
    /// Target hardware address.
    pub target_hardware_addr: EthAddr,
    /// Target protocol address.
    pub target_protocol_addr: Ipv4Addr,
}

impl ArpRepr {
    /// Reads an Ethernet/IPv4 ARP packet; anything else is `Unsupported`.
    pub fn parse<T: AsRef<[u8]>>(packet: &ArpPacket<T>) -> Result<Self> {
        packet.check_len()?;
        if packet.hardware_type() != ArpHardware::Ethernet
            || packet.protocol_type() != EtherType::Ipv4
            || packet.hardware_len() != 6
            || packet.protocol_len() != 4
        {
            return Err(Error::Unsupported);
        }
        Ok(ArpRepr {
            operation: packet.operation(),
            source_hardware_addr: EthAddr(get_array(packet.source_hardware_addr(), 0)),
            source_protocol_addr: Ipv4Addr::from(get_array::<4>(packet.source_protocol_addr(), 0)),
            target_hardware_addr: EthAddr(get_array(packet.target_hardware_addr(), 0)),
            target_protocol_addr: Ipv4Addr::from(get_array::<4>(packet.target_protocol_addr(), 0)),
        })
    }

    /// Bytes [`Self::emit`] writes: 28.
    pub const fn buffer_len(&self) -> usize {
        field::SHA + 2 * (6 + 4)
    }

    /// Writes the packet into `packet`, which must hold
    /// [`Self::buffer_len`] bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut ArpPacket<T>) {
        packet.set_hardware_type(ArpHardware::Ethernet);
        packet.set_protocol_type(EtherType::Ipv4);
        packet.set_hardware_len(6);
        packet.set_protocol_len(4);
        packet.set_operation(self.operation);
        packet.set_source_hardware_addr(&self.source_hardware_addr.0);
        packet.set_source_protocol_addr(&self.source_protocol_addr.octets());
        packet.set_target_hardware_addr(&self.target_hardware_addr.0);
        packet.set_target_protocol_addr(&self.target_protocol_addr.octets());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;

    // scapy: ARP(op=2, hwsrc="00:11:22:33:44:55", psrc="10.0.0.2",
    //            hwdst="00:00:00:00:00:01", pdst="10.0.0.1")
    const REPLY: &str = "00010800060400020011223344550a0000020000000000010a000001";

    #[test]
    fn parse_emit_round_trip() {
        let bytes = hex(REPLY);
        let packet = ArpPacket::new_checked(&bytes[..]).unwrap();
        let repr = ArpRepr::parse(&packet).unwrap();
        assert_eq!(
            repr,
            ArpRepr {
                operation: ArpOperation::Reply,
                source_hardware_addr: EthAddr([0x00, 0x11, 0x22, 0x33, 0x44, 0x55]),
                source_protocol_addr: Ipv4Addr::new(10, 0, 0, 2),
                target_hardware_addr: EthAddr([0, 0, 0, 0, 0, 1]),
                target_protocol_addr: Ipv4Addr::new(10, 0, 0, 1),
            }
        );
        let mut out = vec![0u8; repr.buffer_len()];
        repr.emit(&mut ArpPacket::new_unchecked(&mut out[..]));
        assert_eq!(out, bytes);
    }

    #[test]
    fn rejects_truncation_and_other_kinds() {
        let bytes = hex(REPLY);
        for len in 0..bytes.len() {
            assert_eq!(ArpPacket::new_checked(&bytes[..len]), Err(Error::Truncated));
        }
        let mut other = bytes.clone();
        other[1] = 6; // IEEE 802 hardware
        let packet = ArpPacket::new_checked(&other[..]).unwrap();
        assert_eq!(packet.hardware_type(), ArpHardware::Unknown(6));
        assert_eq!(ArpRepr::parse(&packet), Err(Error::Unsupported));
        // Shorter addresses are still viewable.
        let mut short = bytes.clone();
        short[4] = 2;
        let packet = ArpPacket::new_checked(&short[..]).unwrap();
        assert_eq!(packet.packet_len(), 20);
        assert_eq!(packet.target_protocol_addr(), &bytes[16..20]);
        assert_eq!(ArpRepr::parse(&packet), Err(Error::Unsupported));
    }

    #[test]
    fn setters_round_trip() {
        let mut bytes = hex(REPLY);
        let mut packet = ArpPacket::new_checked(&mut bytes[..]).unwrap();
        packet.set_operation(ArpOperation::RarpRequest);
        packet.set_source_hardware_addr(&[1, 2, 3, 4, 5, 6]);
        packet.set_source_protocol_addr(&[7, 8, 9, 10]);
        packet.set_target_hardware_addr(&[11, 12, 13, 14, 15, 16]);
        packet.set_target_protocol_addr(&[17, 18, 19, 20]);
        assert_eq!(packet.operation(), ArpOperation::RarpRequest);
        assert_eq!(packet.source_hardware_addr(), &[1, 2, 3, 4, 5, 6]);
        assert_eq!(packet.source_protocol_addr(), &[7, 8, 9, 10]);
        assert_eq!(packet.target_hardware_addr(), &[11, 12, 13, 14, 15, 16]);
        assert_eq!(packet.target_protocol_addr(), &[17, 18, 19, 20]);
        packet.set_hardware_type(ArpHardware::Unknown(0x0101));
        packet.set_protocol_type(EtherType::Ipv6);
        assert_eq!(u16::from(packet.hardware_type()), 0x0101);
        assert_eq!(packet.protocol_type(), EtherType::Ipv6);
        assert_eq!(&bytes[8..12], &[1, 2, 3, 4]);
        assert_eq!(u16::from(ArpOperation::from(9)), 9);
    }
}
