//! Access: writes to plans and revisions need a `planner` (or `admin`) token sent as
//! `Authorization: Bearer …`; every write is written to the audit log with who, what and the
//! outcome (PIPL Art. 55–56, domain.md §7). Reads of published data stay open to viewers.

use super::AppState;
use super::error::ApiError;
use super::plans::with_store;
use crate::i18n::Lang;
use crate::store::access::Role;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Whether the request changes plans or revisions (validation only reads).
fn is_write(method: &Method, path: &str) -> bool {
    let plans = method == Method::POST
        && (path.starts_with("/api/v1/plans") || path.starts_with("/api/v1/revisions"))
        && !path.ends_with("/validate");
    // OGC API – Features Part 4 writes go into draft plans too.
    let ogc = path.starts_with("/ogc/") && [Method::POST, Method::PUT, Method::PATCH, Method::DELETE].contains(method);
    plans || ogc
}

/// Checks the token of every write, then audits it.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    if !is_write(&method, &path) || state.store.is_none() {
        return next.run(request).await;
    }
    let lang = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_locale)
        .unwrap_or_default();
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let Some(token) = token else {
        return ApiError {
            status: StatusCode::UNAUTHORIZED,
            error: "unauthorized",
            detail: lang
                .pick("写操作需要 Authorization: Bearer 令牌", "writes need an Authorization: Bearer token")
                .into(),
            problems: None,
        }
        .into_response();
    };
    let who = match with_store(&state, lang, move |s| s.token_role(&token).map_err(ApiError::internal)).await {
        Ok(w) => w,
        Err(e) => return e.into_response(),
    };
    let (name, role) = match who {
        Some((n, r)) if r >= Role::Planner => (n, r),
        found => {
            let (status, zh, en) = match found {
                None => (StatusCode::UNAUTHORIZED, "令牌无效", "unknown token"),
                Some(_) => {
                    (StatusCode::FORBIDDEN, "需要 planner 或 admin 角色", "this needs the planner or admin role")
                }
            };
            let (name, role) = found.map_or(("?".to_string(), "-".to_string()), |(n, r)| (n, format!("{r:?}")));
            let (m, p) = (method.to_string(), path.clone());
            let _ = with_store(&state, lang, move |s| {
                s.audit(&name, &role, &m, &p, status.as_u16()).map_err(ApiError::internal)
            })
            .await;
            return ApiError { status, error: "forbidden", detail: lang.pick(zh, en).into(), problems: None }
                .into_response();
        }
    };
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let role = format!("{role:?}").to_lowercase();
    let audited = with_store(&state, lang, move |s| {
        s.audit(&name, &role, method.as_str(), &path, status).map_err(ApiError::internal)
    })
    .await;
    match audited {
        Ok(()) => response,
        Err(e) => e.into_response(),
    }
}
