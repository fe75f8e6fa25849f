//! Writing a layer one feature at a time inside one transaction, so an import never holds the
//! whole layer in memory: [`Store::layer_writer`] opens the transaction, [`LayerWriter::write`]
//! writes a row with prepared statements, [`LayerWriter::commit`] publishes everything at once,
//! and dropping the writer without committing leaves the file as it was.

use super::sqlite::{Store, StoreError, WriteMode, WriteReport, row_params, row_sql, update_contents_extent};
use geo::BoundingRect;
use rusqlite::{OptionalExtension, Transaction, params};
use std::path::PathBuf;
use wangge_core::model::{Feature, Layer};

/// An open write of one layer (see the module doc).
pub struct LayerWriter<'a> {
    tx: Transaction<'a>,
    path: PathBuf,
    layer: Layer,
    mode: WriteMode,
    /// The table had no rows when the write began (or `Replace` emptied it): every row is new, so
    /// no row is looked up first and the extent is the one of the rows written.
    fresh: bool,
    report: WriteReport,
    bounds: Option<(f64, f64, f64, f64)>,
}

impl Store {
    /// Starts writing `layer` in `mode` (see [`LayerWriter`]); `Replace` deletes the old rows
    /// first, inside the same transaction.
    pub fn layer_writer(&mut self, layer: Layer, mode: WriteMode) -> Result<LayerWriter<'_>, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite { path: path.clone(), source };
        let (tx, report) = self.begin_layer_write(layer, mode)?;
        let table = layer.id();
        let empty = tx
            .query_row(&format!("SELECT 1 FROM \"{table}\" LIMIT 1"), [], |_| Ok(()))
            .optional()
            .map_err(wrap)?
            .is_none();
        Ok(LayerWriter { tx, path, layer, mode, fresh: empty, report, bounds: None })
    }
}

impl LayerWriter<'_> {
    fn wrap(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite { path: self.path.clone(), source }
    }

    /// Writes one feature: inserted, or overwritten by code (refused in `Append` mode when the
    /// code is already stored).
    pub fn write(&mut self, f: &Feature) -> Result<(), StoreError> {
        let table = self.layer.id();
        let (update, insert) = row_sql(table);
        if !self.fresh {
            let existed = self
                .tx
                .prepare_cached(&format!("SELECT 1 FROM \"{table}\" WHERE code = ?1"))
                .and_then(|mut s| s.query_row([&f.code], |_| Ok(())).optional())
                .map_err(|e| self.wrap(e))?
                .is_some();
            if existed && self.mode == WriteMode::Append {
                // The service checks this first; the store refuses too so no caller can overwrite by accident.
                return Err(self.wrap(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE),
                    Some(format!("code {} already exists in {table}", f.code)),
                )));
            }
            if existed {
                self.tx.prepare_cached(&update).and_then(|mut s| s.execute(row_params(f))).map_err(|e| self.wrap(e))?;
                self.report.updated += 1;
                return Ok(());
            }
        }
        // A code written twice into a fresh table breaks the UNIQUE constraint: an error, as above.
        self.tx.prepare_cached(&insert).and_then(|mut s| s.execute(row_params(f))).map_err(|e| self.wrap(e))?;
        self.report.inserted += 1;
        if self.fresh
            && let Some(r) = f.geometry.bounding_rect()
        {
            let b = self.bounds.get_or_insert((r.min().x, r.min().y, r.max().x, r.max().y));
            *b = (b.0.min(r.min().x), b.1.min(r.min().y), b.2.max(r.max().x), b.3.max(r.max().y));
        }
        Ok(())
    }

    /// What has been written so far.
    pub fn report(&self) -> WriteReport {
        self.report
    }

    /// Publishes every row written, with the layer's extent in `gpkg_contents`.
    pub fn commit(self) -> Result<WriteReport, StoreError> {
        let table = self.layer.id();
        let result = (|| {
            if self.fresh {
                // Every row is one written here, so their bounds are the layer's: no second pass.
                let (a, b, c, d) =
                    self.bounds.map_or((None, None, None, None), |(a, b, c, d)| (Some(a), Some(b), Some(c), Some(d)));
                self.tx.execute(
                    "UPDATE gpkg_contents SET min_x = ?2, min_y = ?3, max_x = ?4, max_y = ?5,
                       last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?1",
                    params![table, a, b, c, d],
                )?;
            } else {
                update_contents_extent(&self.tx, table)?;
            }
            super::external::mark_own_write(&self.tx, false)?;
            Ok(())
        })();
        result.map_err(|e| self.wrap(e))?;
        let report = self.report;
        let path = self.path.clone();
        self.tx.commit().map_err(|source| StoreError::Sqlite { path, source })?;
        Ok(report)
    }
}
