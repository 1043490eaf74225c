//! DPDK ethernet devices: probed from devargs (hot-plug), configured, started, polled
//! by PMD threads through [`EthRxq`] and [`EthTxq`], and closed and removed when the
//! last user lets go.

use std::ffi::{CStr, CString};
use std::sync::{Arc, Mutex};

use rvs_dpdk_sys as sys;

use super::eal::strerror;
use super::mbuf::{free_raw, Mempool};
use crate::netdev::{DeviceStats, RxBatch, RxQueue, RxStatus, TxQueue, BATCH_SIZE};

/// How a device is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EthConfig {
    /// Receive queues.
    pub n_rxq: u16,
    /// Transmit queues wanted (capped by the device).
    pub n_txq: u16,
    /// Receive descriptors per queue.
    pub n_rxq_desc: u16,
    /// Transmit descriptors per queue.
    pub n_txq_desc: u16,
    /// MTU.
    pub mtu: u32,
    /// Transmit retries when a burst is only partly taken (`tx-retries-max`).
    pub tx_retries: u32,
}

impl Default for EthConfig {
    fn default() -> Self {
        EthConfig {
            n_rxq: 1,
            n_txq: 8,
            n_rxq_desc: 2048,
            n_txq_desc: 2048,
            mtu: 1500,
            tx_retries: 8,
        }
    }
}

/// Bytes a frame may add to the MTU: Ethernet header, two VLAN tags and the FCS.
const FRAME_OVERHEAD: u32 = 14 + 8 + 4;

/// A started device.
#[derive(Debug)]
pub struct EthDev {
    port: u16,
    /// The ethdev name (`net_pcap0`, a PCI address, ...).
    name: String,
    driver: String,
    socket: i32,
    n_rxq: u16,
    n_txq: u16,
    pool: Arc<Mempool>,
    /// One lock per transmit queue, used only when more PMDs than queues share it.
    tx_locks: Vec<Arc<Mutex<()>>>,
    tx_next: Mutex<usize>,
    tx_retries: u32,
    info: Vec<(String, String)>,
}

fn cstring(s: &str) -> Result<CString, String> {
    CString::new(s).map_err(|_| format!("invalid string {s:?}"))
}

impl EthDev {
    /// Probes `devargs` (`net_pcap0,rx_pcap=F`, `0000:3b:00.0`, ...) unless a device of
    /// that name exists, then configures and starts it.
    pub fn open(devargs: &str, cfg: &EthConfig) -> Result<EthDev, String> {
        if !super::eal::initialized() {
            return Err("DPDK is not initialized (other_config:dpdk-init)".into());
        }
        let name = devargs.split(',').next().unwrap_or("").trim().to_string();
        if name.is_empty() {
            return Err("empty dpdk-devargs".into());
        }
        let cname = cstring(&name)?;
        let port = match port_by_name(&cname) {
            Some(p) => p,
            None => {
                let cargs = cstring(devargs)?;
                // SAFETY: EAL is initialised; devargs is a valid C string; probing runs
                // on the control thread only.
                let rc = unsafe { sys::rte_dev_probe(cargs.as_ptr()) };
                if rc < 0 {
                    return Err(format!(
                        "error attaching device '{devargs}': {}",
                        strerror(rc)
                    ));
                }
                port_by_name(&cname).ok_or_else(|| {
                    format!("device '{devargs}' was attached but has no ethdev named {name}")
                })?
            }
        };
        match Self::configure(port, &name, cfg) {
            Ok(d) => Ok(d),
            Err(e) => {
                close_and_remove(port);
                Err(e)
            }
        }
    }

