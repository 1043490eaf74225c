//! All bridges of one datapath, and the routing of upcalls to the bridge that owns the
//! input port.
//!
//! Threads: the control thread mutates the registry (behind the `RwLock` its owner
//! keeps); PMD threads call [`Registry::upcall`] under the read lock. MAC learning has
//! its own per-bridge mutex. The generation counter is an atomic shared with the PMDs,
//! bumped whenever a cached translation may have become wrong.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rvs_packet::Flow;

use rvs_openflow::actions::Action;

use crate::bridge::{Bridge, FailMode, OfPort};
use crate::xlate::{xlate, xlate_actions, SideEffects, XlateIn, XlateOut};

/// The bridges of one datapath.
#[derive(Debug, Default)]
pub struct Registry {
    bridges: BTreeMap<String, Bridge>,
    /// Datapath port → (bridge, OpenFlow port).
    by_odp: HashMap<u32, (String, u32)>,
    generation: Arc<AtomicU64>,
    next_index: u32,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// The counter PMDs watch to know when to drop cached flows.
    pub fn generation_handle(&self) -> Arc<AtomicU64> {
        self.generation.clone()
    }

    /// Marks every cached translation stale.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// Adds a bridge if it does not exist, and sets its fail mode.
    pub fn ensure_bridge(&mut self, name: &str, fail_mode: FailMode) {
        match self.bridges.get_mut(name) {
            Some(b) if b.fail_mode() == fail_mode => return,
            Some(b) => b.set_fail_mode(fail_mode),
            None => {
                let mut b = Bridge::new(name, fail_mode);
                b.set_generation(self.generation.clone());
                self.next_index += 1;
                b.index = self.next_index;
                self.bridges.insert(name.into(), b);
            }
        }
        self.invalidate();
    }

    /// Removes a bridge; returns the datapath ports it had.
    pub fn remove_bridge(&mut self, name: &str) -> Vec<u32> {
        let Some(b) = self.bridges.remove(name) else {
            return Vec::new();
        };
        let odps: Vec<u32> = b
            .ports()
            .filter(|p| p.peer.is_none())
            .map(|p| p.odp_port)
            .collect();
        for o in &odps {
            self.by_odp.remove(o);
        }
        self.invalidate();
        odps
    }

    /// A bridge by name.
    pub fn bridge(&self, name: &str) -> Option<&Bridge> {
        self.bridges.get(name)
    }

    /// All bridges by name.
    pub fn bridges(&self) -> impl Iterator<Item = &Bridge> {
        self.bridges.values()
    }

    /// Attaches datapath port `odp_port` to bridge `bridge` as port `name` and returns
    /// its OpenFlow number (see [`Bridge::choose_ofport`]).
    pub fn add_port(
        &mut self,
        bridge: &str,
        name: &str,
        odp_port: u32,
        requested: Option<i64>,
        previous: Option<i64>,
    ) -> Option<u32> {
        let b = self.bridges.get_mut(bridge)?;
        let ofport = b.choose_ofport(name, requested, previous);
        b.add_port(OfPort::new(ofport, name, odp_port, None));
        self.by_odp.insert(odp_port, (bridge.into(), ofport));
        self.invalidate();
        Some(ofport)
    }

    /// Adds patch port `name` (whose peer is interface `peer`) to `bridge` and returns
    /// its OpenFlow number. A patch port has no datapath port: translation crosses it.
    pub fn add_patch_port(
        &mut self,
        bridge: &str,
        name: &str,
        peer: &str,
        requested: Option<i64>,
        previous: Option<i64>,
    ) -> Option<u32> {
        let b = self.bridges.get_mut(bridge)?;
        let ofport = b.choose_ofport(name, requested, previous);
        b.add_port(OfPort::new(ofport, name, u32::MAX, Some(peer.into())));
        self.invalidate();
        Some(ofport)
    }

    /// The bridge and OpenFlow port of the patch port named `name`.
    pub(crate) fn patch_port(&self, name: &str) -> Option<(&Bridge, u32)> {
        self.bridges.values().find_map(|b| {
            b.port_by_name(name)
                .filter(|p| p.peer.is_some())
                .map(|p| (b, p.ofport))
        })
    }

