//! Turning the differences between the flow translation works on and the packet as
//! the datapath has it into datapath actions (OVS `commit_odp_actions`).
//!
//! Only fields that translation wrote (tracked in `Ctx::written`, and recorded in the
//! megaflow mask when written) or VLAN changes (`Ctx::vlan_dirty`) are compared, so
//! whether an action is emitted is the same for every packet of the megaflow.

use std::net::{Ipv4Addr, Ipv6Addr};

use rvs_openflow::field::{access, FieldId};
use rvs_packet::actions::DpAction;
use rvs_packet::rewrite::{Masked, SetField};
use rvs_packet::{ethertype, ipproto, EthAddr, Flow, VLAN_CFI};

use crate::xlate::Ctx;

fn eth(v: u128) -> EthAddr {
    let b = v.to_be_bytes();
    let mut a = [0u8; 6];
    a.copy_from_slice(&b[10..]);
    EthAddr(a)
}

/// The datapath set action for field `id` with value `v` under mask `m`, for a
/// packet of `dl_type`/`nw_proto`; `None` if the datapath cannot set it.
fn set_action(id: FieldId, v: u128, m: u128) -> Option<SetField> {
    use FieldId::*;
    let ip4 = |x: u128| Ipv4Addr::from(x as u32);
    let ip6 = |x: u128| Ipv6Addr::from(x);
    Some(match id {
        EthSrc => SetField::EthSrc(Masked::new(eth(v), eth(m))),
        EthDst => SetField::EthDst(Masked::new(eth(v), eth(m))),
        Ipv4Src => SetField::Ipv4Src(Masked::new(ip4(v), ip4(m))),
        Ipv4Dst => SetField::Ipv4Dst(Masked::new(ip4(v), ip4(m))),
        IpDscp => SetField::Ipv4Dscp(Masked::new((v >> 2) as u8, (m >> 2) as u8)),
        IpEcn => SetField::Ipv4Ecn(Masked::new(v as u8, m as u8)),
        IpTtl => SetField::Ipv4Ttl(Masked::new(v as u8, m as u8)),
        Ipv6Src => SetField::Ipv6Src(Masked::new(ip6(v), ip6(m))),
        Ipv6Dst => SetField::Ipv6Dst(Masked::new(ip6(v), ip6(m))),
        Ipv6Label => SetField::Ipv6FlowLabel(Masked::new(v as u32, m as u32)),
        TcpSrc => SetField::TcpSrc(Masked::new(v as u16, m as u16)),
        TcpDst => SetField::TcpDst(Masked::new(v as u16, m as u16)),
        UdpSrc => SetField::UdpSrc(Masked::new(v as u16, m as u16)),
        UdpDst => SetField::UdpDst(Masked::new(v as u16, m as u16)),
        SctpSrc => SetField::SctpSrc(Masked::new(v as u16, m as u16)),
        SctpDst => SetField::SctpDst(Masked::new(v as u16, m as u16)),
        Icmpv4Type => SetField::Icmpv4Type(Masked::new(v as u8, m as u8)),
        Icmpv4Code => SetField::Icmpv4Code(Masked::new(v as u8, m as u8)),
        Icmpv6Type => SetField::Icmpv6Type(Masked::new(v as u8, m as u8)),
        Icmpv6Code => SetField::Icmpv6Code(Masked::new(v as u8, m as u8)),
        ArpOp => SetField::ArpOp(Masked::new(v as u16, m as u16)),
        ArpSpa => SetField::ArpSpa(Masked::new(ip4(v), ip4(m))),
        ArpTpa => SetField::ArpTpa(Masked::new(ip4(v), ip4(m))),
        ArpSha => SetField::ArpSha(Masked::new(eth(v), eth(m))),
        ArpTha => SetField::ArpTha(Masked::new(eth(v), eth(m))),
        NdTarget => SetField::NdTarget(Masked::new(ip6(v), ip6(m))),
        NdSll => SetField::NdSll(Masked::new(eth(v), eth(m))),
        NdTll => SetField::NdTll(Masked::new(eth(v), eth(m))),
        MplsLabel => SetField::MplsLabel(Masked::new(v as u32, m as u32)),
        MplsTc => SetField::MplsTc(Masked::new(v as u8, m as u8)),
        MplsBos => SetField::MplsBos(Masked::new(v as u8, m as u8)),
        MplsTtl => SetField::MplsTtl(Masked::new(v as u8, m as u8)),
        _ => return None,
    })
}

