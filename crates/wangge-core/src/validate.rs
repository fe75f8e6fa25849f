//! Geometry checks for one feature: type for its layer, finite and in-range coordinates, and
//! simple, well-formed rings (no self-intersection, holes inside shells).

use super::model::{GeometryKind, Layer};
use super::problem::{Problem, Rule, pos};
use geo::coordinate_position::CoordPos;
use geo::dimensions::Dimensions;
use geo::line_intersection::{LineIntersection, line_intersection};
use geo::validation::{CoordIndex, GeometryIndex, InvalidMultiPolygon, InvalidPolygon, RingRole};
use geo::{
    Area, BoundingRect, Coord, CoordsIter, Geometry, HasDimensions, Intersects, Line, LineString, MultiPolygon,
    Polygon, PreparedGeometry, Relate, RemoveRepeatedPoints,
};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree, RTreeObject};

/// Most positions one feature's geometry may have (100,000: a district boundary traced at one
/// metre has fewer). Checked first, before any work whose cost grows with the count.
pub const MAX_VERTICES: usize = 100_000;

/// Checks `geometry` for `layer`; every problem found, tagged with `index` and `code`.
pub fn check_geometry(layer: Layer, index: usize, code: Option<&str>, geometry: &Geometry<f64>) -> Vec<Problem> {
    let problem = |rule| Problem::new(Some(index), code, rule);
    let mut out = Vec::new();
    let count = geometry.coords_count();
    if count > MAX_VERTICES {
        out.push(problem(Rule::TooManyVertices { count, limit: MAX_VERTICES }));
        return out;
    }
    let type_ok = matches!(
        (layer.geometry_kind(), geometry),
        (GeometryKind::Area, Geometry::Polygon(_) | Geometry::MultiPolygon(_))
            | (GeometryKind::Point, Geometry::Point(_))
            | (GeometryKind::PointOrArea, Geometry::Point(_) | Geometry::Polygon(_) | Geometry::MultiPolygon(_))
    );
    if !type_ok {
        out.push(problem(Rule::WrongGeometryType { layer, found: geometry_type_name(geometry).to_string() }));
        return out;
    }
    let mut coords_ok = true;
    for (i, c) in geometry.coords_iter().enumerate() {
        if !c.x.is_finite() || !c.y.is_finite() {
            out.push(problem(Rule::NonFiniteCoordinate { vertex: i }));
            coords_ok = false;
        } else if !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y) {
            out.push(problem(Rule::OutOfRange {
                at: pos(c),
                looks_projected: c.x.abs() > 1000.0 || c.y.abs() > 1000.0,
            }));
            coords_ok = false;
            // One out-of-range report per feature is enough to point at a CRS mistake.
            break;
        }
    }
    if !coords_ok {
        return out;
    }
    let polygons: Vec<&Polygon<f64>> = match geometry {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(mp) => mp.0.iter().collect(),
        _ => vec![],
    };
    // An empty polygon (or multipolygon, or part) has no shape to look up, draw or export:
    // the geometry library calls it valid, so it is refused here by name.
    let is_area = matches!(geometry, Geometry::Polygon(_) | Geometry::MultiPolygon(_));
    if is_area && (polygons.is_empty() || polygons.iter().any(|p| p.exterior().0.is_empty())) {
        out.push(problem(Rule::EmptyGeometry));
        return out;
    }
    let mut ring_base = 0;
    for polygon in polygons {
        out.extend(check_polygon(polygon, ring_base).into_iter().map(problem));
        ring_base += 1 + polygon.interiors().len();
    }
    // Overlapping parts would cancel out under the even-odd lookup rule and become a hole.
    if let Geometry::MultiPolygon(mp) = geometry
        && out.is_empty()
    {
        for (a, b, on_area) in multipolygon_part_conflicts(mp) {
            let (ga, gb) = (GeometryIndex(a), GeometryIndex(b));
            let e = if on_area {
                InvalidMultiPolygon::ElementsOverlaps(ga, gb)
            } else {
                InvalidMultiPolygon::ElementsTouchOnALine(ga, gb)
            };
            let detail = format!("polygons {a} and {b} of the multipolygon: {e}");
            out.push(problem(Rule::InvalidRings { detail }));
        }
    }
    out
}

