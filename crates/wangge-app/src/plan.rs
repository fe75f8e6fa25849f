//! The planning use-cases shared by the faces: add a checked edit to a draft, build a plan's
//! state, validate it, compare it with what is published, publish it (store transaction, then
//! snapshot swap), and restore a past revision as a new plan.

use crate::published::Live;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use wangge_core::diff::changes;
use wangge_core::diff::{Diff, diff};
use wangge_core::edit::{Changes, Draft};
use wangge_core::model::{Feature, Layer};
use wangge_core::rules::incremental::IncrementalRules;
use wangge_core::rules::{Finding, RulesConfig, has_errors};
use wangge_core::snapshot::Snapshot;
use wangge_formats::edit_json::{parse_edit, restoring_edit};
use wangge_store::Db;
use wangge_store::history::{AsOf, Publication};
use wangge_store::plans::{Author, EditBatch, PlanError, PlanRow, RevisionNote, RevisionRow, check_publishable};
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

/// The published state and the state with the plan's edits applied to it, for a one-off caller
/// (a transient [`PlanCache`]).
pub fn plan_states(store: &dyn Db, id: i64) -> Result<(Snapshot, Snapshot), PlanServiceError> {
    let (before, after) = PlanCache::new(1).states(store, id)?;
    Ok((Arc::unwrap_or_clone(before), Arc::unwrap_or_clone(after)))
}

/// The published state `before` with every stored edit of `plan` applied.
fn replay(store: &dyn Db, plan: &PlanRow, before: &Snapshot) -> Result<(Draft, usize), PlanServiceError> {
    let mut draft = Draft::from_snapshot(before, wangge_text::split_piece_name);
    let edits = store.plan_edits(plan.id)?;
    for (index, v) in edits.iter().enumerate() {
        let edit = parse_edit(v).map_err(|detail| bad_json(index, detail))?;
        draft.apply(&edit).map_err(|e| bad_edit(index, &e))?;
    }
    Ok((draft, edits.len()))
}

/// The plan engine: the draft states of recently used plans, kept so that an edit, a validation,
/// a diff or a publish neither loads the published layers from SQLite nor replays every stored
/// edit, and their findings, kept up to date edit by edit
/// ([`IncrementalRules`]: an edit re-checks what it touched, not the whole draft).
///
/// An entry is valid for one plan version (bumped by every edit, undo and redo) on one published
/// revision; edits added through [`PlanCache::add_edits`] update their plan's entry in place.
/// Writes to the database by another process are seen through the version and revision they
/// bump (an import without a revision is not: the server does not serve it either until restart).
/// The CLI uses a transient engine per command ([`add_edits`], [`validate_plan`], [`publish`]), so
/// every face goes through this one path.
pub struct PlanCache {
    published: std::sync::Mutex<Option<(i64, Arc<Snapshot>)>>,
    drafts: moka::sync::Cache<i64, Arc<Mutex<CachedPlan>>>,
}

/// One plan's draft state, what it was built from, and what is derived from it on demand.
struct CachedPlan {
    version: i64,
    revision: i64,
    edits: usize,
    draft: Draft,
    /// The draft as a snapshot (lookups, diff, publish), built when first asked for.
    after: Option<Arc<Snapshot>>,
    /// The draft's findings, built when first asked for and then updated by each edit.
    rules: Option<IncrementalRules>,
    /// The batches this entry added, newest last: the plan's edit count before each and what it
    /// changed, so an undo takes a batch back in place ([`STEPS`] at most).
    steps: Vec<(usize, Changes)>,
}

/// How many batches an entry can take back in place; an older undo replays the plan.
const STEPS: usize = 64;

impl CachedPlan {
    fn after(&mut self) -> Arc<Snapshot> {
        self.after.get_or_insert_with(|| Arc::new(self.draft.to_snapshot())).clone()
    }

