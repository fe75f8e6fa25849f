//! The demo database: built from the committed GeoJSON files in `data/` on first start.

use crate::import::{ImportError, ImportOptions, import};
use std::path::{Path, PathBuf};
use wangge_core::model::Layer;
use wangge_core::problem::Problem;
use wangge_formats::crs::Crs;
use wangge_formats::formats::FileFormat;
use wangge_store::{Store, StoreError, WriteMode};
use wangge_text::{Lang, Text};

/// Why the demo database could not be built.
#[derive(Debug, thiserror::Error)]
pub enum DemoDbError {
    /// A demo file is missing or unreadable.
    #[error("cannot read demo file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A demo file broke the import rules (a bug in the committed data).
    #[error("demo file {path} was rejected: {}", .problems.first().map(|p| p.message(Lang::En)).unwrap_or_default())]
    Rejected {
        /// The file.
        path: PathBuf,
        /// Every problem.
        problems: Vec<Problem>,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The demo address file was rejected (a bug in the committed data).
    #[error("demo addresses {path}: {detail}")]
    Addresses {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// Moving the finished file into place failed.
    #[error("cannot create {path}: {source}")]
    Persist {
        /// The target file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// The file in `data_dir` holding `layer`.
pub fn layer_file(data_dir: &Path, layer: Layer) -> PathBuf {
    data_dir.join(format!("{}.geojson", layer.id()))
}

/// Creates `db` from the demo files in `data_dir` unless it exists. Returns whether it was built.
///
/// The database is built under a temporary name and renamed into place, so an interrupted build
/// never leaves a half-filled file that a later start would take for a finished one.
pub fn ensure_demo_db(db: &Path, data_dir: &Path) -> Result<bool, DemoDbError> {
    if db.exists() {
        return Ok(false);
    }
    let partial = db.with_extension("building.tmp");
    let _ = std::fs::remove_file(&partial);
    {
        let mut store = Store::open(&partial)?;
        for layer in Layer::ALL {
            let path = layer_file(data_dir, layer);
            let text =
                std::fs::read_to_string(&path).map_err(|source| DemoDbError::Read { path: path.clone(), source })?;
            let options = ImportOptions {
                layer,
                crs: Crs::Wgs84,
                mode: WriteMode::Replace,
                tolerance_m: 5.0,
                generate_codes: false,
            };
            match import(&mut store, &text, FileFormat::GeoJson, &options, None) {
                Ok(_) => {}
                Err(ImportError::Rejected(problems)) => return Err(DemoDbError::Rejected { path, problems }),
                Err(ImportError::Store(e)) => return Err(e.into()),
            }
        }
        // The walking network for coverage: the demo's OSM roads, when present.
        let roads = data_dir.join("roads.geojson");
        if roads.exists() {
            let text =
                std::fs::read_to_string(&roads).map_err(|source| DemoDbError::Read { path: roads.clone(), source })?;
            let set = wangge_formats::roads::read_geojson(&text, &wangge_formats::roads::Walkable::default()).map_err(
                |e| DemoDbError::Read {
                    path: roads.clone(),
                    source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
                },
            )?;
            store.write_roads(&set.lines, set.node_crossings)?;
        }
        load_demo_addresses(&mut store, data_dir)?;
    }
    std::fs::rename(&partial, db).map_err(|source| DemoDbError::Persist { path: db.to_path_buf(), source })?;
    Ok(true)
}

/// The demo's illustrative address file in `data_dir`.
pub fn address_file(data_dir: &Path) -> PathBuf {
    data_dir.join("address.csv")
}

/// Loads `data_dir/address.csv` into the store's address table, replacing what is there. Returns
/// how many addresses were loaded (0 when the file is absent).
pub fn load_demo_addresses(store: &mut Store, data_dir: &Path) -> Result<usize, DemoDbError> {
    let path = address_file(data_dir);
    let Ok(bytes) = std::fs::read(&path) else { return Ok(0) };
    let bad = |detail: String| DemoDbError::Addresses { path: path.clone(), detail };
    let inputs = wangge_formats::addresses::read_csv(&bytes).map_err(|e| bad(e.0))?;
    let snapshot = store.load_snapshot()?;
    let records = crate::address::link(inputs, &snapshot, Crs::Wgs84, "demo").map_err(|p| bad(p.join("; ")))?;
    store.write_addresses(&records, WriteMode::Replace)?;
    Ok(records.len())
}

/// For a demo database made before addresses existed: loads the demo addresses if it has none.
pub fn ensure_demo_addresses(db: &Path, data_dir: &Path) -> Result<usize, DemoDbError> {
    let mut store = Store::open(db)?;
    if store.address_count()? > 0 {
        return Ok(0);
    }
    load_demo_addresses(&mut store, data_dir)
}
