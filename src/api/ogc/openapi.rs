//! `GET /ogc/api`: the OpenAPI 3.0 definition, generated from the same lists the handlers use
//! (collections, queryables, offered CRSs, item parameters), so it cannot drift from them.

use super::super::AppState;
use super::super::error::ApiError;
use super::OPENAPI;
use super::collections::queryables;
use super::crs::offered;
use super::items::MAX_LIMIT;
use super::json_response;
use super::request::OgcRequest;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use wangge_app::network_tiles::{NetworkLayer, layer_id};
use wangge_core::model::Layer;
use wangge_core::snapshot::Snapshot;

fn param(name: &str) -> Value {
    json!({ "$ref": format!("#/components/parameters/{name}") })
}

fn error(desc: &str) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/exception" } } } })
}

fn ok(desc: &str, media: &str, schema: &str) -> Value {
    json!({ "description": desc, "content": {
        media: { "schema": { "$ref": format!("#/components/schemas/{schema}") } },
        "text/html": { "schema": { "type": "string" } },
    } })
}

/// A date, optionally with a time (RFC 3339); digits spelled out so generators send ASCII.
const DAY: &str = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-][0-2][0-9]:[0-5][0-9]))?";

fn components() -> Value {
    let crs_list = offered();
    let day_or_open = format!("({DAY}|\\.\\.)");
    json!({
        "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer",
            "description": "a planner or admin token from `wangge token create`" } },
        "parameters": {
            "f": { "name": "f", "in": "query", "required": false, "description": "encoding (default: JSON, or HTML for browsers)",
                   "schema": { "type": "string", "enum": ["json", "html"] } },
            "lang": { "name": "lang", "in": "query", "required": false, "description": "message language (default zh, or Accept-Language)",
                      "schema": { "type": "string", "enum": ["zh", "en"] } },
            "limit": { "name": "limit", "in": "query", "required": false, "style": "form", "explode": false,
                       "description": format!("items per page (default 10; values over {MAX_LIMIT} are served as {MAX_LIMIT})"),
                       "schema": { "type": "integer", "minimum": 1, "default": 10 } },
            "offset": { "name": "offset", "in": "query", "required": false, "description": "items to skip (code order)",
                        "schema": { "type": "integer", "minimum": 0, "default": 0 } },
            "bbox": { "name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
                      "description": "minimum and maximum of each axis in bbox-crs (CRS84: minLon,minLat,maxLon,maxLat); west > east crosses the antimeridian, south > north selects nothing",
                      "schema": { "type": "array", "minItems": 4, "maxItems": 4, "items": { "type": "number" } } },
            "bbox-crs": { "name": "bbox-crs", "in": "query", "required": false, "description": "CRS of bbox (default CRS84)",
                          "schema": { "type": "string", "format": "uri", "enum": crs_list } },
            "crs": { "name": "crs", "in": "query", "required": false, "description": "CRS of the returned geometries (default CRS84)",
                     "schema": { "type": "string", "format": "uri", "enum": crs_list } },
            "datetime": { "name": "datetime", "in": "query", "required": false,
                          "description": "features valid at this instant or at some moment of this interval (effective dates valid_from ≤ d < valid_to)",
                          "schema": { "type": "string", "pattern": format!("^({DAY}|{day_or_open}/{day_or_open})$") } },
            "filter": { "name": "filter", "in": "query", "required": false,
                        "description": "CQL2 text: comparisons, AND/OR/NOT, IN, LIKE, BETWEEN, IS NULL, S_INTERSECTS with BBOX/POINT/LINESTRING/POLYGON",
                        "schema": { "type": "string", "minLength": 1 } },
            "filter-lang": { "name": "filter-lang", "in": "query", "required": false,
                             "schema": { "type": "string", "enum": ["cql2-text"] } },
            "filter-crs": { "name": "filter-crs", "in": "query", "required": false, "description": "CRS of geometry literals in filter",
                            "schema": { "type": "string", "format": "uri", "enum": crs_list } },
            "plan": { "name": "plan", "in": "query", "required": false,
                      "description": "a draft plan: read its state, or write into it",
                      "schema": { "type": "integer", "minimum": 1 } },
            "featureId": { "name": "featureId", "in": "path", "required": true, "description": "the feature's code",
                           "schema": { "type": "string" } },
        },
        "schemas": {
            "exception": { "type": "object", "required": ["error", "detail"], "properties": {
                "error": { "type": "string" }, "detail": { "type": "string" }, "problems": {} } },
            "link": { "type": "object", "required": ["href"], "properties": {
                "href": { "type": "string" }, "rel": { "type": "string" }, "type": { "type": "string" }, "title": { "type": "string" } } },
            "links": { "type": "array", "items": { "$ref": "#/components/schemas/link" } },
            "landingPage": { "type": "object", "required": ["links"], "properties": {
                "title": { "type": "string" }, "description": { "type": "string" }, "links": { "$ref": "#/components/schemas/links" } } },
            "confClasses": { "type": "object", "required": ["conformsTo"], "properties": {
                "conformsTo": { "type": "array", "items": { "type": "string" } } } },
            "collection": { "type": "object", "required": ["id", "links"], "properties": {
                "id": { "type": "string" }, "title": { "type": "string" }, "description": { "type": "string" },
                "itemType": { "type": "string" }, "extent": { "type": "object" },
                "crs": { "type": "array", "items": { "type": "string" } }, "storageCrs": { "type": "string" },
                "links": { "$ref": "#/components/schemas/links" } } },
            "collections": { "type": "object", "required": ["links", "collections"], "properties": {
                "links": { "$ref": "#/components/schemas/links" },
                "collections": { "type": "array", "items": { "$ref": "#/components/schemas/collection" } } } },
            "queryables": { "type": "object", "required": ["properties"], "properties": {
                "properties": { "type": "object" }, "type": { "type": "string" } } },
            "geometry": { "type": "object", "required": ["type"], "nullable": true, "properties": {
                "type": { "type": "string", "enum": ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"] },
                "coordinates": { "type": "array" } } },
            "feature": { "type": "object", "required": ["type", "geometry", "properties"], "properties": {
                "type": { "type": "string", "enum": ["Feature"] },
                "id": { "oneOf": [{ "type": "string" }, { "type": "integer" }] },
                "geometry": { "$ref": "#/components/schemas/geometry" },
                "properties": { "type": "object", "nullable": true },
                "links": { "$ref": "#/components/schemas/links" } } },
            "featureCollection": { "type": "object", "required": ["type", "features"], "properties": {
                "type": { "type": "string", "enum": ["FeatureCollection"] },
                "features": { "type": "array", "items": { "$ref": "#/components/schemas/feature" } },
                "links": { "$ref": "#/components/schemas/links" },
                "timeStamp": { "type": "string", "format": "date-time" },
                "numberMatched": { "type": "integer", "minimum": 0 },
                "numberReturned": { "type": "integer", "minimum": 0 } } },
        },
    })
}

