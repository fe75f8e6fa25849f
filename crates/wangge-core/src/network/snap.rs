//! Snapping a point onto the nearest walkable edge (not the nearest node): an R-tree of the edges'
//! segments in the network's local metric frame answers the nearest segment, and the foot of the
//! perpendicular gives the fraction along it and the off-network leg.

use super::graph::Network;
use crate::distance::geodesic_metres;
use geo::Coord;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};

type SegEntry = GeomWithData<Line<[f64; 2]>, u32>;

/// Where a point joins the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snapped {
    /// The edge it joins.
    pub edge: u32,
    /// Fraction along the edge from its end `a` (0) to `b` (1).
    pub t: f64,
    /// The joining point on the edge, lon/lat.
    pub at: Coord,
    /// The off-network leg: geodesic metres from the point to `at`.
    pub off_m: f64,
}

/// An R-tree of the network's edges for nearest-edge queries.
#[derive(Debug, Clone)]
pub struct EdgeIndex {
    tree: RTree<SegEntry>,
}

impl EdgeIndex {
    /// Indexes every edge of `net`.
    pub fn new(net: &Network) -> EdgeIndex {
        let entries: Vec<SegEntry> = net
            .edges()
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let (a, b) = (net.node_xy(e.a), net.node_xy(e.b));
                GeomWithData::new(Line::new([a.x, a.y], [b.x, b.y]), i as u32)
            })
            .collect();
        EdgeIndex { tree: RTree::bulk_load(entries) }
    }

    /// Snaps lon/lat `p` onto the nearest edge of `net` (which must be the network this index was
    /// built from). `None` for an empty network or a non-finite point.
    pub fn snap(&self, net: &Network, p: Coord) -> Option<Snapped> {
        if !(p.x.is_finite() && p.y.is_finite()) {
            return None;
        }
        let frame = net.frame();
        let q = frame.project(p);
        let hit = self.tree.nearest_neighbor(&[q.x, q.y])?;
        let e = hit.data;
        let edge = net.edge(e);
        let (a, b) = (net.node_xy(edge.a), net.node_xy(edge.b));
        let d = b - a;
        let len2 = d.x * d.x + d.y * d.y;
        let t = if len2 > 0.0 { (((q - a).x * d.x + (q - a).y * d.y) / len2).clamp(0.0, 1.0) } else { 0.0 };
        // Interpolate in lon/lat between the true node positions so t = 0 and 1 give them exactly.
        let (na, nb) = (net.nodes()[edge.a as usize], net.nodes()[edge.b as usize]);
        let at = Coord { x: na.x + (nb.x - na.x) * t, y: na.y + (nb.y - na.y) * t };
        Some(Snapped { edge: e, t, at, off_m: geodesic_metres(p, at) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;

    #[test]
    fn snaps_to_the_nearest_edge_not_the_nearest_node() {
        // A long east–west edge and a node-rich spur far away: the point is closest to the middle
        // of the long edge, though both of its ends are further than the spur's nodes would be.
        let long = [coord! { x: 114.0, y: 22.5 }, coord! { x: 114.01, y: 22.5 }];
        let spur = [coord! { x: 114.0, y: 22.5012 }, coord! { x: 114.0, y: 22.502 }];
        let net = Network::from_polylines([&long[..], &spur[..]]);
        let index = EdgeIndex::new(&net);
        let s = index.snap(&net, coord! { x: 114.005, y: 22.5005 }).unwrap();
        assert_eq!(s.edge, 0);
        assert!((s.t - 0.5).abs() < 1e-6, "{}", s.t);
        assert!((s.off_m - 55.3).abs() < 0.5, "0.0005° of latitude ≈ 55.3 m, got {}", s.off_m);
        assert!(index.snap(&net, coord! { x: f64::NAN, y: 0.0 }).is_none());
    }
}
