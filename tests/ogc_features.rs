//! OGC API – Features Parts 1–3 over real HTTP on the fixture city: landing page, conformance,
//! collections, item pages (limit/offset/next/prev, bbox, datetime, property filters, HTML),
//! single items with ETags, CRS by reference (axis order, Gauss–Krüger via PROJ) and CQL2 filters.

mod common;
mod ogc_support;

use common::{Server, city_db};
use ogc_support::{call, get};
use serde_json::Value;
use wangge_formats::crs::Crs;

fn start() -> (tempfile::TempDir, Server, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let server = Server::start(&db);
    (dir, server, db)
}

fn codes(body: &Value) -> Vec<String> {
    body["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
}

fn link<'a>(body: &'a Value, rel: &str) -> Option<&'a str> {
    body["links"].as_array()?.iter().find(|l| l["rel"] == rel).and_then(|l| l["href"].as_str())
}

#[test]
fn landing_conformance_collections_and_api() {
    let (_d, s, _) = start();
    let b = &s.base;
    let landing = get(&format!("{b}/ogc/"));
    assert_eq!(landing.status, 200);
    assert_eq!(landing.header("content-type"), Some("application/json"));
    assert!(link(&landing.body, "service-desc").unwrap().ends_with("/ogc/api"));
    assert!(link(&landing.body, "conformance").unwrap().ends_with("/ogc/conformance"));
    assert!(link(&landing.body, "data").unwrap().ends_with("/ogc/collections"));
    let conf = get(&format!("{b}/ogc/conformance")).body;
    let classes: Vec<&str> = conf["conformsTo"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    for part in [
        "features-1/1.0/conf/core",
        "features-1/1.0/conf/geojson",
        "features-2/1.0/conf/crs",
        "features-3/1.0/conf/filter",
        "features-4/1.0/conf/create-replace-delete",
    ] {
        assert!(classes.iter().any(|c| c.contains(part)), "{part} missing: {classes:?}");
    }
    let cols = get(&format!("{b}/ogc/collections")).body;
    let ids: Vec<&str> = cols["collections"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["district", "street", "community", "grid", "building", "service_centre"]);
    let grid = get(&format!("{b}/ogc/collections/grid")).body;
    assert_eq!(grid["storageCrs"], "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
    let crs: Vec<&str> = grid["crs"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    for c in ["EPSG/0/4326", "EPSG/0/4490", "EPSG/0/4491", "EPSG/0/4547", "EPSG/0/4554"] {
        assert!(crs.iter().any(|x| x.ends_with(c)), "{c} not offered");
    }
    assert_eq!(grid["extent"]["spatial"]["bbox"][0], serde_json::json!([114.0, 22.5, 114.015625, 22.515625]));
    let api = get(&format!("{b}/ogc/api"));
    assert_eq!(api.header("content-type"), Some("application/vnd.oai.openapi+json;version=3.0"));
    assert_eq!(api.body["openapi"], "3.0.3");
    let items = &api.body["paths"]["/collections/grid/items"]["get"]["parameters"];
    assert!(items.as_array().unwrap().iter().any(|p| p["name"] == "households"), "property filters are declared");
    assert_eq!(get(&format!("{b}/ogc/collections/nope")).status, 404);
    let unknown = get(&format!("{b}/ogc/collections?colour=red"));
    assert_eq!(unknown.status, 400);
    assert!(unknown.body["detail"].as_str().unwrap().contains("colour"));
}

#[test]
fn item_pages_limit_offset_links_and_counts() {
    let (_d, s, _) = start();
    let b = &s.base;
    let page = get(&format!("{b}/ogc/collections/grid/items?limit=3"));
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("application/geo+json"));
    assert_eq!(page.header("content-crs"), Some("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"));
    assert_eq!(page.body["numberMatched"], 4);
    assert_eq!(page.body["numberReturned"], 3);
    assert!(page.body["timeStamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(codes(&page.body), ["440304006009001", "440304006009002", "440304006011001"]);
    assert!(link(&page.body, "prev").is_none());
    let next = get(link(&page.body, "next").expect("a next link while more remain"));
    assert_eq!(codes(&next.body), ["440304006011002"]);
    assert!(link(&next.body, "next").is_none());
    assert!(link(&next.body, "prev").unwrap().contains("offset=0"));
    // Defaults: 10 per page; a limit over the maximum is served as the maximum, not refused.
    assert_eq!(get(&format!("{b}/ogc/collections/grid/items")).body["numberReturned"], 4);
    assert_eq!(get(&format!("{b}/ogc/collections/grid/items?limit=99999999")).body["numberReturned"], 4);
    for bad in ["limit=0", "limit=x", "offset=-1"] {
        let r = get(&format!("{b}/ogc/collections/grid/items?{bad}"));
        assert_eq!(r.status, 400, "{bad}");
        assert!(r.body["detail"].as_str().unwrap().contains(bad.split('=').next().unwrap()), "{bad}: {}", r.body);
    }
    let one = get(&format!("{b}/ogc/collections/grid/items/440304006009001"));
    assert_eq!(one.status, 200);
    assert_eq!(one.body["properties"]["households"], 420);
    assert!(one.header("etag").unwrap().starts_with('"'));
    let missing = get(&format!("{b}/ogc/collections/grid/items/999"));
    assert_eq!(missing.status, 404);
    assert!(missing.body["detail"].as_str().unwrap().contains("999"));
}

#[test]
fn bbox_property_filters_and_html() {
    let (_d, s, _) = start();
    let b = &s.base;
    let inside = get(&format!("{b}/ogc/collections/grid/items?bbox=114.001,22.501,114.002,22.502"));
    assert_eq!(codes(&inside.body), ["440304006009002"]);
    assert_eq!(get(&format!("{b}/ogc/collections/grid/items?bbox=100,10,101,11")).body["numberMatched"], 0);
    let bad = get(&format!("{b}/ogc/collections/grid/items?bbox=1,2,3"));
    assert_eq!(bad.status, 400);
    assert!(bad.body["detail"].as_str().unwrap().contains("bbox"));
    assert_eq!(get(&format!("{b}/ogc/collections/grid/items?households=420")).body["numberMatched"], 2);
    let by_name = get(&format!(
        "{b}/ogc/collections/grid/items?name=%E7%AB%B9%E6%9E%97%E7%A4%BE%E5%8C%BA%E7%AC%AC%E4%B8%80%E7%BD%91%E6%A0%BC"
    ));
    assert_eq!(codes(&by_name.body), ["440304006009001"]);
    let unknown = get(&format!("{b}/ogc/collections/grid/items?colour=red"));
    assert_eq!(unknown.status, 400);
    let html =
        call("GET", &format!("{b}/ogc/collections/grid/items"), &[("Accept", "text/html,application/xhtml+xml")], None);
    assert_eq!(html.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(html.body.as_str().unwrap().contains("竹林社区第一网格"));
    let forced = get(&format!("{b}/ogc/collections?f=html"));
    assert!(forced.body.as_str().unwrap().contains("<table>"));
    assert_eq!(get(&format!("{b}/ogc/collections?f=xml")).status, 400);
}

#[test]
fn crs_by_reference_axis_order_and_gauss_kruger() {
    let (_d, s, _) = start();
    let b = &s.base;
    let code = "440304006009001";
    let lonlat = get(&format!("{b}/ogc/collections/grid/items/{code}")).body;
    let p0 = &lonlat["geometry"]["coordinates"][0][0];
    let latlon = get(&format!("{b}/ogc/collections/grid/items/{code}?crs=http://www.opengis.net/def/crs/EPSG/0/4326"));
    assert_eq!(latlon.header("content-crs"), Some("<http://www.opengis.net/def/crs/EPSG/0/4326>"));
    let q0 = &latlon.body["geometry"]["coordinates"][0][0];
    assert_eq!((&q0[0], &q0[1]), (&p0[1], &p0[0]), "EPSG:4326 is latitude first");
    let cgcs = get(&format!("{b}/ogc/collections/grid/items/{code}?crs=EPSG:4490")).body;
    assert_eq!(cgcs["geometry"]["coordinates"][0][0][0], p0[1]);
    // EPSG:4547, CGCS2000 3° Gauss–Krüger CM 114E: northing first; back through PROJ within 1e-9°.
    let gk = get(&format!("{b}/ogc/collections/grid/items/{code}?crs=http://www.opengis.net/def/crs/EPSG/0/4547"));
    assert_eq!(gk.status, 200);
    let g0 = &gk.body["geometry"]["coordinates"][0][0];
    let (north, east) = (g0[0].as_f64().unwrap(), g0[1].as_f64().unwrap());
    assert!((2_400_000.0..2_600_000.0).contains(&north) && (400_000.0..600_000.0).contains(&east), "{g0}");
    let back = Crs::Epsg(4547).to_wgs84(geo::Coord { x: east, y: north }).unwrap();
    assert!((back.x - p0[0].as_f64().unwrap()).abs() < 1e-9 && (back.y - p0[1].as_f64().unwrap()).abs() < 1e-9);
    // bbox in lat/lon order selects what the same box in CRS84 selects.
    let a = get(&format!("{b}/ogc/collections/grid/items?bbox=114.001,22.501,114.002,22.502")).body;
    let c = get(&format!("{b}/ogc/collections/grid/items?bbox=22.501,114.001,22.502,114.002&bbox-crs=EPSG:4326")).body;
    assert_eq!(codes(&a), codes(&c));
    let bad = get(&format!("{b}/ogc/collections/grid/items?crs=EPSG:3857"));
    assert_eq!(bad.status, 400);
    assert!(bad.body["detail"].as_str().unwrap().contains("EPSG:3857"), "{}", bad.body);
    let bad = get(&format!("{b}/ogc/collections/grid/items?bbox=1,2,3,4&bbox-crs=urn:x"));
    assert!(bad.body["detail"].as_str().unwrap().contains("bbox-crs"));
}

#[test]
fn cql2_text_filters_and_queryables() {
    let (_d, s, _) = start();
    let b = &s.base;
    let count = |f: &str, extra: &str| -> Value {
        let q: String = form_urlencoded::byte_serialize(f.as_bytes()).collect();
        get(&format!("{b}/ogc/collections/grid/items?filter-lang=cql2-text&filter={q}{extra}")).body
    };
    assert_eq!(count("households > 400", "")["numberMatched"], 2);
    assert_eq!(count("name LIKE '竹林%' AND NOT households = 420", "")["numberMatched"], 1);
    assert_eq!(count("households BETWEEN 300 AND 400 OR kind IN ('专属')", "")["numberMatched"], 2);
    assert_eq!(count("worker IS NULL", "")["numberMatched"], 0);
    assert_eq!(codes(&count("S_INTERSECTS(geometry, POINT(114.012 22.503))", "")), ["440304006011002"]);
    assert_eq!(count("S_INTERSECTS(geometry, BBOX(114.001, 22.501, 114.002, 22.502))", "")["numberMatched"], 1);
    let latlon = count("S_INTERSECTS(geometry, POINT(22.503 114.012))", "&filter-crs=EPSG:4326");
    assert_eq!(codes(&latlon), ["440304006011002"], "filter-crs lat/lon");
    let err = count("households >= ", "");
    assert!(err["detail"].as_str().unwrap().contains("character 15"), "{err}");
    let err = count("colour = 'red'", "");
    assert!(err["detail"].as_str().unwrap().contains("colour"), "{err}");
    let zh = get(&format!("{b}/ogc/collections/grid/items?lang=zh&filter=a%20%21%201"));
    assert_eq!(zh.status, 400);
    assert!(zh.body["detail"].as_str().unwrap().contains("第 3 个字符"), "{}", zh.body);
    let q = get(&format!("{b}/ogc/collections/grid/queryables"));
    assert_eq!(q.header("content-type"), Some("application/schema+json"));
    assert_eq!(q.body["properties"]["households"]["type"], "integer");
    assert_eq!(q.body["properties"]["geometry"]["x-ogc-role"], "primary-geometry");
}

#[test]
fn datetime_reads_the_effective_dates() {
    let (_d, s, db) = start();
    let b = &s.base;
    let token = ogc_support::token(&db, "planner");
    let auth = format!("Bearer {token}");
    let h = [("Authorization", auth.as_str()), ("Content-Type", "application/json"), ("Accept-Language", "en")];
    let patch = r#"{"properties": {"households": 450}}"#;
    let r = call("PATCH", &format!("{b}/ogc/collections/grid/items/440304006009001"), &h, Some(patch));
    assert_eq!(r.status, 200, "{}", r.body);
    let plan = r.header("wangge-plan").unwrap().to_string();
    let publish = r#"{"message": "households", "effective_date": "2025-01-01"}"#;
    let r = call("POST", &format!("{b}/api/v1/plans/{plan}/publish"), &h, Some(publish));
    assert_eq!(r.status, 200, "{}", r.body);
    let at = |dt: &str| {
        get(&format!("{b}/ogc/collections/grid/items?households=420&datetime={dt}")).body["numberMatched"].clone()
    };
    assert_eq!(at("2024-06-01"), 2, "before the effective date: the old version");
    assert_eq!(at("2025-06-01T08:00:00Z"), 1, "after it: the new version");
    assert_eq!(at("2024-01-01/2024-12-31"), 2);
    assert_eq!(at("../.."), 1, "the latest version valid in the interval");
    let now = get(&format!("{b}/ogc/collections/grid/items/440304006009001")).body;
    assert_eq!(now["properties"]["households"], 450);
    let bad = get(&format!("{b}/ogc/collections/grid/items?datetime=yesterday"));
    assert_eq!(bad.status, 400);
    assert!(bad.body["detail"].as_str().unwrap().contains("datetime"));
}
