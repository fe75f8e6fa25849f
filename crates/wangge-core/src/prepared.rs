//! Polygons prepared for fast, deterministic point location.
//!
//! # The boundary rule
//! A point is inside an area when a ray from it towards +x (east) crosses the area's rings an odd
//! number of times, where an edge counts as crossed when its lower end is at or below the point and
//! its upper end strictly above (half-open in y), and the edge passes strictly east of the point.
//! Holes and the parts of a multipolygon are simply more rings in the same count.
//!
//! The consequence is the one people can remember: **a point on the boundary between two areas
//! belongs to the area east of it, and on an east–west boundary to the area north of it.** Because
//! each edge is evaluated in a canonical orientation (lower end first), two neighbours that share an
//! edge — the same two vertices — evaluate it with bit-identical arithmetic, so every point of a
//! gap-free layer belongs to exactly one area, with no epsilon anywhere.
//!
//! # Memory and speed
//! A layer's areas live in a few flat arrays ([`PreparedAreas`]), not in heap blocks of their own:
//! at a million grids the blocks and their bookkeeping cost more than the coordinates. An area of
//! at most [`MAX_FLAT_EDGES`] edges keeps only its ring vertices, each once, and a test reads
//! them all (a handful of comparisons per edge, most edges rejected by their y range alone). A
//! larger area keeps its edges bucketed into horizontal bands, so a test only looks at the edges
//! of the point's band.

use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon, Rect};
use rayon::prelude::*;

/// Areas of at most this many edges (every ring closed) keep only their vertices and are tested
/// edge by edge: over so few edges a plain scan is as fast as bands, at a fraction of the memory.
pub const MAX_FLAT_EDGES: usize = 16;

/// Areas per parallel task while preparing a layer.
const AREAS_PER_TASK: usize = 4096;
/// The slot of an area with no edge.
const NO_EDGES: u32 = u32::MAX;
/// Slot flag of a banded area; the rest of the slot is its index in `PreparedAreas::bands`.
const BANDED: u32 = 1 << 31;
/// Flag on the start of an area's last ring in `PreparedAreas::ring_start`.
const LAST_RING: u32 = 1 << 31;

/// Where a point lies relative to an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// Strictly inside.
    Inside,
    /// Exactly on a ring.
    Boundary,
    /// Strictly outside.
    Outside,
}

/// One ring edge with its lower end first (by y, then x).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Edge {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Edge {
    #[inline]
    fn new(a: Coord, b: Coord) -> Edge {
        if (a.y, a.x) <= (b.y, b.x) {
            Edge { x0: a.x, y0: a.y, x1: b.x, y1: b.y }
        } else {
            Edge { x0: b.x, y0: b.y, x1: a.x, y1: a.y }
        }
    }

    /// Twice the signed area of (lower, upper, p): positive when p is west of the upward edge.
    #[inline]
    fn side(&self, p: Coord) -> f64 {
        (self.x1 - self.x0) * (p.y - self.y0) - (self.y1 - self.y0) * (p.x - self.x0)
    }

    /// Whether the eastward ray from `p` crosses this edge under the half-open rule.
    #[inline]
    fn crossed_by_ray(&self, p: Coord) -> bool {
        self.y0 <= p.y && p.y < self.y1 && self.side(p) > 0.0
    }

    /// Whether the westward ray from `p` crosses this edge under the mirrored rule (see
    /// [`AreaRef::contains_mirrored`]).
    #[inline]
    fn crossed_by_mirrored_ray(&self, p: Coord) -> bool {
        self.y0 < p.y && p.y <= self.y1 && self.side(p) < 0.0
    }

    #[inline]
    fn touches(&self, p: Coord) -> bool {
        p.y >= self.y0
            && p.y <= self.y1
            && p.x >= self.x0.min(self.x1)
            && p.x <= self.x0.max(self.x1)
            && self.side(p) == 0.0
    }

    fn ends(&self) -> (Coord, Coord) {
        (Coord { x: self.x0, y: self.y0 }, Coord { x: self.x1, y: self.y1 })
    }
}

/// The bands of one area of more than [`MAX_FLAT_EDGES`] edges: its edges bucketed by latitude.
#[derive(Debug, Clone, Copy)]
struct Bands {
    bbox: Rect<f64>,
    y0: f64,
    scale: f64,
    /// Index in `PreparedAreas::band_start` of the first band; the area has `count + 1` entries.
    first: u32,
    count: u32,
    /// Distinct edges (an edge spanning several bands is stored in each).
    edges: u32,
}

impl Bands {
    #[inline]
    fn index(&self, y: f64) -> usize {
        band_index(y, self.y0, self.scale, self.count as usize)
    }

    #[inline]
    fn band<'a>(&self, areas: &'a PreparedAreas, y: f64) -> &'a [Edge] {
        let i = self.first as usize + self.index(y);
        &areas.band_edges[areas.band_start[i] as usize..areas.band_start[i + 1] as usize]
    }

    #[inline]
    fn in_bbox(&self, p: Coord) -> bool {
        let (min, max) = (self.bbox.min(), self.bbox.max());
        p.x >= min.x && p.x <= max.x && p.y >= min.y && p.y <= max.y
    }

    /// Whether `p` is in the bounding box and an odd number of the edges in its band satisfy
    /// `crosses`: the even–odd test shared by both rules.
    #[inline]
    fn odd_crossings(&self, areas: &PreparedAreas, p: Coord, crosses: impl Fn(&Edge) -> bool) -> bool {
        self.in_bbox(p) && self.band(areas, p.y).iter().filter(|e| crosses(e)).count() % 2 == 1
    }
}

