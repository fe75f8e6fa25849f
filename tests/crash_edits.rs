//! A real `wangge serve` process receives 1,000 plan edits from a client and is killed with
//! SIGKILL at pseudo-random moments; after each restart every acknowledged edit is still there
//! and the database passes SQLite's integrity check.

mod common;

use common::city_db;
use serde_json::{Value, json};
use std::process::{Child, Command};
use std::time::Duration;
use wangge_store::Store;

fn start(db: &std::path::Path) -> (Child, String) {
    common::serve_process(db)
}

#[test]
fn every_acknowledged_edit_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let out = common::wangge(&["token", "create", "--db", db.to_str().unwrap(), "--role", "planner", "--name", "c"]);
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let plan = Store::open(&db).unwrap().create_plan("crash", "c").unwrap().id;
    let grid: Value = {
        let f = Store::open(&db).unwrap().load_layer(wangge_core::model::Layer::Grid).unwrap().remove(0);
        wangge_formats::geojson::feature_to_json(&f)
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    let (mut acked, mut kills, mut seed) = (0usize, 0usize, 0x9e37_79b9u64);
    while acked < 1_000 {
        let (mut child, base) = start(&db);
        // SIGKILL at a pseudo-random moment (xorshift, reproducible) while edits are being sent.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_millis(30 + seed % 400);
        let pid = child.id().to_string();
        let killer = std::thread::spawn(move || {
            std::thread::sleep(delay);
            Command::new("kill").args(["-9", &pid]).status().unwrap();
        });
        while acked < 1_000 {
            let mut f = grid.clone();
            f["properties"]["households"] = json!(acked);
            let edit = json!({"op": "replace", "layer": "grid", "feature": f});
            let r = agent
                .post(&format!("{base}/api/v1/plans/{plan}/edits"))
                .header("Authorization", &format!("Bearer {token}"))
                .header("Content-Type", "application/json")
                .send(edit.to_string());
            match r {
                Ok(r) if r.status().as_u16() == 200 => acked += 1,
                _ => break,
            }
        }
        killer.join().unwrap();
        let _ = child.kill();
        child.wait().unwrap();
        kills += 1;
        let store = Store::open(&db).unwrap();
        store.integrity_check().unwrap();
        let stored = store.plan_edits(plan).unwrap();
        // Every acknowledged edit is there; one more may be, if it committed as the answer was lost.
        assert!(
            stored.len() == acked || stored.len() == acked + 1,
            "after kill {kills}: acknowledged {acked}, stored {}",
            stored.len()
        );
        acked = stored.len();
        for (i, e) in stored.iter().enumerate() {
            assert_eq!(e["feature"]["properties"]["households"], json!(i), "edit {i} is the one acknowledged");
        }
    }
    assert!(kills >= 3, "{kills} kills");
}
