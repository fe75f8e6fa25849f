//! Spatial index of one area layer: an R-tree of bounding boxes, a cell grid for the common case,
//! and prepared polygons for exact answers.

use super::boxes::AreaBoxes;
use super::cells::{CellAnswer, CellGrid};
use super::distance::{
    LocalFrame, METRES_PER_DEGREE, closest_on_segment, geodesic_metres, metres_lower_bound, nearest_on_edges,
};
use super::prepared::{AreaRef, Location, PreparedAreas};
use geo::{Coord, MultiPolygon, Rect};
use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};
use std::sync::OnceLock;

/// One ring edge (lower end first, as [`AreaRef::edges`] gives it) and its area's id.
type EdgeEntry = GeomWithData<Line<[f64; 2]>, u32>;

/// Edges [`AreaIndex::nearest`] walks before it measures whole areas instead.
const MAX_EDGES_WALKED: usize = 64;

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
    areas: PreparedAreas,
    boxes: AreaBoxes,
    cells: Option<CellGrid>,
    /// The bounding box of every area together (`None` when no area has a ring).
    extent: Option<Rect<f64>>,
    /// Every ring edge of the layer, for [`AreaIndex::nearest`]; built by
    /// [`AreaIndex::prepare_nearest`] when a batch first needs it, since only the grid layer is
    /// ever asked and only for points outside every grid.
    edges: OnceLock<RTree<EdgeEntry>>,
}

impl AreaIndex {
    /// Indexes `areas`. Building is O(edges + cells); the cell count scales with the edge count.
    pub fn new(areas: &[MultiPolygon<f64>]) -> AreaIndex {
        AreaIndex::from_prepared(PreparedAreas::from_multipolygons(areas))
    }

    /// Indexes areas already prepared (e.g. with [`PreparedAreas::build`] and
    /// [`PreparedAreas::push_geometry`], which need no copy of each geometry); ids are positions
    /// in `prepared`.
    pub fn from_prepared(prepared: PreparedAreas) -> AreaIndex {
        AreaIndex::from_prepared_with(prepared, None)
    }

    /// Like [`AreaIndex::from_prepared`], with the cell grid `cached` when one built earlier for
    /// exactly these areas is at hand (see [`crate::index_cache`]): the grid is the costly part to
    /// build, the boxes' R-tree is not.
    pub fn from_prepared_with(prepared: PreparedAreas, cached: Option<CellGrid>) -> AreaIndex {
        // A flat area's box is not kept (it is found from its few vertices when needed).
        let boxes: Vec<Rect<f64>> =
            (0..prepared.len() as u32).into_par_iter().map(|i| prepared.get(i).bbox()).collect();
        let extent = extent(&boxes);
        // The boxes are packed on one thread while the cell grid is built on the others.
        let build_cells = || {
            if cached.is_some() {
                return cached;
            }
            let edges = prepared.edge_count();
            extent.map(|ext| {
                // Sixty-four cells per edge leaves few points in mixed cells; capped to bound memory (≤ 16 MB).
                CellGrid::build(&prepared, ext, (edges * 64).clamp(1024, 4_000_000))
            })
        };
        let (boxes, cells) = rayon::join(|| AreaBoxes::new(&boxes), build_cells);
        AreaIndex { areas: prepared, boxes, cells, extent, edges: OnceLock::new() }
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
    #[inline]
    pub fn area(&self, id: u32) -> AreaRef<'_> {
        self.areas.get(id)
    }

    /// Ring edges of every area.
    pub fn edge_count(&self) -> usize {
        self.areas.edge_count()
    }

    /// Bytes the prepared areas' arrays take, for diagnostics.
    pub fn prepared_bytes(&self) -> usize {
        self.areas.heap_bytes()
    }

    /// The area owning `p` under the half-open rule, or `None`. The hot path: no allocation.
    #[inline]
    pub fn owner(&self, p: Coord) -> Option<u32> {
        let Some(cells) = &self.cells else { return None };
        match cells.answer(p) {
            CellAnswer::Empty => None,
            CellAnswer::Covered(id) => Some(id),
            CellAnswer::Candidates(ids) => ids.iter().copied().find(|&id| self.areas.get(id).contains(p)),
        }
    }

    /// Where `p` falls: owned by an area, on the layer's outer edge, or outside.
    pub fn locate(&self, p: Coord) -> Hit {
        if let Some(id) = self.owner(p) {
            // The half-open rule owns the west and south outer edges, so those are found by the
            // mirrored rule instead: a point on a ring that the mirrored rule gives to no area has
            // nothing west (or south) of it. Interior points never touch a ring, so the common
            // case costs one band scan.
            if self.areas.get(id).on_ring(p)
                && !self.candidates_at(p).into_iter().any(|c| self.areas.get(c).contains_mirrored(p))
            {
                return Hit::OnOuterBoundary(id);
            }
            return Hit::Inside(id);
        }
        // Most points of a batch outside every area are in cells no area reaches: no ring there,
        // so no search of the boxes' R-tree (which allocates) either.
        if let (Some(cells), Some(ext)) = (&self.cells, self.extent)
            && (!((ext.min().x..=ext.max().x).contains(&p.x) && (ext.min().y..=ext.max().y).contains(&p.y))
                || cells.empty_at(p))
        {
            return Hit::Outside;
        }
        let on_edge =
            self.candidates_at(p).into_iter().filter(|&id| self.areas.get(id).locate(p) == Location::Boundary).min();
        match on_edge {
            Some(id) => Hit::OnOuterBoundary(id),
            None => Hit::Outside,
        }
    }

