//! TCP headers (RFC 9293).

use super::checksum::{self, IpPair};
use super::ip::IpProtocol;
use super::{get_u16, get_u32, set_u16, set_u32, Error, Result};
pub use crate::flow::tcp_flags as flags;

/// A view of a TCP segment: header, options (as delimited by the data
/// offset) and payload. For the checksum methods the buffer must be exactly
/// the segment (the IP payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    pub const SRC_PORT: usize = 0;
    pub const DST_PORT: usize = 2;
    pub const SEQ_NUM: usize = 4;
    pub const ACK_NUM: usize = 8;
    pub const FLAGS: usize = 12;
    pub const WIN_SIZE: usize = 14;
    pub const CHECKSUM: usize = 16;
    pub const URGENT: usize = 18;
    pub const OPTIONS: usize = 20;
}

/// Bits of the data offset/flags word holding the flags (the three
/// reserved bits included, as OVS keeps them).
pub const FLAGS_MASK: u16 = 0x0fff;

view_common!(TcpPacket);

impl<T: AsRef<[u8]>> TcpPacket<T> {
    /// Length of a header without options.
    pub const MIN_HEADER_LEN: usize = field::OPTIONS;

    /// Checks that the buffer holds a header whose data offset is at least 5
    /// and fits in the buffer.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < Self::MIN_HEADER_LEN {
            return Err(Error::Truncated);
        }
        let header_len = usize::from(self.header_len());
        if header_len < Self::MIN_HEADER_LEN {
            return Err(Error::Malformed);
        }
        if len < header_len {
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

    /// Sequence number.
    pub fn seq_number(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::SEQ_NUM)
    }

    /// Acknowledgment number.
    pub fn ack_number(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::ACK_NUM)
    }

    /// Header length in bytes (data offset × 4), options included.
    pub fn header_len(&self) -> u8 {
        (self.buffer.as_ref()[field::FLAGS] >> 4) * 4
    }

    /// The flags ([`flags`] bits, within [`FLAGS_MASK`]).
    pub fn flags(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::FLAGS) & FLAGS_MASK
    }

    /// True when every bit of `flag` (a [`flags`] constant) is set.
    pub fn has_flags(&self, flag: u16) -> bool {
        self.flags() & flag == flag
    }

    /// Window size.
    pub fn window_len(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::WIN_SIZE)
    }

    /// Checksum as stored.
    pub fn checksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::CHECKSUM)
    }

    /// Urgent pointer.
    pub fn urgent_ptr(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::URGENT)
    }

    /// The options: the header past its first 20 bytes.
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[field::OPTIONS..usize::from(self.header_len())]
    }

    /// The payload: everything after the header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[usize::from(self.header_len())..]
    }

    /// True when the checksum is correct for a segment carried between the
    /// addresses of `ips`.
    pub fn verify_checksum(&self, ips: &IpPair) -> bool {
        checksum::upper_layer(ips, IpProtocol::Tcp, self.buffer.as_ref()) == 0
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> TcpPacket<T> {
    /// Sets the source port.
    pub fn set_src_port(&mut self, port: u16) {
        set_u16(self.buffer.as_mut(), field::SRC_PORT, port);
    }

    /// Sets the destination port.
    pub fn set_dst_port(&mut self, port: u16) {
        set_u16(self.buffer.as_mut(), field::DST_PORT, port);
    }

    /// Sets the sequence number.
    pub fn set_seq_number(&mut self, value: u32) {
        set_u32(self.buffer.as_mut(), field::SEQ_NUM, value);
    }

    /// Sets the acknowledgment number.
    pub fn set_ack_number(&mut self, value: u32) {
        set_u32(self.buffer.as_mut(), field::ACK_NUM, value);
    }

    /// Sets the header length in bytes; it must be a multiple of 4 up to 60.
    pub fn set_header_len(&mut self, len: u8) {
        let b = &mut self.buffer.as_mut()[field::FLAGS];
        *b = (*b & 0x0f) | (((len / 4) & 0x0f) << 4);
    }

    /// Sets the flags; bits outside [`FLAGS_MASK`] are ignored.
    pub fn set_flags(&mut self, value: u16) {
        let w = get_u16(self.buffer.as_ref(), field::FLAGS) & !FLAGS_MASK;
        set_u16(self.buffer.as_mut(), field::FLAGS, w | (value & FLAGS_MASK));
    }

    /// Sets the window size.
    pub fn set_window_len(&mut self, value: u16) {
        set_u16(self.buffer.as_mut(), field::WIN_SIZE, value);
    }

    /// Sets the stored checksum.
    pub fn set_checksum(&mut self, value: u16) {
        set_u16(self.buffer.as_mut(), field::CHECKSUM, value);
    }

    /// Sets the urgent pointer.
    pub fn set_urgent_ptr(&mut self, value: u16) {
        set_u16(self.buffer.as_mut(), field::URGENT, value);
    }

    /// The options, mutably.
    pub fn options_mut(&mut self) -> &mut [u8] {
        let end = usize::from(self.header_len());
        &mut self.buffer.as_mut()[field::OPTIONS..end]
    }

    /// The payload, mutably.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = usize::from(self.header_len());
        &mut self.buffer.as_mut()[start..]
    }

    /// Computes and stores the checksum for a segment carried between the
    /// addresses of `ips`.
    pub fn fill_checksum(&mut self, ips: &IpPair) {
        self.set_checksum(0);
        let csum = checksum::upper_layer(ips, IpProtocol::Tcp, self.buffer.as_ref());
        self.set_checksum(csum);
    }
}

