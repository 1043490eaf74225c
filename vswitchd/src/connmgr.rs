//! The connection manager: which OpenFlow listeners and controller connections each
//! bridge has, and the handling of every message they bring, on the main loop (the
//! one thread that owns the [`Switch`]).
//!
//! Per bridge there is always `punix:$OVS_RUNDIR/<bridge>.mgmt` (for ovs-ofctl), plus
//! one listener or active connection per `Controller` target. Connections of the
//! `Controller` table are "primary": they get packet-ins, flow-removed and port-status
//! messages, take roles, and decide table-miss behaviour.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use rvs_datapath::netdev::TxQueue;
use rvs_ofproto::flow_mod::Removed;
use rvs_ofproto::rule::Rule;
use rvs_ofproto::xlate::{reason, PacketInCookie};
use rvs_ofproto::{Bridge, ControllerState};
use rvs_openflow::controller::AsyncConfig;
use rvs_openflow::flow_stats::{AggregateStats, FlowStats};
use rvs_openflow::msg::basic;
use rvs_openflow::msg::message::{self, Message};
use rvs_openflow::msg::stats::{FlowStatsRequest, StatsRequest};
use rvs_openflow::packet_in::{self, PacketIn};
use rvs_openflow::port::PhyPort;
use rvs_openflow::reply::counters::PortStats;
use rvs_openflow::reply::group::{GroupDesc, GroupStats};
use rvs_openflow::reply::StatsReply;
use rvs_openflow::{flow_mod, OfpError, Version};
use rvs_packet::actions::DpAction;
use rvs_packet::buf::PacketBuf;
use rvs_packet::{rewrite, EthAddr};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;

use crate::ofconn::{self, ConnEvent, ConnHandle, Target};
use crate::ofreply;
use crate::reconcile::Switch;

/// Roles (`OFPCR_ROLE_*`).
pub mod role {
    /// No change.
    pub const NOCHANGE: u32 = 0;
    /// Equal.
    pub const EQUAL: u32 = 1;
    /// Master.
    pub const MASTER: u32 = 2;
    /// Slave.
    pub const SLAVE: u32 = 3;
}

/// One bridge's OpenFlow configuration from the database.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BridgeOf {
    /// `Bridge.protocols`.
    pub protocols: Vec<String>,
    /// `Controller.target` of each controller.
    pub controllers: Vec<String>,
    /// `Bridge.datapath_id` as the switch computes it (0 if unknown).
    pub dpid: u64,
}

#[derive(Debug)]
struct Conn {
    h: ConnHandle,
    miss_send_len: u16,
    role: u32,
    /// `NXT_FLOW_MOD_TABLE_ID` is on: OpenFlow 1.0 flow-mods carry a table ID.
    fm_table_id: bool,
    /// Open bundles: ID → messages added.
    bundles: HashMap<u32, Vec<Vec<u8>>>,
    /// Which asynchronous messages it wants, by role (`OFPT_SET_ASYNC`).
    async_cfg: AsyncConfig,
    /// A management connection asked for asynchronous messages (set-async, or a
    /// set-config with a `miss_send_len`); controllers always get them.
    wants_async: bool,
}

/// `OFPR_*` reasons and `OFPRR_*` reasons as mask bits.
fn bit(reason: u8) -> u32 {
    1u32.checked_shl(u32::from(reason)).unwrap_or(0)
}

/// OVS's asynchronous message configuration of a new connection: packet-ins for
/// table misses and actions (not invalid TTLs), port status for every role,
/// flow-removed for primary and equal roles.
pub fn default_async(v: Version) -> AsyncConfig {
    let mut a = AsyncConfig::default();
    // Internally the OpenFlow 1.4 reasons for every version (older wires call them
    // all OFPR_ACTION), as OVS keeps them.
    a.primary[0] = 0x3b;
    a.primary[1] = 0x7;
    a.secondary[1] = 0x7;
    a.primary[2] = match v {
        Version::Of10 | Version::Of11 | Version::Of12 => 0x7,
        Version::Of13 => 0xf,
        _ => 0x3f,
    };
    a.present = if v >= Version::Of14 { 0x0fff } else { 0x3f };
    a
}

impl Conn {
    /// Whether this connection gets asynchronous message `kind` (index into
    /// `ASYNC_TYPES`) for `reason`.
    fn wants(&self, kind: usize, reason: u8) -> bool {
        if !self.h.primary && !self.wants_async {
            return false;
        }
        let masks = if self.role == role::SLAVE {
            &self.async_cfg.secondary
        } else {
            &self.async_cfg.primary
        };
        masks[kind] & bit(reason) != 0
    }
}

/// A packet handed up by a `userspace` action.
#[derive(Debug)]
pub struct Upcalled {
    /// The packet.
    pub packet: Vec<u8>,
    /// The userdata.
    pub userdata: Vec<u8>,
}

