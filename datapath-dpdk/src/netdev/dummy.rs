//! The `dummy` netdev: an in-memory device for tests and benchmarks. Frames are injected
//! and captured through a [`DummyHandle`] held by the test.

use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::sync::{Arc, Mutex, PoisonError};

use super::{Netdev, RxBatch, RxStatus, BATCH_SIZE};

#[derive(Debug, Default)]
struct Queues {
    rx: VecDeque<Vec<u8>>,
    tx: Vec<Vec<u8>>,
}

/// The device half, owned by a PMD.
#[derive(Debug)]
pub struct DummyNetdev {
    name: String,
    q: Arc<Mutex<Queues>>,
}

/// The test half: inject frames to be received, take frames that were sent.
#[derive(Debug, Clone)]
pub struct DummyHandle {
    q: Arc<Mutex<Queues>>,
}

impl DummyNetdev {
    /// A new dummy device and the handle that drives it.
    pub fn new(name: &str) -> (DummyNetdev, DummyHandle) {
        let q = Arc::new(Mutex::new(Queues::default()));
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
    /// Queues a frame for the device to receive.
    pub fn inject(&self, frame: &[u8]) {
        self.q
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .rx
            .push_back(frame.to_vec());
    }

    /// Takes every frame the device has sent so far.
    pub fn take_sent(&self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.q.lock().unwrap_or_else(PoisonError::into_inner).tx)
    }

    /// Frames injected but not yet received.
    pub fn pending_rx(&self) -> usize {
        self.q
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .rx
            .len()
    }
}

impl Netdev for DummyNetdev {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "dummy"
    }

    fn recv(&mut self, batch: &mut RxBatch) -> RxStatus {
        let mut q = self.q.lock().unwrap_or_else(PoisonError::into_inner);
        let mut st = RxStatus::default();
        while batch.len() < BATCH_SIZE {
            let Some(f) = q.rx.pop_front() else { break };
            if !batch.push(&f) {
                st.dropped += 1;
            }
        }
        st
    }

    fn send(&mut self, frames: &[&[u8]]) -> usize {
        let mut q = self.q.lock().unwrap_or_else(PoisonError::into_inner);
        q.tx.extend(frames.iter().map(|f| f.to_vec()));
        frames.len()
    }

    fn wait_fd(&self) -> Option<RawFd> {
        None
    }
}
