//! Vector tiles of other departments' networks (多网合一), served beside the layers' tiles under
//! the tile layer id `network.NAME` (a dot never occurs in a layer id or a network name, so the
//! two cannot clash).
//!
//! Networks are kept in the store, not in the published snapshot, and change only when someone
//! imports a new version (often from another process, `wangge import --network`). Everything
//! here is therefore keyed by `(name, version)`: the caller asks the store for the network's
//! current version on each request, and a re-import — a new version — never meets a tile or an
//! index of the old one. When a newer version of a network is loaded, the old version's index
//! is dropped at once and its cached tiles are dropped with it.

use geo::Rect;
use moka::sync::Cache;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wangge_core::feature_ref::FeatureRef;
use wangge_core::model::Feature;
use wangge_core::tiles::build::layer_tile;
use wangge_core::tiles::{BUFFER, TileId};

use crate::tiles::{BoxIndex, Tile};

/// The prefix of a network's tile layer id and OGC collection id: `network.police`.
pub const PREFIX: &str = "network.";

/// The tile layer / collection id of network `name`.
pub fn layer_id(name: &str) -> String {
    format!("{PREFIX}{name}")
}

/// The network a tile layer / collection id names, if it is a network id.
pub fn network_of(id: &str) -> Option<&str> {
    id.strip_prefix(PREFIX).filter(|n| !n.is_empty())
}

/// One version of a network, indexed for tiles and boxes.
pub struct NetworkLayer {
    /// The network's name.
    pub name: String,
    /// Its version.
    pub version: i64,
    /// Its features, in code order.
    pub features: Vec<Feature>,
    index: BoxIndex,
    /// The bounding box of every feature, if there is one.
    pub extent: Option<Rect<f64>>,
}

impl NetworkLayer {
    /// Indexes `features` (version `version` of network `name`).
    pub fn new(name: &str, version: i64, features: Vec<Feature>) -> NetworkLayer {
        let index = BoxIndex::new(&features);
        NetworkLayer { name: name.to_string(), version, extent: index.extent, features, index }
    }

    /// The features whose bounding box meets `r`, in code order.
    pub fn in_bbox(&self, r: Rect<f64>) -> Vec<FeatureRef<'_>> {
        self.index.in_bbox(r).into_iter().map(|i| FeatureRef::from(&self.features[i])).collect()
    }

    /// Renders one tile (MVT layer `network.NAME`); `None` when it has no features.
    pub fn render(&self, tile: TileId) -> Option<Tile> {
        let layer = layer_tile(&layer_id(&self.name), self.in_bbox(tile.bounds(BUFFER)), tile);
        if layer.features.is_empty() {
            return None;
        }
        Some(crate::tiles::encode_tile(&[layer]))
    }
}

type Key = (String, i64, TileId);

/// The indexed networks and their rendered tiles, shared by every request of a served state.
pub struct NetworkTiles {
    /// The newest loaded version of each network.
    layers: Mutex<HashMap<String, Arc<NetworkLayer>>>,
    cache: Cache<Key, Option<Arc<Tile>>>,
}

impl NetworkTiles {
    /// A service caching up to `max_bytes` of network tiles.
    pub fn new(max_bytes: usize) -> NetworkTiles {
        NetworkTiles {
            layers: Mutex::new(HashMap::new()),
            cache: Cache::builder()
                .max_capacity(max_bytes as u64)
                .weigher(|_: &Key, v: &Option<Arc<Tile>>| {
                    let bytes = v.as_ref().map_or(0, |t| t.raw.len() + t.gzip.len()) + 64;
                    u32::try_from(bytes).unwrap_or(u32::MAX)
                })
                .support_invalidation_closures()
                .build(),
        }
    }

    /// Version `version` of network `name`, indexed: from memory when it is loaded, else from
    /// `load` (which reads the store; `Ok(None)`: no such network). Loading a newer version drops
    /// the older one and its tiles.
    pub fn layer<E>(
        &self,
        name: &str,
        version: i64,
        load: impl FnOnce() -> Result<Option<Vec<Feature>>, E>,
    ) -> Result<Option<Arc<NetworkLayer>>, E> {
        if let Some(l) = self.lock().get(name).filter(|l| l.version == version) {
            return Ok(Some(l.clone()));
        }
        let Some(features) = load()? else { return Ok(None) };
        let layer = Arc::new(NetworkLayer::new(name, version, features));
        let mut layers = self.lock();
        // Another request may have loaded a newer version meanwhile: keep the newest.
        match layers.get(name) {
            Some(l) if l.version > version => {}
            _ => {
                layers.insert(name.to_string(), layer.clone());
                let owner = name.to_string();
                // Infallible: invalidation closures are enabled above.
                let _ = self.cache.invalidate_entries_if(move |(n, v, _), _| *n == owner && *v < version);
            }
        }
        Ok(Some(layer))
    }

    /// The tile `tile` of `layer`, from the cache when it holds it.
    pub fn tile(&self, layer: &NetworkLayer, tile: TileId) -> Option<Arc<Tile>> {
        let key = (layer.name.clone(), layer.version, tile);
        self.cache.get_with(key, || layer.render(tile).map(Arc::new))
    }

    /// Tiles held now (entries settled first), for tests and logs.
    pub fn cached_tiles(&self) -> u64 {
        self.cache.run_pending_tasks();
        self.cache.entry_count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<NetworkLayer>>> {
        self.layers.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for NetworkTiles {
    fn default() -> Self {
        NetworkTiles::new(crate::tiles::DEFAULT_CACHE_BYTES / 4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Geometry, polygon};
    use wangge_core::model::Attrs;

    fn square(code: &str, x: f64) -> Feature {
        Feature {
            code: code.into(),
            name: code.into(),
            parent_code: None,
            attrs: Attrs::new(),
            geometry: Geometry::Polygon(
                polygon![(x: x, y: 22.5), (x: x + 0.01, y: 22.5), (x: x + 0.01, y: 22.51), (x: x, y: 22.51)],
            ),
        }
    }

    #[test]
    fn ids_name_networks_and_never_layers() {
        assert_eq!(network_of(&layer_id("police")), Some("police"));
        assert_eq!(network_of("grid"), None);
        assert_eq!(network_of("network."), None);
    }

    #[test]
    fn a_new_version_replaces_the_old_one_and_its_tiles() {
        let tiles = NetworkTiles::new(1 << 20);
        let v1 = tiles.layer::<()>("police", 1, || Ok(Some(vec![square("A", 114.0)]))).unwrap().unwrap();
        let t = TileId::parse("14", "13380", "7140").unwrap();
        let first = tiles.tile(&v1, t);
        // Served from memory: the loader is not called again for the same version.
        let again = tiles.layer::<()>("police", 1, || panic!("loaded twice")).unwrap().unwrap();
        assert!(Arc::ptr_eq(&v1, &again));
        let v2 = tiles.layer::<()>("police", 2, || Ok(Some(vec![square("B", 114.5)]))).unwrap().unwrap();
        assert_eq!(v2.version, 2);
        assert!(first.is_some(), "square A is drawn in its tile");
        assert!(tiles.tile(&v2, t).is_none(), "version 2 moved the square out of that tile");
        assert_eq!(tiles.cached_tiles(), 1, "the old version's tile is dropped");
        assert!(tiles.layer::<()>("none", 1, || Ok(None)).unwrap().is_none());
    }
}
