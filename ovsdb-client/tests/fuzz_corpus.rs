//! Runs the JSON-RPC fuzz target's seed corpus (and any crashers saved beside it) as a
//! regression test, so CI exercises it without a nightly toolchain.

use std::path::Path;

#[test]
fn jsonrpc_corpus_never_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/jsonrpc");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/corpus/jsonrpc exists") {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        rvs_ovsdb_client::fuzz_one(&data);
        n += 1;
    }
    assert!(n >= 5, "seed corpus has only {n} files");
}
