//! The walking network's lines in the GeoPackage: a `road` feature table (LINESTRING, WGS 84) with
//! `highway`, `name` and geodesic `length_m`, registered like every other layer so QGIS and GDAL
//! list it. The table is created on first write, so databases without roads stay as they were.
//! Whether the network is built with crossings noded is kept in `wangge_meta` (`road_node_crossings`).

use super::sqlite::{Store, StoreError};
use geo::{Geodesic, Geometry, Length, LineString};
use rusqlite::{OptionalExtension, params};
use wangge_formats::gpkg::{self, SRS_ID};
use wangge_formats::roads::RoadLine;

/// Counts road imports in `wangge_meta` (see [`Store::roads_stamp`]).
const ROADS_STAMP_BUMP: &str = "INSERT INTO wangge_meta VALUES ('roads_version', '1')
  ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1;";

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS road (
  fid INTEGER PRIMARY KEY AUTOINCREMENT, geom LINESTRING NOT NULL,
  highway TEXT NOT NULL, name TEXT, length_m REAL NOT NULL);";

impl Store {
    /// Replaces the stored road lines in one transaction.
    pub fn write_roads(&mut self, lines: &[RoadLine], node_crossings: bool) -> Result<(), StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(wrap)?;
        tx.execute_batch(SCHEMA).map_err(wrap)?;
        tx.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
             VALUES ('road', 'features', 'road', '步行路网 walking network', ?1)",
            params![SRS_ID],
        )
        .map_err(wrap)?;
        tx.execute(
            "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES ('road', 'geom', 'LINESTRING', ?1, 0, 0)",
            params![SRS_ID],
        )
        .map_err(wrap)?;
        super::styles::title(&tx, "road").map_err(wrap)?;
        tx.execute("DELETE FROM road", []).map_err(wrap)?;
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        {
            let mut insert =
                tx.prepare("INSERT INTO road (geom, highway, name, length_m) VALUES (?1, ?2, ?3, ?4)").map_err(wrap)?;
            for l in lines {
                let ls = LineString(l.coords.clone());
                for c in &l.coords {
                    (x0, y0, x1, y1) = (x0.min(c.x), y0.min(c.y), x1.max(c.x), y1.max(c.y));
                }
                let len = Geodesic.length(&ls);
                insert
                    .execute(params![gpkg::encode(&Geometry::LineString(ls)), l.highway, l.name, len])
                    .map_err(wrap)?;
            }
        }
        let bounds = (!lines.is_empty()).then_some((x0, y0, x1, y1));
        tx.execute(
            "UPDATE gpkg_contents SET min_x = ?1, min_y = ?2, max_x = ?3, max_y = ?4,
               last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = 'road'",
            params![bounds.map(|b| b.0), bounds.map(|b| b.1), bounds.map(|b| b.2), bounds.map(|b| b.3)],
        )
        .map_err(wrap)?;
        tx.execute(
            "INSERT OR REPLACE INTO wangge_meta VALUES ('road_node_crossings', ?1)",
            params![if node_crossings { "1" } else { "0" }],
        )
        .map_err(wrap)?;
        tx.execute_batch(ROADS_STAMP_BUMP).map_err(wrap)?;
        tx.commit().map_err(wrap)
    }

    /// A number that moves whenever the stored roads are replaced (0 before any import), so a
    /// served process's change feed notices roads another process imported.
    pub fn roads_stamp(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT CAST(value AS INTEGER) FROM wangge_meta WHERE key = 'roads_version'", [], |r| r.get(0))
            .optional()
            .map(|v| v.unwrap_or(0))
            .map_err(|e| self.wrap(e))
    }

    /// The stored road lines and whether crossings are to be noded; empty when none were imported.
    pub fn load_roads(&self) -> Result<(Vec<RoadLine>, bool), StoreError> {
        let wrap = |source| StoreError::Sqlite { path: self.path.clone(), source };
        let exists: Option<String> = self
            .conn
            .query_row("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'road'", [], |r| r.get(0))
            .optional()
            .map_err(wrap)?;
        if exists.is_none() {
            return Ok((Vec::new(), true));
        }
        let noding: Option<String> = self
            .conn
            .query_row("SELECT value FROM wangge_meta WHERE key = 'road_node_crossings'", [], |r| r.get(0))
            .optional()
            .map_err(wrap)?;
        let mut stmt = self.conn.prepare("SELECT geom, highway, name FROM road ORDER BY fid").map_err(wrap)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?)))
            .map_err(wrap)?;
        let mut out = Vec::new();
        for row in rows {
            let (blob, highway, name) = row.map_err(wrap)?;
            if let Ok(Geometry::LineString(ls)) = gpkg::decode(&blob) {
                out.push(RoadLine { highway, name, coords: ls.0 });
            }
        }
        Ok((out, noding.as_deref() != Some("0")))
    }
}