#[inline]
fn band_index(y: f64, y0: f64, scale: f64, count: usize) -> usize {
    (((y - y0) * scale) as usize).min(count - 1)
}

/// The prepared areas of one layer, in a few flat arrays whatever their number; ids are positions.
///
/// An area of at most [`MAX_FLAT_EDGES`] edges whose rings are all closed is *flat*: its rings'
/// vertices (repeats dropped, the closing vertex implied) in `verts`, found through `ring_start`.
/// Any other area is *banded*: a [`Bands`] entry whose edges are in `band_edges`. No area has a
/// heap block, a bounding box or a count of its own unless it is banded.
#[derive(Debug, Clone)]
pub struct PreparedAreas {
    /// Per area: [`NO_EDGES`], `BANDED | i` (its bands are `bands[i]`), or the index in
    /// `ring_start` of its first ring.
    slot: Vec<u32>,
    /// Per ring of a flat area, the index in `verts` of its first vertex, flagged [`LAST_RING`] on
    /// the area's last ring; one more entry (`verts.len()`) ends the last ring.
    ring_start: Vec<u32>,
    verts: Vec<Coord>,
    bands: Vec<Bands>,
    /// Per band of a banded area, where its edges start in `band_edges`; each area's run of
    /// entries ends with one more (its last band's end).
    band_start: Vec<u32>,
    band_edges: Vec<Edge>,
}

impl Default for PreparedAreas {
    fn default() -> PreparedAreas {
        PreparedAreas::new()
    }
}

/// An offset that fits the arrays' `u32` entries below their flag bit.
fn offset(n: usize) -> u32 {
    u32::try_from(n).ok().filter(|&v| v < LAST_RING).expect("a layer of fewer than 2^31 vertices and edges")
}

/// Every ring of `polygons`, holes after their exterior, in order.
fn rings<'a>(polygons: impl Iterator<Item = &'a Polygon<f64>>) -> impl Iterator<Item = &'a LineString<f64>> {
    polygons.flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

impl PreparedAreas {
    /// No areas yet.
    pub fn new() -> PreparedAreas {
        PreparedAreas {
            slot: Vec::new(),
            ring_start: vec![0],
            verts: Vec::new(),
            bands: Vec::new(),
            band_start: Vec::new(),
            band_edges: Vec::new(),
        }
    }

    /// Prepares one area per item of `items`, on every core: `push` adds the item's area (with
    /// [`PreparedAreas::push_polygons`] or [`PreparedAreas::push_geometry`]) exactly once. Items
    /// are prepared in chunks into arrays of their own, then joined, so no area ever has a heap
    /// block of its own, not even while it is built.
    pub fn build<T: Sync>(items: &[T], push: impl Fn(&mut PreparedAreas, &T) + Sync) -> PreparedAreas {
        let parts: Vec<PreparedAreas> = items
            .par_chunks(AREAS_PER_TASK)
            .map(|chunk| {
                let mut part = PreparedAreas::new();
                for item in chunk {
                    push(&mut part, item);
                }
                part
            })
            .collect();
        let mut all = PreparedAreas::new();
        all.slot.reserve_exact(parts.iter().map(|p| p.slot.len()).sum());
        all.ring_start.reserve_exact(parts.iter().map(|p| p.ring_start.len() - 1).sum());
        all.verts.reserve_exact(parts.iter().map(|p| p.verts.len()).sum());
        all.bands.reserve_exact(parts.iter().map(|p| p.bands.len()).sum());
        all.band_start.reserve_exact(parts.iter().map(|p| p.band_start.len()).sum());
        all.band_edges.reserve_exact(parts.iter().map(|p| p.band_edges.len()).sum());
        for part in parts {
            all.append(&part);
        }
        all
    }

    /// Prepares one area per multipolygon (see [`PreparedAreas::build`]).
    pub fn from_multipolygons(areas: &[MultiPolygon<f64>]) -> PreparedAreas {
        PreparedAreas::build(areas, |out, area| out.push_polygons(&area.0))
    }

    /// Appends the areas of `other`, renumbering its offsets.
    fn append(&mut self, other: &PreparedAreas) {
        let rings = offset(self.ring_start.len() - 1);
        let verts = offset(self.verts.len());
        let bands = offset(self.bands.len());
        let starts = offset(self.band_start.len());
        let edges = u32::try_from(self.band_edges.len()).expect("a layer of fewer than 2^32 band entries");
        self.slot.extend(other.slot.iter().map(|&s| match s {
            NO_EDGES => NO_EDGES,
            s if s & BANDED != 0 => BANDED | offset(((s & !BANDED) + bands) as usize),
            s => offset((s + rings) as usize),
        }));
        // This side's closing entry is the other side's first start (0) moved by `verts`.
        self.ring_start.pop();
        self.ring_start
            .extend(other.ring_start.iter().map(|&r| (r & LAST_RING) | offset(((r & !LAST_RING) + verts) as usize)));
        self.verts.extend_from_slice(&other.verts);
        self.bands.extend(other.bands.iter().map(|b| Bands { first: b.first + starts, ..*b }));
        self.band_start.extend(other.band_start.iter().map(|&e| e + edges));
        self.band_edges.extend_from_slice(&other.band_edges);
    }

