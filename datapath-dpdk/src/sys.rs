//! Kernel interfaces for the `system` (af_packet) and `internal` (tap) netdevs.
//!
//! This is one of the few modules allowed `unsafe` (with the DPDK and vhost modules to
//! come): raw sockets, `ioctl`s and batched `recvmmsg`/`sendmmsg`. Everything it exports
//! is safe: file descriptors are owned (`OwnedFd`), buffers are borrowed slices, and every
//! `unsafe` block says why its pointers and lengths are valid.

use std::ffi::CStr;
use std::io;
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// `ETH_P_ALL` in network byte order, as `socket(2)` and `sockaddr_ll` want it.
const ETH_P_ALL_BE: u16 = (libc::ETH_P_ALL as u16).to_be();
/// `PACKET_IGNORE_OUTGOING` (Linux 4.20): do not loop our own transmissions back.
const PACKET_IGNORE_OUTGOING: libc::c_int = 23;
/// Largest batch for one `recvmmsg`/`sendmmsg`.
pub const MAX_BATCH: usize = 32;

/// The text of an OS error without Rust's " (os error N)" suffix, as OVS prints it.
pub fn strerror(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// An `ifreq` with `name` filled in, or `ENODEV`-style errors for bad names.
fn ifreq(name: &str) -> io::Result<libc::ifreq> {
    if name.is_empty() || name.len() >= libc::IFNAMSIZ || name.contains(['/', '\0']) {
        return Err(io::Error::from_raw_os_error(libc::ENODEV));
    }
    // SAFETY: ifreq is a plain C struct (a name array and a union of integers and
    // sockaddrs) for which all-zero bytes are a valid value.
    let mut req: libc::ifreq = unsafe { mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(name.bytes()) {
        *dst = src as libc::c_char;
    }
    Ok(req)
}

/// A datagram socket for interface `ioctl`s.
fn ctl_socket() -> io::Result<OwnedFd> {
    // SAFETY: socket(2) takes no pointers; a non-negative return is a new descriptor that
    // nobody else owns, so OwnedFd may take it.
    unsafe {
        let fd = cvt(libc::socket(
            libc::AF_INET,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
            0,
        ))?;
        Ok(OwnedFd::from_raw_fd(fd))
    }
}

/// The kernel's index of interface `name`; `ENODEV` when there is none.
pub fn ifindex(name: &str) -> io::Result<i32> {
    let sock = ctl_socket()?;
    let mut req = ifreq(name)?;
    // SAFETY: SIOCGIFINDEX reads ifr_name and writes ifr_ifindex inside `req`, which is a
    // live, properly sized ifreq for the duration of the call.
    cvt(unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFINDEX, &mut req) })?;
    // SAFETY: after a successful SIOCGIFINDEX the union holds ifr_ifindex.
    Ok(unsafe { req.ifr_ifru.ifru_ifindex })
}

/// Sets `IFF_UP` on interface `name` (OVS brings the netdevs it opens up).
pub fn set_up(name: &str) -> io::Result<()> {
    let sock = ctl_socket()?;
    let mut req = ifreq(name)?;
    // SAFETY: SIOCGIFFLAGS reads ifr_name and writes ifr_flags inside the live `req`.
    cvt(unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) })?;
    // SAFETY: after a successful SIOCGIFFLAGS the union holds ifr_flags.
    let flags = unsafe { req.ifr_ifru.ifru_flags };
    if flags & libc::IFF_UP as libc::c_short != 0 {
        return Ok(());
    }
    req.ifr_ifru.ifru_flags = flags | libc::IFF_UP as libc::c_short;
    // SAFETY: SIOCSIFFLAGS reads ifr_name and ifr_flags from the live `req`.
    cvt(unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req) })?;
    Ok(())
}

/// The hardware address of interface `name`.
pub fn hwaddr(name: &str) -> io::Result<[u8; 6]> {
    let sock = ctl_socket()?;
    let mut req = ifreq(name)?;
    // SAFETY: SIOCGIFHWADDR reads ifr_name and writes ifr_hwaddr inside the live `req`.
    cvt(unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFHWADDR, &mut req) })?;
    // SAFETY: after a successful SIOCGIFHWADDR the union holds ifr_hwaddr.
    let sa = unsafe { req.ifr_ifru.ifru_hwaddr };
    let mut mac = [0u8; 6];
    for (d, s) in mac.iter_mut().zip(sa.sa_data.iter()) {
        *d = *s as u8;
    }
    Ok(mac)
}