/// Pairs of parts `(i, j)`, `i < j`, that overlap on an area (`true`) or touch along a line
/// (`false`), in geo's order. Only parts whose bounding boxes meet are related, found through an
/// R-tree, so many small parts cost O(n log n) rather than a relate per pair.
fn multipolygon_part_conflicts(mp: &MultiPolygon<f64>) -> Vec<(usize, usize, bool)> {
    let boxes: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> =
        mp.0.iter()
            .enumerate()
            .filter_map(|(i, p)| {
                p.bounding_rect().map(|r| GeomWithData::new(Rectangle::from_corners(r.min().into(), r.max().into()), i))
            })
            .collect();
    let tree = RTree::bulk_load(boxes.clone());
    let mut out = Vec::new();
    for b in &boxes {
        let i = b.data;
        let mut others: Vec<usize> =
            tree.locate_in_envelope_intersecting(&b.geom().envelope()).map(|o| o.data).filter(|&j| j > i).collect();
        others.sort_unstable();
        for j in others {
            let im = mp.0[i].relate(&mp.0[j]);
            if im.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                out.push((i, j, true));
            }
            if im.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                out.push((i, j, false));
            }
        }
    }
    out.sort_by_key(|&(i, j, area)| (i, j, !area));
    out
}

/// Whether a multipolygon is valid in geo's sense (every part valid, parts neither overlapping
/// nor sharing a line), computed in O(n log n): the drop-in for `MultiPolygon::is_valid`.
pub fn multipolygon_is_valid(mp: &MultiPolygon<f64>) -> bool {
    mp.0.iter().all(|p| polygon_validation_errors(p).is_empty()) && multipolygon_part_conflicts(mp).is_empty()
}

/// geo's polygon validation (same errors, same order), except that a ring's self-intersection
/// test looks only at segment pairs whose boxes meet (an R-tree) instead of every pair: geo's
/// test is O(n²), which let one 50,000-vertex polygon occupy the server for 18 s.
pub fn polygon_validation_errors(polygon: &Polygon<f64>) -> Vec<InvalidPolygon> {
    let mut out = Vec::new();
    if polygon.is_empty() {
        return out;
    }
    for (ring_idx, ring) in std::iter::once(polygon.exterior()).chain(polygon.interiors()).enumerate() {
        if ring.0.is_empty() {
            continue;
        }
        let role = if ring_idx == 0 { RingRole::Exterior } else { RingRole::Interior(ring_idx - 1) };
        if ring.remove_repeated_points().0.len() < 4 {
            out.push(InvalidPolygon::TooFewPointsInRing(role));
        }
        if ring_has_self_intersection(ring) {
            out.push(InvalidPolygon::SelfIntersection(role));
        }
        for (i, c) in ring.0.iter().enumerate() {
            if !c.x.is_finite() || !c.y.is_finite() {
                out.push(InvalidPolygon::NonFiniteCoord(role, CoordIndex(i)));
            }
        }
    }
    if !polygon.interiors().iter().any(|r| !r.0.is_empty()) {
        return out;
    }
    let shell = Polygon::new(polygon.exterior().clone(), vec![]);
    let shell = PreparedGeometry::from(&shell);
    for (i1, hole1) in polygon.interiors().iter().enumerate() {
        if hole1.0.is_empty() {
            continue;
        }
        let role1 = RingRole::Interior(i1);
        let hole1 = Polygon::new(hole1.clone(), vec![]);
        let hole1 = PreparedGeometry::from(&hole1);
        let im = shell.relate(&hole1);
        if !im.is_contains() {
            out.push(InvalidPolygon::InteriorRingNotContainedInExteriorRing(role1));
        }
        if im.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
            out.push(InvalidPolygon::IntersectingRingsOnALine(RingRole::Exterior, role1));
        }
        for (i2, hole2) in polygon.interiors().iter().enumerate().skip(i1 + 1) {
            if hole2.0.is_empty() {
                continue;
            }
            let role2 = RingRole::Interior(i2);
            let im = hole1.relate(&Polygon::new(hole2.clone(), vec![]));
            if im.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                out.push(InvalidPolygon::IntersectingRingsOnAnArea(role1, role2));
            }
            if im.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                out.push(InvalidPolygon::IntersectingRingsOnALine(role1, role2));
            }
        }
    }
    out
}

