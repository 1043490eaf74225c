//! Matches: a [`Flow`] of values and a [`Flow`] of masks (OVS `struct
//! match`), their prerequisites and their wire forms.
//!
//! - [`of10`]: OpenFlow 1.0's fixed `ofp_match`;
//! - [`nxm`]: NXM (OpenFlow 1.0 Nicira extension) and OXM (1.2+), one TLV
//!   codec for both.

pub mod nxm;
pub mod of10;

use std::fmt;

use rvs_packet::{ct_state, ethertype, ipproto, Flow, MatchDisplay, VLAN_CFI, VLAN_PCP_MASK};

use crate::field::{access, Field, FieldId, Prereq};
use crate::version::Protocols;

/// The default flow priority (`OFP_DEFAULT_PRIORITY`).
pub const DEFAULT_PRIORITY: u16 = 0x8000;

/// A flow match: `flow` holds the values (already masked), `mask` which
/// bits matter.
#[derive(Clone, Copy, Debug, Default)]
pub struct Match {
    /// Values.
    pub flow: Flow,
    /// Masks.
    pub mask: Flow,
}

impl PartialEq for Match {
    fn eq(&self, o: &Match) -> bool {
        self.flow.words() == o.flow.words() && self.mask.words() == o.mask.words()
    }
}

impl Eq for Match {}

impl Match {
    /// The match that matches everything.
    pub fn catchall() -> Match {
        Match::default()
    }

    /// The value and mask of field `id`.
    pub fn get(&self, id: FieldId) -> (u128, u128) {
        (access::get(&self.flow, id), access::get(&self.mask, id))
    }

    /// Matches `dl_type` exactly.
    pub fn set_dl_type(&mut self, t: u16) {
        self.flow.dl_type = t;
        self.mask.dl_type = u16::MAX;
    }

    /// Matches `nw_proto` exactly.
    pub fn set_nw_proto(&mut self, p: u8) {
        self.flow.nw_proto = p;
        self.mask.nw_proto = u8::MAX;
    }

    /// Matches Ethernet packets (`packet_type=(0,0)`), OVS
    /// `match_set_default_packet_type()`.
    pub fn set_default_packet_type(&mut self) {
        self.flow.packet_type = 0;
        self.mask.packet_type = u32::MAX;
    }

    /// True if the match says "Ethernet" and nothing more about the type.
    pub fn has_default_packet_type(&self) -> bool {
        self.flow.packet_type == 0 && self.mask.packet_type == u32::MAX
    }

    /// Adds `value/mask` for field `id` the way OVS's `mf_set()` does and
    /// returns the protocols that can express it.
    pub fn set_field(&mut self, field: &Field, value: u128, mask: u128) -> Protocols {
        let n = usize::from(field.n_bytes);
        let ones = if n == 16 {
            u128::MAX
        } else {
            (1u128 << (8 * n)) - 1
        };
        let mask = mask & ones;
        if mask == ones {
            self.set_exact(field.id, value);
            return field.usable_exact();
        }
        if mask == 0 {
            self.set_wild(field.id);
            return Protocols::ANY;
        }
        if !field.maskable {
            return Protocols::NONE;
        }
        self.set_masked(field.id, value, mask);
        let cidr = mask as u32;
        let is_cidr = n == 4 && cidr.leading_ones() + cidr.trailing_zeros() == 32;
        if field.usable_bitwise() == field.usable_cidr() || is_cidr {
            field.usable_cidr()
        } else {
            field.usable_bitwise()
        }
    }

    fn set_masked(&mut self, id: FieldId, value: u128, mask: u128) {
        // Only the public tunnel flags can be matched (OVS
        // `match_set_tun_flags_masked()`).
        let mask = if id == FieldId::TunFlags {
            mask & u128::from(rvs_packet::tun_flags::OAM)
        } else {
            mask
        };
        access::set(&mut self.mask, id, mask);
        access::set(&mut self.flow, id, value & mask);
    }

    fn set_exact(&mut self, id: FieldId, value: u128) {
        use FieldId::*;
        match id {
            DlVlan => {
                access::set(&mut self.flow, id, value);
                self.flow.vlan_tci |= VLAN_CFI;
                self.mask.vlan_tci |= 0x0fff | VLAN_CFI;
            }
            VlanVid => {
                access::set(&mut self.flow, id, value);
                self.mask.vlan_tci |= 0x0fff | VLAN_CFI;
            }
            DlVlanPcp | VlanPcp => {
                access::set(&mut self.flow, id, value);
                self.flow.vlan_tci |= VLAN_CFI;
                self.mask.vlan_tci |= VLAN_PCP_MASK | VLAN_CFI;
            }
            Icmpv4Type | Icmpv6Type => {
                self.flow.tp_src = value as u16;
                self.mask.tp_src = u16::MAX;
            }
            Icmpv4Code | Icmpv6Code => {
                self.flow.tp_dst = value as u16;
                self.mask.tp_dst = u16::MAX;
            }
            NdOptionsType => {
                self.flow.tcp_flags = value as u16;
                self.mask.tcp_flags = u16::MAX;
            }
            _ => {
                let n = usize::from(id.field().n_bytes);
                let ones = if n == 16 {
                    u128::MAX
                } else {
                    (1u128 << (8 * n)) - 1
                };
                self.set_masked(id, value, ones);
            }
        }
    }

