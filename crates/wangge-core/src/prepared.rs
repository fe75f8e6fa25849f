//! A polygon prepared for fast, deterministic point location.
//!
//! # The boundary rule
//! A point is inside an area when a ray from it towards +x (east) crosses the area's rings an odd
//! number of times, where an edge counts as crossed when its lower end is at or below the point and
//! its upper end strictly above (half-open in y), and the edge passes strictly east of the point.
//! Holes and the parts of a multipolygon are simply more rings in the same count.
//!
//! The consequence is the one people can remember: **a point on the boundary between two areas
//! belongs to the area east of it, and on an east–west boundary to the area north of it.** Because
//! each edge is evaluated in a canonical orientation (lower end first), two neighbours that share an
//! edge — the same two vertices — evaluate it with bit-identical arithmetic, so every point of a
//! gap-free layer belongs to exactly one area, with no epsilon anywhere.
//!
//! # Speed
//! Edges are bucketed into horizontal bands, so a test only looks at the edges of the point's band.

use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon, Rect};

/// Where a point lies relative to an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// Strictly inside.
    Inside,
    /// Exactly on a ring.
    Boundary,
    /// Strictly outside.
    Outside,
}

/// One ring edge with its lower end first (by y, then x).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Edge {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Edge {
    fn new(a: Coord, b: Coord) -> Edge {
        if (a.y, a.x) <= (b.y, b.x) {
            Edge { x0: a.x, y0: a.y, x1: b.x, y1: b.y }
        } else {
            Edge { x0: b.x, y0: b.y, x1: a.x, y1: a.y }
        }
    }

    /// Twice the signed area of (lower, upper, p): positive when p is west of the upward edge.
    #[inline]
    fn side(&self, p: Coord) -> f64 {
        (self.x1 - self.x0) * (p.y - self.y0) - (self.y1 - self.y0) * (p.x - self.x0)
    }

    /// Whether the eastward ray from `p` crosses this edge under the half-open rule.
    #[inline]
    fn crossed_by_ray(&self, p: Coord) -> bool {
        self.y0 <= p.y && p.y < self.y1 && self.side(p) > 0.0
    }

    fn touches(&self, p: Coord) -> bool {
        p.y >= self.y0
            && p.y <= self.y1
            && p.x >= self.x0.min(self.x1)
            && p.x <= self.x0.max(self.x1)
            && self.side(p) == 0.0
    }
}

/// A (multi)polygon with its edges bucketed by latitude band.
#[derive(Debug, Clone)]
pub struct PreparedArea {
    bbox: Rect<f64>,
    band_y0: f64,
    band_scale: f64,
    band_start: Vec<u32>,
    band_edges: Vec<Edge>,
    edge_count: usize,
}

impl PreparedArea {
    /// Prepares `area`. Empty geometry gives an area that contains nothing.
    pub fn new(area: &MultiPolygon<f64>) -> PreparedArea {
        PreparedArea::from_polygons(area.iter())
    }

    /// Prepares the polygonal part of `g` as [`crate::snapshot::as_multipolygon`] sees it, without
    /// copying it into a multipolygon first (points and lines give an area that contains nothing).
    pub fn from_geometry(g: &Geometry<f64>) -> PreparedArea {
        match g {
            Geometry::Polygon(p) => PreparedArea::from_polygons(std::iter::once(p)),
            Geometry::MultiPolygon(mp) => PreparedArea::from_polygons(mp.iter()),
            Geometry::Rect(r) => PreparedArea::from_polygons(std::iter::once(&r.to_polygon())),
            _ => PreparedArea::from_polygons(std::iter::empty()),
        }
    }

