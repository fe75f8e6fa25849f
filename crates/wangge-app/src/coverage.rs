//! The coverage use-case shared by the HTTP API and the CLI: builds the coverage context from a
//! snapshot and the stored roads, computes (and caches) coverages per facility kind and
//! parameters, and renders them as GeoJSON and statistics.

use geo::{Centroid, Coord, Geometry};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wangge_core::coverage::{self, Context, Coverage, Home, Level, Mode, Params, Site, UnitIn};
use wangge_core::feature_ref::FeatureRef;
use wangge_core::model::Layer;
use wangge_core::snapshot::{Snapshot, as_multipolygon};
use wangge_formats::roads::{RoadLine, network};

/// The facility kind used when none is given.
pub const DEFAULT_KIND: &str = "党群服务中心";

/// The facility kind of a service centre: its `facility` (or `kind`) attribute.
pub fn kind_of(f: FeatureRef<'_>) -> Option<String> {
    f.attr("facility").or_else(|| f.attr("kind")).and_then(|v| v.as_str().map(str::to_string))
}

/// Every facility kind present, sorted.
pub fn kinds(snapshot: &Snapshot) -> Vec<String> {
    let mut k: Vec<String> = snapshot.layer(Layer::ServiceCentre).iter().filter_map(kind_of).collect();
    k.sort();
    k.dedup();
    k
}

/// The centres of one kind as sites.
pub fn sites_of_kind(snapshot: &Snapshot, kind: &str) -> Vec<Site> {
    snapshot
        .layer(Layer::ServiceCentre)
        .iter()
        .filter(|f| kind_of(*f).as_deref() == Some(kind))
        .filter_map(|f| {
            Some(Site { code: f.code().to_string(), name: f.name().to_string(), at: point_of(&f.geometry())? })
        })
        .collect()
}

fn point_of(g: &Geometry<f64>) -> Option<Coord> {
    match g {
        Geometry::Point(p) => Some(p.0),
        other => other.centroid().map(|p| p.0),
    }
}

/// Builds the context: units are the grids (or the communities when there are no grids), homes
/// are the buildings with their households.
pub fn build_context(snapshot: &Snapshot, lines: &[RoadLine], node_crossings: bool) -> Context {
    let net = network(lines, node_crossings);
    let grids = snapshot.layer(Layer::Grid);
    let unit_layer = if grids.is_empty() { Layer::Community } else { Layer::Grid };
    let parent = |layer: Layer, f: FeatureRef<'_>| -> Option<FeatureRef<'_>> {
        let code = f.parent_code()?;
        layer.parent_layers().iter().find_map(|&l| snapshot.layer(l).get(code))
    };
    let units: Vec<UnitIn> = snapshot
        .layer(unit_layer)
        .iter()
        .map(|f| {
            let mut levels: [Option<(String, String)>; 4] = Default::default();
            let (mut layer, mut cur) = (unit_layer, Some(f));
            let start = if unit_layer == Layer::Grid { 0 } else { 1 };
            for slot in levels.iter_mut().skip(start) {
                let Some(c) = cur else { break };
                *slot = Some((c.code().to_string(), c.name().to_string()));
                cur = parent(layer, c);
                layer = match layer {
                    Layer::Grid => Layer::Community,
                    Layer::Community => Layer::Street,
                    _ => Layer::District,
                };
            }
            UnitIn {
                code: f.code().to_string(),
                name: f.name().to_string(),
                levels,
                polygon: as_multipolygon(&f.geometry()),
            }
        })
        .collect();
    let homes: Vec<Home> = snapshot
        .layer(Layer::Building)
        .iter()
        .filter_map(|f| {
            let at = point_of(&f.geometry())?;
            let unit = snapshot.owner(unit_layer, at).and_then(|u| snapshot.layer(unit_layer).position(u.code()));
            Some(Home {
                code: f.code().to_string(),
                name: f.name().to_string(),
                at,
                households: f.int_attr("households").unwrap_or(0).max(0) as u64,
                estimated: f.attr("estimated").and_then(|v| v.as_bool()).unwrap_or(false),
                unit,
            })
        })
        .collect();
    Context::new(net, units, homes)
}

