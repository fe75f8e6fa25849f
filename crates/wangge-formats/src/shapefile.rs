//! ESRI Shapefiles in and out: geometry in `.shp`/`.shx` (the `shapefile` crate), attributes in
//! `.dbf` ([`super::dbf`]), coordinate system in `.prj` (ESRI WKT), text encoding in `.cpg`.
//!
//! Encoding on import: `--encoding` if given; else the `.cpg`; else the `.dbf` header's language
//! driver (GBK for 0x4D/0x7A); else the records are tried as strict UTF-8 and, if that fails, as
//! GBK; if neither decodes cleanly the import stops and asks for `--encoding`. What was used is
//! reported. Exports are UTF-8 with a `.cpg` unless GBK is asked for.

use crate::crs::Crs;
use crate::crs::prj;
use crate::dbf::{self, Field};
use crate::formats::{FileError, FileRead, Note, sibling};
use encoding_rs::Encoding;
use geo::orient::{Direction, Orient};
use geo::{Area, Contains, Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde_json::{Map, Value};
use shapefile::{PolygonRing, Shape};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use wangge_core::model::Feature;
use wangge_core::problem::{Problem, Rule};

/// Columns that carry a feature's identity, with the 10-byte names dBase cuts them to.
const IDENTITY: [(&str, &str); 3] = [("code", "code"), ("name", "name"), ("parent_code", "parent_cod")];

/// The encoding a name such as `GBK`, `CP936`, `UTF-8` or `936` stands for.
pub fn encoding_named(name: &str) -> Option<&'static Encoding> {
    let t = name.trim().trim_start_matches('\u{feff}').to_ascii_uppercase();
    match t.as_str() {
        "UTF-8" | "UTF8" | "65001" => Some(encoding_rs::UTF_8),
        "GBK" | "CP936" | "936" | "GB2312" | "GB18030" | "EUC-CN" => {
            Some(if t == "GB18030" { encoding_rs::GB18030 } else { encoding_rs::GBK })
        }
        _ => Encoding::for_label(t.as_bytes()),
    }
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, FileError> {
    std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            FileError::Missing { path: path.to_path_buf() }
        } else {
            FileError::Corrupt { path: path.to_path_buf(), record: None, detail: e.to_string() }
        }
    })
}

/// Decides the `.dbf`'s encoding; the note says how.
fn choose_encoding(
    shp: &Path,
    dbf_path: &Path,
    dbf_bytes: &[u8],
    asked: Option<&str>,
) -> Result<(&'static Encoding, Note), FileError> {
    if let Some(name) = asked {
        let e = encoding_named(name).ok_or_else(|| FileError::Encoding {
            path: dbf_path.to_path_buf(),
            detail: format!("--encoding {name} is not an encoding"),
        })?;
        return Ok((
            e,
            Note::new(
                format!("文字编码：{}（--encoding 指定）", e.name()),
                format!("text encoding: {} (from --encoding)", e.name()),
            ),
        ));
    }
    if let Some(cpg) = sibling(shp, "cpg") {
        let label = std::fs::read_to_string(&cpg).unwrap_or_default();
        let e = encoding_named(&label).ok_or_else(|| FileError::Encoding {
            path: cpg.clone(),
            detail: format!("unknown code page '{}'", label.trim()),
        })?;
        return Ok((
            e,
            Note::new(
                format!("文字编码：{}（.cpg 为 {}）", e.name(), label.trim()),
                format!("text encoding: {} (.cpg says {})", e.name(), label.trim()),
            ),
        ));
    }
    if let Some(e) = dbf::ldid(dbf_bytes).and_then(dbf::ldid_encoding) {
        return Ok((
            e,
            Note::new(
                format!("文字编码：{}（无 .cpg，按 .dbf 头部语言标记）", e.name()),
                format!("text encoding: {} (no .cpg; from the .dbf language driver)", e.name()),
            ),
        ));
    }
    if dbf::records_are_utf8(dbf_bytes) {
        return Ok((
            encoding_rs::UTF_8,
            Note::new(
                "文字编码：UTF-8（无 .cpg，内容是有效的 UTF-8）",
                "text encoding: UTF-8 (no .cpg; the text is valid UTF-8)",
            ),
        ));
    }
    if dbf::records_decode(dbf_bytes, encoding_rs::GBK) {
        return Ok((
            encoding_rs::GBK,
            Note::new(
                "文字编码：GBK（无 .cpg，内容不是 UTF-8，按 GBK 读取）",
                "text encoding: GBK (no .cpg; the text is not UTF-8, read as GBK)",
            ),
        ));
    }
    Err(FileError::Encoding {
        path: dbf_path.to_path_buf(),
        detail: "no .cpg, and the text is neither UTF-8 nor GBK".into(),
    })
}

