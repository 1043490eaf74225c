//! DPDK in the daemon: EAL start-up from `Open_vSwitch:other_config` (once per
//! process, as in OVS), the `dpdk`, `dpdkvhostuser` and `dpdkvhostuserclient` interface
//! types, and the `dpdk_initialized`/`dpdk_version` columns. Without the `dpdk` feature
//! those types fail to open with OVS's "not supported" error and nothing else changes.
//!
//! Runs on the control thread.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rvs_datapath::{Netdev, NetdevError};

/// Interface types handled here.
pub const KINDS: &[&str] = &["dpdk", "dpdkvhostuser", "dpdkvhostuserclient"];

/// The interface types this build can open through DPDK (for `iface_types`).
pub fn iface_types() -> &'static [&'static str] {
    if cfg!(feature = "dpdk") {
        KINDS
    } else {
        &[]
    }
}

/// What the daemon knows about DPDK.
#[derive(Debug)]
#[cfg_attr(not(feature = "dpdk"), allow(dead_code))]
pub struct Dpdk {
    rundir: PathBuf,
    /// `None` until the first configuration is seen; then whether EAL is up.
    pub(crate) initialized: Option<bool>,
    /// `vhost-sock-dir`, resolved against the run directory.
    sock_dir: PathBuf,
}

impl Dpdk {
    /// Nothing initialised yet; vhost-user sockets default to `rundir`.
    pub fn new(rundir: &Path) -> Dpdk {
        Dpdk {
            rundir: rundir.to_path_buf(),
            initialized: None,
            sock_dir: rundir.to_path_buf(),
        }
    }

    /// Starts the EAL if `other_config` asks for it and it has not been tried yet.
    /// `get` reads `Open_vSwitch:other_config`.
    pub fn configure<'a>(&mut self, get: impl Fn(&str) -> Option<&'a str>) {
        #[cfg(feature = "dpdk")]
        {
            use rvs_datapath::dpdk::{self, EalOptions, EalState};
            let opts = EalOptions::from_other_config(get);
            if let Some(d) = &opts.vhost_sock_dir {
                // OVS: a path relative to the run directory.
                self.sock_dir = self.rundir.join(d);
            }
            let up = match dpdk::init(&opts) {
                EalState::Up => true,
                EalState::Off => false,
                EalState::Failed(e) => {
                    log::error!("DPDK could not be initialized ({e}); DPDK ports will not work");
                    false
                }
            };
            self.initialized = Some(up);
        }
        #[cfg(not(feature = "dpdk"))]
        {
            if get("dpdk-init").is_some_and(|v| v == "true" || v == "try") {
                log::error!("dpdk-init is set, but this rvs-vswitchd was built without DPDK");
            }
            self.initialized = Some(false);
        }
    }

    /// `Open_vSwitch:dpdk_initialized`.
    pub fn initialized(&self) -> bool {
        self.initialized == Some(true)
    }

    /// `Open_vSwitch:dpdk_version`, when DPDK is built in.
    pub fn version(&self) -> Option<String> {
        #[cfg(feature = "dpdk")]
        {
            Some(rvs_datapath::dpdk::version())
        }
        #[cfg(not(feature = "dpdk"))]
        {
            None
        }
    }

    /// Opens a DPDK-typed interface with its `options` and `mtu_request`.
    pub fn open(
        &self,
        name: &str,
        kind: &str,
        options: &BTreeMap<String, String>,
        mtu_request: Option<i64>,
    ) -> Result<Arc<dyn Netdev>, NetdevError> {
        #[cfg(feature = "dpdk")]
        {
            use rvs_datapath::dpdk::{DpdkNetdev, EthConfig, VhostMode};
            let cfg = eth_config(name, options, mtu_request)?;
            let opt = |k: &str| options.get(k).map(String::as_str);
            let dev = match kind {
                "dpdk" => DpdkNetdev::open_ethdev(name, opt("dpdk-devargs"), &cfg)?,
                "dpdkvhostuser" => {
                    DpdkNetdev::open_vhost(name, VhostMode::Server, &self.sock_dir, None, &cfg)?
                }
                _ => DpdkNetdev::open_vhost(
                    name,
                    VhostMode::Client,
                    &self.sock_dir,
                    opt("vhost-server-path"),
                    &cfg,
                )?,
            };
            let _: &EthConfig = &cfg;
            Ok(Arc::new(dev))
        }
        #[cfg(not(feature = "dpdk"))]
        {
            let _ = (options, mtu_request);
            Err(NetdevError::UnsupportedType {
                name: name.into(),
                kind: kind.into(),
            })
        }
    }
}

/// Device settings from `Interface:options` and `mtu_request`, checked as OVS checks
/// them.
#[cfg(feature = "dpdk")]
fn eth_config(
    name: &str,
    options: &BTreeMap<String, String>,
    mtu_request: Option<i64>,
) -> Result<rvs_datapath::dpdk::EthConfig, NetdevError> {
    let mut cfg = rvs_datapath::dpdk::EthConfig::default();
    let num = |k: &str, min: u32, max: u32| -> Result<Option<u32>, NetdevError> {
        match options.get(k) {
            None => Ok(None),
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .map(Some)
                .ok_or_else(|| {
                    NetdevError::Config(format!(
                        "{name}: invalid {k} \"{v}\" (expected {min}..{max})"
                    ))
                }),
        }
    };
    if let Some(n) = num("n_rxq", 1, 1024)? {
        cfg.n_rxq = n as u16;
    }
    if let Some(n) = num("n_txq", 1, 1024)? {
        cfg.n_txq = n as u16;
    }
    if let Some(n) = num("n_rxq_desc", 1, 4096)? {
        // OVS rounds to a power of two.
        cfg.n_rxq_desc = n.next_power_of_two().min(4096) as u16;
    }
    if let Some(n) = num("n_txq_desc", 1, 4096)? {
        cfg.n_txq_desc = n.next_power_of_two().min(4096) as u16;
    }
    if let Some(n) = num("tx-retries-max", 0, 32)? {
        cfg.tx_retries = n;
    }
    if let Some(m) = mtu_request {
        if !(68..=9710).contains(&m) {
            return Err(NetdevError::Config(format!("{name}: unsupported MTU {m}")));
        }
        cfg.mtu = m as u32;
    }
    Ok(cfg)
}

#[cfg(all(test, feature = "dpdk"))]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked() {
        let o = |kv: &[(&str, &str)]| {
            kv.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>()
        };
        let c = eth_config(
            "p",
            &o(&[("n_rxq", "2"), ("n_rxq_desc", "1000")]),
            Some(9000),
        )
        .unwrap();
        assert_eq!((c.n_rxq, c.n_rxq_desc, c.mtu), (2, 1024, 9000));
        assert!(eth_config("p", &o(&[("n_rxq", "0")]), None).is_err());
        assert!(eth_config("p", &o(&[("n_txq", "x")]), None).is_err());
        assert!(eth_config("p", &o(&[]), Some(20)).is_err());
    }

    #[test]
    fn dpdk_types_without_eal_fail_like_ovs() {
        let d = Dpdk::new(Path::new("/nonexistent"));
        let e = d
            .open("dpdk0", "dpdk", &BTreeMap::new(), None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "could not open network device dpdk0 (Address family not supported by protocol)"
        );
    }
}
