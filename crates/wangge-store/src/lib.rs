//! Storage adapter: the SQLite/GeoPackage file behind every snapshot.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod access;
pub mod addresses;
pub mod history;
pub mod plans;
pub mod roads;
pub mod sqlite;
pub mod validity;

pub use sqlite::{Store, StoreError, WriteMode, WriteReport};
