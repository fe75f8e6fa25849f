//! Plans, their edits, revisions and feature history, in the same GeoPackage file.
//!
//! The tables are registered in `gpkg_contents` as `attributes`, so the file stays a valid
//! GeoPackage. A plan records the revision it was based on and a version counter (its ETag).
//! Publishing is one transaction: it refuses a plan whose base is no longer current, writes the
//! changed features, closes their history rows (`valid_to`, DB11/T 2157-2023 effective dates)
//! and opens new ones, and records the revision.

use super::sqlite::{Store, StoreError};
use crate::row_fields::from_columns;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use serde_json::Value;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS wangge_revision (id INTEGER PRIMARY KEY AUTOINCREMENT, author TEXT NOT NULL,
  created_at TEXT NOT NULL, message TEXT NOT NULL, plan_id INTEGER, effective_date TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS wangge_plan (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
  author TEXT NOT NULL, base_revision INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'draft',
  version INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS wangge_plan_edit (id INTEGER PRIMARY KEY AUTOINCREMENT, plan_id INTEGER NOT NULL,
  author TEXT NOT NULL, created_at TEXT NOT NULL, edit TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS wangge_plan_edit_plan ON wangge_plan_edit(plan_id, id);
CREATE TABLE IF NOT EXISTS wangge_feature_history (id INTEGER PRIMARY KEY AUTOINCREMENT, layer TEXT NOT NULL,
  code TEXT NOT NULL, name TEXT NOT NULL, parent_code TEXT, attributes TEXT NOT NULL, geom BLOB NOT NULL,
  valid_from TEXT, valid_to TEXT, revision_from INTEGER NOT NULL, revision_to INTEGER);
CREATE INDEX IF NOT EXISTS wangge_feature_history_code ON wangge_feature_history(layer, code);
";

/// Creates the planning tables and registers them as GeoPackage attributes tables.
pub(super) fn init(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(SCHEMA)?;
    for (t, d) in [
        ("wangge_revision", "published revisions: author, time, message, effective date"),
        ("wangge_plan", "draft plans with their base revision and version (ETag)"),
        ("wangge_plan_edit", "the edits of each plan, as JSON"),
        ("wangge_feature_history", "every published version of every feature, valid_from/valid_to"),
    ] {
        tx.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) VALUES (?1, 'attributes', ?1, ?2)",
            params![t, d],
        )?;
    }
    // Databases made before authors carried a role get the column added in place.
    for table in ["wangge_revision", "wangge_plan", "wangge_plan_edit"] {
        add_column(tx, table, "author_role", "TEXT NOT NULL DEFAULT ''")?;
    }
    // Edits added together form one batch (one undo step, named by its first row's id); undone
    // edits stay stored until redone or dropped by a new edit. Older edits are batches of one.
    add_column(tx, "wangge_plan_edit", "batch", "INTEGER")?;
    add_column(tx, "wangge_plan_edit", "undone", "INTEGER NOT NULL DEFAULT 0")?;
    tx.execute("UPDATE wangge_plan_edit SET batch = id WHERE batch IS NULL", [])?;
    Ok(())
}

/// Adds `column` to `table` unless it is there already (SQLite has no `ADD COLUMN IF NOT EXISTS`).
pub(super) fn add_column(tx: &Transaction<'_>, table: &str, column: &str, decl: &str) -> rusqlite::Result<()> {
    let present: i64 =
        tx.query_row(&format!("SELECT count(*) FROM pragma_table_info('{table}') WHERE name = ?1"), [column], |r| {
            r.get(0)
        })?;
    if present == 0 {
        tx.execute_batch(&format!("ALTER TABLE \"{table}\" ADD COLUMN {column} {decl}"))?;
    }
    Ok(())
}

/// Who made a change: the token holder's name and role over HTTP, the OS user (or `--author`)
/// with the role `cli` on the command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Author {
    /// Name (the token's holder, or the OS user).
    pub name: String,
    /// Role (`viewer`, `worker`, `planner`, `admin`, or `cli`); empty when unknown.
    pub role: String,
}

impl Author {
    /// An author with a name and a role.
    pub fn new(name: impl Into<String>, role: impl Into<String>) -> Author {
        Author { name: name.into(), role: role.into() }
    }
}

impl From<&str> for Author {
    fn from(name: &str) -> Author {
        Author::new(name, "")
    }
}

impl From<&Author> for Author {
    fn from(a: &Author) -> Author {
        a.clone()
    }
}

