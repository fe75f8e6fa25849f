//! The SQL functions GeoPackage R-tree triggers call, registered on every connection wangge opens.
//!
//! Why: QGIS's "Create spatial index" and GDAL's `CreateSpatialIndex('grid','geom')` add the
//! `gpkg_rtree_index` extension: an R-tree table plus triggers on the feature table that call
//! `ST_IsEmpty`, `ST_MinX`, `ST_MaxX`, `ST_MinY` and `ST_MaxY` on every insert and update (OGC
//! 12-128r18 §F.3). SQLite evaluates those triggers inside wangge's own writes, so without these
//! functions every later publish or import failed with `no such function: ST_IsEmpty`. With them,
//! wangge's writes keep the R-tree current, and GIS clients' spatial filters keep working.
//!
//! The functions read the blob header only (its envelope when it has one: wangge writes one for
//! every non-point geometry), and decode the WKB only when there is no envelope. They answer
//! NULL for NULL or for a blob that is not a GeoPackage geometry, as GDAL's own implementation
//! does, so a foreign row never makes a write fail.

use geo::BoundingRect;
use rusqlite::Connection;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use wangge_formats::gpkg;

/// Registers `ST_IsEmpty`, `ST_MinX`, `ST_MaxX`, `ST_MinY`, `ST_MaxY`, `ST_GeometryType` and
/// `ST_SRID` (one argument, a GeoPackage geometry blob) on `conn`.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    // Deterministic and innocuous: allowed in triggers even with `trusted_schema = OFF`.
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC | FunctionFlags::SQLITE_INNOCUOUS;
    conn.create_scalar_function("ST_IsEmpty", 1, flags, |c| Ok(with_blob(c, is_empty)))?;
    for (name, i) in [("ST_MinX", 0), ("ST_MaxX", 1), ("ST_MinY", 2), ("ST_MaxY", 3)] {
        conn.create_scalar_function(name, 1, flags, move |c| Ok(with_blob(c, |b| envelope(b).map(|e| e[i]))))?;
    }
    conn.create_scalar_function("ST_GeometryType", 1, flags, |c| {
        Ok(with_blob(c, |b| gpkg::geometry_type_name(b).ok().map(str::to_string)))
    })?;
    conn.create_scalar_function("ST_SRID", 1, flags, |c| Ok(with_blob(c, |b| gpkg::header(b).ok().map(|h| h.srs_id))))
}

/// `f` of the first argument when it is a blob; NULL otherwise.
fn with_blob<T>(c: &Context<'_>, f: impl Fn(&[u8]) -> Option<T>) -> Option<T> {
    match c.get_raw(0) {
        ValueRef::Blob(b) => f(b),
        _ => None,
    }
}

/// 1 when the blob's empty flag is set or its geometry has no coordinates; NULL if unreadable.
fn is_empty(blob: &[u8]) -> Option<i64> {
    let h = gpkg::header(blob).ok()?;
    if h.empty {
        return Some(1);
    }
    if h.envelope.is_some() {
        return Some(0);
    }
    Some(i64::from(envelope(blob).is_none_or(|e| e.iter().any(|v| v.is_nan()))))
}

/// `(min_x, max_x, min_y, max_y)` of the blob: its stored envelope, else computed from the WKB.
fn envelope(blob: &[u8]) -> Option<[f64; 4]> {
    let h = gpkg::header(blob).ok()?;
    if h.empty {
        return None;
    }
    if let Some(e) = h.envelope {
        return Some(e);
    }
    let r = gpkg::decode(blob).ok()?.bounding_rect()?;
    let e = [r.min().x, r.max().x, r.min().y, r.max().y];
    // An empty point is written as NaN coordinates (OGC 12-128r18 §2.1.3.1).
    (!e.iter().any(|v| v.is_nan())).then_some(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Geometry, point, polygon};

    #[test]
    fn functions_read_envelope_or_wkb() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        let poly = Geometry::Polygon(polygon![(x: 1.0, y: 2.0), (x: 3.0, y: 2.0), (x: 3.0, y: 5.0), (x: 1.0, y: 2.0)]);
        let q =
            |sql: &str, blob: &[u8]| -> rusqlite::types::Value { conn.query_row(sql, [blob], |r| r.get(0)).unwrap() };
        use rusqlite::types::Value as V;
        let blob = gpkg::encode(&poly);
        assert_eq!(q("SELECT ST_IsEmpty(?1)", &blob), V::Integer(0));
        assert_eq!(q("SELECT ST_MinX(?1)", &blob), V::Real(1.0));
        assert_eq!(q("SELECT ST_MaxY(?1)", &blob), V::Real(5.0));
        assert_eq!(q("SELECT ST_GeometryType(?1)", &blob), V::Text("POLYGON".into()));
        assert_eq!(q("SELECT ST_SRID(?1)", &blob), V::Integer(4326));
        // A point has no envelope in its header: computed from the WKB.
        let blob = gpkg::encode(&Geometry::Point(point!(x: 7.0, y: 8.0)));
        assert_eq!(q("SELECT ST_MaxX(?1)", &blob), V::Real(7.0));
        assert_eq!(q("SELECT ST_IsEmpty(?1)", &blob), V::Integer(0));
        // The empty flag (bit 4) set: empty, no extent.
        let mut empty = blob.clone();
        empty[3] |= 0b1_0000;
        assert_eq!(q("SELECT ST_IsEmpty(?1)", &empty), V::Integer(1));
        assert_eq!(q("SELECT ST_MinX(?1)", &empty), V::Null);
        assert_eq!(q("SELECT ST_MinX(?1)", b"not a geometry"), V::Null);
    }
}
