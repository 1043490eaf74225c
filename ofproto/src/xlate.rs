//! Translation: a packet's flow through a bridge's OpenFlow pipeline into datapath
//! actions plus a megaflow mask.
//!
//! Every field is read through [`FlowView`], which records the read in the mask, so a
//! megaflow can never be wider than what decided it; classifier lookups report the
//! fields they consulted the same way. Writes record the written bits too, so that
//! whether a datapath `set` is needed is the same for every packet of the megaflow.
//! Extra bits cost cache efficiency only; a missing bit would be a wrong megaflow.
//!
//! Packet changes are committed lazily ([`crate::commit`]): set-field actions change
//! the flow, and only an output (or an action that needs the packet as it is, such as
//! MPLS push/pop) turns the differences into datapath actions.

use std::time::Instant;

use rvs_openflow::actions::{port, Action, Subfield, OFPR_ACTION};
use rvs_openflow::field::{access, FieldId};
use rvs_openflow::Match;
use rvs_packet::actions::DpAction;
use rvs_packet::{ethertype, EthAddr, Flow, FLOW_N_REGS, VLAN_CFI};

use crate::bridge::Bridge;
use crate::credit::Credits;
use crate::group;

/// A read-recording view of a flow that translation may also change.
#[derive(Debug)]
pub struct FlowView {
    flow: Flow,
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

/// The mask of all bits of field `id`.
pub fn field_ones(id: FieldId) -> u128 {
    let n = id.field().n_bits;
    if n >= 128 {
        u128::MAX
    } else {
        (1u128 << n) - 1
    }
}

impl FlowView {
    /// A view with nothing read yet.
    pub fn new(flow: &Flow) -> FlowView {
        FlowView {
            flow: *flow,
            mask: Flow::default(),
        }
    }

    recorded! {
        /// The input port.
        in_port: u32 = u32::MAX;
        /// Ethernet destination.
        dl_dst: EthAddr = EthAddr::BROADCAST;
        /// Ethernet source.
        dl_src: EthAddr = EthAddr::BROADCAST;
        /// Ethertype.
        dl_type: u16 = u16::MAX;
        /// Outer VLAN TCI.
        vlan_tci: u16 = u16::MAX;
        /// IP protocol.
        nw_proto: u8 = u8::MAX;
        /// IP TTL.
        nw_ttl: u8 = u8::MAX;
        /// IP TOS.
        nw_tos: u8 = u8::MAX;
    }

    /// Records `bits` of field `id` as consulted.
    pub fn record(&mut self, id: FieldId, bits: u128) {
        let mut m = Flow::default();
        access::set(&mut m, id, bits);
        self.mask.union_with(&m);
    }

    /// Reads field `id`, recording all of it.
    pub fn get(&mut self, id: FieldId) -> u128 {
        self.record(id, field_ones(id));
        access::get(&self.flow, id)
    }

    /// Reads a subfield, recording its bits.
    pub fn get_bits(&mut self, s: &Subfield) -> u128 {
        let bits = bits_mask(s);
        self.record(s.field, bits);
        (access::get(&self.flow, s.field) & bits) >> s.ofs
    }

    /// Writes `value` under `mask` into field `id`. The written bits are recorded: the
    /// original values there decide whether a datapath `set` is needed.
    pub fn set(&mut self, id: FieldId, value: u128, mask: u128) {
        self.record(id, mask);
        let old = access::get(&self.flow, id);
        access::set(&mut self.flow, id, (old & !mask) | (value & mask));
    }

    /// Checks whether the flow matches `value` under `mask`, recording exactly the
    /// masked bits as consulted (the classifier's contribution to the megaflow).
    pub fn matches(&mut self, value: &Flow, mask: &Flow) -> bool {
        self.mask.union_with(mask);
        self.flow.masked(mask) == *value
    }

    /// The flow as it is now, without recording anything: for state that every
    /// packet of a megaflow shares by construction (what translation wrote itself).
    pub fn peek(&self) -> &Flow {
        &self.flow
    }

    /// Changes the flow without recording (translation-internal state such as the
    /// input port while crossing a patch port).
    pub fn poke(&mut self) -> &mut Flow {
        &mut self.flow
    }

    /// The recorded mask.
    pub fn mask(&self) -> &Flow {
        &self.mask
    }

    /// Adds `m` to the recorded mask.
    pub fn record_mask(&mut self, m: &Flow) {
        self.mask.union_with(m);
    }

