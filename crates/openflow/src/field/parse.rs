//! Field values in ovs-ofctl syntax (OVS `mf_parse()`).

use std::net::{Ipv4Addr, Ipv6Addr};

use rvs_packet::{ct_state, tcp_flags, tun_flags, EthAddr, FRAG_ANY, FRAG_LATER};

use super::{Field, Syntax};

/// An integer in C's `strtoull(..., 0)`-like syntax as OVS's
/// `parse_int_string()` reads it: `0x` hex of any length, or decimal.
/// `Err(true)` means "too large", `Err(false)` a syntax error. Returns the
/// value and the unparsed rest.
pub fn parse_int(s: &str, n_bytes: usize) -> Result<(u128, &str), bool> {
    let bits = 8 * n_bytes as u32;
    let fits = |v: u128| bits >= 128 || v >> bits == 0;
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        let end = hex
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(hex.len());
        if end == 0 {
            return Err(false);
        }
        let digits = hex[..end].trim_start_matches('0');
        if digits.len() > 32 {
            return Err(true);
        }
        let v = if digits.is_empty() {
            0
        } else {
            u128::from_str_radix(digits, 16).map_err(|_| false)?
        };
        if !fits(v) {
            return Err(true);
        }
        return Ok((v, &hex[end..]));
    }
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if end == 0 {
        return Err(false);
    }
    let v: u128 = s[..end].parse().map_err(|_| true)?;
    if v > u128::from(u64::MAX) || !fits(v) {
        return Err(true);
    }
    Ok((v, &s[end..]))
}

/// Reserved port names, OpenFlow 1.0 numbering.
pub const PORT_NAMES: [(&str, u32); 9] = [
    ("IN_PORT", 0xfff8),
    ("TABLE", 0xfff9),
    ("NORMAL", 0xfffa),
    ("FLOOD", 0xfffb),
    ("ALL", 0xfffc),
    ("CONTROLLER", 0xfffd),
    ("LOCAL", 0xfffe),
    ("ANY", 0xffff),
    ("UNSET", 0xfff7),
];

/// A port number or reserved name (OVS `ofputil_port_from_string()`), in
/// OpenFlow 1.0 numbering.
pub fn parse_port(s: &str) -> Option<u32> {
    if s.starts_with('-') {
        crate::diag::warn(
            "ofp_port",
            format!("Negative value {s} is not a valid port number."),
        );
        return None;
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let v: u64 = s.parse().ok()?;
        if v > u64::from(u32::MAX) {
            return None;
        }
        return match v {
            0..=0xfeff => Some(v as u32),
            0xff00..=0xfff6 => {
                crate::diag::warn(
                    "ofp_port",
                    format!(
                        "port {v} is a reserved OF1.0 port number that will be translated to {} when talking to an OF1.1 or later controller",
                        v + 0xffff_0000
                    ),
                );
                Some(v as u32)
            }
            0xfff7..=0xffff => {
                let name = PORT_NAMES
                    .iter()
                    .find(|(_, p)| u64::from(*p) == v)
                    .map_or("?", |(n, _)| n);
                crate::diag::warn_once(
                    "port-deprecated",
                    "ofp_port",
                    format!(
                        "referring to port {name} as {v} is deprecated for compatibility with OpenFlow 1.1 and later"
                    ),
                );
                Some(v as u32)
            }
            0x1_0000..=0xffff_feff => {
                crate::diag::warn(
                    "ofp_port",
                    format!(
                        "port {v} is outside the supported range 0 through ffff or 0xffffff00 through 0xffffffff"
                    ),
                );
                None
            }
            _ => Some((v - 0xffff_0000) as u32),
        };
    }
    if s.eq_ignore_ascii_case("none") {
        return Some(0xffff);
    }
    PORT_NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(s))
        .map(|&(_, p)| p)
}

fn parse_ipv4_masked(s: &str) -> Result<(u128, u128), String> {
    let (addr, mask) = match s.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (s, None),
    };
    let ip: Ipv4Addr = addr
        .parse()
        .map_err(|_| format!("{s}: invalid IP address"))?;
    let mask = match mask {
        None => u32::MAX,
        Some(m) if m.bytes().all(|b| b.is_ascii_digit()) && !m.is_empty() => {
            let n: u32 = m.parse().map_err(|_| format!("{s}: invalid IP address"))?;
            if n > 32 {
                return Err(format!(
                    "{s}: IPv4 network prefix bits not between 0 and 32, inclusive"
                ));
            }
            if n == 0 {
                0
            } else {
                u32::MAX << (32 - n)
            }
        }
        Some(m) => m
            .parse::<Ipv4Addr>()
            .map(u32::from)
            .map_err(|_| format!("{s}: invalid IP address"))?,
    };
    Ok((u32::from(ip).into(), mask.into()))
}