    fn rules(&mut self, config: &RulesConfig) -> &mut IncrementalRules {
        if self.rules.as_ref().is_some_and(|r| r.config() != config) {
            self.rules = None;
        }
        self.rules.get_or_insert_with(|| IncrementalRules::new(&self.draft, config))
    }

    fn findings(&mut self, config: &RulesConfig) -> Vec<Finding> {
        self.rules(config);
        self.rules.as_ref().map(|r| r.findings(&self.draft)).unwrap_or_default()
    }

    /// Applies `edits` (the plan's edits `first`… on) all or nothing; on a refusal the draft is
    /// as it was and the error names the edit.
    fn apply(&mut self, first: usize, edits: &[Value]) -> Result<Changes, PlanServiceError> {
        let mut all = Changes::default();
        for (k, v) in edits.iter().enumerate() {
            let applied = parse_edit(v)
                .map_err(|detail| at_position(bad_json(first + k, detail), k))
                .and_then(|edit| self.draft.apply_tracked(&edit).map_err(|e| at_position(bad_edit(first + k, &e), k)));
            match applied {
                Ok(changes) => all = all.then(changes),
                Err(e) => {
                    self.draft.revert(&all);
                    return Err(e);
                }
            }
        }
        self.after = None;
        if let Some(rules) = &mut self.rules {
            rules.update(&self.draft, &all);
        }
        Ok(all)
    }

    fn push_step(&mut self, first: usize, changes: Changes) {
        if self.steps.len() == STEPS {
            self.steps.remove(0);
        }
        self.steps.push((first, changes));
    }

    /// Takes back `changes` (applied by [`CachedPlan::apply`]).
    fn undo(&mut self, changes: &Changes) {
        let undone = self.draft.revert_tracked(changes);
        self.after = None;
        if let Some(rules) = &mut self.rules {
            rules.update(&self.draft, &undone);
        }
    }
}

/// What an edit must not introduce: the rules it is checked under, and the findings of the
/// draft after the edit that the findings before it make unacceptable (refused when not empty).
pub type EditCheck<'a> = (&'a RulesConfig, &'a dyn Fn(&[Finding], &[Finding]) -> Vec<Finding>);

/// A plan's entry, locked.
type Locked<'a> = std::sync::MutexGuard<'a, CachedPlan>;

