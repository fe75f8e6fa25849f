//! `GET /api/v1/geocode` (address → candidates), `GET /api/v1/geocode/reverse` (point → nearest
//! addresses) and `POST /api/v1/geocode/batch` (CSV in → CSV out with a status per row; an `.xlsx`
//! workbook in → the workbook with the answer columns added).

use super::AppState;
use super::access::Caller;
use super::error::ApiError;
use super::extract::{ApiBytes, Ctx};
use super::lookup::{XLSX, parse_crs};
use super::params::Params;
use super::schema::{ErrorBody, GeocodeBatchQuery, GeocodeQuery, ReverseQuery, SuggestQuery, Workbook};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use geo::Coord;
use serde_json::Value;
use wangge_app::address::{
    BATCH_HEADER, batch_csv, batch_queries, batch_row, geocode_json, reverse_json, suggest_json,
};
use wangge_app::geocode_xlsx::{GeocodeSheet, GeocodeXlsxError, geocode_xlsx};
use wangge_app::privacy::{filter_candidates, filter_rows, may_see_rooms};

/// What the GET handlers answer: JSON, or an error.
type JsonAnswer = Result<Json<Value>, ApiError>;

/// Longest query accepted, in characters: no real address is longer, and fuzzy matching costs
/// grow with the length.
pub const MAX_QUERY_CHARS: usize = 200;

/// Most candidates one query may ask for.
pub const MAX_LIMIT: usize = 50;

fn bounded(params: &Params, key: &str, default: usize, max: usize) -> Result<usize, ApiError> {
    let n: i64 = params.optional(key, default as i64)?;
    if n < 1 || n > max as i64 {
        let lang = params.lang;
        return Err(ApiError::bad_parameter(
            lang.pick(
                &format!("参数 {key} 须在 1 到 {max} 之间"),
                &format!("parameter {key} must be between 1 and {max}"),
            )
            .to_string(),
        ));
    }
    Ok(n as usize)
}

/// Writes the audit row of an answer that returned `rows` room-level addresses (none: no row).
async fn audit_rows(
    state: &AppState,
    caller: &Caller,
    path: &str,
    detail: String,
    rows: usize,
    lang: wangge_text::Lang,
) -> Result<(), ApiError> {
    if rows == 0 {
        return Ok(());
    }
    let _ = lang;
    let Some(store) = &state.store else { return Ok(()) };
    // Queued for the background audit writer: the answer does not wait for the writer connection.
    let entry = wangge_store::AuditEntry::now(&caller.name(), caller.role().id(), "GET", path, 200);
    wangge_store::Backend::append_audit(
        &**store,
        wangge_store::AuditEntry { detail, rows: Some(rows as i64), area: caller.area(), ..entry },
    );
    Ok(())
}

/// The `q` and `limit` of a geocode or suggest query: `q` is required and refused when longer than
/// [`MAX_QUERY_CHARS`], `limit` is 1..=`max` (default `default`).
fn query_and_limit(params: &Params, default: usize, max: usize) -> Result<(String, usize), ApiError> {
    let q: String = params.required("q")?;
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_parameter(params.lang.pick(
            &format!("参数 q 过长（超过 {MAX_QUERY_CHARS} 个字符）"),
            &format!("parameter q is longer than {MAX_QUERY_CHARS} characters"),
        )));
    }
    Ok((q, bounded(params, "limit", default, max)?))
}

/// `GET /api/v1/geocode?q=..&limit=..`
#[utoipa::path(get, path = "/api/v1/geocode", tag = "geocode", params(GeocodeQuery), security((), ("bearer" = [])),
    responses((status = 200, description = "Candidates, best first (room-level addresses cut for callers who may not see them, `redacted: true`)", body = Object), (status = 400, description = "A parameter or field is wrong", body = ErrorBody)))]
pub async fn get_geocode(State(state): State<AppState>, caller: Caller, params: Params) -> JsonAnswer {
    let (q, limit) = query_and_limit(&params, 5, MAX_LIMIT)?;
    let answer = geocode_json(&q, &gazetteer_built(&state).await?.addresses().search(&q, limit));
    as_entitled(&state, &caller, params.lang, ("/api/v1/geocode", format!("geocode q={q}")), answer).await
}

