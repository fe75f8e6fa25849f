//! The units a community is divided into: its blocks, the faces of its road network clipped to the
//! community polygon, with the households of the buildings inside each and the road between each two
//! neighbours.
//!
//! # How blocks are formed
//! 1. The community's rings and every road segment near it are snapped to the 1e-7° lattice and noded
//!    together ([`crate::planar::noding`]); road pieces outside the community are dropped.
//!    Road segments touching a building footprint are left out: a road through a building (a passage)
//!    must not cut it between two grids.
//! 2. Dangling road ends are pruned (they bound nothing). Pieces not connected to the rest (a road loop
//!    inside a park, a hole of the community) are joined to the nearest other piece by a straight
//!    connector, so the graph is connected and its faces can be traced ([`crate::planar::faces`]).
//! 3. Every bounded face whose interior point lies inside the community is a block. Blocks tile the
//!    community exactly and neighbouring blocks share bit-identical lattice vertices, so any grouping
//!    of blocks tiles it too.
//!
//! # Road strength
//! Each edge between two blocks takes the strongest road it runs along ([`road_strength`], from the
//! road's stored `highway` class): 1.0 for a trunk or primary road (a boundary people cannot cross
//! anywhere), down to 0.15 for a footway; 0.0 for a connector that is no road at all. A grid
//! boundary on a strong road is a good boundary; one across a footway or through a block is not.

use std::collections::{BTreeMap, BTreeSet};

use geo::{BoundingRect, Coord, Geometry, Intersects};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::planar::faces::Graph;
use crate::planar::noding::{Pt, Segment, node, snap};
use crate::planar::rings::{Location, Metric, Poly, assemble, interior_point, ring_area2};

/// A road line as stored: its `highway` class and its vertices (WGS 84).
#[derive(Debug, Clone, Copy)]
pub struct RoadInput<'a> {
    /// OSM `highway` value, or an OSMnx list such as `"['steps', 'footway']"`.
    pub highway: &'a str,
    /// Vertices, longitude/latitude.
    pub coords: &'a [Coord<f64>],
}

/// A building of the community: its households and a point inside it.
#[derive(Debug, Clone)]
pub struct BuildingInput {
    /// Building code.
    pub code: String,
    /// Households living in it.
    pub households: u64,
    /// Residents, when the building states them.
    pub residents: Option<u64>,
    /// A point inside the building (its interior point), longitude/latitude.
    pub point: Coord<f64>,
    /// Its footprint, when it has one: a road touching a footprint runs through or along the building
    /// (a passage, an arcade) and bounds no block, so that a building is never cut between grids.
    pub footprint: Option<geo::MultiPolygon<f64>>,
}

/// How strongly a road of class `highway` separates what lies on either side, from 0 (no boundary)
/// to 1 (a main road). Lists (`"['primary', 'trunk']"`) take their strongest value; unknown classes
/// count as a service road.
pub fn road_strength(highway: &str) -> f64 {
    let one = |h: &str| match h {
        "motorway" | "motorway_link" | "trunk" | "trunk_link" | "primary" | "primary_link" => 1.0,
        "secondary" | "secondary_link" => 0.9,
        "tertiary" | "tertiary_link" => 0.75,
        "residential" | "unclassified" | "road" => 0.5,
        "living_street" => 0.4,
        "pedestrian" => 0.25,
        "footway" | "path" | "steps" | "cycleway" | "track" | "bridleway" | "corridor" | "crossing" => 0.15,
        _ => 0.3,
    };
    let trimmed = highway.trim();
    if trimmed.starts_with('[') {
        trimmed
            .trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .map(|s| one(s.trim().trim_matches(|c| c == '\'' || c == '"')))
            .fold(0.0, f64::max)
    } else {
        one(trimmed)
    }
}

/// What two neighbouring blocks share.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Shared {
    /// Length of the common boundary, metres.
    pub length_m: f64,
    /// Part of it running along a road (any class), metres.
    pub road_m: f64,
    /// Length weighted by road strength, metres (a main road counts fully, a footway 15 %).
    pub strength_m: f64,
}

impl Shared {
    /// How much cutting between the two blocks costs: the boundary length not covered by strong
    /// roads (length × (1 − strength)), metres.
    pub fn weak_m(&self) -> f64 {
        (self.length_m - self.strength_m).max(0.0)
    }
}

