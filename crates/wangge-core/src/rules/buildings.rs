//! Rule family "buildings": the same building entered twice, footprints that overlap, and grids
//! whose declared households do not add up to their buildings'. Household counts are rolled up
//! from buildings (楼栋 → 网格), so a doubled building doubles households in every statistic.

use super::config::RulesConfig;
use super::finding::{Finding, Message, Severity};
use crate::distance::LocalFrame;
use crate::model::{Feature, Layer};
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
    let buildings = snapshot.layer(Layer::Building).features();
    let mut out = duplicates(buildings);
    out.extend(overlaps(buildings, config));
    out.extend(rollup(snapshot, config));
    out
}

/// The exact coordinates of a geometry as bits, so "identical" means bit-identical.
fn key(g: &Geometry<f64>) -> Vec<u64> {
    use geo::CoordsIter;
    g.coords_iter().flat_map(|c| [c.x.to_bits(), c.y.to_bits()]).collect()
}

fn duplicates(buildings: &[Feature]) -> Vec<Finding> {
    let mut first: HashMap<Vec<u64>, &Feature> = HashMap::new();
    let mut out = Vec::new();
    for b in buildings {
        match first.get(&key(&b.geometry)) {
            Some(a) => {
                let point = matches!(b.geometry, Geometry::Point(_));
                let mut f = Finding::new(
                    DUPLICATE,
                    Severity::Error,
                    Layer::Building,
                    &b.code,
                    Message::BuildingDuplicate { other: a.code.clone(), point },
                    SOURCE,
                );
                f.other = Some(a.code.clone());
                out.push(f);
            }
            None => {
                first.insert(key(&b.geometry), b);
            }
        }
    }
    out
}

fn overlaps(buildings: &[Feature], config: &RulesConfig) -> Vec<Finding> {
    let polys: Vec<(&Feature, geo::MultiPolygon<f64>)> = buildings
        .iter()
        .filter(|b| !matches!(b.geometry, Geometry::Point(_)))
        .map(|b| (b, as_multipolygon(&b.geometry)))
        .filter(|(_, mp)| mp.is_valid() && !mp.0.is_empty())
        .collect();
    let tree = rstar::RTree::bulk_load(
        polys
            .iter()
            .enumerate()
            .filter_map(|(i, (_, mp))| {
                let r = mp.bounding_rect()?;
                Some(rstar::primitives::GeomWithData::new(
                    rstar::primitives::Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect(),
    );
    let mut out = Vec::new();
    for (i, (a, ma)) in polys.iter().enumerate() {
        let Some(r) = ma.bounding_rect() else { continue };
        let env = rstar::AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
        for hit in tree.locate_in_envelope_intersecting(&env) {
            let j = hit.data;
            let (b, mb) = &polys[j];
            // Identical footprints are the duplicate rule's.
            if j <= i || key(&a.geometry) == key(&b.geometry) {
                continue;
            }
            let frame = LocalFrame::around(r);
            let (pa, pb) = (
                frame.project_multipolygon(ma).orient(Direction::Default),
                frame.project_multipolygon(mb).orient(Direction::Default),
            );
            let piece = pa.intersection(&pb);
            if piece.unsigned_area() <= 0.0 {
                continue;
            }
            let (shared, smaller) = (frame.area_m2(&piece), frame.area_m2(&pa).min(frame.area_m2(&pb)));
            if smaller > 0.0 && shared / smaller > config.building_overlap_share {
                let mut f = Finding::new(
                    OVERLAP,
                    Severity::Warning,
                    Layer::Building,
                    &a.code,
                    Message::BuildingOverlap {
                        other: b.code.clone(),
                        m2: shared,
                        percent: 100.0 * shared / smaller,
                        limit_percent: 100.0 * config.building_overlap_share,
                    },
                    SOURCE,
                );
                f.other = Some(b.code.clone());
                f.geometry = Some(frame.unproject_multipolygon(&piece));
                out.push(f);
            }
        }
    }
    out
}

fn rollup(snapshot: &Snapshot, config: &RulesConfig) -> Vec<Finding> {
    // Only buildings that state households count; a grid none of whose buildings do is skipped.
    let mut sums: BTreeMap<&str, i64> = BTreeMap::new();
    for b in snapshot.layer(Layer::Building).features() {
        if let (Some(p), Some(h)) = (b.parent_code.as_deref(), b.int_attr("households")) {
            *sums.entry(p).or_default() += h;
        }
    }
    let mut out = Vec::new();
    for g in snapshot.layer(Layer::Grid).features() {
        let (Some(declared), Some(&sum)) = (g.int_attr("households"), sums.get(g.code.as_str())) else { continue };
        let off = (declared - sum).abs() as f64;
        if off > config.households_rollup_share * declared.max(sum) as f64 {
            out.push(Finding::new(
                ROLLUP,
                Severity::Warning,
                Layer::Grid,
                &g.code,
                Message::GridHouseholdsRollup {
                    declared,
                    sum,
                    tolerance_percent: 100.0 * config.households_rollup_share,
                },
                ROLLUP_SOURCE,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::tests::{STEP, city, feature, rect};
    use serde_json::json;

    fn with_buildings(buildings: Vec<Feature>) -> Snapshot {
        let c = city();
        let mut layers: Vec<(Layer, Vec<Feature>)> = [Layer::District, Layer::Street, Layer::Community, Layer::Grid]
            .map(|l| (l, c.layer(l).features().to_vec()))
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
