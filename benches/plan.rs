//! One grid edit → validated (every rule) → new snapshot built → swapped in, on a synthetic layer
//! of 1,024 grids; whole-layer validation of a larger synthetic layer; and the server's planning
//! path — one edit added to a stored plan of ten edits, then the plan validated — on 1,024, 9,216
//! and 10,000 grids in a real GeoPackage, three ways: `_replay` without the plan cache (load the
//! layers from SQLite and replay every stored edit, for the add and again for the validation);
//! `_cached` with the cached draft but every rule run over its snapshot; `_engine` through the
//! plan engine, whose findings are updated incrementally (only what the edit touched); and
//! `edit_rules_…_in_memory`, the engine's part alone (edit, findings updated, listed; no SQLite).
//!
//! Run: `cargo bench --bench plan`. Data is deterministic: square communities of 8 × 8 grids
//! (10 × 10 for the 10,000-grid case) of 1/512° (≈ 200 m) laid out from 114°E, 22.5°N, all tiled
//! exactly.

use arc_swap::ArcSwap;
use criterion::{Criterion, criterion_group, criterion_main};
use geo::{Geometry, Rect, coord};
use serde_json::json;
use std::hint::black_box;
use std::sync::Arc;
use wangge_core::edit::{Draft, Edit};
use wangge_core::model::{Attrs, Feature, Layer};
use wangge_core::rules::{RulesConfig, run_rules};
use wangge_core::snapshot::Snapshot;

const STEP: f64 = 1.0 / 512.0;

fn rect(x: f64, y: f64, w: f64, h: f64) -> Geometry<f64> {
    let (x0, y0) = (114.0 + x * STEP, 22.5 + y * STEP);
    Geometry::Polygon(Rect::new(coord! { x: x0, y: y0 }, coord! { x: x0 + w * STEP, y: y0 + h * STEP }).to_polygon())
}

fn feature(code: String, parent: Option<String>, geometry: Geometry<f64>, households: i64) -> Feature {
    let mut attrs = Attrs::new();
    attrs.insert("kind".into(), json!("综合"));
    attrs.insert("households".into(), json!(households));
    attrs.insert("worker".into(), json!(format!("网格员 {code}")));
    Feature { name: code.clone(), code, parent_code: parent, attrs, geometry }
}

/// A city of `n` × `n` communities of 8 × 8 grids each.
fn city(n: usize) -> Snapshot {
    city_of(n, 8)
}

/// A city of `n` × `n` communities of `side` × `side` grids each.
fn city_of(n: usize, side: usize) -> Snapshot {
    let whole = rect(0.0, 0.0, (n * side) as f64, (n * side) as f64);
    let (mut communities, mut grids) = (Vec::new(), Vec::new());
    for cy in 0..n {
        for cx in 0..n {
            let c = format!("440304006{:03}", cy * n + cx + 1);
            let (x0, y0) = ((cx * side) as f64, (cy * side) as f64);
            let extent = side as f64;
            communities.push(feature(c.clone(), Some("440304006".into()), rect(x0, y0, extent, extent), 2_500));
            for gy in 0..side {
                for gx in 0..side {
                    let code = format!("{c}{:03}", gy * side + gx + 1);
                    grids.push(feature(code, Some(c.clone()), rect(x0 + gx as f64, y0 + gy as f64, 1.0, 1.0), 400));
                }
            }
        }
    }
    Snapshot::new([
        (Layer::District, vec![feature("440304".into(), None, whole.clone(), 0)]),
        (Layer::Street, vec![feature("440304006".into(), Some("440304".into()), whole, 0)]),
        (Layer::Community, communities),
        (Layer::Grid, grids),
    ])
}

fn bench(c: &mut Criterion) {
    let base = city(4); // 16 communities × 64 = 1,024 grids
    assert!(run_rules(&base, &RulesConfig::default()).is_empty());
    let live = ArcSwap::from_pointee(base.clone());
    let config = RulesConfig::default();
    let mut flip = false;
    c.bench_function("edit_validate_publish_swap_1024_grids", |b| {
        b.iter(|| {
            flip = !flip;
            let w = if flip { 1.3 } else { 1.0 };
            let mut draft = Draft::from_snapshot(&live.load(), wangge_text::split_piece_name);
            let edit = Edit::MoveBoundary {
                layer: Layer::Grid,
                grow: "440304006001001".into(),
                shrink: "440304006001002".into(),
                geometry: rect(0.0, 0.0, w, 1.0),
            };
            draft.apply(&edit).unwrap();
            let next = draft.to_snapshot();
            let findings = run_rules(&next, &config);
            assert!(!wangge_core::rules::has_errors(&findings));
            live.store(Arc::new(next));
        })
    });
    let big = city(40); // 1,600 communities × 64 = 102,400 grids
    let mut group = c.benchmark_group("whole_layer");
    group.sample_size(10);
    group.bench_function("validate_102400_grids", |b| b.iter(|| black_box(run_rules(&big, &config).len())));
    group.finish();
}

