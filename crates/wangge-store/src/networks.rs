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
use geo::Geometry;
use rusqlite::{OptionalExtension, params};
use std::collections::HashSet;
use std::path::Path;
use wangge_core::model::{Attrs, Feature, Layer};
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

/// Features to write as the next version of a network (see [`Store::write_network`]).
#[derive(Debug, Clone, Copy)]
pub struct NetworkWrite<'a> {
    /// The network's name.
    pub name: &'a str,
    /// The features, by code.
    pub features: &'a [Feature],
    /// `Append` refuses a code the network already has; `Replace` ends every current feature;
    /// `Upsert` ends only the features whose codes come again.
    pub mode: WriteMode,
    /// Who imports them.
    pub author: &'a Author,
    /// The version's message; `{n}` in it becomes the count.
    pub message: &'a str,
}

/// What a network write does to the rows, worked out before a store touches one (see
/// [`NetworkWrite::plan`]).
#[derive(Debug)]
pub struct NetworkPlan<'a> {
    /// Every current row ends first (`Replace`).
    pub end_all: bool,
    /// The features in order, each with whether the current row of its code ends just before it
    /// is inserted (`Upsert` of a code already there).
    pub rows: Vec<(&'a Feature, bool)>,
    /// What the write counts.
    pub report: WriteReport,
}

impl<'a> NetworkWrite<'a> {
    /// Works the write out against `current`, the codes of the network's current rows.
    /// `Err(code)`: `Append` met a code already there.
    pub fn plan(&self, current: &[String]) -> Result<NetworkPlan<'a>, String> {
        let codes: HashSet<&str> = current.iter().map(String::as_str).collect();
        let mut report = WriteReport::default();
        let mut rows = Vec::with_capacity(self.features.len());
        for f in self.features {
            let existed = codes.contains(f.code.as_str());
            if existed && self.mode == WriteMode::Append {
                return Err(f.code.clone());
            }
            rows.push((f, existed && self.mode == WriteMode::Upsert));
            if existed && self.mode != WriteMode::Replace { report.updated += 1 } else { report.inserted += 1 }
        }
        let end_all = self.mode == WriteMode::Replace;
        if end_all {
            // Codes that came again are replacements, not deletions.
            let again = self.features.iter().filter(|f| codes.contains(f.code.as_str())).count();
            report.deleted = current.len() - again;
            report.updated += again;
            report.inserted -= again;
        }
        Ok(NetworkPlan { end_all, rows, report })
    }

    /// The message the version records: `{n}` becomes the number of features.
    pub fn version_message(&self) -> String {
        self.message.replace("{n}", &self.features.len().to_string())
    }
}

/// The version of a network to read: `version`, or the current one when `None`; `None` when
/// the network (`current` is `None`) or that version does not exist.
pub fn version_to_read(current: Option<i64>, version: Option<i64>) -> Option<i64> {
    let current = current?;
    let v = version.unwrap_or(current);
    (1..=current).contains(&v).then_some(v)
}

