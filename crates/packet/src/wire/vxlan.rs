//! VXLAN headers (RFC 7348), carried over UDP port 4789; the payload is an
//! Ethernet frame.

use super::{get_u24, set_u24, Error, Result};

/// A view of a VXLAN header and the frame it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VxlanHeader<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    use std::ops::Range;
    pub const FLAGS: usize = 0;
    pub const RESERVED1: Range<usize> = 1..4;
    pub const VNI: usize = 4;
    pub const RESERVED2: usize = 7;
    pub const PAYLOAD: usize = 8;
}

/// Flag bit: the VNI is valid.
pub const FLAG_I: u8 = 0x08;

/// The IANA UDP port of VXLAN.
pub const UDP_PORT: u16 = 4789;

view_common!(VxlanHeader);

impl<T: AsRef<[u8]>> VxlanHeader<T> {
    /// Length of the header.
    pub const HEADER_LEN: usize = field::PAYLOAD;

    /// Checks that the buffer holds the 8-byte header.
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < Self::HEADER_LEN {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Flags byte ([`FLAG_I`]; other bits are reserved or extensions).
    pub fn flags(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS]
    }

    /// The 24 reserved bits after the flags (used by extensions such as
    /// VXLAN-GBP).
    pub fn reserved1(&self) -> u32 {
        get_u24(self.buffer.as_ref(), field::RESERVED1.start)
    }

    /// VXLAN network identifier (24 bits).
    pub fn vni(&self) -> u32 {
        get_u24(self.buffer.as_ref(), field::VNI)
    }

    /// The reserved byte after the VNI.
    pub fn reserved2(&self) -> u8 {
        self.buffer.as_ref()[field::RESERVED2]
    }

    /// The encapsulated frame.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> VxlanHeader<T> {
    /// Sets the flags byte.
    pub fn set_flags(&mut self, value: u8) {
        self.buffer.as_mut()[field::FLAGS] = value;
    }

    /// Sets the 24 reserved bits after the flags.
    pub fn set_reserved1(&mut self, value: u32) {
        set_u24(self.buffer.as_mut(), field::RESERVED1.start, value);
    }

    /// Sets the VNI; only the low 24 bits are used.
    pub fn set_vni(&mut self, vni: u32) {
        set_u24(self.buffer.as_mut(), field::VNI, vni);
    }

    /// Sets the reserved byte after the VNI.
    pub fn set_reserved2(&mut self, value: u8) {
        self.buffer.as_mut()[field::RESERVED2] = value;
    }

    /// The encapsulated frame, mutably.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD..]
    }
}

/// The fields of a VXLAN header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VxlanRepr {
    /// Flags byte; [`FLAG_I`] for a plain VXLAN header.
    pub flags: u8,
    /// VXLAN network identifier (24 bits).
    pub vni: u32,
}

impl VxlanRepr {
    /// A plain header for `vni`, with the I flag set.
    pub fn new(vni: u32) -> Self {
        VxlanRepr { flags: FLAG_I, vni }
    }

    /// Reads a header. The reserved fields are not kept.
    pub fn parse<T: AsRef<[u8]>>(header: &VxlanHeader<T>) -> Result<Self> {
        header.check_len()?;
        Ok(VxlanRepr {
            flags: header.flags(),
            vni: header.vni(),
        })
    }

    /// Bytes [`Self::emit`] writes.
    pub const fn buffer_len(&self) -> usize {
        field::PAYLOAD
    }

    /// Writes the header, reserved fields zero, into `header`, which must
    /// hold [`Self::buffer_len`] bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, header: &mut VxlanHeader<T>) {
        header.set_flags(self.flags);
        header.set_reserved1(0);
        header.set_vni(self.vni);
        header.set_reserved2(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::{EtherType, EthernetFrame, IpPair, Ipv4Packet, UdpPacket};

    // scapy: IP(src="10.0.0.1", dst="10.0.0.2")/UDP(sport=49152, dport=4789)
    //   /VXLAN(vni=0x123456, flags=0x08)/Ether(dst="00:00:00:00:00:02",
    //   src="00:00:00:00:00:01", type=0x0800)
    const PACKET: &str = "4500003200010000401166b80a0000010a000002c00012b5001ea0c2\
        08000000123456000000000000020000000000010800";

    #[test]
    fn parse_emit_round_trip() {
        let bytes = hex(PACKET);
        let ip = Ipv4Packet::new_checked(&bytes[..]).unwrap();
        let udp = UdpPacket::new_checked(ip.payload()).unwrap();
        assert_eq!(udp.dst_port(), UDP_PORT);
        assert!(udp.verify_checksum(&IpPair::V4(ip.src_addr(), ip.dst_addr())));
        let vxlan = VxlanHeader::new_checked(udp.payload()).unwrap();
        let repr = VxlanRepr::parse(&vxlan).unwrap();
        assert_eq!(repr, VxlanRepr::new(0x12_3456));
        let inner = EthernetFrame::new_checked(vxlan.payload()).unwrap();
        assert_eq!(inner.ethertype(), EtherType::Ipv4);
        let mut out = [0xffu8; 8];
        repr.emit(&mut VxlanHeader::new_unchecked(&mut out[..]));
        assert_eq!(out, bytes[28..36]);
    }

    #[test]
    fn rejects_truncation() {
        let bytes = hex(PACKET);
        for len in 0..8 {
            assert_eq!(
                VxlanHeader::new_checked(&bytes[28..28 + len]),
                Err(Error::Truncated)
            );
        }
    }

    #[test]
    fn setters_round_trip() {
        let mut buf = [0u8; 9];
        let mut vxlan = VxlanHeader::new_checked(&mut buf[..]).unwrap();
        vxlan.set_flags(0x88);
        vxlan.set_reserved1(0x00_0102);
        vxlan.set_vni(0xffab_cdef);
        vxlan.set_reserved2(3);
        vxlan.payload_mut()[0] = 4;
        assert_eq!((vxlan.flags(), vxlan.reserved1()), (0x88, 0x102));
        assert_eq!((vxlan.vni(), vxlan.reserved2()), (0xab_cdef, 3));
        assert_eq!(buf, [0x88, 0, 1, 2, 0xab, 0xcd, 0xef, 3, 4]);
    }
}
