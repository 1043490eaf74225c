//! NXM and OXM: a match as a list of type-length-value entries (OVS
//! `lib/nx-match.c`).
//!
//! An entry header is 32 bits, `class:16 field:7 hasmask:1 length:8`; class
//! 0xffff (experimenter) adds a 32-bit experimenter ID that `length` counts.
//! NXM (OpenFlow 1.0 Nicira messages) and OXM (OpenFlow 1.2+) share the
//! format and differ only in which header each field is written with.

use bytes::{Buf, BufMut};
use rvs_packet::{ethertype, ipproto, FRAG_MASK, VLAN_CFI, VLAN_PCP_MASK, VLAN_VID_MASK};

use super::Match;
use crate::error::{OfpError, Result};
use crate::field::{self, access, Field, FieldId, OxmCode};
use crate::version::Version;

/// `NXM_NX_COOKIE` (class 1, field 30), the cookie pseudo-field of NXM flow
/// stats requests and flow-mods.
pub const NXM_NX_COOKIE: (u16, u8) = (1, 30);

/// A parsed entry header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryHeader {
    /// OXM class.
    pub class: u16,
    /// Field number.
    pub field: u8,
    /// Whether a mask follows the value.
    pub hasmask: bool,
    /// Payload length (value, mask and experimenter ID).
    pub length: u8,
    /// Experimenter ID, 0 for non-experimenter classes.
    pub vendor: u32,
}

impl EntryHeader {
    /// Bytes of header (4, or 8 with an experimenter ID).
    pub fn header_len(&self) -> usize {
        if self.class == 0xffff {
            8
        } else {
            4
        }
    }

    /// Bytes of value and mask after the header.
    pub fn payload_len(&self) -> usize {
        usize::from(self.length) - (self.header_len() - 4)
    }

    /// Bytes of the field value.
    pub fn field_len(&self) -> usize {
        if self.hasmask {
            self.payload_len() / 2
        } else {
            self.payload_len()
        }
    }

    /// Reads a header (OVS `nx_pull_header__()`); `OFPBMC_BAD_LEN` if it
    /// is cut short or its length cannot hold its experimenter ID.
    pub fn pull(b: &mut &[u8]) -> Result<EntryHeader> {
        if b.len() < 4 {
            return Err(OfpError::OFPBMC_BAD_LEN);
        }
        let w = u32::from_be_bytes(b[..4].try_into().expect("4 bytes"));
        let class = (w >> 16) as u16;
        let mut h = EntryHeader {
            class,
            field: ((w >> 9) & 0x7f) as u8,
            hasmask: w & 0x100 != 0,
            length: w as u8,
            vendor: 0,
        };
        if class == 0xffff {
            if b.len() < 8 {
                return Err(OfpError::OFPBMC_BAD_LEN);
            }
            h.vendor = u32::from_be_bytes(b[4..8].try_into().expect("4 bytes"));
            if h.length < 4 {
                return Err(OfpError::OFPBMC_BAD_LEN);
            }
        }
        b.advance(h.header_len());
        Ok(h)
    }

    /// Writes the header.
    pub fn put(&self, out: &mut impl BufMut) {
        out.put_u32(
            u32::from(self.class) << 16
                | u32::from(self.field) << 9
                | u32::from(self.hasmask) << 8
                | u32::from(self.length),
        );
        if self.class == 0xffff {
            out.put_u32(self.vendor);
        }
    }

    /// The header of `code` for an `n`-byte value, masked or not.
    pub fn of_code(code: &OxmCode, n: usize, hasmask: bool) -> EntryHeader {
        let extra = if code.class == 0xffff { 4 } else { 0 };
        EntryHeader {
            class: code.class,
            field: code.field,
            hasmask,
            length: (n * (1 + usize::from(hasmask)) + extra) as u8,
            vendor: code.vendor,
        }
    }
}

/// Writes one entry: header, value, optional mask.
fn put_entry(out: &mut Vec<u8>, f: &Field, version: Option<Version>, v: u128, m: Option<u128>) {
    let Some(code) = f.code_for(version) else {
        return;
    };
    let n = usize::from(f.n_bytes);
    EntryHeader::of_code(code, n, m.is_some()).put(out);
    out.extend_from_slice(&v.to_be_bytes()[16 - n..]);
    if let Some(m) = m {
        out.extend_from_slice(&m.to_be_bytes()[16 - n..]);
    }
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
    version: Option<Version>,
    implied_ethernet: bool,
}

