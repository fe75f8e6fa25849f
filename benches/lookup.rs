//! Point-lookup benchmarks: `AreaIndex::owner` per point, `AreaIndex::new` build time,
//! `AreaIndex::nearest` for points outside every grid, and the full `Snapshot::lookup`
//! (grid → community → street → district) on the demo city.
//!
//! Run with `cargo bench --bench lookup`. Every input is deterministic (a fixed-seed xorshift
//! generator below), so two runs measure the same work. The demo layers in `data/` are optional:
//! when they are missing the demo benches are skipped with a note and the synthetic ones still run.

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use geo::{Coord, MultiPolygon, Polygon, Rect};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;
use wangge_core::index::{AreaIndex, Hit};
use wangge_core::model::{Feature, Layer};
use wangge_core::snapshot::{Snapshot, as_multipolygon};
use wangge_formats::geojson::read_features;

/// Points per measured iteration: enough that per-iteration overhead is negligible, few enough
/// that one iteration stays in the millisecond range on a slow core.
const POINTS: usize = 100_000;

/// The bounding box of the demo city (the published lookup area), lon/lat.
const DEMO_BBOX: (f64, f64, f64, f64) = (113.997, 22.517, 114.040, 22.551);

/// xorshift64* — a tiny, well-known generator; good enough to scatter points, and it keeps the
/// bench free of a `rand` dependency whose output could change between versions.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        // A zero state would stay zero forever.
        XorShift(seed.max(1))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1), from the top 53 bits.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [-1, 1).
    fn signed(&mut self) -> f64 {
        self.unit() * 2.0 - 1.0
    }
}

fn random_points(rng: &mut XorShift, bbox: Rect<f64>, n: usize) -> Vec<Coord> {
    (0..n)
        .map(|_| Coord { x: bbox.min().x + rng.unit() * bbox.width(), y: bbox.min().y + rng.unit() * bbox.height() })
        .collect()
}

/// An `n`×`n` tiling of irregular polygons, like a city's grid cells (≈ 50 m across).
///
/// Corners of a square lattice are jittered, and every lattice edge gets `WIGGLES` extra vertices
/// pushed sideways. Each vertex is computed once and copied into both polygons that share it, so
/// shared edges are bit-identical — the layer has no gaps and no overlaps, as a clean grid layer
/// should. The jitter is small enough (corners ±20 %, wiggles ±8 % of the edge) that no ring
/// crosses itself or a neighbour.
fn irregular_tiling(n: usize, rng: &mut XorShift) -> Vec<MultiPolygon<f64>> {
    const WIGGLES: usize = 3;
    let (x0, y0, s) = (113.95, 22.45, 0.0005);
    let corner: Vec<Coord> = (0..(n + 1) * (n + 1))
        .map(|k| {
            let (i, j) = ((k % (n + 1)) as f64, (k / (n + 1)) as f64);
            Coord { x: x0 + (i + 0.2 * rng.signed()) * s, y: y0 + (j + 0.2 * rng.signed()) * s }
        })
        .collect();
    let c = |i: usize, j: usize| corner[j * (n + 1) + i];
    let mut wiggle = |a: Coord, b: Coord| -> Vec<Coord> {
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        (1..=WIGGLES)
            .map(|k| {
                let t = k as f64 / (WIGGLES + 1) as f64;
                let off = 0.08 * rng.signed();
                // Perpendicular to the edge, proportional to its length.
                Coord { x: a.x + t * dx - off * dy, y: a.y + t * dy + off * dx }
            })
            .collect()
    };
    // Horizontal edge (i, j) runs from corner (i, j) east to (i + 1, j); vertical edge (i, j)
    // runs from corner (i, j) north to (i, j + 1).
    let horizontal: Vec<Vec<Coord>> = (0..n * (n + 1)).map(|k| wiggle(c(k % n, k / n), c(k % n + 1, k / n))).collect();
    let vertical: Vec<Vec<Coord>> =
        (0..(n + 1) * n).map(|k| wiggle(c(k % (n + 1), k / (n + 1)), c(k % (n + 1), k / (n + 1) + 1))).collect();
    let h = |i: usize, j: usize| &horizontal[j * n + i];
    let v = |i: usize, j: usize| &vertical[j * (n + 1) + i];

    let mut areas = Vec::with_capacity(n * n);
    for j in 0..n {
        for i in 0..n {
            // Counter-clockwise: south edge east, east edge north, north edge west, west edge south.
            let mut ring = vec![c(i, j)];
            ring.extend(h(i, j));
            ring.push(c(i + 1, j));
            ring.extend(v(i + 1, j));
            ring.push(c(i + 1, j + 1));
            ring.extend(h(i, j + 1).iter().rev());
            ring.push(c(i, j + 1));
            ring.extend(v(i, j).iter().rev());
            ring.push(c(i, j));
            areas.push(MultiPolygon(vec![Polygon::new(ring.into(), vec![])]));
        }
    }
    areas
}

