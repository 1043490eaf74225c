//! rvs-jsonrpc: JSON-RPC 1.0 as OVSDB (RFC 7047 §4) and OVS's control sockets
//! (`ovs-appctl`) use it: message types and a streaming framer. Sans-IO; used by the
//! OVSDB client, `rvs-vsctl` and the unixctl server and client.
//!
//! OVSDB peers send JSON objects back to back with no delimiter. [`Framer`] finds message
//! boundaries with a small incremental scanner (strings, escapes and bracket depth), so a
//! large message arriving in many reads is scanned once, not re-parsed on every read.
#![forbid(unsafe_code)]

use serde_json::{json, Value};

/// Largest message accepted from a peer. An initial monitor reply of a big database is a
/// few megabytes; anything near this limit is a broken or hostile peer.
pub const MAX_MESSAGE_LEN: usize = 128 << 20;

/// Errors of the JSON-RPC layer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The peer sent bytes that are not a JSON object.
    #[error("malformed JSON-RPC stream: {0}")]
    Syntax(String),
    /// A message exceeded [`MAX_MESSAGE_LEN`].
    #[error("JSON-RPC message longer than {MAX_MESSAGE_LEN} bytes")]
    TooLong,
    /// Valid JSON that is not a JSON-RPC 1.0 request, notification or response.
    #[error("not a JSON-RPC message: {0}")]
    NotJsonRpc(String),
}

/// One JSON-RPC 1.0 message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A call that expects a response with the same id.
    Request {
        /// Method name.
        method: String,
        /// Positional parameters (always a JSON array).
        params: Vec<Value>,
        /// Request id (any JSON value but null).
        id: Value,
    },
    /// A call with a null id: no response.
    Notification {
        /// Method name.
        method: String,
        /// Positional parameters.
        params: Vec<Value>,
    },
    /// The answer to a request: exactly one of `result` and `error` is non-null.
    Response {
        /// The result, or null on error.
        result: Value,
        /// The error, or null on success.
        error: Value,
        /// The id of the request this answers.
        id: Value,
    },
}

impl Message {
    /// Interprets a parsed JSON value as a JSON-RPC message.
    pub fn from_value(v: Value) -> Result<Message, Error> {
        let Value::Object(mut obj) = v else {
            return Err(Error::NotJsonRpc("top-level value is not an object".into()));
        };
        let id = obj.remove("id").unwrap_or(Value::Null);
        if let Some(method) = obj.remove("method") {
            let Value::String(method) = method else {
                return Err(Error::NotJsonRpc("\"method\" is not a string".into()));
            };
            let params = match obj.remove("params") {
                Some(Value::Array(p)) => p,
                None | Some(Value::Null) => Vec::new(),
                Some(_) => return Err(Error::NotJsonRpc("\"params\" is not an array".into())),
            };
            if id.is_null() {
                Ok(Message::Notification { method, params })
            } else {
                Ok(Message::Request { method, params, id })
            }
        } else if obj.contains_key("result") || obj.contains_key("error") {
            let result = obj.remove("result").unwrap_or(Value::Null);
            let error = obj.remove("error").unwrap_or(Value::Null);
            Ok(Message::Response { result, error, id })
        } else {
            Err(Error::NotJsonRpc(
                "object has neither \"method\" nor \"result\"/\"error\"".into(),
            ))
        }
    }

    /// The JSON value of this message.
    pub fn to_value(&self) -> Value {
        match self {
            Message::Request { method, params, id } => {
                json!({"method": method, "params": params, "id": id})
            }
            Message::Notification { method, params } => {
                json!({"method": method, "params": params, "id": Value::Null})
            }
            Message::Response { result, error, id } => {
                json!({"result": result, "error": error, "id": id})
            }
        }
    }

    /// Serialized bytes ready for the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serializing a `Value` cannot fail.
        serde_json::to_vec(&self.to_value()).unwrap_or_default()
    }
}

