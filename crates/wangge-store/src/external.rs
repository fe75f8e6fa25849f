//! Edits made to the feature tables by other programs (QGIS, `ogrinfo -sql`, `sqlite3`, a
//! script), detected and recorded as revisions, so what lookups answer always has a revision, an
//! author and a history.
//!
//! How: triggers installed by wangge on every layer table copy each row another program inserts,
//! updates or deletes — with its values before the change — into `wangge_external_change`. Only
//! plain SQL is used (no functions), so the triggers run in every SQLite, and never break the
//! other program's write. wangge's own writes mark themselves for the length of their
//! transaction with a row in `wangge_writing`, which the triggers check: the marker is written and
//! removed inside one transaction, so no other connection ever sees it, and a crash rolls it back.
//!
//! [`Store::absorb_external`] (run by the served store's change feed, at start and whenever the
//! file changed) turns what the triggers recorded into one revision by author `external`, role
//! `external`, effective today: the rows' earlier versions go into the feature history as valid
//! until today, so `lookup?at=<earlier date>` still answers the old boundary — history is not
//! rewritten, only continued.
//!
//! Why recorded, not refused: the edit is already committed in the file when wangge can see it,
//! and the file is also the GIS user's working copy; undoing it behind their back would lose
//! their work and fight their tool. So it is recorded, validated by the caller against the
//! planning rules, logged, and reported (`/healthz` warnings), and a planner can restore the
//! previous revision through the usual plan workflow if it was wrong.

use super::plans::{Author, RevisionNote, RevisionRow};
use super::sqlite::{Store, StoreError};
use rusqlite::{Transaction, params};
use serde_json::Value;
use std::collections::BTreeMap;
use wangge_core::model::{Attrs, Feature, Layer};
use wangge_core::snapshot::Snapshot;
use wangge_formats::gpkg;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS wangge_external_change (id INTEGER PRIMARY KEY AUTOINCREMENT, layer TEXT NOT NULL,
  code TEXT NOT NULL, had_old INTEGER NOT NULL, old_name TEXT, old_parent_code TEXT, old_attributes TEXT,
  old_geom BLOB, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS wangge_writing (id INTEGER PRIMARY KEY);
";

/// The author of a revision recording another program's edits.
pub const EXTERNAL_AUTHOR: &str = "external";

/// Creates the change table and the triggers on every layer table (idempotent; run by every open).
pub(super) fn init(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(SCHEMA)?;
    tx.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description)
         VALUES ('wangge_external_change', 'attributes', 'wangge_external_change',
                 'feature rows changed by other programs, not yet recorded as a revision')",
        [],
    )?;
    let now = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";
    let unmarked = "NOT EXISTS (SELECT 1 FROM wangge_writing)";
    for layer in Layer::ALL {
        let t = layer.id();
        tx.execute_batch(&format!(
            "CREATE TRIGGER IF NOT EXISTS \"wangge_{t}_external_insert\" AFTER INSERT ON \"{t}\" WHEN {unmarked}
             BEGIN INSERT INTO wangge_external_change (layer, code, had_old, at) VALUES ('{t}', NEW.code, 0, {now}); END;
             CREATE TRIGGER IF NOT EXISTS \"wangge_{t}_external_update\" AFTER UPDATE ON \"{t}\" WHEN {unmarked}
             BEGIN
               INSERT INTO wangge_external_change (layer, code, had_old, old_name, old_parent_code, old_attributes, old_geom, at)
                 VALUES ('{t}', OLD.code, 1, OLD.name, OLD.parent_code, OLD.attributes, OLD.geom, {now});
               INSERT INTO wangge_external_change (layer, code, had_old, at)
                 SELECT '{t}', NEW.code, 0, {now} WHERE NEW.code IS NOT OLD.code;
             END;
             CREATE TRIGGER IF NOT EXISTS \"wangge_{t}_external_delete\" AFTER DELETE ON \"{t}\" WHEN {unmarked}
             BEGIN
               INSERT INTO wangge_external_change (layer, code, had_old, old_name, old_parent_code, old_attributes, old_geom, at)
                 VALUES ('{t}', OLD.code, 1, OLD.name, OLD.parent_code, OLD.attributes, OLD.geom, {now});
             END;"
        ))?;
    }
    Ok(())
}

/// Marks (`on`) or unmarks the transaction `tx` as wangge's own write, which the triggers then
/// do not record. Every wangge write of a layer table marks itself first and unmarks before it
/// commits.
pub(super) fn mark_own_write(tx: &Transaction<'_>, on: bool) -> rusqlite::Result<()> {
    if on {
        tx.execute("INSERT OR IGNORE INTO wangge_writing (id) VALUES (1)", [])?;
    } else {
        tx.execute("DELETE FROM wangge_writing", [])?;
    }
    Ok(())
}

/// One feature another program changed, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExternalChange {
    /// The layer.
    pub layer: Layer,
    /// The feature code.
    pub code: String,
    /// `added`, `removed` or `changed`.
    pub kind: &'static str,
}

/// What [`Store::absorb_external`] recorded.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Absorbed {
    /// The revision (none when the other program's writes left every feature as it was).
    pub revision: Option<RevisionRow>,
    /// The features changed.
    pub changes: Vec<ExternalChange>,
}

/// `layer, code, had_old, old_name, old_parent_code, old_attributes, old_geom` of a change row.
type OldRow = (String, String, i64, Option<String>, Option<String>, Option<String>, Option<Vec<u8>>);

/// `name, parent_code, attributes, geom, households, residents` of a live row.
type LiveRow = (String, Option<String>, Option<String>, Vec<u8>, Option<i64>, Option<i64>);

