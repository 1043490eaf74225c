//! `coverage/show`: event counters with their average rates over the last 5 seconds,
//! minute and hour, laid out as OVS lays them out.
//!
//! Two kinds of counters: events the control thread counts itself ([`Event`],
//! bumped with [`count`]), and totals the datapath already keeps per PMD (packets,
//! cache hits, upcalls, drops by cause), read when sampling. [`Coverage::sample`]
//! runs on the main task's 1-second tick and keeps a sample every 5 seconds for an
//! hour, from which the rates are computed.
//!
//! Threads: the [`Event`] counters are atomics any thread may bump; the sample
//! history is owned by the main task.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rvs_datapath::{DropReason, PmdStats};

use crate::reconcile::Switch;

/// Events the control thread counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Event {
    /// A change of the database's configuration was applied.
    BridgeReconfigure,
    /// A status or statistics transaction was sent to the database.
    StatusTxn,
    /// A unixctl command was received.
    UnixctlReceived,
    /// A unixctl command was answered.
    UnixctlReplied,
    /// `dpctl/del-flows` flushed the datapath's flows.
    DpifFlowFlush,
    /// MAC learning tables were flushed (`fdb/flush`).
    MacLearningFlush,
}

const N_EVENTS: usize = 6;

impl Event {
    const ALL: [Event; N_EVENTS] = [
        Event::BridgeReconfigure,
        Event::StatusTxn,
        Event::UnixctlReceived,
        Event::UnixctlReplied,
        Event::DpifFlowFlush,
        Event::MacLearningFlush,
    ];

    fn name(self) -> &'static str {
        match self {
            Event::BridgeReconfigure => "bridge_reconfigure",
            Event::StatusTxn => "ovsdb_status_txn",
            Event::UnixctlReceived => "unixctl_received",
            Event::UnixctlReplied => "unixctl_replied",
            Event::DpifFlowFlush => "dpif_flow_flush",
            Event::MacLearningFlush => "mac_learning_flush",
        }
    }
}

static EVENTS: [AtomicU64; N_EVENTS] = [const { AtomicU64::new(0) }; N_EVENTS];

/// Counts one `e`.
pub fn count(e: Event) {
    EVENTS[e as usize].fetch_add(1, Ordering::Relaxed);
}

/// Every counter's name and current total: the events, then the datapath's.
pub fn totals(sw: &Switch) -> Vec<(&'static str, u64)> {
    let mut v: Vec<(&'static str, u64)> = Event::ALL
        .iter()
        .map(|&e| (e.name(), EVENTS[e as usize].load(Ordering::Relaxed)))
        .collect();
    let pmds = sw.datapath().pmds();
    let sum = |f: &dyn Fn(&PmdStats) -> u64| pmds.iter().map(|p| f(&p.stats)).sum::<u64>();
    let g = PmdStats::get;
    v.push(("netdev_received", sum(&|s| g(&s.packets))));
    v.push(("datapath_passes", sum(&|s| g(&s.passes))));
    v.push(("simple_match_hit", sum(&|s| g(&s.simple_hits))));
    v.push(("emc_hit", sum(&|s| g(&s.emc_hits))));
    v.push(("smc_hit", sum(&|s| g(&s.smc_hits))));
    v.push(("megaflow_hit", sum(&|s| g(&s.megaflow_hits))));
    v.push(("upcall", sum(&|s| g(&s.misses))));
    v.push(("upcall_lost", sum(&|s| g(&s.lost))));
    v.push(("revalidate", sum(&|s| g(&s.revalidations))));
    for r in DropReason::ALL {
        v.push((r.name(), sum(&|s| s.drops(r))));
    }
    v
}

/// How often a sample is kept, and how many (an hour's worth).
const SAMPLE_EVERY: Duration = Duration::from_secs(5);
const N_SAMPLES: usize = 720;

/// The sample history.
#[derive(Debug, Default)]
pub struct Coverage {
    /// Oldest first: when, and the totals then (in [`totals`] order).
    samples: VecDeque<(Instant, Vec<u64>)>,
}

impl Coverage {
    /// No samples yet.
    pub fn new() -> Coverage {
        Coverage::default()
    }

    /// Keeps a sample if the last one is 5 seconds old. Call about once a second.
    pub fn sample(&mut self, sw: &Switch, now: Instant) {
        let due = self
            .samples
            .back()
            .is_none_or(|(t, _)| now.duration_since(*t) >= SAMPLE_EVERY);
        if due {
            let t = totals(sw).into_iter().map(|(_, v)| v).collect();
            self.samples.push_back((now, t));
            if self.samples.len() > N_SAMPLES {
                self.samples.pop_front();
            }
        }
    }

    /// The totals `window` ago (the oldest sample when the history is shorter; zero
    /// before the first sample).
    fn past(&self, now: Instant, window: Duration, i: usize) -> u64 {
        self.samples
            .iter()
            .rev()
            .find(|(t, _)| now.duration_since(*t) >= window)
            .or(self.samples.front())
            .map_or(0, |(_, v)| v.get(i).copied().unwrap_or(0))
    }

    /// `coverage/show`.
    pub fn show(&self, sw: &Switch, now: Instant) -> String {
        let cur = totals(sw);
        let mut hash: u32 = 0x811c_9dc5;
        for (name, total) in &cur {
            if *total > 0 {
                for b in name.bytes() {
                    hash = (hash ^ u32::from(b)).wrapping_mul(0x0100_0193);
                }
            }
        }
        let mut s = format!(
            "Event coverage, avg rate over last: 5 seconds, last minute, last hour,  \
             hash={hash:08x}:\n"
        );
        let mut never = 0;
        for (i, (name, total)) in cur.iter().enumerate() {
            if *total == 0 {
                never += 1;
                continue;
            }
            let rate = |w: u64| {
                let then = self.past(now, Duration::from_secs(w), i);
                total.saturating_sub(then) as f64 / w as f64
            };
            let _ = writeln!(
                s,
                "{name:<24} {:5.1}/sec {:9.3}/sec {:13.4}/sec   total: {total}",
                rate(5),
                rate(60),
                rate(3600)
            );
        }
        let _ = writeln!(s, "{never} events never hit");
        s
    }
}
