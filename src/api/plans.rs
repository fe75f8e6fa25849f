//! `/api/v1/plans…` and `/api/v1/revisions…`: the planning workflow over HTTP.
//!
//! A plan's ETag is `"v{version}"`; an edit sent with a stale `If-Match` gets 409 with the current
//! version, never a silent overwrite. Publishing a plan whose base is no longer current gets 409
//! with the revisions published since; a plan that breaks error rules gets 422 with every finding.

use super::AppState;
use super::access::Caller;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, Ctx};
use super::schema::{
    CreatePlan, EditBody, ErrorBody, LangQuery, Plan, PlanDetail, PlanList, PlanRefusals, PublishPlan, Revision,
    Validation,
};
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use wangge_app::plan::{self as svc, PlanServiceError};
use wangge_store::access::Role;
use wangge_store::plans::PlanError;
use wangge_store::{Backend, Db};
use wangge_text::zh_en;
use wangge_text::{FindingJson, Lang};

/// The served store, or the answer of a service without one.
fn pool(state: &AppState, lang: Lang) -> Result<std::sync::Arc<dyn Backend>, ApiError> {
    state.store.clone().ok_or_else(|| {
        ApiError::not_found(lang.pick("此服务没有可编辑的数据库", "this service has no editable database"))
    })
}

/// Runs `f` with a write connection on a blocking thread (store calls block). On SQLite
/// writers wait for each other; readers ([`with_reader`]) do not wait for them.
pub(super) async fn with_store<T: Send + 'static>(
    state: &AppState,
    lang: Lang,
    f: impl FnOnce(&mut dyn Db) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = pool(state, lang)?;
    super::guard::blocking(move || store.write(f).map_err(ApiError::internal)?).await?
}

/// Runs `f` on a pooled read connection on a blocking thread: it sees the last committed state
/// and does not wait for a writer's transaction.
pub(super) async fn with_reader<T: Send + 'static>(
    state: &AppState,
    lang: Lang,
    f: impl FnOnce(&dyn Db) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = pool(state, lang)?;
    super::guard::blocking(move || store.read(f).map_err(ApiError::internal)?).await?
}

/// Runs `f` with the store seam ([`Backend`]) on a blocking thread.
pub(super) async fn with_backend<T: Send + 'static>(
    state: &AppState,
    lang: Lang,
    f: impl FnOnce(&dyn Backend) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = pool(state, lang)?;
    super::guard::blocking(move || f(&*store)).await?
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

/// Maps planning failures to their HTTP outcome.
pub(super) fn plan_error(e: PlanServiceError, lang: Lang) -> ApiError {
    match e {
        PlanServiceError::BadEdit { index, position, detail, detail_zh } => ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error: "bad_edit",
            detail: zh_en!(
                lang,
                ("第 {index} 项编辑无法应用：{detail_zh}"),
                ("edit {index} cannot be applied: {detail}")
            ),
            problems: Some(json!({ "index": position, "plan_index": index })),
        },
        PlanServiceError::BadField { field, detail, detail_zh } => ApiError {
            status: StatusCode::BAD_REQUEST,
            error: "bad_body",
            detail: lang.pick(&detail_zh, &detail).to_string(),
            problems: Some(json!({ "field": field })),
        },
        PlanServiceError::Plan(PlanError::NothingToUndo(id)) => ApiError::new(
            StatusCode::CONFLICT,
            "nothing_to_undo",
            zh_en!(lang, ("方案 {id} 没有可撤销的编辑"), ("plan {id} has no edit to undo")),
        ),
        PlanServiceError::Plan(PlanError::NothingToRedo(id)) => ApiError::new(
            StatusCode::CONFLICT,
            "nothing_to_redo",
            zh_en!(lang, ("方案 {id} 没有可重做的编辑"), ("plan {id} has no undone edit to redo")),
        ),
        PlanServiceError::Plan(PlanError::Store(e)) => store_error(e, lang),
        PlanServiceError::Rejected(findings) => ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error: "rules_failed",
            detail: lang
                .pick("方案违反了错误级规则，未发布", "the plan breaks error rules; nothing was published")
                .into(),
            problems: Some(Value::Array(findings.iter().map(|f| f.to_json(lang)).collect())),
        },
        PlanServiceError::Plan(PlanError::NotFound(id)) => {
            ApiError::not_found(zh_en!(lang, ("方案或修订 {id} 不存在"), ("no plan or revision {id}")))
        }
        PlanServiceError::Plan(PlanError::StaleVersion { id, expected, current }) => ApiError {
            status: StatusCode::CONFLICT,
            error: "stale",
            detail: zh_en!(
                lang,
                ("方案 {id} 已被修改：当前版本 v{current}，请求基于 v{expected}"),
                ("plan {id} changed: it is at v{current}, the request was based on v{expected}")
            ),
            problems: Some(json!({ "current_version": current, "etag": format!("\"v{current}\"") })),
        },
        PlanServiceError::Plan(PlanError::StaleBase { base, current, since }) => ApiError {
            status: StatusCode::CONFLICT,
            error: "stale_base",
            detail: zh_en!(
                lang,
                ("方案基于修订 {base}，但当前已发布修订 {current}"),
                ("the plan is based on revision {base}, but revision {current} is published")
            ),
            problems: Some(json!({ "since": since })),
        },
        PlanServiceError::Plan(PlanError::NotDraft(id)) => ApiError::new(
            StatusCode::CONFLICT,
            "not_draft",
            zh_en!(lang, ("方案 {id} 已发布"), ("plan {id} is already published")),
        ),
    }
}

