//! The MAC learning table behind the NORMAL action: (VLAN, MAC) → OpenFlow port, with
//! aging and a size limit, as OVS's `mac-learning.c` (defaults: 300 s, 2048 entries).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rvs_packet::EthAddr;

/// OVS's default `other_config:mac-aging-time`.
pub const DEFAULT_AGING: Duration = Duration::from_secs(300);
/// OVS's default `other_config:mac-table-size`.
pub const DEFAULT_MAX_ENTRIES: usize = 2048;

#[derive(Debug, Clone, Copy)]
struct Entry {
    port: u32,
    used: Instant,
}

/// A learning table.
#[derive(Debug)]
pub struct MacTable {
    entries: HashMap<(u16, EthAddr), Entry>,
    aging: Duration,
    max_entries: usize,
}

impl Default for MacTable {
    fn default() -> Self {
        MacTable::new(DEFAULT_AGING, DEFAULT_MAX_ENTRIES)
    }
}

impl MacTable {
    /// An empty table.
    pub fn new(aging: Duration, max_entries: usize) -> MacTable {
        MacTable {
            entries: HashMap::new(),
            aging,
            max_entries: max_entries.max(1),
        }
    }

    /// The aging time.
    pub fn aging(&self) -> Duration {
        self.aging
    }

    /// The size limit.
    pub fn max_entries(&self) -> usize {
        self.max_entries
    }

    /// Changes aging time and size limit; entries beyond the new limit go, oldest
    /// first.
    pub fn configure(&mut self, aging: Duration, max_entries: usize) {
        self.aging = aging;
        self.max_entries = max_entries.max(1);
        while self.entries.len() > self.max_entries {
            let Some(k) = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| *k)
            else {
                break;
            };
            self.entries.remove(&k);
        }
    }

    /// Records that `mac` on `vlan` was seen on `port`. Returns true when forwarding
    /// decisions change (a new entry, or a station that moved), false for a refresh.
    /// Multicast sources are never learned.
    pub fn learn(&mut self, vlan: u16, mac: EthAddr, port: u32, now: Instant) -> bool {
        if mac.is_multicast() {
            return false;
        }
        if let Some(e) = self.entries.get_mut(&(vlan, mac)) {
            e.used = now;
            if e.port == port {
                return false;
            }
            e.port = port;
            return true;
        }
        if self.entries.len() >= self.max_entries {
            // Evict the least recently used entry, as OVS does when the table is full.
            if let Some(k) = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| *k)
            {
                self.entries.remove(&k);
            }
        }
        self.entries.insert((vlan, mac), Entry { port, used: now });
        true
    }

    /// The port `mac` on `vlan` was learned on, if it has not expired.
    pub fn lookup(&self, vlan: u16, mac: EthAddr, now: Instant) -> Option<u32> {
        self.entries
            .get(&(vlan, mac))
            .filter(|e| now.saturating_duration_since(e.used) < self.aging)
            .map(|e| e.port)
    }

    /// Forgets entries learned on `port`; true if there were any.
    pub fn flush_port(&mut self, port: u32) -> bool {
        let before = self.entries.len();
        self.entries.retain(|_, e| e.port != port);
        before != self.entries.len()
    }

    /// Forgets every entry; true if there were any.
    pub fn flush(&mut self) -> bool {
        let had = !self.entries.is_empty();
        self.entries.clear();
        had
    }

    /// Removes expired entries; true if any were removed.
    pub fn expire(&mut self, now: Instant) -> bool {
        let before = self.entries.len();
        let aging = self.aging;
        self.entries
            .retain(|_, e| now.saturating_duration_since(e.used) < aging);
        before != self.entries.len()
    }

    /// Entries as (port, vlan, mac, age), sorted like `ovs-appctl fdb/show`.
    pub fn dump(&self, now: Instant) -> Vec<(u32, u16, EthAddr, Duration)> {
        let mut v: Vec<_> = self
            .entries
            .iter()
            .map(|((vlan, mac), e)| (e.port, *vlan, *mac, now.saturating_duration_since(e.used)))
            .collect();
        v.sort_by_key(|(p, vlan, mac, _)| (*p, *vlan, *mac));
        v
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(b: u8) -> EthAddr {
        EthAddr([0, 0, 0, 0, 0, b])
    }

    #[test]
    fn learn_move_refresh_expire() {
        let t0 = Instant::now();
        let mut t = MacTable::new(Duration::from_secs(10), 2);
        assert!(t.learn(0, mac(1), 1, t0));
        assert!(!t.learn(0, mac(1), 1, t0), "a refresh changes nothing");
        assert!(t.learn(0, mac(1), 2, t0), "a move does");
        assert_eq!(t.lookup(0, mac(1), t0), Some(2));
        assert_eq!(t.lookup(5, mac(1), t0), None, "VLANs are separate");
        assert!(!t.learn(0, EthAddr::BROADCAST, 1, t0));
        assert!(t.learn(0, mac(2), 1, t0 + Duration::from_secs(1)));
        assert!(t.learn(0, mac(3), 1, t0 + Duration::from_secs(2)));
        assert_eq!(t.len(), 2, "the oldest entry was evicted");
        assert_eq!(t.lookup(0, mac(1), t0), None);
        assert_eq!(
            t.lookup(0, mac(2), t0 + Duration::from_secs(11)),
            None,
            "aged out"
        );
        assert!(t.expire(t0 + Duration::from_secs(11)));
        assert_eq!(t.len(), 1);
        assert!(t.flush_port(1));
        assert!(t.is_empty());
    }
}
