//! Vector-tile benchmarks on the demo city: building one tile's features (select, project, clip,
//! snap, wind) and encoding them as MVT — a z14 grid tile and a z12 building tile in the middle
//! of the city — and the full render the server does on a cache miss (plus gzip and ETag).
//!
//! Run with `cargo bench --bench tiles`. Needs the demo layers in `data/`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use wangge_app::tiles::{TileService, TileSource};
use wangge_core::model::Layer;
use wangge_core::snapshot::Snapshot;
use wangge_core::tiles::build::layer_tile;
use wangge_core::tiles::{BUFFER, TileId, project};
use wangge_formats::geojson::read_features;
use wangge_formats::mvt;

/// The middle of the demo city, lon/lat.
const CENTRE: (f64, f64) = (114.0185, 22.534);

fn demo() -> Snapshot {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let layers = [Layer::District, Layer::Street, Layer::Community, Layer::Grid, Layer::Building].map(|l| {
        let text = std::fs::read_to_string(data.join(format!("{}.geojson", l.id()))).expect("demo data in data/");
        (l, read_features(&text).features.into_iter().map(|(_, f)| f).collect())
    });
    Snapshot::new(layers)
}

fn tile_at(z: u8) -> TileId {
    let (x, y) = project(geo::Coord { x: CENTRE.0, y: CENTRE.1 }, z);
    TileId { z, x: x as u32, y: y as u32 }
}

fn bench(c: &mut Criterion) {
    let snapshot = demo();
    let service = TileService::new(&[], 0);
    for (layer, z) in [(Layer::Grid, 14), (Layer::Building, 12)] {
        let t = tile_at(z);
        let data = snapshot.layer(layer);
        let n = layer_tile(layer.id(), data.in_bbox(t.bounds(BUFFER)), t).features.len();
        let bytes = mvt::encode(&[layer_tile(layer.id(), data.in_bbox(t.bounds(BUFFER)), t)]).len();
        eprintln!("{} z{z} tile {t}: {n} features, {bytes} bytes", layer.id());
        c.bench_function(&format!("{}_z{z}_build_and_encode", layer.id()), |b| {
            b.iter(|| mvt::encode(&[layer_tile(layer.id(), data.in_bbox(t.bounds(BUFFER)), black_box(t))]))
        });
        c.bench_function(&format!("{}_z{z}_render_gzip_etag", layer.id()), |b| {
            b.iter(|| service.render(&snapshot, TileSource::Layer(layer), black_box(t)))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
