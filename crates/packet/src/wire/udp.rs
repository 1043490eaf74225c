//! UDP headers (RFC 768).

use super::checksum::{self, IpPair};
use super::ip::IpProtocol;
use super::{get_u16, set_u16, Error, Result};

/// A view of a UDP datagram: header and payload as delimited by the length
/// field. Bytes past the length are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    pub const SRC_PORT: usize = 0;
    pub const DST_PORT: usize = 2;
    pub const LENGTH: usize = 4;
    pub const CHECKSUM: usize = 6;
    pub const PAYLOAD: usize = 8;
}

view_common!(UdpPacket);

impl<T: AsRef<[u8]>> UdpPacket<T> {
    /// Length of the header.
    pub const HEADER_LEN: usize = field::PAYLOAD;

    /// Checks that the buffer holds the header and the length it announces,
    /// and that the length covers the header.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < Self::HEADER_LEN {
            return Err(Error::Truncated);
        }
        let udp_len = usize::from(self.len());
        if udp_len < Self::HEADER_LEN {
            return Err(Error::Malformed);
        }
        if len < udp_len {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Source port.
    pub fn src_port(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::SRC_PORT)
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::DST_PORT)
    }

    /// Length of header and payload, in bytes.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::LENGTH)
    }

    /// Checksum as stored (0: none, allowed over IPv4 only).
    pub fn checksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::CHECKSUM)
    }

    /// The payload, up to the length field.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD..usize::from(self.len())]
    }

    /// True when the checksum is correct for a datagram carried between the
    /// addresses of `ips`. A zero checksum means "none": it verifies over
    /// IPv4 and fails over IPv6, where the checksum is mandatory.
    pub fn verify_checksum(&self, ips: &IpPair) -> bool {
        if self.checksum() == 0 {
            return matches!(ips, IpPair::V4(..));
        }
        let data = &self.buffer.as_ref()[..usize::from(self.len())];
        checksum::upper_layer(ips, IpProtocol::Udp, data) == 0
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> UdpPacket<T> {
    /// Sets the source port.
    pub fn set_src_port(&mut self, port: u16) {
        set_u16(self.buffer.as_mut(), field::SRC_PORT, port);
    }

    /// Sets the destination port.
    pub fn set_dst_port(&mut self, port: u16) {
        set_u16(self.buffer.as_mut(), field::DST_PORT, port);
    }

    /// Sets the length of header and payload.
    pub fn set_len(&mut self, len: u16) {
        set_u16(self.buffer.as_mut(), field::LENGTH, len);
    }

    /// Sets the stored checksum.
    pub fn set_checksum(&mut self, value: u16) {
        set_u16(self.buffer.as_mut(), field::CHECKSUM, value);
    }

    /// The payload, mutably.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = usize::from(self.len());
        &mut self.buffer.as_mut()[field::PAYLOAD..end]
    }

    /// Computes and stores the checksum for a datagram carried between the
    /// addresses of `ips`. A computed 0 is stored as `0xffff`, since 0 means
    /// "no checksum".
    pub fn fill_checksum(&mut self, ips: &IpPair) {
        self.set_checksum(0);
        let data = &self.buffer.as_ref()[..usize::from(self.len())];
        let csum = checksum::upper_layer(ips, IpProtocol::Udp, data);
        self.set_checksum(if csum == 0 { 0xffff } else { csum });
    }
}

/// The fields of a UDP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UdpRepr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Payload length in bytes.
    pub payload_len: usize,
}

impl UdpRepr {
    /// Reads a header. The checksum is not verified (see
    /// [`UdpPacket::verify_checksum`]).
    pub fn parse<T: AsRef<[u8]>>(packet: &UdpPacket<T>) -> Result<Self> {
        packet.check_len()?;
        Ok(UdpRepr {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
            payload_len: packet.payload().len(),
        })
    }

    /// Bytes [`Self::emit`] writes: the 8-byte header.
    pub const fn buffer_len(&self) -> usize {
        field::PAYLOAD
    }