    /// The recorded mask.
    pub fn into_mask(self) -> Flow {
        self.mask
    }
}

/// The bits a subfield covers, in place.
pub fn bits_mask(s: &Subfield) -> u128 {
    let ones = if s.n_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << s.n_bits) - 1
    };
    ones << s.ofs
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
    /// The counters the translation hit, for the packets of its megaflow.
    pub credits: Credits,
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

/// Nesting of resubmits, goto_table and patch ports before OVS gives up (`MAX_DEPTH`).
pub const MAX_DEPTH: u32 = 64;
/// Resubmits, table visits and patch-port crossings in one translation in all
/// (OVS's `MAX_RESUBMITS`), so that floods through loops cannot multiply without end.
pub const MAX_RESUBMITS: u32 = MAX_DEPTH * MAX_DEPTH;

/// Packet-in reasons.
pub mod reason {
    /// `OFPR_NO_MATCH`.
    pub const NO_MATCH: u8 = 0;
    /// `OFPR_ACTION`.
    pub const ACTION: u8 = 1;
    /// `OFPR_INVALID_TTL`.
    pub const INVALID_TTL: u8 = 2;
    /// `OFPR_PACKET_OUT` (OpenFlow 1.4; `OFPR_ACTION` on older wires): a controller
    /// action run by a packet-out, as OVS classifies it.
    pub const PACKET_OUT: u8 = 5;
}

/// What a `userspace` action carries to the slow path for a packet-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketInCookie {
    /// `OFPR_*`.
    pub reason: u8,
    /// Table the packet was in.
    pub table_id: u8,
    /// Bytes of the packet to send (`u16::MAX`: all; 0: the connection's miss_send_len).
    pub max_len: u16,
    /// Controller connection ID (0: all).
    pub controller_id: u16,
    /// Bridge index in the registry.
    pub bridge: u32,
    /// Input OpenFlow port.
    pub in_port: u32,
    /// Cookie of the rule (`u64::MAX`: table miss).
    pub cookie: u64,
}

const COOKIE_MAGIC: u8 = 0x52;

impl PacketInCookie {
    /// The userdata bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = vec![COOKIE_MAGIC, self.reason, self.table_id, 0];
        v.extend_from_slice(&self.max_len.to_be_bytes());
        v.extend_from_slice(&self.controller_id.to_be_bytes());
        v.extend_from_slice(&self.bridge.to_be_bytes());
        v.extend_from_slice(&self.in_port.to_be_bytes());
        v.extend_from_slice(&self.cookie.to_be_bytes());
        v
    }

    /// Parses userdata made by [`PacketInCookie::encode`].
    pub fn decode(d: &[u8]) -> Option<PacketInCookie> {
        if d.len() != 24 || d[0] != COOKIE_MAGIC {
            return None;
        }
        let u16_at = |i: usize| u16::from_be_bytes([d[i], d[i + 1]]);
        let u32_at = |i: usize| u32::from_be_bytes(d[i..i + 4].try_into().unwrap_or_default());
        Some(PacketInCookie {
            reason: d[1],
            table_id: d[2],
            max_len: u16_at(4),
            controller_id: u16_at(6),
            bridge: u32_at(8),
            in_port: u32_at(12),
            cookie: u64::from_be_bytes(d[16..24].try_into().unwrap_or_default()),
        })
    }
}

/// Inputs of one translation.
#[derive(Clone, Copy)]
pub struct XlateIn<'a> {
    /// The bridge the packet arrived on.
    pub bridge: &'a Bridge,
    /// Its OpenFlow input port.
    pub in_ofport: u32,
    /// Now.
    pub now: Instant,
    /// Learning allowed?
    pub fx: SideEffects,
    /// Packets and bytes to credit to every rule and group hit, if any.
    pub credit: Option<(u64, u64)>,
    /// Patch port peers.
    pub peers: &'a PeerLookup<'a>,
}

impl std::fmt::Debug for XlateIn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XlateIn")
            .field("bridge", &self.bridge.name())
            .field("in_ofport", &self.in_ofport)
            .finish()
    }
}

