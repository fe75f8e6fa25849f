//! Coverage of service centres: service areas per facility kind, their union, the gaps, the
//! statistics per grid, community, street and district, greedy suggestions for new sites, and
//! incremental updates when one centre is added, moved or removed.
//!
//! Geometry is cut in the network's local frame; the areas reported are m² on the WGS 84
//! ellipsoid (see [`crate::distance`]); households are counts.

pub mod compute;
pub mod context;
pub mod stats;
pub mod suggest;
pub mod synthetic;

pub use compute::{Coverage, Mode, Params, Served, UnitCover, homes_within, serve_site};
pub use context::{Context, Home, Site, Unit, UnitIn};
pub use stats::{CircleExcess, Level, Stat, by_level, circle_excess, total};
pub use suggest::{Pick, greedy, suggest};
