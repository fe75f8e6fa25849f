//! OGC API – Features Part 4 discovery: `OPTIONS` on a collection, its items and one item answers
//! 204 with an `Allow` header listing the methods that resource serves, so a client learns
//! whether it may write before it tries.
//!
//! The write methods are read from [`crate::api::guarded_routes`] — the table the router mounts
//! them from — so the header cannot list a method the router does not serve; they are listed
//! only when the server has a store to write plans into (a read-only server answers them 503).

use super::super::AppState;
use super::super::error::ApiError;
use super::collection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

const COLLECTION: &str = "/ogc/collections/{collection}";
const ITEMS: &str = "/ogc/collections/{collection}/items";
const ITEM: &str = "/ogc/collections/{collection}/items/{feature}";

/// The methods `template` serves: the reads, the writes mounted on it (with a store), `OPTIONS`.
pub fn allowed(state: &AppState, template: &str) -> String {
    let mut methods = vec!["GET".to_string(), "HEAD".to_string()];
    if state.store.is_some() {
        let writes = crate::api::guarded_routes().into_iter().filter(|g| g.path == template && g.need.audited);
        methods.extend(writes.map(|g| g.method.to_string()));
    }
    methods.push("OPTIONS".into());
    methods.join(", ")
}

fn answer(state: &AppState, template: &str, id: &str, headers: &HeaderMap) -> Result<Response, ApiError> {
    collection(id, crate::api::status::lang_of(headers))?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    let allow = HeaderValue::from_str(&allowed(state, template)).map_err(ApiError::internal)?;
    r.headers_mut().insert(header::ALLOW, allow);
    Ok(r)
}

/// `OPTIONS /ogc/collections/{collection}`
pub async fn collection_options(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    answer(&state, COLLECTION, &id, &headers)
}

/// `OPTIONS /ogc/collections/{collection}/items`
pub async fn items_options(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    answer(&state, ITEMS, &id, &headers)
}

/// `OPTIONS /ogc/collections/{collection}/items/{feature}`
pub async fn item_options(
    State(state): State<AppState>,
    Path((id, _feature)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    answer(&state, ITEM, &id, &headers)
}
