//! [`decap`]: validate and strip a tunnel's outer headers.

use std::net::{IpAddr, Ipv4Addr};

use super::header::{GRE_CSUM, GRE_KEY, GRE_SEQ};
use super::{GeneveOpts, TunnelFlags, TunnelKind, TunnelMetadata, ETH_TYPE_TEB};
use crate::buf::PacketBuf;
use crate::flow::ipproto;
use crate::rewrite::locate::{self, get16, wire_err, Transport};
use crate::rewrite::{Error, Result};
use crate::wire::{checksum, vxlan, IpPair, Ipv4Packet, Ipv6Packet, UdpPacket, VxlanHeader};
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
    let ip = &frame[t.ip.l3..t.ip.end];
    if t.ip.v6 {
        let ip = Ipv6Packet::new_checked(ip).map_err(wire_err("IPv6"))?;
        md.tos = ip.traffic_class();
        md.ttl = ip.hop_limit();
        md.ip_src = IpAddr::V6(ip.src_addr());
        md.ip_dst = IpAddr::V6(ip.dst_addr());
    } else {
        let ip = Ipv4Packet::new_checked(ip).map_err(wire_err("IPv4"))?;
        if !ip.verify_checksum() {
            return Err(Error::BadChecksum("IPv4 header"));
        }
        if ip.is_fragment() {
            return Err(Error::Malformed("IPv4 fragment in a tunnel"));
        }
        if ip.dont_frag() {
            md.flags |= TunnelFlags::DONT_FRAGMENT;
        }
        md.tos = ip.tos();
        md.ttl = ip.ttl();
        md.ip_src = IpAddr::V4(ip.src_addr());
        md.ip_dst = IpAddr::V4(ip.dst_addr());
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
/// the tunnel header after it. A zero checksum is accepted over IPv6 too, as
/// RFC 6935 allows for tunnels and OVS does.
fn udp(frame: &[u8], t: &Transport, md: &mut TunnelMetadata) -> Result<usize> {
    let udp = UdpPacket::new_checked(&frame[t.l4..t.ip.end]).map_err(wire_err("UDP"))?;
    if usize::from(udp.len()) != t.len() {
        return Err(Error::Malformed("UDP length"));
    }
    md.tp_src = udp.src_port();
    md.tp_dst = udp.dst_port();
    if udp.checksum() != 0 {
        let ips = match (md.ip_src, md.ip_dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => IpPair::V4(s, d),
            (IpAddr::V6(s), IpAddr::V6(d)) => IpPair::V6(s, d),
            _ => return Err(Error::Malformed("outer IP addresses")),
        };
        if !udp.verify_checksum(&ips) {
            return Err(Error::BadChecksum("UDP"));
        }
        md.flags |= TunnelFlags::CSUM;
    }
    Ok(t.l4 + UdpPacket::<&[u8]>::HEADER_LEN)
}

/// Checks a VXLAN header at `at` (RFC 7348: the I flag and nothing else, the
/// reserved byte after the VNI zero, as OVS) and returns where the inner frame starts.
fn vxlan(frame: &[u8], at: usize, md: &mut TunnelMetadata) -> Result<usize> {
    let vx =
        VxlanHeader::new_checked(frame.get(at..).unwrap_or_default()).map_err(wire_err("VXLAN"))?;
    if vx.flags() != vxlan::FLAG_I || vx.reserved1() != 0 || vx.reserved2() != 0 {
        return Err(Error::Malformed("VXLAN flags"));
    }
    md.tun_id = u64::from(vx.vni());
    md.flags |= TunnelFlags::KEY;
    Ok(at + VxlanHeader::<&[u8]>::HEADER_LEN)
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
