//! Other departments' networks (警格, 城管网格, 党建网格 …): named overlay partitions kept beside the
//! hierarchy, each feature a code and a name, with no parent rules.
//!
//! All networks share one GeoPackage feature table, `network_feature`, so GIS clients see them as
//! one layer they can filter by `network`. Versioned like the layers: every import is version
//! N + 1 of its network (`wangge_network_version`: who, when, from what); a row is valid from the
//! version that wrote it (`version_from`) until the version that replaced or removed it
//! (`version_to`, NULL while current), so any earlier version can be read back.

use super::plans::Author;
use super::sqlite::{Store, StoreError, WriteMode, WriteReport, feature_columns};
use crate::row_fields::from_columns;
use rusqlite::{OptionalExtension, params};
use serde_json::{Map, Value};
use std::collections::HashSet;
use wangge_core::model::{Feature, Layer};
use wangge_formats::gpkg::{self, SRS_ID};

/// The feature table every network's features are in.
pub const TABLE: &str = "network_feature";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS network_feature (
  fid INTEGER PRIMARY KEY AUTOINCREMENT, geom GEOMETRY NOT NULL, network TEXT NOT NULL, code TEXT NOT NULL,
  name TEXT NOT NULL, attributes TEXT NOT NULL DEFAULT '{}', version_from INTEGER NOT NULL, version_to INTEGER);
CREATE INDEX IF NOT EXISTS network_feature_current ON network_feature(network, version_to, code);
CREATE TABLE IF NOT EXISTS wangge_network_version (network TEXT NOT NULL, version INTEGER NOT NULL,
  at TEXT NOT NULL, author TEXT NOT NULL, role TEXT NOT NULL, message TEXT NOT NULL, features INTEGER NOT NULL,
  PRIMARY KEY (network, version));
";

/// One network as listed: its name, current version and size.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NetworkInfo {
    /// The name it was imported under.
    pub name: String,
    /// The current version (1 for the first import).
    pub version: i64,
    /// Features in the current version.
    pub features: i64,
    /// When the current version was imported (UTC, RFC 3339).
    pub updated: String,
    /// Who imported it.
    pub author: String,
    /// The import's message (file, mode, count).
    pub message: String,
}

/// Creates the tables (called from [`Store::open`]'s initialisation).
pub(super) fn init(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(SCHEMA)?;
    tx.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
         VALUES (?1, 'features', ?1, '其他网络（警格、城管网格等）/ other departments'' networks', ?2)",
        params![TABLE, SRS_ID],
    )?;
    tx.execute(
        "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES (?1, 'geom', 'GEOMETRY', ?2, 0, 0)",
        params![TABLE, SRS_ID],
    )?;
    Ok(())
}

