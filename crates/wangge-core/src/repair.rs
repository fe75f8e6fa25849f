//! Making invalid polygons valid, for `wangge import --repair` and `wangge check --repair`.
//!
//! # The method
//! Each ring on its own is resolved by `geo`'s boolean operations (i_overlay) under the even–odd
//! fill rule: a ring that crosses itself becomes the valid polygon(s) covering the points it
//! encloses an odd number of times — a bow tie becomes its two triangles, a loop that doubles back
//! leaves out the doubled part. That is also exactly the set of points wangge's half-open even–odd
//! lookup ([`crate::prepared`]) already gives the unrepaired shape, so repair does not move any
//! lookup answer inside the feature. Then, per polygon, the holes (each resolved the same way and
//! unioned) are subtracted from the shell, and the parts of a multipolygon are unioned, so parts that
//! overlapped become one area instead of cancelling out.
//!
//! Areas before and after are reported on the WGS 84 ellipsoid ([`crate::distance::geodesic_area_m2`]);
//! "before" is the shoelace area of the rings as given (for a crossing ring, lobes of opposite
//! direction partly cancel — which is why the two numbers differ).

use crate::distance::{geodesic_area_m2, geodesic_polygon_area_m2};
use crate::snapshot::as_multipolygon;
use geo::{BooleanOps, Geometry, LineString, MultiPolygon, Polygon, Validation};

/// One repaired feature: its new geometry and its area before and after, m².
#[derive(Debug, Clone, PartialEq)]
pub struct Repaired {
    /// The valid geometry (a Polygon when one part remains, else a MultiPolygon).
    pub geometry: Geometry<f64>,
    /// Area of the geometry as given, m² (signed ring areas summed, shells minus holes).
    pub area_before_m2: f64,
    /// Area of the repaired geometry, m².
    pub area_after_m2: f64,
}

/// Repairs a polygonal geometry that is not valid; `None` when it is valid already, is not
/// polygonal, or repair leaves nothing (a ring with no area).
pub fn repair_area(g: &Geometry<f64>) -> Option<Repaired> {
    if !matches!(g, Geometry::Polygon(_) | Geometry::MultiPolygon(_)) || g.is_valid() {
        return None;
    }
    let mp = as_multipolygon(g);
    let mut result = MultiPolygon::<f64>::new(vec![]);
    for p in &mp {
        let shell = resolve_ring(p.exterior());
        let holes = p.interiors().iter().fold(MultiPolygon::new(vec![]), |acc, h| acc.union(&resolve_ring(h)));
        result = result.union(&shell.difference(&holes));
    }
    if result.0.is_empty() {
        return None;
    }
    let area_before_m2 = mp.0.iter().map(as_given_area_m2).sum();
    let area_after_m2 = geodesic_area_m2(&result);
    let geometry =
        if result.0.len() == 1 { Geometry::Polygon(result.0.remove(0)) } else { Geometry::MultiPolygon(result) };
    Some(Repaired { geometry, area_before_m2, area_after_m2 })
}

/// One ring as the valid polygons covering what it encloses an odd number of times.
fn resolve_ring(ring: &LineString<f64>) -> MultiPolygon<f64> {
    // A boolean operation with an empty operand rebuilds the subject under the even–odd rule.
    MultiPolygon(vec![Polygon::new(ring.clone(), vec![])]).union(&MultiPolygon::new(vec![]))
}

/// The area the rings claim as given: the shoelace area of the shell minus its holes.
fn as_given_area_m2(p: &Polygon<f64>) -> f64 {
    geodesic_polygon_area_m2(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn a_bow_tie_becomes_its_two_triangles() {
        let bow = Geometry::Polygon(polygon![
            (x: 114.0, y: 22.5), (x: 114.002, y: 22.502), (x: 114.002, y: 22.5), (x: 114.0, y: 22.502), (x: 114.0, y: 22.5)
        ]);
        assert!(!bow.is_valid());
        let r = repair_area(&bow).unwrap();
        assert!(r.geometry.is_valid());
        let Geometry::MultiPolygon(mp) = &r.geometry else { panic!("{:?}", r.geometry) };
        assert_eq!(mp.0.len(), 2);
        // The two lobes cancel in the ring as given; repaired, they are half the 0.002° square.
        assert!(r.area_before_m2 < 1.0, "{}", r.area_before_m2);
        assert!((r.area_after_m2 - 0.5 * 45_577.0).abs() < 30.0, "{}", r.area_after_m2);
    }

    #[test]
    fn valid_and_point_geometries_are_left_alone() {
        let square = Geometry::Polygon(polygon![
            (x: 114.0, y: 22.5), (x: 114.001, y: 22.5), (x: 114.001, y: 22.501), (x: 114.0, y: 22.501), (x: 114.0, y: 22.5)
        ]);
        assert!(repair_area(&square).is_none());
        assert!(repair_area(&Geometry::Point(geo::Point::new(114.0, 22.5))).is_none());
    }

    #[test]
    fn overlapping_parts_are_unioned() {
        let a =
            polygon![(x: 0.0, y: 0.0), (x: 0.002, y: 0.0), (x: 0.002, y: 0.002), (x: 0.0, y: 0.002), (x: 0.0, y: 0.0)];
        let b = polygon![(x: 0.001, y: 0.0), (x: 0.003, y: 0.0), (x: 0.003, y: 0.002), (x: 0.001, y: 0.002), (x: 0.001, y: 0.0)];
        let r = repair_area(&Geometry::MultiPolygon(MultiPolygon(vec![a, b]))).unwrap();
        assert!(matches!(r.geometry, Geometry::Polygon(_)) && r.geometry.is_valid());
        assert!((r.area_after_m2 / r.area_before_m2 - 0.75).abs() < 1e-3);
    }
}
