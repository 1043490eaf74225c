//! IPv6 extension headers (RFC 8200 section 4).
//!
//! Hop-by-hop options, routing and destination options share one layout,
//! [`Ipv6ExtHeader`]: next header, length in 8-byte units not counting the
//! first 8, then type-specific data (options, or the routing type, segments
//! left and routing data). The fragment header has its own fixed layout,
//! [`Ipv6FragmentHeader`].

use super::ip::IpProtocol;
use super::{get_u16, get_u32, set_u16, set_u32, Error, Result};

/// A view of a hop-by-hop, routing or destination options header and what
/// follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6ExtHeader<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    pub const NXT_HDR: usize = 0;
    pub const LENGTH: usize = 1;
    pub const DATA: usize = 2;
    pub const ROUTING_TYPE: usize = 2;
    pub const SEGMENTS_LEFT: usize = 3;

    pub const FRAG_OFF_M: usize = 2;
    pub const FRAG_IDENT: usize = 4;
    pub const FRAG_END: usize = 8;
}

view_common!(Ipv6ExtHeader);

impl<T: AsRef<[u8]>> Ipv6ExtHeader<T> {
    /// Length of the smallest such header.
    pub const MIN_HEADER_LEN: usize = 8;

    /// Checks that the buffer holds the whole header its length field
    /// announces.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < Self::MIN_HEADER_LEN || len < usize::from(self.header_len()) {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Type of the next header.
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol::from(self.buffer.as_ref()[field::NXT_HDR])
    }

    /// The raw length field: 8-byte units past the first 8 bytes.
    pub fn length_field(&self) -> u8 {
        self.buffer.as_ref()[field::LENGTH]
    }

    /// Length of the whole header in bytes, `(length + 1) × 8`.
    pub fn header_len(&self) -> u16 {
        (u16::from(self.length_field()) + 1) * 8
    }

    /// The type-specific data: the header past its first 2 bytes (options,
    /// or the routing type, segments left and routing data).
    pub fn data(&self) -> &[u8] {
        &self.buffer.as_ref()[field::DATA..usize::from(self.header_len())]
    }

    /// Routing type, for a routing header.
    pub fn routing_type(&self) -> u8 {
        self.buffer.as_ref()[field::ROUTING_TYPE]
    }

    /// Segments left, for a routing header.
    pub fn segments_left(&self) -> u8 {
        self.buffer.as_ref()[field::SEGMENTS_LEFT]
    }

    /// Everything after this header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[usize::from(self.header_len())..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6ExtHeader<T> {
    /// Sets the next header.
    pub fn set_next_header(&mut self, protocol: IpProtocol) {
        self.buffer.as_mut()[field::NXT_HDR] = protocol.into();
    }

    /// Sets the raw length field (8-byte units past the first 8 bytes).
    pub fn set_length_field(&mut self, length: u8) {
        self.buffer.as_mut()[field::LENGTH] = length;
    }

    /// Sets the routing type of a routing header.
    pub fn set_routing_type(&mut self, value: u8) {
        self.buffer.as_mut()[field::ROUTING_TYPE] = value;
    }

    /// Sets the segments left of a routing header.
    pub fn set_segments_left(&mut self, value: u8) {
        self.buffer.as_mut()[field::SEGMENTS_LEFT] = value;
    }

    /// The type-specific data, mutably.
    pub fn data_mut(&mut self) -> &mut [u8] {
        let end = usize::from(self.header_len());
        &mut self.buffer.as_mut()[field::DATA..end]
    }

    /// Everything after this header, mutably.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = usize::from(self.header_len());
        &mut self.buffer.as_mut()[start..]
    }
}

/// The fields of a hop-by-hop, routing or destination options header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6ExtHeaderRepr<'a> {
    /// Type of the next header.
    pub next_header: IpProtocol,
    /// The type-specific data; its length plus 2 must be a multiple of 8.
    pub data: &'a [u8],
}

impl<'a> Ipv6ExtHeaderRepr<'a> {
    /// Reads a header, borrowing its data from the view.
    pub fn parse<T: AsRef<[u8]>>(header: &'a Ipv6ExtHeader<T>) -> Result<Self> {
        header.check_len()?;
        Ok(Ipv6ExtHeaderRepr {
            next_header: header.next_header(),
            data: header.data(),
        })
    }

    /// Bytes [`Self::emit`] writes: 2 plus the data.
    pub const fn buffer_len(&self) -> usize {
        field::DATA + self.data.len()
    }

