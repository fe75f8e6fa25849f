//! `GET /api/v1/layers/{layer}/export`: downloads GDAL opens, in any EPSG, and clear 4xx.

mod common;
mod files_common;

use files_common::{assert_same, by_code, exported, gdal, gdal_available, parents_db, read_json, text, wangge};

fn download(base: &str, path: &str) -> (u16, String, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut resp = agent.get(&format!("{base}{path}")).call().expect("GET reaches the server");
    let status = resp.status().as_u16();
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let body = resp.body_mut().with_config().limit(64 << 20).read_to_vec().unwrap();
    (status, ct, body)
}

#[test]
fn every_format_downloads_and_gdal_reads_it() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = parents_db(dir.path(), "a.gpkg");
    let grid = files_common::demo("grid");
    let out = wangge(&["import", "--db", db.to_str().unwrap(), "--layer", "grid", grid.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let ours = exported(&db, "grid", dir.path());
    let server = common::Server::start(&db);
    for (format, crs, file, content_type) in [
        ("gpkg", "EPSG:4547", "grid.gpkg", "application/geopackage+sqlite3"),
        ("shp", "EPSG:4547", "grid.zip", "application/zip"),
        ("geojson", "EPSG:4326", "grid.geojson", "application/geo+json"),
        ("csv", "EPSG:4326", "grid.csv", "text/csv; charset=utf-8"),
    ] {
        let (status, ct, body) =
            download(&server.base, &format!("/api/v1/layers/grid/export?format={format}&crs={crs}"));
        assert_eq!(status, 200, "{format}: {}", String::from_utf8_lossy(&body));
        assert_eq!(ct, content_type);
        let path = dir.path().join(file);
        std::fs::write(&path, &body).unwrap();
        let source =
            if format == "shp" { format!("/vsizip/{}/grid.shp", path.display()) } else { path.display().to_string() };
        let back = dir.path().join(format!("back_{format}.geojson"));
        let mut args = vec!["-f", "GeoJSON", "-t_srs", "EPSG:4326"];
        if format == "csv" {
            args.extend([
                "-oo",
                "GEOM_POSSIBLE_NAMES=wkt",
                "-oo",
                "KEEP_GEOM_COLUMNS=NO",
                "-oo",
                "AUTODETECT_TYPE=YES",
                "-s_srs",
                "EPSG:4326",
            ]);
        }
        args.push(back.to_str().unwrap());
        args.push(&source);
        gdal("ogr2ogr", &args);
        assert_same(&ours, &by_code(&read_json(&back)), &["name", "households"]);
    }
}

#[test]
fn bad_requests_are_4xx_naming_the_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let db = parents_db(dir.path(), "a.gpkg");
    let server = common::Server::start(&db);
    let (s, body) = server.get("/api/v1/layers/nope/export?format=gpkg");
    assert_eq!(s, 404, "{body}");
    let (s, body) = server.get("/api/v1/layers/street/export?format=dwg&lang=en");
    assert_eq!(s, 400);
    assert!(body["detail"].as_str().unwrap().contains("format"), "{body}");
    let (s, body) = server.get("/api/v1/layers/street/export?format=gpkg&crs=EPSG:999999");
    assert_eq!(s, 400, "{body}");
    let (s, body) = server.get("/api/v1/layers/street/export?format=shp&crs=gcj02");
    assert_eq!(s, 400, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("不支持"), "Chinese by default: {body}");
}
