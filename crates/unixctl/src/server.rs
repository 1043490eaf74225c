//! The control-socket server: accepts `ovs-appctl` connections and hands each request
//! to the owner as a [`Request`], whose reply goes back on the same connection.

use std::io;
use std::path::{Path, PathBuf};

use rvs_jsonrpc::{Framer, Message};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot};

/// One command to run.
#[derive(Debug)]
pub struct Request {
    /// The command name.
    pub method: String,
    /// Its arguments.
    pub args: Vec<String>,
    reply: oneshot::Sender<Result<String, String>>,
}

impl Request {
    /// Answers the request: the command's output, or an error text.
    pub fn reply(self, r: Result<String, String>) {
        let _ = self.reply.send(r);
    }
}

/// A listening control socket; removed when dropped.
#[derive(Debug)]
pub struct UnixctlServer {
    path: PathBuf,
    rx: mpsc::Receiver<Request>,
}

impl UnixctlServer {
    /// Listens on `path` (replacing a stale socket file). Must run inside a tokio
    /// runtime.
    pub fn bind(path: &Path) -> io::Result<UnixctlServer> {
        let _ = std::fs::remove_file(path);
        let listener = UnixListener::bind(path)?;
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        tokio::spawn(serve(stream, tx.clone()));
                    }
                    Err(e) => {
                        log::warn!("unixctl: accept failed: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                }
            }
        });
        Ok(UnixctlServer {
            path: path.to_owned(),
            rx,
        })
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next request from any connection. Cancel-safe.
    pub async fn next(&mut self) -> Option<Request> {
        self.rx.recv().await
    }
}

impl Drop for UnixctlServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn args_of(params: &[Value]) -> Result<Vec<String>, String> {
    params
        .iter()
        .map(|p| {
            p.as_str()
                .map(str::to_string)
                .ok_or_else(|| "command has non-string argument".to_string())
        })
        .collect()
}

/// Serves one connection until it closes.
async fn serve(mut stream: UnixStream, tx: mpsc::Sender<Request>) {
    let mut framer = Framer::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let msg = match framer.next_message() {
            Ok(Some(m)) => m,
            Ok(None) => match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    framer.push(&buf[..n]);
                    continue;
                }
            },
            Err(e) => {
                log::warn!("unixctl: {e}; closing the connection");
                return;
            }
        };
        let (method, params, id) = match msg {
            Message::Request { method, params, id } => (method, params, id),
            // Notifications and responses need no answer.
            _ => continue,
        };
        let (result, error) = match args_of(&params) {
            Err(e) => (Value::Null, json!(e)),
            Ok(args) => {
                let (reply, wait) = oneshot::channel();
                if tx
                    .send(Request {
                        method,
                        args,
                        reply,
                    })
                    .await
                    .is_err()
                {
                    return;
                }
                match wait.await {
                    Ok(Ok(text)) => (json!(text), Value::Null),
                    Ok(Err(text)) => (Value::Null, json!(text)),
                    Err(_) => (Value::Null, json!("command was not answered")),
                }
            }
        };
        let out = Message::Response { result, error, id }.to_bytes();
        if stream.write_all(&out).await.is_err() {
            return;
        }
    }
}
