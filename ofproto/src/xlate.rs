//! Translation: a packet's flow through a bridge's OpenFlow pipeline into datapath
//! actions plus a megaflow mask.
//!
//! Every field is read through [`FlowView`], which records the read in the mask, so a
//! megaflow can never be wider than what decided it. Extra bits cost cache efficiency
//! only; a missing bit would be a wrong megaflow.

use std::time::Instant;

use rvs_packet::actions::DpAction;
use rvs_packet::{EthAddr, Flow, VLAN_CFI, VLAN_VID_MASK};

use crate::bridge::{Bridge, OfAction, OFPP_LOCAL};

/// A read-recording view of a flow.
#[derive(Debug)]
pub struct FlowView<'a> {
    flow: &'a Flow,
    mask: Flow,
}

macro_rules! recorded {
    ($($(#[$doc:meta])* $field:ident: $ty:ty = $all:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $field(&mut self) -> $ty {
                self.mask.$field = $all;
                self.flow.$field
            }
        )*
    };
}

impl<'a> FlowView<'a> {
    /// A view with nothing read yet.
    pub fn new(flow: &'a Flow) -> FlowView<'a> {
        FlowView {
            flow,
            mask: Flow::default(),
        }
    }

    recorded! {
        /// The input port (datapath numbering).
        in_port: u32 = u32::MAX;
        /// Ethernet destination.
        dl_dst: EthAddr = EthAddr::BROADCAST;
        /// Ethernet source.
        dl_src: EthAddr = EthAddr::BROADCAST;
        /// Ethertype.
        dl_type: u16 = u16::MAX;
        /// Outer VLAN TCI.
        vlan_tci: u16 = u16::MAX;
    }

    /// Checks whether `flow` matches `value` under `mask`, recording exactly the masked
    /// bits as consulted (the classifier's contribution to the megaflow).
    pub fn matches(&mut self, value: &Flow, mask: &Flow) -> bool {
        self.mask.union_with(mask);
        self.flow.masked(mask) == *value
    }

    /// The recorded mask.
    pub fn into_mask(self) -> Flow {
        self.mask
    }
}

/// Result of translating one packet.
#[derive(Debug, Clone, PartialEq)]
pub struct XlateOut {
    /// Datapath actions; empty is drop.
    pub actions: Vec<DpAction>,
    /// Fields that decided them.
    pub mask: Flow,
    /// Whether MAC learning changed, so that cached flows must be revalidated.
    pub learned: bool,
}

/// Whether translation may change state (learn MACs), as OVS's
/// `allow_side_effects`: true for a packet's upcall, false for revalidation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SideEffects {
    /// A real packet: learn.
    Allow,
    /// A re-translation of an installed megaflow: change nothing.
    Forbid,
}

/// Finds the bridge and OpenFlow port of a patch port's peer, by interface name.
pub type PeerLookup<'a> = dyn Fn(&str) -> Option<(&'a Bridge, u32)> + 'a;

/// Bridges a packet may cross through patch ports in a row before OVS gives up (its
/// `MAX_DEPTH` of resubmits and patch-port hops).
const MAX_DEPTH: u32 = 64;
/// Patch-port crossings in one translation in all (OVS's `MAX_RESUBMITS`), so that
/// floods through several patch pairs cannot multiply without end.
const MAX_HOPS: u32 = 4096;

/// One translation in progress: the recording view, the actions so far, and how to
/// reach the peers of patch ports.
struct Ctx<'a, 'f> {
    view: FlowView<'f>,
    out: Vec<DpAction>,
    learned: bool,
    now: Instant,
    fx: SideEffects,
    peers: &'a PeerLookup<'a>,
    depth: u32,
    hops: u32,
}

/// Translates `flow`, which arrived on OpenFlow port `in_ofport` of `bridge`;
/// `peers` resolves patch ports, which translation crosses into the peer bridge.
pub fn xlate<'a>(
    bridge: &'a Bridge,
    in_ofport: u32,
    flow: &Flow,
    now: Instant,
    fx: SideEffects,
    peers: &'a PeerLookup<'a>,
) -> XlateOut {
    let mut ctx = Ctx {
        view: FlowView::new(flow),
        out: Vec::new(),
        learned: false,
        now,
        fx,
        peers,
        depth: 0,
        hops: 0,
    };
    // The input port always decides: megaflows are per input port.
    ctx.view.in_port();
    ctx.bridge(bridge, in_ofport);
    XlateOut {
        actions: ctx.out,
        mask: ctx.view.into_mask(),
        learned: ctx.learned,
    }
}

impl<'a> Ctx<'a, '_> {
    /// Runs the packet through `bridge`'s table 0 as if it arrived on `in_ofport`.
    fn bridge(&mut self, bridge: &'a Bridge, in_ofport: u32) {
        let rule = bridge
            .table0()
            .iter()
            .find(|r| self.view.matches(&r.value, &r.mask));
        let Some(rule) = rule else { return };
        for a in &rule.actions {
            match *a {
                OfAction::Output(p) if p != in_ofport => self.output(bridge, p),
                OfAction::Output(_) => {}
                OfAction::InPort => self.output(bridge, in_ofport),
                OfAction::Local if in_ofport != OFPP_LOCAL => self.output(bridge, OFPP_LOCAL),
                OfAction::Local => {}
                OfAction::Flood | OfAction::All => self.flood(bridge, in_ofport),
                OfAction::Normal => self.normal(bridge, in_ofport),
            }
        }
    }

    /// Outputs to `port`: a datapath port, or a patch port whose peer bridge then
    /// handles the packet as received on the peer.
    fn output(&mut self, bridge: &'a Bridge, port: u32) {
        let Some(p) = bridge.port(port) else { return };
        match &p.peer {
            None => {
                let a = DpAction::Output(p.odp_port);
                if !self.out.contains(&a) {
                    self.out.push(a);
                }
            }
            Some(peer) => {
                if self.depth >= MAX_DEPTH || self.hops >= MAX_HOPS {
                    log::warn!("{}: patch port loop, packet dropped", p.name);
                    return;
                }
                if let Some((peer_bridge, peer_port)) = (self.peers)(peer) {
                    self.depth += 1;
                    self.hops += 1;
                    self.bridge(peer_bridge, peer_port);
                    self.depth -= 1;
                }
            }
        }
    }

    fn flood(&mut self, bridge: &'a Bridge, in_ofport: u32) {
        for p in bridge.ports() {
            if p.ofport != in_ofport {
                self.output(bridge, p.ofport);
            }
        }
    }

    /// The NORMAL action: an 802.1D learning switch.
    fn normal(&mut self, bridge: &'a Bridge, in_ofport: u32) {
        let dst = self.view.dl_dst();
        // Like OVS without other_config:forward-bpdu: 802.1D reserved groups are dropped.
        if dst.is_reserved_multicast() {
            return;
        }
        let tci = self.view.vlan_tci();
        let vlan = if tci & VLAN_CFI != 0 {
            tci & VLAN_VID_MASK
        } else {
            0
        };
        let src = self.view.dl_src();
        if self.fx == SideEffects::Allow {
            self.learned |= bridge.mac_learning().learn(vlan, src, in_ofport, self.now);
        }
        if dst.is_multicast() {
            self.flood(bridge, in_ofport);
            return;
        }
        let learned_port = bridge.mac_learning().lookup(vlan, dst, self.now);
        match learned_port {
            // Learned on the input port: the destination is behind it; drop.
            Some(p) if p == in_ofport => {}
            Some(p) if bridge.port(p).is_some() => self.output(bridge, p),
            _ => self.flood(bridge, in_ofport),
        }
    }
}
