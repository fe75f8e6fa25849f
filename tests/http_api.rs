//! The HTTP API over real HTTP on loopback: lookups, batches in order, feature listings, and a
//! JSON 4xx naming the problem for every kind of bad input.

mod common;

use common::{STEP, Server, city_db};
use serde_json::{Value, json};
use std::sync::OnceLock;

fn server() -> &'static Server {
    static SERVER: OnceLock<(tempfile::TempDir, Server)> = OnceLock::new();
    &SERVER
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let db = city_db(dir.path());
            let server = Server::start(&db);
            (dir, server)
        })
        .1
}

const X0: f64 = 114.0;
const Y0: f64 = 22.5;

#[test]
fn lookup_returns_the_whole_hierarchy() {
    let (status, v) = server().get(&format!("/api/v1/lookup?lon={}&lat={}", X0 + 0.5 * STEP, Y0 + 3.5 * STEP));
    assert_eq!(status, 200);
    assert_eq!(v["covered"], true);
    assert_eq!(v["grid"]["code"], "440304006009001");
    assert_eq!(v["grid"]["worker"], "网格员 甲");
    assert_eq!(v["grid"]["households"], 420);
    assert_eq!(v["community"]["code"], "440304006009");
    assert_eq!(v["street"]["name"], "香蜜湖街道");
    assert_eq!(v["district"]["code"], "440304");
}

#[test]
fn shared_edges_and_corners_go_east_then_north() {
    // The four grids meet at (X0 + 2s, Y0 + 2s): that corner belongs to the north-east grid.
    let (_, v) = server().get(&format!("/api/v1/lookup?lon={}&lat={}", X0 + 2.0 * STEP, Y0 + 2.0 * STEP));
    assert_eq!(v["grid"]["code"], "440304006011001");
    // On the north–south edge between the communities: east.
    let (_, v) = server().get(&format!("/api/v1/lookup?lon={}&lat={}", X0 + 2.0 * STEP, Y0 + 1.0 * STEP));
    assert_eq!(v["grid"]["code"], "440304006011002");
    // On the east–west edge inside the west community: north.
    let (_, v) = server().get(&format!("/api/v1/lookup?lon={}&lat={}", X0 + 1.0 * STEP, Y0 + 2.0 * STEP));
    assert_eq!(v["grid"]["code"], "440304006009001");
    // On the layer's outer east edge: the only grid touching it, flagged.
    let (_, v) = server().get(&format!("/api/v1/lookup?lon={}&lat={}", X0 + 4.0 * STEP, Y0 + 1.0 * STEP));
    assert_eq!(v["grid"]["code"], "440304006011002");
    assert_eq!(v["on_boundary"], true);
}

#[test]
fn a_point_outside_every_grid_names_the_nearest_one() {
    // 0.001° east of the layer, inside the (larger) district.
    let (status, v) = server().get(&format!("/api/v1/lookup?lon={}&lat={}", X0 + 4.0 * STEP + 0.001, Y0 + 0.5 * STEP));
    assert_eq!(status, 200);
    assert_eq!(v["covered"], false);
    assert_eq!(v["grid"], Value::Null);
    assert_eq!(v["nearest_grid"]["code"], "440304006011002");
    let d = v["nearest_grid"]["distance_m"].as_f64().unwrap();
    assert!((d - 102.8).abs() < 1.0, "0.001° of longitude at 22.5°N ≈ 102.8 m, got {d}");
    assert_eq!(v["district"]["code"], "440304", "the district is still found geometrically");
    assert_eq!(v["street"], Value::Null);
}

#[test]
fn gcj02_and_bd09_inputs_are_converted() {
    let (lon, lat) = (X0 + 3.5 * STEP, Y0 + 0.5 * STEP);
    let (gx, gy) = wangge_formats::crs::china::wgs84_to_gcj02(lon, lat);
    let (_, v) = server().get(&format!("/api/v1/lookup?lon={gx}&lat={gy}&crs=gcj02"));
    assert_eq!(v["grid"]["code"], "440304006011002");
    assert!((v["point"]["lon"].as_f64().unwrap() - lon).abs() < 1e-8);
    assert_eq!(v["input"]["crs"], "gcj02");
    let (bx, by) = wangge_formats::crs::china::wgs84_to_bd09(lon, lat);
    let (_, v) = server().get(&format!("/api/v1/lookup?lon={bx}&lat={by}&crs=bd09"));
    assert_eq!(v["grid"]["code"], "440304006011002");
}

