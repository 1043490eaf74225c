//! Network devices: the `Netdev` trait and its providers.
//!
//! A netdev is opened on the control thread (so that errors reach `Interface.error`
//! synchronously) and then moved to the PMD thread that polls it; from then on only that
//! thread touches it. Counters live in [`PortCounters`], written by the PMD and read by
//! anyone.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};

pub mod dummy;
pub mod system;
pub mod tap;

/// Frames up to this size are received; larger ones are counted as errors. It covers a
/// 9000-byte MTU plus Ethernet and two VLAN headers.
pub const MAX_FRAME: usize = 9216 + 22;

/// The most packets one `recv` returns.
pub const BATCH_SIZE: usize = 32;

/// Errors opening a netdev. The `Display` text is what goes into `Interface.error`.
#[derive(Debug, thiserror::Error)]
pub enum NetdevError {
    /// OVS's wording: `could not open network device NAME (REASON)`.
    #[error("could not open network device {name} ({reason})")]
    Open {
        /// Device name.
        name: String,
        /// The OS error text.
        reason: String,
    },
    /// A device-specific failure, already worded for `Interface.error`.
    #[error("{0}")]
    Config(String),
    /// The interface type is not one this build supports.
    #[error("could not open network device {name} (Address family not supported by protocol)")]
    UnsupportedType {
        /// Device name.
        name: String,
        /// The requested type.
        kind: String,
    },
}

impl NetdevError {
    /// Wraps an OS error the OVS way.
    pub fn open(name: &str, e: &std::io::Error) -> NetdevError {
        NetdevError::Open {
            name: name.into(),
            reason: crate::sys::strerror(e),
        }
    }
}

/// Bytes in front of each receive buffer, so that a provider can put back a header
/// the kernel took off (a VLAN tag) without moving the frame.
pub const RX_HEADROOM: usize = 4;

/// What a provider fills: buffers, frame lengths, frame start offsets.
pub type RxSlots<'a> = (&'a mut [Box<[u8]>], &'a mut [usize], &'a mut [usize]);

/// A batch of received frames: `frame(i)` for `i < len()`.
#[derive(Debug)]
pub struct RxBatch {
    bufs: Vec<Box<[u8]>>,
    lens: Vec<usize>,
    starts: Vec<usize>,
    count: usize,
    /// Frames received from a DPDK device, used instead of `bufs` when `in_mbufs`.
    #[cfg(feature = "dpdk")]
    mbufs: crate::dpdk::MbufBatch,
    #[cfg(feature = "dpdk")]
    in_mbufs: bool,
}

impl Default for RxBatch {
    fn default() -> Self {
        RxBatch::new()
    }
}

impl RxBatch {
    /// A batch of [`BATCH_SIZE`] buffers of [`RX_HEADROOM`] + [`MAX_FRAME`] bytes.
    pub fn new() -> RxBatch {
        RxBatch {
            bufs: (0..BATCH_SIZE)
                .map(|_| vec![0u8; RX_HEADROOM + MAX_FRAME].into_boxed_slice())
                .collect(),
            lens: vec![0; BATCH_SIZE],
            starts: vec![0; BATCH_SIZE],
            count: 0,
            #[cfg(feature = "dpdk")]
            mbufs: Default::default(),
            #[cfg(feature = "dpdk")]
            in_mbufs: false,
        }
    }

    /// Number of frames in the batch.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the batch holds no frame.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Frame `i`.
    #[inline]
    pub fn frame(&self, i: usize) -> &[u8] {
        #[cfg(feature = "dpdk")]
        if self.in_mbufs {
            return self.mbufs.frame(i);
        }
        &self.bufs[i][self.starts[i]..][..self.lens[i]]
    }

    /// Frame `i`, writable, for rewriting in place before it is queued for output.
    #[inline]
    pub fn frame_mut(&mut self, i: usize) -> &mut [u8] {
        #[cfg(feature = "dpdk")]
        if self.in_mbufs {
            return self.mbufs.frame_mut(i);
        }
        &mut self.bufs[i][self.starts[i]..][..self.lens[i]]
    }

