//! Spatial index of one area layer: an R-tree of bounding boxes, a cell grid for the common case,
//! and prepared polygons for exact answers.

use super::cells::{CellAnswer, CellGrid};
use super::distance::{metres_lower_bound, nearest_on_edges};
use super::prepared::{Location, PreparedArea};
use geo::{Coord, MultiPolygon, Rect};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

type BoxEntry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// The answer to "which area holds this point".
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Hit {
    /// The area that owns the point under the boundary rule of [`super::prepared`].
    Inside(u32),
    /// The point lies on the outer edge of the layer — any side. On the east and north edges no
    /// area owns it under the half-open rule, and it is given to the area whose boundary it
    /// touches (the lowest id if several); on the west and south edges it is the owning area.
    OnOuterBoundary(u32),
    /// No area holds the point.
    Outside,
}

/// The nearest area to a point outside the layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nearest {
    /// The area's id.
    pub id: u32,
    /// Geodesic distance to its boundary, in metres.
    pub metres: f64,
    /// The closest boundary point (lon, lat).
    pub at: Coord,
}

/// An immutable index over the areas of one layer; ids are positions in the input slice.
#[derive(Debug, Clone)]
pub struct AreaIndex {
    areas: Vec<PreparedArea>,
    tree: RTree<BoxEntry>,
    cells: Option<CellGrid>,
}

impl AreaIndex {
    /// Indexes `areas`. Building is O(edges + cells); the cell count scales with the edge count.
    pub fn new(areas: &[MultiPolygon<f64>]) -> AreaIndex {
        AreaIndex::from_prepared(areas.par_iter().map(PreparedArea::new).collect())
    }

    /// Indexes areas already prepared (e.g. with [`PreparedArea::from_geometry`], which needs no
    /// copy of each geometry); ids are positions in `prepared`.
    pub fn from_prepared(prepared: Vec<PreparedArea>) -> AreaIndex {
        AreaIndex::from_prepared_with(prepared, None)
    }

    /// Like [`AreaIndex::from_prepared`], with the cell grid `cached` when one built earlier for
    /// exactly these areas is at hand (see [`crate::index_cache`]): the grid is the costly part to
    /// build, the boxes' R-tree is not.
    pub fn from_prepared_with(prepared: Vec<PreparedArea>, cached: Option<CellGrid>) -> AreaIndex {
        let entries: Vec<BoxEntry> = prepared
            .iter()
            .enumerate()
            .filter(|(_, a)| !a.bbox().min().x.is_nan())
            .map(|(i, a)| {
                let (min, max) = (a.bbox().min(), a.bbox().max());
                GeomWithData::new(Rectangle::from_corners([min.x, min.y], [max.x, max.y]), i as u32)
            })
            .collect();
        // The R-tree is loaded on one thread while the cell grid is built on the others.
        let build_cells = || {
            if cached.is_some() {
                return cached;
            }
            let edges: usize = prepared.iter().map(PreparedArea::edge_count).sum();
            extent(&prepared).map(|ext| {
                // Sixty-four cells per edge leaves few points in mixed cells; capped to bound memory (≤ 16 MB).
                CellGrid::build(&prepared, ext, (edges * 64).clamp(1024, 4_000_000))
            })
        };
        let (tree, cells) = rayon::join(|| RTree::bulk_load(entries), build_cells);
        AreaIndex { areas: prepared, tree, cells }
    }

    /// Number of areas.
    pub fn len(&self) -> usize {
        self.areas.len()
    }

