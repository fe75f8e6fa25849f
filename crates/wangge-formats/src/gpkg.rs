//! GeoPackage (OGC 12-128r18) geometry blobs and the core tables that make a SQLite file a
//! GeoPackage that QGIS and GDAL open without conversion.

use super::wkb::{self, WkbError};
use geo::{BoundingRect, Geometry};

/// The SRS every wangge feature table uses: WGS 84 longitude/latitude.
pub const SRS_ID: i32 = 4326;

/// `PRAGMA application_id` value that marks a GeoPackage ("GPKG").
pub const APPLICATION_ID: i32 = 0x4750_4B47;

/// `PRAGMA user_version` for GeoPackage 1.3.
pub const USER_VERSION: i32 = 10300;

/// Statements creating the mandatory GeoPackage tables and SRS rows (idempotent).
pub const CORE_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
  ('WGS 84 geodetic', 4326, 'EPSG', 4326,
   'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]',
   'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
CREATE TABLE IF NOT EXISTS gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
"#;

/// Why a geometry blob could not be decoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BlobError {
    /// Not a GeoPackage blob.
    #[error("not a GeoPackage geometry (bad magic or version)")]
    Header,
    /// A flag combination we do not read.
    #[error("unsupported GeoPackage geometry flags {0:#04x}")]
    Flags(u8),
    /// The WKB body is bad.
    #[error(transparent)]
    Wkb(#[from] WkbError),
}

/// Encodes `g` as a GeoPackage geometry blob: header, xy envelope (not for points), WKB.
pub fn encode(g: &Geometry<f64>) -> Vec<u8> {
    let envelope = match g {
        Geometry::Point(_) => None,
        other => other.bounding_rect(),
    };
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"GP");
    out.push(0);
    // Bit 0: little-endian; bits 1–3: envelope kind (1 = minx, maxx, miny, maxy).
    let flags = 1u8 | if envelope.is_some() { 1 << 1 } else { 0 };
    out.push(flags);
    out.extend_from_slice(&SRS_ID.to_le_bytes());
    if let Some(r) = envelope {
        for v in [r.min().x, r.max().x, r.min().y, r.max().y] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    wkb::write(g, &mut out);
    out
}

/// Decodes a GeoPackage geometry blob (any byte order, any envelope kind).
pub fn decode(blob: &[u8]) -> Result<Geometry<f64>, BlobError> {
    let h = header(blob)?;
    Ok(wkb::read(&blob[h.wkb_start..])?)
}

/// What a GeoPackage geometry blob's header says (OGC 12-128r18 §2.1.3), read without decoding
/// the WKB: what SQL functions such as `ST_MinX` need for every row a trigger touches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlobHeader {
    /// The blob's `srs_id`.
    pub srs_id: i32,
    /// The empty-geometry flag.
    pub empty: bool,
    /// The xy envelope `(min_x, max_x, min_y, max_y)`, when the blob carries one.
    pub envelope: Option<[f64; 4]>,
    /// Where the WKB body starts.
    pub wkb_start: usize,
}

/// Reads the header of a GeoPackage geometry blob (any byte order, any envelope kind; the
/// extended form is refused like [`decode`] refuses it).
pub fn header(blob: &[u8]) -> Result<BlobHeader, BlobError> {
    if blob.len() < 8 || &blob[0..2] != b"GP" || blob[2] != 0 {
        return Err(BlobError::Header);
    }
    let flags = blob[3];
    if flags & 0b10_0000 != 0 {
        return Err(BlobError::Flags(flags));
    }
    let little = flags & 1 == 1;
    let int = |b: &[u8]| {
        let b: [u8; 4] = [b[0], b[1], b[2], b[3]];
        if little { i32::from_le_bytes(b) } else { i32::from_be_bytes(b) }
    };
    let envelope_len = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        _ => return Err(BlobError::Flags(flags)),
    };
    let wkb_start = 8 + envelope_len;
    if blob.len() < wkb_start {
        return Err(BlobError::Header);
    }
    let envelope = (envelope_len > 0).then(|| {
        let f = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&blob[8 + 8 * i..16 + 8 * i]);
            if little { f64::from_le_bytes(b) } else { f64::from_be_bytes(b) }
        };
        [f(0), f(1), f(2), f(3)]
    });
    Ok(BlobHeader { srs_id: int(&blob[4..8]), empty: flags & 0b1_0000 != 0, envelope, wkb_start })
}

/// The OGC geometry type name (`POINT`, `POLYGON`, …) of the WKB body of `blob`, read from its
/// type code without decoding coordinates; Z/M variants name their base type.
pub fn geometry_type_name(blob: &[u8]) -> Result<&'static str, BlobError> {
    let h = header(blob)?;
    let body = &blob[h.wkb_start..];
    if body.len() < 5 {
        return Err(BlobError::Wkb(WkbError::Truncated(body.len())));
    }
    let b = [body[1], body[2], body[3], body[4]];
    let code = match body[0] {
        0 => u32::from_be_bytes(b),
        1 => u32::from_le_bytes(b),
        other => return Err(BlobError::Wkb(WkbError::ByteOrder(other))),
    };
    // ISO codes add 1000/2000/3000 for Z/M/ZM; EWKB-style high bits are masked off.
    Ok(match (code & 0x0fff_ffff) % 1000 {
        0 => "GEOMETRY",
        1 => "POINT",
        2 => "LINESTRING",
        3 => "POLYGON",
        4 => "MULTIPOINT",
        5 => "MULTILINESTRING",
        6 => "MULTIPOLYGON",
        7 => "GEOMETRYCOLLECTION",
        other => return Err(BlobError::Wkb(WkbError::UnsupportedType(other))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{point, polygon};

    #[test]
    fn blob_round_trip_with_and_without_envelope() {
        for g in [
            Geometry::Point(point!(x: 114.0, y: 22.5)),
            Geometry::Polygon(polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)]),
        ] {
            let blob = encode(&g);
            assert_eq!(&blob[0..2], b"GP");
            assert_eq!(decode(&blob).unwrap(), g);
        }
        assert_eq!(encode(&Geometry::Point(point!(x: 1.0, y: 2.0))).len(), 8 + 21);
        assert_eq!(decode(b"XX\0\x01\0\0\0\0"), Err(BlobError::Header));
    }

    #[test]
    fn header_gives_envelope_srs_and_type_without_decoding() {
        let poly = Geometry::Polygon(polygon![(x: 1.0, y: 2.0), (x: 3.0, y: 2.0), (x: 3.0, y: 5.0), (x: 1.0, y: 2.0)]);
        let blob = encode(&poly);
        let h = header(&blob).unwrap();
        assert_eq!((h.srs_id, h.empty, h.envelope, h.wkb_start), (SRS_ID, false, Some([1.0, 3.0, 2.0, 5.0]), 40));
        assert_eq!(geometry_type_name(&blob), Ok("POLYGON"));
        let point = encode(&Geometry::Point(point!(x: 1.0, y: 2.0)));
        assert_eq!(header(&point).unwrap().envelope, None);
        assert_eq!(geometry_type_name(&point), Ok("POINT"));
        assert_eq!(header(b"GP\0\x03\0\0"), Err(BlobError::Header));
    }
}
