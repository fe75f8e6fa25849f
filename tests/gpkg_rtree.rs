//! A GeoPackage given a spatial index by GDAL (as QGIS's "Create spatial index" does) stays
//! writable by wangge: the R-tree triggers' `ST_IsEmpty`/`ST_MinX`… are wangge's own SQL
//! functions, publishes and imports from the CLI and over HTTP succeed, and GDAL's spatial filter
//! (which reads the R-tree) still finds the features wangge wrote.

mod common;

use common::{Server, city_db, gdal_available, text, wangge};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const G1: &str = "440304006009001";
const NEW: &str = "440304006009003";

fn split() -> Value {
    json!({"op": "split", "layer": "grid", "code": G1, "new_code": NEW,
           "line": {"type": "LineString", "coordinates": [[114.00390625, 22.50], [114.00390625, 22.52]]}})
}

/// The codes GDAL returns for a small box around `(lon, lat)` on the grid layer (`-spat` goes
/// through the R-tree once the layer has one).
fn gdal_codes_at(db: &Path, lon: f64, lat: f64) -> Vec<String> {
    let d = 1e-5;
    let out = Command::new("ogrinfo")
        .args(["-ro", "-q"])
        .arg(db)
        .arg("grid")
        .arg("-spat")
        .args([lon - d, lat - d, lon + d, lat + d].map(|v| v.to_string()))
        .output()
        .unwrap();
    let t = text(&out);
    assert!(out.status.success() && !t.contains("ERROR"), "{t}");
    t.lines().filter_map(|l| l.trim().strip_prefix("code (String) = ").map(str::to_string)).collect()
}

/// Rows of the R-tree and of the grid table (they match while the triggers run).
fn rtree_and_grid_rows(db: &Path) -> (i64, i64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let n = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    (n("SELECT count(*) FROM rtree_grid_geom"), n("SELECT count(*) FROM grid"))
}

#[test]
fn publishes_and_imports_work_on_a_file_gdal_gave_a_spatial_index() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let dbs = db.to_str().unwrap();
    let out =
        Command::new("ogrinfo").arg(&db).args(["-sql", "SELECT CreateSpatialIndex('grid','geom')"]).output().unwrap();
    assert!(out.status.success() && !text(&out).contains("ERROR"), "{}", text(&out));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let triggers: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree_grid_geom_%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(conn);
    assert!(triggers >= 3, "GDAL installed the R-tree triggers ({triggers})");
    assert_eq!(rtree_and_grid_rows(&db), (4, 4));

    // A plan published from the CLI: the triggers run inside wangge's transaction.
    let plan = |args: &[&str]| {
        let mut all = vec!["plan"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--db", dbs, "--json"]);
        let out = wangge(&all);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let id = plan(&["create", "--name", "split"])["id"].to_string();
    let edits = dir.path().join("edits.json");
    std::fs::write(&edits, json!([split()]).to_string()).unwrap();
    plan(&["edit", &id, edits.to_str().unwrap()]);
    let rev = plan(&["publish", &id, "--message", "split", "--effective-date", "2026-03-01"]);
    assert_eq!(rev["id"], 1, "{rev}");
    assert_eq!(rtree_and_grid_rows(&db), (5, 5));
    assert_eq!(gdal_codes_at(&db, 114.006, 22.512), [NEW], "the new grid is in the R-tree");
    assert_eq!(gdal_codes_at(&db, 114.002, 22.512), [G1], "the reshaped grid's box shrank");

    // An import from the CLI, upserting a renamed grid.
    let mut grids: Value =
        serde_json::from_str(&std::fs::read_to_string(common::city_dir().join("grid.geojson")).unwrap()).unwrap();
    grids["features"] = json!([grids["features"][1].clone()]);
    grids["features"][0]["properties"]["name"] = json!("竹林社区第二网格（改名）");
    let file = dir.path().join("renamed.geojson");
    std::fs::write(&file, grids.to_string()).unwrap();
    let out = wangge(&["import", "--db", dbs, "--layer", "grid", "--mode", "upsert", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));

    // Over HTTP: restoring revision 0 and publishing it merges the split grid back.
    let out = wangge(&["token", "create", "--db", dbs, "--role", "planner", "--name", "p"]);
    assert!(out.status.success(), "{}", text(&out));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let server = Server::start(&db);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let post = |path: &str, body: Value| {
        let mut r = agent
            .post(&format!("{}{path}", server.base))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        let status = r.status().as_u16();
        (status, serde_json::from_str::<Value>(&r.body_mut().read_to_string().unwrap()).unwrap())
    };
    let (s, back) = post("/api/v1/revisions/0/restore", json!({}));
    assert_eq!(s, 201, "{back}");
    let (s, rev) = post(&format!("/api/v1/plans/{}/publish", back["id"]), json!({"message": "undo"}));
    assert_eq!(s, 200, "{rev}");
    assert_eq!(server.get("/api/v1/lookup?lon=114.006&lat=22.512").1["grid"]["code"], G1);
    assert_eq!(rtree_and_grid_rows(&db), (4, 4));
    assert_eq!(gdal_codes_at(&db, 114.006, 22.512), [G1], "the merged grid's box grew back");
    assert_eq!(gdal_codes_at(&db, 114.012, 22.502), ["440304006011002"]);
}