/// The connection manager.
#[derive(Debug)]
pub struct Connmgr {
    conns: BTreeMap<u64, Conn>,
    listeners: BTreeMap<(String, String), JoinHandle<()>>,
    config: BTreeMap<String, BridgeOf>,
    events_tx: UnboundedSender<ConnEvent>,
    txqs: HashMap<u32, Box<dyn TxQueue>>,
    generation_id: Option<u64>,
    started: Instant,
    /// Connection history of each active `Controller` target, by (bridge, target).
    history: HashMap<(String, String), crate::ctlstatus::History>,
    /// Something `Controller` status shows changed since it was last written.
    status_dirty: bool,
}

type Out = Vec<Vec<u8>>;

fn err(e: OfpError, d: &[u8]) -> Out {
    vec![basic::error_reply(e, d)]
}

impl Connmgr {
    /// A manager with no connections, and the channel its connections report on.
    pub fn new() -> (Connmgr, UnboundedReceiver<ConnEvent>) {
        let (tx, rx) = unbounded_channel();
        (
            Connmgr {
                conns: BTreeMap::new(),
                listeners: BTreeMap::new(),
                config: BTreeMap::new(),
                events_tx: tx,
                txqs: HashMap::new(),
                generation_id: None,
                started: Instant::now(),
                history: HashMap::new(),
                status_dirty: false,
            },
            rx,
        )
    }

    /// Starts and stops listeners and controller connections to match `want`.
    pub fn configure(&mut self, rundir: &Path, want: &BTreeMap<String, BridgeOf>, sw: &Switch) {
        let mut targets: BTreeMap<(String, String), Target> = BTreeMap::new();
        for (br, cfg) in want {
            let versions = ofconn::versions_of(&cfg.protocols);
            let mgmt = format!("punix:{}", rundir.join(format!("{br}.mgmt")).display());
            targets.insert(
                (br.clone(), mgmt.clone()),
                Target {
                    bridge: br.clone(),
                    target: mgmt,
                    versions,
                    primary: false,
                    probe: None,
                },
            );
            for c in &cfg.controllers {
                targets.insert(
                    (br.clone(), c.clone()),
                    Target {
                        bridge: br.clone(),
                        target: c.clone(),
                        versions,
                        primary: true,
                        probe: (!ofconn::is_passive(c)).then_some(ofconn::PROBE_INTERVAL),
                    },
                );
            }
        }
        let changed_protocols: Vec<String> = want
            .iter()
            .filter(|(b, c)| {
                self.config
                    .get(*b)
                    .is_some_and(|o| o.protocols != c.protocols)
            })
            .map(|(b, _)| b.clone())
            .collect();
        let stale: Vec<_> = self
            .listeners
            .keys()
            .filter(|k| !targets.contains_key(*k) || changed_protocols.contains(&k.0))
            .cloned()
            .collect();
        for k in stale {
            if let Some(h) = self.listeners.remove(&k) {
                h.abort();
            }
            if let Some(path) = k.1.strip_prefix("punix:") {
                let _ = std::fs::remove_file(path);
            }
            // Connections of that target go too.
            let ids: Vec<u64> = self
                .conns
                .iter()
                .filter(|(_, c)| c.h.bridge == k.0 && c.h.target == k.1)
                .map(|(id, _)| *id)
                .collect();
            for id in ids {
                self.conns.remove(&id);
            }
        }
        for (k, t) in targets {
            if self.listeners.contains_key(&k) {
                continue;
            }
            match ofconn::spawn(t, self.events_tx.clone()) {
                Ok(h) => {
                    log::info!("{}: listening or connecting on {}", k.0, k.1);
                    self.listeners.insert(k, h);
                }
                Err(e) => log::warn!("{}: {}: {e}", k.0, k.1),
            }
        }
        self.history
            .retain(|(b, t), _| want.get(b).is_some_and(|c| c.controllers.contains(t)));
        self.status_dirty = true;
        self.config = want.clone();
        self.update_controller_state(sw);
    }

    /// Tells each bridge whether controllers are configured and connected.
    fn update_controller_state(&self, sw: &Switch) {
        let mut reg = sw
            .registry_handle()
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (br, cfg) in &self.config {
            let primaries: Vec<&Conn> = self
                .conns
                .values()
                .filter(|c| c.h.primary && c.h.bridge == *br && c.role != role::SLAVE)
                .collect();
            let st = ControllerState {
                configured: !cfg.controllers.is_empty(),
                connected: !primaries.is_empty(),
                miss_to_controller: primaries.iter().any(|c| c.h.version < Version::Of13),
            };
            if let Some(b) = reg.bridge_mut(br) {
                b.set_controller_state(st);
            }
        }
    }

    /// Whether a `Controller` target of `bridge` has a connection, and its role.
    pub fn controller_status(&self, bridge: &str, target: &str) -> Option<u32> {
        self.conns
            .values()
            .find(|c| c.h.bridge == bridge && c.h.target == target && c.h.primary)
            .map(|c| c.role)
    }

    /// The connection history of an active `Controller` target.
    pub fn controller_history(
        &self,
        bridge: &str,
        target: &str,
    ) -> Option<&crate::ctlstatus::History> {
        self.history.get(&(bridge.to_string(), target.to_string()))
    }

    /// Whether `Controller` status changed since [`Connmgr::status_written`].
    pub fn status_dirty(&self) -> bool {
        self.status_dirty
    }

