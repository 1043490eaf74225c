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

/// Translates `flow`, which arrived on OpenFlow port `in_ofport` of `bridge`.
pub fn xlate(
    bridge: &Bridge,
    in_ofport: u32,
    flow: &Flow,
    now: Instant,
    fx: SideEffects,
) -> XlateOut {
    let mut view = FlowView::new(flow);
    // The input port always decides: megaflows are per input port.
    view.in_port();
    let mut out = Vec::new();
    let mut learned = false;
    let rule = bridge
        .table0()
        .iter()
        .find(|r| view.matches(&r.value, &r.mask));
    if let Some(rule) = rule {
        for a in &rule.actions {
            match *a {
                OfAction::Output(p) => output(bridge, in_ofport, p, &mut out),
                OfAction::InPort => output_unchecked(bridge, in_ofport, &mut out),
                OfAction::Local => output(bridge, in_ofport, OFPP_LOCAL, &mut out),
                OfAction::Flood | OfAction::All => flood(bridge, in_ofport, &mut out),
                OfAction::Normal => {
                    learned |= normal(bridge, in_ofport, &mut view, &mut out, now, fx);
                }
            }
        }
    }
    XlateOut {
        actions: out,
        mask: view.into_mask(),
        learned,
    }
}

/// Output to `port` unless it is the input port (OpenFlow requires `IN_PORT` for that).
fn output(bridge: &Bridge, in_ofport: u32, port: u32, out: &mut Vec<DpAction>) {
    if port != in_ofport {
        output_unchecked(bridge, port, out);
    }
}

fn output_unchecked(bridge: &Bridge, port: u32, out: &mut Vec<DpAction>) {
    if let Some(p) = bridge.port(port) {
        let a = DpAction::Output(p.odp_port);
        if !out.contains(&a) {
            out.push(a);
        }
    }
}

fn flood(bridge: &Bridge, in_ofport: u32, out: &mut Vec<DpAction>) {
    for p in bridge.ports() {
        if p.ofport != in_ofport {
            output_unchecked(bridge, p.ofport, out);
        }
    }
}

/// The NORMAL action: an 802.1D learning switch. Returns whether learning changed.
fn normal(
    bridge: &Bridge,
    in_ofport: u32,
    view: &mut FlowView<'_>,
    out: &mut Vec<DpAction>,
    now: Instant,
    fx: SideEffects,
) -> bool {
    let dst = view.dl_dst();
    // Like OVS without other_config:forward-bpdu: 802.1D reserved groups are dropped.
    if dst.is_reserved_multicast() {
        return false;
    }
    let tci = view.vlan_tci();
    let vlan = if tci & VLAN_CFI != 0 {
        tci & VLAN_VID_MASK
    } else {
        0
    };
    let src = view.dl_src();
    let learned =
        fx == SideEffects::Allow && bridge.mac_learning().learn(vlan, src, in_ofport, now);
    if dst.is_multicast() {
        flood(bridge, in_ofport, out);
        return learned;
    }
    match bridge.mac_learning().lookup(vlan, dst, now) {
        // Learned on the input port: the destination is behind it; drop.
        Some(p) if p == in_ofport => {}
        Some(p) if bridge.port(p).is_some() => output_unchecked(bridge, p, out),
        _ => flood(bridge, in_ofport, out),
    }
    learned
}
