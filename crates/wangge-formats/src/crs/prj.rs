//! Coordinate systems described by WKT (a Shapefile's `.prj`, a GeoPackage's `gpkg_spatial_ref_sys`),
//! and conversions from WGS 84 to any EPSG code for exports.
//!
//! A `.prj` written by ArcGIS, QGIS or GDAL is ESRI WKT and usually carries no EPSG code, so the
//! CGCS2000 Gauss–Krüger zones Chinese municipal data arrives in (EPSG:4491–4554) are recognised
//! from their parameters; anything else is handed to PROJ as WKT. Recognising the code matters
//! because it is what the import reports and what the PROJ pipeline is built from (with its datum
//! knowledge), not a guess from an arbitrary string.

use super::{Crs, CrsError};
use geo::{Coord, Geometry, MapCoords};
use proj::Proj;
use std::cell::RefCell;
use std::collections::HashMap;

/// Where a file's coordinates are: a system wangge knows by name or code, or a WKT only PROJ reads.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceCrs {
    /// A known system (EPSG code or a name).
    Known(Crs),
    /// A WKT definition with no recognisable EPSG code; PROJ converts it as it is.
    Wkt(String),
}

impl std::fmt::Display for SourceCrs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceCrs::Known(c) => write!(f, "{c}"),
            SourceCrs::Wkt(w) => write!(f, "WKT {}", wkt_name(w).unwrap_or("(unnamed)")),
        }
    }
}

/// The quoted name of the outermost WKT node (`PROJCS["this",…]`).
fn wkt_name(wkt: &str) -> Option<&str> {
    let start = wkt.find('"')? + 1;
    let len = wkt[start..].find('"')?;
    Some(&wkt[start..start + len])
}

/// Reads a WKT (ESRI or OGC flavour): its EPSG code when one can be told, else the WKT itself
/// if PROJ understands it. `Err` carries PROJ's reason.
pub fn from_wkt(wkt: &str) -> Result<SourceCrs, String> {
    let wkt = wkt.trim().trim_start_matches('\u{feff}');
    if wkt.is_empty() {
        return Err("empty definition".into());
    }
    if let Some(code) = recognise(wkt) {
        return Ok(SourceCrs::Known(known(code)));
    }
    Proj::new_known_crs(wkt, "EPSG:4326", None).map_err(|e| e.to_string())?;
    Ok(SourceCrs::Wkt(wkt.to_string()))
}

fn known(code: u32) -> Crs {
    match code {
        4326 => Crs::Wgs84,
        4490 => Crs::Cgcs2000,
        c => Crs::Epsg(c),
    }
}

/// The EPSG code of a WKT: an explicit top-level authority, else WGS 84 / CGCS2000 geographic,
/// else a CGCS2000 Gauss–Krüger zone told from its central meridian and false easting.
pub fn recognise(wkt: &str) -> Option<u32> {
    if let Some(code) = top_level_authority(wkt) {
        return Some(code);
    }
    let upper = wkt.to_ascii_uppercase();
    let cgcs = ["CHINA_2000", "CHINA_GEODETIC_COORDINATE_SYSTEM_2000", "CGCS2000", "CGCS_2000", "CHINA 2000"]
        .iter()
        .any(|k| upper.contains(k));
    let projected = upper.starts_with("PROJCS") || upper.starts_with("PROJCRS");
    if !projected {
        if !upper.starts_with("GEOGCS") && !upper.starts_with("GEOGCRS") {
            return None;
        }
        if cgcs {
            return Some(4490);
        }
        let wgs = upper.contains("WGS_1984") || upper.contains("WGS 84") || upper.contains("WGS84");
        return wgs.then_some(4326);
    }
    if !cgcs || !(upper.contains("GAUSS_KRUGER") || upper.contains("TRANSVERSE_MERCATOR")) {
        return None;
    }
    let param = |name: &str| parameter(&upper, name);
    let cm = param("CENTRAL_MERIDIAN")?;
    let fe = param("FALSE_EASTING")?;
    let ok = |v: Option<f64>, want: f64| v.is_none_or(|v| (v - want).abs() < 1e-9);
    if !ok(param("SCALE_FACTOR"), 1.0) || !ok(param("FALSE_NORTHING"), 0.0) || !ok(param("LATITUDE_OF_ORIGIN"), 0.0) {
        return None;
    }
    if cm.fract() != 0.0 || !(75.0..=135.0).contains(&cm) {
        return None;
    }
    let cm = cm as u32;
    let three_degree = upper.contains("3_DEGREE") || upper.contains("3-DEGREE") || upper.contains("3 DEGREE");
    if (fe - 500_000.0).abs() < 1e-6 {
        // Without a zone prefix the name tells 3° from 6° zones; both have the same parameters.
        if three_degree || cm % 6 != 3 {
            return (cm % 3 == 0).then(|| 4534 + (cm - 75) / 3);
        }
        return Some(4502 + (cm - 75) / 6);
    }
    // The zone number as the false easting's millions: 13–23 are 6° zones, 25–45 are 3° zones.
    let zone = ((fe - 500_000.0) / 1_000_000.0).round();
    if (fe - (zone * 1_000_000.0 + 500_000.0)).abs() > 1e-6 {
        return None;
    }
    let zone = zone as u32;
    match zone {
        13..=23 if cm == zone * 6 - 3 => Some(4491 + zone - 13),
        25..=45 if cm == zone * 3 => Some(4513 + zone - 25),
        _ => None,
    }
}

