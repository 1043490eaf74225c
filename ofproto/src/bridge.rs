//! One bridge: its OpenFlow ports, flow tables, groups and MAC learning table.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rvs_openflow::actions::{port, Action};

use crate::group::Group;
use crate::mac_learning::MacTable;
use crate::rule::{catchall, Rule, Table, N_TABLES};
use crate::vlan::PortVlan;

/// OpenFlow's `OFPP_LOCAL` (as a 16-bit OF1.0 port, which OVS uses for `ofport`).
pub const OFPP_LOCAL: u32 = 0xfffe;
/// The highest ordinary OpenFlow port number (`OFPP_MAX` in OF1.0).
pub const OFPP_MAX: u32 = 0xff00;

/// `Bridge.fail_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailMode {
    /// Act as a learning switch when no controller is in charge (the default).
    #[default]
    Standalone,
    /// Forward only by the flows a controller installed.
    Secure,
}

impl FailMode {
    /// Parses the column value; anything but `secure` is standalone, as in OVS.
    pub fn from_column(s: &str) -> FailMode {
        if s == "secure" {
            FailMode::Secure
        } else {
            FailMode::Standalone
        }
    }
}

/// A port of a bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfPort {
    /// OpenFlow port number.
    pub ofport: u32,
    /// Interface name.
    pub name: String,
    /// Datapath port number (unused for a patch port).
    pub odp_port: u32,
    /// For a patch port, the interface name of its peer (`options:peer`).
    pub peer: Option<String>,
    /// VLAN mode for NORMAL.
    pub vlan: PortVlan,
    /// The port's MAC address (for `ovs-ofctl show`).
    pub hw_addr: [u8; 6],
}

impl OfPort {
    /// A port with no VLAN configuration and no MAC address.
    pub fn new(ofport: u32, name: &str, odp_port: u32, peer: Option<String>) -> OfPort {
        OfPort {
            ofport,
            name: name.into(),
            odp_port,
            peer,
            vlan: PortVlan::default(),
            hw_addr: [0; 6],
        }
    }
}

/// Whether controllers are configured and talking (decides table-miss behaviour).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ControllerState {
    /// `Bridge.controller` is not empty.
    pub configured: bool,
    /// At least one controller connection is up.
    pub connected: bool,
    /// A connected controller wants packet-ins on a table miss (OpenFlow 1.0-1.2).
    pub miss_to_controller: bool,
}

/// A bridge's OpenFlow state.
#[derive(Debug)]
pub struct Bridge {
    name: String,
    fail_mode: FailMode,
    ports: BTreeMap<u32, OfPort>,
    pub(crate) tables: Vec<Table>,
    pub(crate) groups: BTreeMap<u32, Group>,
    macs: Mutex<MacTable>,
    controllers: ControllerState,
    generation: Arc<AtomicU64>,
    /// Index of the bridge in its registry (carried in packet-in userdata).
    pub(crate) index: u32,
}

fn normal_action() -> Vec<Action> {
    vec![Action::Output {
        port: port::NORMAL,
        max_len: 0,
    }]
}

impl Bridge {
    /// A bridge with no ports. With no controller and in standalone mode table 0 holds
    /// OVS's default flow, `priority=0 actions=NORMAL`; in secure mode it starts empty.
    pub fn new(name: &str, fail_mode: FailMode) -> Bridge {
        let mut b = Bridge {
            name: name.into(),
            fail_mode,
            ports: BTreeMap::new(),
            tables: (0..N_TABLES).map(|_| Table::default()).collect(),
            groups: BTreeMap::new(),
            macs: Mutex::new(MacTable::default()),
            controllers: ControllerState::default(),
            generation: Arc::default(),
            index: 0,
        };
        b.set_fail_mode(fail_mode);
        b
    }

    pub(crate) fn set_generation(&mut self, g: Arc<AtomicU64>) {
        self.generation = g;
    }

