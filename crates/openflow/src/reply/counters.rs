//! Port and queue statistics replies (OVS `ofputil_port_stats`,
//! `ofputil_queue_stats`): OpenFlow 1.0, 1.1, 1.3 and 1.4+ layouts, the
//! latter with the Ethernet property and Intel's RFC 2819 and custom
//! counter properties.

use std::fmt::Write;

use bytes::{Buf, BufMut};

use crate::error::{OfpError, Result};
use crate::field::access::{port_from_ofp11, port_to_ofp11};
use crate::field::port_name;
use crate::flow_stats::duration;
use crate::version::Version;

/// Intel's experimenter ID.
pub const INTEL_VENDOR_ID: u32 = 0x0000_aa01;

/// Counters of one port; `u64::MAX` means "not counted" (printed `?`,
/// and the RFC 2819 ones not printed at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortStats {
    /// Port (OpenFlow 1.0 numbering).
    pub port_no: u32,
    /// Seconds alive, `u32::MAX` if unknown.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
    /// rx/tx packets, bytes, drops, errors, then rx frame, over, crc
    /// errors and collisions (OVS `struct netdev_stats` order).
    pub rx_packets: u64,
    #[allow(missing_docs)]
    pub tx_packets: u64,
    #[allow(missing_docs)]
    pub rx_bytes: u64,
    #[allow(missing_docs)]
    pub tx_bytes: u64,
    #[allow(missing_docs)]
    pub rx_dropped: u64,
    #[allow(missing_docs)]
    pub tx_dropped: u64,
    #[allow(missing_docs)]
    pub rx_errors: u64,
    #[allow(missing_docs)]
    pub tx_errors: u64,
    #[allow(missing_docs)]
    pub rx_frame_errors: u64,
    #[allow(missing_docs)]
    pub rx_over_errors: u64,
    #[allow(missing_docs)]
    pub rx_crc_errors: u64,
    #[allow(missing_docs)]
    pub collisions: u64,
    /// RFC 2819 counters in Intel's property order: rx 1-64, 65-127,
    /// 128-255, 256-511, 512-1023, 1024-1522, 1523-max packets, the same
    /// for tx, tx multicast, rx broadcast, tx broadcast, rx undersized,
    /// oversize, fragmented and jabber errors.
    pub rfc2819: [u64; 21],
    /// Named custom counters.
    pub custom: Vec<(String, u64)>,
}

impl PortStats {
    /// A port with every counter unknown.
    pub fn new(port_no: u32) -> PortStats {
        PortStats {
            port_no,
            duration_sec: u32::MAX,
            duration_nsec: u32::MAX,
            rx_packets: u64::MAX,
            tx_packets: u64::MAX,
            rx_bytes: u64::MAX,
            tx_bytes: u64::MAX,
            rx_dropped: u64::MAX,
            tx_dropped: u64::MAX,
            rx_errors: u64::MAX,
            tx_errors: u64::MAX,
            rx_frame_errors: u64::MAX,
            rx_over_errors: u64::MAX,
            rx_crc_errors: u64::MAX,
            collisions: u64::MAX,
            rfc2819: [u64::MAX; 21],
            custom: Vec::new(),
        }
    }

    fn base(&self) -> [u64; 8] {
        [
            self.rx_packets,
            self.tx_packets,
            self.rx_bytes,
            self.tx_bytes,
            self.rx_dropped,
            self.tx_dropped,
            self.rx_errors,
            self.tx_errors,
        ]
    }

    fn set_base(&mut self, b: &mut &[u8]) {
        self.rx_packets = b.get_u64();
        self.tx_packets = b.get_u64();
        self.rx_bytes = b.get_u64();
        self.tx_bytes = b.get_u64();
        self.rx_dropped = b.get_u64();
        self.tx_dropped = b.get_u64();
        self.rx_errors = b.get_u64();
        self.tx_errors = b.get_u64();
    }

    fn eth(&self) -> [u64; 4] {
        [
            self.rx_frame_errors,
            self.rx_over_errors,
            self.rx_crc_errors,
            self.collisions,
        ]
    }

    fn set_eth(&mut self, b: &mut &[u8]) {
        self.rx_frame_errors = b.get_u64();
        self.rx_over_errors = b.get_u64();
        self.rx_crc_errors = b.get_u64();
        self.collisions = b.get_u64();
    }
}

