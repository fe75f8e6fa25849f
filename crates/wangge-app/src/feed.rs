//! The change feed of a served SQLite/GeoPackage file: a running server notices what another
//! process committed to its file (a `wangge plan publish` or `wangge import` from the CLI, a GIS
//! client writing the GeoPackage) and serves it without a restart.
//!
//! How: one thread polls `PRAGMA data_version` on a connection of its own every [`POLL`]; the
//! value moves exactly when another connection committed, so an idle file costs one cheap read
//! per poll. When it moves, the thread reads the newest revision; if a newer one than the served
//! one is stored, it reads the published state in one read transaction and builds the next
//! [`Published`](crate::published::Published) on this thread (never on the async runtime),
//! which [`Live::refresh`] swaps in with one pointer store. A publish made by this server's own
//! HTTP API moves `data_version` too; [`Live`] then already serves that revision (or builds it
//! once, whichever of the two gets there first) so it is not built twice.
//!
//! Roads and road tiles are not reloaded: the walking network is loaded when the server starts.

use crate::published::Live;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wangge_store::changes::ChangeStamp;
use wangge_store::{Pool, Store, StoreError};

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
    pub fn start(live: Arc<Live>, pool: Arc<Pool>) -> std::io::Result<Arc<Feed>> {
        let feed = Arc::new(Feed { status: Mutex::new(FeedStatus::default()), stop: AtomicBool::new(false) });
        let weak = Arc::downgrade(&feed);
        std::thread::Builder::new().name("wangge-feed".into()).spawn(move || {
            let mut watch = Watch { conn: None, data_version: None, stamp: None };
            loop {
                std::thread::sleep(POLL);
                let Some(feed) = weak.upgrade() else { return };
                if feed.stop.load(Ordering::Relaxed) {
                    return;
                }
                if let Err(e) = watch.poll(&feed, &live, &pool) {
                    // Reopened at the next poll: the file may have been replaced or locked for long.
                    watch.conn = None;
                    lock(&feed.status).last_error = Some(e.to_string());
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

struct Watch {
    conn: Option<Store>,
    data_version: Option<i64>,
    stamp: Option<ChangeStamp>,
}

impl Watch {
    fn poll(&mut self, feed: &Feed, live: &Live, pool: &Pool) -> Result<(), StoreError> {
        if self.conn.is_none() {
            self.conn = Some(Store::open_reader(pool.path())?);
            self.data_version = None;
        }
        let Some(conn) = self.conn.as_ref() else { return Ok(()) };
        let version = conn.data_version()?;
        if self.data_version == Some(version) {
            return Ok(());
        }
        self.data_version = Some(version);
        let stamp = conn.change_stamp()?;
        lock(&feed.status).stored_revision = stamp.revision;
        // Writes that record no revision happen only at revision 0 (loading empty layers); they
        // still stamp `gpkg_contents.last_change`.
        let unrecorded = stamp.revision == 0 && self.stamp.as_ref().is_some_and(|s| *s != stamp);
        self.stamp = Some(stamp.clone());
        if !live.needs(stamp.revision) && !unrecorded {
            return Ok(());
        }
        let started = Instant::now();
        let (snapshot, revision) = conn.load_published()?;
        let Some(state) = live.refresh(snapshot, revision, unrecorded) else { return Ok(()) };
        let built = started.elapsed().as_secs_f64();
        let lag = conn.revision_created_at(state.revision)?.and_then(|at| seconds_since(&at));
        tracing::info!(revision = state.revision, built_s = built, lag_s = lag, "change feed: serving a newer state");
        let mut status = lock(&feed.status);
        status.refreshes += 1;
        status.last_build_seconds = Some(built);
        status.last_lag_seconds = lag;
        status.last_error = None;
        Ok(())
    }
}

/// Seconds from the UTC time `at` (as the store writes it) to now.
fn seconds_since(at: &str) -> Option<f64> {
    let then: jiff::Timestamp = at.parse().ok()?;
    let d = jiff::Timestamp::now().duration_since(then);
    Some(d.as_secs_f64().max(0.0))
}
