//! WGS 84 lon/lat → an EPSG system for output, and each system's authoritative axis order.
//!
//! PROJ is asked for transformations normalised to easting/northing (lon/lat) order; whether a
//! client must receive northing first is read from the CRS's own definition (EPSG:4326 and 4490
//! are latitude-first, the CGCS2000 Gauss–Krüger zones 4491–4554 are northing-first), so the
//! answer follows the EPSG database rather than a table kept by hand.

use super::CrsError;
use geo::Coord;
use proj::Proj;
use std::cell::RefCell;
use std::collections::HashMap;

thread_local! {
    static FORWARD: RefCell<HashMap<u32, Proj>> = RefCell::new(HashMap::new());
    static NORTH_FIRST: RefCell<HashMap<u32, bool>> = RefCell::new(HashMap::new());
}

/// Converts one WGS 84 lon/lat position to EPSG:`code` in easting/northing (lon/lat) order.
pub fn from_wgs84(code: u32, c: Coord) -> Result<Coord, CrsError> {
    if code == 4326 || code == 4490 {
        // CGCS2000 and WGS 84 differ by centimetres; wangge stores one and calls it WGS 84.
        return Ok(c);
    }
    FORWARD.with(|cache| {
        let mut cache = cache.borrow_mut();
        let proj = match cache.entry(code) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                Proj::new_known_crs("EPSG:4326", &format!("EPSG:{code}"), None)
                    .map_err(|e| CrsError::Unsupported { code, detail: e.to_string() })?,
            ),
        };
        let (x, y) =
            proj.convert((c.x, c.y)).map_err(|e| CrsError::Point { code, x: c.x, y: c.y, detail: e.to_string() })?;
        if !x.is_finite() || !y.is_finite() {
            return Err(CrsError::Point { code, x: c.x, y: c.y, detail: "result is not finite".into() });
        }
        Ok(Coord { x, y })
    })
}

/// Whether EPSG:`code`'s first axis points north (latitude or northing first).
pub fn north_first(code: u32) -> Result<bool, CrsError> {
    if let Some(known) = NORTH_FIRST.with(|c| c.borrow().get(&code).copied()) {
        return Ok(known);
    }
    let unsupported = |detail: String| CrsError::Unsupported { code, detail };
    let crs = Proj::new(&format!("EPSG:{code}")).map_err(|e| unsupported(e.to_string()))?;
    let json = crs.to_projjson(Some(false), None, None).map_err(|e| unsupported(e.to_string()))?;
    let v: serde_json::Value = serde_json::from_str(&json).map_err(|e| unsupported(e.to_string()))?;
    let first = v.pointer("/coordinate_system/axis/0/direction").and_then(|d| d.as_str()).unwrap_or("east");
    let north = first.eq_ignore_ascii_case("north");
    NORTH_FIRST.with(|c| c.borrow_mut().insert(code, north));
    Ok(north)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::Crs;
    use geo::coord;

    #[test]
    fn axis_order_comes_from_the_epsg_definition() {
        assert!(north_first(4326).unwrap());
        assert!(north_first(4490).unwrap());
        assert!(north_first(4547).unwrap(), "CGCS2000 3° GK CM 114E is X (north), Y (east)");
        assert!(!north_first(3857).unwrap());
    }

    #[test]
    fn forward_inverts_the_import_conversion() {
        let p = coord! { x: 114.312774852355, y: 30.584940141203 };
        let gk = from_wgs84(4547, p).unwrap();
        assert!((gk.x - 530_000.0).abs() < 1e-3 && (gk.y - 3_385_000.0).abs() < 1e-3, "{gk:?}");
        let back = Crs::Epsg(4547).to_wgs84(gk).unwrap();
        assert!((back.x - p.x).abs() < 1e-10 && (back.y - p.y).abs() < 1e-10);
    }
}
