//! One pair's intersection piece, its ground area and compactness, robust to the overlay engine.
//!
//! `geo`'s boolean operations (i_overlay) can panic on degenerate input — near-coincident
//! vertices, spikes, rings that touch themselves — which real networks drawn by other departments
//! contain. A panic here would lose the whole report, so each intersection runs under
//! `catch_unwind`; on a panic it is retried once with both inputs snapped to a 1e-7° (≈ 1 cm)
//! grid, which removes the near-coincidences, and if that fails too the pair is reported as failed.

use crate::distance::{LocalFrame, geodesic_area_m2};
use geo::{BooleanOps, BoundingRect, Coord, MapCoords, MultiPolygon};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Parts below this ground area are dust of two drawings of the same line (vertices a few
/// centimetres apart), below any mapping precision, not pieces (m²). A building on one still
/// counts: its pair is kept with no area.
const DUST_M2: f64 = 1.0;
/// The retry grid, degrees.
const SNAP_DEG: f64 = 1e-7;

/// An intersection piece with its measures.
#[derive(Debug, Clone)]
pub(super) struct Piece {
    pub geometry: MultiPolygon<f64>,
    pub area_m2: f64,
    /// 4πA/P², 0 for an empty piece.
    pub compactness: f64,
}

impl Piece {
    /// A pair known only from a building on it.
    pub fn empty() -> Piece {
        Piece { geometry: MultiPolygon::new(vec![]), area_m2: 0.0, compactness: 0.0 }
    }
}

/// The piece `a ∩ b`; `Ok(None)` when they only touch, `Err(())` when the overlay failed.
pub(super) fn piece(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> Result<Option<Piece>, ()> {
    match (a.bounding_rect(), b.bounding_rect()) {
        (Some(ra), Some(rb))
            if ra.min().x <= rb.max().x
                && rb.min().x <= ra.max().x
                && ra.min().y <= rb.max().y
                && rb.min().y <= ra.max().y => {}
        _ => return Ok(None),
    }
    let shape = intersect(a, b).or_else(|| intersect(&snapped(a), &snapped(b))).ok_or(())?;
    let parts: Vec<_> =
        shape.0.into_iter().filter(|p| crate::distance::geodesic_polygon_area_m2(p) >= DUST_M2).collect();
    if parts.is_empty() {
        return Ok(None);
    }
    let geometry = MultiPolygon::new(parts);
    let area_m2 = geodesic_area_m2(&geometry);
    let perimeter = perimeter_m(&geometry);
    let compactness =
        if perimeter > 0.0 { 4.0 * std::f64::consts::PI * area_m2 / (perimeter * perimeter) } else { 0.0 };
    Ok(Some(Piece { geometry, area_m2, compactness }))
}

fn intersect(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> Option<MultiPolygon<f64>> {
    catch_unwind(AssertUnwindSafe(|| a.intersection(b))).ok()
}

fn snapped(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    mp.map_coords(|c| Coord { x: (c.x / SNAP_DEG).round() * SNAP_DEG, y: (c.y / SNAP_DEG).round() * SNAP_DEG })
}

/// Length of every ring, metres (local frame at the piece: well under 0.1 % at city scale).
pub(super) fn perimeter_m(mp: &MultiPolygon<f64>) -> f64 {
    let Some(bbox) = mp.bounding_rect() else { return 0.0 };
    let frame = LocalFrame::around(bbox);
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.0.windows(2).map(|w| (w[0], w[1])))
        .map(|(p, q)| {
            let (p, q) = (frame.project(p), frame.project(q));
            (p.x - q.x).hypot(p.y - q.y)
        })
        .sum()
}
