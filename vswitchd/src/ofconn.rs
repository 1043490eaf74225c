//! OpenFlow connections: listeners (`punix:`, `ptcp:`) and active connections (`unix:`,
//! `tcp:`, with reconnect backoff), the hello exchange that picks a version from the
//! bridge's `protocols`, framing, and echo-based inactivity probes.
//!
//! Each connection is a task on the control thread's runtime. It hands every message
//! after the hello to the main loop ([`ConnEvent::Msg`]), which owns the switch and
//! answers through the connection's channel; so OpenFlow processing never runs
//! concurrently with database reconciliation.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rvs_openflow::header::{Frame, Framer};
use rvs_openflow::msg::basic;
use rvs_openflow::{OfpError, Version};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// OVS's default inactivity probe interval.
pub const PROBE_INTERVAL: Duration = Duration::from_secs(5);
/// OVS's default maximum reconnect backoff.
pub const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// A connection that finished its hello.
#[derive(Debug, Clone)]
pub struct ConnHandle {
    /// Unique ID.
    pub id: u64,
    /// Its bridge.
    pub bridge: String,
    /// Negotiated version.
    pub version: Version,
    /// Messages to send.
    pub tx: UnboundedSender<Vec<u8>>,
    /// A controller connection (from the `Controller` table) rather than a
    /// management one (`<bridge>.mgmt`, ovs-ofctl).
    pub primary: bool,
    /// The target it belongs to (for `Controller` status).
    pub target: String,
}

/// What connections tell the main loop.
#[derive(Debug)]
pub enum ConnEvent {
    /// A connection is ready.
    Up(ConnHandle),
    /// A message arrived on connection `id`.
    Msg(u64, Vec<u8>),
    /// Connection `id` closed.
    Down(u64),
    /// An active connection to `target` of `bridge` could not be made.
    Failed {
        /// Bridge.
        bridge: String,
        /// Target.
        target: String,
        /// Why, as OVS words it (`Connection refused`).
        error: String,
    },
}

/// An I/O error as `strerror` words it (without Rust's "(os error N)").
fn os_error_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Settings of one listener or active connection.
#[derive(Debug, Clone)]
pub struct Target {
    /// Bridge.
    pub bridge: String,
    /// The target string (`ptcp:6653`, `tcp:127.0.0.1:6653`, `punix:PATH`, ...).
    pub target: String,
    /// Versions allowed (bit `n` for wire version `n`).
    pub versions: u32,
    /// Controller (true) or management (false).
    pub primary: bool,
    /// Inactivity probe interval (`None`: no probes).
    pub probe: Option<Duration>,
}

/// The version bitmap of `Bridge.protocols` (OVS's default: OpenFlow 1.0 to 1.3).
pub fn versions_of(protocols: &[String]) -> u32 {
    let mut bits = 0;
    for p in protocols {
        if let Some(v) = Version::from_name(p) {
            bits |= 1 << v.wire();
        }
    }
    if bits == 0 {
        (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4)
    } else {
        bits
    }
}

/// Whether a target string is passive (a listener).
pub fn is_passive(target: &str) -> bool {
    target.starts_with("ptcp:") || target.starts_with("punix:")
}

