//! Checks of a batch of features against the hierarchy: unique codes, known parents, and each
//! feature lying inside its parent within a tolerance in metres.

use super::distance::nearest_on_edges;
use super::feature_ref::FeatureRef;
use super::model::Layer;
use super::prepared::{AreaRef, Location};
use super::problem::{Problem, Rule, pos};
use super::snapshot::Snapshot;
use geo::{Coord, CoordsIter, Geometry};
use std::collections::HashMap;

/// How strictly a batch is checked.
#[derive(Debug, Clone, Copy)]
pub struct HierarchyRules {
    /// How far (metres) a child may reach outside its parent before it is an error.
    pub tolerance_m: f64,
    /// Whether codes already in the layer are an error (append) or expected (replace/upsert).
    pub existing_codes_conflict: bool,
}

impl Default for HierarchyRules {
    fn default() -> Self {
        HierarchyRules { tolerance_m: 5.0, existing_codes_conflict: true }
    }
}

/// Checks `features` (destined for `layer`) against each other and against `current`.
pub fn check_hierarchy<'f>(
    layer: Layer,
    features: impl IntoIterator<Item = FeatureRef<'f>>,
    current: &Snapshot,
    rules: HierarchyRules,
) -> Vec<Problem> {
    let mut checker = HierarchyChecker::new(layer, current, rules);
    let mut out = Vec::new();
    for (i, f) in features.into_iter().enumerate() {
        checker.check(i, f, &mut out);
    }
    out
}

/// The checks of [`check_hierarchy`] one feature at a time, for a batch read as a stream: it
/// remembers only the codes seen so far, not the features.
#[derive(Debug)]
pub struct HierarchyChecker<'a> {
    layer: Layer,
    current: &'a Snapshot,
    rules: HierarchyRules,
    seen: HashMap<Box<str>, usize>,
}

impl<'a> HierarchyChecker<'a> {
    /// A checker for features destined for `layer`, against `current`.
    pub fn new(layer: Layer, current: &'a Snapshot, rules: HierarchyRules) -> HierarchyChecker<'a> {
        HierarchyChecker { layer, current, rules, seen: HashMap::new() }
    }

    /// Checks `f`, the feature at position `i` of the batch (positions name problems, and the
    /// first of two features with one code), appending its problems to `out`.
    pub fn check(&mut self, i: usize, f: FeatureRef<'_>, out: &mut Vec<Problem>) {
        let (layer, current, rules) = (self.layer, self.current, self.rules);
        let problem = |rule| Problem::new(Some(i), Some(f.code()), rule);
        if let Some(&first) = self.seen.get(f.code()) {
            out.push(problem(Rule::DuplicateCode { first: Some(first) }));
        } else {
            self.seen.insert(f.code().into(), i);
            if rules.existing_codes_conflict && current.layer(layer).get(f.code()).is_some() {
                out.push(problem(Rule::DuplicateCode { first: None }));
            }
        }
        let found = check_parent(layer, i, f, rules.tolerance_m, |code| {
            let (_, data) = layer.parent_layers().iter().find_map(|&pl| {
                let data = current.layer(pl);
                data.get(code).map(|_| (pl, data))
            })?;
            Some(data.areas().and_then(|a| data.position(code).map(|id| a.area(id))))
        });
        out.extend(found);
    }
}

/// The parent problem of `f`, at position `index` of a batch for `layer`, if any: no
/// `parent_code`, a parent that does not exist, or reaching more than `tolerance_m` metres
/// outside it. `parent` finds the parent by code in the layer's parent layers: `None` when no
/// such feature exists, `Some(None)` when it has no area to lie in.
pub fn check_parent<'a>(
    layer: Layer,
    index: usize,
    f: FeatureRef<'_>,
    tolerance_m: f64,
    parent: impl FnOnce(&str) -> Option<Option<AreaRef<'a>>>,
) -> Option<Problem> {
    let problem = |rule| Problem::new(Some(index), Some(f.code()), rule);
    if layer.parent_layers().is_empty() {
        return None;
    }
    let Some(parent_code) = f.parent_code() else {
        return Some(problem(Rule::MissingProperty { key: "parent_code".into() }));
    };
    let Some(found) = parent(parent_code) else {
        return Some(problem(Rule::UnknownParent { parent_code: parent_code.to_string() }));
    };
    let area = found?;
    let (metres, at) = farthest_outside(
        &f.geometry(),
        |c| area.locate(c) == Location::Outside,
        |c| nearest_on_edges(c, area.edges()).map_or(f64::INFINITY, |(_, m)| m),
    )?;
    (metres > tolerance_m).then(|| {
        problem(Rule::OutsideParent { parent_code: parent_code.to_string(), metres, tolerance_m, at: pos(at) })
    })
}

/// The probe point of `g` farthest outside the parent, if any is outside. Probes are the vertices
/// and the midpoints of edges: enough for boundaries drawn along the same roads, and cheap.
fn farthest_outside(
    g: &Geometry<f64>,
    outside: impl Fn(Coord) -> bool,
    metres_to_parent: impl Fn(Coord) -> f64,
) -> Option<(f64, Coord)> {
    let mut probes: Vec<Coord> = g.coords_iter().collect();
    let mid = |l: geo::Line<f64>| Coord { x: (l.start.x + l.end.x) / 2.0, y: (l.start.y + l.end.y) / 2.0 };
    {
        use geo::LinesIter;
        match g {
            Geometry::Polygon(p) => probes.extend(p.lines_iter().map(mid)),
            Geometry::MultiPolygon(mp) => probes.extend(mp.lines_iter().map(mid)),
            _ => {}
        }
    }
    probes.into_iter().filter(|&c| outside(c)).map(|c| (metres_to_parent(c), c)).max_by(|a, b| a.0.total_cmp(&b.0))
}
