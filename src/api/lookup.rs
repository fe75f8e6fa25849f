//! `GET /api/v1/lookup` (one point) and `POST /api/v1/lookup` (a batch, answered in input order).

use super::AppState;
use super::error::ApiError;
use super::extract::ApiBytes;
use super::params::Params;
use super::schema::{BatchLookupQuery, ErrorBody, LookupAnswer, LookupBatch, LookupQuery, Workbook};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::extract::{FromRequest, Request};
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::Value;
use wangge_app::batch::{BatchError, answer_rows, lookup_points_csv, lookup_xlsx, read_csv_batch};
use wangge_app::lookup::{BadPoint, PointIn, lookup_one, points_from_csv, points_from_json};
use wangge_formats::crs::Crs;
use wangge_text::Lang;
use wangge_text::zh_en;

impl From<BadPoint> for ApiError {
    fn from(e: BadPoint) -> Self {
        ApiError::bad_parameter(e.0)
    }
}

/// `GET /api/v1/lookup?lon=..&lat=..&crs=..`
#[utoipa::path(get, path = "/api/v1/lookup", tag = "lookup", params(LookupQuery),
    responses((status = 200, description = "The grid, community, street and district of the point", body = LookupAnswer), (status = 400, description = "A parameter or field is wrong", body = ErrorBody)))]
pub async fn get_lookup(
    State(state): State<AppState>,
    caller: super::access::Caller,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let crs = parse_crs(&params)?;
    let x: f64 = params.required("lon")?;
    let y: f64 = params.required("lat")?;
    let point = PointIn { id: None, x, y, crs };
    if let Some(at) = params.get("at") {
        let past = super::history::snapshot_at(&state, at, params.lang).await?;
        let mut answer = lookup_one(&past, &point, params.lang)?;
        answer["at"] = Value::String(at.to_string());
        wangge_app::privacy::filter_contacts(&mut answer, caller.0.as_ref());
        return Ok(Json(answer));
    }
    let snapshot = state.snapshot();
    let mut answer = lookup_one(&snapshot, &point, params.lang)?;
    wangge_app::privacy::filter_contacts(&mut answer, caller.0.as_ref());
    Ok(Json(answer))
}