/// Encodes one port's entry for `v`.
pub fn put_port(p: &PortStats, v: Version) -> Vec<u8> {
    let mut out = Vec::new();
    match v {
        Version::Of10 => {
            out.put_u16(p.port_no as u16);
            out.put_slice(&[0; 6]);
        }
        Version::Of11 | Version::Of12 | Version::Of13 => {
            out.put_u32(port_to_ofp11(p.port_no));
            out.put_u32(0);
        }
        _ => {
            out.put_u16(0);
            out.put_u16(0);
            out.put_u32(port_to_ofp11(p.port_no));
            out.put_u32(p.duration_sec);
            out.put_u32(p.duration_nsec);
            for c in p.base() {
                out.put_u64(c);
            }
            out.put_u16(0);
            out.put_u16(40);
            out.put_u32(0);
            for c in p.eth() {
                out.put_u64(c);
            }
            out.put_u16(0xffff);
            out.put_u16(184);
            out.put_u32(INTEL_VENDOR_ID);
            out.put_u32(1);
            out.put_u32(0);
            for c in p.rfc2819 {
                out.put_u64(c);
            }
            if !p.custom.is_empty() {
                let start = out.len();
                out.put_u16(0xffff);
                out.put_u16(0);
                out.put_u32(INTEL_VENDOR_ID);
                out.put_u32(2);
                out.put_u16(0);
                out.put_u16(p.custom.len() as u16);
                for (name, value) in &p.custom {
                    let n = name.len().min(255);
                    out.put_u8(n as u8);
                    out.put_slice(&name.as_bytes()[..n]);
                    out.put_u64(*value);
                }
                let len = (out.len() - start) as u16;
                out[start + 2..start + 4].copy_from_slice(&len.to_be_bytes());
                while out.len() % 8 != 0 {
                    out.put_u8(0);
                }
            }
            let len = out.len() as u16;
            out[0..2].copy_from_slice(&len.to_be_bytes());
            return out;
        }
    }
    for c in p.base() {
        out.put_u64(c);
    }
    for c in p.eth() {
        out.put_u64(c);
    }
    if matches!(v, Version::Of13) {
        out.put_u32(p.duration_sec);
        out.put_u32(p.duration_nsec);
    }
    out
}

fn port11(p: u32) -> Result<u32> {
    port_from_ofp11(p).ok_or(OfpError::OFPBRC_BAD_PORT)
}

/// Reads OpenFlow 1.4 properties of a port stats entry (OVS
/// `ofputil_pull_ofp14_port_stats()`).
fn port14_props(p: &mut PortStats, mut props: &[u8]) -> Result<()> {
    while !props.is_empty() {
        if props.len() < 4 {
            return Err(OfpError::OFPBPC_BAD_LEN);
        }
        let t = u16::from_be_bytes([props[0], props[1]]);
        let len = usize::from(u16::from_be_bytes([props[2], props[3]]));
        let padded = len.div_ceil(8) * 8;
        if len < 4 || padded > props.len() {
            return Err(OfpError::OFPBPC_BAD_LEN);
        }
        let prop = &props[..len];
        props = &props[padded..];
        if t == 0xffff {
            if len < 12 {
                return Err(OfpError::OFPBPC_BAD_LEN);
            }
            let exp = u32::from_be_bytes([prop[4], prop[5], prop[6], prop[7]]);
            let exp_type = u32::from_be_bytes([prop[8], prop[9], prop[10], prop[11]]);
            if exp == 0 {
                return Err(OfpError::OFPBPC_BAD_EXPERIMENTER);
            }
            match (exp, exp_type) {
                (INTEL_VENDOR_ID, 1) => {
                    if len != 184 {
                        return Err(OfpError::OFPBPC_BAD_LEN);
                    }
                    let mut b = &prop[16..];
                    for c in &mut p.rfc2819 {
                        *c = b.get_u64();
                    }
                }
                (INTEL_VENDOR_ID, 2) => {
                    if len < 16 {
                        return Err(OfpError::OFPBPC_BAD_LEN);
                    }
                    let n = u16::from_be_bytes([prop[14], prop[15]]);
                    let mut b = &prop[16..];
                    p.custom.clear();
                    for _ in 0..n {
                        let Some((&nl, rest)) = b.split_first() else {
                            return Err(OfpError::OFPBPC_BAD_LEN);
                        };
                        let nl = usize::from(nl);
                        if rest.len() < nl + 8 {
                            return Err(OfpError::OFPBPC_BAD_LEN);
                        }
                        let name = String::from_utf8_lossy(&rest[..nl.min(31)]).into_owned();
                        let mut vb = &rest[nl..];
                        p.custom.push((name, vb.get_u64()));
                        b = vb;
                    }
                }
                _ => {}
            }
        } else if t == 0 {
            if len != 40 {
                return Err(OfpError::OFPBPC_BAD_LEN);
            }
            let mut b = &prop[8..];
            p.set_eth(&mut b);
        }
    }
    Ok(())
}

