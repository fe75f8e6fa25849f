//! The vector-tile use-case: renders a layer's tile from the published snapshot (or the stored
//! walking network), and keeps recent tiles in a byte-bounded LRU cache.
//!
//! **Invalidation rule.** The cache remembers the snapshot its tiles were made from. The first
//! request that sees a different published snapshot (a plan was published or restored) compares
//! the two, layer by layer, and drops every cached tile of a layer whose buffered bounds meet the
//! old or new bounding box of a feature that was added, removed or changed there; the remaining
//! tiles stay valid because a tile depends only on the features its buffered bounds meet. A tile
//! rendered from an older snapshot by a request still in flight is not stored. So a tile served
//! after a publish is never stale, and tiles far from the edit keep being served from memory.

use geo::{Geometry, LineString, Rect};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::{Arc, Mutex};
use wangge_core::model::{Feature, Layer};
use wangge_core::snapshot::{Snapshot, geometry_bbox};
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

struct Entry {
    tile: Option<Arc<Tile>>,
    tick: u64,
    bytes: usize,
}

struct Cache {
    snapshot: Option<Arc<Snapshot>>,
    /// The snapshot followed before `snapshot`: a request that loaded it just before a publish
    /// is answered without the cache instead of turning the cache back to it.
    previous: Option<Arc<Snapshot>>,
    entries: HashMap<Key, Entry>,
    order: BTreeMap<u64, Key>,
    tick: u64,
    bytes: usize,
    stats: CacheStats,
}

/// Renders and caches tiles. One per served state.
pub struct TileService {
    roads: Vec<Feature>,
    road_index: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    road_extent: Option<Rect<f64>>,
    max_bytes: usize,
    cache: Mutex<Cache>,
}