    fn set_wild(&mut self, id: FieldId) {
        use FieldId::*;
        match id {
            DlVlan | VlanVid => {
                self.mask.vlan_tci &= !0x0fff;
                self.flow.vlan_tci &= !0x0fff;
                if self.mask.vlan_tci & VLAN_PCP_MASK == 0 {
                    self.mask.vlan_tci &= !VLAN_CFI;
                    self.flow.vlan_tci &= !VLAN_CFI;
                }
            }
            DlVlanPcp | VlanPcp => {
                self.mask.vlan_tci &= !VLAN_PCP_MASK;
                self.flow.vlan_tci &= !VLAN_PCP_MASK;
                if self.mask.vlan_tci & 0x0fff == 0 {
                    self.mask.vlan_tci &= !VLAN_CFI;
                    self.flow.vlan_tci &= !VLAN_CFI;
                }
            }
            _ => {
                access::set(&mut self.mask, id, 0);
                access::set(&mut self.flow, id, 0);
            }
        }
    }

    /// The ethertype the match implies (OVS `get_dl_type()`).
    fn dl_type(&self) -> u16 {
        self.flow.dl_type
    }

    fn is_ip_any(&self) -> bool {
        matches!(self.dl_type(), ethertype::IPV4 | ethertype::IPV6)
    }

    fn is_icmpv6(&self) -> bool {
        self.dl_type() == ethertype::IPV6 && self.flow.nw_proto == ipproto::ICMPV6
    }

    fn is_nd(&self) -> bool {
        self.is_icmpv6() && matches!(self.flow.tp_src, 135 | 136) && self.flow.tp_dst == 0
    }

    /// True if the match meets `field`'s prerequisites (OVS
    /// `mf_are_match_prereqs_ok()`).
    pub fn prereqs_ok(&self, field: &Field) -> bool {
        let f = &self.flow;
        let proto = |p: u8| self.is_ip_any() && f.nw_proto == p;
        let not_later = f.nw_frag & rvs_packet::FRAG_LATER == 0;
        match field.prereq {
            Prereq::None => true,
            Prereq::Ethernet => f.packet_type == 0,
            Prereq::Arp => matches!(self.dl_type(), ethertype::ARP | ethertype::RARP),
            Prereq::Ipv4 => self.dl_type() == ethertype::IPV4,
            Prereq::Ipv6 => self.dl_type() == ethertype::IPV6,
            Prereq::VlanVid => f.vlan_tci & VLAN_CFI != 0,
            Prereq::Mpls => matches!(self.dl_type(), ethertype::MPLS | ethertype::MPLS_MCAST),
            Prereq::IpAny => self.is_ip_any(),
            Prereq::Nsh => self.dl_type() == ethertype::NSH,
            Prereq::Ct => {
                let valid = ct_state::NEW
                    | ct_state::ESTABLISHED
                    | ct_state::RELATED
                    | ct_state::REPLY_DIR
                    | ct_state::SRC_NAT
                    | ct_state::DST_NAT;
                f.ct_state & valid != 0
                    || (f.ct_state & ct_state::TRACKED != 0
                        && self.mask.ct_state & ct_state::INVALID != 0
                        && f.ct_state & ct_state::INVALID == 0)
            }
            Prereq::Tcp => proto(ipproto::TCP) && not_later,
            Prereq::Udp => proto(ipproto::UDP) && not_later,
            Prereq::Sctp => proto(ipproto::SCTP) && not_later,
            Prereq::Icmpv4 => self.dl_type() == ethertype::IPV4 && f.nw_proto == ipproto::ICMP,
            Prereq::Icmpv6 => self.is_icmpv6(),
            Prereq::Nd => self.is_nd(),
            Prereq::NdSolicit => self.is_nd() && f.tp_src == 135,
            Prereq::NdAdvert => self.is_nd() && f.tp_src == 136,
        }
    }

    /// The match in ovs-ofctl syntax with `priority` (OVS `match_format()`).
    pub fn display(&self, priority: u16) -> MatchText<'_> {
        MatchText { m: self, priority }
    }
}

/// A [`Match`] printed as OVS's `match_format()` does.
#[derive(Debug)]
pub struct MatchText<'a> {
    m: &'a Match,
    priority: u16,
}