    /// `Controller` status was written.
    pub fn status_written(&mut self) {
        self.status_dirty = false;
    }

    /// Handles an event from a connection.
    pub fn event(&mut self, sw: &mut Switch, ev: ConnEvent) {
        match ev {
            ConnEvent::Up(h) => {
                if h.primary {
                    log::info!("{}: {} connected ({})", h.bridge, h.target, h.version);
                } else {
                    log::debug!("{}: {} connected ({})", h.bridge, h.target, h.version);
                }
                let primary = h.primary;
                let version = h.version;
                if primary {
                    let e = self
                        .history
                        .entry((h.bridge.clone(), h.target.clone()))
                        .or_default();
                    e.connected_at = Some(Instant::now());
                    e.failed = false;
                    self.status_dirty = true;
                }
                self.conns.insert(
                    h.id,
                    Conn {
                        h,
                        miss_send_len: if primary { 128 } else { 0 },
                        role: role::EQUAL,
                        fm_table_id: false,
                        bundles: HashMap::new(),
                        async_cfg: default_async(version),
                        wants_async: false,
                    },
                );
                if primary {
                    self.update_controller_state(sw);
                }
            }
            ConnEvent::Down(id) => {
                if let Some(c) = self.conns.remove(&id) {
                    log::debug!("{}: {} disconnected", c.h.bridge, c.h.target);
                    if c.h.primary {
                        let e = self.history.entry((c.h.bridge, c.h.target)).or_default();
                        e.disconnected_at = Some(Instant::now());
                        self.status_dirty = true;
                        self.update_controller_state(sw);
                    }
                }
            }
            ConnEvent::Failed {
                bridge,
                target,
                error,
            } => {
                log::debug!("{bridge}: {target}: {error}");
                let e = self.history.entry((bridge, target)).or_default();
                if e.last_error.as_deref() != Some(error.as_str()) {
                    e.last_error = Some(error);
                    self.status_dirty = true;
                }
                e.failed = true;
            }
            ConnEvent::Msg(id, d) => {
                let replies = self.handle(sw, id, &d);
                if let Some(c) = self.conns.get(&id) {
                    for r in replies {
                        let _ = c.h.tx.send(r);
                    }
                }
            }
        }
    }

    fn handle(&mut self, sw: &mut Switch, id: u64, d: &[u8]) -> Out {
        let Some(c) = self.conns.get(&id) else {
            return Vec::new();
        };
        let (bridge, cv, conn_role) = (c.h.bridge.clone(), c.h.version, c.role);
        let stripped = crate::nxcookie::strip(d);
        let (v, xid, mut m) = match message::decode(stripped.as_ref().map_or(d, |s| &s.msg)) {
            Ok(x) => x,
            Err(e) => return err(e, d),
        };
        if let Some(s) = stripped {
            match &mut m {
                Message::FlowMod(fm, _) if fm.command != flow_mod::command::ADD => {
                    (fm.cookie, fm.cookie_mask) = (s.cookie, s.mask);
                }
                Message::StatsRequest(StatsRequest::Flow(fr)) => {
                    (fr.cookie, fr.cookie_mask) = (s.cookie, s.mask);
                }
                // OVS: an add cannot match on a cookie.
                _ => return err(OfpError::NXBRC_NXM_INVALID, d),
            }
        }
        if v != cv {
            return err(OfpError::OFPBRC_BAD_VERSION, d);
        }
        let is_write = matches!(
            m,
            Message::FlowMod(..)
                | Message::GroupMod(_)
                | Message::MeterMod(_)
                | Message::PacketOut(_)
        );
        if is_write && conn_role == role::SLAVE {
            return err(OfpError::OFPBRC_IS_SECONDARY, d);
        }
        match m {
            Message::Hello(_) | Message::EchoReply(_) | Message::Error(..) => Vec::new(),
            Message::EchoRequest(p) => vec![message::encode(&Message::EchoReply(p), v, xid)],
            Message::FeaturesRequest => {
                let ports = self.phy_ports(sw, &bridge);
                let dpid = self.config.get(&bridge).map_or(0, |c| c.dpid);
                vec![ofreply::features(v, xid, dpid, &ports)]
            }
            Message::GetConfigRequest => {
                let msl = self.conns.get(&id).map_or(128, |c| c.miss_send_len);
                vec![ofreply::get_config_reply(v, xid, 0, msl)]
            }
            Message::SetConfig(cfg) => {
                if let Some(c) = self.conns.get_mut(&id) {
                    c.miss_send_len = cfg.miss_send_len;
                    c.wants_async |= cfg.miss_send_len > 0;
                }
                Vec::new()
            }
            Message::BarrierRequest => vec![ofreply::barrier_reply(v, xid)],
            Message::FlowMod(mut fm, _) => {
                let tid = self.conns.get(&id).is_some_and(|c| c.fm_table_id);
                if v == Version::Of10 && !tid {
                    // Without NXT_FLOW_MOD_TABLE_ID the command's high byte means
                    // nothing: adds go to table 0, the rest to every table.
                    fm.table_id = 255;
                }
                self.flow_mod(sw, &bridge, &fm, d)
            }
            Message::GroupMod(gm) => {
                self.flush_stats(sw);
                let r = with_bridge(sw, &bridge, |b| b.group_mod(&gm));
                match r {
                    Some(Ok(removed)) => {
                        self.flows_removed(&bridge, removed);
                        Vec::new()
                    }
                    Some(Err(e)) => err(e, d),
                    None => Vec::new(),
                }
            }
            Message::MeterMod(_) => err(OfpError::OFPMMFC_INVALID_METER, d),
            Message::PacketOut(po) => {
                if po.buffer_id != u32::MAX {
                    return err(OfpError::OFPBRC_BUFFER_UNKNOWN, d);
                }
                self.packet_out(sw, &bridge, &po, d)
            }
            Message::StatsRequest(r) => self.stats(sw, &bridge, v, xid, &r, d),
            Message::Other(name, bytes) => self.other(sw, id, name, &bytes, v, xid),
            // OpenFlow 1.2+ form (24 bytes); the Nicira form is not supported.
            Message::RoleRequest(_) if d.get(1) == Some(&24) => {
                self.role_request(sw, id, d, v, xid)
            }
            Message::SetAsync(ac) => {
                if let Some(c) = self.conns.get_mut(&id) {
                    let old = c.async_cfg;
                    c.async_cfg = AsyncConfig {
                        present: old.present,
                        ..ac
                    };
                    if v < Version::Of14 {
                        // OFPR_ACTION of an older wire stands for the 1.4 reasons
                        // that refine it too (action set, group, packet-out), as OVS
                        // reads it.
                        for m in [&mut c.async_cfg.primary[0], &mut c.async_cfg.secondary[0]] {
                            *m = (*m & 0x7) | if *m & 0x2 != 0 { 0x38 } else { 0 };
                        }
                    }
                    c.wants_async = true;
                }
                Vec::new()
            }
            Message::GetAsyncRequest => {
                let ac = self
                    .conns
                    .get(&id)
                    .map_or_else(|| default_async(v), |c| c.async_cfg);
                vec![message::encode(&Message::GetAsyncReply(ac), v, xid)]
            }
            Message::RoleRequest(_)
            | Message::FeaturesReply(_)
            | Message::FlowRemoved(..)
            | Message::RoleReply(_)
            | Message::RoleStatus(_)
            | Message::GetAsyncReply(_) => err(OfpError::OFPBRC_BAD_TYPE, d),
            Message::PacketIn(..)
            | Message::PortStatus(_)
            | Message::GetConfigReply(_)
            | Message::StatsReply(..)
            | Message::BarrierReply => err(OfpError::OFPBRC_BAD_TYPE, d),
        }
    }

