//! The plan engine's incremental findings are exactly a full validation's: after every edit of
//! long random sequences — boundary moves, splits, merges, deletes, creates, attribute and parent
//! changes, building moves and copies, some refused, some undone — on the demo city and on a
//! synthetic tiling with buildings, `IncrementalRules::findings` equals `run_rules` over the
//! draft, finding for finding (rule, severity, code, message values, geometry, order).

use geo::{BoundingRect, Coord, Geometry, LineString, Rect, Translate, coord};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;
use wangge_core::edit::{Changes, Draft, Edit};
use wangge_core::model::{Attrs, Feature, Layer};
use wangge_core::rules::incremental::IncrementalRules;
use wangge_core::rules::{RulesConfig, run_rules};
use wangge_core::snapshot::Snapshot;

/// A small deterministic generator (splitmix64), so a failing sequence can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}

fn bbox(g: &Geometry<f64>) -> Rect<f64> {
    g.bounding_rect().expect("features have a bounding box")
}

fn touches(a: Rect<f64>, b: Rect<f64>) -> bool {
    a.min().x <= b.max().x && b.min().x <= a.max().x && a.min().y <= b.max().y && b.min().y <= a.max().y
}

fn centre(r: Rect<f64>) -> Coord {
    coord! { x: (r.min().x + r.max().x) / 2.0, y: (r.min().y + r.max().y) / 2.0 }
}

/// A sibling grid whose bounding box touches `g`'s.
fn neighbour<'a>(d: &'a Draft, g: &Feature, rng: &mut Rng) -> Option<&'a Feature> {
    let r = bbox(&g.geometry);
    let near: Vec<&Feature> = d
        .features(Layer::Grid)
        .filter(|n| n.code != g.code && n.parent_code == g.parent_code && touches(r, bbox(&n.geometry)))
        .collect();
    rng.pick(&near).copied()
}

fn fresh_code(d: &Draft, layer: Layer, prefix: &str, digits: usize, rng: &mut Rng) -> String {
    loop {
        let code = format!("{prefix}{:0digits$}", rng.below(10usize.pow(digits as u32)));
        if d.feature(layer, &code).is_none() {
            return code;
        }
    }
}

