//! A grid worker's phone number is personal data (PIPL; domain.md §7): over real HTTP it is in the
//! lookup answer, the layer's features, its file exports and the OGC items for workers, planners and admins, and left
//! out for viewers and anonymous callers; the public vector tiles never carry it. The worker's name
//! (the grid's public contact point) is shown to everyone.

mod common;

use common::{Server, text, wangge};
use serde_json::Value;
use std::path::Path;

const PHONE: &str = "13800000000";

fn get(server: &Server, path: &str, token: Option<&str>) -> (u16, Value, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut req = agent.get(&format!("{}{path}", server.base));
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let mut resp = req.call().unwrap();
    let bytes = resp.body_mut().read_to_vec().unwrap();
    (resp.status().as_u16(), serde_json::from_slice(&bytes).unwrap_or(Value::Null), bytes)
}

#[test]
fn phone_numbers_reach_workers_and_planners_only() {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let db = dir.path().join("city.gpkg");
    let d = db.to_str().unwrap();
    // The demo city, with a name and a phone number on its first grid.
    let mut grids: Value = serde_json::from_str(&std::fs::read_to_string(data.join("grid.geojson")).unwrap()).unwrap();
    let first = &mut grids["features"][0]["properties"];
    first["worker_name"] = "王网格".into();
    first["worker_phone"] = PHONE.into();
    let code = first["code"].as_str().unwrap().to_string();
    let grid_file = dir.path().join("grid.geojson");
    std::fs::write(&grid_file, grids.to_string()).unwrap();
    for layer in ["district", "street", "community", "grid", "building", "service_centre"] {
        let file = if layer == "grid" { grid_file.clone() } else { data.join(format!("{layer}.geojson")) };
        let out = wangge(&["import", "--db", d, "--layer", layer, file.to_str().unwrap()]);
        assert!(out.status.success(), "importing {layer}: {}", text(&out));
    }
    let token = |role: &str, area: Option<&str>| {
        let mut args = vec!["token", "create", "--db", d, "--role", role, "--name", role];
        if let Some(a) = area {
            args.extend(["--area", a]);
        }
        let out = wangge(&args);
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let viewer = token("viewer", None);
    let worker = token("worker", Some(&code));
    let planner = token("planner", None);
    let server = Server::start(&db);

    let (_, f, _) = get(&server, &format!("/api/v1/layers/grid/features/{code}"), None);
    let point = &f["geometry"]["coordinates"][0][0];
    // A point just inside the grid: the centroid of its first three corners is not guaranteed, so
    // ask the lookup for a building of the grid instead.
    let (_, b, _) = get(&server, "/api/v1/layers/building/features?limit=10000", None);
    let home = b["features"].as_array().unwrap().iter().find(|x| x["properties"]["parent_code"] == code.as_str());
    let (lon, lat) = match home {
        Some(h) => {
            (h["geometry"]["coordinates"][0].as_f64().unwrap(), h["geometry"]["coordinates"][1].as_f64().unwrap())
        }
        None => (point[0].as_f64().unwrap(), point[1].as_f64().unwrap()),
    };
    let lookup = format!("/api/v1/lookup?lon={lon}&lat={lat}");
    let paths = [
        (lookup.as_str(), "/grid"),
        (&*format!("/api/v1/layers/grid/features/{code}"), "/properties"),
        (&*format!("/ogc/collections/grid/items/{code}?f=json"), "/properties"),
    ]
    .map(|(p, at)| (p.to_string(), at));
    for (path, at) in &paths {
        for (who, t, sees) in [
            ("anonymous", None, false),
            ("viewer", Some(viewer.as_str()), false),
            ("worker", Some(worker.as_str()), true),
            ("planner", Some(planner.as_str()), true),
        ] {
            let (status, v, _) = get(&server, path, t);
            assert_eq!(status, 200, "{who} {path}: {v}");
            let props = v.pointer(at).unwrap_or_else(|| panic!("{path} has {at}: {v}"));
            if path.starts_with("/api/v1/lookup") {
                assert_eq!(props["code"], code.as_str(), "the lookup lands in the grid: {v}");
            }
            assert_eq!(props["worker_name"], "王网格", "{who} sees the name at {path}");
            assert_eq!(
                props.get("worker_phone").and_then(Value::as_str) == Some(PHONE),
                sees,
                "{who} at {path}: {props}"
            );
        }
    }
    // A downloaded file is the same answer in another form.
    for (who, t, sees) in [("anonymous", None, false), ("worker", Some(worker.as_str()), true)] {
        let (status, _, bytes) = get(&server, "/api/v1/layers/grid/export?format=geojson", t);
        assert_eq!(status, 200, "{who} export");
        let has = bytes.windows(PHONE.len()).any(|w| w == PHONE.as_bytes());
        assert_eq!(has, sees, "{who}'s export carries the phone number: {has}");
        let (_, _, csv) = get(&server, "/api/v1/layers/grid/export?format=csv", t);
        assert_eq!(csv.windows(PHONE.len()).any(|w| w == PHONE.as_bytes()), sees, "{who}'s CSV export");
    }
    // The list of features too, and the public tiles never.
    let (_, list, _) = get(&server, "/api/v1/layers/grid/features?limit=1", None);
    assert!(list["features"][0]["properties"].get("worker_phone").is_none());
    let (_, list, _) = get(&server, "/api/v1/layers/grid/features?limit=1", Some(&worker));
    assert_eq!(list["features"][0]["properties"]["worker_phone"], PHONE);
    let (status, _, tile) =
        get(&server, &format!("/tiles/grid/14/{}/{}.mvt", lon_tile(lon, 14), lat_tile(lat, 14)), Some(&planner));
    assert_eq!(status, 200);
    let tile = decompressed(tile);
    assert!(tile.windows("王网格".len()).any(|w| w == "王网格".as_bytes()), "the tile has the grid's attributes");
    assert!(!tile.windows(PHONE.len()).any(|w| w == PHONE.as_bytes()), "no phone number in a public tile");
}

fn lon_tile(lon: f64, z: u32) -> u32 {
    ((lon + 180.0) / 360.0 * f64::from(1u32 << z)).floor() as u32
}

fn lat_tile(lat: f64, z: u32) -> u32 {
    let r = lat.to_radians();
    ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * f64::from(1u32 << z)).floor() as u32
}

/// A tile as served (gzip when the server compressed it).
fn decompressed(bytes: Vec<u8>) -> Vec<u8> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut out).unwrap();
        out
    } else {
        bytes
    }
}
