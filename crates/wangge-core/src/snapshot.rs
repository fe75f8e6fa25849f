//! An immutable, in-memory view of every layer, built once per published state and shared by all
//! readers. Editing never mutates a snapshot: a writer builds a new one and swaps it in.

use super::address::{AddressRecord, Gazetteer};
use super::feature_ref::FeatureRef;
use super::index::{AreaIndex, Hit, Nearest};
use super::index_cache::LayerIndexCache;
use super::model::{Feature, Layer};
use super::prepared::PreparedAreas;
use geo::{Coord, Geometry, MultiPolygon, Rect};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The features of one layer, sorted by code, with their index.
///
/// Features are found by code with a binary search over the sorted features, not a second copy of
/// every code in a hash map: at a million grids that copy was the largest part of the layer's
/// index after the geometry.
#[derive(Debug, Clone)]
pub struct LayerData {
    features: Vec<Feature>,
    areas: Option<AreaIndex>,
    /// Each feature's interior point, computed on first use (or taken from an index cache).
    interior: OnceLock<Vec<Option<Coord>>>,
    from_cache: bool,
}

impl LayerData {
    fn new(layer: Layer, features: Vec<Feature>) -> LayerData {
        LayerData::with_cache(layer, features, None)
    }

    /// The layer's data with the parts of its index in `cache` (built for exactly these features
    /// in this order) taken instead of built.
    fn with_cache(layer: Layer, mut features: Vec<Feature>, cache: Option<LayerIndexCache>) -> LayerData {
        // Stable, and linear on input already in code order (as the store reads it).
        features.sort_by(|a, b| a.code.cmp(&b.code));
        let from_cache = cache.is_some();
        let (cells, points) = cache.map_or((None, None), |c| (c.cells, c.interior_points));
        let areas = layer.is_area_layer().then(|| {
            // Prepared straight from each feature's geometry, on every core, without a copy.
            let prepared = PreparedAreas::build(&features, |out, f| out.push_geometry(&f.geometry));
            AreaIndex::from_prepared_with(prepared, cells)
        });
        let interior = OnceLock::new();
        if let Some(points) = points.filter(|p| p.len() == features.len()) {
            let _ = interior.set(points);
        }
        LayerData { features, areas, interior, from_cache }
    }

    /// An interior point of the polygonal part of feature `i` (as `geo`'s `InteriorPoint` gives
    /// it), `None` for points and empty geometry. Computed for the whole layer on first use, on
    /// every core: at the scale of a national district layer this is a large part of a start, so
    /// it is kept in the index cache too.
    pub fn interior_point(&self, i: usize) -> Option<Coord> {
        use geo::InteriorPoint;
        let points = self.interior.get_or_init(|| {
            self.features.par_iter().map(|f| as_multipolygon(&f.geometry).interior_point().map(|p| p.0)).collect()
        });
        points.get(i).copied().flatten()
    }

    /// Whether the costly parts of this layer's index came from an index cache instead of being
    /// built (see [`crate::index_cache`]).
    pub fn index_from_cache(&self) -> bool {
        self.from_cache
    }

    /// Position of the feature with `code`; the last one if several share it.
    fn index_of(&self, code: &str) -> Option<u32> {
        let end = self.features.partition_point(|f| f.code.as_str() <= code);
        (end > 0 && self.features[end - 1].code == code).then(|| (end - 1) as u32)
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// Whether the layer has no features.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// Every feature, in code order, as views (see [`crate::feature_ref`]).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = FeatureRef<'_>> + DoubleEndedIterator + Clone + '_ {
        self.features.iter().enumerate().map(|(i, f)| FeatureRef::new(f, i as u32))
    }

    /// The feature at position `i` (code order). Panics when `i` is out of range, as indexing does.
    pub fn feature(&self, i: usize) -> FeatureRef<'_> {
        FeatureRef::new(&self.features[i], i as u32)
    }

    /// The feature at position `i`, if there is one.
    pub fn get_at(&self, i: usize) -> Option<FeatureRef<'_>> {
        (i < self.len()).then(|| self.feature(i))
    }

    /// Owned copies of every feature, for the paths that change them (edits, drafts, exports).
    pub fn to_features(&self) -> Vec<Feature> {
        self.features.clone()
    }

    /// The feature with this code.
    pub fn get(&self, code: &str) -> Option<FeatureRef<'_>> {
        self.index_of(code).map(|i| self.feature(i as usize))
    }

    /// Position of the feature with this code (its id in [`LayerData::areas`]).
    pub fn position(&self, code: &str) -> Option<u32> {
        self.index_of(code)
    }

    /// The area index, for area layers.
    pub fn areas(&self) -> Option<&AreaIndex> {
        self.areas.as_ref()
    }

    /// Bounding box of every feature of the layer, if it has any.
    pub fn extent(&self) -> Option<Rect<f64>> {
        self.features.iter().filter_map(|f| geometry_bbox(&f.geometry)).reduce(|a, b| {
            Rect::new(
                geo::Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                geo::Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        })
    }

    /// Features whose geometry's bounding box intersects `bbox`, in code order.
    pub fn in_bbox(&self, bbox: Rect<f64>) -> Vec<FeatureRef<'_>> {
        match &self.areas {
            Some(index) => index.ids_in_bbox(bbox).into_iter().map(|i| self.feature(i as usize)).collect(),
            None => self.iter().filter(|f| f.bbox().is_some_and(|b| intersects(b, bbox))).collect(),
        }
    }
}

