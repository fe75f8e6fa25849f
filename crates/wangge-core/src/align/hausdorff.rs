//! The Hausdorff distance between two areas' boundaries, in metres: the farthest any point of one
//! boundary is from the other boundary, either way.
//!
//! Not the vertex-only (discrete) version: a long edge can bow away from the other boundary between
//! its ends. Each edge is bounded instead. The distance to one segment S is convex along a straight
//! edge, so on an edge whose two ends have S as nearest segment, the distance never exceeds its value
//! at the ends; the minimum over all segments is at most that. An edge whose upper bound exceeds its
//! ends' distances by more than the tolerance is halved and tried again. Edges lying on the other
//! boundary (shared edges) and edges parallel to it (a shifted copy) settle at once.

use crate::distance::LocalFrame;
use geo::{BoundingRect, Coord, MultiPolygon};
use rstar::primitives::Line;
use rstar::{PointDistance, RTree};

/// What the answer may be short of the true distance, metres.
const TOLERANCE_M: f64 = 0.01;
/// Halvings per edge at most (2⁻²⁰ of an edge is far below the tolerance for any real edge).
const MAX_DEPTH: u32 = 20;

/// Hausdorff distance between the boundaries of `a` and `b`, metres (`None` if either is empty).
pub fn boundary_hausdorff_m(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> Option<f64> {
    let (ra, rb) = (a.bounding_rect()?, b.bounding_rect()?);
    let centre = Coord { x: (ra.center().x + rb.center().x) / 2.0, y: (ra.center().y + rb.center().y) / 2.0 };
    let frame = LocalFrame::at(centre);
    let (sa, sb) = (segments(a, &frame), segments(b, &frame));
    if sa.is_empty() || sb.is_empty() {
        return None;
    }
    let (ta, tb) = (RTree::bulk_load(sa.clone()), RTree::bulk_load(sb.clone()));
    Some(directed(&sa, &tb).max(directed(&sb, &ta)))
}

/// Boundary segments of every ring, in the frame's metres.
fn segments(mp: &MultiPolygon<f64>, frame: &LocalFrame) -> Vec<Line<[f64; 2]>> {
    let mut out = Vec::new();
    for poly in &mp.0 {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            for w in ring.0.windows(2) {
                let (p, q) = (frame.project(w[0]), frame.project(w[1]));
                if p != q {
                    out.push(Line::new([p.x, p.y], [q.x, q.y]));
                }
            }
        }
    }
    out
}

/// Farthest distance from a point of `from` to the segments in `to`.
fn directed(from: &[Line<[f64; 2]>], to: &RTree<Line<[f64; 2]>>) -> f64 {
    let mut best = 0.0_f64;
    for s in from {
        best = best.max(edge_max(s.from, s.to, to, 0));
    }
    best
}

/// Farthest distance from a point of edge p–q to `to`, within [`TOLERANCE_M`].
fn edge_max(p: [f64; 2], q: [f64; 2], to: &RTree<Line<[f64; 2]>>, depth: u32) -> f64 {
    let (Some(np), Some(nq)) = (to.nearest_neighbor(&p), to.nearest_neighbor(&q)) else { return 0.0 };
    let (dp, dq) = (np.distance_2(&p).sqrt(), nq.distance_2(&q).sqrt());
    let lower = dp.max(dq);
    // Convexity: along p–q the distance to np is at most its larger end value; likewise nq.
    let upper = np.distance_2(&q).sqrt().max(dp).min(nq.distance_2(&p).sqrt().max(dq));
    if upper - lower <= TOLERANCE_M || depth >= MAX_DEPTH {
        return lower;
    }
    let m = [(p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0];
    edge_max(p, m, to, depth + 1).max(edge_max(m, q, to, depth + 1))
}
