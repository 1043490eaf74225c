//! The bridge reconciler: turns the replica of the `Open_vSwitch` database into bridges
//! in ofproto and ports in the datapath, and remembers what it could not do.
//!
//! Runs on the control thread only. Lock order: the registry's write lock is never held
//! while waiting for a PMD (a PMD may be waiting for the read lock in an upcall), so
//! ports are detached from ofproto before the datapath drops them, and attached to the
//! datapath before ofproto knows them (the generation bump then flushes any stale
//! "drop" megaflow the PMD cached in between).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, PoisonError, RwLock, RwLockWriteGuard};

use rvs_datapath::config::parse_rxq_affinity;
use rvs_datapath::netdev::dummy::{DummyHandle, DummyNetdev};
use rvs_datapath::netdev::system::SystemNetdev;
use rvs_datapath::netdev::tap::TapNetdev;
use rvs_datapath::{Datapath, DpConfig, Netdev, NetdevError};
use rvs_ofproto::{FailMode, Registry, OFPP_LOCAL};
use rvs_ovsdb_client::Replica;

use crate::dpdk::Dpdk;
use std::path::Path;

/// One interface the database wants attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WantedIface {
    /// Interface row UUID.
    pub uuid: String,
    /// `Interface.name`.
    pub name: String,
    /// `Interface.type`, with the empty type spelled `system`.
    pub kind: String,
    /// `Interface.ofport_request`.
    pub ofport_request: Option<i64>,
    /// `Interface.ofport` as the database has it.
    pub ofport: Option<i64>,
    /// `other_config:pmd-rxq-affinity`, queue → core.
    pub rxq_affinity: BTreeMap<usize, usize>,
    /// `options:peer` (patch ports).
    pub peer: Option<String>,
    /// `Interface.options`.
    pub options: BTreeMap<String, String>,
    /// `Interface.mtu_request`.
    pub mtu_request: Option<i64>,
}

/// One bridge the database wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WantedBridge {
    /// `Bridge.fail_mode`.
    pub fail_mode: FailMode,
    /// Interfaces by name (the bridge's own interface included).
    pub ifaces: BTreeMap<String, WantedIface>,
}

/// The configuration the database asks for.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// Netdev bridges by name.
    pub bridges: BTreeMap<String, WantedBridge>,
    /// Interfaces that cannot be attached for configuration reasons, with the reason
    /// (interface UUID → error text).
    pub config_errors: HashMap<String, String>,
    /// Every interface UUID the status write-back looks after.
    pub managed: Vec<String>,
    /// The datapath settings from `Open_vSwitch:other_config`.
    pub dp_config: DpConfig,
    /// The DPDK settings of `Open_vSwitch:other_config` (`dpdk-*`, `vhost-sock-dir`).
    pub dpdk_config: BTreeMap<String, String>,
}

