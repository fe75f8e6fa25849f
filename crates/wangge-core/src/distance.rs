//! Distances and areas in metres on the WGS 84 ellipsoid.
//!
//! Point-to-polygon distance finds the closest point in a local equirectangular frame centred on the
//! query point (good to well under 1 % within a city), then measures the geodesic distance to it, so
//! the figure reported is a true ground distance to a point on the boundary.

use geo::{Coord, Distance, Geodesic, MapCoords, MultiPolygon, Point, Rect};

/// Metres per degree of latitude (mean); only used to scale the local frame, never reported.
pub const METRES_PER_DEGREE: f64 = 111_320.0;

/// A local equirectangular frame: degrees in, metres out — the one metric frame of the core (network,
/// isochrones, rules, diff). Over a community or a street (a few km) the scale error is below 0.1 %, far
/// below any m² tolerance the rules use, and it keeps boolean operations in well-conditioned numbers.
#[derive(Debug, Clone, Copy)]
pub struct LocalFrame {
    origin: Coord,
    kx: f64,
}

impl LocalFrame {
    /// A frame centred on `origin`.
    pub fn at(origin: Coord) -> LocalFrame {
        LocalFrame { origin, kx: origin.y.to_radians().cos() * METRES_PER_DEGREE }
    }

    /// Planar metres east and north of the origin.
    pub fn project(&self, c: Coord) -> Coord {
        Coord { x: (c.x - self.origin.x) * self.kx, y: (c.y - self.origin.y) * METRES_PER_DEGREE }
    }

    /// Back from planar metres to degrees.
    pub fn unproject(&self, m: Coord) -> Coord {
        Coord { x: self.origin.x + m.x / self.kx, y: self.origin.y + m.y / METRES_PER_DEGREE }
    }

    /// The frame centred on `bbox` (what the rules and the diff use for areas of one parent or feature).
    pub fn around(bbox: Rect<f64>) -> LocalFrame {
        LocalFrame::at(bbox.center())
    }

    /// A multipolygon in the frame's metres.
    pub fn project_multipolygon(&self, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        mp.map_coords(|c| self.project(c))
    }

    /// A multipolygon back in degrees.
    pub fn unproject_multipolygon(&self, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        mp.map_coords(|c| self.unproject(c))
    }
}

/// Closest point to the origin (0, 0) on segment a–b, in the frame's metres.
fn closest_on_segment(a: Coord, b: Coord) -> Coord {
    let d = b - a;
    let len2 = d.x * d.x + d.y * d.y;
    if len2 == 0.0 {
        return a;
    }
    let t = (-(a.x * d.x + a.y * d.y) / len2).clamp(0.0, 1.0);
    a + d * t
}

/// The point of `edges` closest to `p` (degrees), and its geodesic distance in metres.
pub fn nearest_on_edges(p: Coord, edges: impl Iterator<Item = (Coord, Coord)>) -> Option<(Coord, f64)> {
    let frame = LocalFrame::at(p);
    let mut best: Option<(Coord, f64)> = None;
    for (a, b) in edges {
        let c = closest_on_segment(frame.project(a), frame.project(b));
        let d2 = c.x * c.x + c.y * c.y;
        if best.is_none_or(|(_, bd)| d2 < bd) {
            best = Some((c, d2));
        }
    }
    best.map(|(c, _)| {
        let q = frame.unproject(c);
        (q, geodesic_metres(p, q))
    })
}

/// Geodesic distance between two lon/lat points, in metres.
pub fn geodesic_metres(a: Coord, b: Coord) -> f64 {
    Geodesic.distance(Point(a), Point(b))
}

/// A lower bound, in metres, for the ground distance corresponding to a separation of `deg`
/// degrees near latitude `lat`: longitude degrees shrink with the cosine, latitude degrees do not.
pub fn metres_lower_bound(deg: f64, lat: f64) -> f64 {
    let lat = (lat.abs() + deg).min(89.9);
    deg * lat.to_radians().cos() * 110_574.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;

    #[test]
    fn distance_to_a_segment_matches_geodesic() {
        // A north–south segment 0.01° east of the point, at Shenzhen's latitude.
        let p = coord! { x: 114.0, y: 22.5 };
        let (q, d) =
            nearest_on_edges(p, [(coord! { x: 114.01, y: 22.4 }, coord! { x: 114.01, y: 22.6 })].into_iter()).unwrap();
        assert!((q.y - 22.5).abs() < 1e-6);
        let expected = geodesic_metres(p, coord! { x: 114.01, y: 22.5 });
        assert!((d - expected).abs() < 0.01, "{d} vs {expected}");
        assert!((d - 1028.0).abs() < 5.0, "0.01° of longitude at 22.5° N is about 1.03 km, got {d}");
    }

    #[test]
    fn lower_bound_is_below_the_true_distance() {
        for &(lat, dlon, dlat) in &[(22.5f64, 0.01f64, 0.0f64), (60.0, 0.0, 0.02), (45.0, 0.1, 0.1)] {
            let a = coord! { x: 10.0, y: lat };
            let b = coord! { x: 10.0 + dlon, y: lat + dlat };
            let deg = ((dlon * dlon) + (dlat * dlat)).sqrt();
            assert!(metres_lower_bound(deg, lat) <= geodesic_metres(a, b));
        }
    }

    #[test]
    fn a_thousandth_of_a_degree_square_near_shenzhen_is_about_11_400_m2_and_maps_back() {
        use geo::{Area, polygon};
        let sq = MultiPolygon(vec![
            polygon![(x: 114.0, y: 22.5), (x: 114.001, y: 22.5), (x: 114.001, y: 22.501), (x: 114.0, y: 22.501)],
        ]);
        let f = LocalFrame::around(Rect::new(Coord { x: 114.0, y: 22.5 }, Coord { x: 114.001, y: 22.501 }));
        let m2 = f.project_multipolygon(&sq).unsigned_area();
        // 111.32 m × 102.85 m (cos 22.5005°).
        assert!((m2 - 11_449.0).abs() < 5.0, "{m2}");
        let back = f.unproject_multipolygon(&f.project_multipolygon(&sq));
        assert!((back.unsigned_area() - sq.unsigned_area()).abs() < 1e-15);
    }
}
