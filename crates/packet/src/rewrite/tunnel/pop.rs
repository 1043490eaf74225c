//! [`decap`]: validate and strip a tunnel's outer headers.

use std::net::{IpAddr, Ipv4Addr};

use super::{GeneveOpts, TunnelFlags, TunnelKind, TunnelMetadata};
use crate::buf::PacketBuf;
use crate::flow::ipproto;
use crate::rewrite::locate::{self, wire_err, Transport};
use crate::rewrite::{Error, Result};
use crate::wire::{
    gre, vxlan, EtherType, GeneveHeader, GreHeader, IpPair, Ipv4Packet, Ipv6Packet, UdpPacket,
    VxlanHeader,
};
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
    let g = GeneveHeader::new_checked(&frame[at..end]).map_err(wire_err("Geneve"))?;
    if g.version() != 0 {
        return Err(Error::Malformed("Geneve version"));
    }
    if g.protocol() != EtherType::TransEtherBridging {
        return Err(Error::Malformed("Geneve protocol is not Ethernet"));
    }
    md.geneve_options = GeneveOpts::new(g.options_raw())?;
    if g.oam() {
        md.flags |= TunnelFlags::OAM;
    }
    md.tun_id = u64::from(g.vni());
    md.flags |= TunnelFlags::KEY;
    Ok(at + g.header_len())
}

/// Checks a GRE header (version 0, only the checksum, key and sequence flags, as
/// OVS's `parse_gre_header`; an Ethernet payload; the checksum if present) and
/// returns where the inner frame starts. The sequence number is not checked, as in
/// OVS.
fn gre(frame: &[u8], t: &Transport, md: &mut TunnelMetadata) -> Result<usize> {
    let g = GreHeader::new_checked(&frame[t.l4..t.ip.end]).map_err(wire_err("GRE"))?;
    if g.flags() & !(gre::FLAG_C | gre::FLAG_K | gre::FLAG_S) != 0 {
        return Err(Error::Malformed("GRE flags or version"));
    }
    if g.protocol() != EtherType::TransEtherBridging {
        return Err(Error::Malformed("GRE protocol is not Ethernet"));
    }
    if !g.verify_checksum() {
        return Err(Error::BadChecksum("GRE"));
    }
    if g.checksum_present() {
        md.flags |= TunnelFlags::CSUM;
    }
    if let Some(key) = g.key() {
        md.tun_id = u64::from(key);
        md.flags |= TunnelFlags::KEY;
    }
    Ok(t.l4 + g.header_len())
}