    fn configure(port: u16, name: &str, cfg: &EthConfig) -> Result<EthDev, String> {
        let mut info = sys::rte_eth_dev_info::default();
        // SAFETY: port is a valid ethdev id; info is a live, writable struct.
        let rc = unsafe { sys::rte_eth_dev_info_get(port, &mut info) };
        if rc < 0 {
            return Err(format!("rte_eth_dev_info_get: {}", strerror(rc)));
        }
        let driver = if info.driver_name.is_null() {
            String::new()
        } else {
            // SAFETY: driver_name is a static NUL-terminated string (not null here).
            unsafe { CStr::from_ptr(info.driver_name) }
                .to_string_lossy()
                .into_owned()
        };
        if cfg.n_rxq > info.max_rx_queues {
            return Err(format!(
                "{} receive queues requested, the device has at most {}",
                cfg.n_rxq, info.max_rx_queues
            ));
        }
        let n_rxq = cfg.n_rxq.max(1);
        let n_txq = cfg.n_txq.clamp(1, info.max_tx_queues.max(1));
        // SAFETY: port is valid; a negative answer means "any socket".
        let socket = unsafe { sys::rte_eth_dev_socket_id(port) }.max(0);
        let max_frame = cfg.mtu + FRAME_OVERHEAD;
        let want = u32::from(n_rxq) * u32::from(cfg.n_rxq_desc)
            + u32::from(n_txq) * u32::from(cfg.n_txq_desc)
            + 8192;
        let pool = Mempool::shared(max_frame, socket, want)?;

        let mut conf = sys::rte_eth_conf::default();
        conf.rxmode.mtu = cfg.mtu;
        if n_rxq > 1 && info.flow_type_rss_offloads != 0 {
            conf.rxmode.mq_mode = sys::RTE_ETH_MQ_RX_RSS;
            conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads;
        }
        // SAFETY: port is valid and stopped (new or just probed); conf is live.
        let rc = unsafe { sys::rte_eth_dev_configure(port, n_rxq, n_txq, &conf) };
        if rc < 0 {
            return Err(format!(
                "could not configure {n_rxq} rx and {n_txq} tx queues with MTU {}: {}",
                cfg.mtu,
                strerror(rc)
            ));
        }
        let clamp_desc = |n: u16, lim: &sys::rte_eth_desc_lim| {
            let max = if lim.nb_max == 0 { n } else { lim.nb_max };
            n.clamp(lim.nb_min.max(1), max.max(1))
        };
        let rx_desc = clamp_desc(cfg.n_rxq_desc, &info.rx_desc_lim);
        let tx_desc = clamp_desc(cfg.n_txq_desc, &info.tx_desc_lim);
        for q in 0..n_rxq {
            // SAFETY: configured port; a null rxconf means the driver's default; the
            // pool outlives the device (pools are never freed).
            let rc = unsafe {
                sys::rte_eth_rx_queue_setup(
                    port,
                    q,
                    rx_desc,
                    socket as u32,
                    std::ptr::null(),
                    pool.as_ptr(),
                )
            };
            if rc < 0 {
                return Err(format!("rx queue {q} setup: {}", strerror(rc)));
            }
        }
        for q in 0..n_txq {
            // SAFETY: configured port; a null txconf means the driver's default.
            let rc = unsafe {
                sys::rte_eth_tx_queue_setup(port, q, tx_desc, socket as u32, std::ptr::null())
            };
            if rc < 0 {
                return Err(format!("tx queue {q} setup: {}", strerror(rc)));
            }
        }
        // SAFETY: configured port with every queue set up.
        let rc = unsafe { sys::rte_eth_dev_start(port) };
        if rc < 0 {
            return Err(format!("could not start device: {}", strerror(rc)));
        }
        // SAFETY: started port. Promiscuous mode is best effort (virtual devices may
        // not support it), as in OVS.
        let _ = unsafe { sys::rte_eth_promiscuous_enable(port) };
        let status = vec![
            ("port_no".to_string(), port.to_string()),
            ("numa_id".into(), socket.to_string()),
            ("driver_name".into(), driver.clone()),
            ("min_rx_bufsize".into(), info.min_rx_bufsize.to_string()),
            ("max_rx_pktlen".into(), info.max_rx_pktlen.to_string()),
            ("max_rx_queues".into(), info.max_rx_queues.to_string()),
            ("max_tx_queues".into(), info.max_tx_queues.to_string()),
            ("n_rxq".into(), n_rxq.to_string()),
            ("n_txq".into(), n_txq.to_string()),
            ("rx_desc".into(), rx_desc.to_string()),
            ("tx_desc".into(), tx_desc.to_string()),
            ("mempool".into(), pool.name().to_string()),
        ];
        log::info!(
            "{name}: DPDK port {port} ({driver}) started, {n_rxq} rxq, {n_txq} txq, MTU {}",
            cfg.mtu
        );
        Ok(EthDev {
            port,
            name: name.to_string(),
            driver,
            socket,
            n_rxq,
            n_txq,
            pool,
            tx_locks: (0..n_txq).map(|_| Arc::new(Mutex::new(()))).collect(),
            tx_next: Mutex::new(0),
            tx_retries: cfg.tx_retries,
            info: status,
        })
    }

    /// The ethdev port id.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The ethdev name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The driver (`net_null`, `net_pcap`, `net_vhost`, ...).
    pub fn driver(&self) -> &str {
        &self.driver
    }

    /// Receive queues.
    pub fn n_rxq(&self) -> u16 {
        self.n_rxq
    }

    /// Transmit queues.
    pub fn n_txq(&self) -> u16 {
        self.n_txq
    }

    /// NUMA socket.
    pub fn socket(&self) -> i32 {
        self.socket
    }

