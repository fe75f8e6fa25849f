//! The embedded store: one SQLite file laid out as a GeoPackage, one feature table per layer.
//!
//! Every write is one transaction, so a crash mid-import leaves the previous state intact (SQLite's
//! rollback journal, or its write-ahead log once the file has been served: see [`crate::pool`]). Each feature row keeps the whole attribute object as JSON (so export is
//! lossless) and also copies `households`/`residents` into plain columns for GIS users to style by.

use super::addresses::ADDRESS_SCHEMA;
use super::index_cache;
use geo::BoundingRect;
use rayon::prelude::*;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use wangge_core::model::{Attrs, Feature, GeometryKind, Layer};
use wangge_core::snapshot::Snapshot;
use wangge_formats::gpkg::{self, APPLICATION_ID, CORE_SCHEMA, SRS_ID, USER_VERSION};

/// Errors from the store, with the file they concern.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// Another database (PostgreSQL) failed; `location` is its URL without the password.
    #[error("database {location}: {detail}")]
    Database {
        /// Where.
        location: String,
        /// What the database said.
        detail: String,
    },
    /// The file exists but is not a wangge database.
    #[error("{path} is not a wangge GeoPackage (application_id {found:#x})")]
    NotOurs {
        /// The file.
        path: PathBuf,
        /// What it says it is.
        found: i32,
    },
    /// A stored plan edit is not JSON: the plan cannot be replayed, and skipping the edit would
    /// silently build a different plan.
    #[error("database {path}, plan {plan}, stored edit {edit}: {detail}")]
    CorruptEdit {
        /// The file.
        path: PathBuf,
        /// The plan.
        plan: i64,
        /// The edit's row id.
        edit: i64,
        /// What the JSON reader said.
        detail: String,
    },
    /// A stored row could not be read back.
    #[error("database {path}, layer {layer}, feature {code}: {detail}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The layer.
        layer: Layer,
        /// The feature code.
        code: String,
        /// What was wrong.
        detail: String,
    },
}

/// How a write treats features already in the layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WriteMode {
    /// Add features; codes must be new.
    #[default]
    Append,
    /// Replace the whole layer with the given features.
    Replace,
    /// Insert new codes, overwrite existing ones.
    Upsert,
}

impl WriteMode {
    /// The mode's name as the CLI takes it and revision messages show it.
    pub fn id(self) -> &'static str {
        match self {
            WriteMode::Append => "append",
            WriteMode::Replace => "replace",
            WriteMode::Upsert => "upsert",
        }
    }
}

impl std::str::FromStr for WriteMode {
    type Err = String;

    /// `append`, `replace` or `upsert` (the names the CLI and the docs use).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "append" => Ok(WriteMode::Append),
            "replace" => Ok(WriteMode::Replace),
            "upsert" => Ok(WriteMode::Upsert),
            other => Err(format!("unknown mode '{other}' (append, replace or upsert)")),
        }
    }
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct WriteReport {
    /// Rows inserted.
    pub inserted: usize,
    /// Rows overwritten.
    pub updated: usize,
    /// Rows removed (replace mode).
    pub deleted: usize,
}

/// An open store.
pub struct Store {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
}

