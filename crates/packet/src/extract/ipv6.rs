//! IPv6 header and extension headers.

use super::{be16, be32};
use crate::flow::{ipproto, Flow, FRAG_ANY, FRAG_LATER};

/// Fragment offset bits of the fragment header's offset/flags word.
const IP6F_OFF_MASK: u16 = 0xfff8;
/// IPv6 flow label bits of the first word.
const IPV6_LABEL_MASK: u32 = 0x000f_ffff;

/// Fills in the IPv6 fields and returns the payload after the extension
/// headers (bounded by the payload length, so Ethernet padding is never parsed
/// as L4).
///
/// Like OVS: a header shorter than 40 bytes or whose payload length runs past
/// the end sets nothing; an extension header that is cut short leaves only the
/// addresses set (the label, TOS, TTL, protocol and fragment fields stay
/// zero), and returns `None`.
#[inline]
pub(super) fn parse<'a>(l3: &'a [u8], flow: &mut Flow) -> Option<&'a [u8]> {
    let (fixed, rest) = l3.split_first_chunk::<8>()?;
    let (src, rest) = rest.split_first_chunk::<16>()?;
    let (dst, rest) = rest.split_first_chunk::<16>()?;
    let [v0, v1, v2, v3, p0, p1, next_header, hop_limit] = *fixed;
    let plen = usize::from(be16([p0, p1]));
    if plen > rest.len() || rest.len() - plen > usize::from(u16::MAX) {
        return None;
    }
    let payload = rest.get(..plen)?;
    flow.ipv6_src = *src;
    flow.ipv6_dst = *dst;

    let (nw_proto, nw_frag, l4) = ext_headers(payload, next_header)?;
    let tc_flow = be32([v0, v1, v2, v3]);
    flow.ipv6_label = tc_flow & IPV6_LABEL_MASK;
    flow.nw_tos = (tc_flow >> 20) as u8;
    flow.nw_ttl = hop_limit;
    flow.nw_proto = nw_proto;
    flow.nw_frag = nw_frag;
    Some(l4)
}

