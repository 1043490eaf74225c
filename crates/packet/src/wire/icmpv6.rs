//! ICMP for IPv6 (RFC 4443). Neighbor Discovery fields and options are in
//! [`super::ndisc`].

use std::net::Ipv6Addr;

use super::checksum::{self, IpPair};
use super::ip::IpProtocol;
use super::ndisc;
use super::{get_u16, get_u32, set_u16, set_u32, Error, Result};

open_enum! {
    /// An ICMPv6 message type.
    pub enum Icmpv6Message(u8) {
        /// Destination unreachable.
        DstUnreachable = 1,
        /// Packet too big.
        PktTooBig = 2,
        /// Time exceeded.
        TimeExceeded = 3,
        /// Parameter problem.
        ParamProblem = 4,
        /// Echo request.
        EchoRequest = 128,
        /// Echo reply.
        EchoReply = 129,
        /// Multicast listener query.
        MldQuery = 130,
        /// Multicast listener report (MLDv1).
        MldReport = 131,
        /// Multicast listener done (MLDv1).
        MldDone = 132,
        /// Router solicitation.
        RouterSolicit = 133,
        /// Router advertisement.
        RouterAdvert = 134,
        /// Neighbor solicitation.
        NeighborSolicit = 135,
        /// Neighbor advertisement.
        NeighborAdvert = 136,
        /// Redirect.
        Redirect = 137,
        /// Multicast listener report, version 2.
        MldV2Report = 143,
    }
}

impl Icmpv6Message {
    /// True for error messages (types below 128).
    pub fn is_error(self) -> bool {
        u8::from(self) < 128
    }
}

/// A view of an ICMPv6 message: type, code, checksum, the 4-byte "rest of
/// header" and the data. The checksum covers the IPv6 pseudo-header and the
/// whole buffer, which must be exactly the message (the upper-layer data).
///
/// For Neighbor Discovery messages [`Self::check_len`] also checks the
/// fixed part of the message ([`ndisc::fixed_len`]), so the ND accessors
/// ([`Self::target_addr`], [`Self::nd_options`], ...) cannot panic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Icmpv6Packet<T: AsRef<[u8]>> {
    pub(super) buffer: T,
}

mod field {
    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: usize = 2;
    pub const REST: usize = 4;
    pub const ECHO_IDENT: usize = 4;
    pub const ECHO_SEQNO: usize = 6;
    pub const DATA: usize = 8;
}

view_common!(Icmpv6Packet);

impl<T: AsRef<[u8]>> Icmpv6Packet<T> {
    /// Length of the header (type through rest of header).
    pub const HEADER_LEN: usize = field::DATA;

    /// Checks that the buffer holds the 8-byte header and, for Neighbor
    /// Discovery messages, their fixed part.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < Self::HEADER_LEN || len < ndisc::fixed_len(self.msg_type()) {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Message type.
    pub fn msg_type(&self) -> Icmpv6Message {
        Icmpv6Message::from(self.buffer.as_ref()[field::TYPE])
    }

    /// Message code.
    pub fn msg_code(&self) -> u8 {
        self.buffer.as_ref()[field::CODE]
    }

    /// Checksum as stored.
    pub fn checksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::CHECKSUM)
    }

    /// The 4 type-specific bytes after the checksum, as one word.
    pub fn rest_of_header(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::REST)
    }

    /// Identifier of an echo request or reply.
    pub fn echo_ident(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::ECHO_IDENT)
    }

    /// Sequence number of an echo request or reply.
    pub fn echo_seq_no(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::ECHO_SEQNO)
    }

    /// The data after the 8-byte header.
    pub fn data(&self) -> &[u8] {
        &self.buffer.as_ref()[field::DATA..]
    }

    /// True when the checksum is correct for a message sent from `src` to
    /// `dst`.
    pub fn verify_checksum(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> bool {
        let ips = IpPair::V6(*src, *dst);
        checksum::upper_layer(&ips, IpProtocol::Icmpv6, self.buffer.as_ref()) == 0
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Icmpv6Packet<T> {
    /// Sets the message type.
    pub fn set_msg_type(&mut self, value: Icmpv6Message) {
        self.buffer.as_mut()[field::TYPE] = value.into();
    }

    /// Sets the message code.
    pub fn set_msg_code(&mut self, value: u8) {
        self.buffer.as_mut()[field::CODE] = value;
    }

    /// Sets the stored checksum.
    pub fn set_checksum(&mut self, value: u16) {
        set_u16(self.buffer.as_mut(), field::CHECKSUM, value);
    }

    /// Sets the 4 type-specific bytes after the checksum.
    pub fn set_rest_of_header(&mut self, value: u32) {
        set_u32(self.buffer.as_mut(), field::REST, value);
    }

    /// Sets the identifier of an echo request or reply.
    pub fn set_echo_ident(&mut self, value: u16) {
        set_u16(self.buffer.as_mut(), field::ECHO_IDENT, value);
    }

    /// Sets the sequence number of an echo request or reply.
    pub fn set_echo_seq_no(&mut self, value: u16) {
        set_u16(self.buffer.as_mut(), field::ECHO_SEQNO, value);
    }

    /// The data after the header, mutably.
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::DATA..]
    }

    /// Computes and stores the checksum for a message sent from `src` to
    /// `dst`.
    pub fn fill_checksum(&mut self, src: &Ipv6Addr, dst: &Ipv6Addr) {
        self.set_checksum(0);
        let ips = IpPair::V6(*src, *dst);
        let csum = checksum::upper_layer(&ips, IpProtocol::Icmpv6, self.buffer.as_ref());
        self.set_checksum(csum);
    }
}

