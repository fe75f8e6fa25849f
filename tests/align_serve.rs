//! 多网合一 served like the layers, on loopback against the real router: the demo's police
//! network as the OGC collection `network.police` (items, item, queryables, bbox and paging, read
//! by GDAL's OAPIF driver too) and
//! as vector tiles `/tiles/network.police/…` whose cache follows a re-import; and its slivers
//! opened in a draft plan that validates with no error, publishes, and moves the lookup.

mod common;

use common::{Server, assert_ogrinfo_counts, gdal_available, text, wangge};
use geo::{Geometry, InteriorPoint};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn demo_with_police(dir: &Path) -> PathBuf {
    let db = dir.join("demo.gpkg");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    wangge_app::demo::ensure_demo_db(&db, &data).unwrap();
    let police = data.join("networks/police.geojson");
    let out = wangge(&["import", "--db", db.to_str().unwrap(), "--network", "police", police.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    db
}

/// GET returning status, ETag and the raw bytes (tiles are binary).
fn get_bytes(url: &str) -> (u16, Option<String>, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut resp = agent.get(url).call().unwrap();
    let etag = resp.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_string);
    (resp.status().as_u16(), etag, resp.body_mut().read_to_vec().unwrap())
}

fn send(token: Option<&str>, url: &str, body: &Value) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut req = agent.post(url).header("Content-Type", "application/json").header("Accept-Language", "en");
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let mut resp = req.send(body.to_string()).unwrap();
    let t = resp.body_mut().read_to_string().unwrap();
    (resp.status().as_u16(), serde_json::from_str(&t).unwrap_or(Value::String(t)))
}

/// The z/x/y of the tile holding (lon, lat).
fn tile_of(lon: f64, lat: f64, z: u8) -> (u8, u64, u64) {
    let n = (1u64 << z) as f64;
    let x = ((lon + 180.0) / 360.0 * n) as u64;
    let r = lat.to_radians();
    let y = ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u64;
    (z, x, y)
}

