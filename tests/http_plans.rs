//! The planning workflow over real HTTP: create, edit with If-Match (stale → 409), validate,
//! diff, publish (live lookups switch at once), lookup as of a date, revisions and restore.

mod common;

use common::{Server, city_db};
use serde_json::{Value, json};

static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn send(method: &str, url: &str, body: Option<&Value>, if_match: Option<&str>) -> (u16, Option<String>, Value) {
    send_as(TOKEN.get().map(String::as_str), method, url, body, if_match)
}

fn send_as(
    token: Option<&str>,
    method: &str,
    url: &str,
    body: Option<&Value>,
    if_match: Option<&str>,
) -> (u16, Option<String>, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut resp = match method {
        // Reads send the token too: a draft plan is read by planners only.
        "GET" => {
            let mut req = agent.get(url).header("Accept-Language", "en");
            if let Some(t) = token {
                req = req.header("Authorization", &format!("Bearer {t}"));
            }
            req.call()
        }
        _ => {
            let mut req = agent.post(url).header("Content-Type", "application/json").header("Accept-Language", "en");
            if let Some(t) = token {
                req = req.header("Authorization", &format!("Bearer {t}"));
            }
            if let Some(m) = if_match {
                req = req.header("If-Match", m);
            }
            req.send(body.map(Value::to_string).unwrap_or_default())
        }
    }
    .expect("reaches the server");
    let etag = resp.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_string);
    let text = resp.body_mut().read_to_string().unwrap();
    (resp.status().as_u16(), etag, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[test]
fn plan_workflow_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let token = |role: &str| {
        let out = common::wangge(&["token", "create", "--db", db.to_str().unwrap(), "--role", role, "--name", role]);
        assert!(out.status.success(), "{}", common::text(&out));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let viewer = token("viewer");
    TOKEN.set(token("planner")).unwrap();
    let server = Server::start(&db);
    let b = &server.base;
    // Writes need a planner: none → 401, a viewer → 403.
    let new = json!({"name": "x"});
    assert_eq!(send_as(None, "POST", &format!("{b}/api/v1/plans"), Some(&new), None).0, 401);
    assert_eq!(send_as(Some("wg_forged"), "POST", &format!("{b}/api/v1/plans"), Some(&new), None).0, 401);
    assert_eq!(send_as(Some(&viewer), "POST", &format!("{b}/api/v1/plans"), Some(&new), None).0, 403);
    let (s, etag, plan) = send("POST", &format!("{b}/api/v1/plans"), Some(&json!({"name": "拆分"})), None);
    assert_eq!((s, etag.as_deref()), (201, Some("\"v1\"")), "{plan}");
    let id = plan["id"].as_i64().unwrap();
    let split = json!({"op": "split", "layer": "grid", "code": "440304006009001", "new_code": "440304006009003",
        "line": {"type": "LineString", "coordinates": [[114.00390625, 22.50], [114.00390625, 22.52]]}});
    let edits = format!("{b}/api/v1/plans/{id}/edits");
    let (s, etag, _) = send("POST", &edits, Some(&split), Some("\"v1\""));
    assert_eq!((s, etag.as_deref()), (200, Some("\"v2\"")));
    // Someone who still holds v1 is told about the conflict.
    let (s, _, err) = send("POST", &edits, Some(&split), Some("\"v1\""));
    assert_eq!((s, err["error"].as_str()), (409, Some("stale")), "{err}");
    assert_eq!(err["problems"]["current_version"], 2);
    // Bad input is a 4xx naming the problem.
    let (s, _, err) = send("POST", &edits, Some(&json!({"op": "explode"})), None);
    assert_eq!(s, 422, "{err}");
    assert!(err["detail"].as_str().unwrap().contains("unknown op"));
    let (s, _, _) = send("POST", &edits, Some(&split), Some("v-nonsense"));
    assert_eq!(s, 400);
    let (s, _, _) = send("GET", &format!("{b}/api/v1/plans/999"), None, None);
    assert_eq!(s, 404);

    let (s, _, v) = send("POST", &format!("{b}/api/v1/plans/{id}/validate"), None, None);
    assert_eq!((s, v["errors"].as_i64()), (200, Some(0)), "{v}");
    let (_, _, d) = send("GET", &format!("{b}/api/v1/plans/{id}/diff"), None, None);
    // The grid reshaped, the new grid, and the building standing in the new piece (which takes
    // its households along rather than a copy of the old grid's figures).
    assert_eq!(d["changed"].as_array().unwrap().len(), 3, "{d}");
    assert_eq!(d["grid_moves"][0]["to"], "440304006009003", "{d}");
    assert_eq!(d["households_moved"], 120, "{d}");

    let east = format!("{b}/api/v1/lookup?lon=114.006&lat=22.512");
    assert_eq!(send("GET", &east, None, None).2["grid"]["code"], "440304006009001");
    let publish = json!({"message": "拆分第一网格", "effective_date": "2026-03-01"});
    let (s, _, rev) = send("POST", &format!("{b}/api/v1/plans/{id}/publish"), Some(&publish), None);
    assert_eq!((s, rev["id"].as_i64()), (200, Some(1)), "{rev}");
    assert_eq!(send("GET", &east, None, None).2["grid"]["code"], "440304006009003");
    let (s, _, old) = send("GET", &format!("{east}&at=2026-01-01"), None, None);
    assert_eq!((s, old["grid"]["code"].as_str()), (200, Some("440304006009001")));
    let (s, _, _) = send("GET", &format!("{east}&at=2026-02-30x"), None, None);
    assert_eq!(s, 400);

    // A second publish of the same plan, and a plan made before revision 1, are refused.
    let (s, _, _) = send("POST", &format!("{b}/api/v1/plans/{id}/publish"), Some(&publish), None);
    assert_eq!(s, 409);
    let (_, _, revs) = send("GET", &format!("{b}/api/v1/revisions"), None, None);
    assert_eq!(revs["current"], 1);
    let (s, _, back) = send("POST", &format!("{b}/api/v1/revisions/0/restore"), None, None);
    assert_eq!(s, 201, "{back}");
    let back = back["id"].as_i64().unwrap();
    let (s, _, _) = send("POST", &format!("{b}/api/v1/plans/{back}/publish"), Some(&json!({"message": "undo"})), None);
    assert_eq!(s, 200);
    assert_eq!(send("GET", &east, None, None).2["grid"]["code"], "440304006009001");
    // Every write, refused or not, is in the audit log; the tokens are stored only as hashes.
    let store = wangge_store::Store::open(&db).unwrap();
    assert!(store.audit_count().unwrap() >= 10);
    assert_eq!(store.token_role(&viewer).unwrap().map(|(_, r)| r), Some(wangge_store::access::Role::Viewer));
    let raw = std::fs::read(&db).unwrap();
    assert!(!raw.windows(viewer.len()).any(|w| w == viewer.as_bytes()), "a token is stored in clear");
}
