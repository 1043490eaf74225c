//! An OVSDB client that stays connected: a [`Session`] driven over [`Connection`]s to a
//! list of remotes, reconnecting with backoff and moving to the next remote when one
//! fails or cannot serve (a cluster member that left its cluster, or is not the
//! leader).
//!
//! Threads: one tokio task owns the client. [`Client::next_event`] is cancel-safe, so
//! the owner can `select!` it against its own timers.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use crate::conn::Connection;
use crate::session::{Event, Session};

/// First reconnection delay; it doubles up to [`MAX_BACKOFF`], as OVS's reconnect FSM.
pub const MIN_BACKOFF: Duration = Duration::from_millis(250);
/// Longest reconnection delay (OVS's default `max_backoff` is 8 s).
pub const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// What happened, as the owner of a [`Client`] sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEvent {
    /// Connected to this remote; the handshake is under way.
    Connected(String),
    /// Lost (or left) this remote, for this reason.
    Disconnected(String, String),
    /// A protocol event of the session.
    Session(Event),
}

/// A session plus the connection it currently runs on.
#[derive(Debug)]
pub struct Client {
    remotes: Vec<String>,
    next_remote: usize,
    session: Session,
    conn: Option<Connection>,
    backoff: Duration,
    next_attempt: Instant,
    queued: Vec<ClientEvent>,
    ssl: Option<Arc<rustls::ClientConfig>>,
}

impl Client {
    /// A client for `remotes` (OVS's comma-separated list, e.g.
    /// `unix:/a.sock,tcp:10.0.0.2:6641`), running `session`.
    pub fn new(remotes: &str, session: Session) -> Client {
        Client {
            remotes: remotes
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            next_remote: 0,
            session,
            conn: None,
            backoff: MIN_BACKOFF,
            next_attempt: Instant::now(),
            queued: Vec::new(),
            ssl: None,
        }
    }

    /// Uses these SSL settings for `ssl:` remotes.
    pub fn set_ssl(&mut self, ssl: Arc<rustls::ClientConfig>) {
        self.ssl = Some(ssl);
    }

    /// The session (replica, lock state, ...).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The session, to queue transactions or lock requests; they go out on the next
    /// [`Client::next_event`].
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    /// The remote of the current connection.
    pub fn remote(&self) -> Option<&str> {
        self.conn.as_ref().map(Connection::remote)
    }

    /// Queues a transaction; see [`Session::transact`].
    pub fn transact(&mut self, ops: Vec<Value>) -> u64 {
        self.session.transact(ops)
    }

    fn drop_connection(&mut self, why: String) {
        if let Some(c) = self.conn.take() {
            let remote = c.remote().to_string();
            self.queued.extend(
                self.session
                    .disconnected()
                    .into_iter()
                    .map(ClientEvent::Session),
            );
            self.queued.push(ClientEvent::Disconnected(remote, why));
        }
        self.next_attempt = Instant::now() + self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }

    /// Waits for the next event, connecting and reconnecting as needed.
    pub async fn next_event(&mut self) -> ClientEvent {
        loop {
            if !self.queued.is_empty() {
                return self.queued.remove(0);
            }
            if self.remotes.is_empty() {
                std::future::pending::<()>().await;
            }
            let Some(conn) = self.conn.as_mut() else {
                tokio::time::sleep_until(self.next_attempt).await;
                let remote = self.remotes[self.next_remote % self.remotes.len()].clone();
                self.next_remote = (self.next_remote + 1) % self.remotes.len();
                match Connection::connect_with(&remote, self.ssl.as_ref()).await {
                    Ok(c) => {
                        self.conn = Some(c);
                        self.session.connected();
                        return ClientEvent::Connected(remote);
                    }
                    Err(e) => {
                        // Try the next remote at once; back off after a full round.
                        if self.next_remote == 0 {
                            self.next_attempt = Instant::now() + self.backoff;
                            self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
                        }
                        log::debug!("{e}");
                        continue;
                    }
                }
            };
            conn.queue(&self.session.take_outgoing());
            match conn.recv().await {
                Ok(msg) => {
                    for ev in self.session.receive(msg) {
                        match ev {
                            Event::Reconnect(why) | Event::Fatal(why) => {
                                self.drop_connection(why);
                            }
                            Event::Ready => {
                                self.backoff = MIN_BACKOFF;
                                self.queued.push(ClientEvent::Session(Event::Ready));
                            }
                            other => self.queued.push(ClientEvent::Session(other)),
                        }
                        if self.conn.is_none() {
                            break;
                        }
                    }
                }
                Err(e) => self.drop_connection(e.to_string()),
            }
        }
    }
}