    /// Empties the batch (releasing DPDK buffers).
    pub fn clear(&mut self) {
        self.count = 0;
        #[cfg(feature = "dpdk")]
        if self.in_mbufs {
            self.mbufs.clear();
            self.in_mbufs = false;
        }
    }

    /// Lets a DPDK receive queue fill the batch with mbufs (zero copy): `fill` receives
    /// into the empty mbuf batch and returns the packets it dropped.
    #[cfg(feature = "dpdk")]
    pub(crate) fn fill_mbufs(
        &mut self,
        fill: impl FnOnce(&mut crate::dpdk::MbufBatch) -> usize,
    ) -> usize {
        self.clear();
        let dropped = fill(&mut self.mbufs);
        self.count = self.mbufs.len();
        self.in_mbufs = self.count > 0;
        dropped
    }

    /// The batch's mbufs, when a DPDK device filled it.
    #[cfg(feature = "dpdk")]
    pub(crate) fn mbufs_mut(&mut self) -> Option<&mut crate::dpdk::MbufBatch> {
        self.in_mbufs.then_some(&mut self.mbufs)
    }

    /// Bytes in all frames of the batch.
    #[inline]
    pub fn total_len(&self) -> usize {
        #[cfg(feature = "dpdk")]
        if self.in_mbufs {
            return self.mbufs.total_len();
        }
        self.lens[..self.count].iter().sum()
    }

    /// [`RxBatch::add_use`] for every frame.
    #[inline]
    pub fn add_use_all(&mut self) {
        #[cfg(feature = "dpdk")]
        if self.in_mbufs {
            self.mbufs.add_use_all();
        }
    }

    /// Notes that one more output will send frame `i`, so that a DPDK transmit queue
    /// knows whether it may send the receive buffer itself.
    #[inline]
    pub fn add_use(&mut self, i: usize) {
        #[cfg(feature = "dpdk")]
        if self.in_mbufs {
            self.mbufs.add_use(i);
        }
        let _ = i;
    }

    /// Buffers, lengths and start offsets for a provider to fill; then it calls
    /// [`RxBatch::set_len`].
    pub fn buffers(&mut self) -> RxSlots<'_> {
        self.clear();
        (&mut self.bufs, &mut self.lens, &mut self.starts)
    }

    /// Declares the first `n` buffers filled.
    pub fn set_len(&mut self, n: usize) {
        self.count = n.min(BATCH_SIZE);
    }

    /// Appends one frame by copy (providers that read one frame at a time). Returns
    /// false when the batch is full or the frame too long.
    pub fn push(&mut self, frame: &[u8]) -> bool {
        #[cfg(feature = "dpdk")]
        if self.in_mbufs {
            self.clear();
        }
        if self.count == BATCH_SIZE || frame.len() > MAX_FRAME {
            return false;
        }
        self.bufs[self.count][..frame.len()].copy_from_slice(frame);
        self.lens[self.count] = frame.len();
        self.starts[self.count] = 0;
        self.count += 1;
        true
    }
}

/// Port counters, written by the owning PMD per burst and read by the control plane.
#[derive(Debug, Default)]
pub struct PortCounters {
    /// Frames received.
    pub rx_packets: AtomicU64,
    /// Bytes received.
    pub rx_bytes: AtomicU64,
    /// Frames dropped on receive (too long, or no buffer).
    pub rx_dropped: AtomicU64,
    /// Frames sent.
    pub tx_packets: AtomicU64,
    /// Bytes sent.
    pub tx_bytes: AtomicU64,
    /// Frames the device refused to send.
    pub tx_dropped: AtomicU64,
}

