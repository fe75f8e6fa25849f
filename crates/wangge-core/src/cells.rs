//! A uniform cell grid over a layer that answers most point lookups without testing any polygon.
//!
//! Each cell is either *covered* by exactly one area with no edge of any area passing through it
//! (answer immediately), *empty* (no area reaches it), or *mixed* (a short list of candidate areas
//! to test exactly). Edge–cell overlap is decided conservatively by bounding box, so a cell is only
//! called covered when no edge can be in it; exactness then comes from the prepared areas.

use super::prepared::{AreaRef, PreparedAreas};
use geo::{Coord, Rect};
use rayon::prelude::*;

const COVERED: u32 = 1 << 31;
const EMPTY: u32 = u32::MAX;
/// Areas per parallel task while finding each area's cells.
const AREAS_PER_TASK: usize = 4096;

/// One (cell, area) pair, and whether the area has an edge in the cell, in one word.
fn pack(cell: usize, id: u32, edge: bool) -> u64 {
    ((cell as u64) << 32) | u64::from(id) | if edge { 1 << 31 } else { 0 }
}

fn unpack(entry: u64) -> (usize, u32, bool) {
    ((entry >> 32) as usize, (entry as u32) & !COVERED, entry & (1 << 31) != 0)
}

/// The cell grid. Cell values: `EMPTY`, `COVERED | area`, or an index into the candidate lists.
#[derive(Debug, Clone)]
pub struct CellGrid {
    origin: Coord,
    scale_x: f64,
    scale_y: f64,
    nx: usize,
    ny: usize,
    cells: Vec<u32>,
    /// One bit per cell, set when some area reaches it: 32 times smaller than `cells`, so it
    /// stays in cache where `cells` (16 MB for a national layer) does not, and a point in an
    /// empty cell (most points outside a layer) is answered without a cache miss on `cells`.
    occupied: Vec<u64>,
    list_start: Vec<u32>,
    lists: Vec<u32>,
}

/// The bits of [`CellGrid::occupied`] for `cells`.
fn occupancy(cells: &[u32]) -> Vec<u64> {
    cells
        .chunks(64)
        .map(|chunk| chunk.iter().enumerate().fold(0u64, |bits, (i, &v)| bits | (u64::from(v != EMPTY) << i)))
        .collect()
}

/// What a cell says about a point in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellAnswer<'a> {
    /// No area reaches this cell.
    Empty,
    /// The whole cell lies inside this area and no other.
    Covered(u32),
    /// Test these areas exactly, in this order.
    Candidates(&'a [u32]),
}

impl CellGrid {
    /// Builds the grid for `areas` within `extent`, with about `target_cells` cells.
    pub fn build(areas: &PreparedAreas, extent: Rect<f64>, target_cells: usize) -> CellGrid {
        let (w, h) = (extent.width().max(1e-9), extent.height().max(1e-9));
        let target = target_cells.max(1) as f64;
        let nx = ((target * w / h).sqrt().ceil() as usize).clamp(1, 8192);
        let ny = ((target / nx as f64).ceil() as usize).clamp(1, 8192);
        let mut grid = CellGrid {
            origin: extent.min(),
            scale_x: nx as f64 / w,
            scale_y: ny as f64 / h,
            nx,
            ny,
            cells: Vec::new(),
            occupied: Vec::new(),
            list_start: Vec::new(),
            lists: Vec::new(),
        };

        // Each area's cells, found independently (in parallel): the cells its own edges may pass
        // through, and the cells it wholly covers. Chunks keep the areas in id order.
        let per_chunk: Vec<Vec<u64>> = (0..areas.len().div_ceil(AREAS_PER_TASK))
            .into_par_iter()
            .map(|k| {
                let mut out = Vec::new();
                for id in k * AREAS_PER_TASK..areas.len().min((k + 1) * AREAS_PER_TASK) {
                    grid.area_cells(id as u32, areas.get(id as u32), &mut out);
                }
                out
            })
            .collect();

        // Counting sort by cell: each cell's areas stay in id order, as the lookups expect.
        let cell_count = nx * ny;
        let mut start = vec![0u32; cell_count + 1];
        let mut edge_cell = vec![false; cell_count];
        for &entry in per_chunk.iter().flatten() {
            let (cell, _, edge) = unpack(entry);
            start[cell + 1] += 1;
            edge_cell[cell] |= edge;
        }
        for c in 0..cell_count {
            start[c + 1] += start[c];
        }
        let mut fill = start.clone();
        let mut by_cell = vec![0u32; start[cell_count] as usize];
        for &entry in per_chunk.iter().flatten() {
            let (cell, id, _) = unpack(entry);
            by_cell[fill[cell] as usize] = id;
            fill[cell] += 1;
        }
        drop((per_chunk, fill));

        grid.cells = vec![EMPTY; cell_count];
        grid.list_start.push(0);
        for cell in 0..cell_count {
            let ids = &by_cell[start[cell] as usize..start[cell + 1] as usize];
            match ids {
                [] => {}
                [id] if !edge_cell[cell] => grid.cells[cell] = COVERED | id,
                _ => {
                    grid.cells[cell] = (grid.list_start.len() - 1) as u32;
                    grid.lists.extend_from_slice(ids);
                    grid.list_start.push(grid.lists.len() as u32);
                }
            }
        }
        grid.occupied = occupancy(&grid.cells);
        grid
    }

