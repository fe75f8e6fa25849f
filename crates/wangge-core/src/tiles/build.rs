//! Lon/lat features → the features of one tile: projected, clipped, snapped, wound, typed.

use super::clip::{ClipBox, clip_line, clip_ring};
use super::{BUFFER, EXTENT, TileId};
use crate::feature_ref::FeatureRef;
use geo::{Coord, Geometry, LineString, Polygon};
use serde_json::Value;

/// A vertex on the tile's integer grid.
pub type Point = [i32; 2];

/// A feature's geometry in one tile.
#[derive(Debug, Clone, PartialEq)]
pub enum TileGeometry {
    /// One or more points.
    Points(Vec<Point>),
    /// One or more lines, each with at least two distinct points.
    Lines(Vec<Vec<Point>>),
    /// Polygons, each a list of rings (exterior first, then holes), rings not closed by a
    /// repeated point. Exteriors have positive area in tile coordinates (clockwise on screen),
    /// holes negative, as MVT spec v2 §4.3.4.4 requires.
    Polygons(Vec<Vec<Vec<Point>>>),
}

/// A property value with the type it is encoded with.
#[derive(Debug, Clone, PartialEq)]
pub enum PropValue {
    /// Text.
    String(String),
    /// A whole number.
    Int(i64),
    /// A number with a fraction (or a whole number too large for `i64`).
    Double(f64),
    /// true / false.
    Bool(bool),
}

/// One feature of a tile layer.
#[derive(Debug, Clone, PartialEq)]
pub struct TileFeature {
    /// Numeric id, see [`feature_id`].
    pub id: u64,
    /// Properties in order: code, name, parent_code, then the feature's attributes.
    pub props: Vec<(String, PropValue)>,
    /// Geometry in tile units.
    pub geometry: TileGeometry,
}

/// One layer of one tile.
#[derive(Debug, Clone, PartialEq)]
pub struct TileLayer {
    /// The layer's name (the wangge layer id).
    pub name: String,
    /// Units per tile edge.
    pub extent: u32,
    /// Features that have something inside the buffered tile.
    pub features: Vec<TileFeature>,
}

/// The numeric id of the feature with `code`: the code itself when it is a decimal number below
/// 2^53 (district to grid codes), so ids are exact in JavaScript and stable across publishes;
/// otherwise (17-digit building codes, text codes) a 53-bit FNV-1a hash of the code.
pub fn feature_id(code: &str) -> u64 {
    const JS_SAFE: u64 = 1 << 53;
    if !code.is_empty() && code.len() <= 16 && code.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = code.parse::<u64>() {
            if n < JS_SAFE {
                return n;
            }
        }
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in code.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h & (JS_SAFE - 1)
}

/// The properties of `f` as typed tile values: code, name, parent_code, then every attribute
/// (nulls and contact attributes left out; lists and objects as JSON text).
pub fn feature_props(f: FeatureRef<'_>) -> Vec<(String, PropValue)> {
    let attrs = f.attrs();
    let mut props = Vec::with_capacity(attrs.len() + 3);
    props.push(("code".to_string(), PropValue::String(f.code().to_string())));
    props.push(("name".to_string(), PropValue::String(f.name().to_string())));
    if let Some(p) = f.parent_code() {
        props.push(("parent_code".to_string(), PropValue::String(p.to_string())));
    }
    for (k, v) in attrs.iter() {
        // Tiles are public and cached for every caller: contact details stay out of them.
        if matches!(k, "code" | "name" | "parent_code") || crate::model::CONTACT_ATTRS.contains(&k) {
            continue;
        }
        if let Some(v) = prop_value(v) {
            props.push((k.to_string(), v));
        }
    }
    props
}

/// A JSON value as a typed tile value; `None` for null.
pub fn prop_value(v: &Value) -> Option<PropValue> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => PropValue::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => PropValue::Int(i),
            None => PropValue::Double(n.as_f64()?),
        },
        Value::String(s) => PropValue::String(s.clone()),
        other => PropValue::String(other.to_string()),
    })
}