impl Store {
    /// Opens (creating if missing) the database at `path` and makes sure its tables exist.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let err = |source| StoreError::Sqlite { path: path.to_path_buf(), source };
        let conn = Connection::open(path).map_err(err)?;
        super::gpkg_sql::register(&conn).map_err(err)?;
        let store = Store { conn, path: path.to_path_buf() };
        store.init().map_err(|e| store.wrap(e))?;
        Ok(store)
    }

    /// A read-only connection to an existing store, for [`crate::pool::Pool`]'s readers: it does
    /// not create or migrate tables, and `query_only` makes any write through it an error.
    pub fn open_reader(path: &Path) -> Result<Store, StoreError> {
        let err = |source| StoreError::Sqlite { path: path.to_path_buf(), source };
        let conn = Connection::open(path).map_err(err)?;
        super::gpkg_sql::register(&conn).map_err(err)?;
        conn.busy_timeout(crate::pool::BUSY_TIMEOUT).map_err(err)?;
        conn.execute_batch("PRAGMA query_only = ON;").map_err(err)?;
        Ok(Store { conn, path: path.to_path_buf() })
    }

    /// Switches the file to WAL journaling (it stays so; see [`crate::pool`] for why only a
    /// served file is switched), so readers read while a writer writes.
    pub fn enable_wal(&self) -> Result<(), StoreError> {
        let mode: String =
            self.conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(|e| self.wrap(e))?;
        if mode.eq_ignore_ascii_case("wal") {
            Ok(())
        } else {
            Err(self.wrap(rusqlite::Error::InvalidParameterName(format!("journal_mode stayed {mode}"))))
        }
    }

    fn init(&self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(crate::pool::BUSY_TIMEOUT)?;
        let app: i32 = self.conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let tables: i64 = self.conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if app != APPLICATION_ID && tables > 0 {
            return Err(rusqlite::Error::ToSqlConversionFailure(Box::new(NotGeoPackage(app))));
        }
        let tx = self.conn.unchecked_transaction()?;
        tx.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {USER_VERSION};"))?;
        tx.execute_batch(CORE_SCHEMA)?;
        tx.execute_batch("CREATE TABLE IF NOT EXISTS wangge_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);")?;
        tx.execute("INSERT OR IGNORE INTO wangge_meta VALUES ('schema_version', '1')", [])?;
        // Registered as a GeoPackage attributes table so GIS clients list it for what it is.
        tx.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description)
             VALUES ('wangge_meta', 'attributes', 'wangge_meta', 'wangge schema information')",
            [],
        )?;
        super::plans::init(&tx)?;
        super::access::init(&tx)?;
        for layer in Layer::ALL {
            let table = layer.id();
            tx.execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS \"{table}\" (
                   fid INTEGER PRIMARY KEY AUTOINCREMENT, geom GEOMETRY NOT NULL,
                   code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, parent_code TEXT,
                   households INTEGER, residents INTEGER, attributes TEXT NOT NULL DEFAULT '{{}}',
                   kind TEXT, worker TEXT, facility TEXT);
                 CREATE INDEX IF NOT EXISTS \"{table}_parent\" ON \"{table}\"(parent_code);"
            ))?;
            let geometry_type = match layer.geometry_kind() {
                GeometryKind::Point => "POINT",
                GeometryKind::Area | GeometryKind::PointOrArea => "GEOMETRY",
            };
            tx.execute(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
                 VALUES (?1, 'features', ?1, ?2, ?3)",
                params![table, wangge_text::Label::label(layer, wangge_text::Lang::Zh), SRS_ID],
            )?;
            tx.execute(
                "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, ?3, 0, 0)",
                params![table, geometry_type, SRS_ID],
            )?;
        }
        super::external::init(&tx)?;
        super::columns::init(&tx)?;
        super::networks::init(&tx)?;
        tx.execute_batch(ADDRESS_SCHEMA)?;
        tx.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
             VALUES ('address', 'features', 'address', '地址 addresses (GB/T 37149-2018)', ?1)",
            params![SRS_ID],
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES ('address', 'geom', 'POINT', ?1, 0, 0)",
            params![SRS_ID],
        )?;
        super::styles::init(&tx)?;
        tx.commit()
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn wrap(&self, source: rusqlite::Error) -> StoreError {
        if let rusqlite::Error::ToSqlConversionFailure(e) = &source
            && let Some(NotGeoPackage(found)) = e.downcast_ref::<NotGeoPackage>()
        {
            return StoreError::NotOurs { path: self.path.clone(), found: *found };
        }
        StoreError::Sqlite { path: self.path.clone(), source }
    }

    /// Every feature of `layer`, in code order.
    ///
    /// Rows are read on this thread in chunks, and each chunk is decoded (geometry blob and
    /// attribute JSON, most of the work) on the other cores while the next is read: a layer of a
    /// million grids loads in a fraction of the time one thread takes.
    pub fn load_layer(&self, layer: Layer) -> Result<Vec<Feature>, StoreError> {
        const CHUNK: usize = 8192;
        // In storage order, which is one pass over the table; sorted by code below instead of
        // an index walk that looks every row up again.
        let sql = format!("SELECT code, name, parent_code, attributes, geom FROM \"{}\"", layer.id());
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.wrap(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.wrap(e))?;
        let path = self.path.as_path();
        std::thread::scope(|scope| {
            let (send, receive) = std::sync::mpsc::sync_channel::<RawChunk>(2);
            let decoder = scope.spawn(move || {
                let mut out = Vec::new();
                for chunk in receive {
                    let RawChunk { rows, bytes } = chunk;
                    let decoded: Vec<Result<Feature, StoreError>> =
                        rows.into_par_iter().map(|row| decode_raw_row(path, layer, row, &bytes)).collect();
                    for f in decoded {
                        out.push(f?);
                    }
                }
                Ok(out)
            });
            let mut read = || -> rusqlite::Result<()> {
                loop {
                    let mut chunk = RawChunk { rows: Vec::with_capacity(CHUNK), bytes: Vec::new() };
                    while chunk.rows.len() < CHUNK {
                        let Some(row) = rows.next()? else { break };
                        chunk.push(row)?;
                    }
                    // A decoder that stopped on a corrupt row has hung up: its error is the answer.
                    if chunk.rows.is_empty() || send.send(chunk).is_err() {
                        return Ok(());
                    }
                }
            };
            let read = read().map_err(|e| self.wrap(e));
            drop(send);
            let decoded = decoder.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let mut features = read.and(decoded)?;
            sort_by_code(&mut features);
            // The snapshot keeps this vector: not the doubling's spare room with it.
            features.shrink_to_fit();
            Ok(features)
        })
    }

    /// Every layer and the gazetteer, as an immutable snapshot ready for lookups.
    pub fn load_snapshot(&self) -> Result<Snapshot, StoreError> {
        // Pages read through a memory map for the length of the load, not copied by one read call
        // each (a quarter of the start at a million grids); unmapped afterwards so the file's
        // pages do not stay in the process.
        let mmap = |size: i64| self.conn.query_row(&format!("PRAGMA mmap_size = {size}"), [], |r| r.get::<_, i64>(0));
        let before = self.conn.query_row("PRAGMA mmap_size", [], |r| r.get::<_, i64>(0)).map_err(|e| self.wrap(e))?;
        mmap(1 << 32).map_err(|e| self.wrap(e))?;
        let loaded = (|| {
            // Each layer with its index cache when one kept beside the file fits its content
            // (see `index_cache`); the layers without are built, and their caches kept after.
            let file = self.path.is_file().then_some(self.path.as_path());
            let mut layers = Vec::new();
            let mut to_keep = Vec::new();
            let clock = std::time::Instant::now();
            let lap = |what: &str, since: &mut std::time::Instant| {
                tracing::debug!(target: "wangge::load", "{what}: {:.0} ms", since.elapsed().as_secs_f64() * 1e3);
                *since = std::time::Instant::now();
            };
            let mut t = clock;
            for layer in Layer::ALL {
                let features = self.load_layer(layer)?;
                lap(&format!("read {layer} ({} rows)", features.len()), &mut t);
                let mut cache = None;
                if let Some(file) = file.filter(|_| layer.is_area_layer() && !features.is_empty()) {
                    let key = index_cache::layer_key(layer, &features);
                    lap(&format!("key {layer}"), &mut t);
                    cache = index_cache::read(file, layer, &key, features.len());
                    lap(&format!("index cache {layer}: {}", if cache.is_some() { "hit" } else { "miss" }), &mut t);
                    if cache.is_none() {
                        to_keep.push((layer, key));
                    }
                }
                layers.push((layer, features, cache));
            }
            let snapshot = Snapshot::with_index_caches(layers);
            lap("snapshot indexes", &mut t);
            let addresses = self.load_addresses()?;
            lap(&format!("read addresses ({})", addresses.len()), &mut t);
            let snapshot = snapshot.with_addresses(addresses);
            lap("gazetteer", &mut t);
            if let Some(file) = file {
                for (layer, key) in to_keep {
                    index_cache::write(file, layer, &key, snapshot.layer(layer));
                }
            }
            lap("index cache write", &mut t);
            tracing::debug!(target: "wangge::load", "snapshot total: {:.0} ms", clock.elapsed().as_secs_f64() * 1e3);
            Ok(snapshot)
        })();
        mmap(before).map_err(|e| self.wrap(e))?;
        loaded
    }

    /// Opens the transaction of a write to `layer`: marked as wangge's own (so the outside-edit
    /// triggers let it pass), with the old rows deleted first when `mode` is `Replace`.
    pub(crate) fn begin_layer_write(
        &mut self,
        layer: Layer,
        mode: WriteMode,
    ) -> Result<(rusqlite::Transaction<'_>, WriteReport), StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(wrap)?;
        let mut report = WriteReport::default();
        super::external::mark_own_write(&tx, true).map_err(wrap)?;
        if mode == WriteMode::Replace {
            report.deleted = tx.execute(&format!("DELETE FROM \"{}\"", layer.id()), []).map_err(wrap)?;
        }
        Ok((tx, report))
    }

    /// Writes `features` into `layer` in one transaction; nothing is written if any row fails.
    pub fn write_layer(
        &mut self,
        layer: Layer,
        features: &[Feature],
        mode: WriteMode,
    ) -> Result<WriteReport, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite { path: path.clone(), source };
        let (tx, mut report) = self.begin_layer_write(layer, mode)?;
        let table = layer.id();
        {
            let mut exists = tx.prepare(&format!("SELECT 1 FROM \"{table}\" WHERE code = ?1")).map_err(wrap)?;
            for f in features {
                let existed = exists.query_row([&f.code], |_| Ok(())).optional().map_err(wrap)?.is_some();
                if existed && mode == WriteMode::Append {
                    // The service checks this first; the store refuses too so no caller can overwrite by accident.
                    return Err(wrap(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE),
                        Some(format!("code {} already exists in {table}", f.code)),
                    )));
                }
                write_row(&tx, table, f).map_err(wrap)?;
                if existed { report.updated += 1 } else { report.inserted += 1 }
            }
        }
        update_contents_extent(&tx, layer.id()).map_err(wrap)?;
        super::external::mark_own_write(&tx, false).map_err(wrap)?;
        tx.commit().map_err(wrap)?;
        Ok(report)
    }

    /// Runs SQLite's own integrity check; `Ok(())` when the file is sound.
    pub fn integrity_check(&self) -> Result<(), StoreError> {
        let result: String =
            self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(|e| self.wrap(e))?;
        if result == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt {
                path: self.path.clone(),
                layer: Layer::District,
                code: String::new(),
                detail: result,
            })
        }
    }
}