/// One translation in progress.
pub(crate) struct Ctx<'a> {
    pub(crate) view: FlowView,
    /// The packet as the datapath actions emitted so far leave it.
    pub(crate) base: Flow,
    /// Bits written since the last commit.
    pub(crate) written: Flow,
    /// A VLAN change may be pending.
    pub(crate) vlan_dirty: bool,
    pub(crate) out: Vec<DpAction>,
    pub(crate) learned: bool,
    pub(crate) now: Instant,
    pub(crate) fx: SideEffects,
    pub(crate) credit: Option<(u64, u64)>,
    pub(crate) credits: Credits,
    pub(crate) peers: &'a PeerLookup<'a>,
    pub(crate) bridge: &'a Bridge,
    pub(crate) in_ofport: u32,
    depth: u32,
    resubmits: u32,
    /// Translation hit a limit; the packet is dropped.
    error: bool,
    /// `exit` ran: stop.
    exit: bool,
    table_id: u8,
    cookie: u64,
    action_set: Vec<Action>,
    /// Translating a packet-out's actions.
    in_packet_out: bool,
    /// `ofproto/trace`'s report, when tracing ([`crate::trace`]).
    pub(crate) trace: Option<Box<crate::trace::Trace>>,
}

/// Translates `flow` (datapath numbering: `flow.in_port` is ignored, `x.in_ofport`
/// is used) through the bridge's tables from table 0.
pub fn xlate(x: XlateIn<'_>, flow: &Flow) -> XlateOut {
    let mut ctx = Ctx::new(x, flow);
    ctx.pipeline(0);
    ctx.finish()
}

