//! ICMPv6 and IPv6 neighbour discovery.

use crate::flow::{EthAddr, Flow};

/// Type, code, checksum and the 4 bytes after them (OVS
/// `struct icmp6_data_header`).
const ICMP6_DATA_HEADER_LEN: usize = 8;
/// Neighbour solicitation.
const ND_NEIGHBOR_SOLICIT: u8 = 135;
/// Neighbour advertisement.
const ND_NEIGHBOR_ADVERT: u8 = 136;
/// Source link-layer address option.
const ND_OPT_SOURCE_LINKADDR: u8 = 1;
/// Target link-layer address option.
const ND_OPT_TARGET_LINKADDR: u8 = 2;
/// ND option lengths count units of this many bytes.
const ND_OPT_LEN_UNIT: usize = 8;

/// Fills in type (`tp_src`) and code (`tp_dst`) if the 8-byte header is
/// there, and for neighbour solicitations and advertisements with code 0 the
/// ND fields too.
pub(super) fn parse(l4: &[u8], flow: &mut Flow) {
    let Some((hdr, body)) = l4.split_first_chunk::<ICMP6_DATA_HEADER_LEN>() else {
        return;
    };
    let (ty, code) = (hdr[0], hdr[1]);
    flow.tp_src = u16::from(ty);
    flow.tp_dst = u16::from(code);
    if code == 0 && (ty == ND_NEIGHBOR_SOLICIT || ty == ND_NEIGHBOR_ADVERT) {
        // OVS's `nd_reserved`: the R/S/O flags and reserved bits, kept in
        // the IGMP group field.
        flow.igmp_group_ip4 = u32::from_be_bytes([hdr[4], hdr[5], hdr[6], hdr[7]]);
        neighbor_discovery(body, flow);
    }
}

