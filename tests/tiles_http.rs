//! Vector tiles over real HTTP: GDAL's MVT driver decodes our tiles (counts, codes, typed fields,
//! positions within a tile unit of the source), bad addresses are named 4xx, TileJSON points at
//! the tiles, and a tile requested after a plan is published shows the new boundaries while a
//! far tile is still answered from the cache.

mod common;

use common::{Server, city_db, gdal_available};
use serde_json::{Value, json};
use std::process::Command;
use wangge_core::tiles::{TileId, project};
use wangge_formats::mvt;

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

fn get(url: &str, headers: &[(&str, &str)]) -> Reply {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut req = agent.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut resp = req.call().expect("reaches the server");
    let headers =
        resp.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let status = resp.status().as_u16();
    let body = resp.body_mut().with_config().limit(64 << 20).read_to_vec().unwrap();
    Reply { status, headers, body }
}

/// The tile at zoom `z` holding lon/lat `p`.
fn tile_at(lon: f64, lat: f64, z: u8) -> TileId {
    let (x, y) = project(geo::Coord { x: lon, y: lat }, z);
    TileId { z, x: x as u32, y: y as u32 }
}

/// Web-mercator metres of a lon/lat (what GDAL reports for a tile opened with X/Y/Z).
fn mercator(lon: f64, lat: f64) -> (f64, f64) {
    const R: f64 = 6_378_137.0;
    (R * lon.to_radians(), R * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln())
}

/// Runs ogrinfo on a saved tile; returns its text.
fn ogrinfo(tile_bytes: &[u8], t: TileId, dir: &std::path::Path) -> String {
    let path = dir.join(format!("t{}_{}_{}.mvt", t.z, t.x, t.y));
    std::fs::write(&path, tile_bytes).unwrap();
    let out = Command::new("ogrinfo")
        .args(["-ro", "-al", "-oo", &format!("X={}", t.x), "-oo", &format!("Y={}", t.y), "-oo"])
        .arg(format!("Z={}", t.z))
        .args(["-oo", "CLIP=NO"])
        .arg(&path)
        .output()
        .unwrap();
    let text = common::text(&out);
    assert!(out.status.success() && !text.contains("ERROR"), "{text}");
    assert!(text.contains("using driver `MVT' successful"), "{text}");
    text
}

/// A field as ogrinfo prints it: name, type, value.
type Field = (String, String, String);
/// A feature as ogrinfo prints it: fields and vertices.
type GdalFeature = (Vec<Field>, Vec<(f64, f64)>);

/// Per feature in ogrinfo's text: its fields (`name (Type) = value`) and its vertices.
fn gdal_features(text: &str) -> Vec<GdalFeature> {
    text.split("OGRFeature(")
        .skip(1)
        .map(|block| {
            let mut fields = vec![];
            let mut coords = vec![];
            for line in block.lines().skip(1) {
                let line = line.trim();
                if let Some((lhs, value)) = line.split_once(" = ") {
                    if let Some((name, ty)) = lhs.split_once(" (") {
                        fields.push((name.to_string(), ty.trim_end_matches(')').to_string(), value.to_string()));
                    }
                } else if line.starts_with("POLYGON")
                    || line.starts_with("MULTI")
                    || line.starts_with("POINT")
                    || line.starts_with("LINESTRING")
                {
                    let nums: String =
                        line.chars().map(|c| if c.is_ascii_digit() || "-.e ,".contains(c) { c } else { ' ' }).collect();
                    for pair in nums.split(',') {
                        let v: Vec<f64> = pair.split_whitespace().filter_map(|s| s.parse().ok()).collect();
                        if v.len() == 2 {
                            coords.push((v[0], v[1]));
                        }
                    }
                }
            }
            (fields, coords)
        })
        .collect()
}

fn field<'a>(f: &'a [Field], name: &str) -> Option<&'a Field> {
    f.iter().find(|(n, _, _)| n == name)
}