/// Reads a Shapefile: every record's geometry (in the file's CRS) and attributes.
pub fn read(shp: &Path, encoding: Option<&str>) -> Result<FileRead, FileError> {
    let shp_bytes = read_bytes(shp)?;
    let dbf_path = sibling(shp, "dbf").ok_or_else(|| FileError::Missing { path: shp.with_extension("dbf") })?;
    let dbf_bytes = read_bytes(&dbf_path)?;
    let (enc, note) = choose_encoding(shp, &dbf_path, &dbf_bytes, encoding)?;
    let mut notes = vec![note];
    let table = dbf::read(&dbf_bytes, enc).map_err(|e| FileError::Corrupt {
        path: dbf_path.clone(),
        record: e.record,
        detail: e.detail,
    })?;

    let corrupt =
        |record: Option<usize>, detail: String| FileError::Corrupt { path: shp.to_path_buf(), record, detail };
    let mut reader = shapefile::ShapeReader::new(Cursor::new(shp_bytes)).map_err(|e| corrupt(None, e.to_string()))?;
    let mut shapes = Vec::with_capacity(table.records.len());
    for (i, s) in reader.iter_shapes().enumerate() {
        shapes.push(s.map_err(|e| corrupt(Some(i + 1), e.to_string()))?);
    }
    if shapes.len() != table.records.len() {
        return Err(corrupt(
            None,
            format!("{} shapes but {} records in {}", shapes.len(), table.records.len(), dbf_path.display()),
        ));
    }

    let crs = sibling(shp, "prj").map(|p| {
        let text = std::fs::read_to_string(&p).map_err(|e| e.to_string())?;
        prj::from_wkt(&text)
    });
    if let Some(Ok(c)) = &crs {
        notes.push(Note::new(format!("坐标系：{c}（来自 .prj）"), format!("coordinate system: {c} (from the .prj)")));
    }

    let column = |key: &str| {
        IDENTITY.iter().find(|(k, _)| *k == key).and_then(|(k, short)| {
            table.fields.iter().position(|f| f.name.eq_ignore_ascii_case(k) || f.name.eq_ignore_ascii_case(short))
        })
    };
    let (code_col, name_col, parent_col) = (column("code"), column("name"), column("parent_code"));
    if let Some(c) = parent_col
        && table.fields[c].name != "parent_code"
    {
        notes.push(Note::new(
            format!("字段 {} 读作 parent_code", table.fields[c].name),
            format!("field {} read as parent_code", table.fields[c].name),
        ));
    }
    let identity = [code_col, name_col, parent_col];
    let mut read = FileRead { crs, notes, ..FileRead::default() };
    for (i, (shape, record)) in shapes.into_iter().zip(table.records).enumerate() {
        // A deleted record is a feature removed from the layer; its shape goes with it.
        let Some(values) = record else { continue };
        let text = |c: Option<usize>| crate::table_row::text(&values, c);
        let given = crate::table_row::code(&values, code_col, i, &mut read.parsed.problems);
        let code = given.clone().unwrap_or_default();
        let geometry = match to_geometry(shape) {
            Ok(g) => g,
            Err(detail) => {
                let detail = format!("{} record {}: {detail}", shp.display(), i + 1);
                let code = given.as_deref();
                read.parsed.problems.push(Problem::new(Some(i), code, Rule::Malformed { detail }));
                continue;
            }
        };
        let mut attrs = Map::new();
        for (c, f) in table.fields.iter().enumerate() {
            if identity.contains(&Some(c)) {
                continue;
            }
            if let Some(v) = &values[c] {
                attrs.insert(f.name.clone(), v.clone());
            }
        }
        let feature = Feature::with_default_name(code, text(name_col), text(parent_col), attrs.into(), geometry);
        if given.is_some() {
            read.parsed.features.push((i, feature));
        } else {
            read.parsed.uncoded.push((i, feature));
        }
    }
    Ok(read)
}

