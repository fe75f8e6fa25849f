//! The demo city: real roads of central Futian (福田区), Shenzhen, with illustrative street (街道),
//! community (社区) and grid (网格) boundaries drawn from them, written as GeoJSON layers.
//!
//! Inputs are the real files in `shared/data/futian` (OSM roads, coarse district outlines, the official
//! division list); [`build`] writes `district`, `street`, `community`, `grid`, `building`,
//! `service_centre` and `roads` GeoJSON files plus a README that says which parts are real.
//!
//! Coordinates are WGS 84 longitude/latitude. Every drawn vertex lies on a 1e-7° lattice and all
//! topology is computed on integer lattice coordinates, so neighbouring polygons share bit-identical
//! vertices and the output is the same, byte for byte, on every run. Areas and distances use a local
//! equirectangular scale in metres ([`wangge_core::planar::rings::Metric`]).
//!
//! Pipeline: [`input`] → [`wangge_core::planar`] + [`blocks`] (frame, blocks, chords) → [`households`]
//! (estimate, pieces) → [`partition`] + [`city`] (streets, communities, grids, codes) → [`layers`] →
//! [`write`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod addresses;
pub mod blocks;
pub mod build;
pub mod city;
pub mod error;
pub mod households;
pub mod input;
pub mod layers;
pub mod partition;
pub mod write;

pub use build::{BuildReport, Spread, build};
pub use error::DemoError;

#[cfg(test)]
mod tests;