#[test]
fn gdal_decodes_grid_tiles_with_codes_types_and_positions() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let server = Server::start(&db);
    // z15 around the fixture city: its four grids (0.0078125° each) in one or two tiles.
    let t = tile_at(114.0039, 22.5117, 15);
    let r = get(&format!("{}/tiles/grid/{}/{}/{}.mvt", server.base, t.z, t.x, t.y), &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/vnd.mapbox-vector-tile"));
    let text = ogrinfo(&r.body, t, dir.path());
    let feats = gdal_features(&text);
    let grids: Vec<Value> = {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(common::city_dir().join("grid.geojson")).unwrap()).unwrap();
        v["features"].as_array().unwrap().clone()
    };
    // Every grid whose square meets the tile is there, once.
    let b = t.bounds(0);
    let expected: Vec<&Value> = grids
        .iter()
        .filter(|g| {
            let ring = g["geometry"]["coordinates"][0].as_array().unwrap();
            let xs: Vec<f64> = ring.iter().map(|p| p[0].as_f64().unwrap()).collect();
            let ys: Vec<f64> = ring.iter().map(|p| p[1].as_f64().unwrap()).collect();
            xs.iter().cloned().fold(f64::MIN, f64::max) > b.min().x
                && xs.iter().cloned().fold(f64::MAX, f64::min) < b.max().x
                && ys.iter().cloned().fold(f64::MIN, f64::max) > b.min().y
                && ys.iter().cloned().fold(f64::MAX, f64::min) < b.max().y
        })
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(feats.len(), expected.len(), "{text}");
    assert!(text.contains(&format!("Feature Count: {}", expected.len())), "{text}");
    // One tile unit in metres at this zoom.
    let unit = 2.0 * std::f64::consts::PI * 6_378_137.0 / (1u64 << t.z) as f64 / 4096.0;
    let (bx0, by1) = mercator(b.min().x, b.max().y);
    let buffer_edge = |x: f64, y: f64| {
        let (ux, uy) = ((x - bx0) / unit, (by1 - y) / unit);
        [ux, uy].iter().any(|u| (u + 64.0).abs() < 0.01 || (u - 4160.0).abs() < 0.01)
    };
    for g in expected {
        let code = g["properties"]["code"].as_str().unwrap();
        let (fields, coords) = feats
            .iter()
            .find(|(f, _)| field(f, "code").is_some_and(|c| c.2 == code))
            .unwrap_or_else(|| panic!("{code} missing: {text}"));
        assert_eq!(field(fields, "name").unwrap().2, g["properties"]["name"].as_str().unwrap());
        assert_eq!(field(fields, "parent_code").unwrap().2, g["properties"]["parent_code"].as_str().unwrap());
        let hh = field(fields, "households").unwrap();
        assert!(hh.1.starts_with("Integer"), "households is typed as a number: {hh:?}");
        assert_eq!(hh.2, g["properties"]["households"].to_string());
        assert_eq!(field(fields, "kind").unwrap().1, "String");
        assert!(coords.len() >= 4, "{code}: {coords:?}");
        // Every vertex is a source corner (within one tile unit) or lies on the buffer's edge.
        let corners: Vec<(f64, f64)> = g["geometry"]["coordinates"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| mercator(p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
            .collect();
        for &(x, y) in coords {
            let near = corners.iter().any(|&(cx, cy)| ((cx - x).powi(2) + (cy - y).powi(2)).sqrt() <= unit);
            assert!(near || buffer_edge(x, y), "{code}: vertex ({x}, {y}) is neither a source corner nor a clip point");
        }
        // The corners inside the tile all arrive.
        for &(cx, cy) in &corners {
            let (ux, uy) = ((cx - bx0) / unit, (by1 - cy) / unit);
            if (0.0..=4096.0).contains(&ux) && (0.0..=4096.0).contains(&uy) {
                assert!(
                    coords.iter().any(|&(x, y)| ((cx - x).powi(2) + (cy - y).powi(2)).sqrt() <= unit),
                    "{code}: corner ({cx}, {cy}) missing"
                );
            }
        }
    }
    // Points and booleans: the fixture's building.
    let bt = tile_at(114.00390625, 22.51171875, 16);
    let r = get(&format!("{}/tiles/building/{}/{}/{}.mvt", server.base, bt.z, bt.x, bt.y), &[]);
    assert_eq!(r.status, 200);
    let text = ogrinfo(&r.body, bt, dir.path());
    let feats = gdal_features(&text);
    assert_eq!(feats.len(), 1, "{text}");
    let (fields, coords) = &feats[0];
    assert_eq!(field(fields, "code").unwrap().2, "44030400600900001");
    assert_eq!(field(fields, "estimated").unwrap().2, "0", "{fields:?}");
    let (x, y) = mercator(114.00390625, 22.51171875);
    let unit = 2.0 * std::f64::consts::PI * 6_378_137.0 / (1u64 << bt.z) as f64 / 4096.0;
    assert!(((coords[0].0 - x).powi(2) + (coords[0].1 - y).powi(2)).sqrt() <= unit, "{coords:?} vs ({x}, {y})");
}

#[test]
fn demo_grids_decode_in_gdal_and_neighbours_share_edges() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.gpkg");
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for layer in ["district", "street", "community", "grid", "building"] {
        let file = data.join(format!("{layer}.geojson"));
        let out = common::wangge(&["import", "--db", db.to_str().unwrap(), "--layer", layer, file.to_str().unwrap()]);
        assert!(out.status.success(), "{layer}: {}", common::text(&out));
    }
    let server = Server::start(&db);
    let (_, tj) = {
        let r = get(&format!("{}/tiles/grid.json", server.base), &[]);
        (r.status, r.json())
    };
    let bounds: Vec<f64> = tj["bounds"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let centre = tile_at((bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0, 14);
    let r = get(&format!("{}/tiles/grid/{}/{}/{}.mvt", server.base, centre.z, centre.x, centre.y), &[]);
    assert_eq!(r.status, 200);
    let ours = mvt::decode(&r.body).unwrap();
    let text = ogrinfo(&r.body, centre, dir.path());
    let feats = gdal_features(&text);
    assert_eq!(feats.len(), ours[0].features.len(), "GDAL and our decoder see the same features");
    assert!(feats.len() >= 10, "a z14 tile in the middle of the demo holds many grids: {}", feats.len());
    let mut seen = std::collections::HashSet::new();
    for (fields, coords) in &feats {
        assert!(seen.insert(field(fields, "code").unwrap().2.clone()), "a grid appears once");
        assert!(coords.len() >= 3);
    }
    // Shared edges stay shared after snapping: the sum of the grids' areas in the tile equals
    // the area of their union (no overlaps), measured on the integer grid by our decoder.
    let mut cells = std::collections::HashMap::<(i32, i32), u32>::new();
    let mut total = 0i64;
    for f in &ours[0].features {
        assert_eq!(f.kind, 3);
        for ring in &f.parts {
            let n = ring.len();
            total += (0..n)
                .map(|i| {
                    ring[i][0] as i64 * ring[(i + 1) % n][1] as i64 - ring[(i + 1) % n][0] as i64 * ring[i][1] as i64
                })
                .sum::<i64>();
        }
        // Sample the tile at every 32nd unit: a sample inside two grids would be an overlap.
        for sx in (0..4096).step_by(32) {
            for sy in (0..4096).step_by(32) {
                let (px, py) = (sx as f64 + 0.37, sy as f64 + 0.61);
                let inside = f.parts.iter().filter(|ring| {
                    let mut c = false;
                    let n = ring.len();
                    for i in 0..n {
                        let (a, b) = (ring[i], ring[(i + n - 1) % n]);
                        let (ax, ay, bx, by) = (a[0] as f64, a[1] as f64, b[0] as f64, b[1] as f64);
                        if (ay > py) != (by > py) && px < (bx - ax) * (py - ay) / (by - ay) + ax {
                            c = !c;
                        }
                    }
                    c
                });
                if inside.count() % 2 == 1 {
                    *cells.entry((sx, sy)).or_default() += 1;
                }
            }
        }
    }
    assert!(total > 0, "exteriors are positive (clockwise on screen), as MVT v2 requires");
    assert!(cells.values().all(|&n| n == 1), "no sample point lies in two grids");
}

#[test]
fn bad_addresses_are_named_and_empty_tiles_are_204() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let server = Server::start(&db);
    let b = &server.base;
    let en = [("Accept-Language", "en")];
    for (path, status, needle) in [
        ("/tiles/grid/23/0/0.mvt", 400, "zoom z \"23\""),
        ("/tiles/grid/3/8/0.mvt", 400, "column x \"8\""),
        ("/tiles/grid/3/0/-1.mvt", 400, "row y \"-1\""),
        ("/tiles/grid/a/0/0.mvt", 400, "zoom z \"a\""),
        ("/tiles/parcels/3/0/0.mvt", 404, "no tile layer 'parcels'"),
        ("/tiles/grid/3/0/0.pbf", 404, ".mvt"),
        ("/tiles/parcels.json", 404, "parcels"),
        ("/tiles/grid.xml", 404, "TileJSON"),
    ] {
        let r = get(&format!("{b}{path}"), &en);
        assert_eq!(r.status, status, "{path}");
        let detail = r.json()["detail"].as_str().unwrap_or_default().to_string();
        assert!(detail.contains(needle), "{path}: {detail}");
    }
    let r = get(&format!("{b}/tiles/grid/23/0/0.mvt"), &[]);
    assert!(r.json()["detail"].as_str().unwrap().contains("瓦片级别"), "Chinese by default");
    // Far from the city: nothing to draw.
    let r = get(&format!("{b}/tiles/grid/10/0/0.mvt"), &[]);
    assert_eq!((r.status, r.body.len()), (204, 0));
}

#[test]
fn tilejson_gzip_and_etag() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let server = Server::start(&db);
    let r = get(&format!("{}/tiles/grid.json", server.base), &[]);
    assert_eq!(r.status, 200);
    let tj = r.json();
    assert_eq!(tj["tilejson"], "3.0.0");
    let host = server.base.trim_start_matches("http://");
    assert_eq!(tj["tiles"][0], format!("http://{host}/tiles/grid/{{z}}/{{x}}/{{y}}.mvt"));
    assert_eq!(tj["bounds"], json!([114.0, 22.5, 114.015625, 22.515625]));
    assert_eq!(tj["vector_layers"][0]["id"], "grid");
    let fields = &tj["vector_layers"][0]["fields"];
    assert_eq!((fields["code"].as_str(), fields["households"].as_str()), (Some("String"), Some("Number")));
    let bj = get(&format!("{}/tiles/building.json", server.base), &[]).json();
    assert_eq!(bj["vector_layers"][0]["fields"]["estimated"], "Boolean");
    assert_eq!(get(&format!("{}/tiles/road.json", server.base), &[]).status, 200);

    let t = tile_at(114.0039, 22.5117, 15);
    let url = format!("{}/tiles/grid/{}/{}/{}.mvt", server.base, t.z, t.x, t.y);
    let plain = get(&url, &[("Accept-Encoding", "identity")]);
    let zipped = get(&url, &[("Accept-Encoding", "gzip")]);
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&zipped.body[..]), &mut unzipped).unwrap();
    assert_eq!(unzipped, plain.body, "the gzip body is the same tile");
    let etag = plain.header("etag").unwrap().to_string();
    assert_eq!(zipped.header("etag"), Some(etag.as_str()));
    assert_eq!(plain.header("cache-control"), Some("public, no-cache"));
    let again = get(&url, &[("If-None-Match", &etag)]);
    assert_eq!((again.status, again.body.len()), (304, 0));
    let layers = mvt::decode(&plain.body).unwrap();
    assert_eq!((layers.len(), layers[0].name.as_str(), layers[0].extent), (1, "grid", 4096));
    let ids: Vec<u64> = layers[0].features.iter().map(|f| f.id).collect();
    assert!(ids.contains(&440304006009001), "numeric ids are the codes: {ids:?}");
}