    /// Writes the header into `header`, which must hold
    /// [`Self::buffer_len`] bytes. The length field is computed from the
    /// data, rounded down to 8-byte units.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, header: &mut Ipv6ExtHeader<T>) {
        header.set_next_header(self.next_header);
        header.set_length_field((self.buffer_len() / 8).saturating_sub(1) as u8);
        header.data_mut().copy_from_slice(self.data);
    }
}

/// A view of an IPv6 fragment header and what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6FragmentHeader<T: AsRef<[u8]>> {
    buffer: T,
}

view_common!(Ipv6FragmentHeader);

/// Offset/flags word bits holding the fragment offset (in 8-byte units,
/// shifted left by 3, so masking gives the offset in bytes).
pub const FRAG_OFFSET_MASK: u16 = 0xfff8;
/// Offset/flags word bit: more fragments.
pub const FRAG_M: u16 = 0x0001;

impl<T: AsRef<[u8]>> Ipv6FragmentHeader<T> {
    /// Length of the header.
    pub const HEADER_LEN: usize = field::FRAG_END;

    /// Checks that the buffer holds the 8-byte header.
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < Self::HEADER_LEN {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Type of the next header.
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol::from(self.buffer.as_ref()[field::NXT_HDR])
    }

    /// Fragment offset in bytes.
    pub fn frag_offset(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::FRAG_OFF_M) & FRAG_OFFSET_MASK
    }

    /// More-fragments flag.
    pub fn more_frags(&self) -> bool {
        get_u16(self.buffer.as_ref(), field::FRAG_OFF_M) & FRAG_M != 0
    }

    /// Identification.
    pub fn ident(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::FRAG_IDENT)
    }

    /// Everything after this header: the fragment data.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::FRAG_END..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6FragmentHeader<T> {
    /// Sets the next header.
    pub fn set_next_header(&mut self, protocol: IpProtocol) {
        self.buffer.as_mut()[field::NXT_HDR] = protocol.into();
    }

    /// Sets the fragment offset in bytes (a multiple of 8).
    pub fn set_frag_offset(&mut self, offset: u16) {
        let w = get_u16(self.buffer.as_ref(), field::FRAG_OFF_M) & !FRAG_OFFSET_MASK;
        set_u16(
            self.buffer.as_mut(),
            field::FRAG_OFF_M,
            w | (offset & FRAG_OFFSET_MASK),
        );
    }

    /// Sets the more-fragments flag.
    pub fn set_more_frags(&mut self, value: bool) {
        let w = get_u16(self.buffer.as_ref(), field::FRAG_OFF_M);
        let w = if value { w | FRAG_M } else { w & !FRAG_M };
        set_u16(self.buffer.as_mut(), field::FRAG_OFF_M, w);
    }

    /// Sets the identification.
    pub fn set_ident(&mut self, ident: u32) {
        set_u32(self.buffer.as_mut(), field::FRAG_IDENT, ident);
    }

    /// Everything after this header, mutably.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::FRAG_END..]
    }
}

/// The fields of an IPv6 fragment header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6FragmentRepr {
    /// Type of the next header.
    pub next_header: IpProtocol,
    /// Fragment offset in bytes (a multiple of 8).
    pub frag_offset: u16,
    /// More-fragments flag.
    pub more_frags: bool,
    /// Identification.
    pub ident: u32,
}

impl Ipv6FragmentRepr {
    /// Reads a fragment header.
    pub fn parse<T: AsRef<[u8]>>(header: &Ipv6FragmentHeader<T>) -> Result<Self> {
        header.check_len()?;
        Ok(Ipv6FragmentRepr {
            next_header: header.next_header(),
            frag_offset: header.frag_offset(),
            more_frags: header.more_frags(),
            ident: header.ident(),
        })
    }

    /// Bytes [`Self::emit`] writes.
    pub const fn buffer_len(&self) -> usize {
        field::FRAG_END
    }

    /// Writes the header (reserved fields zero) into `header`, which must
    /// hold [`Self::buffer_len`] bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, header: &mut Ipv6FragmentHeader<T>) {
        header.buffer.as_mut()[..field::FRAG_END].fill(0);
        header.set_next_header(self.next_header);
        header.set_frag_offset(self.frag_offset);
        header.set_more_frags(self.more_frags);
        header.set_ident(self.ident);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::{hex, EXT_PACKET, LATER_FRAGMENT};