/// The VLAN tag the kernel took off a received frame, from its PACKET_AUXDATA control
/// message: (TPID, TCI).
fn aux_vlan(cmsg: &[u64; 8], controllen: usize) -> Option<(u16, u16)> {
    const TP_STATUS_VLAN_VALID: u32 = 1 << 4;
    const TP_STATUS_VLAN_TPID_VALID: u32 = 1 << 6;
    // Called per received packet: read the words through a stack copy, no allocation.
    let mut bytes = [0u8; 64];
    for (b, w) in bytes.chunks_exact_mut(8).zip(cmsg) {
        b.copy_from_slice(&w.to_ne_bytes());
    }
    let hdr = mem::size_of::<libc::cmsghdr>();
    if controllen < hdr + mem::size_of::<libc::tpacket_auxdata>() {
        return None;
    }
    let word = |at: usize| usize::from_ne_bytes(bytes[at..at + 8].try_into().unwrap_or([0; 8]));
    let int = |at: usize| i32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap_or([0; 4]));
    let u32_at = |at: usize| u32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap_or([0; 4]));
    let u16_at = |at: usize| u16::from_ne_bytes(bytes[at..at + 2].try_into().unwrap_or([0; 2]));
    // cmsghdr: cmsg_len (size_t), cmsg_level (int), cmsg_type (int); then the data.
    if word(0) < hdr + mem::size_of::<libc::tpacket_auxdata>()
        || int(8) != libc::SOL_PACKET
        || int(12) != libc::PACKET_AUXDATA
    {
        return None;
    }
    // tpacket_auxdata: status, len, snaplen (u32); mac, net, vlan_tci, vlan_tpid (u16).
    let status = u32_at(hdr);
    let tci = u16_at(hdr + 16);
    let tpid = u16_at(hdr + 18);
    if status & TP_STATUS_VLAN_VALID == 0 && tci == 0 {
        return None;
    }
    let tpid = if status & TP_STATUS_VLAN_TPID_VALID != 0 && tpid != 0 {
        tpid
    } else {
        0x8100
    };
    Some((tpid, tci))
}

/// What one batched receive found.
#[derive(Debug, Default, Clone, Copy)]
pub struct RecvStats {
    /// Packets stored in the buffers, `lens[..packets]`.
    pub packets: usize,
    /// Packets longer than their buffer, dropped.
    pub truncated: usize,
}

/// An `AF_PACKET` raw socket bound to one interface, non-blocking.
#[derive(Debug)]
pub struct PacketSocket {
    fd: OwnedFd,
}

