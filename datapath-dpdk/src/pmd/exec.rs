//! The slow path of action execution: packets whose actions change or multiply them.
//! Such a packet is copied out of the receive batch into a [`PacketBuf`] once; each
//! `output` queues a copy of it as it is at that point.

use rvs_packet::actions::DpAction;
use rvs_packet::buf::PacketBuf;
use rvs_packet::rewrite;
use rvs_packet::{extract_packet_into, Flow, Layout};

use super::{DropReason, Pmd, PmdStats, MAX_RECIRC_DEPTH};
use crate::cache::PacketKey;

/// A hash of the packet's L4 tuple and `basis`, for the `hash` action (OVS's
/// `hash(l4(basis))`): the same for every packet of a connection, in either order.
fn l4_hash(flow: &Flow, basis: u32) -> u32 {
    let mut tuple = Flow {
        nw_proto: flow.nw_proto,
        dl_type: flow.dl_type,
        ..Flow::default()
    };
    let (a, b) = (flow.nw_src.min(flow.nw_dst), flow.nw_src.max(flow.nw_dst));
    tuple.nw_src = a;
    tuple.nw_dst = b;
    tuple.tp_src = flow.tp_src.min(flow.tp_dst);
    tuple.tp_dst = flow.tp_src.max(flow.tp_dst);
    tuple.ipv6_src = flow.ipv6_src.min(flow.ipv6_dst);
    tuple.ipv6_dst = flow.ipv6_src.max(flow.ipv6_dst);
    tuple.in_port = basis;
    let h = tuple.hash();
    if h == 0 {
        1
    } else {
        h
    }
}

impl Pmd {
    fn next_random(&mut self) -> u32 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 17;
        self.rng ^= self.rng << 5;
        self.rng
    }

    /// Runs `actions` on `buf`, whose headers `layout` locates and whose flow is
    /// `flow` (for recirculation, hashing and userspace).
    pub(super) fn execute_slow(
        &mut self,
        mut buf: PacketBuf,
        mut layout: Layout,
        mut flow: Flow,
        actions: &[DpAction],
        depth: u32,
    ) {
        let mut trunc: Option<usize> = None;
        for (n, a) in actions.iter().enumerate() {
            let ok = match a {
                DpAction::Output(p) => {
                    let data = buf.data();
                    let len = trunc.take().map_or(data.len(), |t| t.min(data.len()));
                    let frame = data[..len].to_vec();
                    self.queue_owned(*p, frame);
                    true
                }
                DpAction::PushVlan { tpid, tci } => {
                    rewrite::push_vlan(&mut buf, &mut layout, *tpid, *tci).is_ok()
                }
                DpAction::PopVlan => rewrite::pop_vlan(&mut buf, &mut layout).is_ok(),
                DpAction::PushMpls { ethertype, lse } => {
                    rewrite::push_mpls(&mut buf, &mut layout, *ethertype, *lse).is_ok()
                }
                DpAction::PopMpls { ethertype } => {
                    rewrite::pop_mpls(&mut buf, &mut layout, *ethertype).is_ok()
                }
                DpAction::Set(f) => rewrite::set_field(buf.data_mut(), &layout, f).is_ok(),
                DpAction::Recirc(id) => {
                    if n + 1 == actions.len() {
                        // The last action: the packet itself goes round again.
                        self.recirculate(buf, flow.in_port, *id, flow.dp_hash, depth);
                        return;
                    }
                    self.recirculate(buf.clone(), flow.in_port, *id, flow.dp_hash, depth);
                    true
                }
                DpAction::Hash { basis } => {
                    flow.dp_hash = l4_hash(&flow, *basis);
                    true
                }
                DpAction::Userspace { userdata } => {
                    self.handler.userspace(buf.data(), &flow, userdata);
                    true
                }
                DpAction::Clone(inner) => {
                    self.execute_slow(buf.clone(), layout, flow, inner, depth);
                    true
                }
                DpAction::Sample {
                    probability,
                    actions: inner,
                } => {
                    if self.next_random() <= *probability {
                        self.execute_slow(buf.clone(), layout, flow, inner, depth);
                    }
                    true
                }
                DpAction::Truncate(max) => {
                    trunc = Some(*max as usize);
                    true
                }
                // No meters exist yet; OVS passes packets through an unknown meter.
                DpAction::Meter(_) => true,
                DpAction::Ct { .. } => {
                    self.stats.count_drop(DropReason::CtUnsupported, 1);
                    return;
                }
                DpAction::TunnelPop(_) => {
                    self.stats.count_drop(DropReason::TunnelUnsupported, 1);
                    return;
                }
            };
            if !ok {
                self.stats.count_drop(DropReason::RewriteFailed, 1);
                return;
            }
        }
    }

    /// Runs the packet through the caches again with `recirc_id` set.
    fn recirculate(
        &mut self,
        buf: PacketBuf,
        in_port: u32,
        recirc_id: u32,
        dp_hash: u32,
        depth: u32,
    ) {
        if depth + 1 > MAX_RECIRC_DEPTH {
            self.stats.count_drop(DropReason::RecircDepth, 1);
            return;
        }
        PmdStats::add(&self.stats.passes, 1);
        let mut flow = Flow::default();
        let layout = extract_packet_into(buf.data(), in_port, &mut flow);
        flow.recirc_id = recirc_id;
        flow.dp_hash = dp_hash;
        let pk = PacketKey::of_packet(&flow);
        let actions = self.caches.classify_any(
            &flow,
            &pk,
            buf.data(),
            &*self.handler,
            &self.stats,
            &self.params,
            self.now_ms,
        );
        if actions.list.is_empty() {
            self.stats.count_drop(DropReason::FlowDrop, 1);
        }
        let actions = std::sync::Arc::clone(actions);
        self.execute_slow(buf, layout, flow, &actions.list, depth + 1);
    }
}