/// One block: a face of the road network inside the community.
#[derive(Debug, Clone)]
pub struct Block {
    /// Its faces in [`Units::graph`] (one, or several after [`Units::coarsen`]).
    pub faces: Vec<usize>,
    /// Its polygon on the lattice.
    pub poly: Poly,
    /// Area, m².
    pub area_m2: f64,
    /// Length of its boundary on the community's outline, metres.
    pub outer_m: f64,
    /// Its whole boundary, metres (outline part plus every shared edge).
    pub perimeter_m: f64,
    /// Area centroid (lattice), used for distances and for ordering codes.
    pub centre: [f64; 2],
    /// Households of its buildings.
    pub households: u64,
    /// Indices into the building input of the buildings whose point lies in it.
    pub buildings: Vec<usize>,
}

/// Why the units of a community could not be formed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UnitsError {
    /// The community geometry is not a polygon, or is empty.
    #[error("the community has no polygon")]
    NoPolygon,
    /// The planar graph could not be traced (a bug or a degenerate outline).
    #[error(transparent)]
    Topology(#[from] crate::planar::faces::TopologyError),
    /// No face of the graph lies inside the community.
    #[error("no block lies inside the community")]
    NoBlocks,
}

/// The blocks of one community and how they touch.
#[derive(Debug, Clone)]
pub struct Units {
    /// The traced planar graph; block polygons and grid outlines come from it.
    pub graph: Graph,
    /// The blocks.
    pub blocks: Vec<Block>,
    /// Neighbours of each block with what they share, sorted by neighbour.
    pub adj: Vec<Vec<(usize, Shared)>>,
    /// Block of each building input (`None`: its point lies in no block and no block is near).
    pub building_block: Vec<Option<usize>>,
    /// Buildings whose point lies outside the community and were given the nearest block.
    pub buildings_outside: usize,
    /// Local metric scale.
    pub metric: Metric,
    /// The community outline on the lattice (shells and holes), for tests and exports.
    pub outline: Vec<Poly>,
    /// Chords cut across blocks over the household maximum ([`Units::build_cut`], [`super::cut`]).
    pub chords: usize,
}

/// Rings of a polygonal geometry on the lattice, consecutive repeats removed, shells first.
fn lattice_polys(g: &Geometry<f64>) -> Vec<Poly> {
    let polys: Vec<&geo::Polygon<f64>> = match g {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(mp) => mp.0.iter().collect(),
        _ => Vec::new(),
    };
    let ring = |ls: &geo::LineString<f64>| {
        let mut out: Vec<Pt> = Vec::with_capacity(ls.0.len());
        for c in &ls.0 {
            let p = snap([c.x, c.y]);
            if out.last() != Some(&p) {
                out.push(p);
            }
        }
        if out.len() > 1 && out.first() == out.last() {
            out.pop();
        }
        out
    };
    polys
        .into_iter()
        .filter_map(|p| {
            let mut shell = ring(p.exterior());
            if shell.len() < 3 || ring_area2(&shell) == 0 {
                return None;
            }
            if ring_area2(&shell) < 0 {
                shell.reverse();
            }
            let holes = p
                .interiors()
                .iter()
                .map(ring)
                .filter(|h| h.len() >= 3 && ring_area2(h) != 0)
                .map(|mut h| {
                    if ring_area2(&h) > 0 {
                        h.reverse();
                    }
                    h
                })
                .collect();
            Some(Poly { shell, holes })
        })
        .collect()
}

/// Where `p` (in doubled lattice units) lies relative to the doubled outline.
fn locate_doubled(doubled: &[Poly], p: Pt) -> Location {
    let mut best = Location::Outside;
    for poly in doubled {
        match poly.locate(p) {
            Location::Inside => return Location::Inside,
            Location::Boundary => best = Location::Boundary,
            Location::Outside => {}
        }
    }
    best
}

fn doubled(polys: &[Poly]) -> Vec<Poly> {
    let d = |r: &Vec<Pt>| r.iter().map(|p| [2 * p[0], 2 * p[1]]).collect::<Vec<Pt>>();
    polys.iter().map(|p| Poly { shell: d(&p.shell), holes: p.holes.iter().map(d).collect() }).collect()
}

