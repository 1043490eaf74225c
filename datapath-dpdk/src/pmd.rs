//! The poll-mode thread: rx burst → flow extract → EMC → megaflows → upcall on a miss →
//! actions batched per output port → tx.
//!
//! Ownership: the PMD thread owns its ports' netdevs, its caches and its tx batches.
//! The control thread reaches it only through the command channel, polled between
//! bursts, and the shared atomic counters. The upcall handler is the one shared object
//! on the packet path, and only misses call it.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::time::Duration;

use rvs_packet::actions::DpAction;
use rvs_packet::{extract_packet_into, Flow};

use crate::cache::{Emc, Megaflows, PacketKey, EMC_INSERT_INV_PROB};
use crate::netdev::{Netdev, PortCounters, RxBatch};
use crate::upcall::UpcallHandler;

/// Consecutive empty polls before an idle PMD sleeps in `poll(2)`.
const IDLE_SPINS: u32 = 256;
/// Longest idle sleep; it bounds how long a control command waits.
const IDLE_SLEEP_MS: i32 = 10;

/// Control-thread requests. Each carries a channel for the acknowledgement, so that the
/// caller knows the PMD stopped (or started) using the port before it reports success.
#[derive(Debug)]
pub(crate) enum Command {
    AddPort {
        port_no: u32,
        netdev: Box<dyn Netdev>,
        counters: Arc<PortCounters>,
        done: Sender<()>,
    },
    DelPort {
        port_no: u32,
        done: Sender<Option<Box<dyn Netdev>>>,
    },
    Flush {
        done: Sender<()>,
    },
}

/// Per-PMD counters, readable from the control plane.
#[derive(Debug, Default)]
pub struct PmdStats {
    /// Packets that hit the exact-match cache.
    pub emc_hits: AtomicU64,
    /// Packets that hit a megaflow.
    pub megaflow_hits: AtomicU64,
    /// Packets that missed both caches (upcalls).
    pub misses: AtomicU64,
    /// Packets received in all.
    pub packets: AtomicU64,
    /// Megaflows currently installed.
    pub megaflows: AtomicU64,
}

struct Port {
    netdev: Box<dyn Netdev>,
    counters: Arc<PortCounters>,
}

/// One PMD's state; lives on its thread.
pub(crate) struct Pmd {
    ports: Vec<Option<Port>>,
    /// Port numbers to poll, in order.
    poll_list: Vec<u32>,
    emc: Emc,
    megaflows: Megaflows,
    handler: Arc<dyn UpcallHandler>,
    generation: u64,
    batch: RxBatch,
    /// One flow per batch slot. Only their header words are ever written (no packet
    /// carries metadata yet), so extraction clears just those.
    flows: Box<[Flow]>,
    /// Per output port number: indexes into `batch` to send there.
    txq: Vec<Vec<u16>>,
    stats: Arc<PmdStats>,
}

impl Pmd {
    pub(crate) fn new(handler: Arc<dyn UpcallHandler>, stats: Arc<PmdStats>) -> Pmd {
        Pmd {
            ports: Vec::new(),
            poll_list: Vec::new(),
            emc: Emc::new(EMC_INSERT_INV_PROB),
            megaflows: Megaflows::default(),
            generation: handler.generation(),
            handler,
            batch: RxBatch::new(),
            flows: vec![Flow::default(); crate::netdev::BATCH_SIZE].into_boxed_slice(),
            txq: Vec::new(),
            stats,
        }
    }

    fn flush_caches(&mut self) {
        self.emc.clear();
        self.megaflows.clear();
        self.stats.megaflows.store(0, Ordering::Relaxed);
    }

    /// Applies pending commands; returns false when the control side has gone away.
    fn run_commands(&mut self, rx: &Receiver<Command>) -> bool {
        loop {
            match rx.try_recv() {
                Ok(Command::AddPort {
                    port_no,
                    netdev,
                    counters,
                    done,
                }) => {
                    let i = port_no as usize;
                    if self.ports.len() <= i {
                        self.ports.resize_with(i + 1, || None);
                        self.txq.resize_with(i + 1, Vec::new);
                    }
                    self.ports[i] = Some(Port { netdev, counters });
                    self.poll_list.retain(|p| *p != port_no);
                    self.poll_list.push(port_no);
                    self.flush_caches();
                    let _ = done.send(());
                }
                Ok(Command::DelPort { port_no, done }) => {
                    let old = self.ports.get_mut(port_no as usize).and_then(Option::take);
                    self.poll_list.retain(|p| *p != port_no);
                    self.flush_caches();
                    let _ = done.send(old.map(|p| p.netdev));
                }
                Ok(Command::Flush { done }) => {
                    self.flush_caches();
                    let _ = done.send(());
                }
                Err(TryRecvError::Empty) => return true,
                Err(TryRecvError::Disconnected) => return false,
            }
        }
    }

