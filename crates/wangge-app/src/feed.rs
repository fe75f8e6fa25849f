//! The change feed of a served SQLite/GeoPackage file: a running server notices what another
//! process committed to its file (a `wangge plan publish` or `wangge import` from the CLI, a GIS
//! client writing the GeoPackage) and serves it without a restart.
//!
//! How: one thread watches the store through a connection of its own
//! ([`Backend::watch`]): a SQLite file by polling `PRAGMA data_version` every [`POLL`] (the value
//! moves exactly when another connection committed, so an idle file costs one cheap read per
//! poll); PostgreSQL by `LISTEN` — a publish sends `NOTIFY` — plus a read of the revision every
//! [`POLL`], because a notification is not durable (one sent while the connection was down is
//! lost). When it moves, the thread reads the newest revision; if a newer one than the served
//! one is stored, it reads the published state in one read transaction and builds the next
//! [`Published`](crate::published::Published) on this thread (never on the async runtime),
//! which [`Live::refresh`] swaps in with one pointer store. A publish made by this server's own
//! HTTP API moves `data_version` too; [`Live`] then already serves that revision (or builds it
//! once, whichever of the two gets there first) so it is not built twice.
//!
//! Before that, edits other programs made to the feature tables (see [`wangge_store::external`])
//! are recorded as a revision by author `external` through the writer connection, validated
//! against the planning rules, logged as a warning, and listed in [`FeedStatus::external_edits`]
//! (shown by `/healthz`): recorded rather than refused, for the reasons given there.
//!
//! Roads another process imports (`wangge import-roads`) are noticed by their stamp
//! (`Db::roads_stamp`, read at every wake-up): the feed thread reads the new lines and builds the
//! walking network, coverage context and road tiles for the served snapshot
//! ([`Live::replace_roads`]), so coverage answers on the new network without a restart.

use crate::published::Live;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wangge_core::rules::{RulesConfig, Severity, run_rules};
use wangge_store::changes::ChangeStamp;
use wangge_store::changes::Watch;
use wangge_store::external::ExternalChange;
use wangge_store::{Backend, StoreError};

/// How often the feed reads `data_version`: a change is served within this plus one build.
pub const POLL: Duration = Duration::from_millis(250);

/// What the feed observed, for `/healthz` and `/metrics`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FeedStatus {
    /// The newest revision the feed saw in the store.
    pub stored_revision: i64,
    /// States the feed built and swapped in.
    pub refreshes: u64,
    /// Seconds the last of them took to read and build.
    pub last_build_seconds: Option<f64>,
    /// Seconds from the commit of the revision the feed last swapped in to its being served.
    pub last_lag_seconds: Option<f64>,
    /// The last error the feed met reading the store (it keeps polling), if any.
    pub last_error: Option<String>,
    /// Edits by other programs recorded since the server started, newest last (at most
    /// [`KEPT_EXTERNAL_EDITS`]).
    pub external_edits: Vec<ExternalEdit>,
    /// Walking networks rebuilt because another process imported roads.
    pub roads_reloads: u64,
}

/// How many external edits [`FeedStatus`] keeps.
pub const KEPT_EXTERNAL_EDITS: usize = 20;

/// Findings listed per external edit at most.
const LISTED_FINDINGS: usize = 20;

/// Another program's edit, as recorded and validated.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExternalEdit {
    /// The revision recording it (none when it changed nothing wangge reads).
    pub revision: Option<i64>,
    /// When it was recorded (UTC).
    pub recorded_at: String,
    /// The features changed.
    pub changes: Vec<ExternalChange>,
    /// Error-level rule findings on the state after it (an edit through the plan workflow
    /// with any would have been refused).
    pub errors: usize,
    /// Warning-level findings.
    pub warnings: usize,
    /// The findings that concern a changed feature (first few).
    pub findings: Vec<FindingRef>,
}

/// A rule finding named by its keys (the faces render messages).
#[derive(Debug, Clone, serde::Serialize)]
pub struct FindingRef {
    /// Rule id.
    pub rule: &'static str,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// Layer.
    pub layer: &'static str,
    /// Feature code.
    pub code: String,
    /// The other feature involved, if any.
    pub other: Option<String>,
}

/// A running change feed (see the module documentation).
pub struct Feed {
    status: Mutex<FeedStatus>,
    stop: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Feed {
    /// Starts the feed of `pool`'s file, swapping new states into `live`. The thread ends when
    /// the returned feed is dropped (at its next poll).
    pub fn start(live: Arc<Live>, store: Arc<dyn Backend>, rules: Arc<RulesConfig>) -> std::io::Result<Arc<Feed>> {
        let feed = Arc::new(Feed { status: Mutex::new(FeedStatus::default()), stop: AtomicBool::new(false) });
        let weak = Arc::downgrade(&feed);
        std::thread::Builder::new().name("wangge-feed".into()).spawn(move || {
            let mut watch = Watcher { watch: None, stamp: None };
            loop {
                let Some(feed) = weak.upgrade() else { return };
                if feed.stop.load(Ordering::Relaxed) {
                    return;
                }
                // A panic in one poll (a bug, or a failing log writer) must not end the feed for
                // good: it is recorded and the next poll starts over on a fresh connection.
                let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    watch.poll(&feed, &live, &*store, &rules).map_err(|e| e.to_string())
                }));
                let failed = match polled {
                    Ok(Ok(())) => None,
                    Ok(Err(e)) => Some(e),
                    Err(_) => Some("the change feed's poll panicked; retrying".to_string()),
                };
                if let Some(e) = failed {
                    // Reopened at the next poll: the file may have been replaced or locked for
                    // long, the database restarted or our connection ended.
                    watch.watch = None;
                    tracing::warn!("change feed: {e}");
                    lock(&feed.status).last_error = Some(e);
                    drop(feed);
                    std::thread::sleep(POLL);
                }
            }
        })?;
        Ok(feed)
    }

    /// What the feed observed so far.
    pub fn status(&self) -> FeedStatus {
        lock(&self.status).clone()
    }

    /// Stops the thread at its next poll.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

