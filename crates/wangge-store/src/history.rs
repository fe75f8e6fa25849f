//! Publishing a plan in one transaction, and reading the hierarchy as it was at a date or a
//! revision from the feature history.
//!
//! A feature that was never changed by a plan has no history rows and counts as valid since
//! ever; the first time a plan changes it, its previous version is recorded as valid from the
//! beginning until the plan's effective date.

use super::plans::{PlanError, RevisionNote, RevisionRow, check_publishable};
use super::sqlite::{Store, StoreError, WriteMode, WriteReport, update_contents_extent};
use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use wangge_core::diff::changes;
use wangge_core::model::{Attrs, Feature, Layer};
use wangge_core::snapshot::Snapshot;
use wangge_formats::gpkg;

/// Which past state to read.
#[derive(Debug, Clone, PartialEq)]
pub enum AsOf {
    /// Valid on this date (YYYY-MM-DD): `valid_from <= date < valid_to`.
    Date(String),
    /// As published by this revision.
    Revision(i64),
}

/// Features to write into one layer, and how they meet the codes already there.
#[derive(Debug, Clone, Copy)]
pub struct LayerWrite<'a> {
    /// The layer written.
    pub layer: Layer,
    /// The features, by code.
    pub features: &'a [Feature],
    /// How they meet the layer's features.
    pub mode: WriteMode,
}

impl LayerWrite<'_> {
    /// The layer `old` becomes with this write, and what the write counts (both stores record a
    /// revision from the two). `Err(code)`: `Append` met a code already there.
    pub fn merged(&self, old: &[Feature]) -> Result<(Vec<Feature>, WriteReport), String> {
        let mut report = WriteReport::default();
        if self.mode == WriteMode::Replace {
            report.deleted = old.len();
            report.inserted = self.features.len();
            return Ok((self.features.to_vec(), report));
        }
        let mut new = old.to_vec();
        let mut at: HashMap<String, usize> = new.iter().enumerate().map(|(i, f)| (f.code.clone(), i)).collect();
        for f in self.features {
            match at.get(&f.code) {
                Some(_) if self.mode == WriteMode::Append => return Err(f.code.clone()),
                Some(&i) => {
                    new[i] = f.clone();
                    report.updated += 1;
                }
                None => {
                    at.insert(f.code.clone(), new.len());
                    new.push(f.clone());
                    report.inserted += 1;
                }
            }
        }
        Ok((new, report))
    }
}

/// A plan to publish (see [`Store::publish`]).
#[derive(Debug, Clone, Copy)]
pub struct Publication<'a> {
    /// The plan.
    pub plan_id: i64,
    /// The version the plan must still be at, when given: its edits unchanged since `after`
    /// was built from them.
    pub version: Option<i64>,
    /// The revision's author, message and effective date.
    pub note: RevisionNote<'a>,
    /// The published state the plan was built on.
    pub before: &'a Snapshot,
    /// That state with the plan's edits applied.
    pub after: &'a Snapshot,
}

