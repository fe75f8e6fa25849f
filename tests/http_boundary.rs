//! The typed HTTP boundary over real HTTP: `GET /api/v1/openapi.json` documents every `/api/v1`
//! route the router has (enumerated from `wangge::api::open_api_routes` and `guarded_routes`, the
//! tables the router is built from) and every path the web page calls; and rejections of path
//! parameters, bodies and query strings are the project's JSON errors naming what is wrong.

mod common;

use common::{Server, city_db, text, wangge};
use serde_json::Value;

fn call(method: &str, url: &str, token: Option<&str>, content_type: &str, body: &str) -> (u16, String, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut req = ureq::http::Request::builder().method(method).uri(url).header("Accept-Language", "en");
    if !content_type.is_empty() {
        req = req.header("Content-Type", content_type);
    }
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let mut resp = agent.run(req.body(body.to_string()).unwrap()).expect("reaches the server");
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = resp.body_mut().read_to_string().unwrap();
    (resp.status().as_u16(), ct, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Every `/api/v1/…` path the web page's scripts name.
fn web_paths() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/js");
    let mut found = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "js") {
            continue;
        }
        let js = std::fs::read_to_string(&path).unwrap();
        for (i, _) in js.match_indices("/api/v1/") {
            let tail = &js[i..];
            let end = tail
                .find(|c: char| !(c.is_ascii_lowercase() || "/{}_".contains(c) || c.is_ascii_digit()))
                .unwrap_or(tail.len());
            found.push(tail[..end].to_string());
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn openapi_lists_every_route_and_rejections_are_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let out = wangge(&["token", "create", "--db", db.to_str().unwrap(), "--role", "admin", "--name", "a"]);
    assert!(out.status.success(), "{}", text(&out));
    let admin = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let server = Server::start(&db);
    let b = &server.base;

    let (s, ct, doc) = call("GET", &format!("{b}/api/v1/openapi.json"), None, "", "");
    assert_eq!(s, 200);
    assert!(ct.starts_with("application/vnd.oai.openapi+json"), "{ct}");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    let paths = doc["paths"].as_object().unwrap();
    let routes: Vec<(String, &str)> = wangge::api::open_api_routes()
        .iter()
        .map(|r| (r.method.as_str().to_lowercase(), r.path))
        .chain(wangge::api::guarded_routes().iter().map(|r| (r.method.as_str().to_lowercase(), r.path)))
        .filter(|(_, p)| p.starts_with("/api/v1"))
        .collect();
    assert!(routes.len() > 20);
    for (method, path) in &routes {
        let op = &paths.get(*path).unwrap_or_else(|| panic!("{path} is not in the document"))[method.as_str()];
        assert!(op.is_object(), "{method} {path} is not in the document");
        assert!(op["responses"].as_object().is_some_and(|r| r.contains_key("200") || r.contains_key("201")), "{path}");
        // Every template parameter is described as a path parameter.
        for name in path.split('{').skip(1).filter_map(|t| t.split('}').next()) {
            let params = op["parameters"].as_array().unwrap_or_else(|| panic!("{path}: no parameters"));
            assert!(params.iter().any(|p| p["name"] == name && p["in"] == "path"), "{path}: {name}");
        }
    }
    // Nothing is documented that the router does not serve.
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            assert!(routes.iter().any(|(m, p)| m == method && p == path), "documented but not routed: {method} {path}");
        }
    }
    // The web page's calls (a trailing slash is the start of a templated path).
    let web = web_paths();
    assert!(web.iter().any(|p| p == "/api/v1/lookup"), "{web:?}");
    for w in &web {
        let ok =
            paths.contains_key(w.as_str()) || (w.ends_with('/') && paths.keys().any(|p| p.starts_with(w.as_str())));
        assert!(ok, "the web page calls {w}, which the document does not list");
    }
    assert!(doc["components"]["schemas"]["EditRequest"].is_object(), "the edit body is described");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

    // A path parameter that does not parse is a JSON 400 naming it, not axum's text.
    let (s, ct, e) = call("GET", &format!("{b}/api/v1/plans/abc"), None, "", "");
    assert_eq!((s, e["error"].as_str()), (400, Some("bad_parameter")), "{ct} {e}");
    assert!(ct.starts_with("application/json") && e["detail"].as_str().unwrap().contains("id"), "{e}");
    let (s, _, e) = call("POST", &format!("{b}/api/v1/plans/1.5/validate"), None, "", "");
    assert_eq!(s, 400, "{e}");
    // Bodies: a non-JSON content type is 415, broken JSON or a wrong field type 400 naming it.
    let plans = format!("{b}/api/v1/plans");
    let (s, _, e) = call("POST", &plans, Some(&admin), "text/plain", "name=x");
    assert_eq!((s, e["error"].as_str()), (415, Some("unsupported_media_type")), "{e}");
    let (s, _, e) = call("POST", &plans, Some(&admin), "application/json", "{\"name\": ");
    assert_eq!((s, e["error"].as_str()), (400, Some("bad_body")), "{e}");
    let (s, _, e) = call("POST", &plans, Some(&admin), "application/json", "{\"name\": 5}");
    assert_eq!(s, 400, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("name"), "{e}");
    let (s, _, plan) = call("POST", &plans, Some(&admin), "application/json", "{\"name\": \"typed\"}");
    assert_eq!(s, 201, "{plan}");
    // A query value that does not fit its type names the parameter.
    let (s, _, e) = call("GET", &format!("{b}/api/v1/audit?limit=many"), Some(&admin), "", "");
    assert_eq!((s, e["error"].as_str()), (400, Some("bad_parameter")), "{e}");
    assert!(e["detail"].as_str().unwrap().contains("limit"), "{e}");
}
