//! Coverage follows what is published: after a new snapshot is swapped in (as a plan publish
//! does), the next coverage answer is computed from it, not from the one the server started with.

mod common;

use common::Server;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use wangge::api::AppState;
use wangge_core::model::Layer;
use wangge_core::snapshot::Snapshot;
use wangge_store::Store;

#[test]
fn coverage_is_recomputed_from_a_newly_published_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.gpkg");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    wangge_app::demo::ensure_demo_db(&db, &root.join("data")).unwrap();
    let store = Store::open(&db).unwrap();
    let (roads, noding) = store.load_roads().unwrap();
    let state =
        AppState::new(store.load_snapshot().unwrap(), root.join("web"), root.join("data")).with_roads(&roads, noding);
    let server = Server::start_state(state.clone());
    let households = |v: &Value| v["stats"]["households"].as_u64().unwrap();

    let (status, before) = server.get("/api/v1/coverage?minutes=15");
    assert_eq!(status, 200, "{before}");
    let total = households(&before);
    assert!(total > 0);

    // Publish a state in which every building holds twice its households.
    let current = state.snapshot();
    let layers = Layer::ALL.map(|layer| {
        let mut features = current.layer(layer).to_features();
        if layer == Layer::Building {
            for f in &mut features {
                let h = f.int_attr("households").unwrap_or(0);
                f.attrs.insert("households".into(), Value::from(h * 2));
            }
        }
        (layer, features)
    });
    state.live.publish(Snapshot::new(layers), 0);

    let (_, after) = server.get("/api/v1/coverage?minutes=15");
    assert_eq!(households(&after), 2 * total, "coverage answers from the published snapshot");
    let covered = |v: &Value| v["stats"]["covered_households"].as_u64().unwrap();
    assert_eq!(covered(&after), 2 * covered(&before));
}

fn post(url: &str, token: &str, body: &Value) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut r = agent
        .post(url)
        .header("Content-Type", "application/json")
        .header("Authorization", &format!("Bearer {token}"))
        .send(body.to_string())
        .unwrap();
    (r.status().as_u16(), serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap_or(Value::Null))
}

#[test]
fn the_coverage_service_is_built_once_per_publish_and_never_by_a_request() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::city_db(dir.path());
    let out = common::wangge(&["token", "create", "--db", db.to_str().unwrap(), "--role", "planner", "--name", "p"]);
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let road = wangge_formats::roads::RoadLine {
        highway: "footway".into(),
        name: None,
        coords: vec![geo::Coord { x: 114.0, y: 22.51 }, geo::Coord { x: 114.0156, y: 22.51 }],
    };
    let store = Store::open(&db).unwrap();
    let state = AppState::new(store.load_snapshot().unwrap(), root.join("web"), root.join("data"))
        .with_roads(&[road], true)
        .with_store(store);
    let server = Server::start_state(state.clone());
    let b = server.base.clone();
    let ask = || {
        for path in [
            "/api/v1/coverage?minutes=15",
            "/api/v1/coverage/stats?minutes=15",
            "/api/v1/lookup?lon=114.006&lat=22.512",
        ] {
            let (status, body) = server.get(path);
            assert!(status < 500, "{path}: {status} {body}");
        }
    };

    let (first, builds) = (state.published(), state.live.builds());
    assert!(first.coverage.ctx.is_some(), "the walking network was given");
    ask();
    ask();
    let now = state.published();
    assert!(Arc::ptr_eq(&now.coverage, &first.coverage), "requests did not rebuild the coverage service");
    assert_eq!(state.live.builds(), builds);

    let split = json!({"op": "split", "layer": "grid", "code": "440304006009001", "new_code": "440304006009003",
        "line": {"type": "LineString", "coordinates": [[114.00390625, 22.50], [114.00390625, 22.52]]}});
    let (s, plan) = post(&format!("{b}/api/v1/plans"), &token, &json!({"name": "split"}));
    assert_eq!(s, 201, "{plan}");
    let id = plan["id"].as_i64().unwrap();
    assert_eq!(post(&format!("{b}/api/v1/plans/{id}/edits"), &token, &split).0, 200);
    let (s, rev) = post(&format!("{b}/api/v1/plans/{id}/publish"), &token, &json!({"message": "split"}));
    assert_eq!(s, 200, "{rev}");

    // The publish built exactly one new state, before it answered; requests then only read it.
    let published = state.published();
    assert_eq!(state.live.builds(), builds + 1);
    assert!(!Arc::ptr_eq(&published.coverage, &first.coverage));
    assert!(Arc::ptr_eq(&published.coverage.snapshot, &published.snapshot), "one consistent state");
    assert_eq!(published.revision, rev["id"].as_i64().unwrap());
    ask();
    ask();
    assert!(Arc::ptr_eq(&state.published().coverage, &published.coverage));
    assert_eq!(state.live.builds(), builds + 1);
}
