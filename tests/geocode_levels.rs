//! Honest geocoding over real HTTP on the demo city: every candidate says at which level it matched,
//! a road or a division answers with the grids it spans (`grids`) rather than one grid, a name that
//! is not in the gazetteer answers no candidate, and `GET /api/v1/geocode/suggest` completes names.

mod common;

use common::Server;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use wangge_app::demo::ensure_demo_db;

fn server() -> &'static Server {
    static DB: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    static SERVER: OnceLock<Server> = OnceLock::new();
    let db = &DB
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let db = dir.path().join("demo.gpkg");
            ensure_demo_db(&db, &Path::new(env!("CARGO_MANIFEST_DIR")).join("data")).unwrap();
            (dir, db)
        })
        .1;
    SERVER.get_or_init(|| Server::start(db))
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn get(path: &str) -> Value {
    let (status, v) = server().get(path);
    assert_eq!(status, 200, "{path}: {v}");
    v
}

fn codes(c: &Value) -> BTreeSet<String> {
    c["grids"].as_array().unwrap().iter().map(|g| g["code"].as_str().unwrap().to_string()).collect()
}

#[test]
fn a_road_answers_with_every_grid_its_addresses_lie_in() {
    let v = get(&format!("/api/v1/geocode?q={}", enc("深南大道")));
    let top = &v["candidates"][0];
    assert_eq!(top["level"], "road", "{v}");
    let grids = codes(top);
    assert!(grids.len() >= 3, "深南大道 spans several grids: {grids:?}");
    // The same set as looking up each door of the road one by one.
    let mut by_door = BTreeSet::new();
    for door in 1..=400 {
        let d = get(&format!("/api/v1/geocode?q={}&limit=1", enc(&format!("深南大道{door}号"))));
        if let Some(c) = d["candidates"].get(0).filter(|c| c["level"] == "door") {
            by_door.insert(c["grid"]["code"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(grids, by_door);
    // Every grid named exists, with its name.
    for g in top["grids"].as_array().unwrap() {
        let (status, f) = server().get(&format!("/api/v1/layers/grid/features/{}", g["code"].as_str().unwrap()));
        assert_eq!(status, 200);
        assert_eq!(f["properties"]["name"], g["name"]);
    }
}

#[test]
fn a_door_has_no_grid_list_and_a_street_lists_the_grids_inside_it() {
    let door = &get(&format!("/api/v1/geocode?q={}", enc("福荣路12号")))["candidates"][0];
    assert_eq!(door["level"], "door");
    assert!(door.get("grids").is_none(), "a door's grid is the answer: {door}");
    assert!(door["grid"]["code"].is_string());

    let v = get(&format!("/api/v1/geocode?q={}", enc("莲花街道")));
    let top = &v["candidates"][0];
    assert_eq!(top["level"], "street", "{v}");
    let street = top["street"]["code"].as_str().unwrap();
    let fc = get("/api/v1/layers/grid/features?limit=10000");
    let communities: BTreeSet<String> = get("/api/v1/layers/community/features?limit=10000")["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["properties"]["parent_code"] == street)
        .map(|c| c["properties"]["code"].as_str().unwrap().to_string())
        .collect();
    let inside: BTreeSet<String> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| communities.contains(g["properties"]["parent_code"].as_str().unwrap_or("")))
        .map(|g| g["properties"]["code"].as_str().unwrap().to_string())
        .collect();
    assert!(!inside.is_empty());
    assert_eq!(codes(top), inside, "the street's grids are all the grids of its communities");
}

#[test]
fn a_name_not_in_the_gazetteer_has_no_candidate() {
    let v = get(&format!("/api/v1/geocode?q={}", enc("华强北路")));
    assert_eq!(v["candidates"].as_array().unwrap().len(), 0, "{v}");
}

#[test]
fn suggest_completes_names_with_their_level() {
    let v = get(&format!("/api/v1/geocode/suggest?q={}", enc("深南")));
    let s = v["suggestions"].as_array().unwrap();
    assert!(!s.is_empty(), "{v}");
    assert!(s.iter().all(|x| x["name"].as_str().unwrap().starts_with("深南")), "{v}");
    let road = s.iter().find(|x| x["name"] == "深南大道").expect("深南大道 is suggested");
    assert_eq!(road["level"], "road");
    assert!(road["addresses"].as_u64().unwrap() > 1);

    let v = get(&format!("/api/v1/geocode/suggest?q={}&limit=3", enc("福")));
    assert!(v["suggestions"].as_array().unwrap().len() <= 3);
    let lotus = get(&format!("/api/v1/geocode/suggest?q={}&limit=20", enc("莲花")));
    let levels: BTreeSet<&str> =
        lotus["suggestions"].as_array().unwrap().iter().map(|x| x["level"].as_str().unwrap()).collect();
    assert!(levels.contains("street"), "莲花街道 is suggested as a street: {levels:?}");
    assert!(get(&format!("/api/v1/geocode/suggest?q={}", enc("华强北")))["suggestions"].as_array().unwrap().is_empty());

    // Bad input: a clear 400 naming the parameter.
    let (status, e) = server().get("/api/v1/geocode/suggest");
    assert_eq!(status, 400, "{e}");
    assert!(e["detail"].as_str().unwrap().contains('q'), "{e}");
    let (status, e) = server().get(&format!("/api/v1/geocode/suggest?q={}&limit=99", enc("深")));
    assert_eq!(status, 400, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("limit"), "{e}");
    // And it is documented.
    let doc = get("/api/v1/openapi.json");
    assert!(doc["paths"]["/api/v1/geocode/suggest"]["get"].is_object());
}