/// A store failure: an unreadable stored edit is named (409: the plan cannot be replayed until
/// it is repaired or discarded); anything else is internal.
pub(super) fn store_error(e: wangge_store::StoreError, lang: Lang) -> ApiError {
    match e {
        wangge_store::StoreError::CorruptEdit { plan, edit, detail, .. } => ApiError::new(
            StatusCode::CONFLICT,
            "stored_edit_unreadable",
            zh_en!(
                lang,
                ("方案 {plan} 的已存编辑 {edit} 无法读取（{detail}），方案无法重放"),
                ("plan {plan}: stored edit {edit} cannot be read ({detail}); the plan cannot be replayed")
            ),
        ),
        e => ApiError::internal(e),
    }
}

/// Whether `caller` may read draft plans: their edits and authors are work in progress, for
/// planners and admins; everyone may read published plans.
pub(super) fn reads_drafts(caller: &Caller) -> bool {
    caller.role() >= Role::Planner
}

/// Refuses a draft plan to a caller below planner: 401 without a token, 403 with a lower one.
/// A plan that does not exist is left for the caller's own 404.
pub(super) fn may_read(s: &dyn Db, caller: &Caller, id: i64, lang: Lang) -> Result<(), ApiError> {
    if reads_drafts(caller) {
        return Ok(());
    }
    let plan = s.plan(id).map_err(ApiError::internal)?;
    if plan.is_none_or(|p| p.status != "draft") {
        return Ok(());
    }
    Err(match caller.0 {
        None => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            lang.pick("草稿方案需要 planner 或 admin 令牌", "draft plans need a planner or admin token"),
        ),
        Some(_) => ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            lang.pick("草稿方案只对 planner 和 admin 开放", "draft plans are for planners and admins only"),
        ),
    })
}

/// A JSON answer with the plan's ETag (`"v{version}"`), for `If-Match` on the next write.
pub(super) fn with_etag(status: StatusCode, version: i64, body: impl serde::Serialize) -> Response {
    with_tag(status, etag(version), body)
}

/// A JSON answer with an ETag.
pub(super) fn with_tag(status: StatusCode, tag: HeaderValue, body: impl serde::Serialize) -> Response {
    let mut r = (status, Json(body)).into_response();
    r.headers_mut().insert(header::ETAG, tag);
    r
}

/// The longest plan name taken: a name is a label in lists and history, not a document.
pub(crate) const MAX_PLAN_NAME_CHARS: usize = 200;

/// `POST /api/v1/plans` `{"name": "…"}`
#[utoipa::path(post, path = "/api/v1/plans", tag = "plans", params(LangQuery), request_body = CreatePlan,
    security(("bearer" = [])),
    responses((status = 201, description = "The new draft plan (ETag `\"v1\"`)", body = Plan), (status = 400, description = "A parameter or field is wrong", body = ErrorBody), (status = 401, description = "No token", body = ErrorBody), (status = 403, description = "The role is too low", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody)))]
