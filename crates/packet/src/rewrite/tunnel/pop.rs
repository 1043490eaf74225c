//! [`decap`]: validate and strip a tunnel's outer headers.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::header::{GRE_CSUM, GRE_KEY, GRE_SEQ};
use super::{GeneveOpts, TunnelFlags, TunnelKind, TunnelMetadata, ETH_TYPE_TEB};
use crate::buf::PacketBuf;
use crate::flow::ipproto;
use crate::rewrite::locate::{self, get16, Transport};
use crate::rewrite::{Error, Result};
use crate::wire::checksum::{self, IpPair};
use crate::wire::IpProtocol;
use crate::Layout;

/// Validates the outer headers of the `kind` tunnel packet in `buf` (whose outer
/// layers are at `layout`), strips them, and returns what they said; `buf` then holds
/// the inner Ethernet frame, without any padding the outer frame had.
///
/// The caller picks `kind` from the port the packet matched (UDP destination port or
/// GRE), as OVS's `tnl_pop` is per tunnel port, so the UDP port is not checked here.
/// On error `buf` is unchanged; OVS drops such packets.
pub fn decap(buf: &mut PacketBuf, layout: &Layout, kind: TunnelKind) -> Result<TunnelMetadata> {
    let frame = buf.data();
    let t = locate::transport(frame, layout)?;
    let mut md = outer_ip(frame, &t)?;
    let inner = match kind {
        TunnelKind::Vxlan | TunnelKind::Geneve => {
            if t.proto != ipproto::UDP {
                return Err(Error::NotPresent("UDP"));
            }
            let tnl = udp(frame, &t, &mut md)?;
            if kind == TunnelKind::Vxlan {
                vxlan(frame, tnl, &mut md)?
            } else {
                geneve(frame, tnl, t.ip.end, &mut md)?
            }
        }
        TunnelKind::Gre => {
            if t.proto != ipproto::GRE {
                return Err(Error::NotPresent("GRE"));
            }
            gre(frame, &t, &mut md)?
        }
    };
    if inner + 14 > t.ip.end {
        return Err(Error::Truncated("inner Ethernet"));
    }
    buf.truncate(t.ip.end);
    buf.pull_front(inner);
    Ok(md)
}

/// Checks the outer IP header and reads its part of the metadata.
fn outer_ip(frame: &[u8], t: &Transport) -> Result<TunnelMetadata> {
    let l3 = t.ip.l3;
    let mut md = TunnelMetadata {
        tun_id: 0,
        ip_src: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        ip_dst: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        tos: 0,
        ttl: 0,
        tp_src: 0,
        tp_dst: 0,
        flags: TunnelFlags::default(),
        geneve_options: GeneveOpts::EMPTY,
    };
    if t.ip.v6 {
        let word = u32::from_be_bytes(array(frame, l3));
        md.tos = (word >> 20) as u8;
        md.ttl = frame[l3 + 7];
        md.ip_src = IpAddr::V6(Ipv6Addr::from(array::<16>(frame, l3 + 8)));
        md.ip_dst = IpAddr::V6(Ipv6Addr::from(array::<16>(frame, l3 + 24)));
    } else {
        if checksum::sum(&frame[l3..t.l4]) != 0xffff {
            return Err(Error::BadChecksum("IPv4 header"));
        }
        let frag = get16(frame, l3 + 6).unwrap_or(0);
        if frag & 0x3fff != 0 {
            return Err(Error::Malformed("IPv4 fragment in a tunnel"));
        }
        if frag & 0x4000 != 0 {
            md.flags |= TunnelFlags::DONT_FRAGMENT;
        }
        md.tos = frame[l3 + 1];
        md.ttl = frame[l3 + 8];
        md.ip_src = IpAddr::V4(Ipv4Addr::from(array::<4>(frame, l3 + 12)));
        md.ip_dst = IpAddr::V4(Ipv4Addr::from(array::<4>(frame, l3 + 16)));
    }
    if t.later_fragment {
        return Err(Error::Malformed("fragment in a tunnel"));
    }
    Ok(md)
}

/// Copies `N` bytes at `at`, which the caller has bounds-checked.
fn array<const N: usize>(frame: &[u8], at: usize) -> [u8; N] {
    frame
        .get(at..at + N)
        .and_then(|s| s.try_into().ok())
        .unwrap_or([0; N])
}