    /// Writes the header into `packet`, which must hold
    /// [`Self::buffer_len`] bytes, with a zero checksum (none); fill it with
    /// [`UdpPacket::fill_checksum`] once the payload is in place. The length
    /// is `8 + payload_len`, truncated to 16 bits.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut UdpPacket<T>) {
        packet.set_src_port(self.src_port);
        packet.set_dst_port(self.dst_port);
        packet.set_len((field::PAYLOAD + self.payload_len) as u16);
        packet.set_checksum(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::{hex, EXT_PACKET};
    use std::net::{Ipv4Addr, Ipv6Addr};

    // UDP part of scapy: IP(src="192.168.1.1", dst="192.168.1.2", ...)
    //   /UDP(sport=1234, dport=5678)/b"hello"
    const V4_DATAGRAM: &str = "04d2162e000d1dae68656c6c6f";

    fn v4_ips() -> IpPair {
        IpPair::V4(Ipv4Addr::new(192, 168, 1, 1), Ipv4Addr::new(192, 168, 1, 2))
    }

    fn v6_ips() -> IpPair {
        // The packet has a routing header: the pseudo-header holds the final
        // destination, its last address (RFC 8200 section 8.1).
        let src: Ipv6Addr = "fe80::1".parse().unwrap();
        IpPair::V6(src, "2001:db8::9".parse().unwrap())
    }

    #[test]
    fn parse_emit_round_trip() {
        let bytes = hex(V4_DATAGRAM);
        let packet = UdpPacket::new_checked(&bytes[..]).unwrap();
        assert!(packet.verify_checksum(&v4_ips()));
        let repr = UdpRepr::parse(&packet).unwrap();
        assert_eq!(
            repr,
            UdpRepr {
                src_port: 1234,
                dst_port: 5678,
                payload_len: 5
            }
        );
        assert_eq!(packet.payload(), b"hello");
        let mut out = vec![0u8; bytes.len()];
        out[8..].copy_from_slice(b"hello");
        let mut view = UdpPacket::new_unchecked(&mut out[..]);
        repr.emit(&mut view);
        view.fill_checksum(&v4_ips());
        assert_eq!(out, bytes);
    }

    #[test]
    fn checksum_over_ipv6() {
        let bytes = hex(EXT_PACKET)[88..].to_vec();
        let packet = UdpPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(
            (packet.src_port(), packet.dst_port(), packet.len()),
            (53, 53, 9)
        );
        assert!(packet.verify_checksum(&v6_ips()));
        let mut zero = bytes.clone();
        zero[6..8].fill(0);
        let packet = UdpPacket::new_checked(&zero[..]).unwrap();
        assert!(!packet.verify_checksum(&v6_ips()));
        assert!(packet.verify_checksum(&v4_ips()));
    }

    #[test]
    fn computed_zero_is_sent_as_ffff() {
        // Find a payload word that makes the checksum come out as zero.
        let mut bytes = hex(V4_DATAGRAM);
        bytes[8..10].fill(0);
        let mut packet = UdpPacket::new_checked(&mut bytes[..]).unwrap();
        packet.fill_checksum(&v4_ips());
        let csum = packet.checksum();
        // Adding the checksum to the payload makes the new sum 0xffff, whose
        // complement is 0.
        packet.payload_mut()[..2].copy_from_slice(&csum.to_be_bytes());
        packet.fill_checksum(&v4_ips());
        assert_eq!(packet.checksum(), 0xffff);
        assert!(packet.verify_checksum(&v4_ips()));
    }

    #[test]
    fn rejects_truncation_and_bad_length() {
        let bytes = hex(V4_DATAGRAM);
        for len in 0..bytes.len() {
            assert_eq!(UdpPacket::new_checked(&bytes[..len]), Err(Error::Truncated));
        }
        let mut bytes = hex(V4_DATAGRAM);
        bytes[5] = 7;
        assert_eq!(UdpPacket::new_checked(&bytes[..]), Err(Error::Malformed));
    }

    #[test]
    fn setters_round_trip() {
        let mut bytes = hex(V4_DATAGRAM);
        bytes.extend_from_slice(&[0xee; 3]); // past the length
        let mut packet = UdpPacket::new_checked(&mut bytes[..]).unwrap();
        packet.set_src_port(7);
        packet.set_dst_port(4789);
        packet.set_checksum(0xbeef);
        packet.payload_mut()[4] = b'!';
        assert_eq!((packet.src_port(), packet.dst_port()), (7, 4789));
        assert_eq!(packet.checksum(), 0xbeef);
        assert_eq!(packet.payload(), b"hell!");
        packet.set_len(9);
        assert_eq!(packet.payload(), b"h");
    }
}