/// geo's ring simplicity predicate — some two segments meet, other than where one ends and the
/// other starts — over an R-tree of segments, so only pairs whose boxes meet are compared.
fn ring_has_self_intersection(ring: &LineString<f64>) -> bool {
    let mut lines: Vec<Line<f64>> = Vec::with_capacity(ring.0.len());
    for l in ring.lines() {
        // Consecutive repeats of one point are alike to every other segment and excluded from
        // each other, so one stands for the run (this keeps a run of repeats from going quadratic).
        if l.start == l.end && lines.last().is_some_and(|p: &Line<f64>| p.start == p.end && p.start == l.start) {
            continue;
        }
        lines.push(l);
    }
    let tree = RTree::bulk_load(lines.iter().enumerate().map(|(i, l)| GeomWithData::new(*l, i)).collect());
    lines.iter().enumerate().any(|(i, line)| {
        let env = AABB::from_corners(geo::Point(line.start), geo::Point(line.end));
        tree.locate_in_envelope_intersecting(&env).any(|o| {
            let other = o.geom();
            o.data > i && line.start != other.end && line.end != other.start && line.intersects(other)
        })
    })
}

fn check_polygon(polygon: &Polygon<f64>, ring_base: usize) -> Vec<Rule> {
    let rings: Vec<&LineString<f64>> = std::iter::once(polygon.exterior()).chain(polygon.interiors()).collect();
    let ring_no = |role: &RingRole| {
        ring_base
            + match role {
                RingRole::Exterior => 0,
                RingRole::Interior(i) => i + 1,
            }
    };
    // geo skips an empty hole; it has fewer than 4 points like any other short ring.
    let empty_holes = polygon
        .interiors()
        .iter()
        .enumerate()
        .filter(|(_, r)| r.0.is_empty())
        .map(|(i, _)| Rule::TooFewPoints { ring: ring_base + i + 1 })
        .collect::<Vec<_>>();
    let mut rules: Vec<Rule> = polygon_validation_errors(polygon)
        .into_iter()
        .map(|e| match e {
            InvalidPolygon::TooFewPointsInRing(role) => Rule::TooFewPoints { ring: ring_no(&role) },
            InvalidPolygon::SelfIntersection(role) => {
                let local = ring_no(&role) - ring_base;
                Rule::SelfIntersection {
                    ring: ring_no(&role),
                    at: rings.get(local).and_then(|r| find_self_intersection(r)).map(pos),
                }
            }
            InvalidPolygon::NonFiniteCoord(_, idx) => Rule::NonFiniteCoordinate { vertex: idx.0 },
            other => Rule::InvalidRings { detail: other.to_string() },
        })
        .chain(empty_holes)
        .collect();
    if rules.is_empty() {
        rules.extend(zero_area(polygon, ring_base));
    }
    rules
}

/// A shell enclosing no area (all its points on one line) is no place anyone lives in; only asked
/// when the rings are otherwise sound, since a crossing ring can also sum to zero.
fn zero_area(polygon: &Polygon<f64>, ring_base: usize) -> Option<Rule> {
    let shell = Polygon::new(polygon.exterior().clone(), vec![]);
    (polygon.exterior().0.len() >= 4 && shell.unsigned_area() == 0.0).then_some(Rule::ZeroArea { ring: ring_base })
}