    fn flow_mod(&mut self, sw: &mut Switch, bridge: &str, fm: &flow_mod::FlowMod, d: &[u8]) -> Out {
        if let Some(e) = precheck(fm) {
            return err(e, d);
        }
        if matches!(
            fm.command,
            flow_mod::command::DELETE | flow_mod::command::DELETE_STRICT
        ) {
            // FLOW_REMOVED carries the final counters.
            self.flush_stats(sw);
        }
        match with_bridge(sw, bridge, |b| b.flow_mod(fm, Instant::now())) {
            Some(Ok(removed)) => {
                self.flows_removed(bridge, removed);
                Vec::new()
            }
            Some(Err(e)) => err(e, d),
            None => Vec::new(),
        }
    }

    /// Sends FLOW_REMOVED for rules that asked for it to the bridge's controllers.
    fn flows_removed(&self, bridge: &str, removed: Vec<Removed>) {
        let now = Instant::now();
        for r in removed {
            if r.rule.flags & flow_mod::flags::SEND_FLOW_REM == 0 {
                continue;
            }
            let fs = flow_stats(&r.rule, r.table_id, now);
            for c in self.conns.values().filter(|c| c.h.bridge == bridge) {
                if !c.wants(2, r.reason) {
                    continue;
                }
                let _ =
                    c.h.tx
                        .send(ofreply::flow_removed(c.h.version, &fs, r.reason));
            }
        }
    }

    fn phy_ports(&self, sw: &Switch, bridge: &str) -> Vec<PhyPort> {
        let reg = sw
            .registry_handle()
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(b) = reg.bridge(bridge) else {
            return Vec::new();
        };
        b.ports()
            .map(|p| {
                let link = sw.iface_link(&p.name);
                let mac = link.as_ref().and_then(|l| l.mac).unwrap_or([0; 6]);
                let up = link.as_ref().is_none_or(|l| l.up);
                PhyPort {
                    port_no: p.ofport,
                    hw_addr: EthAddr(mac),
                    name: p.name.clone(),
                    config: 0,
                    state: if up { 0 } else { 1 },
                    curr: if p.peer.is_some() {
                        0
                    } else {
                        (1 << 6) | (1 << 11)
                    },
                    advertised: 0,
                    supported: 0,
                    peer: 0,
                    curr_speed: if p.peer.is_some() { 0 } else { 10_000_000 },
                    max_speed: 0,
                }
            })
            .collect()
    }

