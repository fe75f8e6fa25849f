//! `/ogc/collections`, `/ogc/collections/{id}` and `/ogc/collections/{id}/queryables`: one
//! collection per layer, described from the published snapshot.

use super::super::AppState;
use super::super::error::ApiError;
use super::crs::{CRS84, offered};
use super::request::{Format, OgcRequest};
use super::{GEOJSON, collection, html, html_response, json_response};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};
use wangge_app::network_tiles::network_of;
use wangge_core::feature_ref::FeatureRef;
use wangge_core::model::{GeometryKind, Layer};
use wangge_core::snapshot::Snapshot;
use wangge_text::{Label, Lang};

/// The queryable properties of `layer` with their JSON Schema types: identity fields, every
/// attribute seen in the layer (first type seen), and the geometry.
pub fn queryables(snapshot: &Snapshot, layer: Layer) -> Vec<(String, &'static str)> {
    let identity: &[&str] = if layer == Layer::District { &["code", "name"] } else { &["code", "name", "parent_code"] };
    feature_queryables(identity, snapshot.layer(layer).iter())
}

/// The `identity` fields (strings), every attribute seen in `features` with the JSON Schema type
/// of its first value, and the geometry: the queryables of a layer or of a network.
pub fn feature_queryables<'a>(
    identity: &[&str],
    features: impl IntoIterator<Item = FeatureRef<'a>>,
) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = identity.iter().map(|k| (k.to_string(), "string")).collect();
    for f in features {
        for (k, v) in f.attrs().iter() {
            if out.iter().any(|(o, _)| o == k) {
                continue;
            }
            let t = match v {
                Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
                Value::Number(_) => "number",
                Value::Bool(_) => "boolean",
                _ => "string",
            };
            out.push((k.to_string(), t));
        }
    }
    out.push(("geometry".into(), "geometry"));
    out
}

/// The names `name=value` item filters accept (every queryable but the geometry).
pub fn property_filters(snapshot: &Snapshot, layer: Layer) -> Vec<String> {
    queryables(snapshot, layer).into_iter().filter(|(_, t)| *t != "geometry").map(|(k, _)| k).collect()
}

fn description(layer: Layer, lang: Lang) -> &'static str {
    match layer {
        Layer::District => lang.pick("区（县级行政区）边界", "district (county-level) boundaries"),
        Layer::Street => lang.pick("街道边界", "street (sub-district) boundaries"),
        Layer::Community => lang.pick("社区边界", "residents' community boundaries"),
        Layer::Grid => {
            lang.pick("网格边界（可通过规划方案编辑）", "governance grid boundaries (editable through plans)")
        }
        Layer::Building => lang.pick("楼栋", "buildings"),
        Layer::ServiceCentre => lang.pick("党群服务中心等服务设施", "service centres such as 党群服务中心"),
    }
}

/// The links of a collection at `base`: itself, its items and its queryables (layers and
/// networks alike).
pub fn collection_links(base: &str) -> Value {
    json!([
        { "rel": "self", "type": "application/json", "title": "this collection", "href": format!("{base}?f=json") },
        { "rel": "alternate", "type": "text/html", "title": "this collection as HTML", "href": format!("{base}?f=html") },
        { "rel": "items", "type": GEOJSON, "title": "items", "href": format!("{base}/items?f=json") },
        { "rel": "items", "type": "text/html", "title": "items as HTML", "href": format!("{base}/items?f=html") },
        { "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables", "type": "application/schema+json",
          "title": "queryables", "href": format!("{base}/queryables") },
    ])
}

/// One collection's description.
pub fn collection_json(snapshot: &Snapshot, layer: Layer, req: &OgcRequest) -> Value {
    let id = layer.id();
    let base = format!("{}/collections/{id}", req.base);
    let bbox = snapshot
        .layer(layer)
        .extent()
        .map_or([-180.0, -90.0, 180.0, 90.0], |r| [r.min().x, r.min().y, r.max().x, r.max().y]);
    let geometry = match layer.geometry_kind() {
        GeometryKind::Area => "polygon",
        GeometryKind::Point => "point",
        GeometryKind::PointOrArea => "geometry",
    };
    json!({
        "id": id,
        "title": layer.label(req.lang()),
        "description": description(layer, req.lang()),
        "itemType": "feature",
        "extent": {
            "spatial": { "bbox": [bbox], "crs": CRS84 },
            "temporal": { "interval": [[null, null]], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian" },
        },
        "crs": offered(),
        "storageCrs": CRS84,
        "geometryType": geometry,
        "links": collection_links(&base),
    })
}

/// `GET /ogc/collections`
pub async fn list(State(state): State<AppState>, req: OgcRequest) -> Result<Response, ApiError> {
    req.refuse_unknown(&[], &[])?;
    let snapshot = state.snapshot();
    let mut list: Vec<Value> = Layer::ALL.iter().map(|&l| collection_json(&snapshot, l, &req)).collect();
    for network in super::networks::all(&state, req.lang()).await {
        list.push(super::networks::collection_json(&network, &req));
    }
    let base = &req.base;
    let body = json!({
        "links": [
            { "rel": "self", "type": "application/json", "title": "collections", "href": format!("{base}/collections?f=json") },
            { "rel": "alternate", "type": "text/html", "title": "collections as HTML", "href": format!("{base}/collections?f=html") },
        ],
        "collections": list,
    });
    Ok(match req.format {
        Format::Json => json_response(StatusCode::OK, &body, "application/json"),
        Format::Html => html_response(html::collections(&body, req.lang())),
    })
}

/// `GET /ogc/collections/{id}`
pub async fn one(State(state): State<AppState>, Path(id): Path<String>, req: OgcRequest) -> Result<Response, ApiError> {
    if let Some(name) = network_of(&id) {
        return super::networks::one(&state, name, &req).await;
    }
    let layer = collection(&id, req.lang())?;
    req.refuse_unknown(&[], &[])?;
    let snapshot = state.snapshot();
    let body = collection_json(&snapshot, layer, &req);
    Ok(match req.format {
        Format::Json => json_response(StatusCode::OK, &body, "application/json"),
        Format::Html => html_response(html::collection(&body, req.lang())),
    })
}

/// `GET /ogc/collections/{id}/queryables`: a JSON Schema of the properties filters may name.
pub async fn queryables_handler(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: OgcRequest,
) -> Result<Response, ApiError> {
    if let Some(name) = network_of(&id) {
        return super::networks::queryables_handler(&state, name, &req).await;
    }
    let layer = collection(&id, req.lang())?;
    req.refuse_unknown(&[], &[])?;
    let snapshot = state.snapshot();
    let mut props = Map::new();
    for (k, t) in queryables(&snapshot, layer) {
        let schema = if t == "geometry" {
            json!({ "title": "geometry", "format": format!("geometry-{}", match layer.geometry_kind() {
                GeometryKind::Area => "polygon-or-multipolygon",
                GeometryKind::Point => "point",
                GeometryKind::PointOrArea => "any",
            }), "x-ogc-role": "primary-geometry" })
        } else {
            json!({ "title": k, "type": t })
        };
        props.insert(k, schema);
    }
    let body = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{}/collections/{}/queryables", req.base, layer.id()),
        "type": "object",
        "title": layer.label(req.lang()),
        "properties": props,
        "additionalProperties": false,
    });
    Ok(match req.format {
        Format::Json => json_response(StatusCode::OK, &body, "application/schema+json"),
        Format::Html => html_response(html::json_page(&format!("{} — queryables", layer.id()), &body)),
    })
}