/// Every layer of one published state.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Shared, so that the gazetteer can keep the grid layer it names instead of a copy of every
    /// grid's code and name (see [`crate::address::gazetteer`]), and a clone costs no copy.
    layers: HashMap<Layer, Arc<LayerData>>,
    addresses: Arc<LazyGazetteer>,
}

/// A snapshot's gazetteer, built from its records on first use.
///
/// Why lazily: at a million grids the gazetteer (a place per grid, the name index) takes longer
/// to build than every layer's index, and no point lookup needs it; a server builds it on
/// a thread of its own after it starts answering (see [`Snapshot::prepare_addresses`]), and a
/// geocoding request arriving before then waits for that one build instead of starting another.
#[derive(Debug, Default)]
struct LazyGazetteer {
    /// The address records not yet built into the gazetteer (taken by the build).
    pending: Mutex<Option<Vec<AddressRecord>>>,
    built: OnceLock<Gazetteer>,
}

/// What a point lookup found: the grid and its ancestors, or the nearest grid if none holds it.
#[derive(Debug, Clone)]
pub struct Lookup<'a> {
    /// The grid holding the point, if any.
    pub grid: Option<FeatureRef<'a>>,
    /// Whether the point lies on the outer edge of the grid layer (see [`Hit::OnOuterBoundary`]).
    pub on_boundary: bool,
    /// The grid's community, or the community holding the point when no grid does.
    pub community: Option<FeatureRef<'a>>,
    /// The street, found the same way.
    pub street: Option<FeatureRef<'a>>,
    /// The district, found the same way.
    pub district: Option<FeatureRef<'a>>,
    /// When no grid holds the point: the nearest grid and its distance.
    pub nearest_grid: Option<(FeatureRef<'a>, Nearest)>,
}

impl Snapshot {
    /// Builds a snapshot from the features of each layer (layers not given are empty).
    pub fn new(layers: impl IntoIterator<Item = (Layer, Vec<Feature>)>) -> Snapshot {
        Snapshot::with_index_caches(layers.into_iter().map(|(l, f)| (l, f, None)))
    }

    /// Like [`Snapshot::new`], with each layer's index cache when the store kept one for exactly
    /// these features (in code order; see [`crate::index_cache`]).
    pub fn with_index_caches(
        layers: impl IntoIterator<Item = (Layer, Vec<Feature>, Option<LayerIndexCache>)>,
    ) -> Snapshot {
        let mut map: HashMap<Layer, Arc<LayerData>> =
            layers.into_iter().map(|(l, f, c)| (l, Arc::new(LayerData::with_cache(l, f, c)))).collect();
        for layer in Layer::ALL {
            map.entry(layer).or_insert_with(|| Arc::new(LayerData::new(layer, Vec::new())));
        }
        let addresses = LazyGazetteer::default();
        let _ = addresses.built.set(Gazetteer::default());
        Snapshot { layers: map, addresses: Arc::new(addresses) }
    }

    /// This snapshot with its gazetteer of `records` (placed in this snapshot's grids), built on
    /// first use (see [`Snapshot::addresses`]). Divisions are searchable by name even when there
    /// are no records.
    pub fn with_addresses(mut self, records: Vec<AddressRecord>) -> Snapshot {
        self.addresses = Arc::new(LazyGazetteer { pending: Mutex::new(Some(records)), built: OnceLock::new() });
        self
    }

    /// The gazetteer; the first call builds it (later and concurrent calls wait for that build).
    pub fn addresses(&self) -> &Gazetteer {
        self.addresses.built.get_or_init(|| {
            let records = self.addresses.pending.lock().unwrap_or_else(|e| e.into_inner()).take();
            Gazetteer::build(records.unwrap_or_default(), self)
        })
    }

