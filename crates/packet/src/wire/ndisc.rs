//! Neighbor Discovery for IPv6 (RFC 4861): the fixed fields of ND messages
//! as methods on [`Icmpv6Packet`], the [`NdOption`] view with its
//! [`NdOptions`] iterator, and [`NdiscRepr`] for neighbor solicitations and
//! advertisements (the messages OVS matches on: target, SLL, TLL).

use std::net::Ipv6Addr;

use super::icmpv6::{Icmpv6Message, Icmpv6Packet};
use super::{get_array, Error, Result};
use crate::flow::EthAddr;

mod field {
    use std::ops::Range;
    pub const FLAGS: usize = 4;
    pub const TARGET: Range<usize> = 8..24;

    pub const OPT_TYPE: usize = 0;
    pub const OPT_LENGTH: usize = 1;
    pub const OPT_DATA: usize = 2;
}

/// Neighbor advertisement flag: the sender is a router.
pub const NA_ROUTER: u8 = 0x80;
/// Neighbor advertisement flag: sent in response to a solicitation.
pub const NA_SOLICITED: u8 = 0x40;
/// Neighbor advertisement flag: override an existing cache entry.
pub const NA_OVERRIDE: u8 = 0x20;

/// Length of the fixed part (header and fields before the options) of ND
/// message `msg`; 0 for messages that are not ND.
pub fn fixed_len(msg: Icmpv6Message) -> usize {
    match msg {
        Icmpv6Message::RouterSolicit => 8,
        Icmpv6Message::RouterAdvert => 16,
        Icmpv6Message::NeighborSolicit | Icmpv6Message::NeighborAdvert => 24,
        Icmpv6Message::Redirect => 40,
        _ => 0,
    }
}

impl<T: AsRef<[u8]>> Icmpv6Packet<T> {
    /// Target address of a neighbor solicitation, advertisement or redirect
    /// (bytes 8 to 24 of the message); `::` when the message is shorter.
    pub fn target_addr(&self) -> Ipv6Addr {
        match self.buffer.as_ref().get(field::TARGET) {
            Some(bytes) => Ipv6Addr::from(get_array::<16>(bytes, 0)),
            None => Ipv6Addr::UNSPECIFIED,
        }
    }

    /// Flags of a neighbor advertisement ([`NA_ROUTER`], [`NA_SOLICITED`],
    /// [`NA_OVERRIDE`]).
    pub fn nd_flags(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS]
    }

    /// The options of an ND message (empty for other messages).
    pub fn nd_options(&self) -> NdOptions<'_> {
        let data = self.buffer.as_ref();
        let start = fixed_len(self.msg_type()).min(data.len());
        let start = if start == 0 { data.len() } else { start };
        NdOptions {
            data: &data[start..],
        }
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Icmpv6Packet<T> {
    /// Sets the target address of a neighbor solicitation, advertisement or
    /// redirect.
    pub fn set_target_addr(&mut self, addr: Ipv6Addr) {
        self.buffer.as_mut()[field::TARGET].copy_from_slice(&addr.octets());
    }

    /// Sets the flags of a neighbor advertisement.
    pub fn set_nd_flags(&mut self, flags: u8) {
        self.buffer.as_mut()[field::FLAGS] = flags;
    }
}

open_enum! {
    /// An ND option type.
    pub enum NdOptionType(u8) {
        /// Source link-layer address.
        SourceLinkLayerAddr = 1,
        /// Target link-layer address.
        TargetLinkLayerAddr = 2,
        /// Prefix information.
        PrefixInformation = 3,
        /// Redirected header.
        RedirectedHeader = 4,
        /// MTU.
        Mtu = 5,
    }
}

/// A view of one ND option: type, length in 8-byte units, data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NdOption<T: AsRef<[u8]>> {
    buffer: T,
}

view_common!(NdOption);

