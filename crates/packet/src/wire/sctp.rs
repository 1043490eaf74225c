//! SCTP common headers (RFC 9260 section 3.1). Chunks are left to the
//! caller as [`SctpPacket::payload`].

use super::crc32c;
use super::{get_u16, get_u32, set_u16, set_u32, Error, Result};

/// A view of an SCTP packet: the 12-byte common header and the chunks. For
/// the checksum methods the buffer must be exactly the packet (the IP
/// payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SctpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    use std::ops::Range;
    pub const SRC_PORT: usize = 0;
    pub const DST_PORT: usize = 2;
    pub const VERIFICATION_TAG: usize = 4;
    pub const CHECKSUM: Range<usize> = 8..12;
    pub const CHUNKS: usize = 12;
}

view_common!(SctpPacket);

impl<T: AsRef<[u8]>> SctpPacket<T> {
    /// Length of the common header.
    pub const HEADER_LEN: usize = field::CHUNKS;

    /// Checks that the buffer holds the common header.
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < Self::HEADER_LEN {
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

    /// Verification tag.
    pub fn verification_tag(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::VERIFICATION_TAG)
    }

    /// The CRC-32C as stored. The CRC goes on the wire least significant
    /// byte first (RFC 9260 appendix A); this returns the CRC value itself,
    /// comparable with [`crc32c::crc32c`].
    pub fn checksum(&self) -> u32 {
        let b = &self.buffer.as_ref()[field::CHECKSUM];
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }

    /// The chunks: everything after the common header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::CHUNKS..]
    }

    fn compute_checksum(&self) -> u32 {
        let data = self.buffer.as_ref();
        let mut zeroed = [0u8; field::CHUNKS];
        zeroed[..field::CHECKSUM.start].copy_from_slice(&data[..field::CHECKSUM.start]);
        let crc = crc32c::update(!0, &zeroed);
        !crc32c::update(crc, &data[field::CHUNKS..])
    }

    /// True when the CRC-32C over the packet is correct.
    pub fn verify_checksum(&self) -> bool {
        self.compute_checksum() == self.checksum()
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> SctpPacket<T> {
    /// Sets the source port.
    pub fn set_src_port(&mut self, port: u16) {
        set_u16(self.buffer.as_mut(), field::SRC_PORT, port);
    }

    /// Sets the destination port.
    pub fn set_dst_port(&mut self, port: u16) {
        set_u16(self.buffer.as_mut(), field::DST_PORT, port);
    }

    /// Sets the verification tag.
    pub fn set_verification_tag(&mut self, tag: u32) {
        set_u32(self.buffer.as_mut(), field::VERIFICATION_TAG, tag);
    }

    /// Stores `crc` as the checksum (least significant byte first).
    pub fn set_checksum(&mut self, crc: u32) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&crc.to_le_bytes());
    }

    /// The chunks, mutably.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::CHUNKS..]
    }

    /// Computes and stores the CRC-32C over the packet.
    pub fn fill_checksum(&mut self) {
        let crc = self.compute_checksum();
        self.set_checksum(crc);
    }
}

/// The fields of an SCTP common header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SctpRepr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Verification tag.
    pub verification_tag: u32,
}

impl SctpRepr {
    /// Reads a common header. The checksum is not verified (see
    /// [`SctpPacket::verify_checksum`]).
    pub fn parse<T: AsRef<[u8]>>(packet: &SctpPacket<T>) -> Result<Self> {
        packet.check_len()?;
        Ok(SctpRepr {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
            verification_tag: packet.verification_tag(),
        })
    }

    /// Bytes [`Self::emit`] writes: the 12-byte common header.
    pub const fn buffer_len(&self) -> usize {
        field::CHUNKS
    }

    /// Writes the common header into `packet`, which must hold
    /// [`Self::buffer_len`] bytes, with a zero checksum; fill it with
    /// [`SctpPacket::fill_checksum`] once the chunks are in place.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut SctpPacket<T>) {
        packet.set_src_port(self.src_port);
        packet.set_dst_port(self.dst_port);
        packet.set_verification_tag(self.verification_tag);
        packet.set_checksum(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;

    // SCTP part of scapy: IP(src="10.0.0.1", dst="10.0.0.2")/SCTP(sport=5000,
    //   dport=5001, tag=0xdeadbeef)/SCTPChunkInit(init_tag=0x11223344,
    //   a_rwnd=65536, n_out_streams=10, n_in_streams=10, init_tsn=1)
    const PACKET: &str = "13881389deadbeef74321959010000141122334400010000000a000a00000001";

    #[test]
    fn parse_emit_round_trip() {
        let bytes = hex(PACKET);
        let packet = SctpPacket::new_checked(&bytes[..]).unwrap();
        assert!(packet.verify_checksum());
        assert_eq!(packet.checksum(), 0x5919_3274);
        let repr = SctpRepr::parse(&packet).unwrap();
        assert_eq!(
            repr,
            SctpRepr {
                src_port: 5000,
                dst_port: 5001,
                verification_tag: 0xdead_beef
            }
        );
        assert_eq!(packet.payload(), &bytes[12..]);
        let mut out = vec![0u8; bytes.len()];
        out[12..].copy_from_slice(&bytes[12..]);
        let mut view = SctpPacket::new_unchecked(&mut out[..]);
        repr.emit(&mut view);
        view.fill_checksum();
        assert_eq!(out, bytes);
    }

    #[test]
    fn checksum_matches_one_shot_crc() {
        let mut bytes = hex(PACKET);
        bytes[8..12].fill(0);
        let crc = crc32c::crc32c(&bytes);
        let packet = SctpPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.compute_checksum(), crc);
        assert!(!packet.verify_checksum());
    }

    #[test]
    fn rejects_truncation() {
        let bytes = hex(PACKET);
        for len in 0..12 {
            assert_eq!(
                SctpPacket::new_checked(&bytes[..len]),
                Err(Error::Truncated)
            );
        }
    }

    #[test]
    fn setters_round_trip() {
        let mut bytes = hex(PACKET);
        let mut packet = SctpPacket::new_checked(&mut bytes[..]).unwrap();
        packet.set_src_port(1);
        packet.set_dst_port(2);
        packet.set_verification_tag(3);
        packet.set_checksum(0x0403_0201);
        packet.payload_mut()[0] = 0xaa;
        assert_eq!((packet.src_port(), packet.dst_port()), (1, 2));
        assert_eq!(packet.verification_tag(), 3);
        assert_eq!(packet.checksum(), 0x0403_0201);
        assert_eq!(packet.payload()[0], 0xaa);
        assert_eq!(&bytes[8..13], &[1, 2, 3, 4, 0xaa]);
    }
}
