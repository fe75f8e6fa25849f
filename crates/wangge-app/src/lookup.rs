//! The lookup use-case: points in any supported CRS → grid, community, street, district, as
//! JSON values shared by the HTTP API and the CLI, plus the CSV forms of batches.

use geo::Coord;
use serde_json::{Value, json};
use wangge_core::model::Feature;
use wangge_core::snapshot::{Lookup, Snapshot};
use wangge_formats::crs::Crs;
use wangge_text::Lang;
use wangge_text::zh_en;

/// A point that cannot be looked up; the message names it (and its id, if any).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct BadPoint(pub String);

/// One point of a lookup request.
#[derive(Debug, Clone)]
pub struct PointIn {
    /// Caller's identifier, echoed back.
    pub id: Option<Value>,
    /// Longitude or easting, in `crs`.
    pub x: f64,
    /// Latitude or northing, in `crs`.
    pub y: f64,
    /// The point's coordinate system.
    pub crs: Crs,
}

/// Looks up one point; the answer is the JSON of [`lookup_json`] plus `id` and `input` echoes.
pub fn lookup_one(snapshot: &Snapshot, p: &PointIn, lang: Lang) -> Result<Value, BadPoint> {
    let at = |what: &str| match &p.id {
        Some(id) => format!("{what} (id {id})"),
        None => what.to_string(),
    };
    if !p.x.is_finite() || !p.y.is_finite() {
        return Err(BadPoint(at(lang.pick("坐标必须是有限数", "coordinates must be finite numbers"))));
    }
    let c = p.crs.to_wgs84(Coord { x: p.x, y: p.y }).map_err(|e| BadPoint(at(&format!("crs {}: {e}", p.crs))))?;
    if !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y) {
        let msg = zh_en!(
            lang,
            ("坐标 ({}, {}) 超出经纬度范围；投影坐标请用 crs=EPSG:<代码>", p.x, p.y),
            (
                "({}, {}) is outside longitude ±180 / latitude ±90; for projected coordinates pass crs=EPSG:<code>",
                p.x,
                p.y
            )
        );
        return Err(BadPoint(at(&msg)));
    }
    let mut out = lookup_json(&snapshot.lookup(c), c);
    if p.crs != Crs::Wgs84 {
        out["input"] = json!({ "x": p.x, "y": p.y, "crs": p.crs.to_string() });
    }
    if let Some(id) = &p.id {
        out["id"] = id.clone();
    }
    Ok(out)
}

/// The JSON shape of a lookup answer.
pub fn lookup_json(l: &Lookup<'_>, p: Coord) -> Value {
    let mut out = json!({
        "covered": l.grid.is_some(),
        "point": { "lon": p.x, "lat": p.y },
        "grid": l.grid.map(summary),
        "community": l.community.map(summary),
        "street": l.street.map(summary),
        "district": l.district.map(summary),
    });
    if l.on_boundary {
        out["on_boundary"] = Value::Bool(true);
    }
    if let Some((f, n)) = &l.nearest_grid {
        out["nearest_grid"] = json!({
            "code": f.code, "name": f.name,
            "distance_m": (n.metres * 100.0).round() / 100.0,
            "nearest_point": { "lon": n.at.x, "lat": n.at.y },
        });
    }
    out
}

/// A feature's identity and attributes, without geometry.
pub fn summary(f: &Feature) -> Value {
    Value::Object(wangge_formats::geojson::feature_properties(f))
}

