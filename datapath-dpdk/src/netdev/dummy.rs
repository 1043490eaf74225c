//! The `dummy` netdev: an in-memory device for tests and benchmarks, with any number
//! of receive queues. Frames are injected and captured through a [`DummyHandle`].

use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::{Netdev, NetdevError, RxBatch, RxQueue, RxStatus, TxQueue, BATCH_SIZE};

#[derive(Debug, Default)]
struct Queues {
    rx: Vec<VecDeque<Vec<u8>>>,
    tx: Vec<Vec<u8>>,
}

type Shared = Arc<Mutex<Queues>>;

fn lock(q: &Shared) -> MutexGuard<'_, Queues> {
    q.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The device.
#[derive(Debug)]
pub struct DummyNetdev {
    name: String,
    q: Shared,
}

/// The test's side: inject frames to be received, take frames that were sent.
#[derive(Debug, Clone)]
pub struct DummyHandle {
    q: Shared,
}

impl DummyNetdev {
    /// A device with one receive queue, and the handle that drives it.
    pub fn new(name: &str) -> (DummyNetdev, DummyHandle) {
        DummyNetdev::with_queues(name, 1)
    }

    /// A device with `n_rxq` receive queues.
    pub fn with_queues(name: &str, n_rxq: usize) -> (DummyNetdev, DummyHandle) {
        let q = Arc::new(Mutex::new(Queues {
            rx: (0..n_rxq.max(1)).map(|_| VecDeque::new()).collect(),
            tx: Vec::new(),
        }));
        (
            DummyNetdev {
                name: name.into(),
                q: q.clone(),
            },
            DummyHandle { q },
        )
    }
}

impl DummyHandle {
    /// Queues a frame on receive queue 0.
    pub fn inject(&self, frame: &[u8]) {
        self.inject_to(0, frame);
    }

    /// Queues a frame on receive queue `q` (modulo the number of queues).
    pub fn inject_to(&self, q: usize, frame: &[u8]) {
        let mut g = lock(&self.q);
        let n = g.rx.len();
        g.rx[q % n].push_back(frame.to_vec());
    }

    /// Takes every frame the device has sent so far.
    pub fn take_sent(&self) -> Vec<Vec<u8>> {
        std::mem::take(&mut lock(&self.q).tx)
    }

    /// Frames injected but not yet received, over all queues.
    pub fn pending_rx(&self) -> usize {
        lock(&self.q).rx.iter().map(VecDeque::len).sum()
    }
}

/// A queue of a [`DummyNetdev`].
#[derive(Debug)]
pub struct DummyQueue {
    q: Shared,
    index: usize,
}

impl Netdev for DummyNetdev {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "dummy"
    }

    fn n_rxq(&self) -> usize {
        lock(&self.q).rx.len()
    }

    fn open_rxq(&self, q: usize) -> Result<Box<dyn RxQueue>, NetdevError> {
        Ok(Box::new(DummyQueue {
            q: self.q.clone(),
            index: q,
        }))
    }

    fn open_txq(&self) -> Result<Box<dyn TxQueue>, NetdevError> {
        Ok(Box::new(DummyQueue {
            q: self.q.clone(),
            index: 0,
        }))
    }
}

impl RxQueue for DummyQueue {
    fn recv(&mut self, batch: &mut RxBatch) -> RxStatus {
        let mut g = lock(&self.q);
        let mut st = RxStatus::default();
        let Some(rx) = g.rx.get_mut(self.index) else {
            return st;
        };
        while batch.len() < BATCH_SIZE {
            let Some(f) = rx.pop_front() else { break };
            if !batch.push(&f) {
                st.dropped += 1;
            }
        }
        st
    }

    fn wait_fd(&self) -> Option<RawFd> {
        None
    }
}

impl TxQueue for DummyQueue {
    fn send(&mut self, frames: &[&[u8]]) -> usize {
        lock(&self.q).tx.extend(frames.iter().map(|f| f.to_vec()));
        frames.len()
    }
}
