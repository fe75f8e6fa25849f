//! Shape operations behind split, merge and moving a shared boundary.
//!
//! They work in degrees on purpose: a local metric frame would round every untouched vertex on the
//! way there and back. Each operation derives all its outputs from one boolean operation's result,
//! so the two sides of a new or moved boundary carry the same vertices and the edit adds no sliver
//! and no gap (the coverage rule re-checks this with its m² tolerance).

use super::problem::EditProblem;
use crate::snapshot::as_multipolygon;
use geo::orient::{Direction, Orient};
use geo::{
    Area, BooleanOps, BoundingRect, Coord, CoordsIter, Geometry, LineString, MultiPolygon, Polygon, unary_union,
};

/// Cuts `g` along `line` into the part left of the line and the part right of it.
pub fn split(g: &Geometry<f64>, line: &LineString<f64>) -> Result<(Geometry<f64>, Geometry<f64>), EditProblem> {
    let mp = as_multipolygon(g);
    let bbox = mp.bounding_rect().ok_or(EditProblem::NoArea)?;
    let (Some(&start), Some(&end)) = (line.0.first(), line.0.last()) else {
        return Err(EditProblem::EmptyLine);
    };
    let (dx, dy) = (end.x - start.x, end.y - start.y);
    let len = dx.hypot(dy);
    if line.0.len() < 2 || len == 0.0 || !len.is_finite() {
        return Err(EditProblem::DegenerateLine);
    }
    // The left half-plane of the line: the line extended far beyond the feature at both ends,
    // closed by two points far to its left.
    // Only as far as needed: the boolean operation computes on an integer grid spread over all its
    // inputs, so a needlessly large half-plane coarsens the grid and moves the cut's vertices.
    let far = 2.0 * (bbox.width() + bbox.height());
    let (ux, uy) = (dx / len, dy / len);
    let (nx, ny) = (-uy, ux);
    let mut ring: Vec<Coord> = vec![Coord { x: start.x - ux * far, y: start.y - uy * far }];
    ring.extend(line.0.iter().copied());
    let tail = Coord { x: end.x + ux * far, y: end.y + uy * far };
    ring.push(tail);
    ring.push(Coord { x: tail.x + nx * far, y: tail.y + ny * far });
    ring.push(Coord { x: start.x - ux * far + nx * far, y: start.y - uy * far + ny * far });
    let left = Polygon::new(LineString::new(ring), vec![]).orient(Direction::Default);
    let mp = mp.orient(Direction::Default);
    let a = mp.intersection(&left);
    let b = mp.difference(&left);
    if a.unsigned_area() <= 0.0 || b.unsigned_area() <= 0.0 {
        return Err(EditProblem::LineDoesNotCut);
    }
    Ok((as_geometry(without_specks(a)), as_geometry(without_specks(b))))
}

/// The union of `parts`, which must form one connected area.
pub fn merge(parts: &[Geometry<f64>]) -> Result<Geometry<f64>, EditProblem> {
    let mps: Vec<MultiPolygon<f64>> = parts.iter().map(|g| as_multipolygon(g).orient(Direction::Default)).collect();
    let union = without_specks(unary_union(mps.iter()));
    if union.0.len() != 1 {
        return Err(EditProblem::NotAdjacent(union.0.len()));
    }
    Ok(as_geometry(union))
}

/// Redraws `a` as `new_a` within the union of `a` and `b`; `b` takes the rest.
pub fn move_boundary(
    a: &Geometry<f64>,
    b: &Geometry<f64>,
    new_a: &Geometry<f64>,
) -> Result<(Geometry<f64>, Geometry<f64>), EditProblem> {
    let (a, b) = (as_multipolygon(a).orient(Direction::Default), as_multipolygon(b).orient(Direction::Default));
    let union = a.union(&b);
    let a2 = without_specks(as_multipolygon(new_a).orient(Direction::Default).intersection(&union));
    let b2 = without_specks(union.difference(&a2));
    if a2.unsigned_area() <= 0.0 || b2.unsigned_area() <= 0.0 {
        return Err(EditProblem::NeighbourEmptied);
    }
    Ok((as_geometry(a2), as_geometry(b2)))
}

/// How far (degrees, about 0.1 mm) a result vertex may lie from an existing vertex and still be
/// taken for it. The boolean operations compute on an integer grid, so vertices they pass through
/// come back a few ulps off; far below any real survey precision, far above that rounding.
pub const SNAP_DEGREES: f64 = 1e-9;

/// The existing vertices results are snapped to: those of the edited features' inputs and of
/// their untouched neighbours, sorted by x for range lookups.
#[derive(Debug, Default)]
pub struct Anchors(Vec<Coord<f64>>);

impl Anchors {
    /// Every vertex of `geometries`.
    pub fn new<'a>(geometries: impl IntoIterator<Item = &'a Geometry<f64>>) -> Anchors {
        let mut all: Vec<Coord<f64>> = geometries.into_iter().flat_map(|g| g.coords_iter()).collect();
        all.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
        all.dedup();
        Anchors(all)
    }

    /// These anchors plus the vertices of `g`: the second piece of an edit snaps to the first
    /// piece's new vertices too, so the new boundary between them is identical on both sides.
    pub fn with(&self, g: &Geometry<f64>) -> Anchors {
        let mut all = self.0.clone();
        all.extend(g.coords_iter());
        all.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
        all.dedup();
        Anchors(all)
    }

    fn nearest(&self, c: Coord<f64>) -> Option<Coord<f64>> {
        let start = self.0.partition_point(|a| a.x < c.x - SNAP_DEGREES);
        self.0[start..]
            .iter()
            .take_while(|a| a.x <= c.x + SNAP_DEGREES)
            .filter(|a| (a.y - c.y).abs() <= SNAP_DEGREES)
            .min_by(|a, b| (a.x - c.x).hypot(a.y - c.y).total_cmp(&(b.x - c.x).hypot(b.y - c.y)))
            .copied()
    }
}