    /// Prepares the grid layer's nearest-grid search for the many points of a batch (see
    /// [`crate::index::AreaIndex::prepare_nearest`]).
    pub fn prepare_nearest(&self) {
        if let Some(a) = self.layer(Layer::Grid).areas() {
            a.prepare_nearest();
        }
    }

    /// Whether the gazetteer is built, so that [`Snapshot::addresses`] answers without waiting.
    pub fn addresses_ready(&self) -> bool {
        self.addresses.built.get().is_some()
    }

    /// Builds the gazetteer now if it is not built yet, so that a later geocoding request does
    /// not wait for it (a server calls this on a background thread once it answers lookups).
    pub fn prepare_addresses(&self) {
        self.addresses();
    }

    /// An empty snapshot.
    pub fn empty() -> Snapshot {
        Snapshot::new([])
    }

    /// One layer's data.
    pub fn layer(&self, layer: Layer) -> &LayerData {
        // Every layer is inserted by `new`, so the lookup cannot fail.
        &self.layers[&layer]
    }

    /// One layer's data, shared: for the gazetteer, which answers with the grids' codes and names
    /// long after it is built.
    pub(crate) fn layer_shared(&self, layer: Layer) -> Arc<LayerData> {
        self.layers[&layer].clone()
    }

    /// The feature of `layer` whose area owns `p`.
    pub fn owner(&self, layer: Layer, p: Coord) -> Option<FeatureRef<'_>> {
        let data = self.layer(layer);
        let index = data.areas.as_ref()?;
        match index.locate(p) {
            Hit::Inside(i) | Hit::OnOuterBoundary(i) => Some(data.feature(i as usize)),
            Hit::Outside => None,
        }
    }

    /// Grid id owning `p`, on the hot path of batch lookups.
    #[inline]
    pub fn grid_owner(&self, p: Coord) -> Option<u32> {
        self.layer(Layer::Grid).areas.as_ref().and_then(|a| a.owner(p))
    }

    fn parent_of(&self, layer: Layer, child: FeatureRef<'_>) -> Option<FeatureRef<'_>> {
        let code = child.parent_code()?;
        layer.parent_layers().iter().find_map(|&pl| self.layer(pl).get(code))
    }

    /// Finds the grid, community, street and district of `p` (lon/lat WGS 84).
    ///
    /// The grid is found geometrically; its ancestors follow from `parent_code`, because the
    /// hierarchy is strict. When no grid holds the point, each higher level is looked up
    /// geometrically instead and the nearest grid is reported.
    pub fn lookup(&self, p: Coord) -> Lookup<'_> {
        let grids = self.layer(Layer::Grid);
        let hit = grids.areas.as_ref().map_or(Hit::Outside, |a| a.locate(p));
        let (grid, on_boundary) = match hit {
            Hit::Inside(i) => (Some(grids.feature(i as usize)), false),
            Hit::OnOuterBoundary(i) => (Some(grids.feature(i as usize)), true),
            Hit::Outside => (None, false),
        };
        let community = match grid {
            Some(g) => self.parent_of(Layer::Grid, g),
            None => self.owner(Layer::Community, p),
        };
        let street = match community {
            Some(c) => self.parent_of(Layer::Community, c),
            None => self.owner(Layer::Street, p),
        };
        let district = match street {
            Some(s) => self.parent_of(Layer::Street, s),
            None => self.owner(Layer::District, p),
        };
        let nearest_grid = if grid.is_none() {
            grids.areas.as_ref().and_then(|a| a.nearest(p)).map(|n| (grids.feature(n.id as usize), n))
        } else {
            None
        };
        Lookup { grid, on_boundary, community, street, district, nearest_grid }
    }

    /// Feature counts per layer.
    pub fn counts(&self) -> Vec<(Layer, usize)> {
        Layer::ALL.iter().map(|&l| (l, self.layer(l).features.len())).collect()
    }
}

/// The polygonal part of a geometry as a multipolygon (empty for points and lines).
pub fn as_multipolygon(g: &Geometry<f64>) -> MultiPolygon<f64> {
    match g {
        Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
        Geometry::MultiPolygon(mp) => mp.clone(),
        Geometry::Rect(r) => MultiPolygon(vec![r.to_polygon()]),
        _ => MultiPolygon(vec![]),
    }
}

/// Bounding box of any geometry.
pub fn geometry_bbox(g: &Geometry<f64>) -> Option<Rect<f64>> {
    use geo::BoundingRect;
    g.bounding_rect()
}

fn intersects(a: Rect<f64>, b: Rect<f64>) -> bool {
    a.min().x <= b.max().x && a.max().x >= b.min().x && a.min().y <= b.max().y && a.max().y >= b.min().y
}