    /// Polls every port once; returns the number of packets received.
    pub(crate) fn poll_once(&mut self) -> usize {
        let generation = self.handler.generation();
        if generation != self.generation {
            self.generation = generation;
            self.flush_caches();
        }
        let mut total = 0;
        for idx in 0..self.poll_list.len() {
            let port_no = self.poll_list[idx];
            let Some(port) = self.ports[port_no as usize].as_mut() else {
                continue;
            };
            self.batch.clear();
            let st = port.netdev.recv(&mut self.batch);
            PortCounters::add(&port.counters.rx_dropped, st.dropped as u64);
            let n = self.batch.len();
            if n == 0 {
                continue;
            }
            total += n;
            let bytes: usize = (0..n).map(|i| self.batch.frame(i).len()).sum();
            PortCounters::add(&port.counters.rx_packets, n as u64);
            PortCounters::add(&port.counters.rx_bytes, bytes as u64);
            self.process_batch(port_no);
        }
        total
    }

    fn process_batch(&mut self, in_port: u32) {
        let (mut emc_hits, mut mf_hits, mut misses) = (0u64, 0u64, 0u64);
        for i in 0..self.batch.len() {
            let frame = self.batch.frame(i);
            let flow = &mut self.flows[i];
            extract_packet_into(frame, in_port, flow);
            let flow = &*flow;
            let pk = PacketKey::of_packet(flow);
            let actions = if let Some(a) = self.emc.lookup(flow, &pk) {
                emc_hits += 1;
                a.clone()
            } else if let Some(a) = self.megaflows.lookup(flow) {
                mf_hits += 1;
                let a = a.clone();
                self.emc.maybe_insert(flow, &pk, &a);
                a
            } else {
                misses += 1;
                let up = self.handler.upcall(frame, flow);
                let mut mask = up.mask;
                // Megaflows are per input port, as in OVS's dpcls.
                mask.in_port = u32::MAX;
                let a = self.megaflows.insert(flow, &mask, up.actions);
                self.emc.maybe_insert(flow, &pk, &a);
                a
            };
            for act in actions.iter() {
                match *act {
                    DpAction::Output(p) => {
                        if let Some(q) = self.txq.get_mut(p as usize) {
                            q.push(i as u16);
                        }
                    }
                }
            }
        }
        let s = &self.stats;
        PortCounters::add(&s.emc_hits, emc_hits);
        PortCounters::add(&s.megaflow_hits, mf_hits);
        PortCounters::add(&s.misses, misses);
        PortCounters::add(&s.packets, self.batch.len() as u64);
        if misses != 0 {
            s.megaflows
                .store(self.megaflows.len() as u64, Ordering::Relaxed);
        }
        self.flush_tx();
    }

    fn flush_tx(&mut self) {
        let mut frames: Vec<&[u8]> = Vec::with_capacity(crate::netdev::BATCH_SIZE);
        for (port_no, q) in self.txq.iter_mut().enumerate() {
            if q.is_empty() {
                continue;
            }
            let Some(port) = self.ports[port_no].as_mut() else {
                q.clear();
                continue;
            };
            frames.clear();
            frames.extend(q.iter().map(|&i| self.batch.frame(usize::from(i))));
            let sent = port.netdev.send(&frames);
            let bytes: usize = frames[..sent].iter().map(|f| f.len()).sum();
            PortCounters::add(&port.counters.tx_packets, sent as u64);
            PortCounters::add(&port.counters.tx_bytes, bytes as u64);
            PortCounters::add(&port.counters.tx_dropped, (frames.len() - sent) as u64);
            q.clear();
        }
    }

    fn wait_fds(&self) -> Option<Vec<RawFd>> {
        self.poll_list
            .iter()
            .filter_map(|p| self.ports[*p as usize].as_ref())
            .map(|p| p.netdev.wait_fd())
            .collect()
    }

    /// The thread body: poll until the control side goes away or `stop` is set.
    pub(crate) fn run(mut self, rx: Receiver<Command>, stop: Arc<AtomicBool>) {
        let mut idle = 0u32;
        while !stop.load(Ordering::Relaxed) {
            if !self.run_commands(&rx) {
                break;
            }
            if self.poll_once() > 0 {
                idle = 0;
                continue;
            }
            idle += 1;
            if idle >= IDLE_SPINS {
                // Every port is a kernel device: sleep until one has frames. Busy-polled
                // devices (dummy, later DPDK) keep the loop spinning, gently.
                match self.wait_fds() {
                    Some(fds) if !fds.is_empty() => crate::sys::poll_readable(&fds, IDLE_SLEEP_MS),
                    _ => std::thread::sleep(Duration::from_micros(200)),
                }
            }
        }
    }
}
