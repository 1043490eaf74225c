//! Assignment of receive queues to PMD threads (`pmd-rxq-assign`, `pmd-rxq-affinity`,
//! `pmd-rxq-isolate`), as a pure function so that it is tested without threads.

use std::collections::BTreeMap;

use crate::config::RxqAssign;

/// A receive queue to place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RxqLoad {
    /// Datapath port.
    pub port: u32,
    /// Queue number.
    pub queue: usize,
    /// Processing cycles measured on it lately (any unit, compared only).
    pub cycles: u64,
    /// The core `pmd-rxq-affinity` pins it to.
    pub affinity: Option<usize>,
}

/// Places every queue on one of `cores` (PMD core ids). Queues pinned to a PMD core go
/// there; with `isolate`, such a core takes no other queue. Queues pinned to a core
/// with no PMD, and the rest, are spread by `mode`. Queues that no core can take
/// (every core isolated) are left out, as OVS leaves them unpolled.
pub fn assign(
    rxqs: &[RxqLoad],
    cores: &[usize],
    mode: RxqAssign,
    isolate: bool,
) -> BTreeMap<(u32, usize), usize> {
    let mut out = BTreeMap::new();
    let mut load: BTreeMap<usize, u64> = cores.iter().map(|c| (*c, 0)).collect();
    let mut pinned_cores = Vec::new();
    let mut rest = Vec::new();
    for r in rxqs {
        match r.affinity.filter(|c| load.contains_key(c)) {
            Some(c) => {
                out.insert((r.port, r.queue), c);
                *load.entry(c).or_default() += r.cycles;
                pinned_cores.push(c);
            }
            None => rest.push(*r),
        }
    }
    let free: Vec<usize> = cores
        .iter()
        .copied()
        .filter(|c| !(isolate && pinned_cores.contains(c)))
        .collect();
    if free.is_empty() {
        return out;
    }
    match mode {
        RxqAssign::RoundRobin => rest.sort_by_key(|r| (r.port, r.queue)),
        RxqAssign::Cycles | RxqAssign::Group => {
            rest.sort_by_key(|r| (std::cmp::Reverse(r.cycles), r.port, r.queue));
        }
    }
    for (i, r) in rest.iter().enumerate() {
        let core = match mode {
            RxqAssign::Group => *free
                .iter()
                .min_by_key(|c| (load[*c], **c))
                .unwrap_or(&free[0]),
            _ => free[i % free.len()],
        };
        *load.entry(core).or_default() += r.cycles;
        out.insert((r.port, r.queue), core);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(port: u32, queue: usize, cycles: u64, affinity: Option<usize>) -> RxqLoad {
        RxqLoad {
            port,
            queue,
            cycles,
            affinity,
        }
    }

    #[test]
    fn roundrobin_in_port_order() {
        let rx = [q(2, 0, 0, None), q(1, 1, 0, None), q(1, 0, 0, None)];
        let a = assign(&rx, &[3, 5], RxqAssign::RoundRobin, true);
        assert_eq!(a[&(1, 0)], 3);
        assert_eq!(a[&(1, 1)], 5);
        assert_eq!(a[&(2, 0)], 3);
    }

    #[test]
    fn cycles_and_group_put_busy_queues_apart() {
        let rx = [
            q(1, 0, 100, None),
            q(1, 1, 90, None),
            q(2, 0, 10, None),
            q(3, 0, 5, None),
        ];
        let c = assign(&rx, &[0, 1], RxqAssign::Cycles, true);
        assert_ne!(c[&(1, 0)], c[&(1, 1)]);
        let g = assign(&rx, &[0, 1], RxqAssign::Group, true);
        // 100 on one core; 90 then 10 then 5 on the other keeps loads 100 / 105.
        assert_ne!(g[&(1, 0)], g[&(1, 1)]);
        assert_eq!(g[&(2, 0)], g[&(1, 1)]);
        assert_eq!(g[&(3, 0)], g[&(1, 0)]);
    }

    #[test]
    fn affinity_pins_and_isolates() {
        let rx = [
            q(1, 0, 0, Some(1)),
            q(1, 1, 0, None),
            q(2, 0, 0, None),
            q(3, 0, 0, Some(9)),
        ];
        let a = assign(&rx, &[0, 1], RxqAssign::RoundRobin, true);
        assert_eq!(a[&(1, 0)], 1);
        assert_eq!(
            (a[&(1, 1)], a[&(2, 0)], a[&(3, 0)]),
            (0, 0, 0),
            "core 1 is isolated; core 9 has no PMD"
        );
        let b = assign(&rx, &[0, 1], RxqAssign::RoundRobin, false);
        assert!(b.values().any(|c| *c == 1) && b.len() == 4);
        let none = assign(
            &[q(1, 0, 0, Some(0)), q(2, 0, 0, None)],
            &[0],
            RxqAssign::Cycles,
            true,
        );
        assert_eq!(none.len(), 1, "no core left for the unpinned queue");
    }
}
