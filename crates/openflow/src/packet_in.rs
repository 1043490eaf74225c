//! Packet-in (OVS `struct ofputil_packet_in`): OpenFlow 1.0, 1.1, 1.2,
//! 1.3+ and Nicira `NXT_PACKET_IN` layouts and the ofp-print text.

use std::fmt::Write;

use bytes::{Buf, BufMut};

use crate::actions::text::REASONS;
use crate::error::{OfpError, Result};
use crate::field::access;
use crate::matches::{nxm, Match, DEFAULT_PRIORITY};
use crate::version::Version;

/// A packet-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketIn {
    /// Pipeline metadata (in_port, registers, ...).
    pub metadata: Match,
    /// `OFPR_*` reason.
    pub reason: u8,
    /// Table the packet was in.
    pub table_id: u8,
    /// Cookie of the flow that sent it, `u64::MAX` for none.
    pub cookie: u64,
    /// Buffer ID, `u32::MAX` for unbuffered.
    pub buffer_id: u32,
    /// Length of the whole packet.
    pub total_len: u16,
    /// The packet (possibly truncated).
    pub packet: Vec<u8>,
}

/// Which wire form a packet-in takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raw {
    /// OpenFlow 1.0.
    Of10,
    /// OpenFlow 1.1.
    Of11,
    /// OpenFlow 1.2.
    Of12,
    /// OpenFlow 1.3+.
    Of13,
    /// Nicira `NXT_PACKET_IN`.
    Nx,
}

/// Decodes a packet-in body (after the header; for `Nx`, after the
/// vendor header).
pub fn decode(mut b: &[u8], raw: Raw) -> Result<PacketIn> {
    let mut pin = PacketIn {
        metadata: Match::default(),
        reason: 0,
        table_id: 0,
        cookie: u64::MAX,
        buffer_id: u32::MAX,
        total_len: 0,
        packet: Vec::new(),
    };
    let need = |b: &[u8], n: usize| {
        if b.len() < n {
            Err(OfpError::OFPBRC_BAD_LEN)
        } else {
            Ok(())
        }
    };
    match raw {
        Raw::Of10 => {
            need(b, 10)?;
            pin.buffer_id = b.get_u32();
            pin.total_len = b.get_u16();
            pin.metadata.flow.in_port = b.get_u16().into();
            pin.metadata.mask.in_port = 0xffff;
            pin.reason = b.get_u8();
            b.advance(1);
        }
        Raw::Of11 => {
            need(b, 16)?;
            pin.buffer_id = b.get_u32();
            let p = access::port_from_ofp11(b.get_u32()).ok_or(OfpError::OFPBAC_BAD_OUT_PORT)?;
            pin.metadata.flow.in_port = p;
            pin.metadata.mask.in_port = 0xffff;
            b.advance(4);
            pin.total_len = b.get_u16();
            pin.reason = b.get_u8();
            pin.table_id = b.get_u8();
        }
        Raw::Of12 | Raw::Of13 => {
            need(b, if raw == Raw::Of13 { 16 } else { 8 })?;
            pin.buffer_id = b.get_u32();
            pin.total_len = b.get_u16();
            pin.reason = b.get_u8();
            pin.table_id = b.get_u8();
            if raw == Raw::Of13 {
                pin.cookie = b.get_u64();
            }
            pin.metadata = nxm::decode_oxm_match_loose(&mut b)?;
            need(b, 2)?;
            b.advance(2);
        }
        Raw::Nx => {
            need(b, 24)?;
            pin.buffer_id = b.get_u32();
            pin.total_len = b.get_u16();
            pin.reason = b.get_u8();
            pin.table_id = b.get_u8();
            pin.cookie = b.get_u64();
            let match_len = usize::from(b.get_u16());
            b.advance(6);
            let padded = match_len.div_ceil(8) * 8;
            need(b, padded)?;
            pin.metadata = nxm::decode_loose(&b[..match_len])?;
            b.advance(padded);
            need(b, 2)?;
            b.advance(2);
        }
    }
    pin.packet = b.to_vec();
    Ok(pin)
}

/// Encodes a whole packet-in message in `raw`'s form.
pub fn encode(pin: &PacketIn, v: Version, raw: Raw, xid: u32) -> Vec<u8> {
    let mut out = vec![v.wire(), 10, 0, 0];
    out.put_u32(xid);
    match raw {
        Raw::Of10 => {
            out.put_u32(pin.buffer_id);
            out.put_u16(pin.total_len);
            out.put_u16(pin.metadata.flow.in_port as u16);
            out.put_u8(pin.reason);
            out.put_u8(0);
        }
        Raw::Of11 => {
            out.put_u32(pin.buffer_id);
            out.put_u32(access::port_to_ofp11(pin.metadata.flow.in_port));
            out.put_u32(access::port_to_ofp11(pin.metadata.flow.in_port));
            out.put_u16(pin.total_len);
            out.put_u8(pin.reason);
            out.put_u8(pin.table_id);
        }
        Raw::Of12 | Raw::Of13 => {
            out.put_u32(pin.buffer_id);
            out.put_u16(pin.total_len);
            out.put_u8(pin.reason);
            out.put_u8(pin.table_id);
            if raw == Raw::Of13 {
                out.put_u64(pin.cookie);
            }
            nxm::encode_oxm_match(&mut out, &pin.metadata, v);
            out.put_u16(0);
        }
        Raw::Nx => {
            out[1] = 4;
            out.put_u32(crate::error::NX_VENDOR_ID);
            out.put_u32(17);
            out.put_u32(pin.buffer_id);
            out.put_u16(pin.total_len);
            out.put_u8(pin.reason);
            out.put_u8(pin.table_id);
            out.put_u64(pin.cookie);
            let len_at = out.len();
            out.put_u16(0);
            out.put_slice(&[0; 6]);
            let start = out.len();
            let n = nxm::encode(&mut out, &pin.metadata, None, 0, 0);
            out[len_at..len_at + 2].copy_from_slice(&(n as u16).to_be_bytes());
            nxm::pad8(&mut out, start);
            out.put_u16(0);
        }
    }
    out.extend_from_slice(&pin.packet);
    let len = out.len() as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    out
}

/// The ofp-print body of a packet-in.
pub fn format(pin: &PacketIn, verbosity: i32) -> String {
    let mut s = String::new();
    if pin.table_id != 0 {
        let _ = write!(s, " table_id={}", pin.table_id);
    }
    if pin.cookie != u64::MAX {
        let _ = write!(s, " cookie={:#x}", pin.cookie);
    }
    let _ = write!(s, " total_len={} ", pin.total_len);
    let _ = write!(s, "{}", pin.metadata.display(DEFAULT_PRIORITY));
    match REASONS.get(usize::from(pin.reason)) {
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
        if usize::from(pin.total_len) != pin.packet.len() {
            s.push_str(" (***total_len != data_len***)");
        }
    } else {
        let _ = write!(s, " buffer=0x{:08x}", pin.buffer_id);
        if usize::from(pin.total_len) < pin.packet.len() {
            s.push_str(" (***total_len < data_len***)");
        }
    }
    s.push('\n');
    if verbosity > 0 {
        s.push_str(&crate::packet_out::packet_text(&pin.packet));
    }
    if verbosity > 2 {
        crate::print::hex_dump_plain(&mut s, &pin.packet);
    }
    s
}
