//! OVS's `key=value` tokenizer for flow and action text
//! (`ofputil_parse_key_value()`).

/// Splits `s` into `key[=:]value` or `key(value)` pairs separated by commas
/// or white space; parentheses nest.
#[derive(Debug)]
pub struct KeyValues<'a> {
    rest: &'a str,
}

impl<'a> KeyValues<'a> {
    /// Pairs of `s`.
    pub fn new(s: &'a str) -> KeyValues<'a> {
        KeyValues { rest: s }
    }
}

fn is_delim(c: char) -> bool {
    matches!(c, ',' | ' ' | '\t' | '\r' | '\n')
}

/// Length of the value at the start of `s`, up to one of `delims`, skipping
/// balanced parentheses (OVS `parse_value()`).
fn value_len(s: &str, delims: &[char]) -> usize {
    let b = s.as_bytes();
    let mut n = 0;
    while n < b.len() && !delims.contains(&char::from(b[n])) {
        if b[n] == b'(' {
            let mut level = 0;
            loop {
                if n >= b.len() {
                    return n;
                }
                match b[n] {
                    b'(' => level += 1,
                    b')' => level -= 1,
                    _ => {}
                }
                n += 1;
                if level == 0 {
                    break;
                }
            }
        } else {
            n += 1;
        }
    }
    n
}

impl<'a> Iterator for KeyValues<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let s = self.rest.trim_start_matches(is_delim);
        if s.is_empty() {
            self.rest = s;
            return None;
        }
        let key_len = s
            .find(|c: char| matches!(c, ':' | '=' | '(') || is_delim(c))
            .unwrap_or(s.len());
        let key = &s[..key_len];
        let delim = s[key_len..].chars().next();
        let after = &s[(key_len + delim.map_or(0, char::len_utf8)).min(s.len())..];
        let value_delims: &[char] = match delim {
            Some(':' | '=') => &[',', ' ', '\t', '\r', '\n'],
            Some('(') => &[')'],
            _ => {
                self.rest = after;
                return Some((key, ""));
            }
        };
        let mut vlen = value_len(after, value_delims);
        if delim == Some('(') && after[vlen..].starts_with(")->") {
            vlen += value_len(&after[vlen..], &[',', ' ', '\t', '\r', '\n']);
        }
        let value = &after[..vlen];
        let skip = if vlen < after.len() { 1 } else { 0 };
        self.rest = &after[vlen + skip..];
        Some((key, value))
    }
}

/// C's `strtoull(s, &tail, 0)` with an empty tail required: `0x` hex,
/// leading-`0` octal or decimal.
pub fn c_uint(s: &str) -> Option<u64> {
    let s = s.trim_start();
    let s = s.strip_prefix('+').unwrap_or(s);
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u64::from_str_radix(h, 16).ok();
    }
    if s.len() > 1 && s.starts_with('0') {
        return u64::from_str_radix(&s[1..], 8).ok();
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A table number (OVS `ofputil_table_from_string()` without table
/// names): decimal only, with OVS's warnings for negative or too-large
/// numbers.
pub fn parse_table(s: &str) -> Option<u8> {
    if s.starts_with('-') {
        crate::diag::warn(
            "ofp_table",
            format!("Negative value {s} is not a valid table number."),
        );
        return None;
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match s.parse::<u64>() {
        Ok(t) if t <= 255 => Some(t as u8),
        Ok(t) if t <= u64::from(u32::MAX) => {
            crate::diag::warn(
                "ofp_table",
                format!("table {t} is outside the supported range 0 through 255"),
            );
            None
        }
        _ => None,
    }
}

/// OVS `str_to_u8()`.
pub fn str_to_u8(s: &str, name: &str) -> Result<u8, String> {
    c_uint(s)
        .and_then(|v| u8::try_from(v).ok())
        .ok_or_else(|| format!("invalid {name} \"{s}\""))
}

/// OVS `str_to_u16()`.
pub fn str_to_u16(s: &str, name: &str) -> Result<u16, String> {
    c_uint(s)
        .and_then(|v| u16::try_from(v).ok())
        .ok_or_else(|| format!("invalid {name} \"{s}\""))
}

/// OVS `str_to_u32()`.
pub fn str_to_u32(s: &str) -> Result<u32, String> {
    if s.is_empty() {
        return Err("missing required numeric argument".into());
    }
    c_uint(s)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| format!("invalid numeric format {s}"))
}

/// OVS `str_to_u64()`.
pub fn str_to_u64(s: &str) -> Result<u64, String> {
    if s.is_empty() {
        return Err("missing required numeric argument".into());
    }
    c_uint(s).ok_or_else(|| format!("invalid numeric format {s}"))
}

/// Hex bytes optionally separated by dots (OVS `ofpbuf_put_hex()`);
/// `None` on a bad digit.
pub fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'.' || b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let hi = char::from(b[i]).to_digit(16)?;
        let lo = char::from(*b.get(i + 1)?).to_digit(16)?;
        out.push((hi * 16 + lo) as u8);
        i += 2;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_ovs() {
        let kv: Vec<_> =
            KeyValues::new("tcp,nw_src=1.2.3.4 actions=output:1,resubmit(,2),drop").collect();
        assert_eq!(
            kv,
            [
                ("tcp", ""),
                ("nw_src", "1.2.3.4"),
                ("actions", "output:1"),
                ("resubmit", ",2"),
                ("drop", "")
            ]
        );
        let kv: Vec<_> = KeyValues::new("clone(output:1,ct(commit)),x").collect();
        assert_eq!(kv, [("clone", "output:1,ct(commit)"), ("x", "")]);
    }
}