/// The buffered tile square in tile units.
fn clip_box() -> ClipBox {
    ClipBox { min: -(BUFFER as f64), max: (EXTENT + BUFFER) as f64 }
}

/// `g` in `tile`, or `None` when nothing of it is left there.
pub fn tile_geometry(g: &Geometry<f64>, tile: TileId) -> Option<TileGeometry> {
    let b = clip_box();
    match g {
        Geometry::Point(p) => points(std::iter::once(p.0), tile, b),
        Geometry::MultiPoint(mp) => points(mp.iter().map(|p| p.0), tile, b),
        Geometry::Line(l) => lines(std::iter::once(&LineString(vec![l.start, l.end])), tile, b),
        Geometry::LineString(l) => lines(std::iter::once(l), tile, b),
        Geometry::MultiLineString(ml) => lines(ml.iter(), tile, b),
        Geometry::Polygon(p) => polygons(std::iter::once(p), tile, b),
        Geometry::MultiPolygon(mp) => polygons(mp.iter(), tile, b),
        Geometry::Rect(r) => polygons(std::iter::once(&r.to_polygon()), tile, b),
        Geometry::Triangle(t) => polygons(std::iter::once(&t.to_polygon()), tile, b),
        Geometry::GeometryCollection(_) => None,
    }
}

/// The tile features of `features` (each paired with nothing else: ids and properties come from
/// the feature itself) in `tile`.
pub fn layer_tile<'a>(name: &str, features: impl IntoIterator<Item = FeatureRef<'a>>, tile: TileId) -> TileLayer {
    let features = features
        .into_iter()
        .filter_map(|f| {
            let geometry = tile_geometry(&f.geometry(), tile)?;
            Some(TileFeature { id: feature_id(f.code()), props: feature_props(f), geometry })
        })
        .collect();
    TileLayer { name: name.to_string(), extent: EXTENT, features }
}

fn snap(p: Coord) -> Point {
    [p.x.round() as i32, p.y.round() as i32]
}

fn points(it: impl Iterator<Item = Coord>, tile: TileId, b: ClipBox) -> Option<TileGeometry> {
    let mut out: Vec<Point> = it.map(|p| tile.to_tile(p)).filter(|&p| b.contains(p)).map(snap).collect();
    out.dedup();
    (!out.is_empty()).then_some(TileGeometry::Points(out))
}

fn lines<'a>(it: impl Iterator<Item = &'a LineString<f64>>, tile: TileId, b: ClipBox) -> Option<TileGeometry> {
    let mut out = Vec::new();
    for l in it {
        let projected: Vec<Coord> = l.0.iter().map(|&p| tile.to_tile(p)).collect();
        for piece in clip_line(&projected, b) {
            let snapped = simplify_line(piece.into_iter().map(snap).collect());
            if snapped.len() >= 2 {
                out.push(snapped);
            }
        }
    }
    (!out.is_empty()).then_some(TileGeometry::Lines(out))
}

fn polygons<'a>(it: impl Iterator<Item = &'a Polygon<f64>>, tile: TileId, b: ClipBox) -> Option<TileGeometry> {
    let mut out = Vec::new();
    for poly in it {
        let Some(exterior) = ring(poly.exterior(), tile, b, true) else { continue };
        let mut rings = vec![exterior];
        rings.extend(poly.interiors().iter().filter_map(|r| ring(r, tile, b, false)));
        out.push(rings);
    }
    (!out.is_empty()).then_some(TileGeometry::Polygons(out))
}

/// One ring in tile units: clipped, snapped, without repeated or collinear vertices, wound as
/// an exterior (positive area) or a hole; `None` when it collapses.
fn ring(r: &LineString<f64>, tile: TileId, b: ClipBox, exterior: bool) -> Option<Vec<Point>> {
    let mut projected: Vec<Coord> = r.0.iter().map(|&p| tile.to_tile(p)).collect();
    if projected.len() > 1 && projected.first() == projected.last() {
        projected.pop();
    }
    let clipped = clip_ring(&projected, b);
    let mut pts = simplify_ring(clipped.into_iter().map(snap).collect());
    if pts.len() < 3 {
        return None;
    }
    let a = area2(&pts);
    if a == 0 {
        return None;
    }
    if (a > 0) != exterior {
        pts.reverse();
    }
    Some(pts)
}

