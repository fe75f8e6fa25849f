//! `/api/v1/plans…` and `/api/v1/revisions…`: the planning workflow over HTTP.
//!
//! A plan's ETag is `"v{version}"`; an edit sent with a stale `If-Match` gets 409 with the current
//! version, never a silent overwrite. Publishing a plan whose base is no longer current gets 409
//! with the revisions published since; a plan that breaks error rules gets 422 with every finding.

use super::AppState;
use super::access::Caller;
use super::error::ApiError;
use super::params::Params;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use wangge_app::plan::{self as svc, PlanServiceError};
use wangge_core::i18n::Lang;
use wangge_store::plans::PlanError;
use wangge_store::{Backend, Pool, Store};

/// The served store, or the answer of a service without one.
fn pool(state: &AppState, lang: Lang) -> Result<std::sync::Arc<Pool>, ApiError> {
    state.store.clone().ok_or_else(|| {
        ApiError::not_found(lang.pick("此服务没有可编辑的数据库", "this service has no editable database"))
    })
}

/// Runs `f` with the store's one writer connection on a blocking thread (SQLite calls block).
/// Writers wait for each other; readers ([`with_reader`]) do not wait for them.
pub(super) async fn with_store<T: Send + 'static>(
    state: &AppState,
    lang: Lang,
    f: impl FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = pool(state, lang)?;
    tokio::task::spawn_blocking(move || store.write(f)).await.map_err(ApiError::internal)?
}

/// Runs `f` on a pooled read connection on a blocking thread: it sees the last committed state
/// and does not wait for a writer's transaction.
pub(super) async fn with_reader<T: Send + 'static>(
    state: &AppState,
    lang: Lang,
    f: impl FnOnce(&Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = pool(state, lang)?;
    tokio::task::spawn_blocking(move || store.read(f).map_err(ApiError::internal)?).await.map_err(ApiError::internal)?
}

/// Runs `f` with the store seam ([`Backend`]) on a blocking thread.
pub(super) async fn with_backend<T: Send + 'static>(
    state: &AppState,
    lang: Lang,
    f: impl FnOnce(&dyn Backend) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = pool(state, lang)?;
    tokio::task::spawn_blocking(move || f(&*store)).await.map_err(ApiError::internal)?
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"v{version}\"")).unwrap_or(HeaderValue::from_static("\"v0\""))
}

fn if_match(headers: &HeaderMap, lang: Lang) -> Result<Option<i64>, ApiError> {
    let Some(raw) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = raw.to_str().unwrap_or("").trim().trim_start_matches("W/").trim_matches('"');
    if text == "*" {
        return Ok(None);
    }
    text.strip_prefix('v').and_then(|v| v.parse().ok()).map(Some).ok_or_else(|| {
        ApiError::bad_parameter(
            lang.pick("If-Match 应为本服务给出的 ETag，例如 \"v3\"", "If-Match must be an ETag of ours, e.g. \"v3\""),
        )
    })
}

fn body_json(body: &Bytes, lang: Lang) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_body(format!("{}: {e}", lang.pick("JSON 无法解析", "invalid JSON"))))
}

/// Maps planning failures to their HTTP outcome.
pub(super) fn plan_error(e: PlanServiceError, lang: Lang) -> ApiError {
    let zh = lang == Lang::Zh;
    match e {
        PlanServiceError::BadEdit { index, detail, detail_zh } => ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error: "bad_edit",
            detail: if zh {
                format!("第 {index} 项编辑无法应用：{detail_zh}")
            } else {
                format!("edit {index} cannot be applied: {detail}")
            },
            problems: None,
        },
        PlanServiceError::Rejected(findings) => ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error: "rules_failed",
            detail: lang
                .pick("方案违反了错误级规则，未发布", "the plan breaks error rules; nothing was published")
                .into(),
            problems: Some(Value::Array(findings.iter().map(|f| f.to_json(lang)).collect())),
        },
        PlanServiceError::Plan(PlanError::NotFound(id)) => ApiError::not_found(if zh {
            format!("方案或修订 {id} 不存在")
        } else {
            format!("no plan or revision {id}")
        }),
        PlanServiceError::Plan(PlanError::StaleVersion { id, expected, current }) => ApiError {
            status: StatusCode::CONFLICT,
            error: "stale",
            detail: if zh {
                format!("方案 {id} 已被修改：当前版本 v{current}，请求基于 v{expected}")
            } else {
                format!("plan {id} changed: it is at v{current}, the request was based on v{expected}")
            },
            problems: Some(json!({ "current_version": current, "etag": format!("\"v{current}\"") })),
        },
        PlanServiceError::Plan(PlanError::StaleBase { base, current, since }) => ApiError {
            status: StatusCode::CONFLICT,
            error: "stale_base",
            detail: if zh {
                format!("方案基于修订 {base}，但当前已发布修订 {current}")
            } else {
                format!("the plan is based on revision {base}, but revision {current} is published")
            },
            problems: Some(json!({ "since": since })),
        },
        PlanServiceError::Plan(PlanError::NotDraft(id)) => ApiError {
            status: StatusCode::CONFLICT,
            error: "not_draft",
            detail: if zh { format!("方案 {id} 已发布") } else { format!("plan {id} is already published") },
            problems: None,
        },
        PlanServiceError::Plan(PlanError::Store(e)) => ApiError::internal(e),
    }
}

