//! The rules kept up to date across the edits of a draft, so that one edit costs what it touches
//! rather than a run over every layer.
//!
//! The findings of [`super::run_rules`] are cut into units, each a function of a few features:
//! one feature's own checks (geometry, its parent link, sizes, code, its worker or its community
//! workers); one parent's coverage by its children; one worker's grids; the buildings sharing one
//! exact geometry; one building's overlaps with the buildings after it (found by an R-tree of
//! footprint envelopes); one grid's household roll-up. After an edit, [`IncrementalRules::update`]
//! recomputes only the units whose inputs the edit touched — the touched features, their
//! children (whose parent link depends on them), the parents they leave and join, their envelope
//! neighbours — and keeps the rest. [`IncrementalRules::findings`] then lists every unit's
//! findings in exactly the order and form a full run gives (the tests compare them after every
//! edit of long random sequences).

use super::config::RulesConfig;
use super::finding::Finding;
use super::{buildings, codes, containment, coverage, geometry, sizes, staffing};
use crate::edit::{Changes, Draft};
use crate::feature_ref::FeatureRef;
use crate::hierarchy::check_parent;
use crate::model::{Feature, Layer};
use crate::prepared::PreparedArea;
use crate::problem::Rule;
use crate::snapshot::as_multipolygon;
use crate::validate::check_geometry;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, RTreeObject};
use std::collections::{BTreeSet, HashMap, HashSet};

/// A building footprint's envelope in the R-tree, with the building's code.
type Footprint = GeomWithData<Rectangle<[f64; 2]>, String>;

/// Where a finding stands among findings of the same severity, layer and code: the order in
/// which a full run produces them (rule family, then the family's own order).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Order {
    family: Family,
    sub: u8,
    a: String,
    b: String,
    seq: usize,
}

impl Order {
    fn new(family: Family, sub: u8, a: &str, b: &str, seq: usize) -> Order {
        Order { family, sub, a: a.to_string(), b: b.to_string(), seq }
    }
}

/// Rule families, declared in the order [`super::run_rules`] runs them (the order findings sort in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    Geometry,
    Containment,
    Coverage,
    Sizes,
    Codes,
    Staffing,
    Buildings,
}

/// A piece of the findings that depends on a few features only.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Unit {
    /// The feature's own checks: geometry, parent link, sizes, code, worker / community workers.
    Feature(Layer, String),
    /// Overlaps among a parent's children and the gap they leave: (child layer, parent code).
    Coverage(Layer, String),
    /// The grids naming one worker.
    Worker(String),
    /// The buildings with one exact geometry.
    SameGeometry(Vec<u64>),
    /// One building's overlaps with the buildings after it in code order.
    Overlaps(String),
    /// One grid's declared households against its buildings'.
    Rollup(String),
}

/// The findings of a draft, kept per unit, with the indexes that say which units an edit touches.
pub struct IncrementalRules {
    config: RulesConfig,
    units: HashMap<Unit, Vec<(Order, Finding)>>,
    /// (child layer, parent code) → the codes of the children naming that parent.
    children: HashMap<(Layer, Option<String>), BTreeSet<String>>,
    /// Features per layer.
    counts: HashMap<Layer, usize>,
    /// Worker name → the grids naming the worker.
    workers: HashMap<String, BTreeSet<String>>,
    /// Exact building geometry → the buildings that have it.
    same_geometry: HashMap<Vec<u64>, BTreeSet<String>>,
    /// Envelopes of the building footprints the overlap rule compares.
    footprints: RTree<Footprint>,
    /// Prepared areas of parents, built when a child is checked and dropped when they change.
    areas: HashMap<(Layer, String), Option<PreparedArea>>,
}

impl IncrementalRules {
    /// Every finding of `draft` under `config`, computed once (as costly as a full run).
    pub fn new(draft: &Draft, config: &RulesConfig) -> IncrementalRules {
        let mut me = IncrementalRules {
            config: config.clone(),
            units: HashMap::new(),
            children: HashMap::new(),
            counts: HashMap::new(),
            workers: HashMap::new(),
            same_geometry: HashMap::new(),
            footprints: RTree::new(),
            areas: HashMap::new(),
        };
        let everything: Vec<(Layer, String)> =
            Layer::ALL.iter().flat_map(|&l| draft.codes(l).map(move |c| (l, c.to_string()))).collect();
        me.refresh(draft, everything.iter().map(|(l, c)| (*l, c.as_str(), None)));
        me
    }

    /// The configuration the findings were made with.
    pub fn config(&self) -> &RulesConfig {
        &self.config
    }

