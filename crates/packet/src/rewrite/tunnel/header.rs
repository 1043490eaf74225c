//! [`TunnelHeader`]: outer headers built once, pushed per packet.

use std::fmt;
use std::net::IpAddr;

use super::{Encap, TunnelConfig, TunnelKind, ETH_TYPE_TEB, GENEVE_MAX_OPTS};
use crate::buf::PacketBuf;
use crate::flow::{ethertype, ipproto};
use crate::rewrite::{Error, Result};
use crate::wire::checksum::{self, IpPair};
use crate::wire::IpProtocol;
use crate::Layout;

/// Longest outer header: Ethernet, IPv6, UDP, Geneve with all its options.
const MAX_HEADER_LEN: usize = 14 + 40 + 8 + 8 + GENEVE_MAX_OPTS;

/// GRE flag bits (RFC 2784, RFC 2890).
pub(super) const GRE_CSUM: u16 = 0x8000;
pub(super) const GRE_KEY: u16 = 0x2000;
pub(super) const GRE_SEQ: u16 = 0x1000;

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
    ipv6: bool,
    /// Compute the UDP (VXLAN, Geneve) or GRE checksum per packet.
    csum: bool,
    /// Offset of the GRE sequence number, if carried.
    seq_at: Option<usize>,
    /// IPv4 header checksum of the template, whose total length is zero.
    ip_csum: u16,
}

