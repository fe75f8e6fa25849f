//! Part 4: `POST …/items`, `PUT`/`PATCH`/`DELETE …/items/{featureId}`, written as edits into a
//! draft plan — never straight into what is published. `?plan=ID` names the draft; without it a
//! new draft is created. The plan's id comes back in the `Wangge-Plan` header (and in `Location`
//! for a created feature); publishing stays `POST /api/v1/plans/{id}/publish`, with its
//! validation and revision. A write is refused, and nothing stored, when its `If-Match` is not
//! the feature's current ETag (412), its geometry is invalid (400), or it introduces a rule
//! error the plan did not already have (422 with the findings).

use super::super::AppState;
use super::super::error::ApiError;
use super::super::plans::{plan_error, with_store};
use super::crs::OgcCrs;
use super::items::{feature_etag, feature_json};
use super::request::OgcRequest;
use super::select::plan_param;
use super::{GEOJSON, collection, json_response};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use wangge_app::plan as svc;
use wangge_core::model::{Feature, Layer};
use wangge_core::rules::finding::Severity;
use wangge_core::rules::{Finding, RulesConfig};
use wangge_core::validate::check_geometry;
use wangge_formats::edit_json::parse_edit;
use wangge_formats::geojson::{feature_to_json, read_features};
use wangge_store::Db;
use wangge_text::zh_en;
use wangge_text::{FindingJson, Lang, Text};

/// Name of the response header carrying the draft plan a write went into.
pub const PLAN_HEADER: &str = "wangge-plan";

/// What a request asks to do with one feature.
enum Op {
    Create(Value),
    Replace(Value),
    Patch(Value),
    Delete,
}

struct Outcome {
    plan: i64,
    version: i64,
    feature: Option<Feature>,
}

fn precondition_failed(lang: Lang, code: &str, current: Option<&Feature>) -> ApiError {
    ApiError {
        status: StatusCode::PRECONDITION_FAILED,
        error: "stale",
        detail: zh_en!(
            lang,
            ("要素 {code} 已被修改：If-Match 不是它当前的 ETag"),
            ("feature {code} changed: If-Match is not its current ETag")
        ),
        problems: Some(json!({
            "current_etag": current.map(feature_etag),
            "current": current.map(feature_to_json),
        })),
    }
}

fn bad_body(lang: Lang, zh: String, en: String) -> ApiError {
    ApiError::bad_body(if lang == Lang::Zh { zh } else { en })
}

/// The GeoJSON Feature of a body, with its geometry converted from `Content-Crs` to WGS 84.
fn read_feature(body: &Value, code: &str, layer: Layer, crs: OgcCrs, lang: Lang) -> Result<Feature, ApiError> {
    let mut v = body.clone();
    if v.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(bad_body(lang, "请求体应为 GeoJSON Feature".into(), "the body must be a GeoJSON Feature".into()));
    }
    let props = v.get_mut("properties").and_then(Value::as_object_mut);
    let Some(props) = props else {
        return Err(bad_body(
            lang,
            "Feature 缺少 properties 对象".into(),
            "the Feature has no properties object".into(),
        ));
    };
    match props.get("code").and_then(Value::as_str) {
        Some(c) if c != code => {
            return Err(bad_body(
                lang,
                format!("properties.code \"{c}\" 与要素编号 {code} 不一致"),
                format!("properties.code \"{c}\" differs from the feature id {code}"),
            ));
        }
        _ => {
            props.insert("code".into(), Value::String(code.into()));
        }
    }
    let parsed = read_features(&v.to_string());
    if let Some(p) = parsed.problems.first() {
        return Err(ApiError::bad_body(p.message(lang)));
    }
    let Some((_, mut f)) = parsed.features.into_iter().next() else {
        return Err(bad_body(lang, "请求体中没有要素".into(), "the body holds no feature".into()));
    };
    f.geometry = crs.geometry_to_wgs84(&f.geometry)?;
    if let Some(p) = check_geometry(layer, 0, Some(code), &f.geometry).first() {
        return Err(ApiError::bad_body(p.message(lang)));
    }
    Ok(f)
}

/// PATCH as a JSON merge patch: properties merged (null removes one), geometry replaced if given.
fn patched(current: &Feature, patch: &Value, lang: Lang) -> Result<Value, ApiError> {
    let Some(obj) = patch.as_object() else {
        return Err(bad_body(lang, "PATCH 请求体应为 JSON 对象".into(), "a PATCH body must be a JSON object".into()));
    };
    let mut full = feature_to_json(current);
    if let Some(g) = obj.get("geometry") {
        full["geometry"] = g.clone();
    }
    match obj.get("properties") {
        None | Some(Value::Null) => {}
        Some(Value::Object(p)) => {
            let props = full["properties"].as_object_mut().expect("feature_to_json writes properties");
            for (k, v) in p {
                if v.is_null() {
                    props.remove(k);
                } else {
                    props.insert(k.clone(), v.clone());
                }
            }
        }
        Some(_) => {
            return Err(bad_body(lang, "properties 应为对象".into(), "properties must be an object".into()));
        }
    }
    Ok(full)
}