/// Checks that a tiling really has no overlaps and that `owner` agrees with a brute-force test,
/// so the bench never measures a broken layer.
fn assert_partition(index: &AreaIndex, points: &[Coord]) {
    for &p in points.iter().take(20_000) {
        let owners: Vec<u32> =
            index.ids_in_bbox(Rect::new(p, p)).into_iter().filter(|&id| index.area(id).contains(p)).collect();
        assert!(owners.len() <= 1, "synthetic tiling overlaps at {p:?}: {owners:?}");
        assert_eq!(index.owner(p), owners.first().copied(), "owner disagrees with brute force at {p:?}");
    }
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// The features of one demo layer, or `None` (with a note) when the file is missing or unreadable.
fn demo_layer(layer: Layer) -> Option<Vec<Feature>> {
    let path = data_dir().join(format!("{}.geojson", layer.id()));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("note: skipping demo benches for layer {}: cannot read {}: {e}", layer.id(), path.display());
            return None;
        }
    };
    let parsed = read_features(&text);
    if !parsed.problems.is_empty() {
        eprintln!(
            "note: {} has {} problem(s); benchmarking the readable features",
            path.display(),
            parsed.problems.len()
        );
    }
    Some(parsed.features.into_iter().map(|(_, f)| f).collect())
}

/// One owner() per point, summed so the work cannot be optimised away.
fn owner_all(index: &AreaIndex, points: &[Coord]) -> usize {
    points.iter().filter(|&&p| index.owner(black_box(p)).is_some()).count()
}

fn bench_layer(c: &mut Criterion, name: &str, areas: &[MultiPolygon<f64>], bbox: Rect<f64>, seed: u64) {
    let index = AreaIndex::new(areas);
    let points = random_points(&mut XorShift::new(seed), bbox, POINTS);
    let hits = owner_all(&index, &points);
    let edges: usize = (0..index.len() as u32).map(|id| index.area(id).edge_count()).sum();
    eprintln!(
        "{name}: {} areas, {edges} edges, {:.1} % of cells answered without a polygon test, {:.1} % of points owned",
        index.len(),
        index.covered_cell_share() * 100.0,
        hits as f64 * 100.0 / points.len() as f64
    );

    let mut owner = c.benchmark_group("owner");
    // Flat sampling (equal iterations per sample) suits iterations of many milliseconds: the
    // default linear ramp would need far longer than the measurement time to reach 20 samples.
    owner.sampling_mode(SamplingMode::Flat);
    owner.throughput(Throughput::Elements(points.len() as u64));
    owner.bench_function(BenchmarkId::from_parameter(name), |b| b.iter(|| owner_all(&index, &points)));
    owner.finish();

    // Build time, reported per area so layers of different sizes compare.
    let mut build = c.benchmark_group("build");
    build.sample_size(10);
    build.sampling_mode(SamplingMode::Flat);
    build.throughput(Throughput::Elements(areas.len() as u64));
    build.bench_function(BenchmarkId::from_parameter(name), |b| b.iter(|| AreaIndex::new(black_box(areas))));
    build.finish();
}

