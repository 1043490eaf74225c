//! `NXT_PACKET_IN2` and `NXT_RESUME` (OVS `ofputil_decode_packet_in()`,
//! `ofputil_encode_nx_packet_in2()`, `ofputil_encode_resume()`): a
//! packet-in as `NXPINT_*` properties, with controller user data and the
//! continuation that lets a controller resume a paused pipeline.
//!
//! The continuation is the switch's own private state (`NXCPT_*`
//! properties: bridge, stack, actions, ...); rvs carries it as opaque bytes
//! and does not decode it.

use std::fmt::Write;

use bytes::BufMut;

use crate::error::{OfpError, Result, NX_VENDOR_ID};
use crate::matches::{nxm, Match};
use crate::version::Version;

/// `NXT_PACKET_IN2` subtype.
pub const NXT_PACKET_IN2: u32 = 30;
/// `NXT_RESUME` subtype.
pub const NXT_RESUME: u32 = 28;

const NXPINT_PACKET: u16 = 0;
const NXPINT_FULL_LEN: u16 = 1;
const NXPINT_BUFFER_ID: u16 = 2;
const NXPINT_TABLE_ID: u16 = 3;
const NXPINT_COOKIE: u16 = 4;
const NXPINT_REASON: u16 = 5;
const NXPINT_METADATA: u16 = 6;
const NXPINT_USERDATA: u16 = 7;
const NXPINT_CONTINUATION: u16 = 8;

/// A packet-in in property form (the body of `NXT_PACKET_IN2` and
/// `NXT_RESUME`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketIn2 {
    /// The packet (possibly truncated).
    pub packet: Vec<u8>,
    /// Length of the whole packet (at least `packet.len()`).
    pub full_len: u32,
    /// Buffer ID, `u32::MAX` for unbuffered (OVS never buffers).
    pub buffer_id: u32,
    /// Table the packet was in.
    pub table_id: u8,
    /// Cookie of the flow that sent it, `u64::MAX` for none.
    pub cookie: u64,
    /// `OFPR_*` reason.
    pub reason: u8,
    /// Pipeline metadata.
    pub metadata: Match,
    /// The controller action's user data.
    pub userdata: Vec<u8>,
    /// The continuation's nested properties, opaque; empty for none.
    pub continuation: Vec<u8>,
}

/// Splits off one property (OVS `ofpprop_pull()`): its type, its whole
/// bytes (unpadded) and the rest.
fn pull_prop(b: &[u8]) -> Result<(u16, &[u8], &[u8])> {
    if b.len() < 4 {
        return Err(OfpError::OFPBPC_BAD_LEN);
    }
    let t = u16::from_be_bytes([b[0], b[1]]);
    let len = usize::from(u16::from_be_bytes([b[2], b[3]]));
    let padded = len.div_ceil(8) * 8;
    if len < 4 || padded > b.len() {
        return Err(OfpError::OFPBPC_BAD_LEN);
    }
    if t == 0xffff {
        if len < 12 {
            return Err(OfpError::OFPBPC_BAD_LEN);
        }
        if b[4..8] == [0; 4] {
            return Err(OfpError::OFPBPC_BAD_EXPERIMENTER);
        }
    }
    Ok((t, &b[..len], &b[padded..]))
}

/// An 8-bit value: OVS takes the first byte of any non-empty payload.
fn prop_u8(p: &[u8]) -> Result<u8> {
    p.get(4).copied().ok_or(OfpError::OFPBPC_BAD_LEN)
}

