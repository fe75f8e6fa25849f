//! 多网合一 end to end on the demo city: networks imported through the real binary (a copy of the
//! grid layer, and the arterial-road network of `data/networks/police.geojson`), versioned on
//! re-import, listed and aligned over HTTP on loopback, and written as JSON, CSV, xlsx and GeoJSON.

mod common;

use common::{Server, text, wangge};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn demo_db(dir: &Path) -> PathBuf {
    let db = dir.join("demo.gpkg");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    wangge_app::demo::ensure_demo_db(&db, &data).unwrap();
    db
}

fn police() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/networks/police.geojson")
}

/// Households of every building that lies in a grid, from the building layer itself.
fn building_households(db: &Path) -> u64 {
    let snapshot = wangge_store::Store::open(db).unwrap().load_snapshot().unwrap();
    wangge_app::align::homes(&snapshot)
        .iter()
        .filter(|h| snapshot.owner(wangge_core::model::Layer::Grid, h.at).is_some())
        .map(|h| h.households)
        .sum()
}

#[test]
fn networks_import_as_versions_and_align_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let d = db.to_str().unwrap();
    // The grid layer itself, imported as a network: the identical case on real geometry.
    let grids = dir.path().join("grids.geojson");
    assert!(wangge(&["export", "--db", d, "--layer", "grid", grids.to_str().unwrap()]).status.success());
    let out = wangge(&["--lang", "en", "import", "--db", d, "--network", "copy", grids.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("version 1"), "{}", text(&out));
    let p = police();
    let p = p.to_str().unwrap();
    assert!(wangge(&["import", "--db", d, "--network", "police", p]).status.success());
    // Again: refused in append mode (codes exist), a new version in replace mode.
    let again = wangge(&["--lang", "en", "import", "--db", d, "--network", "police", p]);
    assert!(!again.status.success());
    let again = wangge(&["--lang", "en", "import", "--db", d, "--network", "police", "--mode", "replace", p]);
    assert!(again.status.success() && text(&again).contains("version 2"), "{}", text(&again));
    // --layer and --network are one or the other.
    assert!(!wangge(&["import", "--db", d, "--network", "x", "--layer", "grid", p]).status.success());
    assert!(!wangge(&["import", "--db", d, "--network", "a b", p]).status.success(), "a name with a space");

    let server = Server::start(&db);
    let (status, list) = server.get("/api/v1/networks");
    assert_eq!(status, 200, "{list}");
    let names: Vec<&str> = list["networks"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["copy", "police"]);
    assert_eq!(list["networks"][1]["version"], 2);
    assert_eq!(list["networks"][0]["features"], 120);

    // Each version reads back: version 1 and 2 of police are the same file, 33 features.
    let (status, v1) = server.get("/api/v1/networks/police/features?version=1");
    assert_eq!(status, 200, "{v1}");
    assert_eq!(v1["features"].as_array().unwrap().len(), 33);
    assert_eq!(v1["features"][0]["properties"]["code"], "JG0001");
    assert_eq!(server.get("/api/v1/networks/police/features?version=3").0, 404);
    assert_eq!(server.get("/api/v1/networks/police/features?version=x").0, 400);

    let (status, copy) = server.get("/api/v1/alignment?network=copy");
    assert_eq!(status, 200, "{copy}");
    let all = &copy["summary"]["all"];
    assert_eq!((all["identical"].as_u64(), all["pairs"].as_u64()), (Some(120), Some(120)), "{all}");
    assert_eq!(all["by_households"]["v_measure"], 1.0);
    assert_eq!(all["slivers"], 0);
    assert_eq!(all["households"].as_u64().unwrap(), building_households(&db), "every building counted once");
    assert_eq!(copy["summary"]["community"].as_array().unwrap().len(), 24);
    assert_eq!(copy["summary"]["street"].as_array().unwrap().len(), 4);
    assert!(copy["pairs"].as_array().unwrap().iter().all(|p| p["hausdorff_m"].as_f64().unwrap() < 0.01));

    let (status, real) = server.get("/api/v1/alignment?network=police&level=community");
    assert_eq!(status, 200, "{real}");
    let all = &real["summary"]["all"];
    assert_eq!(real["version"], 2);
    assert!(real["failed"].as_array().unwrap().is_empty(), "{}", real["failed"]);
    assert!(all["pairs"].as_u64().unwrap() >= 33, "{all}");
    let v = all["by_area"]["v_measure"].as_f64().unwrap();
    assert!(v > 0.2 && v < 1.0, "two independent drawings agree in part: {v}");
    let area: f64 = real["pairs"].as_array().unwrap().iter().map(|p| p["area_m2"].as_f64().unwrap()).sum();
    assert!((area - all["area_m2"].as_f64().unwrap()).abs() < 1.0);
    assert!(area > 10.0e6 && area < 14.0e6, "the demo is about 13 km²: {area}");
    // Households in pieces plus those outside the network are all households in communities.
    let placed = all["households"].as_u64().unwrap() + all["households_outside_network"].as_u64().unwrap();
    assert_eq!(placed, building_households(&db));

    let (status, pieces) = server.get("/api/v1/alignment?network=police&level=street&format=geojson");
    assert_eq!(status, 200);
    let features = pieces["features"].as_array().unwrap();
    assert!(!features.is_empty());
    assert!(features.iter().all(|f| f["geometry"]["type"] == "MultiPolygon" && f["properties"]["class"].is_string()));

    let (status, csv) = server.get("/api/v1/alignment?network=police&format=csv");
    assert_eq!(status, 200);
    assert!(csv.as_str().unwrap().starts_with("ours,ours_name,theirs,theirs_name,class,sliver,area_m2"));

    // Unknown names are 4xx JSON naming what was asked.
    let (status, e) = server.get("/api/v1/alignment?network=nope&lang=en");
    assert_eq!((status, e["error"].as_str()), (404, Some("not_found")));
    assert!(e["detail"].as_str().unwrap().contains("nope"), "{e}");
    let (status, e) = server.get("/api/v1/alignment?network=police&level=building&lang=en");
    assert_eq!(status, 400);
    assert!(e["detail"].as_str().unwrap().contains("building"), "{e}");
    let (status, e) = server.get("/api/v1/alignment?network=police&format=pdf");
    assert_eq!(status, 400, "{e}");
    let (status, _) = server.get("/api/v1/alignment");
    assert_eq!(status, 400);
}

