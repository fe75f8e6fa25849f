//! `/ogc/` (landing page) and `/ogc/conformance`.

use super::super::error::ApiError;
use super::request::{Format, OgcRequest};
use super::{OPENAPI, html, html_response, json_response};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

/// The conformance classes this service implements.
pub const CONFORMS_TO: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
];

/// `GET /ogc/`
pub async fn landing(req: OgcRequest) -> Result<Response, ApiError> {
    req.refuse_unknown(&[], &[])?;
    let base = &req.base;
    let lang = req.lang();
    let body = json!({
        "title": lang.pick("网格 wangge — OGC API 要素服务", "wangge — OGC API – Features"),
        "description": lang.pick(
            "区、街道、社区、网格、楼栋和服务中心图层（OGC API – Features 第 1–4 部分）",
            "districts, streets, communities, grids, buildings and service centres (OGC API – Features Parts 1–4)"),
        "links": [
            { "rel": "self", "type": "application/json", "title": "this document", "href": format!("{base}/?f=json") },
            { "rel": "alternate", "type": "text/html", "title": "this document as HTML", "href": format!("{base}/?f=html") },
            { "rel": "service-desc", "type": OPENAPI, "title": "the API definition (OpenAPI 3.0)", "href": format!("{base}/api") },
            { "rel": "conformance", "type": "application/json", "title": "conformance classes", "href": format!("{base}/conformance") },
            { "rel": "data", "type": "application/json", "title": "collections", "href": format!("{base}/collections") },
        ],
    });
    Ok(match req.format {
        Format::Json => json_response(StatusCode::OK, &body, "application/json"),
        Format::Html => html_response(html::landing(&body)),
    })
}

/// `GET /ogc/conformance`
pub async fn conformance(req: OgcRequest) -> Result<Response, ApiError> {
    req.refuse_unknown(&[], &[])?;
    let body = json!({ "conformsTo": CONFORMS_TO });
    Ok(match req.format {
        Format::Json => json_response(StatusCode::OK, &body, "application/json"),
        Format::Html => html_response(html::json_page("conformance", &body)),
    })
}