impl Writer<'_> {
    /// Exact entry.
    fn exact(&mut self, id: FieldId, v: u128) {
        let f = id.field();
        put_entry(self.out, f, self.version, v, None);
        self.implied_ethernet |= f.prereq != field::Prereq::None;
    }

    /// Entry with a mask, skipped when the mask is zero (OVS `nxm_put()`).
    fn masked(&mut self, id: FieldId, v: u128, m: u128) {
        let f = id.field();
        let n = usize::from(f.n_bytes);
        let ones = if n == 16 {
            u128::MAX
        } else {
            (1u128 << (8 * n)) - 1
        };
        if m & ones == 0 {
            return;
        }
        let m = (m != ones).then_some(m);
        put_entry(self.out, f, self.version, v, m);
        self.implied_ethernet |= f.prereq != field::Prereq::None;
    }

    fn field(&mut self, m: &Match, id: FieldId) {
        let (v, k) = m.get(id);
        self.masked(id, v, k);
    }
}

/// Appends the NXM (`version` `None`) or OXM form of `m` to `out` (OVS
/// `nx_put_raw()`), with the cookie pseudo-field when `cookie_mask` is
/// nonzero. Returns the number of bytes written (no padding).
pub fn encode(
    out: &mut Vec<u8>,
    m: &Match,
    version: Option<Version>,
    cookie: u64,
    cookie_mask: u64,
) -> usize {
    use FieldId::*;
    let start = out.len();
    let (f, k) = (&m.flow, &m.mask);
    let mut w = Writer {
        out,
        version,
        implied_ethernet: false,
    };
    if k.packet_type != 0 && !m.has_default_packet_type() {
        w.field(m, PacketType);
    }
    w.field(m, DpHash);
    if k.recirc_id != 0 {
        w.exact(RecircId, f.recirc_id.into());
    }
    if k.conj_id != 0 {
        w.exact(ConjId, f.conj_id.into());
    }
    if k.in_port != 0 {
        if version.is_some() {
            w.exact(InPortOxm, access::port_to_ofp11(f.in_port).into());
        } else {
            w.exact(InPort, f.in_port.into());
        }
    }
    if k.actset_output != 0 {
        w.exact(ActsetOutput, access::port_to_ofp11(f.actset_output).into());
    }
    w.field(m, EthSrc);
    w.field(m, EthDst);
    w.field(m, EthType);
    if version.is_some() {
        let vid_cfi = VLAN_VID_MASK | VLAN_CFI;
        let (vid, mask) = (f.vlan_tci & vid_cfi, k.vlan_tci & vid_cfi);
        if mask == vid_cfi {
            w.exact(VlanVid, vid.into());
        } else if mask != 0 {
            w.masked(VlanVid, vid.into(), mask.into());
        }
        if vid != 0 && k.vlan_tci & VLAN_PCP_MASK != 0 {
            w.exact(VlanPcp, (f.vlan_tci >> 13).into());
        }
    } else {
        w.field(m, VlanTci);
    }
    let dl_type = f.dl_type;
    if matches!(dl_type, ethertype::MPLS | ethertype::MPLS_MCAST) {
        let lse = k.mpls_lse[0];
        if lse & 0xe00 != 0 {
            w.exact(MplsTc, f.mpls_tc().into());
        }
        if lse & 0x100 != 0 {
            w.exact(MplsBos, f.mpls_bos().into());
        }
        if lse & 0xff != 0 {
            w.exact(MplsTtl, f.mpls_ttl().into());
        }
        if lse & 0xffff_f000 != 0 {
            w.exact(MplsLabel, f.mpls_label().into());
        }
    }
    if matches!(dl_type, ethertype::IPV4 | ethertype::IPV6) {
        put_ip(&mut w, m);
    } else if matches!(dl_type, ethertype::ARP | ethertype::RARP) {
        if k.nw_proto != 0 {
            w.exact(ArpOp, f.nw_proto.into());
        }
        w.field(m, ArpSpa);
        w.field(m, ArpTpa);
        w.field(m, ArpSha);
        w.field(m, ArpTha);
    }
    w.field(m, TunId);
    w.masked(TunFlags, f.tunnel.flags.into(), k.tunnel.flags.into());
    for id in [
        TunSrc,
        TunDst,
        TunIpv6Src,
        TunIpv6Dst,
        TunGbpId,
        TunGbpFlags,
    ] {
        w.field(m, id);
    }
    for id in [NshFlags, NshTtl, NshMdtype, NshNp] {
        w.field(m, id);
    }
    let spi_mask = match k.nsh.path_hdr >> 8 {
        0x00ff_ffff => u32::MAX,
        s => s,
    };
    w.masked(NshSpi, (f.nsh.path_hdr >> 8).into(), spi_mask.into());
    w.field(m, NshSi);
    for id in [NshC1, NshC2, NshC3, NshC4] {
        w.field(m, id);
    }
    if version.is_some_and(|v| v >= Version::Of15) {
        for i in 0..8 {
            w.field(m, field::FIELDS[Xreg0 as usize + i].id);
        }
    } else {
        for i in 0..16 {
            w.field(m, FieldId::reg(i));
        }
    }
    w.field(m, PktMark);
    w.field(m, CtState);
    w.field(m, CtZone);
    w.field(m, CtMark);
    w.field(m, CtLabel);
    w.field(m, CtNwSrc);
    w.field(m, CtIpv6Src);
    w.field(m, CtNwDst);
    w.field(m, CtIpv6Dst);
    if f.ct_nw_proto != 0 {
        w.field(m, CtNwProto);
        w.field(m, CtTpSrc);
        w.field(m, CtTpDst);
    }
    w.field(m, Metadata);
    if cookie_mask != 0 {
        let masked = cookie_mask != u64::MAX;
        let h = EntryHeader {
            class: NXM_NX_COOKIE.0,
            field: NXM_NX_COOKIE.1,
            hasmask: masked,
            length: if masked { 16 } else { 8 },
            vendor: 0,
        };
        h.put(w.out);
        w.out.put_u64(cookie & cookie_mask);
        if masked {
            w.out.put_u64(cookie_mask);
        }
    }
    if m.has_default_packet_type() && !w.implied_ethernet {
        let mut pt = Vec::new();
        put_entry(&mut pt, PacketType.field(), version, 0, None);
        out.splice(start..start, pt);
    }
    out.len() - start
}