/// Where a ring crosses or touches itself, if it does: the first such point found.
pub fn find_self_intersection(ring: &LineString<f64>) -> Option<Coord> {
    let segments: Vec<Line<f64>> = ring.lines().filter(|l| l.start != l.end).collect();
    let n = segments.len();
    let tree = RTree::bulk_load(segments.iter().enumerate().map(|(i, l)| GeomWithData::new(*l, i)).collect());
    for (i, seg) in segments.iter().enumerate() {
        let env = rstar::AABB::from_corners(geo::Point(seg.start), geo::Point(seg.end));
        let mut hits: Vec<(usize, Coord)> = Vec::new();
        for other in tree.locate_in_envelope_intersecting(&env) {
            let j = other.data;
            if j <= i {
                continue;
            }
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            match line_intersection(*seg, *other.geom()) {
                // Neighbouring segments always share their common vertex; only other meetings count.
                Some(LineIntersection::SinglePoint { intersection, is_proper }) if !adjacent || is_proper => {
                    hits.push((j, intersection));
                }
                Some(LineIntersection::SinglePoint { .. }) => {}
                Some(LineIntersection::Collinear { intersection }) => hits.push((j, intersection.start)),
                None => {}
            }
        }
        if let Some((_, c)) = hits.into_iter().min_by_key(|(j, _)| *j) {
            return Some(c);
        }
    }
    None
}