impl TunnelHeader {
    /// Builds the outer headers for `config`.
    pub fn new(config: &TunnelConfig) -> Result<Self> {
        let mut h = TunnelHeader {
            bytes: [0; MAX_HEADER_LEN],
            len: 0,
            kind: TunnelKind::Vxlan,
            l4: 0,
            ipv6: false,
            csum: false,
            seq_at: None,
            ip_csum: 0,
        };
        let proto = match config.encap {
            Encap::Gre { .. } => ipproto::GRE,
            _ => ipproto::UDP,
        };
        let b = &mut h.bytes;
        b[0..6].copy_from_slice(&config.eth_dst.0);
        b[6..12].copy_from_slice(&config.eth_src.0);
        match (config.ip_src, config.ip_dst) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => {
                b[12..14].copy_from_slice(&ethertype::IPV4.to_be_bytes());
                let ip = &mut b[14..34];
                ip[0] = 0x45;
                ip[1] = config.tos;
                // Total length (2..4) and identification (4..6) stay zero here.
                if config.dont_fragment {
                    ip[6] = 0x40;
                }
                ip[8] = config.ttl;
                ip[9] = proto;
                ip[12..16].copy_from_slice(&src.octets());
                ip[16..20].copy_from_slice(&dst.octets());
                h.ip_csum = checksum::checksum(ip);
                ip[10..12].copy_from_slice(&h.ip_csum.to_be_bytes());
                h.l4 = 34;
            }
            (IpAddr::V6(src), IpAddr::V6(dst)) => {
                b[12..14].copy_from_slice(&ethertype::IPV6.to_be_bytes());
                let ip = &mut b[14..54];
                let word = 6 << 28 | u32::from(config.tos) << 20;
                ip[0..4].copy_from_slice(&word.to_be_bytes());
                ip[6] = proto;
                ip[7] = config.ttl;
                ip[8..24].copy_from_slice(&src.octets());
                ip[24..40].copy_from_slice(&dst.octets());
                h.l4 = 54;
                h.ipv6 = true;
            }
            _ => {
                return Err(Error::InvalidArgument(
                    "tunnel source and destination differ in IP version",
                ))
            }
        }
        let l4 = h.l4;
        h.len = match config.encap {
            Encap::Vxlan {
                vni,
                udp_dst,
                udp_csum,
            } => {
                h.kind = TunnelKind::Vxlan;
                h.csum = udp_csum;
                b[l4 + 2..l4 + 4].copy_from_slice(&udp_dst.to_be_bytes());
                b[l4 + 8] = 0x08;
                b[l4 + 12..l4 + 16].copy_from_slice(&(vni_checked(vni)? << 8).to_be_bytes());
                l4 + 16
            }
            Encap::Geneve {
                vni,
                udp_dst,
                udp_csum,
                oam,
                options,
            } => {
                h.kind = TunnelKind::Geneve;
                h.csum = udp_csum;
                let opts = options.as_bytes();
                b[l4 + 2..l4 + 4].copy_from_slice(&udp_dst.to_be_bytes());
                let g = l4 + 8;
                b[g] = (opts.len() / 4) as u8;
                b[g + 1] = u8::from(oam) << 7 | u8::from(options.any_critical()) << 6;
                b[g + 2..g + 4].copy_from_slice(&ETH_TYPE_TEB.to_be_bytes());
                b[g + 4..g + 8].copy_from_slice(&(vni_checked(vni)? << 8).to_be_bytes());
                b[g + 8..g + 8 + opts.len()].copy_from_slice(opts);
                g + 8 + opts.len()
            }
            Encap::Gre { key, csum, seq } => {
                h.kind = TunnelKind::Gre;
                h.csum = csum;
                let mut flags = 0;
                let mut at = l4 + 4;
                if csum {
                    flags |= GRE_CSUM;
                    at += 4;
                }
                if let Some(key) = key {
                    flags |= GRE_KEY;
                    b[at..at + 4].copy_from_slice(&key.to_be_bytes());
                    at += 4;
                }
                if seq {
                    flags |= GRE_SEQ;
                    h.seq_at = Some(at);
                    at += 4;
                }
                b[l4..l4 + 2].copy_from_slice(&flags.to_be_bytes());
                b[l4 + 2..l4 + 4].copy_from_slice(&ETH_TYPE_TEB.to_be_bytes());
                at
            }
        };
        Ok(h)
    }

    /// The tunnel protocol.
    pub fn kind(&self) -> TunnelKind {
        self.kind
    }

    /// The template's bytes (lengths and per-packet fields zero), as OVS shows them
    /// in `tnl_push(header(...))`.
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
        let total = buf.len() + self.len;
        let ip_len = total - 14;
        if ip_len > usize::from(u16::MAX) + if self.ipv6 { 40 } else { 0 } {
            return Err(Error::TooLong(total));
        }
        buf.push_front(self.len).copy_from_slice(self.as_bytes());
        let data = buf.data_mut();
        if self.ipv6 {
            data[18..20].copy_from_slice(&((ip_len - 40) as u16).to_be_bytes());
        } else {
            let tot = ip_len as u16;
            data[16..18].copy_from_slice(&tot.to_be_bytes());
            let csum = checksum::update16(self.ip_csum, 0, tot);
            data[24..26].copy_from_slice(&csum.to_be_bytes());
        }
        let l4 = self.l4;
        match self.kind {
            TunnelKind::Vxlan | TunnelKind::Geneve => {
                let udp_len = (total - l4) as u16;
                data[l4..l4 + 2].copy_from_slice(&args.udp_src.to_be_bytes());
                data[l4 + 4..l4 + 6].copy_from_slice(&udp_len.to_be_bytes());
                if self.csum {
                    let csum = !checksum::combine(&[
                        self.ip_pair(data)
                            .pseudo_header(IpProtocol::Udp, total - l4),
                        checksum::sum(&data[l4..]),
                    ]);
                    let csum = if csum == 0 { 0xffff } else { csum };
                    data[l4 + 6..l4 + 8].copy_from_slice(&csum.to_be_bytes());
                }
            }
            TunnelKind::Gre => {
                if let Some(at) = self.seq_at {
                    data[at..at + 4].copy_from_slice(&args.gre_seq.to_be_bytes());
                }
                if self.csum {
                    let csum = checksum::checksum(&data[l4..]);
                    data[l4 + 4..l4 + 6].copy_from_slice(&csum.to_be_bytes());
                }
            }
        }
        Ok(Layout {
            l2_5: None,
            l3: Some(14),
            l4: Some(l4 as u16),
        })
    }

    /// The outer addresses, read back from the pushed header.
    fn ip_pair(&self, data: &[u8]) -> IpPair {
        if self.ipv6 {
            let src: [u8; 16] = data[22..38].try_into().unwrap_or_default();
            let dst: [u8; 16] = data[38..54].try_into().unwrap_or_default();
            IpPair::V6(src.into(), dst.into())
        } else {
            let src: [u8; 4] = data[26..30].try_into().unwrap_or_default();
            let dst: [u8; 4] = data[30..34].try_into().unwrap_or_default();
            IpPair::V4(src.into(), dst.into())
        }
    }
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
