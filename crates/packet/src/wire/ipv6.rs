//! IPv6 fixed headers (RFC 8200). Extension headers are in [`super::ipv6ext`].

use std::net::Ipv6Addr;

use super::ip::IpProtocol;
use super::ipv6ext::{Ipv6ExtHeader, Ipv6FragmentHeader};
use super::{get_array, get_u16, get_u32, set_u16, set_u32, Error, Result};

/// A view of an IPv6 packet: the 40-byte fixed header and the payload as
/// delimited by the payload length field. The payload starts with the
/// extension headers, if any; [`Ipv6Packet::upper_layer`] skips them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    use std::ops::Range;
    pub const VER_TC_FLOW: usize = 0;
    pub const LENGTH: usize = 4;
    pub const NXT_HDR: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC_ADDR: Range<usize> = 8..24;
    pub const DST_ADDR: Range<usize> = 24..40;
}

/// Flow label bits of the first 32-bit word.
pub const FLOW_LABEL_MASK: u32 = 0x000f_ffff;

view_common!(Ipv6Packet);

impl<T: AsRef<[u8]>> Ipv6Packet<T> {
    /// Length of the fixed header.
    pub const HEADER_LEN: usize = field::DST_ADDR.end;

    /// Checks that the buffer holds the fixed header and the payload length
    /// it announces (bytes past it are allowed). Does not check the
    /// version; [`Ipv6Repr::parse`] does.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < Self::HEADER_LEN || len < Self::HEADER_LEN + usize::from(self.payload_len()) {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    fn first_word(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::VER_TC_FLOW)
    }

    /// Version (6 for a valid packet).
    pub fn version(&self) -> u8 {
        (self.first_word() >> 28) as u8
    }

    /// Traffic class (DSCP and ECN).
    pub fn traffic_class(&self) -> u8 {
        (self.first_word() >> 20) as u8
    }

    /// Differentiated services code point (6 bits of the traffic class).
    pub fn dscp(&self) -> u8 {
        self.traffic_class() >> 2
    }

    /// Explicit congestion notification (2 bits of the traffic class).
    pub fn ecn(&self) -> u8 {
        self.traffic_class() & 0x03
    }

    /// Flow label (20 bits).
    pub fn flow_label(&self) -> u32 {
        self.first_word() & FLOW_LABEL_MASK
    }

    /// Payload length in bytes (extension headers included).
    pub fn payload_len(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::LENGTH)
    }

    /// Type of the first header after the fixed header.
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol::from(self.buffer.as_ref()[field::NXT_HDR])
    }

    /// Hop limit.
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref()[field::HOP_LIMIT]
    }

    /// Source address.
    pub fn src_addr(&self) -> Ipv6Addr {
        Ipv6Addr::from(get_array::<16>(self.buffer.as_ref(), field::SRC_ADDR.start))
    }

    /// Destination address.
    pub fn dst_addr(&self) -> Ipv6Addr {
        Ipv6Addr::from(get_array::<16>(self.buffer.as_ref(), field::DST_ADDR.start))
    }

    /// The payload: extension headers and upper-layer data.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[Self::HEADER_LEN..Self::HEADER_LEN + usize::from(self.payload_len())]
    }

    /// Skips the extension headers (hop-by-hop, routing, destination options
    /// and fragment) and returns the upper-layer protocol with its data.
    ///
    /// For a fragment with a nonzero offset, which carries no upper-layer
    /// header, the walk stops at the fragment header and returns
    /// `IpProtocol::Ipv6Frag` with the data starting at that header. Fails
    /// when an extension header is truncated.
    pub fn upper_layer(&self) -> Result<(IpProtocol, &[u8])> {
        let mut protocol = self.next_header();
        let mut data = self.payload();
        loop {
            if protocol.is_ipv6_generic_ext() {
                let ext = Ipv6ExtHeader::new_checked(data)?;
                protocol = ext.next_header();
                data = &data[usize::from(ext.header_len())..];
            } else if protocol == IpProtocol::Ipv6Frag {
                let frag = Ipv6FragmentHeader::new_checked(data)?;
                if frag.frag_offset() != 0 {
                    return Ok((protocol, data));
                }
                protocol = frag.next_header();
                data = &data[Ipv6FragmentHeader::<&[u8]>::HEADER_LEN..];
            } else {
                return Ok((protocol, data));
            }
        }
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6Packet<T> {
    fn set_first_word(&mut self, word: u32) {
        set_u32(self.buffer.as_mut(), field::VER_TC_FLOW, word);
    }

    /// Sets the version; only the low 4 bits are used.
    pub fn set_version(&mut self, version: u8) {
        let w = self.first_word() & 0x0fff_ffff;
        self.set_first_word(w | (u32::from(version & 0x0f) << 28));
    }

    /// Sets the traffic class.
    pub fn set_traffic_class(&mut self, tc: u8) {
        let w = self.first_word() & 0xf00f_ffff;
        self.set_first_word(w | (u32::from(tc) << 20));
    }

    /// Sets the DSCP; only the low 6 bits are used.
    pub fn set_dscp(&mut self, dscp: u8) {
        self.set_traffic_class((self.traffic_class() & 0x03) | (dscp << 2));
    }

    /// Sets the ECN; only the low 2 bits are used.
    pub fn set_ecn(&mut self, ecn: u8) {
        self.set_traffic_class((self.traffic_class() & 0xfc) | (ecn & 0x03));
    }

    /// Sets the flow label; only the low 20 bits are used.
    pub fn set_flow_label(&mut self, label: u32) {
        let w = self.first_word() & !FLOW_LABEL_MASK;
        self.set_first_word(w | (label & FLOW_LABEL_MASK));
    }

    /// Sets the payload length.
    pub fn set_payload_len(&mut self, len: u16) {
        set_u16(self.buffer.as_mut(), field::LENGTH, len);
    }

    /// Sets the next header.
    pub fn set_next_header(&mut self, protocol: IpProtocol) {
        self.buffer.as_mut()[field::NXT_HDR] = protocol.into();
    }

    /// Sets the hop limit.
    pub fn set_hop_limit(&mut self, hop_limit: u8) {
        self.buffer.as_mut()[field::HOP_LIMIT] = hop_limit;
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, addr: Ipv6Addr) {
        self.buffer.as_mut()[field::SRC_ADDR].copy_from_slice(&addr.octets());
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, addr: Ipv6Addr) {
        self.buffer.as_mut()[field::DST_ADDR].copy_from_slice(&addr.octets());
    }

    /// The payload, mutably.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = Self::HEADER_LEN + usize::from(self.payload_len());
        &mut self.buffer.as_mut()[Self::HEADER_LEN..end]
    }
}