/// What a revision records beside its changes: who made it, why, and the day it takes effect.
#[derive(Debug, Clone, Copy)]
pub struct RevisionNote<'a> {
    /// Who made the change.
    pub author: &'a Author,
    /// Why: the revision's message.
    pub message: &'a str,
    /// The effective date, `YYYY-MM-DD`.
    pub date: &'a str,
}

/// One batch of edits to a plan by one author: stored together, undone and redone as one step.
#[derive(Debug, Clone, Copy)]
pub struct EditBatch<'a> {
    /// Who made the edits.
    pub author: &'a Author,
    /// The edits, in order (already checked by the caller).
    pub edits: &'a [Value],
}

/// Refuses to publish plan `id`, found in `status` at `version`, unless it is at `if_match` (when
/// given) and still a draft. The version is checked first: a writer that saw an older version
/// hears of the conflict whatever else changed. Both stores and the plan service ask this.
pub fn check_publishable(id: i64, status: &str, version: i64, if_match: Option<i64>) -> Result<(), PlanError> {
    if let Some(expected) = if_match.filter(|e| *e != version) {
        return Err(PlanError::StaleVersion { id, expected, current: version });
    }
    if status != "draft" {
        return Err(PlanError::NotDraft(id));
    }
    Ok(())
}

/// A plan as stored (the ETag of its HTTP answers is `"v{version}"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Plan))]
pub struct PlanRow {
    /// Plan id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Who created it (the token holder).
    pub author: String,
    /// Their role.
    pub author_role: String,
    /// The revision its edits apply to.
    pub base_revision: i64,
    /// `draft` or `published`.
    pub status: String,
    /// Bumped by every change; the plan's ETag.
    pub version: i64,
    /// Creation time (UTC, ISO 8601).
    pub created_at: String,
}

/// A published revision.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Revision))]
pub struct RevisionRow {
    /// Revision id (0 is the state before any plan).
    pub id: i64,
    /// Who published it.
    pub author: String,
    /// Their role.
    pub author_role: String,
    /// When (UTC).
    pub created_at: String,
    /// Why.
    pub message: String,
    /// The plan published (none for imports).
    pub plan_id: Option<i64>,
    /// The date from which its features are valid (YYYY-MM-DD).
    pub effective_date: String,
}

/// Why a plan operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// No such plan.
    #[error("no plan {0}")]
    NotFound(i64),
    /// The caller's If-Match version is not the plan's.
    #[error("plan {id} is at version {current}, not {expected}")]
    StaleVersion {
        /// Plan.
        id: i64,
        /// Version the caller had.
        expected: i64,
        /// Version stored.
        current: i64,
    },
    /// The plan's base is no longer the published revision.
    #[error("plan is based on revision {base}, but revision {current} is published")]
    StaleBase {
        /// The plan's base.
        base: i64,
        /// The current revision.
        current: i64,
        /// What was published since.
        since: Vec<RevisionRow>,
    },
    /// Already published.
    #[error("plan {0} is already published")]
    NotDraft(i64),
    /// Undo asked of a plan with no edit in effect.
    #[error("plan {0} has no edit to undo")]
    NothingToUndo(i64),
    /// Redo asked of a plan with no undone edit (a new edit drops the undone ones).
    #[error("plan {0} has no undone edit to redo")]
    NothingToRedo(i64),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn now() -> &'static str {
    "strftime('%Y-%m-%dT%H:%M:%fZ','now')"
}

impl Store {
    fn sql<T>(&self, r: rusqlite::Result<T>) -> Result<T, StoreError> {
        r.map_err(|e| self.wrap(e))
    }

    /// The published revision (0 before any plan was published).
    pub fn current_revision(&self) -> Result<i64, StoreError> {
        self.sql(self.conn.query_row("SELECT coalesce(max(id), 0) FROM wangge_revision", [], |r| r.get(0)))
    }

    /// Creates a draft plan on the current revision.
    pub fn create_plan(&mut self, name: &str, author: impl Into<Author>) -> Result<PlanRow, StoreError> {
        let author = author.into();
        let base = self.current_revision()?;
        let sql = format!(
            "INSERT INTO wangge_plan (name, author, author_role, base_revision, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, {0}, {0})",
            now()
        );
        self.sql(self.conn.execute(&sql, params![name, author.name, author.role, base]))?;
        let id = self.conn.last_insert_rowid();
        self.plan(id)?.ok_or_else(|| self.wrap(rusqlite::Error::QueryReturnedNoRows))
    }

