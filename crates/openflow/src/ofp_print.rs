//! Messages as text, as `ovs-ofctl ofp-print` shows them (OVS
//! `ofp_to_string()`): a header line naming the message, its version and
//! xid, the decoded body, and a hex dump on errors or at verbosity 5.

use crate::error::OfpError;
use crate::header::{Header, HEADER_LEN};
use crate::msg::{self, Raw};
use crate::print::hex_dump;
use crate::version::Version;

fn version_text(v: u8) -> String {
    match Version::from_wire(v) {
        Some(Version::Of10) => String::new(),
        Some(v) => format!(" (OF{})", v.dotted()),
        None => format!(" (OF 0x{v:02x})"),
    }
}

/// The header text: `NAME (OF1.x) (xid=0x..):`.
pub fn header_text(h: &Header, raw: &Raw) -> String {
    format!(
        "{}{} (xid={:#x}):",
        raw.name(),
        version_text(h.version),
        h.xid
    )
}

/// OVS `ofp_to_string()` for the bytes of one message.
pub fn ofp_to_string(data: &[u8], verbosity: i32) -> String {
    let mut s = String::new();
    if data.is_empty() {
        return "OpenFlow message is empty\n".into();
    }
    if data.len() < HEADER_LEN {
        s.push_str(&format!(
            "OpenFlow packet too short (only {} bytes):\n",
            data.len()
        ));
        hex_dump(&mut s, data);
        return s;
    }
    let h = Header::peek(data).expect("8 bytes");
    let len = usize::from(h.length);
    if len > data.len() {
        if let Ok(raw) = msg::identify(data, true) {
            s.push_str(&header_text(&h, &raw));
            s.push('\n');
        }
        s.push_str(&format!(
            "(***truncated to {} bytes from {}***)\n",
            data.len(),
            h.length
        ));
        hex_dump(&mut s, data);
        return s;
    }
    if len < data.len() {
        s.push_str(&format!(
            "(***only uses {} bytes out of {}***)\n",
            h.length,
            data.len()
        ));
        hex_dump(&mut s, data);
        return s;
    }
    let mut error: Option<OfpError> = None;
    match msg::identify(data, false) {
        Ok(raw) => {
            s.push_str(&header_text(&h, &raw));
            let header_len = s.len();
            match msg::format_body_into(&mut s, data, &raw, verbosity) {
                Ok(()) => {
                    while s.ends_with(' ') {
                        s.pop();
                    }
                }
                Err(e) => {
                    if s.len() > header_len {
                        while s.ends_with(' ') {
                            s.pop();
                        }
                        if !s.ends_with('\n') {
                            s.push('\n');
                        }
                    } else {
                        s.push(' ');
                    }
                    s.push_str(&format!("***decode error: {}***\n", e.name()));
                    error = Some(e);
                }
            }
        }
        Err(e) => {
            s.push_str(&format!("***decode error: {}***\n", e.name()));
            error = Some(e);
        }
    }
    if verbosity >= 5 || error.is_some() {
        if !s.ends_with('\n') {
            s.push('\n');
        }
        hex_dump(&mut s, data);
    }
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}
