//! A raster on one lattice shared by a whole coverage: square cells of a fixed side in the
//! network's local frame, cell (i, j) covering [i·c, (i+1)·c) × [j·c, (j+1)·c) metres. Isochrones
//! are drawn on it (see [`crate::isochrone`]), coverage keeps a count per cell of the
//! centres reaching it, and any window of it is traced back into polygons.

use geo::{Area, Contains, Coord, LineString, MultiPolygon, Polygon};

/// A window of the lattice with one flag per cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    /// Cell side, metres.
    pub cell: f64,
    /// Lattice index of the window's lower-left cell.
    pub i0: i64,
    /// Lattice index of the window's lower-left cell.
    pub j0: i64,
    /// Width in cells.
    pub w: usize,
    /// Height in cells.
    pub h: usize,
    /// Row-major flags.
    pub mask: Vec<bool>,
}

/// Largest window drawn (cells); beyond it a request is refused rather than exhausting memory.
pub const MAX_CELLS: usize = 200_000_000;

impl Raster {
    /// An empty window covering `[x0, x1] × [y0, y1]` metres plus one cell of margin.
    pub fn window(cell: f64, x0: f64, y0: f64, x1: f64, y1: f64) -> Option<Raster> {
        if !(x0.is_finite() && y0.is_finite() && x1.is_finite() && y1.is_finite() && cell > 0.0) {
            return None;
        }
        let (i0, j0) = ((x0 / cell).floor() as i64 - 1, (y0 / cell).floor() as i64 - 1);
        let (i1, j1) = ((x1 / cell).ceil() as i64 + 1, (y1 / cell).ceil() as i64 + 1);
        let (w, h) = ((i1 - i0).max(1) as usize, (j1 - j0).max(1) as usize);
        (w.saturating_mul(h) <= MAX_CELLS).then(|| Raster { cell, i0, j0, w, h, mask: vec![false; w * h] })
    }

    /// Marks every cell whose centre lies within `r` of segment a–b.
    pub fn mark_segment(&mut self, a: Coord, b: Coord, r: f64) {
        let c = self.cell;
        let clamp_i = |v: f64| ((v / c).floor() as i64 - self.i0).clamp(0, self.w as i64 - 1) as usize;
        let clamp_j = |v: f64| ((v / c).floor() as i64 - self.j0).clamp(0, self.h as i64 - 1) as usize;
        let (ia, ib) = (clamp_i(a.x.min(b.x) - r), clamp_i(a.x.max(b.x) + r));
        let (ja, jb) = (clamp_j(a.y.min(b.y) - r), clamp_j(a.y.max(b.y) + r));
        let r2 = r * r;
        for j in ja..=jb {
            let cy = (j as i64 + self.j0) as f64 * c + c / 2.0;
            for i in ia..=ib {
                let k = j * self.w + i;
                if self.mask[k] {
                    continue;
                }
                let cx = (i as i64 + self.i0) as f64 * c + c / 2.0;
                if dist2_to_segment(Coord { x: cx, y: cy }, a, b) <= r2 {
                    self.mask[k] = true;
                }
            }
        }
    }

    /// Lattice cells `(i, j)` that are marked.
    pub fn cells(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.mask
            .iter()
            .enumerate()
            .filter(|(_, m)| **m)
            .map(|(k, _)| ((k % self.w) as i64 + self.i0, (k / self.w) as i64 + self.j0))
    }

    /// The marked cells as polygons, metres.
    pub fn polygons(&self) -> MultiPolygon<f64> {
        let rings = trace(&self.mask, self.w, self.h);
        let (i0, j0, c) = (self.i0, self.j0, self.cell);
        let to_metres = |(i, j): (i64, i64)| Coord { x: (i + i0) as f64 * c, y: (j + j0) as f64 * c };
        assemble(rings.into_iter().map(|ring| LineString(ring.into_iter().map(to_metres).collect())).collect())
    }
}

