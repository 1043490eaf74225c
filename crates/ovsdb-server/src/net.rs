//! Sockets: listeners for `punix:` and `ptcp:` remotes (and for the targets named by
//! `db:DB,TABLE,COLUMN` remotes, refreshed after every commit), one task per
//! connection framing JSON-RPC, and the task that owns the [`Server`].
//!
//! Threads: [`spawn`] starts one OS thread with a single-threaded tokio runtime
//! for the whole server, so embedding it (in `rvs-vswitchd`) shares nothing with
//! the host's runtime. Connection tasks reach the server task through a channel;
//! the server task alone touches the [`Server`].

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rvs_jsonrpc::{Framer, Message};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::server::{Server, SessionId};

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// A remote could not be parsed.
    #[error("{0}: unsupported remote (use punix:PATH, ptcp:PORT[:IP], unix:PATH, tcp:IP:PORT or db:DB,TABLE,COLUMN)")]
    BadRemote(String),
    /// A listener could not be opened.
    #[error("{remote}: {source}")]
    Listen {
        /// The remote.
        remote: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The runtime or thread could not start.
    #[error("starting the server thread: {0}")]
    Start(std::io::Error),
}

enum Event {
    Connect(
        mpsc::UnboundedSender<Message>,
        tokio::sync::oneshot::Sender<SessionId>,
    ),
    Message(SessionId, Message),
    Disconnect(SessionId),
    Compact(std::sync::mpsc::Sender<Vec<String>>),
    Stop,
}

/// A running server; dropping it does not stop it, [`Handle::stop`] does.
#[derive(Debug)]
pub struct Handle {
    tx: mpsc::UnboundedSender<EventBox>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Opaque event wrapper (keeps [`Event`] private).
pub struct EventBox(Event);

impl std::fmt::Debug for EventBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventBox")
    }
}

