//! Exports the units of grid proposals — each community's blocks with households, their polygons in a
//! local frame (metres) and the shared edges with their road length — for `benches/compare_regions.py`,
//! and times wangge's proposal on the same units: `regions_export DB OUT_DIR [RUNS] [COMMUNITY…]`.
//! Writes `OUT_DIR/units.json` (every community) and prints wangge's labels, counts and median times as
//! JSON. A missing DB is built from the demo city in `data/`; without communities, every one is used.
//! The blocks are cut only as far as the bounds need, as `wangge propose-grids` cuts them; the units
//! exported are those of the cut kept, and wangge's time is its engine time summed over every cut
//! tried (the median of the runs for each), not counting the tracing of blocks (`units_ms`).

use serde_json::json;
use std::path::Path;
use std::time::Instant;
use wangge_app::propose::{building_inputs, community_inputs, draw_on_blocks};
use wangge_core::planar::noding::degrees;
use wangge_core::propose::engine::{Params, Strategy};
use wangge_core::propose::units::Units;
use wangge_core::propose::{Drawn, Proposal, propose};

/// A proposal with the blocks it was drawn on.
struct OnUnits(Proposal, Units);

impl Drawn for OnUnits {
    fn proposal(&self) -> &Proposal {
        &self.0
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(args.len() >= 3, "usage: regions_export DB OUT_DIR [RUNS] [COMMUNITY…]");
    let (db, out) = (Path::new(&args[1]), Path::new(&args[2]));
    let runs: usize = args.get(3).map_or(Ok(5), |r| r.parse())?;
    std::fs::create_dir_all(out)?;
    wangge_app::demo::ensure_demo_db(db, Path::new(env!("CARGO_MANIFEST_DIR")).join("data").as_path())?;
    let store = wangge_store::Store::open(db)?;
    let snapshot = store.load_snapshot()?;
    let codes: Vec<String> = if args.len() > 4 {
        args[4..].to_vec()
    } else {
        snapshot.layer(wangge_core::model::Layer::Community).iter().map(|c| c.code().to_string()).collect()
    };
    let mut units_out = Vec::new();
    let mut wangge_out = Vec::new();
    for code in &codes {
        let community = community_inputs(&snapshot, code)?;
        let inputs = community.inputs();
        let buildings = building_inputs(&inputs.buildings);
        let params = Params { bounds: [300, 500], seed: 1, strategy: Strategy::Grow, grids: None };
        let (mut units_ms, mut median_ms, mut runs_done) = (0.0, 0.0, 0);
        let mut t = Instant::now();
        let drawn = draw_on_blocks(&store, &inputs, &buildings, &[], [300, 500], |units| {
            units_ms += t.elapsed().as_secs_f64() * 1000.0;
            // Timed like spopt: from the units in memory to the labels.
            let mut times = Vec::new();
            let mut last = None;
            for _ in 0..runs.max(1) {
                let t = Instant::now();
                let p = propose(units, &buildings, code, 3, params);
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                last = Some(p);
            }
            times.sort_by(f64::total_cmp);
            median_ms += times[times.len() / 2];
            runs_done = times.len();
            t = Instant::now();
            last.map(|p| OnUnits(p, units.clone())).into_iter().collect()
        })?;
        let OnUnits(p, units) = drawn.into_iter().next().ok_or_else(|| anyhow::anyhow!("{code}: nothing drawn"))?;
        let mut labels = vec![0usize; units.blocks.len()];
        for g in &p.grids {
            for &b in &g.blocks {
                labels[b] = g.seq;
            }
        }
        // Blocks in metres around the community's first vertex (equirectangular, as the core measures).
        let o = units.blocks[0].poly.shell[0];
        let m = units.metric;
        let xy = |q: [i64; 2]| [((q[0] - o[0]) as f64 * m.kx), ((q[1] - o[1]) as f64 * m.ky)];
        let blocks: Vec<_> = units
            .blocks
            .iter()
            .map(|b| {
                json!({
                    "households": b.households,
                    "rings": std::iter::once(&b.poly.shell).chain(&b.poly.holes)
                        .map(|r| r.iter().map(|q| xy(*q)).collect::<Vec<_>>()).collect::<Vec<_>>(),
                    "lonlat": degrees([b.centre[0].round() as i64, b.centre[1].round() as i64]),
                })
            })
            .collect();
        let edges: Vec<_> = units
            .adj
            .iter()
            .enumerate()
            .flat_map(|(a, list)| {
                list.iter().filter(move |(b, _)| *b > a).map(move |(b, s)| json!([a, b, s.length_m, s.road_m]))
            })
            .collect();
        units_out.push(json!({"community": code, "blocks": blocks, "edges": edges}));
        wangge_out.push(json!({
            "community": code,
            "units": units.blocks.len(),
            "households": units.households(),
            "units_ms": units_ms,
            "median_ms": median_ms,
            "runs": runs_done,
            "labels": labels,
            "grids": p.grids.len(),
        }));
    }
    std::fs::write(out.join("units.json"), json!(units_out).to_string())?;
    println!("{}", json!(wangge_out));
    Ok(())
}
