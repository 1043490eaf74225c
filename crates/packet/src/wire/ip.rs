//! IP protocol numbers, shared by IPv4 (protocol) and IPv6 (next header).

open_enum! {
    /// An IP protocol number (IANA "Assigned Internet Protocol Numbers").
    pub enum IpProtocol(u8) {
        /// IPv6 hop-by-hop options extension header.
        HopByHop = 0,
        /// ICMP for IPv4.
        Icmp = 1,
        /// IGMP.
        Igmp = 2,
        /// IPv4 encapsulated in IP.
        Ipv4 = 4,
        /// TCP.
        Tcp = 6,
        /// UDP.
        Udp = 17,
        /// IPv6 encapsulated in IP.
        Ipv6 = 41,
        /// IPv6 routing extension header.
        Ipv6Route = 43,
        /// IPv6 fragment extension header.
        Ipv6Frag = 44,
        /// Generic Routing Encapsulation.
        Gre = 47,
        /// IPsec Encapsulating Security Payload.
        Esp = 50,
        /// IPsec Authentication Header.
        Ah = 51,
        /// ICMP for IPv6.
        Icmpv6 = 58,
        /// No next header (IPv6).
        Ipv6NoNxt = 59,
        /// IPv6 destination options extension header.
        Ipv6Opts = 60,
        /// SCTP.
        Sctp = 132,
    }
}

impl IpProtocol {
    /// True for the IPv6 extension headers that share the generic
    /// next-header/length layout ([`super::Ipv6ExtHeader`]): hop-by-hop,
    /// routing and destination options.
    pub fn is_ipv6_generic_ext(self) -> bool {
        matches!(
            self,
            IpProtocol::HopByHop | IpProtocol::Ipv6Route | IpProtocol::Ipv6Opts
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_are_lossless() {
        for v in 0..=255u8 {
            assert_eq!(u8::from(IpProtocol::from(v)), v);
        }
        assert_eq!(IpProtocol::from(6), IpProtocol::Tcp);
        assert_eq!(IpProtocol::from(200), IpProtocol::Unknown(200));
        assert!(IpProtocol::Ipv6Route.is_ipv6_generic_ext());
        assert!(!IpProtocol::Ipv6Frag.is_ipv6_generic_ext());
    }
}
