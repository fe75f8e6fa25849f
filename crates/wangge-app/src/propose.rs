//! Proposing grids for a community (issue 17): the units from the stored roads and buildings, the
//! alternatives drawn by [`wangge_core::propose`], and one draft plan per alternative that replaces the
//! community's grids. Both faces (`wangge propose-grids`, `POST /api/v1/communities/{code}/proposals`)
//! run [`propose_grids`].
//!
//! # The plan's edits
//! One batch, so the plan is whole or absent: (1) each proposed grid is created, or replaces the grid
//! of the same code, without counts; (2) the community's buildings are reassigned to the grid holding
//! them; (3) the old grids no proposed grid reuses are deleted (they have no buildings left); (4) each
//! proposed grid is replaced once more with its households and residents, the sums over its buildings.
//! A reused code keeps the old grid's other attributes (its worker among them).

use geo::{Coord, Geometry, InteriorPoint, LineString, MultiPolygon, Polygon};
use serde_json::{Value, json};
use wangge_core::model::{Attrs, Feature, Layer};
use wangge_core::planar::noding::degrees;
use wangge_core::planar::rings::Poly;
use wangge_core::propose::units::{BuildingInput, RoadInput, Units, UnitsError};
use wangge_core::propose::{Drawn, Proposal, Source, alternatives, cut_as_needed};
use wangge_core::rules::RulesConfig;
use wangge_core::rules::finding::tally;
use wangge_core::snapshot::Snapshot;
use wangge_formats::geojson::feature_to_json;
use wangge_store::Db;
use wangge_store::plans::Author;

use crate::plan::{PlanServiceError, add_edits, validate_plan};

/// Most alternatives one request may ask for.
pub const MAX_ALTERNATIVES: usize = 10;

/// What a proposal run is asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposeRequest {
    /// The community's code.
    pub community: String,
    /// Fewest households per grid; `None` takes the rules configuration's `grid_households`.
    pub min: Option<u64>,
    /// Most households per grid; `None` takes the rules configuration's `grid_households`.
    pub max: Option<u64>,
    /// How many alternatives (1–[`MAX_ALTERNATIVES`]; a repair draws one).
    pub alternatives: usize,
    /// Seed of the first alternative; alternative `i` uses `seed + i`.
    pub seed: u64,
    /// Repair mode: the smallest change to the existing grids instead of new alternatives.
    pub repair: bool,
}

/// Why no proposal was made.
#[derive(Debug, thiserror::Error)]
pub enum ProposeError {
    /// No community has this code.
    #[error("no community has the code {0}")]
    UnknownCommunity(String),
    /// A parameter is out of range (the field and what is wrong, English and 简体中文).
    #[error("{field}: {detail}")]
    BadParameter {
        /// The parameter.
        field: &'static str,
        /// What is wrong (English).
        detail: String,
        /// What is wrong (简体中文).
        detail_zh: String,
    },
    /// The community's blocks could not be formed.
    #[error("community {code}: {source}")]
    Units {
        /// The community.
        code: String,
        /// Why.
        #[source]
        source: UnitsError,
    },
    /// A plan could not be written or its edits did not apply.
    #[error(transparent)]
    Plan(#[from] PlanServiceError),
}

impl From<wangge_store::StoreError> for ProposeError {
    fn from(e: wangge_store::StoreError) -> Self {
        ProposeError::Plan(e.into())
    }
}

/// One alternative as stored: its draft plan and what validating the plan found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The draft plan holding it.
    pub plan_id: i64,
    /// The proposal.
    pub proposal: Proposal,
    /// Findings of severity error when the plan is validated (0 expected).
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// The grid features the plan writes, in code order.
    pub features: Vec<Feature>,
    /// Buildings of the community that carried no `households`.
    pub buildings_without_households: usize,
}

/// The community's inputs: its feature, its grids and its buildings.
pub struct CommunityInputs<'a> {
    /// The community.
    pub community: &'a Feature,
    /// Its grids.
    pub grids: Vec<&'a Feature>,
    /// Buildings of those grids, in code order.
    pub buildings: Vec<&'a Feature>,
}

/// One community and everything below it, owned: a proposal edits and rewrites these few
/// features, and a served layer keeps no `Feature` to borrow (see [`wangge_core::feature_ref`]).
#[derive(Debug, Clone)]
pub struct CommunityFeatures {
    community: Feature,
    grids: Vec<Feature>,
    buildings: Vec<Feature>,
}