#[test]
fn networks_are_served_as_collections_and_tiles() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_with_police(dir.path());
    let server = Server::start(&db);
    let ogc = |p: &str| server.get(&format!("/ogc{p}"));

    let (s, list) = ogc("/collections");
    assert_eq!(s, 200);
    let ids: Vec<&str> = list["collections"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"grid") && ids.contains(&"network.police"), "{ids:?}");
    let (s, c) = ogc("/collections/network.police");
    assert_eq!((s, c["id"].as_str()), (200, Some("network.police")), "{c}");
    let bbox =
        c["extent"]["spatial"]["bbox"][0].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect::<Vec<_>>();
    let (s, q) = ogc("/collections/network.police/queryables");
    assert_eq!(s, 200);
    for k in ["code", "name", "source", "geometry"] {
        assert!(q["properties"][k].is_object(), "{k}: {q}");
    }

    // Paging in code order, as for the layers.
    let (s, page) = ogc("/collections/network.police/items?limit=10");
    assert_eq!(s, 200, "{page}");
    assert_eq!((page["numberMatched"].as_u64(), page["numberReturned"].as_u64()), (Some(33), Some(10)));
    assert_eq!(page["features"][0]["properties"]["code"], "JG0001");
    let next = page["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next").expect("a next link");
    assert!(next["href"].as_str().unwrap().contains("offset=10"), "{next}");
    let (_, last) = ogc("/collections/network.police/items?limit=10&offset=30");
    assert_eq!(last["numberReturned"], 3);
    assert!(last["links"].as_array().unwrap().iter().all(|l| l["rel"] != "next"));
    // bbox: the west half of the network holds some features but not all.
    let west = format!("{},{},{},{}", bbox[0], bbox[1], (bbox[0] + bbox[2]) / 2.0, bbox[3]);
    let (s, some) = ogc(&format!("/collections/network.police/items?limit=100&bbox={west}"));
    let n = some["numberMatched"].as_u64().unwrap();
    assert!(s == 200 && n > 0 && n < 33, "{n}");
    let (_, one) = ogc("/collections/network.police/items?code=JG0002&filter=name%20LIKE%20%27%25%27");
    assert_eq!(one["numberMatched"], 1, "{one}");
    let (s, f) = ogc("/collections/network.police/items/JG0001");
    assert_eq!((s, f["properties"]["code"].as_str()), (200, Some("JG0001")));
    // Read-only and undated: a plan or datetime is refused; unknown names are 404.
    assert_eq!(ogc("/collections/network.police/items?plan=1").0, 400);
    assert_eq!(ogc("/collections/network.police/items/nope").0, 404);
    assert_eq!(ogc("/collections/network.nope/items").0, 404);
    let (_, api) = ogc("/api");
    assert!(api["paths"]["/collections/network.police/items"]["get"].is_object());
    assert!(api["paths"]["/collections/network.police/items"]["post"].is_null(), "networks are read-only");

    // Tiles: TileJSON, then a tile at the network's middle.
    let (s, tj) = server.get("/tiles/network.police.json");
    assert_eq!(s, 200, "{tj}");
    assert_eq!(tj["vector_layers"][0]["id"], "network.police");
    assert!(tj["tiles"][0].as_str().unwrap().ends_with("/tiles/network.police/{z}/{x}/{y}.mvt"));
    let (z, x, y) = tile_of((bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0, 13);
    let url = format!("{}/tiles/network.police/{z}/{x}/{y}.mvt", server.base);
    let (s, etag1, bytes) = get_bytes(&url);
    assert_eq!(s, 200);
    assert!(bytes.windows(14).any(|w| w == b"network.police"), "the MVT layer is named after the network");
    assert_eq!(get_bytes(&url).1, etag1, "the same version serves the same tile");
    assert_eq!(get_bytes(&format!("{}/tiles/network.nope/{z}/{x}/{y}.mvt", server.base)).0, 404);

    // A re-import (version 2, only the first five features) is served at once: new tile, new items.
    let raw: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/networks/police.geojson")).unwrap(),
    )
    .unwrap();
    let few = json!({"type": "FeatureCollection", "features": raw["features"].as_array().unwrap()[..5]});
    let file = dir.path().join("few.geojson");
    std::fs::write(&file, few.to_string()).unwrap();
    let d = db.to_str().unwrap();
    let out = wangge(&["import", "--db", d, "--network", "police", "--mode", "replace", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let (s, etag2, _) = get_bytes(&url);
    assert!(s == 204 || etag2 != etag1, "the old version's tile is not served: {s} {etag2:?}");
    assert_eq!(ogc("/collections/network.police/items").1["numberMatched"], 5);
}

/// GDAL's OAPIF client reads the network collection beside the layers, paging with a page
/// smaller than the network.
#[test]
fn ogrinfo_reads_the_network_collection() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = demo_with_police(dir.path());
    let server = Server::start(&db);
    let out = std::process::Command::new("ogrinfo")
        .args(["-ro", "-so", "-oo", "PAGE_SIZE=10"])
        .arg(format!("OAPIF:{}/ogc", server.base))
        .arg("network.police")
        .env("GDAL_HTTP_TIMEOUT", "30")
        .output()
        .unwrap();
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert_ogrinfo_counts(&t, &[("network.police", 33)]);
}

