//! Coordinate reference systems accepted at the edges, and conversion to WGS 84 lon/lat.
//!
//! - `wgs84` (EPSG:4326) and `cgcs2000` (EPSG:4490): treated as identical — they differ by
//!   centimetres, far below the accuracy of any grid boundary.
//! - `gcj02` and `bd09`: the obfuscated datums of Chinese web maps, converted by [`china`].
//! - `EPSG:n`: anything PROJ knows (e.g. the CGCS2000 Gauss–Krüger zones EPSG:4513–4554), through
//!   the `proj` crate with axis order normalised to easting/northing or lon/lat.

pub mod china;
pub mod output;
pub mod prj;

use geo::{Coord, Geometry, MapCoords};
use proj::Proj;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// A coordinate reference system an input may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crs {
    /// WGS 84 longitude/latitude (EPSG:4326), the stored system.
    Wgs84,
    /// CGCS2000 longitude/latitude (EPSG:4490).
    Cgcs2000,
    /// GCJ-02 (AMap, Tencent, WeChat maps).
    Gcj02,
    /// BD-09 (Baidu maps).
    Bd09,
    /// Any EPSG code PROJ knows.
    Epsg(u32),
}

/// A CRS name that could not be understood or is not supported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown CRS '{0}' (use wgs84, cgcs2000, gcj02, bd09 or EPSG:<code>)")]
pub struct UnknownCrs(pub String);

impl FromStr for Crs {
    type Err = UnknownCrs;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        let crs = match t.as_str() {
            "" | "wgs84" | "wgs-84" | "crs84" | "epsg:4326" | "4326" => Crs::Wgs84,
            "cgcs2000" | "epsg:4490" | "4490" => Crs::Cgcs2000,
            "gcj02" | "gcj-02" | "amap" | "gaode" => Crs::Gcj02,
            "bd09" | "bd-09" | "baidu" => Crs::Bd09,
            _ => {
                let digits = t.strip_prefix("epsg:").unwrap_or(&t);
                let code: u32 = digits.parse().map_err(|_| UnknownCrs(s.to_string()))?;
                if code == 0 {
                    return Err(UnknownCrs(s.to_string()));
                }
                Crs::Epsg(code)
            }
        };
        Ok(crs)
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Crs::Wgs84 => f.write_str("wgs84"),
            Crs::Cgcs2000 => f.write_str("cgcs2000"),
            Crs::Gcj02 => f.write_str("gcj02"),
            Crs::Bd09 => f.write_str("bd09"),
            Crs::Epsg(c) => write!(f, "EPSG:{c}"),
        }
    }
}

/// Why a conversion failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CrsError {
    /// PROJ does not know the code.
    #[error("PROJ cannot build a transformation from EPSG:{code} to WGS 84: {detail}")]
    Unsupported {
        /// The EPSG code.
        code: u32,
        /// PROJ's message.
        detail: String,
    },
    /// PROJ failed on this position (typically far outside the CRS's area of use).
    #[error("cannot convert ({x}, {y}) from EPSG:{code}: {detail}")]
    Point {
        /// The EPSG code.
        code: u32,
        /// Input x (easting or longitude).
        x: f64,
        /// Input y (northing or latitude).
        y: f64,
        /// PROJ's message.
        detail: String,
    },
}

thread_local! {
    // PROJ objects are not Send, and building one reads proj.db (milliseconds), so each thread
    // keeps the ones it has built.
    static PROJ_CACHE: RefCell<HashMap<u32, Proj>> = RefCell::new(HashMap::new());
}

impl Crs {
    /// Whether coordinates are already WGS 84 lon/lat.
    pub fn is_wgs84(self) -> bool {
        matches!(self, Crs::Wgs84 | Crs::Cgcs2000 | Crs::Epsg(4326) | Crs::Epsg(4490))
    }