/// Removes road pieces with a loose end, repeatedly; the outline's pieces stay.
fn prune_dangles(mut segs: Vec<Segment>) -> Vec<Segment> {
    loop {
        let mut degree: BTreeMap<Pt, usize> = BTreeMap::new();
        for s in &segs {
            *degree.entry(s.a).or_default() += 1;
            *degree.entry(s.b).or_default() += 1;
        }
        let before = segs.len();
        segs.retain(|s| s.frame || (degree[&s.a] > 1 && degree[&s.b] > 1));
        if segs.len() == before {
            return segs;
        }
    }
}

/// Connected pieces of the segments, as a component id per node.
fn components(segs: &[Segment]) -> BTreeMap<Pt, usize> {
    let mut links: BTreeMap<Pt, Vec<Pt>> = BTreeMap::new();
    for s in segs {
        links.entry(s.a).or_default().push(s.b);
        links.entry(s.b).or_default().push(s.a);
    }
    let mut comp: BTreeMap<Pt, usize> = BTreeMap::new();
    let mut next = 0;
    for &start in links.keys() {
        if comp.contains_key(&start) {
            continue;
        }
        let mut stack = vec![start];
        comp.insert(start, next);
        while let Some(p) = stack.pop() {
            for q in &links[&p] {
                if !comp.contains_key(q) {
                    comp.insert(*q, next);
                    stack.push(*q);
                }
            }
        }
        next += 1;
    }
    comp
}

/// Connectors joining every component to its nearest node in another component (one per component
/// but the largest). Noding them may cross other pieces, which only joins more of them.
fn connectors(segs: &[Segment]) -> Vec<Segment> {
    let comp = components(segs);
    let count = comp.values().copied().max().map_or(0, |m| m + 1);
    if count <= 1 {
        return Vec::new();
    }
    let mut sizes = vec![0usize; count];
    for c in comp.values() {
        sizes[*c] += 1;
    }
    let main = (0..count).max_by_key(|&c| (sizes[c], std::cmp::Reverse(c))).unwrap_or(0);
    let tree: RTree<GeomWithData<[i64; 2], usize>> =
        RTree::bulk_load(comp.iter().map(|(p, c)| GeomWithData::new(*p, *c)).collect());
    let mut best: Vec<Option<(i128, Pt, Pt)>> = vec![None; count];
    for (p, &c) in &comp {
        if c == main {
            continue;
        }
        if let Some(q) = tree.nearest_neighbor_iter(p).find(|q| q.data != c) {
            let d = (q.geom()[0] - p[0]) as i128 * (q.geom()[0] - p[0]) as i128
                + (q.geom()[1] - p[1]) as i128 * (q.geom()[1] - p[1]) as i128;
            if best[c].is_none_or(|(bd, bp, _)| (d, *p) < (bd, bp)) {
                best[c] = Some((d, *p, *q.geom()));
            }
        }
    }
    best.into_iter().flatten().map(|(_, a, b)| Segment { a, b, frame: false }).collect()
}

/// Rounds of cutting blocks over the household maximum at most ([`Units::build_cut`]).
pub const CUT_ROUNDS: usize = 4;

/// Road segments on the lattice (ends and strength) under their boxes.
type RoadTree = RTree<GeomWithData<Rectangle<[i64; 2]>, (Pt, Pt, f64)>>;

/// Road segments on the lattice with their strength, indexed for lookups by position.
struct RoadIndex {
    tree: RoadTree,
}

impl RoadIndex {
    /// The strength of the strongest road running along the piece `a b` (0 when none does).
    fn strength(&self, a: Pt, b: Pt) -> f64 {
        let m = [(a[0] + b[0]) as f64 / 2.0, (a[1] + b[1]) as f64 / 2.0];
        let env = AABB::from_corners(
            [m[0].floor() as i64 - 2, m[1].floor() as i64 - 2],
            [m[0].ceil() as i64 + 2, m[1].ceil() as i64 + 2],
        );
        let mut best: f64 = 0.0;
        for r in self.tree.locate_in_envelope_intersecting(&env) {
            let (p, q, s) = r.data;
            if dist_to_segment(m, p, q) <= 2.0 {
                best = best.max(s);
            }
        }
        best
    }
}

fn dist_to_segment(m: [f64; 2], p: Pt, q: Pt) -> f64 {
    let (px, py, qx, qy) = (p[0] as f64, p[1] as f64, q[0] as f64, q[1] as f64);
    let (dx, dy) = (qx - px, qy - py);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 { 0.0 } else { (((m[0] - px) * dx + (m[1] - py) * dy) / len2).clamp(0.0, 1.0) };
    (m[0] - (px + t * dx)).hypot(m[1] - (py + t * dy))
}