/// The statements that write one feature row into `table`: an `UPDATE` by code, and the
/// `INSERT` for a code not there yet.
///
/// Why not one `INSERT … ON CONFLICT DO UPDATE`: inside an upsert SQLite does not honour the
/// `INSERT OR REPLACE` of GeoPackage R-tree triggers (GDAL before 3.8, QGIS), so the index row
/// of an overwritten feature collides with itself and the whole write fails.
pub(super) fn row_sql(table: &str) -> (String, String) {
    (
        format!(
            "UPDATE \"{table}\" SET geom = ?1, name = ?3, parent_code = ?4, households = ?5, residents = ?6,
               attributes = ?7, kind = ?8, worker = ?9, facility = ?10 WHERE code = ?2"
        ),
        format!(
            "INSERT INTO \"{table}\" (geom, code, name, parent_code, households, residents, attributes, kind, worker,
               facility) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        ),
    )
}

/// Writes `f` into `table` by code (see [`row_sql`]); returns whether the code was there.
pub(super) fn write_row(conn: &Connection, table: &str, f: &Feature) -> rusqlite::Result<bool> {
    let (update, insert) = row_sql(table);
    if conn.prepare_cached(&update)?.execute(row_params(f))? > 0 {
        return Ok(true);
    }
    conn.prepare_cached(&insert)?.execute(row_params(f))?;
    Ok(false)
}