impl Store {
    /// Publishes plan `p.plan_id`: `p.before` is the published state it was built on, `p.after`
    /// the state with its edits. Refused if the plan's base is no longer the current revision, or
    /// if `p.version` is given and the plan is no longer at it (its edits changed since `after`
    /// was built from them): checked in the transaction that publishes.
    pub fn publish(&mut self, p: Publication<'_>) -> Result<RevisionRow, PlanError> {
        let path = self.path.clone();
        let wrap = |source| PlanError::Store(StoreError::Sqlite { path: path.clone(), source });
        let current = self.current_revision()?;
        let since = self.revisions_since(0)?;
        let tx = self.conn.transaction().map_err(wrap)?;
        let (status, base, current_version): (String, i64, i64) = tx
            .query_row("SELECT status, base_revision, version FROM wangge_plan WHERE id = ?1", [p.plan_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
            .map_err(wrap)?
            .ok_or(PlanError::NotFound(p.plan_id))?;
        check_publishable(p.plan_id, &status, current_version, p.version)?;
        if base != current {
            let since = since.into_iter().filter(|r| r.id > base).collect();
            return Err(PlanError::StaleBase { base, current, since });
        }
        let rev = record_revision(&tx, Some(p.plan_id), p.note, p.before, p.after).map_err(wrap)?;
        relink_addresses(&tx, p.before, p.after).map_err(wrap)?;
        tx.execute("UPDATE wangge_plan SET status = 'published', version = version + 1 WHERE id = ?1", [p.plan_id])
            .map_err(wrap)?;
        tx.commit().map_err(wrap)?;
        let row = self.revisions_since(rev - 1)?.into_iter().next();
        row.ok_or_else(|| PlanError::Store(self.wrap(rusqlite::Error::QueryReturnedNoRows)))
    }

    /// Writes `features` into `layer` like [`Store::write_layer`], and records the change as a
    /// revision (author, message, effective `date`) in the same transaction, exactly as a plan
    /// publish does. The initial load stays revision 0: while no revision exists, writing into an
    /// empty layer records nothing, so its features count as valid since ever. A write that
    /// changes no feature records nothing either. Returns what was written and the revision.
    pub fn write_layer_recorded(
        &mut self,
        write: LayerWrite<'_>,
        note: RevisionNote<'_>,
    ) -> Result<(WriteReport, Option<RevisionRow>), StoreError> {
        let layer = write.layer;
        let current = self.current_revision()?;
        let old = self.load_layer(layer)?;
        if current == 0 && old.is_empty() {
            return Ok((self.write_layer(layer, write.features, write.mode)?, None));
        }
        let (new, report) = write.merged(&old).map_err(|code| {
            // The service checks this first; refused here too so no caller overwrites by accident.
            self.wrap(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE),
                Some(format!("code {code} already exists in {}", layer.id())),
            ))
        })?;
        let before = Snapshot::new([(layer, old)]);
        let after = Snapshot::new([(layer, new)]);
        if changes(&before, &after).is_empty() {
            return Ok((report, None));
        }
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(wrap)?;
        let rev = record_revision(&tx, None, note, &before, &after).map_err(wrap)?;
        tx.commit().map_err(wrap)?;
        let row = self.revisions_since(rev - 1)?.into_iter().next();
        Ok((report, Some(row.ok_or_else(|| self.wrap(rusqlite::Error::QueryReturnedNoRows))?)))
    }

    /// Every layer as it was at `when`.
    pub fn snapshot_as_of(&self, when: &AsOf) -> Result<Snapshot, StoreError> {
        let (cond, arg): (&str, Value) = match when {
            AsOf::Date(d) => (
                "(valid_from IS NULL OR valid_from <= ?2) AND (valid_to IS NULL OR valid_to > ?2)",
                Value::String(d.clone()),
            ),
            AsOf::Revision(r) => ("revision_from <= ?2 AND (revision_to IS NULL OR revision_to > ?2)", Value::from(*r)),
        };
        let mut layers = Vec::new();
        for layer in Layer::ALL {
            let mut features: Vec<Feature> = self
                .load_layer(layer)?
                .into_iter()
                .filter(|f| !self.has_history(layer, &f.code).unwrap_or(false))
                .collect();
            let sql = format!(
                "SELECT code, name, parent_code, attributes, geom FROM wangge_feature_history WHERE layer = ?1 AND {cond}"
            );
            let mut stmt = self.conn.prepare(&sql).map_err(|e| self.wrap(e))?;
            let arg: Box<dyn rusqlite::ToSql> = match arg.clone() {
                Value::String(s) => Box::new(s),
                v => Box::new(v.as_i64().unwrap_or(0)),
            };
            let rows = stmt
                .query_map(params![layer.id(), arg], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get::<_, Vec<u8>>(4)?))
                })
                .map_err(|e| self.wrap(e))?;
            for row in rows {
                let (code, name, parent_code, attrs, blob): (String, String, Option<String>, String, Vec<u8>) =
                    row.map_err(|e| self.wrap(e))?;
                let corrupt =
                    |detail: String| StoreError::Corrupt { path: self.path.clone(), layer, code: code.clone(), detail };
                let geometry = gpkg::decode(&blob).map_err(|e| corrupt(e.to_string()))?;
                let attrs: Attrs = serde_json::from_str(&attrs).map_err(|e| corrupt(e.to_string()))?;
                features.push(Feature { code, name, parent_code, attrs, geometry });
            }
            layers.push((layer, features));
        }
        Ok(Snapshot::new(layers))
    }

    fn has_history(&self, layer: Layer, code: &str) -> Result<bool, StoreError> {
        let sql = "SELECT 1 FROM wangge_feature_history WHERE layer = ?1 AND code = ?2 LIMIT 1";
        let found = self.conn.query_row(sql, params![layer.id(), code], |_| Ok(())).optional();
        Ok(found.map_err(|e| self.wrap(e))?.is_some())
    }
}

