//! IPv4 header.

use super::{be16, be32};
use crate::flow::{Flow, FRAG_ANY, FRAG_LATER};

/// Length of an IPv4 header without options.
const IP_HEADER_LEN: usize = 20;
/// "More fragments" flag in the flags/fragment-offset word.
const IP_MORE_FRAGMENTS: u16 = 0x2000;
/// Fragment offset bits of the flags/fragment-offset word.
const IP_FRAG_OFF_MASK: u16 = 0x1fff;

/// `nw_frag` for a flags/fragment-offset word, as OVS's `ipv4_get_nw_frag()`.
fn nw_frag(frag_off: u16) -> u8 {
    if frag_off & (IP_MORE_FRAGMENTS | IP_FRAG_OFF_MASK) == 0 {
        0
    } else if frag_off & IP_FRAG_OFF_MASK == 0 {
        FRAG_ANY
    } else {
        FRAG_ANY | FRAG_LATER
    }
}

/// Fills in the IPv4 fields and returns the payload (bounded by the total
/// length, so Ethernet padding is never parsed as L4), or `None` without
/// setting anything if the header fails OVS's `ipv4_sanity_check()`: shorter
/// than 20 bytes, IHL below 5 or past the end, total length past the end or
/// shorter than the header. The version nibble is not checked, as in OVS.
#[inline]
pub(super) fn parse<'a>(l3: &'a [u8], flow: &mut Flow) -> Option<&'a [u8]> {
    let hdr = l3.first_chunk::<IP_HEADER_LEN>()?;
    let ihl = usize::from(hdr[0] & 0x0f) * 4;
    if ihl < IP_HEADER_LEN || l3.len() < ihl {
        return None;
    }
    let tot_len = usize::from(be16([hdr[2], hdr[3]]));
    if tot_len > l3.len() || ihl > tot_len || l3.len() - tot_len > usize::from(u16::MAX) {
        return None;
    }
    flow.nw_tos = hdr[1];
    flow.nw_frag = nw_frag(be16([hdr[6], hdr[7]]));
    flow.nw_ttl = hdr[8];
    flow.nw_proto = hdr[9];
    flow.nw_src = be32([hdr[12], hdr[13], hdr[14], hdr[15]]);
    flow.nw_dst = be32([hdr[16], hdr[17], hdr[18], hdr[19]]);
    l3.get(ihl..tot_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10.0.0.1 -> 10.0.0.2, TOS 0xb8, DF, TTL 64, UDP, total length 28.
    const UDP_HDR: [u8; 20] = [
        0x45, 0xb8, 0x00, 0x1c, // version/IHL, TOS, total length
        0x12, 0x34, 0x40, 0x00, // id, DF
        64, 17, 0x00, 0x00, // TTL, protocol, checksum (unchecked)
        10, 0, 0, 1, // source
        10, 0, 0, 2, // destination
    ];

    fn run(l3: &[u8]) -> (Flow, Option<Vec<u8>>) {
        let mut flow = Flow::default();
        let rest = parse(l3, &mut flow).map(<[u8]>::to_vec);
        (flow, rest)
    }

    #[test]
    fn header_fields_and_payload_bounded_by_total_length() {
        let mut pkt = UDP_HDR.to_vec();
        pkt.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]); // 8 bytes of payload
        pkt.extend_from_slice(&[0xee; 6]); // Ethernet padding
        let (flow, rest) = run(&pkt);
        assert_eq!((flow.nw_src, flow.nw_dst), (0x0a00_0001, 0x0a00_0002));
        assert_eq!(
            (flow.nw_tos, flow.nw_ttl, flow.nw_proto, flow.nw_frag),
            (0xb8, 64, 17, 0)
        );
        assert_eq!(rest, Some(vec![1, 2, 3, 4, 5, 6, 7, 8]));
    }

    #[test]
    fn options_are_skipped() {
        let mut pkt = UDP_HDR.to_vec();
        pkt[0] = 0x46;
        pkt[3] = 0x20; // total length 32
        pkt.extend_from_slice(&[0x01, 0x01, 0x01, 0x00]); // NOP, NOP, NOP, EOL
        pkt.extend_from_slice(&[9; 8]);
        let (flow, rest) = run(&pkt);
        assert_eq!(flow.nw_proto, 17);
        assert_eq!(rest, Some(vec![9; 8]));
    }

    #[test]
    fn fragments() {
        for (frag_off, want) in [
            (0x4000, 0),                     // DF only
            (0x2000, FRAG_ANY),              // first fragment: MF, offset 0
            (0x2001, FRAG_ANY | FRAG_LATER), // middle fragment
            (0x00b9, FRAG_ANY | FRAG_LATER), // last fragment: offset only
            (0x8000, 0),                     // reserved bit only
        ] {
            assert_eq!(nw_frag(frag_off), want, "{frag_off:#06x}");
        }
        let mut pkt = UDP_HDR.to_vec();
        pkt[6] = 0x20;
        pkt.extend_from_slice(&[0; 8]);
        assert_eq!(run(&pkt).0.nw_frag, FRAG_ANY);
    }

    #[test]
    fn insane_headers_set_nothing() {
        let mut pkt = UDP_HDR.to_vec();
        pkt.extend_from_slice(&[0; 8]);
        let cases: [(usize, u8); 5] = [
            (0, 0x44), // IHL 4
            (0, 0x4f), // IHL 15: 60 bytes, past the end
            (3, 0x1d), // total length 29 > 28 bytes present
            (3, 0x13), // total length 19 < header
            (2, 0x01), // total length 284
        ];
        for (i, v) in cases {
            let mut bad = pkt.clone();
            bad[i] = v;
            assert_eq!(run(&bad), (Flow::default(), None), "byte {i} = {v:#04x}");
        }
        for n in 0..pkt.len() {
            assert_eq!(run(&pkt[..n]), (Flow::default(), None), "len {n}");
        }
    }

    #[test]
    fn version_is_not_checked() {
        let mut pkt = UDP_HDR.to_vec();
        pkt[0] = 0x65;
        pkt.extend_from_slice(&[0; 8]);
        assert_eq!(run(&pkt).0.nw_src, 0x0a00_0001);
    }
}