impl TileService {
    /// A service for the walking network `roads`, caching up to `max_bytes` of tiles.
    pub fn new(roads: &[RoadLine], max_bytes: usize) -> TileService {
        let roads: Vec<Feature> = roads
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut attrs = serde_json::Map::new();
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
        let boxes: Vec<_> = roads
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let b = geometry_bbox(&f.geometry)?;
                Some(GeomWithData::new(Rectangle::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]), i))
            })
            .collect();
        let road_extent = roads.iter().filter_map(|f| geometry_bbox(&f.geometry)).reduce(union);
        TileService {
            roads,
            road_index: RTree::bulk_load(boxes),
            road_extent,
            max_bytes,
            cache: Mutex::new(Cache {
                snapshot: None,
                previous: None,
                entries: HashMap::new(),
                order: BTreeMap::new(),
                tick: 0,
                bytes: 0,
                stats: CacheStats::default(),
            }),
        }
    }

    /// The features of a source in `snapshot`.
    pub fn features<'a>(&'a self, snapshot: &'a Snapshot, source: TileSource) -> &'a [Feature] {
        match source {
            TileSource::Layer(l) => snapshot.layer(l).features(),
            TileSource::Road => &self.roads,
        }
    }

    /// The bounding box of a source, if it has features.
    pub fn extent(&self, snapshot: &Snapshot, source: TileSource) -> Option<Rect<f64>> {
        match source {
            TileSource::Layer(l) => snapshot.layer(l).extent(),
            TileSource::Road => self.road_extent,
        }
    }

    /// The tile `tile` of `source` from `snapshot` (the published one), from the cache when it
    /// holds it; `None` when the tile has no features.
    pub fn tile(&self, snapshot: &Arc<Snapshot>, source: TileSource, tile: TileId) -> Option<Arc<Tile>> {
        let key = (source, tile);
        {
            let mut c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if c.previous.as_ref().is_some_and(|p| Arc::ptr_eq(p, snapshot)) {
                drop(c);
                return self.render(snapshot, source, tile).map(Arc::new);
            }
            self.follow(&mut c, snapshot);
            c.tick += 1;
            let tick = c.tick;
            if let Some(e) = c.entries.get_mut(&key) {
                let old = std::mem::replace(&mut e.tick, tick);
                let found = e.tile.clone();
                c.order.remove(&old);
                c.order.insert(tick, key);
                c.stats.hits += 1;
                return found;
            }
            c.stats.misses += 1;
        }
        let rendered = self.render(snapshot, source, tile).map(Arc::new);
        let mut c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        // Only tiles of the snapshot the cache follows are kept: one rendered from a snapshot
        // replaced meanwhile would be stale.
        if c.snapshot.as_ref().is_some_and(|s| Arc::ptr_eq(s, snapshot)) && !c.entries.contains_key(&key) {
            let bytes = rendered.as_ref().map_or(0, |t| t.raw.len() + t.gzip.len()) + 64;
            c.tick += 1;
            let tick = c.tick;
            c.entries.insert(key, Entry { tile: rendered.clone(), tick, bytes });
            c.order.insert(tick, key);
            c.bytes += bytes;
            while c.bytes > self.max_bytes {
                let Some((_, oldest)) = c.order.pop_first() else { break };
                if let Some(e) = c.entries.remove(&oldest) {
                    c.bytes -= e.bytes;
                }
            }
        }
        rendered
    }

    /// Renders one tile without the cache; `None` when it has no features.
    pub fn render(&self, snapshot: &Snapshot, source: TileSource, tile: TileId) -> Option<Tile> {
        let bbox = tile.bounds(BUFFER);
        let layer = match source {
            TileSource::Layer(l) => layer_tile(l.id(), snapshot.layer(l).in_bbox(bbox), tile),
            TileSource::Road => {
                let env = rstar::AABB::from_corners([bbox.min().x, bbox.min().y], [bbox.max().x, bbox.max().y]);
                let mut ids: Vec<usize> =
                    self.road_index.locate_in_envelope_intersecting(&env).map(|g| g.data).collect();
                ids.sort_unstable();
                layer_tile(ROAD_LAYER, ids.into_iter().map(|i| &self.roads[i]), tile)
            }
        };
        if layer.features.is_empty() {
            return None;
        }
        let raw = mvt::encode(&[layer]);
        let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(raw.len() / 2), flate2::Compression::fast());
        // Writing into a Vec cannot fail.
        let gzip = gz.write_all(&raw).and_then(|_| gz.finish()).unwrap_or_default();
        let digest = Sha256::digest(&raw);
        let etag = format!("\"{}\"", digest[..12].iter().map(|b| format!("{b:02x}")).collect::<String>());
        Some(Tile { raw, gzip, etag })
    }

    /// The cache's counters.
    pub fn stats(&self) -> CacheStats {
        let c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        CacheStats { entries: c.entries.len(), bytes: c.bytes, ..c.stats }
    }

    /// Moves the cache to `snapshot` if it follows another one, dropping the tiles it changes.
    fn follow(&self, c: &mut Cache, snapshot: &Arc<Snapshot>) {
        let old = match &c.snapshot {
            Some(s) if Arc::ptr_eq(s, snapshot) => return,
            Some(s) => s.clone(),
            None => {
                c.snapshot = Some(snapshot.clone());
                return;
            }
        };
        let dirty: HashMap<Layer, Vec<Rect<f64>>> = Layer::ALL
            .iter()
            .map(|&l| (l, changed_boxes(old.layer(l).features(), snapshot.layer(l).features())))
            .filter(|(_, boxes)| !boxes.is_empty())
            .collect();
        let stale: Vec<(Key, u64)> = c
            .entries
            .iter()
            .filter(|((source, tile), _)| match source {
                TileSource::Layer(l) => dirty.get(l).is_some_and(|boxes| {
                    let b = tile.bounds(BUFFER);
                    boxes.iter().any(|d| overlaps(*d, b))
                }),
                TileSource::Road => false,
            })
            .map(|(k, e)| (*k, e.tick))
            .collect();
        for (key, tick) in stale {
            if let Some(e) = c.entries.remove(&key) {
                c.bytes -= e.bytes;
            }
            c.order.remove(&tick);
            c.stats.invalidated += 1;
        }
        c.previous = c.snapshot.replace(snapshot.clone());
    }
}

/// Bounding boxes (before and after) of the features that differ between two code-sorted lists.
fn changed_boxes(old: &[Feature], new: &[Feature]) -> Vec<Rect<f64>> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut add = |f: &Feature| out.extend(geometry_bbox(&f.geometry));
    while i < old.len() || j < new.len() {
        match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if a.code == b.code => {
                if a != b {
                    add(a);
                    add(b);
                }
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a.code < b.code => {
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

fn union(a: Rect<f64>, b: Rect<f64>) -> Rect<f64> {
    Rect::new(
        geo::Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
        geo::Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
    )
}
