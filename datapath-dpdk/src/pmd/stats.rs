//! Counters of one PMD thread, written by it and read by anyone (`pmd-stats-show`).

use std::sync::atomic::{AtomicU64, Ordering};

/// Why the datapath dropped a packet (`dpif-netdev/drop-stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum DropReason {
    /// The flow's actions are empty (an explicit drop).
    FlowDrop,
    /// The output port refused the packet (queue full, device down).
    TxFailed,
    /// The receive queue dropped it (too long, read error).
    RxDropped,
    /// More than [`MAX_RECIRC_DEPTH`](super::MAX_RECIRC_DEPTH) recirculations.
    RecircDepth,
    /// A header rewrite, push or pop found no such header.
    RewriteFailed,
    /// Connection tracking is not implemented yet.
    CtUnsupported,
    /// Tunnel decapsulation is not implemented yet.
    TunnelUnsupported,
    /// Output to a port that does not exist (any more).
    NoSuchPort,
}

impl DropReason {
    /// Every reason, in counter order.
    pub const ALL: [DropReason; 8] = [
        DropReason::FlowDrop,
        DropReason::TxFailed,
        DropReason::RxDropped,
        DropReason::RecircDepth,
        DropReason::RewriteFailed,
        DropReason::CtUnsupported,
        DropReason::TunnelUnsupported,
        DropReason::NoSuchPort,
    ];

    /// The name `drop-stats` prints.
    pub fn name(self) -> &'static str {
        match self {
            DropReason::FlowDrop => "datapath_drop_flow_action",
            DropReason::TxFailed => "datapath_drop_tx_failure",
            DropReason::RxDropped => "datapath_drop_rx_failure",
            DropReason::RecircDepth => "datapath_drop_recirc_depth",
            DropReason::RewriteFailed => "datapath_drop_invalid_header",
            DropReason::CtUnsupported => "datapath_drop_ct_unsupported",
            DropReason::TunnelUnsupported => "datapath_drop_tunnel_pop_unsupported",
            DropReason::NoSuchPort => "datapath_drop_invalid_port",
        }
    }
}

/// Per-PMD counters.
#[derive(Debug, Default)]
pub struct PmdStats {
    /// Packets received.
    pub packets: AtomicU64,
    /// Passes through the pipeline (packets plus recirculations).
    pub passes: AtomicU64,
    /// Packets of ports whose one megaflow matches on the input port only, forwarded
    /// without extraction or lookup (OVS's "simple match" hits).
    pub simple_hits: AtomicU64,
    /// Exact-match cache hits.
    pub emc_hits: AtomicU64,
    /// Signature-match cache hits.
    pub smc_hits: AtomicU64,
    /// Megaflow (dpcls) hits.
    pub megaflow_hits: AtomicU64,
    /// Misses: upcalls made.
    pub misses: AtomicU64,
    /// Upcalls whose answer could not be installed (flow limit).
    pub lost: AtomicU64,
    /// Megaflows installed now.
    pub megaflows: AtomicU64,
    /// Revalidation passes.
    pub revalidations: AtomicU64,
    /// CPU cycles spent on iterations that received packets.
    pub busy_cycles: AtomicU64,
    /// CPU cycles spent on iterations that received nothing.
    pub idle_cycles: AtomicU64,
    drops: [AtomicU64; DropReason::ALL.len()],
}

impl PmdStats {
    #[inline]
    pub(crate) fn add(c: &AtomicU64, n: u64) {
        if n != 0 {
            c.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Counts `n` drops for `reason`.
    #[inline]
    pub fn count_drop(&self, reason: DropReason, n: u64) {
        PmdStats::add(&self.drops[reason as usize], n);
    }

    /// Drops counted for `reason`.
    pub fn drops(&self, reason: DropReason) -> u64 {
        self.drops[reason as usize].load(Ordering::Relaxed)
    }

    /// Reads a counter.
    pub fn get(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }

    /// Zeroes the counters (`pmd-stats-clear`), not the megaflow gauge. Increments
    /// that race with the clear may be lost, which only the clear's own moment can
    /// tell apart.
    pub fn clear(&self) {
        for c in [
            &self.packets,
            &self.passes,
            &self.simple_hits,
            &self.emc_hits,
            &self.smc_hits,
            &self.megaflow_hits,
            &self.misses,
            &self.lost,
            &self.revalidations,
            &self.busy_cycles,
            &self.idle_cycles,
        ]
        .into_iter()
        .chain(self.drops.iter())
        {
            c.store(0, Ordering::Relaxed);
        }
    }
}
