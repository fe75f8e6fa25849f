//! Other departments' networks as read-only OGC collections `network.NAME` (多网合一): described,
//! queryable, and paged like the layer collections, always of the network's current version.
//! The dot cannot occur in a layer id or a network name, so the ids never clash.

use super::super::AppState;
use super::super::align::network_layer;
use super::super::error::ApiError;
use super::super::plans::with_reader;
use super::crs::{CRS84, offered};
use super::items::{ITEMS_PARAMS, crs_param, feature_etag, feature_json, limit_param, page_response, with_crs};
use super::request::{Format, OgcRequest};
use super::select::{Selection, bbox_param, filter_for};
use super::{GEOJSON, html, html_response, json_response};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use wangge_app::network_tiles::{NetworkLayer, layer_id};
use wangge_core::feature_ref::FeatureRef;
use wangge_text::{Lang, zh_en};

/// The items parameters a network collection takes: those of a layer but `plan` and `datetime`
/// (a network has no drafts and is versioned by import, not by effective dates).
fn items_params() -> Vec<&'static str> {
    ITEMS_PARAMS.iter().copied().filter(|p| *p != "plan" && *p != "datetime").collect()
}

/// The queryable properties of a network: code, name, every attribute seen, the geometry.
pub fn queryables(network: &NetworkLayer) -> Vec<(String, &'static str)> {
    super::collections::feature_queryables(&["code", "name"], network.features.iter().map(FeatureRef::from))
}

/// Every network of the served store, indexed (none for a read-only service or a store that
/// keeps no networks).
pub async fn all(state: &AppState, lang: Lang) -> Vec<Arc<NetworkLayer>> {
    let names = with_reader(state, lang, |s| Ok(s.networks().map(|n| n.into_iter().map(|i| i.name).collect())))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_else(Vec::<String>::new);
    let mut out = Vec::new();
    for name in names {
        if let Ok(layer) = network_layer(state, lang, &name).await {
            out.push(layer);
        }
    }
    out
}

/// One network collection's description.
pub fn collection_json(network: &NetworkLayer, req: &OgcRequest) -> Value {
    let id = layer_id(&network.name);
    let base = format!("{}/collections/{id}", req.base);
    let bbox = network.extent.map_or([-180.0, -90.0, 180.0, 90.0], |r| [r.min().x, r.min().y, r.max().x, r.max().y]);
    let (name, version) = (&network.name, network.version);
    json!({
        "id": id,
        "title": zh_en!(req.lang(), ("网络 {name}"), ("network {name}")),
        "description": zh_en!(req.lang(),
            ("其他部门的网络 {name}（第 {version} 版，只读；与综合网格的对照见 /api/v1/alignment）"),
            ("another department's network {name} (version {version}, read-only; its alignment with the grids is at /api/v1/alignment)")),
        "itemType": "feature",
        "extent": { "spatial": { "bbox": [bbox], "crs": CRS84 } },
        "crs": offered(),
        "storageCrs": CRS84,
        "geometryType": "polygon",
        "links": super::collections::collection_links(&base),
    })
}

/// `GET /ogc/collections/network.NAME`
pub async fn one(state: &AppState, name: &str, req: &OgcRequest) -> Result<Response, ApiError> {
    req.refuse_unknown(&[], &[])?;
    let network = network_layer(state, req.lang(), name).await?;
    let body = collection_json(&network, req);
    Ok(match req.format {
        Format::Json => json_response(StatusCode::OK, &body, "application/json"),
        Format::Html => html_response(html::collection(&body, req.lang())),
    })
}

/// `GET /ogc/collections/network.NAME/queryables`
pub async fn queryables_handler(state: &AppState, name: &str, req: &OgcRequest) -> Result<Response, ApiError> {
    req.refuse_unknown(&[], &[])?;
    let network = network_layer(state, req.lang(), name).await?;
    let mut props = Map::new();
    for (k, t) in queryables(&network) {
        let schema = if t == "geometry" {
            json!({ "title": "geometry", "format": "geometry-polygon-or-multipolygon", "x-ogc-role": "primary-geometry" })
        } else {
            json!({ "title": k, "type": t })
        };
        props.insert(k, schema);
    }
    let id = layer_id(name);
    let body = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{}/collections/{id}/queryables", req.base),
        "type": "object",
        "title": id,
        "properties": props,
        "additionalProperties": false,
    });
    Ok(match req.format {
        Format::Json => json_response(StatusCode::OK, &body, "application/schema+json"),
        Format::Html => html_response(html::json_page(&format!("{id} — queryables"), &body)),
    })
}

/// `GET /ogc/collections/network.NAME/items`: pages in code order, with `bbox`, `filter` and
/// `property=value` as for the layers.
pub async fn items(state: &AppState, name: &str, req: &OgcRequest) -> Result<Response, ApiError> {
    let lang = req.lang();
    let network = network_layer(state, lang, name).await?;
    let known = queryables(&network);
    let props: Vec<String> = known.iter().filter(|(_, t)| *t != "geometry").map(|(k, _)| k.clone()).collect();
    req.refuse_unknown(&items_params(), &props)?;
    let limit = limit_param(req)?;
    let offset: usize = req.params.optional("offset", 0)?;
    let crs = crs_param(req)?;
    for key in ["bbox-crs", "filter-crs"] {
        if let Some(c) = req.params.get(key) {
            super::crs::OgcCrs::parse(c, key, lang)?;
        }
    }
    let id = layer_id(name);
    let selection = Selection {
        bbox: bbox_param(req)?,
        filter: filter_for(req, &known, &id)?,
        equals: props.iter().filter_map(|k| req.params.get(k).map(|v| (k.clone(), v.to_string()))).collect(),
    };
    let matched: Vec<_> = match selection.bbox.as_deref() {
        Some([r]) => network.in_bbox(*r).into_iter().filter(|f| selection.keeps(*f)).collect(),
        // Several boxes (across the antimeridian), none, or no bbox: the selection decides.
        _ => network.features.iter().map(FeatureRef::from).filter(|f| selection.keeps(*f)).collect(),
    };
    page_response(req, &id, &matched, limit, offset, crs)
}

/// `GET /ogc/collections/network.NAME/items/{code}` with its ETag.
pub async fn item(state: &AppState, name: &str, code: &str, req: &OgcRequest) -> Result<Response, ApiError> {
    let lang = req.lang();
    req.refuse_unknown(&["crs"], &[])?;
    let crs = crs_param(req)?;
    let network = network_layer(state, lang, name).await?;
    let id = layer_id(name);
    let f = network.features.iter().find(|f| f.code == code).ok_or_else(|| {
        ApiError::not_found(zh_en!(lang, ("集合 {id} 中没有要素 {code}"), ("no feature {code} in collection {id}")))
    })?;
    let mut body = feature_json(f, crs)?;
    let here = format!("{}/collections/{id}/items/{code}", req.base);
    body["links"] = json!([
        { "rel": "self", "type": GEOJSON, "title": "this feature", "href": format!("{here}?f=json") },
        { "rel": "alternate", "type": "text/html", "title": "this feature as HTML", "href": format!("{here}?f=html") },
        { "rel": "collection", "type": "application/json", "title": "collection",
          "href": format!("{}/collections/{id}", req.base) },
    ]);
    let mut r = match req.format {
        Format::Json => json_response(StatusCode::OK, &body, GEOJSON),
        Format::Html => html_response(html::item(&body, &id)),
    };
    if let Ok(v) = HeaderValue::from_str(&feature_etag(f)) {
        r.headers_mut().insert(header::ETAG, v);
    }
    Ok(with_crs(r, crs))
}
