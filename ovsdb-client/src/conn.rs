//! The I/O half: a JSON-RPC stream over `unix:PATH`, `tcp:IP:PORT` or `ssl:IP:PORT`,
//! on tokio.
//!
//! Outgoing messages are queued into a buffer and written while waiting for input, so
//! [`Connection::recv`] is cancel-safe in both directions: a cancelled call loses
//! neither buffered input nor unsent output.

use std::io;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};

use crate::jsonrpc::{Framer, Message};

/// Errors of a connection.
#[derive(Debug, thiserror::Error)]
pub enum ConnError {
    /// The remote string is not `unix:PATH`, `tcp:IP:PORT` or `ssl:IP:PORT`.
    #[error("{0}: unknown or malformed remote (expected unix:PATH, tcp:IP:PORT or ssl:IP:PORT)")]
    BadRemote(String),
    /// An `ssl:` remote without `--private-key`, `--certificate` and `--ca-cert`.
    #[error("{0}: SSL remote requires --private-key, --certificate and --ca-cert")]
    NoSslConfig(String),
    /// A socket error.
    #[error("{remote}: {source}")]
    Io {
        /// The remote.
        remote: String,
        /// Cause.
        #[source]
        source: io::Error,
    },
    /// The peer closed the connection.
    #[error("{0}: connection closed by peer")]
    Closed(String),
    /// The peer sent something that is not JSON-RPC.
    #[error("{remote}: {source}")]
    Protocol {
        /// The remote.
        remote: String,
        /// Cause.
        #[source]
        source: crate::jsonrpc::Error,
    },
}

type Reader = Box<dyn AsyncRead + Send + Unpin>;
type Writer = Box<dyn AsyncWrite + Send + Unpin>;

/// A connected JSON-RPC stream.
pub struct Connection {
    remote: String,
    rd: Reader,
    wr: Writer,
    framer: Framer,
    inbuf: Box<[u8]>,
    outbuf: Vec<u8>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("remote", &self.remote)
            .field("unsent", &self.outbuf.len())
            .finish()
    }
}

impl Connection {
    /// Connects to `unix:PATH` or `tcp:IP:PORT` (OVS's active remote syntax).
    pub async fn connect(remote: &str) -> Result<Connection, ConnError> {
        Connection::connect_with(remote, None).await
    }

    /// Connects to `unix:PATH`, `tcp:IP:PORT`, or `ssl:IP:PORT` with `ssl`'s settings.
    pub async fn connect_with(
        remote: &str,
        ssl: Option<&Arc<rustls::ClientConfig>>,
    ) -> Result<Connection, ConnError> {
        let io_err = |source| ConnError::Io {
            remote: remote.to_string(),
            source,
        };
        let (rd, wr): (Reader, Writer) = if let Some(path) = remote.strip_prefix("unix:") {
            let (r, w) = UnixStream::connect(path)
                .await
                .map_err(io_err)?
                .into_split();
            (Box::new(r), Box::new(w))
        } else if let Some(addr) = remote.strip_prefix("tcp:") {
            let addr = parse_tcp(addr).ok_or_else(|| ConnError::BadRemote(remote.into()))?;
            let s = TcpStream::connect(addr).await.map_err(io_err)?;
            s.set_nodelay(true).map_err(io_err)?;
            let (r, w) = s.into_split();
            (Box::new(r), Box::new(w))
        } else if let Some(addr) = remote.strip_prefix("ssl:") {
            let cfg = ssl.ok_or_else(|| ConnError::NoSslConfig(remote.into()))?;
            let addr = parse_tcp(addr).ok_or_else(|| ConnError::BadRemote(remote.into()))?;
            let s = TcpStream::connect(addr).await.map_err(io_err)?;
            s.set_nodelay(true).map_err(io_err)?;
            let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
            let tls = tokio_rustls::TlsConnector::from(cfg.clone())
                .connect(name, s)
                .await
                .map_err(io_err)?;
            let (r, w) = tokio::io::split(tls);
            (Box::new(r), Box::new(w))
        } else {
            return Err(ConnError::BadRemote(remote.into()));
        };
        Ok(Connection {
            remote: remote.into(),
            rd,
            wr,
            framer: Framer::new(),
            inbuf: vec![0u8; 64 * 1024].into_boxed_slice(),
            outbuf: Vec::new(),
        })
    }

    /// The remote this connection goes to.
    pub fn remote(&self) -> &str {
        &self.remote
    }

    fn io_err(&self, source: io::Error) -> ConnError {
        ConnError::Io {
            remote: self.remote.clone(),
            source,
        }
    }

    /// Queues messages; they are written by [`Connection::recv`] or [`Connection::flush`].
    pub fn queue(&mut self, msgs: &[Message]) {
        for m in msgs {
            self.outbuf.extend_from_slice(&m.to_bytes());
        }
    }

    /// Writes everything queued.
    pub async fn flush(&mut self) -> Result<(), ConnError> {
        while !self.outbuf.is_empty() {
            let n = self
                .wr
                .write(&self.outbuf)
                .await
                .map_err(|e| self.io_err(e))?;
            self.outbuf.drain(..n);
        }
        self.wr.flush().await.map_err(|e| self.io_err(e))
    }

    /// Queues and writes messages in order.
    pub async fn send(&mut self, msgs: &[Message]) -> Result<(), ConnError> {
        self.queue(msgs);
        self.flush().await
    }

    /// Receives the next message, writing queued output meanwhile. Cancel-safe.
    pub async fn recv(&mut self) -> Result<Message, ConnError> {
        loop {
            match self.framer.next_message() {
                Ok(Some(m)) => return Ok(m),
                Ok(None) => {}
                Err(source) => {
                    return Err(ConnError::Protocol {
                        remote: self.remote.clone(),
                        source,
                    })
                }
            }
            let writing = !self.outbuf.is_empty();
            tokio::select! {
                biased;
                w = self.wr.write(&self.outbuf), if writing => {
                    let n = w.map_err(|e| ConnError::Io { remote: self.remote.clone(), source: e })?;
                    self.outbuf.drain(..n);
                }
                r = self.rd.read(&mut self.inbuf) => {
                    let n = r.map_err(|e| ConnError::Io { remote: self.remote.clone(), source: e })?;
                    if n == 0 {
                        return Err(ConnError::Closed(self.remote.clone()));
                    }
                    self.framer.push(&self.inbuf[..n]);
                }
            }
        }
    }
}

/// Parses `IP:PORT`, with IPv6 in brackets (`[::1]:6640`).
fn parse_tcp(s: &str) -> Option<std::net::SocketAddr> {
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_remote_syntax() {
        assert!(parse_tcp("127.0.0.1:6640").is_some());
        assert!(parse_tcp("[::1]:6640").is_some());
        assert!(parse_tcp("127.0.0.1").is_none());
    }
}
