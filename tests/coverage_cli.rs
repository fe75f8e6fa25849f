//! The coverage CLI through the real binary: importing a real OSM PBF extract (Helsinki) and the
//! demo's GeoJSON roads, the per-community table, the GeoJSON output, and GDAL still reading the
//! GeoPackage with its new `road` table.

mod common;

use common::{text, wangge};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The real extract lives beside the repository in the shared data folder; a developer without it
/// gets a notice instead of a failure.
fn helsinki() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/helsinki/Helsinki.osm.pbf");
    if p.exists() {
        Some(p)
    } else {
        eprintln!("{} not found: OSM PBF import not checked", p.display());
        None
    }
}

#[test]
fn osm_pbf_import_reports_walkable_ways_and_components() {
    let Some(pbf) = helsinki() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hel.gpkg");
    let out = wangge(&["import-roads", "--db", db.to_str().unwrap(), pbf.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (read, walkable) = (v["ways_read"].as_u64().unwrap(), v["walkable_ways"].as_u64().unwrap());
    assert!(walkable > 1000 && walkable < read, "motorways and trunks are left out: {v}");
    assert!(v["components"].as_u64().unwrap() >= 1);
    assert!(v["largest_component_share"].as_f64().unwrap() > 0.5, "{v}");
    assert!(v["length_km"].as_f64().unwrap() > 50.0, "{v}");
    // A narrower filter keeps fewer ways.
    let out =
        wangge(&["import-roads", "--db", db.to_str().unwrap(), "--walkable", "footway,steps", pbf.to_str().unwrap()]);
    let w: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(w["walkable_ways"].as_u64().unwrap() < walkable);
}

#[test]
fn coverage_prints_the_community_table_and_writes_geojson() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.gpkg");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    wangge_app::demo::ensure_demo_db(&db, &data).unwrap();
    let gaps = dir.path().join("gaps.geojson");
    let out = wangge(&["coverage", "--db", db.to_str().unwrap(), "--minutes", "10", "--out", gaps.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().filter(|l| l.contains("\t4403")).count(), 24, "{stdout}");
    assert!(stdout.contains("total") && stdout.contains("straight-line circles over-claim"), "{stdout}");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&gaps).unwrap()).unwrap();
    assert_eq!(v["params"]["minutes"], 10.0);
    assert!(v["features"].as_array().unwrap().iter().any(|f| f["properties"]["layer"] == "coverage_gap"));
    // Chinese by default.
    let out = Command::new(env!("CARGO_BIN_EXE_wangge"))
        .args(["coverage", "--db", db.to_str().unwrap(), "--mode", "circle"])
        .env_remove("WANGGE_LANG")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("合计"));
    // Out-of-range minutes are refused.
    let out = wangge(&["coverage", "--db", db.to_str().unwrap(), "--minutes", "90"]);
    assert!(!out.status.success() && text(&out).contains("--minutes"));
    // GDAL still opens the GeoPackage and lists the road table.
    if Command::new("ogrinfo").arg("--version").output().is_ok_and(|o| o.status.success()) {
        let out = Command::new("ogrinfo").args(["-ro", "-so", "-al"]).arg(&db).output().unwrap();
        let t = text(&out);
        assert!(out.status.success() && !t.contains("ERROR"), "{t}");
        assert!(t.contains("Layer name: road"), "{t}");
    }
}