impl PortCounters {
    pub(crate) fn add(c: &AtomicU64, n: u64) {
        if n != 0 {
            c.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// A plain copy of the counters.
    pub fn snapshot(&self) -> [u64; 6] {
        [
            &self.rx_packets,
            &self.rx_bytes,
            &self.rx_dropped,
            &self.tx_packets,
            &self.tx_bytes,
            &self.tx_dropped,
        ]
        .map(|c| c.load(Ordering::Relaxed))
    }
}

/// What a receive call reports besides the frames themselves.
#[derive(Debug, Default, Clone, Copy)]
pub struct RxStatus {
    /// Frames dropped by the provider (too long, errors).
    pub dropped: usize,
}

/// Link properties, as `Interface` columns report them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LinkInfo {
    /// MAC address, if the device has one.
    pub mac: Option<[u8; 6]>,
    /// MTU, if known.
    pub mtu: Option<u32>,
    /// Whether the link is up.
    pub up: bool,
}

/// Counters a device keeps itself (DPDK devices), reported instead of the datapath's
/// own in `Interface.statistics`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceStats {
    /// Frames received.
    pub rx_packets: u64,
    /// Bytes received.
    pub rx_bytes: u64,
    /// Frames the device dropped on receive (no descriptor or no buffer).
    pub rx_dropped: u64,
    /// Receive errors.
    pub rx_errors: u64,
    /// Frames sent.
    pub tx_packets: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Frames dropped on transmit.
    pub tx_dropped: u64,
    /// Transmit errors.
    pub tx_errors: u64,
    /// The driver's extended statistics (DPDK xstats), by name.
    pub extended: Vec<(String, u64)>,
}

/// A device: opened on the control thread, shared by the PMDs that poll its receive
/// queues and transmit on it. Each PMD gets its own [`RxQueue`]s and [`TxQueue`], so
/// nothing on the packet path is shared between threads.
pub trait Netdev: Send + Sync + std::fmt::Debug {
    /// Device name (as in `Interface.name`).
    fn name(&self) -> &str;
    /// Provider type, as in `Interface.type` (`system` for the empty type).
    fn kind(&self) -> &'static str;
    /// Number of receive queues.
    fn n_rxq(&self) -> usize {
        1
    }
    /// Opens receive queue `q` for the PMD that will poll it.
    fn open_rxq(&self, q: usize) -> Result<Box<dyn RxQueue>, NetdevError>;
    /// Opens a transmit queue for one PMD.
    fn open_txq(&self) -> Result<Box<dyn TxQueue>, NetdevError>;
    /// MAC, MTU and link state.
    fn link(&self) -> LinkInfo {
        LinkInfo::default()
    }
    /// The device's own counters, when it keeps them.
    fn stats(&self) -> Option<DeviceStats> {
        None
    }
    /// Key/value pairs for `Interface.status`.
    fn status(&self) -> Vec<(String, String)> {
        Vec::new()
    }
}

/// One receive queue, owned by the PMD that polls it.
pub trait RxQueue: Send + std::fmt::Debug {
    /// Fills `batch` (which arrives empty) without blocking.
    fn recv(&mut self, batch: &mut RxBatch) -> RxStatus;
    /// A descriptor that becomes readable when frames wait, so an idle PMD can sleep
    /// in `poll(2)`; `None` if the queue must be busy-polled.
    fn wait_fd(&self) -> Option<RawFd>;
}

/// One transmit queue, owned by one PMD.
pub trait TxQueue: Send + std::fmt::Debug {
    /// Sends frames without blocking; returns how many were accepted.
    fn send(&mut self, frames: &[&[u8]]) -> usize;
    /// Sends frames `idx` of a received batch (at most [`BATCH_SIZE`] per call is not
    /// required). DPDK queues override it to send the receive buffers themselves.
    fn send_batch(&mut self, batch: &mut RxBatch, idx: &[u16]) -> usize {
        let mut sent = 0;
        for chunk in idx.chunks(BATCH_SIZE) {
            let mut frames: [&[u8]; BATCH_SIZE] = [&[]; BATCH_SIZE];
            for (f, &i) in frames.iter_mut().zip(chunk) {
                *f = batch.frame(usize::from(i));
            }
            sent += self.send(&frames[..chunk.len()]);
        }
        sent
    }
}
