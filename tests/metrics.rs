//! `/metrics` over real HTTP is Prometheus text: every sample line is `name{labels} value` with a
//! number, requests are counted by route template (not raw path) and status, latency histograms
//! are cumulative, and the served revision is there.

mod common;

use common::{Server, city_db};
use std::collections::BTreeMap;

/// The samples of a Prometheus text exposition, `name{labels}` → value; panics on a line that
/// is neither a comment nor a sample.
fn parse(text: &str) -> BTreeMap<String, f64> {
    let mut samples = BTreeMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            assert!(comment.starts_with("HELP ") || comment.starts_with("TYPE "), "{line}");
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
        let name_end = series.find('{').unwrap_or(series.len());
        let name = &series[..name_end];
        assert!(!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{line}");
        if name_end < series.len() {
            let labels = &series[name_end..];
            assert!(labels.starts_with('{') && labels.ends_with('}'), "{line}");
            for pair in labels[1..labels.len() - 1].split("\",") {
                let (k, v) = pair.split_once("=\"").unwrap_or_else(|| panic!("bad label {pair}: {line}"));
                assert!(k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{line}");
                assert!(!v.trim_end_matches('"').contains('"'), "{line}");
            }
        }
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("not a number: {line}"));
        assert!(samples.insert(series.to_string(), value).is_none(), "repeated series: {line}");
    }
    samples
}

#[test]
fn metrics_parse_and_count_requests_by_route() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let server = Server::start(&db);
    for _ in 0..2 {
        assert_eq!(server.get("/healthz").0, 200);
    }
    assert_eq!(server.get("/ogc/collections/grid/items/440304006009001").0, 200);
    assert_eq!(server.get("/ogc/collections/grid/items/nope").0, 404);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut r = agent.get(&format!("{}/metrics", server.base)).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let content_type = r.headers().get("content-type").unwrap().to_str().unwrap().to_string();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let text = r.body_mut().read_to_string().unwrap();
    let m = parse(&text);
    let requests = |route: &str, status: u16| {
        m.get(&format!("wangge_http_requests_total{{route=\"{route}\",method=\"GET\",status=\"{status}\"}}")).copied()
    };
    assert_eq!(requests("/healthz", 200), Some(2.0), "{text}");
    // By template: both item requests share one route label, one per status.
    let item = "/ogc/collections/{collection}/items/{feature}";
    assert_eq!((requests(item, 200), requests(item, 404)), (Some(1.0), Some(1.0)), "{text}");
    // The histogram is cumulative and ends with every request in +Inf.
    let bucket = |le: &str| m[&format!("wangge_http_request_duration_seconds_bucket{{route=\"{item}\",le=\"{le}\"}}")];
    assert!(bucket("0.001") <= bucket("0.1") && bucket("0.1") <= bucket("+Inf"), "{text}");
    assert_eq!(bucket("+Inf"), 2.0);
    assert_eq!(m[&format!("wangge_http_request_duration_seconds_count{{route=\"{item}\"}}")], 2.0);
    assert_eq!(m["wangge_served_revision"], 0.0);
    assert!(m["wangge_published_builds_total"] >= 1.0);
}

#[test]
fn json_logs_carry_the_request_id_the_response_echoes() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let (mut child, base, log) = common::serve_process_with(&db, &["--log-format", "json"], &[("WANGGE_LOG", "info")]);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let r = agent.get(&format!("{base}/healthz")).header("X-Request-Id", "probe-42").call().unwrap();
    assert_eq!(r.headers().get("x-request-id").and_then(|v| v.to_str().ok()), Some("probe-42"));
    // An id the client did not send (or an unusable one) is made by the server.
    let r = agent.get(&format!("{base}/healthz")).header("X-Request-Id", "no spaces \"here\"").call().unwrap();
    let made = r.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap().to_string();
    assert!(!made.contains(' ') && made.contains('-'), "{made}");
    // The line for each answered request is one JSON object with the id in its span.
    let started = std::time::Instant::now();
    let lines: Vec<serde_json::Value> = loop {
        let text = log.lock().unwrap().clone();
        let lines: Vec<serde_json::Value> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
        if lines.iter().filter(|l| l["fields"]["message"] == "answered").count() >= 2 {
            assert_eq!(lines.len(), text.lines().count(), "every log line is JSON: {text}");
            break lines;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "no answered lines logged: {text}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let _ = child.kill();
    let _ = child.wait();
    let ids: Vec<&str> = lines.iter().filter_map(|l| l["span"]["id"].as_str()).collect();
    assert!(ids.contains(&"probe-42") && ids.contains(&made.as_str()), "{lines:?}");
    let probe = lines.iter().find(|l| l["span"]["id"] == "probe-42").unwrap();
    assert_eq!((probe["fields"]["status"].as_u64(), probe["span"]["path"].as_str()), (Some(200), Some("/healthz")));
}
