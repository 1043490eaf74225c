//! GRE headers (RFC 2784, with the key and sequence number of RFC 2890).
//!
//! After the 4-byte base header come, each present only when its flag is
//! set and in this order: checksum and reserved (C), key (K), sequence
//! number (S). The routing flag (R) of RFC 1701 is rejected as malformed,
//! as OVS does.

use super::checksum;
use super::ethernet::EtherType;
use super::{get_u16, get_u32, set_u16, set_u32, Error, Result};

/// A view of a GRE header and its payload. For the checksum methods the
/// buffer must be exactly the GRE packet (the IP payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GreHeader<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    pub const FLAGS_VER: usize = 0;
    pub const PROTOCOL: usize = 2;
    pub const OPTIONAL: usize = 4;
}

/// Flag: checksum present.
pub const FLAG_C: u16 = 0x8000;
/// Flag: routing present (RFC 1701; not supported).
pub const FLAG_R: u16 = 0x4000;
/// Flag: key present.
pub const FLAG_K: u16 = 0x2000;
/// Flag: sequence number present.
pub const FLAG_S: u16 = 0x1000;
/// Bits of the first word holding the version.
pub const VERSION_MASK: u16 = 0x0007;

view_common!(GreHeader);

impl<T: AsRef<[u8]>> GreHeader<T> {
    /// Length of the base header.
    pub const MIN_HEADER_LEN: usize = field::OPTIONAL;

    /// Checks that the buffer holds the base header and every optional field
    /// its flags announce; the routing flag is `Malformed`.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < Self::MIN_HEADER_LEN {
            return Err(Error::Truncated);
        }
        if self.flags() & FLAG_R != 0 {
            return Err(Error::Malformed);
        }
        if len < self.header_len() {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// The first word: flags, reserved bits and version.
    pub fn flags(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::FLAGS_VER)
    }

    /// C: the checksum field is present.
    pub fn checksum_present(&self) -> bool {
        self.flags() & FLAG_C != 0
    }

    /// K: the key field is present.
    pub fn key_present(&self) -> bool {
        self.flags() & FLAG_K != 0
    }

    /// S: the sequence number field is present.
    pub fn seq_present(&self) -> bool {
        self.flags() & FLAG_S != 0
    }

    /// Version (0 for GRE, 1 for the enhanced GRE of PPTP).
    pub fn version(&self) -> u8 {
        (self.flags() & VERSION_MASK) as u8
    }

    /// Protocol type of the payload.
    pub fn protocol(&self) -> EtherType {
        EtherType::from(get_u16(self.buffer.as_ref(), field::PROTOCOL))
    }

    /// Header length in bytes, optional fields included.
    pub fn header_len(&self) -> usize {
        let present = [
            self.checksum_present(),
            self.key_present(),
            self.seq_present(),
        ];
        field::OPTIONAL + 4 * present.iter().filter(|&&p| p).count()
    }

    fn key_offset(&self) -> usize {
        field::OPTIONAL + if self.checksum_present() { 4 } else { 0 }
    }

    fn seq_offset(&self) -> usize {
        self.key_offset() + if self.key_present() { 4 } else { 0 }
    }

    fn read_u32(&self, present: bool, at: usize) -> Option<u32> {
        let data = self.buffer.as_ref();
        (present && data.len() >= at + 4).then(|| get_u32(data, at))
    }

    /// The stored checksum, when C is set.
    pub fn checksum(&self) -> Option<u16> {
        let at = field::OPTIONAL;
        self.read_u32(self.checksum_present(), at)
            .map(|w| (w >> 16) as u16)
    }

    /// The key, when K is set.
    pub fn key(&self) -> Option<u32> {
        self.read_u32(self.key_present(), self.key_offset())
    }

    /// The sequence number, when S is set.
    pub fn sequence(&self) -> Option<u32> {
        self.read_u32(self.seq_present(), self.seq_offset())
    }

    /// Everything after the header.
    pub fn payload(&self) -> &[u8] {
        self.buffer.as_ref().get(self.header_len()..).unwrap_or(&[])
    }

    /// True when the checksum over the GRE packet is correct, or when there
    /// is none (C clear).
    pub fn verify_checksum(&self) -> bool {
        !self.checksum_present() || checksum::sum(self.buffer.as_ref()) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> GreHeader<T> {
    /// Sets the first word (flags, reserved, version). Changing C, K or S
    /// moves the fields after them; write those afterwards.
    pub fn set_flags(&mut self, value: u16) {
        set_u16(self.buffer.as_mut(), field::FLAGS_VER, value);
    }

    fn set_flag(&mut self, flag: u16, on: bool) {
        let w = self.flags();
        self.set_flags(if on { w | flag } else { w & !flag });
    }

    /// Sets or clears C.
    pub fn set_checksum_present(&mut self, on: bool) {
        self.set_flag(FLAG_C, on);
    }

    /// Sets or clears K.
    pub fn set_key_present(&mut self, on: bool) {
        self.set_flag(FLAG_K, on);
    }

    /// Sets or clears S.
    pub fn set_seq_present(&mut self, on: bool) {
        self.set_flag(FLAG_S, on);
    }

    /// Sets the version (low 3 bits used).
    pub fn set_version(&mut self, version: u8) {
        let w = self.flags() & !VERSION_MASK;
        self.set_flags(w | (u16::from(version) & VERSION_MASK));
    }

    /// Sets the protocol type.
    pub fn set_protocol(&mut self, value: EtherType) {
        set_u16(self.buffer.as_mut(), field::PROTOCOL, value.into());
    }

    /// Writes the checksum and zeroes the reserved word after it. C must be
    /// set.
    pub fn set_checksum(&mut self, value: u16) {
        set_u32(
            self.buffer.as_mut(),
            field::OPTIONAL,
            u32::from(value) << 16,
        );
    }

    /// Writes the key. K must be set.
    pub fn set_key(&mut self, value: u32) {
        let at = self.key_offset();
        set_u32(self.buffer.as_mut(), at, value);
    }

    /// Writes the sequence number. S must be set.
    pub fn set_sequence(&mut self, value: u32) {
        let at = self.seq_offset();
        set_u32(self.buffer.as_mut(), at, value);
    }

    /// Everything after the header, mutably.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_len();
        self.buffer.as_mut().get_mut(start..).unwrap_or(&mut [])
    }

    /// Computes and stores the checksum over the GRE packet when C is set;
    /// does nothing otherwise.
    pub fn fill_checksum(&mut self) {
        if self.checksum_present() {
            self.set_checksum(0);
            let csum = checksum::checksum(self.buffer.as_ref());
            self.set_checksum(csum);
        }
    }
}

