//! A uniform cell grid over a layer that answers most point lookups without testing any polygon.
//!
//! Each cell is either *covered* by exactly one area with no edge of any area passing through it
//! (answer immediately), *empty* (no area reaches it), or *mixed* (a short list of candidate areas
//! to test exactly). Edge–cell overlap is decided conservatively by bounding box, so a cell is only
//! called covered when no edge can be in it; exactness then comes from the prepared areas.

use super::prepared::PreparedArea;
use geo::{Coord, Rect};

const COVERED: u32 = 1 << 31;
const EMPTY: u32 = u32::MAX;

/// The cell grid. Cell values: `EMPTY`, `COVERED | area`, or an index into the candidate lists.
#[derive(Debug, Clone)]
pub struct CellGrid {
    origin: Coord,
    scale_x: f64,
    scale_y: f64,
    nx: usize,
    ny: usize,
    cells: Vec<u32>,
    list_start: Vec<u32>,
    lists: Vec<u32>,
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
    pub fn build(areas: &[PreparedArea], extent: Rect<f64>, target_cells: usize) -> CellGrid {
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
            list_start: Vec::new(),
            lists: Vec::new(),
        };

        // (cell, area) pairs for cells an area's edges may pass through.
        let mut touched: Vec<(u32, u32)> = Vec::new();
        for (id, area) in areas.iter().enumerate() {
            for (a, b) in area.edges() {
                let (cx0, cy0) = grid.cell_of(Coord { x: a.x.min(b.x), y: a.y.min(b.y) });
                let (cx1, cy1) = grid.cell_of(Coord { x: a.x.max(b.x), y: a.y.max(b.y) });
                for cy in cy0..=cy1 {
                    for cx in cx0..=cx1 {
                        touched.push(((cy * nx + cx) as u32, id as u32));
                    }
                }
            }
        }
        touched.sort_unstable();
        touched.dedup();
        let mut edge_cell = vec![false; nx * ny];
        for &(c, _) in &touched {
            edge_cell[c as usize] = true;
        }

        // Cells no edge reaches are wholly inside or wholly outside each area: test the centre.
        let mut whole: Vec<(u32, u32)> = Vec::new();
        for (id, area) in areas.iter().enumerate() {
            let bb = area.bbox();
            if bb.min().x.is_nan() {
                continue;
            }
            let (cx0, cy0) = grid.cell_of(bb.min());
            let (cx1, cy1) = grid.cell_of(bb.max());
            for cy in cy0..=cy1 {
                for cx in cx0..=cx1 {
                    let c = cy * nx + cx;
                    // An area none of whose own edges reach the cell holds all of it or none of it,
                    // even when another area's edges pass through (e.g. a neighbour's edge that is
                    // almost, but not bit-for-bit, the shared one).
                    let own_edge = edge_cell[c] && touched.binary_search(&(c as u32, id as u32)).is_ok();
                    if !own_edge && area.contains(grid.cell_centre(cx, cy)) {
                        whole.push((c as u32, id as u32));
                    }
                }
            }
        }

        let mut all = touched;
        all.extend_from_slice(&whole);
        all.sort_unstable();
        all.dedup();
        grid.cells = vec![EMPTY; nx * ny];
        grid.list_start.push(0);
        let mut i = 0;
        while i < all.len() {
            let cell = all[i].0;
            let mut j = i;
            while j < all.len() && all[j].0 == cell {
                j += 1;
            }
            if j - i == 1 && !edge_cell[cell as usize] {
                grid.cells[cell as usize] = COVERED | all[i].1;
            } else {
                grid.cells[cell as usize] = (grid.list_start.len() - 1) as u32;
                grid.lists.extend(all[i..j].iter().map(|&(_, a)| a));
                grid.list_start.push(grid.lists.len() as u32);
            }
            i = j;
        }
        grid
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
        match self.cells[c] {
            EMPTY => CellAnswer::Empty,
            v if v & COVERED != 0 => CellAnswer::Covered(v & !COVERED),
            list => {
                let l = list as usize;
                CellAnswer::Candidates(&self.lists[self.list_start[l] as usize..self.list_start[l + 1] as usize])
            }
        }
    }

    /// Grid size and share of cells answered without a polygon test, for diagnostics.
    pub fn stats(&self) -> (usize, usize, f64) {
        let covered = self.cells.iter().filter(|&&v| v != EMPTY && v & COVERED != 0).count();
        (self.nx, self.ny, covered as f64 / self.cells.len() as f64)
    }
}
