//! Plan edits as JSON: `{"op": "split", "layer": "grid", "code": "…", "line": {GeoJSON LineString},
//! "new_code": "…"}` and so on. Create/replace carry a GeoJSON Feature; every geometry is WGS 84.

use crate::geojson::{parse_geometry, read_features};
use geo::{Geometry, LineString};
use serde_json::Value;
use wangge_core::edit::Edit;
use wangge_core::model::{Feature, Layer};
use wangge_core::validate::check_geometry;
use wangge_text::{Lang, Text};

fn text(v: &Value, key: &str) -> Result<String, String> {
    v.get(key).and_then(Value::as_str).map(str::to_string).ok_or_else(|| format!("\"{key}\" (text) is missing"))
}

fn texts(v: &Value, key: &str) -> Result<Vec<String>, String> {
    let list = v.get(key).and_then(Value::as_array).ok_or_else(|| format!("\"{key}\" (array of codes) is missing"))?;
    list.iter()
        .map(|c| c.as_str().map(str::to_string).ok_or_else(|| format!("\"{key}\" holds a non-text code")))
        .collect()
}

fn layer(v: &Value) -> Result<Layer, String> {
    let l: Layer = text(v, "layer")?.parse().map_err(|e: wangge_core::model::UnknownLayer| e.to_string())?;
    Ok(l)
}

fn area_layer(v: &Value) -> Result<Layer, String> {
    let l = layer(v)?;
    if l.is_area_layer() { Ok(l) } else { Err(format!("this edit applies to area layers, not {l}")) }
}

fn geometry(v: &Value, key: &str, layer: Layer) -> Result<Geometry<f64>, String> {
    let g = v.get(key).cloned().ok_or_else(|| format!("\"{key}\" (GeoJSON geometry) is missing"))?;
    let g = parse_geometry(g).map_err(|r| format!("{key}: {r:?}"))?;
    if let Some(p) = check_geometry(layer, 0, None, &g).first() {
        return Err(format!("{key}: {}", p.message(Lang::En)));
    }
    Ok(g)
}

fn feature(v: &Value, layer: Layer) -> Result<Feature, String> {
    let f = v.get("feature").ok_or("\"feature\" (GeoJSON Feature) is missing")?;
    let parsed = read_features(&f.to_string());
    if let Some(p) = parsed.problems.first() {
        return Err(format!("feature: {}", p.message(Lang::En)));
    }
    let (_, feature) = parsed.features.into_iter().next().ok_or("\"feature\" holds no feature")?;
    if let Some(p) = check_geometry(layer, 0, Some(&feature.code), &feature.geometry).first() {
        return Err(format!("feature: {}", p.message(Lang::En)));
    }
    Ok(feature)
}

/// Reads one edit; the error names the field at fault.
pub fn parse_edit(v: &Value) -> Result<Edit, String> {
    let op = text(v, "op")?;
    Ok(match op.as_str() {
        "create" => {
            let layer = layer(v)?;
            Edit::Create { layer, feature: feature(v, layer)? }
        }
        "replace" => {
            let layer = layer(v)?;
            Edit::Replace { layer, feature: feature(v, layer)? }
        }
        "delete" => Edit::Delete {
            layer: layer(v)?,
            code: text(v, "code")?,
            reassign_to: match v.get("reassign_to") {
                None | Some(Value::Null) => None,
                Some(_) => Some(text(v, "reassign_to")?),
            },
        },
        "split" => {
            let layer = area_layer(v)?;
            let line = match v.get("line").cloned().map(parse_geometry) {
                Some(Ok(Geometry::LineString(l))) => l,
                Some(Ok(_)) => return Err("\"line\" must be a GeoJSON LineString".into()),
                Some(Err(r)) => return Err(format!("line: {r:?}")),
                None => return Err("\"line\" (GeoJSON LineString) is missing".into()),
            };
            if line.0.iter().any(|c| !c.x.is_finite() || !c.y.is_finite()) {
                return Err("line: coordinates must be finite".into());
            }
            Edit::Split { layer, code: text(v, "code")?, line: LineString::new(line.0), new_code: text(v, "new_code")? }
        }
        "merge" => Edit::Merge { layer: area_layer(v)?, codes: texts(v, "codes")? },
        "move_boundary" => {
            let layer = area_layer(v)?;
            Edit::MoveBoundary {
                layer,
                grow: text(v, "grow")?,
                shrink: text(v, "shrink")?,
                geometry: geometry(v, "geometry", layer)?,
            }
        }
        "reassign_buildings" => Edit::ReassignBuildings { buildings: texts(v, "buildings")?, grid: text(v, "grid")? },
        other => {
            return Err(format!(
                "unknown op '{other}' (create, replace, delete, split, merge, move_boundary, reassign_buildings)"
            ));
        }
    })
}

/// The JSON of an edit that makes `layer`'s feature `code` look like `now` (or removes it).
pub fn restoring_edit(layer: Layer, code: &str, existed: bool, now: Option<&Feature>) -> Value {
    match now {
        Some(f) => serde_json::json!({
            "op": if existed { "replace" } else { "create" },
            "layer": layer.id(),
            "feature": crate::geojson::feature_to_json(f),
        }),
        None => serde_json::json!({ "op": "delete", "layer": layer.id(), "code": code }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn edits_read_and_bad_ones_name_the_field() {
        let split = json!({"op":"split","layer":"grid","code":"A","new_code":"B",
            "line":{"type":"LineString","coordinates":[[114.0,22.0],[114.1,22.1]]}});
        assert!(matches!(parse_edit(&split), Ok(Edit::Split { .. })));
        let merge = json!({"op":"merge","layer":"building","codes":["A","B"]});
        assert!(parse_edit(&merge).unwrap_err().contains("area layers"));
        assert!(parse_edit(&json!({"op":"explode"})).unwrap_err().contains("unknown op"));
        assert!(parse_edit(&json!({"op":"delete","layer":"grid"})).unwrap_err().contains("\"code\""));
        let bad = json!({"op":"move_boundary","layer":"grid","grow":"A","shrink":"B",
            "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}});
        assert!(parse_edit(&bad).unwrap_err().contains("intersects itself"));
    }
}