fn xy<P>(points: &[P], f: impl Fn(&P) -> (f64, f64)) -> LineString<f64> {
    LineString(points.iter().map(|p| f(p).into()).collect::<Vec<Coord>>())
}

/// A shape as a geo geometry; polygons are assembled from rings by the Shapefile rule (outer
/// rings clockwise, holes anticlockwise, each hole in the outer ring containing it) and oriented
/// the GeoJSON way (outer anticlockwise).
fn to_geometry(shape: Shape) -> Result<Geometry<f64>, String> {
    let polygon_rings = |rings: Vec<(bool, LineString<f64>)>| assemble(rings);
    Ok(match shape {
        Shape::NullShape => return Err("empty (null) shape".into()),
        Shape::Point(p) => Geometry::Point(Point::new(p.x, p.y)),
        Shape::PointM(p) => Geometry::Point(Point::new(p.x, p.y)),
        Shape::PointZ(p) => Geometry::Point(Point::new(p.x, p.y)),
        Shape::Multipoint(m) => multipoint(m.points().iter().map(|p| (p.x, p.y))),
        Shape::MultipointM(m) => multipoint(m.points().iter().map(|p| (p.x, p.y))),
        Shape::MultipointZ(m) => multipoint(m.points().iter().map(|p| (p.x, p.y))),
        Shape::Polyline(l) => lines(l.parts().iter().map(|p| xy(p, |q| (q.x, q.y))).collect()),
        Shape::PolylineM(l) => lines(l.parts().iter().map(|p| xy(p, |q| (q.x, q.y))).collect()),
        Shape::PolylineZ(l) => lines(l.parts().iter().map(|p| xy(p, |q| (q.x, q.y))).collect()),
        Shape::Polygon(p) => polygon_rings(p.rings().iter().map(|r| ring(r, |q| (q.x, q.y))).collect())?,
        Shape::PolygonM(p) => polygon_rings(p.rings().iter().map(|r| ring(r, |q| (q.x, q.y))).collect())?,
        Shape::PolygonZ(p) => polygon_rings(p.rings().iter().map(|r| ring(r, |q| (q.x, q.y))).collect())?,
        Shape::Multipatch(_) => return Err("multipatch shapes are not supported".into()),
    })
}

fn ring<P>(r: &PolygonRing<P>, f: impl Fn(&P) -> (f64, f64)) -> (bool, LineString<f64>) {
    match r {
        PolygonRing::Outer(pts) => (true, xy(pts, f)),
        PolygonRing::Inner(pts) => (false, xy(pts, f)),
    }
}

fn multipoint(points: impl Iterator<Item = (f64, f64)>) -> Geometry<f64> {
    Geometry::MultiPoint(MultiPoint(points.map(|(x, y)| Point::new(x, y)).collect()))
}

fn lines(mut parts: Vec<LineString<f64>>) -> Geometry<f64> {
    if parts.len() == 1 {
        Geometry::LineString(parts.remove(0))
    } else {
        Geometry::MultiLineString(MultiLineString(parts))
    }
}

