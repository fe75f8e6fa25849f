//! OGC API – Features Part 4 over real HTTP: writes need a planner token, go into a draft plan
//! (never straight into what is published), honour If-Match (412 with the current ETag), refuse
//! invalid geometry (400 naming where) and rule violations (422 with the findings), and reach the
//! published collection only through the plan's publish.

mod common;
mod ogc_support;

use common::{Server, city_db};
use ogc_support::{call, get};
use serde_json::{Value, json};

const GRID: &str = "440304006009001";

fn square(x0: f64, y0: f64, d: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]]})
}

#[test]
fn writes_go_through_draft_plans() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let planner = ogc_support::token(&db, "planner");
    let viewer = ogc_support::token(&db, "viewer");
    let s = Server::start(&db);
    let b = &s.base;
    let item = format!("{b}/ogc/collections/grid/items/{GRID}");
    let patch = r#"{"properties": {"households": 455, "worker": null}}"#;
    let json_h = ("Content-Type", "application/json");
    let en = ("Accept-Language", "en");

    // Access: no token 401, a viewer 403 — and nothing was written.
    assert_eq!(call("PATCH", &item, &[json_h, en], Some(patch)).status, 401);
    let v = format!("Bearer {viewer}");
    assert_eq!(call("PATCH", &item, &[json_h, en, ("Authorization", &v)], Some(patch)).status, 403);

    let auth = format!("Bearer {planner}");
    let h = [json_h, en, ("Authorization", auth.as_str())];
    let etag = get(&item).header("etag").unwrap().to_string();
    let r = call("PATCH", &item, &[h[0], h[1], h[2], ("If-Match", &etag)], Some(patch));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["properties"]["households"], 455);
    assert!(r.body["properties"].get("worker").is_none(), "null removes a property");
    let plan = r.header("wangge-plan").expect("the draft plan is named").to_string();
    let new_etag = r.header("etag").unwrap().to_string();
    assert_ne!(new_etag, etag);

    // The draft shows the change; the published collection does not.
    // A draft is read with a planner's token (anonymous: 401).
    assert_eq!(get(&format!("{item}?plan={plan}")).status, 401);
    let in_plan = call("GET", &format!("{item}?plan={plan}"), &h, None);
    assert_eq!(in_plan.body["properties"]["households"], 455);
    assert_eq!(in_plan.header("etag"), Some(new_etag.as_str()));
    assert_eq!(get(&item).body["properties"]["households"], 420);

    // A writer holding the old ETag gets 412 with the current one.
    let stale = call("PATCH", &format!("{item}?plan={plan}"), &[h[0], h[1], h[2], ("If-Match", &etag)], Some(patch));
    assert_eq!(stale.status, 412, "{}", stale.body);
    assert_eq!(stale.body["problems"]["current_etag"], new_etag.as_str());

    // Invalid geometry: 400 naming the crossing point.
    let bow = json!({"type": "Feature", "properties": {"name": "x", "parent_code": "440304006009"},
        "geometry": {"type": "Polygon", "coordinates": [[[114.0, 22.5], [114.01, 22.51], [114.01, 22.5], [114.0, 22.51], [114.0, 22.5]]]}});
    let r = call("PUT", &format!("{item}?plan={plan}"), &h, Some(&bow.to_string()));
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("114.005"), "names where: {}", r.body);

    // A rule violation: a new grid overlapping its siblings → 422 with the findings, nothing stored.
    let overlap = json!({"type": "Feature", "properties": {"code": "440304006009003", "name": "新网格", "parent_code": "440304006009"},
        "geometry": square(114.001, 22.501, 0.004)});
    let r = call("POST", &format!("{b}/ogc/collections/grid/items?plan={plan}"), &h, Some(&overlap.to_string()));
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["error"], "rules_failed");
    assert!(r.body["problems"].as_array().unwrap().iter().any(|f| f["rule"] == "sibling_overlap"), "{}", r.body);
    assert_eq!(
        call("GET", &format!("{b}/ogc/collections/grid/items/440304006009003?plan={plan}"), &h, None).status,
        404
    );

    // Deleting a grid would leave a gap in its community: refused the same way.
    let r = call("DELETE", &format!("{b}/ogc/collections/grid/items/440304006011002?plan={plan}"), &h, None);
    assert_eq!(r.status, 422, "{}", r.body);

    // A create with an existing id, and a write into a plan that does not exist.
    let dup = json!({"type": "Feature", "id": GRID, "properties": {"name": "x", "parent_code": "440304006009"}, "geometry": square(114.0, 22.5, 0.001)});
    assert_eq!(
        call("POST", &format!("{b}/ogc/collections/grid/items?plan={plan}"), &h, Some(&dup.to_string())).status,
        409
    );
    assert_eq!(call("PATCH", &format!("{item}?plan=999"), &h, Some(patch)).status, 404);

    // Publishing the plan is what changes the published collection.
    let r = call("POST", &format!("{b}/api/v1/plans/{plan}/publish"), &h, Some(r#"{"message": "ogc"}"#));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(get(&item).body["properties"]["households"], 455);
    let r = call("PATCH", &format!("{item}?plan={plan}"), &h, Some(patch));
    assert_eq!(r.status, 409, "a published plan takes no more edits: {}", r.body);
}

#[test]
fn create_replace_and_delete_in_one_plan() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let planner = ogc_support::token(&db, "planner");
    let s = Server::start(&db);
    let b = &s.base;
    let auth = format!("Bearer {planner}");
    let h = [("Content-Type", "application/geo+json"), ("Accept-Language", "en"), ("Authorization", auth.as_str())];
    // Replace grid 009001 by its lower half, then create the upper half as a new grid: no overlap, no gap.
    let lower = json!({"type": "Feature", "properties": {"name": "下半", "parent_code": "440304006009", "kind": "综合", "households": 210, "residents": 546, "worker": "网格员 甲"},
        "geometry": {"type": "Polygon", "coordinates": [[[114.0, 22.5078125], [114.0078125, 22.5078125], [114.0078125, 22.51171875], [114.0, 22.51171875], [114.0, 22.5078125]]]}});
    let r = call("PUT", &format!("{b}/ogc/collections/grid/items/{GRID}"), &h, Some(&lower.to_string()));
    // Replacing alone leaves a gap in the community: refused.
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body["problems"].as_array().unwrap().iter().any(|f| f["rule"] == "parent_gap"), "{}", r.body);
    // Creating first (overlap) is refused too; so a split is done by the plan API, and a
    // same-shape replace with new attributes is what PUT is for.
    let same = json!({"type": "Feature", "properties": {"name": "竹林一格", "parent_code": "440304006009", "kind": "综合", "households": 430, "residents": 1100, "worker": "网格员 丁"},
        "geometry": {"type": "Polygon", "coordinates": [[[114.0, 22.5078125], [114.0078125, 22.5078125], [114.0078125, 22.515625], [114.0, 22.515625], [114.0, 22.5078125]]]}});
    let r = call("PUT", &format!("{b}/ogc/collections/grid/items/{GRID}"), &h, Some(&same.to_string()));
    assert_eq!(r.status, 200, "{}", r.body);
    let plan = r.header("wangge-plan").unwrap().to_string();
    assert_eq!(r.body["properties"]["worker"], "网格员 丁");
    // A building can be added and deleted in the same plan; Location points at the draft.
    let building = json!({"type": "Feature", "id": "44030400600900198", "properties": {"name": "新楼", "parent_code": GRID, "households": 10},
        "geometry": {"type": "Point", "coordinates": [114.004, 22.51]}});
    let r = call("POST", &format!("{b}/ogc/collections/building/items?plan={plan}"), &h, Some(&building.to_string()));
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(
        r.header("location")
            .unwrap()
            .ends_with(&format!("/ogc/collections/building/items/44030400600900198?plan={plan}"))
    );
    let r = call("DELETE", &format!("{b}/ogc/collections/building/items/44030400600900198?plan={plan}"), &h, None);
    assert_eq!(r.status, 204);
    let plan_json = call("GET", &format!("{b}/api/v1/plans/{plan}"), &h, None).body;
    assert_eq!(plan_json["edits"].as_array().unwrap().len(), 3, "{plan_json}");
    // Geometry given in EPSG:4326 (lat/lon) through Content-Crs is stored as lon/lat.
    let latlon = json!({"type": "Feature", "id": "44030400600900199", "properties": {"name": "楼", "parent_code": GRID},
        "geometry": {"type": "Point", "coordinates": [22.51, 114.004]}});
    let r = call(
        "POST",
        &format!("{b}/ogc/collections/building/items?plan={plan}"),
        &[h[0], h[1], h[2], ("Content-Crs", "<http://www.opengis.net/def/crs/EPSG/0/4326>")],
        Some(&latlon.to_string()),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["geometry"]["coordinates"], json!([114.004, 22.51]));
}
