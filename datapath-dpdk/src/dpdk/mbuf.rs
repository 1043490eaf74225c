//! Mempools and mbufs behind owning types: a [`Mempool`] is shared per buffer size and
//! NUMA socket (as OVS shares its mempools per MTU and socket) and lives as long as the
//! process, since mbufs from it may sit in any device's queues; an [`Mbuf`] frees itself;
//! an [`MbufBatch`] holds one received burst.

use std::collections::HashMap;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex};

use rvs_dpdk_sys as sys;

use crate::netdev::BATCH_SIZE;

/// A packet mempool.
#[derive(Debug)]
pub struct Mempool {
    ptr: NonNull<sys::rte_mempool>,
    name: String,
    data_room: u16,
}

// SAFETY: rte_mempool is built for concurrent use from many threads (its get/put go
// through per-lcore caches and a lock-free ring).
unsafe impl Send for Mempool {}
// SAFETY: as above; &Mempool only allocates, which is thread-safe.
unsafe impl Sync for Mempool {}

/// Mempools by (data room size, socket).
static POOLS: Mutex<Option<PoolMap>> = Mutex::new(None);

type PoolMap = HashMap<(u16, i32), Arc<Mempool>>;

/// The fewest buffers a pool is created with.
const MIN_MBUFS: u32 = 4096;

/// Buffer space in front of a packet's data, DPDK's default.
pub const HEADROOM: u16 = 128;

impl Mempool {
    /// The shared mempool for frames up to `max_frame` bytes on `socket`, created with
    /// `n_mbufs` buffers the first time it is asked for.
    pub fn shared(max_frame: u32, socket: i32, n_mbufs: u32) -> Result<Arc<Mempool>, String> {
        // As OVS sizes them: the frame rounded up to 1 KiB (close MTUs share a pool),
        // plus the headroom.
        let room = max_frame.div_ceil(1024) * 1024 + u32::from(HEADROOM);
        let room = u16::try_from(room).map_err(|_| format!("frame size {max_frame} too large"))?;
        let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
        let pools = pools.get_or_insert_with(HashMap::new);
        if let Some(p) = pools.get(&(room, socket)) {
            return Ok(p.clone());
        }
        let name = format!("rvs_mp_{room}_{}", socket.max(0));
        let cname = std::ffi::CString::new(name.clone()).expect("no NUL");
        // As OVS does, ask for fewer buffers when memory is short, down to a floor.
        let mut n = n_mbufs.max(MIN_MBUFS);
        let ptr = loop {
            // SAFETY: EAL is initialised (callers open devices only then); the name is
            // a valid C string; the pool is never freed (see the module docs).
            let ptr =
                unsafe { sys::rte_pktmbuf_pool_create(cname.as_ptr(), n, 256, 0, room, socket) };
            if let Some(p) = NonNull::new(ptr) {
                break p;
            }
            if n / 2 < MIN_MBUFS {
                return Err(format!(
                    "could not create mempool {name} ({n} mbufs of {room} bytes): {}",
                    super::eal::errno_text()
                ));
            }
            n /= 2;
        };
        let n_mbufs = n;
        log::info!("created mempool {name}: {n_mbufs} mbufs of {room} bytes");
        let pool = Arc::new(Mempool {
            ptr,
            name,
            data_room: room,
        });
        pools.insert((room, socket), pool.clone());
        Ok(pool)
    }

    pub(crate) fn as_ptr(&self) -> *mut sys::rte_mempool {
        self.ptr.as_ptr()
    }

    /// The pool's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Buffers free in the pool.
    pub fn available(&self) -> u32 {
        // SAFETY: the pool is live for the process's lifetime.
        unsafe { sys::rte_mempool_avail_count(self.ptr.as_ptr()) }
    }

    /// Allocates an mbuf holding a copy of `frame`, or `None` when the pool is empty or
    /// the frame does not fit.
    pub fn copy_in(&self, frame: &[u8]) -> Option<Mbuf> {
        if frame.len() + usize::from(HEADROOM) > usize::from(self.data_room) {
            return None;
        }
        // SAFETY: the pool is live; the result is null or an mbuf we now own.
        let m = NonNull::new(unsafe { sys::rvs_pktmbuf_alloc(self.ptr.as_ptr()) })?;
        let m = Mbuf(m);
        // SAFETY: a fresh mbuf has one segment of data_room bytes; the bounds were
        // checked above, so the data region [HEADROOM, HEADROOM + len) is inside it.
        unsafe {
            if sys::rvs_pktmbuf_set_bounds(m.0.as_ptr(), HEADROOM, frame.len() as u16) != 0 {
                return None;
            }
            std::ptr::copy_nonoverlapping(
                frame.as_ptr(),
                sys::rvs_pktmbuf_data(m.0.as_ptr()),
                frame.len(),
            );
        }
        Some(m)
    }
}

/// One owned mbuf; freed on drop unless handed to a device.
#[derive(Debug)]
pub struct Mbuf(NonNull<sys::rte_mbuf>);

// SAFETY: an Mbuf is the only reference to its buffer; mbufs may be freed from any
// thread.
unsafe impl Send for Mbuf {}

impl Mbuf {
    /// Gives up ownership (to a device's transmit queue).
    pub(crate) fn into_raw(self) -> *mut sys::rte_mbuf {
        let p = self.0.as_ptr();
        std::mem::forget(self);
        p
    }

    /// The packet's first segment.
    pub fn data(&self) -> &[u8] {
        // SAFETY: the mbuf is live and owned by self; data/len describe its first
        // segment's valid bytes.
        unsafe {
            let m = self.0.as_ptr();
            std::slice::from_raw_parts(
                sys::rvs_pktmbuf_data(m),
                usize::from(sys::rvs_pktmbuf_data_len(m)),
            )
        }
    }
}

