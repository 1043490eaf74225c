//! Setting transport fields: ports, ICMP type and code, neighbor discovery.

use std::net::Ipv6Addr;

use super::csum;
use super::field::Masked;
use super::locate::{self, get16, Transport};
use super::{Error, Result};
use crate::flow::ipproto;
use crate::wire::checksum;
use crate::{EthAddr, Layout};

/// The transport protocols with settable fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Proto {
    Tcp,
    Udp,
    Sctp,
    Icmpv4,
    Icmpv6,
}

impl Proto {
    fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "TCP",
            Proto::Udp => "UDP",
            Proto::Sctp => "SCTP",
            Proto::Icmpv4 => "ICMPv4",
            Proto::Icmpv6 => "ICMPv6",
        }
    }

    /// Whether a packet with IP protocol `proto` (over IPv6 if `v6`) is this one.
    fn is(self, proto: u8, v6: bool) -> bool {
        match self {
            Proto::Tcp => proto == ipproto::TCP,
            Proto::Udp => proto == ipproto::UDP,
            Proto::Sctp => proto == ipproto::SCTP,
            Proto::Icmpv4 => proto == ipproto::ICMP && !v6,
            Proto::Icmpv6 => proto == ipproto::ICMPV6 && v6,
        }
    }

    /// The shortest header whose fields we touch.
    fn min_len(self) -> usize {
        match self {
            Proto::Tcp => 20,
            Proto::Udp => 8,
            Proto::Sctp => 12,
            Proto::Icmpv4 | Proto::Icmpv6 => 4,
        }
    }
}

/// Locates the transport header of protocol `p`, whole.
fn find(frame: &[u8], layout: &Layout, p: Proto) -> Result<Transport> {
    let t = locate::transport(frame, layout)?;
    if !p.is(t.proto, t.ip.v6) || t.later_fragment {
        return Err(Error::NotPresent(p.name()));
    }
    if t.len() < p.min_len() {
        return Err(Error::Truncated(p.name()));
    }
    Ok(t)
}

/// Source (`at` 0) or destination (`at` 2) port of TCP, UDP or SCTP.
pub(super) fn set_port(
    frame: &mut [u8],
    layout: &Layout,
    p: Proto,
    at: usize,
    m: Masked<u16>,
) -> Result<()> {
    let t = find(frame, layout, p)?;
    let at = t.l4 + at;
    let old = get16(frame, at).ok_or(Error::Truncated(p.name()))?;
    let new = m.apply(old);
    if old == new {
        return Ok(());
    }
    if p == Proto::Sctp {
        return csum::sctp_rewrite(frame, &t, |sctp| {
            sctp[at - t.l4..at - t.l4 + 2].copy_from_slice(&new.to_be_bytes());
        });
    }
    frame[at..at + 2].copy_from_slice(&new.to_be_bytes());
    let (csum_at, udp) = if p == Proto::Tcp {
        (16, false)
    } else {
        (6, true)
    };
    csum::update_at(frame, t.l4 + csum_at, udp, |c| {
        checksum::update16(c, old, new)
    });
    Ok(())
}

/// Type (`at` 0) or code (`at` 1) of ICMPv4 or ICMPv6.
pub(super) fn set_icmp(
    frame: &mut [u8],
    layout: &Layout,
    p: Proto,
    at: usize,
    m: Masked<u8>,
) -> Result<()> {
    let t = find(frame, layout, p)?;
    let old = get16(frame, t.l4).ok_or(Error::Truncated(p.name()))?;
    frame[t.l4 + at] = m.apply(frame[t.l4 + at]);
    let new = get16(frame, t.l4).ok_or(Error::Truncated(p.name()))?;
    csum::update_at(frame, t.l4 + 2, false, |c| checksum::update16(c, old, new));
    Ok(())
}

/// ICMPv6 type of a neighbor solicitation and advertisement.
const ND_NS: u8 = 135;
const ND_NA: u8 = 136;

/// Locates a neighbor solicitation or advertisement (ICMPv6 header, reserved word
/// and target: 24 bytes).
fn find_nd(frame: &[u8], layout: &Layout) -> Result<Transport> {
    let t = find(frame, layout, Proto::Icmpv6)?;
    if !matches!(frame[t.l4], ND_NS | ND_NA) {
        return Err(Error::NotPresent("neighbor discovery"));
    }
    if t.len() < 24 {
        return Err(Error::Truncated("neighbor discovery"));
    }
    Ok(t)
}

/// Target address of a neighbor solicitation or advertisement.
pub(super) fn set_nd_target(frame: &mut [u8], layout: &Layout, m: Masked<Ipv6Addr>) -> Result<()> {
    let t = find_nd(frame, layout)?;
    let field = &mut frame[t.l4 + 8..t.l4 + 24];
    let mut old = [0; 16];
    old.copy_from_slice(field);
    let new = m.apply(Ipv6Addr::from(old)).octets();
    field.copy_from_slice(&new);
    csum::update_at(frame, t.l4 + 2, false, |c| {
        checksum::update_bytes(c, &old, &new)
    });
    Ok(())
}

/// Link-layer address option (`kind` 1: source, 2: target) of a neighbor
/// solicitation or advertisement. Like OVS's `packet_set_nd`, only the first such
/// option of length 1 is rewritten, and a message without one is left alone.
pub(super) fn set_nd_lla(
    frame: &mut [u8],
    layout: &Layout,
    kind: u8,
    m: Masked<EthAddr>,
) -> Result<()> {
    let t = find_nd(frame, layout)?;
    let mut at = t.l4 + 24;
    while at + 8 <= t.ip.end {
        let (ty, len) = (frame[at], frame[at + 1]);
        if len == 0 {
            break;
        }
        if ty == kind && len == 1 {
            let field = &mut frame[at + 2..at + 8];
            let mut old = [0; 6];
            old.copy_from_slice(field);
            let new = m.apply(EthAddr(old)).0;
            field.copy_from_slice(&new);
            csum::update_at(frame, t.l4 + 2, false, |c| {
                checksum::update_bytes(c, &old, &new)
            });
            break;
        }
        at += usize::from(len) * 8;
    }
    Ok(())
}
