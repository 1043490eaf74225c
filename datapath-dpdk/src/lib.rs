//! rvs-datapath: the userspace datapath.
//!
//! It owns the ports and their netdev providers (`system` through af_packet, `internal`
//! through tap, `dummy` in memory; DPDK and vhost-user come later), the PMD thread, the
//! per-PMD caches (EMC in front of megaflows) and the execution of datapath actions. It
//! has no intelligence of its own: a packet no cache knows becomes an upcall to an
//! [`UpcallHandler`], whose answer (actions plus mask) is cached as a megaflow.
//!
//! Threads: a [`Datapath`] value lives on the control thread. It starts one PMD thread
//! that owns every port's netdev and all caches; the control thread talks to it through
//! a command channel (each command acknowledged) and reads shared atomic counters.
//!
//! `unsafe` is confined to [`sys`] (kernel sockets and ioctls).
#![deny(unsafe_code)]

pub mod cache;
pub mod netdev;
mod pmd;
#[allow(unsafe_code)]
pub mod sys;
pub mod upcall;

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use netdev::{Netdev, NetdevError, PortCounters};
pub use pmd::PmdStats;
pub use upcall::{Upcall, UpcallHandler};

use pmd::{Command, Pmd};

/// How long a control command waits for the PMD to acknowledge it.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// Errors of datapath control operations.
#[derive(Debug, thiserror::Error)]
pub enum DpError {
    /// The PMD thread is gone or did not answer in time.
    #[error("PMD thread did not acknowledge {0}")]
    PmdUnresponsive(&'static str),
    /// No port with this number.
    #[error("no datapath port {0}")]
    NoSuchPort(u32),
}

/// What the control side knows about a port.
#[derive(Debug, Clone)]
pub struct PortInfo {
    /// Device name.
    pub name: String,
    /// Provider type.
    pub kind: &'static str,
    /// Live counters.
    pub counters: Arc<PortCounters>,
}

/// The datapath, as the control thread sees it.
#[derive(Debug)]
pub struct Datapath {
    cmd: Sender<Command>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    ports: BTreeMap<u32, PortInfo>,
    stats: Arc<PmdStats>,
}

impl Datapath {
    /// Starts a datapath with one PMD thread that sends misses to `handler`.
    pub fn new(handler: Arc<dyn UpcallHandler>) -> std::io::Result<Datapath> {
        let (cmd, rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(PmdStats::default());
        let pmd = Pmd::new(handler, stats.clone());
        let stop2 = stop.clone();
        let thread = std::thread::Builder::new()
            .name("pmd-c00".into())
            .spawn(move || pmd.run(rx, stop2))?;
        Ok(Datapath {
            cmd,
            stop,
            thread: Some(thread),
            ports: BTreeMap::new(),
            stats,
        })
    }

    /// Adds `netdev` under the lowest free port number (from 1) and returns it. When
    /// this returns, the PMD is polling the port.
    pub fn add_port(&mut self, netdev: Box<dyn Netdev>) -> Result<u32, DpError> {
        let port_no = (1..)
            .find(|n| !self.ports.contains_key(n))
            .unwrap_or(u32::MAX);
        let info = PortInfo {
            name: netdev.name().to_string(),
            kind: netdev.kind(),
            counters: Arc::new(PortCounters::default()),
        };
        let (done, ack) = mpsc::channel();
        self.cmd
            .send(Command::AddPort {
                port_no,
                netdev,
                counters: info.counters.clone(),
                done,
            })
            .map_err(|_| DpError::PmdUnresponsive("add-port"))?;
        ack.recv_timeout(ACK_TIMEOUT)
            .map_err(|_| DpError::PmdUnresponsive("add-port"))?;
        self.ports.insert(port_no, info);
        Ok(port_no)
    }

    /// Removes a port. When this returns, the PMD no longer receives from or sends to
    /// it, and the device has been closed.
    pub fn del_port(&mut self, port_no: u32) -> Result<(), DpError> {
        if !self.ports.contains_key(&port_no) {
            return Err(DpError::NoSuchPort(port_no));
        }
        let (done, ack) = mpsc::channel();
        self.cmd
            .send(Command::DelPort { port_no, done })
            .map_err(|_| DpError::PmdUnresponsive("del-port"))?;
        let netdev = ack
            .recv_timeout(ACK_TIMEOUT)
            .map_err(|_| DpError::PmdUnresponsive("del-port"))?;
        drop(netdev);
        self.ports.remove(&port_no);
        Ok(())
    }

    /// Drops every cached flow.
    pub fn flush(&self) -> Result<(), DpError> {
        let (done, ack) = mpsc::channel();
        self.cmd
            .send(Command::Flush { done })
            .map_err(|_| DpError::PmdUnresponsive("flush"))?;
        ack.recv_timeout(ACK_TIMEOUT)
            .map_err(|_| DpError::PmdUnresponsive("flush"))
    }

    /// The ports, by number.
    pub fn ports(&self) -> &BTreeMap<u32, PortInfo> {
        &self.ports
    }

    /// The PMD's counters.
    pub fn pmd_stats(&self) -> &PmdStats {
        &self.stats
    }
}

impl Drop for Datapath {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests;