/// The fields of a TCP header, options as raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TcpRepr<'a> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq_number: u32,
    /// Acknowledgment number.
    pub ack_number: u32,
    /// Flags ([`flags`] bits).
    pub flags: u16,
    /// Window size.
    pub window_len: u16,
    /// Urgent pointer.
    pub urgent_ptr: u16,
    /// Options, padding included: a multiple of 4 bytes, at most 40.
    pub options: &'a [u8],
}

impl<'a> TcpRepr<'a> {
    /// Reads a header, borrowing the options from the view. The checksum is
    /// not verified (see [`TcpPacket::verify_checksum`]).
    pub fn parse<T: AsRef<[u8]>>(packet: &'a TcpPacket<T>) -> Result<Self> {
        packet.check_len()?;
        Ok(TcpRepr {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
            seq_number: packet.seq_number(),
            ack_number: packet.ack_number(),
            flags: packet.flags(),
            window_len: packet.window_len(),
            urgent_ptr: packet.urgent_ptr(),
            options: packet.options(),
        })
    }

    /// Bytes [`Self::emit`] writes: 20 plus the options.
    pub const fn buffer_len(&self) -> usize {
        field::OPTIONS + self.options.len()
    }

    /// Writes the header into `packet`, which must hold
    /// [`Self::buffer_len`] bytes, with a zero checksum; fill it with
    /// [`TcpPacket::fill_checksum`] once the payload is in place.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut TcpPacket<T>) {
        packet.set_src_port(self.src_port);
        packet.set_dst_port(self.dst_port);
        packet.set_seq_number(self.seq_number);
        packet.set_ack_number(self.ack_number);
        set_u16(packet.buffer.as_mut(), field::FLAGS, 0);
        packet.set_header_len(self.buffer_len() as u8);
        packet.set_flags(self.flags);
        packet.set_window_len(self.window_len);
        packet.set_checksum(0);
        packet.set_urgent_ptr(self.urgent_ptr);
        packet.options_mut().copy_from_slice(self.options);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::{hex, TCP_PACKET};
    use std::net::{Ipv4Addr, Ipv6Addr};

    // scapy: IP(src="192.0.2.1", dst="198.51.100.2", ttl=64, id=1)/TCP(sport=40000,
    //   dport=443, seq=0x01020304, ack=0x0a0b0c0d, flags="PA", window=501)/b"GET /"
    const V4_SEGMENT: &str = "9c4001bb010203040a0b0c0d501801f53f1c0000474554202f";

    fn v4_ips() -> IpPair {
        IpPair::V4(Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(198, 51, 100, 2))
    }