    /// Whether some area reaches cell `c`.
    #[inline]
    fn is_occupied(&self, c: usize) -> bool {
        self.occupied[c / 64] & (1 << (c % 64)) != 0
    }

    /// Appends `area`'s cells to `out` (see [`pack`]), each once, in cell order: the cells its own
    /// edges may pass through (decided by each edge's bounding box), and the cells of its bounding
    /// box none of its own edges reach whose centre it holds. An area none of whose own edges
    /// reach a cell holds all of it or none of it, even when another area's edges pass through
    /// (e.g. a neighbour's edge that is almost, but not bit-for-bit, the shared one).
    fn area_cells(&self, id: u32, area: AreaRef<'_>, out: &mut Vec<u64>) {
        let bb = area.bbox();
        if bb.min().x.is_nan() {
            return;
        }
        let (cx0, cy0) = self.cell_of(bb.min());
        let (cx1, cy1) = self.cell_of(bb.max());
        let width = cx1 - cx0 + 1;
        let mut own = vec![false; width * (cy1 - cy0 + 1)];
        for (a, b) in area.edges() {
            let (ex0, ey0) = self.cell_of(Coord { x: a.x.min(b.x), y: a.y.min(b.y) });
            let (ex1, ey1) = self.cell_of(Coord { x: a.x.max(b.x), y: a.y.max(b.y) });
            for cy in ey0..=ey1 {
                own[(cy - cy0) * width + ex0 - cx0..=(cy - cy0) * width + ex1 - cx0].fill(true);
            }
        }
        for cy in cy0..=cy1 {
            // The centres of a row share their latitude: the edges it meets are found once.
            let row = area.row_test(self.cell_centre(cx0, cy).y);
            for cx in cx0..=cx1 {
                let cell = cy * self.nx + cx;
                if own[(cy - cy0) * width + cx - cx0] {
                    out.push(pack(cell, id, true));
                } else if row.contains(self.cell_centre(cx, cy).x) {
                    out.push(pack(cell, id, false));
                }
            }
        }
    }

    fn cell_of(&self, p: Coord) -> (usize, usize) {
        let fx = ((p.x - self.origin.x) * self.scale_x).max(0.0) as usize;
        let fy = ((p.y - self.origin.y) * self.scale_y).max(0.0) as usize;
        (fx.min(self.nx - 1), fy.min(self.ny - 1))
    }

    fn cell_centre(&self, cx: usize, cy: usize) -> Coord {
        Coord {
            x: self.origin.x + (cx as f64 + 0.5) / self.scale_x,
            y: self.origin.y + (cy as f64 + 0.5) / self.scale_y,
        }
    }