    /// Adds the area made of `polygons` (empty: an area that contains nothing); its id is the
    /// number of areas before it.
    pub fn push_polygons(&mut self, polygons: &[Polygon<f64>]) {
        let (first_ring, first_vert) = (self.ring_start.len() - 1, self.verts.len());
        self.ring_start.pop();
        // The flat form first; given up for bands past MAX_FLAT_EDGES edges or at an open ring.
        let mut flat = true;
        for ring in rings(polygons.iter()) {
            let start = self.verts.len();
            for &c in &ring.0 {
                // A repeated vertex makes an edge of length zero, which no rule counts.
                if self.verts.len() == start || self.verts[self.verts.len() - 1] != c {
                    self.verts.push(c);
                }
            }
            let n = self.verts.len() - start;
            if n < 2 {
                // A ring of one distinct point has no edge.
                self.verts.truncate(start);
                continue;
            }
            if self.verts[start] == self.verts[start + n - 1] {
                // The closing edge is implied: ring[last] → ring[0].
                self.verts.pop();
            } else {
                flat = false;
            }
            self.ring_start.push(offset(start));
            if !flat || self.verts.len() - first_vert > MAX_FLAT_EDGES {
                flat = false;
                break;
            }
        }
        if !flat {
            self.verts.truncate(first_vert);
            self.ring_start.truncate(first_ring);
            self.push_banded(polygons.iter());
        } else if self.ring_start.len() == first_ring {
            self.slot.push(NO_EDGES);
        } else {
            *self.ring_start.last_mut().expect("a ring was pushed") |= LAST_RING;
            self.slot.push(offset(first_ring));
        }
        self.ring_start.push(offset(self.verts.len()));
    }

    /// Adds the polygonal part of `g` as [`crate::snapshot::as_multipolygon`] sees it, without
    /// copying it into a multipolygon first (points and lines give an area that contains nothing).
    pub fn push_geometry(&mut self, g: &Geometry<f64>) {
        match g {
            Geometry::Polygon(p) => self.push_polygons(std::slice::from_ref(p)),
            Geometry::MultiPolygon(mp) => self.push_polygons(&mp.0),
            Geometry::Rect(r) => {
                let p = r.to_polygon();
                self.push_polygons(std::slice::from_ref(&p));
            }
            _ => self.push_polygons(&[]),
        }
    }

    /// Adds the area of `polygons` in the banded form.
    fn push_banded<'a>(&mut self, polygons: impl Iterator<Item = &'a Polygon<f64>>) {
        let mut edges = Vec::new();
        for ring in rings(polygons) {
            for w in ring.0.windows(2) {
                if w[0] != w[1] {
                    edges.push(Edge::new(w[0], w[1]));
                }
            }
        }
        let bbox = bounding_rect(edges.iter().flat_map(|e| [(e.x0, e.y0), (e.x1, e.y1)]));
        // About four edges per band keeps a test to a handful of comparisons.
        let count = (edges.len() / 4).clamp(1, 1024);
        let height = bbox.height();
        let scale = if height > 0.0 { count as f64 / height } else { 0.0 };
        let y0 = bbox.min().y;
        let band_of = |y: f64| band_index(y, y0, scale, count);

        let mut start = vec![0usize; count + 1];
        for e in &edges {
            for b in band_of(e.y0)..=band_of(e.y1) {
                start[b + 1] += 1;
            }
        }
        for b in 0..count {
            start[b + 1] += start[b];
        }
        let base = self.band_edges.len();
        let first = offset(self.band_start.len());
        self.band_start.extend(start.iter().map(|&s| u32::try_from(base + s).expect("fewer than 2^32 band entries")));
        self.band_edges.resize(base + start[count], Edge { x0: 0.0, y0: 0.0, x1: 0.0, y1: 0.0 });
        for e in &edges {
            for next in &mut start[band_of(e.y0)..=band_of(e.y1)] {
                self.band_edges[base + *next] = *e;
                *next += 1;
            }
        }
        let (count, edges) = (count as u32, offset(edges.len()));
        self.bands.push(Bands { bbox, y0, scale, first, count, edges });
        self.slot.push(BANDED | offset(self.bands.len() - 1));
    }

    /// Number of areas.
    pub fn len(&self) -> usize {
        self.slot.len()
    }

    /// Whether there are no areas.
    pub fn is_empty(&self) -> bool {
        self.slot.is_empty()
    }

    /// The area with this id.
    #[inline]
    pub fn get(&self, id: u32) -> AreaRef<'_> {
        AreaRef { areas: self, slot: self.slot[id as usize] }
    }

    /// Ring edges of every area.
    pub fn edge_count(&self) -> usize {
        self.verts.len() + self.bands.iter().map(|b| b.edges as usize).sum::<usize>()
    }

    /// Bytes the arrays take (their capacity), for diagnostics.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        (self.slot.capacity() + self.ring_start.capacity() + self.band_start.capacity()) * size_of::<u32>()
            + self.verts.capacity() * size_of::<Coord>()
            + self.bands.capacity() * size_of::<Bands>()
            + self.band_edges.capacity() * size_of::<Edge>()
    }
}

