//! What keeps one request from stopping, blocking or starving the others: a cap on concurrent
//! heavy requests (503 with `Retry-After` instead of a queue), a deadline per heavy request, a
//! vertex budget per request body, a URI length limit, and the rewriting of every plain-text or
//! empty error (from axum's own extractors, `ServeDir`, the router) into the project's JSON.

use super::AppState;
use super::error::ApiError;
use super::params::Params;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::OwnedSemaphorePermit;
use wangge_text::Lang;
use wangge_text::zh_en;

tokio::task_local! {
    /// The heavy-request permit of the request being served, if it is a heavy one: [`blocking`]
    /// moves a clone into the blocking work, so a permit is released only when the CPU work
    /// really ends, even if the request was abandoned at its deadline.
    static PERMIT: Arc<HeavyPermit>;
}

/// A heavy request's permit. When its last holder lets go — the request and any work it started
/// have ended — the hook set with [`on_heavy_request_end`] runs on the blocking pool: memory a
/// batch freed is handed back there, once, rather than after every small request.
pub struct HeavyPermit(#[allow(dead_code)] OwnedSemaphorePermit);

static HEAVY_END: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Sets what runs after each heavy request has ended (the binary gives freed memory back to the
/// system); the first call wins.
pub fn on_heavy_request_end(hook: fn()) {
    let _ = HEAVY_END.set(hook);
}

/// Runs the [`on_heavy_request_end`] hook on the blocking pool (or here, outside a runtime).
fn run_end_hook() {
    if let Some(&hook) = HEAVY_END.get() {
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(hook)),
            Err(_) => hook(),
        }
    }
}

impl Drop for HeavyPermit {
    fn drop(&mut self) {
        // Work abandoned at its deadline ends after its answer was sent: its memory goes back here.
        run_end_hook();
    }
}

/// A heavy answer's body that runs the end hook when it is dropped, that is once it has been
/// written out (or the client went away). The permit ends with the handler's work, but the memory
/// of the answer (a JSON batch's values and its 40 MB of text, the last chunks of a streamed CSV)
/// is freed only after the body is sent; trimming at the permit alone left 15–35 MB of a batch
/// resident for good.
struct TrimAfterSent {
    inner: Body,
}

impl Drop for TrimAfterSent {
    fn drop(&mut self) {
        // The inner body's buffers are freed first, so the hook finds them free.
        drop(std::mem::replace(&mut self.inner, Body::empty()));
        run_end_hook();
    }
}

impl http_body::Body for TrimAfterSent {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// How many seconds a refused client is told to wait before retrying.
const RETRY_AFTER_SECONDS: u64 = 1;

fn request_lang(request: &Request) -> Lang {
    let accept = request.headers().get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    Params::parse(request.uri().query(), accept).lang
}

fn unavailable(error: &'static str, detail: String) -> Response {
    let mut r = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, error, detail).into_response();
    r.headers_mut().insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    r
}

/// Route layer of every heavy route (writes, validate, batch lookup, coverage suggest, export):
/// takes one of [`super::Limits::max_heavy`] permits or answers 503 at once, and answers 503 if
/// the work is not done within [`super::Limits::heavy_deadline`].
pub async fn heavy(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let lang = request_lang(&request);
    let Ok(permit) = state.heavy.clone().try_acquire_owned() else {
        let n = state.limits.max_heavy;
        return unavailable(
            "busy",
            zh_en!(
                lang,
                ("服务繁忙：同时处理的重型请求已达上限 {n}，请稍后重试"),
                ("the service is busy: {n} heavy requests are already running (the limit); retry shortly")
            ),
        );
    };
    let deadline = state.limits.heavy_deadline;
    let work = PERMIT.scope(Arc::new(HeavyPermit(permit)), next.run(request));
    match tokio::time::timeout(deadline, work).await {
        Ok(response) => response.map(|inner| Body::new(TrimAfterSent { inner })),
        Err(_) => {
            let s = deadline.as_secs_f64();
            tracing::warn!("a heavy request ran past its {s} s deadline and was abandoned");
            unavailable(
                "deadline",
                zh_en!(
                    lang,
                    ("请求超过 {s} 秒的处理时限，已放弃；未保存任何修改"),
                    ("the request ran past its {s} s deadline and was abandoned; nothing was stored")
                ),
            )
        }
    }
}