/// Pulls one port stats entry (OVS `ofputil_decode_port_stats()`).
fn pull_port(b: &mut &[u8], v: Version) -> Result<PortStats> {
    let mut p = PortStats::new(0);
    match v {
        Version::Of10 => {
            if b.len() < 104 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            p.port_no = u32::from(b.get_u16());
            b.advance(6);
        }
        Version::Of11 | Version::Of12 | Version::Of13 => {
            let n = if v == Version::Of13 { 112 } else { 104 };
            if b.len() < n {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            p.port_no = port11(b.get_u32())?;
            b.advance(4);
        }
        _ => {
            if b.len() < 80 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            let len = usize::from(u16::from_be_bytes([b[0], b[1]]));
            if len < 80 || len - 80 > b.len() - 80 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            let (entry, rest) = b.split_at(len);
            *b = rest;
            let mut e = &entry[4..];
            p.port_no = port11(e.get_u32())?;
            p.duration_sec = e.get_u32();
            p.duration_nsec = e.get_u32();
            p.set_base(&mut e);
            port14_props(&mut p, e)?;
            return Ok(p);
        }
    }
    p.set_base(b);
    p.set_eth(b);
    if v == Version::Of13 {
        p.duration_sec = b.get_u32();
        p.duration_nsec = b.get_u32();
    }
    Ok(p)
}

/// Decodes the entries of a reply body until the first bad one, and the
/// error that stopped it.
pub fn pull_ports(mut b: &[u8], v: Version) -> (Vec<PortStats>, Option<OfpError>) {
    let mut out = Vec::new();
    while !b.is_empty() {
        match pull_port(&mut b, v) {
            Ok(p) => out.push(p),
            Err(e) => return (out, Some(e)),
        }
    }
    (out, None)
}

/// Decodes a whole port stats reply body.
pub fn decode_ports(b: &[u8], v: Version) -> Result<Vec<PortStats>> {
    match pull_ports(b, v) {
        (p, None) => Ok(p),
        (_, Some(e)) => Err(e),
    }
}

fn stat(s: &mut String, leader: &str, v: u64, more: bool) {
    s.push_str(leader);
    if v == u64::MAX {
        s.push('?');
    } else {
        let _ = write!(s, "{v}");
    }
    s.push_str(if more { ", " } else { "\n" });
}

/// One port's lines (OVS `ofputil_format_port_stats()`).
pub fn format_port(s: &mut String, p: &PortStats) {
    s.push_str("  port ");
    if p.port_no < 10 {
        s.push(' ');
    }
    s.push_str(&port_name(p.port_no));
    s.push_str(": rx ");
    stat(s, "pkts=", p.rx_packets, true);
    stat(s, "bytes=", p.rx_bytes, true);
    stat(s, "drop=", p.rx_dropped, true);
    stat(s, "errs=", p.rx_errors, true);
    stat(s, "frame=", p.rx_frame_errors, true);
    stat(s, "over=", p.rx_over_errors, true);
    stat(s, "crc=", p.rx_crc_errors, false);
    s.push_str("           tx ");
    stat(s, "pkts=", p.tx_packets, true);
    stat(s, "bytes=", p.tx_bytes, true);
    stat(s, "drop=", p.tx_dropped, true);
    stat(s, "errs=", p.tx_errors, true);
    stat(s, "coll=", p.collisions, false);
    if p.duration_sec != u32::MAX {
        s.push_str("           duration=");
        duration(s, p.duration_sec, p.duration_nsec);
        s.push('\n');
    }
    let r = &p.rfc2819;
    let cond = |names: &[(&str, u64)]| {
        let mut t = String::new();
        for (n, v) in names {
            if *v != u64::MAX {
                let _ = write!(t, "{n}={v}, ");
            }
        }
        t
    };
    let rx = cond(&[
        ("1_to_64_packets", r[0]),
        ("65_to_127_packets", r[1]),
        ("128_to_255_packets", r[2]),
        ("256_to_511_packets", r[3]),
        ("512_to_1023_packets", r[4]),
        ("1024_to_1522_packets", r[5]),
        ("1523_to_max_packets", r[6]),
        ("broadcast_packets", r[15]),
        ("undersized_errors", r[17]),
        ("oversize_errors", r[18]),
        ("rx_fragmented_errors", r[19]),
        ("rx_jabber_errors", r[20]),
    ]);
    if !rx.is_empty() {
        let _ = writeln!(s, "           rx rfc2819 {rx}");
    }
    let tx = cond(&[
        ("1_to_64_packets", r[7]),
        ("65_to_127_packets", r[8]),
        ("128_to_255_packets", r[9]),
        ("256_to_511_packets", r[10]),
        ("512_to_1023_packets", r[11]),
        ("1024_to_1522_packets", r[12]),
        ("1523_to_max_packets", r[13]),
        ("multicast_packets", r[14]),
        ("broadcast_packets", r[16]),
    ]);
    if !tx.is_empty() {
        let _ = writeln!(s, "           tx rfc2819 {tx}");
    }
    if !p.custom.is_empty() {
        s.push_str("           CUSTOM Statistics");
        for (i, (name, v)) in p.custom.iter().enumerate() {
            if !name.is_empty() {
                if i % 3 == 0 {
                    s.push_str("\n                      ");
                } else {
                    s.push(' ');
                }
                let _ = write!(s, "{name}={v},");
            }
        }
        s.push('\n');
    }
}

/// Counters of one queue (OVS `ofputil_queue_stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueStats {
    /// Port (OpenFlow 1.0 numbering).
    pub port_no: u32,
    /// Queue.
    pub queue_id: u32,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Packets sent.
    pub tx_packets: u64,
    /// Packets dropped.
    pub tx_errors: u64,
    /// Seconds alive, `u32::MAX` if unknown.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
}