    fn stats(
        &mut self,
        sw: &Switch,
        bridge: &str,
        v: Version,
        xid: u32,
        r: &StatsRequest,
        d: &[u8],
    ) -> Out {
        if matches!(
            r,
            StatsRequest::Flow(_) | StatsRequest::Table | StatsRequest::Group(_)
        ) {
            // Counters that include every packet forwarded before the request.
            self.flush_stats(sw);
        }
        let reg = sw
            .registry_handle()
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(b) = reg.bridge(bridge) else {
            return Vec::new();
        };
        let now = Instant::now();
        let age = self.started.elapsed();
        let groups = |g: u32| {
            b.groups()
                .values()
                .filter(move |x| g == u32::MAX || g == 0xffff_fffc || g == x.id)
        };
        let reply = match r {
            StatsRequest::Desc => ofreply::desc(bridge),
            StatsRequest::Flow(fr) => {
                let flows = select_flows(b, fr, now);
                let nx = fr.nxm;
                if fr.aggregate {
                    let stats = AggregateStats {
                        packet_count: flows.iter().map(|f| f.packet_count).sum(),
                        byte_count: flows.iter().map(|f| f.byte_count).sum(),
                        flow_count: flows.len() as u32,
                    };
                    StatsReply::Aggregate { stats, nx }
                } else {
                    StatsReply::Flow { flows, nx }
                }
            }
            StatsRequest::Table => StatsReply::Table(
                b.tables()
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        ofreply::table_stats(
                            i as u8,
                            t.len() as u32,
                            t.stats.lookups.load(Relaxed),
                            t.stats.matched.load(Relaxed),
                        )
                    })
                    .collect(),
            ),
            StatsRequest::Port(p) => StatsReply::Port(
                b.ports()
                    .filter(|x| *p == 0xffff || *p == x.ofport)
                    .map(|x| {
                        let c = sw.iface_counters(&x.name).unwrap_or_default();
                        let mut ps = PortStats::new(x.ofport);
                        (ps.duration_sec, ps.duration_nsec) =
                            (age.as_secs() as u32, age.subsec_nanos());
                        (ps.rx_packets, ps.rx_bytes, ps.rx_dropped) = (c[0], c[1], c[2]);
                        (ps.tx_packets, ps.tx_bytes, ps.tx_dropped) = (c[3], c[4], c[5]);
                        (ps.rx_errors, ps.tx_errors) = (0, 0);
                        (ps.rx_frame_errors, ps.rx_over_errors) = (0, 0);
                        (ps.rx_crc_errors, ps.collisions) = (0, 0);
                        ps
                    })
                    .collect(),
            ),
            StatsRequest::PortDesc(p) => {
                drop(reg);
                let ports = self
                    .phy_ports(sw, bridge)
                    .into_iter()
                    .filter(|x| *p == 0xffff || *p == x.port_no)
                    .collect();
                return ofreply::multipart(v, xid, &StatsReply::PortDesc(ports));
            }
            StatsRequest::Queue(..) => StatsReply::Queue(Vec::new()),
            StatsRequest::GroupDesc(g) => StatsReply::GroupDesc(
                groups(*g)
                    .map(|x| GroupDesc {
                        type_: x.type_,
                        group_id: x.id,
                        buckets: x.buckets.clone(),
                    })
                    .collect(),
            ),
            StatsRequest::Group(g) => StatsReply::Group(
                groups(*g)
                    .map(|x| GroupStats {
                        group_id: x.id,
                        ref_count: b
                            .tables()
                            .iter()
                            .flat_map(|t| t.rules())
                            .filter(|r| r.has_out_group(x.id))
                            .count() as u32,
                        packet_count: x.stats.packets.load(Relaxed),
                        byte_count: x.stats.bytes.load(Relaxed),
                        duration_sec: age.as_secs() as u32,
                        duration_nsec: age.subsec_nanos(),
                        buckets: vec![(0, 0); x.buckets.len()],
                    })
                    .collect(),
            ),
            StatsRequest::TableFeatures(set) if set.is_empty() => {
                let entries: Vec<Vec<u8>> = (0..rvs_ofproto::rule::N_TABLES)
                    .map(|t| ofreply::table_features(t as u8))
                    .collect();
                return vec![ofreply::raw_multipart(v, xid, 12, &entries)];
            }
            _ => return err(OfpError::OFPBRC_BAD_STAT, d),
        };
        ofreply::multipart(v, xid, &reply)
    }

    fn other(
        &mut self,
        sw: &mut Switch,
        id: u64,
        name: &str,
        d: &[u8],
        v: Version,
        xid: u32,
    ) -> Out {
        match name {
            // Session settings ovs-ofctl and controllers send; rvs's answers do not
            // depend on them (flow formats are chosen per request).
            "NXT_FLOW_MOD_TABLE_ID" => {
                if let Some(c) = self.conns.get_mut(&id) {
                    c.fm_table_id = d.get(16).is_some_and(|b| *b != 0);
                }
                Vec::new()
            }
            "NXT_SET_FLOW_FORMAT"
            | "NXT_SET_PACKET_IN_FORMAT"
            | "NXT_SET_CONTROLLER_ID"
            | "OFPT13_SET_ASYNC"
            | "OFPT14_SET_ASYNC"
            | "NXT_SET_ASYNC_CONFIG"
            | "NXT_SET_ASYNC_CONFIG2" => Vec::new(),
            "OFPT12_ROLE_REQUEST" => self.role_request(sw, id, d, v, xid),
            "OFPT14_BUNDLE_CONTROL" | "ONFT13_BUNDLE_CONTROL" => self.bundle_control(sw, id, d),
            "OFPT14_BUNDLE_ADD_MESSAGE" | "ONFT13_BUNDLE_ADD_MESSAGE" => self.bundle_add(id, d),
            _ => err(OfpError::OFPBRC_BAD_TYPE, d),
        }
    }

    fn role_request(&mut self, sw: &Switch, id: u64, d: &[u8], v: Version, xid: u32) -> Out {
        if d.len() != 24 {
            return err(OfpError::OFPBRC_BAD_LEN, d);
        }
        let want = u32::from_be_bytes(d[8..12].try_into().unwrap_or_default());
        let gen = u64::from_be_bytes(d[16..24].try_into().unwrap_or_default());
        if want > role::SLAVE {
            return err(OfpError::OFPRRFC_BAD_ROLE, d);
        }
        if want == role::MASTER || want == role::SLAVE {
            if let Some(cur) = self.generation_id {
                if (gen.wrapping_sub(cur) as i64) < 0 {
                    // OFPRRFC_STALE, OpenFlow 1.2+ (11, 0).
                    let mut e = vec![v.wire(), 1, 0, 0];
                    e.extend_from_slice(&xid.to_be_bytes());
                    e.extend_from_slice(&[0, 11, 0, 0]);
                    e.extend_from_slice(&d[..d.len().min(64)]);
                    let len = e.len() as u16;
                    e[2..4].copy_from_slice(&len.to_be_bytes());
                    return vec![e];
                }
            }
            self.generation_id = Some(gen);
        }
        let bridge = self
            .conns
            .get(&id)
            .map(|c| c.h.bridge.clone())
            .unwrap_or_default();
        if want == role::MASTER {
            for c in self.conns.values_mut() {
                if c.h.bridge == bridge && c.role == role::MASTER {
                    c.role = role::SLAVE;
                }
            }
        }
        let mut cur = role::EQUAL;
        if let Some(c) = self.conns.get_mut(&id) {
            if want != role::NOCHANGE {
                c.role = want;
            }
            cur = c.role;
        }
        self.update_controller_state(sw);
        self.status_dirty = true;
        vec![ofreply::role_reply(
            v,
            xid,
            cur,
            self.generation_id.unwrap_or(u64::MAX),
        )]
    }

    fn bundle_control(&mut self, sw: &mut Switch, id: u64, d: &[u8]) -> Out {
        let hdr = if d[1] == 4 { 16 } else { 8 }; // ONF experimenter header is longer
        if d.len() < hdr + 8 {
            return err(OfpError::OFPBRC_BAD_LEN, d);
        }
        let bid = u32::from_be_bytes(d[hdr..hdr + 4].try_into().unwrap_or_default());
        let typ = u16::from_be_bytes([d[hdr + 4], d[hdr + 5]]);
        let reply = |t: u16| {
            let mut r = d[..hdr + 8].to_vec();
            r[hdr + 4..hdr + 6].copy_from_slice(&t.to_be_bytes());
            let len = r.len() as u16;
            r[2..4].copy_from_slice(&len.to_be_bytes());
            r
        };
        let Some(c) = self.conns.get_mut(&id) else {
            return Vec::new();
        };
        match typ {
            0 => {
                if c.bundles.contains_key(&bid) {
                    return err(OfpError::OFPBFC_BAD_ID, d);
                }
                c.bundles.insert(bid, Vec::new());
                vec![reply(1)]
            }
            2 => {
                if !c.bundles.contains_key(&bid) {
                    return err(OfpError::OFPBFC_BAD_ID, d);
                }
                vec![reply(3)]
            }
            6 => {
                c.bundles.remove(&bid);
                vec![reply(7)]
            }
            4 => {
                let Some(msgs) = c.bundles.remove(&bid) else {
                    return err(OfpError::OFPBFC_BAD_ID, d);
                };
                let bridge = c.h.bridge.clone();
                let mut decoded = Vec::new();
                for m in &msgs {
                    match message::decode(m) {
                        Ok((_, _, Message::FlowMod(fm, _))) => match precheck(&fm) {
                            Some(e) => return bundle_failed(e, m, d),
                            None => decoded.push((fm, m)),
                        },
                        Ok(_) => return bundle_failed(OfpError::OFPBFC_MSG_UNSUP, m, d),
                        Err(e) => return bundle_failed(e, m, d),
                    }
                }
                self.flush_stats(sw);
                let fms: Vec<&flow_mod::FlowMod> = decoded.iter().map(|(fm, _)| &**fm).collect();
                match with_bridge(sw, &bridge, |b| b.flow_mods_atomic(&fms, Instant::now())) {
                    Some(Ok(removed)) => {
                        self.flows_removed(&bridge, removed);
                        vec![reply(5)]
                    }
                    Some(Err((i, e))) => bundle_failed(e, decoded[i].1, d),
                    None => Vec::new(),
                }
            }
            _ => err(OfpError::OFPBFC_BAD_TYPE, d),
        }
    }

    fn bundle_add(&mut self, id: u64, d: &[u8]) -> Out {
        let hdr = if d[1] == 4 { 16 } else { 8 };
        if d.len() < hdr + 8 + 8 {
            return err(OfpError::OFPBFC_MSG_BAD_LEN, d);
        }
        let bid = u32::from_be_bytes(d[hdr..hdr + 4].try_into().unwrap_or_default());
        let inner = d[hdr + 8..].to_vec();
        let inner_len = usize::from(u16::from_be_bytes([inner[2], inner[3]]));
        if inner_len > inner.len() || inner_len < 8 {
            return err(OfpError::OFPBFC_MSG_BAD_LEN, d);
        }
        let Some(c) = self.conns.get_mut(&id) else {
            return Vec::new();
        };
        match c.bundles.get_mut(&bid) {
            Some(v) => {
                v.push(inner[..inner_len].to_vec());
                Vec::new()
            }
            None => {
                c.bundles.insert(bid, vec![inner[..inner_len].to_vec()]);
                Vec::new()
            }
        }
    }

    fn packet_out(
        &mut self,
        sw: &mut Switch,
        bridge: &str,
        po: &rvs_openflow::packet_out::PacketOut,
        d: &[u8],
    ) -> Out {
        let in_port = po.metadata.flow.in_port;
        let mut flow = rvs_packet::extract(&po.packet, 0);
        flow.in_port = 0;
        let xo = {
            let reg = sw
                .registry_handle()
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let Some(b) = reg.bridge(bridge) else {
                return Vec::new();
            };
            if in_port < rvs_ofproto::bridge::OFPP_MAX && b.port(in_port).is_none() {
                return err(OfpError::OFPBRC_BAD_PORT, d);
            }
            reg.packet_out(bridge, in_port, &flow, &po.actions)
        };
        let Some(xo) = xo else { return Vec::new() };
        xo.credits.credit(1, po.packet.len() as u64, Instant::now());
        self.execute(sw, &po.packet, &xo.actions);
        Vec::new()
    }

    /// Executes datapath actions on a packet in the control thread (packet-out).
    fn execute(&mut self, sw: &Switch, packet: &[u8], actions: &[DpAction]) {
        let (_, mut layout) = rvs_packet::extract_layout(packet, 0);
        let mut buf = PacketBuf::new(packet);
        for a in actions {
            let ok = match a {
                DpAction::Output(p) => {
                    if !self.txqs.contains_key(p) {
                        if let Some(n) = sw.datapath().netdev(*p) {
                            if let Ok(q) = n.open_txq() {
                                self.txqs.insert(*p, q);
                            }
                        }
                    }
                    if let Some(q) = self.txqs.get_mut(p) {
                        q.send(&[buf.data()]);
                    }
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
                DpAction::Userspace { userdata } => {
                    self.packet_in(sw, buf.data(), userdata);
                    true
                }
                DpAction::Clone(inner) => {
                    let copy = buf.data().to_vec();
                    self.execute(sw, &copy, inner);
                    true
                }
                _ => true,
            };
            if !ok {
                return;
            }
        }
    }

    /// Sends a packet-in for a packet a `userspace` action handed up.
    pub fn packet_in(&self, sw: &Switch, packet: &[u8], userdata: &[u8]) {
        let Some(ck) = PacketInCookie::decode(userdata) else {
            return;
        };
        let bridge = {
            let reg = sw
                .registry_handle()
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match reg.bridge_by_index(ck.bridge) {
                Some(b) => b.name().to_string(),
                None => return,
            }
        };
        for c in self.conns.values() {
            if c.h.bridge != bridge || !c.wants(0, ck.reason) {
                continue;
            }
            let max = if ck.reason == reason::NO_MATCH || ck.max_len == 0 {
                c.miss_send_len
            } else {
                ck.max_len
            };
            let n = packet.len().min(usize::from(max));
            let mut md = rvs_openflow::Match::default();
            md.flow.in_port = ck.in_port;
            md.mask.in_port = 0xffff;
            let pin = PacketIn {
                metadata: md,
                reason: if c.h.version < Version::Of14 && ck.reason > reason::INVALID_TTL {
                    reason::ACTION
                } else {
                    ck.reason
                },
                table_id: ck.table_id,
                cookie: ck.cookie,
                buffer_id: u32::MAX,
                total_len: packet.len() as u16,
                packet: packet[..n].to_vec(),
            };
            let raw = match c.h.version {
                Version::Of10 => packet_in::Raw::Of10,
                Version::Of11 => packet_in::Raw::Of11,
                Version::Of12 => packet_in::Raw::Of12,
                _ => packet_in::Raw::Of13,
            };
            let _ = c.h.tx.send(packet_in::encode(&pin, c.h.version, raw, 0));
        }
    }

    /// Once a second: rule timeouts (FLOW_REMOVED) and rule counters from the
    /// datapath's megaflow counters.
    pub fn run_periodic(&mut self, sw: &mut Switch) {
        let now = Instant::now();
        let names: Vec<String> = self.config.keys().cloned().collect();
        self.flush_stats(sw);
        for br in names {
            if let Some(removed) = with_bridge(sw, &br, |b| b.expire_rules(now)) {
                self.flows_removed(&br, removed);
            }
        }
    }

    /// Has the datapath credit rule, group and table counters with every packet
    /// forwarded so far (megaflows credit their rules once a second on their own).
    fn flush_stats(&self, sw: &Switch) {
        if let Err(e) = sw.datapath().flush_flow_stats() {
            log::warn!("could not collect flow statistics: {e}");
        }
    }
}

