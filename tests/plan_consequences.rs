//! Edits carry their consequences, on the demo city in a real GeoPackage: a merge moves the
//! absorbed grids' buildings to the survivor and sums the counts, a split moves each building to
//! the piece it stands in, a delete of a feature that still has children is refused unless it
//! says where they go, and counts must be whole numbers. Each plan then validates without
//! `unknown_parent`, publishes, and lookups answer the new grids.

use geo::{BoundingRect, Coord, InteriorPoint};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use wangge_app::demo::ensure_demo_db;
use wangge_app::plan::{PlanServiceError, add_edit, add_edits, publish, validate_plan};
use wangge_app::published::Live;
use wangge_core::model::{Feature, Layer};
use wangge_core::rules::{RulesConfig, has_errors};
use wangge_store::Store;

const A: &str = "440304006015001";
const B: &str = "440304006015002";

fn demo() -> (tempfile::TempDir, Store, Live) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.gpkg");
    ensure_demo_db(&db, Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data"))).unwrap();
    let store = Store::open(&db).unwrap();
    let live = Live::new(Arc::new(store.load_snapshot().unwrap()), 0, &[], true);
    (dir, store, live)
}

fn inside(f: &Feature) -> Coord {
    f.geometry.interior_point().expect("an area has an interior point").0
}

fn children(s: &wangge_core::snapshot::Snapshot, grid: &str) -> Vec<Feature> {
    s.layer(Layer::Building).iter().filter(|b| b.parent_code() == Some(grid)).map(|b| b.to_feature()).collect()
}

