//! The poll-mode threads: rx burst → flow extract → EMC → SMC → megaflows → upcall on
//! a miss → actions, batched per output port → tx.
//!
//! Ownership: a PMD thread owns its receive queues, one transmit queue per port, its
//! caches and its batches; nothing on its packet path is shared with another PMD. The
//! control thread reaches it through a command channel polled between bursts (every
//! command acknowledged) and reads its atomic counters. The upcall handler is the one
//! shared object, and only misses and revalidation call it.

mod exec;
mod stats;

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rvs_packet::actions::DpAction;
use rvs_packet::{extract_packet_layout, Flow, Layout};

use crate::cache::dpcls::MegaflowDump;
use crate::cache::{DpActions, Emc, Megaflows, PacketKey, Smc};
use crate::netdev::{PortCounters, RxBatch, RxQueue, TxQueue, BATCH_SIZE};
use crate::upcall::UpcallHandler;

pub use stats::{DropReason, PmdStats};

/// Recirculations a packet may go through, as OVS's `MAX_RECIRC_DEPTH`.
pub const MAX_RECIRC_DEPTH: u32 = 6;
/// Consecutive empty polls before an idle PMD sleeps.
const IDLE_SPINS: u32 = 256;
/// Longest idle sleep; it bounds how long a control command waits.
const IDLE_SLEEP_MS: i32 = 10;
/// How often idle megaflows are swept.
const SWEEP_MS: u64 = 1000;
/// Next to busy-polled (DPDK) queues, kernel queues are read once every this many
/// iterations: each read is a system call, and OVS does not poll them from its PMDs
/// at all.
const KERNEL_POLL_EVERY: u32 = 16;

/// Settings a PMD applies between bursts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PmdParams {
    pub emc_insert_inv_prob: u32,
    pub smc_enable: bool,
    pub max_idle_ms: u64,
    pub flow_limit: usize,
}

/// Control-thread requests; each is acknowledged once applied.
#[derive(Debug)]
pub(crate) enum Command {
    AddRxq {
        port: u32,
        queue: usize,
        rxq: Box<dyn RxQueue>,
        counters: Arc<PortCounters>,
        load: Arc<AtomicU64>,
        done: Sender<()>,
    },
    DelRxq {
        port: u32,
        queue: usize,
        done: Sender<()>,
    },
    AddTxPort {
        port: u32,
        txq: Box<dyn TxQueue>,
        counters: Arc<PortCounters>,
        done: Sender<()>,
    },
    DelPort {
        port: u32,
        done: Sender<()>,
    },
    SetParams {
        params: PmdParams,
        done: Sender<()>,
    },
    Flush {
        done: Sender<()>,
    },
    Sync {
        done: Sender<()>,
    },
    Dump {
        done: Sender<Vec<MegaflowDump>>,
    },
    FlushStats {
        done: Sender<()>,
    },
}

#[derive(Debug)]
struct PolledRxq {
    port: u32,
    queue: usize,
    rxq: Box<dyn RxQueue>,
    counters: Arc<PortCounters>,
    /// Cycles spent processing this queue (for `cycles` assignment).
    load: Arc<AtomicU64>,
    /// A kernel queue (it has a descriptor to wait on; reading it is a system call).
    kernel: bool,
}

#[derive(Debug)]
struct TxPort {
    txq: Box<dyn TxQueue>,
    counters: Arc<PortCounters>,
    /// Frames of the current batch to send, by index (unchanged packets).
    batch: Vec<u16>,
    /// Frames to send that actions changed or copied.
    owned: Vec<Vec<u8>>,
}

/// Hits and misses counted during a burst, added to [`PmdStats`] once per burst (an
/// atomic add per packet would cost more than the lookup).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct BurstCounts {
    emc: u64,
    smc: u64,
    megaflow: u64,
    miss: u64,
    lost: u64,
}

