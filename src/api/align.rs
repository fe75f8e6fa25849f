//! `GET /api/v1/networks` and `GET /api/v1/alignment`: other departments' networks and how they
//! line up with our grids, communities or streets (多网合一; see [`wangge_core::align`]).

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, Ctx};
use super::params::Params;
use super::plans::{plan_error, with_reader, with_store};
use super::schema::{AlignmentQuery, ErrorBody, LangQuery};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use utoipa::ToSchema;
use wangge_app::align::{Level, pieces_geojson, report, report_xlsx};
use wangge_app::align_draft::{AlignDraftError, PieceRef, create_draft};
use wangge_app::network_tiles::NetworkLayer;
use wangge_core::align::AlignConfig;
use wangge_text::{FindingJson, Lang, zh_en};

/// `GET /api/v1/networks`: every imported network with its current version and size.
#[utoipa::path(get, path = "/api/v1/networks", tag = "layers", params(LangQuery),
    responses((status = 200, description = "`{\"networks\": [{name, version, features, updated, author, message}]}`", body = Object),
        (status = 404, description = "No database", body = ErrorBody)))]
pub async fn list_networks(State(state): State<AppState>, params: Params) -> Result<Json<serde_json::Value>, ApiError> {
    let networks = with_reader(&state, params.lang, |s| s.networks().map_err(ApiError::internal)).await?;
    Ok(Json(json!({ "networks": networks })))
}

/// `GET /api/v1/networks/{name}/features[?version=N]`: a network's features (the current version,
/// or version N) as GeoJSON, for the map and for GIS clients.
#[utoipa::path(get, path = "/api/v1/networks/{name}/features", tag = "layers",
    params(("name" = String, Path, description = "The network's name"), ("version" = Option<i64>, Query, description = "A past version (default: the current one)"), LangQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection (code, name, attributes)", body = Object),
        (status = 400, description = "version is not a whole number", body = ErrorBody),
        (status = 404, description = "No such network or version, or no database", body = ErrorBody)))]
pub async fn network_features(
    State(state): State<AppState>,
    params: Params,
    ApiPath(name): ApiPath<String>,
) -> Result<Response, ApiError> {
    let lang = params.lang;
    let version: Option<i64> = match params.get("version") {
        None => None,
        Some(v) => Some(v.parse().map_err(|_| {
            ApiError::bad_parameter(zh_en!(
                lang,
                ("参数 version 的值 \"{v}\" 无效：应为整数"),
                ("parameter version: \"{v}\" is not a whole number")
            ))
        })?),
    };
    let n = name.clone();
    let features = with_reader(&state, lang, move |s| s.load_network(&n, version).map_err(ApiError::internal)).await?;
    let Some(features) = features else {
        return Err(ApiError::not_found(zh_en!(
            lang,
            ("没有名为 \"{name}\" 的网络或该版本（见 /api/v1/networks）"),
            ("no network named \"{name}\" or no such version (see /api/v1/networks)")
        )));
    };
    Ok(([(CONTENT_TYPE, "application/geo+json")], Json(wangge_formats::geojson::collection_to_json(&features)))
        .into_response())
}

/// The level a request names, `grid` when it names none; `refuse(raw)` answers a name that is not a
/// level (the query and the draft body word it for their own callers).
fn level_or(raw: Option<&str>, refuse: impl FnOnce(&str) -> ApiError) -> Result<Level, ApiError> {
    let raw = raw.unwrap_or("grid");
    raw.parse().map_err(|_| refuse(raw))
}