/// One area of a [`PreparedAreas`].
#[derive(Debug, Clone, Copy)]
pub struct AreaRef<'a> {
    areas: &'a PreparedAreas,
    slot: u32,
}

/// How an area is kept.
enum Form<'a> {
    Empty,
    /// Index of its first ring in `ring_start`.
    Flat(usize),
    Banded(&'a Bands),
}

/// The rings of a flat area, as vertex slices (closing vertex implied).
struct FlatRings<'a> {
    areas: &'a PreparedAreas,
    ring: usize,
    done: bool,
}

impl<'a> Iterator for FlatRings<'a> {
    type Item = &'a [Coord];

    #[inline]
    fn next(&mut self) -> Option<&'a [Coord]> {
        if self.done {
            return None;
        }
        let start = self.areas.ring_start[self.ring];
        let end = self.areas.ring_start[self.ring + 1] & !LAST_RING;
        self.done = start & LAST_RING != 0;
        self.ring += 1;
        Some(&self.areas.verts[(start & !LAST_RING) as usize..end as usize])
    }
}

/// How many edges of `ring` (closing edge included) satisfy `crosses`, given as (earlier vertex,
/// later vertex) in ring order.
#[inline]
fn count_edges(ring: &[Coord], crosses: impl Fn(Coord, Coord) -> bool) -> usize {
    let mut prev = ring[ring.len() - 1];
    let mut n = 0;
    for &v in ring {
        n += usize::from(crosses(prev, v));
        prev = v;
    }
    n
}

