//! Planar topology on a 1e-7° lattice: noding line segments at every crossing ([`noding`]), the half-edge
//! graph and its faces ([`faces`]), and rings and polygons on the lattice ([`rings`]).
//!
//! Road import (walking networks noded at crossings) and the demo-city builder (blocks as the faces of the
//! road graph) both build on these, so they live in the core rather than in either of them.

pub mod faces;
pub mod noding;
pub mod rings;