fn write_responses(created: bool) -> Value {
    let mut r = Map::new();
    if created {
        r.insert(
            "201".into(),
            json!({ "description": "created in the draft plan named by the Wangge-Plan header; Location points at it",
            "content": { "application/geo+json": { "schema": { "$ref": "#/components/schemas/feature" } } } }),
        );
    } else {
        r.insert(
            "200".into(),
            json!({ "description": "changed in the draft plan named by the Wangge-Plan header",
            "content": { "application/geo+json": { "schema": { "$ref": "#/components/schemas/feature" } } } }),
        );
    }
    for (code, desc) in [
        ("400", "bad body, geometry or parameter (named)"),
        ("401", "no or unknown token"),
        ("403", "the token's role may not write"),
        ("404", "no such collection, feature or plan"),
        ("409", "the feature exists already, or the plan is not a draft"),
        ("412", "If-Match is not the feature's current ETag"),
        ("413", "body too large"),
        ("422", "the change breaks error rules (the findings) or cannot be applied"),
    ] {
        r.insert(code.into(), error(desc));
    }
    Value::Object(r)
}

/// The paths of collection `id` with its `queryables`; `writable` adds the Part 4 writes and the
/// `plan`/`datetime` parameters (the layers), without them it is read-only (the networks).
fn collection_paths(id: &str, queryables: Vec<(String, &str)>, writable: bool, paths: &mut Map<String, Value>) {
    let common = [param("f"), param("lang")];
    let mut item_params: Vec<Value> = common.to_vec();
    for p in ["limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang", "filter-crs", "plan"] {
        if writable || !matches!(p, "datetime" | "plan") {
            item_params.push(param(p));
        }
    }
    for (k, t) in queryables {
        if t == "geometry" {
            continue;
        }
        item_params.push(json!({ "name": k, "in": "query", "required": false,
            "description": format!("only features whose {k} equals this value"), "schema": { "type": "string" } }));
    }
    let not_found = error("no such collection or feature");
    let bad = error("a parameter is not valid (named in detail)");
    paths.insert(
        format!("/collections/{id}"),
        json!({ "get": {
        "summary": format!("the {id} collection"), "operationId": format!("describe_{id}"), "parameters": common,
        "responses": { "200": ok("the collection", "application/json", "collection"), "400": bad } } }),
    );
    paths.insert(format!("/collections/{id}/queryables"), json!({ "get": {
        "summary": format!("queryable properties of {id}"), "operationId": format!("queryables_{id}"), "parameters": common,
        "responses": { "200": ok("a JSON Schema", "application/schema+json", "queryables"), "400": bad } } }));
    if !writable {
        paths.insert(format!("/collections/{id}/items"), json!({
            "get": { "summary": format!("features of {id}"), "operationId": format!("items_{id}"), "parameters": item_params,
                "responses": { "200": ok("a page of features in code order", "application/geo+json", "featureCollection"), "400": bad } } }));
        paths.insert(format!("/collections/{id}/items/{{featureId}}"), json!({
            "get": { "summary": format!("one {id} feature (with its ETag)"), "operationId": format!("item_{id}"),
                "parameters": [param("featureId"), param("f"), param("lang"), param("crs")],
                "responses": { "200": ok("the feature", "application/geo+json", "feature"), "400": bad, "404": not_found } } }));
        return;
    }
    let body = json!({ "required": true, "content": {
        "application/geo+json": { "schema": { "$ref": "#/components/schemas/feature" } },
        "application/json": { "schema": { "$ref": "#/components/schemas/feature" } } } });
    let bracketed: Vec<String> = offered().into_iter().map(|u| format!("<{u}>")).collect();
    let content_crs = json!({ "name": "Content-Crs", "in": "header", "required": false,
        "description": "CRS of the body's geometry, as <URI> (default CRS84)", "schema": { "type": "string", "enum": bracketed } });
    let if_match = json!({ "name": "If-Match", "in": "header", "required": false,
        "description": "the ETag from GET …/items/{featureId}", "schema": { "type": "string" } });
    let security = json!([{ "bearer": [] }]);
    paths.insert(format!("/collections/{id}/items"), json!({
        "get": { "summary": format!("features of {id}"), "operationId": format!("items_{id}"), "parameters": item_params,
            "responses": { "200": ok("a page of features in code order", "application/geo+json", "featureCollection"),
                           "400": bad, "404": error("no such plan") } },
        "post": { "summary": format!("add a {id} feature to a draft plan"), "operationId": format!("create_{id}"),
            "parameters": [param("lang"), param("plan"), content_crs], "requestBody": body, "security": security,
            "responses": write_responses(true) },
    }));
    paths.insert(format!("/collections/{id}/items/{{featureId}}"), json!({
        "get": { "summary": format!("one {id} feature (with its ETag)"), "operationId": format!("item_{id}"),
            "parameters": [param("featureId"), param("f"), param("lang"), param("crs"), param("plan")],
            "responses": { "200": ok("the feature", "application/geo+json", "feature"), "400": bad, "404": not_found } },
        "put": { "summary": format!("replace a {id} feature in a draft plan"), "operationId": format!("replace_{id}"),
            "parameters": [param("featureId"), param("lang"), param("plan"), content_crs, if_match],
            "requestBody": body, "security": security, "responses": write_responses(false) },
        "patch": { "summary": format!("merge-patch a {id} feature in a draft plan"), "operationId": format!("update_{id}"),
            "parameters": [param("featureId"), param("lang"), param("plan"), content_crs, if_match],
            "requestBody": { "required": true, "content": { "application/merge-patch+json": { "schema": { "type": "object" } },
                                                             "application/json": { "schema": { "type": "object" } } } },
            "security": security, "responses": write_responses(false) },
        "delete": { "summary": format!("delete a {id} feature in a draft plan"), "operationId": format!("delete_{id}"),
            "parameters": [param("featureId"), param("lang"), param("plan"), if_match], "security": security,
            "responses": {
                "204": { "description": "deleted in the draft plan named by the Wangge-Plan header" },
                "400": bad, "401": error("no or unknown token"), "403": error("the token's role may not write"),
                "404": not_found, "409": error("the plan is not a draft"), "412": error("stale If-Match"),
                "422": error("the deletion breaks error rules") } },
    }));
}