/// `GET /api/v1/alignment?network=NAME[&level=grid|community|street][&format=json|csv|xlsx|geojson]`.
#[utoipa::path(get, path = "/api/v1/alignment", tag = "layers", params(AlignmentQuery),
    responses((status = 200, description = "The alignment report: `pairs` (every intersecting pair: area, households, buildings, shares, class, Hausdorff distance), `slivers` (with a suggested snap) and `summary` (whole area, per street and community: classes, V-measure, homogeneity, completeness by households and by area); CSV, xlsx or GeoJSON pieces by `format`", body = Object),
        (status = 400, description = "A parameter is wrong (level, format, missing network)", body = ErrorBody),
        (status = 404, description = "No such network, or no database", body = ErrorBody)))]
pub async fn get_alignment(State(state): State<AppState>, params: Params) -> Result<Response, ApiError> {
    let lang = params.lang;
    let Some(network) = params.get("network").map(str::to_string) else {
        return Err(ApiError::bad_parameter(lang.pick(
            "缺少参数 network（网络名称，见 /api/v1/networks）",
            "parameter network is missing (a network's name: see /api/v1/networks)",
        )));
    };
    let level = level_or(params.get("level"), |raw| {
        ApiError::bad_parameter(zh_en!(
            lang,
            ("参数 level 的值 \"{raw}\" 无效：应为 grid、community 或 street"),
            ("parameter level: \"{raw}\" is not grid, community or street")
        ))
    })?;
    let format = params.get("format").unwrap_or("json").to_string();
    if !matches!(format.as_str(), "json" | "csv" | "xlsx" | "geojson") {
        return Err(ApiError::bad_parameter(zh_en!(
            lang,
            ("参数 format 的值 \"{format}\" 无效：应为 json、csv、xlsx 或 geojson"),
            ("parameter format: \"{format}\" is not json, csv, xlsx or geojson")
        )));
    }
    let layer = network_layer(&state, lang, &network).await?;
    let (version, features) = (layer.version, layer.features.clone());
    let snapshot = state.snapshot();
    let fmt = format.clone();
    let body = super::guard::blocking(move || -> Result<Response, ApiError> {
        let (value, alignment) = report(&snapshot, level, (&network, version, &features), &AlignConfig::default());
        let file = |ext: &str| format!("attachment; filename=\"alignment-{}-{}.{ext}\"", ascii(&network), level.id());
        Ok(match fmt.as_str() {
            "csv" => (
                [(CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (CONTENT_DISPOSITION, file("csv"))],
                wangge_app::align::pairs_csv(&value),
            )
                .into_response(),
            "xlsx" => {
                let bytes = report_xlsx(&value).map_err(|e| ApiError::internal(e.0))?;
                ([(CONTENT_TYPE, XLSX.to_string()), (CONTENT_DISPOSITION, file("xlsx"))], bytes).into_response()
            }
            "geojson" => {
                ([(CONTENT_TYPE, "application/geo+json")], Json(pieces_geojson(&value, &alignment))).into_response()
            }
            _ => Json(value).into_response(),
        })
    })
    .await??;
    Ok(body)
}

/// The media type of an `.xlsx` workbook.
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file-name-safe form of a network name (non-ASCII letters become `_`).
fn ascii(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

fn no_network(name: &str, lang: Lang) -> ApiError {
    ApiError::not_found(zh_en!(
        lang,
        ("没有名为 \"{name}\" 的网络（见 /api/v1/networks）"),
        ("no network named \"{name}\" (see /api/v1/networks)")
    ))
}

/// The current version of network `name`, indexed: the version is read from the store on every
/// call (an import from another process is seen at once), the features only when it changed.
pub async fn network_layer(state: &AppState, lang: Lang, name: &str) -> Result<Arc<NetworkLayer>, ApiError> {
    let (n, networks) = (name.to_string(), state.networks.clone());
    let layer = with_reader(state, lang, move |s| {
        let Some(version) = s.network_version(&n).map_err(ApiError::internal)? else { return Ok(None) };
        networks.layer(&n, version, || s.load_network(&n, Some(version))).map_err(ApiError::internal)
    })
    .await?;
    layer.ok_or_else(|| no_network(name, lang))
}

/// The body of `POST /api/v1/alignment/draft`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlignDraftBody {
    /// The network's name.
    pub network: String,
    /// Our level: only `grid` (the default) is snapped in a draft.
    #[serde(default)]
    pub level: Option<String>,
    /// The slivers to snap, each named by its pair `{ours, theirs}` (as in the report's `slivers`).
    #[schema(value_type = Vec<Object>)]
    pub pieces: Vec<PieceRef>,
    /// The draft's name (default: 多网对照 NETWORK).
    #[serde(default)]
    pub name: Option<String>,
}

/// `POST /api/v1/alignment/draft` `{"network":"police","level":"grid","pieces":[{"ours":"G1","theirs":"JG1"}]}`:
/// a draft plan that gives each chosen sliver to the grid the report suggests (our boundary
/// snapped onto theirs), with the buildings standing in it; all or nothing.
#[utoipa::path(post, path = "/api/v1/alignment/draft", tag = "plans", params(LangQuery), request_body = AlignDraftBody,
    security(("bearer" = [])),
    responses((status = 201, description = "`{plan_id, version, edits, errors, warnings, findings}`: the new draft plan, its edits and its validation", body = Object),
        (status = 400, description = "A field is wrong (no pieces, a level other than grid)", body = ErrorBody),
        (status = 401, description = "No token", body = ErrorBody), (status = 403, description = "The role is too low", body = ErrorBody),
        (status = 404, description = "No such network, or no database", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "A piece cannot be snapped (named in `problems`); nothing was written", body = ErrorBody)))]
