//! What a translation went through, to credit later: the counters of the rules,
//! groups and table lookups it hit (as OVS's xlate cache). The datapath keeps one of
//! these with each megaflow and credits it with the megaflow's packets, so that rule
//! counters see every packet exactly once, under the rules that decided it, even when
//! the tables change before the counters are read.
//!
//! The counters are atomics shared (by `Arc`) between the tables and these records;
//! PMD threads credit them without any lock.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use crate::group::GroupStats;
use crate::rule::{RuleStats, TableStats};

/// The counters one translation hit, in order (a rule hit twice counts twice).
#[derive(Debug, Default, Clone)]
pub struct Credits {
    rules: Vec<Arc<RuleStats>>,
    groups: Vec<Arc<GroupStats>>,
    /// Table lookups and whether each found a rule.
    tables: Vec<(Arc<TableStats>, bool)>,
}

impl Credits {
    pub(crate) fn rule(&mut self, s: &Arc<RuleStats>) {
        self.rules.push(s.clone());
    }

    pub(crate) fn group(&mut self, s: &Arc<GroupStats>) {
        self.groups.push(s.clone());
    }

    pub(crate) fn table(&mut self, s: &Arc<TableStats>, hit: bool) {
        self.tables.push((s.clone(), hit));
    }

    /// Nothing to credit.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.groups.is_empty() && self.tables.is_empty()
    }

    /// Adds `packets` and `bytes` seen at `now` to every counter.
    pub fn credit(&self, packets: u64, bytes: u64, now: Instant) {
        if packets == 0 {
            return;
        }
        for r in &self.rules {
            r.credit(packets, bytes, now);
        }
        for g in &self.groups {
            g.credit(packets, bytes);
        }
        for (t, hit) in &self.tables {
            t.lookups.fetch_add(packets, Ordering::Relaxed);
            if *hit {
                t.matched.fetch_add(packets, Ordering::Relaxed);
            }
        }
    }

    /// Whether `other` credits the very same counters.
    pub fn same(&self, other: &Credits) -> bool {
        fn eq<T>(a: &[Arc<T>], b: &[Arc<T>]) -> bool {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| Arc::ptr_eq(x, y))
        }
        eq(&self.rules, &other.rules)
            && eq(&self.groups, &other.groups)
            && self.tables.len() == other.tables.len()
            && self
                .tables
                .iter()
                .zip(&other.tables)
                .all(|((x, h), (y, k))| Arc::ptr_eq(x, y) && h == k)
    }
}

impl PartialEq for Credits {
    fn eq(&self, other: &Credits) -> bool {
        self.same(other)
    }
}