/// Inserts a revision and applies `before` → `after` to the live tables and the feature history
/// inside `tx`: replaced features get `valid_to = date`, new ones `valid_from = date`. Publishing a
/// plan, importing a file and recording another program's edits share this so all leave the same
/// history behind. Marks `tx` as wangge's own write (see [`crate::external`]).
pub(super) fn record_revision(
    tx: &Transaction<'_>,
    plan_id: Option<i64>,
    note: RevisionNote<'_>,
    before: &Snapshot,
    after: &Snapshot,
) -> rusqlite::Result<i64> {
    let RevisionNote { author, message, date } = note;
    tx.execute(
        "INSERT INTO wangge_revision (author, author_role, created_at, message, plan_id, effective_date)
         VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?3, ?4, ?5)",
        params![author.name, author.role, message, plan_id, date],
    )?;
    let rev = tx.last_insert_rowid();
    super::external::mark_own_write(tx, true)?;
    let mut layers = BTreeSet::new();
    for ((layer, code), (old, new)) in changes(before, after) {
        layers.insert(layer);
        // Owned only here, one change at a time: the history rows and the table row take a feature.
        let (old, new) = (old.map(|f| f.to_feature()), new.map(|f| f.to_feature()));
        write_change(tx, layer, &code, old.as_ref(), new.as_ref(), rev, date)?;
    }
    for layer in layers {
        update_contents_extent(tx, layer.id())?;
    }
    super::external::mark_own_write(tx, false)?;
    Ok(rev)
}

fn write_change(
    tx: &Transaction<'_>,
    layer: Layer,
    code: &str,
    old: Option<&Feature>,
    new: Option<&Feature>,
    rev: i64,
    date: &str,
) -> rusqlite::Result<()> {
    let open: Option<i64> = tx
        .query_row(
            "SELECT id FROM wangge_feature_history WHERE layer = ?1 AND code = ?2 AND revision_to IS NULL",
            params![layer.id(), code],
            |r| r.get(0),
        )
        .optional()?;
    if open.is_none()
        && let Some(f) = old
    {
        insert_history(tx, layer, f, None, 0)?;
    }
    tx.execute(
        "UPDATE wangge_feature_history SET valid_to = ?3, revision_to = ?4
         WHERE layer = ?1 AND code = ?2 AND revision_to IS NULL",
        params![layer.id(), code, date, rev],
    )?;
    let table = layer.id();
    match new {
        Some(f) => {
            insert_history(tx, layer, f, Some(date), rev)?;
            super::sqlite::write_row(tx, table, f)?;
        }
        None => {
            tx.execute(&format!("DELETE FROM \"{table}\" WHERE code = ?1"), [code])?;
        }
    }
    Ok(())
}

fn insert_history(
    tx: &Transaction<'_>,
    layer: Layer,
    f: &Feature,
    from: Option<&str>,
    rev: i64,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO wangge_feature_history (layer, code, name, parent_code, attributes, geom, valid_from, revision_from)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            layer.id(),
            f.code,
            f.name,
            f.parent_code,
            f.attrs.to_json(),
            gpkg::encode(&f.geometry),
            from,
            rev
        ],
    )?;
    Ok(())
}

/// Keeps the address table's grid links true to a published change: an address follows its
/// building to the building's new grid, and one linked to a grid that is gone loses the link (the
/// gazetteer then places it by its point), so no address names a grid that no longer exists.
fn relink_addresses(tx: &Transaction<'_>, before: &Snapshot, after: &Snapshot) -> rusqlite::Result<()> {
    let grids = after.layer(Layer::Grid);
    for g in before.layer(Layer::Grid).iter().filter(|g| grids.get(g.code()).is_none()) {
        tx.execute("UPDATE \"address\" SET grid_code = NULL WHERE grid_code = ?1", [g.code()])?;
    }
    let old = before.layer(Layer::Building);
    for b in after.layer(Layer::Building).iter() {
        if old.get(b.code()).is_some_and(|o| o.parent_code() != b.parent_code()) {
            tx.execute(
                "UPDATE \"address\" SET grid_code = ?1 WHERE building_code = ?2",
                rusqlite::params![b.parent_code(), b.code()],
            )?;
        }
    }
    Ok(())
}
