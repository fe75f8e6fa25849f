//! Point-in-polygon timing for the comparison with shapely (`benches/compare.sh`).
//!
//! ```text
//! cargo run --release --example point_in_polygon -- LAYER.geojson POINTS.csv OUT.csv
//! ```
//!
//! Reads a polygon layer (every feature needs a `code` property), builds an [`AreaIndex`],
//! reads points (`lon,lat` per line, an optional header line), runs `owner()` for every point
//! single-threaded five times, prints one JSON line of timings, and writes OUT.csv with one line
//! per point: the owning feature's code, or an empty line when no feature owns it.

use anyhow::{Context, Result, bail};
use geo::{Coord, MultiPolygon};
use serde_json::json;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::time::Instant;
use wangge_core::index::AreaIndex;
use wangge_core::snapshot::as_multipolygon;
use wangge_formats::geojson::read_features;

/// Timed runs over all points; the median is what gets compared.
const RUNS: usize = 5;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [layer, points, out] = args.as_slice() else {
        bail!("usage: point_in_polygon LAYER.geojson POINTS.csv OUT.csv");
    };

    let text = std::fs::read_to_string(layer).with_context(|| format!("cannot read {layer}"))?;
    let parsed = read_features(&text);
    // A dropped feature would silently turn into disagreements later, so refuse instead.
    if let Some(p) = parsed.problems.first() {
        bail!("{layer}: {} feature(s) could not be read; first: {p:?}", parsed.problems.len());
    }
    let codes: Vec<String> = parsed.features.iter().map(|(_, f)| f.code.clone()).collect();
    let areas: Vec<MultiPolygon<f64>> = parsed.features.iter().map(|(_, f)| as_multipolygon(&f.geometry)).collect();
    drop(text);

    let started = Instant::now();
    let index = AreaIndex::new(&areas);
    let build_s = started.elapsed().as_secs_f64();

    let points = read_points(points)?;
    let mut owners: Vec<Option<u32>> = vec![None; points.len()];
    let mut runs_s = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        for (slot, &p) in owners.iter_mut().zip(&points) {
            *slot = index.owner(black_box(p));
        }
        black_box(&owners);
        runs_s.push(started.elapsed().as_secs_f64());
    }
    let mut sorted = runs_s.clone();
    sorted.sort_by(f64::total_cmp);
    let median_s = sorted[RUNS / 2];

    let mut w = BufWriter::new(std::fs::File::create(out).with_context(|| format!("cannot create {out}"))?);
    for owner in &owners {
        match owner {
            Some(id) => writeln!(w, "{}", codes[*id as usize])?,
            None => writeln!(w)?,
        }
    }
    w.flush()?;

    println!(
        "{}",
        json!({
            "engine": "wangge",
            "points": points.len(),
            "build_s": build_s,
            "runs_s": runs_s,
            "median_s": median_s,
            "points_per_s": points.len() as f64 / median_s,
        })
    );
    Ok(())
}

/// Reads `lon,lat` lines. A first line that does not parse as numbers is taken for a header.
fn read_points(path: &str) -> Result<Vec<Coord>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    let mut points = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parsed = line.split_once(',').and_then(|(x, y)| Some((x.trim().parse().ok()?, y.trim().parse().ok()?)));
        match parsed {
            Some((x, y)) => points.push(Coord { x, y }),
            None if n == 0 => continue,
            None => bail!("{path} line {}: expected lon,lat, found {line:?}", n + 1),
        }
    }
    Ok(points)
}