#[test]
fn bad_parameters_get_a_named_400() {
    let cases = [
        ("/api/v1/lookup?lat=22.5", "lon"),
        ("/api/v1/lookup?lon=abc&lat=22.5", "abc"),
        ("/api/v1/lookup?lon=114&lat=22.5&crs=mercator", "mercator"),
        ("/api/v1/lookup?lon=530000&lat=3385000", "EPSG"),
        ("/api/v1/lookup?lon=114&lat=95", "latitude"),
        ("/api/v1/lookup?lon=NaN&lat=22.5", "finite"),
        ("/api/v1/lookup?lon=114&lat=22.5&crs=EPSG:999999", "999999"),
        ("/api/v1/layers/grid/features?bbox=1,2,3", "bbox"),
        ("/api/v1/layers/grid/features?bbox=114.1,22,114,23", "bbox"),
        ("/api/v1/layers/grid/features?limit=0", "limit"),
        ("/api/v1/layers/grid/features?offset=-1", "offset"),
    ];
    for (path, needle) in cases {
        let (status, v) = server().get(&format!("{path}&lang=en"));
        assert_eq!(status, 400, "{path}: {v}");
        assert!(v["error"].is_string(), "{path}: {v}");
        assert!(v["detail"].as_str().unwrap().contains(needle), "{path}: {v}");
    }
    let (_, v) = server().get("/api/v1/lookup?lat=22.5");
    assert!(v["detail"].as_str().unwrap().contains("缺少参数 lon"), "Chinese by default: {v}");
}

#[test]
fn unknown_things_get_a_json_404() {
    for path in ["/api/v1/layers/parcels/features", "/api/v1/layers/grid/features/NOPE", "/api/v1/nothing"] {
        let (status, v) = server().get(path);
        assert_eq!(status, 404, "{path}");
        assert_eq!(v["error"], "not_found", "{path}: {v}");
    }
}

#[test]
fn batch_answers_in_input_order_for_every_body_kind() {
    let pts = [
        (X0 + 3.5 * STEP, Y0 + 0.5 * STEP, "440304006011002"),
        (X0 + 0.5 * STEP, Y0 + 3.5 * STEP, "440304006009001"),
        (120.0, 30.0, ""),
        (X0 + 0.5 * STEP, Y0 + 0.5 * STEP, "440304006009002"),
    ];
    let expect: Vec<&str> = pts.iter().map(|p| p.2).collect();
    let codes = |body: &str| -> Vec<String> {
        let v: Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["count"], 4);
        v["results"].as_array().unwrap().iter().map(|r| r["grid"]["code"].as_str().unwrap_or("").to_string()).collect()
    };
    let array: Vec<[f64; 2]> = pts.iter().map(|p| [p.0, p.1]).collect();
    let (s, body) = server().post("/api/v1/lookup", "application/json", &json!(array).to_string());
    assert_eq!(s, 200, "{body}");
    assert_eq!(codes(&body), expect);

    let objects: Vec<Value> = pts.iter().enumerate().map(|(i, p)| json!({"id": i, "lon": p.0, "lat": p.1})).collect();
    let (_, body) = server().post("/api/v1/lookup", "application/json", &json!(objects).to_string());
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["results"][2]["id"], 2);
    assert_eq!(v["covered"], 3);

    let features: Vec<Value> = pts
        .iter()
        .enumerate()
        .map(|(i, p)| json!({"type":"Feature","id": format!("p{i}"),"properties":{},"geometry":{"type":"Point","coordinates":[p.0,p.1]}}))
        .collect();
    let (_, body) = server().post(
        "/api/v1/lookup",
        "application/geo+json",
        &json!({"type":"FeatureCollection","features":features}).to_string(),
    );
    assert_eq!(codes(&body), expect);

    let csv: String = std::iter::once("id,lon,lat".to_string())
        .chain(pts.iter().enumerate().map(|(i, p)| format!("r{i},{},{}", p.0, p.1)))
        .collect::<Vec<_>>()
        .join("\n");
    let (_, body) = server().post("/api/v1/lookup", "text/csv", &csv);
    assert_eq!(codes(&body), expect);
    let (_, body) = server().post("/api/v1/lookup?format=csv", "text/csv", &csv);
    let rows: Vec<&str> = body.lines().collect();
    assert!(rows[0].starts_with("id,lon,lat,covered,grid_code"));
    assert!(rows[2].starts_with("r1,") && rows[2].contains("440304006009001"), "{body}");
}