fn dist2_to_segment(p: Coord, a: Coord, b: Coord) -> f64 {
    let d = b - a;
    let len2 = d.x * d.x + d.y * d.y;
    let t = if len2 > 0.0 { (((p - a).x * d.x + (p - a).y * d.y) / len2).clamp(0.0, 1.0) } else { 0.0 };
    let q = a + d * t;
    (p.x - q.x).powi(2) + (p.y - q.y).powi(2)
}

/// Traces the boundary of the marked cells into closed rings of lattice points (raster indices),
/// filled cells on the left of every ring; collinear vertices are merged.
fn trace(mask: &[bool], w: usize, h: usize) -> Vec<Vec<(i64, i64)>> {
    let filled =
        |i: i64, j: i64| i >= 0 && j >= 0 && (i as usize) < w && (j as usize) < h && mask[j as usize * w + i as usize];
    // Directed boundary edges keyed by their start vertex; direction 0 east, 1 north, 2 west, 3 south.
    let mut out: std::collections::HashMap<(i64, i64), Vec<u8>> = std::collections::HashMap::new();
    for j in 0..h as i64 {
        for i in 0..w as i64 {
            if !filled(i, j) {
                continue;
            }
            if !filled(i, j - 1) {
                out.entry((i, j)).or_default().push(0);
            }
            if !filled(i + 1, j) {
                out.entry((i + 1, j)).or_default().push(1);
            }
            if !filled(i, j + 1) {
                out.entry((i + 1, j + 1)).or_default().push(2);
            }
            if !filled(i - 1, j) {
                out.entry((i, j + 1)).or_default().push(3);
            }
        }
    }
    const STEP: [(i64, i64); 4] = [(1, 0), (0, 1), (-1, 0), (0, -1)];
    let mut starts: Vec<(i64, i64)> = out.keys().copied().collect();
    starts.sort_unstable_by_key(|&(i, j)| (j, i));
    let mut rings = Vec::new();
    for s in starts {
        while let Some(d0) = out.get_mut(&s).and_then(|v| v.pop()) {
            let mut ring = vec![s];
            let (mut v, mut d) = (s, d0);
            loop {
                v = (v.0 + STEP[d as usize].0, v.1 + STEP[d as usize].1);
                if v == s {
                    break;
                }
                // Prefer a left turn, then straight, then right: cells meeting only at a corner stay apart.
                let Some(outs) = out.get_mut(&v) else { break };
                let pick = [(d + 1) % 4, d, (d + 3) % 4].into_iter().find(|c| outs.contains(c));
                let Some(nd) = pick else { break };
                outs.retain(|&x| x != nd);
                if nd != d {
                    ring.push(v);
                }
                d = nd;
            }
            if ring.len() >= 3 {
                ring.push(s);
                rings.push(ring);
            }
        }
    }
    rings
}

/// Makes polygons of traced rings: anticlockwise rings are outers, clockwise ones holes, each
/// hole given to the smallest outer that contains it.
fn assemble(rings: Vec<LineString<f64>>) -> MultiPolygon<f64> {
    let (mut outers, mut holes) = (Vec::new(), Vec::new());
    for r in rings {
        let a = Polygon::new(r.clone(), vec![]).signed_area();
        if a > 0.0 {
            outers.push((a, r, Vec::new()));
        } else if a < 0.0 {
            holes.push(r);
        }
    }
    outers.sort_by(|a, b| a.0.total_cmp(&b.0));
    for hole in holes {
        // A point just left of the hole's first edge lies in a filled cell of the enclosing part.
        let (p, q) = (hole.0[0], hole.0[1]);
        let d = q - p;
        let len = (d.x * d.x + d.y * d.y).sqrt().max(1e-12);
        let probe = Coord { x: (p.x + q.x) / 2.0 - d.y / len * 1e-3, y: (p.y + q.y) / 2.0 + d.x / len * 1e-3 };
        if let Some(o) = outers.iter_mut().find(|o| Polygon::new(o.1.clone(), vec![]).contains(&probe)) {
            o.2.push(hole);
        }
    }
    MultiPolygon(outers.into_iter().map(|(_, outer, holes)| Polygon::new(outer, holes)).collect())
}
