//! Field values printed as OVS's `mf_format()` does.

use std::fmt::Write;

use rvs_packet::EthAddr;

use super::{access, Field, Syntax};

/// OVS `ds_put_hex()`: big-endian bytes as one `0x` number, `0` for zero.
pub fn put_hex(out: &mut String, bytes: &[u8]) {
    match bytes.iter().position(|&b| b != 0) {
        None => out.push('0'),
        Some(i) => {
            let _ = write!(out, "{:#x}", bytes[i]);
            for b in &bytes[i + 1..] {
                let _ = write!(out, "{b:02x}");
            }
        }
    }
}

/// A port in ovs-ofctl syntax (OVS `ofputil_format_port()`).
pub fn port_name(p: u32) -> String {
    match super::parse::PORT_NAMES.iter().find(|(_, n)| *n == p) {
        Some((name, _)) => (*name).to_owned(),
        None => p.to_string(),
    }
}

fn bytes(v: u128, n: usize) -> Vec<u8> {
    v.to_be_bytes()[16 - n..].to_vec()
}

fn eth(v: u128) -> EthAddr {
    let b = v.to_be_bytes();
    EthAddr(b[10..].try_into().expect("6 bytes"))
}

fn flag_text(names: &[(&str, u32)], v: u32, m: u32, all: u32) -> String {
    let mut s = String::new();
    if m == all {
        if v == 0 {
            return "0".into();
        }
        let mut bad = 0;
        for bit in (0..32).map(|i| 1u32 << i).filter(|b| v & b != 0) {
            match names.iter().find(|(_, b)| *b == bit) {
                Some((n, _)) => {
                    if !s.is_empty() {
                        s.push('|');
                    }
                    s.push_str(n);
                }
                None => bad |= bit,
            }
        }
        if bad != 0 {
            if !s.is_empty() {
                s.push('|');
            }
            let _ = write!(s, "{bad:#x}");
        }
        return s;
    }
    for bit in (0..32).map(|i| 1u32 << i).filter(|b| m & b != 0) {
        let n = names
            .iter()
            .find(|(_, b)| *b == bit)
            .map_or("[Unknown]", |(n, _)| n);
        let _ = write!(s, "{}{n}", if v & bit != 0 { '+' } else { '-' });
    }
    s
}

/// `value` (with `mask`, `None` for exact) of `field` in ovs-ofctl syntax.
pub fn format_value(field: &Field, value: u128, mask: Option<u128>) -> String {
    let n = usize::from(field.n_bytes);
    let ones = if n == 16 {
        u128::MAX
    } else {
        (1u128 << (8 * n)) - 1
    };
    let mut mask = mask.map(|m| m & ones);
    if mask == Some(0) {
        return "ANY".into();
    }
    if mask == Some(ones) {
        mask = None;
    }
    let mut s = String::new();
    let integer = |s: &mut String, value: u128, mask: Option<u128>| {
        if field.syntax == Syntax::Hex {
            put_hex(s, &bytes(value, n));
        } else {
            let _ = write!(s, "{value}");
        }
        if let Some(m) = mask {
            s.push('/');
            put_hex(s, &bytes(m, n));
        }
    };
    match field.syntax {
        Syntax::OfpPortOxm if mask.is_none() => s.push_str(&port_name(
            access::port_from_ofp11(value as u32).unwrap_or(0),
        )),
        Syntax::OfpPort if mask.is_none() => s.push_str(&port_name(value as u32)),
        Syntax::OfpPort | Syntax::OfpPortOxm | Syntax::Decimal | Syntax::Hex => {
            integer(&mut s, value, mask)
        }
        Syntax::Ethernet => {
            let _ = write!(s, "{}", eth(value));
            if let Some(m) = mask {
                let _ = write!(s, "/{}", eth(m));
            }
        }
        Syntax::Ipv4 => {
            let _ = write!(s, "{}", std::net::Ipv4Addr::from(value as u32));
            if let Some(m) = mask {
                let m = m as u32;
                if m.leading_ones() + m.trailing_zeros() == 32 {
                    let _ = write!(s, "/{}", m.leading_ones());
                } else {
                    let _ = write!(s, "/{}", std::net::Ipv4Addr::from(m));
                }
            }
        }
        Syntax::Ipv6 => {
            let text = |v: u128| {
                let flow = rvs_packet::Flow {
                    ipv6_src: v.to_be_bytes(),
                    dl_type: rvs_packet::ethertype::IPV6,
                    ..Default::default()
                };
                let mask = rvs_packet::Flow {
                    ipv6_src: [0xff; 16],
                    ..Default::default()
                };
                let t = rvs_packet::MatchDisplay {
                    flow: &flow,
                    mask: &mask,
                }
                .to_string();
                t.trim_start_matches("ipv6_src=").to_owned()
            };
            s.push_str(&text(value));
            if let Some(m) = mask {
                if m.leading_ones() + m.trailing_zeros() == 128 {
                    let _ = write!(s, "/{}", m.leading_ones());
                } else {
                    let _ = write!(s, "/{}", text(m));
                }
            }
        }
        Syntax::CtState | Syntax::TcpFlags | Syntax::TunFlags => {
            let (names, all) = super::parse::flag_table(field.syntax);
            s = flag_text(names, value as u32, mask.map_or(all, |m| m as u32), all);
        }
        Syntax::Frag => {
            let m = mask.map_or(3, |m| m as u8 & 3);
            let v = value as u8;
            s.push_str(match (m, v & 3) {
                (3, 0) => "no",
                (3, 1) => "first",
                (3, 3) => "later",
                (1, 0) => "no",
                (1, _) => "yes",
                (2, 0) => "not_later",
                (2, _) => "later",
                _ => "<error>",
            });
        }
        Syntax::PacketType => {
            let _ = write!(s, "({},{:#x})", value >> 16, value & 0xffff);
        }
    }
    s
}
