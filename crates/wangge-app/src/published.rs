//! The one published state: revision, snapshot, coverage service and tile generation in ONE value
//! behind ONE `ArcSwap`, so a request that loads it once sees one consistent state.
//!
//! Why one value: with a separate swap per part, a request could read the new snapshot with the
//! old coverage, and the coverage service used to be rebuilt lazily by whichever request first
//! noticed a new snapshot (that request paid for it, and two could build it at once). Here the
//! whole value is built exactly once per publish, import or restore, by the publisher, on a
//! blocking thread (publishing runs in the store's `spawn_blocking` closure; the server builds
//! the first one before its runtime starts; what other processes commit is built by the change
//! feed's thread, see [`crate::feed`]), and swapped in with one pointer store. Readers only ever
//! `load` it.

use crate::coverage::CoverageService;
use crate::tiles::{DEFAULT_CACHE_BYTES, Tile, TileService, TileSource};
use arc_swap::ArcSwap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use wangge_core::snapshot::Snapshot;
use wangge_core::tiles::TileId;
use wangge_formats::roads::RoadLine;

/// Everything a request reads of what is published, from one publish.
#[derive(Clone)]
pub struct Published {
    /// The store revision this state is (0 before any plan was published).
    pub revision: i64,
    /// The published features.
    pub snapshot: Arc<Snapshot>,
    /// Coverage over exactly `snapshot` (its context built from it and the stored walking network).
    pub coverage: Arc<CoverageService>,
    /// The tile service (shared by every published state: its cache outlives publishes).
    pub tiles: Arc<TileService>,
    /// The tile cache generation of this state (see [`crate::tiles`] for how it invalidates).
    pub tiles_generation: u64,
}

impl Published {
    /// The tile `tile` of `source` in this state, from the cache when it holds it.
    pub fn tile(&self, source: TileSource, tile: TileId) -> Option<Arc<Tile>> {
        self.tiles.tile(&self.snapshot, self.tiles_generation, source, tile)
    }
}

/// The walking network a state is built with, and the tile service drawing it.
struct Roads {
    lines: Vec<RoadLine>,
    node_crossings: bool,
    tiles: Arc<TileService>,
    /// The store's roads stamp these lines were read at (`None`: not known; see
    /// [`Live::roads_stamp`]).
    stamp: Option<i64>,
}

/// The live published state of one served database, and what a new one is built from.
pub struct Live {
    current: ArcSwap<Published>,
    /// Replaced when another process imports roads (see [`Live::replace_roads`]); locked only
    /// while holding `publishing`.
    roads: Mutex<Roads>,
    /// Publishers swap one at a time, so tile generations and revisions only move forward.
    publishing: Mutex<()>,
    builds: AtomicU64,
}

impl Live {
    /// The state serving `snapshot` at `revision`, with the walking network `roads` (possibly
    /// none) for coverage and the road tiles. Builds the coverage context: call it off the async
    /// runtime.
    pub fn new(snapshot: Arc<Snapshot>, revision: i64, roads: &[RoadLine], node_crossings: bool) -> Live {
        let tiles = Arc::new(TileService::new(roads, DEFAULT_CACHE_BYTES));
        prepare_in_background(&snapshot);
        let coverage = Arc::new(CoverageService::new(snapshot.clone(), roads, node_crossings));
        let first = Published { revision, snapshot, coverage, tiles: tiles.clone(), tiles_generation: 0 };
        Live {
            current: ArcSwap::from_pointee(first),
            roads: Mutex::new(Roads { lines: roads.to_vec(), node_crossings, tiles, stamp: None }),
            publishing: Mutex::new(()),
            builds: AtomicU64::new(1),
        }
    }

    /// The published state; load it once per request and read everything from it.
    pub fn load(&self) -> Arc<Published> {
        self.current.load_full()
    }

    /// The tile service (for its counters).
    pub fn tiles(&self) -> Arc<TileService> {
        self.load().tiles.clone()
    }

    /// The store's roads stamp (see `Db::roads_stamp`) the served walking network was read at,
    /// when known.
    pub fn roads_stamp(&self) -> Option<i64> {
        lock(&self.roads).stamp
    }

    /// Records the roads stamp read just before the served walking network was loaded.
    pub fn set_roads_stamp(&self, stamp: i64) {
        lock(&self.roads).stamp = Some(stamp);
    }