/// The whole document for `server` (the absolute `/ogc` URL).
pub fn document_json(snapshot: &Snapshot, networks: &[Arc<NetworkLayer>], server: &str) -> Value {
    let common = [param("f"), param("lang")];
    let bad = error("a parameter is not valid (named in detail)");
    let mut paths = Map::new();
    paths.insert("/".into(), json!({ "get": { "summary": "landing page", "operationId": "landing", "parameters": common.clone(),
        "responses": { "200": ok("links to the API definition, conformance and collections", "application/json", "landingPage"), "400": bad } } }));
    paths.insert("/conformance".into(), json!({ "get": { "summary": "conformance classes", "operationId": "conformance",
        "parameters": common, "responses": { "200": ok("the classes implemented", "application/json", "confClasses"), "400": bad } } }));
    paths.insert("/api".into(), json!({ "get": { "summary": "this document", "operationId": "api", "parameters": [param("lang")],
        "responses": { "200": { "description": "OpenAPI 3.0", "content": { OPENAPI: { "schema": { "type": "object" } } } }, "400": bad.clone() } } }));
    paths.insert(
        "/collections".into(),
        json!({ "get": { "summary": "every layer", "operationId": "collections", "parameters": common,
        "responses": { "200": ok("the collections", "application/json", "collections"), "400": bad } } }),
    );
    for layer in Layer::ALL {
        collection_paths(layer.id(), queryables(snapshot, layer), true, &mut paths);
    }
    for network in networks {
        collection_paths(&layer_id(&network.name), super::networks::queryables(network), false, &mut paths);
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "wangge — OGC API – Features",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "网格 districts, streets, communities, grids, buildings and service centres; other departments' imported networks as read-only collections network.NAME. Writes go into draft plans (see README: OGC API).",
            "license": { "name": "MIT OR Apache-2.0" },
        },
        "servers": [{ "url": server }],
        "paths": paths,
        "components": components(),
    })
}

/// `GET /ogc/api`
pub async fn document(State(state): State<AppState>, req: OgcRequest) -> Result<Response, ApiError> {
    req.refuse_unknown(&[], &[])?;
    let networks = super::networks::all(&state, req.lang()).await;
    let body = document_json(&state.snapshot(), &networks, &req.base);
    Ok(json_response(StatusCode::OK, &body, OPENAPI))
}
