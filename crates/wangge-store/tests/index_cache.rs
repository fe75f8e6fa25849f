//! The index cache kept beside a GeoPackage (issue 15): a restart on an unchanged layer takes the
//! cell grid and interior points from it and answers exactly as a fresh build does; a changed
//! layer (or a damaged cache file) is never answered from the old copy.

use geo::{Coord, Geometry, polygon};
use wangge_core::model::{Attrs, Feature, Layer};
use wangge_core::snapshot::Snapshot;
use wangge_store::index_cache::cache_dir;
use wangge_store::sqlite::{Store, WriteMode};

/// Side of a square, a power of two so that neighbours share bit-identical edges.
const S: f64 = 1.0 / 1024.0;
/// Squares per side: 160 × 160 × 4 edges is above the size worth caching.
const N: usize = 160;

fn squares(prefix: &str, x0: f64, size: f64) -> Vec<Feature> {
    (0..N * N)
        .map(|i| {
            let (x, y) = (x0 + (i % N) as f64 * size, 22.0 + (i / N) as f64 * size);
            Feature {
                code: format!("{prefix}{i:06}"),
                name: format!("{prefix} {i}"),
                parent_code: None,
                attrs: Attrs::new(),
                geometry: Geometry::Polygon(polygon![
                    (x: x, y: y), (x: x + size, y: y), (x: x + size, y: y + size), (x: x, y: y + size), (x: x, y: y)
                ]),
            }
        })
        .collect()
}

/// Owners of a lattice of points over the layers (on edges, vertices and interiors), and the
/// district layer's interior points.
fn answers(s: &Snapshot) -> (Vec<Option<String>>, Vec<Option<Coord>>) {
    let mut owners = Vec::new();
    for ix in 0..=4 * N + 8 {
        for iy in (0..=4 * N + 8).step_by(7) {
            let p = Coord { x: 113.0 - 2.0 * S + ix as f64 * S / 4.0, y: 22.0 - 2.0 * S + iy as f64 * S / 4.0 };
            owners.push(s.owner(Layer::Grid, p).map(|f| f.code().to_string()));
        }
    }
    let districts = s.layer(Layer::District);
    (owners, (0..districts.len()).map(|i| districts.interior_point(i)).collect())
}

fn write(store: &mut Store, x0: f64, size: f64) {
    store.write_layer(Layer::District, &squares("D", x0, size), WriteMode::Replace).unwrap();
    store.write_layer(Layer::Grid, &squares("G", x0, size), WriteMode::Replace).unwrap();
}

fn fresh(x0: f64, size: f64) -> Snapshot {
    Snapshot::new([(Layer::District, squares("D", x0, size)), (Layer::Grid, squares("G", x0, size))])
}

fn from_cache(s: &Snapshot) -> [bool; 2] {
    [s.layer(Layer::District).index_from_cache(), s.layer(Layer::Grid).index_from_cache()]
}

#[test]
fn a_restart_uses_the_cache_and_answers_as_a_fresh_build() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.gpkg");
    let mut store = Store::open(&path).unwrap();
    write(&mut store, 113.0, S);
    let first = store.load_snapshot().unwrap();
    assert_eq!(from_cache(&first), [false, false], "nothing to reuse on the first start");
    assert!(cache_dir(&path).join("grid.bin").is_file() && cache_dir(&path).join("district.bin").is_file());

    let again = Store::open(&path).unwrap().load_snapshot().unwrap();
    assert_eq!(from_cache(&again), [true, true], "an unchanged layer is not built again");
    let expect = answers(&fresh(113.0, S));
    assert!(expect.0.iter().filter(|o| o.is_some()).count() > 10_000);
    assert_eq!(answers(&first), expect);
    assert_eq!(answers(&again), expect);
}

#[test]
fn a_changed_layer_or_a_damaged_file_never_answers_from_the_old_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.gpkg");
    let mut store = Store::open(&path).unwrap();
    write(&mut store, 113.0, S);
    store.load_snapshot().unwrap();

    // The same codes, the squares moved half a square east: every cached cell is wrong now.
    write(&mut store, 113.0 + S / 2.0, S);
    let moved = Store::open(&path).unwrap().load_snapshot().unwrap();
    assert_eq!(from_cache(&moved), [false, false], "a stale cache is not used");
    assert_eq!(answers(&moved), answers(&fresh(113.0 + S / 2.0, S)));
    // A point in the first square of the old layer is west of the moved one: outside now.
    assert_eq!(moved.owner(Layer::Grid, Coord { x: 113.0 + S / 4.0, y: 22.0 + S / 4.0 }), None);
    // …and the rebuilt cache is the one the next start takes.
    let next = Store::open(&path).unwrap().load_snapshot().unwrap();
    assert_eq!(from_cache(&next), [true, true]);
    assert_eq!(answers(&next), answers(&moved));

    // A damaged file (cut short, or an area id changed under a valid key) is rebuilt, not read.
    let grid = cache_dir(&path).join("grid.bin");
    let bytes = std::fs::read(&grid).unwrap();
    std::fs::write(&grid, &bytes[..bytes.len() / 2]).unwrap();
    let cut = Store::open(&path).unwrap().load_snapshot().unwrap();
    assert_eq!(from_cache(&cut), [true, false]);
    assert_eq!(answers(&cut), answers(&moved));
    let mut bad = std::fs::read(&grid).unwrap();
    let n = bad.len();
    // The high byte of the last candidate id (the byte before the trailing no-points flag).
    bad[n - 2] = 0xff;
    std::fs::write(&grid, &bad).unwrap();
    let damaged = Store::open(&path).unwrap().load_snapshot().unwrap();
    assert!(!damaged.layer(Layer::Grid).index_from_cache());
    assert_eq!(answers(&damaged), answers(&moved));
}