/// Starts a listener or an active connection for `t`.
pub fn spawn(t: Target, events: UnboundedSender<ConnEvent>) -> std::io::Result<JoinHandle<()>> {
    if let Some(path) = t.target.strip_prefix("punix:") {
        let _ = std::fs::remove_file(path);
        let l = tokio::net::UnixListener::bind(path)?;
        return Ok(tokio::spawn(async move {
            loop {
                match l.accept().await {
                    Ok((s, _)) => {
                        tokio::spawn(run(s, t.clone(), events.clone()));
                    }
                    Err(e) => {
                        log::warn!("{}: accept failed: {e}", t.target);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        }));
    }
    if let Some(rest) = t.target.strip_prefix("ptcp:") {
        let (port, ip) = match rest.split_once(':') {
            Some((p, ip)) => (p, ip.trim_matches(|c| c == '[' || c == ']')),
            None => (rest, "0.0.0.0"),
        };
        let port: u16 = if port.is_empty() {
            6653
        } else {
            port.parse()
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "bad port"))?
        };
        let std_l = std::net::TcpListener::bind((ip, port))?;
        std_l.set_nonblocking(true)?;
        let l = tokio::net::TcpListener::from_std(std_l)?;
        return Ok(tokio::spawn(async move {
            loop {
                match l.accept().await {
                    Ok((s, _)) => {
                        let _ = s.set_nodelay(true);
                        tokio::spawn(run(s, t.clone(), events.clone()));
                    }
                    Err(e) => {
                        log::warn!("{}: accept failed: {e}", t.target);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        }));
    }
    if !(t.target.starts_with("tcp:") || t.target.starts_with("unix:")) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{}: unsupported connection method", t.target),
        ));
    }
    let report = events.clone();
    let failed = move |t: &Target, e: &std::io::Error| {
        let _ = report.send(ConnEvent::Failed {
            bridge: t.bridge.clone(),
            target: t.target.clone(),
            error: os_error_text(e),
        });
    };
    Ok(tokio::spawn(async move {
        let mut backoff = Duration::from_secs(1);
        loop {
            let ok = if let Some(path) = t.target.strip_prefix("unix:") {
                match tokio::net::UnixStream::connect(path).await {
                    Ok(s) => {
                        run(s, t.clone(), events.clone()).await;
                        true
                    }
                    Err(e) => {
                        failed(&t, &e);
                        false
                    }
                }
            } else {
                let rest = &t.target["tcp:".len()..];
                let addr = if rest.contains(':') {
                    rest.to_string()
                } else {
                    format!("{rest}:6653")
                };
                match tokio::net::TcpStream::connect(addr).await {
                    Ok(s) => {
                        let _ = s.set_nodelay(true);
                        run(s, t.clone(), events.clone()).await;
                        true
                    }
                    Err(e) => {
                        failed(&t, &e);
                        false
                    }
                }
            };
            if ok {
                backoff = Duration::from_secs(1);
            } else {
                log::debug!("{}: connection failed, retrying in {backoff:?}", t.target);
            }
            tokio::time::sleep(backoff).await;
            if !ok {
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }))
}

/// Runs one connection until it closes.
async fn run<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    t: Target,
    events: UnboundedSender<ConnEvent>,
) {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let (mut rd, mut wr) = tokio::io::split(stream);
    let (tx, mut rx): (_, UnboundedReceiver<Vec<u8>>) = unbounded_channel();
    let highest = 31 - t.versions.leading_zeros();
    let hello = basic::encode_hello(t.versions, 0);
    let mut hello = hello;
    hello[0] = highest as u8;
    if wr.write_all(&hello).await.is_err() {
        return;
    }
    let mut framer = Framer::new();
    let mut buf = vec![0u8; 65536];
    let mut version: Option<Version> = None;
    let mut last_rx = tokio::time::Instant::now();
    let mut probe_sent = false;
    let probe = t.probe.unwrap_or(Duration::from_secs(3600));
    let mut tick = tokio::time::interval(
        probe
            .min(Duration::from_secs(1))
            .max(Duration::from_millis(200)),
    );
    'outer: loop {
        tokio::select! {
            r = rd.read(&mut buf) => {
                let n = match r {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                last_rx = tokio::time::Instant::now();
                probe_sent = false;
                framer.push(&buf[..n]);
                loop {
                    let msg = match framer.next_message() {
                        Ok(Frame::Message(m)) => m.to_vec(),
                        Ok(Frame::Incomplete) => break,
                        Err(e) => {
                            let v = version.unwrap_or(Version::Of10);
                            let _ = wr.write_all(&basic::encode_error(e, v, 0, &[])).await;
                            break 'outer;
                        }
                    };
                    match version {
                        None => {
                            if msg.get(1) != Some(&0) {
                                let _ = wr.write_all(&basic::error_reply(OfpError::OFPBRC_BAD_TYPE, &msg)).await;
                                break 'outer;
                            }
                            let theirs = basic::decode_hello(&msg).versions;
                            match basic::negotiate(t.versions, theirs) {
                                Ok(v) => {
                                    version = Some(v);
                                    let h = ConnHandle {
                                        id,
                                        bridge: t.bridge.clone(),
                                        version: v,
                                        tx: tx.clone(),
                                        primary: t.primary,
                                        target: t.target.clone(),
                                    };
                                    if events.send(ConnEvent::Up(h)).is_err() {
                                        break 'outer;
                                    }
                                }
                                Err(e) => {
                                    let v = Version::from_wire(msg[0]).unwrap_or(Version::Of10);
                                    let text = format!(
                                        "We support versions 0x{:02x} to 0x{:02x} inclusive but you support no later than version 0x{:02x}.",
                                        t.versions.trailing_zeros(), highest, msg[0]
                                    );
                                    let _ = wr.write_all(&basic::encode_error(e, v, 0, text.as_bytes())).await;
                                    break 'outer;
                                }
                            }
                        }
                        Some(v) => {
                            // Echo is answered here so that a busy main loop never
                            // makes a controller think the switch is dead.
                            if msg.get(1) == Some(&2) {
                                let mut reply = msg.clone();
                                reply[0] = v.wire();
                                reply[1] = 3;
                                if wr.write_all(&reply).await.is_err() {
                                    break 'outer;
                                }
                                continue;
                            }
                            if msg.get(1) == Some(&3) {
                                continue;
                            }
                            if events.send(ConnEvent::Msg(id, msg)).is_err() {
                                break 'outer;
                            }
                        }
                    }
                }
            }
            m = rx.recv() => {
                let Some(m) = m else { break };
                if wr.write_all(&m).await.is_err() {
                    break;
                }
            }
            _ = tick.tick() => {
                if t.probe.is_some() && last_rx.elapsed() >= probe {
                    if probe_sent {
                        log::info!("{}: no response to inactivity probe after {} seconds, disconnecting", t.target, probe.as_secs() * 2);
                        break;
                    }
                    if let Some(v) = version {
                        let echo = [v.wire(), 2, 0, 8, 0, 0, 0, 0];
                        if wr.write_all(&echo).await.is_err() {
                            break;
                        }
                    }
                    probe_sent = true;
                    last_rx = tokio::time::Instant::now();
                }
            }
        }
    }
    if version.is_some() {
        let _ = events.send(ConnEvent::Down(id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols() {
        assert_eq!(versions_of(&[]), 0b11110);
        assert_eq!(
            versions_of(&["OpenFlow13".into(), "OpenFlow14".into()]),
            0b11_0000
        );
        assert!(is_passive("ptcp:6653") && !is_passive("tcp:1.2.3.4:6653"));
    }
}
