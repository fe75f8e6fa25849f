//! The import contract, exercised through the real binary: every rule violation reported at once
//! with feature index, code and rule; all-or-nothing writes; lossless round trips; CRS conversion.

mod common;

use common::{city_db, city_dir, text, wangge};
use serde_json::{Value, json};
use std::path::Path;

fn write(dir: &Path, name: &str, v: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, v.to_string()).unwrap();
    p.to_str().unwrap().to_string()
}

fn grid(code: &str, parent: &str, ring: Value) -> Value {
    json!({"type":"Feature","properties":{"code":code,"name":code,"parent_code":parent},"geometry":{"type":"Polygon","coordinates":[ring]}})
}

fn export(db: &Path, layer: &str, dir: &Path) -> Value {
    let out = dir.join(format!("{layer}-export.geojson"));
    let r = wangge(&["export", "--db", db.to_str().unwrap(), "--layer", layer, out.to_str().unwrap()]);
    assert!(r.status.success(), "{}", text(&r));
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
}

#[test]
fn every_problem_is_reported_at_once_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let before = export(&db, "grid", dir.path());
    let c = "440304006009";
    let bad = json!({"type":"FeatureCollection","features":[
        // 0: fine
        grid("440304006009101", c, json!([[114.001,22.501],[114.002,22.501],[114.002,22.502],[114.001,22.501]])),
        // 1: unclosed ring
        grid("440304006009102", c, json!([[114.001,22.501],[114.002,22.501],[114.002,22.502],[114.0015,22.5015]])),
        // 2: bow tie
        grid("440304006009103", c, json!([[114.001,22.501],[114.002,22.502],[114.002,22.501],[114.001,22.502],[114.001,22.501]])),
        // 3: projected metres given as degrees
        grid("440304006009104", c, json!([[530000.0,3385000.0],[530100.0,3385000.0],[530100.0,3385100.0],[530000.0,3385000.0]])),
        // 4: duplicate of 0
        grid("440304006009101", c, json!([[114.001,22.501],[114.002,22.501],[114.002,22.502],[114.001,22.501]])),
        // 5: unknown parent
        grid("440304006999105", "440304006999", json!([[114.001,22.501],[114.002,22.501],[114.002,22.502],[114.001,22.501]])),
        // 6: far outside its community (east half belongs to the other community)
        grid("440304006009106", c, json!([[114.012,22.501],[114.013,22.501],[114.013,22.502],[114.012,22.501]])),
        // 7: a point in a grid layer
        {"type":"Feature","properties":{"code":"440304006009107","parent_code":c},"geometry":{"type":"Point","coordinates":[114.001,22.501]}},
        // 8: code already stored
        grid("440304006009001", c, json!([[114.001,22.501],[114.002,22.501],[114.002,22.502],[114.001,22.501]])),
    ]});
    let input = write(dir.path(), "bad.geojson", &bad);
    let out = wangge(&["import", "--db", db.to_str().unwrap(), "--layer", "grid", "--json", &input]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let problems: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(u64, &str)> =
        problems.iter().map(|p| (p["index"].as_u64().unwrap(), p["rule"].as_str().unwrap())).collect();
    assert_eq!(
        got,
        vec![
            (1, "unclosed_ring"),
            (2, "self_intersection"),
            (3, "out_of_range"),
            (4, "duplicate_code"),
            (5, "unknown_parent"),
            (6, "outside_parent"),
            (7, "wrong_geometry_type"),
            (8, "duplicate_code"),
        ]
    );
    // Each message names the feature and where the problem is.
    let msg = |i: usize| problems[i]["message"].as_str().unwrap().to_string();
    assert!(msg(1).contains("feature #2") && msg(1).contains("(114.0015000, 22.5015000)"), "{}", msg(1));
    assert!(msg(2).contains("EPSG:4547"), "a projected-coordinate hint: {}", msg(2));
    assert!(msg(3).contains("feature #0"), "{}", msg(3));
    assert!(msg(5).contains("m outside its parent 440304006009"), "{}", msg(5));
    // Nothing was written.
    assert_eq!(export(&db, "grid", dir.path()), before);
}