/// The caches of one PMD, in lookup order.
pub(crate) struct Caches {
    pub(crate) emc: Emc,
    pub(crate) smc: Smc,
    pub(crate) megaflows: Megaflows,
    counts: BurstCounts,
    /// Actions of an upcall that could not be installed (flow limit).
    uninstalled: Arc<DpActions>,
    /// The megaflow whose actions the current packet runs (after an EMC miss).
    held: Option<Arc<crate::cache::MegaflowEntry>>,
}

impl Caches {
    fn new(params: &PmdParams) -> Caches {
        Caches {
            emc: Emc::new(params.emc_insert_inv_prob),
            smc: Smc::new(),
            megaflows: Megaflows::default(),
            counts: BurstCounts::default(),
            uninstalled: Arc::new(DpActions::new(Vec::new())),
            held: None,
        }
    }

    /// After an EMC miss: the SMC, the megaflows, and an upcall when nothing matches.
    /// (The EMC itself is looked up inline by the caller, so that its hits take no
    /// reference count.)
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn classify_miss(
        &mut self,
        flow: &Flow,
        pk: &PacketKey,
        packet: &[u8],
        handler: &dyn UpcallHandler,
        stats: &PmdStats,
        params: &PmdParams,
        now: u64,
    ) -> &Arc<DpActions> {
        let len = packet.len();
        let smc_hit = if params.smc_enable {
            self.smc.lookup(flow, pk).cloned()
        } else {
            None
        };
        if let Some(e) = smc_hit {
            e.hit(len, now);
            self.emc.maybe_insert(flow, pk, &e);
            self.counts.smc += 1;
            return self.keep(e);
        }
        if let Some(found) = self.megaflows.find(flow) {
            // Borrowed, not cloned: no reference count moves on this path.
            let e = self.megaflows.get(found);
            e.hit(len, now);
            self.emc.maybe_insert(flow, pk, e);
            if params.smc_enable {
                self.smc.insert(pk, e);
            }
            self.counts.megaflow += 1;
            return &e.actions;
        }
        self.counts.miss += 1;
        let up = handler.upcall(packet, flow);
        let mut mask = up.mask;
        // Megaflows are per input port, as in OVS's dpcls.
        mask.in_port = u32::MAX;
        if self.megaflows.len() >= params.flow_limit {
            self.counts.lost += 1;
            if let Some(s) = &up.stats {
                s.credit(1, len as u64);
            }
            self.uninstalled = Arc::new(DpActions::new(up.actions));
            return &self.uninstalled;
        }
        let e = self
            .megaflows
            .insert_with_sink(flow, &mask, up.actions, now, up.stats);
        e.hit(len, now);
        self.emc.maybe_insert(flow, pk, &e);
        stats
            .megaflows
            .store(self.megaflows.len() as u64, Ordering::Relaxed);
        self.keep(e)
    }

    /// EMC, then [`Caches::classify_miss`], for callers that need no speed (the
    /// recirculation path), counting the EMC hit.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn classify_any(
        &mut self,
        flow: &Flow,
        pk: &PacketKey,
        packet: &[u8],
        handler: &dyn UpcallHandler,
        stats: &PmdStats,
        params: &PmdParams,
        now: u64,
    ) -> &Arc<DpActions> {
        if let Some(e) = self.emc.lookup(flow, pk).cloned() {
            e.hit(packet.len(), now);
            self.counts.emc += 1;
            return self.keep(e);
        }
        self.classify_miss(flow, pk, packet, handler, stats, params, now)
    }

    /// Holds a megaflow while its actions run and lends them.
    #[inline]
    fn keep(&mut self, e: Arc<crate::cache::MegaflowEntry>) -> &Arc<DpActions> {
        &self.held.insert(e).actions
    }

    /// Adds the burst's counts to `stats`.
    pub(crate) fn flush_counts(&mut self, stats: &PmdStats) {
        let c = std::mem::take(&mut self.counts);
        PmdStats::add(&stats.emc_hits, c.emc);
        PmdStats::add(&stats.smc_hits, c.smc);
        PmdStats::add(&stats.megaflow_hits, c.megaflow);
        PmdStats::add(&stats.misses, c.miss);
        PmdStats::add(&stats.lost, c.lost);
    }
}

