//! IPv4 headers (RFC 791).

use std::net::Ipv4Addr;

use super::checksum;
use super::ip::IpProtocol;
use super::{get_array, get_u16, set_u16, Error, Result};

/// A view of an IPv4 packet: header, options and payload, as delimited by
/// the IHL and total length fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    use std::ops::Range;
    pub const VER_IHL: usize = 0;
    pub const DSCP_ECN: usize = 1;
    pub const LENGTH: usize = 2;
    pub const IDENT: usize = 4;
    pub const FLG_OFF: usize = 6;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: usize = 10;
    pub const SRC_ADDR: Range<usize> = 12..16;
    pub const DST_ADDR: Range<usize> = 16..20;
}

/// Flags/fragment-offset bit: don't fragment.
pub const DF: u16 = 0x4000;
/// Flags/fragment-offset bit: more fragments.
pub const MF: u16 = 0x2000;
/// Flags/fragment-offset bits holding the offset, in 8-byte units.
pub const OFFSET_MASK: u16 = 0x1fff;

view_common!(Ipv4Packet);

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    /// Length of a header without options.
    pub const MIN_HEADER_LEN: usize = field::DST_ADDR.end;

    /// Checks the buffer against the header: at least 20 bytes, an IHL of at
    /// least 5 that fits, and a total length that covers the header and fits
    /// (bytes past it, such as Ethernet padding, are allowed). Does not check
    /// the version; [`Ipv4Repr::parse`] does.
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
        let total_len = usize::from(self.total_len());
        if total_len < header_len {
            return Err(Error::Malformed);
        }
        if len < total_len {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Version (4 for a valid packet).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }

    /// Header length in bytes (IHL × 4), options included.
    pub fn header_len(&self) -> u8 {
        (self.buffer.as_ref()[field::VER_IHL] & 0x0f) * 4
    }

    /// Differentiated services code point (6 bits).
    pub fn dscp(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] >> 2
    }

    /// Explicit congestion notification (2 bits).
    pub fn ecn(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] & 0x03
    }

    /// The whole former type-of-service byte (DSCP and ECN).
    pub fn tos(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN]
    }

    /// Total length of header and payload, in bytes.
    pub fn total_len(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::LENGTH)
    }

    /// Identification.
    pub fn ident(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::IDENT)
    }

    /// The raw flags and fragment offset word.
    pub fn flags_frag_offset(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::FLG_OFF)
    }

    /// Don't-fragment flag.
    pub fn dont_frag(&self) -> bool {
        self.flags_frag_offset() & DF != 0
    }

    /// More-fragments flag.
    pub fn more_frags(&self) -> bool {
        self.flags_frag_offset() & MF != 0
    }

    /// Fragment offset in bytes (the field × 8).
    pub fn frag_offset(&self) -> u16 {
        (self.flags_frag_offset() & OFFSET_MASK) << 3
    }

    /// True for any fragment: the first (MF set) or a later one (offset
    /// nonzero).
    pub fn is_fragment(&self) -> bool {
        self.more_frags() || self.frag_offset() != 0
    }

    /// Time to live.
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    /// Protocol of the payload.
    pub fn protocol(&self) -> IpProtocol {
        IpProtocol::from(self.buffer.as_ref()[field::PROTOCOL])
    }

    /// Header checksum as stored.
    pub fn checksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::CHECKSUM)
    }

    /// Source address.
    pub fn src_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(get_array::<4>(self.buffer.as_ref(), field::SRC_ADDR.start))
    }

    /// Destination address.
    pub fn dst_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(get_array::<4>(self.buffer.as_ref(), field::DST_ADDR.start))
    }

    /// The options: the header past its first 20 bytes.
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[Self::MIN_HEADER_LEN..usize::from(self.header_len())]
    }

    /// The payload: from the end of the header to the total length.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[usize::from(self.header_len())..usize::from(self.total_len())]
    }

    /// True when the header checksum is correct.
    pub fn verify_checksum(&self) -> bool {
        checksum::sum(&self.buffer.as_ref()[..usize::from(self.header_len())]) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv4Packet<T> {
    /// Sets the version.
    pub fn set_version(&mut self, version: u8) {
        let b = &mut self.buffer.as_mut()[field::VER_IHL];
        *b = (*b & 0x0f) | (version << 4);
    }

    /// Sets the header length in bytes; it must be a multiple of 4 up to 60.
    pub fn set_header_len(&mut self, len: u8) {
        let b = &mut self.buffer.as_mut()[field::VER_IHL];
        *b = (*b & 0xf0) | ((len / 4) & 0x0f);
    }

    /// Sets the DSCP; only the low 6 bits of `dscp` are used.
    pub fn set_dscp(&mut self, dscp: u8) {
        let b = &mut self.buffer.as_mut()[field::DSCP_ECN];
        *b = (*b & 0x03) | (dscp << 2);
    }

    /// Sets the ECN; only the low 2 bits of `ecn` are used.
    pub fn set_ecn(&mut self, ecn: u8) {
        let b = &mut self.buffer.as_mut()[field::DSCP_ECN];
        *b = (*b & 0xfc) | (ecn & 0x03);
    }

    /// Sets the whole type-of-service byte.
    pub fn set_tos(&mut self, tos: u8) {
        self.buffer.as_mut()[field::DSCP_ECN] = tos;
    }

    /// Sets the total length.
    pub fn set_total_len(&mut self, len: u16) {
        set_u16(self.buffer.as_mut(), field::LENGTH, len);
    }

    /// Sets the identification.
    pub fn set_ident(&mut self, ident: u16) {
        set_u16(self.buffer.as_mut(), field::IDENT, ident);
    }

    /// Sets the raw flags and fragment offset word.
    pub fn set_flags_frag_offset(&mut self, value: u16) {
        set_u16(self.buffer.as_mut(), field::FLG_OFF, value);
    }

    /// Sets the don't-fragment flag.
    pub fn set_dont_frag(&mut self, value: bool) {
        let w = self.flags_frag_offset();
        self.set_flags_frag_offset(if value { w | DF } else { w & !DF });
    }

    /// Sets the more-fragments flag.
    pub fn set_more_frags(&mut self, value: bool) {
        let w = self.flags_frag_offset();
        self.set_flags_frag_offset(if value { w | MF } else { w & !MF });
    }

    /// Sets the fragment offset in bytes; it must be a multiple of 8.
    pub fn set_frag_offset(&mut self, offset: u16) {
        let w = self.flags_frag_offset() & !OFFSET_MASK;
        self.set_flags_frag_offset(w | ((offset >> 3) & OFFSET_MASK));
    }

    /// Sets the time to live.
    pub fn set_ttl(&mut self, ttl: u8) {
        self.buffer.as_mut()[field::TTL] = ttl;
    }

    /// Sets the protocol.
    pub fn set_protocol(&mut self, protocol: IpProtocol) {
        self.buffer.as_mut()[field::PROTOCOL] = protocol.into();
    }

    /// Sets the stored header checksum.
    pub fn set_checksum(&mut self, csum: u16) {
        set_u16(self.buffer.as_mut(), field::CHECKSUM, csum);
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, addr: Ipv4Addr) {
        self.buffer.as_mut()[field::SRC_ADDR].copy_from_slice(&addr.octets());
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, addr: Ipv4Addr) {
        self.buffer.as_mut()[field::DST_ADDR].copy_from_slice(&addr.octets());
    }

    /// The options, mutably.
    pub fn options_mut(&mut self) -> &mut [u8] {
        let end = usize::from(self.header_len());
        &mut self.buffer.as_mut()[Self::MIN_HEADER_LEN..end]
    }

    /// The payload, mutably.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let range = usize::from(self.header_len())..usize::from(self.total_len());
        &mut self.buffer.as_mut()[range]
    }

    /// Computes and stores the header checksum.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let csum = checksum::checksum(&self.buffer.as_ref()[..usize::from(self.header_len())]);
        self.set_checksum(csum);
    }
}