    fn from_polygons<'a>(polygons: impl Iterator<Item = &'a Polygon<f64>>) -> PreparedArea {
        let mut edges = Vec::new();
        for polygon in polygons {
            push_ring_edges(polygon.exterior(), &mut edges);
            for hole in polygon.interiors() {
                push_ring_edges(hole, &mut edges);
            }
        }
        let bbox = bounding_rect(edges.iter().flat_map(|e| [(e.x0, e.y0), (e.x1, e.y1)]));
        // About four edges per band keeps a test to a handful of comparisons.
        let bands = (edges.len() / 4).clamp(1, 1024);
        let height = bbox.height();
        let band_scale = if height > 0.0 { bands as f64 / height } else { 0.0 };
        let band_y0 = bbox.min().y;
        let band_of = |y: f64| (((y - band_y0) * band_scale) as usize).min(bands - 1);

        let mut counts = vec![0u32; bands + 1];
        for e in &edges {
            for b in band_of(e.y0)..=band_of(e.y1) {
                counts[b + 1] += 1;
            }
        }
        for b in 0..bands {
            counts[b + 1] += counts[b];
        }
        let mut fill = counts.clone();
        let mut band_edges = vec![Edge { x0: 0.0, y0: 0.0, x1: 0.0, y1: 0.0 }; counts[bands] as usize];
        for e in &edges {
            for b in band_of(e.y0)..=band_of(e.y1) {
                band_edges[fill[b] as usize] = *e;
                fill[b] += 1;
            }
        }
        PreparedArea { bbox, band_y0, band_scale, band_start: counts, band_edges, edge_count: edges.len() }
    }

    /// Bounding box of the area.
    pub fn bbox(&self) -> Rect<f64> {
        self.bbox
    }

    /// Number of ring edges.
    pub fn edge_count(&self) -> usize {
        self.edge_count
    }

    fn band(&self, y: f64) -> &[Edge] {
        let bands = self.band_start.len() - 1;
        let b = (((y - self.band_y0) * self.band_scale) as usize).min(bands - 1);
        &self.band_edges[self.band_start[b] as usize..self.band_start[b + 1] as usize]
    }

    fn in_bbox(&self, p: Coord) -> bool {
        let (min, max) = (self.bbox.min(), self.bbox.max());
        p.x >= min.x && p.x <= max.x && p.y >= min.y && p.y <= max.y
    }

    /// Whether `p` belongs to the area under the half-open rule of this module.
    #[inline]
    pub fn contains(&self, p: Coord) -> bool {
        self.odd_crossings(p, |e| e.crossed_by_ray(p))
    }

    /// Whether `p` is in the bounding box and an odd number of the edges in its band satisfy
    /// `crosses`: the even–odd test shared by both rules.
    #[inline]
    fn odd_crossings(&self, p: Coord, crosses: impl Fn(&Edge) -> bool) -> bool {
        self.in_bbox(p) && self.band(p.y).iter().filter(|e| crosses(e)).count() % 2 == 1
    }

    /// Whether `p` belongs to the area under the mirrored rule: the half-open rule with the ray
    /// towards −x (west) and the open end at the bottom, i.e. the rule of this module applied to
    /// the layer rotated by 180°. Under it a shared edge goes west/south instead of east/north, so a
    /// point the two rules disagree on for a gap-free layer lies on the layer's outer edge.
    #[inline]
    pub fn contains_mirrored(&self, p: Coord) -> bool {
        // The same canonical edge as `contains` (so neighbours agree bit for bit), with the
        // half-open interval and the side reversed.
        self.odd_crossings(p, |e| e.y0 < p.y && p.y <= e.y1 && e.side(p) < 0.0)
    }

    /// Whether `p` lies exactly on one of the area's rings.
    pub fn on_ring(&self, p: Coord) -> bool {
        self.in_bbox(p) && self.band(p.y).iter().any(|e| e.touches(p))
    }

    /// Classifies `p` as inside, on a ring, or outside (topological, not the half-open rule).
    pub fn locate(&self, p: Coord) -> Location {
        if !self.in_bbox(p) {
            return Location::Outside;
        }
        let band = self.band(p.y);
        if band.iter().any(|e| e.touches(p)) {
            return Location::Boundary;
        }
        if band.iter().filter(|e| e.crossed_by_ray(p)).count() % 2 == 1 { Location::Inside } else { Location::Outside }
    }

    /// Every distinct edge once, lower end first.
    pub fn edges(&self) -> impl Iterator<Item = (Coord, Coord)> + '_ {
        // An edge spanning several bands is stored once per band; yield it only from its first band.
        let bands = self.band_start.len() - 1;
        (0..bands).flat_map(move |b| {
            let slice = &self.band_edges[self.band_start[b] as usize..self.band_start[b + 1] as usize];
            slice
                .iter()
                .filter(move |e| {
                    let first = (((e.y0 - self.band_y0) * self.band_scale) as usize).min(bands - 1);
                    first == b
                })
                .map(|e| (Coord { x: e.x0, y: e.y0 }, Coord { x: e.x1, y: e.y1 }))
        })
    }
}

fn push_ring_edges(ring: &LineString<f64>, out: &mut Vec<Edge>) {
    for w in ring.0.windows(2) {
        if w[0] != w[1] {
            out.push(Edge::new(w[0], w[1]));
        }
    }
}