/// Whether `name` can name a network: 1–64 letters (any script), digits, `_` or `-`, so it is
/// safe in a URL path and a file name.
pub fn valid_name(name: &str) -> bool {
    let n = name.chars().count();
    (1..=64).contains(&n) && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

impl Store {
    /// Every network, by name.
    pub fn networks(&self) -> Result<Vec<NetworkInfo>, StoreError> {
        let sql = "SELECT v.network, v.version, v.at, v.author, v.message,
                     (SELECT count(*) FROM network_feature f WHERE f.network = v.network AND f.version_to IS NULL)
                   FROM wangge_network_version v
                   WHERE v.version = (SELECT max(version) FROM wangge_network_version w WHERE w.network = v.network)
                   ORDER BY v.network";
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.wrap(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(from_columns!(r => NetworkInfo { name, version, updated, author, message, features }))
            })
            .map_err(|e| self.wrap(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.wrap(e))
    }

    /// The current version of network `name` (`None` if there is no such network).
    pub fn network_version(&self, name: &str) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row("SELECT max(version) FROM wangge_network_version WHERE network = ?1", [name], |r| r.get(0))
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.wrap(e))
    }

    /// The features of network `name` as of `version` (the current one when `None`), in code
    /// order; `None` if the network (or that version) does not exist. `parent_code` is always
    /// `None`: a network has no hierarchy.
    pub fn load_network(&self, name: &str, version: Option<i64>) -> Result<Option<Vec<Feature>>, StoreError> {
        let Some(current) = self.network_version(name)? else { return Ok(None) };
        let v = version.unwrap_or(current);
        if v < 1 || v > current {
            return Ok(None);
        }
        let sql = "SELECT code, name, NULL, attributes, geom FROM network_feature
                   WHERE network = ?1 AND version_from <= ?2 AND (version_to IS NULL OR version_to > ?2) ORDER BY code";
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.wrap(e))?;
        let rows = stmt.query_map(params![name, v], feature_columns).map_err(|e| self.wrap(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (code, fname, _, attrs, blob) = row.map_err(|e| self.wrap(e))?;
            let corrupt = |detail: String| StoreError::Corrupt {
                path: self.path.clone(),
                // Reported under the grid layer, the one a network stands beside.
                layer: Layer::Grid,
                code: format!("{name}/{code}"),
                detail,
            };
            let geometry = gpkg::decode(&blob).map_err(|e| corrupt(e.to_string()))?;
            let attrs: Map<String, Value> =
                serde_json::from_str(&attrs).map_err(|e| corrupt(format!("attributes: {e}")))?;
            out.push(Feature { code, name: fname, parent_code: None, attrs, geometry });
        }
        Ok(Some(out))
    }

    /// Writes `features` as the next version of network `name`, in one transaction. `Append`
    /// refuses a code the network already has; `Replace` ends every current feature; `Upsert`
    /// ends only the features whose codes come again. `{n}` in `message` becomes the count.
    pub fn write_network(
        &mut self,
        name: &str,
        features: &[Feature],
        mode: WriteMode,
        author: &Author,
        message: &str,
    ) -> Result<(WriteReport, i64), StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite { path: path.clone(), source };
        let version = self.network_version(name)?.unwrap_or(0) + 1;
        let tx = self.conn.transaction().map_err(wrap)?;
        let mut report = WriteReport::default();
        let current: HashSet<String> = {
            let mut stmt = tx
                .prepare("SELECT code FROM network_feature WHERE network = ?1 AND version_to IS NULL")
                .map_err(wrap)?;
            let codes = stmt.query_map([name], |r| r.get::<_, String>(0)).map_err(wrap)?;
            codes.collect::<Result<_, _>>().map_err(wrap)?
        };
        if mode == WriteMode::Replace {
            report.deleted = tx
                .execute(
                    "UPDATE network_feature SET version_to = ?2 WHERE network = ?1 AND version_to IS NULL",
                    params![name, version],
                )
                .map_err(wrap)?;
        }
        {
            let mut end = tx
                .prepare_cached(
                    "UPDATE network_feature SET version_to = ?3 WHERE network = ?1 AND code = ?2 AND version_to IS NULL",
                )
                .map_err(wrap)?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO network_feature (geom, network, code, name, attributes, version_from)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(wrap)?;
            for f in features {
                let existed = current.contains(&f.code);
                match mode {
                    WriteMode::Append if existed => {
                        return Err(wrap(rusqlite::Error::SqliteFailure(
                            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE),
                            Some(format!("code {} already exists in network {name}", f.code)),
                        )));
                    }
                    WriteMode::Upsert if existed => {
                        end.execute(params![name, f.code, version]).map_err(wrap)?;
                    }
                    _ => {}
                }
                let attrs = Value::Object(f.attrs.clone()).to_string();
                insert
                    .execute(params![gpkg::encode(&f.geometry), name, f.code, f.name, attrs, version])
                    .map_err(wrap)?;
                if existed && mode != WriteMode::Replace { report.updated += 1 } else { report.inserted += 1 }
            }
        }
        if mode == WriteMode::Replace {
            // Codes that came again are replacements, not deletions.
            let again = features.iter().filter(|f| current.contains(&f.code)).count();
            report.deleted -= again;
            report.updated += again;
            report.inserted -= again;
        }
        tx.execute(
            "INSERT INTO wangge_network_version (network, version, at, author, role, message, features)
             VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ','now'), ?3, ?4, ?5, ?6)",
            params![
                name,
                version,
                author.name,
                author.role,
                message.replace("{n}", &features.len().to_string()),
                features.len() as i64
            ],
        )
        .map_err(wrap)?;
        super::sqlite::update_contents_extent(&tx, TABLE).map_err(wrap)?;
        tx.commit().map_err(wrap)?;
        Ok((report, version))
    }
}