/// The transmit port `port` for `n` more frames: marked pending if it had none
/// queued; `None` (and `n` drops counted) if there is no such port.
#[inline]
fn tx_for<'a>(
    tx: &'a mut [Option<TxPort>],
    pending: &mut Vec<u32>,
    stats: &PmdStats,
    port: u32,
    n: usize,
) -> Option<&'a mut TxPort> {
    match tx.get_mut(port as usize).and_then(Option::as_mut) {
        Some(t) => {
            if t.batch.is_empty() && t.owned.is_empty() {
                pending.push(port);
            }
            Some(t)
        }
        None => {
            stats.count_drop(DropReason::NoSuchPort, n as u64);
            None
        }
    }
}

/// Queues frame `i` of the batch, unchanged, for port `port`.
#[inline]
fn queue_index(
    tx: &mut [Option<TxPort>],
    pending: &mut Vec<u32>,
    batch: &mut RxBatch,
    stats: &PmdStats,
    port: u32,
    i: usize,
) {
    if let Some(t) = tx_for(tx, pending, stats, port, 1) {
        t.batch.push(i as u16);
        batch.add_use(i);
    }
}

/// Queues every frame of the batch, unchanged, for port `port`.
#[inline]
fn queue_all(
    tx: &mut [Option<TxPort>],
    pending: &mut Vec<u32>,
    batch: &mut RxBatch,
    stats: &PmdStats,
    port: u32,
) {
    let n = batch.len();
    if let Some(t) = tx_for(tx, pending, stats, port, n) {
        t.batch.extend(0..n as u16);
        batch.add_use_all();
    }
}

/// One PMD's state; lives on its thread.
pub(crate) struct Pmd {
    rxqs: Vec<PolledRxq>,
    tx: Vec<Option<TxPort>>,
    /// Ports with frames waiting in `tx`.
    tx_pending: Vec<u32>,
    caches: Caches,
    handler: Arc<dyn UpcallHandler>,
    generation: u64,
    params: PmdParams,
    batch: RxBatch,
    /// One flow and layout per batch slot. Flows' words after the header words are
    /// never written (no packet carries metadata yet), so extraction clears the
    /// header words only.
    flows: Box<[Flow]>,
    layouts: Box<[Layout]>,
    /// The EMC key of each flow of the batch.
    keys: Box<[PacketKey]>,
    stats: Arc<PmdStats>,
    clock: Instant,
    now_ms: u64,
    last_sweep_ms: u64,
    rng: u32,
    /// Poll loop iterations, for polling kernel queues less often.
    iteration: u32,
}

impl Pmd {
    pub(crate) fn new(
        handler: Arc<dyn UpcallHandler>,
        stats: Arc<PmdStats>,
        params: PmdParams,
    ) -> Pmd {
        Pmd {
            rxqs: Vec::new(),
            tx: Vec::new(),
            tx_pending: Vec::new(),
            caches: Caches::new(&params),
            generation: handler.generation(),
            handler,
            params,
            batch: RxBatch::new(),
            flows: vec![Flow::default(); BATCH_SIZE].into_boxed_slice(),
            layouts: vec![Layout::default(); BATCH_SIZE].into_boxed_slice(),
            keys: vec![PacketKey { hash: 0 }; BATCH_SIZE].into_boxed_slice(),
            stats,
            clock: Instant::now(),
            now_ms: 0,
            last_sweep_ms: 0,
            rng: 0x2545_f491,
            iteration: 0,
        }
    }

    fn flush_caches(&mut self) {
        self.caches.megaflows.clear();
        self.caches.emc.clear();
        self.caches.smc.clear();
        self.stats.megaflows.store(0, Ordering::Relaxed);
    }

