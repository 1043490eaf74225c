//! DPDK: the EAL, mempools and mbufs, ethdev ports (`type=dpdk`) and vhost-user ports
//! (`type=dpdkvhostuser`, `dpdkvhostuserclient`). All of the datapath's DPDK `unsafe`
//! is in this module, behind owning types: [`Mempool`], [`Mbuf`], [`MbufBatch`] and
//! the queues of [`EthDev`].
//!
//! Threads: the EAL is initialised, and devices are probed, configured and closed, on
//! the control thread. Each receive queue is polled by the one PMD it is assigned to;
//! each PMD has its own transmit queue per device while the device has queues enough,
//! and shares one under a lock otherwise. Received mbufs travel to transmit queues
//! untouched (zero copy); a copy happens only between DPDK and other devices, and for
//! packets whose actions rewrite them.
#![allow(unsafe_code)]

mod eal;
mod ethdev;
mod mbuf;
mod netdev;

pub use eal::{init, initialized, version, DpdkInit, EalOptions, EalState};
pub use ethdev::{EthConfig, EthDev, EthRxq, EthTxq};
pub use mbuf::{Mbuf, MbufBatch, Mempool};
pub use netdev::{DpdkNetdev, VhostMode};