    /// Detaches port `name` from `bridge`; returns its datapath port number.
    pub fn remove_port(&mut self, bridge: &str, name: &str) -> Option<u32> {
        let b = self.bridges.get_mut(bridge)?;
        let ofport = b.port_by_name(name)?.ofport;
        let p = b.remove_port(ofport)?;
        if p.peer.is_none() {
            self.by_odp.remove(&p.odp_port);
        }
        self.invalidate();
        Some(p.odp_port)
    }

    /// A bridge by name, to change it. Changes to its tables and ports bump the
    /// generation themselves.
    pub fn bridge_mut(&mut self, name: &str) -> Option<&mut Bridge> {
        self.bridges.get_mut(name)
    }

    /// A bridge by its index (as packet-in userdata carry it).
    pub fn bridge_by_index(&self, index: u32) -> Option<&Bridge> {
        self.bridges.values().find(|b| b.index == index)
    }

    /// The bridge and OpenFlow port of datapath port `odp`.
    pub fn odp_to_ofport(&self, odp: u32) -> Option<(&Bridge, u32)> {
        let (b, p) = self.by_odp.get(&odp)?;
        Some((self.bridges.get(b)?, *p))
    }

    /// Translates a missed packet, learning from it. A packet from a port no bridge owns
    /// is dropped, with a mask on the input port only. Nothing is credited: the
    /// datapath credits [`XlateOut::credits`] with the packets of the megaflow it
    /// installs, this one included.
    pub fn upcall(&self, flow: &Flow) -> XlateOut {
        self.translate(flow, SideEffects::Allow, None)
    }

    /// Translates an installed megaflow's flow again, changing nothing.
    pub fn revalidate(&self, flow: &Flow) -> XlateOut {
        self.translate(flow, SideEffects::Forbid, None)
    }

    /// Credits `packets` and `bytes` that hit a megaflow whose key is `flow` to the
    /// rules and groups its translation goes through.
    pub fn credit(&self, flow: &Flow, packets: u64, bytes: u64) {
        if packets > 0 {
            self.translate(flow, SideEffects::Forbid, Some((packets, bytes)));
        }
    }

    /// Translates `actions` applied to a packet (a packet-out) whose flow is `flow`,
    /// received on OpenFlow port `in_ofport` of `bridge`.
    pub fn packet_out(
        &self,
        bridge: &str,
        in_ofport: u32,
        flow: &Flow,
        actions: &[Action],
    ) -> Option<XlateOut> {
        let b = self.bridges.get(bridge)?;
        let peers = |name: &str| self.patch_port(name);
        let x = XlateIn {
            bridge: b,
            in_ofport,
            now: Instant::now(),
            fx: SideEffects::Allow,
            credit: None,
            peers: &peers,
        };
        let out = xlate_actions(x, flow, actions);
        if out.learned {
            self.invalidate();
        }
        Some(out)
    }

    fn translate(&self, flow: &Flow, fx: SideEffects, credit: Option<(u64, u64)>) -> XlateOut {
        let now = Instant::now();
        let Some((bridge, ofport)) = self.by_odp.get(&flow.in_port) else {
            return XlateOut {
                actions: Vec::new(),
                mask: Flow {
                    in_port: u32::MAX,
                    ..Flow::default()
                },
                learned: false,
                credits: Default::default(),
            };
        };
        let Some(b) = self.bridges.get(bridge) else {
            return XlateOut {
                actions: Vec::new(),
                mask: Flow::exact_mask(),
                learned: false,
                credits: Default::default(),
            };
        };
        let peers = |name: &str| self.patch_port(name);
        let x = XlateIn {
            bridge: b,
            in_ofport: *ofport,
            now,
            fx,
            credit,
            peers: &peers,
        };
        let out = xlate(x, flow);
        if out.learned {
            self.invalidate();
        }
        out
    }

    /// Periodic housekeeping: expires MAC entries. Call about once a second.
    pub fn run_periodic(&self, now: Instant) {
        let mut changed = false;
        for b in self.bridges.values() {
            changed |= b.mac_learning().expire(now);
        }
        if changed {
            self.invalidate();
        }
    }
}
