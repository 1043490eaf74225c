//! Ports: the physical port description (OVS `struct ofputil_phy_port`) in
//! its OpenFlow 1.0, 1.1-1.3 and 1.4+ layouts, port-status messages and
//! their ofp-print text.

use std::fmt::Write;

use bytes::{Buf, BufMut};
use rvs_packet::EthAddr;

use crate::error::{OfpError, Result};
use crate::field::{access, port_name};
use crate::version::Version;

/// Port config bits (OVS `OFPUTIL_PC_*`; the same positions as on the wire).
pub const CONFIG_NAMES: [(u32, &str); 7] = [
    (1 << 0, "PORT_DOWN"),
    (1 << 1, "NO_STP"),
    (1 << 2, "NO_RECV"),
    (1 << 3, "NO_RECV_STP"),
    (1 << 4, "NO_FLOOD"),
    (1 << 5, "NO_FWD"),
    (1 << 6, "NO_PACKET_IN"),
];

/// Port state bits (OVS `OFPUTIL_PS_*`); bits 8-9 are the OpenFlow 1.0 STP
/// state.
pub const STATE_NAMES: [(u32, &str); 3] = [(1, "LINK_DOWN"), (2, "BLOCKED"), (4, "LIVE")];

/// Link feature bits (OVS `NETDEV_F_*`, the OpenFlow 1.1+ positions).
pub const FEATURE_NAMES: [(u32, &str); 16] = [
    (1 << 0, "10MB-HD"),
    (1 << 1, "10MB-FD"),
    (1 << 2, "100MB-HD"),
    (1 << 3, "100MB-FD"),
    (1 << 4, "1GB-HD"),
    (1 << 5, "1GB-FD"),
    (1 << 6, "10GB-FD"),
    (1 << 7, "40GB-FD"),
    (1 << 8, "100GB-FD"),
    (1 << 9, "1TB-FD"),
    (1 << 10, "OTHER"),
    (1 << 11, "COPPER"),
    (1 << 12, "FIBER"),
    (1 << 13, "AUTO_NEG"),
    (1 << 14, "AUTO_PAUSE"),
    (1 << 15, "AUTO_PAUSE_ASYM"),
];

/// A port description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhyPort {
    /// Port number (OpenFlow 1.0 numbering).
    pub port_no: u32,
    /// Hardware address.
    pub hw_addr: EthAddr,
    /// Name, at most 15 bytes.
    pub name: String,
    /// Config bits.
    pub config: u32,
    /// State bits.
    pub state: u32,
    /// Current features.
    pub curr: u32,
    /// Advertised features.
    pub advertised: u32,
    /// Supported features.
    pub supported: u32,
    /// Peer's features.
    pub peer: u32,
    /// Current speed in kb/s.
    pub curr_speed: u32,
    /// Maximum speed in kb/s.
    pub max_speed: u32,
}

fn features_from_of10(f: u32) -> u32 {
    (f & 0x7f) | ((f & 0xf80) << 4)
}

fn features_to_of10(f: u32) -> u32 {
    (f & 0x7f) | ((f >> 4) & 0xf80)
}

/// The speed in kb/s of the fastest mode in `f` (OVS
/// `netdev_features_to_bps() / 1000`).
fn features_kbps(f: u32) -> u32 {
    if f & (1 << 9) != 0 {
        1_000_000_000
    } else if f & (1 << 8) != 0 {
        100_000_000
    } else if f & (1 << 7) != 0 {
        40_000_000
    } else if f & (1 << 6) != 0 {
        10_000_000
    } else if f & 0x30 != 0 {
        1_000_000
    } else if f & 0xc != 0 {
        100_000
    } else if f & 0x3 != 0 {
        10_000
    } else {
        0
    }
}

fn name_of(raw: &[u8]) -> String {
    raw.iter()
        .take(15)
        .take_while(|&&c| (32..127).contains(&c))
        .map(|&c| char::from(c))
        .collect()
}

fn put_name(out: &mut Vec<u8>, name: &str) {
    let mut n = [0u8; 16];
    for (d, s) in n.iter_mut().zip(name.bytes().take(15)) {
        *d = s;
    }
    out.extend_from_slice(&n);
}

/// Length of one port description in `v` (without OpenFlow 1.4
/// properties: the fixed part).
pub fn fixed_len(v: Version) -> usize {
    match v {
        Version::Of10 => 48,
        Version::Of11 | Version::Of12 | Version::Of13 => 64,
        _ => 40,
    }
}