    #[test]
    fn generic_headers_round_trip() {
        let bytes = hex(EXT_PACKET);
        // Hop-by-hop at 40, routing at 48, destination options at 72.
        let expected = [
            (40, 8, IpProtocol::Ipv6Route),
            (48, 24, IpProtocol::Ipv6Opts),
            (72, 8, IpProtocol::Ipv6Frag),
        ];
        for (start, len, next) in expected {
            let header = Ipv6ExtHeader::new_checked(&bytes[start..]).unwrap();
            assert_eq!(usize::from(header.header_len()), len);
            assert_eq!(header.payload(), &bytes[start + len..]);
            let repr = Ipv6ExtHeaderRepr::parse(&header).unwrap();
            assert_eq!(repr.next_header, next);
            assert_eq!(repr.data, &bytes[start + 2..start + len]);
            let mut out = vec![0u8; repr.buffer_len()];
            repr.emit(&mut Ipv6ExtHeader::new_unchecked(&mut out[..]));
            assert_eq!(out, bytes[start..start + len]);
        }
        let routing = Ipv6ExtHeader::new_checked(&bytes[48..]).unwrap();
        assert_eq!((routing.routing_type(), routing.segments_left()), (0, 1));
        // Router alert option in the hop-by-hop header.
        let hbh = Ipv6ExtHeader::new_checked(&bytes[40..]).unwrap();
        assert_eq!(&hbh.data()[..4], &[0x05, 0x02, 0x00, 0x00]);
    }

    #[test]
    fn fragment_headers_round_trip() {
        let bytes = hex(EXT_PACKET);
        let header = Ipv6FragmentHeader::new_checked(&bytes[80..]).unwrap();
        let repr = Ipv6FragmentRepr::parse(&header).unwrap();
        assert_eq!(
            repr,
            Ipv6FragmentRepr {
                next_header: IpProtocol::Udp,
                frag_offset: 0,
                more_frags: true,
                ident: 0xabcd_ef01
            }
        );
        assert_eq!(header.payload(), &bytes[88..]);
        let mut out = [0u8; 8];
        repr.emit(&mut Ipv6FragmentHeader::new_unchecked(&mut out[..]));
        assert_eq!(out, bytes[80..88]);

        let bytes = hex(LATER_FRAGMENT);
        let header = Ipv6FragmentHeader::new_checked(&bytes[40..]).unwrap();
        let repr = Ipv6FragmentRepr::parse(&header).unwrap();
        assert_eq!(
            (repr.frag_offset, repr.more_frags, repr.ident),
            (800, false, 5)
        );
        repr.emit(&mut Ipv6FragmentHeader::new_unchecked(&mut out[..]));
        assert_eq!(out, bytes[40..48]);
    }

    #[test]
    fn rejects_truncation() {
        let bytes = hex(EXT_PACKET);
        for len in 0..24 {
            assert_eq!(
                Ipv6ExtHeader::new_checked(&bytes[48..48 + len]),
                Err(Error::Truncated)
            );
        }
        for len in 0..8 {
            let header = Ipv6FragmentHeader::new_checked(&bytes[80..80 + len]);
            assert_eq!(header, Err(Error::Truncated));
        }
    }

    #[test]
    fn setters_round_trip() {
        let mut buf = [0u8; 18];
        let mut header = Ipv6ExtHeader::new_unchecked(&mut buf[..]);
        header.set_next_header(IpProtocol::Tcp);
        header.set_length_field(1);
        header.set_routing_type(4);
        header.set_segments_left(2);
        header.data_mut()[13] = 0x77;
        header.payload_mut()[1] = 0x66;
        assert!(header.check_len().is_ok());
        assert_eq!(header.next_header(), IpProtocol::Tcp);
        assert_eq!((header.routing_type(), header.segments_left()), (4, 2));
        assert_eq!(header.data().len(), 14);
        assert_eq!(buf[15], 0x77);
        assert_eq!(buf[17], 0x66);

        let mut buf = [0u8; 9];
        let mut frag = Ipv6FragmentHeader::new_checked(&mut buf[..]).unwrap();
        frag.set_next_header(IpProtocol::Icmpv6);
        frag.set_frag_offset(0xfff8);
        frag.set_more_frags(true);
        frag.set_ident(0x0102_0304);
        frag.payload_mut()[0] = 9;
        assert_eq!(frag.next_header(), IpProtocol::Icmpv6);
        assert_eq!((frag.frag_offset(), frag.more_frags()), (0xfff8, true));
        frag.set_more_frags(false);
        assert_eq!(frag.ident(), 0x0102_0304);
        assert_eq!(buf, [58, 0, 0xff, 0xf8, 1, 2, 3, 4, 9]);
    }
}