#[test]
fn align_writes_every_form_by_extension() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let d = db.to_str().unwrap();
    assert!(wangge(&["import", "--db", d, "--network", "police", police().to_str().unwrap()]).status.success());
    let json = dir.path().join("a.json");
    let out = wangge(&["--lang", "en", "align", "--db", d, "--network", "police", "--out", json.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("V-measure"), "{}", text(&out));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["level"], "grid");
    for key in ["pairs", "slivers", "summary"] {
        assert!(!v[key].is_null(), "{key}");
    }
    let xlsx = dir.path().join("a.xlsx");
    let out =
        wangge(&["align", "--db", d, "--network", "police", "--level", "community", "--out", xlsx.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let sheet = wangge_formats::xlsx::read_first_sheet(&std::fs::read(&xlsx).unwrap()).unwrap();
    assert_eq!(sheet.name, "pairs");
    assert!(sheet.rows.len() > 1);
    let geo = dir.path().join("a.geojson");
    assert!(wangge(&["align", "--db", d, "--network", "police", "--out", geo.to_str().unwrap()]).status.success());
    let g: Value = serde_json::from_str(&std::fs::read_to_string(&geo).unwrap()).unwrap();
    assert_eq!(g["type"], "FeatureCollection");
    // Unknown network and level: an error naming them, nothing written.
    let out = wangge(&["--lang", "en", "align", "--db", d, "--network", "nope"]);
    assert!(!out.status.success() && text(&out).contains("nope") && text(&out).contains("police"), "{}", text(&out));
    let out = wangge(&["--lang", "en", "align", "--db", d, "--network", "police", "--level", "district"]);
    assert!(!out.status.success() && text(&out).contains("district"), "{}", text(&out));
}