/// The fields of an IPv6 fixed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6Repr {
    /// Source address.
    pub src_addr: Ipv6Addr,
    /// Destination address.
    pub dst_addr: Ipv6Addr,
    /// Type of the first header after the fixed header.
    pub next_header: IpProtocol,
    /// Payload length in bytes (extension headers included).
    pub payload_len: usize,
    /// Hop limit.
    pub hop_limit: u8,
    /// Traffic class.
    pub traffic_class: u8,
    /// Flow label (20 bits).
    pub flow_label: u32,
}

impl Ipv6Repr {
    /// Reads a fixed header. Fails with `Malformed` unless the version is 6.
    pub fn parse<T: AsRef<[u8]>>(packet: &Ipv6Packet<T>) -> Result<Self> {
        packet.check_len()?;
        if packet.version() != 6 {
            return Err(Error::Malformed);
        }
        Ok(Ipv6Repr {
            src_addr: packet.src_addr(),
            dst_addr: packet.dst_addr(),
            next_header: packet.next_header(),
            payload_len: usize::from(packet.payload_len()),
            hop_limit: packet.hop_limit(),
            traffic_class: packet.traffic_class(),
            flow_label: packet.flow_label(),
        })
    }

    /// Bytes [`Self::emit`] writes: the 40-byte fixed header.
    pub const fn buffer_len(&self) -> usize {
        field::DST_ADDR.end
    }

