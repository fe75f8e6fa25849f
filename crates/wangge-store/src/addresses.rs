//! The `address` table: the gazetteer's records, a GeoPackage point feature table so GIS clients
//! show the addresses on a map like any other layer.

use super::sqlite::{Store, StoreError, WriteMode, WriteReport, update_contents_extent};
use crate::row_fields::from_columns;
use geo::{Coord, Geometry, Point};
use rusqlite::params;
use wangge_core::address::AddressRecord;
use wangge_formats::gpkg;

/// Creates the table (idempotent). Column types are those GeoPackage allows.
pub const ADDRESS_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS "address" (
  fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POINT NOT NULL,
  code TEXT NOT NULL UNIQUE, address TEXT NOT NULL, road TEXT, door TEXT, estate TEXT,
  building_code TEXT, grid_code TEXT, source TEXT NOT NULL, illustrative BOOLEAN NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS "address_grid" ON "address"(grid_code);
"#;

impl Store {
    /// Writes address records in one transaction (append: codes must be new; upsert: overwrite by
    /// code; replace: the table holds exactly these afterwards).
    pub fn write_addresses(&mut self, records: &[AddressRecord], mode: WriteMode) -> Result<WriteReport, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(wrap)?;
        let mut report = WriteReport::default();
        if mode == WriteMode::Replace {
            report.deleted = tx.execute("DELETE FROM \"address\"", []).map_err(wrap)?;
        }
        {
            let mut exists = tx.prepare("SELECT 1 FROM \"address\" WHERE code = ?1").map_err(wrap)?;
            // UPDATE or INSERT, not an upsert: GeoPackage R-tree triggers break inside an upsert
            // (see `sqlite::row_sql`).
            let mut update = tx
                .prepare(
                    "UPDATE \"address\" SET geom = ?1, address = ?3, road = ?4, door = ?5, estate = ?6,
                       building_code = ?7, grid_code = ?8, source = ?9, illustrative = ?10 WHERE code = ?2",
                )
                .map_err(wrap)?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO \"address\" (geom, code, address, road, door, estate, building_code, grid_code,
                       source, illustrative) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(wrap)?;
            for r in records {
                let existed = exists.exists([&r.code]).map_err(wrap)?;
                let values = params![
                    gpkg::encode(&Geometry::Point(Point(r.point))),
                    r.code,
                    r.address,
                    r.road,
                    r.door,
                    r.estate,
                    r.building,
                    r.grid,
                    r.source,
                    r.illustrative
                ];
                // Append mode writes an existing code through INSERT, so the UNIQUE constraint refuses it.
                if existed && mode != WriteMode::Append {
                    update.execute(values).map_err(wrap)?;
                } else {
                    insert.execute(values).map_err(wrap)?;
                }
                if existed { report.updated += 1 } else { report.inserted += 1 }
            }
        }
        update_contents_extent(&tx, "address").map_err(wrap)?;
        tx.commit().map_err(wrap)?;
        Ok(report)
    }

    /// Every address record, in code order.
    pub fn load_addresses(&self) -> Result<Vec<AddressRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT code, address, road, door, estate, building_code, grid_code, source, illustrative, geom
                 FROM \"address\" ORDER BY code",
            )
            .map_err(|e| self.wrap(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    from_columns!(r => AddressRecord {
                        code, address, road, door, estate, building, grid, source, illustrative;
                        point: Coord { x: f64::NAN, y: f64::NAN }
                    }),
                    r.get::<_, Vec<u8>>(9)?,
                ))
            })
            .map_err(|e| self.wrap(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (mut rec, blob) = row.map_err(|e| self.wrap(e))?;
            match gpkg::decode(&blob) {
                Ok(Geometry::Point(p)) => rec.point = p.0,
                other => {
                    return Err(StoreError::Corrupt {
                        path: self.path.clone(),
                        layer: wangge_core::model::Layer::Building,
                        code: format!("address {}", rec.code),
                        detail: format!("geometry is not a point: {other:?}"),
                    });
                }
            }
            out.push(rec);
        }
        Ok(out)
    }

    /// Number of stored addresses.
    pub fn address_count(&self) -> Result<usize, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM \"address\"", [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .map_err(|e| self.wrap(e))
    }
}
