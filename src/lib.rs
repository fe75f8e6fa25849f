//! wangge (网格) — an open GIS service for urban grid governance: the faces.
//!
//! The workspace is layered so that dependence runs one way, and Cargo enforces it:
//! - [`wangge_core`]: pure domain logic — model, spatial index, lookup, rules, edits, diff, coverage (no I/O);
//! - adapters: [`wangge_formats`] (files and coordinate systems), [`wangge_store`] (SQLite/GeoPackage);
//! - [`wangge_app`]: the use-cases both faces share (import, lookup, plans, coverage, tiles, privacy);
//! - [`wangge_demo`]: builds the demo city from real data;
//! - faces (this crate): [`api`] (HTTP), [`cli`] (command line), and the web page in `web/`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod cli;
