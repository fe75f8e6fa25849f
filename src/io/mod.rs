//! Adapters for data crossing the edge: file formats in and out, and coordinate systems.

pub mod addresses;
pub mod crs;
pub mod csv_in;
pub mod edit_json;
pub mod geojson;
pub mod mvt;
pub mod roads;