fn assemble(rings: Vec<(bool, LineString<f64>)>) -> Result<Geometry<f64>, String> {
    let mut outers: Vec<Polygon<f64>> = Vec::new();
    let mut holes = Vec::new();
    for (n, (outer, r)) in rings.into_iter().enumerate() {
        if r.0.len() < 4 {
            return Err(format!("ring {n} has {} points (at least 4 are needed)", r.0.len()));
        }
        if outer {
            outers.push(Polygon::new(r, vec![]));
        } else {
            holes.push((n, r));
        }
    }
    if outers.is_empty() {
        return Err("no outer (clockwise) ring".into());
    }
    for (n, h) in holes {
        // The smallest outer ring holding the hole's first vertex is the one it belongs to.
        let first = Point(h.0[0]);
        let owner = (0..outers.len())
            .filter(|&k| outers[k].contains(&first) || outers[k].exterior().contains(&first))
            .min_by(|&a, &b| outers[a].unsigned_area().total_cmp(&outers[b].unsigned_area()))
            .ok_or_else(|| format!("hole (ring {n}) lies in no outer ring"))?;
        outers[owner].interiors_push(h);
    }
    let mut polys: Vec<Polygon<f64>> = outers.into_iter().map(|p| p.orient(Direction::Default)).collect();
    Ok(if polys.len() == 1 { Geometry::Polygon(polys.remove(0)) } else { Geometry::MultiPolygon(MultiPolygon(polys)) })
}

/// What a Shapefile export wrote and renamed.
#[derive(Debug, Default)]
pub struct ShpWritten {
    /// The files written.
    pub files: Vec<PathBuf>,
    /// Attribute names cut to 10 bytes: (attribute, column).
    pub renamed: Vec<(String, String)>,
    /// Texts cut to dBase's 254 bytes: (feature code, attribute).
    pub truncated: Vec<(String, String)>,
}