/// The fields of a version 0 GRE header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GreRepr {
    /// Protocol type of the payload.
    pub protocol: EtherType,
    /// Whether a checksum is present (C); its value is computed by
    /// [`GreHeader::fill_checksum`].
    pub checksum: bool,
    /// The key, when present (K).
    pub key: Option<u32>,
    /// The sequence number, when present (S).
    pub sequence: Option<u32>,
}

impl GreRepr {
    /// Reads a version 0 header (other versions are `Unsupported`). The
    /// checksum is not verified (see [`GreHeader::verify_checksum`]).
    pub fn parse<T: AsRef<[u8]>>(header: &GreHeader<T>) -> Result<Self> {
        header.check_len()?;
        if header.version() != 0 {
            return Err(Error::Unsupported);
        }
        Ok(GreRepr {
            protocol: header.protocol(),
            checksum: header.checksum_present(),
            key: header.key(),
            sequence: header.sequence(),
        })
    }

    /// Bytes [`Self::emit`] writes: 4 plus 4 for each optional field.
    pub const fn buffer_len(&self) -> usize {
        field::OPTIONAL
            + if self.checksum { 4 } else { 0 }
            + if self.key.is_some() { 4 } else { 0 }
            + if self.sequence.is_some() { 4 } else { 0 }
    }

