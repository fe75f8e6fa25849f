//! Plans end to end on a real GeoPackage: checked edits, validation, diff, atomic publish with the
//! live snapshot swapped, stale base and stale If-Match refused, lookups as of a date, restore.

mod common;

use common::city_db;
use geo::coord;
use serde_json::{Value, json};
use std::sync::Arc;
use wangge_app::plan::{PlanServiceError, add_edit, diff_plan, publish, restore, validate_plan};
use wangge_app::published::Live;
use wangge_core::model::Layer;
use wangge_core::rules::RulesConfig;
use wangge_store::Store;
use wangge_store::history::AsOf;
use wangge_store::plans::PlanError;

const G1: &str = "440304006009001";

fn split_g1() -> Value {
    // A north–south cut through the middle of grid 001 (114.0–114.0078125 E).
    json!({"op": "split", "layer": "grid", "code": G1, "new_code": "440304006009003",
           "line": {"type": "LineString", "coordinates": [[114.00390625, 22.50], [114.00390625, 22.52]]}})
}

#[test]
fn a_split_is_validated_diffed_published_and_visible_by_date() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&city_db(dir.path())).unwrap();
    let live = Live::new(Arc::new(store.load_snapshot().unwrap()), 0, &[], true);
    let plan = store.create_plan("拆分竹林社区第一网格", "planner").unwrap();
    assert_eq!((plan.base_revision, plan.version), (0, 1));
    let plan = add_edit(&mut store, plan.id, "planner", &split_g1(), Some(1)).unwrap();
    assert_eq!(plan.version, 2);

    // A bad edit is refused naming the problem, and a stale If-Match is refused with both versions.
    let bad = json!({"op": "merge", "layer": "grid", "codes": [G1, "440304006011002"]});
    let err = add_edit(&mut store, plan.id, "planner", &bad, Some(2)).unwrap_err();
    assert!(matches!(err, PlanServiceError::BadEdit { ref detail, .. } if detail.contains("not adjacent")), "{err}");
    let stale = add_edit(&mut store, plan.id, "planner", &split_g1(), Some(1)).unwrap_err();
    assert!(matches!(stale, PlanServiceError::Plan(PlanError::StaleVersion { expected: 1, current: 2, .. })));

    let findings = validate_plan(&store, plan.id, &RulesConfig::default()).unwrap();
    assert!(!wangge_core::rules::has_errors(&findings), "{findings:?}");
    assert!(findings.iter().all(|f| f.rule != "sibling_overlap" && f.rule != "parent_gap"));
    let d = diff_plan(&store, plan.id).unwrap();
    let kinds: Vec<(&str, &str)> = d.changed.iter().map(|c| (c.code.as_str(), c.change)).collect();
    // The building standing in the east half moves to the new grid with the split.
    assert_eq!(kinds, vec![(G1, "reshaped"), ("440304006009003", "added"), ("44030400600900001", "attributes")]);

    // Before publishing, the point in the east half is in grid 001; after, in the new grid.
    let east = coord! { x: 114.006, y: 22.512 };
    assert_eq!(live.load().snapshot.lookup(east).grid.unwrap().code(), G1);
    let rev =
        publish(&mut store, Some(&live), plan.id, "planner", "拆分", "2026-03-01", &RulesConfig::default()).unwrap();
    assert_eq!(rev.id, 1);
    assert_eq!(live.load().snapshot.lookup(east).grid.unwrap().code(), "440304006009003");
    let reopened = Store::open(store.path()).unwrap().load_snapshot().unwrap();
    assert_eq!(reopened.lookup(east).grid.unwrap().code(), "440304006009003");
    store.integrity_check().unwrap();

    // As of a date before the effective date the old grid answers; after it, the new one.
    let before = store.snapshot_as_of(&AsOf::Date("2026-01-01".into())).unwrap();
    assert_eq!(before.lookup(east).grid.unwrap().code(), G1);
    assert_eq!(before.layer(Layer::Grid).len(), 4);
    let after = store.snapshot_as_of(&AsOf::Date("2026-03-01".into())).unwrap();
    assert_eq!(after.lookup(east).grid.unwrap().code(), "440304006009003");

    // Publishing it again is refused; a plan based on revision 0 is now stale and says what changed.
    let other = store.create_plan("late", "planner").unwrap();
    assert_eq!(other.base_revision, 1);
    let err =
        publish(&mut store, Some(&live), plan.id, "p", "again", "2026-03-02", &RulesConfig::default()).unwrap_err();
    assert!(matches!(err, PlanServiceError::Plan(PlanError::NotDraft(_))));
}

#[test]
fn a_plan_whose_base_moved_is_refused_with_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&city_db(dir.path())).unwrap();
    let live = Live::new(Arc::new(store.load_snapshot().unwrap()), 0, &[], true);
    let a = store.create_plan("a", "p1").unwrap();
    let b = store.create_plan("b", "p2").unwrap();
    add_edit(&mut store, a.id, "p1", &split_g1(), None).unwrap();
    publish(&mut store, Some(&live), a.id, "p1", "split", "2026-03-01", &RulesConfig::default()).unwrap();
    let err = publish(&mut store, Some(&live), b.id, "p2", "b", "2026-03-01", &RulesConfig::default()).unwrap_err();
    match err {
        PlanServiceError::Plan(PlanError::StaleBase { base: 0, current: 1, since }) => {
            assert_eq!(since[0].message, "split");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_plan_that_breaks_an_error_rule_is_not_published() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&city_db(dir.path())).unwrap();
    let live = Live::new(Arc::new(store.load_snapshot().unwrap()), 0, &[], true);
    let plan = store.create_plan("gap", "p").unwrap();
    add_edit(
        &mut store,
        plan.id,
        "p",
        &json!({"op": "delete", "layer": "grid", "code": G1, "reassign_to": "440304006009002"}),
        None,
    )
    .unwrap();
    let err = publish(&mut store, Some(&live), plan.id, "p", "x", "2026-03-01", &RulesConfig::default()).unwrap_err();
    let PlanServiceError::Rejected(findings) = err else { panic!("{err:?}") };
    assert!(findings.iter().any(|f| f.rule == "parent_gap" && f.geometry.is_some()));
    assert_eq!(store.current_revision().unwrap(), 0);
    assert_eq!(live.load().snapshot.layer(Layer::Grid).len(), 4);
}

#[test]
fn restoring_a_revision_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&city_db(dir.path())).unwrap();
    let original = store.load_snapshot().unwrap();
    let live = Live::new(Arc::new(original.clone()), 0, &[], true);
    let plan = store.create_plan("split", "p").unwrap();
    add_edit(&mut store, plan.id, "p", &split_g1(), None).unwrap();
    publish(&mut store, Some(&live), plan.id, "p", "split", "2026-03-01", &RulesConfig::default()).unwrap();
    let back = restore(&mut store, 0, "p").unwrap();
    assert_eq!(back.base_revision, 1);
    publish(&mut store, Some(&live), back.id, "p", "restore 0", "2026-04-01", &RulesConfig::default()).unwrap();
    let restored = store.load_snapshot().unwrap();
    for layer in Layer::ALL {
        assert_eq!(restored.layer(layer).to_features(), original.layer(layer).to_features(), "{layer}");
    }
    // And the history still answers for the day the split was in force.
    let mid = store.snapshot_as_of(&AsOf::Date("2026-03-15".into())).unwrap();
    assert_eq!(mid.layer(Layer::Grid).len(), 5);
}
