//! Before/after timing of the ring checks on one big polygon: geo's own validation (its ring
//! self-intersection test compares every pair of segments) against wangge's R-tree version, on
//! valid 20,000- and 50,000-vertex rings (the worst case: nothing to stop at early).
//!
//! `cargo run --release --example ring_validity_timing`

use geo::{Coord, LineString, Polygon, Validation};
use std::time::Instant;
use wangge_core::validate::polygon_validation_errors;

fn ring(n: usize) -> Polygon<f64> {
    // A wavy circle: valid, with many nearby segments, like a traced district boundary.
    let pts: Vec<Coord> = (0..=n)
        .map(|i| {
            let a = std::f64::consts::TAU * (i % n) as f64 / n as f64;
            let r = 0.01 * (1.0 + 0.05 * (a * 40.0).sin());
            Coord { x: 114.0 + r * a.cos(), y: 22.5 + r * a.sin() }
        })
        .collect();
    Polygon::new(LineString::new(pts), vec![])
}

fn main() {
    for n in [20_000, 50_000] {
        let p = ring(n);
        let t = Instant::now();
        let ours = polygon_validation_errors(&p);
        let after = t.elapsed();
        let t = Instant::now();
        let geo_errors = p.validation_errors();
        let before = t.elapsed();
        assert_eq!(ours, geo_errors);
        println!(
            "{n:>6} vertices: geo (before) {before:>10.3?}   R-tree (after) {after:>10.3?}   same result: {}",
            ours.is_empty()
        );
    }
}
