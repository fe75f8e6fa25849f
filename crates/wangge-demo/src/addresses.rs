//! The demo city's illustrative addresses: door numbers placed along its real named roads.
//!
//! For each named road (interchanges, bridges, walkways and side roads left out) the door numbers
//! run from the road's west end (or south end, for a road running north–south): a door every
//! 20 m along the road's main axis, odd numbers on the left and even on the right, each set 15 m
//! off the carriageway. Each door is linked to the grid holding it and the nearest block point of
//! that grid; doors outside every grid are dropped (their numbers stay unused, as on real roads).
//! **None of these doors exists**: the names are real, the numbers and positions are made up.
//!
//! Deterministic: the same `data/` gives the same CSV bytes.

use anyhow::{Context, Result, bail};
use geo::Coord;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use wangge_core::address::AddressRecord;
use wangge_core::distance::LocalFrame;
use wangge_core::model::Layer;
use wangge_core::snapshot::Snapshot;
use wangge_formats::addresses::AddressIn;
use wangge_formats::crs::Crs;
use wangge_formats::geojson::read_features;

/// Metres between consecutive door numbers along a road (each side gets one every twice this).
const SPACING_M: f64 = 20.0;
/// Metres from the road's centre line to the door point.
const OFFSET_M: f64 = 15.0;
/// Road names that carry no doors.
const NO_DOORS: [&str; 7] = ["立交", "桥", "栈道", "步道", "通道", "辅路", "支路"];

/// Reads the demo layers and roads in `data_dir` and returns the illustrative addresses.
pub fn demo_addresses(data_dir: &Path) -> Result<Vec<AddressRecord>> {
    let mut layers = Vec::new();
    for layer in [Layer::District, Layer::Street, Layer::Community, Layer::Grid, Layer::Building] {
        let path = data_dir.join(format!("{}.geojson", layer.id()));
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let parsed = read_features(&text);
        if !parsed.problems.is_empty() {
            bail!("{} has problems", path.display());
        }
        layers.push((layer, parsed.features.into_iter().map(|(_, f)| f).collect()));
    }
    let snapshot = Snapshot::new(layers);
    let roads_path = data_dir.join("roads.geojson");
    let roads: Value = serde_json::from_str(
        &std::fs::read_to_string(&roads_path).with_context(|| format!("cannot read {}", roads_path.display()))?,
    )?;
    let mut by_name: BTreeMap<String, Vec<Vec<Coord>>> = BTreeMap::new();
    for f in roads["features"].as_array().into_iter().flatten() {
        // Ways with several names come as a list written as text ("['a', 'b']"): left out.
        let Some(name) = f["properties"]["name"].as_str().filter(|n| !n.starts_with('[')) else { continue };
        if NO_DOORS.iter().any(|w| name.contains(w)) {
            continue;
        }
        let line: Vec<Coord> = f["geometry"]["coordinates"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| Some(Coord { x: c[0].as_f64()?, y: c[1].as_f64()? }))
            .collect();
        by_name.entry(name.to_string()).or_default().push(line);
    }
    let mut inputs = Vec::new();
    for (name, lines) in &by_name {
        for (door, p) in doors_along(lines) {
            let Some(g) = snapshot.grid_owner(p) else { continue };
            let grid = snapshot.layer(Layer::Grid).feature(g as usize);
            let community = grid.parent_code().and_then(|c| snapshot.layer(Layer::Community).get(c));
            let street = community.and_then(|c| c.parent_code()).and_then(|c| snapshot.layer(Layer::Street).get(c));
            let (Some(community), Some(street)) = (community, street) else { continue };
            inputs.push(AddressIn {
                origin: format!("{name} {door}"),
                code: Some(format!("A{:06}", inputs.len() + 1)),
                address: format!("广东省深圳市福田区{}{}{name}{door}号", street.name(), community.name()),
                xy: Some((p.x, p.y)),
                road: Some(name.clone()),
                door: Some(door.to_string()),
                illustrative: true,
                ..AddressIn::default()
            });
        }
    }
    wangge_app::address::link(inputs, &snapshot, Crs::Wgs84, "demo").map_err(|p| anyhow::anyhow!(p.join("; ")))
}