/// Points from a JSON body: an array of `[lon, lat]` or `{"lon","lat","id","crs"}`, `{"points": [...]}`,
/// or a GeoJSON FeatureCollection of Points.
pub fn points_from_json(body: &[u8], crs: Crs, lang: Lang) -> Result<Vec<PointIn>, BadPoint> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| BadPoint(format!("{}: {e}", lang.pick("JSON 格式错误", "malformed JSON"))))?;
    let bad = |i: usize, what: &str| BadPoint(zh_en!(lang, ("第 {i} 项：{what}"), ("item {i}: {what}")));
    let items: Vec<Value> = match v {
        Value::Array(a) => a,
        Value::Object(ref o) if o.get("type").and_then(Value::as_str) == Some("FeatureCollection") => {
            let features =
                o.get("features").and_then(Value::as_array).ok_or_else(|| bad(0, "\"features\" must be an array"))?;
            return features
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let coords = f
                        .pointer("/geometry/coordinates")
                        .filter(|_| f.pointer("/geometry/type").and_then(Value::as_str) == Some("Point"))
                        .ok_or_else(|| bad(i, "not a GeoJSON Point feature"))?;
                    let (x, y) = pair(coords).ok_or_else(|| bad(i, "coordinates must be [lon, lat]"))?;
                    let id = f.get("id").cloned().or_else(|| f.pointer("/properties/id").cloned());
                    Ok(PointIn { id, x, y, crs })
                })
                .collect();
        }
        // `"points": "x"` is a mistake, not an empty batch: answering 200 with no results would hide it.
        Value::Object(ref o) if o.get("points").is_some() => match o["points"].as_array() {
            Some(a) => a.clone(),
            None => {
                return Err(BadPoint(
                    lang.pick("\"points\" 应为点数组", "\"points\" must be an array of points").to_string(),
                ));
            }
        },
        _ => {
            return Err(BadPoint(
                lang.pick(
                    "请求体应为点数组、GeoJSON FeatureCollection 或 CSV",
                    "body must be a JSON array of points, a GeoJSON FeatureCollection, or CSV",
                )
                .to_string(),
            ));
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            if let Some((x, y)) = pair(item) {
                return Ok(PointIn { id: None, x, y, crs });
            }
            let x = item.get("lon").or_else(|| item.get("x")).and_then(Value::as_f64);
            let y = item.get("lat").or_else(|| item.get("y")).and_then(Value::as_f64);
            let (Some(x), Some(y)) = (x, y) else {
                return Err(bad(i, "expected [lon, lat] or {\"lon\": .., \"lat\": ..}"));
            };
            let crs = match item.get("crs").and_then(Value::as_str) {
                Some(c) => c.parse().map_err(|e: wangge_formats::crs::UnknownCrs| bad(i, &e.to_string()))?,
                None => crs,
            };
            Ok(PointIn { id: item.get("id").cloned(), x, y, crs })
        })
        .collect()
}

fn pair(v: &Value) -> Option<(f64, f64)> {
    let a = v.as_array()?;
    if a.len() < 2 {
        return None;
    }
    Some((a[0].as_f64()?, a[1].as_f64()?))
}

/// Points from CSV with `lon,lat` columns and optional `id` and `crs` columns.
pub fn points_from_csv(body: &[u8], crs: Crs, lang: Lang) -> Result<Vec<PointIn>, BadPoint> {
    let (mut reader, columns) =
        wangge_formats::csv_in::reader_with_columns(body).map_err(|e| BadPoint(format!("CSV: {e}")))?;
    let col = |names: &[&str]| columns.find(names);
    let (Some(lon), Some(lat)) = (col(&["lon", "lng", "longitude", "x"]), col(&["lat", "latitude", "y"])) else {
        return Err(BadPoint(lang.pick("CSV 需要 lon,lat 列", "CSV needs lon,lat columns").to_string()));
    };
    let (id_col, crs_col) = (col(&["id"]), col(&["crs"]));
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| BadPoint(format!("CSV row {row}: {e}")))?;
        let num = |c: usize, name: &str| {
            rec.get(c).and_then(|s| s.parse::<f64>().ok()).ok_or_else(|| {
                BadPoint(format!("CSV row {row}: {name} '{}' is not a number", rec.get(c).unwrap_or("")))
            })
        };
        let crs = match crs_col.and_then(|c| rec.get(c)).filter(|s| !s.is_empty()) {
            Some(c) => {
                c.parse().map_err(|e: wangge_formats::crs::UnknownCrs| BadPoint(format!("CSV row {row}: {e}")))?
            }
            None => crs,
        };
        out.push(PointIn {
            id: id_col.and_then(|c| rec.get(c)).map(|s| Value::String(s.to_string())),
            x: num(lon, "lon")?,
            y: num(lat, "lat")?,
            crs,
        });
    }
    Ok(out)
}

/// Batch results as CSV: one row per input point, in order.
pub fn results_to_csv(results: &[Value]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "id",
        "lon",
        "lat",
        "covered",
        "grid_code",
        "grid_name",
        "community_code",
        "community_name",
        "street_code",
        "street_name",
        "district_code",
        "district_name",
        "nearest_grid_code",
        "distance_m",
    ];
    let _ = w.write_record(header);
    let text = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    for r in results {
        let row = [
            text(&r["id"]),
            text(&r["point"]["lon"]),
            text(&r["point"]["lat"]),
            text(&r["covered"]),
            text(&r["grid"]["code"]),
            text(&r["grid"]["name"]),
            text(&r["community"]["code"]),
            text(&r["community"]["name"]),
            text(&r["street"]["code"]),
            text(&r["street"]["name"]),
            text(&r["district"]["code"]),
            text(&r["district"]["name"]),
            text(&r["nearest_grid"]["code"]),
            text(&r["nearest_grid"]["distance_m"]),
        ];
        let _ = w.write_record(row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
