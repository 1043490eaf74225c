//! Ethernet (MAC) addresses.

use std::fmt;
use std::str::FromStr;

/// A 48-bit Ethernet address, in wire order.
#[repr(transparent)]
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord, bytemuck::Pod, bytemuck::Zeroable,
)]
pub struct EthAddr(pub [u8; 6]);

impl EthAddr {
    /// `00:00:00:00:00:00`.
    pub const ZERO: EthAddr = EthAddr([0; 6]);
    /// `ff:ff:ff:ff:ff:ff`.
    pub const BROADCAST: EthAddr = EthAddr([0xff; 6]);

    /// True for group addresses: the low bit of the first octet is set.
    /// The broadcast address is multicast too.
    pub fn is_multicast(&self) -> bool {
        self.0[0] & 0x01 != 0
    }

    /// True for `ff:ff:ff:ff:ff:ff`.
    pub fn is_broadcast(&self) -> bool {
        *self == Self::BROADCAST
    }

    /// True for all zeros.
    pub fn is_zero(&self) -> bool {
        *self == Self::ZERO
    }

    /// True for the IEEE 802.1D reserved group addresses
    /// `01:80:c2:00:00:00` through `01:80:c2:00:00:0f` (STP, pause frames,
    /// LACP, LLDP, ...), which a bridge must not forward. These are the
    /// IEEE entries of OVS's `eth_addr_is_reserved()`; [`EthAddr::is_reserved`]
    /// has the whole OVS list.
    pub fn is_reserved_multicast(&self) -> bool {
        let [a, b, c, d, e, f] = self.0;
        [a, b, c, d, e] == [0x01, 0x80, 0xc2, 0x00, 0x00] && f <= 0x0f
    }

    /// True for every address in OVS's `eth_addr_is_reserved()` table: the
    /// IEEE 802.1D range of [`EthAddr::is_reserved_multicast`] plus the
    /// Extreme (EDP, EAPS) and Cisco (ISL, CDP/VTP/DTP/PAgP/UDLD, PVST+,
    /// Uplink Fast, CFM) protocol addresses.
    pub fn is_reserved(&self) -> bool {
        const OTHERS: [[u8; 6]; 7] = [
            [0x00, 0xe0, 0x2b, 0x00, 0x00, 0x00], // EDP
            [0x00, 0xe0, 0x2b, 0x00, 0x00, 0x04], // EAPS
            [0x00, 0xe0, 0x2b, 0x00, 0x00, 0x06], // EAPS
            [0x01, 0x00, 0x0c, 0x00, 0x00, 0x00], // ISL
            [0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc], // PAgP, UDLD, CDP, DTP, VTP
            [0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcd], // PVST+
            [0x01, 0x00, 0x0c, 0xcd, 0xcd, 0xcd], // STP Uplink Fast, FlexLink
        ];
        let [a, b, c, d, e, f] = self.0;
        let cisco_cfm =
            [a, b, c, d, e] == [0x01, 0x00, 0x0c, 0xcc, 0xcc] && (0xc0..=0xc7).contains(&f);
        self.is_reserved_multicast() || cisco_cfm || OTHERS.contains(&self.0)
    }

    /// The address as the low 48 bits of a `u64`, first octet most significant.
    pub fn to_u64(&self) -> u64 {
        let [a, b, c, d, e, f] = self.0;
        u64::from_be_bytes([0, 0, a, b, c, d, e, f])
    }
}

impl From<[u8; 6]> for EthAddr {
    fn from(octets: [u8; 6]) -> Self {
        EthAddr(octets)
    }
}

impl fmt::Display for EthAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl fmt::Debug for EthAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The error from parsing an [`EthAddr`] that is not six `:`-separated
/// groups of one or two hex digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseEthAddrError;

impl fmt::Display for ParseEthAddrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid Ethernet address: expected six ':'-separated hex octets, as in 00:1b:21:3c:4d:5e")
    }
}

impl std::error::Error for ParseEthAddrError {}

impl FromStr for EthAddr {
    type Err = ParseEthAddrError;