    /// Converts one position to WGS 84 lon/lat.
    pub fn to_wgs84(self, c: Coord) -> Result<Coord, CrsError> {
        if self.is_wgs84() {
            return Ok(c);
        }
        let (x, y) = match self {
            Crs::Gcj02 => china::gcj02_to_wgs84(c.x, c.y),
            Crs::Bd09 => china::bd09_to_wgs84(c.x, c.y),
            Crs::Epsg(code) => return with_proj(code, |p| convert(p, code, c)),
            Crs::Wgs84 | Crs::Cgcs2000 => (c.x, c.y),
        };
        Ok(Coord { x, y })
    }

    /// Converts a whole geometry to WGS 84; the first failing position is reported.
    pub fn geometry_to_wgs84(self, g: &Geometry<f64>) -> Result<Geometry<f64>, CrsError> {
        if self.is_wgs84() {
            return Ok(g.clone());
        }
        if let Crs::Epsg(code) = self {
            // One PROJ object for all positions of the geometry.
            return with_proj(code, |p| g.try_map_coords(|c| convert(p, code, c)));
        }
        g.try_map_coords(|c| self.to_wgs84(c))
    }

    /// Checks that the CRS can be used (e.g. that PROJ knows the EPSG code).
    pub fn check(self) -> Result<(), CrsError> {
        match self {
            Crs::Epsg(code) if !self.is_wgs84() => with_proj(code, |_| Ok(())),
            _ => Ok(()),
        }
    }
}

fn convert(p: &Proj, code: u32, c: Coord) -> Result<Coord, CrsError> {
    let (x, y) = p.convert((c.x, c.y)).map_err(|e| CrsError::Point { code, x: c.x, y: c.y, detail: e.to_string() })?;
    if !x.is_finite() || !y.is_finite() {
        return Err(CrsError::Point { code, x: c.x, y: c.y, detail: "result is not finite".into() });
    }
    Ok(Coord { x, y })
}

fn with_proj<T>(code: u32, f: impl FnOnce(&Proj) -> Result<T, CrsError>) -> Result<T, CrsError> {
    PROJ_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let proj = match cache.entry(code) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                Proj::new_known_crs(&format!("EPSG:{code}"), "EPSG:4326", None)
                    .map_err(|e| CrsError::Unsupported { code, detail: e.to_string() })?,
            ),
        };
        f(proj)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;

    #[test]
    fn parses_names_and_codes() {
        assert_eq!("WGS84".parse(), Ok(Crs::Wgs84));
        assert_eq!("gcj-02".parse(), Ok(Crs::Gcj02));
        assert_eq!("EPSG:4547".parse(), Ok(Crs::Epsg(4547)));
        assert_eq!("4490".parse(), Ok(Crs::Cgcs2000));
        assert!("utm".parse::<Crs>().is_err());
        assert!("EPSG:0".parse::<Crs>().is_err());
    }

    #[test]
    fn gauss_kruger_zone_38_matches_cs2cs() {
        // EPSG:4547 = CGCS2000 / 3-degree Gauss-Kruger CM 114E; reference value from cs2cs and PostGIS.
        let c = Crs::Epsg(4547).to_wgs84(coord! { x: 530_000.0, y: 3_385_000.0 }).unwrap();
        assert!((c.x - 114.312774852355).abs() < 1e-9, "{c:?}");
        assert!((c.y - 30.584940141203).abs() < 1e-9, "{c:?}");
    }

    #[test]
    fn unknown_epsg_is_an_error_not_a_panic() {
        assert!(matches!(Crs::Epsg(999_999).check(), Err(CrsError::Unsupported { .. })));
    }

    #[test]
    fn cgcs2000_geographic_is_identity() {
        let p = coord! { x: 114.05, y: 22.54 };
        assert_eq!(Crs::Cgcs2000.to_wgs84(p).unwrap(), p);
        assert_eq!(Crs::Epsg(4490).to_wgs84(p).unwrap(), p);
    }
}