    /// For the change feed, which saw another process replace the stored roads: builds the
    /// walking network, coverage context and road tiles of the served snapshot on `lines`, and
    /// swaps them in (same revision, same snapshot). Blocks for the build: call it off the async
    /// runtime.
    pub fn replace_roads(&self, lines: Vec<RoadLine>, node_crossings: bool, stamp: i64) -> Arc<Published> {
        // The tiles need no snapshot: drawn before taking the lock, so publishes wait less.
        let tiles = Arc::new(TileService::new(&lines, DEFAULT_CACHE_BYTES));
        let _order = self.publishing.lock().unwrap_or_else(|e| e.into_inner());
        let old = self.current.load_full();
        let coverage = Arc::new(CoverageService::new(old.snapshot.clone(), &lines, node_crossings));
        let next = Arc::new(Published {
            revision: old.revision,
            snapshot: old.snapshot.clone(),
            coverage,
            tiles_generation: tiles.generation(),
            tiles: tiles.clone(),
        });
        *lock(&self.roads) = Roads { lines, node_crossings, tiles, stamp: Some(stamp) };
        self.current.store(next.clone());
        self.builds.fetch_add(1, Ordering::Relaxed);
        next
    }

    /// How many published states were built so far (1 at start, then one per publish).
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::Relaxed)
    }

    /// Records the store revision of the state being served, without rebuilding anything (for a
    /// server that learns the revision after building the state).
    pub fn set_revision(&self, revision: i64) {
        let _order = self.publishing.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.current.load_full();
        self.current.store(Arc::new(Published { revision, ..(*current).clone() }));
    }

    /// Builds the state for `snapshot` at `revision` — coverage context, tile generation (which
    /// drops the tiles the change touches) — and swaps it in; returns it. Blocks for the build:
    /// call it off the async runtime, after the store committed `revision`. A publish that
    /// finishes after a newer one has been swapped in is not swapped in (it would go back), nor
    /// one whose revision the change feed already swapped in (it would build the same state twice).
    pub fn publish(&self, snapshot: Snapshot, revision: i64) -> Arc<Published> {
        let _order = self.publishing.lock().unwrap_or_else(|e| e.into_inner());
        let old = self.current.load_full();
        if revision < old.revision || (revision == old.revision && revision > 0) {
            return old;
        }
        self.swap_in(&old, snapshot, revision)
    }

    /// For the change feed: whether the state at `revision` still has to be built (no state at
    /// that revision or a newer one is served yet).
    pub fn needs(&self, revision: i64) -> bool {
        self.current.load().revision < revision
    }

    /// For the change feed, which read `snapshot` at `revision` from the store after another
    /// connection committed: swaps it in unless `revision` or a newer one is served already (the
    /// publisher of this process got there first). `same_revision` swaps it in at the served
    /// revision too: writes that record no revision (loading empty layers at revision 0) change
    /// what is served without moving it. Returns the new state when it swapped one in.
    pub fn refresh(&self, snapshot: Snapshot, revision: i64, same_revision: bool) -> Option<Arc<Published>> {
        let _order = self.publishing.lock().unwrap_or_else(|e| e.into_inner());
        let old = self.current.load_full();
        if revision < old.revision || (revision == old.revision && !same_revision) {
            return None;
        }
        Some(self.swap_in(&old, snapshot, revision))
    }

    fn swap_in(&self, old: &Published, snapshot: Snapshot, revision: i64) -> Arc<Published> {
        let snapshot = Arc::new(snapshot);
        prepare_in_background(&snapshot);
        let roads = lock(&self.roads);
        let coverage = Arc::new(CoverageService::new(snapshot.clone(), &roads.lines, roads.node_crossings));
        let tiles = roads.tiles.clone();
        drop(roads);
        let tiles_generation = tiles.advance(&old.snapshot, &snapshot);
        let next = Arc::new(Published { revision, snapshot, coverage, tiles, tiles_generation });
        self.current.store(next.clone());
        self.builds.fetch_add(1, Ordering::Relaxed);
        next
    }
}

/// Builds the gazetteer of `snapshot` on a thread of its own (see [`Snapshot::addresses`]): a
/// state is swapped in and answers lookups without waiting for it, and a geocoding request that
/// comes first waits for this build rather than starting one. When no thread can be started, the
/// first request builds it.
fn prepare_in_background(snapshot: &Arc<Snapshot>) {
    let snapshot = snapshot.clone();
    let _ = std::thread::Builder::new().name("gazetteer".into()).spawn(move || snapshot.prepare_addresses());
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