/// The values [`row_sql`]'s statements bind for `f`: the whole attribute object as JSON (lossless), and
/// the common attributes copied into plain columns for GIS clients to style by (see
/// [`crate::columns`]).
pub(super) fn row_params(f: &Feature) -> impl rusqlite::Params + '_ {
    (
        gpkg::encode(&f.geometry),
        f.code.as_str(),
        f.name.as_str(),
        f.parent_code.as_deref(),
        f.int_attr("households"),
        f.int_attr("residents"),
        f.attrs.to_json(),
        super::columns::text_attr(f, "kind"),
        super::columns::text_attr(f, "worker"),
        super::columns::text_attr(f, "facility"),
    )
}

/// Sorts `features` by code. Codes are UNIQUE in every layer table, so the unstable sort gives the
/// one order. A feature is ≈ 200 bytes: at a million of them, moving the features through every
/// pass of the sort was most of its cost, so the (code, position) pairs are sorted instead, on
/// every core, and each feature is then moved once into its place.
fn sort_by_code(features: &mut [Feature]) {
    if features.is_sorted_by(|a, b| a.code <= b.code) {
        return;
    }
    let mut keys: Vec<(&str, u32)> = features.iter().enumerate().map(|(i, f)| (f.code.as_str(), i as u32)).collect();
    keys.par_sort_unstable();
    // `order[k]`: the position of the feature that belongs at `k`.
    let mut order: Vec<u32> = keys.into_iter().map(|(_, i)| i).collect();
    // Each cycle of the permutation is walked once; a placed position points at itself.
    for start in 0..features.len() {
        let mut k = start;
        while order[k] as usize != start {
            let next = order[k] as usize;
            features.swap(k, next);
            order[k] = k as u32;
            k = next;
        }
        order[k] = k as u32;
    }
}

