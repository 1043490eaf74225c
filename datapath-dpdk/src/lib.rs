//! rvs-datapath: the userspace datapath.
//!
//! It owns the ports and their netdev providers (`system` through af_packet, `internal`
//! through tap, `dummy` in memory, `dpdk` and the vhost-user types through DPDK with
//! the `dpdk` feature), the PMD threads and
//! their caches (EMC, SMC, per-port megaflow classifiers), the assignment of receive
//! queues to PMDs, and the execution of datapath actions. It has no intelligence of its
//! own: a packet no cache knows becomes an upcall to an [`UpcallHandler`], whose answer
//! (actions plus mask) is cached as a megaflow and revalidated when the handler's
//! generation changes.
//!
//! Threads: a [`Datapath`] value lives on the control thread. It runs one PMD thread per
//! core of `pmd-cpu-mask`, each pinned to its core and owning its receive queues, a
//! transmit queue per port, its caches and batches. The control thread talks to PMDs
//! through command channels (every command acknowledged, so a port is out of use when
//! `del_port` returns) and reads their atomic counters. Nothing on the packet path is
//! shared between PMDs but the upcall handler, which only misses reach.
//!
//! `unsafe` is confined to [`sys`] (kernel sockets, ioctls, CPU affinity) and `dpdk`
//! (the EAL, mbufs and ethdevs, behind owning types).
#![deny(unsafe_code)]

pub mod cache;
pub mod config;
#[cfg(feature = "dpdk")]
pub mod dpdk;
pub mod netdev;
mod pmd;
pub mod sched;
#[allow(unsafe_code)]
pub mod sys;
pub mod upcall;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use cache::dpcls::MegaflowDump;
pub use config::{DpConfig, RxqAssign};
pub use netdev::{Netdev, NetdevError, PortCounters};
pub use pmd::{BenchPmd, DropReason, PmdStats, MAX_RECIRC_DEPTH};
pub use upcall::{StatsSink, Upcall, UpcallHandler};

use pmd::{Command, Pmd, PmdParams};
use sched::RxqLoad;

/// How long a control command waits for a PMD to acknowledge it.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// Errors of datapath control operations.
#[derive(Debug, thiserror::Error)]
pub enum DpError {
    /// A PMD thread is gone or did not answer in time.
    #[error("PMD thread on core {core} did not acknowledge {what}")]
    PmdUnresponsive {
        /// The PMD's core.
        core: usize,
        /// The command.
        what: &'static str,
    },
    /// No port with this number.
    #[error("no datapath port {0}")]
    NoSuchPort(u32),
    /// A device refused to open a queue.
    #[error(transparent)]
    Netdev(#[from] NetdevError),
    /// A PMD thread could not be started.
    #[error("could not start a PMD thread: {0}")]
    Spawn(#[source] std::io::Error),
}

struct PmdHandle {
    cmd: Sender<Command>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    stats: Arc<PmdStats>,
}

impl std::fmt::Debug for PmdHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PmdHandle").finish_non_exhaustive()
    }
}

impl PmdHandle {
    fn call<T>(
        &self,
        core: usize,
        what: &'static str,
        make: impl FnOnce(Sender<T>) -> Command,
    ) -> Result<T, DpError> {
        let (done, ack) = mpsc::channel();
        let err = || DpError::PmdUnresponsive { core, what };
        self.cmd.send(make(done)).map_err(|_| err())?;
        ack.recv_timeout(ACK_TIMEOUT).map_err(|_| err())
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A port, as the control thread keeps it.
#[derive(Debug)]
struct Port {
    netdev: Arc<dyn Netdev>,
    /// `pmd-rxq-affinity`: queue → core.
    affinity: BTreeMap<usize, usize>,
    /// Processing time per receive queue (ns), for `cycles` assignment.
    loads: Vec<Arc<AtomicU64>>,
    /// Counters: one set per receive queue and one per PMD's transmit queue.
    counters: Vec<Arc<PortCounters>>,
}

/// What the control side reports about a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortInfo {
    /// Device name.
    pub name: String,
    /// Provider type.
    pub kind: &'static str,
    /// Number of receive queues.
    pub n_rxq: usize,
}

/// What the control side reports about a PMD (`pmd-rxq-show`, `pmd-stats-show`).
#[derive(Debug, Clone)]
pub struct PmdInfo {
    /// The core it is pinned to.
    pub core: usize,
    /// Its counters.
    pub stats: Arc<PmdStats>,
    /// The receive queues it polls, as (port, queue).
    pub rxqs: Vec<(u32, usize)>,
}

/// The datapath, as the control thread sees it.
pub struct Datapath {
    handler: Arc<dyn UpcallHandler>,
    config: DpConfig,
    /// PMDs by core.
    pmds: BTreeMap<usize, PmdHandle>,
    ports: BTreeMap<u32, Port>,
    /// (port, queue) → core of the PMD polling it.
    assignment: BTreeMap<(u32, usize), usize>,
}

impl std::fmt::Debug for Datapath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Datapath")
            .field("config", &self.config)
            .field("pmds", &self.pmds.keys().collect::<Vec<_>>())
            .field("ports", &self.ports)
            .field("assignment", &self.assignment)
            .finish_non_exhaustive()
    }
}