    /// Brings the findings up to date with `draft` after `changes` (the draft was what these
    /// findings describe, with the versions `changes` recorded).
    pub fn update(&mut self, draft: &Draft, changes: &Changes) {
        self.refresh(draft, changes.iter());
    }

    fn refresh<'a>(&mut self, draft: &Draft, touched: impl Iterator<Item = (Layer, &'a str, Option<&'a Feature>)>) {
        let touched: Vec<(Layer, &str, Option<&Feature>)> = touched.collect();
        let tiled_before: Vec<bool> = coverage::TILED.iter().map(|(c, _)| self.has_any(*c)).collect();
        for &(layer, code, before) in &touched {
            if let Some(f) = before {
                self.unindex(layer, f);
            }
            if let Some(f) = draft.feature(layer, code) {
                self.index(layer, f);
            }
            self.areas.remove(&(layer, code.to_string()));
        }
        let mut dirty: HashSet<Unit> = HashSet::new();
        for &(layer, code, before) in &touched {
            self.touched_units(draft, layer, code, before, &mut dirty);
        }
        // A child layer that became empty or stopped being empty changes every parent's coverage
        // (an empty layer is not checked: it has not been loaded yet).
        for ((child, parent), was) in coverage::TILED.iter().zip(tiled_before) {
            if was != self.has_any(*child) {
                dirty.extend(draft.codes(*parent).map(|p| Unit::Coverage(*child, p.to_string())));
            }
        }
        for unit in &dirty {
            if let Unit::Feature(layer, code) = unit
                && let Some(pc) = draft.feature(*layer, code).and_then(|f| f.parent_code.as_deref())
            {
                self.prepare_parent(draft, *layer, pc);
            }
        }
        for unit in dirty {
            let found = self.compute(draft, &unit);
            if found.is_empty() {
                self.units.remove(&unit);
            } else {
                self.units.insert(unit, found);
            }
        }
    }

    /// Whether `layer` has a feature.
    fn has_any(&self, layer: Layer) -> bool {
        self.counts.get(&layer).is_some_and(|n| *n > 0)
    }

    fn index(&mut self, layer: Layer, f: &Feature) {
        *self.counts.entry(layer).or_default() += 1;
        self.children.entry((layer, f.parent_code.clone())).or_default().insert(f.code.clone());
        if layer == Layer::Grid
            && let Some(w) = staffing::worker(f.into())
        {
            self.workers.entry(w).or_default().insert(f.code.clone());
        }
        if layer == Layer::Building {
            self.same_geometry.entry(buildings::key(&f.geometry)).or_default().insert(f.code.clone());
            if let Some(env) = buildings::footprint(f.into()).as_ref().and_then(buildings::envelope) {
                self.footprints.insert(GeomWithData::new(env, f.code.clone()));
            }
        }
    }

    fn unindex(&mut self, layer: Layer, f: &Feature) {
        fn drop_from<K: std::hash::Hash + Eq>(map: &mut HashMap<K, BTreeSet<String>>, key: K, code: &str) {
            if let Some(set) = map.get_mut(&key) {
                set.remove(code);
                if set.is_empty() {
                    map.remove(&key);
                }
            }
        }
        *self.counts.entry(layer).or_default() -= 1;
        drop_from(&mut self.children, (layer, f.parent_code.clone()), &f.code);
        if layer == Layer::Grid
            && let Some(w) = staffing::worker(f.into())
        {
            drop_from(&mut self.workers, w, &f.code);
        }
        if layer == Layer::Building {
            drop_from(&mut self.same_geometry, buildings::key(&f.geometry), &f.code);
            if let Some(env) = buildings::footprint(f.into()).as_ref().and_then(buildings::envelope) {
                self.footprints.remove(&GeomWithData::new(env, f.code.clone()));
            }
        }
    }

    /// The units whose inputs include feature (`layer`, `code`), before (`before`) or after the edit.
    fn touched_units(
        &self,
        draft: &Draft,
        layer: Layer,
        code: &str,
        before: Option<&Feature>,
        dirty: &mut HashSet<Unit>,
    ) {
        let after = draft.feature(layer, code);
        let versions = || before.into_iter().chain(after);
        dirty.insert(Unit::Feature(layer, code.to_string()));
        // Children's parent links depend on this feature's existence and shape.
        for child in Layer::ALL.iter().filter(|l| l.parent_layers().contains(&layer)) {
            if let Some(kids) = self.children.get(&(*child, Some(code.to_string()))) {
                dirty.extend(kids.iter().map(|k| Unit::Feature(*child, k.clone())));
            }
        }
        for (child, parent) in coverage::TILED {
            if layer == child {
                dirty.extend(versions().filter_map(|f| f.parent_code.clone()).map(|p| Unit::Coverage(child, p)));
            }
            if layer == parent {
                dirty.insert(Unit::Coverage(child, code.to_string()));
            }
        }
        if layer == Layer::Grid {
            dirty.extend(versions().filter_map(|f| staffing::worker(f.into())).map(Unit::Worker));
            dirty.insert(Unit::Rollup(code.to_string()));
        }
        if layer == Layer::Building {
            dirty.insert(Unit::Overlaps(code.to_string()));
            for f in versions() {
                dirty.insert(Unit::SameGeometry(buildings::key(&f.geometry)));
                dirty.extend(f.parent_code.clone().map(Unit::Rollup));
                // The buildings whose overlaps with this one may have appeared or gone.
                if let Some(env) = buildings::footprint(f.into()).as_ref().and_then(buildings::envelope) {
                    let near = self.footprints.locate_in_envelope_intersecting(&env.envelope());
                    dirty.extend(near.map(|n| Unit::Overlaps(n.data.clone())));
                }
            }
        }
    }

    /// Prepares the area of the parent `code` of a feature of `layer`, found as the full run
    /// finds it (the first parent layer holding the code); its key, or `None` when no parent
    /// layer has the code.
    fn prepare_parent(&mut self, draft: &Draft, layer: Layer, code: &str) -> Option<(Layer, String)> {
        let (pl, parent) = layer.parent_layers().iter().find_map(|&pl| draft.feature(pl, code).map(|f| (pl, f)))?;
        let key = (pl, code.to_string());
        self.areas
            .entry(key.clone())
            .or_insert_with(|| pl.is_area_layer().then(|| PreparedArea::new(&as_multipolygon(&parent.geometry))));
        Some(key)
    }

    fn compute(&self, draft: &Draft, unit: &Unit) -> Vec<(Order, Finding)> {
        let config = &self.config;
        let mut out = Vec::new();
        match unit {
            Unit::Feature(layer, code) => {
                let (layer, code) = (*layer, code.as_str());
                let Some(f) = draft.feature(layer, code) else { return out };
                let l = layer as u8;
                for (seq, p) in check_geometry(layer, 0, Some(code), &f.geometry).iter().enumerate() {
                    let finding = Finding::from_problem(geometry::ID, layer, p, geometry::SOURCE);
                    out.push((Order::new(Family::Geometry, l, code, "", seq), finding));
                }
                let parent = |pc: &str| {
                    let (pl, _) =
                        layer.parent_layers().iter().find_map(|&pl| draft.feature(pl, pc).map(|f| (pl, f)))?;
                    Some(self.areas.get(&(pl, pc.to_string())).and_then(Option::as_ref).map(PreparedArea::view))
                };
                if let Some(p) = check_parent(layer, 0, f.into(), config.tolerance_m, parent) {
                    let id = match p.rule {
                        Rule::OutsideParent { .. } => containment::OUTSIDE_PARENT,
                        _ => containment::UNKNOWN_PARENT,
                    };
                    out.push((
                        Order::new(Family::Containment, l, code, "", 0),
                        Finding::from_problem(id, layer, &p, containment::SOURCE),
                    ));
                }
                let own: Vec<(Family, Finding)> = match layer {
                    Layer::Grid => {
                        let mut v: Vec<(Family, Finding)> =
                            sizes::check_grid(f.into(), config).into_iter().map(|x| (Family::Sizes, x)).collect();
                        v.extend(staffing::missing_worker(f.into()).map(|x| (Family::Staffing, x)));
                        v
                    }
                    Layer::Community => sizes::check_community(f.into(), config)
                        .map(|x| (Family::Sizes, x))
                        .into_iter()
                        .chain(staffing::check_community(f.into(), config).map(|x| (Family::Staffing, x)))
                        .collect(),
                    _ => Vec::new(),
                };
                // Sizes: grids before communities; staffing: grid workers, shared workers, then
                // communities.
                let sub = |family| match (family, layer) {
                    (Family::Sizes, Layer::Grid) | (Family::Staffing, Layer::Grid) => 0,
                    (Family::Sizes, _) => 1,
                    _ => 2,
                };
                for (seq, (family, x)) in own.into_iter().enumerate() {
                    out.push((Order::new(family, sub(family), code, "", seq), x));
                }
                for (seq, x) in codes::check_layer(layer, [FeatureRef::from(f)], config).into_iter().enumerate() {
                    out.push((Order::new(Family::Codes, l, code, "", seq), x));
                }
            }
            Unit::Coverage(child, pc) => {
                let Some(&(_, parent_layer)) = coverage::TILED.iter().find(|(c, _)| c == child) else { return out };
                let Some(parent) = draft.feature(parent_layer, pc) else { return out };
                if !self.has_any(*child) {
                    return out;
                }
                let kids: Vec<FeatureRef<'_>> = self
                    .children
                    .get(&(*child, Some(pc.clone())))
                    .into_iter()
                    .flatten()
                    .filter_map(|k| draft.feature(*child, k).map(FeatureRef::from))
                    .collect();
                for (seq, x) in coverage::check_parent(*child, parent.into(), &kids, config).into_iter().enumerate() {
                    out.push((Order::new(Family::Coverage, *child as u8, pc, "", seq), x));
                }
            }
            Unit::Worker(worker) => {
                let grids: Vec<&str> = self.workers.get(worker).into_iter().flatten().map(String::as_str).collect();
                for (seq, x) in staffing::shared(worker, &grids).into_iter().enumerate() {
                    out.push((Order::new(Family::Staffing, 1, worker, "", seq), x));
                }
            }
            Unit::SameGeometry(key) => {
                let mut same = self.same_geometry.get(key).into_iter().flatten();
                let Some(first) = same.next() else { return out };
                for b in same.filter_map(|b| draft.feature(Layer::Building, b)) {
                    out.push((Order::new(Family::Buildings, 0, &b.code, "", 0), buildings::duplicate(b.into(), first)));
                }
            }
            Unit::Overlaps(a) => {
                let Some(fa) = draft.feature(Layer::Building, a) else { return out };
                let Some(ma) = buildings::footprint(fa.into()) else { return out };
                let Some(env) = buildings::envelope(&ma) else { return out };
                let mut later: Vec<&str> = self
                    .footprints
                    .locate_in_envelope_intersecting(&env.envelope())
                    .map(|n| n.data.as_str())
                    .filter(|b| *b > a.as_str())
                    .collect();
                later.sort_unstable();
                for b in later {
                    let Some(fb) = draft.feature(Layer::Building, b) else { continue };
                    let Some(mb) = buildings::footprint(fb.into()) else { continue };
                    if let Some(x) = buildings::overlap(fa.into(), &ma, fb.into(), &mb, config) {
                        out.push((Order::new(Family::Buildings, 1, a, b, 0), x));
                    }
                }
            }
            Unit::Rollup(g) => {
                let Some(grid) = draft.feature(Layer::Grid, g) else { return out };
                let sum = self
                    .children
                    .get(&(Layer::Building, Some(g.clone())))
                    .into_iter()
                    .flatten()
                    .filter_map(|b| draft.feature(Layer::Building, b)?.int_attr("households"))
                    .reduce(|a, b| a + b);
                if let Some(x) = buildings::rollup_of(grid.into(), sum, config) {
                    out.push((Order::new(Family::Buildings, 2, g, "", 0), x));
                }
            }
        }
        out
    }

    /// Every finding, as [`super::run_rules`] gives it for the draft: the configuration applied,
    /// errors first, then by layer and code, each finding's problem position that of its
    /// feature in its layer.
    pub fn findings(&self, draft: &Draft) -> Vec<Finding> {
        let mut all: Vec<(&Order, Finding)> = self
            .units
            .values()
            .flatten()
            .filter(|(_, f)| self.config.enabled(f.rule))
            .map(|(o, f)| {
                let mut f = f.clone();
                if let Some(s) = self.config.rules.get(f.rule).and_then(|s| s.severity) {
                    f.severity = s;
                }
                (o, f)
            })
            .collect();
        all.sort_by(|(oa, a), (ob, b)| {
            b.severity.cmp(&a.severity).then(a.layer.cmp(&b.layer)).then_with(|| a.code.cmp(&b.code)).then(oa.cmp(ob))
        });
        // A problem names its feature's position in the layer, as a full run over the layer does.
        let mut wanted: HashMap<Layer, HashMap<&str, usize>> = HashMap::new();
        for (o, f) in &all {
            if matches!(o.family, Family::Geometry | Family::Containment) {
                wanted.entry(f.layer).or_default().insert(o.a.as_str(), 0);
            }
        }
        for (layer, codes) in &mut wanted {
            let mut left = codes.len();
            for (i, c) in draft.codes(*layer).enumerate() {
                if let Some(slot) = codes.get_mut(c) {
                    *slot = i;
                    left -= 1;
                    if left == 0 {
                        break;
                    }
                }
            }
        }
        all.into_iter()
            .map(|(o, mut f)| {
                if let (Family::Geometry | Family::Containment, super::Message::Problem(p)) = (o.family, &mut f.message)
                    && let Some(i) = wanted.get(&f.layer).and_then(|m| m.get(o.a.as_str()))
                {
                    p.index = Some(*i);
                }
                f
            })
            .collect()
    }
}
