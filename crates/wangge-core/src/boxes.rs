//! The bounding boxes of one layer's areas, packed for queries by box and by distance.
//!
//! Why not `rstar`, which the rest of the core uses for trees it builds per request: this tree is
//! built once per layer and kept for the life of a snapshot, and at a million grids its per-box
//! cost is what counts. An `rstar` leaf of a box and an id sits in a node enum of 64 bytes; a
//! packed Hilbert R-tree (`static_aabb2d_index`, a port of flatbush) keeps each box in 32 bytes
//! plus its position, with the nodes above adding one sixteenth. The tree is immutable, which is
//! all a snapshot needs.

use geo::{Coord, Rect};
use static_aabb2d_index::{Control, NeighborPriorityQueue, StaticAABB2DIndex, StaticAABB2DIndexBuilder};
use std::cell::RefCell;

thread_local! {
    /// The queue of [`AreaBoxes::by_distance`], kept per thread: a batch asks it for every point
    /// outside the layer, and a queue allocated per call made the batch's threads queue on the
    /// allocator instead.
    static QUEUE: RefCell<NeighborPriorityQueue<f64>> = const { RefCell::new(NeighborPriorityQueue::new()) };
}

/// The boxes of a layer's areas (ids are positions in the layer); areas without a ring have no
/// box and are never found.
#[derive(Debug, Clone)]
pub struct AreaBoxes {
    tree: Option<StaticAABB2DIndex<f64>>,
    /// The area id of each box, in the order they were added, when some area had no box (the
    /// tree gives positions among the boxes added); `None` when every area has one, as is usual.
    ids: Option<Vec<u32>>,
}

impl AreaBoxes {
    /// Packs `boxes` (one per area, in id order; a box with a NaN corner means no ring).
    pub fn new(boxes: &[Rect<f64>]) -> AreaBoxes {
        let has_box = |b: &Rect<f64>| !(b.min().x.is_nan() || b.min().y.is_nan());
        let count = boxes.iter().filter(|b| has_box(b)).count();
        let ids =
            (count < boxes.len()).then(|| (0..boxes.len() as u32).filter(|&i| has_box(&boxes[i as usize])).collect());
        if count == 0 {
            return AreaBoxes { tree: None, ids };
        }
        let mut builder = StaticAABB2DIndexBuilder::new(count);
        for b in boxes.iter().filter(|b| has_box(b)) {
            builder.add(b.min().x, b.min().y, b.max().x, b.max().y);
        }
        // Building fails only when fewer or more boxes were added than announced (it cannot
        // here); degenerate and infinite boxes build and are found like any other.
        let tree = builder.build().expect("as many boxes as counted, all finite");
        AreaBoxes { tree: Some(tree), ids }
    }

    fn id(&self, position: usize) -> u32 {
        match &self.ids {
            Some(ids) => ids[position],
            None => position as u32,
        }
    }

    /// Ids of the areas whose box intersects `bbox` (edges touching count), in no set order.
    pub fn intersecting(&self, bbox: Rect<f64>) -> Vec<u32> {
        let Some(tree) = &self.tree else { return Vec::new() };
        let mut found = Vec::new();
        let mut visit = |position: usize| {
            found.push(self.id(position));
            Control::<()>::Continue
        };
        tree.visit_query(bbox.min().x, bbox.min().y, bbox.max().x, bbox.max().y, &mut visit);
        found
    }

    /// Ids of the areas whose box holds `p` (on its edge included).
    pub fn at(&self, p: Coord) -> Vec<u32> {
        self.intersecting(Rect::new(p, p))
    }