impl PacketSocket {
    /// Opens a raw socket on `ifindex` that sees every frame (promiscuous) except the
    /// ones it sends itself.
    pub fn open(ifindex: i32) -> io::Result<PacketSocket> {
        // SAFETY: socket(2) takes no pointers; a non-negative result is a fresh descriptor.
        let fd = unsafe {
            let fd = cvt(libc::socket(
                libc::AF_PACKET,
                libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                i32::from(ETH_P_ALL_BE),
            ))?;
            OwnedFd::from_raw_fd(fd)
        };
        // SAFETY: sockaddr_ll is a plain C struct; all-zero is valid.
        let mut sll: libc::sockaddr_ll = unsafe { mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = ETH_P_ALL_BE;
        sll.sll_ifindex = ifindex;
        // SAFETY: `sll` is a live sockaddr_ll and the length passed is its exact size.
        cvt(unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&sll as *const libc::sockaddr_ll).cast(),
                mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        })?;
        let one: libc::c_int = 1;
        // SAFETY: the option value points to a live c_int of the length given. Failure
        // (kernels before 4.20) is tolerated: recv() also filters PACKET_OUTGOING.
        unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_PACKET,
                PACKET_IGNORE_OUTGOING,
                (&one as *const libc::c_int).cast(),
                mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
        // SAFETY: the option value points to a live c_int of the length given. Without
        // auxdata (very old kernels) VLAN tags the kernel strips stay lost, as before.
        unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_AUXDATA,
                (&one as *const libc::c_int).cast(),
                mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
        // SAFETY: packet_mreq is a plain C struct; all-zero is valid.
        let mut mreq: libc::packet_mreq = unsafe { mem::zeroed() };
        mreq.mr_ifindex = ifindex;
        mreq.mr_type = libc::PACKET_MR_PROMISC as u16;
        // SAFETY: the option value points to a live packet_mreq of the length given.
        cvt(unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_ADD_MEMBERSHIP,
                (&mreq as *const libc::packet_mreq).cast(),
                mem::size_of::<libc::packet_mreq>() as libc::socklen_t,
            )
        })?;
        Ok(PacketSocket { fd })
    }

    /// Receives up to `bufs.len()` frames (at most [`MAX_BATCH`]) without blocking; frame
    /// `i` lands in `bufs[i][starts[i]..][..lens[i]]`. Each buffer keeps
    /// [`RX_HEADROOM`](crate::netdev::RX_HEADROOM) bytes in front, where the VLAN tag that
    /// the kernel moved into packet metadata (veth and NIC offloads) is put back. Frames
    /// this host sent and truncated frames are skipped.
    pub fn recv(
        &self,
        bufs: &mut [Box<[u8]>],
        lens: &mut [usize],
        starts: &mut [usize],
    ) -> io::Result<RecvStats> {
        const HEAD: usize = crate::netdev::RX_HEADROOM;
        let n = bufs.len().min(lens.len()).min(starts.len()).min(MAX_BATCH);
        // SAFETY: iovec, mmsghdr and sockaddr_ll are plain C structs; all-zero is valid.
        let mut iov: [libc::iovec; MAX_BATCH] = unsafe { mem::zeroed() };
        // SAFETY: as above.
        let mut hdrs: [libc::mmsghdr; MAX_BATCH] = unsafe { mem::zeroed() };
        // SAFETY: as above.
        let mut addrs: [libc::sockaddr_ll; MAX_BATCH] = unsafe { mem::zeroed() };
        // Control buffers for one PACKET_AUXDATA message each, u64-aligned as cmsghdr
        // needs.
        let mut cmsgs = [[0u64; 8]; MAX_BATCH];
        for i in 0..n {
            if bufs[i].len() <= HEAD {
                return Ok(RecvStats::default());
            }
            iov[i].iov_base = bufs[i][HEAD..].as_mut_ptr().cast();
            iov[i].iov_len = bufs[i].len() - HEAD;
            hdrs[i].msg_hdr.msg_iov = &mut iov[i];
            hdrs[i].msg_hdr.msg_iovlen = 1;
            hdrs[i].msg_hdr.msg_name = (&mut addrs[i] as *mut libc::sockaddr_ll).cast();
            hdrs[i].msg_hdr.msg_namelen = mem::size_of::<libc::sockaddr_ll>() as u32;
            hdrs[i].msg_hdr.msg_control = cmsgs[i].as_mut_ptr().cast();
            hdrs[i].msg_hdr.msg_controllen = mem::size_of_val(&cmsgs[i]);
        }
        // SAFETY: the first `n` headers point to live iovecs, which point into the
        // caller's buffers (past the headroom) with their true lengths, to live
        // sockaddr_ll slots and to live, aligned control buffers of the lengths given;
        // all of them outlive the call. MSG_DONTWAIT keeps it from blocking.
        let got = unsafe {
            libc::recvmmsg(
                self.fd.as_raw_fd(),
                hdrs.as_mut_ptr(),
                n as u32,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if got < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(RecvStats::default()),
                _ => Err(e),
            };
        }
        let mut st = RecvStats::default();
        for i in 0..got as usize {
            let len = hdrs[i].msg_len as usize;
            if addrs[i].sll_pkttype == libc::PACKET_OUTGOING {
                continue;
            }
            if hdrs[i].msg_hdr.msg_flags & libc::MSG_TRUNC != 0 || len + HEAD > bufs[i].len() {
                st.truncated += 1;
                continue;
            }
            let vlan = aux_vlan(&cmsgs[i], hdrs[i].msg_hdr.msg_controllen);
            let buf = &mut bufs[i];
            let start = match vlan {
                Some((tpid, tci)) if len >= 12 => {
                    // Put the tag back after the MAC addresses.
                    buf.copy_within(HEAD..HEAD + 12, 0);
                    buf[12..14].copy_from_slice(&tpid.to_be_bytes());
                    buf[14..16].copy_from_slice(&tci.to_be_bytes());
                    lens[i] = len + 4;
                    0
                }
                _ => {
                    lens[i] = len;
                    HEAD
                }
            };
            starts[i] = start;
            // Keep the received frames at the front: swapping moves no bytes.
            bufs.swap(st.packets, i);
            lens.swap(st.packets, i);
            starts.swap(st.packets, i);
            st.packets += 1;
        }
        Ok(st)
    }

    /// Sends frames (at most [`MAX_BATCH`] per call) without blocking; returns how many
    /// the kernel took.
    pub fn send(&self, pkts: &[&[u8]]) -> usize {
        let mut sent = 0;
        while sent < pkts.len() {
            let n = (pkts.len() - sent).min(MAX_BATCH);
            // SAFETY: plain C structs; all-zero is valid.
            let mut iov: [libc::iovec; MAX_BATCH] = unsafe { mem::zeroed() };
            // SAFETY: as above.
            let mut hdrs: [libc::mmsghdr; MAX_BATCH] = unsafe { mem::zeroed() };
            for i in 0..n {
                let p = pkts[sent + i];
                iov[i].iov_base = p.as_ptr() as *mut libc::c_void;
                iov[i].iov_len = p.len();
                hdrs[i].msg_hdr.msg_iov = &mut iov[i];
                hdrs[i].msg_hdr.msg_iovlen = 1;
            }
            // SAFETY: the first `n` headers point to live iovecs that point to the
            // caller's frames with their lengths; the kernel only reads them.
            let r = unsafe {
                libc::sendmmsg(
                    self.fd.as_raw_fd(),
                    hdrs.as_mut_ptr(),
                    n as u32,
                    libc::MSG_DONTWAIT,
                )
            };
            if r <= 0 {
                break;
            }
            sent += r as usize;
            if (r as usize) < n {
                break;
            }
        }
        sent
    }

    /// The descriptor, for `poll(2)` while idle.
    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Another handle on the same socket (for a queue on another thread).
    pub fn try_clone(&self) -> io::Result<PacketSocket> {
        Ok(PacketSocket {
            fd: self.fd.try_clone()?,
        })
    }
}