/// Area centroid of a lattice polygon, in lattice units.
fn centroid(poly: &Poly) -> [f64; 2] {
    let o = poly.shell[0];
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for ring in std::iter::once(&poly.shell).chain(&poly.holes) {
        for i in 0..ring.len() {
            let (p, q) = (ring[i], ring[(i + 1) % ring.len()]);
            let (x0, y0) = ((p[0] - o[0]) as f64, (p[1] - o[1]) as f64);
            let (x1, y1) = ((q[0] - o[0]) as f64, (q[1] - o[1]) as f64);
            let c = x0 * y1 - x1 * y0;
            a += c;
            cx += (x0 + x1) * c;
            cy += (y0 + y1) * c;
        }
    }
    if a == 0.0 {
        return [o[0] as f64, o[1] as f64];
    }
    [o[0] as f64 + cx / (3.0 * a), o[1] as f64 + cy / (3.0 * a)]
}

impl Units {
    /// Forms the blocks of `community` from `roads` and places `buildings` in them.
    pub fn build(
        community: &Geometry<f64>,
        roads: &[RoadInput<'_>],
        buildings: &[BuildingInput],
    ) -> Result<Units, UnitsError> {
        Units::trace(community, roads, buildings, &[], &[])
    }

    /// The blocks of `community` with `boundaries` (the outlines of the existing grids, for repairs;
    /// a boundary is no road: it takes the strength of a road running along it, else 0) cut in too, so
    /// no block straddles one and a grid left unchanged is exactly the union of its blocks. Then every
    /// block holding more than `max` households in several buildings — or more than `local.0` when its
    /// interior point lies in `local.1` (the area around grids out of bounds) — is cut in two between its
    /// buildings ([`super::cut::chord`]) and the blocks traced again, for at most [`CUT_ROUNDS`] rounds
    /// (each round halves what is left over, so 4 rounds split a block of 16 grids' households). A chord
    /// is no road: it takes strength 0, and a grid boundary along it counts as off-road. Blocks no line
    /// can cut (one building over `max`) stay as they are.
    pub fn build_cut(
        community: &Geometry<f64>,
        roads: &[RoadInput<'_>],
        buildings: &[BuildingInput],
        boundaries: &[Geometry<f64>],
        max: u64,
        local: Option<(u64, &[Poly])>,
    ) -> Result<Units, UnitsError> {
        let over = |b: &Block| {
            b.households > max
                || local.is_some_and(|(less, area)| {
                    b.households > less
                        && interior_point(&b.poly).is_some_and(|p| area.iter().any(|a| a.locate(p) == Location::Inside))
                })
        };
        let mut chords: Vec<Segment> = Vec::new();
        let mut units = Units::trace(community, roads, buildings, boundaries, &chords)?;
        for _ in 0..CUT_ROUNDS {
            let before = chords.len();
            for block in units.blocks.iter().filter(|b| b.buildings.len() > 1 && over(b)) {
                chords.extend(super::cut::chord(block, buildings, max, units.metric).unwrap_or_default());
            }
            if chords.len() == before {
                break;
            }
            units = Units::trace(community, roads, buildings, boundaries, &chords)?;
        }
        units.chords = chords.len();
        Ok(units)
    }

    /// Forms the blocks with `chords` (lattice segments across oversized blocks) cut in too.
    fn trace(
        community: &Geometry<f64>,
        roads: &[RoadInput<'_>],
        buildings: &[BuildingInput],
        boundaries: &[Geometry<f64>],
        chords: &[Segment],
    ) -> Result<Units, UnitsError> {
        let outline = lattice_polys(community);
        if outline.is_empty() {
            return Err(UnitsError::NoPolygon);
        }
        let (mut lo, mut hi) = ([i64::MAX; 2], [i64::MIN; 2]);
        for p in outline.iter().flat_map(|p| &p.shell) {
            lo = [lo[0].min(p[0]), lo[1].min(p[1])];
            hi = [hi[0].max(p[0]), hi[1].max(p[1])];
        }
        let metric = Metric::at((lo[1] + hi[1]) as f64 / 2.0 / crate::planar::noding::SCALE);
        let mut segs: Vec<Segment> = Vec::new();
        for poly in &outline {
            for ring in std::iter::once(&poly.shell).chain(&poly.holes) {
                for i in 0..ring.len() {
                    segs.push(Segment { a: ring[i], b: ring[(i + 1) % ring.len()], frame: true });
                }
            }
        }
        // Roads: only pieces whose box meets the community's (a little wider, so roads on the outline count).
        let margin = 20;
        let near = |p: Pt| {
            p[0] >= lo[0] - margin && p[0] <= hi[0] + margin && p[1] >= lo[1] - margin && p[1] <= hi[1] + margin
        };
        let footprints: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>> = RTree::bulk_load(
            buildings
                .iter()
                .enumerate()
                .filter_map(|(i, b)| {
                    let r = b.footprint.as_ref()?.bounding_rect()?;
                    Some(GeomWithData::new(Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), i))
                })
                .collect(),
        );
        let through_building = |a: Coord<f64>, b: Coord<f64>| {
            let env = AABB::from_corners([a.x.min(b.x), a.y.min(b.y)], [a.x.max(b.x), a.y.max(b.y)]);
            let line = geo::Line::new(a, b);
            footprints
                .locate_in_envelope_intersecting(&env)
                .any(|g| buildings[g.data].footprint.as_ref().is_some_and(|fp| fp.intersects(&line)))
        };
        let mut road_pieces = Vec::new();
        for r in roads {
            let s = road_strength(r.highway);
            for w in r.coords.windows(2) {
                if !w.iter().all(|c| c.x.is_finite() && c.y.is_finite()) {
                    continue;
                }
                let (a, b) = (snap([w[0].x, w[0].y]), snap([w[1].x, w[1].y]));
                let box_meets = a[0].max(b[0]) >= lo[0] - margin
                    && a[0].min(b[0]) <= hi[0] + margin
                    && a[1].max(b[1]) >= lo[1] - margin
                    && a[1].min(b[1]) <= hi[1] + margin;
                if a != b && (box_meets || near(a) || near(b)) && !through_building(w[0], w[1]) {
                    road_pieces.push((a, b, s));
                    segs.push(Segment { a, b, frame: false });
                }
            }
        }
        for poly in boundaries.iter().flat_map(lattice_polys) {
            for ring in std::iter::once(&poly.shell).chain(&poly.holes) {
                for i in 0..ring.len() {
                    segs.push(Segment { a: ring[i], b: ring[(i + 1) % ring.len()], frame: false });
                }
            }
        }
        segs.extend_from_slice(chords);
        let index = RoadIndex {
            tree: RTree::bulk_load(
                road_pieces
                    .iter()
                    .map(|&(a, b, s)| GeomWithData::new(Rectangle::from_corners(a, b), (a, b, s)))
                    .collect(),
            ),
        };
        let twice = doubled(&outline);
        let inside =
            |s: &Segment| s.frame || locate_doubled(&twice, [s.a[0] + s.b[0], s.a[1] + s.b[1]]) == Location::Inside;
        let mut segs: Vec<Segment> = prune_dangles(node(&segs).into_iter().filter(inside).collect());
        // Joining pieces can take a few rounds: a connector may cross and so join other pieces first.
        for _ in 0..8 {
            let extra = connectors(&segs);
            if extra.is_empty() {
                break;
            }
            segs.extend(extra);
            segs = node(&segs);
        }
        let graph = Graph::trace(&segs)?;
        let group: Vec<Option<usize>> = (0..graph.face_count()).map(|f| (f != graph.outer).then_some(f)).collect();
        let mut rings = graph.group_rings(&group);
        let mut face_block: Vec<Option<usize>> = vec![None; graph.face_count()];
        let mut blocks = Vec::new();
        for (f, slot) in face_block.iter_mut().enumerate() {
            if f == graph.outer || graph.face_area2[f] <= 0 {
                continue;
            }
            let Some(poly) = assemble(rings.remove(&f).unwrap_or_default()).into_iter().next() else { continue };
            let Some(ip) = interior_point(&poly) else { continue };
            if locate_doubled(&twice, [2 * ip[0], 2 * ip[1]]) != Location::Inside {
                continue;
            }
            *slot = Some(blocks.len());
            blocks.push(Block {
                faces: vec![f],
                area_m2: metric.m2(poly.area2()),
                centre: centroid(&poly),
                poly,
                outer_m: 0.0,
                perimeter_m: 0.0,
                households: 0,
                buildings: Vec::new(),
            });
        }
        if blocks.is_empty() {
            return Err(UnitsError::NoBlocks);
        }
        let mut shared: BTreeMap<(usize, usize), Shared> = BTreeMap::new();
        for (e, [a, b]) in graph.edges.iter().enumerate() {
            let (fa, fb) = (face_block[graph.face_of[2 * e]], face_block[graph.face_of[2 * e + 1]]);
            let (p, q) = (graph.nodes[*a], graph.nodes[*b]);
            let len = ((p[0] - q[0]) as f64 * metric.kx).hypot((p[1] - q[1]) as f64 * metric.ky);
            match (fa, fb) {
                (Some(x), Some(y)) if x != y => {
                    let s = index.strength(p, q);
                    let entry = shared.entry((x.min(y), x.max(y))).or_default();
                    entry.length_m += len;
                    entry.strength_m += len * s;
                    if s > 0.0 {
                        entry.road_m += len;
                    }
                }
                (Some(x), None) | (None, Some(x)) => blocks[x].outer_m += len,
                _ => {}
            }
        }
        let adj = adjacency(&shared, &mut blocks);
        let mut units =
            Units { graph, blocks, adj, building_block: Vec::new(), buildings_outside: 0, metric, outline, chords: 0 };
        units.place(buildings);
        Ok(units)
    }

    /// Puts each building into the block holding its point; a point outside every block (a building
    /// drawn across the outline) goes to the nearest block by centre.
    fn place(&mut self, buildings: &[BuildingInput]) {
        let tree: RTree<GeomWithData<Rectangle<[i64; 2]>, usize>> = RTree::bulk_load(
            self.blocks
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    let (mut lo, mut hi) = ([i64::MAX; 2], [i64::MIN; 2]);
                    for p in &b.poly.shell {
                        lo = [lo[0].min(p[0]), lo[1].min(p[1])];
                        hi = [hi[0].max(p[0]), hi[1].max(p[1])];
                    }
                    GeomWithData::new(Rectangle::from_corners(lo, hi), i)
                })
                .collect(),
        );
        let mut out = Vec::with_capacity(buildings.len());
        for (k, b) in buildings.iter().enumerate() {
            let p = snap([b.point.x, b.point.y]);
            let mut cands: Vec<usize> =
                tree.locate_in_envelope_intersecting(&AABB::from_point(p)).map(|g| g.data).collect();
            cands.sort_unstable();
            let hit = cands
                .iter()
                .copied()
                .find(|&i| self.blocks[i].poly.locate(p) == Location::Inside)
                .or_else(|| cands.iter().copied().find(|&i| self.blocks[i].poly.locate(p) == Location::Boundary));
            let block = hit.or_else(|| {
                self.buildings_outside += 1;
                let d = |i: usize| {
                    let c = self.blocks[i].centre;
                    ((c[0] - p[0] as f64) * self.metric.kx).hypot((c[1] - p[1] as f64) * self.metric.ky)
                };
                (0..self.blocks.len()).min_by(|&x, &y| d(x).total_cmp(&d(y)).then(x.cmp(&y)))
            });
            if let Some(i) = block {
                self.blocks[i].households += b.households;
                self.blocks[i].buildings.push(k);
            }
            out.push(block);
        }
        self.building_block = out;
    }

