//! Exports one alignment problem — our zones, their network, the building points with households,
//! as GeoJSON in WGS 84 — for `benches/compare_align.py`, and times wangge's core report on it:
//! `align_export demo DB OUT_DIR [RUNS]` (the demo's grids against `data/networks/police.geojson`)
//! or `align_export synthetic N OUT_DIR [RUNS]` (N grids of 100 m against a copy shifted 20 m east
//! and 10 m north, one building a grid). Prints the answer and the median time as JSON.

use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Instant;
use wangge_core::align::{AlignConfig, Home, Zone, align};
use wangge_core::distance::METRES_PER_DEGREE;
use wangge_formats::geojson::geometry_to_json;

fn zones_json(zones: &[Zone]) -> Value {
    let features: Vec<Value> = zones
        .iter()
        .map(|z| json!({"type": "Feature", "properties": {"code": z.code}, "geometry": geometry_to_json(&Geometry::MultiPolygon(z.area.clone()))}))
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

fn homes_json(homes: &[Home]) -> Value {
    let features: Vec<Value> = homes
        .iter()
        .map(|h| json!({"type": "Feature", "properties": {"households": h.households}, "geometry": {"type": "Point", "coordinates": [h.at.x, h.at.y]}}))
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

/// `n` square grids of 100 m in rows of 400, and the same shifted by (dx, dy) metres.
fn synthetic(n: usize, dx: f64, dy: f64) -> (Vec<Zone>, Vec<Zone>, Vec<Home>) {
    let (lon0, lat0): (f64, f64) = (113.9, 22.5);
    let kx = METRES_PER_DEGREE * lat0.to_radians().cos();
    let square = |x: f64, y: f64| {
        let (a, b, c, d) = (
            lon0 + x / kx,
            lat0 + y / METRES_PER_DEGREE,
            lon0 + (x + 100.0) / kx,
            lat0 + (y + 100.0) / METRES_PER_DEGREE,
        );
        MultiPolygon::new(vec![Polygon::new(LineString::from(vec![(a, b), (c, b), (c, d), (a, d), (a, b)]), vec![])])
    };
    let cols = 400;
    let (mut ours, mut theirs, mut homes) = (Vec::new(), Vec::new(), Vec::new());
    let mut seed: u64 = 42;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    for i in 0..n {
        let (x, y) = ((i % cols) as f64 * 100.0, (i / cols) as f64 * 100.0);
        ours.push(Zone {
            code: format!("G{i:06}"),
            area: square(x, y),
            groups: vec![("community", format!("C{}", i / 40))],
        });
        theirs.push(Zone { code: format!("P{i:06}"), area: square(x + dx, y + dy), groups: vec![] });
        let (bx, by) = (x + 1.0 + 98.0 * next(), y + 1.0 + 98.0 * next());
        homes.push(Home {
            at: Coord { x: lon0 + bx / kx, y: lat0 + by / METRES_PER_DEGREE },
            households: 1 + (next() * 200.0) as u64,
        });
    }
    (ours, theirs, homes)
}

fn demo(db: &Path) -> anyhow::Result<(Vec<Zone>, Vec<Zone>, Vec<Home>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    wangge_app::demo::ensure_demo_db(db, root.join("data").as_path())?;
    let snapshot = wangge_store::Store::open(db)?.load_snapshot()?;
    let text = std::fs::read_to_string(root.join("data/networks/police.geojson"))?;
    let parsed = wangge_formats::geojson::read_features(&text);
    anyhow::ensure!(parsed.problems.is_empty(), "police.geojson: {:?}", parsed.problems);
    let features: Vec<_> = parsed.features.into_iter().map(|(_, f)| f).collect();
    let ours = wangge_app::align::our_zones(&snapshot, wangge_app::align::Level::Grid);
    Ok((ours, wangge_app::align::their_zones(&features), wangge_app::align::homes(&snapshot)))
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(
        args.len() >= 4,
        "usage: align_export demo DB OUT_DIR [RUNS] | align_export synthetic N OUT_DIR [RUNS]"
    );
    let out = Path::new(&args[3]);
    let runs: usize = args.get(4).map_or(Ok(3), |r| r.parse())?;
    std::fs::create_dir_all(out)?;
    let (ours, theirs, homes) = match args[1].as_str() {
        "demo" => demo(Path::new(&args[2]))?,
        "synthetic" => synthetic(args[2].parse()?, 20.0, 10.0),
        other => anyhow::bail!("unknown problem {other}"),
    };
    std::fs::write(out.join("ours.geojson"), zones_json(&ours).to_string())?;
    std::fs::write(out.join("theirs.geojson"), zones_json(&theirs).to_string())?;
    std::fs::write(out.join("homes.geojson"), homes_json(&homes).to_string())?;
    let mut times = Vec::new();
    let mut answer = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let a = align(&ours, &theirs, &homes, &AlignConfig::default());
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        answer = Some(a);
    }
    times.sort_by(f64::total_cmp);
    let a = answer.expect("at least one run");
    let placed: u64 = a.pairs.iter().map(|p| p.households).sum();
    println!(
        "{}",
        json!({
            "ours": ours.len(), "theirs": theirs.len(), "homes": homes.len(),
            "pairs": a.pairs.iter().filter(|p| p.area_m2 > 0.0).count(), "slivers": a.slivers.len(), "failed": a.failed.len(),
            "area_m2": a.summary.area_m2, "households_in_pieces": placed,
            "v_measure_area": a.summary.by_area.v_measure,
            "median_ms": times[times.len() / 2], "runs": times.len(),
        })
    );
    Ok(())
}