impl Drop for Mbuf {
    fn drop(&mut self) {
        // SAFETY: we own the mbuf (into_raw forgets self).
        unsafe { sys::rvs_pktmbuf_free(self.0.as_ptr()) }
    }
}

/// Frees mbufs a device did not take.
pub(crate) fn free_raw(pkts: &[*mut sys::rte_mbuf]) {
    for &m in pkts {
        // SAFETY: callers pass mbufs they own and no longer use.
        unsafe { sys::rvs_pktmbuf_free(m) }
    }
}

/// One received burst of mbufs. Each slot remembers how many outputs still want it, so
/// that the last output sends the mbuf itself (zero copy) and earlier ones take an
/// extra reference.
#[derive(Debug)]
pub struct MbufBatch {
    pkts: [*mut sys::rte_mbuf; BATCH_SIZE],
    data: [*mut u8; BATCH_SIZE],
    lens: [u32; BATCH_SIZE],
    uses: [u8; BATCH_SIZE],
    count: usize,
}

// SAFETY: the batch owns its mbufs exclusively (one reference each) and lives on one
// thread at a time.
unsafe impl Send for MbufBatch {}

impl Default for MbufBatch {
    fn default() -> Self {
        MbufBatch {
            pkts: [std::ptr::null_mut(); BATCH_SIZE],
            data: [std::ptr::null_mut(); BATCH_SIZE],
            lens: [0; BATCH_SIZE],
            uses: [0; BATCH_SIZE],
            count: 0,
        }
    }
}

impl MbufBatch {
    /// Number of packets.
    #[inline]
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the batch is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Packet `i`'s bytes (its first segment: receive queues are set up without
    /// scatter, and multi-segment packets are dropped on receipt).
    #[inline]
    pub fn frame(&self, i: usize) -> &[u8] {
        assert!(
            i < self.count && !self.pkts[i].is_null(),
            "mbuf slot {i} empty"
        );
        // SAFETY: slot i holds a live mbuf this batch owns (checked above); data/lens
        // were read from it on receipt and nothing has changed them since.
        unsafe { std::slice::from_raw_parts(self.data[i], self.lens[i] as usize) }
    }

    /// Packet `i`'s bytes, writable: the batch holds the only reference to an mbuf it
    /// has not handed out.
    #[inline]
    pub fn frame_mut(&mut self, i: usize) -> &mut [u8] {
        assert!(
            i < self.count && !self.pkts[i].is_null() && self.uses[i] == 0,
            "mbuf slot {i} not writable"
        );
        // SAFETY: as in frame(); and no output holds a reference yet (uses == 0 and
        // the slot is not taken), so the bytes are not shared.
        unsafe { std::slice::from_raw_parts_mut(self.data[i], self.lens[i] as usize) }
    }

    /// Receives a burst from `port`/`queue` into the empty batch; returns the number of
    /// multi-segment packets dropped.
    pub(crate) fn rx_burst(&mut self, port: u16, queue: u16) -> usize {
        debug_assert!(self.count == 0);
        let mut dropped = 0u16;
        // SAFETY: the port and queue are configured and started (the caller's EthDev
        // is alive); the arrays have room for BATCH_SIZE entries; received mbufs
        // become ours, with their data pointers and lengths filled in.
        let n = unsafe {
            sys::rvs_eth_rx_burst_meta(
                port,
                queue,
                self.pkts.as_mut_ptr(),
                self.data.as_mut_ptr(),
                self.lens.as_mut_ptr(),
                BATCH_SIZE as u16,
                &mut dropped,
            )
        };
        self.count = usize::from(n);
        self.uses[..self.count].fill(0);
        usize::from(dropped)
    }

    /// Bytes in all packets.
    #[inline]
    pub fn total_len(&self) -> usize {
        self.lens[..self.count].iter().map(|&l| l as usize).sum()
    }

    /// [`MbufBatch::add_use`] for every packet.
    #[inline]
    pub fn add_use_all(&mut self) {
        for u in &mut self.uses[..self.count] {
            *u = u.saturating_add(1);
        }
    }

    /// Notes that one more output will send packet `i` (see [`MbufBatch::take`]).
    #[inline]
    pub fn add_use(&mut self, i: usize) {
        self.uses[i] = self.uses[i].saturating_add(1);
    }

    /// An mbuf to transmit packet `i`: the batch's own when this is the last output
    /// that registered a use, otherwise a new reference to it.
    #[inline]
    pub(crate) fn take(&mut self, i: usize) -> *mut sys::rte_mbuf {
        let m = self.pkts[i];
        assert!(i < self.count && !m.is_null(), "mbuf slot {i} empty");
        if self.uses[i] == 1 {
            self.uses[i] = 0;
            self.pkts[i] = std::ptr::null_mut();
        } else {
            self.uses[i] = self.uses[i].saturating_sub(1);
            // SAFETY: m is live and owned by the batch; the new reference is owned by
            // the caller and released by the device (or free_raw).
            unsafe { sys::rvs_mbuf_refcnt_add(m, 1) };
        }
        m
    }

    /// Frees every mbuf still held (those not handed to a device), in one call.
    pub fn clear(&mut self) {
        if self.count > 0 {
            // SAFETY: slots below count hold mbufs the batch owns, or null for those
            // handed out (skipped); none is used after this.
            unsafe { sys::rvs_pktmbuf_free_array(self.pkts.as_mut_ptr(), self.count as u32) };
            self.count = 0;
        }
    }
}

impl Drop for MbufBatch {
    fn drop(&mut self) {
        self.clear();
    }
}