fn put_ip(w: &mut Writer<'_>, m: &Match) {
    use FieldId::*;
    let (f, k) = (&m.flow, &m.mask);
    if f.dl_type == ethertype::IPV4 {
        w.field(m, Ipv4Src);
        w.field(m, Ipv4Dst);
    } else {
        w.field(m, Ipv6Src);
        w.field(m, Ipv6Dst);
    }
    let frag_mask = k.nw_frag & FRAG_MASK;
    let frag_mask = if frag_mask == FRAG_MASK {
        0xff
    } else {
        frag_mask
    };
    w.masked(IpFrag, (f.nw_frag & FRAG_MASK).into(), frag_mask.into());
    if k.nw_tos & 0xfc != 0 {
        if w.version.is_some() {
            w.exact(IpDscpShifted, (f.nw_tos >> 2).into());
        } else {
            w.exact(IpDscp, (f.nw_tos & 0xfc).into());
        }
    }
    if k.nw_tos & 3 != 0 {
        w.exact(IpEcn, (f.nw_tos & 3).into());
    }
    if k.nw_ttl != 0 {
        w.exact(IpTtl, f.nw_ttl.into());
    }
    w.field(m, Ipv6Label);
    if k.nw_proto == 0 {
        return;
    }
    w.exact(IpProto, f.nw_proto.into());
    let v6 = f.dl_type == ethertype::IPV6;
    match f.nw_proto {
        ipproto::TCP => {
            w.field(m, TcpSrc);
            w.field(m, TcpDst);
            w.field(m, TcpFlags);
        }
        ipproto::UDP => {
            w.field(m, UdpSrc);
            w.field(m, UdpDst);
        }
        ipproto::SCTP => {
            w.field(m, SctpSrc);
            w.field(m, SctpDst);
        }
        ipproto::ICMP if !v6 => {
            if k.tp_src != 0 {
                w.exact(Icmpv4Type, (f.tp_src & 0xff).into());
            }
            if k.tp_dst != 0 {
                w.exact(Icmpv4Code, (f.tp_dst & 0xff).into());
            }
        }
        ipproto::ICMPV6 if v6 => {
            if k.tp_src != 0 {
                w.exact(Icmpv6Type, (f.tp_src & 0xff).into());
            }
            if k.tp_dst != 0 {
                w.exact(Icmpv6Code, (f.tp_dst & 0xff).into());
            }
            if matches!(f.tp_src, 135 | 136) && f.tp_dst == 0 {
                if k.igmp_group_ip4 != 0 {
                    w.exact(NdReserved, f.igmp_group_ip4.into());
                }
                w.field(m, NdTarget);
                if k.tcp_flags != 0 {
                    w.exact(NdOptionsType, (f.tcp_flags & 0xff).into());
                }
                if f.tp_src == 135 {
                    w.field(m, NdSll);
                }
                if f.tp_src == 136 {
                    w.field(m, NdTll);
                }
            }
        }
        _ => {}
    }
}

