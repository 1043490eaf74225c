//! The NORMAL action: an 802.1D learning switch per VLAN, with the port VLAN modes
//! ([`crate::vlan`]), flooding within the VLAN and never back out of the input port.

use rvs_packet::{VLAN_CFI, VLAN_PCP_MASK, VLAN_VID_MASK};

use crate::xlate::{Ctx, SideEffects};

impl Ctx<'_> {
    /// NORMAL for the packet as it is now, on the current bridge.
    pub(crate) fn normal(&mut self) {
        let bridge = self.bridge;
        let in_port = self.view.peek().in_port;
        let Some(inp) = bridge.port(in_port) else {
            return;
        };
        let dst = self.view.dl_dst();
        // Like OVS without other_config:forward-bpdu: 802.1D reserved groups are dropped.
        if dst.is_reserved_multicast() {
            return;
        }
        let tci = self.view.vlan_tci();
        let vid = (tci & VLAN_CFI != 0 && tci & VLAN_VID_MASK != 0).then_some(tci & VLAN_VID_MASK);
        let Some(vlan) = inp.vlan.input_vlan(vid) else {
            log::debug!(
                "{}: dropping VLAN {} packet received on port {} not configured for it",
                bridge.name(),
                vid.unwrap_or(0),
                inp.name
            );
            return;
        };
        let src = self.view.dl_src();
        if self.fx == SideEffects::Allow {
            self.learned |= bridge.mac_learning().learn(vlan, src, in_port, self.now);
        }
        if dst.is_multicast() {
            self.flood(Some(vlan));
            return;
        }
        let learned = bridge.mac_learning().lookup(vlan, dst, self.now);
        match learned {
            // Learned on the input port: the destination is behind it; drop.
            Some(p) if p == in_port => {
                self.trace_detail(|| "learned port is input port, dropping".into());
            }
            Some(p) if bridge.port(p).is_some() => {
                self.trace_detail(|| "forwarding to learned port".into());
                self.output_in_vlan(p, vlan)
            }
            _ => {
                self.trace_detail(|| "no learned MAC for destination, flooding".into());
                self.flood(Some(vlan))
            }
        }
    }

    /// Floods to every port but the input one: within `vlan` (NORMAL, which tags
    /// per port) or, with `None`, as the packet is (FLOOD and ALL).
    pub(crate) fn flood(&mut self, vlan: Option<u16>) {
        let bridge = self.bridge;
        let in_port = self.view.peek().in_port;
        for p in bridge.ports() {
            if p.ofport == in_port {
                continue;
            }
            match vlan {
                Some(v) => self.output_in_vlan(p.ofport, v),
                None => self.output(p.ofport),
            }
        }
    }

    /// Outputs to `port` a packet of `vlan`, tagged as that port's VLAN mode wants.
    fn output_in_vlan(&mut self, port: u32, vlan: u16) {
        let Some(p) = self.bridge.port(port) else {
            return;
        };
        if !p.vlan.includes(vlan) {
            return;
        }
        let cur = self.view.peek().vlan_tci;
        let pcp = if cur & VLAN_CFI != 0 {
            cur & VLAN_PCP_MASK
        } else {
            0
        };
        let tci = match p.vlan.output_vid(vlan) {
            None => 0,
            Some(v) => pcp | VLAN_CFI | v,
        };
        if tci == cur {
            self.output(port);
            return;
        }
        let saved = *self.view.peek();
        {
            let f = self.view.poke();
            if tci == 0 {
                f.vlan_tci = f.vlan1_tci;
                f.vlan_tpid = f.vlan1_tpid;
                f.vlan1_tci = 0;
                f.vlan1_tpid = 0;
            } else {
                if cur & VLAN_CFI == 0 {
                    f.vlan_tpid = rvs_packet::ethertype::VLAN;
                }
                f.vlan_tci = tci;
            }
        }
        self.vlan_dirty = true;
        self.output(port);
        let f = self.view.poke();
        f.vlan_tci = saved.vlan_tci;
        f.vlan_tpid = saved.vlan_tpid;
        f.vlan1_tci = saved.vlan1_tci;
        f.vlan1_tpid = saved.vlan1_tpid;
        self.vlan_dirty = true;
    }
}
