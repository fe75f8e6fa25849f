//! The frame of the demo city and its blocks: the faces of the major-road graph clipped to the frame,
//! pruned of dangles and bridges, and cut by chords until no block is too big for a grid.

use std::collections::{BTreeMap, BTreeSet};

use super::error::DemoError;
use wangge_core::planar::faces::Graph;
use wangge_core::planar::noding::{Pt, SCALE, Segment, node, snap};
use wangge_core::planar::rings::{Location, Metric, Poly, assemble, locate_ring, ring_area2};

/// How far the frame is pulled in from the roads' bounding box, in degrees (≈ 30 m), so the edge of the
/// map does not run along the last, half-mapped roads.
const INSET: f64 = 0.0003;

/// How far a chord reaches past the block edge, in lattice units (≈ 3 cm), so it crosses the edge
/// properly despite rounding; the overhang is pruned as a dangle.
const CHORD_OVERHANG: f64 = 3.0;

/// Chords shorter than this (metres) are not drawn: they would only make slivers.
const MIN_CHORD_M: f64 = 25.0;

/// The demo area: the roads' bounding box, inset, intersected with the district outline.
///
/// Points where the district outline crosses the box are rounded to the lattice along the box edge, on
/// the side that stays inside the district, so the frame is exactly inside the outline.
pub fn frame(district: &[Pt], bbox: [f64; 4]) -> Result<Vec<Pt>, DemoError> {
    let inward = |v: f64, up: bool| {
        let v = if up { v + INSET } else { v - INSET };
        // Whole 1e-4 degrees, rounded inwards, keep the frame corners readable.
        if up { (v * 1e4).ceil() / 1e4 } else { (v * 1e4).floor() / 1e4 }
    };
    let [w, s, e, n] = [inward(bbox[0], true), inward(bbox[1], true), inward(bbox[2], false), inward(bbox[3], false)];
    let mut ring: Vec<[f64; 2]> = district.iter().map(|p| [p[0] as f64 / SCALE, p[1] as f64 / SCALE]).collect();
    if ring_area2(district) < 0 {
        ring.reverse();
    }
    // Sutherland–Hodgman against the four box edges; `along` is the free coordinate of a crossing.
    let edges: [(usize, f64, bool); 4] = [(0, w, true), (0, e, false), (1, s, true), (1, n, false)];
    for (axis, limit, keep_above) in edges {
        let keep = |p: &[f64; 2]| if keep_above { p[axis] >= limit } else { p[axis] <= limit };
        let mut out = Vec::new();
        for i in 0..ring.len() {
            let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
            if keep(&a) {
                out.push(a);
            }
            if keep(&a) != keep(&b) {
                let t = (limit - a[axis]) / (b[axis] - a[axis]);
                let mut x = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
                x[axis] = limit;
                out.push(x);
            }
        }
        ring = out;
    }
    let mut pts: Vec<Pt> = Vec::new();
    for p in ring {
        let mut q = snap(p);
        if !district.contains(&q) && locate_ring(district, q) != Location::Inside {
            // Crossings of outline and box may land on or off the outline; nudge them along the box edge
            // they lie on, strictly inside, so that no float test can put them outside.
            let free = usize::from(q[0] == snap([w, 0.0])[0] || q[0] == snap([e, 0.0])[0]);
            let tries = [-1, 1, -2, 2].map(|d| {
                let mut r = q;
                r[free] += d;
                r
            });
            q = tries.into_iter().find(|r| locate_ring(district, *r) == Location::Inside).unwrap_or(q);
        }
        if pts.last() != Some(&q) && pts.first() != Some(&q) {
            pts.push(q);
        }
    }
    if pts.len() < 3 || ring_area2(&pts) <= 0 {
        return Err(DemoError::Topology("the roads' box does not overlap the district".into()));
    }
    Ok(pts)
}

/// The segments of the frame ring.
pub fn frame_segments(frame: &[Pt]) -> Vec<Segment> {
    (0..frame.len()).map(|i| Segment { a: frame[i], b: frame[(i + 1) % frame.len()], frame: true }).collect()
}

