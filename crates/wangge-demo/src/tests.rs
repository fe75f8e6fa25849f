//! End-to-end checks of [`build`](super::build) on the real Futian data: layers parse, grids tile their
//! communities exactly, nothing overlaps, geometry is valid and the output is deterministic.

use std::collections::BTreeMap;
use std::path::Path;

use geo::{Area, BooleanOps, BoundingRect, Contains, Intersects, MultiPolygon, Point, Polygon, Validation};
use serde_json::Value;

use super::build;

/// The shared real data sits beside the repository on the project's machines and in CI; a clone
/// elsewhere has only the committed `data/`, which `tests/demo_city.rs` checks on its own.
const INPUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/futian");

fn layer(dir: &Path, name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    let doc: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    assert_eq!(doc["type"], "FeatureCollection", "{name} is not a FeatureCollection");
    doc["features"].as_array().cloned().unwrap_or_default()
}

fn ring(v: &Value) -> geo::LineString {
    let pts = v.as_array().into_iter().flatten();
    pts.map(|p| geo::coord! { x: p[0].as_f64().unwrap_or(f64::NAN), y: p[1].as_f64().unwrap_or(f64::NAN) }).collect()
}

fn polygon(v: &Value) -> Polygon {
    let rings: Vec<geo::LineString> = v.as_array().into_iter().flatten().map(ring).collect();
    let mut it = rings.into_iter();
    Polygon::new(it.next().unwrap_or_else(|| geo::LineString::new(vec![])), it.collect())
}

fn shape(f: &Value) -> MultiPolygon {
    let g = &f["geometry"];
    match g["type"].as_str() {
        Some("Polygon") => MultiPolygon::new(vec![polygon(&g["coordinates"])]),
        Some("MultiPolygon") => {
            MultiPolygon::new(g["coordinates"].as_array().into_iter().flatten().map(polygon).collect())
        }
        other => panic!("unexpected geometry {other:?}"),
    }
}

fn code(f: &Value) -> String {
    f["properties"]["code"].as_str().unwrap_or("").to_string()
}

#[test]
fn the_futian_demo_tiles_exactly_and_is_deterministic() {
    if !Path::new(INPUT).exists() {
        eprintln!("{INPUT} not found: the demo build from source data is not checked here");
        return;
    }
    let (a, b) = (tempfile::tempdir(), tempfile::tempdir());
    let (Ok(a), Ok(b)) = (a, b) else { panic!("no temp dir") };
    let report = build(Path::new(INPUT), a.path()).unwrap_or_else(|e| panic!("{e}"));
    build(Path::new(INPUT), b.path()).unwrap_or_else(|e| panic!("{e}"));
    for name in ["district", "street", "community", "grid", "building", "service_centre", "roads"] {
        let file = format!("{name}.geojson");
        assert!(!layer(a.path(), &file).is_empty(), "{file} is empty");
        assert_eq!(
            std::fs::read(a.path().join(&file)).ok(),
            std::fs::read(b.path().join(&file)).ok(),
            "{file} differs"
        );
        // The committed demo data is exactly what the builder makes: data/ is reproducible.
        let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data").join(&file);
        assert_eq!(std::fs::read(a.path().join(&file)).ok(), std::fs::read(&committed).ok(), "data/{file} is stale");
    }
    assert!(report.grids_in_300_500 * 10 >= report.grids * 8, "{report:?}");

    let districts = layer(a.path(), "district.geojson");
    let futian = districts.iter().find(|d| code(d) == "440304").map(shape).unwrap_or_else(|| panic!("no 福田区"));
    let streets = layer(a.path(), "street.geojson");
    for s in &streets {
        let shape = shape(s);
        assert!(shape.is_valid(), "street {} invalid", code(s));
        for c in shape.iter().flat_map(|p| p.exterior().points()) {
            assert!(futian.intersects(&c), "street {} leaves 福田区 at {c:?}", code(s));
        }
    }

    let communities: BTreeMap<String, MultiPolygon> =
        layer(a.path(), "community.geojson").iter().map(|c| (code(c), shape(c))).collect();
    let grids = layer(a.path(), "grid.geojson");
    let mut grid_area: BTreeMap<String, f64> = BTreeMap::new();
    let mut shapes = Vec::new();
    for g in &grids {
        let parent = g["properties"]["parent_code"].as_str().unwrap_or("").to_string();
        assert!(code(g).starts_with(&parent) && code(g).len() == 15, "bad grid code {}", code(g));
        let community = communities.get(&parent).unwrap_or_else(|| panic!("grid {} has no community", code(g)));
        let shape = shape(g);
        assert!(shape.is_valid(), "grid {} invalid: {:?}", code(g), shape.check_validation().err());
        for c in shape.iter().flat_map(|p| p.exterior().points()) {
            assert!(community.intersects(&c), "grid {} leaves its community at {c:?}", code(g));
        }
        *grid_area.entry(parent).or_default() += shape.unsigned_area();
        shapes.push((code(g), shape));
    }
    for (c, shape) in &communities {
        let (got, want) = (grid_area.get(c).copied().unwrap_or(0.0), shape.unsigned_area());
        assert!((got - want).abs() <= want * 1e-6, "community {c}: grids {got} vs {want}");
    }
    for i in 0..shapes.len() {
        for j in i + 1..shapes.len() {
            let (Some(r), Some(s)) = (shapes[i].1.bounding_rect(), shapes[j].1.bounding_rect()) else { continue };
            if r.intersects(&s) {
                let overlap = shapes[i].1.intersection(&shapes[j].1).unsigned_area();
                assert!(overlap < 1e-12, "grids {} and {} overlap by {overlap}", shapes[i].0, shapes[j].0);
            }
        }
    }

    let by_code: BTreeMap<String, &MultiPolygon> = shapes.iter().map(|(c, s)| (c.clone(), s)).collect();
    for b in layer(a.path(), "building.geojson") {
        let parent = b["properties"]["parent_code"].as_str().unwrap_or("");
        let c = &b["geometry"]["coordinates"];
        let p = Point::new(c[0].as_f64().unwrap_or(f64::NAN), c[1].as_f64().unwrap_or(f64::NAN));
        assert!(by_code.get(parent).is_some_and(|g| g.contains(&p)), "building {} outside its grid", code(&b));
        assert_eq!(code(&b).len(), 17);
    }
}
