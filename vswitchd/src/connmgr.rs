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
use rvs_openflow::flow_stats::FlowStats;
use rvs_openflow::msg::basic;
use rvs_openflow::msg::message::{self, Message};
use rvs_openflow::msg::stats::{FlowStatsRequest, StatsRequest};
use rvs_openflow::packet_in::{self, PacketIn};
use rvs_openflow::port::PhyPort;
use rvs_openflow::{flow_mod, OfpError, Version};
use rvs_packet::actions::DpAction;
use rvs_packet::buf::PacketBuf;
use rvs_packet::{rewrite, EthAddr};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;

use crate::ofconn::{self, ConnEvent, ConnHandle, Target};
use crate::ofreply::{self, mp};
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
    /// Last datapath counters per megaflow, to credit rules with the difference.
    mf_stats: HashMap<Vec<u64>, (u64, u64)>,
    started: Instant,
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
                mf_stats: HashMap::new(),
                started: Instant::now(),
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
                self.conns.insert(
                    h.id,
                    Conn {
                        h,
                        miss_send_len: 128,
                        role: role::EQUAL,
                        fm_table_id: false,
                        bundles: HashMap::new(),
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
                        self.update_controller_state(sw);
                    }
                }
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
        let (v, xid, m) = match message::decode(d) {
            Ok(x) => x,
            Err(e) => return err(e, d),
        };
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
            // Accepted and not acted on (see docs/COMPAT.md).
            Message::SetAsync(_) => Vec::new(),
            Message::RoleRequest(_)
            | Message::GetAsyncRequest
            | Message::FeaturesReply(_)
            | Message::FlowRemoved(..)
            | Message::RoleReply(_)
            | Message::RoleStatus(_)
            | Message::GetAsyncReply(_) => err(OfpError::OFPBRC_BAD_TYPE, d),
            // Port and table configuration through OpenFlow is not supported.
            Message::PortMod(_) | Message::TableMod(_) => err(OfpError::OFPBRC_BAD_TYPE, d),
            // Continuations are not supported; a switch never receives a packet-in.
            Message::Resume(_) | Message::PacketIn2(_) => err(OfpError::OFPBRC_BAD_TYPE, d),
            Message::PacketIn(..)
            | Message::PortStatus(_)
            | Message::GetConfigReply(_)
            | Message::StatsReply(..)
            | Message::BarrierReply => err(OfpError::OFPBRC_BAD_TYPE, d),
        }
    }

    fn flow_mod(&mut self, sw: &mut Switch, bridge: &str, fm: &flow_mod::FlowMod, d: &[u8]) -> Out {
        if fm.buffer_id != u32::MAX && fm.command <= flow_mod::command::MODIFY_STRICT {
            // No packets are buffered; OVS answers an unknown buffer so.
            return err(OfpError::OFPBRC_BUFFER_UNKNOWN, d);
        }
        if let Some(p) = check_match_port(fm) {
            return err(p, d);
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
            for c in self
                .conns
                .values()
                .filter(|c| c.h.primary && c.h.bridge == bridge)
            {
                if c.role == role::SLAVE {
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
        let reg = sw
            .registry_handle()
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(b) = reg.bridge(bridge) else {
            return Vec::new();
        };
        let now = Instant::now();
        match r {
            StatsRequest::Desc => {
                ofreply::multipart(v, xid, mp::DESC, None, &[ofreply::desc(bridge)])
            }
            StatsRequest::Flow(fr) => {
                let flows = select_flows(b, fr, now);
                if fr.aggregate {
                    let (p, by) = flows
                        .iter()
                        .fold((0, 0), |(p, by), f| (p + f.packet_count, by + f.byte_count));
                    let body = ofreply::aggregate(p, by, flows.len() as u32);
                    let nx = (v == Version::Of10 && fr.nxm).then_some(1);
                    ofreply::multipart(v, xid, mp::AGGREGATE, nx, &[body])
                } else {
                    let entries: Vec<Vec<u8>> = flows
                        .iter()
                        .map(|f| ofreply::flow_entry(v, fr.nxm, f))
                        .collect();
                    let nx = (v == Version::Of10 && fr.nxm).then_some(0);
                    ofreply::multipart(v, xid, mp::FLOW, nx, &entries)
                }
            }
            StatsRequest::Table => {
                let entries: Vec<Vec<u8>> = b
                    .tables()
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        ofreply::table_entry(
                            v,
                            i as u8,
                            t.len() as u32,
                            t.stats.lookups.load(Relaxed),
                            t.stats.matched.load(Relaxed),
                        )
                    })
                    .collect();
                ofreply::multipart(v, xid, mp::TABLE, None, &entries)
            }
            StatsRequest::Port(p) => {
                let entries: Vec<Vec<u8>> = b
                    .ports()
                    .filter(|x| *p == 0xffff || *p == x.ofport)
                    .map(|x| {
                        let c = sw.iface_counters(&x.name).unwrap_or_default();
                        let all = [c[0], c[3], c[1], c[4], c[2], c[5], 0, 0, 0, 0, 0, 0];
                        ofreply::port_stats(v, x.ofport, all, self.started.elapsed())
                    })
                    .collect();
                ofreply::multipart(v, xid, mp::PORT, None, &entries)
            }
            StatsRequest::PortDesc(p) => {
                drop(reg);
                let entries: Vec<Vec<u8>> = self
                    .phy_ports(sw, bridge)
                    .iter()
                    .filter(|x| *p == 0xffff || *p == x.port_no)
                    .map(|x| ofreply::port_desc(v, x))
                    .collect();
                ofreply::multipart(v, xid, mp::PORT_DESC, None, &entries)
            }
            StatsRequest::Queue(..) => ofreply::multipart(v, xid, mp::QUEUE, None, &[]),
            StatsRequest::GroupDesc(g) => {
                let entries: Vec<Vec<u8>> = b
                    .groups()
                    .values()
                    .filter(|x| *g == u32::MAX || *g == 0xffff_fffc || *g == x.id)
                    .map(|x| group_desc(v, x))
                    .collect();
                ofreply::multipart(v, xid, mp::GROUP_DESC, None, &entries)
            }
            StatsRequest::Group(g) => {
                let entries: Vec<Vec<u8>> = b
                    .groups()
                    .values()
                    .filter(|x| *g == u32::MAX || *g == 0xffff_fffc || *g == x.id)
                    .map(|x| group_stats(v, x, self.started.elapsed()))
                    .collect();
                ofreply::multipart(v, xid, mp::GROUP, None, &entries)
            }
            StatsRequest::TableFeatures(set) if set.is_empty() => {
                let entries: Vec<Vec<u8>> = (0..rvs_ofproto::rule::N_TABLES)
                    .map(|t| ofreply::table_features(t as u8))
                    .collect();
                ofreply::multipart(v, xid, 12, None, &entries)
            }
            _ => err(OfpError::OFPBRC_BAD_STAT, d),
        }
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
                // All or nothing: check every flow-mod on a scratch copy of the
                // decisions first (each is validated), then apply.
                let mut decoded = Vec::new();
                for m in &msgs {
                    match message::decode(m) {
                        Ok((_, _, Message::FlowMod(fm, _))) => decoded.push((fm, m)),
                        Ok(_) => return err(OfpError::OFPBFC_MSG_UNSUP, m),
                        Err(e) => return err(e, m),
                    }
                }
                for (fm, m) in &decoded {
                    let check = with_bridge(sw, &bridge, |b| {
                        let t = if fm.table_id == 255 { 0 } else { fm.table_id };
                        if usize::from(t) >= rvs_ofproto::rule::N_TABLES {
                            return Err(OfpError::OFPBRC_BAD_TABLE_ID);
                        }
                        b.check_actions(&fm.actions, &fm.m, t)
                    });
                    if let Some(Err(e)) = check {
                        return err(e, m);
                    }
                }
                for (fm, m) in decoded {
                    let out = self.flow_mod(sw, &bridge, &fm, m);
                    if !out.is_empty() {
                        return out;
                    }
                }
                vec![reply(5)]
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
            if !c.h.primary || c.h.bridge != bridge || c.role == role::SLAVE {
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
                reason: ck.reason,
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
        self.credit_megaflows(sw);
        for br in names {
            if let Some(removed) = with_bridge(sw, &br, |b| b.expire_rules(now)) {
                self.flows_removed(&br, removed);
            }
        }
    }

    fn credit_megaflows(&mut self, sw: &Switch) {
        let Ok(flows) = sw.datapath().dump_flows() else {
            return;
        };
        let reg = sw
            .registry_handle()
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut seen = HashMap::with_capacity(flows.len());
        for (pmd, f) in flows {
            let mut key: Vec<u64> = vec![pmd as u64];
            key.extend_from_slice(f.key.words());
            key.extend_from_slice(f.mask.words());
            let (p0, b0) = self.mf_stats.get(&key).copied().unwrap_or((0, 0));
            let (dp, db) = if f.packets >= p0 {
                (f.packets - p0, f.bytes.saturating_sub(b0))
            } else {
                (f.packets, f.bytes)
            };
            reg.credit(&f.key, dp, db);
            seen.insert(key, (f.packets, f.bytes));
        }
        self.mf_stats = seen;
    }
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

fn group_desc(v: Version, g: &rvs_ofproto::group::Group) -> Vec<u8> {
    // The buckets as a group-mod carries them (OpenFlow 1.1-1.4 layout).
    let gm = rvs_openflow::group::GroupMod {
        command: 0,
        type_: g.type_,
        group_id: g.id,
        command_bucket_id: 0,
        buckets: g.buckets.clone(),
    };
    let enc = rvs_openflow::group::encode(&gm, v, 0);
    let buckets = enc.get(16..).unwrap_or_default();
    let mut out = Vec::with_capacity(8 + buckets.len());
    out.extend_from_slice(&((8 + buckets.len()) as u16).to_be_bytes());
    out.push(g.type_);
    out.push(0);
    out.extend_from_slice(&g.id.to_be_bytes());
    out.extend_from_slice(buckets);
    out
}

fn group_stats(v: Version, g: &rvs_ofproto::group::Group, age: Duration) -> Vec<u8> {
    let n = g.buckets.len();
    let len = if v >= Version::Of13 { 40 } else { 32 } + 16 * n;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&g.id.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&g.stats.packets.load(Relaxed).to_be_bytes());
    out.extend_from_slice(&g.stats.bytes.load(Relaxed).to_be_bytes());
    if v >= Version::Of13 {
        out.extend_from_slice(&(age.as_secs() as u32).to_be_bytes());
        out.extend_from_slice(&age.subsec_nanos().to_be_bytes());
    }
    for _ in 0..n {
        out.extend_from_slice(&[0; 16]);
    }
    out
}