#[test]
fn messages_are_chinese_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let bad = json!({"type":"FeatureCollection","features":[grid("X1", "nope", json!([[114.001,22.501],[114.002,22.501],[114.002,22.502],[114.001,22.501]]))]});
    let input = write(dir.path(), "bad.geojson", &bad);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wangge"))
        .args(["import", "--db", db.to_str().unwrap(), "--layer", "grid", &input])
        .env_remove("WANGGE_LANG")
        .output()
        .unwrap();
    let t = text(&out);
    assert!(t.contains("上级编码 nope 不存在") && t.contains("未写入任何数据"), "{t}");
}

#[test]
fn import_export_import_is_lossless() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let db2 = dir.path().join("second.gpkg");
    for layer in ["district", "street", "community", "grid", "building", "service_centre"] {
        let first = export(&db, layer, dir.path());
        let file = write(dir.path(), &format!("{layer}-again.geojson"), &first);
        let r = wangge(&["import", "--db", db2.to_str().unwrap(), "--layer", layer, &file]);
        assert!(r.status.success(), "{}", text(&r));
        assert_eq!(export(&db2, layer, dir.path()), first, "layer {layer}");
        // And the export carries every input property and coordinate unchanged.
        let input: Value =
            serde_json::from_str(&std::fs::read_to_string(city_dir().join(format!("{layer}.geojson"))).unwrap())
                .unwrap();
        for (a, b) in input["features"].as_array().unwrap().iter().zip(first["features"].as_array().unwrap()) {
            assert_eq!(a["geometry"], b["geometry"]);
            for (k, v) in a["properties"].as_object().unwrap() {
                assert_eq!(&b["properties"][k], v, "{layer} {k}");
            }
        }
    }
}

#[test]
fn replace_mode_swaps_a_layer_and_upsert_updates() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let mut grids = export(&db, "grid", dir.path());
    grids["features"][0]["properties"]["households"] = json!(499);
    let file = write(dir.path(), "g.geojson", &grids);
    let append = wangge(&["import", "--db", db.to_str().unwrap(), "--layer", "grid", &file]);
    assert_eq!(append.status.code(), Some(1), "append of existing codes is refused");
    let upsert = wangge(&["import", "--db", db.to_str().unwrap(), "--layer", "grid", "--mode", "upsert", &file]);
    assert!(text(&upsert).contains("0 inserted, 4 updated"), "{}", text(&upsert));
    assert_eq!(export(&db, "grid", dir.path())["features"][0]["properties"]["households"], 499);
}

/// Imports one building from `csv` (input in `crs`) into the fixture city; returns the exported
/// feature with `code` and its stored coordinates.
fn import_building(crs: &str, csv: &str, code: &str) -> (Value, [f64; 2]) {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let file = dir.path().join("b.csv");
    std::fs::write(&file, csv).unwrap();
    let r =
        wangge(&["import", "--db", db.to_str().unwrap(), "--layer", "building", "--crs", crs, file.to_str().unwrap()]);
    assert!(r.status.success(), "{}", text(&r));
    let out = export(&db, "building", dir.path());
    let b = out["features"].as_array().unwrap().iter().find(|f| f["properties"]["code"] == code).unwrap().clone();
    let c = &b["geometry"]["coordinates"];
    let at = [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()];
    (b, at)
}

#[test]
fn csv_in_gauss_kruger_is_converted_to_wgs84() {
    // EPSG:4547 (CGCS2000 3° GK, CM 114°E) position of the fixture building at (114.00390625, 22.51171875),
    // computed independently with GDAL: `gdaltransform -s_srs OGC:CRS84 -t_srs EPSG:4547 -output_xy`.
    let csv = "code,name,parent_code,x,y,households\nB9,九栋,440304006009001,500401.90460977,2490465.01743824,88\n";
    let (b, [x, y]) = import_building("EPSG:4547", csv, "B9");
    assert!((x - 114.00390625).abs() < 1e-7 && (y - 22.51171875).abs() < 1e-7, "{x}, {y}");
    assert_eq!(b["properties"]["households"], 88);
}