fn error_keys(findings: &[Finding]) -> Vec<(&'static str, String, Option<String>)> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.rule, f.code.clone(), f.other.clone()))
        .collect()
}

/// The introduced errors of `after`: errors whose (rule, code, other) `before` did not have.
fn introduced(before: &[Finding], after: &[Finding]) -> Vec<Finding> {
    let known = error_keys(before);
    after
        .iter()
        .filter(|f| f.severity == Severity::Error && !known.contains(&(f.rule, f.code.clone(), f.other.clone())))
        .cloned()
        .collect()
}

/// Writes the edit through the plan engine (the same path as `POST /plans/{id}/edits`): the
/// draft's findings before and after come from its incremental rules, not two full runs.
#[allow(clippy::too_many_arguments)]
fn apply(
    store: &mut dyn Db,
    plans: &svc::PlanCache,
    rules: &RulesConfig,
    plan: Option<i64>,
    layer: Layer,
    code: &str,
    op: Op,
    if_match: Option<String>,
    crs: OgcCrs,
    lang: Lang,
) -> Result<Outcome, ApiError> {
    if let Some(id) = plan {
        let p = store.plan(id).map_err(ApiError::internal)?;
        let p = p.ok_or_else(|| plan_error(wangge_store::plans::PlanError::NotFound(id).into(), lang))?;
        if p.status != "draft" {
            return Err(plan_error(wangge_store::plans::PlanError::NotDraft(id).into(), lang));
        }
    }
    let current = plans.feature(store, plan, layer, code).map_err(|e| plan_error(e, lang))?;
    let current = current.as_ref();
    if let Some(tag) = if_match.as_deref().filter(|t| t.trim() != "*")
        && current.is_none_or(|c| feature_etag(c) != tag.trim().trim_start_matches("W/"))
    {
        return Err(precondition_failed(lang, code, current));
    }
    let missing = || {
        ApiError::not_found(zh_en!(
            lang,
            ("集合 {layer} 中没有要素 {code}"),
            ("no feature {code} in collection {layer}")
        ))
    };
    let edit = match op {
        Op::Create(body) => {
            if current.is_some() {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "exists",
                    zh_en!(
                        lang,
                        ("集合 {layer} 中已有要素 {code}；修改请用 PUT 或 PATCH"),
                        ("feature {code} already exists in {layer}; use PUT or PATCH to change it")
                    ),
                ));
            }
            let f = read_feature(&body, code, layer, crs, lang)?;
            json!({ "op": "create", "layer": layer.id(), "feature": feature_to_json(&f) })
        }
        Op::Replace(body) => {
            current.ok_or_else(missing)?;
            let f = read_feature(&body, code, layer, crs, lang)?;
            json!({ "op": "replace", "layer": layer.id(), "feature": feature_to_json(&f) })
        }
        Op::Patch(body) => {
            let full = patched(current.ok_or_else(missing)?, &body, lang)?;
            let f = read_feature(&full, code, layer, crs, lang)?;
            json!({ "op": "replace", "layer": layer.id(), "feature": feature_to_json(&f) })
        }
        Op::Delete => {
            current.ok_or_else(missing)?;
            json!({ "op": "delete", "layer": layer.id(), "code": code })
        }
    };
    parse_edit(&edit).map_err(ApiError::bad_body)?;
    let check: svc::EditCheck = (rules, &introduced);
    let edits = std::slice::from_ref(&edit);
    let row = match plan {
        Some(id) => plans.add_edits_checked(store, id, "ogc-api", edits, None, Some(check)),
        None => plans.create_with_edits(store, "OGC API – Features", "ogc-api", edits, Some(check)),
    }
    .map_err(|e| match e {
        svc::PlanServiceError::BadEdit { detail, .. } => ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error: "bad_edit",
            // English, as this detail has always been (the edit JSON reader's details are English too).
            detail,
            problems: None,
        },
        svc::PlanServiceError::Rejected(introduced) => ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error: "rules_failed",
            detail: lang
                .pick("此修改违反了错误级规则，未保存", "this change breaks error rules; nothing was stored")
                .into(),
            problems: Some(Value::Array(introduced.iter().map(|f| f.to_json(lang)).collect())),
        },
        other => plan_error(other, lang),
    })?;
    let feature = plans.feature(store, Some(row.id), layer, code).map_err(|e| plan_error(e, lang))?;
    Ok(Outcome { plan: row.id, version: row.version, feature })
}

