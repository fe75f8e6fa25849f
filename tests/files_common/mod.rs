//! Helpers shared by the file-format tests: GDAL, the demo city's layers, and comparing features
//! position by position in metres.
#![allow(dead_code)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use super::common::gdal_available;

/// Runs a GDAL tool and insists it succeeds.
pub fn gdal(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().expect("GDAL runs");
    let t = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{tool} {args:?}: {t}");
    t
}

/// The demo city's layer file.
pub fn demo(layer: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(format!("{layer}.geojson"))
}

pub use crate::common::{text, wangge};

/// `wangge import --db DB --layer LAYER [extra…] FILE`.
pub fn import(db: &Path, layer: &str, file: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["import", "--db", db.to_str().unwrap(), "--layer", layer];
    args.extend_from_slice(extra);
    args.push(file.to_str().unwrap());
    wangge(&args)
}

/// A database holding the demo's district, street and community layers (the parents of grids).
pub fn parents_db(dir: &Path, name: &str) -> PathBuf {
    let db = dir.join(name);
    for layer in ["district", "street", "community"] {
        let out = wangge(&["import", "--db", db.to_str().unwrap(), "--layer", layer, demo(layer).to_str().unwrap()]);
        assert!(out.status.success(), "{layer}: {}", text(&out));
    }
    db
}

/// A layer exported by wangge as GeoJSON, by code.
pub fn exported(db: &Path, layer: &str, dir: &Path) -> BTreeMap<String, Value> {
    let out_path = dir.join(format!("check-{layer}-{}.geojson", db.file_stem().unwrap().to_string_lossy()));
    let out = wangge(&["export", "--db", db.to_str().unwrap(), "--layer", layer, out_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    by_code(&read_json(&out_path))
}

/// A JSON file.
pub fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// A FeatureCollection's features keyed by `properties.code` (as text).
pub fn by_code(fc: &Value) -> BTreeMap<String, Value> {
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        // A reader that guesses column types (GDAL's CSV driver) may turn a numeric code into a number.
        .map(|f| {
            let code = &f["properties"]["code"];
            (code.as_str().map_or_else(|| code.to_string(), str::to_string), f.clone())
        })
        .collect()
}

fn positions(g: &Value, out: &mut Vec<(f64, f64)>) {
    match g {
        Value::Array(a) if a.len() >= 2 && a[0].is_number() => {
            out.push((a[0].as_f64().unwrap(), a[1].as_f64().unwrap()))
        }
        Value::Array(a) => a.iter().for_each(|x| positions(x, out)),
        _ => {}
    }
}

/// The largest distance in metres from a vertex of either geometry to the nearest vertex of the
/// other (lon/lat, local scale); rings may start anywhere and run either way.
pub fn max_vertex_gap_m(a: &Value, b: &Value) -> f64 {
    let (mut pa, mut pb) = (Vec::new(), Vec::new());
    positions(&a["coordinates"], &mut pa);
    positions(&b["coordinates"], &mut pb);
    assert!(!pa.is_empty() && !pb.is_empty(), "{a} {b}");
    let metres = |p: (f64, f64), q: (f64, f64)| {
        let k = (p.1.to_radians()).cos();
        let dx = (p.0 - q.0) * 111_320.0 * k;
        let dy = (p.1 - q.1) * 110_574.0;
        (dx * dx + dy * dy).sqrt()
    };
    let one_way = |from: &[(f64, f64)], to: &[(f64, f64)]| {
        from.iter().map(|&p| to.iter().map(|&q| metres(p, q)).fold(f64::MAX, f64::min)).fold(0.0, f64::max)
    };
    one_way(&pa, &pb).max(one_way(&pb, &pa))
}

/// Asserts two collections hold the same codes, names, listed attributes and geometry within 1 cm.
pub fn assert_same(a: &BTreeMap<String, Value>, b: &BTreeMap<String, Value>, attrs: &[&str]) {
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (code, fa) in a {
        let fb = &b[code];
        for k in attrs {
            assert_eq!(fa["properties"][k], fb["properties"][k], "{code} {k}");
        }
        let gap = max_vertex_gap_m(&fa["geometry"], &fb["geometry"]);
        assert!(gap < 0.01, "{code}: vertices {gap} m apart");
    }
}
