//! The `system` netdev: an existing kernel interface, through an `AF_PACKET` socket.
//!
//! Unlike OVS, which polls kernel ports from its main thread, rvs polls them from a PMD
//! thread in batches (`recvmmsg`/`sendmmsg`).

use std::os::fd::RawFd;

use super::{Netdev, NetdevError, RxBatch, RxStatus};
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
}

impl Netdev for SystemNetdev {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "system"
    }

    fn recv(&mut self, batch: &mut RxBatch) -> RxStatus {
        let (bufs, lens) = batch.buffers();
        match self.sock.recv(bufs, lens) {
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

    fn send(&mut self, frames: &[&[u8]]) -> usize {
        self.sock.send(frames)
    }

    fn wait_fd(&self) -> Option<RawFd> {
        Some(self.sock.raw_fd())
    }
}