    /// Units where every block with nobody in it (a park, a courtyard between footways) is joined to a
    /// neighbour that has households — across the weakest boundary — so that moving one unit always
    /// moves households and local search does not stall on empty blocks. Blocks are joined only when
    /// `same` gives them the same value (a repair keeps blocks within their existing grid). Returns the
    /// coarse units and the coarse unit of each block; blocks where no one lives anywhere around stay
    /// as they are.
    pub fn coarsen(&self, same: Option<&[usize]>) -> (Units, Vec<usize>) {
        let n = self.blocks.len();
        let ok = |a: usize, b: usize| same.is_none_or(|g| g[a] == g[b]);
        let mut root: Vec<Option<usize>> = (0..n).map(|b| (self.blocks[b].households > 0).then_some(b)).collect();
        loop {
            let mut changed = false;
            for b in 0..n {
                if root[b].is_some() {
                    continue;
                }
                let best = self.adj[b].iter().filter(|(m, _)| root[*m].is_some() && ok(b, *m)).max_by(|x, y| {
                    x.1.weak_m()
                        .total_cmp(&y.1.weak_m())
                        .then(x.1.length_m.total_cmp(&y.1.length_m))
                        .then(y.0.cmp(&x.0))
                });
                if let Some(&(m, _)) = best {
                    root[b] = root[m];
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let root: Vec<usize> = (0..n).map(|b| root[b].unwrap_or(b)).collect();
        let mut index = BTreeMap::new();
        for &r in &root {
            let next = index.len();
            index.entry(r).or_insert(next);
        }
        let atom: Vec<usize> = root.iter().map(|r| index[r]).collect();
        let k = index.len();
        let mut blocks: Vec<Block> = Vec::with_capacity(k);
        for a in 0..k {
            let members: Vec<usize> = (0..n).filter(|&b| atom[b] == a).collect();
            let first = &self.blocks[members[0]];
            let area: f64 = members.iter().map(|&b| self.blocks[b].area_m2).sum();
            let (mut cx, mut cy) = (0.0, 0.0);
            for &b in &members {
                let w = self.blocks[b].area_m2.max(1e-9);
                cx += self.blocks[b].centre[0] * w;
                cy += self.blocks[b].centre[1] * w;
            }
            let wsum: f64 = members.iter().map(|&b| self.blocks[b].area_m2.max(1e-9)).sum();
            blocks.push(Block {
                faces: members.iter().flat_map(|&b| self.blocks[b].faces.iter().copied()).collect(),
                poly: first.poly.clone(),
                area_m2: area,
                outer_m: members.iter().map(|&b| self.blocks[b].outer_m).sum(),
                perimeter_m: 0.0,
                centre: [cx / wsum, cy / wsum],
                households: members.iter().map(|&b| self.blocks[b].households).sum(),
                buildings: members.iter().flat_map(|&b| self.blocks[b].buildings.iter().copied()).collect(),
            });
        }
        let mut shared: BTreeMap<(usize, usize), Shared> = BTreeMap::new();
        for (b, list) in self.adj.iter().enumerate() {
            for &(m, s) in list {
                let (x, y) = (atom[b], atom[m]);
                if m > b && x != y {
                    let e = shared.entry((x.min(y), x.max(y))).or_default();
                    e.length_m += s.length_m;
                    e.road_m += s.road_m;
                    e.strength_m += s.strength_m;
                }
            }
        }
        let adj = adjacency(&shared, &mut blocks);
        let building_block = self.building_block.iter().map(|b| b.map(|b| atom[b])).collect();
        let coarse = Units {
            graph: self.graph.clone(),
            blocks,
            adj,
            building_block,
            buildings_outside: self.buildings_outside,
            metric: self.metric,
            outline: self.outline.clone(),
            chords: self.chords,
        };
        (coarse, atom)
    }

    /// Total households.
    pub fn households(&self) -> u64 {
        self.blocks.iter().map(|b| b.households).sum()
    }

    /// Blocks connected through shared edges, as a component id per block.
    pub fn components(&self) -> Vec<usize> {
        let mut comp = vec![usize::MAX; self.blocks.len()];
        let mut next = 0;
        for start in 0..self.blocks.len() {
            if comp[start] != usize::MAX {
                continue;
            }
            comp[start] = next;
            let mut stack = vec![start];
            while let Some(b) = stack.pop() {
                for &(n, _) in &self.adj[b] {
                    if comp[n] == usize::MAX {
                        comp[n] = next;
                        stack.push(n);
                    }
                }
            }
            next += 1;
        }
        comp
    }

    /// The outline polygons of each group of blocks (`group[b]` for block `b`), shells
    /// counter-clockwise, holes clockwise, largest first.
    pub fn group_polys(&self, group: &[usize]) -> BTreeMap<usize, Vec<Poly>> {
        let mut by_face = vec![None; self.graph.face_count()];
        for (b, &g) in group.iter().enumerate() {
            for &f in &self.blocks[b].faces {
                by_face[f] = Some(g);
            }
        }
        let rings = self.graph.group_rings(&by_face);
        let present: BTreeSet<usize> = group.iter().copied().collect();
        let mut out: BTreeMap<usize, Vec<Poly>> = BTreeMap::new();
        for (g, r) in rings {
            out.insert(g, assemble(r));
        }
        for g in present {
            out.entry(g).or_default();
        }
        out
    }
}

/// Each block's neighbours with the boundary they share (sorted by neighbour, so the search is
/// deterministic), from the boundaries keyed by block pair; sets each block's perimeter to its
/// outer boundary plus the shared ones.
fn adjacency(shared: &BTreeMap<(usize, usize), Shared>, blocks: &mut [Block]) -> Vec<Vec<(usize, Shared)>> {
    let mut adj: Vec<Vec<(usize, Shared)>> = vec![Vec::new(); blocks.len()];
    for (&(x, y), s) in shared {
        adj[x].push((y, *s));
        adj[y].push((x, *s));
    }
    for (i, list) in adj.iter_mut().enumerate() {
        list.sort_by_key(|(n, _)| *n);
        blocks[i].perimeter_m = blocks[i].outer_m + list.iter().map(|(_, s)| s.length_m).sum::<f64>();
    }
    adj
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon};

    /// A square community 0.01° across with a 3×3 lattice of roads inside: 16 blocks.
    /// Road lines by class.
    pub(crate) type Roads = Vec<(String, Vec<Coord<f64>>)>;

    pub(crate) fn lattice_community() -> (Geometry<f64>, Roads) {
        let (x0, y0, d) = (114.0, 22.5, 0.01);
        let square = Polygon::new(
            LineString::from(vec![(x0, y0), (x0 + d, y0), (x0 + d, y0 + d), (x0, y0 + d), (x0, y0)]),
            vec![],
        );
        let mut roads = Vec::new();
        for i in 1..4 {
            let t = i as f64 * d / 4.0;
            let class = if i == 2 { "primary" } else { "footway" };
            roads.push((
                class.to_string(),
                vec![Coord { x: x0 - 0.001, y: y0 + t }, Coord { x: x0 + d + 0.001, y: y0 + t }],
            ));
            roads.push((
                class.to_string(),
                vec![Coord { x: x0 + t, y: y0 - 0.001 }, Coord { x: x0 + t, y: y0 + d + 0.001 }],
            ));
        }
        (Geometry::Polygon(square), roads)
    }

    #[test]
    fn strength_follows_the_road_class() {
        assert_eq!(road_strength("primary"), 1.0);
        assert!(road_strength("footway") < road_strength("residential"));
        assert_eq!(road_strength("['steps', 'primary']"), 1.0);
    }

    #[test]
    fn a_road_lattice_gives_sixteen_blocks_that_tile_the_community() {
        let (community, roads) = lattice_community();
        let inputs: Vec<RoadInput> = roads.iter().map(|(h, c)| RoadInput { highway: h, coords: c }).collect();
        let b = BuildingInput {
            code: "b".into(),
            households: 120,
            residents: None,
            point: Coord { x: 114.001, y: 22.501 },
            footprint: None,
        };
        let u = Units::build(&community, &inputs, &[b]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(u.blocks.len(), 16);
        let total: i128 = u.blocks.iter().map(|b| b.poly.area2()).sum();
        assert_eq!(total, u.outline[0].area2());
        assert_eq!(u.households(), 120);
        // The middle roads are primary: the shared edges across them are fully strong.
        let strong = u.adj.iter().flatten().filter(|(_, s)| (s.strength_m - s.length_m).abs() < 1e-6).count();
        let weak = u.adj.iter().flatten().filter(|(_, s)| s.weak_m() > 1.0).count();
        assert_eq!(strong + weak, u.adj.iter().map(Vec::len).sum::<usize>());
        assert_eq!(strong, 2 * 8, "eight block pairs across the two primary roads");
    }

    #[test]
    fn a_road_island_is_joined_and_its_blocks_count() {
        let (community, mut roads) = lattice_community();
        roads.truncate(0);
        // A closed loop inside the square, touching nothing.
        let l = vec![
            Coord { x: 114.004, y: 22.504 },
            Coord { x: 114.006, y: 22.504 },
            Coord { x: 114.006, y: 22.506 },
            Coord { x: 114.004, y: 22.506 },
            Coord { x: 114.004, y: 22.504 },
        ];
        roads.push(("service".into(), l));
        let inputs: Vec<RoadInput> = roads.iter().map(|(h, c)| RoadInput { highway: h, coords: c }).collect();
        let u = Units::build(&community, &inputs, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(u.blocks.len(), 2);
        assert_eq!(u.components(), vec![0, 0]);
        let total: i128 = u.blocks.iter().map(|b| b.poly.area2()).sum();
        assert_eq!(total, u.outline[0].area2());
    }
}
