//! Groups (all, select, indirect, fast failover) as a bridge holds them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rvs_openflow::group::Bucket;

/// `OFPGT_ALL`.
pub const ALL: u8 = 0;
/// `OFPGT_SELECT`.
pub const SELECT: u8 = 1;
/// `OFPGT_INDIRECT`.
pub const INDIRECT: u8 = 2;
/// `OFPGT_FF`.
pub const FF: u8 = 3;

/// Counters of a group.
#[derive(Debug, Default)]
pub struct GroupStats {
    /// Packets.
    pub packets: AtomicU64,
    /// Bytes.
    pub bytes: AtomicU64,
}

impl GroupStats {
    /// Adds a hit.
    pub fn credit(&self, packets: u64, bytes: u64) {
        self.packets.fetch_add(packets, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
}

/// A group.
#[derive(Debug)]
pub struct Group {
    /// Group ID.
    pub id: u32,
    /// `OFPGT_*`.
    pub type_: u8,
    /// Buckets in order.
    pub buckets: Vec<Bucket>,
    /// Counters (shared with the translations that went through the group).
    pub stats: Arc<GroupStats>,
}

impl Group {
    /// The bucket a select group picks for `hash`: weighted by bucket weight
    /// (buckets of weight 0 are never picked).
    pub fn select(&self, hash: u32) -> Option<&Bucket> {
        let total: u64 = self.buckets.iter().map(|b| u64::from(b.weight)).sum();
        if total == 0 {
            return None;
        }
        let mut x = u64::from(hash) % total;
        for b in &self.buckets {
            let w = u64::from(b.weight);
            if x < w {
                return Some(b);
            }
            x -= w;
        }
        None
    }
}