/// One random edit of the draft: most apply, some are refused (and must change nothing).
fn random_edit(d: &Draft, rng: &mut Rng) -> Option<Edit> {
    let grids: Vec<&Feature> = d.features(Layer::Grid).collect();
    let buildings: Vec<&Feature> = d.features(Layer::Building).collect();
    let communities: Vec<&Feature> = d.features(Layer::Community).collect();
    let g = (*rng.pick(&grids)?).clone();
    let r = bbox(&g.geometry);
    let (w, h) = (r.width(), r.height());
    let workers = ["网格员 甲", "网格员 乙", "网格员 丙", ""];
    Some(match rng.below(14) {
        0 | 1 => {
            let n = neighbour(d, &g, rng)?;
            let (a, b) = (centre(r), centre(bbox(&n.geometry)));
            let t = 0.1 + 0.3 * rng.unit();
            let moved = g.geometry.translate((b.x - a.x) * t, (b.y - a.y) * t);
            Edit::MoveBoundary { layer: Layer::Grid, grow: g.code.clone(), shrink: n.code.clone(), geometry: moved }
        }
        2 => {
            let mut f = g.clone();
            f.attrs.insert("households".into(), json!(200 + rng.below(400)));
            f.attrs.insert("residents".into(), json!(500 + rng.below(2500)));
            match workers[rng.below(workers.len())] {
                "" => f.attrs.remove("worker"),
                name => f.attrs.insert("worker".into(), json!(name)),
            };
            if rng.below(4) == 0 {
                f.attrs.insert("kind".into(), json!("专属"));
            }
            Edit::Replace { layer: Layer::Grid, feature: f }
        }
        3 => {
            let mut f = g.clone();
            f.geometry = if rng.below(3) == 0 {
                // A bow tie over the grid's box: an invalid geometry, kept out of the coverage rule.
                let (a, b) = (r.min(), r.max());
                Geometry::Polygon(geo::Polygon::new(
                    LineString::from(vec![(a.x, a.y), (b.x, b.y), (b.x, a.y), (a.x, b.y), (a.x, a.y)]),
                    vec![],
                ))
            } else {
                g.geometry.translate((rng.unit() - 0.5) * 0.4 * w, (rng.unit() - 0.5) * 0.4 * h)
            };
            Edit::Replace { layer: Layer::Grid, feature: f }
        }
        4 | 5 => {
            let x = r.min().x + w * (0.3 + 0.4 * rng.unit());
            let line = LineString::new(vec![
                coord! { x: x, y: r.min().y - h },
                coord! { x: x + w * 0.1 * (rng.unit() - 0.5), y: r.max().y + h },
            ]);
            let parent = g.parent_code.clone().unwrap_or_default();
            let new_code = if rng.below(6) == 0 {
                format!("X{}", rng.below(1000))
            } else {
                fresh_code(d, Layer::Grid, &parent, 3, rng)
            };
            Edit::Split { layer: Layer::Grid, code: g.code.clone(), line, new_code }
        }
        6 => Edit::Merge { layer: Layer::Grid, codes: vec![g.code.clone(), neighbour(d, &g, rng)?.code.clone()] },
        7 => {
            let reassign_to = if rng.below(3) == 0 { None } else { neighbour(d, &g, rng).map(|n| n.code.clone()) };
            Edit::Delete { layer: Layer::Grid, code: g.code.clone(), reassign_to }
        }
        8 => {
            let mut f = g.clone();
            f.code = fresh_code(d, Layer::Grid, g.parent_code.as_deref().unwrap_or(""), 3, rng);
            f.geometry = g.geometry.translate(w * 0.5 * rng.unit(), 0.0);
            Edit::Create { layer: Layer::Grid, feature: f }
        }
        9 => {
            let mut f = g.clone();
            f.parent_code = match rng.below(3) {
                0 => Some("440304006999".into()),
                _ => rng.pick(&communities).map(|c| c.code.clone()),
            };
            Edit::Replace { layer: Layer::Grid, feature: f }
        }
        10 => {
            let mut c = (*rng.pick(&communities)?).clone();
            if rng.below(2) == 0 {
                c.attrs.insert("households".into(), json!(500 + rng.below(3000)));
                c.attrs.insert("community_workers".into(), json!(rng.below(12)));
            } else {
                let cr = bbox(&c.geometry);
                c.geometry = c.geometry.translate(cr.width() * 0.02 * (rng.unit() - 0.5), 0.0);
            }
            Edit::Replace { layer: Layer::Community, feature: c }
        }
        11 => {
            let b = rng.pick(&buildings)?;
            Edit::ReassignBuildings { buildings: vec![b.code.clone()], grid: g.code.clone() }
        }
        12 => {
            let mut b = (*rng.pick(&buildings)?).clone();
            let other = rng.pick(&buildings)?;
            let br = bbox(&b.geometry);
            b.geometry = match rng.below(3) {
                0 => other.geometry.clone(),
                _ => b.geometry.translate(br.width() * rng.unit(), br.height() * (rng.unit() - 0.5)),
            };
            b.attrs.insert("households".into(), json!(rng.below(300)));
            Edit::Replace { layer: Layer::Building, feature: b }
        }
        _ => {
            let b = rng.pick(&buildings)?;
            if rng.below(2) == 0 {
                Edit::Delete { layer: Layer::Building, code: b.code.clone(), reassign_to: None }
            } else {
                let mut copy = (*b).clone();
                let prefix = b.code.get(..12).unwrap_or("").to_string();
                copy.code = fresh_code(d, Layer::Building, &prefix, 5, rng);
                Edit::Create { layer: Layer::Building, feature: copy }
            }
        }
    })
}

fn split_name(name: &str) -> String {
    format!("{name} (2)")
}

