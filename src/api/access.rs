//! Access: a request may carry `Authorization: Bearer …`; the holder (name, role, area) is put in
//! the request's extensions for handlers to record as author and to decide what household-level
//! rows they may see. Writes to plans and revisions need a `planner` (or `admin`) token; every write
//! is written to the audit log with who, what and the outcome (PIPL Art. 55–56, domain.md §7).
//! Reads of published aggregates stay open.

use super::AppState;
use super::error::ApiError;
use super::plans::with_backend;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use wangge_core::i18n::Lang;
use wangge_store::access::{Role, TokenHolder};
use wangge_store::plans::Author;
use wangge_store::{AuditEntry, Backend};

/// The caller of a request: the token holder, or `None` for an anonymous caller.
#[derive(Debug, Clone, Default)]
pub struct Caller(pub Option<TokenHolder>);

impl Caller {
    /// The author recorded for a change (`api` when there is no token, which the guard only
    /// lets through on a service without a database).
    pub fn author(&self) -> Author {
        match &self.0 {
            Some(h) => Author::new(h.name.clone(), h.role.id()),
            None => Author::new("api", ""),
        }
    }

    /// The caller's role; anonymous callers are viewers.
    pub fn role(&self) -> Role {
        self.0.as_ref().map_or(Role::Viewer, |h| h.role)
    }

    /// Name for the audit log.
    pub fn name(&self) -> String {
        self.0.as_ref().map_or_else(|| "anonymous".to_string(), |h| h.name.clone())
    }

    /// The caller's area, comma-separated, for the audit log.
    pub fn area(&self) -> String {
        self.0.as_ref().map(|h| h.area.join(",")).unwrap_or_default()
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Caller>().cloned().unwrap_or_default())
    }
}

/// Whether the request changes plans or revisions (validation only reads).
fn is_write(method: &Method, path: &str) -> bool {
    let plans = method == Method::POST
        && (path.starts_with("/api/v1/plans") || path.starts_with("/api/v1/revisions"))
        && !path.ends_with("/validate");
    // OGC API – Features Part 4 writes go into draft plans too.
    let ogc = path.starts_with("/ogc/") && [Method::POST, Method::PUT, Method::PATCH, Method::DELETE].contains(method);
    plans || ogc
}

fn refuse(status: StatusCode, error: &'static str, detail: &str) -> Response {
    ApiError { status, error, detail: detail.into(), problems: None }.into_response()
}

/// Identifies the caller of every request, checks the token of every write, then audits it.
pub async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    if state.store.is_none() {
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
    let write = is_write(&method, &path);
    let holder = match token {
        Some(token) => {
            // A read connection answers: an authenticated request never waits for the writer.
            match with_backend(&state, lang, move |s| s.token_holder(&token).map_err(ApiError::internal)).await {
                Ok(Some(h)) => Some(h),
                Ok(None) => {
                    if write {
                        audit(&state, AuditEntry::now("?", "-", method.as_str(), &path, 401));
                    }
                    return refuse(StatusCode::UNAUTHORIZED, "unauthorized", lang.pick("令牌无效", "unknown token"));
                }
                Err(e) => return e.into_response(),
            }
        }
        None if write => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                lang.pick("写操作需要 Authorization: Bearer 令牌", "writes need an Authorization: Bearer token"),
            );
        }
        None => None,
    };
    if write && holder.as_ref().is_some_and(|h| h.role < Role::Planner) {
        let h = holder.clone().unwrap_or_else(|| TokenHolder { name: "?".into(), role: Role::Viewer, area: vec![] });
        let entry = AuditEntry::now(&h.name, h.role.id(), method.as_str(), &path, 403);
        audit(&state, AuditEntry { area: h.area.join(","), ..entry });
        return refuse(
            StatusCode::FORBIDDEN,
            "forbidden",
            lang.pick("需要 planner 或 admin 角色", "this needs the planner or admin role"),
        );
    }
    request.extensions_mut().insert(Caller(holder.clone()));
    let response = next.run(request).await;
    if !write {
        return response;
    }
    let status = response.status().as_u16();
    let caller = Caller(holder);
    let entry = AuditEntry::now(&caller.name(), caller.role().id(), method.as_str(), &path, status);
    audit(&state, AuditEntry { area: caller.area(), ..entry });
    response
}

/// Queues an audit line for the store's background writer (no request waits for the writer).
fn audit(state: &AppState, entry: AuditEntry) {
    if let Some(store) = &state.store {
        store.append_audit(entry);
    }
}

/// `GET /api/v1/audit?after=ID&limit=N`: the newest audit rows (admins only), newest first.
pub async fn audit_log(
    State(state): State<AppState>,
    caller: Caller,
    params: super::params::Params,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let lang = params.lang;
    match caller.0.as_ref().map(|h| h.role) {
        None => {
            return Err(ApiError {
                status: StatusCode::UNAUTHORIZED,
                error: "unauthorized",
                detail: lang.pick("审计日志需要 admin 令牌", "the audit log needs an admin token").into(),
                problems: None,
            });
        }
        Some(r) if r < Role::Admin => {
            return Err(ApiError {
                status: StatusCode::FORBIDDEN,
                error: "forbidden",
                detail: lang.pick("审计日志只对 admin 开放", "the audit log is for admins only").into(),
                problems: None,
            });
        }
        Some(_) => {}
    }
    let after: i64 = params.optional("after", 0)?;
    let limit: i64 = params.optional("limit", 100)?;
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::bad_parameter(
            lang.pick("参数 limit 须在 1 到 10000 之间", "parameter limit must be between 1 and 10000"),
        ));
    }
    let rows = with_backend(&state, lang, move |s| s.audit_rows(after, limit).map_err(ApiError::internal)).await?;
    Ok(axum::Json(serde_json::json!({ "count": rows.len(), "rows": rows })))
}