pub async fn create(
    Ctx { state, caller, lang, .. }: Ctx,
    ApiJson(body): ApiJson<CreatePlan>,
) -> Result<Response, ApiError> {
    let author = caller.author();
    let name = body.name.trim().to_string();
    if name.is_empty() {
        return Err(ApiError::bad_body(lang.pick("缺少方案名称 \"name\"", "\"name\" is missing or blank")));
    }
    if name.chars().count() > MAX_PLAN_NAME_CHARS {
        return Err(ApiError::bad_body(zh_en!(
            lang,
            ("方案名称 \"name\" 过长（超过 {MAX_PLAN_NAME_CHARS} 个字符）"),
            ("\"name\" is longer than {MAX_PLAN_NAME_CHARS} characters")
        )));
    }
    let plan = with_store(&state, lang, move |s| s.create_plan(&name, &author).map_err(ApiError::internal)).await?;
    Ok(with_etag(StatusCode::CREATED, plan.version, plan))
}

/// `GET /api/v1/plans`
#[utoipa::path(get, path = "/api/v1/plans", tag = "plans", params(LangQuery),
    responses((status = 200, description = "Every plan; drafts only for planners and admins", body = PlanList), (status = 404, description = "No such plan, revision or layer, or no database", body = ErrorBody)))]
pub async fn list(Ctx { state, caller, lang, .. }: Ctx) -> Result<Json<PlanList>, ApiError> {
    let mut plans = with_backend(&state, lang, |s| s.plans().map_err(ApiError::internal)).await?;
    if !reads_drafts(&caller) {
        plans.retain(|p| p.status != "draft");
    }
    Ok(Json(PlanList { plans }))
}

/// `GET /api/v1/plans/{id}`: the plan and its edits.
#[utoipa::path(get, path = "/api/v1/plans/{id}", tag = "plans", params(("id" = i64, Path, description = "Plan id"), LangQuery),
    responses((status = 200, description = "The plan and its edits (ETag `\"v{version}\"`)", body = PlanDetail), (status = 400, description = "A parameter or field is wrong", body = ErrorBody), (status = 404, description = "No such plan, revision or layer, or no database", body = ErrorBody)))]
pub async fn get(Ctx { state, caller, lang, .. }: Ctx, ApiPath(id): ApiPath<i64>) -> Result<Response, ApiError> {
    let (plan, edits, (undo_steps, redo_steps)) = with_reader(&state, lang, move |s| {
        may_read(s, &caller, id, lang)?;
        let plan = s.plan(id).map_err(ApiError::internal)?;
        let plan = plan.ok_or_else(|| plan_error(PlanError::NotFound(id).into(), lang))?;
        let edits = s.plan_edits(id).map_err(|e| store_error(e, lang))?;
        Ok((plan, edits, s.plan_steps(id).map_err(ApiError::internal)?))
    })
    .await?;
    let version = plan.version;
    Ok(with_etag(StatusCode::OK, version, PlanDetail { plan, edits, undo_steps, redo_steps }))
}

/// `POST /api/v1/plans/{id}/edits` with one edit, or `{"edits": [e1, e2, …]}` applied all or
/// nothing as one undo step; honours `If-Match`. The body is read as JSON here and as edits by
/// the one edit parser, so an unknown `op` or a missing field is a 422 naming it (and, in a batch,
/// its position: `problems.index`), as the CLI says it.
#[utoipa::path(post, path = "/api/v1/plans/{id}/edits", tag = "plans",
    params(("id" = i64, Path, description = "Plan id"),
        ("If-Match" = Option<String>, Header, description = "The plan's ETag the edit is based on, e.g. `\"v3\"`"), LangQuery),
    request_body = EditBody, security(("bearer" = [])),
    responses((status = 200, description = "The plan after the edit (new ETag)", body = Plan), PlanRefusals,
        (status = 409, description = "Stale `If-Match`, or the plan is published", body = ErrorBody),
        (status = 422, description = "The edit cannot be applied", body = ErrorBody)))]