impl<T: AsRef<[u8]>> NdOption<T> {
    /// Checks that the buffer holds the option its length field announces,
    /// and that the length is not zero.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < field::OPT_DATA {
            return Err(Error::Truncated);
        }
        if self.length_field() == 0 {
            return Err(Error::Malformed);
        }
        if len < self.option_len() {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Option type.
    pub fn option_type(&self) -> NdOptionType {
        NdOptionType::from(self.buffer.as_ref()[field::OPT_TYPE])
    }

    /// The raw length field, in 8-byte units.
    pub fn length_field(&self) -> u8 {
        self.buffer.as_ref()[field::OPT_LENGTH]
    }

    /// Length of the option in bytes, type and length included.
    pub fn option_len(&self) -> usize {
        usize::from(self.length_field()) * 8
    }

    /// The option data, after type and length.
    pub fn data(&self) -> &[u8] {
        &self.buffer.as_ref()[field::OPT_DATA..self.option_len()]
    }

    /// The link-layer address of a source or target link-layer address
    /// option, when it is an Ethernet address (length 1).
    pub fn link_layer_addr(&self) -> Option<EthAddr> {
        let is_lladdr = matches!(
            self.option_type(),
            NdOptionType::SourceLinkLayerAddr | NdOptionType::TargetLinkLayerAddr
        );
        (is_lladdr && self.length_field() == 1)
            .then(|| EthAddr(get_array(self.buffer.as_ref(), field::OPT_DATA)))
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> NdOption<T> {
    /// Sets the option type.
    pub fn set_option_type(&mut self, value: NdOptionType) {
        self.buffer.as_mut()[field::OPT_TYPE] = value.into();
    }

    /// Sets the raw length field, in 8-byte units.
    pub fn set_length_field(&mut self, value: u8) {
        self.buffer.as_mut()[field::OPT_LENGTH] = value;
    }

    /// The option data, mutably.
    pub fn data_mut(&mut self) -> &mut [u8] {
        let end = self.option_len();
        &mut self.buffer.as_mut()[field::OPT_DATA..end]
    }

    /// Writes a link-layer address option (length 1) for `addr`.
    pub fn set_link_layer_addr(&mut self, kind: NdOptionType, addr: EthAddr) {
        self.set_option_type(kind);
        self.set_length_field(1);
        self.data_mut()[..6].copy_from_slice(&addr.0);
    }
}

/// Iterator over the options of an ND message. Yields each option checked;
/// a truncated or zero-length option yields one error and ends the walk.
#[derive(Debug, Clone)]
pub struct NdOptions<'a> {
    data: &'a [u8],
}

impl<'a> NdOptions<'a> {
    /// Iterates over the options in `data` (the part of an ND message after
    /// its fixed fields).
    pub fn new(data: &'a [u8]) -> Self {
        NdOptions { data }
    }
}

impl<'a> Iterator for NdOptions<'a> {
    type Item = Result<NdOption<&'a [u8]>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.data.is_empty() {
            return None;
        }
        match NdOption::new_checked(self.data) {
            Ok(option) => {
                let (this, rest) = self.data.split_at(option.option_len());
                self.data = rest;
                Some(Ok(NdOption::new_unchecked(this)))
            }
            Err(err) => {
                self.data = &[];
                Some(Err(err))
            }
        }
    }
}

/// A neighbor solicitation or advertisement with its link-layer address
/// option, the fields OVS matches (`nd_target`, `nd_sll`, `nd_tll`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NdiscRepr {
    /// Neighbor solicitation.
    NeighborSolicit {
        /// Target address.
        target_addr: Ipv6Addr,
        /// Source link-layer address option, if any.
        lladdr: Option<EthAddr>,
    },
    /// Neighbor advertisement.
    NeighborAdvert {
        /// [`NA_ROUTER`], [`NA_SOLICITED`], [`NA_OVERRIDE`].
        flags: u8,
        /// Target address.
        target_addr: Ipv6Addr,
        /// Target link-layer address option, if any.
        lladdr: Option<EthAddr>,
    },
}