    /// Whether there are no areas.
    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }

    /// The prepared area with this id.
    pub fn area(&self, id: u32) -> &PreparedArea {
        &self.areas[id as usize]
    }

    /// The area owning `p` under the half-open rule, or `None`. The hot path: no allocation.
    #[inline]
    pub fn owner(&self, p: Coord) -> Option<u32> {
        let Some(cells) = &self.cells else { return None };
        match cells.answer(p) {
            CellAnswer::Empty => None,
            CellAnswer::Covered(id) => Some(id),
            CellAnswer::Candidates(ids) => ids.iter().copied().find(|&id| self.areas[id as usize].contains(p)),
        }
    }

    /// Where `p` falls: owned by an area, on the layer's outer edge, or outside.
    pub fn locate(&self, p: Coord) -> Hit {
        if let Some(id) = self.owner(p) {
            // The half-open rule owns the west and south outer edges, so those are found by the
            // mirrored rule instead: a point on a ring that the mirrored rule gives to no area has
            // nothing west (or south) of it. Interior points never touch a ring, so the common
            // case costs one band scan.
            if self.areas[id as usize].on_ring(p)
                && !self.candidates_at(p).into_iter().any(|c| self.areas[c as usize].contains_mirrored(p))
            {
                return Hit::OnOuterBoundary(id);
            }
            return Hit::Inside(id);
        }
        let on_edge = self
            .candidates_at(p)
            .into_iter()
            .filter(|&id| self.areas[id as usize].locate(p) == Location::Boundary)
            .min();
        match on_edge {
            Some(id) => Hit::OnOuterBoundary(id),
            None => Hit::Outside,
        }
    }

    fn candidates_at(&self, p: Coord) -> Vec<u32> {
        let env = AABB::from_point([p.x, p.y]);
        self.tree.locate_in_envelope_intersecting(&env).map(|e| e.data).collect()
    }

    /// Ids of areas whose bounding box intersects `bbox`, ascending.
    pub fn ids_in_bbox(&self, bbox: Rect<f64>) -> Vec<u32> {
        let env = AABB::from_corners([bbox.min().x, bbox.min().y], [bbox.max().x, bbox.max().y]);
        let mut ids: Vec<u32> = self.tree.locate_in_envelope_intersecting(&env).map(|e| e.data).collect();
        ids.sort_unstable();
        ids
    }

    /// The area whose boundary is closest to `p`, with the ground distance in metres.
    pub fn nearest(&self, p: Coord) -> Option<Nearest> {
        let mut best: Option<Nearest> = None;
        for (entry, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&[p.x, p.y]) {
            if let Some(b) = best
                && metres_lower_bound(d2.sqrt(), p.y) > b.metres
            {
                break;
            }
            let id = entry.data;
            if let Some((at, metres)) = nearest_on_edges(p, self.areas[id as usize].edges())
                && best.is_none_or(|b| metres < b.metres)
            {
                best = Some(Nearest { id, metres, at });
            }
        }
        best
    }

    /// The cell grid, when the layer has any area (what [`crate::index_cache`] keeps).
    pub fn cells(&self) -> Option<&CellGrid> {
        self.cells.as_ref()
    }

    /// Share of the cell grid answered without a polygon test, for diagnostics.
    pub fn covered_cell_share(&self) -> f64 {
        self.cells.as_ref().map_or(0.0, |c| c.stats().2)
    }
}