async fn run(
    state: AppState,
    req: OgcRequest,
    headers: HeaderMap,
    collection_id: String,
    code: Option<String>,
    op: impl FnOnce(&str) -> Result<(String, Op), ApiError>,
) -> Result<Response, ApiError> {
    let lang = req.lang();
    let layer = collection(&collection_id, lang)?;
    req.refuse_unknown(&["plan"], &[])?;
    let plan = plan_param(&req)?;
    let crs = match headers.get("content-crs").and_then(|v| v.to_str().ok()) {
        Some(c) => OgcCrs::parse(c.trim().trim_start_matches('<').trim_end_matches('>'), "Content-Crs", lang)?,
        None => OgcCrs::Crs84,
    };
    let if_match = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (code, op) = op(code.as_deref().unwrap_or(""))?;
    // The body's shape is checked before any precondition: a malformed request is a 400 whatever
    // the feature's state; and its size before any geometry is built from it.
    if let Op::Create(v) | Op::Replace(v) | Op::Patch(v) = &op {
        super::super::guard::check_vertices(v, &state, lang)?;
    }
    match &op {
        Op::Create(v) | Op::Replace(v) => {
            let props = v.get("properties").is_some_and(Value::is_object);
            if v.get("type").and_then(Value::as_str) != Some("Feature") || !props {
                return Err(bad_body(
                    lang,
                    "请求体应为带 properties 对象的 GeoJSON Feature".into(),
                    "the body must be a GeoJSON Feature with a properties object".into(),
                ));
            }
        }
        Op::Patch(v) if !v.is_object() => {
            return Err(bad_body(
                lang,
                "PATCH 请求体应为 JSON 对象".into(),
                "a PATCH body must be a JSON object".into(),
            ));
        }
        _ => {}
    }
    let is_create = matches!(op, Op::Create(_));
    let is_delete = matches!(op, Op::Delete);
    let (plans, rules) = (state.plans.clone(), state.rules.clone());
    let code2 = code.clone();
    let out = with_store(&state, lang, move |s| apply(s, &plans, &rules, plan, layer, &code2, op, if_match, crs, lang))
        .await?;
    let here = format!("{}/collections/{}/items/{}?plan={}", req.base, layer.id(), code, out.plan);
    let mut r = match (&out.feature, is_delete) {
        (Some(f), false) => {
            let body = feature_json(f, OgcCrs::Crs84)?;
            json_response(if is_create { StatusCode::CREATED } else { StatusCode::OK }, &body, GEOJSON)
        }
        _ => StatusCode::NO_CONTENT.into_response(),
    };
    let h = r.headers_mut();
    if let Some(f) = &out.feature
        && let Ok(v) = HeaderValue::from_str(&feature_etag(f))
    {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&out.plan.to_string()) {
        h.insert(PLAN_HEADER, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"v{}\"", out.version)) {
        h.insert("wangge-plan-etag", v);
    }
    if is_create && let Ok(v) = HeaderValue::from_str(&here) {
        h.insert(header::LOCATION, v);
    }
    Ok(r)
}

/// The body as JSON. A declared non-JSON `Content-Type` is 415, as for every other JSON body
/// ([`crate::api::extract::ApiJson`]): a form or text body parsed as JSON by luck would be a
/// client bug hidden.
fn json_body(body: &Bytes, headers: &HeaderMap, lang: Lang) -> Result<Value, ApiError> {
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("");
        if !crate::api::extract::is_json(ct) {
            return Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                wangge_text::zh_en!(
                    lang,
                    ("请求体应为 GeoJSON（Content-Type: application/geo+json 或 application/json），而不是 {ct}"),
                    ("the body must be GeoJSON (Content-Type: application/geo+json or application/json), not {ct}")
                ),
            ));
        }
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_body(format!("{}: {e}", lang.pick("JSON 无法解析", "invalid JSON"))))
}

/// `POST /ogc/collections/{id}/items`: a new feature; its id is `properties.code` (or `id`).
pub async fn create(
    State(state): State<AppState>,
    Path(collection_id): Path<String>,
    req: OgcRequest,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let lang = req.lang();
    let v = json_body(&body, &headers, lang);
    run(state, req, headers, collection_id, None, move |_| {
        let v = v?;
        let code = v
            .pointer("/properties/code")
            .and_then(Value::as_str)
            .or_else(|| v.get("id").and_then(Value::as_str))
            .map(str::to_string)
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| {
                bad_body(
                    lang,
                    "新要素需要编码：properties.code 或 id".into(),
                    "a new feature needs a code: properties.code or id".into(),
                )
            })?;
        Ok((code, Op::Create(v)))
    })
    .await
}

/// `PUT /ogc/collections/{id}/items/{featureId}` replaces the feature; `PATCH` applies a JSON
/// merge patch of its properties and geometry. One handler, because the two differ only in the
/// edit the body becomes.
pub async fn replace_or_update(
    State(state): State<AppState>,
    Path((collection_id, code)): Path<(String, String)>,
    method: Method,
    req: OgcRequest,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let lang = req.lang();
    let patch = method == Method::PATCH;
    let body = json_body(&body, &headers, lang);
    run(state, req, headers, collection_id, Some(code), move |c| {
        let body = body?;
        Ok((c.to_string(), if patch { Op::Patch(body) } else { Op::Replace(body) }))
    })
    .await
}

/// `DELETE /ogc/collections/{id}/items/{featureId}`
pub async fn remove(
    State(state): State<AppState>,
    Path((collection_id, code)): Path<(String, String)>,
    req: OgcRequest,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    run(state, req, headers, collection_id, Some(code), |c| Ok((c.to_string(), Op::Delete))).await
}