    /// One plan.
    pub fn plan(&self, id: i64) -> Result<Option<PlanRow>, StoreError> {
        let sql = "SELECT id, name, author, author_role, base_revision, status, version, created_at FROM wangge_plan WHERE id = ?1";
        self.sql(self.conn.query_row(sql, [id], plan_row).optional())
    }

    /// Every plan, newest first.
    pub fn plans(&self) -> Result<Vec<PlanRow>, StoreError> {
        let sql = "SELECT id, name, author, author_role, base_revision, status, version, created_at FROM wangge_plan ORDER BY id DESC";
        let mut stmt = self.sql(self.conn.prepare(sql))?;
        self.sql(stmt.query_map([], plan_row).and_then(|rows| rows.collect()))
    }

    /// The edits of a plan in effect (not undone), in the order they were made. A stored edit
    /// that is not JSON is an error naming it, never skipped: replaying without it would build a
    /// different plan than the one its author made.
    pub fn plan_edits(&self, id: i64) -> Result<Vec<Value>, StoreError> {
        let mut stmt = self.sql(
            self.conn.prepare("SELECT id, edit FROM wangge_plan_edit WHERE plan_id = ?1 AND undone = 0 ORDER BY id"),
        )?;
        let rows: Vec<(i64, String)> =
            self.sql(stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?))).and_then(|rows| rows.collect()))?;
        rows.into_iter()
            .map(|(edit, text)| {
                serde_json::from_str(&text).map_err(|e| StoreError::CorruptEdit {
                    path: self.path.clone(),
                    plan: id,
                    edit,
                    detail: e.to_string(),
                })
            })
            .collect()
    }

    /// How many undo steps (batches in effect) and redo steps (undone batches) a plan has.
    pub fn plan_steps(&self, id: i64) -> Result<(i64, i64), StoreError> {
        self.sql(self.conn.query_row(
            "SELECT count(DISTINCT CASE WHEN undone = 0 THEN batch END), count(DISTINCT CASE WHEN undone = 1 THEN batch END)
               FROM wangge_plan_edit WHERE plan_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        ))
    }

    /// Appends one edit (already checked by the caller) to a draft plan; see [`Store::add_edits`].
    pub fn add_edit(
        &mut self,
        id: i64,
        author: impl Into<Author>,
        edit: &Value,
        if_match: Option<i64>,
    ) -> Result<PlanRow, PlanError> {
        let author = author.into();
        self.add_edits(id, EditBatch { author: &author, edits: std::slice::from_ref(edit) }, if_match)
    }

    /// Appends edits (already checked by the caller) to a draft plan as one batch — one undo
    /// step — in one transaction, and drops the plan's undone edits (a new edit ends redo).
    /// `if_match` is the version the caller last saw; a different stored version is refused.
    pub fn add_edits(&mut self, id: i64, batch: EditBatch<'_>, if_match: Option<i64>) -> Result<PlanRow, PlanError> {
        let EditBatch { author, edits } = batch;
        self.in_draft(id, if_match, |tx| {
            tx.execute("DELETE FROM wangge_plan_edit WHERE plan_id = ?1 AND undone = 1", [id])?;
            let sql = format!(
                "INSERT INTO wangge_plan_edit (plan_id, author, author_role, created_at, edit) VALUES (?1, ?2, ?3, {}, ?4)",
                now()
            );
            let mut first = None;
            for edit in edits {
                tx.execute(&sql, params![id, author.name, author.role, edit.to_string()])?;
                first.get_or_insert(tx.last_insert_rowid());
            }
            if let Some(first) = first {
                tx.execute("UPDATE wangge_plan_edit SET batch = ?1 WHERE plan_id = ?2 AND id >= ?1", [first, id])?;
            }
            Ok(true)
        })?
        .ok_or(PlanError::NotFound(id))
    }

    /// Undoes the plan's last batch in effect; it can be redone until a new edit is added.
    pub fn undo(&mut self, id: i64, if_match: Option<i64>) -> Result<PlanRow, PlanError> {
        let newest_in_effect = "UPDATE wangge_plan_edit SET undone = 1 WHERE plan_id = ?1 AND batch =
               (SELECT max(batch) FROM wangge_plan_edit WHERE plan_id = ?1 AND undone = 0)";
        self.flip_batch(id, if_match, newest_in_effect)?.ok_or(PlanError::NothingToUndo(id))
    }

    /// Redoes the plan's most recently undone batch.
    pub fn redo(&mut self, id: i64, if_match: Option<i64>) -> Result<PlanRow, PlanError> {
        // Undone batches are always the newest ones, so the oldest undone is the last undone.
        let last_undone = "UPDATE wangge_plan_edit SET undone = 0 WHERE plan_id = ?1 AND batch =
               (SELECT min(batch) FROM wangge_plan_edit WHERE plan_id = ?1 AND undone = 1)";
        self.flip_batch(id, if_match, last_undone)?.ok_or(PlanError::NothingToRedo(id))
    }

    /// Runs one undo/redo update in a draft; `None` when it changed no edit.
    fn flip_batch(&mut self, id: i64, if_match: Option<i64>, sql: &str) -> Result<Option<PlanRow>, PlanError> {
        self.in_draft(id, if_match, |tx| Ok(tx.execute(sql, [id])? > 0))
    }

    /// Deletes a draft plan and its edits; a published plan is part of the history and stays.
    pub fn discard_plan(&mut self, id: i64, if_match: Option<i64>) -> Result<(), PlanError> {
        let path = self.path.clone();
        let wrap = |source| PlanError::Store(StoreError::Sqlite { path: path.clone(), source });
        let tx = self.conn.transaction().map_err(wrap)?;
        check_draft(&tx, id, if_match).map_err(|e| e.into_plan_error(&path))?;
        tx.execute("DELETE FROM wangge_plan_edit WHERE plan_id = ?1", [id]).map_err(wrap)?;
        tx.execute("DELETE FROM wangge_plan WHERE id = ?1", [id]).map_err(wrap)?;
        tx.commit().map_err(wrap)
    }

    /// Runs `change` in one transaction on draft plan `id` (at version `if_match`, when given);
    /// when it reports a change the plan's version is bumped and its new row returned, else
    /// nothing is written and `None` returned.
    fn in_draft(
        &mut self,
        id: i64,
        if_match: Option<i64>,
        change: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<bool>,
    ) -> Result<Option<PlanRow>, PlanError> {
        let path = self.path.clone();
        let wrap = |source| PlanError::Store(StoreError::Sqlite { path: path.clone(), source });
        let tx = self.conn.transaction().map_err(wrap)?;
        check_draft(&tx, id, if_match).map_err(|e| e.into_plan_error(&path))?;
        if !change(&tx).map_err(wrap)? {
            return Ok(None);
        }
        let sql = format!("UPDATE wangge_plan SET version = version + 1, updated_at = {} WHERE id = ?1", now());
        tx.execute(&sql, [id]).map_err(wrap)?;
        tx.commit().map_err(wrap)?;
        Ok(Some(self.plan(id)?.ok_or(PlanError::NotFound(id))?))
    }

    /// Revisions after `after`, oldest first.
    pub fn revisions_since(&self, after: i64) -> Result<Vec<RevisionRow>, StoreError> {
        let sql = "SELECT id, author, author_role, created_at, message, plan_id, effective_date FROM wangge_revision WHERE id > ?1 ORDER BY id";
        let mut stmt = self.sql(self.conn.prepare(sql))?;
        self.sql(stmt.query_map([after], revision_row).and_then(|rows| rows.collect()))
    }
}

