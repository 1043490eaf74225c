//! [`PacketBuf`], the buffer a packet lives in while the datapath works on it.
//!
//! A packet is a window (`start..start + len`) into a fixed allocation. The bytes
//! before the window are *headroom*: pushing a header (a VLAN tag, an MPLS label, a
//! whole tunnel encapsulation) moves the window's start back and writes only the new
//! header, never the payload. The bytes after the window are *tailroom*. This is the
//! layout of OVS's `struct dp_packet` and of a DPDK `rte_mbuf`, and the operations
//! map one to one:
//!
//! | `PacketBuf`        | OVS `dp_packet`       | DPDK `rte_mbuf`        |
//! |--------------------|-----------------------|------------------------|
//! | [`push_front`]     | `dp_packet_push_uninit` | `rte_pktmbuf_prepend` |
//! | [`pull_front`]     | `dp_packet_pull`      | `rte_pktmbuf_adj`      |
//! | [`truncate`]       | `dp_packet_set_size`  | `rte_pktmbuf_trim`     |
//! | [`headroom`]       | `dp_packet_headroom`  | `rte_pktmbuf_headroom` |
//!
//! # An mbuf-backed variant
//!
//! The API is deliberately the intersection of what a heap buffer and a
//! single-segment mbuf can do cheaply: a contiguous data slice, moving the front, and
//! cutting the back. Nothing exposes `Vec` semantics (no capacity, no arbitrary
//! insertion), so the datapath can later put an mbuf behind the same methods, either
//!
//! - as a trait (`trait Packet { fn data(&self) -> &[u8]; fn push_front(..); .. }`)
//!   implemented by `PacketBuf` here and by the `Mbuf` RAII type in the datapath's
//!   `dpdk` module (the rewrite functions then become generic over it), or
//! - as an enum `PacketBuf { Heap(HeapBuf), Mbuf(Mbuf) }` owned by the datapath.
//!
//! Either way, the one behaviour that differs is running out of headroom: here the
//! buffer reallocates; an mbuf would copy into a fresh mbuf from its pool (or fail
//! with a drop reason), since `rte_pktmbuf_prepend` cannot grow a segment. Neither
//! variant is built yet.
//!
//! [`push_front`]: PacketBuf::push_front
//! [`pull_front`]: PacketBuf::pull_front
//! [`truncate`]: PacketBuf::truncate
//! [`headroom`]: PacketBuf::headroom

use std::fmt;

/// A packet: contiguous bytes with headroom in front for pushing headers.
///
/// Owned by one thread at a time (a PMD thread while it processes the packet); it has
/// no interior mutability and is `Send`.
#[derive(Clone)]
pub struct PacketBuf {
    /// The allocation; the packet is `buf[start..start + len]`.
    buf: Box<[u8]>,
    start: usize,
    len: usize,
}

impl PacketBuf {
    /// Headroom that [`PacketBuf::new`] leaves, and the least that growing leaves:
    /// enough for an Ethernet + IPv6 + UDP + Geneve encapsulation with 58 bytes of
    /// Geneve options (OVS's `DP_NETDEV_HEADROOM` is 128 too).
    pub const DEFAULT_HEADROOM: usize = 128;

    /// Copies `frame` into a new buffer with [`PacketBuf::DEFAULT_HEADROOM`].
    pub fn new(frame: &[u8]) -> Self {
        Self::with_headroom(frame, Self::DEFAULT_HEADROOM)
    }

    /// Copies `frame` into a new buffer with exactly `headroom` bytes in front of it
    /// and no tailroom.
    pub fn with_headroom(frame: &[u8], headroom: usize) -> Self {
        let mut buf = vec![0; headroom + frame.len()].into_boxed_slice();
        buf[headroom..].copy_from_slice(frame);
        PacketBuf {
            buf,
            start: headroom,
            len: frame.len(),
        }
    }

    /// The packet's bytes.
    pub fn data(&self) -> &[u8] {
        &self.buf[self.start..self.start + self.len]
    }

