//! Fuzzes the OVSDB JSON-RPC framer and message decoder with arbitrary bytes
//! from a peer: never panics, and a decoded message re-encodes to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rvs_ovsdb_client::fuzz_one(data);
});
