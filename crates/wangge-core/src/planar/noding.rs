//! The 1e-7° lattice and noding: cutting line segments at every crossing so they form a planar graph.
//!
//! All topology is computed on integer lattice points (`[lon·1e7, lat·1e7]`), so orientation tests are
//! exact and a vertex written to GeoJSON with 7 decimals is the vertex that was computed. Each crossing is
//! computed once, rounded to the lattice and inserted into both segments; rounding can make new crossings,
//! so noding repeats until nothing changes.

use std::collections::BTreeSet;

use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};

/// A lattice point: longitude and latitude in units of 1e-7 degree.
pub type Pt = [i64; 2];

/// Lattice units per degree.
pub const SCALE: f64 = 1e7;

/// Snaps a longitude/latitude in degrees to the nearest lattice point.
pub fn snap(p: [f64; 2]) -> Pt {
    [(p[0] * SCALE).round() as i64, (p[1] * SCALE).round() as i64]
}

/// Converts a lattice point back to degrees; the result prints with at most 7 decimals.
pub fn degrees(p: Pt) -> [f64; 2] {
    [p[0] as f64 / SCALE, p[1] as f64 / SCALE]
}

/// Twice the signed area of triangle `a b c`: positive when `c` is left of `a→b`.
pub fn orient(a: Pt, b: Pt, c: Pt) -> i128 {
    let (abx, aby) = ((b[0] - a[0]) as i128, (b[1] - a[1]) as i128);
    let (acx, acy) = ((c[0] - a[0]) as i128, (c[1] - a[1]) as i128);
    abx * acy - aby * acx
}

/// Whether `p` lies on segment `a b`, endpoints excluded.
pub fn strictly_on(a: Pt, b: Pt, p: Pt) -> bool {
    p != a && p != b && orient(a, b, p) == 0 && within(a[0], b[0], p[0]) && within(a[1], b[1], p[1])
}

fn within(a: i64, b: i64, v: i64) -> bool {
    a.min(b) <= v && v <= a.max(b)
}

/// A straight piece of a road, a chord or the frame; `frame` marks pieces of the frame boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Segment {
    /// One end.
    pub a: Pt,
    /// The other end.
    pub b: Pt,
    /// Whether the segment is part of the frame boundary.
    pub frame: bool,
}

/// Rounds `n / d` to the nearest integer (`d > 0`).
fn div_round(n: i128, d: i128) -> i128 {
    (2 * n + d).div_euclid(2 * d)
}

/// The lattice point nearest to the crossing of two properly crossing segments.
fn crossing(a: Pt, b: Pt, c: Pt, d: Pt) -> Pt {
    let (rx, ry) = ((b[0] - a[0]) as i128, (b[1] - a[1]) as i128);
    let (sx, sy) = ((d[0] - c[0]) as i128, (d[1] - c[1]) as i128);
    let (qx, qy) = ((c[0] - a[0]) as i128, (c[1] - a[1]) as i128);
    let mut num = qx * sy - qy * sx;
    let mut den = rx * sy - ry * sx;
    if den < 0 {
        num = -num;
        den = -den;
    }
    [a[0] + div_round(num * rx, den) as i64, a[1] + div_round(num * ry, den) as i64]
}

/// Points where other segments touch or cross segment `i` (and `j`), pushed onto `cuts`.
fn cut_pair(s: &Segment, t: &Segment, cuts_s: &mut Vec<Pt>, cuts_t: &mut Vec<Pt>) {
    let (o1, o2) = (orient(s.a, s.b, t.a), orient(s.a, s.b, t.b));
    let (o3, o4) = (orient(t.a, t.b, s.a), orient(t.a, t.b, s.b));
    if o1.signum() * o2.signum() < 0 && o3.signum() * o4.signum() < 0 {
        let x = crossing(s.a, s.b, t.a, t.b);
        cuts_s.push(x);
        cuts_t.push(x);
        return;
    }
    // Touching or collinear overlap: an end of one lying inside the other cuts it there.
    for p in [t.a, t.b] {
        if strictly_on(s.a, s.b, p) {
            cuts_s.push(p);
        }
    }
    for p in [s.a, s.b] {
        if strictly_on(t.a, t.b, p) {
            cuts_t.push(p);
        }
    }
}

fn envelope(s: &Segment) -> Rectangle<[i64; 2]> {
    Rectangle::from_corners(s.a, s.b)
}

