//! GeoPackage files from other tools (GDAL, QGIS, another wangge) in, standalone GeoPackages out.
//!
//! Reading takes one feature table: its geometry column (GeoPackage blobs, any envelope), its
//! `srs_id` (EPSG by organisation, else the WKT definition, so the import can reproject), and
//! every other column as a typed attribute. Writing makes a new file with the core tables, the
//! target CRS's row, and one feature table with a typed column per attribute, as GDAL would.

use crate::crs::Crs;
use crate::crs::prj::{self, SourceCrs};
use crate::formats::{FileError, FileRead, Note};
use crate::gpkg::{self, APPLICATION_ID, CORE_SCHEMA, USER_VERSION};
use crate::table_row;
use geo::{BoundingRect, Geometry, Rect};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, params_from_iter};
use serde_json::{Map, Value};
use std::path::Path;
use wangge_core::model::Feature;
use wangge_core::problem::{Problem, Rule};

fn corrupt(path: &Path, record: Option<usize>, detail: impl ToString) -> FileError {
    FileError::Corrupt { path: path.to_path_buf(), record, detail: detail.to_string() }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Reads one feature table: `table` if named; else the only one; else the one called `hint`.
pub fn read(path: &Path, table: Option<&str>, hint: Option<&str>) -> Result<FileRead, FileError> {
    if !path.exists() {
        return Err(FileError::Missing { path: path.to_path_buf() });
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| corrupt(path, None, e))?;
    let tables: Vec<String> = conn
        .prepare("SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(|e| corrupt(path, None, format!("not a GeoPackage: {e}")))?;
    let name = match table {
        Some(t) => tables.iter().find(|x| x.as_str() == t).cloned(),
        None if tables.len() == 1 => Some(tables[0].clone()),
        None => hint.and_then(|h| tables.iter().find(|x| x.as_str() == h).cloned()),
    }
    .ok_or_else(|| FileError::Table {
        path: path.to_path_buf(),
        available: tables.clone(),
        wanted: table.map(String::from),
    })?;
    let (geom_col, srs_id): (String, i64) = conn
        .query_row("SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?1", [&name], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map_err(|e| corrupt(path, None, format!("table {name} has no geometry column: {e}")))?;
    let crs = declared_crs(&conn, srs_id);
    let mut notes = vec![Note::new(format!("要素表：{name}"), format!("feature table: {name}"))];
    if let Some(Ok(c)) = &crs {
        notes.push(Note::new(
            format!("坐标系：{c}（srs_id {srs_id}）"),
            format!("coordinate system: {c} (srs_id {srs_id})"),
        ));
    }
    // Column names and declared types, primary key first out.
    let columns: Vec<(String, String, bool)> = conn
        .prepare(&format!("PRAGMA table_info({})", quote(&name)))
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(5)? > 0)))?
                .collect()
        })
        .map_err(|e| corrupt(path, None, e))?;
    let pk = columns.iter().find(|c| c.2).map(|c| c.0.clone());
    let attrs_cols: Vec<&(String, String, bool)> = columns.iter().filter(|c| !c.2 && c.0 != geom_col).collect();
    let select: Vec<String> = std::iter::once(quote(&geom_col)).chain(attrs_cols.iter().map(|c| quote(&c.0))).collect();
    let order = pk.as_deref().map(quote).unwrap_or_else(|| "rowid".into());
    let sql = format!("SELECT {} FROM {} ORDER BY {order}", select.join(", "), quote(&name));
    let mut stmt = conn.prepare(&sql).map_err(|e| corrupt(path, None, e))?;
    let mut rows = stmt.query([]).map_err(|e| corrupt(path, None, e))?;
    let mut read = FileRead { crs, notes, ..FileRead::default() };
    let find = |names: &[&str]| attrs_cols.iter().position(|c| names.iter().any(|n| c.0.eq_ignore_ascii_case(n)));
    let (code_col, name_col, parent_col) = (find(&["code"]), find(&["name"]), find(&["parent_code", "parent_cod"]));
    let mut i = 0;
    while let Some(row) = rows.next().map_err(|e| corrupt(path, Some(i + 1), e))? {
        let mut values = Vec::with_capacity(attrs_cols.len());
        for (k, (_, decl, _)) in attrs_cols.iter().enumerate() {
            values.push(typed(row.get_ref(k + 1).map_err(|e| corrupt(path, Some(i + 1), e))?, decl));
        }
        let text = |c: Option<usize>| table_row::text(&values, c);
        let given = table_row::code(&values, code_col, i, &mut read.parsed.problems);
        let code = given.clone().unwrap_or_default();
        let geometry = match row.get_ref(0) {
            Ok(ValueRef::Blob(b)) => gpkg::decode(b).map_err(|e| e.to_string()),
            Ok(ValueRef::Null) => Err("no geometry".to_string()),
            Ok(_) => Err("the geometry is not a GeoPackage blob".to_string()),
            Err(e) => Err(e.to_string()),
        };
        let geometry = match geometry {
            Ok(g) => g,
            Err(detail) => {
                let detail = format!("{} table {name} row {}: {detail}", path.display(), i + 1);
                read.parsed.problems.push(Problem::new(Some(i), given.as_deref(), Rule::Malformed { detail }));
                i += 1;
                continue;
            }
        };
        let mut attrs = Map::new();
        let mut packed = None;
        for (k, v) in values.iter().enumerate() {
            if [code_col, name_col, parent_col].contains(&Some(k)) {
                continue;
            }
            let Some(v) = v else { continue };
            // A wangge store keeps every attribute in one JSON column; unpack it.
            if attrs_cols[k].0 == "attributes"
                && let Value::String(s) = v
                && let Ok(Value::Object(m)) = serde_json::from_str::<Value>(s)
            {
                packed = Some(m);
                continue;
            }
            attrs.insert(attrs_cols[k].0.clone(), v.clone());
        }
        if let Some(m) = packed {
            for key in ["households", "residents"] {
                if m.contains_key(key) {
                    attrs.shift_remove(key);
                }
            }
            attrs.extend(m);
        }
        let feature = Feature::with_default_name(code, text(name_col), text(parent_col), attrs.into(), geometry);
        if given.is_some() {
            read.parsed.features.push((i, feature));
        } else {
            read.parsed.uncoded.push((i, feature));
        }
        i += 1;
    }
    Ok(read)
}