fn post(url: &str, token: &str, body: &Value) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut resp = agent
        .post(url)
        .header("Content-Type", "application/json")
        .header("Authorization", &format!("Bearer {token}"))
        .send(body.to_string())
        .expect("reaches the server");
    let text = resp.body_mut().read_to_string().unwrap();
    (resp.status().as_u16(), serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn codes(tile: &[u8]) -> Vec<String> {
    let layers = mvt::decode(tile).unwrap();
    let mut c: Vec<String> = layers
        .iter()
        .flat_map(|l| &l.features)
        .filter_map(|f| f.props.iter().find(|(k, _)| k == "code"))
        .map(|(_, v)| match v {
            wangge_core::tiles::build::PropValue::String(s) => s.clone(),
            other => panic!("code is text: {other:?}"),
        })
        .collect();
    c.sort();
    c
}

#[test]
fn a_tile_after_publish_shows_the_new_boundary_and_far_tiles_stay_cached() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let out = common::wangge(&["token", "create", "--db", db.to_str().unwrap(), "--role", "planner", "--name", "p"]);
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let store = wangge_store::Store::open(&db).unwrap();
    let state = wangge::api::AppState::new(store.load_snapshot().unwrap(), root.join("web"), root.join("data"))
        .with_store(store);
    let tiles = state.live.tiles().clone();
    let server = Server::start_state(state);
    let b = &server.base;
    // The north-west grid (split below) and a z17 tile in the south-east grid, far from it.
    let near = tile_at(114.0039, 22.5117, 16);
    let far = tile_at(114.0137, 22.5020, 17);
    let url = |t: TileId| format!("{b}/tiles/grid/{}/{}/{}.mvt", t.z, t.x, t.y);
    let near_before = get(&url(near), &[]);
    let far_before = get(&url(far), &[]);
    assert_eq!((near_before.status, far_before.status), (200, 200));
    assert!(codes(&near_before.body).contains(&"440304006009001".to_string()));
    assert!(!codes(&near_before.body).contains(&"440304006009003".to_string()));
    assert_eq!(codes(&far_before.body), ["440304006011002"]);
    // Served again from memory.
    assert_eq!(get(&url(near), &[]).body, near_before.body);
    let s0 = tiles.stats();
    assert_eq!((s0.hits, s0.misses, s0.entries), (1, 2, 2));

    // Split the north-west grid at lon 114.00390625 and publish.
    let (s, plan) = post(&format!("{b}/api/v1/plans"), &token, &json!({"name": "拆分"}));
    assert_eq!(s, 201, "{plan}");
    let id = plan["id"].as_i64().unwrap();
    let split = json!({"op": "split", "layer": "grid", "code": "440304006009001", "new_code": "440304006009003",
        "line": {"type": "LineString", "coordinates": [[114.00390625, 22.50], [114.00390625, 22.52]]}});
    assert_eq!(post(&format!("{b}/api/v1/plans/{id}/edits"), &token, &split).0, 200);
    let (s, rev) = post(&format!("{b}/api/v1/plans/{id}/publish"), &token, &json!({"message": "拆分"}));
    assert_eq!(s, 200, "{rev}");

    // The next tile shows the new grid and the cut, with a new ETag; no stale tile.
    let near_after = get(&url(near), &[("If-None-Match", near_before.header("etag").unwrap())]);
    assert_eq!(near_after.status, 200, "the old ETag no longer matches");
    assert_ne!(near_after.header("etag"), near_before.header("etag"));
    let after = codes(&near_after.body);
    assert!(
        after.contains(&"440304006009001".to_string()) && after.contains(&"440304006009003".to_string()),
        "{after:?}"
    );
    let cut_x = near.to_tile(geo::Coord { x: 114.00390625, y: 22.51 }).x.round() as i32;
    let layers = mvt::decode(&near_after.body).unwrap();
    let new_grid =
        layers[0].features.iter().find(|f| f.id == 440304006009003).expect("the new grid has its code as id");
    assert!(new_grid.parts[0].iter().any(|p| p[0] == cut_x), "the cut is an edge of the new grid");
    // The far tile did not change and was not rendered again.
    let far_after = get(&url(far), &[]);
    assert_eq!(far_after.body, far_before.body);
    let s1 = tiles.stats();
    assert_eq!(s1.hits, s0.hits + 1, "the far tile came from the cache: {s1:?}");
    assert_eq!(s1.misses, s0.misses + 1, "only the near tile was rendered again: {s1:?}");
    assert_eq!(s1.invalidated, 1, "{s1:?}");
}

