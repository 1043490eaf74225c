//! Pipeline tests on dummy ports: no root, no kernel devices.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rvs_packet::actions::DpAction;
use rvs_packet::{EthAddr, Flow};

use super::*;
use crate::netdev::dummy::{DummyHandle, DummyNetdev};

/// Forwards port 1 ↔ port 2, keyed on in_port only, and counts upcalls.
#[derive(Default)]
struct Patch {
    upcalls: Mutex<Vec<Flow>>,
    generation: AtomicU64,
}

impl UpcallHandler for Patch {
    fn upcall(&self, _packet: &[u8], flow: &Flow) -> Upcall {
        self.upcalls.lock().unwrap().push(*flow);
        let out = if flow.in_port == 1 { 2 } else { 1 };
        Upcall {
            actions: vec![DpAction::Output(out)],
            mask: Flow {
                in_port: u32::MAX,
                ..Flow::default()
            },
        }
    }
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }
}

fn frame(src: u8, dst: u8) -> Vec<u8> {
    let mut f = vec![0u8; 60];
    f[..6].copy_from_slice(&[0, 0, 0, 0, 0, dst]);
    f[6..12].copy_from_slice(&[0, 0, 0, 0, 0, src]);
    f[12..14].copy_from_slice(&[0x88, 0xb5]);
    f
}

fn wait_sent(h: &DummyHandle, n: usize) -> Vec<Vec<u8>> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    while got.len() < n && Instant::now() < deadline {
        got.extend(h.take_sent());
        std::thread::sleep(Duration::from_millis(1));
    }
    got
}

fn setup() -> (Arc<Patch>, Datapath, DummyHandle, DummyHandle) {
    let h = Arc::new(Patch::default());
    let mut dp = Datapath::new(h.clone()).unwrap();
    let (a, ha) = DummyNetdev::new("a");
    let (b, hb) = DummyNetdev::new("b");
    assert_eq!(dp.add_port(Box::new(a)).unwrap(), 1);
    assert_eq!(dp.add_port(Box::new(b)).unwrap(), 2);
    (h, dp, ha, hb)
}

#[test]
fn forwards_and_caches_one_megaflow_per_in_port() {
    let (h, dp, ha, hb) = setup();
    for i in 0..50 {
        ha.inject(&frame(1, i));
    }
    assert_eq!(wait_sent(&hb, 50).len(), 50);
    hb.inject(&frame(2, 1));
    assert_eq!(wait_sent(&ha, 1), vec![frame(2, 1)]);
    // 50 different destinations on port 1, but the megaflow ignores dl_dst.
    assert_eq!(h.upcalls.lock().unwrap().len(), 2);
    let c = dp.ports()[&1].counters.snapshot();
    assert_eq!((c[0], c[3]), (50, 1));
    assert_eq!(dp.pmd_stats().megaflows.load(Ordering::Relaxed), 2);
}

#[test]
fn generation_change_flushes_caches() {
    let (h, _dp, ha, hb) = setup();
    ha.inject(&frame(1, 2));
    assert_eq!(wait_sent(&hb, 1).len(), 1);
    h.generation.fetch_add(1, Ordering::Relaxed);
    ha.inject(&frame(1, 2));
    assert_eq!(wait_sent(&hb, 1).len(), 1);
    assert_eq!(h.upcalls.lock().unwrap().len(), 2);
}

#[test]
fn deleted_port_neither_receives_nor_sends() {
    let (_h, mut dp, ha, hb) = setup();
    dp.del_port(2).unwrap();
    ha.inject(&frame(1, 2));
    hb.inject(&frame(2, 1));
    let deadline = Instant::now() + Duration::from_secs(5);
    while ha.pending_rx() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(ha.pending_rx(), 0, "port 1 is still polled");
    dp.flush().unwrap(); // a full PMD round trip after the frame was taken
    assert!(hb.take_sent().is_empty());
    assert_eq!(hb.pending_rx(), 1, "a deleted port was polled");
    assert!(matches!(dp.del_port(2), Err(DpError::NoSuchPort(2))));
    let (c, _hc) = DummyNetdev::new("c");
    assert_eq!(
        dp.add_port(Box::new(c)).unwrap(),
        2,
        "lowest free number is reused"
    );
    let _ = EthAddr::ZERO;
}