    /// Writes the header into `header`, which must hold
    /// [`Self::buffer_len`] bytes, with a zero checksum; fill it with
    /// [`GreHeader::fill_checksum`] once the payload is in place.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, header: &mut GreHeader<T>) {
        header.set_flags(0);
        header.set_checksum_present(self.checksum);
        header.set_key_present(self.key.is_some());
        header.set_seq_present(self.sequence.is_some());
        header.set_protocol(self.protocol);
        if self.checksum {
            header.set_checksum(0);
        }
        if let Some(key) = self.key {
            header.set_key(key);
        }
        if let Some(sequence) = self.sequence {
            header.set_sequence(sequence);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::{EthernetFrame, Ipv4Packet};

    // GRE part of scapy: IP(src="10.0.0.1", dst="10.0.0.2")/GRE(chksum_present=1,
    //   key_present=1, seqnum_present=1, key=0x1234, sequence_number=7,
    //   proto=0x6558)/Ether(dst="00:00:00:00:00:02", src="00:00:00:00:00:01",
    //   type=0x0800)/b"xy"
    const FULL: &str = "b000655857ef0000000012340000000700000000000200000000000108007879";
    // scapy: GRE(proto=0x0800)/IP(src="1.1.1.1", dst="2.2.2.2")
    const PLAIN: &str = "000008004500001400010000400074e40101010102020202";

    #[test]
    fn all_fields_round_trip() {
        let bytes = hex(FULL);
        let gre = GreHeader::new_checked(&bytes[..]).unwrap();
        assert!(gre.verify_checksum());
        assert_eq!(gre.checksum(), Some(0x57ef));
        assert_eq!(gre.header_len(), 16);
        let repr = GreRepr::parse(&gre).unwrap();
        assert_eq!(
            repr,
            GreRepr {
                protocol: EtherType::TransEtherBridging,
                checksum: true,
                key: Some(0x1234),
                sequence: Some(7)
            }
        );
        let inner = EthernetFrame::new_checked(gre.payload()).unwrap();
        assert_eq!(inner.payload(), b"xy");
        let mut out = vec![0u8; bytes.len()];
        out[16..].copy_from_slice(&bytes[16..]);
        let mut view = GreHeader::new_unchecked(&mut out[..]);
        repr.emit(&mut view);
        view.fill_checksum();
        assert_eq!(out, bytes);
    }

    #[test]
    fn plain_round_trip() {
        let bytes = hex(PLAIN);
        let gre = GreHeader::new_checked(&bytes[..]).unwrap();
        assert!(gre.verify_checksum());
        let repr = GreRepr::parse(&gre).unwrap();
        let expected = GreRepr {
            protocol: EtherType::Ipv4,
            checksum: false,
            key: None,
            sequence: None,
        };
        assert_eq!(repr, expected);
        assert_eq!(
            (gre.checksum(), gre.key(), gre.sequence()),
            (None, None, None)
        );
        assert!(Ipv4Packet::new_checked(gre.payload())
            .unwrap()
            .verify_checksum());
        let mut out = [0xffu8; 4];
        repr.emit(&mut GreHeader::new_unchecked(&mut out[..]));
        assert_eq!(out, bytes[..4]);
    }

    #[test]
    fn rejects_truncation_routing_and_versions() {
        let bytes = hex(FULL);
        for len in 0..16 {
            assert_eq!(GreHeader::new_checked(&bytes[..len]), Err(Error::Truncated));
        }
        let mut bytes = hex(PLAIN);
        bytes[0] = 0x40;
        assert_eq!(GreHeader::new_checked(&bytes[..]), Err(Error::Malformed));
        bytes[0] = 0;
        bytes[1] = 1;
        let gre = GreHeader::new_checked(&bytes[..]).unwrap();
        assert_eq!(GreRepr::parse(&gre), Err(Error::Unsupported));
    }

    #[test]
    fn setters_round_trip() {
        let mut buf = [0u8; 13];
        let mut gre = GreHeader::new_unchecked(&mut buf[..]);
        gre.set_key_present(true);
        gre.set_seq_present(true);
        gre.set_protocol(EtherType::Ipv6);
        gre.set_key(0xaabb_ccdd);
        gre.set_sequence(42);
        gre.payload_mut()[0] = 0x60;
        assert!(gre.check_len().is_ok());
        assert_eq!((gre.key(), gre.sequence()), (Some(0xaabb_ccdd), Some(42)));
        assert_eq!(gre.protocol(), EtherType::Ipv6);
        gre.set_version(1);
        assert_eq!(gre.version(), 1);
        gre.set_version(0);
        // Turning C on moves key and sequence: the view reads the new
        // layout, and the buffer is now too short for it.
        gre.set_checksum_present(true);
        assert_eq!(gre.check_len(), Err(Error::Truncated));
        assert_eq!(gre.sequence(), None);
        assert!(gre.payload().is_empty());
        gre.set_checksum_present(false);
        assert_eq!(
            buf,
            [0x30, 0, 0x86, 0xdd, 0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 42, 0x60]
        );
    }
}
