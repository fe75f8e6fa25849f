//! The vector-tile use-case: renders a layer's tile from the published snapshot (or the stored
//! walking network), and keeps recent tiles in a byte-bounded cache.
//!
//! The cache is `moka`'s concurrent `sync::Cache` with a byte weigher: lookups do not take one
//! global lock, and its eviction (TinyLFU) is better kept than the hand-written LRU it replaces.
//!
//! **Invalidation rule.** Every published state has a *tile generation* (see
//! [`crate::published`]). A publish calls [`TileService::advance`] once, off the request path: it
//! compares the old and new snapshots layer by layer, remembers the old and new bounding boxes of
//! every feature that was added, removed or changed, and drops every cached tile of that layer
//! whose buffered bounds meet one of them; the remaining tiles stay valid because a tile depends
//! only on the features its buffered bounds meet. Each cached tile carries the generation it was
//! rendered from, and a tile of an older generation is only served to a newer state if none of the
//! boxes changed since then meets it — so a tile rendered from the old snapshot by a request still
//! in flight during a publish is never served as current. A tile served after a publish is never
//! stale, and tiles far from the edit keep being served from memory.

use geo::{Geometry, LineString, Rect};
use moka::sync::Cache;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use wangge_core::feature_ref::FeatureRef;
use wangge_core::model::{Attrs, Feature, Layer};
use wangge_core::snapshot::{LayerData, Snapshot, geometry_bbox};
use wangge_core::tiles::build::layer_tile;
use wangge_core::tiles::{BUFFER, TileId};
use wangge_formats::mvt;
use wangge_formats::roads::RoadLine;

/// The layer id of the walking network's tiles.
pub const ROAD_LAYER: &str = "road";
/// Default cache budget: 64 MiB of tiles (raw and gzip bytes together).
pub const DEFAULT_CACHE_BYTES: usize = 64 << 20;

/// What a tile layer is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileSource {
    /// A layer of the published snapshot.
    Layer(Layer),
    /// The stored walking network (changes only with a new import, not with plans).
    Road,
}

impl TileSource {
    /// Every tile layer.
    pub fn all() -> Vec<TileSource> {
        Layer::ALL.iter().map(|&l| TileSource::Layer(l)).chain([TileSource::Road]).collect()
    }

    /// The layer id used in URLs and as the MVT layer name.
    pub fn id(self) -> &'static str {
        match self {
            TileSource::Layer(l) => l.id(),
            TileSource::Road => ROAD_LAYER,
        }
    }

    /// Parses a layer id (the ids of [`Layer`] and `road`).
    pub fn parse(id: &str) -> Option<TileSource> {
        if id == ROAD_LAYER {
            return Some(TileSource::Road);
        }
        id.parse().ok().map(TileSource::Layer)
    }
}

/// One rendered, non-empty tile.
#[derive(Debug)]
pub struct Tile {
    /// The MVT bytes.
    pub raw: Vec<u8>,
    /// The same, gzip-compressed (sent to clients that accept gzip).
    pub gzip: Vec<u8>,
    /// A strong ETag from the content, quoted.
    pub etag: String,
}

/// Cache counters, for tests and logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Requests answered from memory.
    pub hits: u64,
    /// Requests that rendered the tile.
    pub misses: u64,
    /// Tiles dropped because a publish changed what they show.
    pub invalidated: u64,
    /// Tiles held now.
    pub entries: usize,
    /// Bytes held now.
    pub bytes: usize,
}

type Key = (TileSource, TileId);

/// A cached answer (`None`: the tile is empty) and the tile generation it was rendered from.
#[derive(Clone)]
struct Cached {
    tile: Option<Arc<Tile>>,
    generation: u64,
}

impl Cached {
    /// What the entry costs the byte budget: both encodings plus a little bookkeeping.
    fn weight(&self) -> u32 {
        let bytes = self.tile.as_ref().map_or(0, |t| t.raw.len() + t.gzip.len()) + 64;
        u32::try_from(bytes).unwrap_or(u32::MAX)
    }
}

/// Changed boxes per layer, by the generation whose publish changed them.
type Changes = HashMap<Layer, Vec<Rect<f64>>>;

/// How many publishes back a cached tile can still be checked against; older ones are rendered again.
const KEPT_GENERATIONS: usize = 64;

