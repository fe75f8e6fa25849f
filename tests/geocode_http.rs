//! Address lookup over real HTTP on loopback against the demo city, the CLI batch with its
//! progress bar, and the OpenStreetMap import on the real Helsinki extract.

mod common;

use common::{Server, text, wangge};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use wangge_app::demo::ensure_demo_db;

fn demo_db() -> &'static PathBuf {
    static DB: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DB.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("demo.gpkg");
        ensure_demo_db(&db, &Path::new(env!("CARGO_MANIFEST_DIR")).join("data")).unwrap();
        (dir, db)
    })
    .1
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| Server::start(demo_db()))
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[test]
fn geocode_answers_with_point_grid_and_hierarchy() {
    let (status, v) = server().get(&format!("/api/v1/geocode?q={}&limit=3", enc("深圳福田福荣路十二号3栋2单元502室")));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["normalized"], "深圳福田福荣路12号3栋2单元502室");
    assert_eq!(v["parsed"]["unit"], "2");
    let top = &v["candidates"][0];
    assert_eq!(top["address"], "广东省深圳市福田区沙头街道下沙社区福荣路12号");
    assert_eq!((top["level"].as_str(), top["score"].as_f64()), (Some("door"), Some(1.0)));
    assert!(top["point"]["lon"].as_f64().unwrap() > 114.0);
    assert_eq!(top["grid"]["code"].as_str().unwrap().len(), 15);
    assert_eq!(top["community"]["name"], "下沙社区");
    assert_eq!(top["street"]["name"], "沙头街道");
    assert_eq!(top["district"]["name"], "福田区");
    assert_eq!(top["building"].as_str().unwrap().len(), 17);
    // The point really is in the grid reported.
    let (_, l) = server().get(&format!("/api/v1/lookup?lon={}&lat={}", top["point"]["lon"], top["point"]["lat"]));
    assert_eq!(l["grid"]["code"], top["grid"]["code"]);
    // Nothing like it: 200 with no candidates.
    let (status, v) = server().get("/api/v1/geocode?q=zzzz");
    assert_eq!((status, v["candidates"].as_array().unwrap().len()), (200, 0));
}

#[test]
fn reverse_finds_the_nearest_door() {
    let (_, v) = server().get(&format!("/api/v1/geocode?q={}", enc("福荣路12号")));
    let (lon, lat) = (&v["candidates"][0]["point"]["lon"], &v["candidates"][0]["point"]["lat"]);
    let (status, r) = server().get(&format!("/api/v1/geocode/reverse?lon={lon}&lat={lat}&limit=2"));
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["candidates"][0]["address"], "广东省深圳市福田区沙头街道下沙社区福荣路12号");
    assert_eq!(r["candidates"][0]["distance_m"], 0.0);
    assert_eq!(r["candidates"].as_array().unwrap().len(), 2);
    // GCJ-02 input is converted first.
    let (gx, gy) = wangge_formats::crs::china::wgs84_to_gcj02(lon.as_f64().unwrap(), lat.as_f64().unwrap());
    let (_, r) = server().get(&format!("/api/v1/geocode/reverse?lon={gx}&lat={gy}&crs=gcj02"));
    assert!(r["candidates"][0]["distance_m"].as_f64().unwrap() < 0.01, "{r}");
}

#[test]
fn batch_gives_a_status_per_row_in_order() {
    let csv = "id,address\na,福荣路12号\nb,福容路12号\nc,火星路1号\nd,深圳市福田区景田南五街三号\n";
    let (status, body) = server().post("/api/v1/geocode/batch", "text/csv", csv);
    assert_eq!(status, 200, "{body}");
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let got: Vec<(&str, &str)> = rows.iter().map(|r| (r[0].as_str(), r[2].as_str())).collect();
    assert_eq!(got, vec![("a", "matched"), ("b", "ambiguous"), ("c", "not_found"), ("d", "matched")], "{body}");
    assert!(body.starts_with("id,query,status,score,level,address,lon,lat,building,grid_code"), "{body}");
}

#[test]
fn bad_geocode_requests_get_a_named_4xx() {
    let long = "路".repeat(201);
    let cases = [
        ("/api/v1/geocode?limit=3".to_string(), 400, "q"),
        ("/api/v1/geocode?q=%20%20".to_string(), 400, "q"),
        (format!("/api/v1/geocode?q={}", enc(&long)), 400, "200"),
        ("/api/v1/geocode?q=a&limit=0".to_string(), 400, "limit"),
        ("/api/v1/geocode?q=a&limit=51".to_string(), 400, "limit"),
        ("/api/v1/geocode?q=a&limit=abc".to_string(), 400, "abc"),
        ("/api/v1/geocode/reverse?lat=22.5".to_string(), 400, "lon"),
        ("/api/v1/geocode/reverse?lon=114&lat=abc".to_string(), 400, "abc"),
        ("/api/v1/geocode/reverse?lon=114&lat=95".to_string(), 400, "latitude"),
        ("/api/v1/geocode/reverse?lon=NaN&lat=22".to_string(), 400, "finite"),
        ("/api/v1/geocode/reverse?lon=114&lat=22&crs=mercator".to_string(), 400, "mercator"),
        ("/api/v1/geocode/reverse?lon=114&lat=22&limit=0".to_string(), 400, "limit"),
    ];
    for (path, status, needle) in cases {
        let (s, v) = server().get(&format!("{path}&lang=en"));
        assert_eq!(s, status, "{path}: {v}");
        assert_eq!(v["error"], "bad_parameter", "{path}: {v}");
        assert!(v["detail"].as_str().unwrap().contains(needle), "{path}: {v}");
    }
    let (_, v) = server().get("/api/v1/geocode");
    assert!(v["detail"].as_str().unwrap().contains("缺少参数 q"), "Chinese by default: {v}");
    let (s, _) = server().get("/api/v1/geocode/batch");
    assert_eq!(s, 405, "the batch is a POST");
}

