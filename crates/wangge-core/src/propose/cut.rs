//! Cutting a block that holds more households than a grid may into two, along a straight chord that
//! passes between its buildings (never through one), so that grids can still be made of whole
//! buildings where the roads leave a block of 1,000 households between them.
//!
//! # Method
//! For [`DIRECTIONS`] directions evenly spread over half a turn, every building of the block (its
//! footprint, or its point when it has none) is projected onto the direction's normal. Sorted by
//! projection, each gap of at least [`CLEARANCE_M`] between the extents of consecutive buildings is a
//! place to cut: the line across the block at the middle of the gap leaves whole buildings on each
//! side. Candidates are scored by how far the households on the low side are from the wanted share —
//! `⌊m/2⌋/m` of the block with `m = ⌈households/max⌉` grids needed, so 1,200 households with a
//! maximum of 500 are cut 400 | 800 and the 800 again 400 | 400 — plus a small term for the chord's
//! length (short cuts first) and one per extra piece (a line crossing a concave block more than once).
//! The best line is clipped to the block: each stretch inside it is one chord, extended by a few
//! lattice units at both ends so that noding meets the block's boundary; the stubs poking out dangle
//! and are pruned when the blocks are traced again. Everything is a pure function of the block and its
//! buildings, so the same inputs cut the same way.

use geo::CoordsIter;

use super::units::{Block, BuildingInput};
use crate::planar::noding::{Pt, Segment, snap};
use crate::planar::rings::Metric;

/// Directions tried (every 7.5°).
pub const DIRECTIONS: usize = 24;

/// Least gap between the extents of two buildings that a chord may pass through, metres.
pub const CLEARANCE_M: f64 = 0.5;

/// The chord pieces cutting `block` in two between its buildings (`buildings` is the whole building
/// input, indexed by [`Block::buildings`]); `None` when no straight line separates its buildings
/// (one building, or all of them in a row across every direction).
pub fn chord(block: &Block, buildings: &[BuildingInput], max: u64, metric: Metric) -> Option<Vec<Segment>> {
    let members: Vec<usize> = block.buildings.iter().copied().filter(|&i| i < buildings.len()).collect();
    let total: u64 = members.iter().map(|&i| buildings[i].households).sum();
    if members.len() < 2 || total == 0 {
        return None;
    }
    // Metres around the block's centre: angles are true and numbers small.
    let o = block.centre;
    let to_m = |p: Pt| [(p[0] as f64 - o[0]) * metric.kx, (p[1] as f64 - o[1]) * metric.ky];
    let extents: Vec<Vec<[f64; 2]>> = members
        .iter()
        .map(|&i| {
            let b = &buildings[i];
            let mut pts = vec![to_m(snap([b.point.x, b.point.y]))];
            if let Some(fp) = &b.footprint {
                pts.extend(fp.coords_iter().map(|c| to_m(snap([c.x, c.y]))));
            }
            pts
        })
        .collect();
    let rings: Vec<Vec<[f64; 2]>> = std::iter::once(&block.poly.shell)
        .chain(&block.poly.holes)
        .map(|r| r.iter().map(|&p| to_m(p)).collect())
        .collect();
    let needed = total.div_ceil(max.max(1)).max(2);
    let share = (needed / 2) as f64 / needed as f64;
    let scale = block.area_m2.max(1.0).sqrt();
    let mut best: Option<(f64, Vec<[[f64; 2]; 2]>)> = None;
    for step in 0..DIRECTIONS {
        let theta = std::f64::consts::PI * step as f64 / DIRECTIONS as f64;
        let n = [theta.cos(), theta.sin()];
        let dot = |p: [f64; 2]| p[0] * n[0] + p[1] * n[1];
        let mut spans: Vec<(f64, f64, u64)> = extents
            .iter()
            .zip(&members)
            .map(|(pts, &i)| {
                let (lo, hi) = pts.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &p| (lo.min(dot(p)), hi.max(dot(p))));
                (lo, hi, buildings[i].households)
            })
            .collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let (mut reach, mut low) = (f64::MIN, 0u64);
        for w in 0..spans.len() - 1 {
            reach = reach.max(spans[w].1);
            low += spans[w].2;
            let next = spans[w + 1].0;
            if next - reach < CLEARANCE_M {
                continue;
            }
            let c = (reach + next) / 2.0;
            let frac = low as f64 / total as f64;
            let balance = (frac - share).abs().min((frac - (1.0 - share)).abs());
            let pieces = clip(&rings, n, c);
            if pieces.is_empty() {
                continue;
            }
            let length: f64 = pieces.iter().map(|[a, b]| (b[0] - a[0]).hypot(b[1] - a[1])).sum();
            let score = balance + 0.05 * length / scale + 0.05 * (pieces.len() - 1) as f64;
            if best.as_ref().is_none_or(|(s, _)| score < *s - 1e-12) {
                best = Some((score, pieces));
            }
        }
    }
    let (_, pieces) = best?;
    // Back to the lattice, each end pushed a few units past the boundary so noding finds the crossing.
    let ext = 3.0 * metric.kx.max(metric.ky);
    let to_lattice =
        |p: [f64; 2]| -> Pt { [(p[0] / metric.kx + o[0]).round() as i64, (p[1] / metric.ky + o[1]).round() as i64] };
    let segs = pieces
        .into_iter()
        .filter_map(|[a, b]| {
            let len = (b[0] - a[0]).hypot(b[1] - a[1]);
            if len <= 0.0 {
                return None;
            }
            let u = [(b[0] - a[0]) / len, (b[1] - a[1]) / len];
            let a = to_lattice([a[0] - u[0] * ext, a[1] - u[1] * ext]);
            let b = to_lattice([b[0] + u[0] * ext, b[1] + u[1] * ext]);
            (a != b).then_some(Segment { a, b, frame: false })
        })
        .collect::<Vec<_>>();
    (!segs.is_empty()).then_some(segs)
}

