//! `GET /api/v1/coverage`, `GET /api/v1/coverage/stats`, `POST /api/v1/coverage/suggest`, and the
//! service circles and gaps as feature layers (`/api/v1/layers/coverage_circle/features`,
//! `/api/v1/layers/coverage_gap/features`).
//!
//! Coverage is computed on a blocking thread, once per (kind, minutes, speed, mode, walk-off), and
//! cached.

use super::AppState;
use super::error::ApiError;
use super::params::Params;
use super::schema::ErrorBody;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;
use wangge_app::coverage::{CoverageError, CoverageService, DEFAULT_KIND, Request, parse_level};
use wangge_app::coverage_json::{
    circle_features, describe_picks, excess_json, gap_features, params_json, picks_json, stat_json,
};
use wangge_app::coverage_report;
use wangge_core::coverage::{self, Coverage, Mode, Params as CovParams};
use wangge_text::Lang;
use wangge_text::zh_en;

/// Most candidate sites in one suggestion request.
pub const MAX_CANDIDATES: usize = 20_000;
/// Most sites one suggestion may pick.
pub const MAX_K: usize = 50;

fn bad(lang: Lang, zh: String, en: String) -> ApiError {
    ApiError::bad_parameter(if lang == Lang::Zh { zh } else { en })
}

fn in_range(lang: Lang, key: &str, v: f64, lo: f64, hi: f64) -> Result<f64, ApiError> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(bad(
            lang,
            format!("参数 {key} 应在 {lo}–{hi} 之间，收到 {v}"),
            format!("parameter {key} must be {lo}..={hi}, got {v}"),
        ))
    }
}

/// Reads kind, minutes, speed_kmh, mode and walk_off_m (with defaults) from the query string.
pub fn request_from(params: &Params) -> Result<Request, ApiError> {
    let lang = params.lang;
    let minutes = in_range(lang, "minutes", params.optional("minutes", 15.0)?, 1.0, 60.0)?;
    let speed_kmh = in_range(lang, "speed_kmh", params.optional("speed_kmh", 4.0)?, 1.0, 10.0)?;
    let walk_off_m = in_range(lang, "walk_off_m", params.optional("walk_off_m", 50.0)?, 5.0, 500.0)?;
    let mode = match params.get("mode").unwrap_or("network") {
        "network" => Mode::Network,
        "circle" => Mode::Circle,
        other => {
            return Err(bad(
                lang,
                format!("参数 mode 的值 \"{other}\" 无效：应为 network 或 circle"),
                format!("parameter mode: \"{other}\" is not network or circle"),
            ));
        }
    };
    let kind = params.get("kind").unwrap_or(DEFAULT_KIND).to_string();
    Ok(Request { kind, params: CovParams { minutes, speed_kmh, mode, walk_off_m } })
}

fn map_error(e: CoverageError, lang: Lang) -> ApiError {
    match e {
        CoverageError::UnknownKind { kind, known } => ApiError::not_found(zh_en!(
            lang,
            ("参数 kind：没有类型为 \"{kind}\" 的服务中心（现有：{known}）"),
            ("parameter kind: no service centre of kind \"{kind}\" (known: {known})")
        )),
        CoverageError::NoNetwork => ApiError::new(
            StatusCode::CONFLICT,
            "no_network",
            lang.pick(
                "尚未导入步行路网：请先运行 wangge import-roads",
                "no walking network: run wangge import-roads first",
            )
            .to_string(),
        ),
    }
}

/// Computes (or fetches) the coverage on a blocking thread.
async fn compute(service: Arc<CoverageService>, req: Request, lang: Lang) -> Result<Arc<Coverage>, ApiError> {
    super::guard::blocking(move || service.coverage(&req, &|_, _| {})).await?.map_err(|e| map_error(e, lang))
}

/// `GET /api/v1/coverage`: service circles and gaps as one GeoJSON FeatureCollection with a
/// `stats` member (totals, and in network mode what the straight-line circles over-claim).
#[utoipa::path(get, path = "/api/v1/coverage", tag = "coverage", params(super::schema::CoverageQuery),
    responses((status = 200, description = "Coverage of buildings and households by walking distance", body = Object), (status = 400, description = "A parameter or field is wrong", body = ErrorBody)))]