fn lock(entry: &Mutex<CachedPlan>) -> Locked<'_> {
    entry.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
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

    /// The published state and the plan's entry, at the plan's version `plan.version`.
    fn entry(
        &self,
        store: &dyn Db,
        plan: &PlanRow,
    ) -> Result<(Arc<Snapshot>, Arc<Mutex<CachedPlan>>), PlanServiceError> {
        let (revision, before) = self.published(store)?;
        let cached = self.drafts.get(&plan.id);
        if let Some(hit) = &cached {
            let c = lock(hit);
            if c.version == plan.version && c.revision == revision {
                drop(c);
                return Ok((before, hit.clone()));
            }
        }
        let (draft, edits) = replay(store, plan, &before)?;
        let entry =
            CachedPlan { version: plan.version, revision, edits, draft, after: None, rules: None, steps: Vec::new() };
        let entry = Arc::new(Mutex::new(entry));
        // Every change of a plan's edits bumps its version in the same transaction, so the edits
        // read between two reads of the same version are that version's. A reader that saw an
        // older version than the cached one does not put its older state back.
        let unchanged = store.plan(plan.id)?.is_some_and(|p| p.version == plan.version);
        let newer_cached = cached.is_some_and(|c| {
            let c = lock(&c);
            c.revision == revision && c.version > plan.version
        });
        if unchanged && !newer_cached && store.current_revision()? == revision {
            self.drafts.insert(plan.id, entry.clone());
        }
        Ok((before, entry))
    }

    fn plan(store: &dyn Db, id: i64) -> Result<PlanRow, PlanServiceError> {
        Ok(store.plan(id)?.ok_or(PlanError::NotFound(id))?)
    }

    /// The published state and the plan's draft state.
    pub fn states(&self, store: &dyn Db, id: i64) -> Result<(Arc<Snapshot>, Arc<Snapshot>), PlanServiceError> {
        let (before, entry) = self.entry(store, &Self::plan(store, id)?)?;
        let after = lock(&entry).after();
        Ok((before, after))
    }

    /// The feature of `layer` with this code in plan `id`'s draft (`None`: in the published state).
    pub fn feature(
        &self,
        store: &dyn Db,
        id: Option<i64>,
        layer: Layer,
        code: &str,
    ) -> Result<Option<Feature>, PlanServiceError> {
        match id {
            Some(id) => {
                let (_, entry) = self.entry(store, &Self::plan(store, id)?)?;
                Ok(lock(&entry).draft.feature(layer, code).cloned())
            }
            None => Ok(self.published(store)?.1.layer(layer).get(code).map(|f| f.to_feature())),
        }
    }

    /// Every rule finding for the plan's draft, exactly as [`wangge_core::rules::run_rules`] over it gives them; after
    /// the first call, an edit costs only what it touched.
    pub fn findings(&self, store: &dyn Db, id: i64, config: &RulesConfig) -> Result<Vec<Finding>, PlanServiceError> {
        let (_, entry) = self.entry(store, &Self::plan(store, id)?)?;
        let findings = lock(&entry).findings(config);
        Ok(findings)
    }

    /// Checks every edit of `edits`, in order, against the plan's draft, then stores them all as
    /// one batch (one undo step); if one does not apply, nothing is stored and the error names it
    /// (its `index` counts from the plan's existing edits, its `position` within `edits`).
    pub fn add_edits(
        &self,
        store: &mut dyn Db,
        id: i64,
        author: impl Into<Author>,
        edits: &[Value],
        if_match: Option<i64>,
    ) -> Result<PlanRow, PlanServiceError> {
        self.add_edits_checked(store, id, author, edits, if_match, None)
    }

    /// [`PlanCache::add_edits`], refused with [`PlanServiceError::Rejected`] when `check` — given
    /// the draft's findings under `config` before and after the edits — names findings the
    /// edits must not introduce; nothing is stored then.
    pub fn add_edits_checked(
        &self,
        store: &mut dyn Db,
        id: i64,
        author: impl Into<Author>,
        edits: &[Value],
        if_match: Option<i64>,
        check: Option<EditCheck<'_>>,
    ) -> Result<PlanRow, PlanServiceError> {
        let plan = draft_plan(store, id, if_match, edits)?;
        let (_, entry) = self.entry(store, &plan)?;
        let mut c = lock(&entry);
        let known = check.map(|(config, _)| c.findings(config));
        let first = c.edits;
        let changes = c.apply(first, edits)?;
        if let (Some((config, refuse)), Some(known)) = (check, known) {
            let introduced = refuse(&known, &c.findings(config));
            if !introduced.is_empty() {
                c.undo(&changes);
                return Err(PlanServiceError::Rejected(introduced));
            }
        }
        match store.add_edits(id, EditBatch { author: &author.into(), edits }, Some(plan.version)) {
            Ok(row) => {
                c.version = row.version;
                c.edits += edits.len();
                c.push_step(first, changes);
                Ok(row)
            }
            Err(e) => {
                c.undo(&changes);
                Err(e.into())
            }
        }
    }

    /// Undoes the plan's last batch of edits (what one add request stored); the cached draft takes
    /// the batch back in place when it added it, else the next use replays the plan.
    pub fn undo(&self, store: &mut dyn Db, id: i64, if_match: Option<i64>) -> Result<PlanRow, PlanServiceError> {
        let row = store.undo(id, if_match)?;
        self.follow(store, &row, |c, edits| match c.steps.pop() {
            Some((first, changes)) if first == edits.len() => {
                c.undo(&changes);
                c.edits = first;
                true
            }
            _ => false,
        });
        Ok(row)
    }

    /// Redoes the last undone batch; it applied to the same edits before it, so it still applies.
    /// The cached draft applies the batch again rather than replaying the plan.
    pub fn redo(&self, store: &mut dyn Db, id: i64, if_match: Option<i64>) -> Result<PlanRow, PlanServiceError> {
        let row = store.redo(id, if_match)?;
        self.follow(store, &row, |c, edits| {
            let first = c.edits;
            match edits.get(first..).filter(|redone| !redone.is_empty()).map(|redone| c.apply(first, redone)) {
                Some(Ok(changes)) => {
                    c.edits = edits.len();
                    c.push_step(first, changes);
                    true
                }
                _ => false,
            }
        });
        Ok(row)
    }

    /// After one undo or redo gave the plan `row`: lets `step` bring the cached draft along from
    /// the version just before, given the plan's edits now; otherwise (or if it cannot) the
    /// entry is dropped and the next use replays.
    fn follow(&self, store: &dyn Db, row: &PlanRow, step: impl FnOnce(&mut CachedPlan, &[Value]) -> bool) {
        let Some(entry) = self.drafts.get(&row.id) else { return };
        let mut c = lock(&entry);
        let followed = c.version == row.version - 1 && store.plan_edits(row.id).is_ok_and(|edits| step(&mut c, &edits));
        if followed {
            c.version = row.version;
        } else {
            drop(c);
            self.drafts.invalidate(&row.id);
        }
    }

    /// A new draft plan named `name` holding `edits`, created only if they apply and `check`
    /// (as for [`PlanCache::add_edits_checked`]) names nothing; its entry is kept for what follows.
    pub fn create_with_edits(
        &self,
        store: &mut dyn Db,
        name: &str,
        author: impl Into<Author>,
        edits: &[Value],
        check: Option<EditCheck<'_>>,
    ) -> Result<PlanRow, PlanServiceError> {
        let author = author.into();
        let (revision, before) = self.published(store)?;
        let draft = Draft::from_snapshot(&before, wangge_text::split_piece_name);
        let mut c = CachedPlan { version: 0, revision, edits: 0, draft, after: None, rules: None, steps: Vec::new() };
        let known = check.map(|(config, _)| c.findings(config));
        let changes = c.apply(0, edits)?;
        if let (Some((config, refuse)), Some(known)) = (check, known) {
            let introduced = refuse(&known, &c.findings(config));
            if !introduced.is_empty() {
                return Err(PlanServiceError::Rejected(introduced));
            }
        }
        let plan = store.create_plan(name, &author)?;
        let row = store.add_edits(plan.id, EditBatch { author: &author, edits }, Some(plan.version))?;
        (c.version, c.edits) = (row.version, edits.len());
        c.push_step(0, changes);
        if plan.base_revision == revision {
            self.drafts.insert(row.id, Arc::new(Mutex::new(c)));
        }
        Ok(row)
    }

    /// Validates and publishes the plan from its cached draft, then swaps in the new published
    /// state of `live` (`None`: nothing is served from this process, e.g. the CLI). Errors block
    /// publishing. The plan must still be at the version the draft was built for (and at
    /// `if_match`, when given) when the publish transaction runs, so what was validated is
    /// what is published.
    #[allow(clippy::too_many_arguments)]
    pub fn publish(
        &self,
        store: &mut dyn Db,
        live: Option<&Live>,
        id: i64,
        author: impl Into<Author>,
        message: &str,
        effective_date: &str,
        config: &RulesConfig,
        if_match: Option<i64>,
    ) -> Result<RevisionRow, PlanServiceError> {
        let plan = Self::plan(store, id)?;
        check_publishable(id, &plan.status, plan.version, if_match)?;
        check_publish_fields(store, message, effective_date)?;
        // Refuse a stale base before replaying: its edits may no longer apply to what is published.
        let current = store.current_revision()?;
        if plan.base_revision != current {
            let since = store.revisions_since(plan.base_revision)?;
            return Err(PlanError::StaleBase { base: plan.base_revision, current, since }.into());
        }
        let (before, entry) = self.entry(store, &plan)?;
        let (version, after) = {
            let mut c = lock(&entry);
            let findings = c.findings(config);
            if has_errors(&findings) {
                return Err(PlanServiceError::Rejected(findings));
            }
            // Taken out of the entry, so the published state is not copied below.
            let after = c.after.take().unwrap_or_else(|| Arc::new(c.draft.to_snapshot()));
            (c.version, after)
        };
        drop(entry);
        let note = RevisionNote { author: &author.into(), message, date: effective_date };
        let publication = Publication { plan_id: id, version: Some(version), note, before: &before, after: &after };
        let revision = store.publish(publication)?;
        self.drafts.invalidate(&id);
        // Only after the transaction committed: readers switch to the new state in one pointer swap.
        // Built here, once, by the publisher, so no request ever builds it.
        if let Some(live) = live {
            // The draft holds the layers only: the gazetteer comes from the store, where this
            // publish has just relinked the addresses to their buildings' new grids.
            let served = Arc::unwrap_or_clone(after).with_addresses(store.load_addresses()?);
            live.publish(served, revision.id);
        }
        Ok(revision)
    }
}

