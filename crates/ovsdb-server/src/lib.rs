//! rvs-ovsdb-server: an RFC 7047 OVSDB server.
#![forbid(unsafe_code)]

pub mod condition;
pub mod db;
pub mod error;
pub mod execute;
pub mod schema;
pub mod sha1;
pub mod storage;
pub mod txn;
pub mod uuid;
pub mod value;
