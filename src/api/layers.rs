//! `GET /api/v1/layers`, `GET /api/v1/layers/{layer}/features` and `…/features/{code}`.

use super::AppState;
use super::error::ApiError;
use super::extract::ApiPath;
use super::params::Params;
use super::schema::{ErrorBody, FeaturePage, FeaturesQuery, LangQuery, LayerInfo, LayerList, Link};
use axum::Json;
use axum::extract::State;
use geo::{Coord, Rect};
use serde_json::Value;
use wangge_core::model::Layer;
use wangge_formats::geojson::feature_to_json;
use wangge_text::zh_en;
use wangge_text::{Label, Lang};

/// Default page size for feature listings.
pub const DEFAULT_LIMIT: usize = 1000;
/// Largest page a client may ask for.
pub const MAX_LIMIT: usize = 10_000;

/// `GET /api/v1/layers`: every layer with its name and feature count.
#[utoipa::path(get, path = "/api/v1/layers", tag = "layers", params(LangQuery),
    responses((status = 200, description = "Every layer", body = LayerList)))]
pub async fn list_layers(State(state): State<AppState>, params: Params) -> Json<LayerList> {
    let snapshot = state.snapshot();
    let layers: Vec<LayerInfo> = snapshot
        .counts()
        .into_iter()
        .map(|(layer, count)| {
            let bbox = snapshot.layer(layer).extent().map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);
            LayerInfo {
                id: layer.id().to_string(),
                title: layer.label(params.lang).to_string(),
                count,
                bbox,
                features: format!("/api/v1/layers/{}/features", layer.id()),
            }
        })
        .collect();
    Json(LayerList { layers })
}

fn parse_layer(raw: &str, lang: Lang) -> Result<Layer, ApiError> {
    raw.parse().map_err(|e: wangge_core::model::UnknownLayer| {
        ApiError::not_found(if lang == Lang::Zh { format!("图层 {raw} 不存在") } else { e.to_string() })
    })
}

fn parse_bbox(raw: &str, lang: Lang) -> Result<Rect<f64>, ApiError> {
    let bad = || {
        ApiError::bad_parameter(zh_en!(
            lang,
            ("参数 bbox \"{raw}\" 无效：应为 最小经度,最小纬度,最大经度,最大纬度"),
            ("parameter bbox \"{raw}\" is not valid: expected minLon,minLat,maxLon,maxLat")
        ))
    };
    let v: Vec<f64> = raw.split(',').map(|s| s.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| bad())?;
    let [x0, y0, x1, y1] = v[..] else { return Err(bad()) };
    let ok = v.iter().all(|x| x.is_finite())
        && x0 <= x1
        && y0 <= y1
        && (-180.0..=180.0).contains(&x0)
        && (-180.0..=180.0).contains(&x1)
        && (-90.0..=90.0).contains(&y0)
        && (-90.0..=90.0).contains(&y1);
    if !ok {
        return Err(bad());
    }
    Ok(Rect::new(Coord { x: x0, y: y0 }, Coord { x: x1, y: y1 }))
}

/// `GET /api/v1/layers/{layer}/features?bbox=..&limit=..&offset=..` as a GeoJSON FeatureCollection
/// in code order, with `numberMatched`, `numberReturned` and a `next` link while more remain.
#[utoipa::path(get, path = "/api/v1/layers/{layer}/features", tag = "layers",
    params(("layer" = String, Path, description = "Layer id: `grid`, `community`, `street`, `district`, `building`, …"), FeaturesQuery),
    responses((status = 200, description = "A page of features (GeoJSON FeatureCollection)", body = FeaturePage, content_type = "application/json"), (status = 400, description = "A parameter or field is wrong", body = ErrorBody), (status = 404, description = "No such layer or feature", body = ErrorBody)))]
pub async fn list_features(
    State(state): State<AppState>,
    caller: super::access::Caller,
    ApiPath(layer): ApiPath<String>,
    params: Params,
) -> Result<Json<FeaturePage>, ApiError> {
    let lang = params.lang;
    let layer = parse_layer(&layer, lang)?;
    let limit: usize = params.optional("limit", DEFAULT_LIMIT)?;
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::bad_parameter(format!("limit: 1..={MAX_LIMIT}")));
    }
    let offset: usize = params.optional("offset", 0)?;
    let snapshot = state.snapshot();
    let data = snapshot.layer(layer);
    // Without a box, only the page is visited: the match count is the layer's size.
    let (page, number_matched): (Vec<_>, usize) = match params.get("bbox") {
        Some(raw) => {
            let matched = data.in_bbox(parse_bbox(raw, lang)?);
            (matched.iter().skip(offset).take(limit).map(|f| feature_to_json(*f)).collect(), matched.len())
        }
        None => (data.iter().skip(offset).take(limit).map(feature_to_json).collect(), data.len()),
    };
    let mut page: Vec<Value> = page;
    for f in &mut page {
        wangge_app::privacy::filter_contacts(f, caller.0.as_ref());
    }
    let mut links = vec![];
    if offset + page.len() < number_matched {
        let mut next = format!("/api/v1/layers/{}/features?limit={limit}&offset={}", layer.id(), offset + limit);
        for key in ["bbox", "lang"] {
            if let Some(v) = params.get(key) {
                next.push_str(&format!("&{key}={}", form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()));
            }
        }
        links.push(Link { rel: "next".into(), media_type: "application/geo+json".into(), href: next });
    }
    Ok(Json(FeaturePage {
        kind: "FeatureCollection",
        number_matched,
        number_returned: page.len(),
        links,
        features: page,
    }))
}

/// `GET /api/v1/layers/{layer}/features/{code}` as a GeoJSON Feature.
#[utoipa::path(get, path = "/api/v1/layers/{layer}/features/{code}", tag = "layers",
    params(("layer" = String, Path, description = "Layer id"), ("code" = String, Path, description = "Feature code"), LangQuery),
    responses((status = 200, description = "The GeoJSON Feature", body = Object), (status = 404, description = "No such layer or feature", body = ErrorBody)))]
pub async fn get_feature(
    State(state): State<AppState>,
    caller: super::access::Caller,
    ApiPath((layer, code)): ApiPath<(String, String)>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let lang = params.lang;
    let layer = parse_layer(&layer, lang)?;
    let snapshot = state.snapshot();
    let f = snapshot.layer(layer).get(&code).ok_or_else(|| {
        ApiError::not_found(zh_en!(
            lang,
            ("{}图层中没有编码 {code}", layer.label(lang)),
            ("no feature with code {code} in layer {layer}")
        ))
    })?;
    let mut v = feature_to_json(f);
    wangge_app::privacy::filter_contacts(&mut v, caller.0.as_ref());
    Ok(Json(v))
}
