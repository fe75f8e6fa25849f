//! The household estimate and the pieces that grids are made of.
//!
//! There are no building footprints, so households are an area-based estimate: area × density, where the
//! density of a block rises with the length of homely roads (residential, living_street, service) in it,
//! so parks, water, interchanges and big open sites get a fraction of it. The density is calibrated so that the
//! whole frame holds the number of households the demo's real communities can carry (see `build`).

use rstar::{RTree, primitives::GeomWithData, primitives::Rectangle};

use super::error::DemoError;
use wangge_core::planar::faces::Graph;
use wangge_core::planar::noding::{Pt, Segment};
use wangge_core::planar::rings::{Location, Metric, Poly, interior_point};

/// Density of blocks without homely roads, relative to the densest blocks.
pub const SPARSE_FACTOR: f64 = 0.15;

/// Homely road length per area (km/km²) from which a block counts as fully residential; about the
/// median of the blocks in central Futian.
pub const FULL_INTENSITY: f64 = 12.0;

/// Faces smaller than this (m²), such as traffic islands, are merged into a neighbour.
pub const MIN_PIECE_M2: f64 = 2_500.0;

/// Looks up the density factor of the original block under a point.
pub struct DensityMap {
    tree: RTree<GeomWithData<Rectangle<[i64; 2]>, usize>>,
    blocks: Vec<(Poly, f64)>,
}

fn bbox(poly: &Poly) -> Rectangle<[i64; 2]> {
    let (mut lo, mut hi) = ([i64::MAX; 2], [i64::MIN; 2]);
    for p in &poly.shell {
        lo = [lo[0].min(p[0]), lo[1].min(p[1])];
        hi = [hi[0].max(p[0]), hi[1].max(p[1])];
    }
    Rectangle::from_corners(lo, hi)
}

impl DensityMap {
    /// Rates each block by the length of homely road inside it (roads along its edge count half), per
    /// km²: [`FULL_INTENSITY`] or more gets factor 1, less gets proportionally less, down to
    /// [`SPARSE_FACTOR`]. `homely` are the homely road segments.
    pub fn new(blocks: Vec<Poly>, homely: &[Segment], m: Metric) -> DensityMap {
        let tree = RTree::bulk_load(blocks.iter().enumerate().map(|(i, b)| GeomWithData::new(bbox(b), i)).collect());
        let mut length = vec![0.0; blocks.len()];
        for s in homely {
            let mid2 = [s.a[0] + s.b[0], s.a[1] + s.b[1]];
            let len = ((s.a[0] - s.b[0]) as f64 * m.kx).hypot((s.a[1] - s.b[1]) as f64 * m.ky);
            for hit in tree.locate_all_at_point(&[mid2[0].div_euclid(2), mid2[1].div_euclid(2)]) {
                let doubled = Poly {
                    shell: blocks[hit.data].shell.iter().map(|q| [2 * q[0], 2 * q[1]]).collect(),
                    holes: blocks[hit.data]
                        .holes
                        .iter()
                        .map(|h| h.iter().map(|q| [2 * q[0], 2 * q[1]]).collect())
                        .collect(),
                };
                match doubled.locate(mid2) {
                    Location::Inside => length[hit.data] += len,
                    Location::Boundary => length[hit.data] += len / 2.0,
                    Location::Outside => {}
                }
            }
        }
        let factor = blocks.iter().zip(&length).map(|(b, len)| {
            let km_per_km2 = len / 1000.0 / (m.m2(b.area2()) / 1e6).max(1e-9);
            (km_per_km2 / FULL_INTENSITY).clamp(SPARSE_FACTOR, 1.0)
        });
        DensityMap { tree, blocks: blocks.iter().cloned().zip(factor).collect() }
    }

    /// The blocks with their factors.
    pub fn blocks(&self) -> &[(Poly, f64)] {
        &self.blocks
    }

    /// The factor of the block containing `p` (sparse if none does).
    pub fn factor_at(&self, p: Pt) -> f64 {
        let mut hits: Vec<usize> = self.tree.locate_all_at_point(&p).map(|h| h.data).collect();
        hits.sort_unstable();
        hits.into_iter()
            .find(|&i| self.blocks[i].0.locate(p) == Location::Inside)
            .map_or(SPARSE_FACTOR, |i| self.blocks[i].1)
    }

    /// Σ area × factor over the blocks, in km².
    pub fn weighted_km2(&self, m: Metric) -> f64 {
        self.blocks.iter().map(|(p, f)| m.m2(p.area2()) / 1e6 * f).sum()
    }
}

/// One unit of the partition: a face of the final graph with its tiny neighbours merged in.
#[derive(Debug, Clone)]
pub struct Piece {
    /// The faces (indices into the graph).
    pub faces: Vec<usize>,
    /// Estimated households.
    pub households: u32,
    /// A lattice point strictly inside the piece's largest face.
    pub point: Pt,
    /// Area in square metres.
    pub area_m2: f64,
}

/// Merges faces under [`MIN_PIECE_M2`] into the neighbour they share most boundary with, smallest first,
/// and rounds the estimate per piece. `households[f]` is the fractional estimate of face `f`.
pub fn pieces(g: &Graph, polys: &[Option<Poly>], households: &[f64], m: Metric) -> Result<Vec<Piece>, DemoError> {
    let n = g.face_count();
    let mut root: Vec<usize> = (0..n).collect();
    fn find(root: &mut [usize], mut f: usize) -> usize {
        while root[f] != f {
            root[f] = root[root[f]];
            f = root[f];
        }
        f
    }
    let area: Vec<f64> = polys.iter().map(|p| p.as_ref().map_or(0.0, |p| m.m2(p.area2()))).collect();
    let mut merged_area = area.clone();
    let adjacency = g.adjacency();
    let mut small: Vec<usize> = (0..n).filter(|&f| f != g.outer && area[f] < MIN_PIECE_M2).collect();
    small.sort_by(|&a, &b| area[a].total_cmp(&area[b]).then(a.cmp(&b)));
    for f in small {
        let rf = find(&mut root, f);
        if merged_area[rf] >= MIN_PIECE_M2 {
            continue;
        }
        let mut shared: std::collections::BTreeMap<usize, f64> = std::collections::BTreeMap::new();
        for (&(a, b), len) in adjacency.range((f, 0)..(f + 1, 0)) {
            debug_assert_eq!(a, f);
            let rb = find(&mut root, b);
            if rb != rf {
                *shared.entry(rb).or_default() += len;
            }
        }
        let best = shared.into_iter().max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(&x.0)));
        if let Some((rb, _)) = best {
            root[rf] = rb;
            merged_area[rb] += merged_area[rf];
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = std::collections::BTreeMap::new();
    for f in (0..n).filter(|&f| f != g.outer && polys[f].is_some()) {
        let r = find(&mut root, f);
        groups.entry(r).or_default().push(f);
    }
    let mut out = Vec::new();
    for faces in groups.into_values() {
        let biggest = faces.iter().copied().max_by(|&a, &b| area[a].total_cmp(&area[b]).then(b.cmp(&a)));
        let point = biggest.and_then(|f| polys[f].as_ref()).and_then(interior_point);
        let Some(point) = point else {
            return Err(DemoError::Topology(format!("no interior point for faces {faces:?}")));
        };
        out.push(Piece {
            households: faces.iter().map(|&f| households[f]).sum::<f64>().round() as u32,
            area_m2: faces.iter().map(|&f| area[f]).sum(),
            faces,
            point,
        });
    }
    Ok(out)
}