/// Writes `features` (already in `crs`) as a Shapefile at `path` (`.shp`, plus `.shx`, `.dbf`,
/// `.prj`, `.cpg` beside it). Every file is built in memory first, so a failure writes nothing.
pub fn write(
    path: &Path,
    features: &[Feature],
    crs: Crs,
    encoding: &'static Encoding,
) -> Result<ShpWritten, FileError> {
    let unsupported = |detail: String| FileError::Unsupported { path: path.to_path_buf(), detail };
    let write_err = |e: &dyn std::fmt::Display| FileError::Write { path: path.to_path_buf(), detail: e.to_string() };
    // Columns: identity first, then attributes in first-seen order.
    let mut keys: Vec<String> = IDENTITY.iter().map(|(k, _)| k.to_string()).collect();
    for f in features {
        for k in f.attrs.keys() {
            if !keys.iter().any(|x| x == k) {
                keys.push(k.to_string());
            }
        }
    }
    let identity_values: Vec<[Value; 3]> = features
        .iter()
        .map(|f| {
            [
                Value::String(f.code.clone()),
                Value::String(f.name.clone()),
                f.parent_code.clone().map_or(Value::Null, Value::String),
            ]
        })
        .collect();
    let cell = |row: usize, col: usize| -> Option<&Value> {
        if col < 3 { Some(&identity_values[row][col]) } else { features[row].attrs.get(&keys[col]) }
    };
    let names = dbf::short_names(&keys, encoding);
    let mut out = ShpWritten::default();
    let mut fields: Vec<Field> = Vec::with_capacity(keys.len());
    for (c, key) in keys.iter().enumerate() {
        let values: Vec<Option<&Value>> = (0..features.len()).map(|r| cell(r, c)).collect();
        fields.push(dbf::column_for(&names[c], &values, encoding));
        if names[c] != *key {
            out.renamed.push((key.clone(), names[c].clone()));
        }
    }
    let records: Vec<Vec<Option<&Value>>> =
        (0..features.len()).map(|r| (0..keys.len()).map(|c| cell(r, c)).collect()).collect();
    for (r, rec) in records.iter().enumerate() {
        for (c, v) in rec.iter().enumerate() {
            if fields[c].kind == b'C'
                && let Some(v) = v
                && encoding.encode(&dbf::text_of(v)).0.len() > fields[c].length as usize
            {
                out.truncated.push((features[r].code.clone(), keys[c].clone()));
            }
        }
    }
    let ldid = if encoding == encoding_rs::GBK { 0x4D } else { 0 };
    let dbf_bytes = dbf::write(&fields, &records, encoding, ldid);

    let (mut shp, mut shx) = (Cursor::new(Vec::new()), Cursor::new(Vec::new()));
    {
        let mut w = shapefile::ShapeWriter::with_shx(&mut shp, &mut shx);
        let kind = |g: &Geometry<f64>| match g {
            Geometry::Point(_) => "point",
            Geometry::MultiPoint(_) => "multipoint",
            Geometry::Polygon(_) | Geometry::MultiPolygon(_) => "polygon",
            Geometry::LineString(_) | Geometry::MultiLineString(_) => "line",
            _ => "other",
        };
        let first = features.first().map(|f| kind(&f.geometry));
        for (i, f) in features.iter().enumerate() {
            if Some(kind(&f.geometry)) != first {
                return Err(unsupported(format!(
                    "feature #{i} (code {}) is a {} but the first is a {}; a Shapefile holds one geometry type (export to .gpkg or .geojson)",
                    f.code,
                    kind(&f.geometry),
                    first.unwrap_or("-")
                )));
            }
            // The shapefile writer indexes the first position of every shape and part for its
            // bounding box, so an empty one would panic there: refuse it by name instead.
            if has_empty_part(&f.geometry) {
                return Err(unsupported(format!(
                    "feature #{i} (code {}): the geometry is empty or has an empty part; a Shapefile cannot hold it",
                    f.code
                )));
            }
            let r = match &f.geometry {
                Geometry::Point(p) => w.write_shape(&shapefile::Point::new(p.x(), p.y())),
                Geometry::MultiPoint(m) => w.write_shape(&shapefile::Multipoint::new(
                    m.0.iter().map(|p| shapefile::Point::new(p.x(), p.y())).collect(),
                )),
                Geometry::Polygon(p) => w.write_shape(&shp_polygon(std::slice::from_ref(p))),
                Geometry::MultiPolygon(m) => w.write_shape(&shp_polygon(&m.0)),
                Geometry::LineString(l) => w.write_shape(&shapefile::Polyline::with_parts(vec![shp_points(l)])),
                Geometry::MultiLineString(m) => {
                    w.write_shape(&shapefile::Polyline::with_parts(m.0.iter().map(shp_points).collect()))
                }
                _ => return Err(unsupported(format!("feature #{i} (code {}): geometry type", f.code))),
            };
            r.map_err(|e| write_err(&e))?;
        }
        w.finalize().map_err(|e| write_err(&e))?;
    }
    let prj = prj::esri_wkt(crs).map_err(|e| unsupported(e.to_string()))?;
    let cpg = if encoding == encoding_rs::UTF_8 { "UTF-8".to_string() } else { "CP936".to_string() };
    let files: Vec<(PathBuf, Vec<u8>)> = vec![
        (path.with_extension("shp"), shp.into_inner()),
        (path.with_extension("shx"), shx.into_inner()),
        (path.with_extension("dbf"), dbf_bytes),
        (path.with_extension("prj"), prj.into_bytes()),
        (path.with_extension("cpg"), cpg.into_bytes()),
    ];
    // Every file goes to a temporary name first; the renames come only after all are written.
    let tmp = |p: &Path| p.with_extension(format!("{}.partial", p.extension().and_then(|e| e.to_str()).unwrap_or("")));
    for (p, bytes) in &files {
        if let Err(e) = std::fs::write(tmp(p), bytes) {
            for (q, _) in &files {
                let _ = std::fs::remove_file(tmp(q));
            }
            return Err(FileError::Write { path: p.clone(), detail: e.to_string() });
        }
    }
    for (p, _) in &files {
        std::fs::rename(tmp(p), p).map_err(|e| FileError::Write { path: p.clone(), detail: e.to_string() })?;
        out.files.push(p.clone());
    }
    Ok(out)
}

/// Whether the geometry, or any part or ring of it, has no positions.
fn has_empty_part(g: &Geometry<f64>) -> bool {
    let poly_empty = |p: &Polygon<f64>| p.exterior().0.is_empty() || p.interiors().iter().any(|r| r.0.is_empty());
    match g {
        Geometry::Polygon(p) => poly_empty(p),
        Geometry::MultiPolygon(m) => m.0.is_empty() || m.0.iter().any(poly_empty),
        Geometry::MultiPoint(m) => m.0.is_empty(),
        Geometry::LineString(l) => l.0.is_empty(),
        Geometry::MultiLineString(m) => m.0.is_empty() || m.0.iter().any(|l| l.0.is_empty()),
        _ => false,
    }
}

