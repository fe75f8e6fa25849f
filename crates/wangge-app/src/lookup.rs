//! The lookup use-case: points in any supported CRS → grid, community, street, district, as
//! JSON values shared by the HTTP API and the CLI, plus the CSV forms of batches.

use geo::Coord;
use serde_json::{Value, json};
use wangge_core::feature_ref::FeatureRef;
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

/// The point in WGS 84 and what holds it, after the checks every face applies (see [`wgs84`]).
pub fn locate<'s>(snapshot: &'s Snapshot, p: &PointIn, lang: Lang) -> Result<(Coord, Lookup<'s>), BadPoint> {
    let c = wgs84(p, lang)?;
    Ok((c, snapshot.lookup(c)))
}

/// The point in WGS 84, after the checks every face applies: finite numbers, a known conversion,
/// and a result within longitude ±180 / latitude ±90. The message names the point's id, if any.
pub fn wgs84(p: &PointIn, lang: Lang) -> Result<Coord, BadPoint> {
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
    Ok(c)
}

/// Looks up one point; the answer is the JSON of [`lookup_json`] plus `id` and `input` echoes.
pub fn lookup_one(snapshot: &Snapshot, p: &PointIn, lang: Lang) -> Result<Value, BadPoint> {
    let (c, found) = locate(snapshot, p, lang)?;
    let mut out = lookup_json(&found, c);
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
            "code": f.code(), "name": f.name(),
            "distance_m": (n.metres * 100.0).round() / 100.0,
            "nearest_point": { "lon": n.at.x, "lat": n.at.y },
        });
    }
    out
}

/// A feature's identity and attributes, without geometry.
pub fn summary(f: FeatureRef<'_>) -> Value {
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

/// Where a CSV batch keeps its point columns (`lon,lat` required; `id` and `crs` optional).
#[derive(Debug, Clone, Copy)]
pub struct PointColumns {
    lon: usize,
    lat: usize,
    id: Option<usize>,
    crs: Option<usize>,
}

impl PointColumns {
    /// Finds the columns in a CSV header; a header without `lon,lat` is refused.
    pub fn find(columns: &wangge_formats::csv_in::Columns, lang: Lang) -> Result<PointColumns, BadPoint> {
        let (Some(lon), Some(lat)) =
            (columns.find(&["lon", "lng", "longitude", "x"]), columns.find(&["lat", "latitude", "y"]))
        else {
            return Err(BadPoint(lang.pick("CSV 需要 lon,lat 列", "CSV needs lon,lat columns").to_string()));
        };
        Ok(PointColumns { lon, lat, id: columns.find(&["id"]), crs: columns.find(&["crs"]) })
    }

    /// Whether the batch has an `id` column.
    pub fn has_id(&self) -> bool {
        self.id.is_some()
    }

    /// The point of one row whose cell `c` is `get(c)` (`row` is its 1-based line number, for
    /// messages); an empty `crs` cell means `crs`.
    pub fn point<'r>(&self, get: impl Fn(usize) -> Option<&'r str>, row: usize, crs: Crs) -> Result<PointIn, BadPoint> {
        let (x, y, crs, id) = self.parse(get, row, crs)?;
        Ok(PointIn { id: id.map(|s| Value::String(s.to_string())), x, y, crs })
    }

    /// What [`PointColumns::point`] reads, with the id left in the row (no allocation): the
    /// streamed batch keeps ids of a whole chunk in one buffer.
    pub fn parse<'r>(
        &self,
        get: impl Fn(usize) -> Option<&'r str>,
        row: usize,
        crs: Crs,
    ) -> Result<(f64, f64, Crs, Option<&'r str>), BadPoint> {
        let num = |c: usize, name: &str| {
            get(c)
                .and_then(|s| s.trim().parse::<f64>().ok())
                .ok_or_else(|| BadPoint(format!("CSV row {row}: {name} '{}' is not a number", get(c).unwrap_or(""))))
        };
        let crs = match self.crs.and_then(&get).filter(|s| !s.is_empty()) {
            Some(c) => {
                c.parse().map_err(|e: wangge_formats::crs::UnknownCrs| BadPoint(format!("CSV row {row}: {e}")))?
            }
            None => crs,
        };
        Ok((num(self.lon, "lon")?, num(self.lat, "lat")?, crs, self.id.and_then(&get)))
    }
}

/// Points from CSV with `lon,lat` columns and optional `id` and `crs` columns.
pub fn points_from_csv(body: &[u8], crs: Crs, lang: Lang) -> Result<Vec<PointIn>, BadPoint> {
    let (mut reader, columns) =
        wangge_formats::csv_in::reader_with_columns(body).map_err(|e| BadPoint(format!("CSV: {e}")))?;
    let cols = PointColumns::find(&columns, lang)?;
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| BadPoint(format!("CSV row {row}: {e}")))?;
        out.push(cols.point(|c| rec.get(c), row, crs)?);
    }
    Ok(out)
}

/// The columns of a batch's CSV answer, in order.
pub const BATCH_COLUMNS: [&str; 14] = [
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