#[test]
fn slivers_open_in_a_draft_that_publishes() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_with_police(dir.path());
    let d = db.to_str().unwrap();
    let token = |role: &str| {
        let out = wangge(&["token", "create", "--db", d, "--role", role, "--name", role]);
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let planner = token("planner");
    let viewer = token("viewer");
    let server = Server::start(&db);
    let b = &server.base;
    let (s, report) = server.get("/api/v1/alignment?network=police");
    assert_eq!(s, 200);
    let slivers: Vec<&Value> =
        report["slivers"].as_array().unwrap().iter().filter(|s| s["draft_to"].is_string()).collect();
    assert!(!slivers.is_empty(), "the demo has slivers to snap");
    let (_, pieces) = server.get("/api/v1/alignment?network=police&format=geojson");
    let url = format!("{b}/api/v1/alignment/draft");
    let one = |s: &Value| json!({"network": "police", "pieces": [{"ours": s["ours"], "theirs": s["theirs"]}]});
    assert_eq!(send(None, &url, &one(slivers[0])).0, 401);
    assert_eq!(send(Some(&viewer), &url, &one(slivers[0])).0, 403);

    // Refusals name the piece and write nothing: a pair that is not a sliver, no pieces, an
    // unknown network, a level whose boundaries a draft does not snap.
    let drafts = || {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let mut r = agent
            .get(&format!("{b}/api/v1/plans"))
            .header("Authorization", &format!("Bearer {planner}"))
            .call()
            .unwrap();
        let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
        v["plans"].as_array().map_or(0, Vec::len)
    };
    let whole = report["pairs"].as_array().unwrap().iter().find(|p| p["sliver"] == false).unwrap();
    let bad = json!({"network": "police", "pieces": [
        {"ours": whole["ours"], "theirs": whole["theirs"]}, {"ours": slivers[0]["ours"], "theirs": slivers[0]["theirs"]}]});
    let (s, e) = send(Some(&planner), &url, &bad);
    assert_eq!((s, e["error"].as_str()), (422, Some("bad_piece")), "{e}");
    assert_eq!(e["problems"]["ours"], whole["ours"], "{e}");
    assert_eq!(send(Some(&planner), &url, &json!({"network": "police", "pieces": []})).0, 400);
    assert_eq!(send(Some(&planner), &url, &json!({"network": "nope", "pieces": []})).0, 404);
    assert_eq!(send(Some(&planner), &url, &json!({"network": "police", "level": "street", "pieces": []})).0, 400);
    assert_eq!(drafts(), 0, "nothing was written");

    // Each sliver on its own: a draft with no error, or a 422 naming it when the plan engine
    // cannot snap it (the shrunk grid would not be a valid shape) — never half a draft.
    let mut snapped = Vec::new();
    for sliver in &slivers {
        let (s, draft) = send(Some(&planner), &url, &one(sliver));
        match s {
            201 if draft["errors"] == 0 => snapped.push((*sliver, draft)),
            201 => {}
            _ => {
                assert_eq!((s, draft["problems"]["ours"].clone()), (422, sliver["ours"].clone()), "{draft}");
            }
        }
    }
    // Every one does on the demo: the moved boundary comes out clean even where the piece's
    // edge differs from ours by the overlay's rounding (edit/shape.rs).
    let refused: Vec<&Value> = slivers.iter().copied().filter(|s| !snapped.iter().any(|(x, _)| x == s)).collect();
    assert!(refused.is_empty(), "every sliver with a receiving grid snaps cleanly: {refused:?}");
    let chosen: Vec<&Value> = snapped.iter().map(|(s, _)| *s).collect();
    let draft = &snapped[0].1;
    assert!(draft["edits"].as_array().unwrap().iter().any(|e| e["op"] == "move_boundary"));
    let id = draft["plan_id"].as_i64().unwrap();
    let publish = json!({"message": "对齐警格", "effective_date": "2026-03-01"});
    let (s, rev) = send(Some(&planner), &format!("{b}/api/v1/plans/{id}/publish"), &publish);
    assert_eq!(s, 200, "{rev}");

    // A lookup inside the snapped piece now answers the grid the report named.
    for sliver in &chosen[..1] {
        let piece = pieces["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["ours"] == sliver["ours"] && f["properties"]["theirs"] == sliver["theirs"])
            .unwrap();
        let Geometry::MultiPolygon(parts) = wangge_formats::geojson::parse_geometry(piece["geometry"].clone()).unwrap()
        else {
            panic!("pieces are multipolygons")
        };
        // The parts bordering the receiving grid moved (a part elsewhere stays): one at least.
        let answers: Vec<Value> = parts
            .0
            .iter()
            .map(|part| {
                let at = part.interior_point().unwrap();
                let (s, found) = server.get(&format!("/api/v1/lookup?lon={}&lat={}", at.x(), at.y()));
                assert_eq!(s, 200, "{found}");
                found["grid"]["code"].clone()
            })
            .collect();
        assert!(answers.contains(&sliver["draft_to"]), "{sliver} {answers:?}");
    }
}
