//! Transport headers: TCP, UDP, SCTP, ICMP, IGMP (and ICMPv6 via
//! [`super::icmpv6`]).
//!
//! As in OVS, the protocol is chosen by `nw_proto` alone, whatever the IP
//! version: ICMPv6 inside IPv4 is parsed as ICMPv6, and so on.

use super::{be16, be32, icmpv6};
use crate::flow::{ipproto, tcp_flags, Flow};

/// TCP header without options.
const TCP_HEADER_LEN: usize = 20;
/// UDP header.
const UDP_HEADER_LEN: usize = 8;
/// SCTP common header.
const SCTP_HEADER_LEN: usize = 12;
/// ICMP header up to and including the 4 bytes after the checksum.
const ICMP_HEADER_LEN: usize = 8;
/// IGMP header.
const IGMP_HEADER_LEN: usize = 8;

/// Fills in the transport fields of `flow` for protocol `flow.nw_proto` from
/// `l4`, the IP payload. A header that is cut short sets nothing.
#[inline]
pub(super) fn parse(l4: &[u8], flow: &mut Flow) {
    match flow.nw_proto {
        ipproto::TCP => tcp(l4, flow),
        ipproto::UDP => ports::<UDP_HEADER_LEN>(l4, flow),
        ipproto::SCTP => ports::<SCTP_HEADER_LEN>(l4, flow),
        ipproto::ICMP => type_code::<ICMP_HEADER_LEN>(l4, flow),
        ipproto::IGMP => igmp(l4, flow),
        ipproto::ICMPV6 => icmpv6::parse(l4, flow),
        _ => {}
    }
}

/// TCP: ports and the 12 flag bits, if the header (with its options, per the
/// data offset) is all there and the data offset is at least 5.
#[inline]
fn tcp(l4: &[u8], flow: &mut Flow) {
    let Some(hdr) = l4.first_chunk::<TCP_HEADER_LEN>() else {
        return;
    };
    let ctl = be16([hdr[12], hdr[13]]);
    let hdr_len = usize::from(ctl >> 12) * 4;
    if hdr_len < TCP_HEADER_LEN || l4.len() < hdr_len {
        return;
    }
    flow.tp_src = be16([hdr[0], hdr[1]]);
    flow.tp_dst = be16([hdr[2], hdr[3]]);
    flow.tcp_flags = ctl & tcp_flags::MASK;
}

/// UDP, SCTP: source and destination ports in the first four bytes of a header
/// of `LEN` bytes.
#[inline]
fn ports<const LEN: usize>(l4: &[u8], flow: &mut Flow) {
    if l4.len() < LEN {
        return;
    }
    if let Some([s0, s1, d0, d1]) = l4.first_chunk::<4>() {
        flow.tp_src = be16([*s0, *s1]);
        flow.tp_dst = be16([*d0, *d1]);
    }
}

/// ICMP, IGMP: type into `tp_src` and code into `tp_dst`, if the `LEN`-byte
/// header is all there.
fn type_code<const LEN: usize>(l4: &[u8], flow: &mut Flow) {
    if l4.len() < LEN {
        return;
    }
    if let Some([ty, code]) = l4.first_chunk::<2>() {
        flow.tp_src = u16::from(*ty);
        flow.tp_dst = u16::from(*code);
    }
}

/// IGMP: type, code and the group address, if the 8-byte header is all there
/// (IGMPv3 reports have no group there: OVS takes the reserved bytes, and so
/// does this).
fn igmp(l4: &[u8], flow: &mut Flow) {
    if let Some(hdr) = l4.first_chunk::<IGMP_HEADER_LEN>() {
        flow.tp_src = u16::from(hdr[0]);
        flow.tp_dst = u16::from(hdr[1]);
        flow.igmp_group_ip4 = be32([hdr[4], hdr[5], hdr[6], hdr[7]]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 12345 -> 80, SYN|ACK|ECE|NS plus a reserved bit, data offset 5.
    const TCP: [u8; 20] = [
        0x30, 0x39, 0x00, 0x50, // ports
        0, 0, 0, 1, // seq
        0, 0, 0, 0, // ack
        0x53, 0x52, // data offset 5, reserved bits 001 (NS), 0x52 = ECE|ACK|SYN
        0xff, 0xff, 0, 0, 0, 0, // window, checksum, urgent pointer
    ];

    fn run(proto: u8, l4: &[u8]) -> Flow {
        let mut flow = Flow {
            nw_proto: proto,
            ..Flow::default()
        };
        parse(l4, &mut flow);
        flow.nw_proto = 0;
        flow
    }

    fn l4(tp_src: u16, tp_dst: u16, tcp_flags: u16) -> Flow {
        Flow {
            tp_src,
            tp_dst,
            tcp_flags,
            ..Flow::default()
        }
    }

    #[test]
    fn tcp_ports_and_twelve_flag_bits() {
        let want = l4(12345, 80, 0x352);
        assert_eq!(run(ipproto::TCP, &TCP), want);
        assert_eq!(
            want.tcp_flags,
            0x200 | tcp_flags::NS | tcp_flags::ECE | tcp_flags::ACK | tcp_flags::SYN
        );
    }

    #[test]
    fn tcp_options_must_be_present() {
        let mut hdr = TCP;
        hdr[12] = 0x60; // data offset 6: 4 bytes of options
        assert_eq!(run(ipproto::TCP, &hdr), Flow::default());
        let with_opts = [&hdr[..], &[1, 1, 1, 0]].concat();
        assert_eq!(run(ipproto::TCP, &with_opts), l4(12345, 80, 0x052));
    }

    #[test]
    fn tcp_data_offset_below_five_is_ignored() {
        let mut hdr = TCP;
        hdr[12] = 0x40;
        assert_eq!(run(ipproto::TCP, &hdr), Flow::default());
    }

    #[test]
    fn udp_and_sctp_ports() {
        let udp = [0x00, 0x35, 0xc0, 0x00, 0x00, 0x08, 0x00, 0x00];
        assert_eq!(run(ipproto::UDP, &udp), l4(53, 0xc000, 0));
        assert_eq!(run(ipproto::UDP, &udp[..7]), Flow::default());
        let sctp = [0x0b, 0x59, 0x0b, 0x5a, 0, 0, 0, 1, 0, 0, 0, 0];
        assert_eq!(run(ipproto::SCTP, &sctp), l4(2905, 2906, 0));
        assert_eq!(run(ipproto::SCTP, &sctp[..11]), Flow::default());
    }

    #[test]
    fn icmp_and_igmp_type_and_code() {
        let echo = [8, 0, 0xf7, 0xff, 0, 1, 0, 0];
        assert_eq!(run(ipproto::ICMP, &echo), l4(8, 0, 0));
        let unreachable = [3, 3, 0, 0, 0, 0, 0, 0];
        assert_eq!(run(ipproto::ICMP, &unreachable), l4(3, 3, 0));
        assert_eq!(run(ipproto::ICMP, &echo[..7]), Flow::default());
        let igmp_report = [0x16, 0, 0, 0, 224, 0, 0, 251];
        let want = Flow {
            igmp_group_ip4: 0xe000_00fb,
            ..l4(0x16, 0, 0)
        };
        assert_eq!(run(ipproto::IGMP, &igmp_report), want);
        assert_eq!(run(ipproto::IGMP, &igmp_report[..7]), Flow::default());
    }

    #[test]
    fn other_protocols_set_nothing() {
        for proto in [ipproto::GRE, ipproto::ESP, ipproto::NONE, 255] {
            assert_eq!(run(proto, &TCP), Flow::default(), "proto {proto}");
        }
    }
}