impl Handle {
    /// Stops the server and waits for its thread.
    pub fn stop(mut self) {
        let _ = self.tx.send(EventBox(Event::Stop));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Compacts the databases now; returns the errors.
    pub fn compact(&self) -> Vec<String> {
        let (tx, rx) = std::sync::mpsc::channel();
        let _ = self.tx.send(EventBox(Event::Compact(tx)));
        rx.recv().unwrap_or_default()
    }

    /// Waits until the server thread ends (it ends on [`Handle::stop`] or SIGTERM
    /// when run by [`run_blocking`]).
    pub fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Listen {
    /// `punix:PATH`.
    Unix(PathBuf),
    /// `ptcp:PORT[:IP]`, as `IP:PORT`.
    Tcp(String),
    /// `unix:PATH`: the server connects out and serves the peer.
    ConnectUnix(PathBuf),
    /// `tcp:IP:PORT`: the server connects out and serves the peer.
    ConnectTcp(String),
}

fn host_port(ip: &str, port: u16) -> String {
    let ip = ip.trim_start_matches('[').trim_end_matches(']');
    if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

fn parse_listen(remote: &str) -> Option<Listen> {
    if let Some(p) = remote.strip_prefix("punix:") {
        return Some(Listen::Unix(PathBuf::from(p)));
    }
    if let Some(p) = remote.strip_prefix("unix:") {
        return Some(Listen::ConnectUnix(PathBuf::from(p)));
    }
    if let Some(rest) = remote.strip_prefix("tcp:") {
        let (ip, port) = rest.rsplit_once(':')?;
        return Some(Listen::ConnectTcp(host_port(ip, port.parse().ok()?)));
    }
    let rest = remote.strip_prefix("ptcp:")?;
    let mut parts = rest.splitn(2, ':');
    let port: u16 = parts.next()?.parse().ok()?;
    Some(Listen::Tcp(host_port(
        parts.next().unwrap_or("0.0.0.0"),
        port,
    )))
}

/// Keeps an outgoing connection to `l` up, serving whoever answers, reconnecting
/// with a backoff of 1 to 8 seconds.
async fn connect_loop(l: Listen, events: mpsc::UnboundedSender<EventBox>) {
    let mut backoff = Duration::from_secs(1);
    loop {
        let served = match &l {
            Listen::ConnectUnix(p) => match tokio::net::UnixStream::connect(p).await {
                Ok(s) => {
                    let (r, w) = s.into_split();
                    connection(r, w, events.clone()).await;
                    true
                }
                Err(_) => false,
            },
            Listen::ConnectTcp(a) => match tokio::net::TcpStream::connect(a).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    let (r, w) = s.into_split();
                    connection(r, w, events.clone()).await;
                    true
                }
                Err(_) => false,
            },
            _ => return,
        };
        backoff = if served {
            Duration::from_secs(1)
        } else {
            (backoff * 2).min(Duration::from_secs(8))
        };
        tokio::time::sleep(backoff).await;
    }
}

/// Starts serving one remote: a listener, or an outgoing connection kept up.
async fn start_remote(
    l: &Listen,
    events: &mpsc::UnboundedSender<EventBox>,
) -> std::io::Result<JoinHandle<()>> {
    match l {
        Listen::ConnectUnix(_) | Listen::ConnectTcp(_) => Ok(tokio::task::spawn_local(
            connect_loop(l.clone(), events.clone()),
        )),
        _ => Ok(spawn_accept(open_listener(l).await?, events.clone())),
    }
}

async fn open_listener(l: &Listen) -> std::io::Result<Listener> {
    match l {
        Listen::Unix(p) => {
            if p.exists() {
                let _ = std::fs::remove_file(p);
            }
            Ok(Listener::Unix(tokio::net::UnixListener::bind(p)?))
        }
        Listen::Tcp(a) => Ok(Listener::Tcp(tokio::net::TcpListener::bind(a).await?)),
        Listen::ConnectUnix(_) | Listen::ConnectTcp(_) => {
            Err(std::io::Error::other("not a listening remote"))
        }
    }
}

enum Listener {
    Unix(tokio::net::UnixListener),
    Tcp(tokio::net::TcpListener),
}

fn spawn_accept(l: Listener, events: mpsc::UnboundedSender<EventBox>) -> JoinHandle<()> {
    tokio::task::spawn_local(async move {
        loop {
            match &l {
                Listener::Unix(u) => match u.accept().await {
                    Ok((s, _)) => {
                        let (r, w) = s.into_split();
                        tokio::task::spawn_local(connection(r, w, events.clone()));
                    }
                    Err(e) => log::warn!("accept: {e}"),
                },
                Listener::Tcp(t) => match t.accept().await {
                    Ok((s, _)) => {
                        let _ = s.set_nodelay(true);
                        let (r, w) = s.into_split();
                        tokio::task::spawn_local(connection(r, w, events.clone()));
                    }
                    Err(e) => log::warn!("accept: {e}"),
                },
            }
        }
    })
}

async fn connection<R, W>(mut r: R, mut w: W, events: mpsc::UnboundedSender<EventBox>)
where
    R: AsyncRead + Unpin + 'static,
    W: AsyncWrite + Unpin + 'static,
{
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Message>();
    let (id_tx, id_rx) = tokio::sync::oneshot::channel();
    if events
        .send(EventBox(Event::Connect(out_tx, id_tx)))
        .is_err()
    {
        return;
    }
    let Ok(sid) = id_rx.await else { return };
    let writer = tokio::task::spawn_local(async move {
        while let Some(m) = out_rx.recv().await {
            let mut bytes = m.to_bytes();
            // Drain whatever else is queued into the same write.
            while let Ok(m) = out_rx.try_recv() {
                bytes.extend(m.to_bytes());
            }
            if w.write_all(&bytes).await.is_err() {
                break;
            }
        }
        let _ = w.shutdown().await;
    });
    let mut framer = Framer::new();
    let mut buf = vec![0u8; 64 * 1024];
    'read: loop {
        let n = match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        framer.push(&buf[..n]);
        loop {
            match framer.next_message() {
                Ok(Some(m)) => {
                    if events.send(EventBox(Event::Message(sid, m))).is_err() {
                        break 'read;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    log::warn!("session {sid}: {e}; closing");
                    break 'read;
                }
            }
        }
    }
    let _ = events.send(EventBox(Event::Disconnect(sid)));
    writer.abort();
}

struct Core {
    server: Server,
    outs: HashMap<SessionId, mpsc::UnboundedSender<Message>>,
    db_remotes: Vec<String>,
    dynamic: BTreeMap<Listen, JoinHandle<()>>,
    static_listens: Vec<Listen>,
    events: mpsc::UnboundedSender<EventBox>,
}

impl Core {
    fn deliver(&mut self, out: Vec<crate::server::Outgoing>) {
        for o in out {
            if let Some(tx) = self.outs.get(&o.session) {
                let _ = tx.send(o.msg);
            }
        }
    }