/// The served snapshot with its gazetteer built. A server builds the gazetteer on a thread of its
/// own after each start or publish; a geocoding request that comes before that build ends waits
/// for it on the blocking pool, so the async workers that answer lookups are never held by it.
async fn gazetteer_built(state: &AppState) -> Result<std::sync::Arc<wangge_core::snapshot::Snapshot>, ApiError> {
    let snapshot = state.snapshot();
    if !snapshot.addresses_ready() {
        let building = snapshot.clone();
        tokio::task::spawn_blocking(move || building.prepare_addresses()).await.map_err(ApiError::internal)?;
    }
    Ok(snapshot)
}

/// A geocode or reverse `answer` as the caller may see it: rooms cut unless their role and area
/// allow them, and the rooms shown audited under `path` with `detail`.
async fn as_entitled(
    state: &AppState,
    caller: &Caller,
    lang: wangge_text::Lang,
    (path, detail): (&str, String),
    mut answer: Value,
) -> JsonAnswer {
    let shown = filter_candidates(&mut answer, caller.0.as_ref());
    audit_rows(state, caller, path, detail, shown, lang).await?;
    Ok(Json(answer))
}

/// Most suggestions one type-ahead query may ask for.
pub const MAX_SUGGEST: usize = 20;

/// `GET /api/v1/geocode/suggest?q=..&limit=..`: names of roads, estates and divisions that start
/// with `q`, for type-ahead. Only names: no address, so nothing here is personal data.
#[utoipa::path(get, path = "/api/v1/geocode/suggest", tag = "geocode", params(SuggestQuery),
    responses((status = 200, description = "Names that start with `q`, best first: `{query, suggestions: [{name, level, addresses}]}`", body = Object), (status = 400, description = "A parameter is wrong", body = ErrorBody)))]
pub async fn get_suggest(State(state): State<AppState>, params: Params) -> JsonAnswer {
    let (q, limit) = query_and_limit(&params, 8, MAX_SUGGEST)?;
    Ok(Json(suggest_json(gazetteer_built(&state).await?.addresses(), &q, limit)))
}

/// `GET /api/v1/geocode/reverse?lon=..&lat=..&crs=..&limit=..`
#[utoipa::path(get, path = "/api/v1/geocode/reverse", tag = "geocode", params(ReverseQuery), security((), ("bearer" = [])),
    responses((status = 200, description = "The nearest addresses", body = Object), (status = 400, description = "A parameter or field is wrong", body = ErrorBody)))]
pub async fn get_reverse(State(state): State<AppState>, caller: Caller, params: Params) -> JsonAnswer {
    let lang = params.lang;
    let crs = parse_crs(&params)?;
    let x: f64 = params.required("lon")?;
    let y: f64 = params.required("lat")?;
    let limit = bounded(&params, "limit", 1, MAX_LIMIT)?;
    if !x.is_finite() || !y.is_finite() {
        return Err(ApiError::bad_parameter(lang.pick("坐标必须是有限数", "coordinates must be finite numbers")));
    }
    let p = crs.to_wgs84(Coord { x, y }).map_err(|e| ApiError::bad_parameter(format!("crs {crs}: {e}")))?;
    if !(-180.0..=180.0).contains(&p.x) || !(-90.0..=90.0).contains(&p.y) {
        return Err(ApiError::bad_parameter(lang.pick(
            &format!("坐标 ({x}, {y}) 超出经纬度范围；投影坐标请用 crs=EPSG:<代码>"),
            &format!(
                "({x}, {y}) is outside longitude ±180 / latitude ±90; for projected coordinates pass crs=EPSG:<code>"
            ),
        )));
    }
    let answer = reverse_json(gazetteer_built(&state).await?.addresses(), p, limit);
    let detail = format!("geocode/reverse lon={} lat={}", p.x, p.y);
    as_entitled(&state, &caller, lang, ("/api/v1/geocode/reverse", detail), answer).await
}

