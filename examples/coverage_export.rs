//! Exports one coverage problem — the walking graph, the centres, the buildings and the grids, all
//! in the network's local frame (metres) — for `benches/compare_coverage.py`, and times wangge on
//! the same problem: `coverage_export DB OUT_DIR [RUNS]`. Prints wangge's answer and median time
//! as JSON. A missing DB is built from the demo city in `data/`.

use serde_json::json;
use std::path::Path;
use std::time::Instant;
use wangge_app::coverage::{DEFAULT_KIND, build_context, sites_of_kind};
use wangge_core::coverage::{self, Coverage, Params};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(args.len() >= 3, "usage: coverage_export DB OUT_DIR [RUNS]");
    let (db, out) = (Path::new(&args[1]), Path::new(&args[2]));
    let runs: usize = args.get(3).map_or(Ok(7), |r| r.parse())?;
    std::fs::create_dir_all(out)?;
    // The demo database is built from data/ when missing, as `wangge serve --demo` does.
    wangge_app::demo::ensure_demo_db(db, Path::new(env!("CARGO_MANIFEST_DIR")).join("data").as_path())?;
    let store = wangge_store::Store::open(db)?;
    let snapshot = store.load_snapshot()?;
    let (roads, noding) = store.load_roads()?;
    let sites = sites_of_kind(&snapshot, DEFAULT_KIND);
    let params = Params::default();
    // Timed like the Python pipeline: from road lines and layers in memory to the statistics
    // (graph building, snapping, searches, polygons, union, gaps).
    let mut times = Vec::new();
    let mut answer = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let ctx = build_context(&snapshot, &roads, noding);
        let cov = Coverage::compute(&ctx, sites.clone(), params, &|_, _| {});
        let total = coverage::total(&ctx, &cov);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        answer = Some((ctx, total));
    }
    times.sort_by(f64::total_cmp);
    let (ctx, total) = answer.expect("at least one run");
    let frame = ctx.net.frame();
    let xy = |c: geo::Coord| {
        let p = frame.project(c);
        [p.x, p.y]
    };
    let graph = json!({
        "nodes": ctx.net.nodes().iter().map(|&c| xy(c)).collect::<Vec<_>>(),
        "edges": ctx.net.edges().iter().map(|e| json!([e.a, e.b, e.len_m])).collect::<Vec<_>>(),
    });
    std::fs::write(out.join("graph.json"), graph.to_string())?;
    let centres: Vec<_> = sites.iter().map(|s| xy(s.at)).collect();
    std::fs::write(out.join("centres.json"), json!(centres).to_string())?;
    let homes: Vec<_> = ctx.homes.iter().map(|h| json!({ "xy": xy(h.at), "households": h.households })).collect();
    std::fs::write(out.join("buildings.json"), json!(homes).to_string())?;
    let units: Vec<_> = ctx
        .units
        .iter()
        .map(|u| {
            let rings: Vec<Vec<Vec<[f64; 2]>>> = u
                .polygon
                .0
                .iter()
                .map(|p| {
                    std::iter::once(p.exterior())
                        .chain(p.interiors())
                        .map(|r| r.0.iter().map(|c| [c.x, c.y]).collect())
                        .collect()
                })
                .collect();
            json!({ "code": u.code, "polygons": rings })
        })
        .collect();
    std::fs::write(out.join("units.json"), json!(units).to_string())?;
    let report = json!({
        "budget_m": params.budget_m(), "walk_off_m": params.walk_off_m,
        "nodes": ctx.net.node_count(), "edges": ctx.net.edge_count(), "centres": sites.len(),
        "buildings": ctx.homes.len(), "units": ctx.units.len(),
        "households": total.households, "covered_households": total.covered_households,
        "covered_m2": total.covered_m2, "gap_m2": total.gap_m2,
        "median_ms": times[times.len() / 2], "runs": times.len(),
    });
    std::fs::write(out.join("wangge.json"), report.to_string())?;
    println!("{report}");
    Ok(())
}