/// The text columns ([`crate::columns::TEXT_COLUMNS`]) of a live row.
type LiveText = [Option<String>; 3];

impl Store {
    /// How many row changes by other programs are waiting to be recorded.
    pub fn pending_external(&self) -> Result<i64, StoreError> {
        self.conn.query_row("SELECT count(*) FROM wangge_external_change", [], |r| r.get(0)).map_err(|e| self.wrap(e))
    }

    /// Records what other programs changed since the last call as one revision by
    /// [`EXTERNAL_AUTHOR`] effective `date`, in one transaction (see the module documentation).
    /// `None` when nothing was pending.
    pub fn absorb_external(&mut self, message: &str, date: &str) -> Result<Option<Absorbed>, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite { path: path.clone(), source };
        // Unchecked (shared borrow): the rows are read through helpers of `self` inside it.
        let tx = self.conn.unchecked_transaction().map_err(wrap)?;
        let rows: Vec<(i64, OldRow)> = {
            let mut stmt = tx
                .prepare(
                    "SELECT id, layer, code, had_old, old_name, old_parent_code, old_attributes, old_geom
                     FROM wangge_external_change ORDER BY id",
                )
                .map_err(wrap)?;
            stmt.query_map([], |r| {
                Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))
            })
            .and_then(|rows| rows.collect())
            .map_err(wrap)?
        };
        let Some(last) = rows.last().map(|(id, _)| *id) else { return Ok(None) };
        // The first record of a feature holds its version before the other program's writes.
        let mut before: BTreeMap<(Layer, String), Option<Feature>> = BTreeMap::new();
        for (_, (layer, code, had_old, name, parent_code, attrs, geom)) in rows {
            let Ok(layer) = layer.parse::<Layer>() else { continue };
            if before.contains_key(&(layer, code.clone())) {
                continue;
            }
            let old = match (had_old, name, geom) {
                (1, Some(name), Some(blob)) => {
                    Some(self.external_feature(layer, code.clone(), name, parent_code, attrs, &blob)?)
                }
                _ => None,
            };
            before.insert((layer, code), old);
        }
        let mut after_layers: BTreeMap<Layer, Vec<Feature>> = BTreeMap::new();
        let mut before_layers: BTreeMap<Layer, Vec<Feature>> = BTreeMap::new();
        let mut changes = Vec::new();
        for ((layer, code), old) in before {
            let new = self.live_row(&tx, layer, &code)?;
            let kind = match (&old, &new) {
                (None, None) => continue,
                (Some(a), Some(b)) if a == b => continue,
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                (Some(_), Some(_)) => "changed",
            };
            changes.push(ExternalChange { layer, code, kind });
            before_layers.entry(layer).or_default().extend(old);
            after_layers.entry(layer).or_default().extend(new);
        }
        let mut revision_id = None;
        if !changes.is_empty() {
            let before = Snapshot::new(before_layers);
            let after = Snapshot::new(after_layers);
            let author = Author::new(EXTERNAL_AUTHOR, EXTERNAL_AUTHOR);
            let note = RevisionNote { author: &author, message, date };
            revision_id = Some(super::history::record_revision(&tx, None, note, &before, &after).map_err(wrap)?);
        }
        tx.execute("DELETE FROM wangge_external_change WHERE id <= ?1", [last]).map_err(wrap)?;
        tx.commit().map_err(wrap)?;
        let revision = match revision_id {
            Some(id) => self.revisions_since(id - 1)?.into_iter().next(),
            None => None,
        };
        Ok(Some(Absorbed { revision, changes }))
    }

    /// The row of `code` in `layer` as it is now; the `households`/`residents` columns and the
    /// text columns of [`crate::columns`] win over the attribute JSON when they differ (a GIS
    /// user edits the columns, not the JSON).
    fn live_row(&self, tx: &Transaction<'_>, layer: Layer, code: &str) -> Result<Option<Feature>, StoreError> {
        use rusqlite::OptionalExtension;
        let sql = format!(
            "SELECT name, parent_code, attributes, geom, households, residents, kind, worker, facility FROM \"{}\"
             WHERE code = ?1",
            layer.id()
        );
        let row: Option<(LiveRow, LiveText)> = tx
            .query_row(&sql, params![code], |r| {
                Ok((
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?),
                    [r.get(6)?, r.get(7)?, r.get(8)?],
                ))
            })
            .optional()
            .map_err(|e| self.wrap(e))?;
        let Some(((name, parent_code, attrs, blob, households, residents), text)) = row else { return Ok(None) };
        let mut f = self.external_feature(layer, code.to_string(), name, parent_code, attrs, &blob)?;
        for (key, column) in [("households", households), ("residents", residents)] {
            if let Some(v) = column
                && f.int_attr(key) != Some(v)
            {
                f.attrs.insert(key.into(), Value::from(v));
            }
        }
        super::columns::apply_text_columns(&mut f.attrs, text);
        Ok(Some(f))
    }

    fn external_feature(
        &self,
        layer: Layer,
        code: String,
        name: String,
        parent_code: Option<String>,
        attrs: Option<String>,
        blob: &[u8],
    ) -> Result<Feature, StoreError> {
        let corrupt =
            |detail: String| StoreError::Corrupt { path: self.path.clone(), layer, code: code.clone(), detail };
        let geometry = gpkg::decode(blob).map_err(|e| corrupt(e.to_string()))?;
        let attrs: Attrs = match attrs.as_deref() {
            None | Some("") => Attrs::new(),
            Some(text) => serde_json::from_str(text).map_err(|e| corrupt(format!("attributes: {e}")))?,
        };
        Ok(Feature { code, name, parent_code, attrs, geometry })
    }
}
