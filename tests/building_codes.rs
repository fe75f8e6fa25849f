//! `wangge import --layer building --generate-codes` on the demo city's 732 buildings with their
//! codes taken away: every building gets community code + five digits, unique, numbered in the
//! documented order (rows of `ROW_DEG` north→south, west→east within a row), the same on a second
//! database, never a stored code again; a community that would pass 99,999 is refused by name.

mod common;

use common::{city_db, text, wangge};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use wangge_core::model::{Feature, Layer};
use wangge_core::numbering::ROW_DEG;
use wangge_store::Store;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

fn demo_db(dir: &Path, name: &str) -> PathBuf {
    let db = dir.join(name);
    assert!(wangge_app::demo::ensure_demo_db(&db, &data_dir()).unwrap());
    db
}

/// The demo buildings as GeoJSON without their codes (and without names, so nothing gives the
/// code away).
fn uncoded_buildings(dir: &Path) -> PathBuf {
    let mut fc: Value =
        serde_json::from_str(&std::fs::read_to_string(data_dir().join("building.geojson")).unwrap()).unwrap();
    for f in fc["features"].as_array_mut().unwrap() {
        let props = f["properties"].as_object_mut().unwrap();
        props.remove("code");
        props.remove("name");
    }
    let file = dir.join("uncoded.geojson");
    std::fs::write(&file, fc.to_string()).unwrap();
    file
}

fn import(db: &Path, file: &Path, mode: &str) -> std::process::Output {
    let args = ["import", "--db", db.to_str().unwrap(), "--layer", "building", "--mode", mode, "--generate-codes"];
    wangge(&[&args[..], &[file.to_str().unwrap()]].concat())
}

fn buildings(db: &Path) -> Vec<Feature> {
    Store::open(db).unwrap().load_layer(Layer::Building).unwrap()
}

fn point(f: &Feature) -> (f64, f64) {
    match &f.geometry {
        geo::Geometry::Point(p) => (p.x(), p.y()),
        g => panic!("demo buildings are points: {g:?}"),
    }
}

#[test]
fn demo_buildings_get_unique_ordered_codes_the_same_on_every_database() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (demo_db(dir.path(), "a.gpkg"), demo_db(dir.path(), "b.gpkg"));
    let stored: HashSet<String> = buildings(&a).into_iter().map(|f| f.code).collect();
    let file = uncoded_buildings(dir.path());
    for db in [&a, &b] {
        let out = import(db, &file, "replace");
        assert!(out.status.success(), "{}", text(&out));
    }
    let coded = buildings(&a);
    assert_eq!(coded.len(), 732);
    let codes: HashSet<&str> = coded.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes.len(), 732, "codes are unique");
    assert!(codes.iter().all(|c| !stored.contains(*c)), "no stored code is given again");
    // The same codes for the same buildings on the second database.
    let key = |f: &Feature| format!("{:?}", point(f));
    let on_b: HashMap<String, String> = buildings(&b).iter().map(|f| (key(f), f.code.clone())).collect();
    for f in &coded {
        assert_eq!(on_b.get(&key(f)), Some(&f.code), "deterministic");
    }
    // Community code + 5 digits, numbered from just after the highest stored number, in the documented order.
    let snapshot = Store::open(&a).unwrap().load_snapshot().unwrap();
    let mut by_community: BTreeMap<String, Vec<&Feature>> = BTreeMap::new();
    for f in &coded {
        let grid = snapshot.layer(Layer::Grid).get(f.parent_code.as_deref().unwrap()).unwrap();
        let community = grid.parent_code().unwrap().to_string();
        assert_eq!(f.code.len(), community.len() + 5, "{}", f.code);
        assert!(f.code.starts_with(&community), "{} in {community}", f.code);
        by_community.entry(community).or_default().push(f);
    }
    assert!(by_community.len() > 10, "{} communities", by_community.len());
    for (community, mut members) in by_community {
        let highest_stored = stored
            .iter()
            .filter(|c| c.starts_with(&community) && c.len() == community.len() + 5)
            .map(|c| c[community.len()..].parse::<usize>().unwrap())
            .max()
            .unwrap_or(0);
        members.sort_by(|x, y| x.code.cmp(&y.code));
        for (n, f) in members.iter().enumerate() {
            assert_eq!(f.code[community.len()..].parse::<usize>().unwrap(), highest_stored + 1 + n, "{}", f.code);
        }
        for pair in members.windows(2) {
            let ((x0, y0), (x1, y1)) = (point(pair[0]), point(pair[1]));
            let (r0, r1) = ((y0 / ROW_DEG).floor(), (y1 / ROW_DEG).floor());
            assert!(
                r0 > r1 || (r0 == r1 && x0 <= x1),
                "{} before {}: north→south rows, west→east",
                pair[0].code,
                pair[1].code
            );
        }
    }
    // A second import of the same uncoded file adds 732 new buildings with 732 new codes.
    let out = import(&a, &file, "append");
    assert!(out.status.success(), "{}", text(&out));
    let again = buildings(&a);
    assert_eq!(again.len(), 1464);
    assert_eq!(again.iter().map(|f| f.code.as_str()).collect::<HashSet<_>>().len(), 1464, "never reused");
}

#[test]
fn csv_buildings_without_a_parent_are_placed_by_location_and_other_layers_refuse_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let file = dir.path().join("b.csv");
    // North row first: (114.0020, 22.5137) then (114.0040, 22.5137); then the south row.
    std::fs::write(&file, "lon,lat,households\n114.0040,22.5100,10\n114.0040,22.5137,20\n114.0020,22.5137,30\n")
        .unwrap();
    let out = wangge(&[
        "import",
        "--db",
        db.to_str().unwrap(),
        "--layer",
        "building",
        "--generate-codes",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let mut found: Vec<(String, i64)> =
        buildings(&db).iter().map(|f| (f.code.clone(), f.attrs["households"].as_i64().unwrap())).collect();
    found.sort();
    let households: Vec<i64> = found.iter().filter(|(c, _)| c != "44030400600900001").map(|(_, h)| *h).collect();
    assert_eq!(households, [30, 20, 10], "{found:?}");
    let out = wangge(&[
        "import",
        "--db",
        db.to_str().unwrap(),
        "--layer",
        "grid",
        "--generate-codes",
        file.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(text(&out).contains("building layer only"), "{}", text(&out));
}

#[test]
fn a_community_past_99999_buildings_is_refused_by_name_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    // 100,000 buildings in grid 440304006009001 (its community already has building 00001).
    let mut s = String::from(r#"{"type":"FeatureCollection","features":["#);
    for i in 0..100_000 {
        if i > 0 {
            s.push(',');
        }
        let (x, y) = (114.0001 + (i % 300) as f64 * 0.00002, 22.5079 + (i / 300) as f64 * 0.00002);
        s.push_str(&format!(
            r#"{{"type":"Feature","properties":{{"parent_code":"440304006009001"}},"geometry":{{"type":"Point","coordinates":[{x:.6},{y:.6}]}}}}"#
        ));
    }
    s.push_str("]}");
    let file = dir.path().join("many.geojson");
    std::fs::write(&file, s).unwrap();
    let before = buildings(&db).len();
    let out = import(&db, &file, "append");
    assert_eq!(out.status.code(), Some(1), "{}", &text(&out)[..2000.min(text(&out).len())]);
    let all = text(&out);
    assert!(
        all.contains("community 440304006009 needs 100000 new codes but only 99998 of 00001–99999 are left"),
        "{}",
        &all[..2000.min(all.len())]
    );
    assert_eq!(buildings(&db).len(), before, "nothing written");
}
