//! Hostile and messy input: nothing one request sends can stop the service or hold the others.
//! Deep CQL2 filters against a real server process (a stack overflow would kill it), oversized
//! and empty geometry through every write path, a Shapefile export of stored empty geometry,
//! JSON for every error, the heavy-request cap and deadline, and viewer lookups answered while
//! the heaviest allowed write runs (latencies printed, never asserted).

mod common;

use common::{Server, city_db, text, wangge};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};
use wangge::api::{AppState, Limits};
use wangge_store::Store;

const GRID: &str = "440304006009001";
/// Centre and half-size of grid `GRID` in the fixture city.
const CX: f64 = 114.00390625;
const CY: f64 = 22.51171875;
const HALF: f64 = 0.00390625;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// Sends `method` `url` with a JSON `body` as `token`; returns status, headers' Retry-After and body.
fn send(method: &str, url: &str, token: Option<&str>, body: Option<&str>) -> (u16, Option<String>, Value) {
    let a = agent();
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut resp = match (method, body) {
        ("GET", _) => {
            let mut r = a.get(url).header("Accept-Language", "en");
            if let Some(h) = &auth {
                r = r.header("Authorization", h);
            }
            r.call()
        }
        ("DELETE", _) => a.delete(url).header("Accept-Language", "en").call(),
        (m, b) => {
            let mut r = match m {
                "PUT" => a.put(url),
                _ => a.post(url),
            }
            .header("Content-Type", "application/json")
            .header("Accept-Language", "en");
            if let Some(h) = &auth {
                r = r.header("Authorization", h);
            }
            r.send(b.unwrap_or(""))
        }
    }
    .expect("reaches the server");
    let retry = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
    let text = resp.body_mut().with_config().limit(64 << 20).read_to_string().unwrap();
    (resp.status().as_u16(), retry, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn token(db: &Path, role: &str) -> String {
    let out = wangge(&["token", "create", "--db", db.to_str().unwrap(), "--role", role, "--name", role]);
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A ring of `n` positions on a circle inside grid `GRID`, as GeoJSON coordinates text.
fn circle(n: usize) -> String {
    let mut s = String::with_capacity(n * 40);
    s.push_str("[[");
    for i in 0..=n {
        let a = std::f64::consts::TAU * (i % n) as f64 / n as f64;
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!("[{:.9},{:.9}]", CX + 0.9 * HALF * a.cos(), CY + 0.9 * HALF * a.sin()));
    }
    s.push_str("]]");
    s
}

fn replace_edit(geometry: &str) -> String {
    format!(
        r#"{{"op":"replace","layer":"grid","feature":{{"type":"Feature","properties":{{"code":"{GRID}","name":"竹林社区第一网格","parent_code":"440304006009","households":420}},"geometry":{geometry}}}}}"#
    )
}

fn state(db: &Path, limits: Limits) -> AppState {
    let snapshot = Store::open(db).unwrap().load_snapshot().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    AppState::new(snapshot, root.join("web"), root.join("data"))
        .with_store(Store::open(db).unwrap())
        .with_limits(limits)
}

fn create_plan(base: &str, planner: &str) -> i64 {
    let (s, _, plan) = send("POST", &format!("{base}/api/v1/plans"), Some(planner), Some(r#"{"name":"hostile"}"#));
    assert_eq!(s, 201, "{plan}");
    plan["id"].as_i64().unwrap()
}

#[test]
fn deep_cql2_filters_are_refused_and_the_server_process_stays_alive() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let (mut child, base) = common::serve_process(&db);
    let parens = format!("{}households%3E1{}", "%28".repeat(2000), "%29".repeat(2000));
    let nots = format!("{}households%3E1", "NOT+".repeat(8000));
    let items = format!("{base}/ogc/collections/grid/items?filter=");
    for (what, filter, limit) in [("2,000 parentheses", parens, "64"), ("8,000 NOTs", nots, "16384")] {
        let (s, _, body) = send("GET", &format!("{items}{filter}"), None, None);
        assert_eq!(s, 400, "{what}: {body}");
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(limit), "{what}: the 400 names the limit: {body}");
        assert!(child.try_wait().unwrap().is_none(), "the server died on {what}");
        let (s, _, _) = send("GET", &format!("{base}/healthz"), None, None);
        assert_eq!(s, 200, "the server answers after {what}");
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_million_vertex_polygon_is_refused_before_any_geometry_work() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let planner = token(&db, "planner");
    let server = Server::start_state(state(&db, Limits::default()));
    let plan = create_plan(&server.base, &planner);
    let body = replace_edit(&format!(r#"{{"type":"Polygon","coordinates":{}}}"#, circle(1_000_000)));
    assert!(body.len() > 20 << 20 && body.len() < 32 << 20, "{} bytes: under the body limit", body.len());
    let started = Instant::now();
    let (s, _, err) = send("POST", &format!("{}/api/v1/plans/{plan}/edits", server.base), Some(&planner), Some(&body));
    println!("1e6-vertex edit answered {s} in {:?}", started.elapsed());
    assert_eq!(s, 413, "{err}");
    assert!(err["detail"].as_str().unwrap().contains("100000"), "{err}");
    assert_eq!(err["error"], "too_large");
    // The same through OGC API – Features.
    let feature = format!(
        r#"{{"type":"Feature","properties":{{"code":"G-big","name":"x","parent_code":"440304006009"}},"geometry":{{"type":"Polygon","coordinates":{}}}}}"#,
        circle(150_000)
    );
    let (s, _, err) =
        send("POST", &format!("{}/ogc/collections/grid/items", server.base), Some(&planner), Some(&feature));
    assert_eq!(s, 413, "{err}");
}

#[test]
fn empty_polygons_are_refused_by_name_in_edits_ogc_writes_and_imports() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let planner = token(&db, "planner");
    let server = Server::start_state(state(&db, Limits::default()));
    let plan = create_plan(&server.base, &planner);
    let edits = format!("{}/api/v1/plans/{plan}/edits", server.base);
    for geometry in [
        r#"{"type":"Polygon","coordinates":[]}"#,
        r#"{"type":"MultiPolygon","coordinates":[]}"#,
        r#"{"type":"Polygon","coordinates":[[[114.0,22.51],[114.001,22.51],[114.0,22.51]]]}"#,
        r#"{"type":"Polygon","coordinates":[[[114.0,22.51],[114.001,22.51],[114.002,22.51],[114.0,22.51]]]}"#,
    ] {
        let (s, _, err) = send("POST", &edits, Some(&planner), Some(&replace_edit(geometry)));
        assert!((400..500).contains(&s), "{geometry}: {s} {err}");
        assert!(err["detail"].as_str().unwrap().contains(GRID), "the message names the feature: {err}");
    }
    let feature = r#"{"type":"Feature","properties":{"code":"G-empty","name":"x","parent_code":"440304006009"},"geometry":{"type":"Polygon","coordinates":[]}}"#;
    let (s, _, err) =
        send("POST", &format!("{}/ogc/collections/grid/items", server.base), Some(&planner), Some(feature));
    assert_eq!(s, 400, "{err}");
    let detail = err["detail"].as_str().unwrap();
    assert!(detail.contains("G-empty") && detail.contains("empty"), "{err}");
    // And the CLI import.
    let file = dir.path().join("empty.geojson");
    std::fs::write(&file, format!(r#"{{"type":"FeatureCollection","features":[{feature}]}}"#)).unwrap();
    let out =
        wangge(&["import", "--db", db.to_str().unwrap(), "--layer", "grid", "--lang", "en", file.to_str().unwrap()]);
    assert!(!out.status.success(), "{}", text(&out));
    assert_ne!(out.status.code(), Some(101), "no panic: {}", text(&out));
    assert!(text(&out).contains("G-empty"), "{}", text(&out));
}

#[test]
fn shapefile_export_of_stored_empty_geometry_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    // Data stored before the checks existed: written straight into the database.
    let mut store = Store::open(&db).unwrap();
    let mut grids = store.load_layer(wangge_core::model::Layer::Grid).unwrap();
    grids[0].geometry = geo::Geometry::Polygon(geo::Polygon::new(geo::LineString::new(vec![]), vec![]));
    store.write_layer(wangge_core::model::Layer::Grid, &grids, wangge_store::WriteMode::Replace).unwrap();
    drop(store);
    let server = Server::start_state(state(&db, Limits::default()));
    let (s, _, err) = send("GET", &format!("{}/api/v1/layers/grid/export?format=shp", server.base), None, None);
    assert_eq!(s, 400, "{err}");
    assert!(err["detail"].as_str().unwrap().contains("empty"), "{err}");
    let out_file = dir.path().join("grid.shp");
    let out = wangge(&[
        "export",
        "--db",
        db.to_str().unwrap(),
        "--layer",
        "grid",
        "--lang",
        "en",
        out_file.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert_ne!(out.status.code(), Some(101), "no panic: {}", text(&out));
}

#[test]
fn every_error_is_json_with_the_right_status() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let planner = token(&db, "planner");
    let server = Server::start_state(state(&db, Limits::default()));
    let b = &server.base;
    let long = format!("{b}/api/v1/lookup?lon=114&lat=22.5&pad={}", "x".repeat(60_000));
    for (url, method, status) in [
        (long.as_str(), "GET", 414),
        (&format!("{b}/api/v1/layers/%FF%FE/features") as &str, "GET", 400),
        (&format!("{b}/ogc/collections/%FF/items"), "GET", 400),
        (&format!("{b}/api/v1/plans/%FF"), "GET", 400),
        (&format!("{b}/data/no-such-file.json"), "GET", 404),
        (&format!("{b}/data/"), "DELETE", 405),
        (&format!("{b}/api/v1/layers"), "DELETE", 405),
        (&format!("{b}/no/such/page"), "GET", 404),
    ] {
        let (s, _, body) = send(method, url, None, None);
        assert_eq!(s, status, "{method} {}: {body}", &url[..url.len().min(80)]);
        assert!(
            body["error"].is_string() && body["detail"].is_string(),
            "{method} {}: not JSON: {body}",
            &url[..url.len().min(80)]
        );
    }
    let (s, _, err) = send("POST", &format!("{b}/api/v1/plans"), Some(&planner), Some(r#"{"name":123}"#));
    assert_eq!(s, 400);
    assert!(err["detail"].as_str().unwrap().contains("\"name\" must be a string"), "{err}");
    let plan = create_plan(b, &planner);
    let merge = format!(r#"{{"op":"merge","layer":"grid","codes":["{GRID}","{GRID}"]}}"#);
    let (s, _, err) = send("POST", &format!("{b}/api/v1/plans/{plan}/edits"), Some(&planner), Some(&merge));
    assert_eq!(s, 422);
    assert!(err["detail"].as_str().unwrap().contains("listed twice"), "{err}");
}

#[test]
fn heavy_requests_over_the_cap_get_503_with_retry_after_and_lookups_still_answer() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let planner = token(&db, "planner");
    let st = state(&db, Limits { max_heavy: 2, ..Limits::default() });
    let permits = st.heavy.clone();
    let server = Server::start_state(st);
    let b = &server.base;
    let plan = create_plan(b, &planner);
    // Two heavy requests in flight (their permits held here, so nothing depends on timing).
    let held = permits.try_acquire_many(2).unwrap();
    let lookup = format!("{b}/api/v1/lookup?lon={CX}&lat={CY}");
    for (method, url, token, body) in [
        // Draft plans are read by planners only.
        ("POST", format!("{b}/api/v1/plans/{plan}/validate"), Some(planner.as_str()), None),
        (
            "POST",
            format!("{b}/api/v1/plans/{plan}/edits"),
            Some(planner.as_str()),
            Some(r#"{"op":"delete","layer":"grid","code":"x"}"#),
        ),
        ("POST", format!("{b}/api/v1/lookup"), None, Some(r#"{"points":[[114.0,22.5]]}"#)),
        ("GET", format!("{b}/api/v1/layers/grid/export?format=geojson"), None, None),
    ] {
        let (s, retry, err) = send(method, &url, token, body);
        assert_eq!(s, 503, "{method} {url}: {err}");
        assert_eq!(retry.as_deref(), Some("1"), "{url}");
        assert_eq!(err["error"], "busy");
        // Light requests are not capped.
        assert_eq!(send("GET", &lookup, None, None).0, 200);
    }
    drop(held);
    assert_eq!(send("POST", &format!("{b}/api/v1/plans/{plan}/validate"), Some(&planner), None).0, 200);
}

#[test]
fn a_heavy_request_past_its_deadline_is_abandoned_with_503() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    // A 1 ms deadline and work that takes far longer (150,000 points answered as JSON): a zero
    // deadline on a small validation raced the timer, which only fires at the runtime's next
    // tick, so a busy machine sometimes finished the work first.
    let server =
        Server::start_state(state(&db, Limits { heavy_deadline: Duration::from_millis(1), ..Limits::default() }));
    let points: Vec<String> =
        (0..150_000).map(|i| format!("[{:.6},{:.6}]", CX + (i % 400) as f64 * 1e-6, CY)).collect();
    let body = format!("{{\"points\":[{}]}}", points.join(","));
    let (s, retry, err) = post_while_answered_early(&server.base, "/api/v1/lookup", body);
    assert_eq!((s, retry.as_deref()), (503, Some("1")), "{err}");
    assert_eq!(err["error"], "deadline");
}

/// Posts `body` over a raw socket from a writer thread while reading the answer: the deadline may
/// pass while the body is still arriving, and then the server answers and closes before reading it
/// all, so the upload's end fails with a broken pipe (an HTTP client library gives up there) while
/// the 503 is already in the reader's socket.
fn post_while_answered_early(base: &str, path: &str, body: String) -> (u16, Option<String>, Value) {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&addr).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAccept-Language: en\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = w.write_all(head.as_bytes()).and_then(|()| w.write_all(body.as_bytes()));
    });
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    writer.join().unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or_else(|| panic!("no status line: {text:.300}"));
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let retry = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("retry-after")))
        .map(|(_, v)| v.trim().to_string());
    // A chunked body: the JSON is between the chunk-size lines.
    let json = body.find('{').zip(body.rfind('}')).map_or(body, |(a, b)| &body[a..=b]);
    (status, retry, serde_json::from_str(json).unwrap_or(Value::String(body.to_string())))
}

#[test]
fn viewer_lookups_are_answered_while_the_heaviest_allowed_write_runs() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let (planner, viewer) = (token(&db, "planner"), token(&db, "viewer"));
    let server = Server::start_state(state(&db, Limits::default()));
    let b = server.base.clone();
    let plan = create_plan(&b, &planner);
    let n = wangge_core::validate::MAX_VERTICES - 1;
    let body = replace_edit(&format!(r#"{{"type":"Polygon","coordinates":{}}}"#, circle(n - 1)));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (b, done) = (b.clone(), done.clone());
        std::thread::spawn(move || {
            let started = Instant::now();
            let r = send("POST", &format!("{b}/api/v1/plans/{plan}/edits"), Some(&planner), Some(&body));
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            (r, started.elapsed())
        })
    };
    let lookup = format!("{b}/api/v1/lookup?lon={}&lat={}", CX + 2.0 * HALF, CY);
    let mut latencies = Vec::new();
    while !done.load(std::sync::atomic::Ordering::SeqCst) || latencies.len() < 20 {
        let t = Instant::now();
        let (s, _, v) = send("GET", &lookup, Some(&viewer), None);
        latencies.push(t.elapsed());
        assert_eq!(s, 200, "{v}");
    }
    let ((s, _, v), took) = writer.join().unwrap();
    assert_eq!(s, 200, "the {n}-vertex edit is allowed: {v}");
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
    println!(
        "{n}-vertex edit took {took:?}; {} viewer lookups meanwhile: p50 {:?}, p99 {:?}, max {:?}",
        latencies.len(),
        pct(0.5),
        pct(0.99),
        latencies.last().unwrap()
    );
}