/// Rows of a layer table as read, before decoding: the attribute JSON and geometry blob of every
/// row of a chunk copied into one buffer instead of two allocations per row.
struct RawChunk {
    rows: Vec<RawRow>,
    bytes: Vec<u8>,
}

/// One row of a [`RawChunk`]: the text columns, and where its attributes and geometry are in the
/// chunk's bytes.
struct RawRow {
    code: String,
    name: String,
    parent_code: Option<String>,
    attributes: std::ops::Range<usize>,
    geom: std::ops::Range<usize>,
}

impl RawChunk {
    /// Appends `row` (columns `code, name, parent_code, attributes, geom`).
    fn push(&mut self, row: &rusqlite::Row<'_>) -> rusqlite::Result<()> {
        use rusqlite::types::ValueRef;
        let mut copy = |i: usize| -> rusqlite::Result<std::ops::Range<usize>> {
            let raw = match (i, row.get_ref(i)?) {
                (3, ValueRef::Text(raw)) | (4, ValueRef::Blob(raw)) => raw,
                (_, other) => {
                    let column = row.as_ref().column_name(i).unwrap_or_default().to_string();
                    return Err(rusqlite::Error::InvalidColumnType(i, column, other.data_type()));
                }
            };
            let start = self.bytes.len();
            self.bytes.extend_from_slice(raw);
            Ok(start..self.bytes.len())
        };
        let attributes = copy(3)?;
        let geom = copy(4)?;
        self.rows.push(RawRow { code: row.get(0)?, name: row.get(1)?, parent_code: row.get(2)?, attributes, geom });
        Ok(())
    }
}