/// A request's parameters, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Facility kind.
    pub kind: String,
    /// Coverage parameters.
    pub params: Params,
}

type Key = (String, u64, u64, bool, u64);

/// A context plus a small cache of computed coverages, shared by all requests.
pub struct CoverageService {
    /// The snapshot the context was built from.
    pub snapshot: Arc<Snapshot>,
    /// The prepared city, `None` without a road network.
    pub ctx: Option<Arc<Context>>,
    cache: Mutex<HashMap<Key, Arc<Coverage>>>,
}

/// Why a coverage cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoverageError {
    /// No centre of that kind.
    #[error("unknown facility kind '{kind}' (known: {known})")]
    UnknownKind {
        /// The kind asked for.
        kind: String,
        /// Those present, comma-separated.
        known: String,
    },
    /// No road network has been imported.
    #[error("no walking network: import roads first (wangge import-roads)")]
    NoNetwork,
}

impl CoverageService {
    /// A service over `snapshot` and the stored road lines.
    pub fn new(snapshot: Arc<Snapshot>, lines: &[RoadLine], node_crossings: bool) -> CoverageService {
        let ctx = (!lines.is_empty()).then(|| Arc::new(build_context(&snapshot, lines, node_crossings)));
        CoverageService { snapshot, ctx, cache: Mutex::new(HashMap::new()) }
    }

    /// The context, or the reason there is none.
    pub fn context(&self) -> Result<&Arc<Context>, CoverageError> {
        self.ctx.as_ref().ok_or(CoverageError::NoNetwork)
    }

    /// The coverage for `req`, computed once and cached (at most 32 kept).
    pub fn coverage(&self, req: &Request, progress: &dyn Fn(usize, usize)) -> Result<Arc<Coverage>, CoverageError> {
        let ctx = self.context()?;
        let sites = sites_of_kind(&self.snapshot, &req.kind);
        if sites.is_empty() {
            return Err(CoverageError::UnknownKind { kind: req.kind.clone(), known: kinds(&self.snapshot).join(", ") });
        }
        let p = req.params;
        let key = (
            req.kind.clone(),
            p.minutes.to_bits(),
            p.speed_kmh.to_bits(),
            p.mode == Mode::Network,
            p.walk_off_m.to_bits(),
        );
        if let Some(c) = self.cache.lock().map_err(|_| CoverageError::NoNetwork)?.get(&key) {
            return Ok(c.clone());
        }
        let cov = Arc::new(Coverage::compute(ctx, sites, p, progress));
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= 32 {
                cache.clear();
            }
            cache.insert(key, cov.clone());
        }
        Ok(cov)
    }

    /// Network coverage and the circle coverage of the same centres, with the circle's excess.
    pub fn circle_excess(&self, req: &Request) -> Result<coverage::CircleExcess, CoverageError> {
        let ctx = self.context()?;
        let net = self
            .coverage(&Request { params: Params { mode: Mode::Network, ..req.params }, ..req.clone() }, &|_, _| {})?;
        let circle =
            self.coverage(&Request { params: Params { mode: Mode::Circle, ..req.params }, ..req.clone() }, &|_, _| {})?;
        Ok(coverage::circle_excess(ctx, &circle, &net))
    }
}

/// Parses a level name (`grid`, `community`, `street`, `district`, or the Chinese).
pub fn parse_level(s: &str) -> Option<Level> {
    match s {
        "grid" | "网格" => Some(Level::Grid),
        "community" | "社区" => Some(Level::Community),
        "street" | "街道" => Some(Level::Street),
        "district" | "区" => Some(Level::District),
        _ => None,
    }
}
