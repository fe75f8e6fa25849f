//! GDAL's OGC API – Features client (the OAPIF driver of Debian's gdal-bin) against the real
//! server: `ogrinfo` lists every collection with its feature count, and `ogr2ogr` copies the grid
//! collection to a GeoPackage that matches the stored grids feature by feature.

mod common;

use common::{Server, assert_ogrinfo_counts, city_db, gdal_available, text};
use serde_json::Value;
use std::process::Command;
use wangge_core::model::Layer;
use wangge_store::Store;

#[test]
fn ogrinfo_lists_every_collection_with_its_count() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let server = Server::start(&db);
    let out = Command::new("ogrinfo")
        .args(["-ro", "-so", "-al"])
        .arg(format!("OAPIF:{}/ogc", server.base))
        .env("GDAL_HTTP_TIMEOUT", "30")
        .output()
        .unwrap();
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("using driver `OAPIF' successful"), "{t}");
    let counts =
        [("district", 1), ("street", 1), ("community", 2), ("grid", 4), ("building", 1), ("service_centre", 1)];
    assert_ogrinfo_counts(&t, &counts);
}

#[test]
fn ogr2ogr_copies_the_grid_collection_feature_by_feature() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let server = Server::start(&db);
    let copy = dir.path().join("grid-copy.gpkg");
    // A page size smaller than the layer, so GDAL has to follow the next links.
    let out = Command::new("ogr2ogr")
        .args(["-f", "GPKG"])
        .arg(&copy)
        .arg(format!("OAPIF:{}/ogc", server.base))
        .arg("grid")
        .args(["-oo", "PAGE_SIZE=3"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let json = Command::new("ogr2ogr").args(["-f", "GeoJSON", "/vsistdout/"]).arg(&copy).arg("grid").output().unwrap();
    assert!(json.status.success(), "{}", text(&json));
    let copied: Value = serde_json::from_slice(&json.stdout).unwrap();
    let copied = copied["features"].as_array().unwrap();
    let stored = Store::open(&db).unwrap().load_layer(Layer::Grid).unwrap();
    assert_eq!(copied.len(), stored.len());
    for (c, s) in copied.iter().zip(&stored) {
        let p = &c["properties"];
        assert_eq!(p["code"], s.code.as_str());
        assert_eq!(p["name"], s.name.as_str());
        assert_eq!(p["parent_code"].as_str(), s.parent_code.as_deref());
        for (k, v) in &s.attrs {
            assert_eq!(&p[k], v, "{} {k}", s.code);
        }
        let geo::Geometry::Polygon(poly) = &s.geometry else { panic!("grids are polygons") };
        let ring = c["geometry"]["coordinates"][0].as_array().unwrap();
        assert_eq!(ring.len(), poly.exterior().0.len(), "{}", s.code);
        for (a, b) in ring.iter().zip(&poly.exterior().0) {
            assert!((a[0].as_f64().unwrap() - b.x).abs() < 1e-9 && (a[1].as_f64().unwrap() - b.y).abs() < 1e-9);
        }
    }
}
