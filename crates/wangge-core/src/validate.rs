//! Geometry checks for one feature: type for its layer, finite and in-range coordinates, and
//! simple, well-formed rings (no self-intersection, holes inside shells).

use super::model::{GeometryKind, Layer};
use super::problem::{Problem, Rule, pos};
use geo::line_intersection::{LineIntersection, line_intersection};
use geo::validation::{InvalidPolygon, RingRole};
use geo::{Coord, CoordsIter, Geometry, Line, LineString, Polygon, Validation};
use rstar::RTree;
use rstar::primitives::GeomWithData;

/// Checks `geometry` for `layer`; every problem found, tagged with `index` and `code`.
pub fn check_geometry(layer: Layer, index: usize, code: Option<&str>, geometry: &Geometry<f64>) -> Vec<Problem> {
    let problem = |rule| Problem::new(Some(index), code, rule);
    let mut out = Vec::new();
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
    let mut ring_base = 0;
    for polygon in polygons {
        out.extend(check_polygon(polygon, ring_base).into_iter().map(problem));
        ring_base += 1 + polygon.interiors().len();
    }
    // Overlapping parts would cancel out under the even-odd lookup rule and become a hole.
    if let Geometry::MultiPolygon(mp) = geometry
        && out.is_empty()
    {
        use geo::validation::InvalidMultiPolygon;
        for e in mp.validation_errors() {
            if let InvalidMultiPolygon::ElementsOverlaps(a, b) | InvalidMultiPolygon::ElementsTouchOnALine(a, b) = &e {
                let detail = format!("polygons {} and {} of the multipolygon: {e}", a.0, b.0);
                out.push(problem(Rule::InvalidRings { detail }));
            }
        }
    }
    out
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
    polygon
        .validation_errors()
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
        .collect()
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
}
