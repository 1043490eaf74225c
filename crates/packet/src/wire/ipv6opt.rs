//! The TLV options inside IPv6 hop-by-hop and destination options headers
//! (RFC 8200 section 4.2), walked over [`super::Ipv6ExtHeader::data`].
//!
//! Each option is type, data length and data, except Pad1, a lone zero
//! byte.

use super::{Error, Result};

open_enum! {
    /// An IPv6 option type (the whole byte: action bits, change bit and
    /// number).
    pub enum Ipv6OptionType(u8) {
        /// One byte of padding, with no length or data.
        Pad1 = 0x00,
        /// N bytes of padding.
        PadN = 0x01,
        /// Router alert (RFC 2711).
        RouterAlert = 0x05,
        /// Jumbo payload (RFC 2675).
        Jumbo = 0xc2,
    }
}

impl Ipv6OptionType {
    /// The two top bits: what a node that does not know the option must do
    /// (0 skip, 1 discard, 2 discard and send ICMP, 3 discard and send ICMP
    /// unless the destination is multicast).
    pub fn unknown_action(self) -> u8 {
        u8::from(self) >> 6
    }

    /// The change bit: the option data may change en route.
    pub fn may_change(self) -> bool {
        u8::from(self) & 0x20 != 0
    }
}

/// A view of one IPv6 option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Option<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    pub const TYPE: usize = 0;
    pub const LENGTH: usize = 1;
    pub const DATA: usize = 2;
}

view_common!(Ipv6Option);

impl<T: AsRef<[u8]>> Ipv6Option<T> {
    /// Checks that the buffer holds the option (one byte for Pad1, else
    /// type, length and the data the length announces).
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len == 0 {
            return Err(Error::Truncated);
        }
        if self.option_type() != Ipv6OptionType::Pad1
            && (len < field::DATA || len < self.option_len())
        {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Option type.
    pub fn option_type(&self) -> Ipv6OptionType {
        Ipv6OptionType::from(self.buffer.as_ref()[field::TYPE])
    }

    /// Length of the data in bytes (0 for Pad1).
    pub fn data_len(&self) -> u8 {
        match self.option_type() {
            Ipv6OptionType::Pad1 => 0,
            _ => self.buffer.as_ref()[field::LENGTH],
        }
    }

    /// Length of the whole option in bytes.
    pub fn option_len(&self) -> usize {
        match self.option_type() {
            Ipv6OptionType::Pad1 => 1,
            _ => field::DATA + usize::from(self.data_len()),
        }
    }

    /// The option data (empty for Pad1).
    pub fn data(&self) -> &[u8] {
        match self.option_type() {
            Ipv6OptionType::Pad1 => &[],
            _ => &self.buffer.as_ref()[field::DATA..self.option_len()],
        }
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6Option<T> {
    /// Sets the option type.
    pub fn set_option_type(&mut self, value: Ipv6OptionType) {
        self.buffer.as_mut()[field::TYPE] = value.into();
    }

    /// Sets the data length (not for Pad1).
    pub fn set_data_len(&mut self, len: u8) {
        self.buffer.as_mut()[field::LENGTH] = len;
    }

    /// The option data, mutably (empty for Pad1).
    pub fn data_mut(&mut self) -> &mut [u8] {
        match self.option_type() {
            Ipv6OptionType::Pad1 => &mut [],
            _ => {
                let end = self.option_len();
                &mut self.buffer.as_mut()[field::DATA..end]
            }
        }
    }
}

/// Iterator over the options of a hop-by-hop or destination options
/// header. A truncated option yields one error and ends the walk.
#[derive(Debug, Clone)]
pub struct Ipv6Options<'a> {
    data: &'a [u8],
}

impl<'a> Ipv6Options<'a> {
    /// Iterates over the options in `data`, the data of a hop-by-hop or
    /// destination options header ([`super::Ipv6ExtHeader::data`]).
    pub fn new(data: &'a [u8]) -> Self {
        Ipv6Options { data }
    }
}

impl<'a> Iterator for Ipv6Options<'a> {
    type Item = Result<Ipv6Option<&'a [u8]>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.data.is_empty() {
            return None;
        }
        match Ipv6Option::new_checked(self.data) {
            Ok(option) => {
                let (this, rest) = self.data.split_at(option.option_len());
                self.data = rest;
                Some(Ok(Ipv6Option::new_unchecked(this)))
            }
            Err(err) => {
                self.data = &[];
                Some(Err(err))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::{hex, EXT_PACKET};
    use crate::wire::Ipv6ExtHeader;

    #[test]
    fn hop_by_hop_router_alert() {
        let bytes = hex(EXT_PACKET);
        let hbh = Ipv6ExtHeader::new_checked(&bytes[40..]).unwrap();
        let options: Vec<_> = Ipv6Options::new(hbh.data()).collect::<Result<_>>().unwrap();
        assert_eq!(options.len(), 2);
        assert_eq!(options[0].option_type(), Ipv6OptionType::RouterAlert);
        assert_eq!(options[0].data(), &[0, 0]);
        assert_eq!(options[1].option_type(), Ipv6OptionType::PadN);
        assert_eq!(options[1].data_len(), 0);
        // The destination options header is one PadN of 4.
        let dst = Ipv6ExtHeader::new_checked(&bytes[72..]).unwrap();
        let options: Vec<_> = Ipv6Options::new(dst.data()).collect::<Result<_>>().unwrap();
        assert_eq!(options.len(), 1);
        assert_eq!(options[0].data(), &[0; 4]);
    }

    #[test]
    fn pad1_and_truncation() {
        let data = [0x00, 0x00, 0x01, 0x00, 0xc2, 0x04, 0x00, 0x01];
        let mut options = Ipv6Options::new(&data);
        for _ in 0..2 {
            let pad1 = options.next().unwrap().unwrap();
            assert_eq!((pad1.option_len(), pad1.data()), (1, &[][..]));
        }
        assert_eq!(options.next().unwrap().unwrap().option_len(), 2);
        assert_eq!(options.next(), Some(Err(Error::Truncated)));
        assert_eq!(options.next(), None);
        for len in [0, 1] {
            assert_eq!(
                Ipv6Option::new_checked(&data[4..4 + len]),
                Err(Error::Truncated)
            );
        }
        let jumbo = Ipv6OptionType::Jumbo;
        assert_eq!((jumbo.unknown_action(), jumbo.may_change()), (3, false));
    }

    #[test]
    fn setters_round_trip() {
        let mut buf = [0u8; 5];
        let mut option = Ipv6Option::new_unchecked(&mut buf[..]);
        option.set_option_type(Ipv6OptionType::Unknown(0x3e));
        option.set_data_len(3);
        option.data_mut().copy_from_slice(&[1, 2, 3]);
        assert!(option.check_len().is_ok());
        assert!(option.option_type().may_change());
        assert_eq!(option.data(), &[1, 2, 3]);
        option.set_option_type(Ipv6OptionType::Pad1);
        assert!(option.data_mut().is_empty());
        assert_eq!(buf, [0, 3, 1, 2, 3]);
    }
}