pub async fn add_edit(
    Ctx { state, caller, lang, .. }: Ctx,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(edit): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers, lang)?;
    super::guard::check_vertices(&edit, &state, lang)?;
    let author = caller.author();
    let batch = match &edit {
        Value::Object(m) if !m.contains_key("op") && m.contains_key("edits") => match m.get("edits") {
            Some(Value::Array(list)) => Some(list.clone()),
            _ => {
                return Err(ApiError::bad_body(
                    lang.pick("\"edits\" 应为编辑的数组", "\"edits\" must be an array of edits"),
                ));
            }
        },
        _ => None,
    };
    let cache = state.plans.clone();
    let plan = with_store(&state, lang, move |s| match batch {
        Some(edits) => cache.add_edits(s, id, author, &edits, expected).map_err(|e| batch_error(e, lang)),
        None => cache.add_edits(s, id, author, std::slice::from_ref(&edit), expected).map_err(|e| plan_error(e, lang)),
    })
    .await?;
    Ok(with_etag(StatusCode::OK, plan.version, plan))
}

/// A refused batch names the failing edit by its position in the request.
fn batch_error(e: PlanServiceError, lang: Lang) -> ApiError {
    let PlanServiceError::BadEdit { index, position, ref detail, ref detail_zh } = e else {
        return plan_error(e, lang);
    };
    let mut out = plan_error(
        PlanServiceError::BadEdit { index, position, detail: detail.clone(), detail_zh: detail_zh.clone() },
        lang,
    );
    out.detail = zh_en!(
        lang,
        ("批量中的第 {position} 项编辑（方案第 {index} 项）无法应用，整批未写入：{detail_zh}"),
        ("edit {position} of the batch (edit {index} of the plan) cannot be applied; nothing was stored: {detail}")
    );
    out
}

/// An undo or a redo through the plan engine, which follows it in its cached draft.
type Step =
    fn(&svc::PlanCache, &mut dyn Db, i64, Option<i64>) -> Result<wangge_store::plans::PlanRow, PlanServiceError>;

/// Undo or redo: `change` on the store, honouring `If-Match`, answered with the plan and its ETag.
async fn step(ctx: Ctx, id: i64, headers: &HeaderMap, change: Step) -> Result<Response, ApiError> {
    let Ctx { state, lang, .. } = ctx;
    let expected = if_match(headers, lang)?;
    let cache = state.plans.clone();
    let plan =
        with_store(&state, lang, move |s| change(&cache, s, id, expected).map_err(|e| plan_error(e, lang))).await?;
    Ok(with_etag(StatusCode::OK, plan.version, plan))
}

/// `POST /api/v1/plans/{id}/undo`: takes back the plan's last batch of edits (honours `If-Match`).
#[utoipa::path(post, path = "/api/v1/plans/{id}/undo", tag = "plans",
    params(("id" = i64, Path, description = "Plan id"),
        ("If-Match" = Option<String>, Header, description = "The plan's ETag, e.g. `\"v3\"`"), LangQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The plan after the undo (new ETag)", body = Plan), PlanRefusals,
        (status = 409, description = "Nothing to undo, stale `If-Match`, or the plan is published", body = ErrorBody)))]
pub async fn undo(ctx: Ctx, ApiPath(id): ApiPath<i64>, headers: HeaderMap) -> Result<Response, ApiError> {
    step(ctx, id, &headers, svc::PlanCache::undo).await
}

/// `POST /api/v1/plans/{id}/redo`: puts back the last undone batch (until a new edit is added).
#[utoipa::path(post, path = "/api/v1/plans/{id}/redo", tag = "plans",
    params(("id" = i64, Path, description = "Plan id"),
        ("If-Match" = Option<String>, Header, description = "The plan's ETag, e.g. `\"v3\"`"), LangQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The plan after the redo (new ETag)", body = Plan), PlanRefusals,
        (status = 409, description = "Nothing to redo, stale `If-Match`, or the plan is published", body = ErrorBody)))]
pub async fn redo(ctx: Ctx, ApiPath(id): ApiPath<i64>, headers: HeaderMap) -> Result<Response, ApiError> {
    step(ctx, id, &headers, svc::PlanCache::redo).await
}

/// `DELETE /api/v1/plans/{id}`: discards a draft plan and its edits; a published plan is history
/// and stays (409).
#[utoipa::path(delete, path = "/api/v1/plans/{id}", tag = "plans",
    params(("id" = i64, Path, description = "Plan id"),
        ("If-Match" = Option<String>, Header, description = "The plan's ETag, e.g. `\"v3\"`"), LangQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The draft plan is gone: `{\"discarded\": id}`", body = Object), PlanRefusals,
        (status = 409, description = "The plan is published, or stale `If-Match`", body = ErrorBody)))]
