//! A running server serves what other processes commit to its file without a restart: a plan
//! published and a file imported from the CLI while the real `wangge serve` process runs.

mod common;

use common::{Killed, Server, city_db, serve_process, text, wangge};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

const G1: &str = "440304006009001";
const NEW: &str = "440304006009003";
const EAST: &str = "/api/v1/lookup?lon=114.006&lat=22.512";

/// Polls `path` until `done` holds for its JSON; returns how long that took. Ten seconds without
/// it is a failure (the feed polls every 250 ms; two seconds is the promise).
fn wait_for(server: &Server, path: &str, what: &str, done: impl Fn(&Value) -> bool) -> Duration {
    let started = Instant::now();
    loop {
        let (status, body) = server.get(path);
        if status == 200 && done(&body) {
            let lag = started.elapsed();
            eprintln!("{what}: served after {lag:?}");
            return lag;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{what}: not served within 10 s; last answer {body}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn cli_plan(db: &Path, args: &[&str]) -> Value {
    let mut all = vec!["plan"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--db", db.to_str().unwrap(), "--json"]);
    let out = wangge(&all);
    assert!(out.status.success(), "{args:?}: {}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_running_server_serves_what_the_cli_publishes_and_imports() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let (child, base) = serve_process(&db);
    let _child = Killed(child);
    let server = Server { base };
    assert_eq!(server.get(EAST).1["grid"]["code"], G1);

    // A plan published by another process: the split grid's east half becomes a new grid.
    let id = cli_plan(&db, &["create", "--name", "split"])["id"].to_string();
    let edits = dir.path().join("edits.json");
    let split = json!({"op": "split", "layer": "grid", "code": G1, "new_code": NEW,
        "line": {"type": "LineString", "coordinates": [[114.00390625, 22.50], [114.00390625, 22.52]]}});
    std::fs::write(&edits, json!([split]).to_string()).unwrap();
    cli_plan(&db, &["edit", &id, edits.to_str().unwrap()]);
    let rev = cli_plan(&db, &["publish", &id, "--message", "split", "--effective-date", "2026-03-01"]);
    assert_eq!(rev["id"], 1);
    wait_for(&server, EAST, "plan published by the CLI", |b| b["grid"]["code"] == NEW);
    // History is served too: before the effective date the point was in the old grid.
    assert_eq!(server.get(&format!("{EAST}&at=2026-01-01")).1["grid"]["code"], G1);

    // An upsert import by another process: grid 002 renamed.
    let mut grids: Value =
        serde_json::from_str(&std::fs::read_to_string(common::city_dir().join("grid.geojson")).unwrap()).unwrap();
    let mut g2 = grids["features"][1].clone();
    g2["properties"]["name"] = json!("竹林社区第二网格（扩大）");
    grids["features"] = json!([g2]);
    let file = dir.path().join("g2.geojson");
    std::fs::write(&file, grids.to_string()).unwrap();
    let dbs = db.to_str().unwrap();
    let out = wangge(&["import", "--db", dbs, "--layer", "grid", "--mode", "upsert", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let south = "/api/v1/lookup?lon=114.002&lat=22.503";
    wait_for(&server, south, "grid renamed by a CLI import", |b| b["grid"]["name"] == "竹林社区第二网格（扩大）");
    let (_, revisions) = server.get("/api/v1/revisions");
    assert_eq!(revisions["current"], 2, "{revisions}");
    // The feed's figures are in /metrics: what it built, how long the commit took to be served.
    let (_, metrics) = server.get("/metrics");
    let metrics = metrics.as_str().unwrap_or_default().to_string();
    let value = |name: &str| -> f64 {
        let line =
            metrics.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("{name}: {metrics}"));
        line[name.len() + 1..].parse().unwrap()
    };
    assert_eq!((value("wangge_served_revision"), value("wangge_stored_revision")), (2.0, 2.0));
    let lag = value("wangge_publish_to_served_lag_seconds");
    eprintln!("publish-to-served lag (commit to swap, measured by the server): {lag:.3} s");
    assert!((0.0..10.0).contains(&lag) && value("wangge_snapshot_build_seconds") >= 0.0, "{metrics}");
}

/// GET `path`: status, the `Wangge-Revision` header, JSON body.
fn get_with_revision(base: &str, path: &str) -> (u16, Option<i64>, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut r = agent.get(&format!("{base}{path}")).header("Accept-Language", "en").call().unwrap();
    let revision = r.headers().get("wangge-revision").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let body = r.body_mut().read_to_string().unwrap();
    (r.status().as_u16(), revision, serde_json::from_str(&body).unwrap_or(Value::String(body)))
}

fn publish_split(db: &Path, dir: &Path) -> i64 {
    let id = cli_plan(db, &["create", "--name", "split"])["id"].to_string();
    let edits = dir.join("edits.json");
    let split = json!({"op": "split", "layer": "grid", "code": G1, "new_code": NEW,
        "line": {"type": "LineString", "coordinates": [[114.00390625, 22.50], [114.00390625, 22.52]]}});
    std::fs::write(&edits, json!([split]).to_string()).unwrap();
    cli_plan(db, &["edit", &id, edits.to_str().unwrap()]);
    cli_plan(db, &["publish", &id, "--message", "split"])["id"].as_i64().unwrap()
}

#[test]
fn readyz_healthz_and_the_revision_header_say_what_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    // A server without a change feed (the in-process one) goes stale when the CLI publishes.
    let quiet = Server::start(&db);
    let (s, rev, health) = get_with_revision(&quiet.base, "/healthz");
    assert_eq!((s, rev, health["revision"].as_i64()), (200, Some(0), Some(0)), "{health}");
    let (s, rev, ready) = get_with_revision(&quiet.base, "/readyz");
    assert_eq!((s, rev, ready["status"].as_str()), (200, Some(0), Some("ready")), "{ready}");
    assert_eq!(publish_split(&db, dir.path()), 1);
    let (s, rev, ready) = get_with_revision(&quiet.base, "/readyz");
    assert_eq!((s, rev, ready["error"].as_str()), (503, Some(0), Some("not_ready")), "{ready}");
    assert_eq!(ready["problems"]["stored_revision"], 1, "{ready}");
    assert!(ready["detail"].as_str().unwrap().contains("serving revision 0"), "{ready}");
    // Alive all the same, and every answer names the revision it came from.
    assert_eq!(get_with_revision(&quiet.base, "/healthz").0, 200);
    assert_eq!(get_with_revision(&quiet.base, EAST).1, Some(0));
    assert_eq!(get_with_revision(&quiet.base, "/no/such/page").1, Some(0));

    // The real server process follows the store: ready at revision 1 at once, then at 2.
    let (child, base) = serve_process(&db);
    let _child = Killed(child);
    let (s, rev, ready) = get_with_revision(&base, "/readyz");
    assert_eq!((s, rev, ready["revision"].as_i64()), (200, Some(1), Some(1)), "{ready}");
    let back = cli_plan(&db, &["restore", "0"])["id"].to_string();
    cli_plan(&db, &["publish", &back, "--message", "undo"]);
    let server = Server { base: base.clone() };
    wait_for(&server, "/readyz", "revision 2 ready", |b| b["revision"] == 2);
    let (s, rev, found) = get_with_revision(&base, EAST);
    assert_eq!((s, rev, found["grid"]["code"].as_str()), (200, Some(2), Some(G1)), "{found}");
    let (_, _, health) = get_with_revision(&base, "/healthz");
    assert_eq!((health["revision"].as_i64(), health["feed"]["stored_revision"].as_i64()), (Some(2), Some(2)));
    assert!(health["feed"]["refreshes"].as_u64() >= Some(1), "{health}");
}
