//! `ofproto/trace`: what translation did with one packet, as a tree laid out like
//! OVS's (`bridge("br0")`, one node per table visited with the rule that matched,
//! the rule's actions under it, details of NORMAL, patch-port crossings as nested
//! bridges), followed by the final flow, the megaflow and the datapath actions.
//!
//! Translation reports into a [`Trace`] only when one is attached to it
//! ([`Registry::trace`]); a packet's upcall never carries one, so the packet path pays
//! a test of an `Option` per table and action and nothing else.
//!
//! The tree is printed as OVS prints its trace nodes: a node is indented one step
//! further when it has a following sibling or is a leaf (an action or a detail), and
//! its children another step further then. So `goto_table` as a rule's last
//! instruction continues at the same depth, while a `resubmit` followed by more
//! actions nests.

use std::fmt::Write as _;
use std::time::Instant;

use rvs_openflow::actions::{text::format_actions, Action};
use rvs_openflow::Match;
use rvs_packet::actions::format_actions as format_dp_actions;
use rvs_packet::{Flow, MatchDisplay};

use crate::registry::Registry;
use crate::rule::Rule;
use crate::xlate::{Ctx, SideEffects, XlateIn, XlateOut};

/// What a trace node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A bridge the packet travels through (the first, or a patch port's peer).
    Bridge,
    /// A table lookup and the rule it found.
    Table,
    /// One action of a rule.
    Action,
    /// A detail of an action (`-> ...`).
    Detail,
    /// Something worrisome (`>> ...`).
    Warn,
    /// An error (`>>>> ... <<<<`).
    Error,
}

impl NodeKind {
    fn is_leaf(self) -> bool {
        matches!(
            self,
            NodeKind::Action | NodeKind::Detail | NodeKind::Warn | NodeKind::Error
        )
    }
}

/// One node of the trace tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// What it is.
    pub kind: NodeKind,
    /// Its line, without indentation or decoration.
    pub text: String,
    /// Nodes under it.
    pub subs: Vec<Node>,
}

/// A trace being built: the tree and the path to the list new nodes go into.
#[derive(Debug, Default, Clone)]
pub struct Trace {
    root: Vec<Node>,
    /// Indexes from the root down to the node whose children receive reports.
    path: Vec<usize>,
}

/// Where a trace stood before a node was entered; [`Trace::restore`] goes back there.
#[derive(Debug, Clone, Copy)]
pub struct Mark(usize);

impl Trace {
    /// An empty trace.
    pub fn new() -> Trace {
        Trace::default()
    }

    /// The top-level nodes.
    pub fn nodes(&self) -> &[Node] {
        &self.root
    }

    fn current(&mut self) -> &mut Vec<Node> {
        let mut list = &mut self.root;
        for &i in &self.path {
            list = &mut list[i].subs;
        }
        list
    }

    /// Adds a node to the current list.
    pub fn report(&mut self, kind: NodeKind, text: String) {
        self.current().push(Node {
            kind,
            text,
            subs: Vec::new(),
        });
    }

    /// Adds a node and makes its children the current list until [`Trace::restore`].
    pub fn enter(&mut self, kind: NodeKind, text: String) -> Mark {
        let mark = Mark(self.path.len());
        let list = self.current();
        list.push(Node {
            kind,
            text,
            subs: Vec::new(),
        });
        let i = list.len() - 1;
        self.path.push(i);
        mark
    }

    /// Returns to where the trace stood at `mark`.
    pub fn restore(&mut self, mark: Mark) {
        self.path.truncate(mark.0);
    }

    /// The tree as OVS prints it.
    pub fn render(&self) -> String {
        let mut s = String::new();
        render(&mut s, &self.root, 0);
        s
    }
}

fn render(out: &mut String, nodes: &[Node], level: usize) {
    for (i, n) in nodes.iter().enumerate() {
        if n.kind == NodeKind::Bridge {
            out.push('\n');
        }
        let more = usize::from(i + 1 < nodes.len() || n.kind.is_leaf());
        let indent = " ".repeat((level + more) * 4);
        let _ = match n.kind {
            NodeKind::Detail => writeln!(out, "{indent} -> {}", n.text),
            NodeKind::Warn => writeln!(out, "{indent} >> {}", n.text),
            NodeKind::Error => writeln!(out, "{indent} >>>> {} <<<<", n.text),
            NodeKind::Bridge => writeln!(
                out,
                "{indent}{}\n{indent}{}",
                n.text,
                "-".repeat(n.text.len())
            ),
            NodeKind::Table | NodeKind::Action => writeln!(out, "{indent}{}", n.text),
        };
        render(out, &n.subs, level + 2 * more);
    }
}