/// Reads the wanted configuration out of the replica.
pub fn wanted(r: &Replica) -> Wanted {
    let mut w = Wanted::default();
    let mut seen_names: HashSet<String> = HashSet::new();
    let Some(ovs) = r.rows("Open_vSwitch").next() else {
        return w;
    };
    let (dp_config, warnings) = DpConfig::from_other_config(|k| ovs.map_get("other_config", k));
    for warning in warnings {
        log::warn!("{warning}");
    }
    w.dp_config = dp_config;
    w.dpdk_config = ovs
        .datum("other_config")
        .map(|d| {
            d.pairs()
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
                .filter(|(k, _)| k.starts_with("dpdk-") || k == "vhost-sock-dir")
                .collect()
        })
        .unwrap_or_default();
    let mut bridges: Vec<_> = ovs.refs("bridges", "Bridge").collect();
    bridges.sort_by_key(|b| b.str("name"));
    for br in bridges {
        let name = br.str("name").to_string();
        let dp_type = br.str("datapath_type");
        let ifaces = br
            .refs("ports", "Port")
            .flat_map(|p| p.refs("interfaces", "Interface"));
        if !(dp_type.is_empty() || dp_type == "netdev") {
            for i in ifaces {
                w.managed.push(i.uuid().to_string());
                w.config_errors.insert(
                    i.uuid().to_string(),
                    format!("datapath type {dp_type} is not supported (rvs has only netdev)"),
                );
            }
            continue;
        }
        if w.bridges.contains_key(&name) {
            continue;
        }
        let mut wb = WantedBridge {
            fail_mode: FailMode::from_column(br.str("fail_mode")),
            ifaces: BTreeMap::new(),
        };
        for i in ifaces {
            let uuid = i.uuid().to_string();
            w.managed.push(uuid.clone());
            let iname = i.str("name").to_string();
            if !seen_names.insert(iname.clone()) {
                w.config_errors.insert(
                    uuid,
                    format!("could not add network device {iname} to ofproto (File exists)"),
                );
                continue;
            }
            let kind = match i.str("type") {
                "" => "system",
                t => t,
            };
            wb.ifaces.insert(
                iname.clone(),
                WantedIface {
                    uuid,
                    name: iname,
                    kind: kind.to_string(),
                    ofport_request: i.opt_int("ofport_request"),
                    ofport: i.opt_int("ofport"),
                    peer: i.map_get("options", "peer").map(str::to_string),
                    options: i
                        .datum("options")
                        .map(|d| {
                            d.pairs()
                                .iter()
                                .filter_map(|(k, v)| {
                                    Some((k.as_str()?.to_string(), v.as_str()?.to_string()))
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    mtu_request: i.opt_int("mtu_request"),
                    rxq_affinity: match i.map_get("other_config", "pmd-rxq-affinity") {
                        None => BTreeMap::new(),
                        Some(s) => match parse_rxq_affinity(s) {
                            Ok(v) => v.into_iter().collect(),
                            Err(e) => {
                                log::warn!("{}: pmd-rxq-affinity: {e}", i.str("name"));
                                BTreeMap::new()
                            }
                        },
                    },
                },
            );
        }
        w.bridges.insert(name, wb);
    }
    w
}

/// What a device reports about itself.
#[derive(Debug, Clone, Default)]
pub struct DeviceInfo {
    /// Its own counters (DPDK devices).
    pub stats: Option<rvs_datapath::netdev::DeviceStats>,
    /// `Interface.status` pairs.
    pub status: Vec<(String, String)>,
}

/// A port that is attached to the datapath and a bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    /// The bridge.
    pub bridge: String,
    /// Interface type it was opened as.
    pub kind: String,
    /// Datapath port number.
    pub odp_port: u32,
    /// OpenFlow port number.
    pub ofport: u32,
    /// The peer, for a patch port (which has no datapath port).
    pub peer: Option<String>,
    /// The options and MTU request it was opened with; a change reopens it.
    pub settings: (BTreeMap<String, String>, Option<i64>),
}

/// The switch: ofproto's registry plus the datapath, and what is attached to them.
#[derive(Debug)]
pub struct Switch {
    registry: Arc<RwLock<Registry>>,
    datapath: Datapath,
    /// Attached interfaces by name.
    attached: BTreeMap<String, Attached>,
    /// Bridges that exist, with their fail mode.
    bridges: BTreeMap<String, FailMode>,
    /// Last open error per interface name.
    open_errors: HashMap<String, String>,
    /// The test side of `dummy` interfaces (`netdev-dummy/receive`).
    dummies: HashMap<String, DummyHandle>,
    /// EAL state and the DPDK port types.
    dpdk: Dpdk,
}

fn open_netdev(
    name: &str,
    kind: &str,
    iface: Option<&WantedIface>,
    dummies: &mut HashMap<String, DummyHandle>,
    dpdk: &Dpdk,
) -> Result<Arc<dyn Netdev>, NetdevError> {
    match kind {
        k if crate::dpdk::KINDS.contains(&k) => {
            let empty = BTreeMap::new();
            let (options, mtu) = iface.map_or((&empty, None), |i| (&i.options, i.mtu_request));
            dpdk.open(name, kind, options, mtu)
        }
        "system" => Ok(Arc::new(SystemNetdev::open(name)?)),
        "internal" => Ok(Arc::new(TapNetdev::open(name)?)),
        "dummy" => {
            let (dev, handle) = DummyNetdev::new(name);
            dummies.insert(name.to_string(), handle);
            Ok(Arc::new(dev))
        }
        other => Err(NetdevError::UnsupportedType {
            name: name.into(),
            kind: other.into(),
        }),
    }
}

impl Switch {
    /// A switch with no bridges.
    pub fn new(registry: Arc<RwLock<Registry>>, datapath: Datapath) -> Switch {
        Switch {
            registry,
            datapath,
            attached: BTreeMap::new(),
            bridges: BTreeMap::new(),
            open_errors: HashMap::new(),
            dummies: HashMap::new(),
            dpdk: Dpdk::new(Path::new("/var/run/openvswitch")),
        }
    }

    /// Sets the run directory (where `dpdkvhostuser` sockets go by default).
    pub fn set_rundir(&mut self, rundir: &Path) {
        self.dpdk = Dpdk::new(rundir);
    }

    /// DPDK's state, for the `Open_vSwitch` status columns.
    pub fn dpdk(&self) -> &Dpdk {
        &self.dpdk
    }

    /// Device counters and status of an attached interface, when its device keeps them.
    pub fn iface_device(&self, name: &str) -> Option<DeviceInfo> {
        let a = self.attached.get(name).filter(|a| a.peer.is_none())?;
        let nd = self.datapath.netdev(a.odp_port)?;
        Some(DeviceInfo {
            stats: nd.stats(),
            status: nd.status(),
        })
    }

    fn registry(&self) -> RwLockWriteGuard<'_, Registry> {
        self.registry
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The attached interfaces by name.
    pub fn attached(&self) -> &BTreeMap<String, Attached> {
        &self.attached
    }

    /// The error text of an interface that could not be opened, if any.
    pub fn open_error(&self, name: &str) -> Option<&str> {
        self.open_errors.get(name).map(String::as_str)
    }

    /// The datapath.
    pub fn datapath(&self) -> &Datapath {
        &self.datapath
    }

    /// The datapath, to change it (unixctl commands).
    pub fn datapath_mut(&mut self) -> &mut Datapath {
        &mut self.datapath
    }

    /// The bridges' OpenFlow state.
    pub fn registry_handle(&self) -> &Arc<RwLock<Registry>> {
        &self.registry
    }

    /// Link state, MAC and MTU of an attached interface with a device.
    pub fn iface_link(&self, name: &str) -> Option<rvs_datapath::netdev::LinkInfo> {
        let a = self.attached.get(name).filter(|a| a.peer.is_none())?;
        Some(self.datapath.netdev(a.odp_port)?.link())
    }

    /// Counters of an attached interface with a device (see
    /// [`Datapath::port_counters`]).
    pub fn iface_counters(&self, name: &str) -> Option<[u64; 6]> {
        let a = self.attached.get(name).filter(|a| a.peer.is_none())?;
        self.datapath.port_counters(a.odp_port)
    }

    /// The test side of a `dummy` interface.
    pub fn dummy(&self, name: &str) -> Option<&DummyHandle> {
        self.dummies.get(name)
    }

    fn detach(&mut self, name: &str) {
        let Some(a) = self.attached.remove(name) else {
            return;
        };
        self.registry().remove_port(&a.bridge, name);
        self.dummies.remove(name);
        // A patch port has no datapath port.
        let removed = match a.peer {
            Some(_) => Ok(()),
            None => self.datapath.del_port(a.odp_port),
        };
        if let Err(e) = removed {
            log::error!("{name}: could not remove datapath port {}: {e}", a.odp_port);
        }
        log::info!(
            "bridge {}: deleted interface {name} on port {}",
            a.bridge,
            a.ofport
        );
    }

    fn attach_patch(&mut self, bridge: &str, name: &str, iface: &WantedIface) {
        let Some(peer) = iface.peer.clone().filter(|p| !p.is_empty() && p != name) else {
            let msg = format!("{name}: patch type requires valid 'peer' argument");
            if self.open_errors.get(name) != Some(&msg) {
                log::warn!("{msg}");
            }
            self.open_errors.insert(name.into(), msg);
            return;
        };
        self.open_errors.remove(name);
        let ofport =
            self.registry()
                .add_patch_port(bridge, name, &peer, iface.ofport_request, iface.ofport);
        let Some(ofport) = ofport else { return };
        log::info!("bridge {bridge}: added interface {name} on port {ofport}");
        self.attached.insert(
            name.into(),
            Attached {
                bridge: bridge.into(),
                kind: "patch".into(),
                odp_port: u32::MAX,
                ofport,
                peer: Some(peer),
                settings: Default::default(),
            },
        );
    }

    fn attach(&mut self, bridge: &str, name: &str, kind: &str, iface: Option<&WantedIface>) {
        if kind == "patch" {
            if let Some(i) = iface {
                self.attach_patch(bridge, name, i);
            }
            return;
        }
        let netdev = match open_netdev(name, kind, iface, &mut self.dummies, &self.dpdk) {
            Ok(n) => n,
            Err(e) => {
                let msg = e.to_string();
                if self.open_errors.get(name) != Some(&msg) {
                    log::warn!("{msg}");
                }
                self.open_errors.insert(name.into(), msg);
                return;
            }
        };
        self.open_errors.remove(name);
        // ofproto learns the port first: a device may deliver frames (a pcap replay,
        // say) as soon as the datapath polls it, and their upcalls must find the port.
        let odp_port = self.datapath.next_port_no();
        let (req, prev) = iface.map_or((None, None), |i| (i.ofport_request, i.ofport));
        let ofport = self.registry().add_port(bridge, name, odp_port, req, prev);
        let Some(ofport) = ofport else {
            return;
        };
        match self.datapath.add_port(netdev) {
            Ok(p) => debug_assert_eq!(p, odp_port),
            Err(e) => {
                self.registry().remove_port(bridge, name);
                let msg = format!("could not add network device {name} to datapath ({e})");
                log::error!("{msg}");
                self.open_errors.insert(name.into(), msg);
                return;
            }
        }
        log::info!("bridge {bridge}: added interface {name} on port {ofport}");
        self.attached.insert(
            name.into(),
            Attached {
                bridge: bridge.into(),
                kind: kind.into(),
                odp_port,
                ofport,
                peer: None,
                settings: iface
                    .map_or_else(Default::default, |i| (i.options.clone(), i.mtu_request)),
            },
        );
    }

    /// Makes the switch match `w`: removes what is no longer wanted, then adds what is
    /// missing (retrying interfaces that failed before).
    pub fn apply(&mut self, w: &Wanted) {
        if self.dpdk.initialized.is_none() {
            let cfg = &w.dpdk_config;
            self.dpdk.configure(|k| cfg.get(k).map(String::as_str));
        }
        if let Err(e) = self.datapath.set_config(w.dp_config.clone()) {
            log::error!("could not apply the datapath settings: {e}");
        }
        // Interfaces that go away, or move, or change type.
        let stale: Vec<String> = self
            .attached
            .iter()
            .filter(|(name, a)| {
                let Some(wb) = w.bridges.get(&a.bridge) else {
                    return true;
                };
                if **name == a.bridge {
                    return false; // the local port lives as long as its bridge
                }
                wb.ifaces.get(*name).is_none_or(|i| {
                    i.kind != a.kind
                        || i.peer != a.peer
                        || (a.peer.is_none()
                            && crate::dpdk::KINDS.contains(&a.kind.as_str())
                            && (&i.options, i.mtu_request) != (&a.settings.0, a.settings.1))
                })
            })
            .map(|(n, _)| n.clone())
            .collect();
        for name in stale {
            self.detach(&name);
        }
        let gone: Vec<String> = self
            .bridges
            .keys()
            .filter(|b| !w.bridges.contains_key(*b))
            .cloned()
            .collect();
        for b in gone {
            self.registry().remove_bridge(&b);
            self.bridges.remove(&b);
            log::info!("bridge {b}: deleted");
        }
        self.open_errors
            .retain(|name, _| w.bridges.values().any(|b| b.ifaces.contains_key(name)));

        for (bname, wb) in &w.bridges {
            if self.bridges.get(bname) != Some(&wb.fail_mode) {
                let new = !self.bridges.contains_key(bname);
                self.registry().ensure_bridge(bname, wb.fail_mode);
                self.bridges.insert(bname.clone(), wb.fail_mode);
                if new {
                    log::info!("bridge {bname}: added");
                }
            }
            if !self.attached.contains_key(bname) {
                // Every bridge has its local port, a tap device named after it.
                self.attach(bname, bname, "internal", wb.ifaces.get(bname));
            }
            for (iname, wi) in &wb.ifaces {
                if iname != bname && !self.attached.contains_key(iname) {
                    self.attach(bname, iname, &wi.kind, Some(wi));
                }
                if let Some(a) = self.attached.get(iname) {
                    if let Err(e) = self
                        .datapath
                        .set_rxq_affinity(a.odp_port, wi.rxq_affinity.clone())
                    {
                        log::warn!("{iname}: pmd-rxq-affinity: {e}");
                    }
                }
            }
        }
    }

    /// The `ofport` and `error` an interface should show: (ofport, error).
    pub fn iface_status(&self, w: &Wanted, uuid: &str, name: &str) -> (i64, Option<String>) {
        if let Some(e) = w.config_errors.get(uuid) {
            return (-1, Some(e.clone()));
        }
        match self.attached.get(name) {
            Some(a) if a.ofport == OFPP_LOCAL || a.ofport > 0 => (i64::from(a.ofport), None),
            _ => (-1, self.open_errors.get(name).cloned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rvs_ovsdb_client::Schema;
    use serde_json::json;

    /// The columns of the real schema that the reconciler reads.
    fn replica(rows: serde_json::Value) -> Replica {
        let set = |k: &str| json!({"type": {"key": k, "min": 0, "max": "unlimited"}});
        let opt = |k: &str| json!({"type": {"key": k, "min": 0, "max": 1}});
        let schema = Schema::parse(&json!({"name": "Open_vSwitch", "version": "8.3.1", "tables": {
            "Open_vSwitch": {"columns": {"bridges": set("uuid"), "next_cfg": {"type": "integer"}}},
            "Bridge": {"columns": {"name": {"type": "string"}, "ports": set("uuid"),
                                   "datapath_type": {"type": "string"}, "fail_mode": opt("string")}},
            "Port": {"columns": {"name": {"type": "string"}, "interfaces": set("uuid")}},
            "Interface": {"columns": {"name": {"type": "string"}, "type": {"type": "string"},
                                      "ofport": opt("integer"), "ofport_request": opt("integer")}}
        }}))
        .unwrap();
        let mut r = Replica::new(schema);
        r.apply_update2(&rows).unwrap();
        r
    }

    #[test]
    fn wanted_reads_netdev_bridges_only() {
        let r = replica(json!({
            "Open_vSwitch": {"o": {"initial": {"bridges": ["set", [["uuid", "b0"], ["uuid", "b1"]]]}}},
            "Bridge": {
                "b0": {"initial": {"name": "br0", "datapath_type": "netdev",
                                   "ports": ["set", [["uuid", "p0"], ["uuid", "p1"]]]}},
                "b1": {"initial": {"name": "br1", "datapath_type": "system", "ports": ["uuid", "p2"]}}
            },
            "Port": {
                "p0": {"initial": {"name": "br0", "interfaces": ["uuid", "i0"]}},
                "p1": {"initial": {"name": "eth0", "interfaces": ["uuid", "i1"]}},
                "p2": {"initial": {"name": "eth1", "interfaces": ["uuid", "i2"]}}
            },
            "Interface": {
                "i0": {"initial": {"name": "br0", "type": "internal"}},
                "i1": {"initial": {"name": "eth0", "ofport_request": 7, "ofport": 3}},
                "i2": {"initial": {"name": "eth1"}}
            }
        }));
        let w = wanted(&r);
        assert_eq!(w.bridges.keys().collect::<Vec<_>>(), vec!["br0"]);
        let b = &w.bridges["br0"];
        assert_eq!(b.fail_mode, FailMode::Standalone);
        assert_eq!(b.ifaces["br0"].kind, "internal");
        let e = &b.ifaces["eth0"];
        assert_eq!(
            (e.kind.as_str(), e.ofport_request, e.ofport),
            ("system", Some(7), Some(3))
        );
        assert!(w.config_errors["i2"].contains("datapath type system"));
        assert_eq!(w.managed.len(), 3);
    }

    #[test]
    fn duplicate_interface_names_are_errors() {
        let r = replica(json!({
            "Open_vSwitch": {"o": {"initial": {"bridges": ["set", [["uuid", "b0"], ["uuid", "b1"]]]}}},
            "Bridge": {
                "b0": {"initial": {"name": "br0", "ports": ["uuid", "p0"]}},
                "b1": {"initial": {"name": "br1", "ports": ["uuid", "p1"]}}
            },
            "Port": {
                "p0": {"initial": {"name": "x", "interfaces": ["uuid", "i0"]}},
                "p1": {"initial": {"name": "x", "interfaces": ["uuid", "i1"]}}
            },
            "Interface": {
                "i0": {"initial": {"name": "x"}},
                "i1": {"initial": {"name": "x"}}
            }
        }));
        let w = wanted(&r);
        assert!(w.bridges["br0"].ifaces.contains_key("x"));
        assert!(!w.bridges["br1"].ifaces.contains_key("x"));
        assert!(w.config_errors["i1"].contains("File exists"));
    }
}
