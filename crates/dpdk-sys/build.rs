//! Binds Debian's libdpdk (22.11) found through pkg-config: bindgen for the types and
//! exported functions rvs uses (allowlisted), and a compiled C shim for the static
//! inline ones. pkg-config's cflags carry `-include rte_config.h -march=corei7`; both
//! bindgen and the shim get them.

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=shim.h");
    println!("cargo:rerun-if-changed=shim.c");
    let lib = pkg_config::Config::new()
        .atleast_version("22.11")
        .probe("libdpdk")
        .unwrap_or_else(|e| {
            panic!(
                "libdpdk not found through pkg-config ({e}); install it with \
                 `apt-get install dpdk-dev libdpdk-dev pkg-config` (scripts/deps.sh does), \
                 or build without the `dpdk` feature"
            )
        });
    let cflags = cflags();

    let mut shim = cc::Build::new();
    shim.file("shim.c").opt_level(3).warnings(false);
    for f in &cflags {
        shim.flag(f);
    }
    for p in &lib.include_paths {
        shim.include(p);
    }
    shim.compile("rvs_dpdk_shim");

    let mut b = bindgen::Builder::default()
        .header("shim.h")
        .clang_args(&cflags)
        .clang_args(
            lib.include_paths
                .iter()
                .map(|p| format!("-I{}", p.display())),
        )
        .allowlist_function("rvs_.*")
        .allowlist_function("rte_eal_(init|cleanup|process_type)")
        .allowlist_function("rte_strerror")
        .allowlist_function("rte_thread_(register|unregister)")
        .allowlist_function("rte_socket_id|rte_lcore_count")
        .allowlist_function("rte_dev_(probe|remove)")
        .allowlist_function("rte_pktmbuf_pool_create|rte_mempool_(free|avail_count|in_use_count)")
        .allowlist_function("rte_pktmbuf_free_bulk")
        .allowlist_function(
            "rte_eth_(dev_configure|rx_queue_setup|tx_queue_setup|dev_start|dev_stop|dev_close\
             |dev_info_get|stats_get|stats_reset|xstats_get|xstats_get_names|macaddr_get\
             |link_get_nowait|dev_get_port_by_name|dev_socket_id|dev_set_mtu|dev_get_mtu\
             |promiscuous_enable|dev_is_valid_port|dev_count_avail|dev_get_name_by_port)",
        )
        .allowlist_var("RTE_ETH_LINK_.*|RTE_MAX_ETHPORTS|RTE_ETH_NAME_MAX_LEN|RTE_PKTMBUF_HEADROOM")
        .allowlist_var("RTE_MBUF_DEFAULT_BUF_SIZE|RTE_ETH_XSTATS_NAME_SIZE|SOCKET_ID_ANY")
        .opaque_type("rte_mbuf")
        .opaque_type("rte_mempool")
        .opaque_type("rte_device")
        .derive_default(true)
        .layout_tests(false)
        .generate_comments(false)
        .prepend_enum_name(false);
    for p in &lib.include_paths {
        b = b.clang_arg(format!("-I{}", p.display()));
    }
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    b.generate()
        .expect("bindgen over DPDK's headers")
        .write_to_file(out.join("bindings.rs"))
        .expect("write bindings.rs");
}

/// The cflags other than include paths (`-include rte_config.h`, `-march=...`).
fn cflags() -> Vec<String> {
    let out = std::process::Command::new("pkg-config")
        .args(["--cflags-only-other", "libdpdk"])
        .output()
        .expect("run pkg-config");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut flags = Vec::new();
    let mut it = text.split_whitespace();
    while let Some(f) = it.next() {
        if f == "-include" {
            if let Some(h) = it.next() {
                flags.push("-include".to_string());
                flags.push(h.to_string());
            }
        } else {
            flags.push(f.to_string());
        }
    }
    flags
}
