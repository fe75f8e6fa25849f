//! Access over real HTTP, enumerated from the router's own table of guarded routes
//! (`wangge::api::guarded_routes`), so a route added there is checked here without editing this
//! file: every one refuses anonymous callers (401) and callers whose role is too low (403); an
//! unknown token is 401 on any request; refused writes are in the audit log.

mod common;

use common::{Server, city_db, text, wangge};
use serde_json::Value;

fn call(method: &str, url: &str, token: Option<&str>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut req = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("Content-Type", "application/json")
        .header("Accept-Language", "en");
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let mut resp = agent.run(req.body("{}".to_string()).unwrap()).expect("reaches the server");
    let body = resp.body_mut().read_to_string().unwrap();
    (resp.status().as_u16(), serde_json::from_str(&body).unwrap_or(Value::String(body)))
}

/// A concrete URL for a path template (every parameter gets a plausible value).
fn concrete(template: &str) -> String {
    template
        .replace("{id}", "1")
        .replace("{collection}", "grid")
        .replace("{feature}", "440304006009001")
        .replace("{code}", "440304006009")
}

#[test]
fn every_guarded_route_refuses_callers_without_the_role() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let token = |role: &str| {
        let out = wangge(&["token", "create", "--db", db.to_str().unwrap(), "--role", role, "--name", role]);
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let (viewer, planner, admin) = (token("viewer"), token("planner"), token("admin"));
    let server = Server::start(&db);
    let routes = wangge::api::guarded_routes();
    assert!(routes.len() >= 9, "the table lists the plan, revision, OGC and audit routes");
    let mut writes = 0;
    for g in &routes {
        let url = format!("{}{}", server.base, concrete(g.path));
        let m = g.method.as_str();
        let (s, body) = call(m, &url, None);
        assert_eq!((s, body["error"].as_str()), (401, Some("unauthorized")), "anonymous {m} {}: {body}", g.path);
        let (s, body) = call(m, &url, Some("wg_forged"));
        assert_eq!((s, body["error"].as_str()), (401, Some("unauthorized")), "forged {m} {}: {body}", g.path);
        let (s, body) = call(m, &url, Some(&viewer));
        assert_eq!((s, body["error"].as_str()), (403, Some("forbidden")), "viewer {m} {}: {body}", g.path);
        if g.need.role > wangge_store::access::Role::Planner {
            let (s, body) = call(m, &url, Some(&planner));
            assert_eq!(s, 403, "planner {m} {}: {body}", g.path);
        }
        writes += usize::from(g.need.audited);
    }
    // An unknown token is refused on reads too; anonymous reads stay open.
    assert_eq!(call("GET", &format!("{}/api/v1/layers", server.base), Some("wg_forged")).0, 401);
    assert_eq!(call("GET", &format!("{}/healthz", server.base), Some("wg_forged")).0, 401);
    assert_eq!(call("GET", &format!("{}/api/v1/layers", server.base), None).0, 200);
    // Every refused write with a token (forged: 401, viewer: 403) is audited; anonymous ones are not.
    let (s, log) = call("GET", &format!("{}/api/v1/audit?limit=1000", server.base), Some(&admin));
    assert_eq!(s, 200, "{log}");
    let rows = log["rows"].as_array().unwrap();
    let count = |status: i64| rows.iter().filter(|r| r["status"] == status).count();
    assert_eq!((count(401), count(403)), (writes, writes), "{log}");
}