/// Every network row and version of the store, for `wangge copy`.
pub(super) fn dump(s: &Store) -> Result<super::dump::NetworkDump, StoreError> {
    let w = |e| s.wrap(e);
    let mut d = super::dump::NetworkDump::default();
    let mut stmt = s
        .conn
        .prepare("SELECT code, name, NULL, attributes, geom, network, version_from, version_to FROM network_feature ORDER BY fid")
        .map_err(w)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((feature_columns(r)?, r.get::<_, String>(5)?, r.get::<_, i64>(6)?, r.get::<_, Option<i64>>(7)?))
        })
        .map_err(w)?;
    for row in rows {
        let ((code, name, _, attrs, blob), network, version_from, version_to) = row.map_err(w)?;
        let corrupt = |detail: String| StoreError::Corrupt {
            path: s.path.clone(),
            layer: Layer::Grid,
            code: format!("{network}/{code}"),
            detail,
        };
        let geometry = gpkg::decode(&blob).map_err(|e| corrupt(e.to_string()))?;
        let attrs: Map<String, Value> =
            serde_json::from_str(&attrs).map_err(|e| corrupt(format!("attributes: {e}")))?;
        let feature = Feature { code, name, parent_code: None, attrs, geometry };
        d.features.push(super::dump::NetworkRow { network, feature, version_from, version_to });
    }
    let mut stmt = s
        .conn
        .prepare("SELECT network, version, at, author, role, message, features FROM wangge_network_version ORDER BY network, version")
        .map_err(w)?;
    d.versions = stmt
        .query_map([], |r| {
            Ok(super::dump::NetworkVersionRow {
                network: r.get(0)?,
                version: r.get(1)?,
                at: r.get(2)?,
                author: r.get(3)?,
                role: r.get(4)?,
                message: r.get(5)?,
                features: r.get(6)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(w)?;
    Ok(d)
}

/// Replaces every network with `d`'s, inside the restore's transaction `tx`.
pub(super) fn restore(tx: &rusqlite::Transaction<'_>, d: &super::dump::NetworkDump) -> rusqlite::Result<()> {
    tx.execute_batch("DELETE FROM network_feature; DELETE FROM wangge_network_version;")?;
    for r in &d.features {
        let f = &r.feature;
        tx.prepare_cached(
            "INSERT INTO network_feature (geom, network, code, name, attributes, version_from, version_to)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            gpkg::encode(&f.geometry),
            r.network,
            f.code,
            f.name,
            Value::Object(f.attrs.clone()).to_string(),
            r.version_from,
            r.version_to
        ])?;
    }
    for v in &d.versions {
        tx.execute(
            "INSERT INTO wangge_network_version (network, version, at, author, role, message, features)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![v.network, v.version, v.at, v.author, v.role, v.message, v.features],
        )?;
    }
    super::sqlite::update_contents_extent(tx, TABLE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Geometry, polygon};

    fn feature(code: &str, x: f64) -> Feature {
        let p = polygon![(x: x, y: 22.5), (x: x + 0.01, y: 22.5), (x: x + 0.01, y: 22.51), (x: x, y: 22.51), (x: x, y: 22.5)];
        Feature {
            code: code.into(),
            name: format!("警格 {code}"),
            parent_code: None,
            attrs: Map::new(),
            geometry: Geometry::Polygon(p),
        }
    }

    #[test]
    fn each_import_is_a_version_and_old_versions_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("n.gpkg")).unwrap();
        let who = Author::new("tester", "cli");
        assert_eq!(store.load_network("police", None).unwrap(), None);
        let (r, v) = store
            .write_network("police", &[feature("A", 114.0), feature("B", 114.01)], WriteMode::Append, &who, "first {n}")
            .unwrap();
        assert_eq!((r.inserted, v), (2, 1));
        let (r, v) = store
            .write_network("police", &[feature("B", 114.02), feature("C", 114.03)], WriteMode::Upsert, &who, "second")
            .unwrap();
        assert_eq!((r.inserted, r.updated, v), (1, 1, 2));
        assert!(store.write_network("police", &[feature("A", 114.0)], WriteMode::Append, &who, "again").is_err());
        let now: Vec<String> =
            store.load_network("police", None).unwrap().unwrap().into_iter().map(|f| f.code).collect();
        assert_eq!(now, ["A", "B", "C"]);
        let first = store.load_network("police", Some(1)).unwrap().unwrap();
        assert_eq!(first.len(), 2);
        assert_eq!(first[1].geometry, feature("B", 114.01).geometry, "version 1 keeps B where it was");
        let (r, v) = store.write_network("police", &[feature("Z", 114.0)], WriteMode::Replace, &who, "third").unwrap();
        assert_eq!((r.inserted, r.deleted, v), (1, 3, 3));
        let list = store.networks().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!((list[0].version, list[0].features), (3, 1));
        assert_eq!(store.load_network("police", Some(4)).unwrap(), None);
        assert!(
            valid_name("police_2024")
                && valid_name("警格")
                && !valid_name("a b")
                && !valid_name("../x")
                && !valid_name("")
        );
    }
}