    /// Applies pending commands; returns false when the control side has gone away.
    fn run_commands(&mut self, rx: &Receiver<Command>) -> bool {
        loop {
            let cmd = match rx.try_recv() {
                Ok(c) => c,
                Err(TryRecvError::Empty) => return true,
                Err(TryRecvError::Disconnected) => return false,
            };
            match cmd {
                Command::AddRxq {
                    port,
                    queue,
                    rxq,
                    counters,
                    load,
                    done,
                } => {
                    self.rxqs.retain(|r| (r.port, r.queue) != (port, queue));
                    let kernel = rxq.wait_fd().is_some();
                    self.rxqs.push(PolledRxq {
                        port,
                        queue,
                        rxq,
                        counters,
                        load,
                        kernel,
                    });
                    let _ = done.send(());
                }
                Command::DelRxq { port, queue, done } => {
                    self.rxqs.retain(|r| (r.port, r.queue) != (port, queue));
                    let _ = done.send(());
                }
                Command::AddTxPort {
                    port,
                    txq,
                    counters,
                    done,
                } => {
                    let i = port as usize;
                    if self.tx.len() <= i {
                        self.tx.resize_with(i + 1, || None);
                    }
                    self.tx[i] = Some(TxPort {
                        txq,
                        counters,
                        batch: Vec::new(),
                        owned: Vec::new(),
                    });
                    let _ = done.send(());
                }
                Command::DelPort { port, done } => {
                    self.rxqs.retain(|r| r.port != port);
                    if let Some(t) = self.tx.get_mut(port as usize) {
                        *t = None;
                    }
                    // Megaflows from or to the port are stale; ofproto's generation
                    // bump revalidates them, but a port that vanished must not be
                    // looked up again even before that.
                    self.flush_caches();
                    let _ = done.send(());
                }
                Command::SetParams { params, done } => {
                    if params.emc_insert_inv_prob != self.params.emc_insert_inv_prob {
                        self.caches.emc.set_inv_prob(params.emc_insert_inv_prob);
                    }
                    if !params.smc_enable {
                        self.caches.smc.clear();
                    }
                    self.params = params;
                    let _ = done.send(());
                }
                Command::Flush { done } => {
                    self.flush_caches();
                    let _ = done.send(());
                }
                Command::Sync { done } => {
                    self.maybe_revalidate();
                    let _ = done.send(());
                }
                Command::FlushStats { done } => {
                    self.caches.megaflows.flush_stats();
                    let _ = done.send(());
                }
                Command::Dump { done } => {
                    let mut flows = self.caches.megaflows.dump();
                    for f in &mut flows {
                        f.age_ms = self.now_ms.saturating_sub(f.used_ms);
                    }
                    let _ = done.send(flows);
                }
            }
        }
    }

    /// Re-translates the megaflows when ofproto says its answers may have changed.
    fn maybe_revalidate(&mut self) {
        let generation = self.handler.generation();
        if generation == self.generation {
            return;
        }
        self.generation = generation;
        let handler = self.handler.clone();
        self.caches.megaflows.revalidate_with_sinks(|f| {
            let up = handler.revalidate(f);
            (up.actions, up.mask, up.stats)
        });
        PmdStats::add(&self.stats.revalidations, 1);
        self.stats
            .megaflows
            .store(self.caches.megaflows.len() as u64, Ordering::Relaxed);
    }

    fn sweep(&mut self) {
        if self.now_ms.saturating_sub(self.last_sweep_ms) < SWEEP_MS {
            return;
        }
        self.last_sweep_ms = self.now_ms;
        self.caches.megaflows.flush_stats();
        if self
            .caches
            .megaflows
            .expire(self.now_ms, self.params.max_idle_ms)
            > 0
        {
            self.stats
                .megaflows
                .store(self.caches.megaflows.len() as u64, Ordering::Relaxed);
        }
    }