/// Runs `steps` random edits on `start`, comparing incremental and full findings after each;
/// every seventh applied edit is undone again (as a refused batch would be). Returns how many
/// edits applied and the rules found on the way.
fn check_sequence(start: &Snapshot, seed: u64, steps: usize) -> (usize, BTreeSet<&'static str>) {
    let config = RulesConfig::default();
    let mut draft = Draft::from_snapshot(start, split_name);
    let mut rules = IncrementalRules::new(&draft, &config);
    assert_eq!(rules.findings(&draft), run_rules(&draft.to_snapshot(), &config), "at the start");
    let mut rng = Rng(seed);
    let mut applied = 0;
    let mut seen = BTreeSet::new();
    for step in 0..steps {
        let Some(edit) = random_edit(&draft, &mut rng) else { continue };
        // A refused edit changes nothing (and says so by an empty change list).
        let changes: Changes = draft.apply_tracked(&edit).unwrap_or_default();
        if !changes.is_empty() {
            applied += 1;
        }
        rules.update(&draft, &changes);
        if applied % 7 == 6 && !changes.is_empty() {
            let undone = draft.revert_tracked(&changes);
            rules.update(&draft, &undone);
        }
        let full = run_rules(&draft.to_snapshot(), &config);
        let incremental = rules.findings(&draft);
        if incremental != full {
            let only_inc: Vec<_> = incremental.iter().filter(|f| !full.contains(f)).collect();
            let only_full: Vec<_> = full.iter().filter(|f| !incremental.contains(f)).collect();
            panic!(
                "seed {seed} step {step} after {edit:?}:\nonly incremental: {only_inc:#?}\nonly full: {only_full:#?}\n\
                 (same sets, other order: {})",
                only_inc.is_empty() && only_full.is_empty()
            );
        }
        seen.extend(full.iter().map(|f| f.rule));
    }
    (applied, seen)
}

/// 3 × 2 communities of 4 × 4 grids of 1/256°, each grid with two buildings.
fn tiling() -> Snapshot {
    let step = 1.0 / 256.0;
    let rect = |x: f64, y: f64, w: f64, h: f64| {
        let (x0, y0) = (114.0 + x * step, 22.5 + y * step);
        Geometry::Polygon(
            Rect::new(coord! { x: x0, y: y0 }, coord! { x: x0 + w * step, y: y0 + h * step }).to_polygon(),
        )
    };
    let feature = |code: String, parent: Option<String>, geometry, attrs: Attrs| Feature {
        name: code.clone(),
        code,
        parent_code: parent,
        attrs,
        geometry,
    };
    let attrs = |v: serde_json::Value| v.as_object().cloned().unwrap_or_default().into();
    let (mut communities, mut grids, mut buildings) = (Vec::new(), Vec::new(), Vec::new());
    for cy in 0..2 {
        for cx in 0..3 {
            let c = format!("440304006{:03}", cy * 3 + cx + 1);
            let (x0, y0) = ((cx * 4) as f64, (cy * 4) as f64);
            let a = attrs(json!({"households": 6400, "community_workers": 20}));
            communities.push(feature(c.clone(), Some("440304006".into()), rect(x0, y0, 4.0, 4.0), a));
            for gy in 0..4 {
                for gx in 0..4 {
                    let code = format!("{c}{:03}", gy * 4 + gx + 1);
                    let (x, y) = (x0 + gx as f64, y0 + gy as f64);
                    let a = attrs(
                        json!({"kind": "综合", "households": 400, "residents": 1000, "worker": format!("网格员 {code}")}),
                    );
                    grids.push(feature(code.clone(), Some(c.clone()), rect(x, y, 1.0, 1.0), a));
                    for k in 0..2 {
                        let b = format!("{c}{:05}", (gy * 4 + gx) * 2 + k + 1);
                        let a = attrs(json!({"households": 200}));
                        buildings.push(feature(
                            b,
                            Some(code.clone()),
                            rect(x + 0.1 + 0.45 * k as f64, y + 0.2, 0.3, 0.4),
                            a,
                        ));
                    }
                }
            }
        }
    }
    let whole = rect(0.0, 0.0, 12.0, 8.0);
    Snapshot::new([
        (Layer::District, vec![feature("440304".into(), None, whole.clone(), Attrs::new())]),
        (Layer::Street, vec![feature("440304006".into(), Some("440304".into()), whole, Attrs::new())]),
        (Layer::Community, communities),
        (Layer::Grid, grids),
        (Layer::Building, buildings),
    ])
}

#[test]
fn incremental_findings_equal_a_full_validation_after_every_edit_of_a_synthetic_tiling() {
    let start = tiling();
    let (mut applied, mut seen) = (0, BTreeSet::new());
    for seed in 1..=4 {
        let (n, rules) = check_sequence(&start, seed, 60);
        applied += n;
        seen.extend(rules);
    }
    eprintln!("synthetic: {applied} of 240 edits applied; rules found: {seen:?}");
    assert!(applied > 120, "most random edits apply ({applied} of 240)");
    // The sequences reach every family the edits can break, so each was compared non-empty.
    for rule in [
        "valid_geometry",
        "sibling_overlap",
        "parent_gap",
        "outside_parent",
        "unknown_parent",
        "grid_households",
        "code_layout",
        "grid_worker",
        "grid_worker_shared",
        "building_duplicate",
        "building_overlap",
        "grid_households_rollup",
    ] {
        assert!(seen.contains(rule), "no {rule} finding in any sequence: {seen:?}");
    }
}

