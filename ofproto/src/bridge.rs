//! One bridge: its OpenFlow ports, its flow table and its MAC learning table.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use rvs_packet::Flow;

use crate::mac_learning::MacTable;

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

/// An OpenFlow action as table 0 holds it (the skeleton's subset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfAction {
    /// `output:PORT`.
    Output(u32),
    /// `in_port`.
    InPort,
    /// `LOCAL`.
    Local,
    /// `FLOOD`.
    Flood,
    /// `ALL`.
    All,
    /// `NORMAL`.
    Normal,
}

/// A flow-table rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Priority; higher wins.
    pub priority: u16,
    /// Match value (already masked).
    pub value: Flow,
    /// Match mask.
    pub mask: Flow,
    /// Actions.
    pub actions: Vec<OfAction>,
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
}

/// A bridge's OpenFlow state.
#[derive(Debug)]
pub struct Bridge {
    name: String,
    fail_mode: FailMode,
    ports: BTreeMap<u32, OfPort>,
    table0: Vec<Rule>,
    macs: Mutex<MacTable>,
}

impl Bridge {
    /// A bridge with no ports. In standalone mode table 0 holds OVS's default flow,
    /// `priority=0 actions=NORMAL`; in secure mode it starts empty.
    pub fn new(name: &str, fail_mode: FailMode) -> Bridge {
        let mut b = Bridge {
            name: name.into(),
            fail_mode,
            ports: BTreeMap::new(),
            table0: Vec::new(),
            macs: Mutex::new(MacTable::default()),
        };
        b.set_fail_mode(fail_mode);
        b
    }

    /// Changes the fail mode, adding or removing the default NORMAL flow.
    pub fn set_fail_mode(&mut self, mode: FailMode) {
        self.fail_mode = mode;
        let default = Rule {
            priority: 0,
            value: Flow::default(),
            mask: Flow::default(),
            actions: vec![OfAction::Normal],
        };
        self.table0.retain(|r| *r != default);
        if mode == FailMode::Standalone {
            self.table0.push(default);
        }
        self.table0.sort_by_key(|r| std::cmp::Reverse(r.priority));
    }

    /// The bridge name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The fail mode.
    pub fn fail_mode(&self) -> FailMode {
        self.fail_mode
    }

    /// Table 0, highest priority first.
    pub fn table0(&self) -> &[Rule] {
        &self.table0
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
    }

    /// Removes a port and forgets the MAC addresses learned on it.
    pub fn remove_port(&mut self, ofport: u32) -> Option<OfPort> {
        self.mac_learning().flush_port(ofport);
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
        b.add_port(OfPort {
            ofport: 1,
            name: "a".into(),
            odp_port: 1,
            peer: None,
        });
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
        assert!(b.table0().is_empty());
        b.set_fail_mode(FailMode::Standalone);
        assert_eq!(b.table0().len(), 1);
        assert_eq!(b.table0()[0].actions, vec![OfAction::Normal]);
        b.set_fail_mode(FailMode::Standalone);
        assert_eq!(b.table0().len(), 1);
        assert_eq!(FailMode::from_column("secure"), FailMode::Secure);
        assert_eq!(FailMode::from_column(""), FailMode::Standalone);
    }
}
