//! OGC API – Features Part 4 discovery over real HTTP: `OPTIONS` on a collection, its items and
//! one item is 204 with an `Allow` header, and every method it lists is served (a listed write
//! without a token is 401, not 405), while a method it leaves out is 405.

mod common;

use common::{Server, city_db};
use std::path::Path;
use wangge::api::AppState;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// Status and `Allow` header of `OPTIONS path`.
fn options(server: &Server, path: &str) -> (u16, Option<String>) {
    let r = agent().options(&format!("{}{path}", server.base)).call().unwrap();
    let allow = r.headers().get("allow").and_then(|v| v.to_str().ok()).map(str::to_string);
    (r.status().as_u16(), allow)
}

/// The status of `method path` with an empty JSON body and no token.
fn status_of(server: &Server, method: &str, path: &str) -> u16 {
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", server.base))
        .header("Content-Type", "application/json")
        .body("{}".to_string())
        .unwrap();
    agent().run(request).unwrap().status().as_u16()
}

#[test]
fn options_lists_the_methods_each_resource_serves() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let server = Server::start(&db);
    let cases = [
        ("/ogc/collections/grid", "GET, HEAD, OPTIONS"),
        ("/ogc/collections/grid/items", "GET, HEAD, POST, OPTIONS"),
        ("/ogc/collections/grid/items/440304006009001", "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"),
    ];
    for (path, allow) in cases {
        assert_eq!(options(&server, path), (204, Some(allow.to_string())), "{path}");
        for method in allow.split(", ").filter(|m| !["GET", "HEAD", "OPTIONS"].contains(m)) {
            assert_eq!(status_of(&server, method, path), 401, "{method} {path} is listed, so it is served");
        }
        for method in ["POST", "PUT", "PATCH", "DELETE"].iter().filter(|m| !allow.contains(*m)) {
            assert_eq!(status_of(&server, method, path), 405, "{method} {path} is not listed, so it is not served");
        }
    }
    // An unknown collection is the project's JSON 404.
    let (status, body) = {
        let mut r = agent().options(&format!("{}/ogc/collections/nope/items", server.base)).call().unwrap();
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
    };
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("\"error\"") && body.contains("nope"), "{body}");

    // A server without a store writes nothing, and says so.
    let snapshot = wangge_store::Store::open(&db).unwrap().load_snapshot().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read_only = Server::start_state(AppState::new(snapshot, root.join("web"), root.join("data")));
    let item = "/ogc/collections/grid/items/440304006009001";
    assert_eq!(options(&read_only, item), (204, Some("GET, HEAD, OPTIONS".to_string())));
}