    /// Key/value pairs for `Interface.status`.
    pub fn status(&self) -> Vec<(String, String)> {
        self.info.clone()
    }

    /// MAC address.
    pub fn mac(&self) -> Option<[u8; 6]> {
        let mut a = sys::rte_ether_addr::default();
        // SAFETY: valid port; a is writable.
        let rc = unsafe { sys::rte_eth_macaddr_get(self.port, &mut a) };
        (rc == 0).then_some(a.addr_bytes)
    }

    /// (link up, speed in Mb/s) without waiting.
    pub fn link(&self) -> (bool, u32) {
        let mut l = sys::rte_eth_link::default();
        // SAFETY: valid port; l is writable.
        let rc = unsafe { sys::rte_eth_link_get_nowait(self.port, &mut l) };
        if rc < 0 {
            return (false, 0);
        }
        (
            u32::from(l.link_status()) == sys::RTE_ETH_LINK_UP,
            l.link_speed,
        )
    }

    /// Device counters, basic and extended.
    pub fn stats(&self) -> Option<DeviceStats> {
        let mut s = sys::rte_eth_stats::default();
        // SAFETY: valid port; s is writable.
        if unsafe { sys::rte_eth_stats_get(self.port, &mut s) } < 0 {
            return None;
        }
        Some(DeviceStats {
            rx_packets: s.ipackets,
            rx_bytes: s.ibytes,
            rx_dropped: s.imissed + s.rx_nombuf,
            rx_errors: s.ierrors,
            tx_packets: s.opackets,
            tx_bytes: s.obytes,
            tx_dropped: 0,
            tx_errors: s.oerrors,
            extended: self.xstats(),
        })
    }

    fn xstats(&self) -> Vec<(String, u64)> {
        // SAFETY: a null array with size 0 asks for the count.
        let n = unsafe { sys::rte_eth_xstats_get_names(self.port, std::ptr::null_mut(), 0) };
        if n <= 0 {
            return Vec::new();
        }
        let n = n as usize;
        let mut names = vec![sys::rte_eth_xstat_name::default(); n];
        let mut vals = vec![sys::rte_eth_xstat::default(); n];
        // SAFETY: both arrays have room for n entries.
        let (a, b) = unsafe {
            (
                sys::rte_eth_xstats_get_names(self.port, names.as_mut_ptr(), n as u32),
                sys::rte_eth_xstats_get(self.port, vals.as_mut_ptr(), n as u32),
            )
        };
        if a < 0 || b < 0 {
            return Vec::new();
        }
        let m = (a.min(b) as usize).min(n);
        vals[..m]
            .iter()
            .filter_map(|v| {
                let name = names.get(v.id as usize)?;
                // SAFETY: the name is NUL-terminated within its fixed array (DPDK
                // writes it with snprintf).
                let s = unsafe { CStr::from_ptr(name.name.as_ptr()) };
                Some((s.to_string_lossy().into_owned(), v.value))
            })
            .collect()
    }

    /// A transmit queue for one more PMD: its own while queues last, then shared under
    /// a lock.
    pub fn tx_queue(self: &Arc<Self>) -> EthTxq {
        let mut next = self.tx_next.lock().unwrap_or_else(|e| e.into_inner());
        let i = *next;
        *next += 1;
        let q = i % usize::from(self.n_txq);
        EthTxq {
            dev: self.clone(),
            queue: q as u16,
            lock: (i >= usize::from(self.n_txq)).then(|| self.tx_locks[q].clone()),
            registered: false,
        }
    }

    /// Receive queue `q`.
    pub fn rx_queue(self: &Arc<Self>, q: u16) -> EthRxq {
        EthRxq {
            dev: self.clone(),
            queue: q,
            registered: false,
        }
    }
}

fn port_by_name(name: &CStr) -> Option<u16> {
    let mut port = 0u16;
    // SAFETY: name is a valid C string; port is writable.
    let rc = unsafe { sys::rte_eth_dev_get_port_by_name(name.as_ptr(), &mut port) };
    (rc == 0).then_some(port)
}

/// Stops, closes and detaches a device.
fn close_and_remove(port: u16) {
    let mut info = sys::rte_eth_dev_info::default();
    // SAFETY: port is a valid id; info is writable.
    let have_info = unsafe { sys::rte_eth_dev_info_get(port, &mut info) } == 0;
    // SAFETY: no PMD polls the port any more (every queue holds an Arc to the device,
    // and this runs when the last one is gone); stop and close are the documented
    // teardown order; rte_dev_remove takes the device pointer dev_info returned before
    // close.
    unsafe {
        let _ = sys::rte_eth_dev_stop(port);
        let _ = sys::rte_eth_dev_close(port);
        if have_info && !info.device.is_null() {
            let rc = sys::rte_dev_remove(info.device);
            if rc < 0 {
                log::warn!(
                    "DPDK port {port}: could not detach the device: {}",
                    strerror(rc)
                );
            }
        }
    }
}

