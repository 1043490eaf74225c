//! MPLS label stack entries (RFC 3032).

use super::{get_u32, set_u32, Error, Result};

/// A view of one MPLS label stack entry (label, traffic class, bottom of
/// stack, TTL) and what follows it: the next entry when
/// [`MplsHeader::bottom_of_stack`] is false, else the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MplsHeader<T: AsRef<[u8]>> {
    buffer: T,
}

/// Another name for [`MplsHeader`]: one label stack entry.
pub type MplsLse<T> = MplsHeader<T>;

mod field {
    use std::ops::RangeFrom;
    pub const LSE: usize = 0;
    pub const PAYLOAD: RangeFrom<usize> = 4..;
}

/// Label stack entry bits holding the label.
pub const LABEL_MASK: u32 = 0xffff_f000;
/// Shift of the label in a label stack entry.
pub const LABEL_SHIFT: u32 = 12;
/// Label stack entry bits holding the traffic class.
pub const TC_MASK: u32 = 0x0000_0e00;
/// Shift of the traffic class in a label stack entry.
pub const TC_SHIFT: u32 = 9;
/// Label stack entry bit marking the bottom of the stack.
pub const BOS: u32 = 0x0000_0100;
/// Label stack entry bits holding the TTL.
pub const TTL_MASK: u32 = 0x0000_00ff;

view_common!(MplsHeader);

impl<T: AsRef<[u8]>> MplsHeader<T> {
    /// Length of one label stack entry.
    pub const HEADER_LEN: usize = field::PAYLOAD.start;

    /// Checks that the buffer holds a 4-byte entry.
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < Self::HEADER_LEN {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// The whole 32-bit label stack entry.
    pub fn lse(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::LSE)
    }

    /// Label (20 bits).
    pub fn label(&self) -> u32 {
        (self.lse() & LABEL_MASK) >> LABEL_SHIFT
    }

    /// Traffic class (3 bits, formerly EXP).
    pub fn tc(&self) -> u8 {
        ((self.lse() & TC_MASK) >> TC_SHIFT) as u8
    }

    /// Bottom-of-stack bit.
    pub fn bottom_of_stack(&self) -> bool {
        self.lse() & BOS != 0
    }

    /// Time to live.
    pub fn ttl(&self) -> u8 {
        (self.lse() & TTL_MASK) as u8
    }

    /// Everything after this entry.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> MplsHeader<T> {
    /// Sets the whole 32-bit label stack entry.
    pub fn set_lse(&mut self, lse: u32) {
        set_u32(self.buffer.as_mut(), field::LSE, lse);
    }

    /// Sets the label; only the low 20 bits of `label` are used.
    pub fn set_label(&mut self, label: u32) {
        self.set_lse((self.lse() & !LABEL_MASK) | ((label << LABEL_SHIFT) & LABEL_MASK));
    }

    /// Sets the traffic class; only the low 3 bits of `tc` are used.
    pub fn set_tc(&mut self, tc: u8) {
        self.set_lse((self.lse() & !TC_MASK) | ((u32::from(tc) << TC_SHIFT) & TC_MASK));
    }

    /// Sets the bottom-of-stack bit.
    pub fn set_bottom_of_stack(&mut self, bos: bool) {
        let lse = if bos {
            self.lse() | BOS
        } else {
            self.lse() & !BOS
        };
        self.set_lse(lse);
    }

    /// Sets the time to live.
    pub fn set_ttl(&mut self, ttl: u8) {
        self.set_lse((self.lse() & !TTL_MASK) | u32::from(ttl));
    }

    /// Everything after this entry, mutably.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD]
    }
}

/// The fields of one label stack entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MplsRepr {
    /// Label (20 bits).
    pub label: u32,
    /// Traffic class (3 bits).
    pub tc: u8,
    /// Bottom-of-stack bit.
    pub bottom_of_stack: bool,
    /// Time to live.
    pub ttl: u8,
}

impl MplsRepr {
    /// Reads an entry.
    pub fn parse<T: AsRef<[u8]>>(lse: &MplsHeader<T>) -> Result<Self> {
        lse.check_len()?;
        Ok(MplsRepr {
            label: lse.label(),
            tc: lse.tc(),
            bottom_of_stack: lse.bottom_of_stack(),
            ttl: lse.ttl(),
        })
    }

    /// Bytes [`Self::emit`] writes.
    pub const fn buffer_len(&self) -> usize {
        field::PAYLOAD.start
    }

    /// Writes the entry into `lse`, which must hold [`Self::buffer_len`]
    /// bytes. Out-of-range `label` and `tc` bits are dropped.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, lse: &mut MplsHeader<T>) {
        lse.set_lse(0);
        lse.set_label(self.label);
        lse.set_tc(self.tc);
        lse.set_bottom_of_stack(self.bottom_of_stack);
        lse.set_ttl(self.ttl);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::{EtherType, EthernetFrame};

    // scapy: Ether(type=0x8847)/MPLS(label=0x12345, cos=3, s=0, ttl=64)
    //        /MPLS(label=16, cos=0, s=1, ttl=63)/IP(src="1.1.1.1", dst="2.2.2.2")
    const FRAME: &str =
        "0000000000020000000000018847123456400001013f4500001400010000400074e40101010102020202";

    #[test]
    fn parse_emit_round_trip_two_labels() {
        let bytes = hex(FRAME);
        let eth = EthernetFrame::new_checked(&bytes[..]).unwrap();
        assert_eq!(eth.ethertype(), EtherType::Mpls);
        let outer = MplsHeader::new_checked(eth.payload()).unwrap();
        let outer_repr = MplsRepr::parse(&outer).unwrap();
        assert_eq!(
            outer_repr,
            MplsRepr {
                label: 0x12345,
                tc: 3,
                bottom_of_stack: false,
                ttl: 64
            }
        );
        let inner = MplsLse::new_checked(outer.payload()).unwrap();
        let inner_repr = MplsRepr::parse(&inner).unwrap();
        assert_eq!(
            inner_repr,
            MplsRepr {
                label: 16,
                tc: 0,
                bottom_of_stack: true,
                ttl: 63
            }
        );
        assert_eq!(inner.payload(), &bytes[22..]);

        let mut out = [0u8; 8];
        outer_repr.emit(&mut MplsHeader::new_unchecked(&mut out[..4]));
        inner_repr.emit(&mut MplsHeader::new_unchecked(&mut out[4..]));
        assert_eq!(out, bytes[14..22]);
    }

    #[test]
    fn rejects_truncation() {
        let bytes = hex(FRAME);
        for len in 0..4 {
            assert_eq!(
                MplsHeader::new_checked(&bytes[14..14 + len]),
                Err(Error::Truncated)
            );
        }
    }

    #[test]
    fn setters_round_trip() {
        let mut buf = [0u8; 5];
        let mut lse = MplsHeader::new_checked(&mut buf[..]).unwrap();
        lse.set_label(0xfffff);
        lse.set_tc(5);
        lse.set_bottom_of_stack(true);
        lse.set_ttl(255);
        assert_eq!(
            (lse.label(), lse.tc(), lse.bottom_of_stack(), lse.ttl()),
            (0xfffff, 5, true, 255)
        );
        lse.set_label(0x1_00001);
        lse.set_bottom_of_stack(false);
        lse.payload_mut()[0] = 7;
        assert_eq!(lse.label(), 1);
        assert_eq!(lse.lse(), 0x0000_1aff);
        assert_eq!(buf, [0x00, 0x00, 0x1a, 0xff, 7]);
    }
}