#[test]
fn incremental_findings_equal_a_full_validation_after_every_edit_of_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.gpkg");
    let data = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data"));
    wangge_app::demo::ensure_demo_db(&db, data).unwrap();
    let demo = wangge_store::Store::open(&db).unwrap().load_snapshot().unwrap();
    assert!(demo.layer(Layer::Building).len() > 100, "the demo has buildings");
    let (applied, seen) = check_sequence(&demo, 12, 70);
    eprintln!("demo: {applied} of 70 edits applied; rules found: {seen:?}");
    assert!(applied > 30, "most random edits apply ({applied} of 70)");
    assert!(seen.len() >= 6, "the random edits break several rules: {seen:?}");
}

#[test]
fn the_engine_follows_undo_and_redo_and_publishes_only_the_version_it_validated() {
    use wangge_app::plan::{PlanCache, PlanServiceError, plan_states};
    use wangge_store::plans::PlanError;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.gpkg");
    wangge_app::demo::ensure_demo_db(&db, Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data"))).unwrap();
    let mut store = wangge_store::Store::open(&db).unwrap();
    let config = RulesConfig::default();
    let engine = PlanCache::new(4);
    let plan = store.create_plan("engine", "t").unwrap();
    // What a full run over the replayed plan finds, from the store alone.
    let full = |store: &wangge_store::Store| run_rules(&plan_states(store, plan.id).unwrap().1, &config);
    let merge = json!({"op": "merge", "layer": "grid", "codes": ["440304006015001", "440304006015002"]});
    let stray = json!({"op": "replace", "layer": "grid", "feature": {"type": "Feature",
        "properties": {"code": "440304006015003", "name": "越界", "parent_code": "440304006099", "households": 9000},
        "geometry": {"type": "Polygon", "coordinates": [[[114.0, 22.5], [114.001, 22.5], [114.001, 22.501], [114.0, 22.5]]]}}});
    // The engine holds the plan's findings first, so the edits below update them incrementally.
    assert_eq!(engine.findings(&store, plan.id, &config).unwrap(), full(&store));
    engine.add_edits(&mut store, plan.id, "t", std::slice::from_ref(&merge), None).unwrap();
    engine.add_edits(&mut store, plan.id, "t", std::slice::from_ref(&stray), None).unwrap();
    let with_stray = engine.findings(&store, plan.id, &config).unwrap();
    assert_eq!(with_stray, full(&store));
    assert!(with_stray.iter().any(|f| f.rule == "unknown_parent" && f.code == "440304006015003"), "{with_stray:?}");
    engine.undo(&mut store, plan.id, None).unwrap();
    let undone = engine.findings(&store, plan.id, &config).unwrap();
    assert_eq!(undone, full(&store));
    assert!(!undone.iter().any(|f| f.code == "440304006015003" && f.rule == "unknown_parent"));
    engine.redo(&mut store, plan.id, None).unwrap();
    assert_eq!(engine.findings(&store, plan.id, &config).unwrap(), with_stray);
    engine.undo(&mut store, plan.id, None).unwrap();
    // A publish based on an older version is refused, and nothing is published.
    let version = store.plan(plan.id).unwrap().unwrap().version;
    let stale = engine.publish(&mut store, None, plan.id, "t", "合并", "2026-12-07", &config, Some(version - 1));
    assert!(
        matches!(stale, Err(PlanServiceError::Plan(PlanError::StaleVersion { current, .. })) if current == version),
        "{stale:?}"
    );
    assert_eq!(store.current_revision().unwrap(), 0);
    let rev = engine.publish(&mut store, None, plan.id, "t", "合并", "2026-12-07", &config, Some(version)).unwrap();
    assert_eq!(rev.id, 1);
    let published = store.load_snapshot().unwrap();
    assert!(published.layer(Layer::Grid).get("440304006015002").is_none(), "the merge is what was published");
    let kept = published.layer(Layer::Grid).get("440304006015003").and_then(|g| g.parent_code());
    assert_eq!(kept, Some("440304006015"), "the undone replace is not published");
}
