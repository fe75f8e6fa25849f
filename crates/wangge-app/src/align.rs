//! 多网合一: importing another department's network and the alignment report between it and our
//! grids, communities or streets ([`wangge_core::align`]), as the JSON both faces answer and as
//! CSV, an Excel workbook, or GeoJSON pieces for the map — all built from the one JSON value, so
//! every form says the same.

use crate::import::ImportError;
use geo::{Coord, Distance, Euclidean, Geometry, InteriorPoint, MultiPolygon};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::str::FromStr;
use wangge_core::align::{AlignConfig, Alignment, Home, PairClass, Side, Summary, Zone, align};
use wangge_core::feature_ref::FeatureRef;
use wangge_core::model::{Feature, Layer};
use wangge_core::problem::{Problem, Rule};
use wangge_core::snapshot::{Snapshot, as_multipolygon};
use wangge_core::validate::check_geometry;
use wangge_formats::geojson::{Parsed, geometry_to_json};
use wangge_formats::xlsx::{Cell, Table, XlsxError, write_tables};
use wangge_store::networks::NetworkWrite;
use wangge_store::plans::Author;
use wangge_store::{Db, WriteMode, WriteReport};

/// Which of our layers a network is lined up against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// 网格.
    Grid,
    /// 社区.
    Community,
    /// 街道.
    Street,
}

impl Level {
    /// The layer.
    pub fn layer(self) -> Layer {
        match self {
            Level::Grid => Layer::Grid,
            Level::Community => Layer::Community,
            Level::Street => Layer::Street,
        }
    }

    /// The name used in `level=` and `--level`.
    pub fn id(self) -> &'static str {
        self.layer().id()
    }
}

impl FromStr for Level {
    type Err = String;

    /// `grid`, `community` or `street` (or 网格, 社区, 街道).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match Layer::from_str(s) {
            Ok(Layer::Grid) => Ok(Level::Grid),
            Ok(Layer::Community) => Ok(Level::Community),
            Ok(Layer::Street) => Ok(Level::Street),
            _ => Err(s.to_string()),
        }
    }
}

/// Checks a network read from any file (in WGS 84) and writes it as the next version of `name`:
/// every feature must have an area geometry that is valid, and codes must be unique in the file;
/// no parent rules apply. All or nothing; every problem at once.
pub fn import_network(
    store: &mut dyn Db,
    name: &str,
    parsed: Parsed,
    mode: WriteMode,
    author: &Author,
    message: &str,
) -> Result<(WriteReport, i64), ImportError> {
    let mut problems = parsed.problems;
    let mut features = Vec::with_capacity(parsed.features.len());
    let mut first: HashMap<String, usize> = HashMap::new();
    for (i, f) in parsed.features {
        // An area, valid as a grid's would be: the overlay needs proper rings.
        let geometry = check_geometry(Layer::Grid, i, Some(&f.code), &f.geometry);
        if !geometry.is_empty() {
            problems.extend(geometry);
            continue;
        }
        if let Some(&k) = first.get(&f.code) {
            problems.push(Problem::new(Some(i), Some(&f.code), Rule::DuplicateCode { first: Some(k) }));
            continue;
        }
        first.insert(f.code.clone(), i);
        features.push(f);
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.index.unwrap_or(0));
        return Err(ImportError::Rejected(problems));
    }
    Ok(store.write_network(&NetworkWrite { name, features: &features, mode, author, message })?)
}

/// Our features at `level` as zones, each with the community and street it reports under.
pub fn our_zones(snapshot: &Snapshot, level: Level) -> Vec<Zone> {
    let communities = snapshot.layer(Layer::Community);
    let street_of = |community: &str| communities.get(community).and_then(|c| c.parent_code().map(str::to_string));
    snapshot
        .layer(level.layer())
        .iter()
        .map(|f| {
            let mut groups = Vec::new();
            match level {
                Level::Grid => {
                    if let Some(c) = f.parent_code() {
                        if let Some(s) = street_of(c) {
                            groups.push(("street", s));
                        }
                        groups.push(("community", c.to_string()));
                    }
                }
                Level::Community => groups.extend(f.parent_code().map(|s| ("street", s.to_string()))),
                Level::Street => {}
            }
            Zone { code: f.code().to_string(), area: as_multipolygon(&f.geometry()), groups }
        })
        .collect()
}

/// A network's features as zones.
pub fn their_zones(features: &[Feature]) -> Vec<Zone> {
    features.iter().map(|f| Zone { code: f.code.clone(), area: as_multipolygon(&f.geometry), groups: vec![] }).collect()
}