/// Reads one port from `b` (OVS `ofputil_pull_phy_port()`); `Ok(None)` at
/// the end.
pub fn pull(b: &mut &[u8], v: Version) -> Result<Option<PhyPort>> {
    if b.is_empty() {
        return Ok(None);
    }
    let mut hw = [0u8; 6];
    match v {
        Version::Of10 => {
            if b.len() < 48 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            let port_no = u32::from(b.get_u16());
            b.copy_to_slice(&mut hw);
            let name = name_of(&b[..16]);
            b.advance(16);
            let config = b.get_u32() & 0x7f;
            let state = b.get_u32() & 0x301;
            let curr = features_from_of10(b.get_u32());
            let advertised = features_from_of10(b.get_u32());
            let supported = features_from_of10(b.get_u32());
            let peer = features_from_of10(b.get_u32());
            Ok(Some(PhyPort {
                port_no,
                hw_addr: EthAddr(hw),
                name,
                config,
                state,
                curr,
                advertised,
                supported,
                peer,
                curr_speed: features_kbps(curr),
                max_speed: features_kbps(supported),
            }))
        }
        Version::Of11 | Version::Of12 | Version::Of13 => {
            if b.len() < 64 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            let port_no = access::port_from_ofp11(b.get_u32()).ok_or(OfpError::OFPBRC_BAD_PORT)?;
            b.advance(4);
            b.copy_to_slice(&mut hw);
            b.advance(2);
            let name = name_of(&b[..16]);
            b.advance(16);
            Ok(Some(PhyPort {
                port_no,
                hw_addr: EthAddr(hw),
                name,
                config: b.get_u32() & 0x65,
                state: b.get_u32() & 0x7,
                curr: b.get_u32() & 0xffff,
                advertised: b.get_u32() & 0xffff,
                supported: b.get_u32() & 0xffff,
                peer: b.get_u32() & 0xffff,
                curr_speed: b.get_u32(),
                max_speed: b.get_u32(),
            }))
        }
        _ => {
            if b.len() < 40 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            let port_no = access::port_from_ofp11(b.get_u32()).ok_or(OfpError::OFPBRC_BAD_PORT)?;
            let len = usize::from(b.get_u16());
            if len < 40 || len > b.len() + 6 || len % 8 != 0 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            b.advance(2);
            b.copy_to_slice(&mut hw);
            b.advance(2);
            let name = name_of(&b[..16]);
            b.advance(16);
            let mut p = PhyPort {
                port_no,
                hw_addr: EthAddr(hw),
                name,
                config: b.get_u32() & 0x65,
                state: b.get_u32() & 0x7,
                curr: 0,
                advertised: 0,
                supported: 0,
                peer: 0,
                curr_speed: 0,
                max_speed: 0,
            };
            let mut props = &b[..len - 40];
            b.advance(len - 40);
            while !props.is_empty() {
                if props.len() < 4 {
                    return Err(OfpError::OFPBPC_BAD_LEN);
                }
                let t = u16::from_be_bytes([props[0], props[1]]);
                let plen = usize::from(u16::from_be_bytes([props[2], props[3]]));
                let padded = plen.div_ceil(8) * 8;
                if plen < 4 || padded > props.len() {
                    return Err(OfpError::OFPBPC_BAD_LEN);
                }
                if t == 0 {
                    if plen != 32 {
                        return Err(OfpError::OFPBPC_BAD_LEN);
                    }
                    let mut e = &props[8..32];
                    p.curr = e.get_u32() & 0xffff;
                    p.advertised = e.get_u32() & 0xffff;
                    p.supported = e.get_u32() & 0xffff;
                    p.peer = e.get_u32() & 0xffff;
                    p.curr_speed = e.get_u32();
                    p.max_speed = e.get_u32();
                }
                props = &props[padded..];
            }
            Ok(Some(p))
        }
    }
}

/// Writes one port in `v`'s layout.
pub fn put(p: &PhyPort, v: Version, out: &mut Vec<u8>) {
    match v {
        Version::Of10 => {
            out.put_u16(p.port_no as u16);
            out.put_slice(&p.hw_addr.0);
            put_name(out, &p.name);
            out.put_u32(p.config);
            out.put_u32(p.state);
            for f in [p.curr, p.advertised, p.supported, p.peer] {
                out.put_u32(features_to_of10(f));
            }
        }
        Version::Of11 | Version::Of12 | Version::Of13 => {
            out.put_u32(access::port_to_ofp11(p.port_no));
            out.put_u32(0);
            out.put_slice(&p.hw_addr.0);
            out.put_u16(0);
            put_name(out, &p.name);
            for x in [
                p.config,
                p.state,
                p.curr,
                p.advertised,
                p.supported,
                p.peer,
                p.curr_speed,
                p.max_speed,
            ] {
                out.put_u32(x);
            }
        }
        _ => {
            out.put_u32(access::port_to_ofp11(p.port_no));
            out.put_u16(72);
            out.put_u16(0);
            out.put_slice(&p.hw_addr.0);
            out.put_u16(0);
            put_name(out, &p.name);
            out.put_u32(p.config);
            out.put_u32(p.state);
            out.put_u16(0);
            out.put_u16(32);
            out.put_u32(0);
            for x in [
                p.curr,
                p.advertised,
                p.supported,
                p.peer,
                p.curr_speed,
                p.max_speed,
            ] {
                out.put_u32(x);
            }
        }
    }
}