#[test]
fn gcj02_input_is_converted_back_to_wgs84() {
    let (gx, gy) = wangge_formats::crs::china::wgs84_to_gcj02(114.001, 22.501);
    let csv = format!("code,name,parent_code,lon,lat\nB7,七栋,440304006009002,{gx},{gy}\n");
    let (_, [x, y]) = import_building("gcj02", &csv, "B7");
    assert!((x - 114.001).abs() < 1e-8 && (y - 22.501).abs() < 1e-8, "{x}, {y}");
}

#[test]
fn unknown_crs_layer_and_missing_files_are_clear_cli_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.gpkg");
    let db = db.to_str().unwrap();
    let r = wangge(&["import", "--db", db, "--layer", "grid", "--crs", "mercator", "x.geojson"]);
    assert_eq!(r.status.code(), Some(2));
    assert!(text(&r).contains("unknown CRS 'mercator'"), "{}", text(&r));
    let r = wangge(&["import", "--db", db, "--layer", "parcels", "x.geojson"]);
    assert!(text(&r).contains("unknown layer 'parcels'"), "{}", text(&r));
    let r = wangge(&["import", "--db", db, "--layer", "grid", "/nonexistent/x.geojson"]);
    assert_eq!(r.status.code(), Some(2));
    assert!(text(&r).contains("cannot read /nonexistent/x.geojson"), "{}", text(&r));
    let r = wangge(&["export", "--db", "/nonexistent/db.gpkg", "--layer", "grid", "out.geojson"]);
    assert!(text(&r).contains("database does not exist"), "{}", text(&r));
    let r = wangge(&[
        "import",
        "--db",
        db,
        "--layer",
        "grid",
        "--crs",
        "EPSG:999999",
        city_dir().join("grid.geojson").to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(1));
    assert!(text(&r).contains("EPSG:999999"), "{}", text(&r));
}

#[test]
fn a_file_that_is_not_a_geopackage_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("other.sqlite");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("CREATE TABLE t(x);").unwrap();
    drop(conn);
    let r = wangge(&[
        "import",
        "--db",
        db.to_str().unwrap(),
        "--layer",
        "district",
        city_dir().join("district.geojson").to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(text(&r).contains("is not a wangge GeoPackage"), "{}", text(&r));
}

#[test]
fn validate_passes_on_a_clean_city_and_lookup_cli_answers() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let r = wangge(&["validate", "--db", db.to_str().unwrap()]);
    assert!(r.status.success(), "{}", text(&r));
    assert!(text(&r).contains("all checks passed"));
    let r = wangge(&["lookup", "--db", db.to_str().unwrap(), "--lon", "114.001", "--lat", "22.514", "--json"]);
    let v: Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["grid"]["code"], "440304006009001");
    assert_eq!(v["district"]["code"], "440304");
    let r = wangge(&["lookup", "--db", db.to_str().unwrap(), "--lon", "114.1", "--lat", "22.514"]);
    assert_eq!(r.status.code(), Some(3), "not covered is exit 3");
    assert!(text(&r).contains("not in any grid; nearest grid"), "{}", text(&r));
}

