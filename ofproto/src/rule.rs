//! Flow-table rules and tables: a priority classifier whose lookups report the fields
//! they consulted (through [`FlowView`]), and the per-rule and per-table counters.
//!
//! Tables are owned by their bridge and changed by the control thread only; PMD
//! threads look rules up under the registry's read lock and bump the counters, which
//! are atomics for that reason.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rvs_openflow::actions::{port, Action};
use rvs_openflow::Match;
use rvs_packet::Flow;

use crate::xlate::FlowView;

/// Number of flow tables (OVS's 254: 0 to 253).
pub const N_TABLES: usize = 254;

/// The process's clock origin for the counters' "last used" timestamps.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Milliseconds since [`epoch`] of `t`.
pub fn millis(t: Instant) -> u64 {
    t.saturating_duration_since(epoch()).as_millis() as u64
}

/// Packet and byte counters of a rule, bumped from PMD threads.
#[derive(Debug, Default)]
pub struct RuleStats {
    /// Packets.
    pub packets: AtomicU64,
    /// Bytes.
    pub bytes: AtomicU64,
    /// When last hit, in [`millis`]; 0 if never.
    pub used_ms: AtomicU64,
}

impl RuleStats {
    /// Adds `packets` and `bytes` hit at `now`.
    pub fn credit(&self, packets: u64, bytes: u64, now: Instant) {
        self.packets.fetch_add(packets, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.used_ms.fetch_max(millis(now), Ordering::Relaxed);
    }

    fn copy(&self) -> RuleStats {
        RuleStats {
            packets: AtomicU64::new(self.packets.load(Ordering::Relaxed)),
            bytes: AtomicU64::new(self.bytes.load(Ordering::Relaxed)),
            used_ms: AtomicU64::new(self.used_ms.load(Ordering::Relaxed)),
        }
    }
}

/// A flow-table rule. A clone shares the original's counters.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The match (in_port in OpenFlow numbering).
    pub m: Match,
    /// Priority; higher wins.
    pub priority: u16,
    /// Cookie.
    pub cookie: u64,
    /// Actions and instructions.
    pub actions: Vec<Action>,
    /// Idle timeout in seconds (0: none).
    pub idle_timeout: u16,
    /// Hard timeout in seconds (0: none).
    pub hard_timeout: u16,
    /// Eviction importance.
    pub importance: u16,
    /// `flow_mod::flags`.
    pub flags: u16,
    /// When added.
    pub created: Instant,
    /// When last added or modified (hard timeouts and `hard_age` count from here).
    pub modified: Instant,
    /// Counters (shared with the translations that hit the rule).
    pub stats: Arc<RuleStats>,
}

impl Rule {
    /// A fresh rule.
    pub fn new(m: Match, priority: u16, actions: Vec<Action>, now: Instant) -> Rule {
        Rule {
            m,
            priority,
            cookie: 0,
            actions,
            idle_timeout: 0,
            hard_timeout: 0,
            importance: 0,
            flags: 0,
            created: now,
            modified: now,
            stats: Arc::default(),
        }
    }

    /// Whether this rule has exactly `m` and `priority` (strict matching).
    pub fn is_strict(&self, m: &Match, priority: u16) -> bool {
        self.priority == priority && self.m == *m
    }

    /// Whether this rule is at least as specific as `m` and agrees with it (loose
    /// matching: the rule's packets are all packets `m` matches).
    pub fn is_loose(&self, m: &Match) -> bool {
        let rm = self.m.mask.words();
        let rv = self.m.flow.words();
        let mm = m.mask.words();
        let mv = m.flow.words();
        (0..rm.len()).all(|i| mm[i] & !rm[i] == 0 && rv[i] & mm[i] == mv[i] & mm[i])
    }

    /// Whether some packet could match both this rule's match and `m`.
    pub fn overlaps(&self, m: &Match) -> bool {
        let rm = self.m.mask.words();
        let rv = self.m.flow.words();
        let mm = m.mask.words();
        let mv = m.flow.words();
        (0..rm.len()).all(|i| (rv[i] ^ mv[i]) & rm[i] & mm[i] == 0)
    }

    /// Whether the rule's actions output to `out_port` (OVS `ofproto_rule_has_out_port`);
    /// `OFPP_ANY` matches every rule.
    pub fn has_out_port(&self, out_port: u32) -> bool {
        out_port == port::ANY || outputs_to(&self.actions, out_port)
    }

