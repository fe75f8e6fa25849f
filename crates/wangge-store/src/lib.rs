//! Storage adapter: the SQLite/GeoPackage file behind every snapshot ([`Store`], one connection,
//! for the CLI), and the served store ([`Pool`]: WAL, read pool, one writer) behind the
//! [`Backend`] seam.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod access;
pub mod addresses;
pub mod audit_queue;
pub mod changes;
pub mod columns;
pub mod db;
pub mod dump;
pub mod external;
pub mod gpkg_sql;
pub mod history;
pub mod index_cache;
pub mod layer_writer;
pub mod networks;
pub mod plans;
pub mod pool;
pub mod roads;
mod row_fields;
pub mod sqlite;
pub mod styles;
pub mod validity;

pub use audit_queue::AuditQueue;
pub use db::Db;
pub use layer_writer::LayerWriter;
pub use pool::{AuditEntry, Backend, Pool};
pub use sqlite::{Store, StoreError, WriteMode, WriteReport};
