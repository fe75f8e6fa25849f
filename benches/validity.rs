//! The O(n log n) polygon validity check (`wangge_core::validate::polygon_validation_errors`, an
//! R-tree of ring segments) on one valid ring of 10,000, 100,000 and 1,000,000 vertices: the cost
//! should grow about tenfold per step, not a hundredfold as geo's O(n²) pairwise test did.
//!
//! Run: `cargo bench --bench validity`. The ring is a circle (deterministic, valid). No peer is
//! measured: shapely is not installed in this environment's interop venv.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use geo::{Coord, LineString, Polygon};
use std::hint::black_box;
use std::time::Duration;
use wangge_core::validate::polygon_validation_errors;

fn circle(n: usize) -> Polygon<f64> {
    let ring: Vec<Coord> = (0..=n)
        .map(|i| {
            let a = std::f64::consts::TAU * (i % n) as f64 / n as f64;
            Coord { x: 114.0 + 0.01 * a.cos(), y: 22.5 + 0.01 * a.sin() }
        })
        .collect();
    Polygon::new(LineString(ring), vec![])
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("polygon_validity");
    g.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    for n in [10_000, 100_000, 1_000_000] {
        let p = circle(n);
        assert!(polygon_validation_errors(&p).is_empty());
        g.bench_with_input(BenchmarkId::from_parameter(n), &p, |b, p| {
            b.iter(|| polygon_validation_errors(black_box(p)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
