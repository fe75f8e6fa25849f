//! Reverse lookup: the addresses nearest to a point, by an R-tree over the address points.

use crate::distance::{geodesic_metres, metres_lower_bound};
use geo::Coord;
use rstar::RTree;
use rstar::primitives::GeomWithData;

type PointEntry = GeomWithData<[f64; 2], u32>;

/// An R-tree of address points; ids are positions in the gazetteer.
#[derive(Debug, Clone, Default)]
pub struct ReverseIndex {
    tree: RTree<PointEntry>,
}

impl ReverseIndex {
    /// Indexes the points (bulk-loaded, O(n log n)).
    pub fn new(points: impl Iterator<Item = Coord>) -> ReverseIndex {
        let entries: Vec<PointEntry> = points
            .enumerate()
            .filter(|(_, p)| p.x.is_finite() && p.y.is_finite())
            .map(|(i, p)| GeomWithData::new([p.x, p.y], i as u32))
            .collect();
        ReverseIndex { tree: RTree::bulk_load(entries) }
    }

    /// Up to `k` addresses nearest to `p`, with their geodesic distance in metres, nearest first.
    ///
    /// The tree orders by degrees, which at any latitude but the equator stretch latitude against
    /// longitude; so candidates are taken until the degree distance alone (a lower bound on metres)
    /// exceeds the k-th best geodesic distance found, and then sorted by metres.
    pub fn nearest(&self, p: Coord, k: usize) -> Vec<(u32, f64)> {
        let mut found: Vec<(u32, f64)> = Vec::new();
        if k == 0 || !p.x.is_finite() || !p.y.is_finite() {
            return found;
        }
        for (e, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&[p.x, p.y]) {
            if found.len() >= k && metres_lower_bound(d2.sqrt(), p.y) > found[k - 1].1 {
                break;
            }
            let m = geodesic_metres(p, Coord { x: e.geom()[0], y: e.geom()[1] });
            let at = found.partition_point(|&(_, d)| d <= m);
            found.insert(at, (e.data, m));
            found.truncate(k);
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;

    #[test]
    fn nearest_in_metres() {
        // Id 2 is nearer in degrees (0.0009° < 0.00095°) but farther in metres (99.7 m > 97.7 m).
        let pts = [coord! { x: 114.0, y: 22.5 }, coord! { x: 114.00095, y: 22.5 }, coord! { x: 114.0, y: 22.5009 }];
        let index = ReverseIndex::new(pts.into_iter());
        let near = index.nearest(coord! { x: 114.0, y: 22.5 }, 3);
        assert_eq!(near.iter().map(|n| n.0).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert!((near[1].1 - 97.7).abs() < 0.5 && (near[2].1 - 99.7).abs() < 0.5, "{near:?}");
        assert!(index.nearest(coord! { x: f64::NAN, y: 0.0 }, 1).is_empty());
    }
}
