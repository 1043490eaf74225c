//! A small blocking OVSDB client: one request at a time over `unix:` or `tcp:`, which
//! is all a command line needs. Framing comes from `rvs-ovsdb-client`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;

use rvs_ovsdb_client::jsonrpc::{Framer, Message};
use serde_json::{json, Value};

/// Errors talking to the server, worded as OVS words them.
#[derive(Debug)]
pub enum ClientError {
    /// Could not connect or the connection broke: the text after "database connection
    /// failed".
    Connection(String),
    /// The server answered a request with an error.
    Rpc(Value),
}

trait Stream: Read + Write + std::fmt::Debug {}
impl<T: Read + Write + std::fmt::Debug> Stream for T {}

/// A connected client.
#[derive(Debug)]
pub struct Client {
    stream: Box<dyn Stream>,
    framer: Framer,
    next_id: u64,
}

/// The OS error text without Rust's " (os error N)" suffix, as `strerror` prints it.
pub fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

impl Client {
    /// Connects to `unix:PATH` or `tcp:IP:PORT`.
    pub fn connect(remote: &str) -> Result<Client, ClientError> {
        let err = |e: std::io::Error| ClientError::Connection(strerror(&e));
        let stream: Box<dyn Stream> = if let Some(path) = remote.strip_prefix("unix:") {
            Box::new(UnixStream::connect(path).map_err(err)?)
        } else if let Some(addr) = remote.strip_prefix("tcp:") {
            Box::new(TcpStream::connect(addr).map_err(err)?)
        } else {
            return Err(ClientError::Connection(
                "Address family not supported by protocol".into(),
            ));
        };
        Ok(Client {
            stream,
            framer: Framer::new(),
            next_id: 0,
        })
    }

    fn recv(&mut self) -> Result<Message, ClientError> {
        let mut buf = [0u8; 65536];
        loop {
            match self.framer.next_message() {
                Ok(Some(m)) => return Ok(m),
                Ok(None) => {}
                Err(e) => return Err(ClientError::Connection(e.to_string())),
            }
            let n = self
                .stream
                .read(&mut buf)
                .map_err(|e| ClientError::Connection(strerror(&e)))?;
            if n == 0 {
                return Err(ClientError::Connection("End of file".into()));
            }
            self.framer.push(&buf[..n]);
        }
    }

    fn send(&mut self, m: &Message) -> Result<(), ClientError> {
        self.stream
            .write_all(&m.to_bytes())
            .map_err(|e| ClientError::Connection(strerror(&e)))
    }

    /// Sends a request and waits for its response, answering echoes meanwhile.
    pub fn call(&mut self, method: &str, params: Vec<Value>) -> Result<Value, ClientError> {
        self.next_id += 1;
        let id = json!(self.next_id);
        self.send(&Message::Request {
            method: method.into(),
            params,
            id: id.clone(),
        })?;
        loop {
            match self.recv()? {
                Message::Response {
                    result,
                    error,
                    id: rid,
                } if rid == id => {
                    return if error.is_null() {
                        Ok(result)
                    } else {
                        Err(ClientError::Rpc(error))
                    };
                }
                Message::Request { method, params, id } if method == "echo" => {
                    self.send(&Message::Response {
                        result: Value::Array(params),
                        error: Value::Null,
                        id,
                    })?;
                }
                _ => {}
            }
        }
    }
}
