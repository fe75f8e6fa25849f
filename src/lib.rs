//! wangge (网格) — an open GIS service for urban grid governance.
//!
//! The crate is layered so that dependence runs one way:
//! - [`core`]: pure domain logic — model, spatial index, lookup, validation (no I/O);
//! - adapters: [`store`] (SQLite/GeoPackage), [`io`] (GeoJSON, CSV, coordinate systems),
//!   [`demo`] (builds the demo city from real data);
//! - [`service`]: the use-cases both faces share (import, demo database);
//! - faces: [`api`] (HTTP), [`cli`] (command line), and the web page in `web/`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod cli;
pub mod cli_coverage;
pub mod cli_files;
pub mod cli_plan;
pub mod core;
pub mod demo;
pub mod i18n;
pub mod io;
pub mod service;
pub mod store;