impl<'a> AreaRef<'a> {
    #[inline]
    fn form(&self) -> Form<'a> {
        match self.slot {
            NO_EDGES => Form::Empty,
            s if s & BANDED != 0 => Form::Banded(&self.areas.bands[(s & !BANDED) as usize]),
            s => Form::Flat(s as usize),
        }
    }

    #[inline]
    fn rings(&self, first: usize) -> FlatRings<'a> {
        FlatRings { areas: self.areas, ring: first, done: false }
    }

    /// Bounding box of the area (NaN for an area with no edge).
    pub fn bbox(&self) -> Rect<f64> {
        match self.form() {
            Form::Empty => bounding_rect(std::iter::empty()),
            Form::Flat(first) => bounding_rect(self.rings(first).flatten().map(|c| (c.x, c.y))),
            Form::Banded(b) => b.bbox,
        }
    }

    /// Number of ring edges.
    pub fn edge_count(&self) -> usize {
        match self.form() {
            Form::Empty => 0,
            Form::Flat(first) => self.rings(first).map(<[Coord]>::len).sum(),
            Form::Banded(b) => b.edges as usize,
        }
    }

    /// Whether `p` belongs to the area under the half-open rule of this module.
    #[inline]
    pub fn contains(&self, p: Coord) -> bool {
        match self.form() {
            Form::Empty => false,
            Form::Flat(first) => {
                // An edge is crossed only if one end is at or below p and the other above: most
                // edges are turned away by that before they are put in the canonical order.
                let crossed =
                    self.flat_count(first, |a, b| (a.y <= p.y) != (b.y <= p.y) && Edge::new(a, b).crossed_by_ray(p));
                crossed % 2 == 1 && self.east_of_west_side(first, p)
            }
            Form::Banded(b) => b.odd_crossings(self.areas, p, |e| e.crossed_by_ray(p)),
        }
    }

    /// How many edges of a flat area's rings `counted` accepts.
    fn flat_count(&self, first: usize, counted: impl Fn(Coord, Coord) -> bool) -> usize {
        self.rings(first).map(|ring| count_edges(ring, &counted)).sum()
    }

    /// The bounding-box test of a banded area, for a flat area whose count came out odd. Of the
    /// box's four sides only the west one can change the answer: a point above or below every
    /// edge meets none of them in its y range, and east of every vertex no edge computes strictly
    /// east of it (the rounded products keep the order of the exact ones). West of every vertex
    /// a rounding tie can drop an edge from an even count, which the box test turns away as
    /// bands do. NaN fails as it does there.
    fn east_of_west_side(&self, first: usize, p: Coord) -> bool {
        p.x >= self.rings(first).flatten().fold(f64::INFINITY, |m, c| m.min(c.x))
    }

    /// The east-side counterpart of [`AreaRef::east_of_west_side`] for the mirrored rule.
    fn west_of_east_side(&self, first: usize, p: Coord) -> bool {
        p.x <= self.rings(first).flatten().fold(f64::NEG_INFINITY, |m, c| m.max(c.x))
    }

    /// Whether `p` belongs to the area under the mirrored rule: the half-open rule with the ray
    /// towards −x (west) and the open end at the bottom, i.e. the rule of this module applied to
    /// the layer rotated by 180°. Under it a shared edge goes west/south instead of east/north, so a
    /// point the two rules disagree on for a gap-free layer lies on the layer's outer edge.
    #[inline]
    pub fn contains_mirrored(&self, p: Coord) -> bool {
        // The same canonical edge as `contains` (so neighbours agree bit for bit), with the
        // half-open interval and the side reversed.
        match self.form() {
            Form::Empty => false,
            Form::Flat(first) => {
                let crossed = self
                    .flat_count(first, |a, b| (a.y < p.y) != (b.y < p.y) && Edge::new(a, b).crossed_by_mirrored_ray(p));
                crossed % 2 == 1 && self.west_of_east_side(first, p)
            }
            Form::Banded(b) => b.odd_crossings(self.areas, p, |e| e.crossed_by_mirrored_ray(p)),
        }
    }

    /// Whether `p` lies exactly on one of the area's rings.
    pub fn on_ring(&self, p: Coord) -> bool {
        match self.form() {
            Form::Empty => false,
            // Touching an edge puts p in the edge's box, so in the area's: no box test needed.
            Form::Flat(first) => self.rings(first).any(|ring| count_edges(ring, |a, b| Edge::new(a, b).touches(p)) > 0),
            Form::Banded(b) => b.in_bbox(p) && b.band(self.areas, p.y).iter().any(|e| e.touches(p)),
        }
    }

    /// Classifies `p` as inside, on a ring, or outside (topological, not the half-open rule).
    pub fn locate(&self, p: Coord) -> Location {
        match self.form() {
            Form::Empty => Location::Outside,
            Form::Flat(_) if self.on_ring(p) => Location::Boundary,
            Form::Flat(_) => {
                if self.contains(p) {
                    Location::Inside
                } else {
                    Location::Outside
                }
            }
            Form::Banded(b) => {
                if !b.in_bbox(p) {
                    return Location::Outside;
                }
                let band = b.band(self.areas, p.y);
                if band.iter().any(|e| e.touches(p)) {
                    return Location::Boundary;
                }
                if band.iter().filter(|e| e.crossed_by_ray(p)).count() % 2 == 1 {
                    Location::Inside
                } else {
                    Location::Outside
                }
            }
        }
    }

    /// A test of many points on the latitude `y` (e.g. the centres of a row of cells): the
    /// answers of [`AreaRef::contains`], with the edges that latitude meets found once.
    pub fn row_test(&self, y: f64) -> RowTest {
        // Exactly the edges `contains` would count at this y: their y range holds it.
        let meets = |e: &Edge| e.y0 <= y && y < e.y1;
        match self.form() {
            Form::Empty => RowTest { edges: Vec::new(), x_min: f64::INFINITY, x_max: f64::INFINITY, y },
            Form::Flat(first) => {
                let edges = self.rings(first).flat_map(ring_edges).filter(meets).collect();
                let x_min = self.rings(first).flatten().fold(f64::INFINITY, |m, c| m.min(c.x));
                RowTest { edges, x_min, x_max: f64::INFINITY, y }
            }
            Form::Banded(b) => {
                let (min, max) = (b.bbox.min(), b.bbox.max());
                if !(y >= min.y && y <= max.y) {
                    return RowTest { edges: Vec::new(), x_min: f64::INFINITY, x_max: f64::INFINITY, y };
                }
                let edges = b.band(self.areas, y).iter().copied().filter(meets).collect();
                RowTest { edges, x_min: min.x, x_max: max.x, y }
            }
        }
    }

    /// Every distinct edge once, lower end first, in the order of bands (see [`Edges`]).
    pub fn edges(&self) -> Edges<'a> {
        let areas = self.areas;
        Edges(match self.form() {
            Form::Empty => EdgesOf::Empty,
            Form::Flat(first) => {
                // The bands the area would have (as `push_banded` counts them), so that the
                // order is the one a banded area gives.
                let bbox = self.bbox();
                let count = (self.edge_count() / 4).clamp(1, 1024);
                let height = bbox.height();
                let scale = if height > 0.0 { count as f64 / height } else { 0.0 };
                EdgesOf::Flat { areas, first, count, y0: bbox.min().y, scale, band: 0, ring: first, k: 0 }
            }
            Form::Banded(bands) => EdgesOf::Banded { areas, bands, band: 0, pos: 0 },
        })
    }
}

/// The edges of one area (see [`AreaRef::edges`]): band by band, and within a band in ring order,
/// each edge in the band of its lower end. The order decides which of two equally near points a
/// nearest-edge search reports, so both forms give the same.
#[derive(Debug, Clone)]
pub struct Edges<'a>(EdgesOf<'a>);

#[derive(Debug, Clone)]
enum EdgesOf<'a> {
    Empty,
    Flat {
        areas: &'a PreparedAreas,
        first: usize,
        count: usize,
        y0: f64,
        scale: f64,
        band: usize,
        ring: usize,
        k: usize,
    },
    Banded {
        areas: &'a PreparedAreas,
        bands: &'a Bands,
        band: usize,
        pos: usize,
    },
}

