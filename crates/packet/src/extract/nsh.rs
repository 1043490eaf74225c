//! Network Service Header (RFC 8300), base and service path headers plus MD
//! type 1 context.

use super::{be16, be32};
use crate::flow::{Flow, Nsh};

/// Base and service path header.
const NSH_BASE_HDR_LEN: usize = 8;
/// Whole header with MD type 1 context.
const NSH_M_TYPE1_LEN: usize = 24;

/// Fills in [`Flow::nsh`] as OVS's `parse_nsh()`: nothing if the 8-byte base
/// header is cut, the version is not 0, the length field runs past the end,
/// an MD type 1 header is not exactly 24 bytes, or an MD type 2 header is
/// shorter than the base header. MD type 1 context is
/// kept; other MD types leave the context zero.
pub(super) fn parse(l3: &[u8], flow: &mut Flow) {
    let Some(base) = l3.first_chunk::<NSH_BASE_HDR_LEN>() else {
        return;
    };
    let word = be16([base[0], base[1]]);
    let len = usize::from(word & 0x003f) * 4;
    if len > l3.len() || word >> 14 != 0 {
        return;
    }
    let mut nsh = Nsh {
        flags: ((word & 0x3000) >> 12) as u8,
        ttl: ((word & 0x0fc0) >> 6) as u8,
        mdtype: base[2],
        np: base[3],
        path_hdr: be32([base[4], base[5], base[6], base[7]]),
        context: [0; 4],
    };
    if nsh.mdtype == 2 && len < NSH_BASE_HDR_LEN {
        return;
    }
    if nsh.mdtype == 1 {
        let Some(hdr) = l3
            .first_chunk::<NSH_M_TYPE1_LEN>()
            .filter(|_| len == NSH_M_TYPE1_LEN)
        else {
            return;
        };
        nsh.context = std::array::from_fn(|i| {
            be32([
                hdr[8 + 4 * i],
                hdr[9 + 4 * i],
                hdr[10 + 4 * i],
                hdr[11 + 4 * i],
            ])
        });
    }
    flow.nsh = nsh;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Version 0, flags 0, TTL 63, length 6 words, MD type 1, next protocol
    /// IPv4, SPI 0x123456, SI 255, context 1..4.
    const MD1: [u8; 24] = [
        0x0f, 0xc6, 0x01, 0x01, 0x12, 0x34, 0x56, 0xff, //
        0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4,
    ];

    fn run(bytes: &[u8]) -> Nsh {
        let mut flow = Flow::default();
        parse(bytes, &mut flow);
        flow.nsh
    }

    #[test]
    fn md_type_1() {
        let nsh = run(&MD1);
        assert_eq!(
            nsh,
            Nsh {
                flags: 0,
                ttl: 63,
                mdtype: 1,
                np: 1,
                path_hdr: 0x1234_56ff,
                context: [1, 2, 3, 4],
            }
        );
    }

    #[test]
    fn md_type_2_has_no_context_and_bad_headers_set_nothing() {
        let mut md2 = MD1;
        md2[1] = 0xc2; // length 2 words
        md2[2] = 2;
        assert_eq!(run(&md2).context, [0; 4]);
        assert_eq!(run(&md2).mdtype, 2);
        let mut v1 = MD1;
        v1[0] |= 0x40; // version 1
        assert_eq!(run(&v1), Nsh::default());
        let mut short1 = MD1;
        short1[1] = 0xc5; // MD type 1 but 20 bytes
        assert_eq!(run(&short1), Nsh::default());
        assert_eq!(run(&MD1[..23]), Nsh::default(), "length past the end");
        assert_eq!(run(&MD1[..7]), Nsh::default());
        let mut md2_zero_len = md2;
        md2_zero_len[1] = 0xc0;
        assert_eq!(run(&md2_zero_len), Nsh::default());
        let mut other_zero_len = md2_zero_len;
        other_zero_len[2] = 0xee;
        assert_eq!(
            run(&other_zero_len).mdtype,
            0xee,
            "other MD types take any length"
        );
    }
}
