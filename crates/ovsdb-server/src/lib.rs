//! rvs-ovsdb-server: an RFC 7047 OVSDB server, run as `rvs-ovsdb-server` or
//! embedded in `rvs-vswitchd` (which then needs no Open vSwitch installed).
//!
//! It owns the schema model with every constraint ([`schema`]), values and their
//! set algebra ([`value`]), conditions and mutations ([`condition`]), the
//! in-memory database ([`db`]), transactions and their commit checks (referential
//! integrity, garbage collection, weak references, `maxRows`, indexes: [`txn`]),
//! the `transact` operations ([`execute`]), monitors and their update formats
//! ([`monitor`]), the protocol core with sessions, locks and triggers ([`server`]),
//! durable storage in OVS's standalone file format ([`storage`]), the sockets
//! ([`net`]) and the command line ([`cli`]).
//!
//! Threads: [`net::spawn`] runs the whole server on one dedicated OS thread with a
//! single-threaded tokio runtime; the [`server::Server`] and its storage belong to
//! that thread's server task alone. Nothing is shared with the embedding process
//! except the channel behind [`net::Handle`].
#![forbid(unsafe_code)]

pub mod cli;
pub mod condition;
pub mod db;
pub mod error;
pub mod execute;
pub mod monitor;
pub mod net;
pub mod schema;
pub mod server;
pub mod sha1;
pub mod storage;
pub mod txn;
pub mod uuid;
pub mod value;

/// Runs bytes from a peer through the JSON-RPC framer and, for every message, the
/// server's request handling on a fresh in-memory `Open_vSwitch` database; used by
/// the fuzz target and its corpus test. Never panics.
pub fn fuzz_one(data: &[u8]) {
    static TEMPLATE: std::sync::OnceLock<server::Server> = std::sync::OnceLock::new();
    let mut server = TEMPLATE
        .get_or_init(|| {
            let mut s = server::Server::new();
            s.add_database(
                db::Database::new(std::sync::Arc::new(schema::vswitch_schema())),
                None,
            );
            s
        })
        .clone_in_memory();
    let sid = server.connect();
    let mut f = rvs_jsonrpc::Framer::new();
    f.push(data);
    let now = std::time::Instant::now();
    while let Ok(Some(m)) = f.next_message() {
        let _ = server.handle(sid, m, now);
    }
    // Also as bare transact params, the parser most exposed to clients.
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Some(ops) = v.as_array() {
            let id = serde_json::json!(0);
            let mut params = vec![serde_json::json!("Open_vSwitch")];
            params.extend(ops.iter().cloned());
            let _ = server.handle(
                sid,
                rvs_jsonrpc::Message::Request {
                    method: "transact".into(),
                    params,
                    id,
                },
                now,
            );
        }
    }
    let _ = server.tick(now + std::time::Duration::from_secs(3600));
    let _ = server.disconnect(sid);
}