/// The code of the last `AUTHORITY["EPSG","n"]` / `ID["EPSG",n]` when it closes the outermost node
/// (inner nodes such as the datum carry their own codes, which say nothing about the whole).
fn top_level_authority(wkt: &str) -> Option<u32> {
    let upper = wkt.to_ascii_uppercase();
    let at = upper.rfind("AUTHORITY[").or_else(|| upper.rfind("ID["))?;
    let tail = &upper[at..];
    let close = tail.find(']')?;
    // What follows the authority must only be the outermost closing bracket.
    if tail[close + 1..].trim() != "]" {
        return None;
    }
    let inner = &tail[tail.find('[')? + 1..close];
    let mut parts = inner.split(',').map(|s| s.trim().trim_matches('"'));
    if parts.next()? != "EPSG" {
        return None;
    }
    parts.next()?.parse().ok()
}

fn parameter(upper: &str, name: &str) -> Option<f64> {
    let key = format!("PARAMETER[\"{name}\",");
    let at = upper.find(&key)? + key.len();
    let end = upper[at..].find(']')?;
    upper[at..at + end].trim().parse().ok()
}

/// ESRI WKT for an EPSG code (what a `.prj` should hold so ArcGIS, QGIS and GDAL agree), from PROJ.
pub fn esri_wkt(crs: Crs) -> Result<String, CrsError> {
    let code = epsg_code(crs);
    let p = Proj::new(&format!("EPSG:{code}")).map_err(|e| CrsError::Unsupported { code, detail: e.to_string() })?;
    p.as_wkt(Some(proj::wkt::WktVersion::Wkt1_Esri), None)
        .map_err(|e| CrsError::Unsupported { code, detail: e.to_string() })
}

/// OGC WKT 1 (as GDAL writes it) for an EPSG code, for `gpkg_spatial_ref_sys.definition`.
pub fn ogc_wkt(crs: Crs) -> Result<String, CrsError> {
    let code = epsg_code(crs);
    let p = Proj::new(&format!("EPSG:{code}")).map_err(|e| CrsError::Unsupported { code, detail: e.to_string() })?;
    p.as_wkt(Some(proj::wkt::WktVersion::Wkt1_Gdal), None)
        .map_err(|e| CrsError::Unsupported { code, detail: e.to_string() })
}

/// The EPSG code a file should be labelled with. GCJ-02 and BD-09 have none, so exports refuse
/// them before getting here.
pub fn epsg_code(crs: Crs) -> u32 {
    match crs {
        Crs::Wgs84 | Crs::Gcj02 | Crs::Bd09 => 4326,
        Crs::Cgcs2000 => 4490,
        Crs::Epsg(c) => c,
    }
}

thread_local! {
    // One PROJ object per source definition (to WGS 84), as in the parent module.
    static WKT_CACHE: RefCell<HashMap<String, Proj>> = RefCell::new(HashMap::new());
}

fn with_proj<T>(from: &str, to: &str, key: String, f: impl FnOnce(&Proj) -> Result<T, String>) -> Result<T, String> {
    WKT_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let p = match cache.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(Proj::new_known_crs(from, to, None).map_err(|e| e.to_string())?)
            }
        };
        f(p)
    })
}