/// The buildings as points with their households (a footprint by its interior point).
pub fn homes(snapshot: &Snapshot) -> Vec<Home> {
    snapshot
        .layer(Layer::Building)
        .iter()
        .filter_map(|f| {
            let at: Coord = match &*f.geometry() {
                Geometry::Point(p) => p.0,
                g => g.interior_point()?.0,
            };
            Some(Home { at, households: f.int_attr("households").unwrap_or(0).max(0) as u64 })
        })
        .collect()
}

/// The report as JSON: `network`, `version`, `level`, `config`, `pairs`, `slivers`, `summary`
/// (`all`, and one row per street / community), `failed`.
pub fn report(
    snapshot: &Snapshot,
    level: Level,
    network: (&str, i64, &[Feature]),
    config: &AlignConfig,
) -> (Value, Alignment) {
    let (name, version, features) = network;
    let ours = our_zones(snapshot, level);
    let theirs = their_zones(features);
    let a = align(&ours, &theirs, &homes(snapshot), config);
    let our = |i: u32| snapshot.layer(level.layer()).get_at(i as usize);
    let code_name = |f: Option<FeatureRef<'_>>| {
        f.map_or((String::new(), String::new()), |f| (f.code().to_string(), f.name().to_string()))
    };
    let is_sliver: std::collections::HashSet<usize> = a.slivers.iter().map(|s| s.pair).collect();
    let pairs: Vec<Value> = a
        .pairs
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let (oc, on) = code_name(our(p.ours));
            let (tc, tn) = code_name(features.get(p.theirs as usize).map(FeatureRef::from));
            json!({
                "ours": oc, "ours_name": on, "theirs": tc, "theirs_name": tn,
                "class": p.class.id(), "sliver": is_sliver.contains(&k),
                "area_m2": round(p.area_m2, 2), "households": p.households, "buildings": p.buildings,
                "share_ours": round(p.share_ours, 6), "share_theirs": round(p.share_theirs, 6),
                "hausdorff_m": p.hausdorff_m.map(|h| round(h, 2)), "compactness": round(p.compactness, 4),
            })
        })
        .collect();
    let slivers: Vec<Value> = a
        .slivers
        .iter()
        .map(|s| {
            let p = &a.pairs[s.pair];
            let (oc, _) = code_name(our(p.ours));
            let (tc, _) = code_name(features.get(p.theirs as usize).map(FeatureRef::from));
            let snap = s.snap.map(|snap| {
                let (from, to) = match snap.side {
                    wangge_core::align::Side::Ours => (oc.clone(), code_name(our(snap.to)).0),
                    wangge_core::align::Side::Theirs => {
                        (tc.clone(), code_name(features.get(snap.to as usize).map(FeatureRef::from)).0)
                    }
                };
                json!({ "side": snap.side, "from": from, "to": to })
            });
            let draft_to = if level == Level::Grid { draft_target(snapshot, &a, s) } else { None };
            json!({
                "ours": oc, "theirs": tc, "reason": s.reason, "area_m2": round(p.area_m2, 2),
                "width_m": round(s.width_m, 2), "compactness": round(p.compactness, 4),
                "households": p.households, "buildings": p.buildings, "snap": snap, "draft_to": draft_to,
            })
        })
        .collect();
    let mut summary = serde_json::Map::new();
    summary.insert("all".into(), summary_json(&a.summary));
    for kind in ["street", "community"] {
        let layer = if kind == "street" { Layer::Street } else { Layer::Community };
        let rows: Vec<Value> = a
            .groups
            .get(kind)
            .into_iter()
            .flatten()
            .map(|(code, s)| {
                let mut v = summary_json(s);
                v["code"] = json!(code);
                v["name"] = json!(snapshot.layer(layer).get(code).map_or("", |f| f.name()));
                v
            })
            .collect();
        if a.groups.contains_key(kind) {
            summary.insert(kind.into(), Value::Array(rows));
        }
    }
    let failed: Vec<Value> = a
        .failed
        .iter()
        .map(|(o, t)| json!({ "ours": code_name(our(*o)).0, "theirs": code_name(features.get(*t as usize).map(FeatureRef::from)).0 }))
        .collect();
    let value = json!({
        "network": name, "version": version, "level": level.id(),
        "config": {
            "identical_share": config.identical_share, "thin_ratio": config.thin_ratio,
            "small_area_m2": config.small_area_m2, "small_households": config.small_households,
            "sliver_max_share": config.sliver_max_share, "split_share": config.split_share,
        },
        "pairs": pairs, "slivers": slivers, "summary": Value::Object(summary), "failed": failed,
    });
    (value, a)
}