/// The ND target and link-layer address options, following OVS's
/// `parse_icmpv6()`:
///
/// - no target (fewer than 16 bytes): no ND fields;
/// - options are walked while 8 bytes remain; one with length 0 or running
///   past the end ends the walk, keeping what was found so far;
/// - a source (type 1) or target (type 2) link-layer address option of length
///   1 (8 bytes) sets `arp_sha` / `arp_tha`, whichever message it is in, as
///   OVS does not tie them to NS / NA; other options are skipped;
/// - a second option of a kind already seen (with a nonzero address) makes the
///   packet invalid: target and both addresses are discarded;
/// - `tcp_flags` gets the type of the first address option found (OVS's
///   `nd_options_type`), and keeps it even when the packet turns out invalid,
///   as in OVS.
fn neighbor_discovery(body: &[u8], flow: &mut Flow) {
    let Some((target, mut opts)) = body.split_first_chunk::<16>() else {
        return;
    };
    let mut sll = EthAddr::ZERO;
    let mut tll = EthAddr::ZERO;
    let mut first_opt_type = 0;
    let mut valid = true;
    while let Some(opt) = opts.first_chunk::<ND_OPT_LEN_UNIT>() {
        let [opt_type, units, m0, m1, m2, m3, m4, m5] = *opt;
        let len = usize::from(units) * ND_OPT_LEN_UNIT;
        if len == 0 || len > opts.len() {
            break;
        }
        let slot = match (opt_type, len) {
            (ND_OPT_SOURCE_LINKADDR, ND_OPT_LEN_UNIT) => Some(&mut sll),
            (ND_OPT_TARGET_LINKADDR, ND_OPT_LEN_UNIT) => Some(&mut tll),
            _ => None,
        };
        if let Some(slot) = slot {
            if !slot.is_zero() {
                valid = false;
                break;
            }
            *slot = EthAddr([m0, m1, m2, m3, m4, m5]);
            if first_opt_type == 0 {
                first_opt_type = opt_type;
            }
        }
        let Some(rest) = opts.get(len..) else {
            break;
        };
        opts = rest;
    }
    flow.tcp_flags = u16::from(first_opt_type);
    if valid {
        flow.nd_target = *target;
        flow.arp_sha = sll;
        flow.arp_tha = tll;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET: [u8; 16] = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02];
    const MAC_1: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
    const MAC_2: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

    /// Neighbour solicitation header (checksum not checked).
    const NS: [u8; 8] = [135, 0, 0x12, 0x34, 0, 0, 0, 0];
    /// Neighbour advertisement header, flags S|O.
    const NA: [u8; 8] = [136, 0, 0x12, 0x34, 0x60, 0, 0, 0];

    fn sll(mac: [u8; 6]) -> Vec<u8> {
        [&[ND_OPT_SOURCE_LINKADDR, 1][..], &mac].concat()
    }

    fn tll(mac: [u8; 6]) -> Vec<u8> {
        [&[ND_OPT_TARGET_LINKADDR, 1][..], &mac].concat()
    }

    fn run(parts: &[&[u8]]) -> Flow {
        let mut flow = Flow::default();
        parse(&parts.concat(), &mut flow);
        flow
    }

    fn nd(ty: u16, target: [u8; 16], sha: [u8; 6], tha: [u8; 6], opt_type: u16) -> Flow {
        Flow {
            tp_src: ty,
            igmp_group_ip4: if ty == 136 { 0x6000_0000 } else { 0 },
            nd_target: target,
            arp_sha: EthAddr(sha),
            arp_tha: EthAddr(tha),
            tcp_flags: opt_type,
            ..Flow::default()
        }
    }

    #[test]
    fn echo_request_is_type_and_code_only() {
        let flow = run(&[&[128, 0, 0, 0, 0, 1, 0, 1], &TARGET, &sll(MAC_1)]);
        assert_eq!(
            flow,
            Flow {
                tp_src: 128,
                ..Flow::default()
            }
        );
        assert_eq!(run(&[&[1, 4, 0, 0, 0, 0, 0]]), Flow::default(), "7 bytes");
        assert_eq!(
            run(&[&[1, 4, 0, 0, 0, 0, 0, 0]]),
            Flow {
                tp_src: 1,
                tp_dst: 4,
                ..Flow::default()
            }
        );
    }

    #[test]
    fn solicitation_with_source_address() {
        let flow = run(&[&NS, &TARGET, &sll(MAC_1)]);
        assert_eq!(flow, nd(135, TARGET, MAC_1, [0; 6], 1));
    }

    #[test]
    fn advertisement_with_target_address() {
        let flow = run(&[&NA, &TARGET, &tll(MAC_2)]);
        assert_eq!(flow, nd(136, TARGET, [0; 6], MAC_2, 2));
    }

    #[test]
    fn both_options_in_either_message_as_ovs() {
        let flow = run(&[&NA, &TARGET, &tll(MAC_2), &sll(MAC_1)]);
        assert_eq!(flow, nd(136, TARGET, MAC_1, MAC_2, 2));
        let flow = run(&[&NS, &TARGET, &sll(MAC_1), &tll(MAC_2)]);
        assert_eq!(flow, nd(135, TARGET, MAC_1, MAC_2, 1));
    }

    #[test]
    fn no_options_or_nonzero_code() {
        assert_eq!(run(&[&NS, &TARGET]), nd(135, TARGET, [0; 6], [0; 6], 0));
        let mut code1 = NS;
        code1[1] = 1;
        let flow = run(&[&code1, &TARGET, &sll(MAC_1)]);
        assert_eq!(
            flow,
            Flow {
                tp_src: 135,
                tp_dst: 1,
                ..Flow::default()
            }
        );
    }

    #[test]
    fn truncated_target_gives_type_and_code_only() {
        let flow = run(&[&NS, &TARGET[..15]]);
        assert_eq!(flow, nd(135, [0; 16], [0; 6], [0; 6], 0));
    }

    #[test]
    fn other_options_are_skipped() {
        // MTU option (type 5, 8 bytes), then a 16-byte SLL (ignored: not
        // Ethernet-sized), then the real SLL.
        let mtu = [5, 1, 0, 0, 0, 0, 0x05, 0xdc];
        let long_sll = [&[ND_OPT_SOURCE_LINKADDR, 2][..], &[0xaa; 14]].concat();
        let flow = run(&[&NS, &TARGET, &mtu, &long_sll, &sll(MAC_1)]);
        assert_eq!(flow, nd(135, TARGET, MAC_1, [0; 6], 1));
    }

    #[test]
    fn bad_option_length_stops_but_keeps_what_was_found() {
        let zero_len = [ND_OPT_TARGET_LINKADDR, 0, 1, 2, 3, 4, 5, 6];
        let flow = run(&[&NS, &TARGET, &sll(MAC_1), &zero_len, &tll(MAC_2)]);
        assert_eq!(flow, nd(135, TARGET, MAC_1, [0; 6], 1));
        let too_long = [ND_OPT_TARGET_LINKADDR, 2, 1, 2, 3, 4, 5, 6];
        let flow = run(&[&NA, &TARGET, &too_long]);
        assert_eq!(flow, nd(136, TARGET, [0; 6], [0; 6], 0));
        // Fewer than 8 bytes left: not an option at all.
        let flow = run(&[&NA, &TARGET, &tll(MAC_2)[..7]]);
        assert_eq!(flow, nd(136, TARGET, [0; 6], [0; 6], 0));
    }

    #[test]
    fn duplicate_option_discards_nd_fields_but_not_options_type() {
        let flow = run(&[&NS, &TARGET, &sll(MAC_1), &sll(MAC_2)]);
        assert_eq!(flow, nd(135, [0; 16], [0; 6], [0; 6], 1));
        let flow = run(&[&NA, &TARGET, &tll(MAC_2), &sll(MAC_1), &tll(MAC_1)]);
        assert_eq!(flow, nd(136, [0; 16], [0; 6], [0; 6], 2));
    }

    #[test]
    fn duplicate_after_all_zero_address_is_accepted() {
        // OVS detects duplicates by a nonzero stored address.
        let flow = run(&[&NS, &TARGET, &sll([0; 6]), &sll(MAC_1)]);
        assert_eq!(flow, nd(135, TARGET, MAC_1, [0; 6], 1));
    }
}