/// The stretches of the line `{p : p·n = c}` inside the polygon `rings` (shell and holes), as pairs of
/// end points, in order along the line.
fn clip(rings: &[Vec<[f64; 2]>], n: [f64; 2], c: f64) -> Vec<[[f64; 2]; 2]> {
    let d = [-n[1], n[0]];
    let mut ts: Vec<f64> = Vec::new();
    for ring in rings {
        for i in 0..ring.len() {
            let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
            let sa = a[0] * n[0] + a[1] * n[1] - c;
            let sb = b[0] * n[0] + b[1] * n[1] - c;
            // Half-open: a vertex exactly on the line counts on the positive side, so it is met once.
            if (sa >= 0.0) != (sb >= 0.0) {
                let s = sa / (sa - sb);
                let p = [a[0] + (b[0] - a[0]) * s, a[1] + (b[1] - a[1]) * s];
                ts.push(p[0] * d[0] + p[1] * d[1]);
            }
        }
    }
    if ts.len() % 2 != 0 {
        return Vec::new();
    }
    ts.sort_by(f64::total_cmp);
    let at = |t: f64| [n[0] * c + d[0] * t, n[1] * c + d[1] * t];
    ts.chunks(2).filter(|p| p[1] - p[0] > 1e-6).map(|p| [at(p[0]), at(p[1])]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planar::rings::Poly;
    use geo::Coord;

    #[test]
    fn a_square_block_is_cut_between_its_two_rows_of_buildings() {
        // A 100 m square block (about 0.0009°) with four buildings of 300 households, two on each side
        // of its middle column: the cut runs between them and leaves 600 | 600.
        let metric = Metric::at(22.5);
        let s = 9000i64;
        let poly = Poly { shell: vec![[0, 0], [s, 0], [s, s], [0, s]], holes: vec![] };
        let block = Block {
            faces: vec![0],
            poly,
            area_m2: 1e4,
            outer_m: 0.0,
            perimeter_m: 400.0,
            centre: [s as f64 / 2.0, s as f64 / 2.0],
            households: 1200,
            buildings: vec![0, 1, 2, 3],
        };
        let at = |x: i64, y: i64| Coord { x: x as f64 / 1e7, y: y as f64 / 1e7 };
        let b = |x, y| BuildingInput {
            code: String::new(),
            households: 300,
            residents: None,
            point: at(x, y),
            footprint: None,
        };
        let buildings = vec![b(2000, 2000), b(2000, 7000), b(7000, 2000), b(7000, 7000)];
        let segs = chord(&block, &buildings, 500, metric).unwrap_or_else(|| panic!("no chord"));
        assert_eq!(segs.len(), 1);
        let side = |p: Coord<f64>| {
            let q = snap([p.x, p.y]);
            crate::planar::noding::orient(segs[0].a, segs[0].b, q).signum()
        };
        let low: u64 = buildings.iter().filter(|x| side(x.point) < 0).map(|x| x.households).sum();
        assert!(low == 600 || low == 300 || low == 900, "{low}");
        assert!(buildings.iter().all(|x| side(x.point) != 0));
        // One building cannot be cut.
        let one = Block { buildings: vec![0], ..block };
        assert!(chord(&one, &buildings, 500, metric).is_none());
    }
}