    /// Opens listeners for the targets the `db:` remotes name now, closes the rest.
    async fn refresh_db_remotes(&mut self) {
        if self.db_remotes.is_empty() {
            return;
        }
        let mut want: Vec<Listen> = Vec::new();
        for spec in &self.db_remotes {
            for t in self.server.db_remotes(spec) {
                if let Some(l) = parse_listen(&t) {
                    if !self.static_listens.contains(&l) {
                        want.push(l);
                    }
                }
            }
        }
        let stale: Vec<Listen> = self
            .dynamic
            .keys()
            .filter(|k| !want.contains(k))
            .cloned()
            .collect();
        for k in stale {
            if let Some(h) = self.dynamic.remove(&k) {
                h.abort();
                if let Listen::Unix(p) = &k {
                    let _ = std::fs::remove_file(p);
                }
            }
        }
        for l in want {
            if self.dynamic.contains_key(&l) {
                continue;
            }
            match start_remote(&l, &self.events).await {
                Ok(h) => {
                    self.dynamic.insert(l, h);
                }
                Err(e) => log::warn!("{l:?}: {e}"),
            }
        }
    }
}

/// Starts serving `server` on `remotes` in a new thread. Returns once every
/// `punix:`/`ptcp:` remote listens.
pub fn spawn(server: Server, remotes: Vec<String>) -> Result<Handle, NetError> {
    let mut static_listens = Vec::new();
    let mut db_remotes = Vec::new();
    for r in &remotes {
        if r.starts_with("db:") {
            db_remotes.push(r.clone());
        } else {
            static_listens.push(parse_listen(r).ok_or_else(|| NetError::BadRemote(r.clone()))?);
        }
    }
    let (tx, rx) = mpsc::unbounded_channel::<EventBox>();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), NetError>>();
    let events = tx.clone();
    let thread = std::thread::Builder::new()
        .name("ovsdb-server".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(NetError::Start(e)));
                    return;
                }
            };
            let local = tokio::task::LocalSet::new();
            local.block_on(
                &rt,
                run(server, static_listens, db_remotes, events, rx, ready_tx),
            );
        })
        .map_err(NetError::Start)?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok(Handle {
            tx,
            thread: Some(thread),
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => Err(NetError::Start(std::io::Error::other("server thread died"))),
    }
}

async fn run(
    server: Server,
    static_listens: Vec<Listen>,
    db_remotes: Vec<String>,
    events: mpsc::UnboundedSender<EventBox>,
    mut rx: mpsc::UnboundedReceiver<EventBox>,
    ready: std::sync::mpsc::Sender<Result<(), NetError>>,
) {
    let mut accept_tasks = Vec::new();
    let mut unix_paths = Vec::new();
    for l in &static_listens {
        match start_remote(l, &events).await {
            Ok(h) => {
                if let Listen::Unix(p) = l {
                    unix_paths.push(p.clone());
                }
                accept_tasks.push(h);
            }
            Err(source) => {
                let remote = format!("{l:?}");
                let _ = ready.send(Err(NetError::Listen { remote, source }));
                return;
            }
        }
    }
    let mut core = Core {
        server,
        outs: HashMap::new(),
        db_remotes,
        dynamic: BTreeMap::new(),
        static_listens,
        events,
    };
    core.refresh_db_remotes().await;
    let _ = ready.send(Ok(()));
    loop {
        let deadline = core.server.next_deadline();
        let ev = tokio::select! {
            ev = rx.recv() => ev,
            _ = sleep_until(deadline) => {
                let out = core.server.tick(Instant::now());
                core.deliver(out);
                continue;
            }
        };
        let Some(EventBox(ev)) = ev else { break };
        match ev {
            Event::Connect(tx, id) => {
                let sid = core.server.connect();
                core.outs.insert(sid, tx);
                let _ = id.send(sid);
            }
            Event::Message(sid, m) => {
                let writes = matches!(&m, Message::Request { method, .. } if method == "transact");
                let out = core.server.handle(sid, m, Instant::now());
                core.deliver(out);
                if writes {
                    core.refresh_db_remotes().await;
                }
            }
            Event::Disconnect(sid) => {
                core.outs.remove(&sid);
                let out = core.server.disconnect(sid);
                core.deliver(out);
            }
            Event::Compact(reply) => {
                let _ = reply.send(core.server.compact());
            }
            Event::Stop => break,
        }
    }
    for t in accept_tasks {
        t.abort();
    }
    for (l, h) in std::mem::take(&mut core.dynamic) {
        h.abort();
        if let Listen::Unix(p) = l {
            let _ = std::fs::remove_file(p);
        }
    }
    for p in unix_paths {
        let _ = std::fs::remove_file(p);
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
        None => std::future::pending().await,
    }
}

/// Errors of [`serve_file`].
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The database file could not be opened or created.
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    /// The sockets could not be opened.
    #[error(transparent)]
    Net(#[from] NetError),
}

/// Opens (creating if needed, with the built-in `Open_vSwitch` schema) the
/// database at `path` and serves it on `remotes` in a new thread.
pub fn serve_file(path: &Path, remotes: Vec<String>) -> Result<Handle, ServeError> {
    let schema = crate::schema::vswitch_schema();
    let (db, storage) = crate::server::open_database(path, &schema)?;
    let mut server = Server::new();
    server.add_database(db, Some(storage));
    Ok(spawn(server, remotes)?)
}