fn convert(p: &Proj, c: Coord) -> Result<Coord, String> {
    let (x, y) = p.convert((c.x, c.y)).map_err(|e| format!("({}, {}): {e}", c.x, c.y))?;
    if !x.is_finite() || !y.is_finite() {
        return Err(format!("({}, {}): result is not finite", c.x, c.y));
    }
    Ok(Coord { x, y })
}

impl SourceCrs {
    /// Converts a geometry in this system to WGS 84 lon/lat.
    pub fn geometry_to_wgs84(&self, g: &Geometry<f64>) -> Result<Geometry<f64>, String> {
        match self {
            SourceCrs::Known(c) => c.geometry_to_wgs84(g).map_err(|e| e.to_string()),
            SourceCrs::Wkt(w) => with_proj(w, "EPSG:4326", w.clone(), |p| g.try_map_coords(|c| convert(p, c))),
        }
    }
}

/// Converts a WGS 84 lon/lat geometry to `crs` (for exports); WGS 84 and CGCS2000 are returned
/// unchanged, as on import. GCJ-02 and BD-09 are not export targets. The transform itself is the
/// one OGC API output uses ([`super::output::from_wgs84`]), so a file and a page agree to the bit.
pub fn geometry_from_wgs84(crs: Crs, g: &Geometry<f64>) -> Result<Geometry<f64>, CrsError> {
    if crs.is_wgs84() {
        return Ok(g.clone());
    }
    let code = epsg_code(crs);
    if matches!(crs, Crs::Gcj02 | Crs::Bd09) {
        return Err(CrsError::Unsupported { code, detail: "GCJ-02/BD-09 are not export targets".into() });
    }
    g.try_map_coords(|c| super::output::from_wgs84(code, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GDAL_4547: &str = r#"PROJCS["CGCS2000_3_Degree_GK_CM_114E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",114.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

    #[test]
    fn recognises_every_cgcs2000_gauss_kruger_zone_from_proj_esri_wkt() {
        for code in 4491..=4554 {
            let wkt = esri_wkt(Crs::Epsg(code)).unwrap();
            let got = recognise(&wkt);
            // 6° CM zones and 3° CM zones share parameters where meridians coincide; either code
            // converts identically, so only the parameters must agree.
            let same = got == Some(code)
                || got.is_some_and(|g| {
                    let a = ogc_wkt(Crs::Epsg(g)).unwrap();
                    let b = ogc_wkt(Crs::Epsg(code)).unwrap();
                    a.split("PROJECTION").nth(1).map(|s| s.split("AUTHORITY").next())
                        == b.split("PROJECTION").nth(1).map(|s| s.split("AUTHORITY").next())
                });
            assert!(same, "EPSG:{code} read as {got:?} from {wkt}");
        }
        assert_eq!(recognise(GDAL_4547), Some(4547));
    }

    #[test]
    fn geographic_and_authority_codes() {
        assert_eq!(recognise(&esri_wkt(Crs::Wgs84).unwrap()), Some(4326));
        assert_eq!(recognise(&esri_wkt(Crs::Cgcs2000).unwrap()), Some(4490));
        assert_eq!(recognise(&ogc_wkt(Crs::Epsg(32650)).unwrap()), Some(32650));
        assert_eq!(from_wkt(GDAL_4547), Ok(SourceCrs::Known(Crs::Epsg(4547))));
        assert!(from_wkt("PROJCS[\"nonsense\"]").is_err());
        assert!(from_wkt("").is_err());
    }

    #[test]
    fn wkt_without_a_code_goes_through_proj_and_back() {
        // UTM 50N as ESRI WKT has no code this module recognises by parameters.
        let wkt = esri_wkt(Crs::Epsg(32650)).unwrap();
        let src = SourceCrs::Wkt(wkt);
        let p = Geometry::Point(geo::point!(x: 500_000.0, y: 2_500_000.0));
        let ll = src.geometry_to_wgs84(&p).unwrap();
        let back = geometry_from_wgs84(Crs::Epsg(32650), &ll).unwrap();
        let (Geometry::Point(a), Geometry::Point(b)) = (p, back) else { unreachable!() };
        assert!((a.x() - b.x()).abs() < 1e-6 && (a.y() - b.y()).abs() < 1e-6, "{a:?} {b:?}");
    }
}
