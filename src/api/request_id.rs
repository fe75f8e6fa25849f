//! A request id for every HTTP request: the client's `X-Request-Id` when it sends a sane one,
//! else one made here; echoed in the response, and the field of the `request` span every log
//! line of the request is written in (with `--log-format json`, each line carries it), so one
//! request's lines can be found among many. An `info` line per answered request
//! (`WANGGE_LOG=info`) gives its status and duration.

use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tracing::Instrument;

/// The request id header.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest client-sent id kept (a longer or odd one is replaced by ours).
const MAX_LEN: usize = 64;

/// Ids made here: this process's start (so ids differ across restarts) and a counter.
static PREFIX: LazyLock<String> = LazyLock::new(|| {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{:x}", (nanos as u64) ^ u64::from(std::process::id()))
});
static NEXT: AtomicU64 = AtomicU64::new(1);

fn sane(v: &str) -> bool {
    !v.is_empty() && v.len() <= MAX_LEN && v.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
}

/// Gives the request its id, runs it inside a `request` span carrying it, and echoes the id.
pub async fn request_id(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane(v))
        .map_or_else(|| format!("{}-{}", *PREFIX, NEXT.fetch_add(1, Ordering::Relaxed)), str::to_string);
    let span = tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path());
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    span.in_scope(|| tracing::info!(status, ms = started.elapsed().as_secs_f64() * 1000.0, "answered"));
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    response
}
