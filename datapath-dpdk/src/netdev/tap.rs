//! The `internal` netdev: a tap device, used for each bridge's local port.

use std::os::fd::RawFd;

use super::{Netdev, NetdevError, RxBatch, RxStatus, BATCH_SIZE, MAX_FRAME};
use crate::sys::Tap;

/// A tap device owned by the switch; it disappears when this value is dropped.
#[derive(Debug)]
pub struct TapNetdev {
    name: String,
    tap: Tap,
    scratch: Box<[u8]>,
}

impl TapNetdev {
    /// Creates tap device `name`. Like OVS, it leaves the device administratively down;
    /// the operator brings it up.
    pub fn open(name: &str) -> Result<TapNetdev, NetdevError> {
        let tap = Tap::open(name).map_err(|e| NetdevError::open(name, &e))?;
        Ok(TapNetdev {
            name: name.into(),
            tap,
            scratch: vec![0u8; 65536].into_boxed_slice(),
        })
    }
}

impl Netdev for TapNetdev {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "internal"
    }

    fn recv(&mut self, batch: &mut RxBatch) -> RxStatus {
        let mut st = RxStatus::default();
        while batch.len() < BATCH_SIZE {
            match self.tap.read(&mut self.scratch) {
                Ok(Some(n)) if n <= MAX_FRAME => {
                    batch.push(&self.scratch[..n]);
                }
                Ok(Some(_)) => st.dropped += 1,
                Ok(None) => break,
                Err(e) => {
                    log::debug!("{}: read failed: {e}", self.name);
                    break;
                }
            }
        }
        st
    }

    fn send(&mut self, frames: &[&[u8]]) -> usize {
        frames.iter().filter(|f| self.tap.write(f)).count()
    }

    fn wait_fd(&self) -> Option<RawFd> {
        Some(self.tap.raw_fd())
    }
}
