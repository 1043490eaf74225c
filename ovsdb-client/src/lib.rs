//! rvs-ovsdb-client: an RFC 7047 OVSDB client.
//!
//! It owns the JSON-RPC framing ([`jsonrpc`]), the schema model ([`schema`]), OVSDB values
//! and the `update2` diff rules ([`datum`]), the monitored replica ([`idl`]), the sans-IO
//! protocol session ([`session`]), the tokio socket half ([`conn`]) and the
//! reconnecting client over a list of remotes ([`client`]).
//!
//! Threads: everything here runs on the control-plane thread that owns the session
//! (in `rvs-vswitchd`, the main tokio task). Nothing is shared with PMD threads.
#![forbid(unsafe_code)]

pub mod client;
pub mod conn;
pub mod datum;
pub mod idl;
/// JSON-RPC framing and messages (the `rvs-jsonrpc` crate).
pub use rvs_jsonrpc as jsonrpc;
pub mod schema;
pub mod session;
pub mod tls;

pub use client::{Client, ClientEvent};
pub use conn::{ConnError, Connection};
pub use datum::{Atom, Datum};
pub use idl::{Replica, RowView};
pub use jsonrpc::Message;
pub use schema::Schema;
pub use session::{Event, Session, TxnError};
pub use tls::SslOptions;

/// Runs arbitrary bytes through the JSON-RPC framer and message decoder, and the
/// params of every decoded message through the replica's `update`/`update2` parsers;
/// used by the fuzz target and its corpus test. Never panics.
pub fn fuzz_one(data: &[u8]) {
    let mut f = jsonrpc::Framer::new();
    let mut replica = idl::fuzz_replica();
    for chunk in data.chunks(7) {
        f.push(chunk);
        loop {
            match f.next_message() {
                Ok(Some(m)) => {
                    let again = Message::from_value(m.to_value());
                    assert_eq!(
                        again.ok().as_ref(),
                        Some(&m),
                        "re-encoding changes a message"
                    );
                    let params = match &m {
                        Message::Request { params, .. } | Message::Notification { params, .. } => {
                            params.clone()
                        }
                        Message::Response { result, .. } => vec![result.clone()],
                    };
                    for p in &params {
                        let _ = replica.apply_update2(p);
                        let _ = replica.apply_update(p);
                    }
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
}