/// Nodes frame and road segments, drops roads outside the frame, then removes dangles, pieces not
/// connected to the frame and bridges until every edge has a block on each side.
pub fn planar_graph(frame: &[Pt], segments: &[Segment]) -> Result<Graph, DemoError> {
    let doubled: Vec<Pt> = frame.iter().map(|p| [2 * p[0], 2 * p[1]]).collect();
    let inside = |s: &Segment| s.frame || locate_ring(&doubled, [s.a[0] + s.b[0], s.a[1] + s.b[1]]) == Location::Inside;
    let mut segs: Vec<Segment> = node(segments).into_iter().filter(inside).collect();
    for _ in 0..8 {
        if !pull_inside(&mut segs, frame) {
            break;
        }
        segs = node(&segs).into_iter().filter(inside).collect();
    }
    loop {
        segs = prune(segs);
        let g = Graph::trace(&segs)?;
        let bridges: BTreeSet<usize> = g.bridges().into_iter().collect();
        if bridges.is_empty() {
            return Ok(g);
        }
        segs = segs.into_iter().enumerate().filter(|(i, _)| !bridges.contains(i)).map(|(_, s)| s).collect();
    }
}

/// Moves the points where roads meet the frame, rounded to the lattice and so possibly a centimetre
/// outside it, to the nearest lattice point strictly inside. The frame then bends by a centimetre there
/// but never leaves the district. Returns whether anything moved.
fn pull_inside(segs: &mut [Segment], frame: &[Pt]) -> bool {
    let corners: BTreeSet<Pt> = frame.iter().copied().collect();
    let mut moves: BTreeMap<Pt, Pt> = BTreeMap::new();
    for p in segs.iter().filter(|s| s.frame).flat_map(|s| [s.a, s.b]) {
        if corners.contains(&p) || moves.contains_key(&p) || locate_ring(frame, p) == Location::Inside {
            continue;
        }
        let mut near: Vec<Pt> = (-2..=2).flat_map(|dx| (-2..=2).map(move |dy| [p[0] + dx, p[1] + dy])).collect();
        near.sort_by_key(|q| ((q[0] - p[0]).pow(2) + (q[1] - p[1]).pow(2), *q));
        if let Some(q) = near.into_iter().find(|q| locate_ring(frame, *q) == Location::Inside) {
            moves.insert(p, q);
        }
    }
    for s in segs.iter_mut() {
        s.a = moves.get(&s.a).copied().unwrap_or(s.a);
        s.b = moves.get(&s.b).copied().unwrap_or(s.b);
    }
    !moves.is_empty()
}

/// Removes dangling ends, repeatedly, and everything not connected to the frame.
fn prune(mut segs: Vec<Segment>) -> Vec<Segment> {
    loop {
        let mut degree: BTreeMap<Pt, usize> = BTreeMap::new();
        for s in &segs {
            *degree.entry(s.a).or_default() += 1;
            *degree.entry(s.b).or_default() += 1;
        }
        let before = segs.len();
        segs.retain(|s| degree[&s.a] > 1 && degree[&s.b] > 1);
        if segs.len() == before {
            break;
        }
    }
    let mut links: BTreeMap<Pt, Vec<Pt>> = BTreeMap::new();
    for s in &segs {
        links.entry(s.a).or_default().push(s.b);
        links.entry(s.b).or_default().push(s.a);
    }
    let mut reached = BTreeSet::new();
    let mut stack: Vec<Pt> = segs.iter().filter(|s| s.frame).map(|s| s.a).take(1).collect();
    while let Some(p) = stack.pop() {
        if reached.insert(p) {
            stack.extend(links.get(&p).into_iter().flatten().filter(|q| !reached.contains(*q)));
        }
    }
    segs.retain(|s| reached.contains(&s.a));
    segs
}

/// The bounded faces of a graph as polygons, indexed by face (the unbounded face gets `None`).
pub fn face_polys(g: &Graph) -> Vec<Option<Poly>> {
    let group: Vec<Option<usize>> = (0..g.face_count()).map(|f| (f != g.outer).then_some(f)).collect();
    let mut rings = g.group_rings(&group);
    (0..g.face_count()).map(|f| rings.remove(&f).and_then(|r| assemble(r).into_iter().next())).collect()
}