#[test]
fn bad_batches_get_a_named_4xx() {
    let too_many = format!("address\n{}", "福荣路1号\n".repeat(200_001));
    let cases = [
        ("", 400, "empty"),
        ("id,text\n1,福荣路1号\n", 400, "address column"),
        ("id,address\n1,福荣路1号,extra\n", 400, "row 2"),
        (too_many.as_str(), 413, "200000"),
    ];
    for (body, status, needle) in cases {
        let (s, text) = server().post("/api/v1/geocode/batch?lang=en", "text/csv", body);
        assert_eq!(s, status, "{}: {text}", &body[..body.len().min(40)]);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert!(v["detail"].as_str().unwrap().contains(needle), "{v}");
    }
}

#[test]
fn cli_geocodes_one_address_and_a_csv() {
    let db = demo_db().to_str().unwrap().to_string();
    let out = wangge(&["geocode", "--db", &db, "--q", "深圳福田泰然9路5号", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["candidates"][0]["address"], "广东省深圳市福田区沙头街道新沙社区泰然九路5号");
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.csv"), dir.path().join("out.csv"));
    std::fs::write(&input, "address\n福荣路12号\n火星路1号\n").unwrap();
    let out = wangge(&["geocode", "--db", &db, "--csv", input.to_str().unwrap(), "--out", output.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("2 rows: 1 matched, 0 ambiguous, 1 not found"), "{}", text(&out));
    let written = std::fs::read_to_string(&output).unwrap();
    assert_eq!(written.lines().count(), 3, "{written}");
    let out = wangge(&["geocode", "--db", &db, "--q", "", "--limit", "3"]);
    assert!(!out.status.success() && text(&out).contains("--q"), "{}", text(&out));
}

/// The real Helsinki extract (shared data, not in the repository): skipped with a notice if absent.
#[test]
fn osm_addresses_are_read_from_the_helsinki_extract() {
    let pbf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/helsinki/Helsinki.osm.pbf");
    if !pbf.exists() {
        eprintln!("{} not found: OSM address import not checked", pbf.display());
        return;
    }
    let rows = wangge_formats::addresses::read_osm_pbf(&pbf).unwrap();
    let nodes = rows.iter().filter(|r| r.origin.starts_with("osm node/")).count();
    let ways = rows.iter().filter(|r| r.origin.starts_with("osm way/")).count();
    // Elements with both addr:street and addr:housenumber: 1,359 nodes and 86 ways (6 relations
    // are not read).
    assert_eq!((nodes, ways), (1359, 86));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hel.gpkg");
    let out = wangge(&["import-addresses", "--db", db.to_str().unwrap(), pbf.to_str().unwrap()]);
    assert!(out.status.success() && text(&out).contains("imported 1445 addresses"), "{}", text(&out));
    let out = wangge(&["geocode", "--db", db.to_str().unwrap(), "--q", "Manerheimintie 5", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["candidates"][0]["address"], "Mannerheimintie 5, Helsinki", "one letter missing: {v}");
    assert_eq!(v["candidates"][0]["level"], "door");
}

/// A publish swaps in the draft's layers: the gazetteer must come along (it is not part of a
/// draft), or every address search answers nothing until the server restarts.
#[test]
fn addresses_are_still_found_after_a_publish() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.gpkg");
    ensure_demo_db(&db, &Path::new(env!("CARGO_MANIFEST_DIR")).join("data")).unwrap();
    let d = db.to_str().unwrap();
    let out = wangge(&["token", "create", "--db", d, "--role", "planner", "--name", "p"]);
    assert!(out.status.success(), "{}", text(&out));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let server = Server::start(&db);
    let q = format!("/api/v1/geocode?q={}", enc("福荣路12号"));
    let found = |v: &Value| v["candidates"].as_array().map_or(0, Vec::len);
    assert!(found(&server.get(&q).1) > 0, "the demo's addresses answer before");

    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let post = |path: &str, body: Value| -> Value {
        let mut r = agent
            .post(&format!("{}{path}", server.base))
            .header("Authorization", &format!("Bearer {token}"))
            .send_json(body)
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.body_mut().read_json().unwrap()
    };
    let plan = post("/api/v1/plans", serde_json::json!({ "name": "rename" }));
    let (_, list) = server.get("/api/v1/layers/grid/features?limit=1");
    let mut grid = list["features"][0].clone();
    grid["properties"]["name"] = format!("{}（改名）", grid["properties"]["name"].as_str().unwrap()).into();
    let id = plan["id"].as_i64().unwrap();
    post(
        &format!("/api/v1/plans/{id}/edits"),
        serde_json::json!({ "op": "replace", "layer": "grid", "feature": grid }),
    );
    post(
        &format!("/api/v1/plans/{id}/publish"),
        serde_json::json!({ "message": "rename a grid", "effective_date": "2099-01-01" }),
    );
    let (_, after) = server.get(&q);
    assert!(found(&after) > 0, "addresses answer after the publish: {after}");
    assert_eq!(after["candidates"][0]["address"], "广东省深圳市福田区沙头街道下沙社区福荣路12号");
}