/// The fields of an ICMPv6 header. Neighbor solicitations and
/// advertisements have a richer form, [`super::NdiscRepr`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Icmpv6Repr {
    /// Message type.
    pub msg_type: Icmpv6Message,
    /// Message code.
    pub msg_code: u8,
    /// The 4 type-specific bytes (echo identifier and sequence number, MTU,
    /// pointer, ND flags, ...).
    pub rest_of_header: u32,
}

impl Icmpv6Repr {
    /// Reads a header. The checksum is not verified (see
    /// [`Icmpv6Packet::verify_checksum`]).
    pub fn parse<T: AsRef<[u8]>>(packet: &Icmpv6Packet<T>) -> Result<Self> {
        packet.check_len()?;
        Ok(Icmpv6Repr {
            msg_type: packet.msg_type(),
            msg_code: packet.msg_code(),
            rest_of_header: packet.rest_of_header(),
        })
    }

    /// Bytes [`Self::emit`] writes: the 8-byte header.
    pub const fn buffer_len(&self) -> usize {
        field::DATA
    }

    /// Writes the header into `packet`, which must hold
    /// [`Self::buffer_len`] bytes, with a zero checksum; fill it with
    /// [`Icmpv6Packet::fill_checksum`] once the data is in place.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Icmpv6Packet<T>) {
        packet.set_msg_type(self.msg_type);
        packet.set_msg_code(self.msg_code);
        packet.set_checksum(0);
        packet.set_rest_of_header(self.rest_of_header);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::Ipv6Packet;

    // scapy: IPv6(src="2001:db8::1", dst="2001:db8::2")
    //   /ICMPv6EchoRequest(id=0x42, seq=7, data=b"hi")
    const ECHO: &str = "60000000000a3a4020010db800000000000000000000000120010db800000000\
        00000000000000028000bb93004200076869";

    #[test]
    fn echo_round_trip() {
        let bytes = hex(ECHO);
        let ip = Ipv6Packet::new_checked(&bytes[..]).unwrap();
        let packet = Icmpv6Packet::new_checked(ip.payload()).unwrap();
        assert!(packet.verify_checksum(&ip.src_addr(), &ip.dst_addr()));
        assert!(!packet.verify_checksum(&ip.dst_addr(), &Ipv6Addr::LOCALHOST));
        let repr = Icmpv6Repr::parse(&packet).unwrap();
        assert_eq!(
            repr,
            Icmpv6Repr {
                msg_type: Icmpv6Message::EchoRequest,
                msg_code: 0,
                rest_of_header: 0x0042_0007
            }
        );
        assert!(!repr.msg_type.is_error());
        assert_eq!((packet.echo_ident(), packet.echo_seq_no()), (0x42, 7));
        assert_eq!(packet.data(), b"hi");
        let mut out = [0u8; 10];
        out[8..].copy_from_slice(b"hi");
        let mut view = Icmpv6Packet::new_unchecked(&mut out[..]);
        repr.emit(&mut view);
        view.fill_checksum(&ip.src_addr(), &ip.dst_addr());
        assert_eq!(out, bytes[40..]);
    }

    #[test]
    fn rejects_truncation() {
        let bytes = hex(ECHO);
        for len in 0..8 {
            assert_eq!(
                Icmpv6Packet::new_checked(&bytes[40..40 + len]),
                Err(Error::Truncated)
            );
        }
    }

    #[test]
    fn setters_round_trip() {
        let mut bytes = hex(ECHO)[40..].to_vec();
        let mut packet = Icmpv6Packet::new_checked(&mut bytes[..]).unwrap();
        packet.set_msg_type(Icmpv6Message::EchoReply);
        packet.set_msg_code(1);
        packet.set_echo_ident(0x0102);
        packet.set_echo_seq_no(0x0304);
        packet.data_mut()[1] = b'o';
        assert_eq!(packet.msg_type(), Icmpv6Message::EchoReply);
        assert_eq!(packet.msg_code(), 1);
        assert_eq!(packet.rest_of_header(), 0x0102_0304);
        packet.set_rest_of_header(9);
        packet.set_checksum(0xabcd);
        assert_eq!((packet.echo_ident(), packet.echo_seq_no()), (0, 9));
        assert_eq!(packet.checksum(), 0xabcd);
        assert_eq!(packet.data(), b"ho");
        assert!(Icmpv6Message::from(1).is_error());
    }
}