impl NdiscRepr {
    /// Reads a neighbor solicitation or advertisement: the first source
    /// (solicitation) or target (advertisement) link-layer address option
    /// is kept, other options are skipped. Fails with `Unsupported` for
    /// other messages and with the option's error for a bad option.
    pub fn parse<T: AsRef<[u8]>>(packet: &Icmpv6Packet<T>) -> Result<Self> {
        packet.check_len()?;
        let wanted = match packet.msg_type() {
            Icmpv6Message::NeighborSolicit => NdOptionType::SourceLinkLayerAddr,
            Icmpv6Message::NeighborAdvert => NdOptionType::TargetLinkLayerAddr,
            _ => return Err(Error::Unsupported),
        };
        let mut lladdr = None;
        for option in packet.nd_options() {
            let option = option?;
            if lladdr.is_none() && option.option_type() == wanted {
                lladdr = option.link_layer_addr();
            }
        }
        let target_addr = packet.target_addr();
        Ok(match packet.msg_type() {
            Icmpv6Message::NeighborSolicit => NdiscRepr::NeighborSolicit {
                target_addr,
                lladdr,
            },
            _ => NdiscRepr::NeighborAdvert {
                flags: packet.nd_flags(),
                target_addr,
                lladdr,
            },
        })
    }

    /// Bytes [`Self::emit`] writes: 24, plus 8 for a link-layer address
    /// option.
    pub fn buffer_len(&self) -> usize {
        let (NdiscRepr::NeighborSolicit { lladdr, .. } | NdiscRepr::NeighborAdvert { lladdr, .. }) =
            self;
        field::TARGET.end + if lladdr.is_some() { 8 } else { 0 }
    }

