//! The `internal` netdev: a tap device, used for each bridge's local port.

use std::os::fd::RawFd;

use super::{LinkInfo, Netdev, NetdevError, RxBatch, RxQueue, RxStatus, TxQueue};
use super::{BATCH_SIZE, MAX_FRAME};
use crate::sys::{self, Tap};

/// A tap device owned by the switch; it disappears when the last queue and this value
/// are dropped.
#[derive(Debug)]
pub struct TapNetdev {
    name: String,
    tap: Tap,
}

impl TapNetdev {
    /// Creates tap device `name`. Like OVS, it leaves the device administratively down;
    /// the operator brings it up.
    pub fn open(name: &str) -> Result<TapNetdev, NetdevError> {
        let tap = Tap::open(name).map_err(|e| NetdevError::open(name, &e))?;
        Ok(TapNetdev {
            name: name.into(),
            tap,
        })
    }

    fn queue(&self) -> Result<TapQueue, NetdevError> {
        Ok(TapQueue {
            name: self.name.clone(),
            tap: self
                .tap
                .try_clone()
                .map_err(|e| NetdevError::open(&self.name, &e))?,
            scratch: vec![0u8; 65536].into_boxed_slice(),
        })
    }
}

/// A queue of a [`TapNetdev`]: one descriptor on the device.
#[derive(Debug)]
pub struct TapQueue {
    name: String,
    tap: Tap,
    scratch: Box<[u8]>,
}

impl Netdev for TapNetdev {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "internal"
    }

    fn open_rxq(&self, _q: usize) -> Result<Box<dyn RxQueue>, NetdevError> {
        Ok(Box::new(self.queue()?))
    }

    fn open_txq(&self) -> Result<Box<dyn TxQueue>, NetdevError> {
        Ok(Box::new(self.queue()?))
    }

    fn link(&self) -> LinkInfo {
        LinkInfo {
            mac: sys::hwaddr(&self.name).ok(),
            mtu: sys::mtu(&self.name).ok(),
            up: sys::link_up(&self.name).unwrap_or(false),
        }
    }
}

impl RxQueue for TapQueue {
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

    fn wait_fd(&self) -> Option<RawFd> {
        Some(self.tap.raw_fd())
    }
}

impl TxQueue for TapQueue {
    fn send(&mut self, frames: &[&[u8]]) -> usize {
        frames.iter().filter(|f| self.tap.write(f)).count()
    }
}