/// Twice the signed area (surveyor's formula) in tile units.
pub fn area2(ring: &[Point]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, c) = (ring[i], ring[(i + 1) % n]);
            a[0] as i64 * c[1] as i64 - c[0] as i64 * a[1] as i64
        })
        .sum()
}

fn cross(a: Point, b: Point, c: Point) -> i64 {
    (b[0] - a[0]) as i64 * (c[1] - a[1]) as i64 - (b[1] - a[1]) as i64 * (c[0] - a[0]) as i64
}

/// Drops repeated vertices and vertices on the straight line between their neighbours
/// (spikes included) around a closed ring, until none is left.
fn simplify_ring(mut pts: Vec<Point>) -> Vec<Point> {
    loop {
        let before = pts.len();
        pts.dedup();
        while pts.len() > 1 && pts.first() == pts.last() {
            pts.pop();
        }
        if pts.len() < 3 {
            return pts;
        }
        let n = pts.len();
        let keep: Vec<bool> = (0..n).map(|i| cross(pts[(i + n - 1) % n], pts[i], pts[(i + 1) % n]) != 0).collect();
        let mut i = 0;
        pts.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        if pts.len() == before {
            return pts;
        }
    }
}

/// Drops repeated vertices and vertices that lie straight on, and between, their neighbours.
fn simplify_line(mut pts: Vec<Point>) -> Vec<Point> {
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let mut out: Vec<Point> = Vec::with_capacity(pts.len());
    out.push(pts[0]);
    for i in 1..pts.len() - 1 {
        let (a, b, c) = (*out.last().unwrap_or(&pts[0]), pts[i], pts[i + 1]);
        let forward = (b[0] - a[0]) as i64 * (c[0] - b[0]) as i64 + (b[1] - a[1]) as i64 * (c[1] - b[1]) as i64 > 0;
        if cross(a, b, c) != 0 || !forward {
            out.push(b);
        }
    }
    out.push(pts[pts.len() - 1]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Feature;
    use geo::{Coord, polygon};

    fn tile() -> TileId {
        TileId { z: 14, x: 13382, y: 7140 }
    }

    #[test]
    fn polygons_are_wound_per_spec_and_holes_opposite() {
        let t = tile();
        let b = t.bounds(0);
        let (x0, y0, x1, y1) = (b.min().x, b.min().y, b.max().x, b.max().y);
        let (dx, dy) = ((x1 - x0) / 4.0, (y1 - y0) / 4.0);
        // Given anticlockwise (GeoJSON's rule), the exterior comes out positive in tile units.
        let p = polygon!(
            exterior: [(x: x0 + dx, y: y0 + dy), (x: x1 - dx, y: y0 + dy), (x: x1 - dx, y: y1 - dy), (x: x0 + dx, y: y1 - dy)],
            interiors: [[(x: x0 + 1.5 * dx, y: y0 + 1.5 * dy), (x: x0 + 1.5 * dx, y: y1 - 1.5 * dy),
                (x: x1 - 1.5 * dx, y: y1 - 1.5 * dy), (x: x1 - 1.5 * dx, y: y0 + 1.5 * dy)]],
        );
        let Some(TileGeometry::Polygons(ps)) = tile_geometry(&Geometry::Polygon(p), t) else { panic!() };
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].len(), 2);
        assert!(area2(&ps[0][0]) > 0 && area2(&ps[0][1]) < 0);
        assert!(ps[0][0].contains(&[1024, 1024]) && ps[0][0].contains(&[3072, 3072]), "{:?}", ps[0][0]);
    }

    #[test]
    fn clipped_to_the_buffer_and_collapsed_rings_dropped() {
        let t = tile();
        let b = t.bounds(0);
        let (x0, y0, x1, y1) = (b.min().x, b.min().y, b.max().x, b.max().y);
        let w = x1 - x0;
        let big =
            polygon![(x: x0 - w, y: y0 - w), (x: x1 + w, y: y0 - w), (x: x1 + w, y: y1 + w), (x: x0 - w, y: y1 + w)];
        let Some(TileGeometry::Polygons(ps)) = tile_geometry(&Geometry::Polygon(big), t) else { panic!() };
        let mut r = ps[0][0].clone();
        r.sort();
        assert_eq!(r, vec![[-64, -64], [-64, 4160], [4160, -64], [4160, 4160]]);
        // Smaller than a unit: gone.
        let tiny = polygon![(x: x0 + 1e-7, y: y0 + 1e-7), (x: x0 + 2e-7, y: y0 + 1e-7), (x: x0 + 2e-7, y: y0 + 2e-7)];
        assert_eq!(tile_geometry(&Geometry::Polygon(tiny), t), None);
        // Far away: nothing.
        let far = Geometry::Point(geo::Point::new(0.0, 0.0));
        assert_eq!(tile_geometry(&far, t), None);
    }

    #[test]
    fn shared_edges_snap_identically() {
        // Two neighbours sharing a wiggly edge produce the same snapped vertices along it.
        let t = tile();
        let b = t.bounds(0);
        let (x0, y0, x1, y1) = (b.min().x, b.min().y, b.max().x, b.max().y);
        let mid: Vec<Coord> = (0..=50)
            .map(|i| {
                let f = i as f64 / 50.0;
                Coord { x: x0 + (x1 - x0) * (0.5 + 0.0001 * (i as f64 * 1.7).sin()), y: y0 + (y1 - y0) * f }
            })
            .collect();
        let mut west = vec![Coord { x: x0, y: y0 }];
        west.extend(mid.iter().copied());
        west.push(Coord { x: x0, y: y1 });
        let mut east = vec![Coord { x: x1, y: y0 }, Coord { x: x1, y: y1 }];
        east.extend(mid.iter().rev().copied());
        let get = |ring: Vec<Coord>| -> Vec<Point> {
            let Some(TileGeometry::Polygons(ps)) =
                tile_geometry(&Geometry::Polygon(Polygon::new(LineString(ring), vec![])), t)
            else {
                panic!()
            };
            ps[0][0].clone()
        };
        let (w, e) = (get(west), get(east));
        let inner = |r: &[Point]| -> std::collections::BTreeSet<Point> {
            r.iter().copied().filter(|p| p[0] > 10 && p[0] < 4086).collect()
        };
        assert_eq!(inner(&w), inner(&e));
    }

    #[test]
    fn lines_and_typed_properties() {
        let t = tile();
        let b = t.bounds(0);
        let (x0, y0, x1, y1) = (b.min().x, b.min().y, b.max().x, b.max().y);
        let ym = (y0 + y1) / 2.0;
        let l = LineString(vec![
            Coord { x: x0 - 1.0, y: ym },
            Coord { x: (x0 + x1) / 2.0, y: ym },
            Coord { x: x1 + 1.0, y: ym },
        ]);
        let Some(TileGeometry::Lines(ls)) = tile_geometry(&Geometry::LineString(l), t) else { panic!() };
        assert_eq!(ls, vec![vec![[-64, 2048], [4160, 2048]]]);
        let attrs = serde_json::json!({"households": 320, "area": 1.5, "estimated": true, "kind": "综合", "x": null});
        let f = Feature {
            code: "440304006009001".into(),
            name: "一".into(),
            parent_code: Some("440304006009".into()),
            attrs: attrs.as_object().unwrap().clone().into(),
            geometry: Geometry::Point(geo::Point::new(0.0, 0.0)),
        };
        let props = feature_props((&f).into());
        assert_eq!(props.len(), 7);
        assert_eq!(props[3], ("households".into(), PropValue::Int(320)));
        assert_eq!(props[4], ("area".into(), PropValue::Double(1.5)));
        assert_eq!(props[5], ("estimated".into(), PropValue::Bool(true)));
        assert_eq!(feature_id("440304006009001"), 440304006009001);
        let b17 = feature_id("44030400600900101");
        assert!(b17 < 1 << 53 && b17 != feature_id("44030400600900102"));
    }
}