/// A feature of network `network` from its stored parts, as both stores read it back: no
/// parent (a network has no hierarchy); a geometry or attributes that do not parse is a
/// corruption reported under the grid layer (the one a network stands beside) as
/// `network/code`.
pub fn stored_feature(
    path: &Path,
    network: &str,
    (code, name): (String, String),
    attrs: &str,
    geometry: Result<Geometry<f64>, String>,
) -> Result<Feature, StoreError> {
    let corrupt = |detail: String| StoreError::Corrupt {
        path: path.to_path_buf(),
        layer: Layer::Grid,
        code: format!("{network}/{code}"),
        detail,
    };
    let geometry = geometry.map_err(corrupt)?;
    let attrs: Attrs = serde_json::from_str(attrs).map_err(|e| corrupt(format!("attributes: {e}")))?;
    Ok(Feature { code, name, parent_code: None, attrs, geometry })
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
        let Some(v) = version_to_read(self.network_version(name)?, version) else { return Ok(None) };
        let sql = "SELECT code, name, NULL, attributes, geom FROM network_feature
                   WHERE network = ?1 AND version_from <= ?2 AND (version_to IS NULL OR version_to > ?2) ORDER BY code";
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.wrap(e))?;
        let rows = stmt.query_map(params![name, v], feature_columns).map_err(|e| self.wrap(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (code, fname, _, attrs, blob) = row.map_err(|e| self.wrap(e))?;
            let geometry = gpkg::decode(&blob).map_err(|e| e.to_string());
            out.push(stored_feature(&self.path, name, (code, fname), &attrs, geometry)?);
        }
        Ok(Some(out))
    }

    /// Writes the features of `w` as the next version of its network, in one transaction (see
    /// [`NetworkWrite`] for the modes).
    pub fn write_network(&mut self, w: &NetworkWrite<'_>) -> Result<(WriteReport, i64), StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite { path: path.clone(), source };
        let name = w.name;
        let version = self.network_version(name)?.unwrap_or(0) + 1;
        let tx = self.conn.transaction().map_err(wrap)?;
        let current: Vec<String> = {
            let mut stmt = tx
                .prepare("SELECT code FROM network_feature WHERE network = ?1 AND version_to IS NULL")
                .map_err(wrap)?;
            let codes = stmt.query_map([name], |r| r.get::<_, String>(0)).map_err(wrap)?;
            codes.collect::<Result<_, _>>().map_err(wrap)?
        };
        let plan = w.plan(&current).map_err(|code| {
            wrap(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE),
                Some(format!("code {code} already exists in network {name}")),
            ))
        })?;
        if plan.end_all {
            tx.execute(
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
            for (f, ends) in &plan.rows {
                if *ends {
                    end.execute(params![name, f.code, version]).map_err(wrap)?;
                }
                let attrs = f.attrs.to_json();
                insert
                    .execute(params![gpkg::encode(&f.geometry), name, f.code, f.name, attrs, version])
                    .map_err(wrap)?;
            }
        }
        tx.execute(
            "INSERT INTO wangge_network_version (network, version, at, author, role, message, features)
             VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ','now'), ?3, ?4, ?5, ?6)",
            params![name, version, w.author.name, w.author.role, w.version_message(), w.features.len() as i64],
        )
        .map_err(wrap)?;
        super::sqlite::update_contents_extent(&tx, TABLE).map_err(wrap)?;
        tx.commit().map_err(wrap)?;
        Ok((plan.report, version))
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
        let geometry = gpkg::decode(&blob).map_err(|e| e.to_string());
        let feature = stored_feature(&s.path, &network, (code, name), &attrs, geometry)?;
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
            f.attrs.to_json(),
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
            attrs: Attrs::new(),
            geometry: Geometry::Polygon(p),
        }
    }

    #[test]
    fn each_import_is_a_version_and_old_versions_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("n.gpkg")).unwrap();
        let who = Author::new("tester", "cli");
        let write = |store: &mut Store, features: &[Feature], mode, message| {
            store.write_network(&NetworkWrite { name: "police", features, mode, author: &who, message })
        };
        assert_eq!(store.load_network("police", None).unwrap(), None);
        let (r, v) =
            write(&mut store, &[feature("A", 114.0), feature("B", 114.01)], WriteMode::Append, "first {n}").unwrap();
        assert_eq!((r.inserted, v), (2, 1));
        let (r, v) =
            write(&mut store, &[feature("B", 114.02), feature("C", 114.03)], WriteMode::Upsert, "second").unwrap();
        assert_eq!((r.inserted, r.updated, v), (1, 1, 2));
        assert!(write(&mut store, &[feature("A", 114.0)], WriteMode::Append, "again").is_err());
        let now: Vec<String> =
            store.load_network("police", None).unwrap().unwrap().into_iter().map(|f| f.code).collect();
        assert_eq!(now, ["A", "B", "C"]);
        let first = store.load_network("police", Some(1)).unwrap().unwrap();
        assert_eq!(first.len(), 2);
        assert_eq!(first[1].geometry, feature("B", 114.01).geometry, "version 1 keeps B where it was");
        let (r, v) = write(&mut store, &[feature("Z", 114.0)], WriteMode::Replace, "third").unwrap();
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
