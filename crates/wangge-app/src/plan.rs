//! The planning use-cases shared by the faces: add a checked edit to a draft, build a plan's
//! state, validate it, compare it with what is published, publish it (store transaction, then
//! snapshot swap), and restore a past revision as a new plan.

use crate::published::Live;
use serde_json::Value;
use std::sync::Arc;
use wangge_core::diff::changes;
use wangge_core::diff::{Diff, diff};
use wangge_core::edit::Draft;
use wangge_core::rules::{Finding, RulesConfig, has_errors, run_rules};
use wangge_core::snapshot::Snapshot;
use wangge_formats::edit_json::{parse_edit, restoring_edit};
use wangge_store::Db;
use wangge_store::history::AsOf;
use wangge_store::plans::{Author, PlanError, PlanRow, RevisionRow};
use wangge_text::{Lang, Text};

/// Why a planning request was refused.
#[derive(Debug, thiserror::Error)]
pub enum PlanServiceError {
    /// The edit cannot be read or cannot be applied (4xx).
    #[error("edit {index}: {detail}")]
    BadEdit {
        /// Position of the edit in the plan.
        index: usize,
        /// Position of the edit in the request's batch (0 for a single edit or a stored one).
        position: usize,
        /// What is wrong (English).
        detail: String,
        /// What is wrong (简体中文).
        detail_zh: String,
    },
    /// A field of the request is missing or wrong (400): `message`, `effective_date`, `edits`.
    #[error("{field}: {detail}")]
    BadField {
        /// The field.
        field: &'static str,
        /// What is wrong (English).
        detail: String,
        /// What is wrong (简体中文).
        detail_zh: String,
    },
    /// The plan breaks rules of severity error; nothing was published.
    #[error("the plan breaks {} rule(s) of severity error", wangge_core::rules::finding::tally(.0).0)]
    Rejected(Vec<Finding>),
    /// Not found, stale, or a store failure.
    #[error(transparent)]
    Plan(#[from] PlanError),
}

impl From<wangge_store::StoreError> for PlanServiceError {
    fn from(e: wangge_store::StoreError) -> Self {
        PlanServiceError::Plan(PlanError::Store(e))
    }
}

/// An edit whose JSON cannot be read (the reader's detail is English; the Chinese text says so).
pub fn bad_json(index: usize, detail: String) -> PlanServiceError {
    PlanServiceError::BadEdit { index, position: 0, detail_zh: format!("编辑 JSON 无法读取：{detail}"), detail }
}

/// An edit that does not apply, in both languages.
pub fn bad_edit(index: usize, e: &wangge_core::edit::EditError) -> PlanServiceError {
    PlanServiceError::BadEdit { index, position: 0, detail: e.message(Lang::En), detail_zh: e.message(Lang::Zh) }
}

/// `e` as the refusal of the edit at `position` of a request's batch.
fn at_position(e: PlanServiceError, position: usize) -> PlanServiceError {
    match e {
        PlanServiceError::BadEdit { index, detail, detail_zh, .. } => {
            PlanServiceError::BadEdit { index, position, detail, detail_zh }
        }
        other => other,
    }
}

/// The published state and the state with the plan's edits applied to it.
pub fn plan_states(store: &dyn Db, id: i64) -> Result<(Snapshot, Snapshot), PlanServiceError> {
    let plan = store.plan(id)?.ok_or(PlanError::NotFound(id))?;
    let before = store.load_snapshot()?;
    let draft = replay(store, &plan, &before)?;
    Ok((before, draft.to_snapshot()))
}

/// The published state `before` with every stored edit of `plan` applied.
fn replay(store: &dyn Db, plan: &PlanRow, before: &Snapshot) -> Result<Draft, PlanServiceError> {
    let mut draft = Draft::from_snapshot(before, wangge_text::split_piece_name);
    for (index, v) in store.plan_edits(plan.id)?.iter().enumerate() {
        let edit = parse_edit(v).map_err(|detail| bad_json(index, detail))?;
        draft.apply(&edit).map_err(|e| bad_edit(index, &e))?;
    }
    Ok(draft)
}

/// The draft states of recently used plans, kept by the server so that an edit, a validation or
/// a diff does not load the published layers from SQLite and replay every stored edit each time.
/// An entry is valid for one plan version (bumped by every edit, undo and redo) on one published
/// revision; an edit added through [`PlanCache::add_edits`] updates its plan's entry in place.
/// Writes to the database by another process are seen through the version and revision they
/// bump (an import without a revision is not: the server does not serve it either until restart).
pub struct PlanCache {
    published: std::sync::Mutex<Option<(i64, Arc<Snapshot>)>>,
    drafts: moka::sync::Cache<i64, Arc<CachedPlan>>,
}

/// One plan's draft state, and what it was built from.
struct CachedPlan {
    version: i64,
    revision: i64,
    edits: usize,
    draft: Draft,
    after: Arc<Snapshot>,
}

impl PlanCache {
    /// A cache holding the states of up to `plans` plans.
    pub fn new(plans: u64) -> PlanCache {
        PlanCache { published: std::sync::Mutex::new(None), drafts: moka::sync::Cache::new(plans) }
    }