/// `nearest` for random points of `bbox` that no area holds: what a batch row outside every grid
/// costs on top of the lookup (its `nearest_grid_code` and `distance_m`).
fn bench_nearest(c: &mut Criterion, name: &str, areas: &[MultiPolygon<f64>], bbox: Rect<f64>, seed: u64) {
    let index = AreaIndex::new(areas);
    let outside: Vec<Coord> = random_points(&mut XorShift::new(seed), bbox, POINTS * 4)
        .into_iter()
        .filter(|&p| index.locate(p) == Hit::Outside)
        .take(POINTS / 4)
        .collect();
    if outside.is_empty() {
        eprintln!("note: no point of {name} falls outside every area; skipping the nearest bench");
        return;
    }
    // The edge index a batch builds first; not part of what is measured.
    index.prepare_nearest();
    let metres: f64 = outside.iter().filter_map(|&p| index.nearest(p)).map(|n| n.metres).sum();
    eprintln!(
        "{name}: {} points outside every area, {:.0} m from the nearest on average",
        outside.len(),
        metres / outside.len() as f64
    );
    let mut group = c.benchmark_group("nearest");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(outside.len() as u64));
    group.bench_function(BenchmarkId::from_parameter(name), |b| {
        b.iter(|| outside.iter().filter_map(|&p| index.nearest(black_box(p))).map(|n| n.id as usize).sum::<usize>())
    });
    group.finish();
}

fn synthetic(c: &mut Criterion) {
    let mut rng = XorShift::new(0x5EED_0001);
    let areas = irregular_tiling(100, &mut rng);
    let index = AreaIndex::new(&areas);
    // The lattice spans 113.95 + [-0.2, 100.2] cells; the points cover it with a small margin.
    let bbox = Rect::new(Coord { x: 113.949, y: 22.449 }, Coord { x: 114.001, y: 22.501 });
    assert_partition(&index, &random_points(&mut XorShift::new(7), bbox, 20_000));
    bench_layer(c, "synthetic_100x100", &areas, bbox, 0x5EED_0002);
    // Points up to about 2 km around the tiling: outside it, near its long outer edge.
    let around = Rect::new(Coord { x: 113.93, y: 22.43 }, Coord { x: 114.02, y: 22.52 });
    bench_nearest(c, "synthetic_100x100_around", &areas, around, 0x5EED_0006);
}

fn demo(c: &mut Criterion) {
    let Some(grids) = demo_layer(Layer::Grid) else { return };
    let (x0, y0, x1, y1) = DEMO_BBOX;
    let bbox = Rect::new(Coord { x: x0, y: y0 }, Coord { x: x1, y: y1 });
    let areas: Vec<MultiPolygon<f64>> = grids.iter().map(|f| as_multipolygon(&f.geometry)).collect();
    bench_layer(c, "demo_grid", &areas, bbox, 0x5EED_0003);
    bench_nearest(c, "demo_grid_outside", &areas, bbox, 0x5EED_0005);

    // The full lookup needs the parent layers; without them the hierarchy would be empty and
    // the number would flatter the service.
    let mut layers = vec![(Layer::Grid, grids)];
    for layer in [Layer::Community, Layer::Street, Layer::District] {
        match demo_layer(layer) {
            Some(f) => layers.push((layer, f)),
            None => return,
        }
    }
    let snapshot = Snapshot::new(layers);
    let points = random_points(&mut XorShift::new(0x5EED_0004), bbox, POINTS);
    let mut group = c.benchmark_group("snapshot_lookup");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(points.len() as u64));
    group.bench_function(BenchmarkId::from_parameter("demo"), |b| {
        b.iter(|| points.iter().filter(|&&p| snapshot.lookup(black_box(p)).district.is_some()).count())
    });
    group.finish();
}

fn config() -> Criterion {
    // Two cores, a shared machine: fewer, longer samples keep a full run near a minute.
    Criterion::default().sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(6))
}

criterion_group! { name = benches; config = config(); targets = synthetic, demo }
criterion_main!(benches);
