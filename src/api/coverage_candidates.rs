//! The `candidates` field of a suggestion request: `"buildings"`, `"nodes"`, an array of points, or
//! a GeoJSON FeatureCollection of points — each error naming the item at fault.

use super::coverage::MAX_CANDIDATES;
use super::error::ApiError;
use geo::Coord;
use serde_json::Value;
use wangge_core::coverage::{Context, Site};
use wangge_text::Lang;

fn bad(lang: Lang, zh: String, en: String) -> ApiError {
    ApiError::bad_parameter(if lang == Lang::Zh { zh } else { en })
}

fn valid(c: Coord) -> bool {
    c.x.is_finite() && c.y.is_finite() && (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y)
}

/// Reads candidate sites. `"nodes"` takes every network node, thinned evenly to at most
/// [`MAX_CANDIDATES`]; `"buildings"` every building (the default).
pub fn parse(v: &Value, ctx: &Context, lang: Lang) -> Result<Vec<Site>, ApiError> {
    let site = |i: usize, at: Coord| Site { code: format!("candidate-{i}"), name: String::new(), at };
    match v {
        Value::Null => {
            Ok(ctx.homes.iter().map(|h| Site { code: h.code.clone(), name: h.name.clone(), at: h.at }).collect())
        }
        Value::String(s) if s == "buildings" => {
            Ok(ctx.homes.iter().map(|h| Site { code: h.code.clone(), name: h.name.clone(), at: h.at }).collect())
        }
        Value::String(s) if s == "nodes" => {
            let n = ctx.net.node_count();
            let step = n.div_ceil(MAX_CANDIDATES).max(1);
            Ok(ctx
                .net
                .nodes()
                .iter()
                .enumerate()
                .step_by(step)
                .map(|(i, &c)| site(i, Coord { x: c.x, y: c.y }))
                .collect())
        }
        Value::Array(items) => {
            if items.len() > MAX_CANDIDATES {
                return Err(ApiError::too_large(format!("candidates: {} > {MAX_CANDIDATES}", items.len())));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let (at, code, name) = match item {
                        Value::Array(p) if p.len() == 2 => {
                            (p[0].as_f64().zip(p[1].as_f64()).map(|(x, y)| Coord { x, y }), None, None)
                        }
                        Value::Object(o) => (
                            o.get("lon")
                                .and_then(Value::as_f64)
                                .zip(o.get("lat").and_then(Value::as_f64))
                                .map(|(x, y)| Coord { x, y }),
                            o.get("code").and_then(Value::as_str),
                            o.get("name").and_then(Value::as_str),
                        ),
                        _ => (None, None, None),
                    };
                    let at = at.filter(|&c| valid(c)).ok_or_else(|| {
                        bad(
                            lang,
                            format!("candidates 第 {i} 项应为 [经度, 纬度] 或 {{\"lon\",\"lat\"}}"),
                            format!("candidates item {i} must be [lon, lat] or {{\"lon\",\"lat\"}} within range"),
                        )
                    })?;
                    let mut s = site(i, at);
                    if let Some(c) = code {
                        s.code = c.to_string();
                    }
                    if let Some(n) = name {
                        s.name = n.to_string();
                    }
                    Ok(s)
                })
                .collect()
        }
        Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("FeatureCollection") => {
            let features = o.get("features").and_then(Value::as_array).cloned().unwrap_or_default();
            let points: Vec<Value> = features
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let c = f
                        .pointer("/geometry/coordinates")
                        .filter(|_| f.pointer("/geometry/type") == Some(&Value::from("Point")));
                    let c = c.and_then(Value::as_array).filter(|c| c.len() >= 2).ok_or_else(|| {
                        bad(
                            lang,
                            format!("candidates 第 {i} 个要素不是点"),
                            format!("candidates feature {i} is not a Point"),
                        )
                    })?;
                    let mut p = serde_json::Map::new();
                    p.insert("lon".into(), c[0].clone());
                    p.insert("lat".into(), c[1].clone());
                    if let Some(code) = f.pointer("/properties/code") {
                        p.insert("code".into(), code.clone());
                    }
                    if let Some(name) = f.pointer("/properties/name") {
                        p.insert("name".into(), name.clone());
                    }
                    Ok(Value::Object(p))
                })
                .collect::<Result<_, ApiError>>()?;
            parse(&Value::Array(points), ctx, lang)
        }
        other => Err(bad(
            lang,
            format!("字段 candidates 应为 \"buildings\"、\"nodes\"、点数组或 GeoJSON，收到 {other}"),
            format!("field candidates must be \"buildings\", \"nodes\", an array of points or GeoJSON, got {other}"),
        )),
    }
}