/// A stored plan of ten boundary moves on `n` × `n` communities of `side` × `side` grids, in a
/// GeoPackage in `dir`.
fn stored_plan(dir: &std::path::Path, n: usize, side: usize) -> (wangge_store::Store, i64) {
    let city = city_of(n, side);
    let mut store = wangge_store::Store::open(&dir.join(format!("plan{n}.gpkg"))).unwrap();
    for layer in Layer::ALL {
        let features = city.layer(layer).to_features();
        if !features.is_empty() {
            store.write_layer(layer, &features, wangge_store::WriteMode::Replace).unwrap();
        }
    }
    let plan = store.create_plan("bench", "bench").unwrap();
    let edits: Vec<serde_json::Value> = (0..10u32)
        .map(|k| {
            // The first two grids of row k mod 8 of community 001.
            let row = (k % 8) as f64;
            let (grow, shrink) = (side as u32 * (k % 8) + 1, side as u32 * (k % 8) + 2);
            let geometry = wangge_formats::geojson::geometry_to_json(&rect(0.0, row, 1.2 + 0.01 * k as f64, 1.0));
            json!({"op": "move_boundary", "layer": "grid", "grow": format!("440304006001{grow:03}"),
                "shrink": format!("440304006001{shrink:03}"), "geometry": geometry})
        })
        .collect();
    for e in &edits {
        wangge_app::plan::add_edit(&mut store, plan.id, "bench", e, None).unwrap();
    }
    (store, plan.id)
}

fn engine(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let config = RulesConfig::default();
    let mut group = c.benchmark_group("plan_engine");
    group.sample_size(10);
    for (n, side, grids) in [(4, 8, 1_024), (12, 8, 9_216), (10, 10, 10_000)] {
        // Community 002's first two grids: untouched by the stored edits, so the move always applies.
        let geometry = wangge_formats::geojson::geometry_to_json(&rect(side as f64, 0.0, 1.3, 1.0));
        let edit = json!({"op": "move_boundary", "layer": "grid", "grow": "440304006002001",
            "shrink": "440304006002002", "geometry": geometry});
        let (store, id) = stored_plan(dir.path(), n, side);
        // Setup and routine both need the one store.
        let store = std::cell::RefCell::new(store);
        let reset = || {
            let mut s = store.borrow_mut();
            let _ = s.undo(id, None);
            if s.plan_edits(id).unwrap().len() < 10 {
                s.redo(id, None).unwrap();
            }
        };
        // The measured edit is undone (untimed) before each run, so every run adds the same edit
        // to the same ten.
        group.bench_function(format!("edit_validate_{grids}_grids_replay"), |b| {
            b.iter_batched(
                reset,
                |()| {
                    let mut store = store.borrow_mut();
                    wangge_app::plan::add_edit(&mut *store, id, "bench", &edit, None).unwrap();
                    let findings = wangge_app::plan::validate_plan(&*store, id, &config).unwrap();
                    black_box(findings.len())
                },
                criterion::BatchSize::PerIteration,
            )
        });
        let cache = wangge_app::plan::PlanCache::new(4);
        group.bench_function(format!("edit_validate_{grids}_grids_cached"), |b| {
            b.iter_batched(
                || {
                    reset();
                    // The draft the server holds after its previous request.
                    cache.states(&*store.borrow(), id).unwrap();
                },
                |()| {
                    let mut store = store.borrow_mut();
                    cache.add_edits(&mut *store, id, "bench", std::slice::from_ref(&edit), None).unwrap();
                    let (_, after) = cache.states(&*store, id).unwrap();
                    black_box(run_rules(&after, &config).len())
                },
                criterion::BatchSize::PerIteration,
            )
        });
        // The engine's own work, without the store: one edit applied to the draft, the findings
        // brought up to date and listed (the edit alternates between two widths, so every run
        // moves the same boundary).
        let mut draft = Draft::from_snapshot(&city_of(n, side), wangge_text::split_piece_name);
        let mut rules = wangge_core::rules::incremental::IncrementalRules::new(&draft, &config);
        let mut wide = false;
        group.bench_function(format!("edit_rules_{grids}_grids_in_memory"), |b| {
            b.iter(|| {
                wide = !wide;
                let edit = Edit::MoveBoundary {
                    layer: Layer::Grid,
                    grow: "440304006002001".into(),
                    shrink: "440304006002002".into(),
                    geometry: rect(side as f64, 0.0, if wide { 1.3 } else { 1.0 }, 1.0),
                };
                let changes = draft.apply_tracked(&edit).unwrap();
                rules.update(&draft, &changes);
                black_box(rules.findings(&draft).len())
            })
        });
        // The engine as the server holds it after its previous request: the draft and its
        // findings. Each run's edit is taken back (untimed) through the engine, in place.
        reset();
        let engine = wangge_app::plan::PlanCache::new(4);
        assert_eq!(
            engine.findings(&*store.borrow(), id, &config).unwrap(),
            run_rules(&engine.states(&*store.borrow(), id).unwrap().1, &config)
        );
        group.bench_function(format!("edit_validate_{grids}_grids_engine"), |b| {
            b.iter_batched(
                || {
                    let mut s = store.borrow_mut();
                    if s.plan_edits(id).unwrap().len() > 10 {
                        engine.undo(&mut *s, id, None).unwrap();
                    }
                },
                |()| {
                    let mut store = store.borrow_mut();
                    engine.add_edits(&mut *store, id, "bench", std::slice::from_ref(&edit), None).unwrap();
                    black_box(engine.findings(&*store, id, &config).unwrap().len())
                },
                criterion::BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench, engine);
criterion_main!(benches);