/// Checks the UDP header (length, checksum if nonzero) and returns the offset of
/// the tunnel header after it.
fn udp(frame: &[u8], t: &Transport, md: &mut TunnelMetadata) -> Result<usize> {
    let l4 = t.l4;
    if t.len() < 8 {
        return Err(Error::Truncated("UDP"));
    }
    if usize::from(get16(frame, l4 + 4).unwrap_or(0)) != t.len() {
        return Err(Error::Malformed("UDP length"));
    }
    md.tp_src = get16(frame, l4).unwrap_or(0);
    md.tp_dst = get16(frame, l4 + 2).unwrap_or(0);
    if get16(frame, l4 + 6).unwrap_or(0) != 0 {
        let ips = match (md.ip_src, md.ip_dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => IpPair::V4(s, d),
            (IpAddr::V6(s), IpAddr::V6(d)) => IpPair::V6(s, d),
            _ => return Err(Error::Malformed("outer IP addresses")),
        };
        let sum = checksum::combine(&[
            ips.pseudo_header(IpProtocol::Udp, t.len()),
            checksum::sum(&frame[l4..t.ip.end]),
        ]);
        if sum != 0xffff {
            return Err(Error::BadChecksum("UDP"));
        }
        md.flags |= TunnelFlags::CSUM;
    }
    Ok(l4 + 8)
}

/// Checks a VXLAN header at `at` (RFC 7348: the I flag and nothing else, the
/// reserved byte after the VNI zero, as OVS) and returns where the inner frame starts.
fn vxlan(frame: &[u8], at: usize, md: &mut TunnelMetadata) -> Result<usize> {
    let hdr = frame.get(at..at + 8).ok_or(Error::Truncated("VXLAN"))?;
    if hdr[0..4] != [0x08, 0, 0, 0] || hdr[7] != 0 {
        return Err(Error::Malformed("VXLAN flags"));
    }
    md.tun_id = u64::from(u32::from_be_bytes([0, hdr[4], hdr[5], hdr[6]]));
    md.flags |= TunnelFlags::KEY;
    Ok(at + 8)
}

/// Checks a Geneve header at `at` (version 0, Ethernet payload, options within the
/// packet and well formed) and returns where the inner frame starts.
fn geneve(frame: &[u8], at: usize, end: usize, md: &mut TunnelMetadata) -> Result<usize> {
    let hdr = frame.get(at..at + 8).ok_or(Error::Truncated("Geneve"))?;
    if hdr[0] >> 6 != 0 {
        return Err(Error::Malformed("Geneve version"));
    }
    if u16::from_be_bytes([hdr[2], hdr[3]]) != ETH_TYPE_TEB {
        return Err(Error::Malformed("Geneve protocol is not Ethernet"));
    }
    let opts_end = at + 8 + usize::from(hdr[0] & 0x3f) * 4;
    if opts_end > end {
        return Err(Error::Truncated("Geneve options"));
    }
    md.geneve_options = GeneveOpts::new(&frame[at + 8..opts_end])?;
    if hdr[1] & 0x80 != 0 {
        md.flags |= TunnelFlags::OAM;
    }
    md.tun_id = u64::from(u32::from_be_bytes([0, hdr[4], hdr[5], hdr[6]]));
    md.flags |= TunnelFlags::KEY;
    Ok(opts_end)
}

/// Checks a GRE header (version 0, only the checksum, key and sequence flags, as
/// OVS's `parse_gre_header`; an Ethernet payload; the checksum if present) and
/// returns where the inner frame starts.
fn gre(frame: &[u8], t: &Transport, md: &mut TunnelMetadata) -> Result<usize> {
    let l4 = t.l4;
    let flags = get16(frame, l4).ok_or(Error::Truncated("GRE"))?;
    if flags & !(GRE_CSUM | GRE_KEY | GRE_SEQ) != 0 {
        return Err(Error::Malformed("GRE flags or version"));
    }
    if get16(frame, l4 + 2) != Some(ETH_TYPE_TEB) {
        return Err(Error::Malformed("GRE protocol is not Ethernet"));
    }
    let mut at = l4 + 4;
    if flags & GRE_CSUM != 0 {
        if t.ip.end < at + 4 {
            return Err(Error::Truncated("GRE"));
        }
        if checksum::sum(&frame[l4..t.ip.end]) != 0xffff {
            return Err(Error::BadChecksum("GRE"));
        }
        md.flags |= TunnelFlags::CSUM;
        at += 4;
    }
    if flags & GRE_KEY != 0 {
        if t.ip.end < at + 4 {
            return Err(Error::Truncated("GRE"));
        }
        md.tun_id = u64::from(u32::from_be_bytes(array(frame, at)));
        md.flags |= TunnelFlags::KEY;
        at += 4;
    }
    if flags & GRE_SEQ != 0 {
        at += 4;
    }
    Ok(at)
}