/// What `srs_id` stands for: `None` for the undefined geographic SRS (0, taken as WGS 84 lon/lat),
/// an error for the undefined cartesian one (-1) or an unreadable definition.
fn declared_crs(conn: &Connection, srs_id: i64) -> Option<Result<SourceCrs, String>> {
    if srs_id == 0 {
        return None;
    }
    if srs_id == -1 {
        return Some(Err("srs_id -1 (undefined cartesian)".into()));
    }
    let row: rusqlite::Result<(String, i64, String)> = conn.query_row(
        "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
        [srs_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    );
    Some(match row {
        Ok((org, code, _)) if org.eq_ignore_ascii_case("EPSG") && code > 0 => Ok(SourceCrs::Known(match code {
            4326 => Crs::Wgs84,
            4490 => Crs::Cgcs2000,
            c => Crs::Epsg(c as u32),
        })),
        Ok((_, _, definition)) => prj::from_wkt(&definition),
        Err(e) => Err(format!("srs_id {srs_id}: {e}")),
    })
}

/// A cell as JSON, by its declared column type (BOOLEAN and DATE are stored as integer and text).
fn typed(v: ValueRef<'_>, decl: &str) -> Option<Value> {
    let decl = decl.to_ascii_uppercase();
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) if decl == "BOOLEAN" => Some(Value::Bool(i != 0)),
        ValueRef::Integer(i) => Some(Value::from(i)),
        ValueRef::Real(x) => Some(Value::from(x)),
        ValueRef::Text(t) => Some(Value::String(String::from_utf8_lossy(t).into_owned())),
        ValueRef::Blob(b) => Some(Value::String(b.iter().map(|x| format!("{x:02x}")).collect())),
    }
}

/// The GeoPackage column type for one attribute's values.
fn column_type(values: &[Option<&Value>]) -> &'static str {
    let present: Vec<&Value> = values.iter().flatten().copied().filter(|v| !v.is_null()).collect();
    if present.is_empty() {
        "TEXT"
    } else if present.iter().all(|v| v.is_i64() || v.is_u64()) {
        "INTEGER"
    } else if present.iter().all(|v| v.is_number()) {
        "REAL"
    } else if present.iter().all(|v| v.is_boolean()) {
        "BOOLEAN"
    } else {
        "TEXT"
    }
}

fn geometry_type(features: &[Feature]) -> &'static str {
    let name = |g: &Geometry<f64>| match g {
        Geometry::Point(_) => "POINT",
        Geometry::LineString(_) => "LINESTRING",
        Geometry::Polygon(_) => "POLYGON",
        Geometry::MultiPoint(_) => "MULTIPOINT",
        Geometry::MultiLineString(_) => "MULTILINESTRING",
        Geometry::MultiPolygon(_) => "MULTIPOLYGON",
        _ => "GEOMETRY",
    };
    let mut names = features.iter().map(|f| name(&f.geometry));
    let first = names.next().unwrap_or("GEOMETRY");
    if names.all(|n| n == first) { first } else { "GEOMETRY" }
}

/// A GeoPackage geometry blob with `srs_id` in its header (store blobs are always 4326).
fn blob(g: &Geometry<f64>, srs_id: i32) -> Vec<u8> {
    let mut b = gpkg::encode(g);
    b[4..8].copy_from_slice(&srs_id.to_le_bytes());
    b
}

/// Writes `features` (already in `crs`) as table `table` of a new GeoPackage at `path`, replacing
/// any file there only once the new one is complete.
pub fn write(path: &Path, table: &str, features: &[Feature], crs: Crs) -> Result<(), FileError> {
    let tmp = path.with_extension("gpkg.partial");
    let _ = std::fs::remove_file(&tmp);
    let result = write_new(&tmp, table, features, crs);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(FileError::Write { path: path.to_path_buf(), detail: e });
    }
    std::fs::rename(&tmp, path).map_err(|e| FileError::Write { path: path.to_path_buf(), detail: e.to_string() })
}

