//! OGC API – Features at `/ogc`: Part 1 (core, GeoJSON, HTML, OpenAPI 3.0), Part 2 (CRS by
//! reference), Part 3 (CQL2 text filters, queryables) and Part 4 (create, replace, update, delete
//! on area layers, written into draft plans of the planning workflow). Imported networks are
//! read-only collections `network.NAME` ([`networks`]).

pub mod collections;
pub mod crs;
pub mod discovery;
pub mod html;
pub mod items;
pub mod landing;
pub mod networks;
pub mod openapi;
pub mod request;
pub mod select;
pub mod write;

use super::AppState;
use super::error::ApiError;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use wangge_core::model::Layer;
use wangge_text::Lang;
use wangge_text::zh_en;

/// Media type of GeoJSON responses.
pub const GEOJSON: &str = "application/geo+json";
/// Media type of the OpenAPI document.
pub const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.0";

/// The `/ogc` read routes; the Part 4 writes are mounted behind the planner requirement by
/// [`super::guarded_routes`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ogc", get(landing::landing))
        .route("/ogc/", get(landing::landing))
        .route("/ogc/conformance", get(landing::conformance))
        .route("/ogc/api", get(openapi::document))
        .route("/ogc/collections", get(collections::list))
        .route("/ogc/collections/{collection}", get(collections::one).options(discovery::options))
        .route("/ogc/collections/{collection}/queryables", get(collections::queryables_handler))
        .route("/ogc/collections/{collection}/items", get(items::list).options(discovery::options))
        .route("/ogc/collections/{collection}/items/{feature}", get(items::one).options(discovery::options))
}

/// The layer a collection id names, or 404.
pub fn collection(id: &str, lang: Lang) -> Result<Layer, ApiError> {
    id.parse::<Layer>()
        .ok()
        .filter(|l| l.id() == id)
        .ok_or_else(|| ApiError::not_found(zh_en!(lang, ("集合 {id} 不存在"), ("no collection {id}"))))
}

/// A JSON body with `content_type`.
pub fn json_response(status: StatusCode, body: &Value, content_type: &'static str) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// An HTML page.
pub fn html_response(page: String) -> Response {
    let mut r = page.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r
}

/// The current UTC time as RFC 3339 (`timeStamp` of item pages).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}