/// The fields of an IPv4 header without options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Repr {
    /// Source address.
    pub src_addr: Ipv4Addr,
    /// Destination address.
    pub dst_addr: Ipv4Addr,
    /// Protocol of the payload.
    pub protocol: IpProtocol,
    /// Payload length in bytes (total length minus header length).
    pub payload_len: usize,
    /// Time to live.
    pub ttl: u8,
    /// Differentiated services code point (6 bits).
    pub dscp: u8,
    /// Explicit congestion notification (2 bits).
    pub ecn: u8,
    /// Identification.
    pub ident: u16,
    /// Don't-fragment flag.
    pub dont_frag: bool,
    /// More-fragments flag.
    pub more_frags: bool,
    /// Fragment offset in bytes (a multiple of 8).
    pub frag_offset: u16,
}

impl Ipv4Repr {
    /// Reads a header. Options are skipped (they count neither in
    /// `payload_len` nor in [`Self::buffer_len`]); the checksum is not
    /// verified (see [`Ipv4Packet::verify_checksum`]). Fails with
    /// `Malformed` unless the version is 4.
    pub fn parse<T: AsRef<[u8]>>(packet: &Ipv4Packet<T>) -> Result<Self> {
        packet.check_len()?;
        if packet.version() != 4 {
            return Err(Error::Malformed);
        }
        Ok(Ipv4Repr {
            src_addr: packet.src_addr(),
            dst_addr: packet.dst_addr(),
            protocol: packet.protocol(),
            payload_len: packet.payload().len(),
            ttl: packet.ttl(),
            dscp: packet.dscp(),
            ecn: packet.ecn(),
            ident: packet.ident(),
            dont_frag: packet.dont_frag(),
            more_frags: packet.more_frags(),
            frag_offset: packet.frag_offset(),
        })
    }