/// Incremental splitter of a byte stream into top-level JSON values.
#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
    /// Bytes of `buf` already scanned.
    scanned: usize,
    /// Start of the message being scanned, once its first `{` was seen.
    start: Option<usize>,
    depth: usize,
    in_string: bool,
    escape: bool,
}

impl Framer {
    /// A framer with an empty buffer.
    pub fn new() -> Framer {
        Framer::default()
    }

    /// Appends bytes received from the peer.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Returns the next complete message, `Ok(None)` when more bytes are needed.
    pub fn next_value(&mut self) -> Result<Option<Value>, Error> {
        while self.scanned < self.buf.len() {
            let b = self.buf[self.scanned];
            let pos = self.scanned;
            self.scanned += 1;
            if self.start.is_none() {
                match b {
                    b' ' | b'\t' | b'\r' | b'\n' => continue,
                    b'{' => {
                        self.start = Some(pos);
                        self.depth = 1;
                        continue;
                    }
                    _ => {
                        return Err(Error::Syntax(format!(
                            "unexpected byte 0x{b:02x} between messages"
                        )))
                    }
                }
            }
            if self.in_string {
                if self.escape {
                    self.escape = false;
                } else if b == b'\\' {
                    self.escape = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        let start = self.start.take().unwrap_or(0);
                        let parsed =
                            serde_json::from_slice::<Value>(&self.buf[start..self.scanned]);
                        self.buf.drain(..self.scanned);
                        self.scanned = 0;
                        return parsed.map(Some).map_err(|e| Error::Syntax(e.to_string()));
                    }
                }
                _ => {}
            }
        }
        if self.buf.len() > MAX_MESSAGE_LEN {
            return Err(Error::TooLong);
        }
        Ok(None)
    }

    /// Returns the next complete JSON-RPC message, `Ok(None)` when more bytes are needed.
    pub fn next_message(&mut self) -> Result<Option<Message>, Error> {
        match self.next_value()? {
            Some(v) => Message::from_value(v).map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_back_to_back_messages_across_reads() {
        let stream = br#"{"id":1,"result":{"a":"}{]["},"error":null} {"method":"echo","params":[],"id":"echo"}{"method":"update2","params":[null,{}],"id":null}"#;
        for split in 1..stream.len() {
            let mut f = Framer::new();
            let mut got = Vec::new();
            for part in [&stream[..split], &stream[split..]] {
                f.push(part);
                while let Some(m) = f.next_message().unwrap() {
                    got.push(m);
                }
            }
            assert_eq!(got.len(), 3, "split at {split}");
            assert!(matches!(&got[0], Message::Response { id, .. } if id == &json!(1)));
            assert!(matches!(&got[1], Message::Request { method, .. } if method == "echo"));
            assert!(matches!(&got[2], Message::Notification { method, .. } if method == "update2"));
        }
    }

    #[test]
    fn escaped_quotes_do_not_end_strings() {
        let mut f = Framer::new();
        f.push(br#"{"method":"x","params":["a\"}b\\"],"id":null}"#);
        let m = f.next_message().unwrap().unwrap();
        assert_eq!(
            m,
            Message::Notification {
                method: "x".into(),
                params: vec![json!("a\"}b\\")]
            }
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_hang() {
        let mut f = Framer::new();
        f.push(b"  [1,2]");
        assert!(matches!(f.next_value(), Err(Error::Syntax(_))));
        let mut f = Framer::new();
        f.push(b"{\"a\":tru}");
        assert!(matches!(f.next_value(), Err(Error::Syntax(_))));
        let mut f = Framer::new();
        f.push(b"{\"params\":[]}");
        assert!(matches!(f.next_message(), Err(Error::NotJsonRpc(_))));
    }

    #[test]
    fn round_trip() {
        let m = Message::Request {
            method: "transact".into(),
            params: vec![json!("Open_vSwitch")],
            id: json!(7),
        };
        let mut f = Framer::new();
        f.push(&m.to_bytes());
        assert_eq!(f.next_message().unwrap(), Some(m));
    }
}