/// A tap device (`IFF_TAP | IFF_NO_PI`), non-blocking; it lives as long as this value.
#[derive(Debug)]
pub struct Tap {
    fd: OwnedFd,
}

const TUNSETIFF: libc::c_ulong = 0x4004_54ca;

impl Tap {
    /// Creates (or attaches to) tap device `name`.
    pub fn open(name: &str) -> io::Result<Tap> {
        let path: &CStr = c"/dev/net/tun";
        // SAFETY: `path` is a valid NUL-terminated string; a non-negative return is a
        // fresh descriptor that nobody else owns.
        let fd = unsafe {
            let fd = cvt(libc::open(
                path.as_ptr(),
                libc::O_RDWR | libc::O_NONBLOCK | libc::O_CLOEXEC,
            ))?;
            OwnedFd::from_raw_fd(fd)
        };
        let mut req = ifreq(name)?;
        req.ifr_ifru.ifru_flags = (libc::IFF_TAP | libc::IFF_NO_PI) as libc::c_short;
        // SAFETY: TUNSETIFF reads ifr_name and ifr_flags from the live `req` (and may
        // write the chosen name back into it).
        cvt(unsafe { libc::ioctl(fd.as_raw_fd(), TUNSETIFF, &mut req) })?;
        Ok(Tap { fd })
    }

    /// Reads one frame into `buf` without blocking; `Ok(None)` when none is waiting.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        // SAFETY: `buf` is a live, writable slice of `buf.len()` bytes.
        let r = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if r < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(None),
                _ => Err(e),
            };
        }
        Ok(Some(r as usize))
    }

    /// Writes one frame; false if the kernel refused it (device down, queue full).
    pub fn write(&self, frame: &[u8]) -> bool {
        // SAFETY: `frame` is a live slice of `frame.len()` bytes that the kernel only reads.
        let r = unsafe { libc::write(self.fd.as_raw_fd(), frame.as_ptr().cast(), frame.len()) };
        r == frame.len() as isize
    }

    /// The descriptor, for `poll(2)` while idle.
    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Another handle on the same device (for a queue on another thread).
    pub fn try_clone(&self) -> io::Result<Tap> {
        Ok(Tap {
            fd: self.fd.try_clone()?,
        })
    }
}

