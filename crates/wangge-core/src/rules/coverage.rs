//! Rule family "coverage": the children of each parent cover it completely without overlapping —
//! "全面覆盖、不留空白、不交叉重叠". Findings carry the offending pieces as geometry.
//!
//! Per parent, the children are projected into a local metric frame (m²), oriented and unioned
//! once (`unary_union`). The parent minus the union is the gap; the sum of the children's areas
//! minus the union's area is the total overlap. Only when that total exceeds the tolerance are
//! sibling pairs intersected to name the pairs and return their pieces, so a clean layer costs
//! one union and one difference per parent. The areas reported (and compared with the m²
//! tolerances) are those of the resulting pieces on the WGS 84 ellipsoid ([`LocalFrame::area_m2`]).

use super::config::RulesConfig;
use super::finding::{Finding, Message, Severity};
use crate::distance::LocalFrame;
use crate::feature_ref::FeatureRef;
use crate::model::Layer;
use crate::snapshot::{Snapshot, as_multipolygon};
use geo::orient::{Direction, Orient};
use geo::{Area, BooleanOps, BoundingRect, MultiPolygon, unary_union};
use std::collections::HashMap;

/// Rule id: two siblings overlap by more than `overlap_tolerance_m2`.
pub const OVERLAP: &str = "sibling_overlap";
/// Rule id: part of a parent is covered by none of its children.
pub const GAP: &str = "parent_gap";

/// Source of both rules.
pub const SOURCE: &str = "domain.md §1: 全面覆盖、界线明确、不留空白、不交叉重叠";

/// The layers whose children must tile them: (child, parent).
pub const TILED: [(Layer, Layer); 3] =
    [(Layer::Street, Layer::District), (Layer::Community, Layer::Street), (Layer::Grid, Layer::Community)];

/// Checks overlaps and gaps for streets, communities and grids. A child layer with no features
/// at all is not checked (it has not been loaded yet, which is not a gap).
pub fn check(snapshot: &Snapshot, config: &RulesConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    for (child, parent) in TILED {
        let children = snapshot.layer(child);
        if children.is_empty() {
            continue;
        }
        let mut by_parent: HashMap<&str, Vec<FeatureRef<'_>>> = HashMap::new();
        for f in children.iter() {
            if let Some(p) = f.parent_code() {
                by_parent.entry(p).or_default().push(f);
            }
        }
        for p in snapshot.layer(parent).iter() {
            let kids = by_parent.get(p.code()).map_or(&[][..], Vec::as_slice);
            out.extend(check_parent(child, p, kids, config));
        }
    }
    out
}

