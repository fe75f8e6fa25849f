//! Adapters for data crossing the edge: file formats in and out, and coordinate systems.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod clock;
pub mod gpkg;
pub mod wkb;

pub mod addresses;
pub mod crs;
pub mod csv_in;
pub mod csv_out;
pub mod dbf;
pub mod edit_json;
pub mod formats;
pub mod geojson;
pub mod geojson_stream;
pub mod gpkg_file;
pub mod mvt;
pub mod roads;
pub mod shapefile;
mod table_row;
pub mod xlsx;
pub mod zip_out;
