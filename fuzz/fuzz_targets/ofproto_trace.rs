//! Fuzzes `ofproto/trace`'s arguments (a flow in ovs-ofctl syntax, port names, a hex
//! packet, options) as anyone who can reach the control socket sends them: never
//! panics, and a trace that succeeds is complete.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rvs_ofproto::trace_cmd::fuzz_one(data);
});
