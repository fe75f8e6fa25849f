//! `GET /ogc/collections/{id}/items` and `…/items/{featureId}`: pages of GeoJSON features in
//! code order and single features (with an ETag for Part 4), in CRS84 or any offered `crs`.

use super::super::AppState;
use super::super::error::ApiError;
use super::collections::property_filters;
use super::crs::OgcCrs;
use super::request::{Format, OgcRequest, encode_query};
use super::select::{Selection, Source, bbox_param, datetime_param, filter_param, plan_layer, plan_param};
use super::{GEOJSON, collection, html, html_response, json_response, now_rfc3339};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wangge_app::network_tiles::network_of;
use wangge_core::feature_ref::FeatureRef;
use wangge_core::model::Layer;
use wangge_formats::geojson::{feature_to_json, geometry_to_json};
use wangge_store::validity::DateSpan;
use wangge_text::zh_en;

/// Items per page when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 10;
/// Larger `limit`s are served as this many (OGC: a limit over the maximum is not an error).
pub const MAX_LIMIT: usize = 10_000;

/// Query parameters of the items resource besides `name=value` property filters.
pub const ITEMS_PARAMS: &[&str] =
    &["limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang", "filter-crs", "plan"];

/// A feature's ETag: a digest of its GeoJSON, so any change of attributes or geometry changes it.
pub fn feature_etag<'a>(f: impl Into<FeatureRef<'a>>) -> String {
    let digest = Sha256::digest(feature_to_json(f).to_string().as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// `crs`: the output system (CRS84 when absent).
pub fn crs_param(req: &OgcRequest) -> Result<OgcCrs, ApiError> {
    match req.params.get("crs") {
        Some(c) => OgcCrs::parse(c, "crs", req.lang()),
        None => Ok(OgcCrs::Crs84),
    }
}

/// A feature as GeoJSON in `crs`.
pub fn feature_json<'a>(f: impl Into<FeatureRef<'a>>, crs: OgcCrs) -> Result<Value, ApiError> {
    let f = f.into();
    let mut v = feature_to_json(f);
    if crs != OgcCrs::Crs84 {
        v["geometry"] = geometry_to_json(&crs.from_wgs84(&f.geometry())?);
    }
    Ok(v)
}

/// `r` with its `Content-Crs` header naming `crs`.
pub fn with_crs(mut r: Response, crs: OgcCrs) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("<{}>", crs.uri())) {
        r.headers_mut().insert("content-crs", v);
    }
    r
}

/// `limit`: [`DEFAULT_LIMIT`] when absent, at most [`MAX_LIMIT`]; below 1 is a 400.
pub fn limit_param(req: &OgcRequest) -> Result<usize, ApiError> {
    let lang = req.lang();
    let Some(raw) = req.params.get("limit") else { return Ok(DEFAULT_LIMIT) };
    match raw.trim().parse::<u64>() {
        Ok(n) if n >= 1 => Ok((n.min(MAX_LIMIT as u64)) as usize),
        _ => Err(ApiError::bad_parameter(zh_en!(
            lang,
            ("参数 limit 的值 \"{raw}\" 无效：应为不小于 1 的整数"),
            ("parameter limit: \"{raw}\" is not valid (an integer ≥ 1)")
        ))),
    }
}

/// Reads the source the request asks for: a draft plan, the history at `datetime`, or what is published.
async fn source(state: &AppState, req: &OgcRequest, layer: Layer) -> Result<Source, ApiError> {
    let lang = req.lang();
    let plan = plan_param(req)?;
    let when = datetime_param(req)?;
    match (plan, when) {
        (Some(id), when) => {
            let features = plan_layer(state, &req.caller, id, layer, lang).await?;
            // A draft takes effect when it is published, today at the earliest: an interval that
            // ends before today holds none of it.
            let today = super::super::history::today();
            let ended = when.is_some_and(|(_, to)| to.is_some_and(|t| t < today));
            Ok(Source::Owned(if ended { Vec::new() } else { features }))
        }
        (None, Some((from, to))) => {
            let features = super::super::plans::with_reader(state, lang, move |s| {
                let span = DateSpan { from: from.as_deref(), to: to.as_deref() };
                s.layer_valid_between(layer, span).map_err(ApiError::internal)
            })
            .await;
            match features {
                Ok(f) => Ok(Source::Owned(f)),
                // A read-only service has no history: everything published is all there is.
                Err(e) if e.status == StatusCode::NOT_FOUND => Ok(Source::Live(state.snapshot())),
                Err(e) => Err(e),
            }
        }
        (None, None) => Ok(Source::Live(state.snapshot())),
    }
}

