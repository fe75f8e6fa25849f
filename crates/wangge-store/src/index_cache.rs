//! Index caches of a GeoPackage's layers (issue 15): the cell grid and interior points of each
//! large area layer, kept in files beside the database (`FILE.index/LAYER.bin`) so that `serve`
//! and the CLI do not build them again on every start.
//!
//! Each file begins with the SHA-256 of the layer's content as the snapshot sees it — every
//! feature's geometry, coordinate by coordinate, in code order — and is used only when that
//! matches the layer just read. So any change to the layer, by a publish, an import, a restore or
//! another program editing the file, makes the copy stale and it is rebuilt; nothing has to
//! remember to invalidate it. What is keyed is exactly what the cached parts are built from.
//!
//! Why beside the file and not in it: writing a table while loading would move SQLite's
//! `data_version` for every other connection, and the change feed (see [`crate::changes`]) would
//! take that for another process's commit and load the whole state again. PostgreSQL stores
//! build the index on every start.

use geo::{Geometry, LineString, Polygon};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use wangge_core::index_cache::{FORMAT, LayerIndexCache};
use wangge_core::model::{Feature, Layer};
use wangge_core::snapshot::LayerData;

/// Features per parallel hashing task.
const CHUNK: usize = 4096;

/// The content key of `layer` holding `features` (in code order).
pub type Key = [u8; 32];

/// The folder of `db`'s index caches.
pub fn cache_dir(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".index");
    db.with_file_name(name)
}

fn cache_file(db: &Path, layer: Layer) -> PathBuf {
    cache_dir(db).join(format!("{}.bin", layer.id()))
}

/// The content key of `features` of `layer` (see the module documentation).
pub fn layer_key(layer: Layer, features: &[Feature]) -> Key {
    let chunks: Vec<[u8; 32]> = features
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut h = Sha256::new();
            for f in chunk {
                hash_geometry(&mut h, &f.geometry);
            }
            h.finalize().into()
        })
        .collect();
    let mut h = Sha256::new();
    h.update(FORMAT.to_le_bytes());
    h.update(layer.id().as_bytes());
    h.update((features.len() as u64).to_le_bytes());
    chunks.iter().for_each(|c| h.update(c));
    h.finalize().into()
}

fn hash_geometry(h: &mut Sha256, g: &Geometry<f64>) {
    let ring = |h: &mut Sha256, r: &LineString<f64>| {
        h.update((r.0.len() as u64).to_le_bytes());
        // The same bytes as one update per number, fed a few hundred at a time: the hasher's
        // per-call bookkeeping cost more than the hashing on rings of a few points.
        let mut buffer = [0u8; 512];
        for coords in r.0.chunks(buffer.len() / 16) {
            for (c, out) in coords.iter().zip(buffer.chunks_exact_mut(16)) {
                out[..8].copy_from_slice(&c.x.to_le_bytes());
                out[8..].copy_from_slice(&c.y.to_le_bytes());
            }
            h.update(&buffer[..coords.len() * 16]);
        }
    };
    let polygon = |h: &mut Sha256, p: &Polygon<f64>| {
        h.update((p.interiors().len() as u64 + 1).to_le_bytes());
        ring(h, p.exterior());
        p.interiors().iter().for_each(|r| ring(h, r));
    };
    // A tag per kind, so that no two different geometries feed the same bytes.
    match g {
        Geometry::Polygon(p) => {
            h.update([1]);
            polygon(h, p);
        }
        Geometry::MultiPolygon(mp) => {
            h.update([2]);
            h.update((mp.0.len() as u64).to_le_bytes());
            mp.0.iter().for_each(|p| polygon(h, p));
        }
        Geometry::Rect(r) => {
            h.update([3]);
            polygon(h, &r.to_polygon());
        }
        // Other kinds prepare to an empty area and have no interior point.
        _ => h.update([0]),
    }
}

/// The index cache of `layer` kept beside `db`, if it was built for exactly `key` and reads back
/// consistently for `features` features.
pub fn read(db: &Path, layer: Layer, key: &Key, features: usize) -> Option<LayerIndexCache> {
    let bytes = std::fs::read(cache_file(db, layer)).ok()?;
    let (stored, rest) = bytes.split_at_checked(key.len())?;
    (stored == key).then(|| LayerIndexCache::decode(rest, features)).flatten()
}

/// Keeps the index cache of `data` (layer `layer`, content `key`) beside `db`, when the layer is
/// large enough to be worth it. Best effort: a folder that cannot be written only means the next
/// start builds the index again. Written to a temporary file and renamed, so a reader never sees
/// half a file.
pub fn write(db: &Path, layer: Layer, key: &Key, data: &LayerData) {
    let with_points = matches!(layer, Layer::District | Layer::Street | Layer::Community);
    let Some(body) = LayerIndexCache::encode(data, with_points) else { return };
    let dir = cache_dir(db);
    let target = cache_file(db, layer);
    let tmp = dir.join(format!("{}.{}.tmp", layer.id(), std::process::id()));
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| {
            // Key then body, without a second copy of a body that is tens of megabytes.
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(key)?;
            file.write_all(&body)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, &target));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}