fn write_new(path: &Path, table: &str, features: &[Feature], crs: Crs) -> Result<(), String> {
    let e = |e: rusqlite::Error| e.to_string();
    let mut conn = Connection::open(path).map_err(e)?;
    let srs_id = prj::epsg_code(crs) as i32;
    let tx = conn.transaction().map_err(e)?;
    tx.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {USER_VERSION};"))
        .map_err(e)?;
    tx.execute_batch(CORE_SCHEMA).map_err(e)?;
    if srs_id != 4326 {
        let wkt = prj::ogc_wkt(crs).map_err(|x| x.to_string())?;
        let name = wkt_name(&wkt).unwrap_or("unnamed").to_string();
        tx.execute(
            "INSERT OR REPLACE INTO gpkg_spatial_ref_sys VALUES (?1, ?2, 'EPSG', ?2, ?3, ?1)",
            rusqlite::params![name, srs_id, wkt],
        )
        .map_err(e)?;
    }
    let mut keys: Vec<String> = Vec::new();
    for f in features {
        for k in f.attrs.keys() {
            let reserved = ["fid", "geom", "code", "name", "parent_code"].iter().any(|r| r.eq_ignore_ascii_case(k));
            if !reserved && !keys.iter().any(|x| x.eq_ignore_ascii_case(k)) {
                keys.push(k.to_string());
            }
        }
    }
    let types: Vec<&str> =
        keys.iter().map(|k| column_type(&features.iter().map(|f| f.attrs.get(k)).collect::<Vec<_>>())).collect();
    let columns: Vec<String> = keys.iter().zip(&types).map(|(k, t)| format!("{} {t}", quote(k))).collect();
    let gtype = geometry_type(features);
    tx.execute_batch(&format!(
        "CREATE TABLE {} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom {gtype}, code TEXT NOT NULL, name TEXT, parent_code TEXT{}{});",
        quote(table),
        if columns.is_empty() { "" } else { ", " },
        columns.join(", ")
    ))
    .map_err(e)?;
    let bbox = features.iter().filter_map(|f| f.geometry.bounding_rect()).reduce(|a, b| {
        Rect::new(
            geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
            geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
        )
    });
    tx.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id)
         VALUES (?1, 'features', ?1, 'wangge export', ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![
            table,
            bbox.map(|r| r.min().x),
            bbox.map(|r| r.min().y),
            bbox.map(|r| r.max().x),
            bbox.map(|r| r.max().y),
            srs_id
        ],
    )
    .map_err(e)?;
    tx.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, ?3, 0, 0)",
        rusqlite::params![table, gtype, srs_id],
    )
    .map_err(e)?;
    {
        let marks: Vec<String> = (1..=keys.len() + 4).map(|i| format!("?{i}")).collect();
        let names: Vec<String> = keys.iter().map(|k| quote(k)).collect();
        let sql = format!(
            "INSERT INTO {} (geom, code, name, parent_code{}{}) VALUES ({})",
            quote(table),
            if names.is_empty() { "" } else { ", " },
            names.join(", "),
            marks.join(", ")
        );
        let mut stmt = tx.prepare(&sql).map_err(e)?;
        for f in features {
            let mut row: Vec<rusqlite::types::Value> = vec![
                rusqlite::types::Value::Blob(blob(&f.geometry, srs_id)),
                rusqlite::types::Value::Text(f.code.clone()),
                rusqlite::types::Value::Text(f.name.clone()),
                f.parent_code.clone().map_or(rusqlite::types::Value::Null, rusqlite::types::Value::Text),
            ];
            for (k, t) in keys.iter().zip(&types) {
                row.push(sql_value(f.attrs.get(k), t));
            }
            stmt.execute(params_from_iter(row)).map_err(e)?;
        }
    }
    tx.commit().map_err(e)?;
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(e)?;
    if ok != "ok" {
        return Err(format!("integrity check: {ok}"));
    }
    Ok(())
}

fn sql_value(v: Option<&Value>, column: &str) -> rusqlite::types::Value {
    use rusqlite::types::Value as S;
    match v {
        None | Some(Value::Null) => S::Null,
        Some(Value::Bool(b)) => S::Integer(i64::from(*b)),
        Some(Value::Number(n)) if column == "INTEGER" => {
            n.as_i64().map_or(S::Real(n.as_f64().unwrap_or(0.0)), S::Integer)
        }
        Some(Value::Number(n)) if column == "REAL" => S::Real(n.as_f64().unwrap_or(0.0)),
        Some(Value::String(s)) => S::Text(s.clone()),
        Some(other) => S::Text(other.to_string()),
    }
}

fn wkt_name(wkt: &str) -> Option<&str> {
    let start = wkt.find('"')? + 1;
    let len = wkt[start..].find('"')?;
    Some(&wkt[start..start + len])
}
