//! Use-cases shared by the HTTP API and the CLI.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod address;
pub mod align;
pub mod align_draft;
pub mod batch;
pub mod compare;
pub mod coverage;
pub mod coverage_json;
pub mod coverage_report;
pub mod demo;
pub mod feed;
pub mod files;
pub mod geocode_xlsx;
pub mod import;
pub mod lookup;
pub mod network_tiles;
pub mod plan;
pub mod privacy;
pub mod propose;
pub mod published;
pub mod tiles;
