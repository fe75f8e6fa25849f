//! `GET /api/v1/networks` and `GET /api/v1/alignment`: other departments' networks and how they
//! line up with our grids, communities or streets (多网合一; see [`wangge_core::align`]).

use super::AppState;
use super::error::ApiError;
use super::extract::ApiPath;
use super::params::Params;
use super::plans::with_reader;
use super::schema::{ErrorBody, LangQuery};
use axum::Json;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;
use wangge_app::align::{Level, pieces_geojson, report, report_xlsx};
use wangge_core::align::AlignConfig;
use wangge_text::zh_en;

/// The query of `GET /api/v1/alignment`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlignmentQuery {
    /// The network's name (as imported with `wangge import --network NAME`).
    pub network: String,
    /// Our level: `grid` (default), `community` or `street`.
    pub level: Option<String>,
    /// `json` (default: `pairs`, `slivers`, `summary`), `csv` (the pairs), `xlsx` (sheets pairs,
    /// slivers, summary) or `geojson` (the pieces with their class, for the map).
    pub format: Option<String>,
    /// `zh` or `en`.
    pub lang: Option<String>,
}

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
    let raw_level = params.get("level").unwrap_or("grid").to_string();
    let level: Level = raw_level.parse().map_err(|_| {
        ApiError::bad_parameter(zh_en!(
            lang,
            ("参数 level 的值 \"{raw_level}\" 无效：应为 grid、community 或 street"),
            ("parameter level: \"{raw_level}\" is not grid, community or street")
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
    let name = network.clone();
    let loaded = with_reader(&state, lang, move |s| {
        let version = s.network_version(&name).map_err(ApiError::internal)?;
        let features = s.load_network(&name, None).map_err(ApiError::internal)?;
        Ok(version.zip(features))
    })
    .await?;
    let Some((version, features)) = loaded else {
        return Err(ApiError::not_found(zh_en!(
            lang,
            ("没有名为 \"{network}\" 的网络（见 /api/v1/networks）"),
            ("no network named \"{network}\" (see /api/v1/networks)")
        )));
    };
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
