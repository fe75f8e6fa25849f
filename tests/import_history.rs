//! `wangge import` goes through the history: an import that changes a database with data already
//! in the layer is a revision (author, message, effective date) like a plan publish, so
//! `/api/v1/revisions` lists it and `lookup?at=` before it answers the old boundaries; a rejected
//! import writes no revision; the initial load of empty layers stays revision 0.

mod common;

use common::{Server, city_db, city_dir, text, wangge};
use serde_json::{Value, json};
use std::path::Path;
use wangge_store::Store;

const G1: &str = "440304006009001";
const G2: &str = "440304006009002";

/// The fixture's grids 001 and 002 with their boundaries swapped (both stay inside community 009).
fn swapped_grids() -> Value {
    let all: Value = serde_json::from_str(&std::fs::read_to_string(city_dir().join("grid.geojson")).unwrap()).unwrap();
    let mut two: Vec<Value> = all["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["code"] == G1 || f["properties"]["code"] == G2)
        .cloned()
        .collect();
    let g0 = two[0]["geometry"].clone();
    two[0]["geometry"] = two[1]["geometry"].clone();
    two[1]["geometry"] = g0;
    json!({"type": "FeatureCollection", "features": two})
}

fn import(db: &Path, file: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["import", "--db", db.to_str().unwrap(), "--layer", "grid"];
    args.extend_from_slice(extra);
    args.push(file.to_str().unwrap());
    wangge(&args)
}

#[test]
fn an_import_is_a_revision_and_lookups_as_of_before_it_see_the_old_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    // The initial load of empty layers is the baseline: valid since ever, no revision.
    assert_eq!(Store::open(&db).unwrap().current_revision().unwrap(), 0);

    let file = dir.path().join("grid_swap.geojson");
    std::fs::write(&file, swapped_grids().to_string()).unwrap();
    let out = import(&db, &file, &["--mode", "upsert", "--author", "王五", "--effective-date", "2026-05-01"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("recorded as revision 1 (王五, effective 2026-05-01)"), "{}", text(&out));

    // The same file again changes nothing and records nothing.
    let out = import(&db, &file, &["--mode", "upsert"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("recorded as revision"), "{}", text(&out));

    // A rejected import (a parent that does not exist) writes neither features nor a revision.
    let mut bad = swapped_grids();
    bad["features"][0]["properties"]["parent_code"] = json!("440304006999");
    let bad_file = dir.path().join("bad.geojson");
    std::fs::write(&bad_file, bad.to_string()).unwrap();
    let out = import(&db, &bad_file, &["--mode", "upsert", "--author", "赵六"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let store = Store::open(&db).unwrap();
    let revisions = store.revisions_since(0).unwrap();
    assert_eq!(revisions.len(), 1, "{revisions:?}");
    let r = &revisions[0];
    assert_eq!((r.id, r.author.as_str(), r.author_role.as_str()), (1, "王五", "cli"));
    assert_eq!(r.message, "import grid from grid_swap.geojson (mode upsert, 2 features)");
    assert_eq!((r.plan_id, r.effective_date.as_str()), (None, "2026-05-01"));
    drop(store);

    // A server started after the import lists the revision and answers as of any date.
    let server = Server::start(&db);
    let (s, revs) = server.get("/api/v1/revisions");
    assert_eq!(s, 200, "{revs}");
    let listed = revs.as_array().or_else(|| revs["revisions"].as_array()).expect("a list of revisions");
    assert!(listed.iter().any(|r| r["id"] == 1 && r["author"] == "王五"), "{revs}");
    // A point in grid 001's old square (the north one), now grid 002's.
    let point = "/api/v1/lookup?lon=114.004&lat=22.512";
    assert_eq!(server.get(point).1["grid"]["code"], G2);
    let (s, old) = server.get(&format!("{point}&at=2026-04-30"));
    assert_eq!((s, old["grid"]["code"].as_str()), (200, Some(G1)), "{old}");
    assert_eq!(server.get(&format!("{point}&at=2026-05-01")).1["grid"]["code"], G2);
}

#[test]
fn a_plan_made_before_an_import_is_stale_and_the_os_user_is_the_default_author() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let out = wangge(&["plan", "create", "--name", "早于导入", "--json", "--db", db.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let id = serde_json::from_slice::<Value>(&out.stdout).unwrap()["id"].to_string();

    let file = dir.path().join("grid_swap.geojson");
    std::fs::write(&file, swapped_grids().to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wangge"))
        .args(["import", "--db", db.to_str().unwrap(), "--layer", "grid", "--mode", "upsert"])
        .arg(&file)
        .env("WANGGE_LANG", "zh")
        .env("USER", "testuser")
        .env_remove("WANGGE_DB")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("已记录为修订 1"), "{}", text(&out));
    let store = Store::open(&db).unwrap();
    let r = &store.revisions_since(0).unwrap()[0];
    assert_eq!(
        (r.author.as_str(), r.message.as_str()),
        ("testuser", "导入 grid 图层自 grid_swap.geojson（方式 upsert，2 个要素）")
    );
    drop(store);

    // The import moved the published state on, so the older plan's publish is refused.
    let out = wangge(&["plan", "publish", &id, "--message", "x", "--db", db.to_str().unwrap()]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("r1\t"), "the refusal lists the import: {}", text(&out));
    assert!(text(&out).contains("导入 grid 图层自 grid_swap.geojson"), "{}", text(&out));
}
