//! Address use-cases shared by the HTTP API and the CLI: importing (linking each address to its
//! building and grid), geocoding to JSON, reverse geocoding, and CSV batches with a per-row status.

use geo::{Centroid, Coord};
use serde_json::{Value, json};
use wangge_core::address::gazetteer::{Hierarchy, Named};
use wangge_core::address::normalize::normalize;
use wangge_core::address::parse::{NoVocabulary, parse};
use wangge_core::address::{AddressRecord, Candidate, Gazetteer, MatchLevel, SearchResult};
use wangge_core::distance::geodesic_metres;
use wangge_core::model::Layer;
use wangge_core::snapshot::Snapshot;
use wangge_formats::addresses::AddressIn;
use wangge_formats::crs::Crs;
use wangge_text::Lang;

/// Two candidates whose scores differ by no more than this are too close to choose between: the
/// batch status is `ambiguous`.
pub const AMBIGUITY_MARGIN: f64 = 0.05;

/// Below this score the best candidate is not trusted: the batch status is `not_found`.
pub const MIN_SCORE: f64 = 0.5;

/// An address is linked to the nearest building of its grid within this distance.
const BUILDING_RADIUS_M: f64 = 300.0;

/// Places each input: converts its coordinates to WGS 84 (or takes its building's point), links
/// it to the nearest building in the same grid and to the grid, and splits road and door out of
/// the text when the input did not give them. Every bad row is reported, and then none is kept.
pub fn link(
    inputs: Vec<AddressIn>,
    snapshot: &Snapshot,
    crs: Crs,
    source: &str,
) -> Result<Vec<AddressRecord>, Vec<String>> {
    let buildings = snapshot.layer(Layer::Building);
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(inputs.len());
    for (i, a) in inputs.into_iter().enumerate() {
        let point = match (a.xy, &a.building) {
            (Some((x, y)), _) => match a.crs.unwrap_or(crs).to_wgs84(Coord { x, y }) {
                Ok(c) if (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y) => c,
                Ok(_) => {
                    problems.push(format!("{}: ({x}, {y}) is outside longitude/latitude range", a.origin));
                    continue;
                }
                Err(e) => {
                    problems.push(format!("{}: {e}", a.origin));
                    continue;
                }
            },
            (None, Some(code)) => match buildings.get(code).and_then(|b| b.geometry().centroid()) {
                Some(p) => p.0,
                None => {
                    problems.push(format!("{}: unknown building {code}", a.origin));
                    continue;
                }
            },
            (None, None) => {
                problems.push(format!("{}: no coordinates and no building", a.origin));
                continue;
            }
        };
        let grid =
            snapshot.grid_owner(point).map(|g| snapshot.layer(Layer::Grid).feature(g as usize).code().to_string());
        let building = a.building.clone().or_else(|| nearest_building(snapshot, point, grid.as_deref()));
        let parsed =
            (a.road.is_none() || a.door.is_none()).then(|| parse(&normalize(&a.address), &NoVocabulary::default()));
        let pick = |given: Option<String>, found: Option<&Option<String>>| given.or_else(|| found.cloned().flatten());
        out.push(AddressRecord {
            code: a.code.unwrap_or_else(|| format!("{source}:{}", i + 1)),
            road: pick(a.road, parsed.as_ref().map(|p| &p.road)),
            door: pick(a.door, parsed.as_ref().map(|p| &p.door)),
            estate: pick(a.estate, parsed.as_ref().map(|p| &p.estate)),
            address: a.address,
            point,
            building,
            grid,
            source: source.to_string(),
            illustrative: a.illustrative,
        });
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

fn nearest_building(snapshot: &Snapshot, p: Coord, grid: Option<&str>) -> Option<String> {
    let grid = grid?;
    snapshot
        .layer(Layer::Building)
        .iter()
        .filter(|b| b.parent_code() == Some(grid))
        .filter_map(|b| b.geometry().centroid().map(|c| (b, geodesic_metres(p, c.0))))
        .filter(|(_, d)| *d <= BUILDING_RADIUS_M)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(b, _)| b.code().to_string())
}

fn named(n: &Option<Named>) -> Value {
    n.as_ref().map_or(Value::Null, |n| json!({ "code": &*n.code, "name": &*n.name }))
}

/// An address's place as JSON: point, building and hierarchy, shared by forward and reverse answers.
fn place_json(point: Coord, building: Option<&str>, h: &Hierarchy) -> serde_json::Map<String, Value> {
    let v = json!({
        "point": { "lon": point.x, "lat": point.y },
        "building": building,
        "grid": named(&h.grid),
        "community": named(&h.community),
        "street": named(&h.street),
        "district": named(&h.district),
    });
    match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// One candidate as JSON.
pub fn candidate_json(c: &Candidate<'_>) -> Value {
    let h: &Hierarchy = &c.hierarchy;
    let mut out = serde_json::Map::new();
    out.insert("address".into(), json!(c.address));
    out.insert("score".into(), json!(c.score));
    out.insert("level".into(), json!(c.level));
    out.extend(place_json(c.point, c.building, h));
    // A road, estate or division is wider than the one grid at its point: the grids it spans.
    if c.level != MatchLevel::Door && c.level != MatchLevel::Building {
        let grids: Vec<Value> = c.grids.iter().map(|g| json!({ "code": &*g.code, "name": &*g.name })).collect();
        out.insert("grids".into(), Value::Array(grids));
    }
    Value::Object(out)
}

/// The answer to `GET /api/v1/geocode/suggest`: names that start with the query, for type-ahead.
pub fn suggest_json(g: &Gazetteer, query: &str, limit: usize) -> Value {
    let suggestions: Vec<Value> = g
        .suggest(query, limit)
        .into_iter()
        .map(|s| json!({ "name": s.name, "level": s.level, "addresses": s.addresses }))
        .collect();
    json!({ "query": query, "suggestions": suggestions })
}

/// The answer to `GET /api/v1/geocode`.
pub fn geocode_json(query: &str, r: &SearchResult<'_>) -> Value {
    json!({
        "query": query,
        "normalized": r.normalized,
        "parsed": r.parsed,
        "candidates": r.candidates.iter().map(candidate_json).collect::<Vec<_>>(),
    })
}

/// The nearest addresses to a WGS 84 point, as JSON with distances.
pub fn reverse_json(g: &Gazetteer, p: Coord, limit: usize) -> Value {
    let candidates: Vec<Value> = g
        .reverse()
        .nearest(p, limit)
        .into_iter()
        .map(|(id, metres)| {
            let e = g.entry(id);
            let h = g.hierarchy(e.place);
            let mut out = serde_json::Map::new();
            out.insert("address".into(), json!(e.address));
            out.insert("distance_m".into(), json!((metres * 100.0).round() / 100.0));
            out.extend(place_json(e.point, e.building.as_deref(), &h));
            out.insert("illustrative".into(), json!(e.illustrative));
            Value::Object(out)
        })
        .collect();
    json!({ "point": { "lon": p.x, "lat": p.y }, "candidates": candidates })
}

/// The status of one geocoded row.
pub fn status(candidates: &[Candidate<'_>]) -> &'static str {
    match candidates {
        [] => "not_found",
        [best, ..] if best.score < MIN_SCORE => "not_found",
        [best, second, ..] if best.score - second.score <= AMBIGUITY_MARGIN => "ambiguous",
        _ => "matched",
    }
}

/// The headers a batch's address column may have (compared trimmed, in any case): the CSV batch
/// and the workbook batch ([`crate::geocode_xlsx`]) take the first column so named.
pub const ADDRESS_HEADERS: [&str; 4] = ["address", "地址", "详细地址", "q"];

/// Queries of a batch: CSV with an `address` (or `q`, `地址`, `详细地址`) column and an optional `id` column.
pub fn batch_queries(body: &[u8], lang: Lang) -> Result<Vec<(String, String)>, String> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(body);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("CSV: {e}"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let Some(q) = col(&ADDRESS_HEADERS) else {
        return Err(lang.pick("CSV 需要 address 列", "CSV needs an address column").to_string());
    };
    let id = col(&["id", "code"]);
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| format!("CSV {} {}: {e}", lang.pick("第几行", "row"), i + 2))?;
        let id = id.and_then(|c| rec.get(c)).map_or_else(|| (i + 1).to_string(), str::to_string);
        out.push((id, rec.get(q).unwrap_or("").to_string()));
    }
    Ok(out)
}

/// Header of a batch answer.
pub const BATCH_HEADER: [&str; 14] = [
    "id",
    "query",
    "status",
    "score",
    "level",
    "address",
    "lon",
    "lat",
    "building",
    "grid_code",
    "grid_name",
    "community",
    "street",
    "district",
];

/// Geocodes one batch row into the CSV fields of [`BATCH_HEADER`].
pub fn batch_row(g: &Gazetteer, id: &str, query: &str) -> Vec<String> {
    let r = g.search(query, 2);
    let mut row = vec![id.to_string(), query.to_string(), status(&r.candidates).to_string()];
    match r.candidates.first() {
        Some(c) => {
            let h = &c.hierarchy;
            let name = |n: &Option<Named>| n.as_ref().map_or(String::new(), |n| n.name.to_string());
            row.extend([
                c.score.to_string(),
                serde_json::to_value(c.level).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
                c.address.clone(),
                format!("{:.7}", c.point.x),
                format!("{:.7}", c.point.y),
                c.building.unwrap_or("").to_string(),
                h.grid.as_ref().map_or(String::new(), |g| g.code.to_string()),
                name(&h.grid),
                name(&h.community),
                name(&h.street),
                name(&h.district),
            ]);
        }
        None => row.extend(std::iter::repeat_n(String::new(), BATCH_HEADER.len() - 3)),
    }
    row
}

/// Writes batch rows as CSV text.
pub fn batch_csv(rows: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(BATCH_HEADER);
    for r in rows {
        let _ = w.write_record(r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