/// Why a plan cannot be changed, found inside a transaction.
enum DraftCheck {
    Sql(rusqlite::Error),
    Plan(PlanError),
}

impl DraftCheck {
    fn into_plan_error(self, path: &std::path::Path) -> PlanError {
        match self {
            DraftCheck::Sql(source) => PlanError::Store(StoreError::Sqlite { path: path.to_path_buf(), source }),
            DraftCheck::Plan(e) => e,
        }
    }
}

/// The plan exists, is a draft, and is at version `if_match` when one is given.
fn check_draft(tx: &Transaction<'_>, id: i64, if_match: Option<i64>) -> Result<(), DraftCheck> {
    let (status, version): (String, i64) = tx
        .query_row("SELECT status, version FROM wangge_plan WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(DraftCheck::Sql)?
        .ok_or(DraftCheck::Plan(PlanError::NotFound(id)))?;
    if status != "draft" {
        return Err(DraftCheck::Plan(PlanError::NotDraft(id)));
    }
    if let Some(expected) = if_match.filter(|e| *e != version) {
        return Err(DraftCheck::Plan(PlanError::StaleVersion { id, expected, current: version }));
    }
    Ok(())
}

pub(crate) fn plan_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PlanRow> {
    Ok(from_columns!(r => PlanRow { id, name, author, author_role, base_revision, status, version, created_at }))
}

fn revision_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RevisionRow> {
    Ok(from_columns!(r => RevisionRow { id, author, author_role, created_at, message, plan_id, effective_date }))
}
