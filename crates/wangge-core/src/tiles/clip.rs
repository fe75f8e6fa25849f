//! Clipping to the buffered tile square, in tile units (before rounding).
//!
//! Rings are clipped one by one with Sutherland–Hodgman against the four sides; a ring that leaves
//! and re-enters the square keeps a zero-width run along the side, which renderers fill as
//! nothing, so rings stay closed and their area is exact. Lines are clipped segment by segment
//! (Liang–Barsky) and split where they leave the square.

use geo::Coord;

/// An axis-aligned square in tile units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClipBox {
    /// Smallest x and y.
    pub min: f64,
    /// Largest x and y.
    pub max: f64,
}

impl ClipBox {
    /// Whether `p` lies inside or on the square.
    pub fn contains(&self, p: Coord) -> bool {
        p.x >= self.min && p.x <= self.max && p.y >= self.min && p.y <= self.max
    }
}

/// Clips a closed ring (first point not repeated at the end) to `b`; empty if nothing is left.
pub fn clip_ring(ring: &[Coord], b: ClipBox) -> Vec<Coord> {
    if ring.iter().all(|&p| b.contains(p)) {
        return ring.to_vec();
    }
    // One pass per side: keep the side's inner half-plane.
    let sides: [(usize, f64, bool); 4] = [(0, b.min, true), (0, b.max, false), (1, b.min, true), (1, b.max, false)];
    let mut cur = ring.to_vec();
    for (axis, edge, keep_greater) in sides {
        if cur.is_empty() {
            break;
        }
        let inside = |p: Coord| {
            let v = if axis == 0 { p.x } else { p.y };
            if keep_greater { v >= edge } else { v <= edge }
        };
        let cross = |a: Coord, c: Coord| {
            let (va, vc) = if axis == 0 { (a.x, c.x) } else { (a.y, c.y) };
            let t = (edge - va) / (vc - va);
            if axis == 0 {
                Coord { x: edge, y: a.y + t * (c.y - a.y) }
            } else {
                Coord { x: a.x + t * (c.x - a.x), y: edge }
            }
        };
        let mut out = Vec::with_capacity(cur.len() + 4);
        let mut prev = cur[cur.len() - 1];
        for &p in &cur {
            match (inside(prev), inside(p)) {
                (true, true) => out.push(p),
                (true, false) => out.push(cross(prev, p)),
                (false, true) => {
                    out.push(cross(prev, p));
                    out.push(p);
                }
                (false, false) => {}
            }
            prev = p;
        }
        cur = out;
    }
    cur
}

/// Clips a line to `b`, returning the pieces inside (each with at least two points).
pub fn clip_line(line: &[Coord], b: ClipBox) -> Vec<Vec<Coord>> {
    let mut pieces: Vec<Vec<Coord>> = Vec::new();
    let mut current: Vec<Coord> = Vec::new();
    for w in line.windows(2) {
        match clip_segment(w[0], w[1], b) {
            Some((p, q)) => {
                if current.last() != Some(&p) {
                    if current.len() >= 2 {
                        pieces.push(std::mem::take(&mut current));
                    }
                    current.clear();
                    current.push(p);
                }
                current.push(q);
                if q != w[1] {
                    // The segment leaves the box: the piece ends here.
                    pieces.push(std::mem::take(&mut current));
                }
            }
            None => {
                if current.len() >= 2 {
                    pieces.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if current.len() >= 2 {
        pieces.push(current);
    }
    pieces
}

/// Liang–Barsky: the part of segment a→c inside `b`, if any.
fn clip_segment(a: Coord, c: Coord, b: ClipBox) -> Option<(Coord, Coord)> {
    let (dx, dy) = (c.x - a.x, c.y - a.y);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-dx, a.x - b.min), (dx, b.max - a.x), (-dy, a.y - b.min), (dy, b.max - a.y)] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
            if t0 > t1 {
                return None;
            }
        }
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            c
        } else {
            Coord { x: a.x + t * dx, y: a.y + t * dy }
        }
    };
    Some((at(t0), at(t1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord {
        Coord { x, y }
    }

    fn area(r: &[Coord]) -> f64 {
        let n = r.len();
        (0..n).map(|i| r[i].x * r[(i + 1) % n].y - r[(i + 1) % n].x * r[i].y).sum::<f64>() / 2.0
    }

    #[test]
    fn ring_clip_keeps_the_overlap_area() {
        let b = ClipBox { min: 0.0, max: 10.0 };
        let sq = [c(-5.0, -5.0), c(5.0, -5.0), c(5.0, 5.0), c(-5.0, 5.0)];
        let out = clip_ring(&sq, b);
        assert!((area(&out).abs() - 25.0).abs() < 1e-9, "{out:?}");
        assert!(out.iter().all(|&p| b.contains(p)));
        assert!(clip_ring(&[c(20.0, 20.0), c(30.0, 20.0), c(30.0, 30.0)], b).is_empty());
        // A ring round the whole box becomes the box.
        let big = [c(-50.0, -50.0), c(50.0, -50.0), c(50.0, 50.0), c(-50.0, 50.0)];
        assert!((area(&clip_ring(&big, b)).abs() - 100.0).abs() < 1e-9);
    }

    #[test]
    fn line_clip_splits_where_the_line_leaves() {
        let b = ClipBox { min: 0.0, max: 10.0 };
        let line = [c(-5.0, 5.0), c(5.0, 5.0), c(5.0, 20.0), c(8.0, 20.0), c(8.0, 5.0), c(20.0, 5.0)];
        let pieces = clip_line(&line, b);
        assert_eq!(
            pieces,
            vec![vec![c(0.0, 5.0), c(5.0, 5.0), c(5.0, 10.0)], vec![c(8.0, 10.0), c(8.0, 5.0), c(10.0, 5.0)]]
        );
        assert!(clip_line(&[c(20.0, 0.0), c(30.0, 0.0)], b).is_empty());
    }
}