pub async fn get_coverage(State(state): State<AppState>, params: Params) -> Result<Json<Value>, ApiError> {
    let lang = params.lang;
    let req = request_from(&params)?;
    let service = state.coverage_service();
    let cov = compute(service.clone(), req.clone(), lang).await?;
    let ctx = service.context().map_err(|e| map_error(e, lang))?.clone();
    let excess = if req.params.mode == Mode::Network {
        let (s, r) = (service.clone(), req.clone());
        let e = super::guard::blocking(move || s.circle_excess(&r)).await?;
        Some(excess_json(&e.map_err(|e| map_error(e, lang))?))
    } else {
        None
    };
    let mut features = circle_features(&ctx, &req.kind, &cov);
    features.extend(gap_features(&ctx, &cov));
    let mut stats = stat_json(&ctx, &coverage::total(&ctx, &cov), false);
    stats["centres"] = json!(cov.centres.len());
    if let Some(e) = excess {
        stats["circle_excess"] = e;
    }
    Ok(Json(json!({
        "type": "FeatureCollection",
        "params": params_json(&req.kind, &cov),
        "stats": stats,
        "features": features,
    })))
}

/// `GET /api/v1/coverage/stats?level=community|street|grid|district`: one row per area with the
/// uncovered buildings listed, and the totals.
#[utoipa::path(get, path = "/api/v1/coverage/stats", tag = "coverage", params(super::schema::CoverageQuery, super::schema::StatsQuery),
    responses((status = 200, description = "One row per area and the totals (JSON; with `format=csv` a CSV table, the total last; with `format=xlsx` a workbook with the table and the uncovered buildings)", body = Object), (status = 400, description = "A parameter or field is wrong", body = ErrorBody)))]
pub async fn get_stats(State(state): State<AppState>, params: Params) -> Result<Response, ApiError> {
    let lang = params.lang;
    let format = params.get("format").unwrap_or("json").to_string();
    if !matches!(format.as_str(), "json" | "csv" | "xlsx") {
        return Err(bad(
            lang,
            format!("参数 format 的值 \"{format}\" 无效：应为 json、csv 或 xlsx"),
            format!("parameter format: \"{format}\" is not json, csv or xlsx"),
        ));
    }
    let raw = params.get("level").unwrap_or("community");
    let level = parse_level(raw).ok_or_else(|| {
        bad(
            lang,
            format!("参数 level 的值 \"{raw}\" 无效：应为 grid、community、street 或 district"),
            format!("parameter level: \"{raw}\" is not grid, community, street or district"),
        )
    })?;
    let req = request_from(&params)?;
    let service = state.coverage_service();
    let cov = compute(service.clone(), req.clone(), lang).await?;
    let ctx = service.context().map_err(|e| map_error(e, lang))?.clone();
    let rows: Vec<Value> = coverage::by_level(&ctx, &cov, level).iter().map(|s| stat_json(&ctx, s, true)).collect();
    let total = stat_json(&ctx, &coverage::total(&ctx, &cov), false);
    let file = |ext: &str| format!("attachment; filename=\"coverage-{raw}-{}min.{ext}\"", cov.params.minutes);
    match format.as_str() {
        "csv" => Ok((
            [(CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (CONTENT_DISPOSITION, file("csv"))],
            coverage_report::stats_csv(&rows, &total),
        )
            .into_response()),
        "xlsx" => {
            let bytes = coverage_report::stats_xlsx(raw, &rows, &total).map_err(|e| ApiError::internal(e.0))?;
            Ok(([(CONTENT_TYPE, XLSX.to_string()), (CONTENT_DISPOSITION, file("xlsx"))], bytes).into_response())
        }
        _ => Ok(Json(json!({
            "level": raw,
            "params": params_json(&req.kind, &cov),
            "total": total,
            "stats": rows,
        }))
        .into_response()),
    }
}

/// The media type of an `.xlsx` workbook.
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `GET /api/v1/layers/coverage_circle/features`: the service circles as a feature layer.
#[utoipa::path(get, path = "/api/v1/layers/coverage_circle/features", tag = "coverage", params(super::schema::CoverageQuery),
    responses((status = 200, description = "The service circles (GeoJSON FeatureCollection)", body = Object), (status = 400, description = "A parameter or field is wrong", body = ErrorBody)))]
pub async fn circle_layer(State(state): State<AppState>, params: Params) -> Result<Json<Value>, ApiError> {
    layer(state, params, true).await
}

/// `GET /api/v1/layers/coverage_gap/features`: the gaps as a feature layer.
#[utoipa::path(get, path = "/api/v1/layers/coverage_gap/features", tag = "coverage", params(super::schema::CoverageQuery),
    responses((status = 200, description = "The uncovered buildings (GeoJSON FeatureCollection)", body = Object), (status = 400, description = "A parameter or field is wrong", body = ErrorBody)))]
pub async fn gap_layer(State(state): State<AppState>, params: Params) -> Result<Json<Value>, ApiError> {
    layer(state, params, false).await
}