/// Translates `actions` applied to `flow` directly, as a packet-out does.
pub fn xlate_actions(x: XlateIn<'_>, flow: &Flow, actions: &[Action]) -> XlateOut {
    let mut ctx = Ctx::new(x, flow);
    ctx.table_id = 0;
    ctx.cookie = u64::MAX;
    ctx.in_packet_out = true;
    ctx.do_actions(actions);
    ctx.run_action_set();
    ctx.finish()
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(x: XlateIn<'a>, flow: &Flow) -> Ctx<'a> {
        let mut of_flow = *flow;
        of_flow.in_port = x.in_ofport;
        let mut view = FlowView::new(&of_flow);
        // The input port always decides: megaflows are per input port.
        view.in_port();
        Ctx {
            view,
            base: of_flow,
            written: Flow::default(),
            vlan_dirty: false,
            out: Vec::new(),
            learned: false,
            now: x.now,
            fx: x.fx,
            credit: x.credit,
            credits: Credits::default(),
            peers: x.peers,
            bridge: x.bridge,
            in_ofport: x.in_ofport,
            depth: 0,
            resubmits: 0,
            error: false,
            exit: false,
            table_id: 0,
            cookie: u64::MAX,
            action_set: Vec::new(),
            in_packet_out: false,
            trace: None,
        }
    }

    pub(crate) fn finish(self) -> XlateOut {
        if let Some((p, b)) = self.credit {
            self.credits.credit(p, b, self.now);
        }
        XlateOut {
            actions: if self.error { Vec::new() } else { self.out },
            mask: self.view.into_mask(),
            learned: self.learned,
            credits: self.credits,
        }
    }

    /// Counts one more level of recursion; false (and the packet dropped) past
    /// OVS's limits.
    fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH || self.resubmits >= MAX_RESUBMITS {
            if !self.error {
                log::warn!(
                    "{}: over max translation depth or resubmits, packet dropped",
                    self.bridge.name()
                );
            }
            self.error = true;
            return false;
        }
        self.depth += 1;
        self.resubmits += 1;
        true
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// The whole pipeline from `table`, then the action set.
    pub(crate) fn pipeline(&mut self, table: u8) {
        self.run_table(table);
        self.run_action_set();
    }

    /// Looks the packet up in `table` and runs the rule's instructions.
    fn run_table(&mut self, table: u8) {
        if self.error || !self.enter() {
            return;
        }
        let bridge = self.bridge;
        let t = &bridge.tables[usize::from(table)];
        let rule = t.lookup(&mut self.view, false);
        self.credits.table(&t.stats, rule.is_some());
        let traced = self.trace_table(table, rule);
        let (saved_table, saved_cookie) = (self.table_id, self.cookie);
        self.table_id = table;
        match rule {
            Some(r) => {
                self.credits.rule(&r.stats);
                self.cookie = r.cookie;
                self.do_actions(&r.actions);
            }
            None => self.table_miss(table),
        }
        self.trace_restore(traced);
        self.table_id = saved_table;
        self.cookie = saved_cookie;
        self.leave();
    }

    fn table_miss(&mut self, table: u8) {
        let c = self.bridge.controller_state();
        if table == 0 && self.bridge.fail_open() {
            self.normal();
        } else if c.miss_to_controller {
            self.cookie = u64::MAX;
            self.controller(reason::NO_MATCH, 0, 0);
        }
    }

    /// Runs a rule's actions and instructions in order.
    pub(crate) fn do_actions(&mut self, actions: &[Action]) {
        for a in actions {
            if self.error || self.exit {
                return;
            }
            self.trace_action(a);
            self.do_action(a);
        }
    }

    fn do_action(&mut self, a: &Action) {
        match a {
            Action::Output { port: p, max_len } => self.output_action(*p, *max_len),
            Action::Controller(c) => self.controller(c.reason, c.max_len, c.controller_id),
            Action::Enqueue { port: p, .. } => self.output_action(*p, 0),
            Action::OutputReg { src, max_len, .. } => {
                let p = self.view.get_bits(src) as u32;
                self.output_action(p, *max_len);
            }
            Action::Group(g) => self.group(*g),
            Action::SetQueue(_)
            | Action::PopQueue
            | Action::Note(_)
            | Action::Conjunction { .. } => {}
            Action::Resubmit { in_port, table, .. } => self.resubmit(*in_port, *table),
            Action::Exit => self.exit = true,
            Action::DecTtl(ids) => {
                if !self.dec_ttl(ids.as_deref()) {
                    self.exit = true;
                }
            }
            Action::SetField {
                field, value, mask, ..
            } => self.set_field(*field, *value, *mask),
            Action::Move { src, dst } => {
                let v = self.view.get_bits(src);
                self.write(dst.field, v << dst.ofs, bits_mask(dst));
            }
            Action::SetVlanVid { vid, push } => self.set_vlan(Some(*vid), None, *push),
            Action::SetVlanPcp { pcp, push } => self.set_vlan(None, Some(*pcp), *push),
            Action::StripVlan { .. } => self.pop_vlan(),
            Action::PushVlan(tpid) => self.push_vlan(*tpid),
            Action::SetEthSrc(m) => self.write_eth(FieldId::EthSrc, *m),
            Action::SetEthDst(m) => self.write_eth(FieldId::EthDst, *m),
            Action::SetIpv4Src(ip) => self.set_if_ip(FieldId::Ipv4Src, (*ip).into(), true),
            Action::SetIpv4Dst(ip) => self.set_if_ip(FieldId::Ipv4Dst, (*ip).into(), true),
            Action::SetIpDscp(tos) => self.set_if_ip(FieldId::IpDscp, (*tos).into(), false),
            Action::SetIpEcn(ecn) => self.set_if_ip(FieldId::IpEcn, (*ecn).into(), false),
            Action::SetIpTtl(ttl) => self.set_if_ip(FieldId::IpTtl, (*ttl).into(), false),
            Action::SetL4Src(p) => self.set_l4(true, *p),
            Action::SetL4Dst(p) => self.set_l4(false, *p),
            Action::DecMplsTtl => {
                if self.is_mpls() {
                    let ttl = self.view.get(FieldId::MplsTtl) as u8;
                    if ttl <= 1 {
                        self.controller(reason::INVALID_TTL, 0, 0);
                        self.exit = true;
                    } else {
                        self.write(FieldId::MplsTtl, (ttl - 1).into(), 0xff);
                    }
                }
            }
            Action::SetMplsLabel(l) => self.set_if_mpls(FieldId::MplsLabel, (*l).into()),
            Action::SetMplsTc(tc) => self.set_if_mpls(FieldId::MplsTc, (*tc).into()),
            Action::SetMplsTtl(t) => self.set_if_mpls(FieldId::MplsTtl, (*t).into()),
            Action::PushMpls(et) => self.push_mpls(*et),
            Action::PopMpls(et) => self.pop_mpls(*et),
            Action::SetTunnel { id, .. } => {
                self.write(FieldId::TunId, (*id).into(), u64::MAX.into())
            }
            Action::Clone(inner) => {
                let inner = inner.clone();
                self.in_clone(|c| c.do_actions(&inner));
            }
            Action::Meter(id) => self.out.push(DpAction::Meter(*id)),
            Action::ClearActions => self.action_set.clear(),
            Action::WriteActions(list) => self.write_actions(list),
            Action::WriteMetadata { value, mask } => {
                self.write(FieldId::Metadata, (*value).into(), (*mask).into())
            }
            Action::GotoTable(t) => self.run_table(*t),
            Action::CtClear
            | Action::Ct(_)
            | Action::Nat(_)
            | Action::Learn(_)
            | Action::Multipath(_)
            | Action::Bundle(_)
            | Action::OutputTrunc { .. }
            | Action::FinTimeout { .. }
            | Action::Sample(_)
            | Action::StackPush(_)
            | Action::StackPop(_)
            | Action::CheckPktLarger { .. } => {
                log::debug!(
                    "{}: action {} is not supported",
                    self.bridge.name(),
                    a.kind_name()
                );
            }
        }
    }

    /// A write of translation's own (recorded as consulted, see [`FlowView::set`]).
    pub(crate) fn write(&mut self, id: FieldId, value: u128, mask: u128) {
        let mut w = Flow::default();
        access::set(&mut w, id, mask);
        self.written.union_with(&w);
        if matches!(
            id,
            FieldId::VlanTci
                | FieldId::VlanVid
                | FieldId::DlVlan
                | FieldId::VlanPcp
                | FieldId::DlVlanPcp
        ) {
            self.vlan_dirty = true;
        }
        self.view.set(id, value, mask);
    }

    fn write_eth(&mut self, id: FieldId, m: EthAddr) {
        let v = m.0.iter().fold(0u128, |acc, &b| acc << 8 | u128::from(b));
        self.write(id, v, field_ones(id));
    }

    fn is_ip(&mut self) -> bool {
        matches!(self.view.dl_type(), ethertype::IPV4 | ethertype::IPV6)
    }

    fn is_mpls(&mut self) -> bool {
        matches!(self.view.dl_type(), ethertype::MPLS | ethertype::MPLS_MCAST)
    }

    fn set_if_ip(&mut self, id: FieldId, v: u128, v4_only: bool) {
        let t = self.view.dl_type();
        if t == ethertype::IPV4 || (!v4_only && t == ethertype::IPV6) {
            self.write(id, v, field_ones(id));
        }
    }

    fn set_if_mpls(&mut self, id: FieldId, v: u128) {
        if self.is_mpls() {
            self.write(id, v, field_ones(id));
        }
    }

    fn set_l4(&mut self, src: bool, p: u16) {
        if !self.is_ip() {
            return;
        }
        let id = match (self.view.nw_proto(), src) {
            (6, true) => FieldId::TcpSrc,
            (6, false) => FieldId::TcpDst,
            (17, true) => FieldId::UdpSrc,
            (17, false) => FieldId::UdpDst,
            (132, true) => FieldId::SctpSrc,
            (132, false) => FieldId::SctpDst,
            _ => return,
        };
        self.write(id, p.into(), 0xffff);
    }

    fn set_field(&mut self, id: FieldId, value: u128, mask: u128) {
        // Set the field only if the packet has it (OVS checks prerequisites at
        // translation time too: earlier actions may have changed the packet).
        let f = id.field();
        self.view.dl_type();
        self.view.nw_proto();
        self.view.vlan_tci();
        let m = Match {
            flow: *self.view.peek(),
            mask: Flow::exact_mask(),
        };
        if !m.prereqs_ok(f) {
            return;
        }
        if matches!(
            id,
            FieldId::VlanVid | FieldId::VlanPcp | FieldId::DlVlan | FieldId::DlVlanPcp
        ) && self.view.peek().vlan_tci & VLAN_CFI == 0
        {
            return;
        }
        let mask = mask & field_ones(id);
        let mask = if id == FieldId::VlanVid {
            mask & 0xfff
        } else {
            mask
        };
        self.write(id, value, mask);
    }

    fn set_vlan(&mut self, vid: Option<u16>, pcp: Option<u8>, push: bool) {
        let tci = self.view.vlan_tci();
        if tci & VLAN_CFI == 0 {
            if !push {
                return;
            }
            self.push_vlan(ethertype::VLAN);
        }
        if let Some(v) = vid {
            self.write(FieldId::DlVlan, v.into(), 0xfff);
        }
        if let Some(p) = pcp {
            self.write(FieldId::VlanPcp, p.into(), 7);
        }
    }

    fn pop_vlan(&mut self) {
        let tci = self.view.vlan_tci();
        if tci & VLAN_CFI == 0 {
            return;
        }
        self.view.get(FieldId::VlanTci);
        self.view.record(FieldId::VlanTci, 0xffff);
        self.vlan_dirty = true;
        let f = self.view.poke();
        f.vlan_tci = f.vlan1_tci;
        f.vlan_tpid = f.vlan1_tpid;
        f.vlan1_tci = 0;
        f.vlan1_tpid = 0;
        self.record_vlans();
    }

    fn push_vlan(&mut self, tpid: u16) {
        self.view.vlan_tci();
        self.record_vlans();
        self.vlan_dirty = true;
        let f = self.view.poke();
        f.vlan1_tci = f.vlan_tci;
        f.vlan1_tpid = f.vlan_tpid;
        f.vlan_tci |= VLAN_CFI;
        f.vlan_tpid = tpid;
    }

    fn record_vlans(&mut self) {
        let m = Flow {
            vlan_tci: u16::MAX,
            vlan_tpid: u16::MAX,
            vlan1_tci: u16::MAX,
            vlan1_tpid: u16::MAX,
            ..Flow::default()
        };
        self.view.record_mask(&m);
    }

    /// `dec_ttl`: false if the TTL ran out (the packet went to the controllers and
    /// processing stops).
    fn dec_ttl(&mut self, ids: Option<&[u16]>) -> bool {
        if !self.is_ip() {
            return true;
        }
        let ttl = self.view.nw_ttl();
        if ttl <= 1 {
            match ids {
                Some(ids) if !ids.is_empty() => {
                    for id in ids {
                        self.controller(reason::INVALID_TTL, 0, *id);
                    }
                }
                _ => self.controller(reason::INVALID_TTL, 0, 0),
            }
            return false;
        }
        self.write(FieldId::IpTtl, (ttl - 1).into(), 0xff);
        true
    }

    fn push_mpls(&mut self, et: u16) {
        self.commit();
        let dl_type = self.view.dl_type();
        let f = *self.view.peek();
        let lse = if matches!(dl_type, ethertype::MPLS | ethertype::MPLS_MCAST) {
            self.view.get(FieldId::MplsLabel);
            self.view.get(FieldId::MplsTc);
            self.view.get(FieldId::MplsTtl);
            f.mpls_lse[0] & !0x100
        } else {
            let (tc, ttl) = if matches!(dl_type, ethertype::IPV4 | ethertype::IPV6) {
                (
                    u32::from(self.view.nw_tos() >> 5),
                    u32::from(self.view.nw_ttl()),
                )
            } else {
                (0, 64)
            };
            (tc << 9) | 0x100 | ttl
        };
        self.out.push(DpAction::PushMpls { ethertype: et, lse });
        for fl in [self.view.poke(), &mut self.base] {
            fl.mpls_lse = [lse, fl.mpls_lse[0], fl.mpls_lse[1]];
            fl.dl_type = et;
        }
    }

    fn pop_mpls(&mut self, et: u16) {
        if !self.is_mpls() {
            return;
        }
        self.commit();
        let bos = self.view.get(FieldId::MplsBos) != 0;
        self.out.push(DpAction::PopMpls { ethertype: et });
        for fl in [self.view.poke(), &mut self.base] {
            fl.mpls_lse = [fl.mpls_lse[1], fl.mpls_lse[2], 0];
            if bos {
                fl.dl_type = et;
            }
        }
    }

    fn resubmit(&mut self, in_port: u32, table: u8) {
        let table = if table == 255 { self.table_id } else { table };
        let saved = self.view.peek().in_port;
        if in_port != port::IN_PORT {
            self.view.poke().in_port = in_port;
        }
        self.run_table(table);
        self.view.poke().in_port = saved;
    }

    /// Adds `list` to the action set: one action per kind (per field for set-field),
    /// later ones replacing earlier ones.
    fn write_actions(&mut self, list: &[Action]) {
        for a in list {
            let same = |b: &Action| match (a, b) {
                (Action::SetField { field: x, .. }, Action::SetField { field: y, .. }) => x == y,
                _ => std::mem::discriminant(a) == std::mem::discriminant(b),
            };
            self.action_set.retain(|b| !same(b));
            self.action_set.push(a.clone());
        }
    }

    /// Runs the action set in OpenFlow's order: pops, pushes, TTL, sets, then group
    /// or output.
    fn run_action_set(&mut self) {
        if self.action_set.is_empty() || self.error {
            return;
        }
        let set = std::mem::take(&mut self.action_set);
        let rank = |a: &Action| match a {
            Action::StripVlan { .. } | Action::PopMpls(_) => 0,
            Action::PushMpls(_) => 1,
            Action::PushVlan(_) => 2,
            Action::DecTtl(_) | Action::DecMplsTtl => 3,
            Action::Output { .. } | Action::Group(_) | Action::Enqueue { .. } => 6,
            Action::SetQueue(_) => 5,
            _ => 4,
        };
        let mut ordered: Vec<&Action> = set.iter().collect();
        ordered.sort_by_key(|a| rank(a));
        let has_group = set.iter().any(|a| matches!(a, Action::Group(_)));
        self.exit = false;
        for a in ordered {
            if has_group && matches!(a, Action::Output { .. } | Action::Enqueue { .. }) {
                continue;
            }
            if self.exit || self.error {
                break;
            }
            self.do_action(a);
        }
    }

    /// Runs `f` on a copy of the packet: whatever it changes is undone afterwards.
    /// The copy's datapath actions go inline when the changes they make can be
    /// undone by the next commit (VLAN tags and settable fields), else into a
    /// datapath `clone`.
    pub(crate) fn in_clone(&mut self, f: impl FnOnce(&mut Self)) {
        let saved_flow = *self.view.peek();
        let saved_base = self.base;
        let saved_written = self.written;
        let saved_dirty = self.vlan_dirty;
        let saved_set = std::mem::take(&mut self.action_set);
        let saved_exit = self.exit;
        let outer = std::mem::take(&mut self.out);
        f(self);
        let inner = std::mem::replace(&mut self.out, outer);
        let inner_base = self.base;
        *self.view.poke() = saved_flow;
        self.written = saved_written;
        self.vlan_dirty = saved_dirty;
        self.action_set = saved_set;
        self.exit = saved_exit;
        let inline = inner.iter().all(|a| {
            matches!(
                a,
                DpAction::Output(_)
                    | DpAction::PushVlan { .. }
                    | DpAction::PopVlan
                    | DpAction::Set(_)
            )
        });
        if inline {
            for a in inner {
                match a {
                    DpAction::Output(_) => self.push_output(a),
                    a => self.out.push(a),
                }
            }
            // What the copy changed is still on the packet: the next commit puts
            // it back. The differences come from writes and VLAN changes that were
            // recorded when made.
            self.base = inner_base;
            self.mark_restore(&saved_base);
        } else {
            self.base = saved_base;
            self.out.push(DpAction::Clone(inner));
        }
    }

    /// Marks as pending every field where the packet (`self.base`) differs from
    /// `before`, so that the next commit restores it.
    fn mark_restore(&mut self, before: &Flow) {
        let b = self.base.words();
        let o = before.words();
        let mut diff = [0u64; rvs_packet::FLOW_WORDS];
        for i in 0..diff.len() {
            diff[i] = b[i] ^ o[i];
        }
        let diff = Flow::from_words(&diff);
        if diff.vlan_tci != 0 || diff.vlan1_tci != 0 || diff.vlan_tpid != 0 || diff.vlan1_tpid != 0
        {
            self.vlan_dirty = true;
        }
        self.written.union_with(&diff);
    }

    fn push_output(&mut self, a: DpAction) {
        // A second identical output with nothing changed in between adds nothing.
        if let Some(i) = self.out.iter().rposition(|x| *x == a) {
            if self.out[i..]
                .iter()
                .all(|x| matches!(x, DpAction::Output(_)))
            {
                return;
            }
        }
        self.out.push(a);
    }

    /// An `output` action (or `enqueue`/`output:reg`) to OpenFlow port `p`.
    fn output_action(&mut self, p: u32, max_len: u16) {
        let in_port = self.view.peek().in_port;
        match p {
            port::IN_PORT => self.output(in_port),
            port::TABLE => {
                // Only meaningful in packet-out: the packet goes through the tables.
                self.run_table(0);
            }
            port::NORMAL => self.normal(),
            port::FLOOD | port::ALL => self.flood(None),
            port::CONTROLLER => self.controller(OFPR_ACTION, max_len, 0),
            port::ANY => {}
            p if p == in_port => {
                // OpenFlow forbids output to the input port except through IN_PORT.
            }
            p => self.output(p),
        }
    }

    /// Outputs to port `p` of the current bridge: a datapath port, or a patch port
    /// whose peer bridge then handles the packet as received on the peer.
    pub(crate) fn output(&mut self, p: u32) {
        let bridge = self.bridge;
        let Some(port) = bridge.port(p) else { return };
        match &port.peer {
            None => {
                self.commit();
                self.push_output(DpAction::Output(port.odp_port));
            }
            Some(peer) => {
                let Some((peer_bridge, peer_port)) = (self.peers)(peer) else {
                    return;
                };
                self.cross_patch(peer_bridge, peer_port);
            }
        }
    }

    /// Continues translation in `peer` as if the packet arrived on `peer_port`, with
    /// a fresh pipeline (registers, metadata and action set start empty).
    fn cross_patch(&mut self, peer: &'a Bridge, peer_port: u32) {
        if !self.enter() {
            return;
        }
        let saved_flow = *self.view.peek();
        let saved_bridge = self.bridge;
        let saved_in = self.in_ofport;
        let saved_set = std::mem::take(&mut self.action_set);
        let saved_exit = self.exit;
        let (saved_table, saved_cookie) = (self.table_id, self.cookie);
        {
            let f = self.view.poke();
            f.in_port = peer_port;
            f.regs = [0; FLOW_N_REGS];
            f.metadata = 0;
        }
        self.bridge = peer;
        self.in_ofport = peer_port;
        self.exit = false;
        // The peer works on a copy: whatever it changes is undone for this bridge.
        let traced = self.trace_bridge(peer.name());
        self.in_clone(|c| c.pipeline(0));
        self.trace_restore(traced);
        *self.view.poke() = saved_flow;
        self.bridge = saved_bridge;
        self.in_ofport = saved_in;
        self.action_set = saved_set;
        self.exit = saved_exit;
        self.table_id = saved_table;
        self.cookie = saved_cookie;
        self.leave();
    }

    /// A `controller` action: a packet-in through the slow path.
    pub(crate) fn controller(&mut self, reason: u8, max_len: u16, controller_id: u16) {
        self.commit();
        let reason = if self.in_packet_out && reason == reason::ACTION {
            reason::PACKET_OUT
        } else {
            reason
        };
        let cookie = PacketInCookie {
            reason,
            table_id: self.table_id,
            max_len,
            controller_id,
            bridge: self.bridge.index,
            in_port: self.in_ofport,
            cookie: self.cookie,
        };
        self.out.push(DpAction::Userspace {
            userdata: cookie.encode(),
        });
    }

    /// Applies group `id`.
    fn group(&mut self, id: u32) {
        let bridge = self.bridge;
        let Some(g) = bridge.groups.get(&id) else {
            return;
        };
        if !self.enter() {
            return;
        }
        self.credits.group(&g.stats);
        match g.type_ {
            group::ALL => {
                for b in &g.buckets {
                    self.in_clone(|c| c.do_actions(&b.actions));
                }
            }
            group::SELECT => {
                let h = self.select_hash();
                if let Some(b) = g.select(h) {
                    self.in_clone(|c| c.do_actions(&b.actions));
                }
            }
            group::INDIRECT => {
                if let Some(b) = g.buckets.first() {
                    self.in_clone(|c| c.do_actions(&b.actions));
                }
            }
            _ => {
                if let Some(b) = g.buckets.iter().find(|b| self.bucket_live(b, 0)) {
                    self.in_clone(|c| c.do_actions(&b.actions));
                }
            }
        }
        self.leave();
    }

    fn bucket_live(&self, b: &rvs_openflow::group::Bucket, depth: u32) -> bool {
        if depth > 8 {
            return false;
        }
        let port_ok = b.watch_port == port::ANY || self.bridge.port(b.watch_port).is_some();
        let group_ok = b.watch_group == u32::MAX
            || self
                .bridge
                .groups
                .get(&b.watch_group)
                .is_some_and(|g| g.buckets.iter().any(|x| self.bucket_live(x, depth + 1)));
        port_ok && group_ok
    }

    /// The hash a select group picks a bucket by: Ethernet and IP addresses and L4
    /// ports, all recorded.
    fn select_hash(&mut self) -> u32 {
        let mut k = Flow::default();
        let m = Flow {
            dl_src: EthAddr::BROADCAST,
            dl_dst: EthAddr::BROADCAST,
            dl_type: u16::MAX,
            nw_src: u32::MAX,
            nw_dst: u32::MAX,
            nw_proto: u8::MAX,
            tp_src: u16::MAX,
            tp_dst: u16::MAX,
            ipv6_src: [0xff; 16],
            ipv6_dst: [0xff; 16],
            ..Flow::default()
        };
        self.view.record_mask(&m);
        let f = self.view.peek();
        k.dl_src = f.dl_src;
        k.dl_dst = f.dl_dst;
        k.dl_type = f.dl_type;
        k.nw_src = f.nw_src;
        k.nw_dst = f.nw_dst;
        k.nw_proto = f.nw_proto;
        k.tp_src = f.tp_src;
        k.tp_dst = f.tp_dst;
        k.ipv6_src = f.ipv6_src;
        k.ipv6_dst = f.ipv6_dst;
        k.masked(&m).hash()
    }
}