/// Walks hop-by-hop, routing, destination options, AH and fragment headers as
/// OVS's `parse_ipv6_ext_hdrs()` does, returning the final next header, the
/// `nw_frag` bits and the data after the headers. A later fragment stops the
/// walk with next header [`ipproto::FRAGMENT`]. `None` if a header is cut
/// short. Every header is at least 8 bytes, so the loop ends.
fn ext_headers(mut data: &[u8], mut next: u8) -> Option<(u8, u8, &[u8])> {
    let mut nw_frag = 0;
    loop {
        let this = next;
        if !matches!(
            this,
            ipproto::HOPOPTS
                | ipproto::ROUTING
                | ipproto::DSTOPTS
                | ipproto::AH
                | ipproto::FRAGMENT
        ) {
            // A transport header, or one OVS does not walk through.
            return Some((this, nw_frag, data));
        }
        // Only the first 8 bytes are read; all of these headers have them.
        let ext = data.first_chunk::<8>()?;
        let len = match this {
            // AH counts 4-byte units, less 2; the others 8-byte units, less 1.
            ipproto::AH => (usize::from(ext[1]) + 2) * 4,
            ipproto::FRAGMENT => 8,
            _ => (usize::from(ext[1]) + 1) * 8,
        };
        next = ext[0];
        data = data.get(len..)?;
        if this == ipproto::FRAGMENT {
            let offlg = be16([ext[2], ext[3]]);
            if offlg != 0 {
                nw_frag = FRAG_ANY;
                if offlg & IP6F_OFF_MASK != 0 {
                    // Not the first fragment: no further headers to parse.
                    return Some((ipproto::FRAGMENT, FRAG_ANY | FRAG_LATER, data));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Traffic class 0xab, flow label 0x12345, payload length 8, next header
    /// UDP, hop limit 255, fe80::1 -> ff02::2.
    const HDR: [u8; 40] = [
        0x6a, 0xb1, 0x23, 0x45, // version 6, TC 0xab, label 0x12345
        0x00, 0x08, 17, 255, // payload length, next header, hop limit
        0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // source
        0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, // destination
    ];

    fn with_payload(next_header: u8, payload: &[u8]) -> Vec<u8> {
        let mut pkt = HDR.to_vec();
        let len = u16::try_from(payload.len()).unwrap().to_be_bytes();
        pkt[4..6].copy_from_slice(&len);
        pkt[6] = next_header;
        pkt.extend_from_slice(payload);
        pkt
    }

    fn run(l3: &[u8]) -> (Flow, Option<Vec<u8>>) {
        let mut flow = Flow::default();
        let rest = parse(l3, &mut flow).map(<[u8]>::to_vec);
        (flow, rest)
    }

    #[test]
    fn fixed_header_fields() {
        let pkt = with_payload(17, &[1, 2, 3, 4, 5, 6, 7, 8]);
        let (flow, rest) = run(&[&pkt[..], &[0xee; 4]].concat());
        assert_eq!(flow.ipv6_src[..2], [0xfe, 0x80]);
        assert_eq!(flow.ipv6_dst[15], 2);
        assert_eq!(flow.ipv6_label, 0x12345);
        assert_eq!(
            (flow.nw_tos, flow.nw_ttl, flow.nw_proto, flow.nw_frag),
            (0xab, 255, 17, 0)
        );
        assert_eq!(rest, Some(vec![1, 2, 3, 4, 5, 6, 7, 8]), "padding excluded");
    }

    #[test]
    fn extension_header_chain() {
        let payload = [
            // Hop-by-hop, next routing, 8 bytes (PadN).
            &[ipproto::ROUTING, 0, 1, 4, 0, 0, 0, 0][..],
            // Routing, next dstopts, 24 bytes (type 0 with one address).
            &[ipproto::DSTOPTS, 2, 0, 0, 0, 0, 0, 0],
            &[0; 16],
            // Destination options, next AH, 8 bytes.
            &[ipproto::AH, 0, 1, 4, 0, 0, 0, 0],
            // AH, next TCP, payload length 4: (4 + 2) * 4 = 24 bytes.
            &[ipproto::TCP, 4, 0, 0, 0, 0, 0, 1],
            &[0; 16],
            &[7; 20],
        ]
        .concat();
        let (flow, rest) = run(&with_payload(ipproto::HOPOPTS, &payload));
        assert_eq!(flow.nw_proto, ipproto::TCP);
        assert_eq!(flow.nw_frag, 0);
        assert_eq!(rest, Some(vec![7; 20]));
    }

    #[test]
    fn unknown_next_header_ends_the_walk() {
        let (flow, rest) = run(&with_payload(ipproto::NONE, &[0; 4]));
        assert_eq!((flow.nw_proto, rest), (ipproto::NONE, Some(vec![0; 4])));
        // ESP is not walked through either.
        let (flow, _) = run(&with_payload(ipproto::ESP, &[0; 12]));
        assert_eq!(flow.nw_proto, ipproto::ESP);
        // A terminal header may be shorter than 8 bytes.
        let (flow, rest) = run(&with_payload(ipproto::UDP, &[]));
        assert_eq!((flow.nw_proto, rest), (ipproto::UDP, Some(vec![])));
    }

    #[test]
    fn first_fragment_continues_to_l4() {
        // Offset 0, M set, id 0x1234.
        let frag = [ipproto::UDP, 0, 0x00, 0x01, 0, 0, 0x12, 0x34];
        let (flow, rest) = run(&with_payload(
            ipproto::FRAGMENT,
            &[&frag[..], &[5; 8]].concat(),
        ));
        assert_eq!((flow.nw_proto, flow.nw_frag), (ipproto::UDP, FRAG_ANY));
        assert_eq!(rest, Some(vec![5; 8]));
    }

    #[test]
    fn later_fragment_stops_with_fragment_proto() {
        // Offset 185 (8-byte units), M clear.
        let frag = [ipproto::UDP, 0, 0x05, 0xc8, 0, 0, 0x12, 0x34];
        let (flow, _) = run(&with_payload(
            ipproto::FRAGMENT,
            &[&frag[..], &[5; 8]].concat(),
        ));
        assert_eq!(
            (flow.nw_proto, flow.nw_frag),
            (ipproto::FRAGMENT, FRAG_ANY | FRAG_LATER)
        );
        assert_eq!(flow.ipv6_label, 0x12345);
    }

    #[test]
    fn atomic_fragment_is_not_a_fragment() {
        // Offset 0, M clear: RFC 6946 atomic fragment; OVS leaves nw_frag 0.
        let frag = [ipproto::TCP, 0, 0, 0, 0, 0, 0, 1];
        let (flow, _) = run(&with_payload(ipproto::FRAGMENT, &frag));
        assert_eq!((flow.nw_proto, flow.nw_frag), (ipproto::TCP, 0));
    }

    #[test]
    fn cut_extension_header_keeps_only_addresses() {
        for payload in [
            &[ipproto::TCP, 0, 0, 0][..],                   // shorter than 8
            &[ipproto::TCP, 1, 0, 0, 0, 0, 0, 0, 0, 0][..], // claims 16
        ] {
            let (flow, rest) = run(&with_payload(ipproto::DSTOPTS, payload));
            assert_eq!(rest, None);
            assert_eq!(flow.ipv6_src, HDR[8..24]);
            assert_eq!(flow.ipv6_dst, HDR[24..40]);
            assert_eq!(
                (flow.ipv6_label, flow.nw_tos, flow.nw_ttl, flow.nw_proto),
                (0, 0, 0, 0)
            );
        }
    }

    #[test]
    fn insane_lengths_set_nothing() {
        let pkt = with_payload(17, &[0; 8]);
        for n in 0..pkt.len() {
            assert_eq!(run(&pkt[..n]), (Flow::default(), None), "len {n}");
        }
        let mut long = pkt.clone();
        long[5] = 9; // payload length 9 > 8 present
        assert_eq!(run(&long), (Flow::default(), None));
    }

    #[test]
    fn jumbo_payload_length_zero_has_no_l4() {
        let mut pkt = with_payload(17, &[0; 8]);
        pkt[5] = 0;
        let (flow, rest) = run(&pkt);
        assert_eq!((flow.nw_proto, rest), (17, Some(vec![])));
    }
}