    /// Writes the fixed header into `packet`, which must hold
    /// [`Self::buffer_len`] bytes. `payload_len` is truncated to 16 bits.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Ipv6Packet<T>) {
        packet.set_first_word(0);
        packet.set_version(6);
        packet.set_traffic_class(self.traffic_class);
        packet.set_flow_label(self.flow_label);
        packet.set_payload_len(self.payload_len as u16);
        packet.set_next_header(self.next_header);
        packet.set_hop_limit(self.hop_limit);
        packet.set_src_addr(self.src_addr);
        packet.set_dst_addr(self.dst_addr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::{hex, EXT_PACKET, LATER_FRAGMENT, TCP_PACKET};

    #[test]
    fn parse_emit_round_trip() {
        let bytes = hex(TCP_PACKET);
        let packet = Ipv6Packet::new_checked(&bytes[..]).unwrap();
        let repr = Ipv6Repr::parse(&packet).unwrap();
        assert_eq!(
            repr,
            Ipv6Repr {
                src_addr: "2001:db8::1".parse().unwrap(),
                dst_addr: "2001:db8::2".parse().unwrap(),
                next_header: IpProtocol::Tcp,
                payload_len: 32,
                hop_limit: 64,
                traffic_class: 0x28,
                flow_label: 0x12345,
            }
        );
        assert_eq!((packet.dscp(), packet.ecn()), (10, 0));
        assert_eq!(packet.payload(), &bytes[40..]);
        assert_eq!(
            packet.upper_layer().unwrap(),
            (IpProtocol::Tcp, &bytes[40..])
        );
        let mut out = vec![0u8; repr.buffer_len()];
        repr.emit(&mut Ipv6Packet::new_unchecked(&mut out[..]));
        assert_eq!(out, bytes[..40]);
    }

    #[test]
    fn upper_layer_skips_extension_headers() {
        let bytes = hex(EXT_PACKET);
        let packet = Ipv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.next_header(), IpProtocol::HopByHop);
        let (protocol, data) = packet.upper_layer().unwrap();
        assert_eq!(protocol, IpProtocol::Udp);
        assert_eq!(data, &bytes[bytes.len() - 9..]);

        let bytes = hex(LATER_FRAGMENT);
        let packet = Ipv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(
            packet.upper_layer().unwrap(),
            (IpProtocol::Ipv6Frag, &bytes[40..])
        );
    }

    #[test]
    fn upper_layer_rejects_truncated_extension() {
        let mut bytes = hex(EXT_PACKET);
        bytes[41] = 20; // hop-by-hop length past the payload
        let packet = Ipv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.upper_layer(), Err(Error::Truncated));
    }

    #[test]
    fn rejects_truncation() {
        for literal in [TCP_PACKET, EXT_PACKET, LATER_FRAGMENT] {
            let bytes = hex(literal);
            for len in 0..bytes.len() {
                assert_eq!(
                    Ipv6Packet::new_checked(&bytes[..len]),
                    Err(Error::Truncated)
                );
            }
        }
        let mut bytes = hex(TCP_PACKET);
        bytes[0] = 0x40;
        let packet = Ipv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(Ipv6Repr::parse(&packet), Err(Error::Malformed));
    }

    #[test]
    fn setters_round_trip() {
        let mut bytes = hex(TCP_PACKET);
        let mut packet = Ipv6Packet::new_checked(&mut bytes[..]).unwrap();
        packet.set_dscp(46);
        packet.set_ecn(2);
        packet.set_flow_label(0xfffff);
        packet.set_hop_limit(7);
        packet.set_next_header(IpProtocol::Udp);
        packet.set_src_addr(Ipv6Addr::LOCALHOST);
        packet.set_dst_addr(Ipv6Addr::UNSPECIFIED);
        packet.set_payload_len(4);
        packet.payload_mut()[3] = 0xee;
        assert_eq!((packet.version(), packet.traffic_class()), (6, 0xba));
        assert_eq!(packet.flow_label(), 0xfffff);
        assert_eq!(packet.hop_limit(), 7);
        assert_eq!(packet.next_header(), IpProtocol::Udp);
        assert_eq!(packet.src_addr(), Ipv6Addr::LOCALHOST);
        assert_eq!(packet.dst_addr(), Ipv6Addr::UNSPECIFIED);
        assert_eq!(packet.payload(), &[0x30, 0x39, 0x00, 0xee]);
        packet.set_version(4);
        assert_eq!(packet.version(), 4);
        assert_eq!(packet.traffic_class(), 0xba);
    }
}
