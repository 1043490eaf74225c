//! ICMP for IPv4 (RFC 792).

use super::checksum;
use super::{get_u16, get_u32, set_u16, set_u32, Error, Result};

open_enum! {
    /// An ICMPv4 message type.
    pub enum Icmpv4Message(u8) {
        /// Echo reply.
        EchoReply = 0,
        /// Destination unreachable.
        DstUnreachable = 3,
        /// Source quench (deprecated).
        SourceQuench = 4,
        /// Redirect.
        Redirect = 5,
        /// Echo request.
        EchoRequest = 8,
        /// Router advertisement.
        RouterAdvert = 9,
        /// Router solicitation.
        RouterSolicit = 10,
        /// Time exceeded.
        TimeExceeded = 11,
        /// Parameter problem.
        ParamProblem = 12,
        /// Timestamp request.
        Timestamp = 13,
        /// Timestamp reply.
        TimestampReply = 14,
    }
}

impl Icmpv4Message {
    /// True for error messages, whose data is the start of the offending
    /// datagram.
    pub fn is_error(self) -> bool {
        matches!(
            self,
            Icmpv4Message::DstUnreachable
                | Icmpv4Message::SourceQuench
                | Icmpv4Message::Redirect
                | Icmpv4Message::TimeExceeded
                | Icmpv4Message::ParamProblem
        )
    }
}

/// A view of an ICMPv4 message: type, code, checksum, the 4-byte "rest of
/// header" and the data. The checksum covers the whole buffer, which must
/// be exactly the message (the IP payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Icmpv4Packet<T: AsRef<[u8]>> {
    buffer: T,
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

view_common!(Icmpv4Packet);

impl<T: AsRef<[u8]>> Icmpv4Packet<T> {
    /// Length of the header (type through rest of header).
    pub const HEADER_LEN: usize = field::DATA;

    /// Checks that the buffer holds the 8-byte header.
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < Self::HEADER_LEN {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Message type.
    pub fn msg_type(&self) -> Icmpv4Message {
        Icmpv4Message::from(self.buffer.as_ref()[field::TYPE])
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

    /// True when the checksum over the message is correct.
    pub fn verify_checksum(&self) -> bool {
        checksum::sum(self.buffer.as_ref()) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Icmpv4Packet<T> {
    /// Sets the message type.
    pub fn set_msg_type(&mut self, value: Icmpv4Message) {
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

    /// Computes and stores the checksum over the message.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let csum = checksum::checksum(self.buffer.as_ref());
        self.set_checksum(csum);
    }
}

/// The fields of an ICMPv4 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Icmpv4Repr {
    /// Message type.
    pub msg_type: Icmpv4Message,
    /// Message code.
    pub msg_code: u8,
    /// The 4 type-specific bytes (echo identifier and sequence number,
    /// redirect gateway, next-hop MTU, parameter problem pointer, ...).
    pub rest_of_header: u32,
}

impl Icmpv4Repr {
    /// Reads a header. The checksum is not verified (see
    /// [`Icmpv4Packet::verify_checksum`]).
    pub fn parse<T: AsRef<[u8]>>(packet: &Icmpv4Packet<T>) -> Result<Self> {
        packet.check_len()?;
        Ok(Icmpv4Repr {
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
    /// [`Icmpv4Packet::fill_checksum`] once the data is in place.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Icmpv4Packet<T>) {
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
    use crate::wire::{IpProtocol, Ipv4Packet};

    // scapy: IP(src="10.1.1.1", dst="10.1.1.2", id=9)
    //   /ICMP(type=8, code=0, id=0x1234, seq=1)/b"ping"
    const ECHO: &str = "4500002000090000400164d00a0101010a010102080006fa1234000170696e67";
    // scapy: IP(src="10.1.1.2", dst="10.1.1.1", id=10)/ICMP(type=3, code=3)
    //   /IP(src="10.1.1.1", dst="10.1.1.2")/UDP(sport=1, dport=2)
    const UNREACH: &str = "45000038000a0000400164b70a0101020a0101010303131b000000004500001c\
        00010000401164cc0a0101010a010102000100020008e9d6";

    #[test]
    fn echo_round_trip() {
        let bytes = hex(ECHO);
        let ip = Ipv4Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(ip.protocol(), IpProtocol::Icmp);
        let packet = Icmpv4Packet::new_checked(ip.payload()).unwrap();
        assert!(packet.verify_checksum());
        assert_eq!((packet.echo_ident(), packet.echo_seq_no()), (0x1234, 1));
        let repr = Icmpv4Repr::parse(&packet).unwrap();
        assert_eq!(
            repr,
            Icmpv4Repr {
                msg_type: Icmpv4Message::EchoRequest,
                msg_code: 0,
                rest_of_header: 0x1234_0001
            }
        );
        assert_eq!(packet.data(), b"ping");
        let mut out = [0u8; 12];
        out[8..].copy_from_slice(b"ping");
        let mut view = Icmpv4Packet::new_unchecked(&mut out[..]);
        repr.emit(&mut view);
        view.fill_checksum();
        assert_eq!(out, bytes[20..]);
    }

    #[test]
    fn error_carries_offending_header() {
        let bytes = hex(UNREACH);
        let packet = Icmpv4Packet::new_checked(&bytes[20..]).unwrap();
        assert!(packet.verify_checksum());
        assert_eq!(packet.msg_type(), Icmpv4Message::DstUnreachable);
        assert!(packet.msg_type().is_error());
        assert_eq!(packet.msg_code(), 3);
        let inner = Ipv4Packet::new_checked(packet.data()).unwrap();
        assert_eq!(inner.protocol(), IpProtocol::Udp);
        let repr = Icmpv4Repr::parse(&packet).unwrap();
        let mut out = bytes[20..].to_vec();
        out[..8].fill(0);
        let mut view = Icmpv4Packet::new_unchecked(&mut out[..]);
        repr.emit(&mut view);
        view.fill_checksum();
        assert_eq!(out, bytes[20..]);
    }

    #[test]
    fn rejects_truncation() {
        let bytes = hex(ECHO);
        for len in 0..8 {
            assert_eq!(
                Icmpv4Packet::new_checked(&bytes[20..20 + len]),
                Err(Error::Truncated)
            );
        }
    }

    #[test]
    fn setters_round_trip() {
        let mut bytes = hex(ECHO)[20..].to_vec();
        let mut packet = Icmpv4Packet::new_checked(&mut bytes[..]).unwrap();
        packet.set_msg_type(Icmpv4Message::EchoReply);
        packet.set_msg_code(0);
        packet.set_echo_ident(7);
        packet.set_echo_seq_no(8);
        packet.data_mut()[0] = b'P';
        assert!(!packet.verify_checksum());
        packet.fill_checksum();
        assert!(packet.verify_checksum());
        assert_eq!(packet.msg_type(), Icmpv4Message::EchoReply);
        assert_eq!(packet.rest_of_header(), 0x0007_0008);
        packet.set_rest_of_header(0xdead_beef);
        packet.set_msg_type(Icmpv4Message::Unknown(42));
        assert_eq!(packet.echo_ident(), 0xdead);
        assert_eq!(packet.msg_type(), Icmpv4Message::Unknown(42));
        assert_eq!(packet.data(), b"Ping");
    }
}