    /// Bytes [`Self::emit`] writes: a 20-byte header.
    pub const fn buffer_len(&self) -> usize {
        field::DST_ADDR.end
    }

    /// Writes a 20-byte header, checksum included, into `packet`, which
    /// must hold [`Self::buffer_len`] bytes. The total length is
    /// `20 + payload_len` (truncated to 16 bits).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Ipv4Packet<T>) {
        packet.set_version(4);
        packet.set_header_len(field::DST_ADDR.end as u8);
        packet.set_tos(0);
        packet.set_dscp(self.dscp);
        packet.set_ecn(self.ecn);
        packet.set_total_len((self.buffer_len() + self.payload_len) as u16);
        packet.set_ident(self.ident);
        packet.set_flags_frag_offset(0);
        packet.set_dont_frag(self.dont_frag);
        packet.set_more_frags(self.more_frags);
        packet.set_frag_offset(self.frag_offset);
        packet.set_ttl(self.ttl);
        packet.set_protocol(self.protocol);
        packet.set_src_addr(self.src_addr);
        packet.set_dst_addr(self.dst_addr);
        packet.fill_checksum();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;

    // scapy: IP(src="192.168.1.1", dst="192.168.1.2", id=0x1234, flags="DF",
    //           ttl=64, tos=0xb9)/UDP(sport=1234, dport=5678)/b"hello"
    const UDP_PACKET: &str = "45b90021123440004011a48bc0a80101c0a8010204d2162e000d1dae68656c6c6f";
    // scapy: IP(src="10.0.0.1", dst="10.0.0.2", id=7, ttl=3,
    //           options=[IPOption_RR(routers=["1.2.3.4"])])/UDP(sport=1, dport=2)
    const WITH_OPTIONS: &str =
        "4700002400070000031190b50a0000010a0000020707040102030400000100020008ebd8";
    // scapy: IP(src="10.0.0.1", dst="10.0.0.2", id=0xbeef, flags="MF", frag=185,
    //           ttl=255, proto=17)/b"abcdefgh"
    const FRAGMENT: &str = "4500001cbeef20b9ff11c8250a0000010a0000026162636465666768";

    #[test]
    fn parse_emit_round_trip() {
        let bytes = hex(UDP_PACKET);
        let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
        assert!(packet.verify_checksum());
        let repr = Ipv4Repr::parse(&packet).unwrap();
        assert_eq!(
            repr,
            Ipv4Repr {
                src_addr: Ipv4Addr::new(192, 168, 1, 1),
                dst_addr: Ipv4Addr::new(192, 168, 1, 2),
                protocol: IpProtocol::Udp,
                payload_len: 13,
                ttl: 64,
                dscp: 0x2e,
                ecn: 1,
                ident: 0x1234,
                dont_frag: true,
                more_frags: false,
                frag_offset: 0,
            }
        );
        assert_eq!(packet.tos(), 0xb9);
        assert_eq!(packet.payload(), &bytes[20..]);
        let mut out = vec![0u8; repr.buffer_len()];
        repr.emit(&mut Ipv4Packet::new_unchecked(&mut out[..]));
        assert_eq!(out, bytes[..20]);
    }

