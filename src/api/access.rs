//! Access: a request may carry `Authorization: Bearer …`; the holder (name, role, area) is put in
//! the request's extensions for handlers to record as author and to decide what household-level
//! rows they may see. Writes to plans and revisions need a `planner` (or `admin`) token, checked by
//! [`require`] on the routers the write routes are declared in (not by matching URLs); every write
//! is written to the audit log with who, what and the outcome (PIPL Art. 55–56, domain.md §7).
//! Reads of published aggregates stay open.

use super::AppState;
use super::error::ApiError;
use super::extract::ApiQuery;
use super::plans::with_backend;
use super::schema::{AuditLog, AuditQuery, ErrorBody};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::future::Future;
use wangge_store::AuditEntry;
use wangge_store::access::{Role, TokenHolder};
use wangge_store::plans::Author;
use wangge_text::Lang;

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

fn refuse(status: StatusCode, error: &'static str, detail: &str) -> Response {
    ApiError::new(status, error, detail).into_response()
}

fn request_lang(request: &Request) -> Lang {
    request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_locale)
        .unwrap_or_default()
}

/// The `(method, path template)` of every write route, read once from [`super::write_routes`] —
/// the same table the write routers are built from, so the two cannot drift apart.
static WRITES: std::sync::LazyLock<Vec<(Method, &'static str)>> =
    std::sync::LazyLock::new(|| super::write_routes().into_iter().map(|w| (w.method, w.path)).collect());

/// Whether the matched route is one of the write routes (only for auditing refused unknown tokens:
/// the refusal itself does not depend on it).
fn is_write_route(method: &Method, matched: Option<&MatchedPath>) -> bool {
    matched.is_some_and(|m| WRITES.iter().any(|(wm, wp)| wm == method && *wp == m.as_str()))
}

/// Identifies the caller of every request (layered over the whole router): an unknown token is
/// 401 on any request; a known one, or none, is put in the request's extensions as [`Caller`] so
/// reads can decide what household-level rows to show. Roles are checked by [`require`] on the
/// write routers, not here.
pub async fn identify(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if state.store.is_none() {
        return next.run(request).await;
    }
    let lang = request_lang(&request);
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let holder = match token {
        Some(token) => {
            // A read connection answers: an authenticated request never waits for the writer.
            match with_backend(&state, lang, move |s| s.token_holder(&token).map_err(ApiError::internal)).await {
                Ok(Some(h)) => Some(h),
                Ok(None) => {
                    if is_write_route(request.method(), request.extensions().get::<MatchedPath>()) {
                        let (m, p) = (request.method().to_string(), request.uri().path().to_string());
                        audit(&state, AuditEntry::now("?", "-", &m, &p, 401));
                    }
                    return refuse(StatusCode::UNAUTHORIZED, "unauthorized", lang.pick("令牌无效", "unknown token"));
                }
                Err(e) => return e.into_response(),
            }
        }
        None => None,
    };
    request.extensions_mut().insert(Caller(holder));
    next.run(request).await
}

/// What a group of routes demands of its callers; see [`require`].
#[derive(Debug, Clone, Copy)]
pub struct Requirement {
    /// The least role admitted.
    pub role: Role,
    /// Whether every admitted or refused call is written to the audit log (writes are).
    pub audited: bool,
    /// Whether a service without a database lets every caller through (it has no tokens; its
    /// write handlers answer 404 themselves). The audit log never does.
    pub open_without_store: bool,
    /// The 401 detail (zh, en) for an anonymous caller.
    pub anonymous: (&'static str, &'static str),
    /// The 403 detail (zh, en) for a caller whose role is too low.
    pub too_low: (&'static str, &'static str),
}

impl Requirement {
    /// Writes to plans, revisions and OGC items: planner or admin, audited.
    pub const PLANNER: Requirement = Requirement {
        role: Role::Planner,
        audited: true,
        open_without_store: true,
        anonymous: ("写操作需要 Authorization: Bearer 令牌", "writes need an Authorization: Bearer token"),
        too_low: ("需要 planner 或 admin 角色", "this needs the planner or admin role"),
    };

    /// The audit log: admins only; reading it is not itself audited.
    pub const ADMIN: Requirement = Requirement {
        role: Role::Admin,
        audited: false,
        open_without_store: false,
        anonymous: ("审计日志需要 admin 令牌", "the audit log needs an admin token"),
        too_low: ("审计日志只对 admin 开放", "the audit log is for admins only"),
    };
}

/// The route layer of a group of routes that need `need`: anonymous callers get 401, lower roles
/// 403; with `need.audited`, refusals and outcomes are written to the audit log. Put on a router
/// with `route_layer`, it covers every route added to that router, so none can be left open.
/// Runs inside [`identify`], which has already refused unknown tokens.
pub fn require(
    need: Requirement,
) -> impl Fn(State<AppState>, Request, Next) -> std::pin::Pin<Box<dyn Future<Output = Response> + Send>>
+ Clone
+ Send
+ Sync
+ 'static {
    move |State(state), request, next| Box::pin(check(state, need, request, next))
}

async fn check(state: AppState, need: Requirement, request: Request, next: Next) -> Response {
    if state.store.is_none() && need.open_without_store {
        return next.run(request).await;
    }
    let lang = request_lang(&request);
    let caller = request.extensions().get::<Caller>().cloned().unwrap_or_default();
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let Some(holder) = caller.0.clone() else {
        return refuse(StatusCode::UNAUTHORIZED, "unauthorized", lang.pick(need.anonymous.0, need.anonymous.1));
    };
    if holder.role < need.role {
        if need.audited {
            let entry = AuditEntry::now(&holder.name, holder.role.id(), method.as_str(), &path, 403);
            audit(&state, AuditEntry { area: holder.area.join(","), ..entry });
        }
        return refuse(StatusCode::FORBIDDEN, "forbidden", lang.pick(need.too_low.0, need.too_low.1));
    }
    let response = next.run(request).await;
    if !need.audited {
        return response;
    }
    let status = response.status().as_u16();
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
#[utoipa::path(get, path = "/api/v1/audit", tag = "access", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, description = "Audit rows, newest first", body = AuditLog),
        (status = 400, description = "A parameter is wrong", body = ErrorBody), (status = 401, description = "No token", body = ErrorBody), (status = 403, description = "The role is too low", body = ErrorBody)))]
pub async fn audit_log(
    State(state): State<AppState>,
    caller: Caller,
    params: super::params::Params,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<axum::Json<AuditLog>, ApiError> {
    let lang = params.lang;
    // The ADMIN route layer has admitted only admins; this is the last line of defence should the
    // route ever be mounted without it.
    if caller.role() < Role::Admin {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            lang.pick("审计日志只对 admin 开放", "the audit log is for admins only"),
        ));
    }
    let (after, limit) = (query.after.unwrap_or(0), query.limit.unwrap_or(100));
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::bad_parameter(
            lang.pick("参数 limit 须在 1 到 10000 之间", "parameter limit must be between 1 and 10000"),
        ));
    }
    let rows = with_backend(&state, lang, move |s| s.audit_rows(after, limit).map_err(ApiError::internal)).await?;
    let count = rows.len();
    Ok(axum::Json(AuditLog { count, rows: serde_json::to_value(rows).map_err(ApiError::internal)? }))
}