async fn layer(state: AppState, params: Params, circles: bool) -> Result<Json<Value>, ApiError> {
    let lang = params.lang;
    let req = request_from(&params)?;
    let service = state.coverage_service();
    let cov = compute(service.clone(), req.clone(), lang).await?;
    let ctx = service.context().map_err(|e| map_error(e, lang))?.clone();
    let features = if circles { circle_features(&ctx, &req.kind, &cov) } else { gap_features(&ctx, &cov) };
    Ok(Json(json!({
        "type": "FeatureCollection",
        "numberMatched": features.len(),
        "numberReturned": features.len(),
        "params": params_json(&req.kind, &cov),
        "features": features,
    })))
}

/// `POST /api/v1/coverage/suggest` with `{"k", "minutes", "speed_kmh", "kind", "candidates"}`:
/// `candidates` is `"buildings"`, `"nodes"`, an array of `[lon, lat]` or `{"lon","lat","code","name"}`,
/// or a GeoJSON FeatureCollection of points. Greedy maximal covering (see
/// [`wangge_core::coverage::suggest`]).
#[utoipa::path(post, path = "/api/v1/coverage/suggest", tag = "coverage", params(super::schema::LangQuery),
    request_body(content = Object, description = "`{k, minutes, speed_kmh, walk_off_m, mode, kind, candidates}`: candidates `\"buildings\"`, `\"nodes\"`, `[[lon, lat]…]`, `[{lon, lat, code, name}…]` or a GeoJSON FeatureCollection of points"),
    responses((status = 200, description = "The chosen sites in order and the coverage each adds", body = Object), (status = 400, description = "A parameter or field is wrong", body = ErrorBody)))]
pub async fn post_suggest(
    State(state): State<AppState>,
    params: Params,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let lang = params.lang;
    let v: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_body(format!("{}: {e}", lang.pick("请求体不是有效的 JSON", "the body is not valid JSON")))
    })?;
    if !v.is_object() {
        return Err(ApiError::bad_body(
            lang.pick("请求体应为 JSON 对象", "the body must be a JSON object").to_string(),
        ));
    }
    // Body fields take the place of query parameters of the same name.
    let mut merged = Params::parse(None, None);
    merged.lang = lang;
    let mut pairs: Vec<(String, String)> = Vec::new();
    for key in ["kind", "minutes", "speed_kmh", "walk_off_m", "mode"] {
        match (&v[key], params.get(key)) {
            (Value::String(s), _) => pairs.push((key.into(), s.clone())),
            (Value::Number(n), _) => pairs.push((key.into(), n.to_string())),
            (Value::Null, Some(q)) => pairs.push((key.into(), q.to_string())),
            (Value::Null, None) => {}
            (other, _) => pairs.push((key.into(), other.to_string())),
        }
    }
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    let mut p = Params::parse(Some(&query), None);
    p.lang = lang;
    let req = request_from(&p)?;
    let k = match &v["k"] {
        Value::Null => 1,
        k => k.as_u64().filter(|k| (1..=MAX_K as u64).contains(k)).ok_or_else(|| {
            bad(
                lang,
                format!("字段 k 应为 1–{MAX_K} 的整数，收到 {k}"),
                format!("field k must be an integer 1..={MAX_K}, got {k}"),
            )
        })? as usize,
    };
    let service = state.coverage_service();
    let cov = compute(service.clone(), req.clone(), lang).await?;
    let ctx = service.context().map_err(|e| map_error(e, lang))?.clone();
    let candidates = super::coverage_candidates::parse(&v["candidates"], &ctx, lang)?;
    let (ctx2, cov2, cands) = (ctx.clone(), cov.clone(), candidates.clone());
    let picks = super::guard::blocking(move || coverage::suggest(&ctx2, &cov2, &cands, k)).await?;
    let before = coverage::total(&ctx, &cov);
    let added: u64 = picks.iter().map(|p| p.gain_households).sum();
    let snapshot = state.snapshot();
    let (ctx3, cov3) = (ctx.clone(), cov.clone());
    let picks = super::guard::blocking(move || {
        let mut out = picks_json(&ctx3, &picks);
        describe_picks(&ctx3, &cov3, &snapshot, &picks, &mut out);
        out
    })
    .await?;
    Ok(Json(json!({
        "method": "greedy maximal covering: each pick adds the most uncovered households; gains never increase",
        "params": params_json(&req.kind, &cov),
        "k": k,
        "candidates": candidates.len(),
        "households": before.households,
        "covered_before": before.covered_households,
        "covered_after": before.covered_households + added,
        "picks": picks,
    })))
}
