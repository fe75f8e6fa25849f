//! The streaming GeoJSON import (issue 15) through the real binary: a layer read, checked and
//! written one feature at a time still refuses the whole file for one bad feature near its end,
//! names that feature, and leaves nothing written.

mod common;

use common::{text, wangge};
use rusqlite::Connection;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Side of the grid lattice: 100 × 100 = 10,000 grids under 10 × 10 communities of 10 × 10.
const SIDE: usize = 100;
const CELL: f64 = 1.0 / 1024.0;

fn square(col: usize, row: usize, span: usize) -> String {
    let (x0, y0) = (114.0 + col as f64 * CELL, 22.0 + row as f64 * CELL);
    let (x1, y1) = (114.0 + (col + span) as f64 * CELL, 22.0 + (row + span) as f64 * CELL);
    format!("[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]")
}

fn collection(features: impl Iterator<Item = String>) -> String {
    let body: Vec<String> = features.collect();
    format!("{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}", body.join(",\n"))
}

fn feature(code: &str, parent: Option<&str>, coordinates: &str) -> String {
    let mut props = format!("\"code\":\"{code}\",\"name\":\"{code}\"");
    if let Some(p) = parent {
        write!(props, ",\"parent_code\":\"{p}\"").unwrap();
    }
    format!(
        "{{\"type\":\"Feature\",\"properties\":{{{props}}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":{coordinates}}}}}"
    )
}

/// A database with one district, street and 100 communities; returns it and the grid layer's
/// features as GeoJSON texts, in input order (row by row).
fn parents(dir: &Path) -> (PathBuf, Vec<String>) {
    let db = dir.join("scale.gpkg");
    let layers = [
        ("district", collection(std::iter::once(feature("D1", None, &square(0, 0, SIDE))))),
        ("street", collection(std::iter::once(feature("S1", Some("D1"), &square(0, 0, SIDE))))),
        (
            "community",
            collection(
                (0..100).map(|k| feature(&format!("C{k:02}"), Some("S1"), &square(k % 10 * 10, k / 10 * 10, 10))),
            ),
        ),
    ];
    for (layer, body) in layers {
        let file = dir.join(format!("{layer}.geojson"));
        std::fs::write(&file, body).unwrap();
        let out = wangge(&["import", "--db", db.to_str().unwrap(), "--layer", layer, file.to_str().unwrap()]);
        assert!(out.status.success(), "{layer}: {}", text(&out));
    }
    let grids = (0..SIDE * SIDE)
        .map(|i| {
            let (col, row) = (i % SIDE, i / SIDE);
            feature(&format!("G{i:05}"), Some(&format!("C{:02}", row / 10 * 10 + col / 10)), &square(col, row, 1))
        })
        .collect();
    (db, grids)
}

fn grid_rows(db: &Path) -> i64 {
    Connection::open(db).unwrap().query_row("SELECT count(*) FROM grid", [], |r| r.get(0)).unwrap()
}

fn import_grids(dir: &Path, db: &Path, body: String) -> std::process::Output {
    let file = dir.join("grid.geojson");
    std::fs::write(&file, body).unwrap();
    wangge(&["import", "--db", db.to_str().unwrap(), "--layer", "grid", "--json", file.to_str().unwrap()])
}

#[test]
fn a_bad_feature_near_the_end_is_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (db, mut grids) = parents(dir.path());
    // Feature 9,000 of 10,000 has an open ring: every feature before it passed and was written
    // inside the transaction, which must not be committed.
    grids[9000] = feature("G09000", Some("C90"), "[[[114.0,22.0],[114.001,22.0],[114.001,22.001],[114.0,22.0005]]]");
    let out = import_grids(dir.path(), &db, collection(grids.clone().into_iter()));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let problems: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["index"], 9000);
    assert_eq!(problems[0]["code"], "G09000");
    assert_eq!(problems[0]["rule"], "unclosed_ring");
    assert!(problems[0]["message"].as_str().unwrap().contains("feature #9000"), "{}", problems[0]);
    assert_eq!(grid_rows(&db), 0, "nothing written");

    // The same file with the feature mended goes in whole.
    grids[9000] = feature("G09000", Some("C90"), &square(0, 90, 1));
    let out = import_grids(dir.path(), &db, collection(grids.into_iter()));
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("10000 inserted"), "{}", text(&out));
    assert_eq!(grid_rows(&db), 10_000);
}

#[test]
fn a_document_broken_after_its_features_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (db, grids) = parents(dir.path());
    // Every feature is fine, but the file was cut off before the end of the array: the JSON
    // error comes after 10,000 features were read and written into the open transaction.
    let mut body = collection(grids.into_iter());
    body.truncate(body.len() - 3);
    let out = import_grids(dir.path(), &db, body);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let problems: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["rule"], "malformed");
    assert!(problems[0]["message"].as_str().unwrap().contains("JSON"), "{}", problems[0]);
    assert_eq!(grid_rows(&db), 0, "nothing written");
}