fn bad_edit_detail(e: PlanServiceError) -> String {
    match e {
        PlanServiceError::BadEdit { detail, .. } => detail,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_merge_moves_the_absorbed_grids_buildings_and_publishes() {
    let (_dir, mut store, live) = demo();
    wangge_app::demo::load_demo_addresses(&mut store, Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data"))).unwrap();
    let linked = |store: &Store, grid: &str| {
        store.load_addresses().unwrap().into_iter().filter(|r| r.grid.as_deref() == Some(grid)).count()
    };
    let unlinked = |store: &Store| store.load_addresses().unwrap().into_iter().filter(|r| r.grid.is_none()).count();
    let (addr_a, addr_b, loose) = (linked(&store, A), linked(&store, B), unlinked(&store));
    assert!(addr_b > 0, "addresses of grid {B} in the demo");
    let before = store.load_snapshot().unwrap();
    let (a, b) = (before.layer(Layer::Grid).get(A).unwrap(), before.layer(Layer::Grid).get(B).unwrap().to_feature());
    let moved: Vec<String> = children(&before, B).iter().map(|f| f.code.clone()).collect();
    assert!(!moved.is_empty(), "grid {B} has buildings in the demo");
    let households = a.int_attr("households").unwrap() + b.int_attr("households").unwrap();
    let residents = a.int_attr("residents").unwrap() + b.int_attr("residents").unwrap();
    let in_b = inside(&b);

    let plan = store.create_plan("merge", "planner").unwrap();
    add_edit(&mut store, plan.id, "planner", &json!({"op": "merge", "layer": "grid", "codes": [A, B]}), None).unwrap();
    let findings = validate_plan(&store, plan.id, &RulesConfig::default()).unwrap();
    assert!(findings.iter().all(|f| f.rule != "unknown_parent"), "{findings:?}");
    assert!(!has_errors(&findings), "{findings:?}");

    publish(&mut store, Some(&live), plan.id, "planner", "合并", "2026-03-01", &RulesConfig::default()).unwrap();
    let after = store.load_snapshot().unwrap();
    assert!(after.layer(Layer::Grid).get(B).is_none());
    let survivor = after.layer(Layer::Grid).get(A).unwrap();
    assert_eq!((survivor.int_attr("households"), survivor.int_attr("residents")), (Some(households), Some(residents)));
    for code in &moved {
        assert_eq!(after.layer(Layer::Building).get(code).unwrap().parent_code(), Some(A), "{code}");
    }
    assert_eq!(live.load().snapshot.lookup(in_b).grid.unwrap().code(), A);
    // Addresses follow their buildings: none names the grid that is gone.
    assert_eq!(linked(&store, B), 0);
    let moved = linked(&store, A) + unlinked(&store);
    assert_eq!(moved, addr_a + addr_b + loose, "every address of {B} went to {A} or to its point");
    assert!(linked(&store, A) > addr_a, "addresses of moved buildings follow them");
}

#[test]
fn a_split_moves_each_building_to_the_piece_it_stands_in_and_publishes() {
    let (_dir, mut store, live) = demo();
    let before = store.load_snapshot().unwrap();
    // The demo grid with the most buildings, cut north–south through the middle of its box.
    let grid = before.layer(Layer::Grid).iter().max_by_key(|g| children(&before, g.code()).len()).unwrap().to_feature();
    let total = children(&before, &grid.code).len();
    assert!(total >= 2, "{}", grid.code);
    let r = grid.geometry.bounding_rect().unwrap();
    let x = (r.min().x + r.max().x) / 2.0;
    let new_code = format!("{}9", &grid.code[..grid.code.len() - 1]);
    assert!(before.layer(Layer::Grid).get(&new_code).is_none());
    let split = json!({"op": "split", "layer": "grid", "code": grid.code, "new_code": new_code,
        "line": {"type": "LineString", "coordinates": [[x, r.min().y - 0.001], [x, r.max().y + 0.001]]}});

    let plan = store.create_plan("split", "planner").unwrap();
    add_edit(&mut store, plan.id, "planner", &split, None).unwrap();
    let findings = validate_plan(&store, plan.id, &RulesConfig::default()).unwrap();
    assert!(findings.iter().all(|f| f.rule != "unknown_parent"), "{findings:?}");
    assert!(!has_errors(&findings), "{findings:?}");
    publish(&mut store, Some(&live), plan.id, "planner", "拆分", "2026-03-01", &RulesConfig::default()).unwrap();

    let after = store.load_snapshot().unwrap();
    let (first, second) = (children(&after, &grid.code), children(&after, &new_code));
    assert_eq!(first.len() + second.len(), total);
    // Each building belongs to the piece that a lookup at its own position answers, and each
    // piece's households are the sum of its buildings'.
    for b in first.iter().chain(&second) {
        let owner = live.load().snapshot.lookup(inside(b)).grid.map(|g| g.code().to_string());
        assert_eq!(owner.as_deref(), b.parent_code.as_deref(), "building {}", b.code);
    }
    for (code, kids) in [(&grid.code, &first), (&new_code, &second)] {
        let sum: i64 = kids.iter().filter_map(|b| b.int_attr("households")).sum();
        assert_eq!(after.layer(Layer::Grid).get(code).unwrap().int_attr("households"), Some(sum), "{code}");
    }
}

#[test]
fn deleting_a_grid_with_buildings_needs_somewhere_for_them() {
    let (_dir, mut store, _live) = demo();
    let before = store.load_snapshot().unwrap();
    let n = children(&before, B).len();
    let plan = store.create_plan("delete", "planner").unwrap();
    let err =
        add_edit(&mut store, plan.id, "p", &json!({"op": "delete", "layer": "grid", "code": B}), None).unwrap_err();
    let detail = bad_edit_detail(err);
    assert!(detail.contains(&format!("still has {n} feature(s)")) && detail.contains("reassign_to"), "{detail}");
    assert!(store.plan_edits(plan.id).unwrap().is_empty());

    // With a place for them, the buildings and their households go to the named grid.
    let edit = json!({"op": "delete", "layer": "grid", "code": B, "reassign_to": A});
    add_edit(&mut store, plan.id, "p", &edit, None).unwrap();
    let (_, after) = wangge_app::plan::plan_states(&store, plan.id).unwrap();
    assert_eq!(children(&after, A).len(), children(&before, A).len() + n);
    let sum =
        |s: &wangge_core::snapshot::Snapshot, c: &str| s.layer(Layer::Grid).get(c).unwrap().int_attr("households");
    assert_eq!(sum(&after, A).unwrap(), sum(&before, A).unwrap() + sum(&before, B).unwrap());
}

#[test]
fn a_merge_across_communities_and_a_count_that_is_no_number_are_refused_whole() {
    let (_dir, mut store, _live) = demo();
    let snapshot = store.load_snapshot().unwrap();
    let grids = snapshot.layer(Layer::Grid).to_features();
    // Two grids of different communities that touch (their merge would straddle the boundary).
    let (x, y) = grids
        .iter()
        .flat_map(|g| grids.iter().map(move |h| (g, h)))
        .find(|(g, h)| {
            use geo::Intersects;
            g.parent_code != h.parent_code && g.geometry.intersects(&h.geometry)
        })
        .unwrap();
    let plan = store.create_plan("bad", "planner").unwrap();
    let merge = json!({"op": "merge", "layer": "grid", "codes": [x.code, y.code]});
    let detail = bad_edit_detail(add_edit(&mut store, plan.id, "p", &merge, None).unwrap_err());
    assert!(detail.contains("different parents"), "{detail}");

    // households "lots" and residents -5 name the feature and the field.
    let mut feature = wangge_formats::geojson::feature_to_json(snapshot.layer(Layer::Grid).get(A).unwrap());
    for (field, value) in [("households", json!("lots")), ("residents", json!(-5)), ("households", json!(2.5))] {
        let mut f = feature.clone();
        f["properties"][field] = value.clone();
        let edit = json!({"op": "replace", "layer": "grid", "feature": f});
        let detail = bad_edit_detail(add_edit(&mut store, plan.id, "p", &edit, None).unwrap_err());
        assert!(detail.contains(A) && detail.contains(field), "{value}: {detail}");
    }
    // A whole-valued float is taken as the integer it is.
    feature["properties"]["households"] = json!(300.0);
    add_edits(&mut store, plan.id, "p", &[json!({"op": "replace", "layer": "grid", "feature": feature})], None)
        .unwrap();
    let (_, after) = wangge_app::plan::plan_states(&store, plan.id).unwrap();
    assert_eq!(after.layer(Layer::Grid).get(A).unwrap().attrs()["households"], Value::from(300));
    assert_eq!(store.plan_edits(plan.id).unwrap().len(), 1);
}

#[test]
fn an_import_with_a_count_that_is_no_number_is_refused_naming_feature_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.gpkg");
    let mut store = Store::open(&db).unwrap();
    let square = json!({"type": "Polygon", "coordinates": [[[114.0, 22.5], [114.01, 22.5], [114.01, 22.51], [114.0, 22.51], [114.0, 22.5]]]});
    let fc = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "440304", "name": "区", "households": 3.0}, "geometry": square},
        {"type": "Feature", "properties": {"code": "440305", "name": "区二", "residents": -5}, "geometry": square},
    ]});
    let options = wangge_app::import::ImportOptions {
        layer: Layer::District,
        crs: wangge_formats::crs::Crs::Wgs84,
        mode: wangge_store::WriteMode::Append,
        tolerance_m: 1.0,
        generate_codes: false,
    };
    let err = wangge_app::import::import(
        &mut store,
        &fc.to_string(),
        wangge_formats::formats::FileFormat::GeoJson,
        &options,
        None,
    )
    .unwrap_err();
    let wangge_app::import::ImportError::Rejected(problems) = err else { panic!("{err:?}") };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        (problems[0].index, problems[0].code.as_deref(), problems[0].rule.id()),
        (Some(1), Some("440305"), "not_a_count")
    );
    use wangge_text::Text;
    let text = problems[0].message(wangge_text::Lang::En);
    assert!(text.contains("440305") && text.contains("residents") && text.contains("-5"), "{text}");
    assert!(store.load_snapshot().unwrap().layer(Layer::District).is_empty());
}

