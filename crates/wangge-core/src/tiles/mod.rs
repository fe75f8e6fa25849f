//! Vector tiles, the pure part: web-mercator tile addressing, and turning lon/lat features into
//! the integer geometry of one tile (clipped to the buffered tile, snapped to the tile grid,
//! wound as Mapbox Vector Tile spec v2 wants). Encoding the result as protobuf is the adapter
//! `wangge_formats::mvt`.
//!
//! Simplification is snap-rounding: every vertex is rounded to the tile's integer grid
//! ([`EXTENT`] units per tile edge), repeated and collinear vertices are dropped and rings that
//! collapse are removed. The tolerance is thus half a unit — 1/8 of a pixel of a 512-pixel tile —
//! at every zoom, i.e. it halves in metres with each zoom level. Because the result depends only
//! on where each vertex lies, two neighbours that share an edge get the same simplified edge: no
//! slivers or overlaps appear between grids at any zoom.

pub mod build;
pub mod clip;

use geo::{Coord, Rect};
use std::f64::consts::PI;
use std::fmt;

/// Integer units per tile edge (the MVT default).
pub const EXTENT: u32 = 4096;
/// Units drawn beyond each tile edge, so lines and outlines join seamlessly across tiles.
pub const BUFFER: u32 = 64;
/// Highest zoom served; beyond this a client overzooms.
pub const MAX_ZOOM: u8 = 22;
/// Web mercator stops short of the poles at this latitude.
pub const MAX_LAT: f64 = 85.051_128_779_806_59;

/// One tile in the XYZ scheme (y grows southwards, as in OpenStreetMap and MapLibre).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileId {
    /// Zoom level, 0..=[`MAX_ZOOM`].
    pub z: u8,
    /// Column, 0..2^z.
    pub x: u32,
    /// Row, 0..2^z.
    pub y: u32,
}

/// Why a tile address is not valid; the faces render it in the request's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TileIdError {
    /// `z` is not a whole number in 0..=MAX_ZOOM.
    Zoom(String),
    /// `x` is not a whole number in 0..2^z.
    Column(String, u8),
    /// `y` is not a whole number in 0..2^z.
    Row(String, u8),
}

impl TileIdError {
    /// Stable key of the error, e.g. `tile.zoom`.
    pub fn key(&self) -> &'static str {
        match self {
            TileIdError::Zoom(_) => "tile.zoom",
            TileIdError::Column(..) => "tile.column",
            TileIdError::Row(..) => "tile.row",
        }
    }

    /// The highest valid value of the part that is wrong (`z`, or `x`/`y` at zoom `z`), which the
    /// messages state.
    pub fn max(&self) -> u64 {
        match self {
            TileIdError::Zoom(_) => u64::from(MAX_ZOOM),
            TileIdError::Column(_, z) | TileIdError::Row(_, z) => (1u64 << z) - 1,
        }
    }
}

impl TileId {
    /// Parses the three path segments of `/{z}/{x}/{y}`, checking each is in range.
    pub fn parse(z: &str, x: &str, y: &str) -> Result<TileId, TileIdError> {
        let zoom: u8 = z.parse().ok().filter(|z| *z <= MAX_ZOOM).ok_or_else(|| TileIdError::Zoom(z.to_string()))?;
        let n = 1u64 << zoom;
        let coord = |raw: &str| raw.parse::<u64>().ok().filter(|v| *v < n).map(|v| v as u32);
        let col = coord(x).ok_or_else(|| TileIdError::Column(x.to_string(), zoom))?;
        let row = coord(y).ok_or_else(|| TileIdError::Row(y.to_string(), zoom))?;
        Ok(TileId { z: zoom, x: col, y: row })
    }

    /// The tile's bounds in lon/lat, widened by `buffer` tile units on every side.
    pub fn bounds(self, buffer: u32) -> Rect<f64> {
        let pad = buffer as f64 / EXTENT as f64;
        let (x0, y0) = (self.x as f64 - pad, self.y as f64 - pad);
        let (x1, y1) = (self.x as f64 + 1.0 + pad, self.y as f64 + 1.0 + pad);
        let nw = unproject(x0, y0, self.z);
        let se = unproject(x1, y1, self.z);
        Rect::new(Coord { x: nw.x, y: se.y }, Coord { x: se.x, y: nw.y })
    }