    /// Whether the rule's actions use group `g`; `OFPG_ANY` matches every rule.
    pub fn has_out_group(&self, g: u32) -> bool {
        g == u32::MAX || uses_group(&self.actions, g)
    }

    /// Whether `packets` would hit this rule (value under mask).
    pub fn matches(&self, view: &mut FlowView) -> bool {
        view.matches(&self.m.flow, &self.m.mask)
    }

    /// The rule's idle time at `now`.
    pub fn idle_for(&self, now: Instant) -> Duration {
        let used = self.stats.used_ms.load(Ordering::Relaxed);
        let last = millis(self.modified).max(used);
        Duration::from_millis(millis(now).saturating_sub(last))
    }

    /// Whether a timeout has expired at `now`, and which (`OFPRR_IDLE_TIMEOUT` 0 or
    /// `OFPRR_HARD_TIMEOUT` 1).
    pub fn expired(&self, now: Instant) -> Option<u8> {
        if self.hard_timeout > 0
            && now.saturating_duration_since(self.modified)
                >= Duration::from_secs(self.hard_timeout.into())
        {
            return Some(1);
        }
        if self.idle_timeout > 0
            && self.idle_for(now) >= Duration::from_secs(self.idle_timeout.into())
        {
            return Some(0);
        }
        None
    }

    /// A copy with its counters as they are now (for replacing a rule in place).
    pub fn clone_with_stats(&self) -> Rule {
        Rule {
            m: self.m,
            priority: self.priority,
            cookie: self.cookie,
            actions: self.actions.clone(),
            idle_timeout: self.idle_timeout,
            hard_timeout: self.hard_timeout,
            importance: self.importance,
            flags: self.flags,
            created: self.created,
            modified: self.modified,
            stats: Arc::new(self.stats.copy()),
        }
    }
}

fn outputs_to(acts: &[Action], p: u32) -> bool {
    acts.iter().any(|a| match a {
        Action::Output { port, .. } | Action::Enqueue { port, .. } => *port == p,
        Action::Controller(_) => p == port::CONTROLLER,
        Action::WriteActions(inner) | Action::Clone(inner) => outputs_to(inner, p),
        _ => false,
    })
}

fn uses_group(acts: &[Action], g: u32) -> bool {
    acts.iter().any(|a| match a {
        Action::Group(x) => *x == g,
        Action::WriteActions(inner) | Action::Clone(inner) => uses_group(inner, g),
        _ => false,
    })
}

/// Counters of a table.
#[derive(Debug, Default)]
pub struct TableStats {
    /// Lookups.
    pub lookups: AtomicU64,
    /// Lookups that found a rule.
    pub matched: AtomicU64,
}

/// One flow table: rules by descending priority, ties in insertion order. A clone
/// shares the original's counters.
#[derive(Debug, Default, Clone)]
pub struct Table {
    rules: Vec<Rule>,
    /// Counters (shared with the translations that looked the table up).
    pub stats: Arc<TableStats>,
}

impl Table {
    /// The rules, highest priority first.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rules, to change them in place.
    pub fn rules_mut(&mut self) -> &mut [Rule] {
        &mut self.rules
    }

    /// Inserts a rule in priority order.
    pub fn insert(&mut self, r: Rule) {
        let at = self.rules.partition_point(|x| x.priority >= r.priority);
        self.rules.insert(at, r);
    }

    /// Removes the rules for which `f` is true and returns them.
    pub fn remove_if(&mut self, mut f: impl FnMut(&Rule) -> bool) -> Vec<Rule> {
        let mut removed = Vec::new();
        let mut kept = Vec::with_capacity(self.rules.len());
        for r in self.rules.drain(..) {
            if f(&r) {
                removed.push(r);
            } else {
                kept.push(r);
            }
        }
        self.rules = kept;
        removed
    }

    /// The highest-priority rule matching the flow behind `view`, recording in the view
    /// every field that the rules it tried consulted. With `count`, bumps the table's
    /// counters.
    pub fn lookup(&self, view: &mut FlowView, count: bool) -> Option<&Rule> {
        let hit = self.rules.iter().find(|r| r.matches(view));
        if count {
            self.stats.lookups.fetch_add(1, Ordering::Relaxed);
            if hit.is_some() {
                self.stats.matched.fetch_add(1, Ordering::Relaxed);
            }
        }
        hit
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether the table has no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// The catch-all match.
pub fn catchall() -> Match {
    Match {
        flow: Flow::default(),
        mask: Flow::default(),
    }
}
