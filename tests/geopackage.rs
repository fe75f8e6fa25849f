//! The database file is a GeoPackage that GDAL opens directly: every layer listed with its count,
//! and a layer copied out by `ogr2ogr` matches wangge's own export feature by feature.

mod common;

use common::{assert_ogrinfo_counts, city_db, gdal_available, text, wangge};
use serde_json::Value;
use std::process::Command;

#[test]
fn gdal_lists_every_layer_with_its_count() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let out = Command::new("ogrinfo").args(["-ro", "-so", "-al"]).arg(&db).output().unwrap();
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("using driver `GPKG' successful"), "{t}");
    let counts =
        [("district", 1), ("street", 1), ("community", 2), ("grid", 4), ("building", 1), ("service_centre", 1)];
    assert_ogrinfo_counts(&t, &counts);
}

#[test]
fn ogr2ogr_copy_matches_wangge_export() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let gdal_copy = dir.path().join("gdal.geojson");
    let out = Command::new("ogr2ogr").args(["-f", "GeoJSON"]).arg(&gdal_copy).arg(&db).arg("grid").output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let ours = dir.path().join("ours.geojson");
    let r = wangge(&["export", "--db", db.to_str().unwrap(), "--layer", "grid", ours.to_str().unwrap()]);
    assert!(r.status.success());
    let read = |p: &std::path::Path| -> Value { serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap() };
    let (g, w) = (read(&gdal_copy), read(&ours));
    let (g, w) = (g["features"].as_array().unwrap(), w["features"].as_array().unwrap());
    assert_eq!(g.len(), w.len());
    for (a, b) in g.iter().zip(w) {
        assert_eq!(a["properties"]["code"], b["properties"]["code"]);
        assert_eq!(a["properties"]["name"], b["properties"]["name"]);
        assert_eq!(a["properties"]["households"], b["properties"]["households"]);
        assert_eq!(a["geometry"], b["geometry"], "GDAL decodes our geometry blobs to the same coordinates");
    }
}