    /// Marks cached translations stale.
    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::Release);
    }

    fn wants_default_flow(&self) -> bool {
        self.fail_mode == FailMode::Standalone && !self.controllers.configured
    }

    fn sync_default_flow(&mut self) {
        let is_default =
            |r: &Rule| r.priority == 0 && r.m == catchall() && r.actions == normal_action();
        let has = self.tables[0].rules().iter().any(is_default);
        if self.wants_default_flow() && !has {
            let r = Rule::new(catchall(), 0, normal_action(), Instant::now());
            self.tables[0].insert(r);
        } else if !self.wants_default_flow() && has {
            self.tables[0].remove_if(is_default);
        }
        self.changed();
    }

    /// Changes the fail mode, adding or removing the default NORMAL flow.
    pub fn set_fail_mode(&mut self, mode: FailMode) {
        self.fail_mode = mode;
        self.sync_default_flow();
    }

    /// Records the controllers' state; with controllers configured the default flow
    /// goes away (as in OVS), and without it comes back.
    pub fn set_controller_state(&mut self, c: ControllerState) {
        if c != self.controllers {
            let reconfigured = c.configured != self.controllers.configured;
            self.controllers = c;
            if reconfigured {
                self.sync_default_flow();
            }
            self.changed();
        }
    }

    /// The controllers' state.
    pub fn controller_state(&self) -> ControllerState {
        self.controllers
    }

    /// Whether a table miss acts as NORMAL: standalone fail mode with controllers
    /// configured but none connected ("fail open").
    pub fn fail_open(&self) -> bool {
        self.fail_mode == FailMode::Standalone
            && self.controllers.configured
            && !self.controllers.connected
    }

    /// The bridge name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The fail mode.
    pub fn fail_mode(&self) -> FailMode {
        self.fail_mode
    }

    /// The flow tables.
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// The groups by ID.
    pub fn groups(&self) -> &BTreeMap<u32, Group> {
        &self.groups
    }

    /// Sets `mac-aging-time` and `mac-table-size`.
    pub fn set_mac_config(&mut self, aging: Duration, size: usize) {
        let mut t = self.mac_learning();
        if t.aging() != aging || t.max_entries() != size.max(1) {
            t.configure(aging, size);
            drop(t);
            self.changed();
        }
    }

    /// Sets a port's VLAN configuration (forgetting what was learned on it).
    pub fn set_port_vlan(&mut self, ofport: u32, vlan: PortVlan) {
        let Some(p) = self.ports.get_mut(&ofport) else {
            return;
        };
        if p.vlan != vlan {
            p.vlan = vlan;
            self.mac_learning().flush_port(ofport);
            self.changed();
        }
    }

    /// Sets a port's MAC address.
    pub fn set_port_hw_addr(&mut self, ofport: u32, mac: [u8; 6]) {
        if let Some(p) = self.ports.get_mut(&ofport) {
            p.hw_addr = mac;
        }
    }

    /// A port by OpenFlow number.
    pub fn port(&self, ofport: u32) -> Option<&OfPort> {
        self.ports.get(&ofport)
    }

    /// A port by name.
    pub fn port_by_name(&self, name: &str) -> Option<&OfPort> {
        self.ports.values().find(|p| p.name == name)
    }

    /// All ports, by OpenFlow number.
    pub fn ports(&self) -> impl Iterator<Item = &OfPort> {
        self.ports.values()
    }

    /// Picks an OpenFlow number for a new port named `name`: `LOCAL` for the bridge's own
    /// interface; else `requested` (`ofport_request`) or `previous` (the number the
    /// database remembers) when free and valid; else the lowest free number from 1.
    pub fn choose_ofport(&self, name: &str, requested: Option<i64>, previous: Option<i64>) -> u32 {
        if name == self.name {
            return OFPP_LOCAL;
        }
        let usable =
            |n: i64| (1..i64::from(OFPP_MAX)).contains(&n) && !self.ports.contains_key(&(n as u32));
        if let Some(n) = requested
            .filter(|n| usable(*n))
            .or(previous.filter(|n| usable(*n)))
        {
            return n as u32;
        }
        (1..OFPP_MAX)
            .find(|n| !self.ports.contains_key(n))
            .unwrap_or(OFPP_MAX)
    }

    /// Adds a port.
    pub fn add_port(&mut self, port: OfPort) {
        self.ports.insert(port.ofport, port);
        self.changed();
    }

    /// Removes a port and forgets the MAC addresses learned on it.
    pub fn remove_port(&mut self, ofport: u32) -> Option<OfPort> {
        self.mac_learning().flush_port(ofport);
        self.changed();
        self.ports.remove(&ofport)
    }

    /// The MAC learning table.
    pub fn mac_learning(&self) -> MutexGuard<'_, MacTable> {
        self.macs.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ofport_choice() {
        let mut b = Bridge::new("br0", FailMode::Standalone);
        assert_eq!(b.choose_ofport("br0", Some(3), None), OFPP_LOCAL);
        assert_eq!(b.choose_ofport("a", None, None), 1);
        b.add_port(OfPort::new(1, "a", 1, None));
        assert_eq!(
            b.choose_ofport("b", Some(1), None),
            2,
            "requested but taken"
        );
        assert_eq!(b.choose_ofport("b", Some(7), Some(5)), 7);
        assert_eq!(b.choose_ofport("b", None, Some(5)), 5);
        assert_eq!(b.choose_ofport("b", None, Some(-1)), 2);
        assert_eq!(b.choose_ofport("b", Some(0xffff), None), 2);
    }

    #[test]
    fn fail_mode_controls_default_flow() {
        let mut b = Bridge::new("br0", FailMode::Secure);
        assert!(b.tables()[0].is_empty());
        b.set_fail_mode(FailMode::Standalone);
        assert_eq!(b.tables()[0].len(), 1);
        b.set_fail_mode(FailMode::Standalone);
        assert_eq!(b.tables()[0].len(), 1);
        b.set_controller_state(ControllerState {
            configured: true,
            ..Default::default()
        });
        assert!(
            b.tables()[0].is_empty(),
            "controllers take the default flow away"
        );
        assert!(b.fail_open());
        assert_eq!(FailMode::from_column("secure"), FailMode::Secure);
        assert_eq!(FailMode::from_column(""), FailMode::Standalone);
    }
}