fn params(c: &DpConfig) -> PmdParams {
    PmdParams {
        emc_insert_inv_prob: c.emc_insert_inv_prob,
        smc_enable: c.smc_enable,
        max_idle_ms: c.max_idle_ms,
        flow_limit: c.flow_limit,
    }
}

fn pmd_cores(c: &DpConfig) -> Vec<usize> {
    match &c.pmd_cores {
        Some(cores) => cores.clone(),
        None => vec![sys::allowed_cpus().first().copied().unwrap_or(0)],
    }
}

impl Datapath {
    /// A datapath with OVS's default settings (one PMD).
    pub fn new(handler: Arc<dyn UpcallHandler>) -> Result<Datapath, DpError> {
        Datapath::with_config(handler, DpConfig::default())
    }

    /// A datapath with these settings.
    pub fn with_config(
        handler: Arc<dyn UpcallHandler>,
        config: DpConfig,
    ) -> Result<Datapath, DpError> {
        let cores = pmd_cores(&config);
        let mut dp = Datapath {
            handler,
            config,
            pmds: BTreeMap::new(),
            ports: BTreeMap::new(),
            assignment: BTreeMap::new(),
        };
        for core in cores {
            dp.start_pmd(core)?;
        }
        Ok(dp)
    }

    fn start_pmd(&mut self, core: usize) -> Result<(), DpError> {
        let (cmd, rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(PmdStats::default());
        let pmd = Pmd::new(self.handler.clone(), stats.clone(), params(&self.config));
        let stop2 = stop.clone();
        let thread = std::thread::Builder::new()
            .name(format!("pmd-c{core:02}"))
            .spawn(move || {
                if let Err(e) = sys::pin_current_thread(core) {
                    log::warn!(
                        "PMD thread: could not pin to core {core}: {}",
                        sys::strerror(&e)
                    );
                }
                pmd.run(rx, stop2)
            })
            .map_err(DpError::Spawn)?;
        let handle = PmdHandle {
            cmd,
            stop,
            thread: Some(thread),
            stats,
        };
        // The new PMD transmits on every port.
        for (port_no, port) in &mut self.ports {
            let txq = port.netdev.open_txq()?;
            let counters = Arc::new(PortCounters::default());
            port.counters.push(counters.clone());
            let port_no = *port_no;
            handle.call(core, "add-tx-port", |done| Command::AddTxPort {
                port: port_no,
                txq,
                counters,
                done,
            })?;
        }
        log::info!("PMD thread created on core {core}");
        self.pmds.insert(core, handle);
        Ok(())
    }

    /// Applies new settings: starts and stops PMDs for `pmd-cpu-mask`, moves receive
    /// queues, and passes cache settings to every PMD. PMDs that stay keep running.
    pub fn set_config(&mut self, config: DpConfig) -> Result<(), DpError> {
        if config == self.config {
            return Ok(());
        }
        let old_cores = pmd_cores(&self.config);
        self.config = config;
        let new_cores = pmd_cores(&self.config);
        for core in &new_cores {
            if !self.pmds.contains_key(core) {
                self.start_pmd(*core)?;
            }
        }
        self.reassign(&new_cores)?;
        for core in old_cores.iter().filter(|c| !new_cores.contains(c)) {
            if let Some(mut h) = self.pmds.remove(core) {
                h.stop();
                log::info!("PMD thread on core {core} destroyed");
            }
        }
        let p = params(&self.config);
        for (core, h) in &self.pmds {
            h.call(*core, "set-params", |done| Command::SetParams {
                params: p,
                done,
            })?;
        }
        Ok(())
    }

    /// The settings in force.
    pub fn config(&self) -> &DpConfig {
        &self.config
    }

    /// Computes where every receive queue should be polled and moves the ones that
    /// must move.
    fn reassign(&mut self, cores: &[usize]) -> Result<(), DpError> {
        let mut rxqs = Vec::new();
        for (port_no, port) in &self.ports {
            for (q, load) in port.loads.iter().enumerate() {
                rxqs.push(RxqLoad {
                    port: *port_no,
                    queue: q,
                    cycles: load.load(Ordering::Relaxed),
                    affinity: port.affinity.get(&q).copied(),
                });
            }
        }
        let want = sched::assign(
            &rxqs,
            cores,
            self.config.rxq_assign,
            self.config.rxq_isolate,
        );
        let moving: Vec<((u32, usize), Option<usize>)> = self
            .assignment
            .iter()
            .filter(|(k, core)| want.get(k) != Some(core))
            .map(|(k, core)| (*k, Some(*core)))
            .chain(
                want.keys()
                    .filter(|k| !self.assignment.contains_key(k))
                    .map(|k| (*k, None)),
            )
            .collect();
        for ((port_no, q), old) in moving {
            if let Some(core) = old {
                if let Some(h) = self.pmds.get(&core) {
                    h.call(core, "del-rxq", |done| Command::DelRxq {
                        port: port_no,
                        queue: q,
                        done,
                    })?;
                }
                self.assignment.remove(&(port_no, q));
            }
            let Some(&core) = want.get(&(port_no, q)) else {
                if let Some(p) = self.ports.get(&port_no) {
                    log::warn!(
                        "{}: rx queue {q} is not polled: every PMD is isolated",
                        p.netdev.name()
                    );
                }
                continue;
            };
            let (Some(h), Some(port)) = (self.pmds.get(&core), self.ports.get_mut(&port_no)) else {
                continue;
            };
            let rxq = port.netdev.open_rxq(q)?;
            let counters = Arc::new(PortCounters::default());
            port.counters.push(counters.clone());
            let load = port.loads[q].clone();
            h.call(core, "add-rxq", |done| Command::AddRxq {
                port: port_no,
                queue: q,
                rxq,
                counters,
                load,
                done,
            })?;
            self.assignment.insert((port_no, q), core);
        }
        Ok(())
    }

    /// Reassigns receive queues by their measured load (`pmd-rxq-rebalance`).
    pub fn rebalance(&mut self) -> Result<(), DpError> {
        let cores: Vec<usize> = self.pmds.keys().copied().collect();
        self.reassign(&cores)
    }

    /// The number the next [`Datapath::add_port`] will use, so that the port's owner
    /// can know it before packets arrive on it.
    pub fn next_port_no(&self) -> u32 {
        (1..)
            .find(|n| !self.ports.contains_key(n))
            .unwrap_or(u32::MAX)
    }

    /// Adds `netdev` under the lowest free port number (from 1: see
    /// [`Datapath::next_port_no`]) and returns it. When this returns, PMDs poll its
    /// queues and can transmit on it.
    pub fn add_port(&mut self, netdev: Arc<dyn Netdev>) -> Result<u32, DpError> {
        let port_no = self.next_port_no();
        let n_rxq = netdev.n_rxq().max(1);
        let mut port = Port {
            netdev,
            affinity: BTreeMap::new(),
            loads: (0..n_rxq).map(|_| Arc::new(AtomicU64::new(0))).collect(),
            counters: Vec::new(),
        };
        for (core, h) in &self.pmds {
            let txq = port.netdev.open_txq()?;
            let counters = Arc::new(PortCounters::default());
            port.counters.push(counters.clone());
            h.call(*core, "add-tx-port", |done| Command::AddTxPort {
                port: port_no,
                txq,
                counters,
                done,
            })?;
        }
        self.ports.insert(port_no, port);
        let cores: Vec<usize> = self.pmds.keys().copied().collect();
        self.reassign(&cores)?;
        Ok(port_no)
    }

    /// Sets `pmd-rxq-affinity` of a port (queue → core) and moves its queues.
    pub fn set_rxq_affinity(
        &mut self,
        port_no: u32,
        affinity: BTreeMap<usize, usize>,
    ) -> Result<(), DpError> {
        let port = self
            .ports
            .get_mut(&port_no)
            .ok_or(DpError::NoSuchPort(port_no))?;
        if port.affinity == affinity {
            return Ok(());
        }
        port.affinity = affinity;
        let cores: Vec<usize> = self.pmds.keys().copied().collect();
        self.reassign(&cores)
    }

    /// Removes a port. When this returns, no PMD receives from or sends to it.
    pub fn del_port(&mut self, port_no: u32) -> Result<(), DpError> {
        if !self.ports.contains_key(&port_no) {
            return Err(DpError::NoSuchPort(port_no));
        }
        for (core, h) in &self.pmds {
            h.call(*core, "del-port", |done| Command::DelPort {
                port: port_no,
                done,
            })?;
        }
        self.assignment.retain(|(p, _), _| *p != port_no);
        self.ports.remove(&port_no);
        Ok(())
    }

    /// Drops every cached flow in every PMD.
    pub fn flush(&self) -> Result<(), DpError> {
        for (core, h) in &self.pmds {
            h.call(*core, "flush", |done| Command::Flush { done })?;
        }
        Ok(())
    }

    /// Returns once every PMD has revalidated its megaflows against the handler's
    /// current generation: after this, no packet is handled by a translation older
    /// than the call (what an OpenFlow barrier after a flow-mod needs).
    pub fn sync(&self) -> Result<(), DpError> {
        for (core, h) in &self.pmds {
            h.call(*core, "sync", |done| Command::Sync { done })?;
        }
        Ok(())
    }

    /// Has every PMD credit its megaflows' sinks with the packets counted so far (see
    /// [`StatsSink`]): afterwards the slow path's counters include every packet
    /// forwarded before the call.
    pub fn flush_flow_stats(&self) -> Result<(), DpError> {
        for (core, h) in &self.pmds {
            h.call(*core, "flush stats", |done| Command::FlushStats { done })?;
        }
        Ok(())
    }

    /// The megaflows of every PMD, with the PMD's core.
    pub fn dump_flows(&self) -> Result<Vec<(usize, MegaflowDump)>, DpError> {
        let mut out = Vec::new();
        for (core, h) in &self.pmds {
            let flows = h.call(*core, "dump", |done| Command::Dump { done })?;
            out.extend(flows.into_iter().map(|f| (*core, f)));
        }
        Ok(out)
    }

    /// The ports, by number.
    pub fn ports(&self) -> BTreeMap<u32, PortInfo> {
        self.ports
            .iter()
            .map(|(n, p)| {
                let info = PortInfo {
                    name: p.netdev.name().to_string(),
                    kind: p.netdev.kind(),
                    n_rxq: p.loads.len(),
                };
                (*n, info)
            })
            .collect()
    }

    /// A port's counters, summed over its queues: rx packets, rx bytes, rx dropped, tx
    /// packets, tx bytes, tx dropped.
    pub fn port_counters(&self, port_no: u32) -> Option<[u64; 6]> {
        let p = self.ports.get(&port_no)?;
        let mut sum = [0u64; 6];
        for c in &p.counters {
            for (s, v) in sum.iter_mut().zip(c.snapshot()) {
                *s += v;
            }
        }
        Some(sum)
    }

    /// The device behind a port.
    pub fn netdev(&self, port_no: u32) -> Option<&Arc<dyn Netdev>> {
        self.ports.get(&port_no).map(|p| &p.netdev)
    }

    /// The PMDs, by core.
    pub fn pmds(&self) -> Vec<PmdInfo> {
        self.pmds
            .iter()
            .map(|(core, h)| PmdInfo {
                core: *core,
                stats: h.stats.clone(),
                rxqs: self
                    .assignment
                    .iter()
                    .filter(|(_, c)| *c == core)
                    .map(|(k, _)| *k)
                    .collect(),
            })
            .collect()
    }
}

impl Drop for Datapath {
    fn drop(&mut self) {
        for h in self.pmds.values_mut() {
            h.stop();
        }
    }
}

#[cfg(test)]
mod tests;
