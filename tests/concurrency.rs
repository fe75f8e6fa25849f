//! Lookups under load while plans are published over HTTP: no lookup fails, and every batch is
//! answered from one state (the split grid and its new neighbour never appear half-published).

mod common;

use common::{Server, city_db};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

fn post(url: &str, token: &str, body: &Value) -> (u16, Value) {
    let mut r = agent()
        .post(url)
        .header("Content-Type", "application/json")
        .header("Authorization", &format!("Bearer {token}"))
        .send(body.to_string())
        .unwrap();
    (r.status().as_u16(), serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap_or(Value::Null))
}

#[test]
fn lookups_never_fail_or_see_a_mixed_state_while_plans_are_published() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let out = common::wangge(&["token", "create", "--db", db.to_str().unwrap(), "--role", "planner", "--name", "t"]);
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let server = Server::start(&db);
    let base = server.base.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (base, stop) = (base.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    // West and east halves of grid 001: before the split both answer 001; after, east answers 003.
                    let mut r = agent()
                        .post(&format!("{base}/api/v1/lookup"))
                        .header("Content-Type", "application/json")
                        .send("[[114.002,22.512],[114.006,22.512]]")
                        .unwrap();
                    assert_eq!(r.status().as_u16(), 200);
                    let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
                    let west = v["results"][0]["grid"]["code"].as_str().unwrap().to_string();
                    let east = v["results"][1]["grid"]["code"].as_str().unwrap().to_string();
                    assert_eq!(west, "440304006009001");
                    assert!(east == "440304006009001" || east == "440304006009003", "{east}");
                    n += 1;
                }
                n
            })
        })
        .collect();
    let split = json!({"op": "split", "layer": "grid", "code": "440304006009001", "new_code": "440304006009003",
        "line": {"type": "LineString", "coordinates": [[114.00390625, 22.50], [114.00390625, 22.52]]}});
    for round in 0..10 {
        let (s, plan) = post(&format!("{base}/api/v1/plans"), &token, &json!({"name": format!("split {round}")}));
        assert_eq!(s, 201);
        let id = plan["id"].as_i64().unwrap();
        assert_eq!(post(&format!("{base}/api/v1/plans/{id}/edits"), &token, &split).0, 200);
        let (s, rev) = post(&format!("{base}/api/v1/plans/{id}/publish"), &token, &json!({"message": "split"}));
        assert_eq!(s, 200, "{rev}");
        let rev = rev["id"].as_i64().unwrap();
        let (s, back) = post(&format!("{base}/api/v1/revisions/{}/restore", rev - 1), &token, &json!({}));
        assert_eq!(s, 201, "{back}");
        let id = back["id"].as_i64().unwrap();
        assert_eq!(post(&format!("{base}/api/v1/plans/{id}/publish"), &token, &json!({"message": "undo"})).0, 200);
    }
    stop.store(true, Ordering::Relaxed);
    let lookups: usize = readers.into_iter().map(|r| r.join().expect("no lookup failed")).sum();
    assert!(lookups > 20, "only {lookups} lookups ran");
}