/// The line of a table visit: `" 1. ip,nw_dst=10.0.0.2, priority 100"`, with the
/// cookie when it is not zero, or `" 1. No match."`.
pub fn table_line(table: u8, rule: Option<&Rule>, packet_in: bool) -> String {
    let mut s = format!("{table:2}. ");
    match rule {
        None if packet_in => s.push_str("No match, and a \"packet-in\" is called for."),
        None => s.push_str("No match."),
        Some(r) => {
            let _ = write!(
                s,
                "{}",
                r.m.display(rvs_openflow::matches::DEFAULT_PRIORITY)
            );
            if !s.ends_with(' ') {
                s.push_str(", ");
            }
            let _ = write!(s, "priority {}", r.priority);
            if r.cookie != 0 {
                let _ = write!(s, ", cookie {:#x}", r.cookie);
            }
        }
    }
    s
}

/// Hooks translation calls; each does nothing unless a trace is attached.
impl Ctx<'_> {
    /// Reports a table visit and enters it: what the rule does goes under it.
    pub(crate) fn trace_table(&mut self, table: u8, rule: Option<&Rule>) -> Option<Mark> {
        let miss_to_controller = rule.is_none()
            && !(table == 0 && self.bridge.fail_open())
            && self.bridge.controller_state().miss_to_controller;
        let fail_open_miss = rule.is_none() && table == 0 && self.bridge.fail_open();
        let t = self.trace.as_mut()?;
        let mark = t.enter(NodeKind::Table, table_line(table, rule, miss_to_controller));
        match rule {
            Some(r) if r.actions.is_empty() => t.report(NodeKind::Action, "drop".into()),
            None if fail_open_miss => t.report(NodeKind::Action, "NORMAL".into()),
            None if !miss_to_controller => t.report(NodeKind::Action, "drop".into()),
            _ => {}
        }
        Some(mark)
    }

    /// Reports one action about to run.
    pub(crate) fn trace_action(&mut self, a: &Action) {
        if let Some(t) = self.trace.as_mut() {
            t.report(NodeKind::Action, format_actions(std::slice::from_ref(a)));
        }
    }

    /// Reports crossing into bridge `name` (a patch port) and enters it.
    pub(crate) fn trace_bridge(&mut self, name: &str) -> Option<Mark> {
        let t = self.trace.as_mut()?;
        Some(t.enter(NodeKind::Bridge, format!("bridge(\"{name}\")")))
    }

    /// Reports a detail of the action running now; `text` is built only when tracing.
    pub(crate) fn trace_detail(&mut self, text: impl FnOnce() -> String) {
        if let Some(t) = self.trace.as_mut() {
            t.report(NodeKind::Detail, text());
        }
    }

    /// Leaves what a hook entered.
    pub(crate) fn trace_restore(&mut self, mark: Option<Mark>) {
        if let (Some(t), Some(m)) = (self.trace.as_mut(), mark) {
            t.restore(m);
        }
    }
}

/// One traced translation.
#[derive(Debug, Clone)]
pub struct TraceOut {
    /// The flow as it entered (OpenFlow numbering: `in_port` is the OpenFlow port).
    pub flow: Flow,
    /// The flow as translation left it.
    pub final_flow: Flow,
    /// The translation itself.
    pub xout: XlateOut,
    /// What happened, as a tree.
    pub tree: Trace,
}

impl TraceOut {
    /// The megaflow as OVS prints it: the input flow under the mask translation
    /// recorded, with `recirc_id` and the packet type that every megaflow matches.
    pub fn megaflow(&self) -> Match {
        let mut mask = self.xout.mask;
        mask.recirc_id = u32::MAX;
        mask.packet_type = u32::MAX;
        // Pipeline state that no datapath flow carries: translation records writes
        // to it, but it is zero in every packet a megaflow sees.
        mask.regs = [0; rvs_packet::FLOW_N_REGS];
        mask.metadata = 0;
        mask.actset_output = 0;
        mask.conj_id = 0;
        Match {
            flow: self.flow.masked(&mask),
            mask,
        }
    }

    /// The whole report as `ovs-appctl ofproto/trace` prints it.
    pub fn render(&self) -> String {
        let mut s = format!("Flow: {}\n", flow_text(&self.flow));
        s.push_str(&self.tree.render());
        s.push_str("\nFinal flow: ");
        if self.final_flow.words() == self.flow.words() {
            s.push_str("unchanged");
        } else {
            s.push_str(&flow_text(&self.final_flow));
        }
        let m = self.megaflow();
        let _ = writeln!(
            s,
            "\nMegaflow: {}",
            MatchDisplay {
                flow: &m.flow,
                mask: &m.mask
            }
        );
        let _ = writeln!(
            s,
            "Datapath actions: {}",
            format_dp_actions(&self.xout.actions)
        );
        s
    }
}

