//! Use-cases shared by the HTTP API and the CLI.

pub mod demo;
pub mod import;
pub mod lookup;
pub mod plan;