/// The draft plan `id` an add request may change: it exists, is at `if_match` (a stale writer
/// hears about the conflict first, whatever its edits would have done), and `edits` is not empty.
fn draft_plan(store: &dyn Db, id: i64, if_match: Option<i64>, edits: &[Value]) -> Result<PlanRow, PlanServiceError> {
    let plan = store.plan(id)?.ok_or(PlanError::NotFound(id))?;
    check_publishable(id, &plan.status, plan.version, if_match)?;
    if edits.is_empty() {
        return Err(PlanServiceError::BadField {
            field: "edits",
            detail: "the batch holds no edit".into(),
            detail_zh: "批量编辑为空".into(),
        });
    }
    Ok(plan)
}

/// Checks `edit` against the plan's current state and stores it; returns the plan's new version
/// (a transient engine: for one-off callers).
pub fn add_edit(
    store: &mut dyn Db,
    id: i64,
    author: impl Into<Author>,
    edit: &Value,
    if_match: Option<i64>,
) -> Result<PlanRow, PlanServiceError> {
    add_edits(store, id, author, std::slice::from_ref(edit), if_match)
}

/// [`PlanCache::add_edits`] on a transient engine, for one-off callers such as the CLI.
pub fn add_edits(
    store: &mut dyn Db,
    id: i64,
    author: impl Into<Author>,
    edits: &[Value],
    if_match: Option<i64>,
) -> Result<PlanRow, PlanServiceError> {
    PlanCache::new(1).add_edits(store, id, author, edits, if_match)
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

/// Every rule finding for the plan's state (a transient engine: for one-off callers).
pub fn validate_plan(store: &dyn Db, id: i64, config: &RulesConfig) -> Result<Vec<Finding>, PlanServiceError> {
    PlanCache::new(1).findings(store, id, config)
}

/// What publishing the plan would change.
pub fn diff_plan(store: &dyn Db, id: i64) -> Result<Diff, PlanServiceError> {
    let (before, after) = PlanCache::new(1).states(store, id)?;
    Ok(diff(&before, &after))
}

/// [`PlanCache::publish`] on a transient engine, for one-off callers such as the CLI.
pub fn publish(
    store: &mut dyn Db,
    live: Option<&Live>,
    id: i64,
    author: impl Into<Author>,
    message: &str,
    effective_date: &str,
    config: &RulesConfig,
) -> Result<RevisionRow, PlanServiceError> {
    PlanCache::new(1).publish(store, live, id, author, message, effective_date, config, None)
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
        .map(|((layer, code), (old, new))| {
            restoring_edit(layer, &code, old.is_some(), new.map(|f| f.to_feature()).as_ref())
        })
        .collect();
    if edits.is_empty() {
        return Ok(plan);
    }
    Ok(store.add_edits(plan.id, EditBatch { author: &author, edits: &edits }, None)?)
}