    fn candidates_at(&self, p: Coord) -> Vec<u32> {
        self.boxes.at(p)
    }

    /// Ids of areas whose bounding box intersects `bbox`, ascending.
    pub fn ids_in_bbox(&self, bbox: Rect<f64>) -> Vec<u32> {
        let mut ids = self.boxes.intersecting(bbox);
        ids.sort_unstable();
        ids
    }

    /// The area whose boundary is closest to `p`, with the ground distance in metres (ties go to
    /// the lowest id).
    ///
    /// Each area's closest boundary point is the one nearest to `p` in the local frame at `p`
    /// (see [`crate::distance`]), measured on the ellipsoid; the answer is the area with the
    /// smallest such distance. The search walks the layer's edges in order of their distance in
    /// degrees from `p` (an R-tree of edges) and stops as soon as no unseen edge can change the
    /// answer, so it reads the handful of edges near `p` rather than every edge of every area
    /// whose box is near: an area's closest point is settled once no later edge can be closer in
    /// the frame, and the walk ends once every later edge is farther on the ground than the best
    /// area found.
    pub fn nearest(&self, p: Coord) -> Option<Nearest> {
        if !(p.x.is_finite() && p.y.is_finite()) {
            return None;
        }
        let frame = LocalFrame::at(p);
        // Frame metres per degree of longitude at `p`, the smaller of the frame's two scales: an
        // edge `r` degrees from `p` is at least `r * kx` frame metres away.
        let kx = p.y.to_radians().cos() * METRES_PER_DEGREE;
        // Until a batch has built the edge tree, one point is answered by areas: a single lookup
        // never pays for (or waits on) indexing every edge of a national layer.
        let Some(edges) = self.edges.get() else { return self.nearest_by_areas(p) };
        let mut search = Search { p, frame, open: Vec::new(), settled: Vec::new(), best: None };
        for (walked, (entry, d2)) in edges.nearest_neighbor_iter_with_distance_2(&[p.x, p.y]).enumerate() {
            if walked == MAX_EDGES_WALKED {
                // Far from the layer many edges lie in the band the stop rule must clear, and the
                // walk's bookkeeping grows with the areas met: measure whole areas instead.
                return self.nearest_by_areas(p);
            }
            let reach = d2.sqrt();
            // No later edge is nearer than this in the frame (less a hair for rounding in d2).
            search.settle(reach * kx * (1.0 - 1e-12));
            if search.best.is_some_and(|b| metres_lower_bound(reach, p.y) > b.metres) && search.drop_losers() {
                break;
            }
            let [a, b] = [entry.geom().from, entry.geom().to];
            let c = closest_on_segment(
                frame.project(Coord { x: a[0], y: a[1] }),
                frame.project(Coord { x: b[0], y: b[1] }),
            );
            search.offer(entry.data, c);
        }
        search.settle(f64::INFINITY);
        search.best
    }

    /// [`AreaIndex::nearest`] by areas: every area whose box may hold a closer point is measured
    /// whole, in order of its box's distance. Slower near the layer (it reads every edge of each
    /// such area) but linear in the areas met, where the edge walk is not.
    fn nearest_by_areas(&self, p: Coord) -> Option<Nearest> {
        let mut best: Option<Nearest> = None;
        self.boxes.by_distance(p, |id, d2| {
            if best.is_some_and(|b| metres_lower_bound(d2.sqrt(), p.y) > b.metres) {
                return false;
            }
            if let Some((at, metres)) = nearest_on_edges(p, self.areas.get(id).edges())
                && best.is_none_or(|b| metres < b.metres || (metres == b.metres && id < b.id))
            {
                best = Some(Nearest { id, metres, at });
            }
            true
        });
        best
    }

