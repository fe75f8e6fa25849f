//! Coverage benchmarks on deterministic data: one 15-minute isochrone on the demo city's real
//! network, the whole demo city (28 centres, union, gaps, statistics), and a synthetic large city
//! (102,400 network nodes, 1,024 centres). `cargo bench --bench coverage`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;
use wangge_app::coverage::{DEFAULT_KIND, build_context, sites_of_kind};
use wangge_core::coverage::{self, Coverage, Level, Params, serve_site, synthetic};
use wangge_core::network::Walker;

fn demo() -> (wangge_core::coverage::Context, Vec<wangge_core::coverage::Site>) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.gpkg");
    wangge_app::demo::ensure_demo_db(&db, &Path::new(env!("CARGO_MANIFEST_DIR")).join("data")).unwrap();
    let store = wangge_store::Store::open(&db).unwrap();
    let snapshot = store.load_snapshot().unwrap();
    let (roads, noding) = store.load_roads().unwrap();
    (build_context(&snapshot, &roads, noding), sites_of_kind(&snapshot, DEFAULT_KIND))
}

fn benches(c: &mut Criterion) {
    let (ctx, sites) = demo();
    let params = Params::default();
    let mut walker = Walker::new(&ctx.net);
    c.bench_function("demo: one 15-minute isochrone (search, homes, polygon)", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % sites.len();
            black_box(serve_site(&ctx, &mut walker, sites[i].clone(), &params))
        })
    });
    c.bench_function("demo: whole city (28 centres, union, gaps, statistics)", |b| {
        b.iter(|| {
            let cov = Coverage::compute(&ctx, sites.clone(), params, &|_, _| {});
            black_box((coverage::total(&ctx, &cov), coverage::by_level(&ctx, &cov, Level::Community)))
        })
    });
    let (big, big_sites) = synthetic::city(320, 0.0005, 20, 50_000, 1024);
    let mut group = c.benchmark_group("large");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    group.bench_function("synthetic city: 102,400 nodes, 1,024 centres, union, gaps, statistics", |b| {
        b.iter(|| {
            let cov = Coverage::compute(&big, big_sites.clone(), params, &|_, _| {});
            black_box((coverage::total(&big, &cov), coverage::by_level(&big, &cov, Level::Community)))
        })
    });
    group.finish();
}

criterion_group!(coverage_benches, benches);
criterion_main!(coverage_benches);