/// One pass: cuts every segment at the points other segments give it. Returns the pieces and whether
/// anything was cut.
fn node_once(segs: &[Segment]) -> (Vec<Segment>, bool) {
    let tree = RTree::bulk_load(segs.iter().enumerate().map(|(i, s)| GeomWithData::new(envelope(s), i)).collect());
    let mut cuts: Vec<Vec<Pt>> = vec![Vec::new(); segs.len()];
    for (i, s) in segs.iter().enumerate() {
        let env = AABB::from_corners(s.a, s.b);
        let mut others: Vec<usize> =
            tree.locate_in_envelope_intersecting(&env).map(|g| g.data).filter(|&j| j > i).collect();
        others.sort_unstable();
        for j in others {
            let (mut ci, mut cj) = (Vec::new(), Vec::new());
            cut_pair(s, &segs[j], &mut ci, &mut cj);
            cuts[i].extend(ci);
            cuts[j].extend(cj);
        }
    }
    let mut changed = false;
    let mut out = Vec::with_capacity(segs.len());
    for (s, mut c) in segs.iter().zip(cuts) {
        let d = [(s.b[0] - s.a[0]) as i128, (s.b[1] - s.a[1]) as i128];
        let along = |p: &Pt| (p[0] - s.a[0]) as i128 * d[0] + (p[1] - s.a[1]) as i128 * d[1];
        c.retain(|p| *p != s.a && *p != s.b);
        c.sort_by_key(|p| (along(p), *p));
        c.dedup();
        changed |= !c.is_empty();
        let mut prev = s.a;
        for p in c.into_iter().chain(std::iter::once(s.b)) {
            if p != prev {
                out.push(Segment { a: prev, b: p, frame: s.frame });
            }
            prev = p;
        }
    }
    (out, changed)
}

/// Orders the ends of each segment, drops zero-length ones and merges duplicates (a duplicate of a frame
/// segment is a frame segment).
fn normalise(segs: impl IntoIterator<Item = Segment>) -> Vec<Segment> {
    let mut set = BTreeSet::new();
    for s in segs {
        if s.a != s.b {
            let (a, b) = if s.a < s.b { (s.a, s.b) } else { (s.b, s.a) };
            set.insert((a, b, !s.frame));
        }
    }
    let mut out: Vec<Segment> = Vec::with_capacity(set.len());
    for (a, b, not_frame) in set {
        // Sorted with frame (`!frame == false`) first, so the first copy decides.
        if out.last().is_some_and(|l| l.a == a && l.b == b) {
            continue;
        }
        out.push(Segment { a, b, frame: !not_frame });
    }
    out
}

/// Nodes the segments: the result has no two segments crossing or touching except at shared ends.
pub fn node(segments: &[Segment]) -> Vec<Segment> {
    let mut segs = normalise(segments.iter().copied());
    // Rounding a crossing to the lattice moves it by under a centimetre; a few passes settle every case
    // seen in practice, and the cap keeps a pathological input from looping.
    for _ in 0..16 {
        let (next, changed) = node_once(&segs);
        segs = normalise(next);
        if !changed {
            break;
        }
    }
    segs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(a: Pt, b: Pt) -> Segment {
        Segment { a, b, frame: false }
    }

    #[test]
    fn a_cross_becomes_four_pieces_meeting_at_one_point() {
        let out = node(&[seg([0, 0], [10, 10]), seg([0, 10], [10, 0])]);
        assert_eq!(out.len(), 4);
        assert!(out.iter().all(|s| s.a == [5, 5] || s.b == [5, 5]));
    }

    #[test]
    fn a_t_junction_cuts_the_through_road() {
        let out = node(&[seg([0, 0], [10, 0]), seg([4, 0], [4, 7])]);
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn collinear_overlaps_are_merged() {
        let out = node(&[seg([0, 0], [10, 0]), seg([5, 0], [15, 0])]);
        assert_eq!(out, vec![seg([0, 0], [5, 0]), seg([5, 0], [10, 0]), seg([10, 0], [15, 0])]);
    }

    #[test]
    fn snapping_is_exact_to_seven_decimals() {
        let p = snap([114.0397861, 22.5444302]);
        assert_eq!(p, [1_140_397_861, 225_444_302]);
        assert_eq!(degrees(p), [114.0397861, 22.5444302]);
    }
}