#[test]
fn the_plan_cache_answers_what_replaying_the_stored_edits_gives() {
    let (_dir, mut store, _live) = demo();
    let cache = wangge_app::plan::PlanCache::new(4);
    let same = |store: &Store, cache: &wangge_app::plan::PlanCache, id: i64| {
        let (b1, a1) = cache.states(store, id).unwrap();
        let (b2, a2) = wangge_app::plan::plan_states(store, id).unwrap();
        for layer in Layer::ALL {
            assert_eq!(b1.layer(layer).to_features(), b2.layer(layer).to_features(), "{layer}");
            assert_eq!(a1.layer(layer).to_features(), a2.layer(layer).to_features(), "{layer}");
        }
        a1.layer(Layer::Grid).len()
    };
    let plan = store.create_plan("cache", "p").unwrap();
    let grids = same(&store, &cache, plan.id);
    let merge = json!({"op": "merge", "layer": "grid", "codes": [A, B]});
    cache.add_edits(&mut store, plan.id, "p", &[merge], None).unwrap();
    assert_eq!(same(&store, &cache, plan.id), grids - 1);
    // A refused edit leaves the cached state as it was.
    let bad = json!({"op": "delete", "layer": "grid", "code": "nope"});
    assert!(cache.add_edits(&mut store, plan.id, "p", &[bad], None).is_err());
    assert_eq!(same(&store, &cache, plan.id), grids - 1);
    // Undo (a version bump the cache did not make) and a publish (a new revision) are seen.
    store.undo(plan.id, None).unwrap();
    assert_eq!(same(&store, &cache, plan.id), grids);
    let other = store.create_plan("other", "p").unwrap();
    let third = json!({"op": "merge", "layer": "grid", "codes": ["440304006015003", "440304006015004"]});
    add_edit(&mut store, other.id, "p", &third, None).unwrap();
    publish(&mut store, None, other.id, "p", "merge", "2026-03-01", &RulesConfig::default()).unwrap();
    assert_eq!(same(&store, &cache, plan.id), grids - 1);
}