    /// Visits the areas in order of their box's squared distance in degrees from `p` (0 inside),
    /// until `visit` returns `false`.
    pub fn by_distance(&self, p: Coord, mut visit: impl FnMut(u32, f64) -> bool) {
        let Some(tree) = &self.tree else { return };
        let mut visitor = |position: usize, d2: f64| {
            if visit(self.id(position), d2) { Control::Continue } else { Control::Break(()) }
        };
        QUEUE.with(|queue| match queue.try_borrow_mut() {
            Ok(mut queue) => tree.visit_neighbors_with_queue(p.x, p.y, &mut visitor, &mut queue),
            // Only when `visit` itself searches by distance: that inner search brings its own.
            Err(_) => tree.visit_neighbors(p.x, p.y, &mut visitor),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Rect<f64> {
        Rect::new(Coord { x: x0, y: y0 }, Coord { x: x1, y: y1 })
    }

    fn none() -> Rect<f64> {
        rect(f64::NAN, f64::NAN, f64::NAN, f64::NAN)
    }

    #[test]
    fn finds_by_box_and_by_distance_with_ids_of_the_layer() {
        // Ids 1 and 3 have no ring: the others keep their own ids.
        let boxes = [rect(0.0, 0.0, 1.0, 1.0), none(), rect(2.0, 0.0, 3.0, 1.0), none(), rect(0.5, 0.5, 2.5, 2.0)];
        let index = AreaBoxes::new(&boxes);
        let mut hit = index.intersecting(rect(0.9, 0.9, 2.1, 0.95));
        hit.sort_unstable();
        assert_eq!(hit, vec![0, 2, 4]);
        let mut at = index.at(Coord { x: 1.0, y: 1.0 });
        at.sort_unstable();
        assert_eq!(at, vec![0, 4], "a point on a box's corner is in it");
        let mut order = Vec::new();
        index.by_distance(Coord { x: 5.0, y: 0.5 }, |id, d2| {
            order.push((id, d2));
            true
        });
        assert_eq!(order, vec![(2, 4.0), (4, 6.25), (0, 16.0)]);
        let mut first = Vec::new();
        index.by_distance(Coord { x: 5.0, y: 0.5 }, |id, _| {
            first.push(id);
            false
        });
        assert_eq!(first, vec![2], "stops when told");
    }

    #[test]
    fn a_layer_without_rings_finds_nothing() {
        for boxes in [vec![], vec![none(), none()]] {
            let index = AreaBoxes::new(&boxes);
            assert!(index.intersecting(rect(-1e9, -1e9, 1e9, 1e9)).is_empty());
            index.by_distance(Coord { x: 0.0, y: 0.0 }, |_, _| panic!("no box to visit"));
        }
    }

    #[test]
    fn matches_a_scan_on_a_jittered_grid() {
        // Boxes of a 40 × 40 grid with some overlap; every query checked against a plain scan.
        let boxes: Vec<Rect<f64>> = (0..1600)
            .map(|i| {
                let (x, y) = ((i % 40) as f64, (i / 40) as f64);
                let w = 1.0 + ((i * 7919) % 13) as f64 / 10.0;
                rect(x, y, x + w, y + w * 0.5)
            })
            .collect();
        let index = AreaBoxes::new(&boxes);
        for q in 0..200 {
            let (x, y) = ((q * 37 % 41) as f64 + 0.3, (q * 53 % 43) as f64 - 0.7);
            let query = rect(x, y, x + (q % 5) as f64, y + (q % 3) as f64);
            let mut got = index.intersecting(query);
            got.sort_unstable();
            let want: Vec<u32> = (0..boxes.len() as u32)
                .filter(|&i| {
                    let b = boxes[i as usize];
                    b.min().x <= query.max().x
                        && query.min().x <= b.max().x
                        && b.min().y <= query.max().y
                        && query.min().y <= b.max().y
                })
                .collect();
            assert_eq!(got, want, "query {query:?}");
            let mut last = 0.0;
            let mut seen = 0;
            index.by_distance(Coord { x, y }, |_, d2| {
                assert!(d2 >= last, "visited in order of distance");
                last = d2;
                seen += 1;
                true
            });
            assert_eq!(seen, boxes.len());
        }
    }
}