    /// Polls every receive queue once; returns the number of packets received.
    pub(crate) fn poll_once(&mut self) -> usize {
        self.maybe_revalidate();
        self.iteration = self.iteration.wrapping_add(1);
        // Milliseconds suffice for megaflow ages and sweeps: read the clock every 16th
        // iteration (an iteration is about a microsecond under load).
        if self.iteration % 16 == 0 || self.now_ms == 0 {
            self.now_ms = self.clock.elapsed().as_millis() as u64;
        }
        let busy_polled = self.rxqs.iter().any(|r| !r.kernel);
        let kernel_turn = !busy_polled || self.iteration % KERNEL_POLL_EVERY == 0;
        let mut total = 0;
        for idx in 0..self.rxqs.len() {
            if self.rxqs[idx].kernel && !kernel_turn {
                continue;
            }
            self.batch.clear();
            let r = &mut self.rxqs[idx];
            let st = r.rxq.recv(&mut self.batch);
            PortCounters::add(&r.counters.rx_dropped, st.dropped as u64);
            self.stats
                .count_drop(DropReason::RxDropped, st.dropped as u64);
            let n = self.batch.len();
            if n == 0 {
                continue;
            }
            total += n;
            let bytes: usize = (0..n).map(|i| self.batch.frame(i).len()).sum();
            PortCounters::add(&r.counters.rx_packets, n as u64);
            PortCounters::add(&r.counters.rx_bytes, bytes as u64);
            // Timed only when there is work: an empty poll reads no counter.
            let port = r.port;
            let t0 = crate::sys::cycles();
            self.process_batch(port);
            let spent = crate::sys::cycles().wrapping_sub(t0);
            self.rxqs[idx].load.fetch_add(spent, Ordering::Relaxed);
        }
        self.sweep();
        total
    }

    fn process_batch(&mut self, in_port: u32) {
        let n = self.batch.len();
        PmdStats::add(&self.stats.packets, n as u64);
        PmdStats::add(&self.stats.passes, n as u64);
        let mut flow_drops = 0u64;
        // A port whose one megaflow matches on the port alone: every packet has its
        // actions, so skip extraction and lookups altogether.
        if let Some(e) = self.caches.megaflows.port_wide(in_port) {
            if e.actions.output_only {
                let bytes = self.batch.total_len();
                e.hit_n(n, bytes, self.now_ms);
                PmdStats::add(&self.stats.simple_hits, n as u64);
                if e.actions.list.is_empty() {
                    self.stats.count_drop(DropReason::FlowDrop, n as u64);
                }
                for a in &e.actions.list {
                    if let DpAction::Output(p) = a {
                        queue_all(
                            &mut self.tx,
                            &mut self.tx_pending,
                            &mut self.batch,
                            &self.stats,
                            *p,
                        );
                    }
                }
                self.flush_tx();
                self.batch.clear();
                return;
            }
        }
        // Two passes, as OVS does: extract the whole burst, then look it up. By the
        // time a flow's words are hashed, the narrow stores that built them have
        // retired, so the wide loads do not stall on store forwarding.
        for i in 0..n {
            extract_packet_layout(
                self.batch.frame(i),
                in_port,
                &mut self.flows[i],
                &mut self.layouts[i],
            );
        }
        // Then hash every flow and prefetch its EMC slot, so that the lookups below do
        // not wait on one cache miss after another.
        for i in 0..n {
            let pk = PacketKey::of_packet(&self.flows[i]);
            self.caches.emc.prefetch(&pk);
            self.keys[i] = pk;
        }
        for i in 0..n {
            let frame = self.batch.frame(i);
            let flow = &self.flows[i];
            let pk = self.keys[i];
            let caches = &mut self.caches;
            let actions = match caches.emc.lookup(flow, &pk) {
                Some(e) => {
                    e.hit(frame.len(), self.now_ms);
                    caches.counts.emc += 1;
                    &e.actions
                }
                None => caches.classify_miss(
                    flow,
                    &pk,
                    frame,
                    &*self.handler,
                    &self.stats,
                    &self.params,
                    self.now_ms,
                ),
            };
            if actions.output_only {
                if actions.list.is_empty() {
                    flow_drops += 1;
                }
                for a in &actions.list {
                    if let DpAction::Output(p) = a {
                        queue_index(
                            &mut self.tx,
                            &mut self.tx_pending,
                            &mut self.batch,
                            &self.stats,
                            *p,
                            i,
                        );
                    }
                }
            } else if actions.in_place {
                // Rewrite where the packet lies, then queue it like an unchanged one.
                let frame = self.batch.frame_mut(i);
                let layout = &self.layouts[i];
                let rewritten = actions.list.iter().all(|a| match a {
                    DpAction::Set(f) => rvs_packet::rewrite::set_field(frame, layout, f).is_ok(),
                    _ => true,
                });
                if !rewritten {
                    self.stats.count_drop(DropReason::RewriteFailed, 1);
                    continue;
                }
                for a in &actions.list {
                    if let DpAction::Output(p) = a {
                        queue_index(
                            &mut self.tx,
                            &mut self.tx_pending,
                            &mut self.batch,
                            &self.stats,
                            *p,
                            i,
                        );
                    }
                }
            } else {
                // The slow path needs `self` whole: hold the actions by reference count.
                let actions = Arc::clone(actions);
                let flow = self.flows[i];
                let buf = rvs_packet::buf::PacketBuf::new(self.batch.frame(i));
                self.execute_slow(buf, self.layouts[i], flow, &actions.list, 0);
            }
        }
        self.stats.count_drop(DropReason::FlowDrop, flow_drops);
        self.caches.flush_counts(&self.stats);
        self.flush_tx();
        // Device buffers go back to their pool now, not at the next poll.
        self.batch.clear();
    }