    /// What the grid knows about `p`. Points outside the extent are `Empty`.
    #[inline]
    pub fn answer(&self, p: Coord) -> CellAnswer<'_> {
        let fx = (p.x - self.origin.x) * self.scale_x;
        let fy = (p.y - self.origin.y) * self.scale_y;
        // Written so that NaN falls through to Empty as well.
        if !(fx >= 0.0 && fy >= 0.0 && fx <= self.nx as f64 && fy <= self.ny as f64) {
            return CellAnswer::Empty;
        }
        let c = (fy as usize).min(self.ny - 1) * self.nx + (fx as usize).min(self.nx - 1);
        if !self.is_occupied(c) {
            return CellAnswer::Empty;
        }
        match self.cells[c] {
            EMPTY => CellAnswer::Empty,
            v if v & COVERED != 0 => CellAnswer::Covered(v & !COVERED),
            list => {
                let l = list as usize;
                CellAnswer::Candidates(&self.lists[self.list_start[l] as usize..self.list_start[l + 1] as usize])
            }
        }
    }

    /// Whether no area reaches `p`'s cell, so `p` is neither in an area nor on any ring. The cell
    /// is found as [`CellGrid::build`] found the cells of edges (clamped to the grid), so a point on
    /// a ring is never in an empty cell, even on the extent's east or north side where
    /// [`CellGrid::answer`] may round past the last cell; callers check the extent first.
    #[inline]
    pub fn empty_at(&self, p: Coord) -> bool {
        let (cx, cy) = self.cell_of(p);
        !self.is_occupied(cy * self.nx + cx)
    }

    /// The grid as bytes for an index cache (see [`crate::index_cache`]): sizes, then each array
    /// in little-endian order.
    pub fn encode(&self, out: &mut Vec<u8>) {
        for v in [self.origin.x, self.origin.y, self.scale_x, self.scale_y] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for n in [self.nx, self.ny, self.list_start.len(), self.lists.len()] {
            out.extend_from_slice(&(n as u64).to_le_bytes());
        }
        for array in [&self.cells, &self.list_start, &self.lists] {
            out.reserve(array.len() * 4);
            array.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        }
    }

    /// A grid written by [`CellGrid::encode`] for `areas` areas, read from the front of `bytes`;
    /// `None` unless every size, list bound and area id is consistent, so a damaged cache is
    /// rebuilt instead of answering wrongly or panicking.
    pub fn decode(bytes: &mut &[u8], areas: usize) -> Option<CellGrid> {
        let f = |b: &mut &[u8]| take::<8>(b).map(f64::from_le_bytes);
        let (ox, oy, scale_x, scale_y) = (f(bytes)?, f(bytes)?, f(bytes)?, f(bytes)?);
        let n = |b: &mut &[u8]| take::<8>(b).map(|v| u64::from_le_bytes(v) as usize);
        let (nx, ny, starts, listed) = (n(bytes)?, n(bytes)?, n(bytes)?, n(bytes)?);
        if !(1..=8192).contains(&nx) || !(1..=8192).contains(&ny) || starts == 0 || starts > nx * ny + 1 {
            return None;
        }
        let array = |b: &mut &[u8], len: usize| -> Option<Vec<u32>> {
            let raw = b.get(..len.checked_mul(4)?)?;
            *b = &b[len * 4..];
            Some(raw.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
        };
        let cells = array(bytes, nx * ny)?;
        let list_start = array(bytes, starts)?;
        let lists = array(bytes, listed)?;
        let lists_ok = list_start[0] == 0
            && list_start.windows(2).all(|w| w[0] < w[1])
            && *list_start.last()? as usize == lists.len()
            && lists.iter().all(|&id| (id as usize) < areas);
        let cells_ok = cells.iter().all(|&v| match v {
            EMPTY => true,
            v if v & COVERED != 0 => ((v & !COVERED) as usize) < areas,
            list => (list as usize) < starts - 1,
        });
        (lists_ok && cells_ok && [ox, oy, scale_x, scale_y].iter().all(|v| v.is_finite())).then_some(CellGrid {
            origin: Coord { x: ox, y: oy },
            scale_x,
            scale_y,
            nx,
            ny,
            occupied: occupancy(&cells),
            cells,
            list_start,
            lists,
        })
    }

    /// Grid size and share of cells answered without a polygon test, for diagnostics.
    pub fn stats(&self) -> (usize, usize, f64) {
        let covered = self.cells.iter().filter(|&&v| v != EMPTY && v & COVERED != 0).count();
        (self.nx, self.ny, covered as f64 / self.cells.len() as f64)
    }
}

/// The next `N` bytes of `bytes`, consumed.
fn take<const N: usize>(bytes: &mut &[u8]) -> Option<[u8; N]> {
    let head = bytes.get(..N)?.try_into().ok()?;
    *bytes = &bytes[N..];
    Some(head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, polygon};

    #[test]
    fn occupancy_bits_match_the_cells_built_and_read_back() {
        // Two triangles with a gap between them, so the grid has empty, covered and mixed cells.
        let areas = PreparedAreas::from_multipolygons(&[
            MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0), (x: 0.0, y: 0.0)]]),
            MultiPolygon(vec![polygon![(x: 2.0, y: 2.0), (x: 3.0, y: 2.0), (x: 3.0, y: 3.0), (x: 2.0, y: 2.0)]]),
        ]);
        let extent = Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 3.0, y: 3.0 });
        let built = CellGrid::build(&areas, extent, 1000);
        let mut bytes = Vec::new();
        built.encode(&mut bytes);
        let read = CellGrid::decode(&mut bytes.as_slice(), areas.len()).expect("a grid reads back");
        for grid in [&built, &read] {
            assert!(grid.cells.contains(&EMPTY) && grid.cells.iter().any(|&v| v != EMPTY));
            for (c, &v) in grid.cells.iter().enumerate() {
                assert_eq!(grid.is_occupied(c), v != EMPTY, "cell {c}");
            }
        }
        // Every point of a fine lattice (edges of the extent included) gets the same answer from
        // both, and an empty answer exactly where the cell array says empty.
        for i in 0..=120 {
            for j in 0..=120 {
                let p = Coord { x: f64::from(i) * 0.025, y: f64::from(j) * 0.025 };
                assert_eq!(built.answer(p), read.answer(p), "{p:?}");
                let (cx, cy) = built.cell_of(p);
                assert_eq!(built.empty_at(p), built.cells[cy * built.nx + cx] == EMPTY, "{p:?}");
                if built.answer(p) != CellAnswer::Empty {
                    assert!(!built.empty_at(p), "{p:?}");
                }
            }
        }
    }
}