pub async fn post_draft(
    Ctx { state, caller, lang, .. }: Ctx,
    ApiJson(body): ApiJson<AlignDraftBody>,
) -> Result<Response, ApiError> {
    let level = level_or(body.level.as_deref(), |raw| {
        ApiError::bad_body(zh_en!(
            lang,
            ("字段 level 的值 \"{raw}\" 无效：应为 grid"),
            ("field level: \"{raw}\" is not grid")
        ))
    })?;
    let layer = network_layer(&state, lang, &body.network).await?;
    let snapshot = state.snapshot();
    let (cache, rules, author) = (state.plans.clone(), state.rules.clone(), caller.author());
    let name = body
        .name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("{} {}", lang.pick("多网对照", "alignment with"), body.network));
    let pieces = body.pieces;
    let (row, edits, findings) = with_store(&state, lang, move |s| {
        let network = (layer.name.as_str(), layer.version, layer.features.as_slice());
        let (row, edits) = create_draft(s, &cache, &snapshot, level, network, &pieces, &name, author)
            .map_err(|e| draft_error(e, lang))?;
        let findings = cache.findings(s, row.id, &rules).map_err(|e| plan_error(e, lang))?;
        Ok((row, edits, findings))
    })
    .await?;
    let (errors, warnings) = wangge_core::rules::finding::tally(&findings);
    let findings: Vec<serde_json::Value> = findings.iter().map(|f| f.to_json(lang)).collect();
    let body = json!({ "plan_id": row.id, "version": row.version, "edits": edits,
        "errors": errors, "warnings": warnings, "findings": findings });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

fn draft_error(e: AlignDraftError, lang: Lang) -> ApiError {
    match e {
        AlignDraftError::BadRequest { detail, detail_zh } => ApiError::bad_body(lang.pick(&detail_zh, &detail)),
        AlignDraftError::Piece { ours, theirs, detail, detail_zh } => {
            let mut e = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_piece",
                zh_en!(
                    lang,
                    ("碎片 {ours}/{theirs} 无法吸附，未写入任何内容：{detail_zh}"),
                    ("piece {ours}/{theirs} cannot be snapped; nothing was written: {detail}")
                ),
            );
            e.problems = Some(json!({ "ours": ours, "theirs": theirs }));
            e
        }
        AlignDraftError::Plan(e) => plan_error(e, lang),
    }
}
