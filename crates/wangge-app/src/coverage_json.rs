//! Coverage as JSON: service circles and gaps as GeoJSON features (lon/lat), statistics rows, and
//! suggestions — the shapes the HTTP API serves and the CLI writes.

use geo::{Geometry, MultiPolygon};
use serde_json::{Value, json};
use wangge_core::coverage::{CircleExcess, Context, Coverage, Mode, Pick, Stat, serve_site};
use wangge_core::isochrone::to_lonlat;

fn round(v: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (v * k).round() / k
}

fn geometry(ctx: &Context, mp: &MultiPolygon<f64>) -> Value {
    let ll = to_lonlat(&ctx.net.frame(), mp);
    let g = geojson::Geometry::from(&Geometry::MultiPolygon(ll));
    serde_json::to_value(g).unwrap_or(Value::Null)
}

/// The parameters echoed in every answer.
pub fn params_json(kind: &str, cov: &Coverage) -> Value {
    let p = cov.params;
    json!({
        "kind": kind, "minutes": p.minutes, "speed_kmh": p.speed_kmh,
        "mode": if p.mode == Mode::Network { "network" } else { "circle" },
        "distance_m": round(p.budget_m(), 1), "walk_off_m": p.walk_off_m,
    })
}

/// One GeoJSON feature per centre: its service circle (isochrone or circle).
pub fn circle_features(ctx: &Context, kind: &str, cov: &Coverage) -> Vec<Value> {
    cov.centres
        .iter()
        .map(|c| {
            let households: u64 = c.homes.iter().map(|&(h, _)| ctx.homes[h as usize].households).sum();
            let area: f64 = geo::Area::unsigned_area(&c.polygon);
            json!({
                "type": "Feature",
                "id": c.site.code,
                "properties": {
                    "layer": "coverage_circle", "code": c.site.code, "name": c.site.name, "kind": kind,
                    "minutes": cov.params.minutes,
                    "households": households, "buildings": c.homes.len(), "area_m2": round(area, 1),
                    "off_network_m": c.snapped.map(|s| round(s.off_m, 1)),
                },
                "geometry": geometry(ctx, &c.polygon),
            })
        })
        .collect()
}

/// One GeoJSON feature per unit with a gap: the unit minus the union of service areas.
pub fn gap_features(ctx: &Context, cov: &Coverage) -> Vec<Value> {
    ctx.units
        .iter()
        .zip(&cov.units)
        .filter(|(_, c)| c.gap_m2 > 0.01)
        .map(|(u, c)| {
            let level = |i: usize| u.levels[i].as_ref().map(|(code, _)| code.clone());
            let uncovered: u64 = ctx
                .homes
                .iter()
                .enumerate()
                .filter(|(h, home)| {
                    home.unit.is_some_and(|x| ctx.units[x as usize].code == u.code) && !cov.is_covered(*h as u32)
                })
                .map(|(_, home)| home.households)
                .sum();
            json!({
                "type": "Feature",
                "id": format!("gap-{}", u.code),
                "properties": {
                    "layer": "coverage_gap", "unit": u.code, "name": u.name,
                    "grid": level(0), "community": level(1), "street": level(2), "district": level(3),
                    "gap_m2": round(c.gap_m2, 1), "area_m2": round(u.area_m2, 1),
                    "uncovered_households": uncovered,
                },
                "geometry": geometry(ctx, &c.gap),
            })
        })
        .collect()
}

/// A statistics row; `with_buildings` adds the list of uncovered buildings.
pub fn stat_json(ctx: &Context, s: &Stat, with_buildings: bool) -> Value {
    let mut v = json!({
        "code": s.code, "name": s.name,
        "area_m2": round(s.area_m2, 1), "covered_m2": round(s.covered_m2, 1), "gap_m2": round(s.gap_m2, 1),
        "covered_area_pct": round(s.covered_area_pct(), 2),
        "households": s.households, "covered_households": s.covered_households,
        "covered_households_pct": round(s.covered_households_pct(), 2),
        "uncovered_households": s.uncovered_households(),
        "buildings": s.buildings, "covered_buildings": s.covered_buildings,
    });
    if with_buildings {
        v["uncovered_buildings"] = s
            .uncovered
            .iter()
            .map(|&h| {
                let home = &ctx.homes[h as usize];
                json!({ "code": home.code, "name": home.name, "households": home.households,
                        "estimated": home.estimated, "lon": home.at.x, "lat": home.at.y })
            })
            .collect();
    }
    v
}

/// The straight-line circles' excess over the network.
pub fn excess_json(e: &CircleExcess) -> Value {
    json!({ "area_m2": round(e.area_m2, 1), "households": e.households, "buildings": e.buildings })
}

/// The greedy picks, with cumulative households.
pub fn picks_json(ctx: &Context, picks: &[Pick]) -> Vec<Value> {
    let mut cumulative = 0;
    picks
        .iter()
        .enumerate()
        .map(|(rank, p)| {
            cumulative += p.gain_households;
            json!({
                "rank": rank + 1, "candidate": p.candidate, "code": p.site.code, "name": p.site.name,
                "lon": p.site.at.x, "lat": p.site.at.y,
                "gain_households": p.gain_households, "gain_buildings": p.homes.len(),
                "cumulative_households": cumulative,
                "buildings": p.homes.iter().map(|&h| ctx.homes[h as usize].code.clone()).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// Adds to each pick (in `picks_json` order) what a person needs to judge it: the nearest address
/// (`address`), the community it lies in (`community`) and its own walking area (`walk_area`, a
/// GeoJSON geometry) — a candidate's code ("街区 00015") says nothing on the ground.
pub fn describe_picks(
    ctx: &Context,
    cov: &Coverage,
    snapshot: &wangge_core::snapshot::Snapshot,
    picks: &[Pick],
    out: &mut [Value],
) {
    let mut walker = wangge_core::network::Walker::new(&ctx.net);
    for (p, v) in picks.iter().zip(out.iter_mut()) {
        let served = serve_site(ctx, &mut walker, p.site.clone(), &cov.params);
        v["walk_area"] = geometry(ctx, &served.polygon);
        let at = snapshot.lookup(p.site.at);
        v["community"] = at.community.map_or(Value::Null, |c| json!({ "code": c.code(), "name": c.name() }));
        let g = snapshot.addresses();
        v["address"] = g.reverse().nearest(p.site.at, 1).first().map_or(
            Value::Null,
            |&(id, metres)| json!({ "text": g.entry(id).address, "distance_m": round(metres, 1) }),
        );
    }
}