    /// Parses `aa:bb:cc:dd:ee:ff` (either case; one or two hex digits per
    /// octet, as OVS's `ETH_ADDR_SCAN_FMT` accepts).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut octets = [0u8; 6];
        let mut groups = s.split(':');
        for octet in &mut octets {
            let group = groups.next().ok_or(ParseEthAddrError)?;
            let valid =
                (1..=2).contains(&group.len()) && group.bytes().all(|b| b.is_ascii_hexdigit());
            if !valid {
                return Err(ParseEthAddrError);
            }
            *octet = u8::from_str_radix(group, 16).map_err(|_| ParseEthAddrError)?;
        }
        if groups.next().is_some() {
            return Err(ParseEthAddrError);
        }
        Ok(EthAddr(octets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_debug_are_colon_hex() {
        let a = EthAddr([0x00, 0x1b, 0x21, 0x3c, 0x4d, 0xfe]);
        assert_eq!(a.to_string(), "00:1b:21:3c:4d:fe");
        assert_eq!(format!("{a:?}"), "00:1b:21:3c:4d:fe");
        assert_eq!(EthAddr::BROADCAST.to_string(), "ff:ff:ff:ff:ff:ff");
    }

    #[test]
    fn parse_round_trips_and_accepts_short_groups_and_upper_case() {
        let a: EthAddr = "00:1b:21:3c:4d:fe".parse().unwrap();
        assert_eq!(a, EthAddr([0x00, 0x1b, 0x21, 0x3c, 0x4d, 0xfe]));
        assert_eq!(a.to_string().parse::<EthAddr>(), Ok(a));
        assert_eq!("0:1B:2:3:4:F".parse(), Ok(EthAddr([0, 0x1b, 2, 3, 4, 0xf])));
    }

    #[test]
    fn parse_rejects_malformed() {
        for bad in [
            "",
            "00:11:22:33:44",
            "00:11:22:33:44:55:66",
            "00:11:22:33:44:",
            "00:11:22:33:44:555",
            "00-11-22-33-44-55",
            "0g:11:22:33:44:55",
            "+0:11:22:33:44:55",
            " 00:11:22:33:44:55",
            "00::22:33:44:55",
        ] {
            assert_eq!(bad.parse::<EthAddr>(), Err(ParseEthAddrError), "{bad:?}");
        }
        assert!(!ParseEthAddrError.to_string().is_empty());
    }

    #[test]
    fn classification() {
        assert!(EthAddr::BROADCAST.is_multicast());
        assert!(EthAddr::BROADCAST.is_broadcast());
        assert!(!EthAddr::BROADCAST.is_reserved_multicast());
        assert!(EthAddr::ZERO.is_zero());
        assert!(!EthAddr::ZERO.is_multicast());
        let stp = EthAddr([0x01, 0x80, 0xc2, 0, 0, 0]);
        let lldp = EthAddr([0x01, 0x80, 0xc2, 0, 0, 0x0e]);
        let last = EthAddr([0x01, 0x80, 0xc2, 0, 0, 0x0f]);
        let garp = EthAddr([0x01, 0x80, 0xc2, 0, 0, 0x10]);
        for a in [stp, lldp, last] {
            assert!(
                a.is_multicast() && a.is_reserved_multicast() && a.is_reserved(),
                "{a}"
            );
            assert!(!a.is_broadcast());
        }
        assert!(!garp.is_reserved_multicast() && !garp.is_reserved());
        let ipv4_mcast = EthAddr([0x01, 0x00, 0x5e, 0, 0, 1]);
        assert!(ipv4_mcast.is_multicast() && !ipv4_mcast.is_reserved());
        let unicast = EthAddr([0x02, 0, 0, 0, 0, 1]);
        assert!(!unicast.is_multicast() && !unicast.is_reserved_multicast());
        let cdp = EthAddr([0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc]);
        let edp = EthAddr([0x00, 0xe0, 0x2b, 0, 0, 0]);
        let cfm = EthAddr([0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xc7]);
        let not_cfm = EthAddr([0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xc8]);
        assert!(cdp.is_reserved() && edp.is_reserved() && cfm.is_reserved());
        assert!(!cdp.is_reserved_multicast() && !not_cfm.is_reserved());
    }

    #[test]
    fn to_u64_is_big_endian() {
        assert_eq!(EthAddr([1, 2, 3, 4, 5, 6]).to_u64(), 0x0102_0304_0506);
        assert_eq!(EthAddr::from([0xff; 6]), EthAddr::BROADCAST);
    }
}