/// The MTU of interface `name`.
pub fn mtu(name: &str) -> io::Result<u32> {
    let sock = ctl_socket()?;
    let mut req = ifreq(name)?;
    // SAFETY: SIOCGIFMTU reads ifr_name and writes ifr_mtu inside the live `req`.
    cvt(unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFMTU, &mut req) })?;
    // SAFETY: after a successful SIOCGIFMTU the union holds ifr_mtu.
    Ok(unsafe { req.ifr_ifru.ifru_mtu } as u32)
}

/// Whether interface `name` is up and has carrier (`IFF_UP` and `IFF_RUNNING`).
pub fn link_up(name: &str) -> io::Result<bool> {
    let sock = ctl_socket()?;
    let mut req = ifreq(name)?;
    // SAFETY: SIOCGIFFLAGS reads ifr_name and writes ifr_flags inside the live `req`.
    cvt(unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) })?;
    // SAFETY: after a successful SIOCGIFFLAGS the union holds ifr_flags.
    let flags = i32::from(unsafe { req.ifr_ifru.ifru_flags });
    Ok(flags & libc::IFF_UP != 0 && flags & libc::IFF_RUNNING != 0)
}

/// Pins the calling thread to CPU `core`.
pub fn pin_current_thread(core: usize) -> io::Result<()> {
    // SAFETY: cpu_set_t is a plain bit array; all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { mem::zeroed() };
    if core >= 8 * mem::size_of::<libc::cpu_set_t>() {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    // SAFETY: `core` is below the set's capacity (checked above) and `set` is live.
    unsafe { libc::CPU_SET(core, &mut set) };
    // SAFETY: pid 0 is the calling thread; the set pointer and size describe `set`.
    cvt(unsafe { libc::sched_setaffinity(0, mem::size_of::<libc::cpu_set_t>(), &set) })?;
    Ok(())
}

/// The CPUs this process may run on.
pub fn allowed_cpus() -> Vec<usize> {
    // SAFETY: cpu_set_t is a plain bit array; all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { mem::zeroed() };
    // SAFETY: pid 0 is the calling thread; the kernel writes at most `size` bytes of `set`.
    let r = unsafe { libc::sched_getaffinity(0, mem::size_of::<libc::cpu_set_t>(), &mut set) };
    if r != 0 {
        return vec![0];
    }
    (0..8 * mem::size_of::<libc::cpu_set_t>())
        // SAFETY: `i` is below the set's capacity and `set` is live.
        .filter(|&i| unsafe { libc::CPU_ISSET(i, &set) })
        .collect()
}

/// CPU cycles (the time-stamp counter), for PMD cycle accounting: one instruction,
/// where reading the clock is a function call (nanoseconds elsewhere).
#[inline]
pub fn cycles() -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: RDTSC reads the time-stamp counter; it has no preconditions and
        // touches no memory.
        unsafe { core::arch::x86_64::_rdtsc() }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        use std::sync::OnceLock;
        static START: OnceLock<std::time::Instant> = OnceLock::new();
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_nanos() as u64
    }
}

/// Asks the CPU to bring the cache line at `p` closer (a hint: no fault, no effect on
/// what the program computes).
#[inline(always)]
pub fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE is part of the x86_64 baseline, and PREFETCHT0 never faults, whatever
    // the address; it reads nothing the program observes.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Waits until one of `fds` is readable or `timeout_ms` passes.
pub fn poll_readable(fds: &[RawFd], timeout_ms: i32) {
    let mut pfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // SAFETY: `pfds` is a live array of `pfds.len()` pollfd structs; the kernel writes
    // only their `revents` fields.
    unsafe {
        libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, timeout_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_device_is_enodev() {
        let e = ifindex("rvs-nosuchdev").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENODEV));
        assert_eq!(strerror(&e), "No such device");
        assert_eq!(ifindex("").unwrap_err().raw_os_error(), Some(libc::ENODEV));
        assert!(ifindex("lo").unwrap() > 0);
    }
}
