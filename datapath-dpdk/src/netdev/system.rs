//! The `system` netdev: an existing kernel interface, through an `AF_PACKET` socket.
//!
//! Unlike OVS, which polls kernel ports from its main thread, rvs polls them from PMD
//! threads in batches (`recvmmsg`/`sendmmsg`). Every queue is its own descriptor on the
//! one socket, so each PMD owns what it touches.

use std::os::fd::RawFd;

use super::{LinkInfo, Netdev, NetdevError, RxBatch, RxQueue, RxStatus, TxQueue};
use crate::sys::{self, PacketSocket};

/// A kernel interface opened with an `AF_PACKET` socket.
#[derive(Debug)]
pub struct SystemNetdev {
    name: String,
    sock: PacketSocket,
}

impl SystemNetdev {
    /// Opens kernel interface `name` and brings it up, as OVS does.
    pub fn open(name: &str) -> Result<SystemNetdev, NetdevError> {
        let ifindex = sys::ifindex(name).map_err(|e| NetdevError::open(name, &e))?;
        let sock = PacketSocket::open(ifindex).map_err(|e| NetdevError::open(name, &e))?;
        if let Err(e) = sys::set_up(name) {
            log::warn!(
                "{name}: could not bring the interface up: {}",
                sys::strerror(&e)
            );
        }
        Ok(SystemNetdev {
            name: name.into(),
            sock,
        })
    }

    fn clone_sock(&self) -> Result<PacketSocket, NetdevError> {
        self.sock
            .try_clone()
            .map_err(|e| NetdevError::open(&self.name, &e))
    }
}

/// A queue of a [`SystemNetdev`]: one descriptor on its socket.
#[derive(Debug)]
pub struct SystemQueue {
    name: String,
    sock: PacketSocket,
}

impl Netdev for SystemNetdev {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "system"
    }

    fn open_rxq(&self, _q: usize) -> Result<Box<dyn RxQueue>, NetdevError> {
        Ok(Box::new(SystemQueue {
            name: self.name.clone(),
            sock: self.clone_sock()?,
        }))
    }

    fn open_txq(&self) -> Result<Box<dyn TxQueue>, NetdevError> {
        Ok(Box::new(SystemQueue {
            name: self.name.clone(),
            sock: self.clone_sock()?,
        }))
    }

    fn link(&self) -> LinkInfo {
        LinkInfo {
            mac: sys::hwaddr(&self.name).ok(),
            mtu: sys::mtu(&self.name).ok(),
            up: sys::link_up(&self.name).unwrap_or(false),
        }
    }
}

impl RxQueue for SystemQueue {
    fn recv(&mut self, batch: &mut RxBatch) -> RxStatus {
        let (bufs, lens, starts) = batch.buffers();
        match self.sock.recv(bufs, lens, starts) {
            Ok(st) => {
                batch.set_len(st.packets);
                RxStatus {
                    dropped: st.truncated,
                }
            }
            Err(e) => {
                log::debug!("{}: receive failed: {e}", self.name);
                RxStatus::default()
            }
        }
    }

    fn wait_fd(&self) -> Option<RawFd> {
        Some(self.sock.raw_fd())
    }
}

impl TxQueue for SystemQueue {
    fn send(&mut self, frames: &[&[u8]]) -> usize {
        self.sock.send(frames)
    }
}