impl CommunityFeatures {
    /// The inputs of a proposal, borrowed from these features.
    pub fn inputs(&self) -> CommunityInputs<'_> {
        CommunityInputs {
            community: &self.community,
            grids: self.grids.iter().collect(),
            buildings: self.buildings.iter().collect(),
        }
    }
}

/// Finds the community and everything below it in `snapshot`.
pub fn community_inputs(snapshot: &Snapshot, code: &str) -> Result<CommunityFeatures, ProposeError> {
    let community =
        snapshot.layer(Layer::Community).get(code).ok_or_else(|| ProposeError::UnknownCommunity(code.to_string()))?;
    let grids: Vec<Feature> =
        snapshot.layer(Layer::Grid).iter().filter(|g| g.parent_code() == Some(code)).map(|g| g.to_feature()).collect();
    let codes: std::collections::BTreeSet<&str> = grids.iter().map(|g| g.code.as_str()).collect();
    let buildings: Vec<Feature> = snapshot
        .layer(Layer::Building)
        .iter()
        .filter(|b| b.parent_code().is_some_and(|p| codes.contains(p)))
        .map(|b| b.to_feature())
        .collect();
    Ok(CommunityFeatures { community: community.to_feature(), grids, buildings })
}

/// The building inputs of the core: households (0 when not stated), residents and interior point.
pub fn building_inputs(buildings: &[&Feature]) -> Vec<BuildingInput> {
    buildings
        .iter()
        .filter_map(|b| {
            let p = b.geometry.interior_point()?;
            Some(BuildingInput {
                code: b.code.clone(),
                households: b.int_attr("households").unwrap_or(0).max(0) as u64,
                residents: b.int_attr("residents").map(|r| r.max(0) as u64),
                point: p.0,
                footprint: match &b.geometry {
                    Geometry::Point(_) => None,
                    g => Some(wangge_core::snapshot::as_multipolygon(g)),
                },
            })
        })
        .collect()
}

