//! The MPLS label stack.

use super::be32;
#[cfg(doc)]
use crate::flow::MAX_MPLS_LABELS;
use crate::flow::{Flow, MPLS_BOS_MASK};

/// Stores the first [`MAX_MPLS_LABELS`] label stack entries in
/// [`Flow::mpls_lse`] and returns the bytes after the stack, as OVS's
/// `parse_mpls()`: entries are taken up to and including the first with the
/// bottom-of-stack bit, or while 4 bytes remain; deeper entries are skipped
/// but not stored. The payload is not parsed (`dl_type` stays MPLS).
pub(super) fn parse<'a>(mut data: &'a [u8], flow: &mut Flow) -> &'a [u8] {
    let mut n = 0;
    while let Some((lse, rest)) = data.split_first_chunk::<4>() {
        let lse = be32(*lse);
        if let Some(slot) = flow.mpls_lse.get_mut(n) {
            *slot = lse;
        }
        n += 1;
        data = rest;
        if lse & MPLS_BOS_MASK != 0 {
            break;
        }
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(bytes: &[u8]) -> (Flow, usize) {
        let mut flow = Flow::default();
        let rest = parse(bytes, &mut flow).len();
        (flow, rest)
    }

    #[test]
    fn single_label_with_bos() {
        // Label 100, TC 5, BOS, TTL 64, then 4 payload bytes.
        let (flow, rest) = run(&[0x00, 0x06, 0x4b, 0x40, 0x45, 0, 0, 0]);
        assert_eq!(flow.mpls_lse, [0x0006_4b40, 0, 0]);
        assert_eq!(
            (
                flow.mpls_label(),
                flow.mpls_tc(),
                flow.mpls_bos(),
                flow.mpls_ttl()
            ),
            (100, 5, 1, 64)
        );
        assert_eq!(rest, 4);
    }

    #[test]
    fn deep_stack_keeps_three_and_skips_to_bos() {
        let stack = [
            0x00, 0x01, 0x00, 0x01, // label 16, no BOS
            0x00, 0x02, 0x00, 0x02, // label 32
            0x00, 0x03, 0x00, 0x03, // label 48
            0x00, 0x04, 0x01, 0x04, // label 64, BOS
            0xaa, 0xbb,
        ];
        let (flow, rest) = run(&stack);
        assert_eq!(flow.mpls_lse, [0x0001_0001, 0x0002_0002, 0x0003_0003]);
        assert_eq!(rest, 2);
    }

    #[test]
    fn no_bos_runs_to_the_end_and_partial_entry_stays() {
        let (flow, rest) = run(&[0x00, 0x01, 0x00, 0x01, 0x00, 0x02, 0x00]);
        assert_eq!(flow.mpls_lse, [0x0001_0001, 0, 0]);
        assert_eq!(rest, 3);
        assert_eq!(run(&[0x00, 0x01]), (Flow::default(), 2));
    }
}