pub async fn discard(
    Ctx { state, lang, .. }: Ctx,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let expected = if_match(&headers, lang)?;
    with_store(&state, lang, move |s| svc::discard(s, id, expected).map_err(|e| plan_error(e, lang))).await?;
    Ok(Json(json!({ "discarded": id })))
}

/// `POST /api/v1/plans/{id}/validate`: every finding at once.
#[utoipa::path(post, path = "/api/v1/plans/{id}/validate", tag = "plans", params(("id" = i64, Path, description = "Plan id"), LangQuery),
    responses((status = 200, description = "Every rule finding", body = Validation), (status = 400, description = "A parameter or field is wrong", body = ErrorBody), (status = 404, description = "No such plan, revision or layer, or no database", body = ErrorBody)))]
pub async fn validate(
    Ctx { state, caller, lang, .. }: Ctx,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Validation>, ApiError> {
    let rules = state.rules.clone();
    // The plan engine keeps the draft's findings and updates them edit by edit, so this costs
    // what the last edits touched (the first validation of a plan runs every rule once).
    let cache = state.plans.clone();
    let findings = with_reader(&state, lang, move |s| {
        may_read(s, &caller, id, lang)?;
        cache.findings(s, id, &rules).map_err(|e| plan_error(e, lang))
    })
    .await?;
    let (errors, warnings) = wangge_core::rules::finding::tally(&findings);
    let list: Vec<Value> = findings.iter().map(|f| f.to_json(lang)).collect();
    Ok(Json(Validation { plan: id, errors, warnings, findings: list }))
}

/// `GET /api/v1/plans/{id}/diff`: what publishing would change.
#[utoipa::path(get, path = "/api/v1/plans/{id}/diff", tag = "plans", params(("id" = i64, Path, description = "Plan id"), LangQuery),
    responses((status = 200, description = "Added, removed and changed features per layer", body = Object), (status = 400, description = "A parameter or field is wrong", body = ErrorBody), (status = 404, description = "No such plan, revision or layer, or no database", body = ErrorBody)))]
pub async fn diff(Ctx { state, caller, lang, .. }: Ctx, ApiPath(id): ApiPath<i64>) -> Result<Json<Value>, ApiError> {
    let cache = state.plans.clone();
    let d = with_reader(&state, lang, move |s| {
        may_read(s, &caller, id, lang)?;
        let (before, after) = cache.states(s, id).map_err(|e| plan_error(e, lang))?;
        Ok(wangge_core::diff::diff(&before, &after))
    })
    .await?;
    Ok(Json(json!(d)))
}

/// `POST /api/v1/plans/{id}/publish` `{"message": "…", "effective_date": "YYYY-MM-DD"}`
#[utoipa::path(post, path = "/api/v1/plans/{id}/publish", tag = "plans", params(("id" = i64, Path, description = "Plan id"),
        ("If-Match" = Option<String>, Header, description = "The plan's ETag the publish is based on, e.g. `\"v3\"`"), LangQuery),
    request_body = PublishPlan, security(("bearer" = [])),
    responses((status = 200, description = "The new revision", body = Revision), PlanRefusals,
        (status = 409, description = "The plan's base is no longer current (`problems.since`), it is published, or stale `If-Match`", body = ErrorBody),
        (status = 422, description = "The plan breaks error rules (`problems`: every finding)", body = ErrorBody)))]
pub async fn publish(
    Ctx { state, caller, lang, .. }: Ctx,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PublishPlan>,
) -> Result<Json<Revision>, ApiError> {
    let message = body.message;
    // Checked with the message by the publish use-case, so both faces name the field alike.
    let date = body.effective_date.unwrap_or_else(super::history::today);
    let expected = if_match(&headers, lang)?;
    let (rules, live, author, cache) = (state.rules.clone(), state.live.clone(), caller.author(), state.plans.clone());
    let rev = with_store(&state, lang, move |s| {
        cache.publish(s, Some(&live), id, author, &message, &date, &rules, expected).map_err(|e| plan_error(e, lang))
    })
    .await?;
    Ok(Json(rev))
}
