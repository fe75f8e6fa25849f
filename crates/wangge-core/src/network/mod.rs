//! The walking network: a graph of straight road segments, snapping points onto it, bounded
//! shortest paths from a snapped point, and connected components.
//!
//! # Units and coordinates
//! Nodes are WGS 84 longitude/latitude. Each network also carries one local equirectangular frame
//! ([`crate::distance::LocalFrame`]) centred on its extent; node positions in that frame are
//! planar metres used for snapping and for buffering isochrones. Edge lengths are geodesic metres.
//!
//! # Why every vertex is a node
//! Every vertex of every road polyline becomes a node and every edge is one straight segment. That
//! costs a few degree-two nodes but makes "part of the last edge" exact and simple: a position on an
//! edge is a fraction of a straight segment, and the reachable piece of an edge is a sub-segment.

pub mod components;
pub mod dijkstra;
pub mod graph;
pub mod snap;

pub use components::Components;
pub use dijkstra::{Reach, Walker};
pub use graph::{Edge, Network};
pub use snap::{EdgeIndex, Snapped};
