//! rvs-vswitchd: the daemon.
//!
//! It owns the OVSDB session (following `Open_vSwitch`, `Bridge`, `Port` and
//! `Interface`), the reconciler that turns that configuration into ofproto bridges and
//! datapath ports ([`reconcile`]), the status written back ([`status`], with
//! [`kernel_if`] for kernel interfaces), the `ovs-appctl` commands ([`appctl`],
//! [`coverage`]), and the process concerns: options ([`args`]), logging through
//! `tracing` in OVS's format ([`vlog`]), the pidfile, `--detach`, `--mlockall` and
//! readiness for `--detach` and systemd ([`daemon`]).
//!
//! Threads: with `--detach`, the process started by the user only re-executes itself
//! and waits for readiness, so the daemon starts with no threads. The main thread runs
//! a single-threaded tokio runtime that owns the session, the replica, the
//! [`reconcile::Switch`], the control socket and the commands' state; commands run on
//! it between database events. The datapath's PMD threads forward packets and call
//! back into ofproto (through [`upcall::OfprotoUpcall`]) on misses; any thread logs.
#![forbid(unsafe_code)]

pub mod appctl;
pub mod args;
pub mod compose;
pub mod connmgr;
pub mod coverage;
pub mod ctlstatus;
pub mod daemon;
pub mod dpdk;
pub mod kernel_if;
mod nxcookie;
pub mod odp_format;
pub mod ofconfig;
pub mod ofconn;
pub mod ofreply;
pub mod reconcile;
pub mod status;
pub mod upcall;
pub mod vlog;

use std::path::Path;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rvs_datapath::Datapath;
use rvs_ofproto::Registry;
use rvs_ovsdb_client::{Client, ClientEvent, Event, Session};

use crate::args::Args;
use crate::reconcile::Switch;

/// The tables and columns rvs follows; checked against the server's schema.
pub const MONITORED: &[(&str, &[&str])] = &[
    (
        "Open_vSwitch",
        &[
            "bridges",
            "next_cfg",
            "cur_cfg",
            "other_config",
            "ovs_version",
            "db_version",
            "datapath_types",
            "iface_types",
            "dpdk_initialized",
            "dpdk_version",
            "system_type",
            "system_version",
        ],
    ),
    (
        "Bridge",
        &[
            "name",
            "ports",
            "datapath_id",
            "datapath_type",
            "fail_mode",
            "other_config",
            "controller",
            "protocols",
        ],
    ),
    (
        "Port",
        &["name", "interfaces", "tag", "trunks", "vlan_mode"],
    ),
    ("Controller", &["target", "is_connected", "role", "status"]),
    (
        "Interface",
        &[
            "name",
            "type",
            "options",
            "other_config",
            "ofport",
            "ofport_request",
            "error",
            "statistics",
            "link_state",
            "mac_in_use",
            "mtu",
            "mtu_request",
            "status",
            "link_speed",
            "duplex",
        ],
    ),
];

/// OVS's default `other_config:stats-update-interval` (and its minimum), in ms.
pub const DEFAULT_STATS_INTERVAL_MS: u64 = 5000;

/// `other_config:stats-update-interval`, at least 5000 ms as in OVS.
fn stats_update_interval(r: &rvs_ovsdb_client::Replica) -> Duration {
    let ms = r
        .rows("Open_vSwitch")
        .next()
        .and_then(|o| o.map_get("other_config", "stats-update-interval"))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(DEFAULT_STATS_INTERVAL_MS)
        .max(DEFAULT_STATS_INTERVAL_MS);
    Duration::from_millis(ms)
}

/// The database lock that keeps two switch daemons off one database, named as OVS
/// names it, so that rvs and ovs-vswitchd exclude each other too.
pub const LOCK_NAME: &str = "ovs_vswitchd";

