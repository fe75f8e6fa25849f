//! The pure core: domain types, geometry, spatial index, lookup and validation.
//! No I/O, no HTTP, no async — everything here is a function of its inputs.

pub mod cells;
pub mod diff;
pub mod distance;
pub mod edit;
pub mod hierarchy;
pub mod index;
pub mod model;
pub mod prepared;
pub mod problem;
pub mod rules;
pub mod snapshot;
pub mod validate;