    /// The published state as stored, with its revision; loaded once per revision.
    fn published(&self, store: &dyn Db) -> Result<(i64, Arc<Snapshot>), PlanServiceError> {
        let revision = store.current_revision()?;
        let mut slot = self.published.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((r, s)) = slot.as_ref().filter(|(r, _)| *r == revision) {
            return Ok((*r, s.clone()));
        }
        let snapshot = Arc::new(store.load_snapshot()?);
        // Kept only if no publish committed while it was read (a reader sees no transaction).
        if store.current_revision()? == revision {
            *slot = Some((revision, snapshot.clone()));
        }
        Ok((revision, snapshot))
    }

    fn draft(&self, store: &dyn Db, plan: &PlanRow) -> Result<(Arc<Snapshot>, Arc<CachedPlan>), PlanServiceError> {
        let (revision, before) = self.published(store)?;
        if let Some(hit) = self.drafts.get(&plan.id).filter(|c| c.version == plan.version && c.revision == revision) {
            return Ok((before, hit));
        }
        let draft = replay(store, plan, &before)?;
        let edits = store.plan_edits(plan.id)?.len();
        let after = Arc::new(draft.to_snapshot());
        let entry = Arc::new(CachedPlan { version: plan.version, revision, edits, draft, after });
        // Every change of a plan's edits bumps its version in the same transaction, so the edits
        // read between two reads of the same version are that version's.
        let unchanged = store.plan(plan.id)?.is_some_and(|p| p.version == plan.version);
        if unchanged && store.current_revision()? == revision {
            self.drafts.insert(plan.id, entry.clone());
        }
        Ok((before, entry))
    }

    /// The published state and the plan's draft state.
    pub fn states(&self, store: &dyn Db, id: i64) -> Result<(Arc<Snapshot>, Arc<Snapshot>), PlanServiceError> {
        let plan = store.plan(id)?.ok_or(PlanError::NotFound(id))?;
        let (before, entry) = self.draft(store, &plan)?;
        Ok((before, entry.after.clone()))
    }

