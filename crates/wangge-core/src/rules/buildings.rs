//! Rule family "buildings": the same building entered twice, footprints that overlap, and grids
//! whose declared households do not add up to their buildings'. Household counts are rolled up
//! from buildings (楼栋 → 网格), so a doubled building doubles households in every statistic.

use super::config::RulesConfig;
use super::finding::{Finding, Message, Severity};
use crate::distance::LocalFrame;
use crate::feature_ref::FeatureRef;
use crate::model::Layer;
use crate::snapshot::{Snapshot, as_multipolygon};
use geo::orient::{Direction, Orient};
use geo::{Area, BooleanOps, BoundingRect, Geometry, Validation};
use std::collections::{BTreeMap, HashMap};

/// Rule id: two buildings with the identical footprint, or at the same point.
pub const DUPLICATE: &str = "building_duplicate";
/// Rule id: two footprints overlapping by more than `building_overlap_share` of the smaller.
pub const OVERLAP: &str = "building_overlap";
/// Rule id: a grid's `households` differs from the sum over its buildings by more than
/// `households_rollup_share`.
pub const ROLLUP: &str = "grid_households_rollup";

/// Source of the duplicate and overlap rules.
pub const SOURCE: &str = "domain.md §1 (hierarchy: 楼栋 below 网格)";
/// Source of the roll-up rule.
pub const ROLLUP_SOURCE: &str = "domain.md §2 (grid size in households)";

/// Runs the three rules over the building layer.
pub fn check(snapshot: &Snapshot, config: &RulesConfig) -> Vec<Finding> {
    let buildings = snapshot.layer(Layer::Building);
    let mut out = duplicates(buildings.iter());
    out.extend(overlaps(buildings.iter(), config));
    out.extend(rollup(snapshot, config));
    out
}

/// The exact coordinates of a geometry as bits, so "identical" means bit-identical.
pub fn key(g: &Geometry<f64>) -> Vec<u64> {
    use geo::CoordsIter;
    g.coords_iter().flat_map(|c| [c.x.to_bits(), c.y.to_bits()]).collect()
}

fn duplicates<'f>(buildings: impl Iterator<Item = FeatureRef<'f>>) -> Vec<Finding> {
    let mut first: HashMap<Vec<u64>, FeatureRef<'f>> = HashMap::new();
    let mut out = Vec::new();
    for b in buildings {
        let k = key(&b.geometry());
        match first.get(&k) {
            Some(a) => out.push(duplicate(b, a.code())),
            None => {
                first.insert(k, b);
            }
        }
    }
    out
}

/// The finding of building `b`, entered again after `first` (identical geometry).
pub fn duplicate(b: FeatureRef<'_>, first: &str) -> Finding {
    let point = matches!(*b.geometry(), Geometry::Point(_));
    let mut f = Finding::new(
        DUPLICATE,
        Severity::Error,
        Layer::Building,
        b.code(),
        Message::BuildingDuplicate { other: first.to_string(), point },
        SOURCE,
    );
    f.other = Some(first.to_string());
    f
}

/// The footprint of a building the overlap rule compares: a valid, non-empty (multi)polygon.
pub fn footprint(b: FeatureRef<'_>) -> Option<geo::MultiPolygon<f64>> {
    let geometry = b.geometry();
    if matches!(*geometry, Geometry::Point(_)) {
        return None;
    }
    Some(as_multipolygon(&geometry)).filter(|mp| mp.is_valid() && !mp.0.is_empty())
}

/// An R-tree entry for a footprint's bounding box.
pub fn envelope(mp: &geo::MultiPolygon<f64>) -> Option<rstar::primitives::Rectangle<[f64; 2]>> {
    let r = mp.bounding_rect()?;
    Some(rstar::primitives::Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]))
}

