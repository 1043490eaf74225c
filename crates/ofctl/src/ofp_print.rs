//! `ofp-print HEX [VERBOSITY]`: decodes one OpenFlow message given in hex,
//! as `ovs-ofctl ofp-print`.

use std::io::Write;

/// Runs the command; returns the exit status.
pub fn run(hex: &str, verbosity: Option<&str>, out: &mut dyn Write) -> i32 {
    let verbosity = verbosity.map_or(2, atoi);
    let mut text = hex.to_owned();
    if hex == "-" {
        text.clear();
        let _ = std::io::stdin().read_line(&mut text);
    }
    let Some(bytes) = hex_bytes(&text) else {
        let _ = out.flush();
        crate::error(format_args!("trailing garbage following hex bytes"), None);
        return 1;
    };
    let _ = out.write_all(rvs_openflow::ofp_print::ofp_to_string(&bytes, verbosity).as_bytes());
    crate::flush_warnings();
    0
}

/// C `atoi()`: leading digits, 0 if none.
fn atoi(s: &str) -> i32 {
    let s = s.trim_start();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let n: i32 = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i32, |a, d| {
            a.wrapping_mul(10).wrapping_add(i32::from(d - b'0'))
        });
    if neg {
        -n
    } else {
        n
    }
}

/// OVS `ofpbuf_put_hex()`: pairs of hex digits, white space between pairs
/// allowed; `None` if anything else is left.
fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            return Some(out);
        }
        let hi = char::from(b[i]).to_digit(16)?;
        let lo = char::from(*b.get(i + 1)?).to_digit(16)?;
        out.push((hi * 16 + lo) as u8);
        i += 2;
    }
}