#[test]
fn batch_lookup_csv_keeps_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let input = dir.path().join("pts.csv");
    std::fs::write(&input, "id,lon,lat\na,114.014,22.501\nb,114.001,22.514\nc,120,30\nd,114.014,22.514\n").unwrap();
    let out = dir.path().join("out.csv");
    let r = wangge(&[
        "lookup",
        "--db",
        db.to_str().unwrap(),
        "--csv",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{}", text(&r));
    let rows: Vec<Vec<String>> = csv::Reader::from_path(&out)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let got: Vec<(&str, &str)> = rows.iter().map(|r| (r[0].as_str(), r[4].as_str())).collect();
    assert_eq!(got, vec![("a", "440304006011002"), ("b", "440304006009001"), ("c", ""), ("d", "440304006011001")]);
    assert!(text(&r).contains("4 points, 3 inside a grid"));
}

/// Decimal text with `sig` significant digits: `int_part` (its digits count) and random decimals,
/// the last one non-zero so the count is exact.
fn random_decimal(state: &mut u64, int_part: u32, lo: u64, span: u64, sig: usize) -> String {
    *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let decimals = sig - int_part.to_string().len();
    // `lo + r` in units of 10^-decimals stays within [lo, lo + span) × 10^-14 after truncation.
    let r = (*state >> 11) % span;
    let frac = format!("{:014}0", lo + r);
    let mut digits: Vec<u8> = frac.as_bytes()[..decimals].to_vec();
    *digits.last_mut().unwrap() = b'1' + ((*state >> 3) % 9) as u8;
    format!("{int_part}.{}", String::from_utf8(digits).unwrap())
}

#[test]
fn fifteen_to_seventeen_digit_coordinates_survive_import_and_export_bit_for_bit() {
    // 2,500 disjoint rectangles on a 50 × 50 lattice of 0.01° cells, each corner number random
    // with 15, 16 or 17 significant digits: 10,000 distinct coordinates. serde_json without
    // `float_roundtrip` reads about a quarter of these one ulp off.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("digits.gpkg");
    let mut state = 20240501u64;
    let mut expected: Vec<[String; 4]> = Vec::new();
    let mut features = Vec::new();
    for k in 0..2500u64 {
        let (col, row) = (k % 50, k / 50);
        let sig = |s: &mut u64| 15 + ((*s >> 40) % 3) as usize;
        // Within cell (col, row): x0, y0 in its first 40 %, x1, y1 in its second half.
        let (cx, cy) = (col * 1_000_000_000_000, row * 1_000_000_000_000);
        let s0 = sig(&mut state);
        let x0 = random_decimal(&mut state, 100, cx, 400_000_000_000, s0);
        let s1 = sig(&mut state);
        let x1 = random_decimal(&mut state, 100, cx + 500_000_000_000, 400_000_000_000, s1);
        let s2 = sig(&mut state);
        let y0 = random_decimal(&mut state, 20, cy, 400_000_000_000, s2);
        let s3 = sig(&mut state);
        let y1 = random_decimal(&mut state, 20, cy + 500_000_000_000, 400_000_000_000, s3);
        let ring = format!("[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]");
        let code = format!("{:06}", 100_000 + k);
        features.push(format!(
            r#"{{"type":"Feature","properties":{{"code":"{code}","name":"d{k}"}},"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}}"#
        ));
        expected.push([x0, y0, x1, y1]);
    }
    // Written as text, not through serde_json, so the digits are exactly the ones chosen.
    let input = dir.path().join("digits.geojson");
    std::fs::write(&input, format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))).unwrap();
    let out = wangge(&["import", "--db", db.to_str().unwrap(), "--layer", "district", input.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));

    // GeoJSON out, read back with serde_json (which now parses exactly).
    let exported = export(&db, "district", dir.path());
    let mut changed = 0;
    for (k, f) in exported["features"].as_array().unwrap().iter().enumerate() {
        let ring = f["geometry"]["coordinates"][0].as_array().unwrap();
        let [x0, y0, x1, y1] = &expected[k];
        let want = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
        for (v, [x, y]) in ring.iter().zip(want) {
            for (got, text) in [(&v[0], x), (&v[1], y)] {
                if got.as_f64().unwrap().to_bits() != text.parse::<f64>().unwrap().to_bits() {
                    changed += 1;
                }
            }
        }
    }
    assert_eq!(changed, 0, "coordinates changed by the GeoJSON round trip");

    // CSV out (WKT), parsed with Rust's exact `f64::from_str`, independent of serde_json.
    let csv_path = dir.path().join("digits.csv");
    let r = wangge(&["export", "--db", db.to_str().unwrap(), "--layer", "district", csv_path.to_str().unwrap()]);
    assert!(r.status.success(), "{}", text(&r));
    let csv_text = std::fs::read_to_string(&csv_path).unwrap();
    let mut rows = csv_text.lines().skip(1);
    for [x0, y0, x1, _] in &expected {
        let row = rows.next().unwrap();
        let wkt = &row[row.find("POLYGON((").unwrap() + 9..row.find("))").unwrap()];
        let first: Vec<f64> = wkt.split(',').next().unwrap().split(' ').map(|n| n.parse().unwrap()).collect();
        assert_eq!(first[0].to_bits(), x0.parse::<f64>().unwrap().to_bits(), "{row}");
        assert_eq!(first[1].to_bits(), y0.parse::<f64>().unwrap().to_bits(), "{row}");
        assert!(wkt.contains(&format!("{} {}", x1.parse::<f64>().unwrap(), y0.parse::<f64>().unwrap())));
    }
}