/// Renders and caches tiles. One per served state.
pub struct TileService {
    roads: Vec<Feature>,
    road_index: BoxIndex,
    cache: Cache<Key, Cached>,
    /// The newest generation [`TileService::advance`] handed out.
    generation: AtomicU64,
    /// What each of the last [`KEPT_GENERATIONS`] publishes changed, oldest first.
    changes: Mutex<VecDeque<(u64, Changes)>>,
    hits: AtomicU64,
    misses: AtomicU64,
    invalidated: AtomicU64,
}

impl TileService {
    /// A service for the walking network `roads`, caching up to `max_bytes` of tiles.
    pub fn new(roads: &[RoadLine], max_bytes: usize) -> TileService {
        let roads: Vec<Feature> = roads
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut attrs = Attrs::new();
                attrs.insert("highway".into(), r.highway.clone().into());
                Feature {
                    code: i.to_string(),
                    name: r.name.clone().unwrap_or_default(),
                    parent_code: None,
                    attrs,
                    geometry: Geometry::LineString(LineString(r.coords.clone())),
                }
            })
            .collect();
        TileService {
            road_index: BoxIndex::new(&roads),
            roads,
            cache: Cache::builder().max_capacity(max_bytes as u64).weigher(|_: &Key, v: &Cached| v.weight()).build(),
            generation: AtomicU64::new(0),
            changes: Mutex::new(VecDeque::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            invalidated: AtomicU64::new(0),
        }
    }

    /// The newest tile generation (that of the state being published or last published).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The features of a source in `snapshot`.
    pub fn features<'a>(
        &'a self,
        snapshot: &'a Snapshot,
        source: TileSource,
    ) -> Box<dyn Iterator<Item = FeatureRef<'a>> + 'a> {
        match source {
            TileSource::Layer(l) => Box::new(snapshot.layer(l).iter()),
            TileSource::Road => Box::new(self.roads.iter().map(FeatureRef::from)),
        }
    }

    /// The bounding box of a source, if it has features.
    pub fn extent(&self, snapshot: &Snapshot, source: TileSource) -> Option<Rect<f64>> {
        match source {
            TileSource::Layer(l) => snapshot.layer(l).extent(),
            TileSource::Road => self.road_index.extent,
        }
    }

    /// The tile `tile` of `source` from `snapshot`, the snapshot of tile generation `generation`
    /// (both from one [`crate::published::Published`]), from the cache when it holds it; `None`
    /// when the tile has no features.
    pub fn tile(&self, snapshot: &Snapshot, generation: u64, source: TileSource, tile: TileId) -> Option<Arc<Tile>> {
        let key = (source, tile);
        if let Some(c) = self.cache.get(&key)
            && (c.generation == generation
                || (c.generation < generation && self.unchanged(source, tile, c.generation, generation)))
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return c.tile;
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let rendered = self.render(snapshot, source, tile).map(Arc::new);
        // Only tiles of the newest state are kept: one rendered for a state replaced meanwhile
        // would only be rendered again (the generation check above would refuse it anyway).
        if generation == self.generation() {
            self.cache.insert(key, Cached { tile: rendered.clone(), generation });
        }
        rendered
    }

    /// Whether no publish after generation `from` up to `to` changed a feature the tile shows.
    fn unchanged(&self, source: TileSource, tile: TileId, from: u64, to: u64) -> bool {
        let TileSource::Layer(layer) = source else { return true };
        let bounds = tile.bounds(BUFFER);
        let changes = self.changes.lock().unwrap_or_else(|e| e.into_inner());
        // Generations are consecutive; without the record of `from + 1` we cannot tell.
        if changes.front().is_none_or(|(g, _)| *g > from + 1) {
            return false;
        }
        changes
            .iter()
            .filter(|(g, _)| *g > from && *g <= to)
            .all(|(_, dirty)| dirty.get(&layer).is_none_or(|boxes| !boxes.iter().any(|d| overlaps(*d, bounds))))
    }

    /// Renders one tile without the cache; `None` when it has no features.
    pub fn render(&self, snapshot: &Snapshot, source: TileSource, tile: TileId) -> Option<Tile> {
        let bbox = tile.bounds(BUFFER);
        let layer = match source {
            TileSource::Layer(l) => layer_tile(l.id(), snapshot.layer(l).in_bbox(bbox), tile),
            TileSource::Road => layer_tile(
                ROAD_LAYER,
                self.road_index.in_bbox(bbox).into_iter().map(|i| FeatureRef::from(&self.roads[i])),
                tile,
            ),
        };
        if layer.features.is_empty() {
            return None;
        }
        Some(encode_tile(&[layer]))
    }

    /// The cache's counters.
    pub fn stats(&self) -> CacheStats {
        // moka counts entries lazily; settle them so the numbers are exact.
        self.cache.run_pending_tasks();
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            invalidated: self.invalidated.load(Ordering::Relaxed),
            entries: self.cache.entry_count() as usize,
            bytes: self.cache.weighted_size() as usize,
        }
    }

    /// Starts the next tile generation for a publish from `old` to `new`, dropping the cached
    /// tiles it changes; returns the generation. Called once per publish, by one publisher at a
    /// time ([`crate::published::Live::publish`]), before the new state is swapped in.
    pub fn advance(&self, old: &Snapshot, new: &Snapshot) -> u64 {
        let dirty: Changes = Layer::ALL
            .iter()
            .map(|&l| (l, changed_boxes(old.layer(l), new.layer(l))))
            .filter(|(_, boxes)| !boxes.is_empty())
            .collect();
        let generation = {
            let mut changes = self.changes.lock().unwrap_or_else(|e| e.into_inner());
            let generation = self.generation() + 1;
            changes.push_back((generation, dirty.clone()));
            while changes.len() > KEPT_GENERATIONS {
                changes.pop_front();
            }
            self.generation.store(generation, Ordering::Release);
            generation
        };
        // Dropped one by one rather than with `invalidate_entries_if`: the count is exact at once
        // (tests and logs read it), and a publish is rare enough for one pass over the cache.
        for (key, _) in self.cache.iter() {
            let (TileSource::Layer(layer), tile) = *key else { continue };
            let b = tile.bounds(BUFFER);
            if dirty.get(&layer).is_some_and(|boxes| boxes.iter().any(|d| overlaps(*d, b))) {
                self.cache.invalidate(&*key);
                self.invalidated.fetch_add(1, Ordering::Relaxed);
            }
        }
        generation
    }
}

