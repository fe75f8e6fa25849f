//! Service-circle polygons ("isochrones") built from the reachable network, and the straight-line
//! circle they are compared with.
//!
//! # Method
//! 1. A bounded Dijkstra ([`crate::core::network::Walker`]) gives every node within the walking
//!    budget; each edge contributes the piece of it that is reachable — all of it, or the part
//!    walked in from one or both ends (partial last edges) — and the source's own edge contributes
//!    the stretch walked directly from the snapped point.
//! 2. The pieces (and the source's off-network leg) are buffered by a walk-off distance — how far
//!    people step off the network to a door, 50 m by default — with round caps and joins, in the
//!    network's local metric frame, and unioned (i_overlay through `geo`'s `Buffer`).
//! 3. Blocks whose streets are reached only along their edges stay out: where the reached streets
//!    ring a block wider than twice the walk-off, the polygon has a hole, which is the honest
//!    answer — the inside of a large block is not within reach on foot.
//!
//! Polygons are in the network's frame (metres); [`to_lonlat`] converts them for output.

use crate::core::distance::LocalFrame;
use geo::algorithm::buffer::{Buffer, BufferStyle, LineCap, LineJoin};
use geo::{Coord, LineString, MapCoords, MultiLineString, MultiPolygon, Polygon};

/// Default walk-off distance in metres.
pub const DEFAULT_WALK_OFF_M: f64 = 50.0;

/// Angle step of round caps and joins, radians: coarse enough to keep polygons small (a 50 m
/// round cap gets about eight vertices per half turn, within 2 m of the true arc).
const ROUND_STEP: f64 = 0.4;

/// The isochrone polygon of reachable pieces (frame metres), buffered by `walk_off_m`.
pub fn from_pieces(pieces: &[[Coord; 2]], walk_off_m: f64) -> MultiPolygon<f64> {
    if pieces.is_empty() || walk_off_m <= 0.0 {
        return MultiPolygon(vec![]);
    }
    let lines: Vec<LineString<f64>> = pieces
        .iter()
        .map(|&[a, b]| {
            // A zero-length piece (a node reached with nothing to spare) still marks a place:
            // stretch it by a millimetre so the buffer draws its disc.
            let b = if a == b { Coord { x: b.x + 1e-3, y: b.y } } else { b };
            LineString(vec![a, b])
        })
        .collect();
    let style =
        BufferStyle::new(walk_off_m).line_join(LineJoin::Round(ROUND_STEP)).line_cap(LineCap::Round(ROUND_STEP));
    MultiLineString(lines).buffer_with_style(style)
}

/// The straight-line circle of `radius_m` around `centre` (frame metres), as a 128-gon whose
/// vertices lie on the circle (its area is 0.04 % under the true disc's).
pub fn circle(centre: Coord, radius_m: f64) -> MultiPolygon<f64> {
    if radius_m <= 0.0 {
        return MultiPolygon(vec![]);
    }
    let n = 128;
    let ring: Vec<Coord> = (0..=n)
        .map(|i| {
            let a = std::f64::consts::TAU * (i % n) as f64 / n as f64;
            Coord { x: centre.x + radius_m * a.cos(), y: centre.y + radius_m * a.sin() }
        })
        .collect();
    MultiPolygon(vec![Polygon::new(LineString(ring), vec![])])
}

/// Converts a polygon from frame metres to lon/lat.
pub fn to_lonlat(frame: &LocalFrame, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    mp.map_coords(|c| frame.unproject(c))
}

/// Converts a polygon from lon/lat to frame metres.
pub fn to_frame(frame: &LocalFrame, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    mp.map_coords(|c| frame.project(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Contains, coord};

    #[test]
    fn a_ring_of_streets_around_a_big_block_leaves_a_hole() {
        // A 400 m square of streets: buffered by 50 m, its middle (300 m across) is not reached.
        let s = 400.0;
        let corners =
            [coord! { x: 0.0, y: 0.0 }, coord! { x: s, y: 0.0 }, coord! { x: s, y: s }, coord! { x: 0.0, y: s }];
        let pieces: Vec<[Coord; 2]> = (0..4).map(|i| [corners[i], corners[(i + 1) % 4]]).collect();
        let mp = from_pieces(&pieces, 50.0);
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.0[0].interiors().len(), 1, "the block's inside is a hole");
        assert!(!mp.contains(&coord! { x: 200.0, y: 200.0 }));
        assert!(mp.contains(&coord! { x: 200.0, y: 30.0 }));
        // Outer 500², hole 300², rounded outside corners take off (4 − π)·50².
        let expected = 500.0 * 500.0 - 300.0 * 300.0 - (4.0 - std::f64::consts::PI) * 2500.0;
        assert!((mp.unsigned_area() - expected).abs() / expected < 0.01, "{} vs {expected}", mp.unsigned_area());
    }

    #[test]
    fn circle_area_and_round_trip() {
        let c = circle(coord! { x: 10.0, y: 20.0 }, 1000.0);
        let disc = std::f64::consts::PI * 1e6;
        assert!((c.unsigned_area() - disc).abs() / disc < 0.001);
        let frame = LocalFrame::at(coord! { x: 114.0, y: 22.5 });
        let back = to_frame(&frame, &to_lonlat(&frame, &c));
        assert!((back.unsigned_area() - c.unsigned_area()).abs() < 1e-3);
        assert!(from_pieces(&[], 50.0).0.is_empty());
    }
}