    /// Queues a changed or copied frame for port `port`.
    fn queue_owned(&mut self, port: u32, frame: Vec<u8>) {
        if let Some(t) = tx_for(&mut self.tx, &mut self.tx_pending, &self.stats, port, 1) {
            t.owned.push(frame);
        }
    }

    /// Sends everything queued, one burst per port (or more, past a batch).
    fn flush_tx(&mut self) {
        for port in self.tx_pending.drain(..) {
            let Some(t) = self.tx.get_mut(port as usize).and_then(Option::as_mut) else {
                continue;
            };
            let (mut sent, mut bytes, mut failed) = (0usize, 0usize, 0usize);
            for chunk in t.batch.chunks(BATCH_SIZE) {
                // Lengths first: a DPDK queue may hand the buffers to its device.
                let mut lens = [0usize; BATCH_SIZE];
                for (l, &i) in lens.iter_mut().zip(chunk) {
                    *l = self.batch.frame(usize::from(i)).len();
                }
                let n = t.txq.send_batch(&mut self.batch, chunk);
                sent += n;
                bytes += lens[..n].iter().sum::<usize>();
                failed += chunk.len() - n;
            }
            let mut burst = |txq: &mut Box<dyn TxQueue>, frames: &[&[u8]]| {
                let n = txq.send(frames);
                sent += n;
                bytes += frames[..n].iter().map(|f| f.len()).sum::<usize>();
                failed += frames.len() - n;
            };
            let mut arr: [&[u8]; BATCH_SIZE] = [&[]; BATCH_SIZE];
            for chunk in t.owned.chunks(BATCH_SIZE) {
                for (slot, f) in arr.iter_mut().zip(chunk) {
                    *slot = f;
                }
                burst(&mut t.txq, &arr[..chunk.len()]);
            }
            PortCounters::add(&t.counters.tx_packets, sent as u64);
            PortCounters::add(&t.counters.tx_bytes, bytes as u64);
            PortCounters::add(&t.counters.tx_dropped, failed as u64);
            self.stats.count_drop(DropReason::TxFailed, failed as u64);
            t.batch.clear();
            t.owned.clear();
        }
    }

