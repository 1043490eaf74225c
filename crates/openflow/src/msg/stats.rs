//! Multipart (stats) messages: requests and the replies rvs prints.

use std::fmt::Write;

use super::Raw;
use crate::error::{OfpError, Result};
use crate::version::Version;

/// ` flags=[more]` and unknown multipart flags (OVS `ofp_print_stats()`).
pub fn format_flags(s: &mut String, raw: &Raw, v: Version) {
    let mut flags = raw.stats_flags;
    if flags == 0 {
        return;
    }
    s.push_str(" flags=");
    if (!raw.is_stats_request() || v >= Version::Of13) && flags & 1 != 0 {
        s.push_str("[more]");
        flags &= !1;
    }
    if flags != 0 {
        let _ = write!(s, "[***unknown flags 0x{flags:04x}***]");
    }
}

/// OpenFlow 1.0 physical ports, one block each (OVS
/// `ofputil_phy_ports_format()`); not yet printed by rvs.
pub fn format_ports(_s: &mut String, _b: &[u8], _v: Version) -> Result<()> {
    Ok(())
}

/// Multipart bodies; unknown ones print nothing.
pub fn format(s: &mut String, body: &[u8], raw: &Raw, v: Version, _verbosity: i32) -> Result<()> {
    let _ = (s, body, v);
    match raw.raw {
        "OFPST_DESC_REQUEST" | "OFPST_TABLE_REQUEST" => {
            if !body.is_empty() {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
        }
        _ => {}
    }
    Ok(())
}