    #[test]
    fn fragment_fields() {
        let bytes = hex(FRAGMENT);
        let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
        assert!(packet.verify_checksum());
        let repr = Ipv4Repr::parse(&packet).unwrap();
        assert!(repr.more_frags && !repr.dont_frag);
        assert_eq!(repr.frag_offset, 185 * 8);
        assert!(packet.is_fragment());
        let mut out = vec![0u8; 20];
        repr.emit(&mut Ipv4Packet::new_unchecked(&mut out[..]));
        assert_eq!(out, bytes[..20]);
    }

    #[test]
    fn options_and_padding() {
        let mut bytes = hex(WITH_OPTIONS);
        bytes.extend_from_slice(&[0; 6]); // Ethernet padding past total length.
        let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
        assert!(packet.verify_checksum());
        assert_eq!(packet.header_len(), 28);
        assert_eq!(
            packet.options(),
            &[0x07, 0x07, 0x04, 0x01, 0x02, 0x03, 0x04, 0x00]
        );
        assert_eq!(packet.payload(), &bytes[28..36]);
        assert_eq!(Ipv4Repr::parse(&packet).unwrap().payload_len, 8);
    }

    #[test]
    fn rejects_truncation() {
        for literal in [UDP_PACKET, WITH_OPTIONS, FRAGMENT] {
            let bytes = hex(literal);
            for len in 0..bytes.len() {
                assert_eq!(
                    Ipv4Packet::new_checked(&bytes[..len]),
                    Err(Error::Truncated),
                    "{len}"
                );
            }
        }
    }

    #[test]
    fn rejects_bad_lengths() {
        let mut bytes = hex(UDP_PACKET);
        bytes[0] = 0x44; // IHL 4
        assert_eq!(Ipv4Packet::new_checked(&bytes[..]), Err(Error::Malformed));
        bytes[0] = 0x45;
        bytes[3] = 19; // total length below the header
        assert_eq!(Ipv4Packet::new_checked(&bytes[..]), Err(Error::Malformed));
        bytes[3] = 0x21;
        bytes[0] = 0x65; // version 6
        let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(Ipv4Repr::parse(&packet), Err(Error::Malformed));
    }

    #[test]
    fn setters_round_trip() {
        let mut bytes = hex(UDP_PACKET);
        let mut packet = Ipv4Packet::new_checked(&mut bytes[..]).unwrap();
        packet.set_dscp(10);
        packet.set_ecn(3);
        packet.set_ident(0xabcd);
        packet.set_dont_frag(false);
        packet.set_more_frags(true);
        packet.set_frag_offset(64);
        packet.set_ttl(1);
        packet.set_protocol(IpProtocol::Unknown(253));
        packet.set_src_addr(Ipv4Addr::new(1, 2, 3, 4));
        packet.set_dst_addr(Ipv4Addr::new(5, 6, 7, 8));
        assert!(!packet.verify_checksum());
        packet.fill_checksum();
        assert!(packet.verify_checksum());
        assert_eq!((packet.dscp(), packet.ecn(), packet.tos()), (10, 3, 0x2b));
        assert_eq!(packet.ident(), 0xabcd);
        assert!(!packet.dont_frag() && packet.more_frags());
        assert_eq!(packet.frag_offset(), 64);
        assert_eq!(packet.ttl(), 1);
        assert_eq!(packet.protocol(), IpProtocol::Unknown(253));
        assert_eq!(packet.src_addr(), Ipv4Addr::new(1, 2, 3, 4));
        assert_eq!(packet.dst_addr(), Ipv4Addr::new(5, 6, 7, 8));
        packet.payload_mut()[0] = 0xff;
        packet.set_total_len(24);
        assert_eq!(packet.payload(), &[0xff, 0xd2, 0x16, 0x2e]);
        packet.set_header_len(24);
        packet.set_version(4);
        assert_eq!(packet.options_mut().len(), 4);
        assert_eq!(packet.version(), 4);
    }
}