/// `POST /api/v1/lookup?crs=..` with a JSON array of points, a GeoJSON FeatureCollection of
/// points, or CSV (`Content-Type: text/csv`, columns lon,lat and optionally id and crs).
#[utoipa::path(post, path = "/api/v1/lookup", tag = "lookup", params(BatchLookupQuery),
    request_body(description = "A JSON array of `{lon, lat[, id, crs]}` or `[lon, lat]`, a GeoJSON FeatureCollection of points, CSV (`text/csv`: lon,lat[,id,crs]), or an `.xlsx` workbook whose first sheet has lon and lat columns (answered as a workbook: every user column kept, the hierarchy columns added)",
        content((Object = "application/json"), (String = "text/csv"), (Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses((status = 200, description = "One answer per point in input order: JSON, CSV with `format=csv` (or `Accept: text/csv`), or the workbook for a workbook",
            content((LookupBatch = "application/json"), (String = "text/csv"), (Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, description = "A parameter or field is wrong", body = ErrorBody),
        (status = 413, description = "Too many points or too large a body", body = ErrorBody)))]
pub async fn post_lookup(
    State(state): State<AppState>,
    params: Params,
    caller: super::access::Caller,
    request: Request,
) -> Result<Response, ApiError> {
    let lang = params.lang;
    let default_crs = parse_crs(&params)?;
    let headers = request.headers();
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let is_csv = content_type.starts_with("text/csv") || content_type.starts_with("text/plain");
    let wants_csv = params.get("format") == Some("csv")
        || headers.get(ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.starts_with("text/csv"));
    if is_csv && wants_csv {
        return stream_csv(state, request, default_crs, lang).await;
    }
    let is_xlsx = content_type.starts_with(XLSX);
    let ApiBytes(body) = ApiBytes::from_request(request, &state).await?;
    if is_xlsx {
        // A workbook comes back as a workbook: the user's columns and the answer columns.
        let snapshot = state.snapshot();
        let max = state.limits.max_batch_points;
        let answer = super::guard::blocking(move || lookup_xlsx(&snapshot, &body, default_crs, lang, max)).await?;
        let (bytes, _) = answer.map_err(|e| batch_error(e, &state, lang))?;
        return Ok(([(CONTENT_TYPE, XLSX)], bytes).into_response());
    }
    let points =
        if is_csv { points_from_csv(&body, default_crs, lang) } else { points_from_json(&body, default_crs, lang) }
            .map_err(|e| ApiError::bad_body(e.0))?;
    if points.len() > state.limits.max_batch_points {
        return Err(too_many(points.len(), &state, lang));
    }
    let snapshot = state.snapshot();
    if wants_csv {
        // The CSV answer is written straight from the lookups, on every core, off the async workers.
        let csv = super::guard::blocking(move || lookup_points_csv(&snapshot, &points, lang)).await?;
        let (bytes, _) = csv.map_err(|e| batch_error(e, &state, lang))?;
        return Ok(([(CONTENT_TYPE, "text/csv; charset=utf-8")], bytes).into_response());
    }
    // A batch is CPU work: keep it off the async workers so single lookups stay fast.
    let mut results = super::guard::blocking(move || {
        snapshot.prepare_nearest();
        points.iter().map(|p| lookup_one(&snapshot, p, lang)).collect::<Result<Vec<Value>, BadPoint>>()
    })
    .await??;
    for r in &mut results {
        wangge_app::privacy::filter_contacts(r, caller.0.as_ref());
    }
    let covered = results.iter().filter(|r| r["covered"] == Value::Bool(true)).count();
    Ok(Json(LookupBatch { count: results.len(), covered, results }).into_response())
}

/// CSV in, CSV out, both streamed: the body is read as it arrives (on the blocking pool, counted
/// against the body limit) into compact rows, every row checked before anything is answered (so
/// a bad row is still a 400 naming its line), then the answer is sent a chunk at a time as the
/// lookups produce it, at most a few chunks buffered. The heavy permit is held until the last
/// chunk is sent, and a client that stops reading past the heavy deadline has its answer cut off.
async fn stream_csv(state: AppState, request: Request, crs: Crs, lang: Lang) -> Result<Response, ApiError> {
    let (limit, max_points) = (state.limits.max_body_bytes, state.limits.max_batch_points);
    let mut reader = BodyReader {
        stream: request.into_body().into_data_stream(),
        runtime: tokio::runtime::Handle::current(),
        current: Bytes::new(),
        seen: 0,
        limit,
    };
    let (rows, seen) = super::guard::blocking(move || {
        let rows = read_csv_batch(&mut reader, crs, lang, max_points);
        (rows, reader.seen)
    })
    .await?;
    if seen > limit {
        return Err(ApiError::too_large(zh_en!(
            lang,
            ("请求体过大（上限 {limit} 字节）"),
            ("request body too large (limit {limit} bytes)")
        )));
    }
    let rows = rows.map_err(|e| batch_error(e, &state, lang))?;
    let snapshot = state.snapshot();
    let deadline = std::time::Instant::now() + state.limits.heavy_deadline;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    super::guard::spawn_heavy(move || {
        answer_rows(&snapshot, rows, lang, |chunk| {
            if std::time::Instant::now() > deadline {
                // An error, not an early end: the client must not take a cut answer for a whole one.
                let _ = tx.blocking_send(Err(std::io::Error::other("past the heavy-request deadline")));
                return false;
            }
            tx.blocking_send(Ok(Bytes::from(chunk))).is_ok()
        });
    });
    // Fused: a compressing layer polls the body once more after its end, and a bare `unfold`
    // panics when polled past its end.
    let chunks = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) }).fuse();
    Ok(([(CONTENT_TYPE, "text/csv; charset=utf-8")], Body::from_stream(chunks)).into_response())
}

/// A request body as [`std::io::Read`] for the blocking pool: each read waits for the next piece
/// of the body on the runtime; past `limit` bytes it fails (and `seen` tells the caller why).
struct BodyReader {
    stream: axum::body::BodyDataStream,
    runtime: tokio::runtime::Handle,
    current: Bytes,
    seen: usize,
    limit: usize,
}

impl std::io::Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use futures_util::StreamExt;
        while self.current.is_empty() {
            match self.runtime.block_on(self.stream.next()) {
                None => return Ok(0),
                Some(Ok(piece)) => {
                    self.seen += piece.len();
                    if self.seen > self.limit {
                        return Err(std::io::Error::other("request body over the limit"));
                    }
                    self.current = piece;
                }
                Some(Err(e)) => return Err(std::io::Error::other(e)),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

/// The media type of an `.xlsx` workbook.
pub(super) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn batch_error(e: BatchError, state: &AppState, lang: Lang) -> ApiError {
    match e {
        BatchError::Input(e) => ApiError::bad_body(e.0),
        BatchError::Output(e) => ApiError::internal(e),
        BatchError::TooMany(n, _) => too_many(n, state, lang),
    }
}

fn too_many(n: usize, state: &AppState, lang: Lang) -> ApiError {
    let limit = state.limits.max_batch_points;
    ApiError::too_large(format!("{} {n} > {limit}", lang.pick("批量点数超过上限", "batch has too many points:")))
}

pub(super) fn parse_crs(params: &Params) -> Result<Crs, ApiError> {
    let bad = |detail: String| {
        ApiError::bad_parameter(format!("{} {detail}", params.lang.pick("参数 crs 无效：", "parameter crs:")))
    };
    let crs: Crs = match params.get("crs") {
        Some(raw) => raw.parse().map_err(|e: wangge_formats::crs::UnknownCrs| bad(e.to_string()))?,
        None => Crs::Wgs84,
    };
    crs.check().map_err(|e| bad(e.to_string()))?;
    Ok(crs)
}