impl Drop for EthDev {
    fn drop(&mut self) {
        log::info!("{}: closing DPDK port {}", self.name, self.port);
        close_and_remove(self.port);
    }
}

/// One receive queue of a started device.
#[derive(Debug)]
pub struct EthRxq {
    dev: Arc<EthDev>,
    queue: u16,
    /// Whether the polling thread is registered with EAL.
    registered: bool,
}

impl RxQueue for EthRxq {
    fn recv(&mut self, batch: &mut RxBatch) -> RxStatus {
        if !self.registered {
            // Once per queue, on the thread that polls it (queues are opened anew for
            // each PMD): no thread-local lookup per burst.
            super::eal::register_thread();
            self.registered = true;
        }
        let (port, queue) = (self.dev.port, self.queue);
        let dropped = batch.fill_mbufs(|m| m.rx_burst(port, queue));
        RxStatus { dropped }
    }

    fn wait_fd(&self) -> Option<std::os::fd::RawFd> {
        None
    }
}

/// One transmit queue, owned by one PMD (locked when shared).
#[derive(Debug)]
pub struct EthTxq {
    dev: Arc<EthDev>,
    queue: u16,
    lock: Option<Arc<Mutex<()>>>,
    /// Whether the sending thread is registered with EAL.
    registered: bool,
}

impl EthTxq {
    /// Sends `pkts` (owned mbufs), retrying partial bursts; frees what the device did
    /// not take; returns how many it took.
    fn burst(&mut self, pkts: &mut [*mut sys::rte_mbuf]) -> usize {
        let _g = self
            .lock
            .as_ref()
            .map(|l| l.lock().unwrap_or_else(|e| e.into_inner()));
        let mut sent = 0usize;
        let mut retries = 0;
        while sent < pkts.len() {
            let rest = &mut pkts[sent..];
            // SAFETY: the device is started and alive (self.dev); this queue is used
            // by one thread at a time (owned, or under its lock); the mbufs are ours
            // and the device takes those it reports.
            let n = unsafe {
                sys::rvs_eth_tx_burst(
                    self.dev.port,
                    self.queue,
                    rest.as_mut_ptr(),
                    rest.len() as u16,
                )
            };
            sent += usize::from(n);
            if n == 0 {
                if retries >= self.dev.tx_retries {
                    break;
                }
                retries += 1;
            }
        }
        free_raw(&pkts[sent..]);
        sent
    }
}

impl TxQueue for EthTxq {
    fn send(&mut self, frames: &[&[u8]]) -> usize {
        if !self.registered {
            // Once per queue, on the thread that polls it (queues are opened anew for
            // each PMD): no thread-local lookup per burst.
            super::eal::register_thread();
            self.registered = true;
        }
        let mut sent = 0;
        for chunk in frames.chunks(BATCH_SIZE) {
            let mut pkts = [std::ptr::null_mut(); BATCH_SIZE];
            let mut n = 0;
            for f in chunk {
                // A frame that does not fit, or an empty pool, is not sent.
                if let Some(m) = self.dev.pool.copy_in(f) {
                    pkts[n] = m.into_raw();
                    n += 1;
                }
            }
            sent += self.burst(&mut pkts[..n]);
        }
        sent
    }

    fn send_batch(&mut self, batch: &mut RxBatch, idx: &[u16]) -> usize {
        let Some(mbufs) = batch.mbufs_mut() else {
            // Frames from a kernel or memory device: copied into mbufs.
            let mut sent = 0;
            for chunk in idx.chunks(BATCH_SIZE) {
                let mut frames: [&[u8]; BATCH_SIZE] = [&[]; BATCH_SIZE];
                for (f, &i) in frames.iter_mut().zip(chunk) {
                    *f = batch.frame(usize::from(i));
                }
                sent += self.send(&frames[..chunk.len()]);
            }
            return sent;
        };
        if !self.registered {
            // Once per queue, on the thread that polls it (queues are opened anew for
            // each PMD): no thread-local lookup per burst.
            super::eal::register_thread();
            self.registered = true;
        }
        let mut sent = 0;
        for chunk in idx.chunks(BATCH_SIZE) {
            let mut pkts = [std::ptr::null_mut(); BATCH_SIZE];
            for (p, &i) in pkts.iter_mut().zip(chunk) {
                *p = mbufs.take(usize::from(i));
            }
            sent += self.burst(&mut pkts[..chunk.len()]);
        }
        sent
    }
}