impl fmt::Display for MatchText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = MatchDisplay {
            flow: &self.m.flow,
            mask: &self.m.mask,
        }
        .to_string();
        if self.priority != DEFAULT_PRIORITY {
            write!(f, "priority={}", self.priority)?;
            if !body.is_empty() {
                f.write_str(",")?;
            }
        }
        f.write_str(&body)
    }
}

#[cfg(test)]
mod tests;

impl Match {
    /// Drops masks of fields the match's ethertype and protocol make
    /// meaningless (OVS `ofputil_normalize_match()`), as an OpenFlow 1.0
    /// switch does with the fixed match.
    pub fn normalize(&mut self) {
        let before = *self;
        self.normalize_quietly();
        if self.mask.words() != before.mask.words() {
            crate::diag::info(
                "ofp_match",
                "normalization changed ofp_match, details:".into(),
            );
            crate::diag::info(
                "ofp_match",
                format!(" pre: {}", before.display(DEFAULT_PRIORITY)),
            );
            crate::diag::info(
                "ofp_match",
                format!("post: {}", self.display(DEFAULT_PRIORITY)),
            );
        }
    }

    /// [`Match::normalize`] without OVS's log of what changed.
    pub fn normalize_quietly(&mut self) {
        const NW_ADDR: u32 = 1;
        const TP_ADDR: u32 = 2;
        const NW_PROTO: u32 = 4;
        const IPVX: u32 = 8;
        const ARP_SHA: u32 = 16;
        const ARP_THA: u32 = 32;
        const IPV6: u32 = 64;
        const ND_TARGET: u32 = 128;
        const MPLS: u32 = 256;
        const ETHER: u32 = 512;
        let f = &self.flow;
        let (mut may, dl_type) = if self.mask.packet_type == 0 || self.has_default_packet_type() {
            (ETHER, f.dl_type)
        } else if self.mask.packet_type == u32::MAX && f.packet_type >> 16 == 1 {
            (0, f.packet_type as u16)
        } else {
            (0, 0)
        };
        match dl_type {
            ethertype::IPV4 => {
                may |= NW_PROTO | IPVX | NW_ADDR;
                if matches!(
                    f.nw_proto,
                    ipproto::TCP | ipproto::UDP | ipproto::SCTP | ipproto::ICMP
                ) {
                    may |= TP_ADDR;
                }
            }
            ethertype::IPV6 => {
                may |= NW_PROTO | IPVX | IPV6;
                if matches!(f.nw_proto, ipproto::TCP | ipproto::UDP | ipproto::SCTP) {
                    may |= TP_ADDR;
                } else if f.nw_proto == ipproto::ICMPV6 {
                    may |= TP_ADDR;
                    if f.tp_src == 135 {
                        may |= ND_TARGET | ARP_SHA;
                    } else if f.tp_src == 136 {
                        may |= ND_TARGET | ARP_THA;
                    }
                }
            }
            ethertype::ARP | ethertype::RARP => may |= NW_PROTO | NW_ADDR | ARP_SHA | ARP_THA,
            ethertype::MPLS | ethertype::MPLS_MCAST => may |= MPLS,
            _ => {}
        }
        let k = &mut self.mask;
        if may & ETHER == 0 {
            k.dl_src = Default::default();
            k.dl_dst = Default::default();
        }
        if may & NW_ADDR == 0 {
            k.nw_src = 0;
            k.nw_dst = 0;
        }
        if may & TP_ADDR == 0 {
            k.tp_src = 0;
            k.tp_dst = 0;
        }
        if may & NW_PROTO == 0 {
            k.nw_proto = 0;
        }
        if may & IPVX == 0 {
            k.nw_tos = 0;
            k.nw_ttl = 0;
        }
        if may & ARP_SHA == 0 {
            k.arp_sha = Default::default();
        }
        if may & ARP_THA == 0 {
            k.arp_tha = Default::default();
        }
        if may & IPV6 == 0 {
            k.ipv6_src = [0; 16];
            k.ipv6_dst = [0; 16];
            k.ipv6_label = 0;
        }
        if may & ND_TARGET == 0 {
            k.nd_target = [0; 16];
        }
        if may & MPLS == 0 {
            k.mpls_lse = [0; 3];
        }
        self.flow = self.flow.masked(&self.mask);
    }
}

impl Match {
    /// Drops a default packet type that no remaining field needs. OpenFlow
    /// 1.0 decoding sets it when any data field was not wildcarded on the
    /// wire, before normalization may drop that field; without this, the
    /// same match would decode differently after a round trip. It never
    /// shows in the match's text.
    pub fn drop_unneeded_packet_type(&mut self) {
        if !self.has_default_packet_type() {
            return;
        }
        let needed = crate::field::FIELDS
            .iter()
            .any(|f| f.prereq != crate::field::Prereq::None && access::get(&self.mask, f.id) != 0);
        if !needed {
            self.mask.packet_type = 0;
        }
    }
}