/// Chords that cut `poly` across its longer axis through its centroid, one per inside stretch of the
/// cutting line. The axis is the principal axis of the polygon's area in metres.
pub fn chords(poly: &Poly, m: Metric) -> Vec<Segment> {
    let o = poly.shell[0];
    let to_m = |p: Pt| [(p[0] - o[0]) as f64 * m.kx, (p[1] - o[1]) as f64 * m.ky];
    let (mut a, mut cx, mut cy, mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    let rings: Vec<&Vec<Pt>> = std::iter::once(&poly.shell).chain(&poly.holes).collect();
    for ring in &rings {
        for i in 0..ring.len() {
            let ([x0, y0], [x1, y1]) = (to_m(ring[i]), to_m(ring[(i + 1) % ring.len()]));
            let c = x0 * y1 - x1 * y0;
            a += c / 2.0;
            cx += (x0 + x1) * c / 6.0;
            cy += (y0 + y1) * c / 6.0;
            sxx += (x0 * x0 + x0 * x1 + x1 * x1) * c / 12.0;
            syy += (y0 * y0 + y0 * y1 + y1 * y1) * c / 12.0;
            sxy += (x0 * y1 + 2.0 * x0 * y0 + 2.0 * x1 * y1 + x1 * y0) * c / 24.0;
        }
    }
    if a <= 0.0 {
        return Vec::new();
    }
    let (cx, cy) = (cx / a, cy / a);
    let (sxx, syy, sxy) = (sxx - a * cx * cx, syy - a * cy * cy, sxy - a * cx * cy);
    let theta = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    // The cut runs perpendicular to the long axis; everything below is in lattice units.
    let d = [-theta.sin() / m.kx, theta.cos() / m.ky];
    let len = d[0].hypot(d[1]);
    let d = [d[0] / len, d[1] / len];
    let c = [o[0] as f64 + cx / m.kx, o[1] as f64 + cy / m.ky];
    let side = |p: Pt| d[0] * (p[1] as f64 - c[1]) - d[1] * (p[0] as f64 - c[0]);
    let mut ts = Vec::new();
    for ring in &rings {
        for i in 0..ring.len() {
            let (p, q) = (ring[i], ring[(i + 1) % ring.len()]);
            let (sp, sq) = (side(p), side(q));
            if (sp > 0.0) != (sq > 0.0) {
                let u = sp / (sp - sq);
                let x = [p[0] as f64 + u * (q[0] - p[0]) as f64, p[1] as f64 + u * (q[1] - p[1]) as f64];
                ts.push((x[0] - c[0]) * d[0] + (x[1] - c[1]) * d[1]);
            }
        }
    }
    ts.sort_by(f64::total_cmp);
    let at = |t: f64| snap([(c[0] + t * d[0]) / SCALE, (c[1] + t * d[1]) / SCALE]);
    let metres = (d[0] * m.kx).hypot(d[1] * m.ky);
    ts.chunks_exact(2)
        .filter(|t| (t[1] - t[0]) * metres >= MIN_CHORD_M)
        .map(|t| Segment { a: at(t[0] - CHORD_OVERHANG), b: at(t[1] + CHORD_OVERHANG), frame: false })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chord_splits_a_square_into_two_halves() {
        let k = 10_000;
        let square = vec![[0, 0], [2 * k, 0], [2 * k, k], [0, k]];
        let m = Metric { kx: 0.01, ky: 0.01 };
        let cuts = chords(&Poly { shell: square.clone(), holes: Vec::new() }, m);
        assert_eq!(cuts.len(), 1);
        let mut segs = frame_segments(&square);
        segs.extend(cuts);
        let g = match planar_graph(&square, &segs) {
            Ok(g) => g,
            Err(e) => panic!("{e}"),
        };
        let mut areas: Vec<i128> = face_polys(&g).into_iter().flatten().map(|p| p.area2()).collect();
        areas.sort_unstable();
        assert_eq!(areas.len(), 2);
        // Where the chord meets the frame it may be pulled a lattice unit inwards.
        assert!((areas[0] + areas[1] - ring_area2(&square)).abs() <= 4 * k as i128);
        assert!((areas[0] - areas[1]).abs() < 2 * k as i128);
    }

    #[test]
    fn the_frame_stays_inside_a_district_that_cuts_the_box() {
        let district: Vec<Pt> = vec![[0, 0], [100_000, 0], [100_000, 100_000], [0, 33_333]];
        let f = match frame(&district, [0.0, 0.0, 0.01, 0.01]) {
            Ok(f) => f,
            Err(e) => panic!("{e}"),
        };
        assert!(f.iter().all(|p| locate_ring(&district, *p) != Location::Outside));
        assert!(f.len() >= 4);
    }
}
