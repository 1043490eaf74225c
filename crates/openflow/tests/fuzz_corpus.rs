//! Runs the `openflow` fuzz target's seed corpus (`fuzz/corpus/openflow`,
//! messages captured from `ovs-ofctl`) on stable: every seed, and every
//! truncation and single-byte change of it (of every byte for seeds up to
//! 256 bytes, of an evenly spread 256 of them for longer ones, to keep the
//! test quick), must satisfy the decode → encode → decode invariant
//! without panicking.

use std::path::Path;

use rvs_openflow::msg::message::check_round_trip;

#[test]
fn seeds_round_trip() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/openflow");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("fuzz/corpus/openflow exists") {
        let data = std::fs::read(e.expect("dir entry").path()).expect("read seed");
        check_round_trip(&data);
        let step = data.len().div_ceil(256).max(1);
        for cut in (0..data.len()).step_by(step) {
            check_round_trip(&data[..cut]);
        }
        for i in (8..data.len()).step_by(step) {
            for x in [0x00u8, 0xff, 0x80, 0x01] {
                let mut d = data.clone();
                d[i] ^= x;
                check_round_trip(&d);
            }
        }
        n += 1;
    }
    assert!(n >= 20, "only {n} seeds");
}
