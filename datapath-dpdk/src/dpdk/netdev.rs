//! The DPDK netdev providers: `dpdk` (an ethdev from `options:dpdk-devargs`) and the
//! vhost-user types, which are ethdevs of DPDK's vhost driver (`net_vhost`, built on
//! `rte_vhost`: its enqueue/dequeue bursts run in the PMD threads, and it follows the
//! guest's new/destroy-device and vring-state events).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ethdev::{EthConfig, EthDev};
use crate::netdev::{DeviceStats, LinkInfo, Netdev, NetdevError, RxQueue, TxQueue};

/// Which end of a vhost-user socket rvs is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VhostMode {
    /// `dpdkvhostuser`: rvs creates the socket, the guest connects.
    Server,
    /// `dpdkvhostuserclient`: the guest (QEMU) serves, rvs connects and reconnects.
    Client,
}

/// A DPDK-backed port.
#[derive(Debug)]
pub struct DpdkNetdev {
    name: String,
    kind: &'static str,
    dev: Arc<EthDev>,
    mtu: u32,
    extra_status: Vec<(String, String)>,
}

impl DpdkNetdev {
    /// `type=dpdk` with `options:dpdk-devargs`.
    pub fn open_ethdev(
        name: &str,
        devargs: Option<&str>,
        cfg: &EthConfig,
    ) -> Result<DpdkNetdev, NetdevError> {
        check_eal(name, "dpdk")?;
        let Some(devargs) = devargs.map(str::trim).filter(|d| !d.is_empty()) else {
            return Err(NetdevError::Config(format!(
                "{name}: Device requires dpdk-devargs option"
            )));
        };
        let dev = EthDev::open(devargs, cfg).map_err(|e| {
            log::error!("{name}: {e}");
            NetdevError::Config(format!("Error attaching device '{devargs}' to DPDK"))
        })?;
        Ok(DpdkNetdev {
            name: name.into(),
            kind: "dpdk",
            dev: Arc::new(dev),
            mtu: cfg.mtu,
            extra_status: Vec::new(),
        })
    }

    /// `type=dpdkvhostuser` (server: the socket is `sock_dir/NAME`) or
    /// `type=dpdkvhostuserclient` (client of `options:vhost-server-path`).
    pub fn open_vhost(
        name: &str,
        mode: VhostMode,
        sock_dir: &Path,
        server_path: Option<&str>,
        cfg: &EthConfig,
    ) -> Result<DpdkNetdev, NetdevError> {
        let kind = match mode {
            VhostMode::Server => "dpdkvhostuser",
            VhostMode::Client => "dpdkvhostuserclient",
        };
        check_eal(name, kind)?;
        let path: PathBuf = match mode {
            VhostMode::Server => {
                if name.contains('/') {
                    return Err(NetdevError::Config(format!(
                        "{name}: vhost-user port names must not contain '/'"
                    )));
                }
                let p = sock_dir.join(name);
                remove_stale_socket(&p);
                p
            }
            VhostMode::Client => match server_path.map(str::trim).filter(|p| !p.is_empty()) {
                Some(p) => PathBuf::from(p),
                None => {
                    return Err(NetdevError::Config(format!(
                        "{name}: vhost-server-path option is required for dpdkvhostuserclient"
                    )))
                }
            },
        };
        let path_s = path.to_string_lossy().into_owned();
        if path_s.contains(',') {
            return Err(NetdevError::Config(format!(
                "{name}: vhost socket path {path_s} must not contain ','"
            )));
        }
        let queues = cfg.n_rxq.max(1);
        let client = u8::from(mode == VhostMode::Client);
        let devargs = format!("net_vhost_{name},iface={path_s},queues={queues},client={client}");
        let vcfg = EthConfig {
            n_txq: queues,
            ..cfg.clone()
        };
        let dev = EthDev::open(&devargs, &vcfg).map_err(|e| {
            log::error!("{name}: {e}");
            NetdevError::Config(format!("could not open vhost-user socket {path_s} ({e})"))
        })?;
        log::info!(
            "{name}: vhost-user {} socket {path_s}",
            if client == 1 { "client" } else { "server" }
        );
        Ok(DpdkNetdev {
            name: name.into(),
            kind,
            dev: Arc::new(dev),
            mtu: cfg.mtu,
            extra_status: vec![
                (
                    "mode".into(),
                    if client == 1 { "client" } else { "server" }.into(),
                ),
                ("socket".into(), path_s),
            ],
        })
    }

    /// The underlying ethdev.
    pub fn ethdev(&self) -> &Arc<EthDev> {
        &self.dev
    }
}

fn check_eal(name: &str, kind: &str) -> Result<(), NetdevError> {
    if super::eal::initialized() {
        return Ok(());
    }
    // What OVS says when its DPDK classes are not registered (dpdk-init is off).
    Err(NetdevError::UnsupportedType {
        name: name.into(),
        kind: kind.into(),
    })
}

/// A server socket left by a previous run would make the bind fail.
fn remove_stale_socket(p: &Path) {
    use std::os::unix::fs::FileTypeExt;
    if let Ok(m) = std::fs::symlink_metadata(p) {
        if m.file_type().is_socket() {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Netdev for DpdkNetdev {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        self.kind
    }

    fn n_rxq(&self) -> usize {
        usize::from(self.dev.n_rxq())
    }

    fn open_rxq(&self, q: usize) -> Result<Box<dyn RxQueue>, NetdevError> {
        let q = u16::try_from(q)
            .ok()
            .filter(|&q| q < self.dev.n_rxq())
            .ok_or_else(|| NetdevError::Config(format!("{}: no receive queue {q}", self.name)))?;
        Ok(Box::new(self.dev.rx_queue(q)))
    }

    fn open_txq(&self) -> Result<Box<dyn TxQueue>, NetdevError> {
        Ok(Box::new(self.dev.tx_queue()))
    }

    fn link(&self) -> LinkInfo {
        let (up, _speed) = self.dev.link();
        LinkInfo {
            mac: self.dev.mac(),
            mtu: Some(self.mtu),
            up,
        }
    }

    fn stats(&self) -> Option<DeviceStats> {
        self.dev.stats()
    }

    fn status(&self) -> Vec<(String, String)> {
        let mut s = self.dev.status();
        s.extend(self.extra_status.iter().cloned());
        s
    }
}
