//! Runs the `ovsdb_server` fuzz target's seed corpus, and truncations and byte
//! flips of every seed, through [`rvs_ovsdb_server::fuzz_one`] on stable: none may
//! panic.

use std::path::Path;

#[test]
fn ovsdb_server_corpus_never_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/ovsdb_server");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/corpus/ovsdb_server exists") {
        let data = std::fs::read(entry.expect("entry").path()).expect("read seed");
        rvs_ovsdb_server::fuzz_one(&data);
        for cut in (0..data.len()).step_by(7) {
            rvs_ovsdb_server::fuzz_one(&data[..cut]);
        }
        for i in (0..data.len()).step_by(5) {
            let mut d = data.clone();
            d[i] ^= 0x5a;
            rvs_ovsdb_server::fuzz_one(&d);
        }
        n += 1;
    }
    assert!(n >= 10, "seed corpus has only {n} files");
}