/// The fields a packet of this type carries that the datapath can set.
fn settable(dl_type: u16, nw_proto: u8) -> Vec<FieldId> {
    use FieldId::*;
    let mut v = vec![EthSrc, EthDst];
    let l4 = |v: &mut Vec<FieldId>, icmp: [FieldId; 2]| match nw_proto {
        ipproto::TCP => v.extend([TcpSrc, TcpDst]),
        ipproto::UDP => v.extend([UdpSrc, UdpDst]),
        ipproto::SCTP => v.extend([SctpSrc, SctpDst]),
        ipproto::ICMP | ipproto::ICMPV6 => v.extend(icmp),
        _ => {}
    };
    match dl_type {
        ethertype::IPV4 => {
            v.extend([Ipv4Src, Ipv4Dst, IpDscp, IpEcn, IpTtl]);
            if nw_proto != ipproto::ICMPV6 {
                l4(&mut v, [Icmpv4Type, Icmpv4Code]);
            }
        }
        ethertype::IPV6 => {
            v.extend([Ipv6Src, Ipv6Dst, Ipv6Label]);
            if nw_proto == ipproto::ICMPV6 {
                v.extend([Icmpv6Type, Icmpv6Code, NdTarget, NdSll, NdTll]);
            } else if nw_proto != ipproto::ICMP {
                l4(&mut v, [Icmpv6Type, Icmpv6Code]);
            }
        }
        ethertype::ARP | ethertype::RARP => v.extend([ArpOp, ArpSpa, ArpTpa, ArpSha, ArpTha]),
        ethertype::MPLS | ethertype::MPLS_MCAST => v.extend([MplsLabel, MplsTc, MplsBos, MplsTtl]),
        _ => {}
    }
    v
}

fn vlan_stack(f: &Flow) -> Vec<(u16, u16)> {
    let mut s = Vec::new();
    if f.vlan_tci & VLAN_CFI != 0 {
        s.push((f.vlan_tpid, f.vlan_tci));
        if f.vlan1_tci & VLAN_CFI != 0 {
            s.push((f.vlan1_tpid, f.vlan1_tci));
        }
    }
    s
}

impl Ctx<'_> {
    /// Emits the actions that make the packet what the flow says it is.
    pub(crate) fn commit(&mut self) {
        self.commit_vlan();
        self.commit_fields();
    }

    fn commit_vlan(&mut self) {
        if !self.vlan_dirty {
            return;
        }
        self.vlan_dirty = false;
        let m = Flow {
            vlan_tci: u16::MAX,
            vlan_tpid: u16::MAX,
            vlan1_tci: u16::MAX,
            vlan1_tpid: u16::MAX,
            ..Flow::default()
        };
        self.view.record_mask(&m);
        let cur = vlan_stack(self.view.peek());
        let base = vlan_stack(&self.base);
        if cur == base {
            return;
        }
        // Keep the longest common innermost part; pop the rest, push the new tags.
        let mut k = 0;
        while k < cur.len() && k < base.len() && cur[cur.len() - 1 - k] == base[base.len() - 1 - k]
        {
            k += 1;
        }
        for _ in 0..base.len() - k {
            self.out.push(DpAction::PopVlan);
        }
        for &(tpid, tci) in cur[..cur.len() - k].iter().rev() {
            let tpid = if tpid == ethertype::QINQ {
                tpid
            } else {
                ethertype::VLAN
            };
            self.out.push(DpAction::PushVlan { tpid, tci });
        }
        let c = *self.view.peek();
        self.base.vlan_tci = c.vlan_tci;
        self.base.vlan_tpid = c.vlan_tpid;
        self.base.vlan1_tci = c.vlan1_tci;
        self.base.vlan1_tpid = c.vlan1_tpid;
    }

    fn commit_fields(&mut self) {
        if self.written.words().iter().all(|w| *w == 0) {
            return;
        }
        let dl_type = self.view.dl_type();
        let nw_proto = self.view.nw_proto();
        let cur = *self.view.peek();
        for id in settable(dl_type, nw_proto) {
            let w = access::get(&self.written, id);
            if w == 0 {
                continue;
            }
            let v = access::get(&cur, id);
            let b = access::get(&self.base, id);
            if (v ^ b) & w == 0 {
                continue;
            }
            if let Some(a) = set_action(id, v, w) {
                self.out.push(DpAction::Set(a));
                access::set(&mut self.base, id, (b & !w) | (v & w));
            }
        }
        self.written = Flow::default();
    }
}
