//! `GET /metrics`: Prometheus text exposition (format 0.0.4) of the requests served — by route
//! template, method and status, with a latency histogram per route — and of the published
//! state: the revision served, how many states were built, and, from the change feed, the last
//! build's seconds and the last publish-to-served lag.
//!
//! Why hand-written rather than a metrics crate: a few counters behind one mutex, written in a
//! format of a dozen lines; routes are labelled by their template (`/ogc/collections/{collection}`),
//! never by the raw path, so the label set stays bounded whatever clients send.

use super::AppState;
use axum::extract::{MatchedPath, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

/// Upper bounds (seconds) of the latency histogram's buckets.
pub const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// The route label of requests no route matched (static files, 404s).
const UNMATCHED: &str = "unmatched";

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Counters {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

/// The request counters of one server.
#[derive(Default)]
pub struct Metrics {
    counters: Mutex<Counters>,
}

impl Metrics {
    /// Counts one answered request.
    pub fn record(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        *c.requests.entry((route.to_string(), method.to_string(), status)).or_default() += 1;
        let h = c.latency.entry(route.to_string()).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    }
}

/// Prometheus label value escaping (backslash, double quote, newline).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Counts every request by its route template, method and status, and times it.
pub async fn track(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or(UNMATCHED, |m| m.as_str()).to_string();
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.record(&route, &method, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut out = String::new();
    {
        let c = state.metrics.counters.lock().unwrap_or_else(|e| e.into_inner());
        out.push_str(
            "# HELP wangge_http_requests_total HTTP requests answered, by route template, method and status.\n",
        );
        out.push_str("# TYPE wangge_http_requests_total counter\n");
        for ((route, method, status), n) in &c.requests {
            let _ = writeln!(
                out,
                "wangge_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                label(route),
                label(method)
            );
        }
        out.push_str("# HELP wangge_http_request_duration_seconds Time to answer, by route template.\n");
        out.push_str("# TYPE wangge_http_request_duration_seconds histogram\n");
        for (route, h) in &c.latency {
            let route = label(route);
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "wangge_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "wangge_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "wangge_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", h.sum);
            let _ = writeln!(out, "wangge_http_request_duration_seconds_count{{route=\"{route}\"}} {}", h.count);
        }
    }
    let published = state.published();
    let gauge = |out: &mut String, name: &str, kind: &str, help: &str, value: String| {
        let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n");
    };
    gauge(
        &mut out,
        "wangge_served_revision",
        "gauge",
        "The store revision being served.",
        published.revision.to_string(),
    );
    gauge(
        &mut out,
        "wangge_published_builds_total",
        "counter",
        "Published states built (the first, then one per publish or change-feed refresh).",
        state.live.builds().to_string(),
    );
    if let Some(feed) = &state.feed {
        let s = feed.status();
        gauge(
            &mut out,
            "wangge_stored_revision",
            "gauge",
            "The newest revision the change feed saw in the store.",
            s.stored_revision.to_string(),
        );
        if let Some(v) = s.last_build_seconds {
            gauge(
                &mut out,
                "wangge_snapshot_build_seconds",
                "gauge",
                "Seconds the change feed's last read and build took.",
                v.to_string(),
            );
        }
        if let Some(v) = s.last_lag_seconds {
            gauge(
                &mut out,
                "wangge_publish_to_served_lag_seconds",
                "gauge",
                "Seconds from the commit of the last revision the change feed swapped in to its being served.",
                v.to_string(),
            );
        }
        gauge(
            &mut out,
            "wangge_external_edits_total",
            "counter",
            "Edits by other programs recorded since start (kept).",
            s.external_edits.len().to_string(),
        );
    }
    let mut r = out.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    r
}