/// How close (degrees, about a metre) a part of a piece must come to a grid to count as bordering
/// it: the overlay's pieces and the grids share edges up to rounding.
const BORDER_DEG: f64 = 1e-5;

/// The polygons of `piece` that border `area`.
pub fn touching(piece: &MultiPolygon<f64>, area: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    MultiPolygon::new(
        piece
            .0
            .iter()
            .filter(|part| area.0.iter().any(|g| Euclidean.distance(*part, g) <= BORDER_DEG))
            .cloned()
            .collect(),
    )
}

/// The grid a draft plan gives a sliver to when our boundary is snapped onto theirs: the grid the
/// report suggests when the suggestion is on our side, else the grid that shares most of their
/// feature — in either case one of the same community (moving a community boundary is a change
/// at another level) that the piece borders. `None` when there is none.
fn draft_target(snapshot: &Snapshot, a: &Alignment, s: &wangge_core::align::Sliver) -> Option<String> {
    let grids = snapshot.layer(Layer::Grid);
    let p = &a.pairs[s.pair];
    let from = grids.get_at(p.ours as usize)?;
    let mut candidates: Vec<u32> =
        s.snap.filter(|snap| snap.side == Side::Ours).map(|snap| snap.to).into_iter().collect();
    let mut partners: Vec<&wangge_core::align::Pair> =
        a.pairs.iter().filter(|q| q.theirs == p.theirs && q.ours != p.ours).collect();
    partners.sort_by(|x, y| y.area_m2.total_cmp(&x.area_m2));
    candidates.extend(partners.iter().map(|q| q.ours));
    candidates.into_iter().find_map(|i| {
        let to = grids.get_at(i as usize)?;
        let borders = to.parent_code() == from.parent_code()
            && !touching(&p.piece, &as_multipolygon(&to.geometry())).0.is_empty();
        borders.then(|| to.code().to_string())
    })
}

fn round(x: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (x * k).round() / k
}

/// One summary as JSON.
pub fn summary_json(s: &Summary) -> Value {
    let agreement = |a: &wangge_core::align::Agreement| json!({ "homogeneity": round(a.homogeneity, 6), "completeness": round(a.completeness, 6), "v_measure": round(a.v_measure, 6) });
    let mut v = json!({
        "pairs": s.classes.iter().sum::<usize>(), "slivers": s.slivers,
        "households": s.households, "households_mismatched": s.households_mismatched,
        "households_outside_network": s.households_outside_theirs,
        "area_m2": round(s.area_m2, 2), "area_mismatched_m2": round(s.area_mismatched_m2, 2),
        "by_households": agreement(&s.by_households), "by_area": agreement(&s.by_area),
    });
    for (c, n) in PairClass::ALL.iter().zip(s.classes) {
        v[c.id()] = json!(n);
    }
    v
}

/// The pieces as a GeoJSON FeatureCollection, each with its pair's figures and class.
pub fn pieces_geojson(report: &Value, alignment: &Alignment) -> Value {
    let features: Vec<Value> = alignment
        .pairs
        .iter()
        .zip(report["pairs"].as_array().into_iter().flatten())
        .filter(|(p, _)| !p.piece.0.is_empty())
        .map(|(p, props)| {
            json!({ "type": "Feature", "properties": props, "geometry": geometry_to_json(&Geometry::MultiPolygon(p.piece.clone())) })
        })
        .collect();
    json!({
        "type": "FeatureCollection", "network": report["network"], "version": report["version"],
        "level": report["level"], "summary": report["summary"]["all"], "features": features,
    })
}

/// The columns of the pairs table (CSV and the workbook's first sheet).
pub const PAIR_COLUMNS: [&str; 13] = [
    "ours",
    "ours_name",
    "theirs",
    "theirs_name",
    "class",
    "sliver",
    "area_m2",
    "households",
    "buildings",
    "share_ours",
    "share_theirs",
    "hausdorff_m",
    "compactness",
];

const SLIVER_COLUMNS: [&str; 10] =
    ["ours", "theirs", "reason", "area_m2", "width_m", "households", "buildings", "snap_side", "snap_from", "snap_to"];

