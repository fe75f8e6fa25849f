//! The pure core: domain types, geometry, spatial index, lookup and validation.
//! No I/O, no HTTP, no async — everything here is a function of its inputs.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod planar;

pub mod address;
pub mod align;
pub mod attrs;
pub mod boxes;
pub mod cells;
pub mod coverage;
pub mod dates;
pub mod diff;
pub mod distance;
pub mod edit;
pub mod feature_ref;
pub mod filter;
pub mod hierarchy;
pub mod index;
pub mod index_cache;
pub mod isochrone;
pub mod model;
pub mod network;
pub mod numbering;
pub mod prepared;
pub mod problem;
pub mod propose;
pub mod raster;
pub mod repair;
pub mod rules;
pub mod snapshot;
pub mod tiles;
pub mod validate;