fn prop_u32(p: &[u8]) -> Result<u32> {
    match p {
        [_, _, _, _, a, b, c, d] => Ok(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => Err(OfpError::OFPBPC_BAD_LEN),
    }
}

/// A 64-bit property value sits 8-byte aligned after 4 bytes of padding.
fn prop_u64(p: &[u8]) -> Result<u64> {
    if p.len() != 16 {
        return Err(OfpError::OFPBPC_BAD_LEN);
    }
    let mut v = [0; 8];
    v.copy_from_slice(&p[8..]);
    Ok(u64::from_be_bytes(v))
}

/// Decodes the properties after the vendor header. `loose` skips unknown
/// properties and does not check the metadata's prerequisites (as
/// `ovs-ofctl ofp-print` decodes; a switch decodes strictly).
pub fn decode(mut b: &[u8], loose: bool) -> Result<PacketIn2> {
    let mut pin = PacketIn2 {
        packet: Vec::new(),
        full_len: 0,
        buffer_id: u32::MAX,
        table_id: 0,
        cookie: u64::MAX,
        reason: 0,
        metadata: Match::default(),
        userdata: Vec::new(),
        continuation: Vec::new(),
    };
    while !b.is_empty() {
        let (t, p, rest) = pull_prop(b)?;
        b = rest;
        match t {
            NXPINT_PACKET => pin.packet = p[4..].to_vec(),
            NXPINT_FULL_LEN => pin.full_len = prop_u32(p)?,
            NXPINT_BUFFER_ID => pin.buffer_id = prop_u32(p)?,
            NXPINT_TABLE_ID => pin.table_id = prop_u8(p)?,
            NXPINT_COOKIE => pin.cookie = prop_u64(p)?,
            NXPINT_REASON => pin.reason = prop_u8(p)?,
            NXPINT_METADATA => {
                pin.metadata = if loose {
                    nxm::decode_loose(&p[4..])?
                } else {
                    nxm::decode(&p[4..], false)?.m
                };
            }
            NXPINT_USERDATA => pin.userdata = p[4..].to_vec(),
            NXPINT_CONTINUATION => {
                if p.len() < 8 {
                    return Err(OfpError::OFPBPC_BAD_LEN);
                }
                pin.continuation = p[8..].to_vec();
            }
            _ if loose => {}
            0xffff => return Err(OfpError::OFPBPC_BAD_EXP_TYPE),
            _ => return Err(OfpError::OFPBPC_BAD_TYPE),
        }
    }
    if pin.packet.is_empty() {
        crate::diag::warn("ofp_packet", "NXT_PACKET_IN2 lacks packet".to_owned());
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let n = pin.packet.len() as u32;
    if pin.full_len == 0 {
        pin.full_len = n;
    } else if pin.full_len < n {
        crate::diag::warn(
            "ofp_packet",
            "NXT_PACKET_IN2 claimed full_len < len".to_owned(),
        );
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    Ok(pin)
}

fn put_prop(out: &mut Vec<u8>, t: u16, body: &[u8]) {
    let start = out.len();
    out.put_u16(t);
    out.put_u16((4 + body.len()) as u16);
    out.extend_from_slice(body);
    nxm::pad8(out, start);
}

/// A property whose body starts 8-byte aligned (64-bit values, nested
/// properties).
fn put_prop_aligned(out: &mut Vec<u8>, t: u16, body: &[u8]) {
    let start = out.len();
    out.put_u16(t);
    out.put_u16((8 + body.len()) as u16);
    out.put_u32(0);
    out.extend_from_slice(body);
    nxm::pad8(out, start);
}

/// Encodes a whole `NXT_PACKET_IN2` (or, with `resume`, `NXT_RESUME`) in
/// version `v`, properties in OVS's order.
pub fn encode(pin: &PacketIn2, v: Version, resume: bool, xid: u32) -> Vec<u8> {
    let mut out = vec![v.wire(), 4, 0, 0];
    out.put_u32(xid);
    out.put_u32(NX_VENDOR_ID);
    out.put_u32(if resume { NXT_RESUME } else { NXT_PACKET_IN2 });
    put_prop(&mut out, NXPINT_PACKET, &pin.packet);
    if pin.full_len as usize != pin.packet.len() {
        put_prop(&mut out, NXPINT_FULL_LEN, &pin.full_len.to_be_bytes());
    }
    if pin.buffer_id != u32::MAX {
        put_prop(&mut out, NXPINT_BUFFER_ID, &pin.buffer_id.to_be_bytes());
    }
    put_prop(&mut out, NXPINT_TABLE_ID, &[pin.table_id]);
    if pin.cookie != u64::MAX {
        put_prop_aligned(&mut out, NXPINT_COOKIE, &pin.cookie.to_be_bytes());
    }
    put_prop(&mut out, NXPINT_REASON, &[pin.reason]);
    let mut m = Vec::new();
    nxm::encode_oxm_match(&mut m, &pin.metadata, v);
    let entries_len = usize::from(u16::from_be_bytes([m[2], m[3]])) - 4;
    put_prop(&mut out, NXPINT_METADATA, &m[4..4 + entries_len]);
    if resume || !pin.continuation.is_empty() {
        put_prop_aligned(&mut out, NXPINT_CONTINUATION, &pin.continuation);
    }
    if !pin.userdata.is_empty() {
        put_prop(&mut out, NXPINT_USERDATA, &pin.userdata);
    }
    let len = out.len() as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    out
}

const NXCPT_BRIDGE: u16 = 0x8000;
const NXCPT_STACK: u16 = 0x8001;
const NXCPT_MIRRORS: u16 = 0x8002;
const NXCPT_CONNTRACKED: u16 = 0x8003;
const NXCPT_TABLE_ID: u16 = 0x8004;
const NXCPT_COOKIE: u16 = 0x8005;
const NXCPT_ACTIONS: u16 = 0x8006;
const NXCPT_ACTION_SET: u16 = 0x8007;
const NXCPT_ODP_PORT: u16 = 0x8008;

/// A value as OVS's `ds_put_hex()` prints it: `0x` and the bytes from the
/// first non-zero one, `0` if all are zero.
fn put_hex(s: &mut String, b: &[u8]) {
    match b.iter().position(|&x| x != 0) {
        None => s.push('0'),
        Some(i) => {
            let _ = write!(s, "0x{:x}", b[i]);
            for x in &b[i + 1..] {
                let _ = write!(s, "{x:02x}");
            }
        }
    }
}

/// The continuation's lines of `ovs-ofctl ofp-print` (OVS
/// `ofputil_packet_in_private_format()`), decoding it loosely as
/// `ofputil_decode_packet_in_private()` does.
fn format_continuation(mut b: &[u8], v: Version) -> Result<String> {
    use crate::actions::{text::format_actions, wire::decode_actions};
    let mut bridge = None;
    let mut stack: Vec<&[u8]> = Vec::new();
    let (mut mirrors, mut conntracked, mut odp_port) = (0, false, 0);
    let (mut table_id, mut cookie) = (0u8, 0u64);
    let (mut actions, mut action_set) = (String::new(), String::new());
    let nested = |p: &[u8]| {
        p.get(8..)
            .ok_or(OfpError::OFPBPC_BAD_LEN)
            .map(<[u8]>::to_vec)
    };
    while !b.is_empty() {
        let (t, p, rest) = pull_prop(b)?;
        b = rest;
        match t {
            NXCPT_BRIDGE => {
                if p.len() != 20 {
                    return Err(OfpError::OFPBPC_BAD_LEN);
                }
                bridge = Some(p[4..].to_vec());
            }
            NXCPT_STACK => {
                if p.len() - 4 > 128 {
                    return Err(OfpError::OFPBPC_BAD_LEN);
                }
                stack.push(&p[4..]);
            }
            NXCPT_MIRRORS => mirrors = prop_u32(p)?,
            NXCPT_CONNTRACKED => conntracked = true,
            NXCPT_TABLE_ID => table_id = prop_u8(p)?,
            NXCPT_COOKIE => cookie = prop_u64(p)?,
            NXCPT_ACTIONS => {
                let acts = decode_actions(&nested(p)?, v)?;
                if !actions.is_empty() {
                    actions.push(',');
                }
                let _ = write!(actions, "unroll_xlate(table={table_id}, cookie={cookie})");
                if !acts.is_empty() {
                    actions.push(',');
                    actions.push_str(&format_actions(&acts));
                }
            }
            NXCPT_ACTION_SET => {
                let acts = decode_actions(&nested(p)?, v)?;
                if !acts.is_empty() {
                    if !action_set.is_empty() {
                        action_set.push(',');
                    }
                    action_set.push_str(&format_actions(&acts));
                }
            }
            NXCPT_ODP_PORT => odp_port = prop_u32(p)?,
            _ => {}
        }
    }
    let mut s = String::new();
    if let Some(u) = bridge.filter(|u| u.iter().any(|&x| x != 0)) {
        // OVS copies the UUID's four 32-bit words in host (x86: little
        // endian) order.
        let w = |i: usize| u32::from_le_bytes([u[i], u[i + 1], u[i + 2], u[i + 3]]);
        let _ = writeln!(
            s,
            " continuation.bridge={:08x}-{:04x}-{:04x}-{:04x}-{:04x}{:08x}",
            w(0),
            w(4) >> 16,
            w(4) & 0xffff,
            w(8) >> 16,
            w(8) & 0xffff,
            w(12)
        );
    }
    if !stack.is_empty() {
        s.push_str(" continuation.stack=(top)");
        for val in &stack {
            s.push(' ');
            put_hex(&mut s, val);
        }
        s.push_str(" (bottom)\n");
    }
    if mirrors != 0 {
        let _ = writeln!(s, " continuation.mirrors={mirrors:#x}");
    }
    if conntracked {
        s.push_str(" continuation.conntracked=true\n");
    }
    if !actions.is_empty() {
        let _ = writeln!(s, " continuation.actions={actions}");
    }
    if !action_set.is_empty() {
        let _ = writeln!(s, " continuation.action_set={action_set}");
    }
    if odp_port != 0 {
        let _ = writeln!(s, " continuation.odp_port={odp_port}");
    }
    Ok(s)
}

/// The ofp-print body of an `NXT_PACKET_IN2` or `NXT_RESUME` (after the
/// vendor header), as `ovs-ofctl ofp-print` shows it.
pub fn format(body: &[u8], v: Version, verbosity: i32) -> Result<String> {
    let pin = decode(body, true)?;
    let cont = format_continuation(&pin.continuation, v)?;
    let mut s = String::new();
    if pin.table_id != 0 {
        let _ = write!(s, " table_id={}", pin.table_id);
    }
    if pin.cookie != u64::MAX {
        let _ = write!(s, " cookie={:#x}", pin.cookie);
    }
    let _ = write!(s, " total_len={} ", pin.full_len);
    let _ = write!(
        s,
        "{}",
        pin.metadata.display(crate::matches::DEFAULT_PRIORITY)
    );
    match crate::actions::text::REASONS.get(usize::from(pin.reason)) {
        Some(r) => {
            let _ = write!(s, " (via {r})");
        }
        None => {
            let _ = write!(s, " (via {})", pin.reason);
        }
    }
    let _ = write!(s, " data_len={}", pin.packet.len());
    if pin.buffer_id == u32::MAX {
        s.push_str(" (unbuffered)");
        if pin.full_len as usize != pin.packet.len() {
            s.push_str(" (***total_len != data_len***)");
        }
    } else {
        let _ = write!(s, " buffer=0x{:08x}", pin.buffer_id);
        if (pin.full_len as usize) < pin.packet.len() {
            s.push_str(" (***total_len < data_len***)");
        }
    }
    s.push('\n');
    if !pin.userdata.is_empty() {
        let parts: Vec<String> = pin.userdata.iter().map(|b| format!("{b:02x}")).collect();
        let _ = writeln!(s, " userdata={}", parts.join("."));
    }
    s.push_str(&cont);
    if verbosity > 0 {
        s.push_str(&crate::packet_out::packet_text(&pin.packet));
    }
    if verbosity > 2 {
        crate::print::hex_dump_plain(&mut s, &pin.packet);
    }
    Ok(s)
}