#[test]
fn the_walking_network_is_a_line_layer() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let road = wangge_formats::roads::RoadLine {
        highway: "footway".into(),
        name: Some("竹林路".into()),
        coords: vec![geo::Coord { x: 114.0, y: 22.51 }, geo::Coord { x: 114.0156, y: 22.51 }],
    };
    let snapshot = wangge_store::Store::open(&db).unwrap().load_snapshot().unwrap();
    let state = wangge::api::AppState::new(snapshot, root.join("web"), root.join("data")).with_roads(&[road], true);
    let server = Server::start_state(state);
    let t = tile_at(114.0039, 22.51, 16);
    let r = get(&format!("{}/tiles/road/{}/{}/{}.mvt", server.base, t.z, t.x, t.y), &[]);
    assert_eq!(r.status, 200);
    let layers = mvt::decode(&r.body).unwrap();
    assert_eq!(layers[0].name, "road");
    let f = &layers[0].features[0];
    assert_eq!(f.kind, 2, "a line");
    assert!(f.props.contains(&("highway".into(), wangge_core::tiles::build::PropValue::String("footway".into()))));
    assert!(f.props.contains(&("name".into(), wangge_core::tiles::build::PropValue::String("竹林路".into()))));
    // The line starts in this tile and is cut where it leaves the buffer to the east.
    let start = t.to_tile(geo::Coord { x: 114.0, y: 22.51 });
    assert!(start.x > 0.0, "the line's west end is inside the tile");
    let (x0, row) = (start.x.round() as i32, start.y.round() as i32);
    assert_eq!(f.parts, vec![vec![[x0, row], [4160, row]]]);
    let tj = get(&format!("{}/tiles/road.json", server.base), &[]).json();
    assert_eq!(tj["bounds"], json!([114.0, 22.51, 114.0156, 22.51]));
}