impl Iterator for Edges<'_> {
    type Item = (Coord, Coord);

    fn next(&mut self) -> Option<(Coord, Coord)> {
        match &mut self.0 {
            EdgesOf::Empty => None,
            EdgesOf::Flat { areas, first, count, y0, scale, band, ring, k } => loop {
                if *band == *count {
                    return None;
                }
                let start = areas.ring_start[*ring];
                let (s, e) = ((start & !LAST_RING) as usize, (areas.ring_start[*ring + 1] & !LAST_RING) as usize);
                if *k < e - s {
                    let a = areas.verts[s + *k];
                    let b = areas.verts[if s + *k + 1 == e { s } else { s + *k + 1 }];
                    *k += 1;
                    let edge = Edge::new(a, b);
                    if band_index(edge.y0, *y0, *scale, *count) == *band {
                        return Some(edge.ends());
                    }
                    continue;
                }
                *k = 0;
                if start & LAST_RING != 0 {
                    *ring = *first;
                    *band += 1;
                } else {
                    *ring += 1;
                }
            },
            EdgesOf::Banded { areas, bands, band, pos } => loop {
                if *band == bands.count as usize {
                    return None;
                }
                let i = bands.first as usize + *band;
                let (lo, hi) = (areas.band_start[i] as usize, areas.band_start[i + 1] as usize);
                if lo + *pos < hi {
                    let edge = areas.band_edges[lo + *pos];
                    *pos += 1;
                    // An edge spanning several bands is stored once per band; yield it only from its first band.
                    if bands.index(edge.y0) == *band {
                        return Some(edge.ends());
                    }
                    continue;
                }
                *pos = 0;
                *band += 1;
            },
        }
    }
}

/// See [`AreaRef::row_test`].
#[derive(Debug, Clone)]
pub struct RowTest {
    /// The edges whose half-open y range holds `y`.
    edges: Vec<Edge>,
    /// The box test that goes with the count (see [`AreaRef::contains`]).
    x_min: f64,
    x_max: f64,
    y: f64,
}

impl RowTest {
    /// Whether the area contains (x, y), as [`AreaRef::contains`] answers.
    pub fn contains(&self, x: f64) -> bool {
        let p = Coord { x, y: self.y };
        x >= self.x_min && x <= self.x_max && self.edges.iter().filter(|e| e.side(p) > 0.0).count() % 2 == 1
    }
}

/// The edges of one flat ring in ring order, lower end first.
fn ring_edges(ring: &[Coord]) -> impl Iterator<Item = Edge> + '_ {
    let last = ring[ring.len() - 1];
    std::iter::once(last).chain(ring.iter().copied()).zip(ring.iter().copied()).map(|(a, b)| Edge::new(a, b))
}

/// One area prepared on its own (a [`PreparedAreas`] of one), for code that tests a few areas
/// rather than a layer.
#[derive(Debug, Clone)]
pub struct PreparedArea(PreparedAreas);

impl PreparedArea {
    /// Prepares `area`. Empty geometry gives an area that contains nothing.
    pub fn new(area: &MultiPolygon<f64>) -> PreparedArea {
        let mut areas = PreparedAreas::new();
        areas.push_polygons(&area.0);
        PreparedArea(areas)
    }

    /// Prepares the polygonal part of `g` (see [`PreparedAreas::push_geometry`]).
    pub fn from_geometry(g: &Geometry<f64>) -> PreparedArea {
        let mut areas = PreparedAreas::new();
        areas.push_geometry(g);
        PreparedArea(areas)
    }

    /// The area as a layer's areas give it.
    pub fn view(&self) -> AreaRef<'_> {
        self.0.get(0)
    }

    /// Bounding box of the area.
    pub fn bbox(&self) -> Rect<f64> {
        self.view().bbox()
    }

    /// Number of ring edges.
    pub fn edge_count(&self) -> usize {
        self.view().edge_count()
    }

    /// See [`AreaRef::contains`].
    pub fn contains(&self, p: Coord) -> bool {
        self.view().contains(p)
    }

    /// See [`AreaRef::contains_mirrored`].
    pub fn contains_mirrored(&self, p: Coord) -> bool {
        self.view().contains_mirrored(p)
    }

    /// See [`AreaRef::on_ring`].
    pub fn on_ring(&self, p: Coord) -> bool {
        self.view().on_ring(p)
    }

    /// See [`AreaRef::locate`].
    pub fn locate(&self, p: Coord) -> Location {
        self.view().locate(p)
    }

    /// See [`AreaRef::edges`].
    pub fn edges(&self) -> Edges<'_> {
        self.view().edges()
    }
}

