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
use axum::extract::{MatchedPath, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

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

/// `OPTIONS` on `/ogc/collections/{collection}`, `…/items` and `…/items/{feature}`: one handler,
/// since the answer depends only on the route template it was reached by.
pub async fn options(
    State(state): State<AppState>,
    route: MatchedPath,
    Path(params): Path<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = params.get("collection").map_or("", String::as_str);
    collection(id, crate::api::status::lang_of(&headers))?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    let allow = HeaderValue::from_str(&allowed(&state, route.as_str())).map_err(ApiError::internal)?;
    r.headers_mut().insert(header::ALLOW, allow);
    Ok(r)
}