fn parse_ipv6_masked(s: &str) -> Result<(u128, u128), String> {
    let (addr, mask) = match s.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (s, None),
    };
    let ip: Ipv6Addr = addr
        .parse()
        .map_err(|_| format!("{s}: invalid IPv6 address"))?;
    let mask = match mask {
        None => u128::MAX,
        Some(m) if m.bytes().all(|b| b.is_ascii_digit()) && !m.is_empty() => {
            let n: u32 = m
                .parse()
                .map_err(|_| format!("{s}: invalid IPv6 address"))?;
            if n > 128 {
                return Err(format!(
                    "{s}: IPv6 network prefix bits not between 0 and 128, inclusive"
                ));
            }
            if n == 0 {
                0
            } else {
                u128::MAX << (128 - n)
            }
        }
        Some(m) => m
            .parse::<Ipv6Addr>()
            .map(u128::from)
            .map_err(|_| format!("{s}: invalid IPv6 address"))?,
    };
    Ok((u128::from(ip), mask))
}

/// Flag names of a flags field and the bits that may be set.
pub fn flag_table(syntax: Syntax) -> (&'static [(&'static str, u32)], u32) {
    let (n, a, _) = flag_names(syntax);
    (n, a)
}

fn flag_names(syntax: Syntax) -> (&'static [(&'static str, u32)], u32, &'static str) {
    const TCP: &[(&str, u32)] = &[
        ("fin", tcp_flags::FIN as u32),
        ("syn", tcp_flags::SYN as u32),
        ("rst", tcp_flags::RST as u32),
        ("psh", tcp_flags::PSH as u32),
        ("ack", tcp_flags::ACK as u32),
        ("urg", tcp_flags::URG as u32),
        ("ece", tcp_flags::ECE as u32),
        ("cwr", tcp_flags::CWR as u32),
        ("ns", tcp_flags::NS as u32),
        ("[200]", 0x200),
        ("[400]", 0x400),
        ("[800]", 0x800),
    ];
    const CT: &[(&str, u32)] = &[
        ("new", ct_state::NEW as u32),
        ("est", ct_state::ESTABLISHED as u32),
        ("rel", ct_state::RELATED as u32),
        ("rpl", ct_state::REPLY_DIR as u32),
        ("inv", ct_state::INVALID as u32),
        ("trk", ct_state::TRACKED as u32),
        ("snat", ct_state::SRC_NAT as u32),
        ("dnat", ct_state::DST_NAT as u32),
    ];
    const TUN: &[(&str, u32)] = &[
        ("oam", tun_flags::OAM as u32),
        ("df", tun_flags::DONT_FRAGMENT as u32),
        ("csum", tun_flags::CSUM as u32),
        ("key", tun_flags::KEY as u32),
    ];
    match syntax {
        Syntax::TcpFlags => (TCP, 0x0fff, "TCP"),
        Syntax::CtState => (CT, 0xff, "ct_state"),
        _ => (TUN, tun_flags::OAM.into(), "tunnel"),
    }
}

/// OVS `parse_flags()` for a whole string with a mask.
fn parse_flags(s: &str, syntax: Syntax) -> Result<(u128, u128), String> {
    let (names, allowed, what) = flag_names(syntax);
    let unknown = || format!("{s}: unknown {what} flag(s)");
    if let Some((v, m)) = s.split_once('/') {
        if let (Ok((v, "")), Ok((m, ""))) = (parse_int(v, 4), parse_int(m, 4)) {
            if v as u32 & !allowed != 0 || m as u32 & !allowed != 0 {
                return Err(unknown());
            }
            return Ok((v, m));
        }
    }
    if s.starts_with(['+', '-']) {
        let (mut flags, mut mask) = (0u32, 0u32);
        let mut rest = s;
        while !rest.is_empty() {
            let set = rest.starts_with('+');
            if !set && !rest.starts_with('-') {
                return Err(format!(
                    "{rest}: {what} must be preceded by '+' (for SET) or '-' (NOT SET)"
                ));
            }
            rest = &rest[1..];
            let end = rest.find(['+', '-']).unwrap_or(rest.len());
            let name = &rest[..end];
            let &(_, bit) = names.iter().find(|(n, _)| *n == name).ok_or_else(unknown)?;
            if mask & bit != 0 {
                return Err(format!(
                    "{rest}: Each {what} flag can be specified only once"
                ));
            }
            if bit & allowed == 0 {
                return Err(unknown());
            }
            if set {
                flags |= bit;
            }
            mask |= bit;
            rest = &rest[end..];
        }
        return Ok((flags.into(), mask.into()));
    }
    let mut flags = 0u32;
    for part in s.split('|') {
        if let Ok((v, "")) = parse_int(part, 4) {
            if v as u32 & !allowed != 0 {
                return Err(unknown());
            }
            flags |= v as u32;
            continue;
        }
        let &(_, bit) = names.iter().find(|(n, _)| *n == part).ok_or_else(unknown)?;
        if bit & allowed == 0 {
            return Err(unknown());
        }
        flags |= bit;
    }
    Ok((flags.into(), u128::MAX))
}