    /// [`add_edits`], starting from the cached draft and leaving the new draft in the cache.
    pub fn add_edits(
        &self,
        store: &mut dyn Db,
        id: i64,
        author: impl Into<Author>,
        edits: &[Value],
        if_match: Option<i64>,
    ) -> Result<PlanRow, PlanServiceError> {
        let plan = draft_plan(store, id, if_match, edits)?;
        let (_, entry) = self.draft(store, &plan)?;
        let mut draft = entry.draft.clone();
        apply_all(&mut draft, entry.edits, edits)?;
        let row = store.add_edits(id, &author.into(), edits, Some(plan.version))?;
        let after = Arc::new(draft.to_snapshot());
        let edits = entry.edits + edits.len();
        self.drafts
            .insert(id, Arc::new(CachedPlan { version: row.version, revision: entry.revision, edits, draft, after }));
        Ok(row)
    }
}

/// The draft plan `id` an add request may change: it exists, is at `if_match` (a stale writer
/// hears about the conflict first, whatever its edits would have done), and `edits` is not empty.
fn draft_plan(store: &dyn Db, id: i64, if_match: Option<i64>, edits: &[Value]) -> Result<PlanRow, PlanServiceError> {
    let plan = store.plan(id)?.ok_or(PlanError::NotFound(id))?;
    if let Some(expected) = if_match.filter(|e| *e != plan.version) {
        return Err(PlanError::StaleVersion { id, expected, current: plan.version }.into());
    }
    if plan.status != "draft" {
        return Err(PlanError::NotDraft(id).into());
    }
    if edits.is_empty() {
        return Err(PlanServiceError::BadField {
            field: "edits",
            detail: "the batch holds no edit".into(),
            detail_zh: "批量编辑为空".into(),
        });
    }
    Ok(plan)
}

/// Applies `edits` in order to `draft`, which already holds `first` edits; the error names the
/// failing edit by its index in the plan and its position in `edits`.
fn apply_all(draft: &mut Draft, first: usize, edits: &[Value]) -> Result<(), PlanServiceError> {
    for (k, v) in edits.iter().enumerate() {
        let index = first + k;
        let parsed = parse_edit(v).map_err(|detail| at_position(bad_json(index, detail), k))?;
        draft.apply(&parsed).map_err(|e| at_position(bad_edit(index, &e), k))?;
    }
    Ok(())
}

/// Checks `edit` against the plan's current state and stores it; returns the plan's new version.
pub fn add_edit(
    store: &mut dyn Db,
    id: i64,
    author: impl Into<Author>,
    edit: &Value,
    if_match: Option<i64>,
) -> Result<PlanRow, PlanServiceError> {
    add_edits(store, id, author, std::slice::from_ref(edit), if_match)
}

/// Checks every edit of `edits`, in order, against the plan's state, then stores them all as one
/// batch (one undo step); if one does not apply, nothing is stored and the error names it (its
/// `index` counts from the plan's existing edits, its `position` within `edits`).
pub fn add_edits(
    store: &mut dyn Db,
    id: i64,
    author: impl Into<Author>,
    edits: &[Value],
    if_match: Option<i64>,
) -> Result<PlanRow, PlanServiceError> {
    let plan = draft_plan(store, id, if_match, edits)?;
    let before = store.load_snapshot()?;
    let mut draft = replay(store, &plan, &before)?;
    apply_all(&mut draft, store.plan_edits(id)?.len(), edits)?;
    Ok(store.add_edits(id, &author.into(), edits, Some(plan.version))?)
}

/// Undoes the plan's last batch of edits (what one add request stored).
pub fn undo(store: &mut dyn Db, id: i64, if_match: Option<i64>) -> Result<PlanRow, PlanServiceError> {
    Ok(store.undo(id, if_match)?)
}

/// Redoes the last undone batch; it applied to the same edits before it, so it still applies.
pub fn redo(store: &mut dyn Db, id: i64, if_match: Option<i64>) -> Result<PlanRow, PlanServiceError> {
    Ok(store.redo(id, if_match)?)
}

/// Deletes a draft plan and its edits.
pub fn discard(store: &mut dyn Db, id: i64, if_match: Option<i64>) -> Result<(), PlanServiceError> {
    Ok(store.discard_plan(id, if_match)?)
}

/// Checks what a publish records: a message that says something, and an effective date that is
/// a real `YYYY-MM-DD` day not before the current revision's, so history stays in date order.
pub fn check_publish_fields(store: &dyn Db, message: &str, effective_date: &str) -> Result<(), PlanServiceError> {
    if message.trim().is_empty() {
        return Err(PlanServiceError::BadField {
            field: "message",
            detail: "\"message\" is missing or blank: say why the plan is published".into(),
            detail_zh: "缺少修订说明 \"message\"（不能为空白）".into(),
        });
    }
    let Some(date) = wangge_core::dates::parse_ymd(effective_date) else {
        return Err(PlanServiceError::BadField {
            field: "effective_date",
            detail: format!("\"effective_date\" \"{effective_date}\" is not a calendar date YYYY-MM-DD"),
            detail_zh: format!("生效日期 \"effective_date\" \"{effective_date}\" 不是有效的 YYYY-MM-DD 日期"),
        });
    };
    let current = store.current_revision()?;
    let latest = store.revisions_since(current - 1)?.pop().map(|r| r.effective_date);
    if let Some(latest) = latest.filter(|l| wangge_core::dates::parse_ymd(l).is_some_and(|l| date < l)) {
        return Err(PlanServiceError::BadField {
            field: "effective_date",
            detail: format!(
                "\"effective_date\" {effective_date} is before {latest}, the effective date of the current revision {current}"
            ),
            detail_zh: format!(
                "生效日期 \"effective_date\" {effective_date} 早于当前修订 {current} 的生效日期 {latest}"
            ),
        });
    }
    Ok(())
}

/// Every rule finding for the plan's state.
pub fn validate_plan(store: &dyn Db, id: i64, config: &RulesConfig) -> Result<Vec<Finding>, PlanServiceError> {
    let (_, after) = plan_states(store, id)?;
    Ok(run_rules(&after, config))
}

/// What publishing the plan would change.
pub fn diff_plan(store: &dyn Db, id: i64) -> Result<Diff, PlanServiceError> {
    let (before, after) = plan_states(store, id)?;
    Ok(diff(&before, &after))
}

/// Validates and publishes the plan, then builds and swaps in the new published state of `live`
/// (`None`: nothing is served from this process, e.g. the CLI). Errors block publishing.
pub fn publish(
    store: &mut dyn Db,
    live: Option<&Live>,
    id: i64,
    author: impl Into<Author>,
    message: &str,
    effective_date: &str,
    config: &RulesConfig,
) -> Result<RevisionRow, PlanServiceError> {
    let plan = store.plan(id)?.ok_or(PlanError::NotFound(id))?;
    if plan.status != "draft" {
        return Err(PlanError::NotDraft(id).into());
    }
    check_publish_fields(store, message, effective_date)?;
    // Refuse a stale base before replaying: its edits may no longer apply to what is published.
    let current = store.current_revision()?;
    if plan.base_revision != current {
        let since = store.revisions_since(plan.base_revision)?;
        return Err(PlanError::StaleBase { base: plan.base_revision, current, since }.into());
    }
    let (before, after) = plan_states(store, id)?;
    let findings = run_rules(&after, config);
    if has_errors(&findings) {
        return Err(PlanServiceError::Rejected(findings));
    }
    let revision = store.publish(id, &author.into(), message, effective_date, &before, &after)?;
    // Only after the transaction committed: readers switch to the new state in one pointer swap.
    // Built here, once, by the publisher, so no request ever builds it.
    if let Some(live) = live {
        live.publish(after, revision.id);
    }
    Ok(revision)
}

/// A new draft plan whose edits bring the published state back to revision `revision`.
pub fn restore(store: &mut dyn Db, revision: i64, author: impl Into<Author>) -> Result<PlanRow, PlanServiceError> {
    let author = author.into();
    let current = store.current_revision()?;
    if revision < 0 || revision > current {
        return Err(PlanError::NotFound(revision).into());
    }
    let then = store.snapshot_as_of(&AsOf::Revision(revision))?;
    let now = store.load_snapshot()?;
    let plan = store.create_plan(&format!("restore revision {revision}"), &author)?;
    // Creates and replaces first, parents before children, then deletes, children before
    // parents: a feature is deleted only once nothing in the restored state points at it.
    let all = changes(&now, &then);
    let (deletes, writes): (Vec<_>, Vec<_>) = all.into_iter().partition(|(_, (_, new))| new.is_none());
    let edits: Vec<Value> = writes
        .into_iter()
        .chain(deletes.into_iter().rev())
        .map(|((layer, code), (old, new))| restoring_edit(layer, &code, old.is_some(), new))
        .collect();
    if edits.is_empty() {
        return Ok(plan);
    }
    Ok(store.add_edits(plan.id, &author, &edits, None)?)
}
