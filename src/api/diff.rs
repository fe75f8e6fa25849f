//! `GET /api/v1/diff?from=REF&to=REF[&format=geojson]`: what differs between any two states —
//! `published`, `revision:N` or `plan:N` (its base revision with its edits).

use super::AppState;
use super::error::ApiError;
use super::params::Params;
use super::plans::{plan_error, with_reader};
use super::schema::{DiffQuery, ErrorBody};
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use wangge_app::compare::{StateRef, changed_geojson, compare};
use wangge_text::zh_en;

fn state_ref(params: &Params, key: &str, default: Option<&str>) -> Result<StateRef, ApiError> {
    let lang = params.lang;
    let raw = match (params.get(key), default) {
        (Some(v), _) => v,
        (None, Some(d)) => d,
        (None, None) => {
            return Err(ApiError::bad_parameter(zh_en!(
                lang,
                ("缺少参数 {key}（published、revision:N 或 plan:N）"),
                ("parameter {key} is missing (published, revision:N or plan:N)")
            )));
        }
    };
    raw.parse().map_err(|bad| {
        ApiError::bad_parameter(zh_en!(
            lang,
            ("参数 {key} 的值 {bad} 无法识别：应为 published、revision:N 或 plan:N"),
            ("parameter {key}: {bad} is not published, revision:N or plan:N")
        ))
    })
}

/// `GET /api/v1/diff?from=revision:12&to=plan:3`; `to` defaults to `published`.
#[utoipa::path(get, path = "/api/v1/diff", tag = "plans", params(DiffQuery),
    responses((status = 200, description = "What differs (with `format=geojson`: the changed features as GeoJSON)", body = Object), (status = 400, description = "A parameter or field is wrong", body = ErrorBody),
        (status = 404, description = "No such plan or revision, or no database", body = ErrorBody)))]
pub async fn get_diff(
    State(state): State<AppState>,
    caller: super::access::Caller,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let lang = params.lang;
    let from = state_ref(&params, "from", None)?;
    let to = state_ref(&params, "to", Some("published"))?;
    let geojson = match params.get("format") {
        None | Some("json") => false,
        Some("geojson") => true,
        Some(other) => {
            return Err(ApiError::bad_parameter(zh_en!(
                lang,
                ("参数 format 的值 \"{other}\" 无法识别：应为 json 或 geojson"),
                ("parameter format: \"{other}\" is not json or geojson")
            )));
        }
    };
    let (from_text, to_text) =
        (params.get("from").unwrap_or("").to_string(), params.get("to").unwrap_or("published").to_string());
    with_reader(&state, lang, move |s| {
        for side in [from, to] {
            if let wangge_app::compare::StateRef::Plan(id) = side {
                super::plans::may_read(s, &caller, id, lang)?;
            }
        }
        let (d, before, after) = compare(s, from, to).map_err(|e| plan_error(e, lang))?;
        if geojson {
            return Ok(Json(changed_geojson(&before, &after)));
        }
        let mut body = json!(d);
        body["from"] = json!(from_text);
        body["to"] = json!(to_text);
        Ok(Json(body))
    })
    .await
}