/// Door numbers and points along the polylines of one road.
fn doors_along(lines: &[Vec<Coord>]) -> Vec<(u32, Coord)> {
    let Some(origin) = lines.iter().flatten().next().copied() else { return Vec::new() };
    let frame = LocalFrame::at(origin);
    let metres: Vec<Vec<Coord>> = lines.iter().map(|l| l.iter().map(|&c| frame.project(c)).collect()).collect();
    let (mut min, mut max) = (Coord { x: f64::MAX, y: f64::MAX }, Coord { x: f64::MIN, y: f64::MIN });
    for c in metres.iter().flatten() {
        (min.x, min.y, max.x, max.y) = (min.x.min(c.x), min.y.min(c.y), max.x.max(c.x), max.y.max(c.y));
    }
    let axis = if max.x - min.x >= max.y - min.y { Coord { x: 1.0, y: 0.0 } } else { Coord { x: 0.0, y: 1.0 } };
    // Samples every 5 m: (position along the axis, point, unit direction agreeing with the axis).
    let mut samples: Vec<(f64, Coord, Coord)> = Vec::new();
    for line in &metres {
        for w in line.windows(2) {
            let (a, b) = (w[0], w[1]);
            let len = ((b.x - a.x).powi(2) + (b.y - a.y).powi(2)).sqrt();
            if len < 1e-6 {
                continue;
            }
            let mut dir = Coord { x: (b.x - a.x) / len, y: (b.y - a.y) / len };
            if dir.x * axis.x + dir.y * axis.y < 0.0 {
                dir = Coord { x: -dir.x, y: -dir.y };
            }
            let steps = (len / 5.0).ceil() as usize;
            for s in 0..=steps {
                let f = s as f64 / steps as f64;
                let p = Coord { x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f };
                samples.push((p.x * axis.x + p.y * axis.y, p, dir));
            }
        }
    }
    samples.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.x.total_cmp(&b.1.x)).then(a.1.y.total_cmp(&b.1.y)));
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else { return Vec::new() };
    let (t0, t1) = (first.0, last.0);
    let mut out = Vec::new();
    let mut k = 0u32;
    while t0 + SPACING_M / 2.0 + f64::from(k) * SPACING_M <= t1 {
        let t = t0 + SPACING_M / 2.0 + f64::from(k) * SPACING_M;
        let i = samples.partition_point(|s| s.0 < t).min(samples.len() - 1);
        let (st, p, dir) = samples[i];
        if (st - t).abs() <= SPACING_M / 2.0 {
            // Odd numbers on the left of the direction of numbering, even on the right.
            let side = if k % 2 == 0 { 1.0 } else { -1.0 };
            let q = Coord { x: p.x - dir.y * OFFSET_M * side, y: p.y + dir.x * OFFSET_M * side };
            let c = frame.unproject(q);
            out.push((k + 1, Coord { x: (c.x * 1e7).round() / 1e7, y: (c.y * 1e7).round() / 1e7 }));
        }
        k += 1;
    }
    out
}

/// Writes the records as the demo CSV (`code,address,road,door,lon,lat,building,grid,illustrative`).
pub fn write_csv(records: &[AddressRecord], path: &Path) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["code", "address", "road", "door", "lon", "lat", "building", "grid", "illustrative"])?;
    for r in records {
        w.write_record([
            r.code.as_str(),
            &r.address,
            r.road.as_deref().unwrap_or(""),
            r.door.as_deref().unwrap_or(""),
            &format!("{:.7}", r.point.x),
            &format!("{:.7}", r.point.y),
            r.building.as_deref().unwrap_or(""),
            r.grid.as_deref().unwrap_or(""),
            if r.illustrative { "true" } else { "false" },
        ])?;
    }
    std::fs::write(path, w.into_inner()?).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