fn extent(areas: &[PreparedArea]) -> Option<Rect<f64>> {
    let mut it = areas.iter().map(PreparedArea::bbox).filter(|b| !b.min().x.is_nan());
    let first = it.next()?;
    Some(it.fold(first, |acc, b| {
        Rect::new(
            Coord { x: acc.min().x.min(b.min().x), y: acc.min().y.min(b.min().y) },
            Coord { x: acc.max().x.max(b.max().x), y: acc.max().y.max(b.max().y) },
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, polygon};

    fn tiles(n: usize) -> Vec<MultiPolygon<f64>> {
        // A power of two, so that shared edges computed from different tiles are bit-identical.
        tiles_of(n, 1.0 / 1024.0)
    }

    fn tiles_of(n: usize, s: f64) -> Vec<MultiPolygon<f64>> {
        (0..n * n)
            .map(|i| {
                let (x, y) = (114.0 + (i % n) as f64 * s, 22.5 + (i / n) as f64 * s);
                MultiPolygon(vec![
                    polygon![(x: x, y: y), (x: x + s, y: y), (x: x + s, y: y + s), (x: x, y: y + s), (x: x, y: y)],
                ])
            })
            .collect()
    }

    #[test]
    fn cell_answers_agree_with_plain_polygon_tests() {
        // Tiles of 0.001° do not share bit-identical edges (0.5 + 0.001 + 0.001 ≠ 0.5 + 0.002), which
        // is the hard case for the cell grid; exact tiles are the easy one.
        for areas in [tiles(7), tiles_of(7, 0.001)] {
            agree_with_plain_tests(&areas);
        }
    }

    fn agree_with_plain_tests(areas: &[MultiPolygon<f64>]) {
        let index = AreaIndex::new(areas);
        let prepared: Vec<PreparedArea> = areas.iter().map(PreparedArea::new).collect();
        // A lattice that hits every shared edge and vertex as well as interiors.
        for ix in 0..=70 {
            for iy in 0..=70 {
                let p = coord! { x: 113.9995 + ix as f64 * 0.000_112, y: 22.4995 + iy as f64 * 0.000_112 };
                let expect = (0..areas.len() as u32).find(|&i| prepared[i as usize].contains(p));
                assert_eq!(index.owner(p), expect, "{p:?}");
            }
        }
    }

    #[test]
    fn outer_edge_points_are_given_to_the_touching_area() {
        let index = AreaIndex::new(&tiles(2));
        // The east edge of the layer: outside under the half-open rule, but on area 1's boundary.
        let east = 114.0 + 2.0 / 1024.0;
        assert_eq!(index.locate(coord! { x: east, y: 22.5001 }), Hit::OnOuterBoundary(1));
        assert_eq!(index.locate(coord! { x: 114.0005, y: 22.5001 }), Hit::Inside(0));
        assert_eq!(index.locate(coord! { x: 114.01, y: 22.5001 }), Hit::Outside);
    }

    #[test]
    fn every_side_of_the_layer_is_its_outer_edge() {
        // 2 × 2 tiles: 0 1 along the bottom row, 2 3 above.
        let index = AreaIndex::new(&tiles(2));
        let s = 1.0 / 1024.0;
        let (x0, y0) = (114.0, 22.5);
        let on = |x: f64, y: f64| index.locate(coord! { x: x, y: y });
        assert_eq!(on(x0, y0 + 0.5 * s), Hit::OnOuterBoundary(0), "west");
        assert_eq!(on(x0 + 0.5 * s, y0), Hit::OnOuterBoundary(0), "south");
        assert_eq!(on(x0 + 2.0 * s, y0 + 1.5 * s), Hit::OnOuterBoundary(3), "east");
        assert_eq!(on(x0 + 1.5 * s, y0 + 2.0 * s), Hit::OnOuterBoundary(3), "north");
        assert_eq!(on(x0, y0), Hit::OnOuterBoundary(0), "south-west corner");
        assert_eq!(on(x0, y0 + s), Hit::OnOuterBoundary(2), "west edge at a shared vertex");
        // Shared edges and the middle vertex are inside the layer.
        assert_eq!(on(x0 + s, y0 + 0.5 * s), Hit::Inside(1));
        assert_eq!(on(x0 + 0.5 * s, y0 + s), Hit::Inside(2));
        assert_eq!(on(x0 + s, y0 + s), Hit::Inside(3));
    }

    #[test]
    fn nearest_reports_metres() {
        let index = AreaIndex::new(&tiles(2));
        // 0.001° east of the layer at 22.5° N ≈ 102.8 m.
        let east = 114.0 + 2.0 / 1024.0;
        let n = index.nearest(coord! { x: east + 0.001, y: 22.5001 }).unwrap();
        assert_eq!(n.id, 1);
        assert!((n.metres - 102.8).abs() < 0.5, "{}", n.metres);
    }

    #[test]
    fn empty_and_nan_are_outside() {
        let empty = AreaIndex::new(&[]);
        assert_eq!(empty.locate(coord! { x: 0.0, y: 0.0 }), Hit::Outside);
        assert!(empty.nearest(coord! { x: 0.0, y: 0.0 }).is_none());
        let index = AreaIndex::new(&tiles(2));
        assert_eq!(index.owner(coord! { x: f64::NAN, y: 22.5 }), None);
    }
}
