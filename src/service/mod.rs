//! Use-cases shared by the HTTP API and the CLI.

pub mod address;
pub mod compare;
pub mod coverage;
pub mod coverage_json;
pub mod demo;
pub mod files;
pub mod import;
pub mod lookup;
pub mod plan;
pub mod privacy;
pub mod tiles;
