//! Fuzzes the OpenFlow codec with arbitrary bytes as one message of any
//! type and version.
//!
//! Besides "never panics", checks that what decodes re-encodes to a message
//! that decodes again, to the same value up to OVS's own canonicalization of
//! deprecated actions, and that encoding is then stable
//! (`rvs_openflow::msg::message::check_round_trip`), that printing it as
//! `ovs-ofctl ofp-print` would never panics, and that framing a stream of the
//! same bytes agrees with the header's length.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rvs_openflow::header::{Frame, Framer};
use rvs_openflow::msg::message::check_round_trip;
use rvs_openflow::ofp_print::ofp_to_string;

fuzz_target!(|data: &[u8]| {
    check_round_trip(data);
    let _ = ofp_to_string(data, 5);
    let _ = rvs_openflow::diag::take();

    let mut f = Framer::new();
    f.push(data);
    while let Ok(Frame::Message(m)) = f.next_message() {
        assert!(m.len() >= 8);
        check_round_trip(&m);
    }
});