    /// A lon/lat position in this tile's units: (0, 0) is the north-west corner, ([`EXTENT`],
    /// [`EXTENT`]) the south-east one, y growing southwards.
    #[inline]
    pub fn to_tile(self, p: Coord) -> Coord {
        let (wx, wy) = project(p, self.z);
        Coord { x: (wx - self.x as f64) * EXTENT as f64, y: (wy - self.y as f64) * EXTENT as f64 }
    }

    /// The inverse of [`TileId::to_tile`].
    pub fn to_lonlat(self, t: Coord) -> Coord {
        unproject(self.x as f64 + t.x / EXTENT as f64, self.y as f64 + t.y / EXTENT as f64, self.z)
    }
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// Lon/lat → fractional tile column and row at zoom `z` (latitude clamped to web mercator's range).
#[inline]
pub fn project(p: Coord, z: u8) -> (f64, f64) {
    let n = (1u64 << z) as f64;
    let lat = p.y.clamp(-MAX_LAT, MAX_LAT).to_radians();
    let x = (p.x + 180.0) / 360.0 * n;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0 * n;
    (x, y)
}

/// Fractional tile column and row at zoom `z` → lon/lat.
pub fn unproject(x: f64, y: f64, z: u8) -> Coord {
    let n = (1u64 << z) as f64;
    let lon = x / n * 360.0 - 180.0;
    let lat = (PI * (1.0 - 2.0 * y / n)).sinh().atan().to_degrees();
    Coord { x: lon, y: lat }
}

/// The range of tiles at zoom `z` that cover `bbox` (lon/lat): (min x, min y, max x, max y).
pub fn tile_range(bbox: Rect<f64>, z: u8) -> (u32, u32, u32, u32) {
    let last = ((1u64 << z) - 1) as f64;
    let (x0, y0) = project(Coord { x: bbox.min().x, y: bbox.max().y }, z);
    let (x1, y1) = project(Coord { x: bbox.max().x, y: bbox.min().y }, z);
    let c = |v: f64| v.floor().clamp(0.0, last) as u32;
    (c(x0), c(y0), c(x1), c(y1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_round_trips_and_matches_known_tiles() {
        // Shenzhen Civic Centre at z14: column 13382.97, row 7138.50 (checked with the slippy-map
        // formula in Python).
        let p = Coord { x: 114.0594, y: 22.5431 };
        let (x, y) = project(p, 14);
        assert!((x - 13382.970027).abs() < 1e-5 && (y - 7138.495120).abs() < 1e-5, "{x} {y}");
        let back = unproject(x, y, 14);
        assert!((back.x - p.x).abs() < 1e-9 && (back.y - p.y).abs() < 1e-9, "{back:?}");
        let t = TileId { z: 14, x: 13382, y: 7138 };
        let local = t.to_tile(p);
        assert!((0.0..4096.0).contains(&local.x) && (0.0..4096.0).contains(&local.y), "{local:?}");
        let b = t.bounds(0);
        assert!(b.min().x < p.x && p.x < b.max().x && b.min().y < p.y && p.y < b.max().y);
    }

    #[test]
    fn parse_names_the_bad_part() {
        assert_eq!(TileId::parse("3", "7", "0"), Ok(TileId { z: 3, x: 7, y: 0 }));
        assert_eq!(TileId::parse("23", "0", "0"), Err(TileIdError::Zoom("23".into())));
        assert_eq!(TileId::parse("3", "8", "0"), Err(TileIdError::Column("8".into(), 3)));
        assert_eq!(TileId::parse("3", "0", "-1"), Err(TileIdError::Row("-1".into(), 3)));
        assert_eq!((TileIdError::Row("x".into(), 3).key(), TileIdError::Row("x".into(), 3).max()), ("tile.row", 7));
        assert_eq!(TileIdError::Zoom("a".into()).max(), 22);
    }

    #[test]
    fn tile_range_covers_the_box() {
        let b = Rect::new(Coord { x: 114.0, y: 22.5 }, Coord { x: 114.1, y: 22.6 });
        let (x0, y0, x1, y1) = tile_range(b, 14);
        assert!(x0 <= x1 && y0 <= y1);
        assert_eq!((x0, x1), (13380, 13384)); // columns 13380.27 to 13384.82
    }
}