/// A flow as OVS's `flow_format()` prints it in a trace: the packet's fields plus
/// the registers and metadata that are not zero.
pub fn flow_text(flow: &Flow) -> String {
    let mut mask = flow.format_mask();
    for (m, v) in mask.regs.iter_mut().zip(flow.regs) {
        *m = if v == 0 { 0 } else { u32::MAX };
    }
    mask.metadata = if flow.metadata == 0 { 0 } else { u64::MAX };
    MatchDisplay { flow, mask: &mask }.to_string()
}

impl Registry {
    /// Traces `flow` (OpenFlow numbering: `flow.in_port` is an OpenFlow port of
    /// `bridge`) through `bridge`'s tables. Nothing changes: no MAC is learned, no
    /// rule or group counter moves. `None` if there is no such bridge.
    pub fn trace(&self, bridge: &str, flow: &Flow) -> Option<TraceOut> {
        let b = self.bridge(bridge)?;
        let peers = |name: &str| self.patch_port(name);
        let x = XlateIn {
            bridge: b,
            in_ofport: flow.in_port,
            now: Instant::now(),
            fx: SideEffects::Forbid,
            credit: None,
            peers: &peers,
        };
        let mut ctx = Ctx::new(x, flow);
        let mut tree = Trace::new();
        let top = tree.enter(NodeKind::Bridge, format!("bridge(\"{bridge}\")"));
        ctx.trace = Some(Box::new(tree));
        ctx.pipeline(0);
        let final_flow = *ctx.view.peek();
        let mut tree = ctx.trace.take().map(|t| *t).unwrap_or_default();
        tree.restore(top);
        Some(TraceOut {
            flow: *flow,
            final_flow,
            xout: ctx.finish(),
            tree,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_like_ovs() {
        // table 0: resubmit(,1) then output:2; table 1 resubmits to 2 and pushes a
        // VLAN; table 2 loads a register. The layout OVS 3.1 prints for it.
        let mut t = Trace::new();
        let top = t.enter(NodeKind::Bridge, "bridge(\"br0\")".into());
        let t0 = t.enter(NodeKind::Table, " 0. in_port=1, priority 100".into());
        t.report(NodeKind::Action, "resubmit(,1)".into());
        let t1 = t.enter(NodeKind::Table, " 1. priority 100".into());
        t.report(NodeKind::Action, "resubmit(,2)".into());
        let t2 = t.enter(NodeKind::Table, " 2. priority 100".into());
        t.report(NodeKind::Action, "load:0x1->NXM_NX_REG1[]".into());
        t.restore(t2);
        t.report(NodeKind::Action, "push_vlan:0x8100".into());
        t.restore(t1);
        t.report(NodeKind::Action, "output:2".into());
        t.report(NodeKind::Detail, "forwarding to learned port".into());
        t.restore(t0);
        t.restore(top);
        let want = "\nbridge(\"br0\")\n-------------\n \
                    0. in_port=1, priority 100\n    \
                    resubmit(,1)\n     \
                    1. priority 100\n            \
                    resubmit(,2)\n             \
                    2. priority 100\n                    \
                    load:0x1->NXM_NX_REG1[]\n            \
                    push_vlan:0x8100\n    \
                    output:2\n     \
                    -> forwarding to learned port\n";
        assert_eq!(t.render(), want);
    }

    #[test]
    fn goto_table_as_last_instruction_stays_flat() {
        let mut t = Trace::new();
        t.enter(NodeKind::Bridge, "bridge(\"br0\")".into());
        t.enter(NodeKind::Table, " 0. priority 1".into());
        t.report(NodeKind::Action, "goto_table:1".into());
        t.enter(NodeKind::Table, " 1. No match.".into());
        t.report(NodeKind::Action, "drop".into());
        assert_eq!(
            t.render(),
            "\nbridge(\"br0\")\n-------------\n 0. priority 1\n    goto_table:1\n \
             1. No match.\n    drop\n"
        );
    }

    fn registry(flows: &[&str]) -> Registry {
        use rvs_openflow::flow_mod::{self, command};
        let mut r = Registry::new();
        r.ensure_bridge("br0", crate::FailMode::Secure);
        r.add_port("br0", "br0", 1, None, None);
        for i in 1..=2u32 {
            r.add_port("br0", &format!("p{i}"), i + 1, None, None);
        }
        for f in flows {
            let fm = flow_mod::parse(f, Some(command::ADD)).expect("flow").0;
            let b = r.bridge_mut("br0").expect("br0");
            b.flow_mod(&fm, Instant::now()).expect("flow_mod");
        }
        r
    }

    #[test]
    fn multi_table_trace() {
        let r = registry(&[
            "table=0,priority=100,in_port=1,ip,actions=set_field:0x5->reg0,resubmit(,1)",
            "table=0,priority=0,actions=drop",
            "table=1,priority=100,ip,nw_dst=10.0.0.2,\
             actions=set_field:aa:bb:cc:dd:ee:ff->eth_dst,goto_table:2",
            "table=2,priority=100,cookie=0x7,tcp,tp_dst=80,actions=output:2",
        ]);
        let flow = Flow {
            in_port: 1,
            dl_type: 0x0800,
            nw_proto: 6,
            nw_src: 0x0a00_0001,
            nw_dst: 0x0a00_0002,
            nw_ttl: 64,
            tp_dst: 80,
            ..Flow::default()
        };
        let before = r.bridge("br0").unwrap().tables()[2].rules()[0]
            .stats
            .packets
            .load(std::sync::atomic::Ordering::Relaxed);
        let t = r.trace("br0", &flow).expect("br0 exists");
        let text = t.render();
        let want_tree = "\nbridge(\"br0\")\n-------------\n \
                         0. ip,in_port=1, priority 100\n    \
                         set_field:0x5->reg0\n    \
                         resubmit(,1)\n \
                         1. ip,nw_dst=10.0.0.2, priority 100\n    \
                         set_field:aa:bb:cc:dd:ee:ff->eth_dst\n    \
                         goto_table:2\n \
                         2. tcp,tp_dst=80, priority 100, cookie 0x7\n    \
                         output:2\n";
        assert!(text.contains(want_tree), "{text}");
        assert!(text.starts_with("Flow: tcp,in_port=1,"), "{text}");
        assert!(
            text.contains("\nFinal flow: tcp,reg0=0x5,in_port=1,"),
            "{text}"
        );
        assert!(text.contains("dl_dst=aa:bb:cc:dd:ee:ff"), "{text}");
        let mega = text.lines().find(|l| l.starts_with("Megaflow: ")).unwrap();
        assert!(
            mega.starts_with("Megaflow: recirc_id=0,eth,tcp,in_port=1,"),
            "{mega}"
        );
        assert!(
            mega.contains("nw_dst=10.0.0.2") && mega.contains("tp_dst=80"),
            "{mega}"
        );
        // p2 is datapath port 3; the MAC rewrite is committed before the output.
        let dp = text
            .lines()
            .find(|l| l.starts_with("Datapath actions: "))
            .unwrap();
        assert_eq!(dp, "Datapath actions: set(eth(dst=aa:bb:cc:dd:ee:ff)),3");
        // Tracing changes nothing.
        let after = r.bridge("br0").unwrap().tables()[2].rules()[0]
            .stats
            .packets
            .load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(before, after);

        // A packet that misses in table 1 of a secure bridge with no controller.
        let mut other = flow;
        other.nw_dst = 0x0a00_0009;
        let text = r.trace("br0", &other).unwrap().render();
        assert!(text.contains("\n 1. No match.\n    drop\n"), "{text}");
        assert!(text.ends_with("Datapath actions: drop\n"), "{text}");
        assert!(r.trace("nope", &flow).is_none());
    }

    #[test]
    fn patch_port_crossing_is_a_nested_bridge() {
        use rvs_openflow::flow_mod::{self, command};
        let mut r = Registry::new();
        for b in ["br0", "br1"] {
            r.ensure_bridge(b, crate::FailMode::Secure);
        }
        assert_eq!(r.add_port("br0", "p1", 2, None, None), Some(1));
        assert_eq!(r.add_patch_port("br0", "pa", "pb", None, None), Some(2));
        assert_eq!(r.add_patch_port("br1", "pb", "pa", None, None), Some(1));
        assert_eq!(r.add_port("br1", "p2", 3, None, None), Some(2));
        for (b, f) in [
            ("br0", "in_port=1,actions=output:2"),
            ("br1", "in_port=1,actions=output:2"),
        ] {
            let fm = flow_mod::parse(f, Some(command::ADD)).unwrap().0;
            r.bridge_mut(b)
                .unwrap()
                .flow_mod(&fm, Instant::now())
                .unwrap();
        }
        let flow = Flow {
            in_port: 1,
            ..Flow::default()
        };
        let text = r.trace("br0", &flow).unwrap().render();
        let want = "\nbridge(\"br0\")\n-------------\n \
                    0. in_port=1, priority 32768\n    \
                    output:2\n\
                    \nbridge(\"br1\")\n-------------\n \
                    0. in_port=1, priority 32768\n    \
                    output:2\n\nFinal flow: unchanged\n";
        assert!(text.contains(want), "{text}");
        assert!(text.ends_with("Datapath actions: 3\n"), "{text}");
    }
}