    fn wait_fds(&self) -> Option<Vec<RawFd>> {
        self.rxqs.iter().map(|r| r.rxq.wait_fd()).collect()
    }

    /// The thread body: poll until the control side goes away or `stop` is set.
    pub(crate) fn run(mut self, rx: Receiver<Command>, stop: Arc<AtomicBool>) {
        let mut idle = 0u32;
        while !stop.load(Ordering::Relaxed) {
            if !self.run_commands(&rx) {
                break;
            }
            let t0 = crate::sys::cycles();
            if self.poll_once() > 0 {
                idle = 0;
                let spent = crate::sys::cycles().wrapping_sub(t0);
                PmdStats::add(&self.stats.busy_cycles, spent);
                continue;
            }
            idle += 1;
            if idle >= IDLE_SPINS {
                // Kernel devices only: sleep until one has frames. Busy-polled devices
                // (dummy, later DPDK) keep the loop spinning, gently.
                match self.wait_fds() {
                    Some(fds) if !fds.is_empty() => crate::sys::poll_readable(&fds, IDLE_SLEEP_MS),
                    Some(_) => std::thread::sleep(Duration::from_millis(IDLE_SLEEP_MS as u64)),
                    None => std::thread::sleep(Duration::from_micros(200)),
                }
            }
            let spent = crate::sys::cycles().wrapping_sub(t0);
            PmdStats::add(&self.stats.idle_cycles, spent);
        }
    }
}

/// A PMD driven by the caller, for benchmarks: one receive queue that always has a
/// full batch of the same frame, and a transmit queue that counts and discards.
#[doc(hidden)]
#[derive(Debug)]
pub struct BenchPmd {
    pmd: Pmd,
    sent: Arc<AtomicU64>,
}

#[derive(Debug)]
struct ReplayRxq(Vec<u8>);

impl RxQueue for ReplayRxq {
    fn recv(&mut self, batch: &mut RxBatch) -> crate::netdev::RxStatus {
        while batch.push(&self.0) {}
        crate::netdev::RxStatus::default()
    }
    fn wait_fd(&self) -> Option<RawFd> {
        None
    }
}

#[derive(Debug)]
struct SinkTxq(Arc<AtomicU64>);

impl TxQueue for SinkTxq {
    fn send(&mut self, frames: &[&[u8]]) -> usize {
        self.0.fetch_add(frames.len() as u64, Ordering::Relaxed);
        frames.len()
    }
}

impl std::fmt::Debug for Pmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pmd")
            .field("rxqs", &self.rxqs.len())
            .finish_non_exhaustive()
    }
}

impl BenchPmd {
    /// Port 1 receives `frame` forever; port 2 is the sink; `handler` decides.
    pub fn new(
        handler: Arc<dyn UpcallHandler>,
        frame: &[u8],
        emc_insert_inv_prob: u32,
    ) -> BenchPmd {
        let params = PmdParams {
            emc_insert_inv_prob,
            smc_enable: false,
            max_idle_ms: u64::MAX,
            flow_limit: usize::MAX,
        };
        let mut pmd = Pmd::new(handler, Arc::new(PmdStats::default()), params);
        let sent = Arc::new(AtomicU64::new(0));
        pmd.rxqs.push(PolledRxq {
            port: 1,
            queue: 0,
            rxq: Box::new(ReplayRxq(frame.to_vec())),
            counters: Arc::default(),
            load: Arc::default(),
            kernel: false,
        });
        pmd.tx.resize_with(3, || None);
        for p in 1..=2 {
            pmd.tx[p] = Some(TxPort {
                txq: Box::new(SinkTxq(sent.clone())),
                counters: Arc::default(),
                batch: Vec::new(),
                owned: Vec::new(),
            });
        }
        BenchPmd { pmd, sent }
    }

    /// One poll: a burst of [`BATCH_SIZE`] packets received, processed and sent.
    pub fn burst(&mut self) -> usize {
        self.pmd.poll_once()
    }

    /// Packets the sink has taken.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}
