//! Fuzzes the OVSDB server with bytes from a client: JSON-RPC framing, every
//! method's parameter parsing, and transaction/condition/mutation parsing and
//! execution against an in-memory `Open_vSwitch` database. Never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rvs_ovsdb_server::fuzz_one(data);
});