/// Parses `s` as a value (and mask) of `field`; the mask is all ones when
/// none is given, zero for `*`.
pub fn parse_value(field: &Field, s: &str) -> Result<(u128, u128), String> {
    let n = usize::from(field.n_bytes);
    let ones = if n == 16 {
        u128::MAX
    } else {
        (1u128 << (8 * n)) - 1
    };
    if s == "*" {
        return Ok((0, 0));
    }
    let (v, m) = match field.syntax {
        Syntax::Decimal | Syntax::Hex => {
            let syntax_err = |what: &str, big: bool| {
                if big {
                    format!("{s}: {what} too large for {n}-byte field {}", field.name)
                } else {
                    format!("{s}: bad syntax for {} {what}", field.name)
                }
            };
            let (v, rest) = parse_int(s, n).map_err(|big| syntax_err("value", big))?;
            match rest.strip_prefix('/') {
                None if rest.is_empty() => (v, ones),
                None => return Err(syntax_err("value", false)),
                Some(m) => match parse_int(m, n) {
                    Ok((m, "")) => (v, m),
                    Ok(_) => return Err(syntax_err("mask", false)),
                    Err(big) => return Err(syntax_err("mask", big)),
                },
            }
        }
        Syntax::Ethernet => {
            let bad = || format!("{s}: invalid Ethernet address");
            let (a, m) = match s.split_once('/') {
                Some((a, m)) => (a, Some(m)),
                None => (s, None),
            };
            let to = |e: EthAddr| e.0.iter().fold(0u128, |acc, &b| acc << 8 | u128::from(b));
            let a: EthAddr = a.parse().map_err(|_| bad())?;
            let m = match m {
                Some(m) => to(m.parse().map_err(|_| bad())?),
                None => ones,
            };
            (to(a), m)
        }
        Syntax::Ipv4 => parse_ipv4_masked(s)?,
        Syntax::Ipv6 => parse_ipv6_masked(s)?,
        Syntax::OfpPort => {
            let p = parse_port(s)
                .ok_or_else(|| format!("{s}: invalid or unknown port for {}", field.name))?;
            (p.into(), ones)
        }
        Syntax::OfpPortOxm => {
            let p = parse_port(s)
                .ok_or_else(|| format!("{s}: port value out of range for {}", field.name))?;
            (super::access::port_to_ofp11(p).into(), ones)
        }
        Syntax::Frag => {
            let (v, m) = match s.to_ascii_lowercase().as_str() {
                "no" => (0, FRAG_ANY | FRAG_LATER),
                "yes" => (FRAG_ANY, FRAG_ANY),
                "first" => (FRAG_ANY, FRAG_ANY | FRAG_LATER),
                "later" => (FRAG_ANY | FRAG_LATER, FRAG_ANY | FRAG_LATER),
                "not_later" => (0, FRAG_LATER),
                _ => {
                    return Err(format!(
                        "{s}: unknown fragment type (valid types are \"no\", \"yes\", \"first\", \"later\", \"not_later\""
                    ))
                }
            };
            (u128::from(v), u128::from(m | !(FRAG_ANY | FRAG_LATER)))
        }
        Syntax::TcpFlags | Syntax::CtState | Syntax::TunFlags => parse_flags(s, field.syntax)?,
        Syntax::PacketType => {
            let bad = |what: &str| format!("{s}: bad syntax for packet type {what}");
            let inner = s.strip_prefix('(').ok_or_else(|| bad("missing '('"))?;
            let (ns, rest) = parse_int(inner, 2).map_err(|_| bad("ns"))?;
            let rest = rest.strip_prefix(',').ok_or_else(|| bad("missing ','"))?;
            let (ty, rest) = parse_int(rest, 2).map_err(|_| bad("ns_type"))?;
            if rest != ")" {
                return Err(bad("missing ')'"));
            }
            (ns << 16 | ty, ones)
        }
    };
    let m = m & ones;
    if !field.maskable && m != 0 && m != ones {
        return Err(format!("{s}: invalid mask for field {}", field.name));
    }
    Ok((v, m))
}
