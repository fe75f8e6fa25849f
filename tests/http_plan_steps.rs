//! Planning you can trust, over real HTTP on a real GeoPackage: batches of edits are stored all or
//! nothing and undone as one step; undo, redo and discard; publish asks for a message and a real
//! effective date in order; counts must be whole numbers; a stored edit that cannot be read is
//! named, never skipped.

mod common;

use common::{Server, city_db};
use serde_json::{Value, json};
use std::path::Path;

const G1: &str = "440304006009001";

struct Client {
    base: String,
    token: Option<String>,
}

impl Client {
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Option<String>, Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let url = format!("{}{path}", self.base);
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let mut resp = match method {
            "GET" => {
                let mut r = agent.get(&url).header("Accept-Language", "en");
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            "DELETE" => {
                let mut r = agent.delete(&url).header("Accept-Language", "en");
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            _ => {
                let mut r = agent.post(&url).header("Content-Type", "application/json").header("Accept-Language", "en");
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.send(body.map(Value::to_string).unwrap_or_default())
            }
        }
        .expect("reaches the server");
        let etag = resp.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_string);
        let text = resp.body_mut().read_to_string().unwrap();
        (resp.status().as_u16(), etag, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

fn token(db: &Path, role: &str) -> String {
    let out = common::wangge(&["token", "create", "--db", db.to_str().unwrap(), "--role", role, "--name", role]);
    assert!(out.status.success(), "{}", common::text(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn split() -> Value {
    json!({"op": "split", "layer": "grid", "code": G1, "new_code": "440304006009003",
           "line": {"type": "LineString", "coordinates": [[114.00390625, 22.50], [114.00390625, 22.52]]}})
}

#[test]
fn batches_are_all_or_nothing_and_undo_redo_discard_work_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let viewer = token(&db, "viewer");
    let server = Server::start(&db);
    let planner = Client { base: server.base.clone(), token: Some(token(&db, "planner")) };
    let (s, _, plan) = planner.call("POST", "/api/v1/plans", Some(&json!({"name": "batch"})));
    assert_eq!(s, 201, "{plan}");
    let id = plan["id"].as_i64().unwrap();
    let edits = format!("/api/v1/plans/{id}/edits");
    let show = |c: &Client| c.call("GET", &format!("/api/v1/plans/{id}"), None);

    // A batch whose second edit does not apply stores nothing and names the edit.
    let bad = json!({"edits": [split(), {"op": "delete", "layer": "grid", "code": "nope"}]});
    let (s, _, err) = planner.call("POST", &edits, Some(&bad));
    assert_eq!((s, err["error"].as_str()), (422, Some("bad_edit")), "{err}");
    assert_eq!(err["problems"]["index"], 1, "{err}");
    assert!(err["detail"].as_str().unwrap().contains("edit 1 of the batch"), "{err}");
    let (_, etag, shown) = show(&planner);
    assert_eq!((etag.as_deref(), shown["edits"].as_array().unwrap().len()), (Some("\"v1\""), 0), "{shown}");
    let (s, _, err) = planner.call("POST", &edits, Some(&json!({"edits": []})));
    assert_eq!((s, err["problems"]["field"].as_str()), (400, Some("edits")), "{err}");
    let (s, _, _) = planner.call("POST", &edits, Some(&json!({"edits": "x"})));
    assert_eq!(s, 400);

    // A good batch is one step; a single edit another.
    let reassign = json!({"op": "reassign_buildings", "buildings": ["44030400600900001"], "grid": G1});
    let (s, etag, _) = planner.call("POST", &edits, Some(&json!({"edits": [split(), reassign]})));
    assert_eq!((s, etag.as_deref()), (200, Some("\"v2\"")));
    let other = json!({"op": "merge", "layer": "grid", "codes": ["440304006011001", "440304006011002"]});
    assert_eq!(planner.call("POST", &edits, Some(&other)).0, 200);
    assert_eq!(show(&planner).2["edits"].as_array().unwrap().len(), 3);

    // Undo needs a planner, like adding edits.
    let undo = format!("/api/v1/plans/{id}/undo");
    let redo = format!("/api/v1/plans/{id}/redo");
    let anonymous = Client { base: server.base.clone(), token: None };
    let as_viewer = Client { base: server.base.clone(), token: Some(viewer.clone()) };
    assert_eq!(anonymous.call("POST", &undo, None).0, 401);
    assert_eq!(as_viewer.call("POST", &undo, None).0, 403);
    let (s, etag, _) = planner.call("POST", &undo, None);
    assert_eq!((s, etag.as_deref()), (200, Some("\"v4\"")));
    assert_eq!(show(&planner).2["edits"].as_array().unwrap().len(), 2);
    planner.call("POST", &undo, None);
    assert_eq!(show(&planner).2["edits"].as_array().unwrap().len(), 0, "the batch is one undo step");
    let (s, _, err) = planner.call("POST", &undo, None);
    assert_eq!((s, err["error"].as_str()), (409, Some("nothing_to_undo")));
    let (s, _, _) = planner.call("POST", &redo, None);
    assert_eq!(s, 200);
    assert_eq!(show(&planner).2["edits"].as_array().unwrap().len(), 2);
    // A new edit ends redo: the undone merge is gone.
    assert_eq!(
        planner.call("POST", &edits, Some(&json!({"op": "delete", "layer": "grid", "code": "440304006011002"}))).0,
        200
    );
    let (s, _, err) = planner.call("POST", &redo, None);
    assert_eq!((s, err["error"].as_str()), (409, Some("nothing_to_redo")), "{err}");
    let shown = show(&planner).2;
    assert_eq!(shown["edits"].as_array().unwrap().len(), 3);
    assert_eq!((shown["undo_steps"].as_i64(), shown["redo_steps"].as_i64()), (Some(2), Some(0)), "{shown}");
    planner.call("POST", &undo, None);
    let shown = show(&planner).2;
    assert_eq!((shown["undo_steps"].as_i64(), shown["redo_steps"].as_i64()), (Some(1), Some(1)), "{shown}");
    planner.call("POST", &redo, None);

    // Discard: a draft goes, a published plan stays (409).
    let (_, _, temp) = planner.call("POST", "/api/v1/plans", Some(&json!({"name": "temp"})));
    let temp = temp["id"].as_i64().unwrap();
    assert_eq!(as_viewer.call("DELETE", &format!("/api/v1/plans/{temp}"), None).0, 403);
    let (s, _, gone) = planner.call("DELETE", &format!("/api/v1/plans/{temp}"), None);
    assert_eq!((s, gone["discarded"].as_i64()), (200, Some(temp)), "{gone}");
    assert_eq!(planner.call("GET", &format!("/api/v1/plans/{temp}"), None).0, 404);
    assert_eq!(planner.call("POST", &undo, None).0, 200);
    let publish = format!("/api/v1/plans/{id}/publish");
    let (s, _, rev) =
        planner.call("POST", &publish, Some(&json!({"message": "split", "effective_date": "2026-03-01"})));
    assert_eq!(s, 200, "{rev}");
    let (s, _, err) = planner.call("DELETE", &format!("/api/v1/plans/{id}"), None);
    assert_eq!((s, err["error"].as_str()), (409, Some("not_draft")), "{err}");
}

#[test]
fn publish_asks_for_a_message_and_a_real_date_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let server = Server::start(&db);
    let planner = Client { base: server.base.clone(), token: Some(token(&db, "planner")) };
    let new_plan = |edit: Value| {
        let (_, _, p) = planner.call("POST", "/api/v1/plans", Some(&json!({"name": "p"})));
        let id = p["id"].as_i64().unwrap();
        assert_eq!(planner.call("POST", &format!("/api/v1/plans/{id}/edits"), Some(&edit)).0, 200);
        format!("/api/v1/plans/{id}/publish")
    };
    let first = new_plan(split());
    for (body, field) in [
        (json!({"message": "", "effective_date": "2026-03-01"}), "message"),
        (json!({"message": "   ", "effective_date": "2026-03-01"}), "message"),
        (json!({"message": "ok", "effective_date": "2026-02-30"}), "effective_date"),
    ] {
        let (s, _, err) = planner.call("POST", &first, Some(&body));
        assert_eq!(s, 400, "{body}: {err}");
        assert!(err["detail"].as_str().unwrap().contains(field), "{body}: {err}");
    }
    let (s, _, rev) = planner.call("POST", &first, Some(&json!({"message": "split", "effective_date": "2026-03-01"})));
    assert_eq!(s, 200, "{rev}");
    // A later plan cannot take effect before the revision it follows.
    let second = new_plan(json!({"op": "merge", "layer": "grid", "codes": ["440304006011001", "440304006011002"]}));
    for date in ["0000-01-01", "2026-02-28"] {
        let (s, _, err) = planner.call("POST", &second, Some(&json!({"message": "late", "effective_date": date})));
        assert_eq!((s, err["problems"]["field"].as_str()), (400, Some("effective_date")), "{date}: {err}");
        assert!(err["detail"].as_str().unwrap().contains("2026-03-01"), "{err}");
    }
    let (s, _, rev) = planner.call("POST", &second, Some(&json!({"message": "merge", "effective_date": "2026-03-01"})));
    assert_eq!((s, rev["id"].as_i64()), (200, Some(2)), "{rev}");
    let (_, _, revs) = planner.call("GET", "/api/v1/revisions", None);
    let messages: Vec<&str> =
        revs["revisions"].as_array().unwrap().iter().filter_map(|r| r["message"].as_str()).collect();
    assert_eq!(messages, vec!["split", "merge"], "{revs}");
}

#[test]
fn a_count_that_is_no_number_and_an_unreadable_stored_edit_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let server = Server::start(&db);
    let planner = Client { base: server.base.clone(), token: Some(token(&db, "planner")) };
    let (_, _, p) = planner.call("POST", "/api/v1/plans", Some(&json!({"name": "counts"})));
    let id = p["id"].as_i64().unwrap();
    let (_, grid) = server.get(&format!("/api/v1/layers/grid/features/{G1}"));
    let mut feature = grid.clone();
    feature["properties"]["households"] = json!("lots");
    let edit = json!({"op": "replace", "layer": "grid", "feature": feature});
    let (s, _, err) = planner.call("POST", &format!("/api/v1/plans/{id}/edits"), Some(&edit));
    assert_eq!((s, err["error"].as_str()), (422, Some("bad_edit")), "{err}");
    let detail = err["detail"].as_str().unwrap();
    assert!(detail.contains(G1) && detail.contains("households") && detail.contains("lots"), "{detail}");
    feature["properties"]["households"] = json!(410);
    feature["properties"]["residents"] = json!(-5);
    let (s, _, err) = planner.call(
        "POST",
        &format!("/api/v1/plans/{id}/edits"),
        Some(&json!({"op": "replace", "layer": "grid", "feature": feature})),
    );
    assert_eq!(s, 422, "{err}");
    assert!(err["detail"].as_str().unwrap().contains("residents"), "{err}");

    // A stored edit that is not JSON makes the plan unreadable, and says which edit.
    assert_eq!(planner.call("POST", &format!("/api/v1/plans/{id}/edits"), Some(&split())).0, 200);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let edit_id: i64 =
        conn.query_row("SELECT id FROM wangge_plan_edit WHERE plan_id = ?1", [id], |r| r.get(0)).unwrap();
    conn.execute("UPDATE wangge_plan_edit SET edit = '{\"op\": \"spl' WHERE id = ?1", [edit_id]).unwrap();
    // As any writer does (the server's plan cache follows the version).
    conn.execute("UPDATE wangge_plan SET version = version + 1 WHERE id = ?1", [id]).unwrap();
    drop(conn);
    for (method, path) in [("GET", format!("/api/v1/plans/{id}")), ("POST", format!("/api/v1/plans/{id}/validate"))] {
        let (s, _, err) = planner.call(method, &path, None);
        assert_eq!((s, err["error"].as_str()), (409, Some("stored_edit_unreadable")), "{path}: {err}");
        assert!(err["detail"].as_str().unwrap().contains(&format!("stored edit {edit_id}")), "{err}");
    }
    let (s, _, err) = planner.call("GET", &format!("/api/v1/plans/{id}/diff"), None);
    assert_eq!(s, 409, "{err}");
}

#[test]
fn drafts_are_for_planners_and_admins_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let server = Server::start(&db);
    let planner = Client { base: server.base.clone(), token: Some(token(&db, "planner")) };
    let admin = Client { base: server.base.clone(), token: Some(token(&db, "admin")) };
    let viewer = Client { base: server.base.clone(), token: Some(token(&db, "viewer")) };
    let anonymous = Client { base: server.base.clone(), token: None };
    let plan_with = |edit: Value| {
        let (_, _, p) = planner.call("POST", "/api/v1/plans", Some(&json!({"name": "草稿"})));
        let id = p["id"].as_i64().unwrap();
        assert_eq!(planner.call("POST", &format!("/api/v1/plans/{id}/edits"), Some(&edit)).0, 200);
        id
    };
    let published = plan_with(split());
    let (s, _, _) =
        planner.call("POST", &format!("/api/v1/plans/{published}/publish"), Some(&json!({"message": "split"})));
    assert_eq!(s, 200);
    let draft = plan_with(json!({"op": "merge", "layer": "grid", "codes": ["440304006011001", "440304006011002"]}));

    // Listing: planners and admins see the draft; others only what is published.
    let ids = |c: &Client| -> Vec<i64> {
        let (s, _, list) = c.call("GET", "/api/v1/plans", None);
        assert_eq!(s, 200, "{list}");
        list["plans"].as_array().unwrap().iter().filter_map(|p| p["id"].as_i64()).collect()
    };
    assert_eq!(ids(&planner), vec![draft, published]);
    assert_eq!(ids(&admin), vec![draft, published]);
    assert_eq!(ids(&viewer), vec![published]);
    assert_eq!(ids(&anonymous), vec![published]);

    // Reading a draft (its edits, validation, diff, OGC items) needs the role: 401 / 403.
    for (method, path) in [
        ("GET", format!("/api/v1/plans/{draft}")),
        ("POST", format!("/api/v1/plans/{draft}/validate")),
        ("GET", format!("/api/v1/plans/{draft}/diff")),
        ("GET", format!("/ogc/collections/grid/items?plan={draft}")),
    ] {
        assert_eq!(anonymous.call(method, &path, None).0, 401, "{path}");
        let (s, _, err) = viewer.call(method, &path, None);
        assert_eq!((s, err["error"].as_str()), (403, Some("forbidden")), "{path}: {err}");
        assert_eq!(admin.call(method, &path, None).0, 200, "{path}");
    }
    // A published plan stays open to everyone.
    assert_eq!(anonymous.call("GET", &format!("/api/v1/plans/{published}"), None).0, 200);
    assert_eq!(anonymous.call("GET", "/api/v1/plans/999", None).0, 404);
}