const SUMMARY_COLUMNS: [&str; 20] = [
    "group",
    "code",
    "name",
    "pairs",
    "identical",
    "nested",
    "split",
    "many_to_many",
    "slivers",
    "households",
    "households_mismatched",
    "households_outside_network",
    "area_m2",
    "area_mismatched_m2",
    "v_measure_households",
    "homogeneity_households",
    "completeness_households",
    "v_measure_area",
    "homogeneity_area",
    "completeness_area",
];

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn sliver_row(s: &Value) -> Vec<Value> {
    SLIVER_COLUMNS
        .iter()
        .map(|k| match k.strip_prefix("snap_") {
            Some(field) => s["snap"][field].clone(),
            None => s[*k].clone(),
        })
        .collect()
}

fn summary_rows(report: &Value) -> Vec<Vec<Value>> {
    let row = |group: &str, s: &Value| -> Vec<Value> {
        SUMMARY_COLUMNS
            .iter()
            .map(|k| match *k {
                "group" => json!(group),
                "code" | "name" => s.get(*k).cloned().unwrap_or(Value::Null),
                _ => {
                    // `v_measure_households` is `by_households.v_measure`, and so on.
                    let measure = ["v_measure", "homogeneity", "completeness"]
                        .iter()
                        .find_map(|m| Some((*m, k.strip_prefix(m)?.strip_prefix('_')?)));
                    match measure {
                        Some((m, weight)) => s[format!("by_{weight}")][m].clone(),
                        None => s[*k].clone(),
                    }
                }
            })
            .collect()
    };
    let mut out = vec![row("all", &report["summary"]["all"])];
    for kind in ["street", "community"] {
        for s in report["summary"][kind].as_array().into_iter().flatten() {
            out.push(row(kind, s));
        }
    }
    out
}

/// The pairs as CSV (one row per pair, [`PAIR_COLUMNS`]).
pub fn pairs_csv(report: &Value) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(PAIR_COLUMNS);
    for p in report["pairs"].as_array().into_iter().flatten() {
        let _ = w.write_record(PAIR_COLUMNS.iter().map(|k| text(&p[*k])));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The report as a workbook: sheets `pairs`, `slivers` and `summary` (the whole area, then each
/// street and community).
pub fn report_xlsx(report: &Value) -> Result<Vec<u8>, XlsxError> {
    let header = |names: &[&str]| names.iter().map(|n| Cell::Text((*n).to_string())).collect::<Vec<_>>();
    let mut pairs = Table { name: "pairs".into(), rows: vec![header(&PAIR_COLUMNS)] };
    for p in report["pairs"].as_array().into_iter().flatten() {
        pairs.rows.push(PAIR_COLUMNS.iter().map(|k| Cell::from_json(&p[*k])).collect());
    }
    let mut slivers = Table { name: "slivers".into(), rows: vec![header(&SLIVER_COLUMNS)] };
    for s in report["slivers"].as_array().into_iter().flatten() {
        slivers.rows.push(sliver_row(s).iter().map(Cell::from_json).collect());
    }
    let mut summary = Table { name: "summary".into(), rows: vec![header(&SUMMARY_COLUMNS)] };
    for r in summary_rows(report) {
        summary.rows.push(r.iter().map(Cell::from_json).collect());
    }
    write_tables(&[pairs, slivers, summary])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_read_as_the_layers_they_name() {
        assert_eq!("grid".parse::<Level>(), Ok(Level::Grid));
        assert_eq!("社区".parse::<Level>(), Ok(Level::Community));
        assert_eq!("street".parse::<Level>(), Ok(Level::Street));
        assert!("building".parse::<Level>().is_err() && "x".parse::<Level>().is_err());
    }

    #[test]
    fn summary_rows_take_the_weighted_measures() {
        let s = summary_json(&Summary {
            classes: [1, 2, 3, 4],
            by_households: wangge_core::align::Agreement { homogeneity: 0.5, completeness: 1.0, v_measure: 0.6 },
            ..Summary::default()
        });
        let report = json!({ "summary": { "all": s } });
        let rows = summary_rows(&report);
        let at = |k: &str| SUMMARY_COLUMNS.iter().position(|c| *c == k).unwrap();
        assert_eq!(rows[0][at("pairs")], json!(10));
        assert_eq!(rows[0][at("v_measure_households")], json!(0.6));
        assert_eq!(rows[0][at("homogeneity_households")], json!(0.5));
        assert_eq!(rows[0][at("v_measure_area")], json!(1.0));
        assert_eq!(rows[0][at("households_mismatched")], json!(0));
        assert_eq!(rows[0][at("area_mismatched_m2")], json!(0.0));
    }
}