    /// Writes the message into `packet`, which must hold
    /// [`Self::buffer_len`] bytes, with a zero checksum; fill it with
    /// [`Icmpv6Packet::fill_checksum`].
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Icmpv6Packet<T>) {
        let (msg, flags, target_addr, lladdr, kind) = match *self {
            NdiscRepr::NeighborSolicit {
                target_addr,
                lladdr,
            } => (
                Icmpv6Message::NeighborSolicit,
                0,
                target_addr,
                lladdr,
                NdOptionType::SourceLinkLayerAddr,
            ),
            NdiscRepr::NeighborAdvert {
                flags,
                target_addr,
                lladdr,
            } => (
                Icmpv6Message::NeighborAdvert,
                flags,
                target_addr,
                lladdr,
                NdOptionType::TargetLinkLayerAddr,
            ),
        };
        packet.set_msg_type(msg);
        packet.set_msg_code(0);
        packet.set_checksum(0);
        packet.set_rest_of_header(0);
        packet.set_nd_flags(flags);
        packet.set_target_addr(target_addr);
        if let Some(addr) = lladdr {
            let mut option = NdOption::new_unchecked(&mut packet.data_mut()[16..24]);
            option.set_link_layer_addr(kind, addr);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::Ipv6Packet;

    // scapy: IPv6(src="2001:db8::1", dst="ff02::1:ff00:2", hlim=255)
    //   /ICMPv6ND_NS(tgt="2001:db8::2")/ICMPv6NDOptSrcLLAddr(lladdr="00:11:22:33:44:55")
    const NS: &str =
        "6000000000203aff20010db8000000000000000000000001ff0200000000000000000001ff000002\
        8700b78e0000000020010db80000000000000000000000020101001122334455";
    // scapy: IPv6(src="2001:db8::2", dst="2001:db8::1", hlim=255)
    //   /ICMPv6ND_NA(tgt="2001:db8::2", R=0, S=1, O=1)
    //   /ICMPv6NDOptDstLLAddr(lladdr="66:77:88:99:aa:bb")
    const NA: &str =
        "6000000000203aff20010db800000000000000000000000220010db8000000000000000000000001\
        8800f2a66000000020010db8000000000000000000000002020166778899aabb";

    fn round_trip(literal: &str, expected: NdiscRepr) {
        let bytes = hex(literal);
        let ip = Ipv6Packet::new_checked(&bytes[..]).unwrap();
        let packet = Icmpv6Packet::new_checked(ip.payload()).unwrap();
        assert!(packet.verify_checksum(&ip.src_addr(), &ip.dst_addr()));
        let repr = NdiscRepr::parse(&packet).unwrap();
        assert_eq!(repr, expected);
        let mut out = vec![0u8; repr.buffer_len()];
        let mut view = Icmpv6Packet::new_unchecked(&mut out[..]);
        repr.emit(&mut view);
        view.fill_checksum(&ip.src_addr(), &ip.dst_addr());
        assert_eq!(out, bytes[40..]);
    }

    #[test]
    fn neighbor_solicit_round_trip() {
        let expected = NdiscRepr::NeighborSolicit {
            target_addr: "2001:db8::2".parse().unwrap(),
            lladdr: Some(EthAddr([0x00, 0x11, 0x22, 0x33, 0x44, 0x55])),
        };
        round_trip(NS, expected);
    }

    #[test]
    fn neighbor_advert_round_trip() {
        let expected = NdiscRepr::NeighborAdvert {
            flags: NA_SOLICITED | NA_OVERRIDE,
            target_addr: "2001:db8::2".parse().unwrap(),
            lladdr: Some(EthAddr([0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb])),
        };
        round_trip(NA, expected);
    }

    #[test]
    fn options_iterate() {
        let bytes = hex(NA);
        let packet = Icmpv6Packet::new_checked(&bytes[40..]).unwrap();
        let options: Vec<_> = packet.nd_options().collect::<Result<_>>().unwrap();
        assert_eq!(options.len(), 1);
        assert_eq!(options[0].option_type(), NdOptionType::TargetLinkLayerAddr);
        assert_eq!(options[0].data(), &bytes[66..72]);
        // Not an ND message: no options.
        let mut echo = bytes[40..].to_vec();
        echo[0] = 128;
        let packet = Icmpv6Packet::new_checked(&echo[..]).unwrap();
        assert_eq!(packet.nd_options().count(), 0);
        assert_eq!(NdiscRepr::parse(&packet), Err(Error::Unsupported));
    }

    #[test]
    fn bad_options_end_the_walk() {
        let mut bytes = hex(NS)[40..].to_vec();
        bytes[25] = 0; // zero length
        let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
        let options: Vec<_> = packet.nd_options().collect();
        assert_eq!(options, [Err(Error::Malformed)]);
        assert_eq!(NdiscRepr::parse(&packet), Err(Error::Malformed));
        bytes[25] = 2; // longer than the message
        let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(NdiscRepr::parse(&packet), Err(Error::Truncated));
        let packet = Icmpv6Packet::new_checked(&bytes[..25]).unwrap();
        assert_eq!(
            packet.nd_options().collect::<Vec<_>>(),
            [Err(Error::Truncated)]
        );
    }

    #[test]
    fn rejects_truncation() {
        for literal in [NS, NA] {
            let bytes = hex(literal);
            for len in 0..24 {
                let packet = Icmpv6Packet::new_checked(&bytes[40..40 + len]);
                assert_eq!(packet, Err(Error::Truncated));
            }
            for len in 0..8 {
                assert_eq!(
                    NdOption::new_checked(&bytes[64..64 + len]),
                    Err(Error::Truncated)
                );
            }
        }
    }

    #[test]
    fn setters_round_trip() {
        let mut bytes = hex(NA)[40..].to_vec();
        let mut packet = Icmpv6Packet::new_checked(&mut bytes[..]).unwrap();
        packet.set_nd_flags(NA_ROUTER);
        packet.set_target_addr(Ipv6Addr::LOCALHOST);
        assert_eq!(packet.nd_flags(), NA_ROUTER);
        assert_eq!(packet.target_addr(), Ipv6Addr::LOCALHOST);
        let mut option = NdOption::new_checked(&mut bytes[24..]).unwrap();
        option.set_link_layer_addr(NdOptionType::SourceLinkLayerAddr, EthAddr::BROADCAST);
        assert_eq!(option.option_type(), NdOptionType::SourceLinkLayerAddr);
        assert_eq!(option.link_layer_addr(), Some(EthAddr::BROADCAST));
        option.set_option_type(NdOptionType::Mtu);
        assert_eq!(option.link_layer_addr(), None);
        assert_eq!(bytes[24..26], [5, 1]);
    }
}
