//! Coverage follows what is published: after a new snapshot is swapped in (as a plan publish
//! does), the next coverage answer is computed from it, not from the one the server started with.

mod common;

use common::Server;
use serde_json::Value;
use std::path::Path;
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
        let mut features = current.layer(layer).features().to_vec();
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
