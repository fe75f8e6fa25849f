//! A running server rebuilds its walking network when another process imports roads: `wangge
//! import-roads` from the CLI into the served GeoPackage, and into the PostgreSQL database a
//! replica serves; coverage on the road network then answers without a restart.

mod common;
mod pg_support;

use common::{Killed, city_db, city_dir, get_json as get, serve_process, serve_process_with, text, wangge};
use pg_support::PgCluster;
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};
use wangge_core::model::Layer;

const COVERAGE: &str = "/api/v1/coverage?minutes=10&mode=network";

/// Footways every 1/512° across the fixture city (114.0–114.015625 E, 22.5–22.515625 N).
fn roads_file(dir: &Path) -> std::path::PathBuf {
    let step = 1.0 / 512.0;
    let mut features = Vec::new();
    for i in 0..=8 {
        let at = f64::from(i) * step;
        for line in [[[114.0, 22.5 + at], [114.015625, 22.5 + at]], [[114.0 + at, 22.5], [114.0 + at, 22.515625]]] {
            features.push(json!({"type": "Feature", "properties": {"highway": "footway"},
                "geometry": {"type": "LineString", "coordinates": line}}));
        }
    }
    let path = dir.join("roads.geojson");
    std::fs::write(&path, json!({"type": "FeatureCollection", "features": features}).to_string()).unwrap();
    path
}

/// Imports roads into `db` from the CLI while the server at `base` runs, and waits for its
/// coverage to answer on them.
fn import_roads_and_wait(base: &str, db: &str, roads: &Path, what: &str) {
    let (status, before) = get(&format!("{base}{COVERAGE}"));
    assert_eq!((status, before["error"].as_str()), (409, Some("no_network")), "{what}: {before}");
    let out = wangge(&["import-roads", "--db", db, roads.to_str().unwrap()]);
    assert!(out.status.success(), "{what}: {}", text(&out));
    let started = Instant::now();
    loop {
        let (status, body) = get(&format!("{base}{COVERAGE}"));
        if status == 200 {
            assert_eq!(body["type"], "FeatureCollection", "{what}: {body}");
            eprintln!("{what}: coverage on the imported roads served after {:?}", started.elapsed());
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{what}: roads not served within 10 s: {status} {body}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_served_geopackage_follows_roads_imported_by_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let (child, base) = serve_process(&db);
    let _server = Killed(child);
    import_roads_and_wait(&base, db.to_str().unwrap(), &roads_file(dir.path()), "sqlite");
}

#[test]
fn a_postgres_replica_follows_roads_imported_by_another_process() {
    let pg = PgCluster::start();
    let url = pg.new_db("roads");
    for layer in Layer::ALL {
        let file = city_dir().join(format!("{}.geojson", layer.id()));
        let out = wangge(&["import", "--db", &url, "--layer", layer.id(), file.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let (child, base, _log) = serve_process_with(Path::new(&url), &[], &[]);
    let _server = Killed(child);
    let dir = tempfile::tempdir().unwrap();
    import_roads_and_wait(&base, &url, &roads_file(dir.path()), "postgres");
}