/// The feature of one raw row; `bytes` is its chunk's buffer.
fn decode_raw_row(path: &Path, layer: Layer, row: RawRow, bytes: &[u8]) -> Result<Feature, StoreError> {
    let RawRow { code, name, parent_code, attributes, geom } = row;
    let corrupt = |detail: String| StoreError::Corrupt { path: path.to_path_buf(), layer, code: code.clone(), detail };
    let geometry = gpkg::decode(&bytes[geom]).map_err(|e| corrupt(e.to_string()))?;
    let attributes = &bytes[attributes];
    // Most rows of a large layer carry no attribute beyond the columns: no parser for those.
    let attrs: Attrs = if attributes == b"{}" {
        Attrs::new()
    } else {
        serde_json::from_slice(attributes).map_err(|e| corrupt(format!("attributes: {e}")))?
    };
    let mut feature = Feature { code, name, parent_code, attrs, geometry };
    feature.compact();
    Ok(feature)
}

/// Keeps `gpkg_contents` bounds current so GIS clients zoom to the data.
pub(super) fn update_contents_extent(tx: &rusqlite::Transaction<'_>, table: &str) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare(&format!("SELECT geom FROM \"{table}\""))?;
    let mut bounds: Option<(f64, f64, f64, f64)> = None;
    let blobs = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
    for blob in blobs {
        if let Some(r) = gpkg::decode(&blob?).ok().and_then(|g| g.bounding_rect()) {
            let b = bounds.get_or_insert((r.min().x, r.min().y, r.max().x, r.max().y));
            *b = (b.0.min(r.min().x), b.1.min(r.min().y), b.2.max(r.max().x), b.3.max(r.max().y));
        }
    }
    let (a, b, c, d) = bounds.map_or((None, None, None, None), |(a, b, c, d)| (Some(a), Some(b), Some(c), Some(d)));
    tx.execute(
        "UPDATE gpkg_contents SET min_x = ?2, min_y = ?3, max_x = ?4, max_y = ?5,
           last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?1",
        params![table, a, b, c, d],
    )?;
    Ok(())
}

#[derive(Debug)]
struct NotGeoPackage(i32);

impl std::fmt::Display for NotGeoPackage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "application_id {:#x}", self.0)
    }
}

impl std::error::Error for NotGeoPackage {}

/// The columns `code, name, parent_code, attributes, geom` of a feature row (a layer table or the
/// history), in that order, as every feature query selects them.
pub(crate) type FeatureColumns = (String, String, Option<String>, String, Vec<u8>);

/// Reads [`FeatureColumns`] from a row.
pub(crate) fn feature_columns(r: &rusqlite::Row<'_>) -> rusqlite::Result<FeatureColumns> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(code: String) -> Feature {
        let point = geo::Geometry::Point(geo::Point::new(0.0, 0.0));
        Feature { name: code.clone(), code, parent_code: None, attrs: Attrs::new(), geometry: point }
    }

    /// The permutation walk puts every feature where a plain sort does, whatever the cycles of
    /// the input order (several shuffles, sorted input, reversed input, one feature).
    #[test]
    fn sort_by_code_matches_a_plain_sort() {
        for (n, step) in [(1usize, 1usize), (10, 3), (1000, 7), (1000, 1), (4099, 1000), (5000, 3)] {
            // `step` coprime to `n` visits every position once: a shuffle with long cycles.
            let codes: Vec<String> = (0..n).map(|i| format!("G{:06}", (i * step) % n)).collect();
            for input in [codes.clone(), codes.iter().rev().cloned().collect()] {
                let mut features: Vec<Feature> = input.iter().cloned().map(feature).collect();
                let mut expected = features.clone();
                expected.sort_by(|a, b| a.code.cmp(&b.code));
                sort_by_code(&mut features);
                assert_eq!(features, expected, "{n} features, step {step}");
            }
        }
    }
}