/// Encodes one queue's entry for `v`.
pub fn put_queue(q: &QueueStats, v: Version) -> Vec<u8> {
    let mut out = Vec::new();
    if v >= Version::Of14 {
        out.put_u16(48);
        out.put_slice(&[0; 6]);
    }
    if v == Version::Of10 {
        out.put_u16(q.port_no as u16);
        out.put_u16(0);
    } else {
        out.put_u32(port_to_ofp11(q.port_no));
    }
    out.put_u32(q.queue_id);
    out.put_u64(q.tx_bytes);
    out.put_u64(q.tx_packets);
    out.put_u64(q.tx_errors);
    if v >= Version::Of13 {
        if q.duration_sec == u32::MAX {
            out.put_u64(u64::MAX);
        } else {
            out.put_u32(q.duration_sec);
            out.put_u32(q.duration_nsec);
        }
    }
    out
}

fn pull_queue(b: &mut &[u8], v: Version) -> Result<QueueStats> {
    if v >= Version::Of14 {
        if b.len() < 48 {
            return Err(OfpError::OFPBRC_BAD_LEN);
        }
        let len = usize::from(u16::from_be_bytes([b[0], b[1]]));
        if len < 48 || len - 48 > b.len() - 48 {
            return Err(OfpError::OFPBRC_BAD_LEN);
        }
        let (entry, rest) = b.split_at(len);
        *b = rest;
        let mut e = &entry[8..48];
        return pull_queue(&mut e, Version::Of13);
    }
    let n = if v >= Version::Of13 { 40 } else { 32 };
    if b.len() < n {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let port_no = if v == Version::Of10 {
        let p = u32::from(b.get_u16());
        b.advance(2);
        p
    } else {
        port11(b.get_u32())?
    };
    let mut q = QueueStats {
        port_no,
        queue_id: b.get_u32(),
        tx_bytes: b.get_u64(),
        tx_packets: b.get_u64(),
        tx_errors: b.get_u64(),
        duration_sec: u32::MAX,
        duration_nsec: u32::MAX,
    };
    if v >= Version::Of13 {
        q.duration_sec = b.get_u32();
        q.duration_nsec = b.get_u32();
    }
    Ok(q)
}

/// Decodes queue entries until the first bad one, and its error.
pub fn pull_queues(mut b: &[u8], v: Version) -> (Vec<QueueStats>, Option<OfpError>) {
    let mut out = Vec::new();
    while !b.is_empty() {
        match pull_queue(&mut b, v) {
            Ok(q) => out.push(q),
            Err(e) => return (out, Some(e)),
        }
    }
    (out, None)
}

/// Decodes a whole queue stats reply body.
pub fn decode_queues(b: &[u8], v: Version) -> Result<Vec<QueueStats>> {
    match pull_queues(b, v) {
        (q, None) => Ok(q),
        (_, Some(e)) => Err(e),
    }
}

/// One queue's line (OVS `ofputil_queue_stats_reply_format()`).
pub fn format_queue(s: &mut String, q: &QueueStats) {
    let _ = write!(s, "  port {} queue ", port_name(q.port_no));
    if q.queue_id == u32::MAX {
        s.push_str("ALL");
    } else {
        let _ = write!(s, "{}", q.queue_id);
    }
    s.push_str(": ");
    stat(s, "bytes=", q.tx_bytes, true);
    stat(s, "pkts=", q.tx_packets, true);
    stat(s, "errors=", q.tx_errors, true);
    s.push_str("duration=");
    if q.duration_sec == u32::MAX {
        s.push('?');
    } else {
        duration(s, q.duration_sec, q.duration_nsec);
    }
    s.push('\n');
}
