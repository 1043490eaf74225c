//! [`TunnelHeader`]: outer headers built once, pushed per packet.

use std::fmt;
use std::net::IpAddr;

use super::{Encap, TunnelConfig, TunnelKind, GENEVE_MAX_OPTS};
use crate::buf::PacketBuf;
use crate::rewrite::{Error, Result};
use crate::wire::{
    checksum, EtherType, EthernetFrame, EthernetRepr, GeneveHeader, GeneveRepr, GreHeader, GreRepr,
    IpPair, IpProtocol, Ipv4Packet, Ipv4Repr, Ipv6Packet, Ipv6Repr, UdpPacket, UdpRepr,
    VxlanHeader, VxlanRepr,
};
use crate::Layout;

/// Longest outer header: Ethernet, IPv6, UDP, Geneve with all its options.
const MAX_HEADER_LEN: usize = 14 + 40 + 8 + 8 + GENEVE_MAX_OPTS;

/// The lowest and one past the highest UDP source port [`udp_src_port`] picks from,
/// OVS's default `tnl_udp_port_min` and `tnl_udp_port_max`.
const UDP_SRC_MIN: u32 = 32768;
const UDP_SRC_MAX: u32 = 61000;

/// A UDP source port for a packet with flow hash `hash`, spread over
/// 32768..61000 as OVS's `netdev_tnl_get_src_port` does, so that the underlay's
/// ECMP and RSS see the inner flows.
pub fn udp_src_port(hash: u32) -> u16 {
    let span = u64::from(UDP_SRC_MAX - UDP_SRC_MIN);
    (((u64::from(hash) * span) >> 32) as u32 + UDP_SRC_MIN) as u16
}

/// What [`TunnelHeader::push`] fills in per packet besides lengths and checksums.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushArgs {
    /// Outer UDP source port (VXLAN, Geneve), usually [`udp_src_port`] of the
    /// packet's hash.
    pub udp_src: u16,
    /// GRE sequence number, for tunnels configured with `seq`.
    pub gre_seq: u32,
}

/// The outer headers of a tunnel, built once from a [`TunnelConfig`] and pushed in
/// front of each packet with [`TunnelHeader::push`].
#[derive(Clone)]
pub struct TunnelHeader {
    bytes: [u8; MAX_HEADER_LEN],
    len: usize,
    kind: TunnelKind,
    /// Offset of the UDP or GRE header.
    l4: usize,
    /// The outer addresses, for the UDP pseudo-header.
    ips: IpPair,
    /// Compute the UDP (VXLAN, Geneve) or GRE checksum per packet.
    csum: bool,
    /// Fill in the GRE sequence number per packet.
    seq: bool,
}

impl TunnelHeader {
    /// Builds the outer headers for `config`.
    pub fn new(config: &TunnelConfig) -> Result<Self> {
        let (kind, proto, csum, tnl_len) = match config.encap {
            Encap::Vxlan { udp_csum, .. } => (TunnelKind::Vxlan, IpProtocol::Udp, udp_csum, 16),
            Encap::Geneve {
                udp_csum, options, ..
            } => {
                let len = 16 + options.as_bytes().len();
                (TunnelKind::Geneve, IpProtocol::Udp, udp_csum, len)
            }
            Encap::Gre { key, csum, seq } => {
                let len =
                    4 * (1 + usize::from(csum) + usize::from(key.is_some()) + usize::from(seq));
                (TunnelKind::Gre, IpProtocol::Gre, csum, len)
            }
        };
        let mut b = [0; MAX_HEADER_LEN];
        let (ethertype, ips, l4) = match (config.ip_src, config.ip_dst) {
            (IpAddr::V4(src_addr), IpAddr::V4(dst_addr)) => {
                let repr = Ipv4Repr {
                    src_addr,
                    dst_addr,
                    protocol: proto,
                    payload_len: tnl_len,
                    ttl: config.ttl,
                    dscp: config.tos >> 2,
                    ecn: config.tos & 3,
                    ident: 0,
                    dont_frag: config.dont_fragment,
                    more_frags: false,
                    frag_offset: 0,
                };
                repr.emit(&mut Ipv4Packet::new_unchecked(&mut b[14..34]));
                (EtherType::Ipv4, IpPair::V4(src_addr, dst_addr), 34)
            }
            (IpAddr::V6(src_addr), IpAddr::V6(dst_addr)) => {
                let repr = Ipv6Repr {
                    src_addr,
                    dst_addr,
                    next_header: proto,
                    payload_len: tnl_len,
                    hop_limit: config.ttl,
                    traffic_class: config.tos,
                    flow_label: 0,
                };
                repr.emit(&mut Ipv6Packet::new_unchecked(&mut b[14..54]));
                (EtherType::Ipv6, IpPair::V6(src_addr, dst_addr), 54)
            }
            _ => {
                return Err(Error::InvalidArgument(
                    "tunnel source and destination differ in IP version",
                ))
            }
        };
        EthernetRepr {
            src_addr: config.eth_src,
            dst_addr: config.eth_dst,
            ethertype,
        }
        .emit(&mut EthernetFrame::new_unchecked(&mut b[..14]));
        let mut h = TunnelHeader {
            len: l4 + tnl_len,
            kind,
            l4,
            ips,
            csum,
            seq: false,
            bytes: b,
        };
        h.emit_tunnel(config)?;
        Ok(h)
    }