/// GeoJSON name of a geometry's type.
pub fn geometry_type_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) | Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Point, polygon};

    #[test]
    fn bow_tie_reports_where_it_crosses() {
        let bow = Geometry::Polygon(
            polygon![(x: 114.0, y: 22.0), (x: 114.1, y: 22.1), (x: 114.1, y: 22.0), (x: 114.0, y: 22.1), (x: 114.0, y: 22.0)],
        );
        let problems = check_geometry(Layer::Grid, 3, Some("G1"), &bow);
        assert_eq!(problems.len(), 1, "{problems:?}");
        match &problems[0].rule {
            Rule::SelfIntersection { ring: 0, at: Some([x, y]) } => {
                assert!((x - 114.05).abs() < 1e-9 && (y - 22.05).abs() < 1e-9);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(problems[0].index, Some(3));
    }

    #[test]
    fn wrong_type_and_ranges() {
        let p = Geometry::Point(Point::new(114.0, 22.5));
        assert_eq!(check_geometry(Layer::Grid, 0, None, &p)[0].rule.id(), "wrong_geometry_type");
        assert!(check_geometry(Layer::ServiceCentre, 0, None, &p).is_empty());
        let projected = Geometry::Point(Point::new(530_000.0, 3_385_000.0));
        match &check_geometry(Layer::Building, 0, None, &projected)[0].rule {
            Rule::OutOfRange { looks_projected: true, .. } => {}
            other => panic!("unexpected {other:?}"),
        }
        let nan = Geometry::Point(Point::new(f64::NAN, 22.0));
        assert_eq!(check_geometry(Layer::Building, 0, None, &nan)[0].rule.id(), "non_finite_coordinate");
    }

    #[test]
    fn overlapping_multipolygon_parts_are_refused() {
        let a = polygon![(x: 114.0, y: 22.0), (x: 114.1, y: 22.0), (x: 114.1, y: 22.1), (x: 114.0, y: 22.1), (x: 114.0, y: 22.0)];
        let b = polygon![(x: 114.05, y: 22.05), (x: 114.15, y: 22.05), (x: 114.15, y: 22.15), (x: 114.05, y: 22.15), (x: 114.05, y: 22.05)];
        let mp = Geometry::MultiPolygon(geo::MultiPolygon(vec![a, b]));
        let problems = check_geometry(Layer::Grid, 0, Some("G"), &mp);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].rule.id(), "invalid_rings");
    }

    #[test]
    fn valid_square_passes() {
        let sq = Geometry::Polygon(
            polygon![(x: 114.0, y: 22.0), (x: 114.1, y: 22.0), (x: 114.1, y: 22.1), (x: 114.0, y: 22.1), (x: 114.0, y: 22.0)],
        );
        assert!(check_geometry(Layer::Community, 0, None, &sq).is_empty());
        assert!(
            find_self_intersection(match &sq {
                Geometry::Polygon(p) => p.exterior(),
                _ => unreachable!(),
            })
            .is_none()
        );
    }

    #[test]
    fn empty_and_flat_polygons_are_refused_by_name() {
        let empty = Geometry::Polygon(Polygon::new(LineString::new(vec![]), vec![]));
        assert_eq!(check_geometry(Layer::Grid, 0, Some("G"), &empty)[0].rule, Rule::EmptyGeometry);
        let none = Geometry::MultiPolygon(MultiPolygon(vec![]));
        assert_eq!(check_geometry(Layer::Grid, 0, None, &none)[0].rule, Rule::EmptyGeometry);
        let p = &check_geometry(Layer::Grid, 2, Some("G9"), &empty)[0];
        assert_eq!((p.index, p.code.as_deref()), (Some(2), Some("G9")), "{p:?}");
        let flat = Geometry::Polygon(
            polygon![(x: 114.0, y: 22.0), (x: 114.1, y: 22.0), (x: 114.2, y: 22.0), (x: 114.0, y: 22.0)],
        );
        assert_eq!(check_geometry(Layer::Grid, 0, None, &flat)[0].rule, Rule::ZeroArea { ring: 0 });
        let short = Geometry::Polygon(polygon![(x: 114.0, y: 22.0), (x: 114.1, y: 22.0), (x: 114.0, y: 22.0)]);
        assert_eq!(check_geometry(Layer::Grid, 0, None, &short)[0].rule.id(), "too_few_points");
    }

    /// The R-tree checks must answer exactly as geo's quadratic ones: compared on many small
    /// random polygons (crossing, touching, repeated points, holes) and multipolygons.
    #[test]
    fn fast_validation_matches_geo_exactly() {
        use geo::Validation;
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n) as f64
        };
        let ring = |len: usize, next: &mut dyn FnMut(u64) -> f64| {
            let mut pts: Vec<Coord> = (0..len).map(|_| Coord { x: next(6), y: next(6) }).collect();
            pts.push(pts[0]);
            LineString::new(pts)
        };
        let mut invalid = 0;
        for k in 0..3000 {
            let holes = (0..(k % 3)).map(|_| ring(3 + k % 4, &mut next)).collect();
            let p = Polygon::new(ring(3 + k % 7, &mut next), holes);
            let ours = polygon_validation_errors(&p);
            assert_eq!(ours, p.validation_errors(), "{p:?}");
            invalid += usize::from(!ours.is_empty());
            let q = Polygon::new(ring(3 + k % 5, &mut next), vec![]);
            let mp = MultiPolygon(vec![p, q]);
            assert_eq!(multipolygon_is_valid(&mp), mp.is_valid(), "{mp:?}");
        }
        assert!(invalid > 100 && invalid < 3000, "the sample should hold both kinds: {invalid}");
        let square = |x: f64| polygon![(x: x, y: 0.0), (x: x + 1.0, y: 0.0), (x: x + 1.0, y: 1.0), (x: x, y: 1.0), (x: x, y: 0.0)];
        for mp in [
            MultiPolygon(vec![square(0.0), square(1.0)]),
            MultiPolygon(vec![square(0.0), square(0.5)]),
            MultiPolygon(vec![square(0.0), square(2.0)]),
        ] {
            assert_eq!(multipolygon_is_valid(&mp), mp.is_valid());
        }
    }
}