/// True if `v` is a possible value of `field` (OVS `mf_is_value_valid()`).
pub fn is_value_valid(field: &Field, v: u128) -> bool {
    use FieldId::*;
    match field.id {
        InPortOxm | ActsetOutput => access::port_from_ofp11(v as u32).is_some(),
        IpDscp => v & !0xfc == 0,
        IpDscpShifted => v & !0x3f == 0,
        IpEcn | IpFrag => v & !3 == 0,
        TcpFlags => v & !0x0fff == 0,
        ArpOp => v & 0xff00 == 0,
        DlVlan => v & u128::from(VLAN_CFI | VLAN_PCP_MASK) == 0,
        VlanVid => v & u128::from(VLAN_PCP_MASK) == 0,
        DlVlanPcp | VlanPcp | MplsTc => v & !7 == 0,
        Ipv6Label | MplsLabel => v & !0xf_ffff == 0,
        MplsBos | TunFlags => v & !1 == 0,
        CtState => v & !0xff == 0,
        NshTtl => v <= 63,
        _ => true,
    }
}

/// What [`decode`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Decoded {
    /// The match.
    pub m: Match,
    /// `NXM_NX_COOKIE` value, if allowed and present.
    pub cookie: u64,
    /// `NXM_NX_COOKIE` mask.
    pub cookie_mask: u64,
}

/// Reads `p` (exactly the entries, no padding) as a match (OVS
/// `nx_pull_raw()`, strict): unknown fields, broken lengths, inconsistent
/// masks, bad values, duplicates and unmet prerequisites are errors.
pub fn decode(p: &[u8], allow_cookie: bool) -> Result<Decoded> {
    decode_with(p, allow_cookie, true)
}

/// [`decode`] that skips unknown fields and does not check prerequisites
/// (OVS `nx_pull_match_loose()`), for metadata in packet-ins.
pub fn decode_loose(p: &[u8]) -> Result<Match> {
    decode_with(p, false, false).map(|d| d.m)
}

fn decode_with(mut p: &[u8], allow_cookie: bool, strict: bool) -> Result<Decoded> {
    let mut d = Decoded::default();
    while !p.is_empty() {
        let h = EntryHeader::pull(&mut p)?;
        let plen = h.payload_len();
        if p.len() < plen {
            return Err(OfpError::OFPBMC_BAD_LEN);
        }
        let payload = &p[..plen];
        p = &p[plen..];
        let width = h.field_len();
        // As OVS's lookup by whole header: a known class and field with
        // another length is an unknown field.
        let is_cookie =
            (h.class, h.field) == NXM_NX_COOKIE && h.vendor == 0 && allow_cookie && width == 8;
        let field =
            field::by_code(h.class, h.field, h.vendor).filter(|f| usize::from(f.n_bytes) == width);
        // OVS checks the mask against the value before it reports an
        // unknown field.
        if h.hasmask
            && payload[..width]
                .iter()
                .zip(&payload[width..2 * width])
                .any(|(v, m)| v & !m != 0)
        {
            return Err(OfpError::OFPBMC_BAD_WILDCARDS);
        }
        if field.is_none() && !is_cookie {
            if !strict {
                continue;
            }
            return Err(OfpError::OFPBMC_BAD_FIELD);
        }
        let can_mask = field.is_none_or(|f| f.maskable);
        let read = |b: &[u8]| b.iter().fold(0u128, |a, &x| a << 8 | u128::from(x));
        let v = read(&payload[..width]);
        let ones = if width == 16 {
            u128::MAX
        } else {
            (1u128 << (8 * width)) - 1
        };
        let m = if h.hasmask {
            read(&payload[width..])
        } else {
            ones
        };
        let Some(field) = field else {
            if d.cookie_mask != 0 {
                return Err(OfpError::OFPBMC_DUP_FIELD);
            }
            d.cookie = v as u64;
            d.cookie_mask = m as u64;
            continue;
        };
        if !can_mask && m != ones && m != 0 {
            return Err(OfpError::OFPBMC_BAD_MASK);
        }
        if !is_value_valid(field, v) {
            return Err(OfpError::OFPBMC_BAD_VALUE);
        }
        if strict && !d.m.prereqs_ok(field) {
            return Err(OfpError::OFPBMC_BAD_PREREQ);
        }
        if d.m.get(field.id).1 != 0 || is_partly_set(&d.m, field.id) {
            return Err(OfpError::OFPBMC_DUP_FIELD);
        }
        d.m.set_field(field, v, m);
        if field.prereq != field::Prereq::None {
            d.m.set_default_packet_type();
        }
    }
    Ok(d)
}