    /// Writes the UDP and tunnel headers after the IP header.
    fn emit_tunnel(&mut self, config: &TunnelConfig) -> Result<()> {
        let l4 = self.l4;
        let b = &mut self.bytes[..self.len];
        match config.encap {
            Encap::Vxlan { vni, udp_dst, .. } => {
                emit_udp(&mut b[l4..], udp_dst);
                VxlanRepr::new(vni_checked(vni)?)
                    .emit(&mut VxlanHeader::new_unchecked(&mut b[l4 + 8..]));
            }
            Encap::Geneve {
                vni,
                udp_dst,
                oam,
                options,
                ..
            } => {
                emit_udp(&mut b[l4..], udp_dst);
                GeneveRepr {
                    oam,
                    critical: options.any_critical(),
                    protocol: EtherType::TransEtherBridging,
                    vni: vni_checked(vni)?,
                    options: options.as_bytes(),
                }
                .emit(&mut GeneveHeader::new_unchecked(&mut b[l4 + 8..]));
            }
            Encap::Gre { key, csum, seq } => {
                self.seq = seq;
                GreRepr {
                    protocol: EtherType::TransEtherBridging,
                    checksum: csum,
                    key,
                    sequence: seq.then_some(0),
                }
                .emit(&mut GreHeader::new_unchecked(&mut b[l4..]));
            }
        }
        Ok(())
    }

    /// The tunnel protocol.
    pub fn kind(&self) -> TunnelKind {
        self.kind
    }

    /// The template's bytes (with the lengths of an empty payload, per-packet fields
    /// zero), as OVS shows them in `tnl_push(header(...))`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Encapsulates the Ethernet frame in `buf`: pushes the outer headers and fills in
    /// the lengths, the IPv4 header checksum, `args` and any UDP or GRE checksum.
    /// Returns the layout of the outer frame.
    ///
    /// Copies only the header unless `buf` lacks headroom (see
    /// [`PacketBuf::push_front`]); a checksum, when configured, reads the whole
    /// packet. [`Error::TooLong`] (and `buf` unchanged) if the result would not fit
    /// the IP length field.
    pub fn push(&self, buf: &mut PacketBuf, args: PushArgs) -> Result<Layout> {
        let inner = buf.len();
        let total = inner + self.len;
        // IPv4's total length covers its header; IPv6's payload length does not.
        let max_ip_len = usize::from(u16::MAX) + if self.is_ipv6() { 40 } else { 0 };
        if total - 14 > max_ip_len {
            return Err(Error::TooLong(total));
        }
        buf.push_front(self.len).copy_from_slice(self.as_bytes());
        let data = buf.data_mut();
        let l4 = self.l4;
        // The lengths grow by the inner frame's length over the template's.
        let grow = |len: u16| len + inner as u16;
        if self.is_ipv6() {
            let mut ip = Ipv6Packet::new_unchecked(&mut data[14..l4]);
            ip.set_payload_len(grow(ip.payload_len()));
        } else {
            let mut ip = Ipv4Packet::new_unchecked(&mut data[14..l4]);
            // The template's checksum, updated for the new length (RFC 1624).
            let (old, new) = (ip.total_len(), grow(ip.total_len()));
            ip.set_total_len(new);
            ip.set_checksum(checksum::update16(ip.checksum(), old, new));
        }
        match self.kind {
            TunnelKind::Vxlan | TunnelKind::Geneve => {
                let mut udp = UdpPacket::new_unchecked(&mut data[l4..]);
                udp.set_src_port(args.udp_src);
                udp.set_len(grow(udp.len()));
                if self.csum {
                    udp.fill_checksum(&self.ips);
                }
            }
            TunnelKind::Gre => {
                let mut gre = GreHeader::new_unchecked(&mut data[l4..]);
                if self.seq {
                    gre.set_sequence(args.gre_seq);
                }
                gre.fill_checksum();
            }
        }
        Ok(Layout {
            l2_5: None,
            l3: Some(14),
            l4: Some(l4 as u16),
        })
    }

    fn is_ipv6(&self) -> bool {
        matches!(self.ips, IpPair::V6(..))
    }
}

/// Writes a UDP header to `dst_port` with the template's length and no checksum.
fn emit_udp(b: &mut [u8], dst_port: u16) {
    let payload_len = b.len() - 8;
    UdpRepr {
        src_port: 0,
        dst_port,
        payload_len,
    }
    .emit(&mut UdpPacket::new_unchecked(b));
}

/// `vni` if it fits 24 bits.
fn vni_checked(vni: u32) -> Result<u32> {
    if vni >> 24 != 0 {
        return Err(Error::InvalidArgument("VNI wider than 24 bits"));
    }
    Ok(vni)
}

impl fmt::Debug for TunnelHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TunnelHeader")
            .field("kind", &self.kind)
            .field("bytes", &self.as_bytes())
            .finish_non_exhaustive()
    }
}
