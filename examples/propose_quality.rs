//! Measures the quality of grid proposals over every community of a database (the demo city by
//! default): for each community its households, blocks, the largest block, and for each alternative
//! the grids, how many are within the bounds and the time to draw it.
//! `propose_quality DB [ALTERNATIVES] [MIN MAX]` — a missing DB is built from the demo city in `data/`.
//! Alternatives are drawn as `wangge propose-grids` draws them, community `n` (0-based) with seed `n`,
//! so the totals match the end-to-end test's measure.

use std::path::Path;
use std::time::Instant;
use wangge_app::propose::{building_inputs, community_inputs, draw_on_blocks};
use wangge_core::propose::alternatives;
use wangge_core::propose::engine::feasible_counts;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(args.len() >= 2, "usage: propose_quality DB [ALTERNATIVES] [MIN MAX]");
    let db = Path::new(&args[1]);
    let count: usize = args.get(2).map_or(Ok(2), |a| a.parse())?;
    let lo: u64 = args.get(3).map_or(Ok(300), |a| a.parse())?;
    let hi: u64 = args.get(4).map_or(Ok(500), |a| a.parse())?;
    wangge_app::demo::ensure_demo_db(db, Path::new(env!("CARGO_MANIFEST_DIR")).join("data").as_path())?;
    let store = wangge_store::Store::open(db)?;
    let snapshot = store.load_snapshot()?;
    let codes: Vec<String> =
        snapshot.layer(wangge_core::model::Layer::Community).iter().map(|c| c.code().to_string()).collect();
    let (mut within, mut grids, mut over_blocks, mut ms_total) = (0, 0, 0, 0.0);
    // Means over the alternatives: Polsby–Popper, boundary on roads; and the lowest road share.
    let (mut pp_sum, mut road_sum, mut road_min, mut drawn) = (0.0, 0.0, f64::INFINITY, 0u32);
    println!("community     hh  blocks  maxblock  feasible  alternatives (within/grids, ms)");
    for (n, code) in codes.iter().enumerate() {
        let community = community_inputs(&snapshot, code)?;
        let inputs = community.inputs();
        let buildings = building_inputs(&inputs.buildings);
        // Engine time summed over the block cuts tried (the tracing of blocks is not counted).
        let (mut ms, mut levels, mut blocks, mut max_block, mut big, mut households) = (0.0, 0, 0, 0, 0, 0);
        let props = draw_on_blocks(&store, &inputs, &buildings, &[], [lo, hi], |units| {
            let t = Instant::now();
            let props = alternatives(units, &buildings, code, 3, [lo, hi], n as u64, count);
            ms += t.elapsed().as_secs_f64() * 1000.0;
            levels += 1;
            blocks = units.blocks.len();
            max_block = units.blocks.iter().map(|b| b.households).max().unwrap_or(0);
            big = units.blocks.iter().filter(|b| b.households > hi).count();
            households = units.households();
            props
        })?;
        ms_total += ms;
        over_blocks += big;
        if std::env::var_os("VERBOSE").is_some() {
            for p in &props {
                let hh: Vec<u64> = p.grids.iter().map(|g| g.households).collect();
                println!("  {:?} {hh:?} cut {} {:?}", p.params.strategy, p.metrics.blocks_cut, p.infeasible);
            }
        }
        let cells: Vec<String> = props
            .iter()
            .map(|p| {
                within += p.metrics.within_bounds;
                grids += p.metrics.grids;
                pp_sum += p.metrics.mean_polsby_popper;
                road_sum += p.metrics.boundary_on_roads_pct;
                road_min = road_min.min(p.metrics.boundary_on_roads_pct);
                drawn += 1;
                format!(
                    "{}/{} pp {:.2} road {:.0}%",
                    p.metrics.within_bounds,
                    p.metrics.grids,
                    p.metrics.mean_polsby_popper,
                    p.metrics.boundary_on_roads_pct
                )
            })
            .collect();
        println!(
            "{code} {:5} {:6} {:9} {:>9} {} ({ms:.0} ms, {levels} cut level(s)){}",
            households,
            blocks,
            max_block,
            !feasible_counts(households, [lo, hi]).is_empty(),
            cells.join("  "),
            if big > 0 { format!(" [{big} block(s) > {hi}]") } else { String::new() }
        );
    }
    println!(
        "total: {within}/{grids} grids within {lo}-{hi} ({:.1} %), {over_blocks} blocks over {hi}, {ms_total:.0} ms",
        100.0 * within as f64 / grids.max(1) as f64
    );
    let n = f64::from(drawn.max(1));
    println!(
        "means over {drawn} alternatives: Polsby-Popper {:.3}, boundary on roads {:.1} % (lowest {road_min:.0} %)",
        pp_sum / n,
        road_sum / n
    );
    Ok(())
}