fn overlaps<'f>(buildings: impl Iterator<Item = FeatureRef<'f>>, config: &RulesConfig) -> Vec<Finding> {
    let polys: Vec<(FeatureRef<'f>, geo::MultiPolygon<f64>)> =
        buildings.filter_map(|b| footprint(b).map(|mp| (b, mp))).collect();
    let tree = rstar::RTree::bulk_load(
        polys
            .iter()
            .enumerate()
            .filter_map(|(i, (_, mp))| Some(rstar::primitives::GeomWithData::new(envelope(mp)?, i)))
            .collect(),
    );
    let mut out = Vec::new();
    for (i, (a, ma)) in polys.iter().enumerate() {
        let Some(r) = envelope(ma) else { continue };
        // In code order of the other building, whatever order the tree keeps.
        let mut later: Vec<usize> = tree
            .locate_in_envelope_intersecting(&rstar::RTreeObject::envelope(&r))
            .map(|hit| hit.data)
            .filter(|&j| j > i)
            .collect();
        later.sort_unstable();
        for j in later {
            let (b, mb) = &polys[j];
            out.extend(overlap(*a, ma, *b, mb, config));
        }
    }
    out
}

/// The finding of footprints `a` and `b` (of [`footprint`]) overlapping by more than the share
/// of the smaller, if they do; identical footprints are the duplicate rule's.
pub fn overlap(
    a: FeatureRef<'_>,
    ma: &geo::MultiPolygon<f64>,
    b: FeatureRef<'_>,
    mb: &geo::MultiPolygon<f64>,
    config: &RulesConfig,
) -> Option<Finding> {
    let r = ma.bounding_rect()?;
    if key(&a.geometry()) == key(&b.geometry()) {
        return None;
    }
    let frame = LocalFrame::around(r);
    let (pa, pb) = (
        frame.project_multipolygon(ma).orient(Direction::Default),
        frame.project_multipolygon(mb).orient(Direction::Default),
    );
    let piece = pa.intersection(&pb);
    if piece.unsigned_area() <= 0.0 {
        return None;
    }
    let (shared, smaller) = (frame.area_m2(&piece), frame.area_m2(&pa).min(frame.area_m2(&pb)));
    if !(smaller > 0.0 && shared / smaller > config.building_overlap_share) {
        return None;
    }
    let mut f = Finding::new(
        OVERLAP,
        Severity::Warning,
        Layer::Building,
        a.code(),
        Message::BuildingOverlap {
            other: b.code().to_string(),
            m2: shared,
            percent: 100.0 * shared / smaller,
            limit_percent: 100.0 * config.building_overlap_share,
        },
        SOURCE,
    );
    f.other = Some(b.code().to_string());
    f.geometry = Some(frame.unproject_multipolygon(&piece));
    Some(f)
}

fn rollup(snapshot: &Snapshot, config: &RulesConfig) -> Vec<Finding> {
    // Only buildings that state households count; a grid none of whose buildings do is skipped.
    let mut sums: BTreeMap<&str, i64> = BTreeMap::new();
    for b in snapshot.layer(Layer::Building).iter() {
        if let (Some(p), Some(h)) = (b.parent_code(), b.int_attr("households")) {
            *sums.entry(p).or_default() += h;
        }
    }
    snapshot.layer(Layer::Grid).iter().filter_map(|g| rollup_of(g, sums.get(g.code()).copied(), config)).collect()
}

/// The roll-up finding of grid `g` whose buildings state `sum` households (`None`: none of them
/// states any), if the grid's declared households differ by more than the tolerance.
pub fn rollup_of(g: FeatureRef<'_>, sum: Option<i64>, config: &RulesConfig) -> Option<Finding> {
    let (declared, sum) = (g.int_attr("households")?, sum?);
    let off = (declared - sum).abs() as f64;
    (off > config.households_rollup_share * declared.max(sum) as f64).then(|| {
        Finding::new(
            ROLLUP,
            Severity::Warning,
            Layer::Grid,
            g.code(),
            Message::GridHouseholdsRollup { declared, sum, tolerance_percent: 100.0 * config.households_rollup_share },
            ROLLUP_SOURCE,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Feature;
    use crate::rules::tests::{STEP, city, feature, rect};
    use serde_json::json;

    fn with_buildings(buildings: Vec<Feature>) -> Snapshot {
        let c = city();
        let mut layers: Vec<(Layer, Vec<Feature>)> = [Layer::District, Layer::Street, Layer::Community, Layer::Grid]
            .map(|l| (l, c.layer(l).to_features()))
            .into();
        layers.push((Layer::Building, buildings));
        Snapshot::new(layers)
    }

    fn building(code: &str, geometry: Geometry<f64>, households: i64) -> Feature {
        let mut b = feature(code, "440304006009001", geometry);
        b.attrs.insert("households".into(), json!(households));
        b
    }

    fn rules_of(found: &[Finding], rule: &str) -> Vec<(String, Option<String>)> {
        found.iter().filter(|f| f.rule == rule).map(|f| (f.code.clone(), f.other.clone())).collect()
    }

    #[test]
    fn duplicate_footprints_and_points_are_found_and_distinct_ones_pass() {
        let p = |x: f64| Geometry::Point(geo::Point::new(114.0 + x * STEP, 22.5 + 0.5 * STEP));
        let fine = with_buildings(vec![
            building("44030400600900100001", rect(0.1, 0.1, 0.2, 0.2), 200),
            building("44030400600900100002", p(0.6), 200),
        ]);
        assert!(rules_of(&check(&fine, &RulesConfig::default()), DUPLICATE).is_empty());
        let twice = with_buildings(vec![
            building("44030400600900100001", rect(0.1, 0.1, 0.2, 0.2), 100),
            building("44030400600900100002", rect(0.1, 0.1, 0.2, 0.2), 100),
            building("44030400600900100003", p(0.6), 100),
            building("44030400600900100004", p(0.6), 100),
        ]);
        let found = check(&twice, &RulesConfig::default());
        assert_eq!(
            rules_of(&found, DUPLICATE),
            vec![
                ("44030400600900100002".into(), Some("44030400600900100001".into())),
                ("44030400600900100004".into(), Some("44030400600900100003".into()))
            ]
        );
        // An identical footprint is a duplicate, not also an overlap.
        assert!(rules_of(&found, OVERLAP).is_empty(), "{found:?}");
    }

    #[test]
    fn footprints_overlapping_more_than_the_share_of_the_smaller_are_reported() {
        // Two 0.2-cell squares; the second shifted by 0.1 (50 % overlap) or by 0.19 (5 %).
        let half = with_buildings(vec![
            building("44030400600900100001", rect(0.1, 0.1, 0.2, 0.2), 200),
            building("44030400600900100002", rect(0.2, 0.1, 0.2, 0.2), 200),
        ]);
        let found = check(&half, &RulesConfig::default());
        let overlaps: Vec<&Finding> = found.iter().filter(|f| f.rule == OVERLAP).collect();
        assert_eq!(overlaps.len(), 1, "{found:?}");
        match &overlaps[0].message {
            Message::BuildingOverlap { other, percent, .. } => {
                assert_eq!(other, "44030400600900100002");
                assert_eq!(format!("{percent:.0}"), "50", "{:?}", overlaps[0].message);
            }
            m => panic!("{m:?}"),
        }
        let slight = with_buildings(vec![
            building("44030400600900100001", rect(0.1, 0.1, 0.2, 0.2), 200),
            building("44030400600900100002", rect(0.29, 0.1, 0.2, 0.2), 200),
        ]);
        assert!(rules_of(&check(&slight, &RulesConfig::default()), OVERLAP).is_empty());
    }

    #[test]
    fn grid_households_must_add_up_from_its_buildings() {
        // Grid 001 declares 400 households.
        let adds_up = with_buildings(vec![
            building("44030400600900100001", rect(0.1, 0.1, 0.2, 0.2), 250),
            building("44030400600900100002", rect(0.5, 0.1, 0.2, 0.2), 140),
        ]);
        assert!(rules_of(&check(&adds_up, &RulesConfig::default()), ROLLUP).is_empty(), "390 is within 5 % of 400");
        let short = with_buildings(vec![building("44030400600900100001", rect(0.1, 0.1, 0.2, 0.2), 250)]);
        let found = check(&short, &RulesConfig::default());
        assert_eq!(rules_of(&found, ROLLUP), vec![("440304006009001".into(), None)]);
        assert!(
            matches!(found[0].message, Message::GridHouseholdsRollup { declared: 400, sum: 250, .. }),
            "{:?}",
            found[0].message
        );
    }
}
