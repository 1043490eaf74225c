//! Fuzzes `rvs_packet::extract` with arbitrary frames.
//!
//! Besides "never panics", checks the invariants the datapath relies on: the
//! exact mask is the identity, `hash_masked` agrees with `masked().hash()`,
//! masking is idempotent, and a union of masks keeps what either keeps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rvs_packet::{extract, extract_layout, Flow, FRAG_MASK, VLAN_CFI};

fuzz_target!(|frame: &[u8]| {
    let flow = extract(frame, 1);
    assert_eq!(flow.in_port, 1);
    assert_eq!(flow.masked(&Flow::exact_mask()), flow);
    assert_eq!(flow.hash_masked(&Flow::exact_mask()), flow.hash());
    assert_eq!(flow.nw_frag & !FRAG_MASK, 0);
    assert!(flow.tcp_flags <= 0x0fff);
    assert!(flow.ipv6_label <= 0x000f_ffff);
    assert!(flow.vlan_tci == 0 || flow.vlan_tci & VLAN_CFI != 0);
    if frame.len() < 14 {
        assert_eq!(
            flow,
            Flow {
                in_port: 1,
                ..Flow::default()
            }
        );
    }

    // Masks built from the input itself: the flows of its two halves.
    let (a, b) = frame.split_at(frame.len() / 2);
    let (mask_a, mask_b) = (extract(a, u32::MAX), extract(b, 0xffff));
    for mask in [&mask_a, &mask_b] {
        let masked = flow.masked(mask);
        assert_eq!(flow.hash_masked(mask), masked.hash());
        assert_eq!(masked.masked(mask), masked);
    }
    let mut union = mask_a;
    union.union_with(&mask_b);
    let mut either = flow.masked(&mask_a);
    either.union_with(&flow.masked(&mask_b));
    assert_eq!(flow.masked(&union), either);

    // The layout comes from the same parse, and its offsets are in order and
    // inside the frame.
    let (same, layout) = extract_layout(frame, 1);
    assert_eq!(same, flow);
    let offsets = [layout.l2_5, layout.l3, layout.l4];
    for off in offsets.into_iter().flatten() {
        assert!(usize::from(off) <= frame.len());
    }
    if let (Some(a), Some(b)) = (layout.l3, layout.l4) {
        assert!(a <= b);
    }
    if let (Some(a), Some(b)) = (layout.l2_5, layout.l3) {
        assert!(a <= b);
    }

    // Display never panics.
    let _ = flow.to_string();
});