    fn v6_ips() -> IpPair {
        let src: Ipv6Addr = "2001:db8::1".parse().unwrap();
        IpPair::V6(src, "2001:db8::2".parse().unwrap())
    }

    #[test]
    fn parse_emit_round_trip_v4() {
        let bytes = hex(V4_SEGMENT);
        let packet = TcpPacket::new_checked(&bytes[..]).unwrap();
        assert!(packet.verify_checksum(&v4_ips()));
        let repr = TcpRepr::parse(&packet).unwrap();
        assert_eq!(
            repr,
            TcpRepr {
                src_port: 40000,
                dst_port: 443,
                seq_number: 0x0102_0304,
                ack_number: 0x0a0b_0c0d,
                flags: flags::PSH | flags::ACK,
                window_len: 501,
                urgent_ptr: 0,
                options: &[],
            }
        );
        assert_eq!(packet.payload(), b"GET /");
        let mut out = bytes.clone();
        out[..20].fill(0);
        let mut view = TcpPacket::new_unchecked(&mut out[..]);
        repr.emit(&mut view);
        view.fill_checksum(&v4_ips());
        assert_eq!(out, bytes);
    }

    #[test]
    fn parse_emit_round_trip_v6_with_options() {
        let bytes = hex(TCP_PACKET)[40..].to_vec();
        let packet = TcpPacket::new_checked(&bytes[..]).unwrap();
        assert!(packet.verify_checksum(&v6_ips()));
        assert!(!packet.verify_checksum(&v4_ips()));
        let repr = TcpRepr::parse(&packet).unwrap();
        assert_eq!(repr.flags, flags::SYN | flags::ACK);
        assert!(packet.has_flags(flags::SYN) && !packet.has_flags(flags::FIN));
        assert_eq!(
            (repr.seq_number, repr.ack_number, repr.window_len),
            (1, 2, 8192)
        );
        assert_eq!(repr.options, &[2, 4, 0x05, 0xb4, 1, 1, 4, 2]);
        assert_eq!(packet.payload(), b"data");
        let mut out = vec![0u8; bytes.len()];
        out[repr.buffer_len()..].copy_from_slice(b"data");
        let mut view = TcpPacket::new_unchecked(&mut out[..]);
        repr.emit(&mut view);
        view.fill_checksum(&v6_ips());
        assert_eq!(out, bytes);
    }

    #[test]
    fn rejects_truncation_and_bad_offset() {
        let bytes = hex(TCP_PACKET)[40..].to_vec();
        for len in 0..28 {
            assert_eq!(TcpPacket::new_checked(&bytes[..len]), Err(Error::Truncated));
        }
        let mut bytes = hex(V4_SEGMENT);
        bytes[12] = 0x40;
        assert_eq!(TcpPacket::new_checked(&bytes[..]), Err(Error::Malformed));
    }

    #[test]
    fn setters_round_trip() {
        let mut bytes = hex(V4_SEGMENT);
        let mut packet = TcpPacket::new_checked(&mut bytes[..]).unwrap();
        packet.set_src_port(1);
        packet.set_dst_port(2);
        packet.set_seq_number(3);
        packet.set_ack_number(4);
        packet.set_flags(0xffff);
        packet.set_window_len(5);
        packet.set_urgent_ptr(6);
        packet.payload_mut()[0] = b'P';
        assert_eq!((packet.src_port(), packet.dst_port()), (1, 2));
        assert_eq!((packet.seq_number(), packet.ack_number()), (3, 4));
        assert_eq!(packet.flags(), FLAGS_MASK);
        assert_eq!(packet.header_len(), 20);
        assert_eq!((packet.window_len(), packet.urgent_ptr()), (5, 6));
        packet.fill_checksum(&v4_ips());
        assert!(packet.verify_checksum(&v4_ips()));
        packet.set_header_len(24);
        packet.options_mut().copy_from_slice(&[1, 1, 1, 0]);
        assert_eq!(packet.options(), &[1, 1, 1, 0]);
        assert_eq!(packet.payload(), b"/");
    }
}