fn bounding_rect(points: impl Iterator<Item = (f64, f64)>) -> Rect<f64> {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for (x, y) in points {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        return Rect::new(Coord { x: f64::NAN, y: f64::NAN }, Coord { x: f64::NAN, y: f64::NAN });
    }
    Rect::new(Coord { x: x0, y: y0 }, Coord { x: x1, y: y1 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, polygon};

    fn square(x: f64, y: f64, s: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x, y: y), (x: x + s, y: y), (x: x + s, y: y + s), (x: x, y: y + s), (x: x, y: y)],
        ])
    }

    #[test]
    fn inside_outside_and_hole() {
        let with_hole = MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)]),
            vec![LineString::from(vec![(4.0, 4.0), (4.0, 6.0), (6.0, 6.0), (6.0, 4.0), (4.0, 4.0)])],
        )]);
        let a = PreparedArea::new(&with_hole);
        assert!(a.contains(coord! { x: 1.0, y: 1.0 }));
        assert!(!a.contains(coord! { x: 5.0, y: 5.0 }), "inside the hole");
        assert!(!a.contains(coord! { x: 11.0, y: 5.0 }));
        assert_eq!(a.locate(coord! { x: 5.0, y: 5.0 }), Location::Outside);
        assert_eq!(a.locate(coord! { x: 4.0, y: 5.0 }), Location::Boundary);
        assert_eq!(a.locate(coord! { x: 2.0, y: 5.0 }), Location::Inside);
    }

    #[test]
    fn multipolygon_parts_both_count() {
        let mut parts = square(0.0, 0.0, 1.0);
        parts.0.extend(square(5.0, 5.0, 1.0));
        let a = PreparedArea::new(&parts);
        assert!(a.contains(coord! { x: 0.5, y: 0.5 }));
        assert!(a.contains(coord! { x: 5.5, y: 5.5 }));
        assert!(!a.contains(coord! { x: 3.0, y: 3.0 }));
    }

    #[test]
    fn shared_edges_and_vertices_belong_to_exactly_one_square() {
        // A 3×3 tiling of unit squares; every probe on an edge or a vertex must land in one square.
        let squares: Vec<PreparedArea> =
            (0..9).map(|i| PreparedArea::new(&square((i % 3) as f64, (i / 3) as f64, 1.0))).collect();
        for ix in 0..=12 {
            for iy in 0..=12 {
                let p = coord! { x: 0.25 * ix as f64, y: 0.25 * iy as f64 };
                let owners: Vec<usize> = (0..9).filter(|&i| squares[i].contains(p)).collect();
                let on_outer_east_or_north = p.x == 3.0 || p.y == 3.0;
                if on_outer_east_or_north {
                    assert!(owners.is_empty(), "{p:?} on the outer east/north edge: {owners:?}");
                } else {
                    assert_eq!(owners.len(), 1, "{p:?} owned by {owners:?}");
                }
            }
        }
        // The documented rule: a point on a north–south edge goes east, on an east–west edge north.
        assert!(squares[1].contains(coord! { x: 1.0, y: 0.5 }));
        assert!(squares[3].contains(coord! { x: 0.5, y: 1.0 }));
        assert!(squares[4].contains(coord! { x: 1.0, y: 1.0 }));
    }

    #[test]
    fn shared_slanted_edge_with_reversed_ring_direction() {
        // Two triangles sharing the diagonal, one ring clockwise, one counter-clockwise.
        let a = PreparedArea::new(&MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 0.3, y: 0.0), (x: 0.3, y: 0.7), (x: 0.0, y: 0.0)],
        ]));
        let b = PreparedArea::new(&MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 0.0, y: 0.7), (x: 0.3, y: 0.7), (x: 0.0, y: 0.0)],
        ]));
        for i in 1..1000 {
            let t = i as f64 / 1000.0;
            let p = coord! { x: 0.3 * t, y: 0.7 * t };
            assert!(a.contains(p) ^ b.contains(p), "diagonal point {p:?} must belong to exactly one");
        }
    }

    #[test]
    fn the_mirrored_rule_gives_shared_edges_west_and_south() {
        let squares: Vec<PreparedArea> =
            (0..4).map(|i| PreparedArea::new(&square((i % 2) as f64, (i / 2) as f64, 1.0))).collect();
        assert!(squares[0].contains_mirrored(coord! { x: 1.0, y: 0.5 }));
        assert!(!squares[1].contains_mirrored(coord! { x: 1.0, y: 0.5 }));
        assert!(squares[0].contains_mirrored(coord! { x: 0.5, y: 1.0 }));
        // The west and south outer edges belong to nobody under the mirrored rule.
        assert!((0..4).all(|i| !squares[i].contains_mirrored(coord! { x: 0.0, y: 0.5 })));
        assert!((0..4).all(|i| !squares[i].contains_mirrored(coord! { x: 0.5, y: 0.0 })));
        assert!(squares[3].contains_mirrored(coord! { x: 2.0, y: 2.0 }));
    }

    #[test]
    fn edges_are_listed_once() {
        let a = PreparedArea::new(&square(0.0, 0.0, 1.0));
        assert_eq!(a.edges().count(), 4);
        assert_eq!(a.edge_count(), 4);
    }

    /// The same area in the banded form whatever its size: what every area was before flat areas.
    fn banded(area: &MultiPolygon<f64>) -> PreparedAreas {
        let mut areas = PreparedAreas::new();
        areas.push_banded(area.0.iter());
        areas.ring_start.push(0);
        areas
    }

    /// A star-shaped ring of `n` vertices around (x, y) on a 1/64 lattice, so that probes on the
    /// lattice hit vertices and edges exactly.
    fn star(x: f64, y: f64, n: usize, seed: &mut u64) -> LineString<f64> {
        let mut ring: Vec<(f64, f64)> = (0..n)
            .map(|k| {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                let t = k as f64 / n as f64 * std::f64::consts::TAU;
                let r = 0.25 + (*seed % 16) as f64 / 64.0;
                (x + (r * t.cos() * 64.0).round() / 64.0, y + (r * t.sin() * 64.0).round() / 64.0)
            })
            .collect();
        ring.push(ring[0]);
        LineString::from(ring)
    }

    /// Every probe of a lattice around `area` gets the same answers from the flat form as from
    /// the banded one, and the edges come in the same order.
    fn assert_forms_agree(area: &MultiPolygon<f64>) {
        let (flat, bands) = (PreparedArea::new(area), banded(area));
        let (a, b) = (flat.view(), bands.get(0));
        assert!(matches!(a.form(), Form::Flat(_)), "{area:?} should be flat");
        assert_eq!(a.edges().collect::<Vec<_>>(), b.edges().collect::<Vec<_>>());
        assert_eq!(a.edge_count(), b.edge_count());
        assert_eq!(format!("{:?}", a.bbox()), format!("{:?}", b.bbox()));
        for ix in -8..=104 {
            for iy in -8..=104 {
                let p = coord! { x: -0.125 + ix as f64 / 64.0, y: -0.125 + iy as f64 / 64.0 };
                assert_eq!(a.contains(p), b.contains(p), "contains {p:?}");
                assert_eq!(a.contains_mirrored(p), b.contains_mirrored(p), "mirrored {p:?}");
                assert_eq!(a.on_ring(p), b.on_ring(p), "on_ring {p:?}");
                assert_eq!(a.locate(p), b.locate(p), "locate {p:?}");
            }
        }
    }

    #[test]
    fn flat_areas_answer_as_banded_ones() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for n in [3, 4, 5, 7, 8, 11, 12, 15, 16] {
            assert_forms_agree(&MultiPolygon(vec![Polygon::new(star(0.75, 0.75, n, &mut seed), vec![])]));
        }
        // A hole, a second part, and a ring with repeated vertices (edges of length zero).
        let hole = LineString::from(vec![(0.5, 0.5), (0.5, 1.0), (1.0, 1.0), (1.0, 0.5), (0.5, 0.5)]);
        let outer = LineString::from(vec![(0.0, 0.0), (1.5, 0.0), (1.5, 0.0), (1.5, 1.5), (0.0, 1.5), (0.0, 0.0)]);
        let mut parts = square(0.0, 0.0, 1.5);
        parts.0[0] = Polygon::new(outer, vec![hole]);
        parts.0.extend(square(1.25, 0.25, 0.25));
        assert_forms_agree(&parts);
        assert_eq!(PreparedArea::new(&parts).edge_count(), 12);
    }

    #[test]
    fn row_tests_answer_as_contains() {
        let mut seed = 3;
        let mut shapes: Vec<MultiPolygon<f64>> = [4, 9, 16, 17, 40]
            .iter()
            .map(|&n| MultiPolygon(vec![Polygon::new(star(0.75, 0.75, n, &mut seed), vec![])]))
            .collect();
        shapes.push(MultiPolygon(vec![]));
        for shape in &shapes {
            let a = PreparedArea::new(shape);
            for iy in -8..=104 {
                let y = -0.125 + iy as f64 / 64.0;
                let row = a.view().row_test(y);
                for ix in -8..=104 {
                    let x = -0.125 + ix as f64 / 64.0;
                    assert_eq!(row.contains(x), a.contains(coord! { x: x, y: y }), "({x}, {y})");
                }
            }
            assert!(!a.view().row_test(f64::NAN).contains(0.75));
        }
    }

    #[test]
    fn large_areas_and_open_rings_are_banded() {
        let mut seed = 7;
        let big = MultiPolygon(vec![Polygon::new(star(0.75, 0.75, MAX_FLAT_EDGES + 1, &mut seed), vec![])]);
        assert!(matches!(PreparedArea::new(&big).view().form(), Form::Banded(_)));
        // geo closes the rings it builds; a ring that is not closed has no closing edge.
        let open = Geometry::LineString(LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]));
        assert_eq!(PreparedArea::from_geometry(&open).edge_count(), 0, "lines hold no area");
        let mut areas = PreparedAreas::new();
        areas.push_polygons(&[]);
        assert!(matches!(areas.get(0).form(), Form::Empty));
        assert!(!areas.get(0).contains(coord! { x: 0.0, y: 0.0 }));
        assert!(areas.get(0).bbox().min().x.is_nan());
    }

    #[test]
    fn a_layer_built_in_parallel_chunks_is_the_areas_one_by_one() {
        // More areas than one task takes, flat and banded and empty mixed, so the joins renumber.
        let mut seed = 99;
        let shapes: Vec<MultiPolygon<f64>> = (0..AREAS_PER_TASK * 2 + 37)
            .map(|i| match i % 5 {
                0 => MultiPolygon(vec![]),
                1 | 2 => square((i % 97) as f64, (i / 97) as f64, 0.5),
                n => {
                    let ring = star((i % 97) as f64 + 0.25, (i / 97) as f64 + 0.3, n * 8, &mut seed);
                    MultiPolygon(vec![Polygon::new(ring, vec![])])
                }
            })
            .collect();
        let layer = PreparedAreas::from_multipolygons(&shapes);
        assert_eq!(layer.len(), shapes.len());
        let mut edges = 0;
        for (i, shape) in shapes.iter().enumerate() {
            let (a, b) = (layer.get(i as u32), PreparedArea::new(shape));
            assert_eq!(a.edges().collect::<Vec<_>>(), b.edges().collect::<Vec<_>>(), "area {i}");
            let c = coord! { x: (i % 97) as f64 + 0.25, y: (i / 97) as f64 + 0.3 };
            assert_eq!(a.contains(c), b.contains(c), "area {i}");
            assert_eq!(a.contains(c), i % 5 != 0, "area {i}");
            edges += b.edge_count();
        }
        assert_eq!(layer.edge_count(), edges);
    }
}