#[test]
fn bad_batches_get_a_named_4xx() {
    let cases = [
        ("application/json", "[[114.0, 22.5], [\"x\", 1]]", 400, "1"),
        ("application/json", "{not json", 400, "JSON"),
        ("application/json", "{\"type\":\"Feature\"}", 400, "array"),
        ("text/csv", "id,x_coord\n1,2\n", 400, "lon,lat"),
        ("text/csv", "lon,lat\n114,abc\n", 400, "row 2"),
        ("application/json", "[[530000, 3385000]]", 400, "EPSG"),
    ];
    for (ct, body, status, needle) in cases {
        let (s, text) = server().post("/api/v1/lookup?lang=en", ct, body);
        assert_eq!(s, status, "{body}: {text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert!(v["detail"].as_str().unwrap().contains(needle), "{body}: {v}");
    }
}

#[test]
fn oversized_bodies_get_413() {
    // A raw request that announces 40 MB but sends only its first bytes: the server must refuse on the
    // announced length without reading (or buffering) the body. A client sending the whole body would
    // race the server's early answer and could see a broken pipe instead.
    use std::io::{Read, Write};
    let addr = server().base.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let head = format!(
        "POST /api/v1/lookup HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 40000000\r\nConnection: close\r\n\r\n[[114.0,22.5],"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    let body = &text[text.find("\r\n\r\n").unwrap() + 4..];
    let v: Value = serde_json::from_str(body.trim()).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(v["error"], "too_large");
}

#[test]
fn features_page_by_bbox_limit_and_offset() {
    let (s, v) = server().get("/api/v1/layers/grid/features?limit=3");
    assert_eq!(s, 200);
    assert_eq!(v["type"], "FeatureCollection");
    assert_eq!(v["numberMatched"], 4);
    assert_eq!(v["numberReturned"], 3);
    assert!(v["links"][0]["href"].as_str().unwrap().contains("offset=3"));
    let (_, v) = server().get("/api/v1/layers/grid/features?limit=3&offset=3");
    assert_eq!(v["numberReturned"], 1);
    assert_eq!(v["links"], json!([]));
    // A bbox in the south-west quarter touches the grids whose boxes reach it.
    let bbox = format!("{},{},{},{}", X0 + 0.1 * STEP, Y0 + 0.1 * STEP, X0 + 0.2 * STEP, Y0 + 0.2 * STEP);
    let (_, v) = server().get(&format!("/api/v1/layers/grid/features?bbox={bbox}"));
    let codes: Vec<&str> =
        v["features"].as_array().unwrap().iter().map(|f| f["properties"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["440304006009002"]);
    let (s, v) = server().get("/api/v1/layers/community/features/440304006011");
    assert_eq!(s, 200);
    assert_eq!(v["properties"]["name"], "香梅社区");
    assert_eq!(v["geometry"]["type"], "Polygon");
    let (_, v) = server().get("/api/v1/layers");
    let grid = v["layers"].as_array().unwrap().iter().find(|l| l["id"] == "grid").unwrap();
    assert_eq!(grid["count"], 4);
    assert_eq!(grid["bbox"], json!([X0, Y0, X0 + 4.0 * STEP, Y0 + 4.0 * STEP]));
    let (_, v) = server().get("/api/v1/layers/grid/features?limit=1&lang=en&bbox=113,22,115,23");
    let next = v["links"][0]["href"].as_str().unwrap();
    assert!(next.contains("lang=en") && next.contains("bbox=113%2C22%2C115%2C23"), "{next}");
    let (s, v) = server().get("/healthz");
    assert_eq!((s, &v["status"]), (200, &json!("ok")));
}
