//! The one error type of the demo-city builder.

use std::path::PathBuf;

/// Everything that can stop [`build`](super::build): unreadable or malformed inputs, an input that lacks
/// what the demo needs, a topology that cannot be drawn, or an output that cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// An input file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An input file is not valid JSON.
    #[error("{path} is not valid JSON: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The divisions CSV could not be parsed.
    #[error("{path} is not a valid divisions CSV: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The CSV error.
        source: csv::Error,
    },
    /// An input parses but does not have the shape the builder expects.
    #[error("{path}: {what}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong, in words.
        what: String,
    },
    /// The road network or the frame does not allow the boundaries to be drawn.
    #[error("cannot draw the demo city: {0}")]
    Topology(String),
    /// An output file or folder could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An output value could not be serialised.
    #[error("cannot serialise {path}: {source}")]
    Serialise {
        /// The file being written.
        path: PathBuf,
        /// The serialisation error.
        source: serde_json::Error,
    },
}

impl From<wangge_core::planar::faces::TopologyError> for DemoError {
    fn from(e: wangge_core::planar::faces::TopologyError) -> Self {
        DemoError::Topology(e.0)
    }
}