/// What a flow-mod is checked for before it reaches the tables.
fn precheck(fm: &flow_mod::FlowMod) -> Option<OfpError> {
    if fm.buffer_id != u32::MAX && fm.command <= flow_mod::command::MODIFY_STRICT {
        // No packets are buffered; OVS answers an unknown buffer so.
        return Some(OfpError::OFPBRC_BUFFER_UNKNOWN);
    }
    check_match_port(fm)
}

/// A bundle commit that failed, as OVS answers it: the error of the message that
/// failed, then `OFPBFC_MSG_FAILED` for the commit request `commit`.
fn bundle_failed(e: OfpError, msg: &[u8], commit: &[u8]) -> Out {
    let mut out = err(e, msg);
    out.push(raw_error(commit, 17, 12, 2312));
    out
}

/// An error with a (type, code) the codec does not name: standard in OpenFlow 1.4+,
/// the ONF experimenter `onf_code` in 1.3 (OVS's encoding).
fn raw_error(offending: &[u8], type_: u16, code: u16, onf_code: u16) -> Vec<u8> {
    let v = offending.first().copied().unwrap_or(5);
    let mut e = vec![v, 1, 0, 0];
    e.extend_from_slice(offending.get(4..8).unwrap_or(&[0; 4]));
    if v >= 5 {
        e.extend_from_slice(&type_.to_be_bytes());
        e.extend_from_slice(&code.to_be_bytes());
    } else {
        e.extend_from_slice(&0xffffu16.to_be_bytes());
        e.extend_from_slice(&onf_code.to_be_bytes());
        e.extend_from_slice(&0x4f4e_4600u32.to_be_bytes());
    }
    e.extend_from_slice(&offending[..offending.len().min(64)]);
    let len = e.len() as u16;
    e[2..4].copy_from_slice(&len.to_be_bytes());
    e
}