fn with_etag(status: StatusCode, version: i64, body: Value) -> Response {
    let mut r = (status, Json(body)).into_response();
    r.headers_mut().insert(header::ETAG, etag(version));
    r
}

/// `POST /api/v1/plans` `{"name": "…"}`
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
    body: Bytes,
) -> Result<Response, ApiError> {
    let lang = params.lang;
    let author = caller.author();
    let v = body_json(&body, lang)?;
    let name = v.get("name").and_then(Value::as_str).unwrap_or("").trim().to_string();
    if name.is_empty() {
        return Err(ApiError::bad_body(lang.pick("缺少方案名称 \"name\"", "\"name\" is missing")));
    }
    let plan = with_store(&state, lang, move |s| s.create_plan(&name, author).map_err(ApiError::internal)).await?;
    Ok(with_etag(StatusCode::CREATED, plan.version, json!(plan)))
}

/// `GET /api/v1/plans`
pub async fn list(State(state): State<AppState>, params: Params) -> Result<Json<Value>, ApiError> {
    let plans = with_backend(&state, params.lang, |s| s.plans().map_err(ApiError::internal)).await?;
    Ok(Json(json!({ "plans": plans })))
}

/// `GET /api/v1/plans/{id}`: the plan and its edits.
pub async fn get(State(state): State<AppState>, params: Params, Path(id): Path<i64>) -> Result<Response, ApiError> {
    let lang = params.lang;
    let (plan, edits) = with_reader(&state, lang, move |s| {
        let plan = s.plan(id).map_err(ApiError::internal)?;
        let plan = plan.ok_or_else(|| plan_error(PlanError::NotFound(id).into(), lang))?;
        Ok((plan, s.plan_edits(id).map_err(ApiError::internal)?))
    })
    .await?;
    let mut body = json!(plan);
    body["edits"] = Value::Array(edits);
    Ok(with_etag(StatusCode::OK, plan.version, body))
}

/// `POST /api/v1/plans/{id}/edits` with one edit; honours `If-Match`.
pub async fn add_edit(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let lang = params.lang;
    let expected = if_match(&headers, lang)?;
    let edit = body_json(&body, lang)?;
    let author = caller.author();
    let plan = with_store(&state, lang, move |s| {
        svc::add_edit(s, id, author, &edit, expected).map_err(|e| plan_error(e, lang))
    })
    .await?;
    Ok(with_etag(StatusCode::OK, plan.version, json!(plan)))
}

/// `POST /api/v1/plans/{id}/validate`: every finding at once.
pub async fn validate(
    State(state): State<AppState>,
    params: Params,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let lang = params.lang;
    let rules = state.rules.clone();
    let findings =
        with_reader(&state, lang, move |s| svc::validate_plan(s, id, &rules).map_err(|e| plan_error(e, lang))).await?;
    let (errors, warnings) = wangge_core::rules::finding::tally(&findings);
    let list: Vec<Value> = findings.iter().map(|f| f.to_json(lang)).collect();
    Ok(Json(json!({ "plan": id, "errors": errors, "warnings": warnings, "findings": list })))
}

/// `GET /api/v1/plans/{id}/diff`: what publishing would change.
pub async fn diff(State(state): State<AppState>, params: Params, Path(id): Path<i64>) -> Result<Json<Value>, ApiError> {
    let lang = params.lang;
    let d = with_reader(&state, lang, move |s| svc::diff_plan(s, id).map_err(|e| plan_error(e, lang))).await?;
    Ok(Json(json!(d)))
}

/// `POST /api/v1/plans/{id}/publish` `{"message": "…", "effective_date": "YYYY-MM-DD"}`
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let lang = params.lang;
    let v = body_json(&body, lang)?;
    let message = v.get("message").and_then(Value::as_str).unwrap_or("").to_string();
    let date = match v.get("effective_date").and_then(Value::as_str) {
        Some(d) => super::history::parse_date(d, lang)?,
        None => super::history::today(),
    };
    let (rules, live, author) = (state.rules.clone(), state.live.clone(), caller.author());
    let rev = with_store(&state, lang, move |s| {
        svc::publish(s, Some(&live), id, author, &message, &date, &rules).map_err(|e| plan_error(e, lang))
    })
    .await?;
    Ok(Json(json!(rev)))
}