/// OVS `ofp_print_bit_names()` with a space separator, then a newline;
/// `0` for none.
fn bit_names(s: &mut String, bits: u32, names: &[(u32, &str)]) {
    if bits == 0 {
        s.push_str("0\n");
        return;
    }
    let mut parts = Vec::new();
    for i in 0..32 {
        let bit = 1u32 << i;
        if bits & bit == 0 {
            continue;
        }
        match names.iter().find(|(b, _)| *b == bit) {
            Some((_, n)) => parts.push((*n).to_owned()),
            None => parts.push(format!("0x{bit:x}")),
        }
    }
    s.push_str(&parts.join(" "));
    s.push('\n');
}

/// One port's text (OVS `ofputil_phy_port_format()`).
pub fn format(s: &mut String, p: &PhyPort) {
    let _ = writeln!(
        s,
        " {}({}): addr:{}",
        port_name(p.port_no),
        p.name,
        p.hw_addr
    );
    s.push_str("     config:     ");
    bit_names(s, p.config, &CONFIG_NAMES);
    s.push_str("     state:      ");
    let stp = p.state & 0x300;
    if stp != 0 {
        s.push_str(match stp {
            0x100 => "STP_LEARN",
            0x200 => "STP_FORWARD",
            _ => "STP_BLOCK",
        });
        let rest = p.state & !0x300;
        if rest != 0 {
            bit_names(s, rest, &STATE_NAMES);
        } else {
            s.push('\n');
        }
    } else {
        bit_names(s, p.state, &STATE_NAMES);
    }
    for (label, f) in [
        ("     current:    ", p.curr),
        ("     advertised: ", p.advertised),
        ("     supported:  ", p.supported),
        ("     peer:       ", p.peer),
    ] {
        if f != 0 {
            s.push_str(label);
            bit_names(s, f, &FEATURE_NAMES);
        }
    }
    let _ = writeln!(
        s,
        "     speed: {} Mbps now, {} Mbps max",
        p.curr_speed / 1000,
        p.max_speed / 1000
    );
}

/// All ports of `b`, sorted by number, as text (OVS
/// `ofputil_phy_ports_format()`).
pub fn format_all(s: &mut String, mut b: &[u8], v: Version) -> Result<()> {
    let mut ports = Vec::new();
    let mut err = None;
    loop {
        match pull(&mut b, v) {
            Ok(Some(p)) => ports.push(p),
            Ok(None) => break,
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    ports.sort_by_key(|p| p.port_no);
    for p in &ports {
        format(s, p);
    }
    err.map_or(Ok(()), Err)
}

/// A port-status message body: reason and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortStatus {
    /// 0 add, 1 delete, 2 modify.
    pub reason: u8,
    /// The port.
    pub desc: PhyPort,
}

/// Decodes a port-status body.
pub fn decode_status(b: &[u8], v: Version) -> Result<PortStatus> {
    if b.len() < 8 {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let reason = b[0];
    if reason > 2 {
        return Err(OfpError::NXBRC_BAD_REASON);
    }
    let mut rest = &b[8..];
    let desc = pull(&mut rest, v)?.ok_or(OfpError::OFPBRC_BAD_LEN)?;
    Ok(PortStatus { reason, desc })
}

/// Encodes a whole port-status message.
pub fn encode_status(ps: &PortStatus, v: Version, xid: u32) -> Vec<u8> {
    let mut out = vec![v.wire(), 12, 0, 0];
    out.put_u32(xid);
    out.put_u8(ps.reason);
    out.put_slice(&[0; 7]);
    put(&ps.desc, v, &mut out);
    let len = out.len() as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    out
}

/// The ofp-print body of a port-status.
pub fn format_status(ps: &PortStatus) -> String {
    let mut s = String::new();
    match ps.reason {
        0 => s.push_str(" ADD:"),
        1 => s.push_str(" DEL:"),
        2 => s.push_str(" MOD:"),
        _ => {}
    }
    format(&mut s, &ps.desc);
    s
}