/// Runs the daemon until SIGTERM, SIGINT or `exit`. With `--detach` the process that
/// calls this only starts the daemon and returns once it is ready (see [`daemon`]).
pub fn run(mut args: Args) -> anyhow::Result<()> {
    if args.detach && !daemon::is_detached_child() {
        return daemon::detach_and_wait();
    }
    if args.detach {
        for p in [
            &mut args.pidfile,
            &mut args.log_file,
            &mut args.unixctl,
            &mut args.embedded_db,
        ]
        .into_iter()
        .flatten()
        {
            *p = daemon::absolute(p);
        }
        args.rundir = daemon::absolute(&args.rundir);
        args.remote = args
            .remote
            .split(',')
            .map(|r| match r.strip_prefix("unix:") {
                Some(p) => format!("unix:{}", daemon::absolute(Path::new(p)).display()),
                None => r.to_string(),
            })
            .collect::<Vec<_>>()
            .join(",");
        daemon::become_daemon(args.no_chdir)?;
    }
    vlog::init(args.log_file.as_deref(), args.verbose)
        .with_context(|| "could not open the log file")?;
    if !args.vlog.is_empty() {
        vlog::set(&args.vlog).map_err(|e| anyhow::anyhow!("-v: {e}"))?;
    }
    if args.mlockall {
        daemon::mlockall();
    }
    if args.monitor {
        log::info!("--monitor: rvs-vswitchd leaves restarts to its supervisor (systemd)");
    }
    let _pidfile = args
        .pidfile
        .clone()
        .map(daemon::Pidfile::create)
        .transpose()?;
    let registry = Arc::new(RwLock::new(Registry::new()));
    let (pin_tx, pin_rx) = tokio::sync::mpsc::unbounded_channel();
    let handler = upcall::OfprotoUpcall::new(registry.clone()).with_packet_ins(pin_tx);
    let datapath = Datapath::new(Arc::new(handler)).context("could not start the PMD thread")?;
    let mut switch = Switch::new(registry.clone(), datapath);
    switch.set_rundir(&args.rundir);
    log::info!(
        "rvs-vswitchd {} starting, database {}",
        env!("CARGO_PKG_VERSION"),
        args.remote
    );

    // No database remote: serve the database ourselves (own thread) and use it,
    // unless an ovsdb-server already serves it (it holds the database's lock): then
    // connect to that one, as ovs-vswitchd would.
    let embedded = match &args.embedded_db {
        Some(db) => {
            use rvs_ovsdb_server::{net::ServeError, storage::StorageError};
            let sock = format!("punix:{}", args.rundir.join("db.sock").display());
            match rvs_ovsdb_server::net::serve_file(db, vec![sock]) {
                Ok(h) => {
                    log::info!("serving {} with the embedded OVSDB server", db.display());
                    Some(h)
                }
                Err(ServeError::Storage(StorageError::Locked { .. })) => {
                    log::info!(
                        "{} is served by another process; connecting to {}",
                        db.display(),
                        args.remote
                    );
                    None
                }
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("{}: could not serve the database", db.display()))
                }
            }
        }
        None => None,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the runtime")?;
    rt.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                if let Err(e) = vlog::reopen() {
                    log::warn!("could not reopen the log: {e}");
                }
            }
        });
        let ctl_path = args.unixctl.clone().unwrap_or_else(|| {
            args.rundir
                .join(format!("rvs-vswitchd.{}.ctl", std::process::id()))
        });
        let ctl = rvs_unixctl::UnixctlServer::bind(&ctl_path)
            .with_context(|| format!("{}: could not listen", ctl_path.display()))?;
        tokio::select! {
            r = follow_database(&args, &mut switch, &registry, ctl, pin_rx) => r,
            _ = tokio::signal::ctrl_c() => {
                log::info!("exiting on SIGINT");
                Ok(())
            }
            _ = term.recv() => {
                log::info!("exiting on SIGTERM");
                Ok(())
            }
        }
    })?;
    if let Some(h) = embedded {
        h.stop();
    }
    let _ = daemon::sd_notify("STOPPING=1");
    log::info!("rvs-vswitchd exiting");
    Ok(())
}

