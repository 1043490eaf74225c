//! The I/O half: a JSON-RPC stream over `unix:PATH` or `tcp:IP:PORT`, on tokio.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};

use crate::jsonrpc::{Framer, Message};

/// Errors of a connection.
#[derive(Debug, thiserror::Error)]
pub enum ConnError {
    /// The remote string is not `unix:PATH` or `tcp:IP:PORT`.
    #[error("{0}: unknown or malformed remote (expected unix:PATH or tcp:IP:PORT)")]
    BadRemote(String),
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

#[derive(Debug)]
enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

/// A connected JSON-RPC stream.
#[derive(Debug)]
pub struct Connection {
    remote: String,
    stream: Stream,
    framer: Framer,
    buf: Box<[u8]>,
}

impl Connection {
    /// Connects to `unix:PATH` or `tcp:IP:PORT` (OVS's active remote syntax).
    pub async fn connect(remote: &str) -> Result<Connection, ConnError> {
        let io_err = |source| ConnError::Io {
            remote: remote.to_string(),
            source,
        };
        let stream = if let Some(path) = remote.strip_prefix("unix:") {
            Stream::Unix(UnixStream::connect(path).await.map_err(io_err)?)
        } else if let Some(addr) = remote.strip_prefix("tcp:") {
            let addr = parse_tcp(addr).ok_or_else(|| ConnError::BadRemote(remote.into()))?;
            let s = TcpStream::connect(addr).await.map_err(io_err)?;
            s.set_nodelay(true).map_err(io_err)?;
            Stream::Tcp(s)
        } else {
            return Err(ConnError::BadRemote(remote.into()));
        };
        Ok(Connection {
            remote: remote.into(),
            stream,
            framer: Framer::new(),
            buf: vec![0u8; 64 * 1024].into_boxed_slice(),
        })
    }

    /// The remote this connection goes to.
    pub fn remote(&self) -> &str {
        &self.remote
    }

    /// Sends messages in order.
    pub async fn send(&mut self, msgs: &[Message]) -> Result<(), ConnError> {
        if msgs.is_empty() {
            return Ok(());
        }
        let mut out = Vec::new();
        for m in msgs {
            out.extend_from_slice(&m.to_bytes());
        }
        let r = match &mut self.stream {
            Stream::Unix(s) => s.write_all(&out).await,
            Stream::Tcp(s) => s.write_all(&out).await,
        };
        r.map_err(|source| ConnError::Io {
            remote: self.remote.clone(),
            source,
        })
    }

    /// Receives the next message. Cancel-safe: bytes already read stay buffered.
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
            let n = match &mut self.stream {
                Stream::Unix(s) => s.read(&mut self.buf).await,
                Stream::Tcp(s) => s.read(&mut self.buf).await,
            }
            .map_err(|source| ConnError::Io {
                remote: self.remote.clone(),
                source,
            })?;
            if n == 0 {
                return Err(ConnError::Closed(self.remote.clone()));
            }
            self.framer.push(&self.buf[..n]);
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