fn shp_points(l: &LineString<f64>) -> Vec<shapefile::Point> {
    l.0.iter().map(|c| shapefile::Point::new(c.x, c.y)).collect()
}

fn shp_polygon(polys: &[Polygon<f64>]) -> shapefile::Polygon {
    let mut rings = Vec::new();
    for p in polys {
        rings.push(PolygonRing::Outer(shp_points(p.exterior())));
        for h in p.interiors() {
            rings.push(PolygonRing::Inner(shp_points(h)));
        }
    }
    // with_rings orders each ring the Shapefile way (outer clockwise, holes anticlockwise).
    shapefile::Polygon::with_rings(rings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, side: f64, clockwise: bool) -> LineString<f64> {
        let mut pts = vec![(x0, y0), (x0 + side, y0), (x0 + side, y0 + side), (x0, y0 + side), (x0, y0)];
        if clockwise {
            pts.reverse();
        }
        LineString(pts.into_iter().map(Coord::from).collect())
    }

    #[test]
    fn holes_go_to_the_outer_ring_holding_them() {
        // Two outer rings (clockwise) and a hole (anticlockwise) listed after both, inside the second.
        let g = assemble(vec![
            (true, square(0.0, 0.0, 1.0, true)),
            (true, square(10.0, 0.0, 4.0, true)),
            (false, square(11.0, 1.0, 1.0, false)),
        ])
        .unwrap();
        let Geometry::MultiPolygon(m) = g else { panic!("{g:?}") };
        assert_eq!((m.0[0].interiors().len(), m.0[1].interiors().len()), (0, 1));
        // Oriented the GeoJSON way: outer anticlockwise (positive area), holes clockwise.
        assert!(m.0.iter().all(|p| p.exterior().0.len() == 5 && geo::Area::signed_area(p) > 0.0));
        assert!(assemble(vec![(false, square(0.0, 0.0, 1.0, false))]).is_err());
        let far_hole = vec![(true, square(0.0, 0.0, 1.0, true)), (false, square(5.0, 5.0, 1.0, false))];
        assert!(assemble(far_hole).unwrap_err().contains("hole (ring 1) lies in no outer ring"));
    }

    #[test]
    fn written_polygons_with_holes_read_back_equal() {
        let dir = std::env::temp_dir().join(format!("wangge-shp-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let poly = Polygon::new(square(114.0, 22.5, 0.01, false), vec![square(114.002, 22.502, 0.002, true)]);
        let f = Feature {
            code: "G1".into(),
            name: "一号网格".into(),
            parent_code: None,
            attrs: serde_json::json!({"households": 3, "ratio": 0.5, "ok": false}).as_object().unwrap().clone().into(),
            geometry: Geometry::Polygon(poly),
        };
        let path = dir.join("g.shp");
        write(&path, std::slice::from_ref(&f), Crs::Wgs84, encoding_rs::GBK).unwrap();
        let back = read(&path, None).unwrap();
        assert!(back.parsed.problems.is_empty(), "{:?}", back.parsed.problems);
        let mut got = back.parsed.features[0].1.clone();
        got.parent_code = None;
        assert_eq!(got, f);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn empty_geometry_is_refused_not_panicked_on() {
        let dir = tempfile::tempdir().unwrap();
        let empty = Feature {
            code: "G0".into(),
            name: "空".into(),
            parent_code: None,
            attrs: Default::default(),
            geometry: Geometry::Polygon(Polygon::new(LineString::new(vec![]), vec![])),
        };
        for g in [empty.geometry.clone(), Geometry::MultiPolygon(MultiPolygon(vec![]))] {
            let f = Feature { geometry: g, ..empty.clone() };
            let e = write(&dir.path().join("x.shp"), &[f], Crs::Wgs84, encoding_rs::UTF_8).unwrap_err();
            assert!(e.to_string().contains("G0") && e.to_string().contains("empty"), "{e}");
        }
        assert!(!dir.path().join("x.shp").exists());
    }
}