/// Follows the database forever: applies every change and writes status back,
/// across reconnections (the client resyncs and the switch keeps forwarding).
async fn follow_database(
    args: &Args,
    switch: &mut Switch,
    registry: &Arc<RwLock<Registry>>,
    mut ctl: rvs_unixctl::UnixctlServer,
    mut pin_rx: tokio::sync::mpsc::UnboundedReceiver<connmgr::Upcalled>,
) -> anyhow::Result<()> {
    let cmds = appctl::commands();
    let (mut connmgr, mut of_rx) = connmgr::Connmgr::new();
    let session = Session::new("Open_vSwitch", MONITORED, Some(LOCK_NAME));
    let mut client = Client::new(&args.remote, session);
    if let Some(ssl) = &args.ssl {
        client.set_ssl(
            ssl.client_config()
                .context("could not load the SSL configuration")?,
        );
    }
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut inflight: Option<u64> = None;
    let mut applied_seqno: Option<u64> = None;
    let mut warned_lock = false;
    let mut stats_interval = Duration::from_millis(DEFAULT_STATS_INTERVAL_MS);
    let mut last_stats = Instant::now();
    let mut stats_due = false;
    let mut readiness = daemon::Readiness::new();
    let mut ctl_state = appctl::State::new();
    loop {
        tokio::select! {
            ev = client.next_event() => match ev {
                ClientEvent::Connected(r) => log::info!("{r}: connected"),
                ClientEvent::Disconnected(r, why) => {
                    log::warn!("{r}: {why}; reconnecting");
                }
                ClientEvent::Session(Event::TxnDone { id, result }) if Some(id) == inflight => {
                    inflight = None;
                    if let Err(e) = result {
                        log::warn!("status update failed: {e}");
                        applied_seqno = None;
                    }
                }
                ClientEvent::Session(Event::Ready) => applied_seqno = None,
                ClientEvent::Session(Event::LockNotHeld) if !warned_lock => {
                    warned_lock = true;
                    log::warn!(
                        "another ovs-vswitchd process is running, disabling this process \
                         (pid {}) until it goes away",
                        std::process::id()
                    );
                }
                ClientEvent::Session(Event::LockAcquired) if warned_lock => {
                    warned_lock = false;
                    log::info!("acquired the {LOCK_NAME} database lock");
                }
                ClientEvent::Session(_) => {}
            },
            Some(ev) = of_rx.recv() => {
                connmgr.event(switch, ev);
                if !connmgr.status_dirty() {
                    continue;
                }
            }
            Some(u) = pin_rx.recv() => {
                connmgr.packet_in(switch, &u.packet, &u.userdata);
                continue;
            }
            _ = tick.tick() => {
                registry.read().unwrap_or_else(PoisonError::into_inner).run_periodic(Instant::now());
                connmgr.run_periodic(switch);
                ctl_state.coverage.sample(switch, Instant::now());
                if last_stats.elapsed() >= stats_interval {
                    stats_due = true;
                }
            }
            Some(req) = ctl.next() => {
                coverage::count(coverage::Event::UnixctlReceived);
                let (reply, after) =
                    appctl::run(switch, &mut ctl_state, &cmds, &req.method, &req.args);
                req.reply(reply);
                coverage::count(coverage::Event::UnixctlReplied);
                if after == appctl::After::Exit {
                    log::info!("exiting on the exit command");
                    // Let the reply reach the client before the socket goes away.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    return Ok(());
                }
            }
        }
        let sess = client.session();
        if !(sess.is_ready() && sess.has_lock()) || inflight.is_some() {
            continue;
        }
        let Some(replica) = sess.replica() else {
            continue;
        };
        let changed = applied_seqno != Some(replica.seqno());
        if !changed && !stats_due && !connmgr.status_dirty() {
            continue;
        }
        applied_seqno = Some(replica.seqno());
        let wanted = reconcile::wanted(replica);
        if changed {
            coverage::count(coverage::Event::BridgeReconfigure);
            switch.apply(&wanted);
            ofconfig::apply(replica, switch);
            let of = ofconfig::bridges(replica, switch);
            connmgr.configure(&args.rundir, &of, switch);
            stats_interval = stats_update_interval(replica);
            // The first database contents are applied: what --detach and systemd
            // wait for.
            readiness.ready();
        }
        let with_stats = std::mem::take(&mut stats_due);
        if with_stats {
            last_stats = Instant::now();
        }
        let mut ops = status::status_ops(replica, &wanted, switch, with_stats);
        ops.extend(ctlstatus::controller_ops(replica, &connmgr, with_stats));
        connmgr.status_written();
        if !ops.is_empty() {
            coverage::count(coverage::Event::StatusTxn);
            inflight = Some(client.transact(ops));
        }
    }
}