    /// The packet's bytes, writable.
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.buf[self.start..self.start + self.len]
    }

    /// Length of the packet in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if the packet has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many bytes [`PacketBuf::push_front`] can add without reallocating.
    pub fn headroom(&self) -> usize {
        self.start
    }

    /// Prepends `n` bytes and returns them, for the caller to fill in; their contents
    /// are unspecified (whatever the headroom held).
    ///
    /// O(`n`) while the headroom lasts: the existing bytes do not move. Otherwise the
    /// packet is copied into a new allocation with `n` +
    /// [`PacketBuf::DEFAULT_HEADROOM`] bytes of headroom, so that a run of pushes
    /// reallocates once.
    pub fn push_front(&mut self, n: usize) -> &mut [u8] {
        if n > self.start {
            self.grow_front(n);
        }
        self.start -= n;
        self.len += n;
        &mut self.buf[self.start..self.start + n]
    }

    /// Removes the first `n` bytes of the packet (they become headroom) and returns
    /// them, or returns `None` and changes nothing if the packet is shorter than `n`.
    pub fn pull_front(&mut self, n: usize) -> Option<&[u8]> {
        if n > self.len {
            return None;
        }
        self.start += n;
        self.len -= n;
        Some(&self.buf[self.start - n..self.start])
    }

    /// Shortens the packet to `len` bytes, dropping bytes at the end; does nothing if
    /// it is not longer than that.
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Moves the packet into a new allocation with `n` + the default headroom.
    #[cold]
    fn grow_front(&mut self, n: usize) {
        let headroom = n + Self::DEFAULT_HEADROOM;
        let mut buf = vec![0; headroom + self.len].into_boxed_slice();
        buf[headroom..].copy_from_slice(self.data());
        self.buf = buf;
        self.start = headroom;
    }
}

impl AsRef<[u8]> for PacketBuf {
    fn as_ref(&self) -> &[u8] {
        self.data()
    }
}

impl AsMut<[u8]> for PacketBuf {
    fn as_mut(&mut self) -> &mut [u8] {
        self.data_mut()
    }
}

impl fmt::Debug for PacketBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PacketBuf")
            .field("headroom", &self.headroom())
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_uses_headroom_without_moving_payload() {
        let mut p = PacketBuf::with_headroom(&[1, 2, 3], 8);
        let payload_at = p.data().as_ptr();
        p.push_front(4).copy_from_slice(&[9, 9, 9, 9]);
        assert_eq!(p.data(), &[9, 9, 9, 9, 1, 2, 3]);
        assert_eq!(p.headroom(), 4);
        // The payload stayed where it was.
        assert_eq!(p.data()[4..].as_ptr(), payload_at);
        p.push_front(4).fill(7);
        assert_eq!(p.headroom(), 0);
        assert_eq!(p.len(), 11);
    }

    #[test]
    fn push_past_headroom_reallocates_once() {
        let mut p = PacketBuf::with_headroom(&[1, 2], 2);
        p.push_front(3).copy_from_slice(&[5, 6, 7]);
        assert_eq!(p.data(), &[5, 6, 7, 1, 2]);
        assert_eq!(p.headroom(), PacketBuf::DEFAULT_HEADROOM);
        let at = p.data().as_ptr();
        p.push_front(10).fill(0);
        assert_eq!(p.data()[10..].as_ptr(), at);
        assert_eq!(&p.data()[10..], &[5, 6, 7, 1, 2]);
    }

    #[test]
    fn pull_and_truncate() {
        let mut p = PacketBuf::new(&[1, 2, 3, 4, 5]);
        assert_eq!(p.headroom(), 128);
        assert_eq!(p.pull_front(2), Some(&[1, 2][..]));
        assert_eq!(p.data(), &[3, 4, 5]);
        assert_eq!(p.headroom(), 130);
        assert_eq!(p.pull_front(4), None);
        assert_eq!(p.data(), &[3, 4, 5]);
        p.truncate(10);
        assert_eq!(p.len(), 3);
        p.truncate(1);
        assert_eq!(p.data(), &[3]);
        assert_eq!(p.pull_front(1), Some(&[3][..]));
        assert!(p.is_empty());
        // Pulled bytes come back as headroom.
        assert_eq!(p.push_front(2), &[2, 3]);
        assert_eq!(p.as_ref(), &[2, 3]);
        p.as_mut()[0] = 8;
        assert_eq!(p.data(), &[8, 3]);
        assert!(format!("{p:?}").contains("len: 2"));
    }
}