/// Encodes tile layers as one tile: MVT bytes, their gzip form and a strong ETag.
pub fn encode_tile(layers: &[wangge_core::tiles::build::TileLayer]) -> Tile {
    let raw = mvt::encode(layers);
    let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(raw.len() / 2), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    let gzip = gz.write_all(&raw).and_then(|_| gz.finish()).unwrap_or_default();
    let digest = Sha256::digest(&raw);
    let etag = format!("\"{}\"", digest[..12].iter().map(|b| format!("{b:02x}")).collect::<String>());
    Tile { raw, gzip, etag }
}

/// Bounding boxes (before and after) of the features that differ between two code-sorted lists.
fn changed_boxes(old: &LayerData, new: &LayerData) -> Vec<Rect<f64>> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut add = |f: FeatureRef<'_>| out.extend(f.bbox());
    while i < old.len() || j < new.len() {
        match (old.get_at(i), new.get_at(j)) {
            (Some(a), Some(b)) if a.code() == b.code() => {
                if a != b {
                    add(a);
                    add(b);
                }
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a.code() < b.code() => {
                add(a);
                i += 1;
            }
            (Some(a), None) => {
                add(a);
                i += 1;
            }
            (_, Some(b)) => {
                add(b);
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

fn overlaps(a: Rect<f64>, b: Rect<f64>) -> bool {
    a.min().x <= b.max().x && a.max().x >= b.min().x && a.min().y <= b.max().y && a.max().y >= b.min().y
}

/// The bounding boxes of a list of features (roads, a network's areas) in an R-tree, for the
/// features a tile or a box meets.
pub(crate) struct BoxIndex {
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    /// The box around every feature, if there is one.
    pub extent: Option<Rect<f64>>,
}

impl BoxIndex {
    /// Indexes `features` by their position in the list.
    pub fn new(features: &[Feature]) -> BoxIndex {
        let boxes: Vec<_> = features
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let b = geometry_bbox(&f.geometry)?;
                Some(GeomWithData::new(Rectangle::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]), i))
            })
            .collect();
        let extent = features.iter().filter_map(|f| geometry_bbox(&f.geometry)).reduce(union);
        BoxIndex { tree: RTree::bulk_load(boxes), extent }
    }

    /// The positions of the features whose box meets `r`, in list order.
    pub fn in_bbox(&self, r: Rect<f64>) -> Vec<usize> {
        let env = rstar::AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
        let mut ids: Vec<usize> = self.tree.locate_in_envelope_intersecting(&env).map(|g| g.data).collect();
        ids.sort_unstable();
        ids
    }
}

fn union(a: Rect<f64>, b: Rect<f64>) -> Rect<f64> {
    Rect::new(
        geo::Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
        geo::Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
    )
}