/// OVS rejects a flow-mod whose match names an invalid input port.
fn check_match_port(fm: &flow_mod::FlowMod) -> Option<OfpError> {
    let p = fm.m.flow.in_port;
    if fm.m.mask.in_port != 0
        && p >= rvs_ofproto::bridge::OFPP_MAX
        && p != rvs_ofproto::OFPP_LOCAL
        && p != 0xfffd
    {
        return Some(OfpError::OFPBMC_BAD_VALUE);
    }
    None
}

fn with_bridge<T>(sw: &Switch, bridge: &str, f: impl FnOnce(&mut Bridge) -> T) -> Option<T> {
    let mut reg = sw
        .registry_handle()
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    reg.bridge_mut(bridge).map(f)
}

fn flow_stats(r: &Rule, table_id: u8, now: Instant) -> FlowStats {
    let age = now.saturating_duration_since(r.created);
    let used = r.stats.used_ms.load(Relaxed);
    let idle = if used == 0 {
        now.saturating_duration_since(r.modified)
    } else {
        Duration::from_millis(rvs_ofproto::rule::millis(now).saturating_sub(used))
    };
    FlowStats {
        m: r.m,
        priority: r.priority,
        table_id,
        cookie: r.cookie,
        duration_sec: age.as_secs() as u32,
        duration_nsec: age.subsec_nanos(),
        idle_timeout: r.idle_timeout,
        hard_timeout: r.hard_timeout,
        importance: r.importance,
        flags: r.flags,
        idle_age: Some(idle.as_secs().min(65534) as u16),
        hard_age: Some(
            now.saturating_duration_since(r.modified)
                .as_secs()
                .min(65534) as u16,
        ),
        packet_count: r.stats.packets.load(Relaxed),
        byte_count: r.stats.bytes.load(Relaxed),
        actions: r.actions.clone(),
    }
}

/// The flows a flow stats request selects, in table then priority order.
fn select_flows(b: &Bridge, fr: &FlowStatsRequest, now: Instant) -> Vec<FlowStats> {
    let mut out = Vec::new();
    for (t, table) in b.tables().iter().enumerate() {
        if fr.table_id != 255 && usize::from(fr.table_id) != t {
            continue;
        }
        for r in table.rules() {
            if r.is_loose(&fr.m)
                && (r.cookie ^ fr.cookie) & fr.cookie_mask == 0
                && r.has_out_port(fr.out_port)
                && r.has_out_group(fr.out_group)
            {
                out.push(flow_stats(r, t as u8, now));
            }
        }
    }
    out
}