/// The stored roads as the core's inputs, handed to `f`.
pub fn with_roads<R>(store: &dyn Db, f: impl FnOnce(&[RoadInput<'_>]) -> R) -> Result<R, ProposeError> {
    let (roads, _) = store.load_roads()?;
    let roads: Vec<RoadInput> = roads.iter().map(|r| RoadInput { highway: &r.highway, coords: &r.coords }).collect();
    Ok(f(&roads))
}

/// Runs `draw` on the community's blocks, cut between buildings only as far as the bounds need
/// ([`cut_as_needed`]): whole road blocks first, then blocks over the middle of the bounds around the
/// grids still out of bounds, then everywhere. `outlines` (existing grids, for a repair) are cut in too.
pub fn draw_on_blocks<T: Drawn>(
    store: &dyn Db,
    inputs: &CommunityInputs<'_>,
    buildings: &[BuildingInput],
    outlines: &[Geometry<f64>],
    bounds: [u64; 2],
    draw: impl FnMut(&Units) -> Vec<T>,
) -> Result<Vec<T>, ProposeError> {
    let community = &inputs.community.geometry;
    with_roads(store, |roads| {
        let source = Source { community, roads, buildings, boundaries: outlines };
        cut_as_needed(source, bounds, draw)
    })?
    .map_err(|source| ProposeError::Units { code: inputs.community.code.clone(), source })
}

/// Digits of a grid's sequence number in the configured code layout (3 of 15 by default).
pub fn sequence_digits(config: &RulesConfig) -> usize {
    let grid = config.code_lengths.get("grid").copied().unwrap_or(15);
    let community = config.code_lengths.get("community").copied().unwrap_or(12);
    grid.saturating_sub(community).max(1)
}

/// Checks the request against the rules configuration; returns the bounds to use.
pub fn check_request(req: &ProposeRequest, config: &RulesConfig) -> Result<[u64; 2], ProposeError> {
    if !req.repair && (req.alternatives == 0 || req.alternatives > MAX_ALTERNATIVES) {
        return Err(ProposeError::BadParameter {
            field: "alternatives",
            detail: format!("alternatives must be 1–{MAX_ALTERNATIVES}, not {}", req.alternatives),
            detail_zh: format!("alternatives 应为 1–{MAX_ALTERNATIVES}，而不是 {}", req.alternatives),
        });
    }
    let lo = req.min.unwrap_or(config.grid_households[0].max(0) as u64);
    let hi = req.max.unwrap_or(config.grid_households[1].max(0) as u64);
    if hi == 0 || lo > hi {
        return Err(ProposeError::BadParameter {
            field: "min",
            detail: format!("household bounds {lo}–{hi} are not a range (min ≤ max, max > 0)"),
            detail_zh: format!("户数范围 {lo}–{hi} 无效（应 min ≤ max 且 max > 0）"),
        });
    }
    Ok([lo, hi])
}

fn ring(r: &[[i64; 2]]) -> LineString<f64> {
    let mut coords: Vec<Coord<f64>> = r.iter().map(|p| degrees(*p)).map(|[x, y]| Coord { x, y }).collect();
    if let Some(first) = coords.first().copied() {
        coords.push(first);
    }
    LineString(coords)
}

/// A lattice outline as a WGS 84 geometry: a Polygon for one part, a MultiPolygon for more.
pub fn geometry_of(polys: &[Poly]) -> Geometry<f64> {
    let mut out: Vec<Polygon<f64>> =
        polys.iter().map(|p| Polygon::new(ring(&p.shell), p.holes.iter().map(|h| ring(h)).collect())).collect();
    if out.len() == 1 { Geometry::Polygon(out.remove(0)) } else { Geometry::MultiPolygon(MultiPolygon(out)) }
}

/// The grid features of a proposal; a reused code keeps the old grid's other attributes.
pub fn grid_features(
    proposal: &Proposal,
    inputs: &CommunityInputs<'_>,
    name: impl Fn(usize) -> String,
) -> Vec<Feature> {
    let estimated = inputs.buildings.iter().any(|b| b.attrs.get("estimated") == Some(&Value::Bool(true)));
    proposal
        .grids
        .iter()
        .map(|g| {
            let old = inputs.grids.iter().find(|o| o.code == g.code);
            let mut attrs: Attrs = old.map(|o| o.attrs.clone()).unwrap_or_default();
            attrs.insert("kind".into(), json!("综合"));
            attrs.insert("households".into(), json!(g.households));
            match g.residents {
                Some(r) => attrs.insert("residents".into(), json!(r)),
                None => attrs.remove("residents"),
            };
            if estimated {
                attrs.insert("estimated".into(), json!(true));
            }
            Feature {
                code: g.code.clone(),
                name: old.map(|o| o.name.clone()).filter(|n| !n.is_empty()).unwrap_or_else(|| name(g.seq)),
                parent_code: Some(inputs.community.code.clone()),
                attrs,
                geometry: geometry_of(&g.polys),
            }
        })
        .collect()
}

/// The edits that turn the community's grids into `features` (see the module documentation).
pub fn plan_edits(
    proposal: &Proposal,
    features: &[Feature],
    inputs: &CommunityInputs<'_>,
    buildings: &[BuildingInput],
) -> Vec<Value> {
    let old: std::collections::BTreeSet<&str> = inputs.grids.iter().map(|g| g.code.as_str()).collect();
    let mut edits = Vec::new();
    for f in features {
        let mut bare = f.clone();
        bare.attrs.remove("households");
        bare.attrs.remove("residents");
        let op = if old.contains(f.code.as_str()) { "replace" } else { "create" };
        edits.push(json!({"op": op, "layer": "grid", "feature": feature_to_json(&bare)}));
    }
    let parent: std::collections::BTreeMap<&str, &str> =
        inputs.buildings.iter().filter_map(|b| Some((b.code.as_str(), b.parent_code.as_deref()?))).collect();
    for g in &proposal.grids {
        let moving: Vec<&str> = g
            .buildings
            .iter()
            .map(|&i| buildings[i].code.as_str())
            .filter(|c| parent.get(c).is_some_and(|p| *p != g.code))
            .collect();
        if !moving.is_empty() {
            edits.push(json!({"op": "reassign_buildings", "buildings": moving, "grid": g.code}));
        }
    }
    let new: std::collections::BTreeSet<&str> = features.iter().map(|f| f.code.as_str()).collect();
    for code in old.iter().filter(|c| !new.contains(*c)) {
        edits.push(json!({"op": "delete", "layer": "grid", "code": code}));
    }
    for f in features {
        edits.push(json!({"op": "replace", "layer": "grid", "feature": feature_to_json(f)}));
    }
    edits
}

/// Draws the alternatives for one community and stores each as a draft plan, validated — or, in
/// repair mode, the one draft plan of [`repair_plan`]. `name(community name, seq)` names a grid whose
/// code is new.
pub fn propose_grids(
    store: &mut dyn Db,
    req: &ProposeRequest,
    config: &RulesConfig,
    author: impl Into<Author>,
    name: impl Fn(&str, usize) -> String,
) -> Result<Vec<Outcome>, ProposeError> {
    let author = author.into();
    let bounds = check_request(req, config)?;
    let snapshot = store.load_snapshot()?;
    let community = community_inputs(&snapshot, &req.community)?;
    let inputs = community.inputs();
    let buildings = building_inputs(&inputs.buildings);
    if req.repair {
        return repair_plan(store, req, config, &author, &name, &inputs, bounds).map(|o| vec![o]);
    }
    let without = inputs.buildings.iter().filter(|b| b.int_attr("households").is_none()).count();
    let digits = sequence_digits(config);
    let code = &inputs.community.code;
    let proposals = draw_on_blocks(store, &inputs, &buildings, &[], bounds, |units| {
        alternatives(units, &buildings, code, digits, bounds, req.seed, req.alternatives)
    })?;
    let mut out = Vec::with_capacity(proposals.len());
    for (i, proposal) in proposals.into_iter().enumerate() {
        let features = grid_features(&proposal, &inputs, |seq| name(&inputs.community.name, seq));
        let edits = plan_edits(&proposal, &features, &inputs, &buildings);
        let title = format!(
            "proposal {} #{} ({}, seed {}, {} grids)",
            inputs.community.code,
            i + 1,
            proposal.params.strategy.id(),
            proposal.params.seed,
            proposal.grids.len()
        );
        let plan = store.create_plan(&title, &author)?;
        add_edits(store, plan.id, &author, &edits, None)?;
        let findings = validate_plan(store, plan.id, config)?;
        let (errors, warnings) = tally(&findings);
        out.push(Outcome {
            plan_id: plan.id,
            proposal,
            errors,
            warnings,
            features,
            buildings_without_households: without,
        });
    }
    Ok(out)
}

/// One outcome as the JSON both faces answer with: `plan_id`, `grids` (each with its code, name,
/// households, residents, area, compactness, whether within bounds, buildings and GeoJSON geometry),
/// `metrics`, `infeasible`, `strategy`, `seed` and the plan's `validation` counts.
pub fn outcome_json(o: &Outcome) -> Value {
    let grids: Vec<Value> = o
        .proposal
        .grids
        .iter()
        .zip(&o.features)
        .map(|(g, f)| {
            json!({
                "code": g.code,
                "name": f.name,
                "households": g.households,
                "residents": g.residents,
                "area_m2": g.area_m2.round(),
                "perimeter_m": g.perimeter_m.round(),
                "polsby_popper": (g.polsby_popper * 1000.0).round() / 1000.0,
                "within_bounds": g.within_bounds,
                "buildings": g.buildings.len(),
                "blocks": g.blocks.len(),
                "geometry": feature_to_json(f)["geometry"].clone(),
            })
        })
        .collect();
    json!({
        "plan_id": o.plan_id,
        "strategy": o.proposal.params.strategy.id(),
        "seed": o.proposal.params.seed,
        "bounds": o.proposal.params.bounds,
        "grids": grids,
        "metrics": o.proposal.metrics,
        "infeasible": o.proposal.infeasible,
        "buildings_without_households": o.buildings_without_households,
        "validation": {"errors": o.errors, "warnings": o.warnings},
    })
}

/// One repair drawn on one set of blocks: every grid (codes kept, or the next free ones), the codes
/// of the grids whose blocks changed, and the existing grids merged away.
struct Repaired {
    proposal: Proposal,
    changed: std::collections::BTreeSet<String>,
    merged: Vec<usize>,
}

impl Drawn for Repaired {
    fn proposal(&self) -> &Proposal {
        &self.proposal
    }
}

/// The existing grid of each block: the one holding its interior point; a block in a gap takes a
/// neighbour's grid.
fn existing_grid(units: &Units, outlines: &[MultiPolygon<f64>]) -> Vec<usize> {
    use geo::Contains;
    let mut current: Vec<usize> = units
        .blocks
        .iter()
        .map(|b| {
            let p = wangge_core::planar::rings::interior_point(&b.poly).map(degrees).unwrap_or([0.0, 0.0]);
            let p = geo::Point::new(p[0], p[1]);
            outlines.iter().position(|g| g.contains(&p)).unwrap_or(usize::MAX)
        })
        .collect();
    for _ in 0..units.blocks.len() {
        let mut changed = false;
        for b in 0..units.blocks.len() {
            if current[b] == usize::MAX
                && let Some(&(m, _)) = units.adj[b].iter().find(|(m, _)| current[*m] != usize::MAX)
            {
                current[b] = current[m];
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for c in current.iter_mut().filter(|c| **c == usize::MAX) {
        *c = 0;
    }
    current
}

/// Repair mode: one draft plan with the smallest change that brings the community's grids within the
/// bounds — oversized grids split, undersized ones merged into a neighbour, blocks moved or
/// recombined only among those and their neighbours ([`wangge_core::propose::repair`]) — on blocks
/// cut between buildings only where the bounds need it, as for a proposal ([`draw_on_blocks`]).
/// Grids that keep their blocks are not touched by the plan; a split's new part gets the next free
/// sequence number.
fn repair_plan(
    store: &mut dyn Db,
    req: &ProposeRequest,
    config: &RulesConfig,
    author: &Author,
    name: &dyn Fn(&str, usize) -> String,
    inputs: &CommunityInputs<'_>,
    bounds: [u64; 2],
) -> Result<Outcome, ProposeError> {
    use wangge_core::propose::engine::{Division, Params, Strategy};
    use wangge_core::propose::repair::repair;
    if inputs.grids.is_empty() {
        return Err(ProposeError::BadParameter {
            field: "repair",
            detail: format!("community {} has no grids to repair", req.community),
            detail_zh: format!("社区 {} 没有可修复的网格", req.community),
        });
    }
    let buildings = &building_inputs(&inputs.buildings)[..];
    let outlines: Vec<Geometry<f64>> = inputs.grids.iter().map(|g| g.geometry.clone()).collect();
    let outlines_mp: Vec<MultiPolygon<f64>> = outlines.iter().map(wangge_core::snapshot::as_multipolygon).collect();
    let digits = sequence_digits(config);
    let prefix = &inputs.community.code;
    let last = inputs
        .grids
        .iter()
        .filter_map(|g| g.code.strip_prefix(prefix.as_str()).and_then(|s| s.parse::<usize>().ok()))
        .max()
        .unwrap_or(0);
    let repaired = draw_on_blocks(store, inputs, buildings, &outlines, bounds, |units| {
        let current = existing_grid(units, &outlines_mp);
        let r = repair(units, &current, inputs.grids.len(), bounds, req.seed);
        // Codes: kept, or the next free sequence numbers.
        let mut next = last;
        let region_codes: Vec<String> = r
            .keeps
            .iter()
            .map(|k| match k {
                Some(old) => inputs.grids[*old].code.clone(),
                None => {
                    next += 1;
                    format!("{prefix}{next:0digits$}")
                }
            })
            .collect();
        let params = Params { bounds, seed: req.seed, strategy: Strategy::Bisect, grids: None };
        let division = Division { region: r.region.clone(), regions: r.regions, objective: 0.0, moves: r.moves };
        let proposal = wangge_core::propose::assemble_proposal(
            units,
            buildings,
            prefix,
            digits,
            params,
            division,
            Some(&region_codes),
        );
        let changed = (0..r.regions).filter(|&g| r.changed[g]).map(|g| region_codes[g].clone()).collect();
        vec![Repaired { proposal, changed, merged: r.merged }]
    })?;
    let Some(Repaired { proposal, changed, merged }) = repaired.into_iter().next() else {
        return Err(ProposeError::Units {
            code: prefix.clone(),
            source: wangge_core::propose::units::UnitsError::NoBlocks,
        });
    };
    let features = grid_features(&proposal, inputs, |seq| name(&inputs.community.name, seq));
    // Only the grids that changed are written; the others stay as they are.
    let kept = Proposal {
        grids: proposal.grids.iter().filter(|g| changed.contains(&g.code)).cloned().collect(),
        ..proposal.clone()
    };
    let kept_features: Vec<Feature> = features.iter().filter(|f| changed.contains(&f.code)).cloned().collect();
    let gone: Vec<&Feature> = merged.iter().map(|&i| inputs.grids[i]).collect();
    let touched = CommunityInputs {
        community: inputs.community,
        grids: inputs.grids.iter().copied().filter(|g| changed.contains(&g.code)).chain(gone).collect(),
        buildings: inputs.buildings.clone(),
    };
    let edits = plan_edits(&kept, &kept_features, &touched, buildings);
    let plan = store.create_plan(&format!("repair {} (seed {})", prefix, req.seed), author)?;
    if !edits.is_empty() {
        add_edits(store, plan.id, author, &edits, None)?;
    }
    let findings = validate_plan(store, plan.id, config)?;
    let (errors, warnings) = tally(&findings);
    let without = inputs.buildings.iter().filter(|b| b.int_attr("households").is_none()).count();
    Ok(Outcome { plan_id: plan.id, proposal, errors, warnings, features, buildings_without_households: without })
}