/// Fields that share storage with another: a second entry for the same bits
/// is a duplicate even if this field's own mask is still clear.
fn is_partly_set(m: &Match, id: FieldId) -> bool {
    use FieldId::*;
    match id {
        InPort | InPortOxm => m.mask.in_port != 0,
        Icmpv4Type | Icmpv6Type => m.mask.tp_src != 0,
        Icmpv4Code | Icmpv6Code => m.mask.tp_dst != 0,
        _ => false,
    }
}

/// The OpenFlow 1.1+ `ofp_match` wrapper: type 1 (OXM), length, entries,
/// padding to 8. Appends it to `out`.
pub fn encode_oxm_match(out: &mut Vec<u8>, m: &Match, version: Version) {
    let start = out.len();
    out.put_u16(1);
    out.put_u16(0);
    let n = encode(out, m, Some(version), 0, 0);
    let len = (n + 4) as u16;
    out[start + 2..start + 4].copy_from_slice(&len.to_be_bytes());
    pad8(out, start);
}

/// Pads `out` with zeros so that what follows `start` is a multiple of 8.
pub fn pad8(out: &mut Vec<u8>, start: usize) {
    while (out.len() - start) % 8 != 0 {
        out.push(0);
    }
}

/// Reads an OpenFlow 1.1+ `ofp_match` of type OXM and its padding (OVS
/// `oxm_pull_match()`).
pub fn decode_oxm_match(b: &mut &[u8]) -> Result<Match> {
    decode_oxm_match_with(b, true)
}

/// [`decode_oxm_match`], loose (OVS `oxm_pull_match_loose()`).
pub fn decode_oxm_match_loose(b: &mut &[u8]) -> Result<Match> {
    decode_oxm_match_with(b, false)
}

fn decode_oxm_match_with(b: &mut &[u8], strict: bool) -> Result<Match> {
    if b.len() < 4 {
        return Err(OfpError::OFPBMC_BAD_LEN);
    }
    let type_ = u16::from_be_bytes([b[0], b[1]]);
    let len = usize::from(u16::from_be_bytes([b[2], b[3]]));
    if type_ == 0 && len != 88 {
        // The OpenFlow 1.1 standard match has a fixed size.
        return Err(OfpError::OFPBMC_BAD_LEN);
    }
    if type_ != 1 {
        return Err(OfpError::OFPBMC_BAD_TYPE);
    }
    if len < 4 {
        return Err(OfpError::OFPBMC_BAD_LEN);
    }
    let padded = len.div_ceil(8) * 8;
    if b.len() < padded {
        return Err(OfpError::OFPBMC_BAD_LEN);
    }
    let d = decode_with(&b[4..len], false, strict)?;
    b.advance(padded);
    Ok(d.m)
}

/// The entries of an NXM/OXM match by header name and hex value (OVS
/// `nx_match_to_string()`), `<any>` for none.
pub fn match_to_string(mut p: &[u8]) -> String {
    use std::fmt::Write;
    if p.is_empty() {
        return "<any>".into();
    }
    let mut s = String::new();
    while !p.is_empty() {
        let save = p;
        let Ok(h) = EntryHeader::pull(&mut p) else {
            p = save;
            break;
        };
        if p.len() < h.payload_len() || (h.hasmask && h.payload_len() % 2 != 0) {
            p = save;
            break;
        }
        let width = h.field_len();
        if h.hasmask && !(0..width).all(|i| p[i] & !p[width + i] == 0) {
            p = save;
            break;
        }
        if !s.is_empty() {
            s.push_str(", ");
        }
        let name = crate::field::FIELDS.iter().find_map(|f| {
            f.codes
                .iter()
                .find(|c| c.class == h.class && c.field == h.field && c.vendor == h.vendor)
                .map(|c| c.name)
        });
        match name {
            Some(n) => s.push_str(n),
            None if (h.class, h.field) == NXM_NX_COOKIE => s.push_str("NXM_NX_COOKIE"),
            None => {
                let _ = write!(s, "{}:{}", h.class, h.field);
            }
        }
        if h.hasmask && (name.is_some() || (h.class, h.field) == NXM_NX_COOKIE) {
            s.push_str("_W");
        }
        s.push('(');
        let vlen = width.min(16);
        for b in &p[..vlen] {
            let _ = write!(s, "{b:02x}");
        }
        if h.hasmask {
            s.push('/');
            for b in &p[width..width + vlen] {
                let _ = write!(s, "{b:02x}");
            }
        }
        s.push(')');
        p = &p[h.payload_len()..];
    }
    if !p.is_empty() {
        if !s.is_empty() {
            s.push_str(", ");
        }
        let _ = write!(s, "<{} invalid bytes>", p.len());
    }
    s
}