/// `POST /api/v1/geocode/batch` with CSV (`address[,id]`), answered with CSV in input order with
/// `status` matched / ambiguous / not_found per row; or with an `.xlsx` workbook, answered with the
/// workbook: every user column kept, the match and hierarchy columns added (headers in `lang`).
#[utoipa::path(post, path = "/api/v1/geocode/batch", tag = "geocode", params(GeocodeBatchQuery), security((), ("bearer" = [])),
    request_body(description = "CSV `address[,id]`, or an `.xlsx` workbook whose first sheet has an address column (`address`, `地址`, `详细地址`, `q`, or the header named by `address_column`)",
        content((String = "text/csv"), (Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses((status = 200, description = "CSV in input order with `status` matched / ambiguous / not_found; for a workbook, the workbook with `match_status`, `match_score`, `match_level`, `matched_address`, `match_lon`, `match_lat`, `match_building`, and the grid, community, street and district codes and names added (匹配状态, 匹配地址, 网格编码… in Chinese); room-level addresses cut for callers who may not see them",
            content((String = "text/csv"), (Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, description = "A parameter, field or the workbook is wrong (not an .xlsx, no address column, an address too long)", body = ErrorBody),
        (status = 413, description = "Too many rows or too large a body", body = ErrorBody)))]
pub async fn post_batch(
    Ctx { state, caller, lang, params }: Ctx,
    headers: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> Result<Response, ApiError> {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.starts_with(XLSX) {
        return post_xlsx(state, caller, &params, body).await;
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_body(
            lang.pick("请求体为空：需要 CSV（address 列）", "empty body: CSV with an address column expected"),
        ));
    }
    let queries = batch_queries(&body, lang).map_err(ApiError::bad_body)?;
    if queries.len() > state.limits.max_batch_points {
        return Err(too_many(queries.len(), state.limits.max_batch_points, lang));
    }
    if let Some((id, _)) = queries.iter().find(|(_, q)| q.chars().count() > MAX_QUERY_CHARS) {
        return Err(ApiError::bad_body(format!(
            "id {id}: {}",
            lang.pick("地址过长", "address longer than 200 characters")
        )));
    }
    let snapshot = state.snapshot();
    // A batch is CPU work: keep it off the async workers so single queries stay fast.
    let holder = caller.0.clone();
    let n = queries.len();
    let (csv, shown) = super::guard::blocking(move || {
        let g = snapshot.addresses();
        let mut rows: Vec<Vec<String>> = queries.iter().map(|(id, q)| batch_row(g, id, q)).collect();
        let col = |name: &str| BATCH_HEADER.iter().position(|h| *h == name).unwrap_or(usize::MAX);
        let shown = filter_rows(&mut rows, col("address"), col("grid_code"), holder.as_ref());
        (batch_csv(&rows), shown)
    })
    .await?;
    audit_rows(&state, &caller, "/api/v1/geocode/batch", format!("geocode/batch {n} rows"), shown, lang).await?;
    Ok(([(CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
}

/// The workbook form of [`post_batch`]: [`geocode_xlsx`] off the async workers, rooms by the
/// caller's role and area as in the CSV answer, audited the same way.
async fn post_xlsx(
    state: AppState,
    caller: Caller,
    params: &Params,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let lang = params.lang;
    let address_column = params.get("address_column").map(str::to_string);
    let snapshot = state.snapshot();
    let holder = caller.0.clone();
    let max_rows = state.limits.max_batch_points;
    let answer = super::guard::blocking(move || {
        let header = |c| wangge_text::catalog(lang).geocode_column(c);
        let may_see = |grid: Option<&str>| may_see_rooms(holder.as_ref(), grid);
        let sheet = GeocodeSheet {
            address_column: address_column.as_deref(),
            max_rows,
            max_query_chars: MAX_QUERY_CHARS,
            header: &header,
            may_see_rooms: &may_see,
        };
        geocode_xlsx(snapshot.addresses(), &body, &sheet, lang)
    })
    .await?;
    let (bytes, count) = answer.map_err(|e| match e {
        GeocodeXlsxError::Input(detail) => ApiError::bad_body(detail),
        GeocodeXlsxError::TooMany(n, max) => too_many(n, max, lang),
        GeocodeXlsxError::Output(e) => ApiError::internal(e),
    })?;
    let detail = format!("geocode/batch xlsx {} rows", count.rows);
    audit_rows(&state, &caller, "/api/v1/geocode/batch", detail, count.rooms_shown, lang).await?;
    Ok(([(CONTENT_TYPE, XLSX)], bytes).into_response())
}

/// 413 for a batch of `n` addresses over the limit `max`.
fn too_many(n: usize, max: usize, lang: wangge_text::Lang) -> ApiError {
    ApiError::too_large(format!("{} {n} > {max}", lang.pick("批量地址数超过上限", "batch has too many addresses:")))
}