fn bounding_rect(points: impl Iterator<Item = (f64, f64)>) -> Rect<f64> {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for (x, y) in points {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        return Rect::new(Coord { x: f64::NAN, y: f64::NAN }, Coord { x: f64::NAN, y: f64::NAN });
    }
    Rect::new(Coord { x: x0, y: y0 }, Coord { x: x1, y: y1 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, polygon};

    fn square(x: f64, y: f64, s: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x, y: y), (x: x + s, y: y), (x: x + s, y: y + s), (x: x, y: y + s), (x: x, y: y)],
        ])
    }

    #[test]
    fn inside_outside_and_hole() {
        let with_hole = MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)]),
            vec![LineString::from(vec![(4.0, 4.0), (4.0, 6.0), (6.0, 6.0), (6.0, 4.0), (4.0, 4.0)])],
        )]);
        let a = PreparedArea::new(&with_hole);
        assert!(a.contains(coord! { x: 1.0, y: 1.0 }));
        assert!(!a.contains(coord! { x: 5.0, y: 5.0 }), "inside the hole");
        assert!(!a.contains(coord! { x: 11.0, y: 5.0 }));
        assert_eq!(a.locate(coord! { x: 5.0, y: 5.0 }), Location::Outside);
        assert_eq!(a.locate(coord! { x: 4.0, y: 5.0 }), Location::Boundary);
        assert_eq!(a.locate(coord! { x: 2.0, y: 5.0 }), Location::Inside);
    }

    #[test]
    fn multipolygon_parts_both_count() {
        let mut parts = square(0.0, 0.0, 1.0);
        parts.0.extend(square(5.0, 5.0, 1.0));
        let a = PreparedArea::new(&parts);
        assert!(a.contains(coord! { x: 0.5, y: 0.5 }));
        assert!(a.contains(coord! { x: 5.5, y: 5.5 }));
        assert!(!a.contains(coord! { x: 3.0, y: 3.0 }));
    }

    #[test]
    fn shared_edges_and_vertices_belong_to_exactly_one_square() {
        // A 3×3 tiling of unit squares; every probe on an edge or a vertex must land in one square.
        let squares: Vec<PreparedArea> =
            (0..9).map(|i| PreparedArea::new(&square((i % 3) as f64, (i / 3) as f64, 1.0))).collect();
        for ix in 0..=12 {
            for iy in 0..=12 {
                let p = coord! { x: 0.25 * ix as f64, y: 0.25 * iy as f64 };
                let owners: Vec<usize> = (0..9).filter(|&i| squares[i].contains(p)).collect();
                let on_outer_east_or_north = p.x == 3.0 || p.y == 3.0;
                if on_outer_east_or_north {
                    assert!(owners.is_empty(), "{p:?} on the outer east/north edge: {owners:?}");
                } else {
                    assert_eq!(owners.len(), 1, "{p:?} owned by {owners:?}");
                }
            }
        }
        // The documented rule: a point on a north–south edge goes east, on an east–west edge north.
        assert!(squares[1].contains(coord! { x: 1.0, y: 0.5 }));
        assert!(squares[3].contains(coord! { x: 0.5, y: 1.0 }));
        assert!(squares[4].contains(coord! { x: 1.0, y: 1.0 }));
    }

    #[test]
    fn shared_slanted_edge_with_reversed_ring_direction() {
        // Two triangles sharing the diagonal, one ring clockwise, one counter-clockwise.
        let a = PreparedArea::new(&MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 0.3, y: 0.0), (x: 0.3, y: 0.7), (x: 0.0, y: 0.0)],
        ]));
        let b = PreparedArea::new(&MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 0.0, y: 0.7), (x: 0.3, y: 0.7), (x: 0.0, y: 0.0)],
        ]));
        for i in 1..1000 {
            let t = i as f64 / 1000.0;
            let p = coord! { x: 0.3 * t, y: 0.7 * t };
            assert!(a.contains(p) ^ b.contains(p), "diagonal point {p:?} must belong to exactly one");
        }
    }

    #[test]
    fn the_mirrored_rule_gives_shared_edges_west_and_south() {
        let squares: Vec<PreparedArea> =
            (0..4).map(|i| PreparedArea::new(&square((i % 2) as f64, (i / 2) as f64, 1.0))).collect();
        assert!(squares[0].contains_mirrored(coord! { x: 1.0, y: 0.5 }));
        assert!(!squares[1].contains_mirrored(coord! { x: 1.0, y: 0.5 }));
        assert!(squares[0].contains_mirrored(coord! { x: 0.5, y: 1.0 }));
        // The west and south outer edges belong to nobody under the mirrored rule.
        assert!((0..4).all(|i| !squares[i].contains_mirrored(coord! { x: 0.0, y: 0.5 })));
        assert!((0..4).all(|i| !squares[i].contains_mirrored(coord! { x: 0.5, y: 0.0 })));
        assert!(squares[3].contains_mirrored(coord! { x: 2.0, y: 2.0 }));
    }

    #[test]
    fn edges_are_listed_once() {
        let a = PreparedArea::new(&square(0.0, 0.0, 1.0));
        assert_eq!(a.edges().count(), 4);
        assert_eq!(a.edge_count(), 4);
    }
}
