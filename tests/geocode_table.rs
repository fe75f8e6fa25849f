//! Table-driven geocoding over the demo city's illustrative addresses: every row of
//! `tests/fixtures/geocode/addresses.csv` is a real-shaped, tricky way of writing an address
//! (Chinese numerals, full-width digits, abbreviations, missing upper levels, typos, building /
//! unit / room suffixes, partial input) with the answer it must give. The pass rate is printed per
//! category, and every row must pass.

use std::collections::BTreeMap;
use std::path::Path;
use wangge_app::address::status;
use wangge_app::demo::ensure_demo_db;
use wangge_store::Store;

#[test]
fn every_tricky_address_finds_its_place() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.gpkg");
    ensure_demo_db(&db, &root.join("data")).unwrap();
    let snapshot = Store::open(&db).unwrap().load_snapshot().unwrap();
    let g = snapshot.addresses();
    assert!(g.len() > 2000, "the demo addresses are loaded: {}", g.len());

    let mut reader = csv::Reader::from_path(root.join("tests/fixtures/geocode/addresses.csv")).unwrap();
    let mut tally: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for row in reader.records() {
        let row = row.unwrap();
        let (category, query, level, expect) = (&row[0], &row[1], &row[2], &row[3]);
        let result = g.search(query, 5);
        let top = result.candidates.first();
        let got_level = top.map(|c| serde_json::to_value(c.level).unwrap().as_str().unwrap().to_string());
        let address_ok =
            top.is_some_and(|c| if level == "door" { c.address == expect } else { c.address.ends_with(expect) });
        let ok = address_ok && got_level.as_deref() == Some(level) && status(&result.candidates) == "matched";
        let t = tally.entry(category.to_string()).or_default();
        t.1 += 1;
        if ok {
            t.0 += 1;
        } else {
            failures.push(format!(
                "[{category}] {query} → {:?} {:?} ({}), expected {level} {expect}",
                top.map(|c| (&c.address, c.score)),
                got_level,
                status(&result.candidates)
            ));
        }
    }
    let (passed, total) = tally.values().fold((0, 0), |a, t| (a.0 + t.0, a.1 + t.1));
    for (category, (p, t)) in &tally {
        eprintln!("{category:<20} {p:>3}/{t:<3}");
    }
    eprintln!("geocode table: {passed}/{total} passed ({:.1} %)", 100.0 * passed as f64 / total as f64);
    assert!(total >= 100, "at least 100 addresses: {total}");
    assert!(failures.is_empty(), "{} failed:\n{}", failures.len(), failures.join("\n"));
}
