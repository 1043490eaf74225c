//! Text renderings shared by `ofp-print` style output: OVS's hex dump.

use std::fmt::Write;

/// OVS `ds_put_hex_dump()` with ASCII: 16 bytes a line, offset, a `-`
/// after the eighth byte, printable characters between bars.
pub fn hex_dump(out: &mut String, data: &[u8]) {
    for (line, chunk) in data.chunks(16).enumerate() {
        let _ = write!(out, "{:08x}  ", line * 16);
        for (i, b) in chunk.iter().enumerate() {
            let sep = if i == 7 { '-' } else { ' ' };
            let _ = write!(out, "{b:02x}{sep}");
        }
        for _ in chunk.len()..16 {
            out.push_str("   ");
        }
        out.push('|');
        for &b in chunk {
            out.push(if (32..127).contains(&b) {
                char::from(b)
            } else {
                '.'
            });
        }
        for _ in chunk.len()..16 {
            out.push(' ');
        }
        out.push_str("|\n");
    }
}

/// OVS `ds_put_hex_dump()` without ASCII (trailing spaces dropped).
pub fn hex_dump_plain(out: &mut String, data: &[u8]) {
    for (line, chunk) in data.chunks(16).enumerate() {
        let _ = write!(out, "{:08x}  ", line * 16);
        for (i, b) in chunk.iter().enumerate() {
            let sep = if i == 7 { '-' } else { ' ' };
            let _ = write!(out, "{b:02x}{sep}");
        }
        while out.ends_with(' ') {
            out.pop();
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dump_as_ovs() {
        let mut s = String::new();
        super::hex_dump(
            &mut s,
            &[0x01, 0x0e, 0, 0x48, 0, 0, 0, 1, 0, 0x38, 0x20, 0xfe],
        );
        assert_eq!(
            s,
            "00000000  01 0e 00 48 00 00 00 01-00 38 20 fe             |...H.....8 .    |\n"
        );
    }
}