/// Runs CPU or SQLite work on the blocking pool, never on the async workers (which must keep
/// answering lookups), carrying the request's heavy permit along so the cap on concurrent heavy
/// work holds until the work itself ends.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    let permit = PERMIT.try_with(Arc::clone).ok();
    tokio::task::spawn_blocking(move || {
        let _held = permit;
        f()
    })
    .await
    .map_err(ApiError::internal)
}

/// Starts `f` on the blocking pool without waiting for it, carrying the request's heavy permit
/// along as [`blocking`] does: for work that goes on after the handler has answered (a streamed
/// response body), so the cap on heavy work still counts it until it ends.
pub fn spawn_heavy(f: impl FnOnce() + Send + 'static) {
    let permit = PERMIT.try_with(Arc::clone).ok();
    tokio::task::spawn_blocking(move || {
        let _held = permit;
        f();
    });
}

/// How many positions (`[x, y]` arrays of numbers) a JSON body holds anywhere, counted before
/// any geometry is built. serde_json bounds a value's depth, so the walk is bounded too.
pub fn count_positions(v: &Value) -> usize {
    match v {
        Value::Array(items) if items.len() >= 2 && items.iter().all(Value::is_number) => 1,
        Value::Array(items) => items.iter().map(count_positions).sum(),
        Value::Object(map) => map.values().map(count_positions).sum(),
        _ => 0,
    }
}

/// 413 naming the limit when a request body holds more positions than
/// [`super::Limits::max_vertices`]: checked before any geometry work, whose cost grows with them.
pub fn check_vertices(body: &Value, state: &AppState, lang: Lang) -> Result<(), ApiError> {
    let (count, limit) = (count_positions(body), state.limits.max_vertices);
    if count <= limit {
        return Ok(());
    }
    Err(ApiError::too_large(zh_en!(
        lang,
        ("请求中的几何坐标点过多：{count} 个，上限为 {limit} 个"),
        ("the request holds too many vertices: {count}, the limit is {limit}")
    )))
}

/// Answers 414 (JSON) for a URI longer than [`super::Limits::max_uri_bytes`]. (URIs over 64 KiB
/// never reach the router: hyper refuses them itself while parsing.)
pub async fn uri_length(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (len, limit) = (request.uri().to_string().len(), state.limits.max_uri_bytes);
    if len > limit {
        let lang = request_lang(&request);
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            zh_en!(
                lang,
                ("请求地址过长：{len} 字节，上限为 {limit} 字节"),
                ("the request URI is too long: {len} bytes, the limit is {limit}")
            ),
        )
        .into_response();
    }
    next.run(request).await
}

/// The stable error code of a status that reached a client without one of ours.
fn error_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "error",
    }
}

/// Outermost layer: an error answer with no body or a plain-text one (axum's `Path` and body
/// rejections on routes that do not use our extractors, `ServeDir`'s 404 and 405 under `/data`,
/// hyper-level refusals passing through the router) becomes `{"error", "detail"}` with the same
/// status and headers. JSON and HTML answers pass untouched.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let ct = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if ct.contains("json") || ct.starts_with("text/html") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Plain error texts are a line or two; anything longer is cut rather than buffered.
    let text = axum::body::to_bytes(body, 64 * 1024).await.map(|b| String::from_utf8_lossy(&b).trim().to_string());
    let detail = match text {
        Ok(t) if !t.is_empty() => t,
        _ => status.canonical_reason().unwrap_or("error").to_string(),
    };
    let detail = if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
        tracing::error!("internal error: {detail}");
        "internal error; see the server log".to_string()
    } else {
        detail
    };
    let json = ApiError::new(status, error_code(status), detail).into_response();
    let (json_parts, json_body) = json.into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    if let Some(v) = json_parts.headers.get(CONTENT_TYPE) {
        parts.headers.insert(CONTENT_TYPE, v.clone());
    }
    Response::from_parts(parts, Body::new(json_body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn positions_are_counted_wherever_they_are() {
        let ring = json!([[114.0, 22.0], [114.1, 22.0], [114.1, 22.1], [114.0, 22.0]]);
        assert_eq!(count_positions(&json!({"geometry": {"type": "Polygon", "coordinates": [ring]}})), 4);
        assert_eq!(count_positions(&json!({"op": "merge", "codes": ["1", "2"]})), 0);
        assert_eq!(count_positions(&json!({"point": [114.0, 22.5, 3.0]})), 1);
    }
}