/// Moves every vertex of `g` that lies within [`SNAP_DEGREES`] of an anchor onto that anchor, so a
/// boundary an edit leaves in place or shares with a neighbour keeps bit-identical vertices.
/// Vertices that become equal to their predecessor are dropped.
pub fn snap(g: Geometry<f64>, anchors: &Anchors) -> Geometry<f64> {
    let ring = |ls: &LineString<f64>| {
        let snapped = ls.0.iter().map(|&c| anchors.nearest(c).unwrap_or(c));
        LineString::new(without_spikes(snapped))
    };
    // A ring that snapping folds onto itself (a sliver the boolean operation left along a shared
    // edge) encloses nothing and is dropped, as is a polygon whose outer ring folds.
    let kept = |r: &LineString<f64>| r.0.len() >= 4 && Polygon::new(r.clone(), vec![]).unsigned_area() > 0.0;
    let polygon = |p: &Polygon<f64>| {
        let outer = ring(p.exterior());
        kept(&outer).then(|| Polygon::new(outer, p.interiors().iter().map(ring).filter(|r| kept(r)).collect()))
    };
    match &g {
        Geometry::Polygon(p) => polygon(p).map_or(g, Geometry::Polygon),
        Geometry::MultiPolygon(mp) => {
            let mut parts: Vec<Polygon<f64>> = mp.0.iter().filter_map(polygon).collect();
            match parts.len() {
                0 => g,
                1 => Geometry::Polygon(parts.remove(0)),
                _ => Geometry::MultiPolygon(MultiPolygon::new(parts)),
            }
        }
        _ => g,
    }
}

/// Two vertices closer than [`SNAP_DEGREES`] in both axes: the same place.
fn same_place(a: Coord<f64>, b: Coord<f64>) -> bool {
    (a.x - b.x).abs() <= SNAP_DEGREES && (a.y - b.y).abs() <= SNAP_DEGREES
}

/// A closed ring's vertices without repeats and without spikes: a vertex that is the same place
/// as the one before it is dropped, and so is a there-and-back excursion (…A, B, A…), which
/// encloses nothing. Boolean operations on neighbours whose shared boundary differs by rounding
/// return both — a zero-width spike where the two boundaries part for a few vertices, and pairs
/// of vertices a few ulps apart — and either makes the ring touch itself.
fn without_spikes(ring: impl Iterator<Item = Coord<f64>>) -> Vec<Coord<f64>> {
    let mut out: Vec<Coord<f64>> = Vec::new();
    for c in ring {
        match out.len() {
            n if n > 0 && same_place(out[n - 1], c) => {}
            n if n > 1 && same_place(out[n - 2], c) => {
                out.pop();
            }
            _ => out.push(c),
        }
    }
    // The ring is closed (its last vertex repeats its first): the same around the start.
    if out.len() > 1 && same_place(out[0], out[out.len() - 1]) {
        out.pop();
    }
    loop {
        let n = out.len();
        if n < 3 {
            break;
        }
        if same_place(out[1], out[n - 1]) {
            // …Z, A, B with Z = B: A is a spike's tip at the start.
            out.remove(0);
            out.pop();
        } else if same_place(out[0], out[n - 2]) {
            // …Y, Z, A with Y = A: Z is a spike's tip at the end.
            out.truncate(n - 2);
        } else {
            break;
        }
    }
    if let Some(&first) = out.first() {
        out.push(first);
    }
    out
}

/// Below this area (square degrees, about 0.01 m²) a polygon or hole that a boolean operation
/// returns is taken for an artefact of its integer grid, not a place: a redrawn boundary that
/// follows an old one to within a few ulps (as one cut out by another overlay does) otherwise
/// leaves hair-thin holes and islands along it, which snapping then folds into self-touching
/// rings. Dropping them moves no real boundary; the coverage rule's m² tolerance is far larger.
const SPECK_DEG2: f64 = 1e-12;

/// `mp` without polygons and holes smaller than [`SPECK_DEG2`].
fn without_specks(mp: MultiPolygon<f64>) -> MultiPolygon<f64> {
    let big = |r: &LineString<f64>| Polygon::new(r.clone(), vec![]).unsigned_area() >= SPECK_DEG2;
    MultiPolygon::new(
        mp.0.into_iter()
            .filter(|p| big(p.exterior()))
            .map(|p| {
                let (outer, holes) = p.into_inner();
                Polygon::new(outer, holes.into_iter().filter(|h| big(h)).collect())
            })
            .collect(),
    )
}

fn as_geometry(mut mp: MultiPolygon<f64>) -> Geometry<f64> {
    if mp.0.len() == 1 { Geometry::Polygon(mp.0.remove(0)) } else { Geometry::MultiPolygon(mp) }
}
