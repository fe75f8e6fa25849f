//! Shape operations behind split, merge and moving a shared boundary.
//!
//! They work in degrees on purpose: a local metric frame would round every untouched vertex on the
//! way there and back. Each operation derives all its outputs from one boolean operation's result,
//! so the two sides of a new or moved boundary carry the same vertices and the edit adds no sliver
//! and no gap (the coverage rule re-checks this with its m² tolerance).

use super::problem::EditProblem;
use crate::core::snapshot::as_multipolygon;
use geo::orient::{Direction, Orient};
use geo::{Area, BooleanOps, BoundingRect, Coord, Geometry, LineString, MultiPolygon, Polygon, unary_union};

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
    let far = 10.0 * (bbox.width() + bbox.height() + len);
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
    Ok((as_geometry(a), as_geometry(b)))
}

/// The union of `parts`, which must form one connected area.
pub fn merge(parts: &[Geometry<f64>]) -> Result<Geometry<f64>, EditProblem> {
    let mps: Vec<MultiPolygon<f64>> = parts.iter().map(|g| as_multipolygon(g).orient(Direction::Default)).collect();
    let union = unary_union(mps.iter());
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
    let a2 = as_multipolygon(new_a).orient(Direction::Default).intersection(&union);
    let b2 = union.difference(&a2);
    if a2.unsigned_area() <= 0.0 || b2.unsigned_area() <= 0.0 {
        return Err(EditProblem::NeighbourEmptied);
    }
    Ok((as_geometry(a2), as_geometry(b2)))
}

fn as_geometry(mut mp: MultiPolygon<f64>) -> Geometry<f64> {
    if mp.0.len() == 1 { Geometry::Polygon(mp.0.remove(0)) } else { Geometry::MultiPolygon(mp) }
}
