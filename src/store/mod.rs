//! Storage adapter: the SQLite/GeoPackage file behind every snapshot.

pub mod access;
pub mod addresses;
pub mod gpkg;
pub mod history;
pub mod plans;
pub mod roads;
pub mod sqlite;
pub mod validity;
pub mod wkb;

pub use sqlite::{Store, StoreError, WriteMode, WriteReport};