struct Watcher {
    watch: Option<Box<dyn Watch>>,
    stamp: Option<ChangeStamp>,
}

impl Watcher {
    fn poll(&mut self, feed: &Feed, live: &Live, store: &dyn Backend, rules: &RulesConfig) -> Result<(), StoreError> {
        if self.watch.is_none() {
            self.watch = Some(store.watch()?);
        }
        let Some(watch) = self.watch.as_mut() else { return Ok(()) };
        if !watch.wait(POLL)? {
            return Ok(());
        }
        let absorbed = if store.pending_external()? > 0 {
            let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
            store.absorb_external("edited by another program", &today)?
        } else {
            None
        };
        let conn = watch.db();
        reload_roads(feed, live, conn)?;
        let stamp = conn.change_stamp()?;
        lock(&feed.status).stored_revision = stamp.revision;
        // Writes that record no revision happen only at revision 0 (loading empty layers); they
        // still move the stamp's `last_change`.
        let unrecorded = stamp.revision == 0 && self.stamp.as_ref().is_some_and(|s| *s != stamp);
        self.stamp = Some(stamp.clone());
        if !live.needs(stamp.revision) && !unrecorded {
            return Ok(());
        }
        let started = Instant::now();
        let (snapshot, revision) = conn.load_published()?;
        let external = absorbed.map(|a| validate(&snapshot, rules, a.revision.map(|r| r.id), a.changes));
        let Some(state) = live.refresh(snapshot, revision, unrecorded) else { return Ok(()) };
        let built = started.elapsed().as_secs_f64();
        // Reported as soon as it is served (a client that sees the new state then sees it
        // reported too); the lag needs one more read of the store and follows.
        {
            let mut status = lock(&feed.status);
            status.refreshes += 1;
            status.last_build_seconds = Some(built);
            status.last_error = None;
            if let Some(edit) = external {
                status.external_edits.push(edit);
                let over = status.external_edits.len().saturating_sub(KEPT_EXTERNAL_EDITS);
                status.external_edits.drain(..over);
            }
        }
        let lag = conn.revision_created_at(state.revision)?.and_then(|at| seconds_since(&at));
        tracing::info!(revision = state.revision, built_s = built, lag_s = lag, "change feed: serving a newer state");
        lock(&feed.status).last_lag_seconds = lag;
        Ok(())
    }
}

/// Rebuilds the served walking network when the stored roads moved since it was read (see the
/// module documentation). The first time the served stamp is unknown (a state built without
/// one), the stamp seen now is taken as the served one.
fn reload_roads(feed: &Feed, live: &Live, conn: &dyn wangge_store::Db) -> Result<(), StoreError> {
    let stamp = conn.roads_stamp()?;
    match live.roads_stamp() {
        None => live.set_roads_stamp(stamp),
        Some(served) if served != stamp => {
            let started = Instant::now();
            let (lines, node_crossings) = conn.load_roads()?;
            let count = lines.len();
            live.replace_roads(lines, node_crossings, stamp);
            let built = started.elapsed().as_secs_f64();
            lock(&feed.status).roads_reloads += 1;
            tracing::info!(
                roads = count,
                built_s = built,
                "change feed: serving the walking network imported by another process"
            );
        }
        Some(_) => {}
    }
    Ok(())
}

/// Runs the planning rules over the state after an external edit and logs it.
fn validate(
    snapshot: &wangge_core::snapshot::Snapshot,
    rules: &RulesConfig,
    revision: Option<i64>,
    changes: Vec<ExternalChange>,
) -> ExternalEdit {
    let findings = run_rules(snapshot, rules);
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    let touches = |c: &str| changes.iter().any(|x| x.code == c);
    let listed = findings
        .iter()
        .filter(|f| touches(&f.code) || f.other.as_deref().is_some_and(touches))
        .take(LISTED_FINDINGS)
        .map(|f| FindingRef {
            rule: f.rule,
            severity: if f.severity == Severity::Error { "error" } else { "warning" },
            layer: f.layer.id(),
            code: f.code.clone(),
            other: f.other.clone(),
        })
        .collect();
    let codes: Vec<&str> = changes.iter().map(|c| c.code.as_str()).collect();
    tracing::warn!(
        revision,
        changed = ?codes,
        errors,
        "external edit: another program changed {} feature(s) in the served file; recorded as a revision by 'external'",
        changes.len()
    );
    ExternalEdit {
        revision,
        recorded_at: jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        errors,
        warnings: findings.len() - errors,
        findings: listed,
        changes,
    }
}

/// Seconds from the UTC time `at` (as the store writes it) to now.
fn seconds_since(at: &str) -> Option<f64> {
    let then: jiff::Timestamp = at.parse().ok()?;
    let d = jiff::Timestamp::now().duration_since(then);
    Some(d.as_secs_f64().max(0.0))
}
