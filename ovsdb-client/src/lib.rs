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
pub mod jsonrpc;
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