    /// Builds the R-tree of every ring edge that makes [`AreaIndex::nearest`] fast for the many
    /// points of a batch (a no-op once built). Called by batch paths, on their own threads.
    pub fn prepare_nearest(&self) {
        self.edges.get_or_init(|| {
            let areas = &self.areas;
            let entries: Vec<EdgeEntry> = (0..areas.len() as u32)
                .into_par_iter()
                .flat_map_iter(|id| {
                    areas.get(id).edges().map(move |(a, b)| GeomWithData::new(Line::new([a.x, a.y], [b.x, b.y]), id))
                })
                .collect();
            RTree::bulk_load(entries)
        });
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

/// The state of one [`AreaIndex::nearest`] search.
struct Search {
    p: Coord,
    frame: LocalFrame,
    /// Areas met whose closest point may still change: id, squared frame distance, frame point.
    open: Vec<(u32, f64, Coord)>,
    /// Areas whose closest point is known: their later edges are farther in the frame.
    settled: Vec<u32>,
    best: Option<Nearest>,
}

impl Search {
    /// Takes the closest point `c` (frame metres) of one edge of area `id`.
    fn offer(&mut self, id: u32, c: Coord) {
        let d2 = c.x * c.x + c.y * c.y;
        match self.open.iter_mut().find(|o| o.0 == id) {
            Some(o) if d2 < o.1 => *o = (id, d2, c),
            Some(_) => {}
            // Measured on the ground the frame's order can flip for points a frame metre apart,
            // so a settled area is never measured again at a point the frame puts farther.
            None if self.settled.contains(&id) => {}
            None => self.open.push((id, d2, c)),
        }
    }

    /// Settles every open area whose closest point is within `floor` frame metres (no later edge
    /// can beat it), measuring it on the ground.
    fn settle(&mut self, floor: f64) {
        let floor2 = floor * floor;
        let mut i = 0;
        while i < self.open.len() {
            let (id, d2, c) = self.open[i];
            if d2 > floor2 {
                i += 1;
                continue;
            }
            self.open.swap_remove(i);
            self.settled.push(id);
            let at = self.frame.unproject(c);
            // The geodesic is the costly part: skipped when even a lower bound cannot win.
            if self.best.is_some_and(|b| self.lower_bound(at) > b.metres) {
                continue;
            }
            let metres = geodesic_metres(self.p, at);
            if self.best.is_none_or(|b| metres < b.metres || (metres == b.metres && id < b.id)) {
                self.best = Some(Nearest { id, metres, at });
            }
        }
    }

    /// Drops the open areas that cannot win whatever later edges hold (their point so far is
    /// already farther than the best, and any later point is farther still); whether none is left.
    fn drop_losers(&mut self) -> bool {
        let Some(best) = self.best else { return self.open.is_empty() };
        let mut i = 0;
        while i < self.open.len() {
            let (id, _, c) = self.open[i];
            if self.lower_bound(self.frame.unproject(c)) > best.metres {
                self.open.swap_remove(i);
                self.settled.push(id);
            } else {
                i += 1;
            }
        }
        self.open.is_empty()
    }

    /// A lower bound of the ground distance from `p` to `at`.
    fn lower_bound(&self, at: Coord) -> f64 {
        metres_lower_bound(((at.x - self.p.x).powi(2) + (at.y - self.p.y).powi(2)).sqrt(), self.p.y)
    }
}

fn extent(boxes: &[Rect<f64>]) -> Option<Rect<f64>> {
    let mut it = boxes.iter().filter(|b| !b.min().x.is_nan());
    let first = *it.next()?;
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
    use crate::prepared::PreparedArea;
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
    fn nearest_agrees_with_measuring_every_area() {
        // Irregular areas with gaps between them and holes' worth of concave edges: 6 × 6 jittered
        // squares, every other one shrunk, so points fall between, around and far from them.
        let mut areas = Vec::new();
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for i in 0..36 {
            let (x, y) = (114.0 + (i % 6) as f64 * 0.01, 22.5 + (i / 6) as f64 * 0.01);
            let s = if i % 2 == 0 { 0.01 } else { 0.006 };
            let ring: Vec<(f64, f64)> = (0..12)
                .map(|k| {
                    let t = k as f64 / 12.0 * std::f64::consts::TAU;
                    let r = s * (0.35 + 0.15 * next());
                    (x + s / 2.0 + r * t.cos(), y + s / 2.0 + r * t.sin())
                })
                .collect();
            let mut closed = ring.clone();
            closed.push(ring[0]);
            areas.push(MultiPolygon(vec![geo::Polygon::new(closed.into(), vec![])]));
        }
        let index = AreaIndex::new(&areas);
        let prepared: Vec<PreparedArea> = areas.iter().map(PreparedArea::new).collect();
        // By areas first (no edge tree yet), then by the edge walk.
        for k in 0..4000 {
            if k == 2000 {
                index.prepare_nearest();
            }
            // Mostly within the layer's box, some up to half a degree away.
            let spread = if k % 10 == 0 { 1.0 } else { 0.07 };
            let p = coord! { x: 114.03 + (next() - 0.5) * spread, y: 22.53 + (next() - 0.5) * spread };
            let brute = (0..areas.len() as u32)
                .filter_map(|id| nearest_on_edges(p, prepared[id as usize].edges()).map(|(at, m)| (m, id, at)))
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
                .unwrap();
            let n = index.nearest(p).unwrap();
            assert_eq!((n.metres, n.id), (brute.0, brute.1), "{p:?}");
            assert_eq!(n.at, brute.2, "{p:?}");
        }
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
