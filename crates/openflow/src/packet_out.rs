//! Packet-out (OVS `struct ofputil_packet_out`): OpenFlow 1.0, 1.1-1.4 and
//! 1.5 layouts, and its ofp-print text with the packet's flow.

use std::fmt::Write;

use bytes::{Buf, BufMut};
use rvs_packet::ipproto;

use crate::actions::{port, text, wire, Action};
use crate::error::{OfpError, Result};
use crate::field::access;
use crate::matches::{nxm, Match, DEFAULT_PRIORITY};
use crate::version::Version;

/// A packet-out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketOut {
    /// Buffered packet, `u32::MAX` for none (the packet is in `packet`).
    pub buffer_id: u32,
    /// Pipeline metadata; at least `in_port`.
    pub metadata: Match,
    /// Actions to apply.
    pub actions: Vec<Action>,
    /// The packet.
    pub packet: Vec<u8>,
}

/// Decodes a packet-out body (after the header).
pub fn decode(mut b: &[u8], v: Version) -> Result<PacketOut> {
    let mut md = Match::default();
    let buffer_id;
    let actions_len;
    match v {
        Version::Of10 => {
            if b.len() < 8 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            buffer_id = b.get_u32();
            md.set_default_packet_type();
            md.flow.in_port = b.get_u16().into();
            md.mask.in_port = 0xffff;
            actions_len = usize::from(b.get_u16());
        }
        Version::Of15 => {
            if b.len() < 8 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            buffer_id = b.get_u32();
            actions_len = usize::from(b.get_u16());
            b.advance(2);
            md = nxm::decode_oxm_match(&mut b)?;
            if md.mask.in_port == 0 {
                return Err(OfpError::OFPBRC_BAD_PORT);
            }
        }
        _ => {
            if b.len() < 16 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            buffer_id = b.get_u32();
            let p = access::port_from_ofp11(b.get_u32()).ok_or(OfpError::OFPBAC_BAD_OUT_PORT)?;
            md.set_default_packet_type();
            md.flow.in_port = p;
            md.mask.in_port = 0xffff;
            actions_len = usize::from(b.get_u16());
            b.advance(6);
        }
    }
    if actions_len % 8 != 0 || actions_len > b.len() {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let actions = wire::decode_actions(&b[..actions_len], v)?;
    let p = md.flow.in_port;
    if p >= port::MAX && !matches!(p, port::LOCAL | port::ANY | port::CONTROLLER) {
        crate::diag::warn(
            "ofp_packet",
            format!("packet-out has bad input port {p:#x}"),
        );
        return Err(OfpError::OFPBRC_BAD_PORT);
    }
    Ok(PacketOut {
        buffer_id,
        metadata: md,
        actions,
        packet: b[actions_len..].to_vec(),
    })
}

/// Encodes a whole packet-out message.
pub fn encode(po: &PacketOut, v: Version, xid: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.put_u8(v.wire());
    out.put_u8(13);
    out.put_u16(0);
    out.put_u32(xid);
    out.put_u32(po.buffer_id);
    let mut acts = Vec::new();
    wire::encode_actions(&po.actions, v, &po.metadata, &mut acts);
    match v {
        Version::Of10 => {
            out.put_u16(po.metadata.flow.in_port as u16);
            out.put_u16(acts.len() as u16);
        }
        Version::Of15 => {
            out.put_u16(acts.len() as u16);
            out.put_u16(0);
            nxm::encode_oxm_match(&mut out, &po.metadata, v);
        }
        _ => {
            out.put_u32(access::port_to_ofp11(po.metadata.flow.in_port));
            out.put_u16(acts.len() as u16);
            out.put_slice(&[0; 6]);
        }
    }
    out.extend_from_slice(&acts);
    out.extend_from_slice(&po.packet);
    let len = out.len() as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    out
}

/// A packet as OVS's `ofp_packet_to_string()` shows it: its flow, then the
/// transport checksum.
pub fn packet_text(data: &[u8]) -> String {
    let (flow, layout) = rvs_packet::extract_layout(data, 0);
    let mut s = flow.to_string();
    if let Some(l4) = layout.l4.map(usize::from) {
        let rest = data.len().saturating_sub(l4);
        let be16 = |at: usize| u16::from_be_bytes([data[l4 + at], data[l4 + at + 1]]);
        match flow.nw_proto {
            ipproto::TCP if rest >= 20 => {
                let _ = write!(s, " tcp_csum:{:x}", be16(16));
            }
            ipproto::UDP if rest >= 8 => {
                let _ = write!(s, " udp_csum:{:x}", be16(6));
            }
            ipproto::SCTP if rest >= 12 => {
                let c =
                    u32::from_be_bytes([data[l4 + 8], data[l4 + 9], data[l4 + 10], data[l4 + 11]]);
                let _ = write!(s, " sctp_csum:{c:x}");
            }
            ipproto::ICMP if rest >= 8 => {
                let _ = write!(s, " icmp_csum:{:x}", be16(2));
            }
            ipproto::ICMPV6 if rest >= 4 => {
                let _ = write!(s, " icmp6_csum:{:x}", be16(2));
            }
            _ => {}
        }
    }
    s.push('\n');
    s
}

/// The ofp-print body of a packet-out.
pub fn format(po: &PacketOut, verbosity: i32) -> String {
    let mut s = String::from(" ");
    let _ = write!(s, "{}", po.metadata.display(DEFAULT_PRIORITY));
    s.push_str(" actions=");
    s.push_str(&text::format_actions(&po.actions));
    if po.buffer_id == u32::MAX {
        let _ = write!(s, " data_len={}", po.packet.len());
        if verbosity > 0 && !po.packet.is_empty() {
            s.push('\n');
            s.push_str(&packet_text(&po.packet));
        }
        if verbosity > 2 {
            crate::print::hex_dump_plain(&mut s, &po.packet);
        }
    } else {
        let _ = write!(s, " buffer=0x{:08x}", po.buffer_id);
    }
    s
}