/// `GET /ogc/collections/{id}/items`
pub async fn list(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: OgcRequest,
) -> Result<Response, ApiError> {
    let lang = req.lang();
    if let Some(name) = network_of(&id) {
        return super::networks::items(&state, name, &req).await;
    }
    let layer = collection(&id, lang)?;
    let snapshot = state.snapshot();
    let props = property_filters(&snapshot, layer);
    req.refuse_unknown(ITEMS_PARAMS, &props)?;
    let limit = limit_param(&req)?;
    let offset: usize = req.params.optional("offset", 0)?;
    let crs = crs_param(&req)?;
    // Checked even when bbox or filter is absent: a wrong CRS name is a mistake either way.
    for key in ["bbox-crs", "filter-crs"] {
        if let Some(c) = req.params.get(key) {
            super::crs::OgcCrs::parse(c, key, lang)?;
        }
    }
    let selection = Selection {
        bbox: bbox_param(&req)?,
        filter: filter_param(&req, &snapshot, layer)?,
        equals: props.iter().filter_map(|k| req.params.get(k).map(|v| (k.clone(), v.to_string()))).collect(),
    };
    let source = source(&state, &req, layer).await?;
    let matched = selection.apply(&source, layer);
    page_response(&req, layer.id(), &matched, limit, offset, crs)
}

/// One page of `matched` as a GeoJSON FeatureCollection (or HTML) with its paging links.
pub fn page_response(
    req: &OgcRequest,
    id: &str,
    matched: &[FeatureRef<'_>],
    limit: usize,
    offset: usize,
    crs: OgcCrs,
) -> Result<Response, ApiError> {
    let lang = req.lang();
    let mut page: Vec<Value> =
        matched.iter().skip(offset).take(limit).map(|f| feature_json(*f, crs)).collect::<Result<_, _>>()?;
    for f in &mut page {
        wangge_app::privacy::filter_contacts(f, req.caller.0.as_ref());
    }

    let here = format!("{}/collections/{id}/items", req.base);
    let kept = req.query_without(&["limit", "offset", "f"]);
    let link = |rel: &str, ty: &str, f: &str, off: Option<usize>| {
        let mut q = kept.clone();
        q.push(("f".into(), f.into()));
        q.push(("limit".into(), limit.to_string()));
        q.push(("offset".into(), off.unwrap_or(offset).to_string()));
        json!({ "rel": rel, "type": ty, "title": rel, "href": format!("{here}?{}", encode_query(&q)) })
    };
    let mut links = vec![link("self", GEOJSON, "json", None), link("alternate", "text/html", "html", None)];
    if offset + page.len() < matched.len() {
        links.push(link("next", GEOJSON, "json", Some(offset + limit)));
    }
    if offset > 0 {
        links.push(link("prev", GEOJSON, "json", Some(offset.saturating_sub(limit))));
    }
    links.push(json!({ "rel": "collection", "type": "application/json", "title": "collection",
        "href": format!("{}/collections/{id}", req.base) }));
    let body = json!({
        "type": "FeatureCollection",
        "timeStamp": now_rfc3339(),
        "numberMatched": matched.len(),
        "numberReturned": page.len(),
        "links": links,
        "features": page,
    });
    Ok(with_crs(
        match req.format {
            Format::Json => json_response(StatusCode::OK, &body, GEOJSON),
            Format::Html => html_response(html::items(&body, id, lang)),
        },
        crs,
    ))
}

/// `GET /ogc/collections/{id}/items/{featureId}` with its ETag.
pub async fn one(
    State(state): State<AppState>,
    Path((id, code)): Path<(String, String)>,
    req: OgcRequest,
) -> Result<Response, ApiError> {
    let lang = req.lang();
    if let Some(name) = network_of(&id) {
        return super::networks::item(&state, name, &code, &req).await;
    }
    let layer = collection(&id, lang)?;
    req.refuse_unknown(&["crs", "plan"], &[])?;
    let crs = crs_param(&req)?;
    let plan = plan_param(&req)?;
    let source = match plan {
        Some(p) => Source::Owned(plan_layer(&state, &req.caller, p, layer, lang).await?),
        None => Source::Live(state.snapshot()),
    };
    let f = source.get(layer, &code).ok_or_else(|| {
        ApiError::not_found(zh_en!(
            lang,
            ("集合 {layer} 中没有要素 {code}"),
            ("no feature {code} in collection {layer}")
        ))
    })?;
    let mut body = feature_json(f, crs)?;
    wangge_app::privacy::filter_contacts(&mut body, req.caller.0.as_ref());
    let here = format!("{}/collections/{}/items/{}", req.base, layer.id(), code);
    let plan_q = plan.map(|p| format!("&plan={p}")).unwrap_or_default();
    body["links"] = json!([
        { "rel": "self", "type": GEOJSON, "title": "this feature", "href": format!("{here}?f=json{plan_q}") },
        { "rel": "alternate", "type": "text/html", "title": "this feature as HTML", "href": format!("{here}?f=html{plan_q}") },
        { "rel": "collection", "type": "application/json", "title": "collection",
          "href": format!("{}/collections/{}", req.base, layer.id()) },
    ]);
    let mut r = match req.format {
        Format::Json => json_response(StatusCode::OK, &body, GEOJSON),
        Format::Html => html_response(html::item(&body, layer.id())),
    };
    if let Ok(v) = HeaderValue::from_str(&feature_etag(f)) {
        r.headers_mut().insert(header::ETAG, v);
    }
    Ok(with_crs(r, crs))
}