/// Overlaps among `kids` and gaps of `parent` not covered by them.
pub fn check_parent(
    child: Layer,
    parent: FeatureRef<'_>,
    kids: &[FeatureRef<'_>],
    config: &RulesConfig,
) -> Vec<Finding> {
    let parent_mp = as_multipolygon(&parent.geometry());
    let Some(bbox) = parent_mp.bounding_rect() else { return Vec::new() };
    if !crate::validate::multipolygon_is_valid(&parent_mp) {
        return Vec::new(); // reported by the geometry rule; boolean operations need valid input
    }
    let frame = LocalFrame::around(bbox);
    // Invalid children are reported by the geometry rule and left out here.
    let projected: Vec<(FeatureRef<'_>, MultiPolygon<f64>)> = kids
        .iter()
        .map(|f| (*f, as_multipolygon(&f.geometry())))
        .filter(|(_, mp)| crate::validate::multipolygon_is_valid(mp))
        .map(|(f, mp)| (f, frame.project_multipolygon(&mp).orient(Direction::Default)))
        .collect();
    let union = unary_union(projected.iter().map(|(_, mp)| mp));
    let mut out = Vec::new();

    // A cheap screen in frame m²; the frame is within 1 % of the ground, so the screen is loosened
    // by 2 % to pass everything the geodesic test below could report.
    let sum: f64 = projected.iter().map(|(_, mp)| mp.unsigned_area()).sum();
    if sum - union.unsigned_area() > config.overlap_tolerance_m2 * 0.98 {
        for (i, (a, ma)) in projected.iter().enumerate() {
            let ra = ma.bounding_rect();
            for (b, mb) in &projected[i + 1..] {
                if !boxes_meet(ra, mb.bounding_rect()) {
                    continue;
                }
                let piece = ma.intersection(mb);
                // Reported (and compared) on the ellipsoid, not in the frame's m².
                let m2 = frame.area_m2(&piece);
                if m2 > config.overlap_tolerance_m2 {
                    let mut f = Finding::new(
                        OVERLAP,
                        Severity::Error,
                        child,
                        a.code(),
                        Message::Overlap {
                            layer: child,
                            other: b.code().to_string(),
                            m2,
                            tolerance_m2: config.overlap_tolerance_m2,
                        },
                        SOURCE,
                    );
                    f.other = Some(b.code().to_string());
                    f.geometry = Some(frame.unproject_multipolygon(&piece));
                    out.push(f);
                }
            }
        }
    }

    if !config.gap_layers.iter().any(|l| l == child.id()) {
        return out;
    }
    let gap = frame.project_multipolygon(&parent_mp).orient(Direction::Default).difference(&union);
    let pieces: Vec<_> = gap.0.into_iter().filter(|p| frame.polygon_area_m2(p) > config.gap_tolerance_m2).collect();
    if !pieces.is_empty() {
        let pieces = MultiPolygon(pieces);
        let (n, m2) = (pieces.0.len(), frame.area_m2(&pieces));
        let mut f = Finding::new(
            GAP,
            Severity::Error,
            child,
            parent.code(),
            Message::Gap {
                parent_layer: parent_layer_of(child),
                parent: parent.code().to_string(),
                child_layer: child,
                pieces: n,
                m2,
            },
            SOURCE,
        );
        f.other = Some(parent.code().to_string());
        f.geometry = Some(frame.unproject_multipolygon(&pieces));
        out.push(f);
    }
    out
}

fn parent_layer_of(child: Layer) -> Layer {
    TILED.iter().find(|(c, _)| *c == child).map_or(Layer::District, |(_, p)| *p)
}

fn boxes_meet(a: Option<geo::Rect<f64>>, b: Option<geo::Rect<f64>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            a.min().x <= b.max().x && b.min().x <= a.max().x && a.min().y <= b.max().y && b.min().y <= a.max().y
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::tests::{city, feature, rect, with_grids};

    #[test]
    fn a_tiled_city_has_no_overlap_and_no_gap() {
        assert!(check(&city(), &RulesConfig::default()).is_empty());
    }

    #[test]
    fn overlap_is_returned_as_its_piece_and_tolerance_applies() {
        // A fourth grid over the right half of grid 001: about 434 × 201 m of overlap.
        let extra = feature("440304006009004", "440304006009", rect(0.5, 0.0, 0.5, 1.0));
        let found = check(&with_grids(vec![extra]), &RulesConfig::default());
        let overlaps: Vec<&Finding> = found.iter().filter(|f| f.rule == OVERLAP).collect();
        assert_eq!(overlaps.len(), 1, "{found:?}");
        assert_eq!(
            (overlaps[0].code.as_str(), overlaps[0].other.as_deref()),
            ("440304006009001", Some("440304006009004"))
        );
        let piece = overlaps[0].geometry.as_ref().unwrap();
        let bbox = piece.bounding_rect().unwrap();
        let step = crate::rules::tests::STEP;
        assert!((bbox.min().x - (114.0 + step / 2.0)).abs() < 1e-9 && (bbox.max().x - (114.0 + step)).abs() < 1e-9);
        let lax = RulesConfig { overlap_tolerance_m2: 1e6, ..RulesConfig::default() };
        assert!(
            check(&with_grids(vec![feature("440304006009004", "440304006009", rect(0.5, 0.0, 0.5, 1.0))]), &lax)
                .iter()
                .all(|f| f.rule != OVERLAP)
        );
    }

    #[test]
    fn a_missing_grid_leaves_a_gap_with_its_shape() {
        let mut snapshot_grids = crate::rules::tests::grids();
        snapshot_grids.remove(1);
        let found = check(&crate::rules::tests::city_with(snapshot_grids), &RulesConfig::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].rule, found[0].code.as_str()), (GAP, "440304006009"));
        let area_deg = found[0].geometry.as_ref().unwrap().unsigned_area();
        let step = crate::rules::tests::STEP;
        assert!((area_deg - step * step).abs() < 1e-12, "{area_deg}");
        assert!(matches!(&found[0].message, Message::Gap { child_layer: Layer::Grid, pieces: 1, .. }), "{found:?}");
    }
}
