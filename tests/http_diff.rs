//! Authors from tokens and the diff between any two states, over real HTTP: a planner's plan,
//! edits and revision carry the token holder's name and role; `GET /api/v1/diff` compares
//! published, revisions and plans (JSON and GeoJSON); the audit log is for admins.

mod common;

use common::{Server, city_db};
use serde_json::{Value, json};

fn call(method: &str, url: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut resp = match method {
        "GET" => {
            let mut req = agent.get(url).header("Accept-Language", "en");
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req.call()
        }
        _ => {
            let mut req = agent.post(url).header("Content-Type", "application/json").header("Accept-Language", "en");
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req.send(body.map(Value::to_string).unwrap_or_default())
        }
    }
    .expect("reaches the server");
    let text = resp.body_mut().read_to_string().unwrap();
    (resp.status().as_u16(), serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

const G1: &str = "440304006009001";
const NEW: &str = "440304006009003";
const BUILDING: &str = "44030400600900001";

#[test]
fn authors_come_from_the_token_and_any_two_states_can_be_compared() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let token = |role: &str, name: &str| {
        let out = common::wangge(&["token", "create", "--db", db.to_str().unwrap(), "--role", role, "--name", name]);
        assert!(out.status.success(), "{}", common::text(&out));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let (planner, admin) = (token("planner", "王规划"), token("admin", "管理员"));
    let server = Server::start(&db);
    let b = &server.base;
    let p = Some(planner.as_str());

    let (s, plan) = call("POST", &format!("{b}/api/v1/plans"), p, Some(&json!({"name": "拆分"})));
    assert_eq!(s, 201, "{plan}");
    assert_eq!((plan["author"].as_str(), plan["author_role"].as_str()), (Some("王规划"), Some("planner")));
    let id = plan["id"].as_i64().unwrap();
    let split = json!({"op": "split", "layer": "grid", "code": G1, "new_code": NEW,
        "line": {"type": "LineString", "coordinates": [[114.00390625, 22.50], [114.00390625, 22.52]]}});
    let reassign = json!({"op": "reassign_buildings", "buildings": [BUILDING], "grid": NEW});
    for e in [&split, &reassign] {
        let (s, v) = call("POST", &format!("{b}/api/v1/plans/{id}/edits"), p, Some(e));
        assert_eq!(s, 200, "{v}");
    }

    // The plan against what is published: g1 shrinks, the new grid appears, one building with its
    // 120 households moves from g1 to the new grid.
    // A draft is compared for planners only.
    let (s, d) = call("GET", &format!("{b}/api/v1/diff?from=published&to=plan:{id}"), None, None);
    assert_eq!(s, 401, "{d}");
    let (s, d) = call("GET", &format!("{b}/api/v1/diff?from=published&to=plan:{id}"), p, None);
    assert_eq!(s, 200, "{d}");
    let changed = d["changed"].as_array().unwrap();
    let g1 = changed.iter().find(|c| c["code"] == G1).unwrap();
    assert_eq!(g1["change"], "reshaped");
    let (before, after) = (g1["area_before_m2"].as_f64().unwrap(), g1["area_after_m2"].as_f64().unwrap());
    assert!((after / before - 0.5).abs() < 1e-6, "{g1}");
    assert!((g1["area_change_m2"].as_f64().unwrap() - (after - before)).abs() < 1e-6);
    // Households of the grids follow the building, and show as attribute changes.
    assert_eq!(g1["attributes"]["households"], json!({"before": 420, "after": 300}));
    assert!(changed.iter().any(|c| c["code"] == NEW && c["change"] == "added"));
    let building = changed.iter().find(|c| c["code"] == BUILDING).unwrap();
    assert_eq!(building["attributes"]["parent_code"], json!({"before": G1, "after": NEW}));
    assert_eq!(d["grid_moves"], json!([{"from": G1, "to": NEW, "buildings": [BUILDING], "households": 120}]));
    assert_eq!(d["households_moved"], 120);

    let (s, g) = call("GET", &format!("{b}/api/v1/diff?from=published&to=plan:{id}&format=geojson"), p, None);
    assert_eq!((s, g["type"].as_str()), (200, Some("FeatureCollection")), "{g}");
    let pieces: Vec<(String, String)> = g["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["properties"]["code"].as_str().unwrap().into(), f["properties"]["piece"].as_str().unwrap().into()))
        .collect();
    for want in [(G1, "lost"), (NEW, "gained"), (BUILDING, "feature")] {
        assert!(pieces.contains(&(want.0.to_string(), want.1.to_string())), "{want:?} in {pieces:?}");
    }

    // Malformed refs are 400, unknown ones 404.
    for bad in ["from=plan:x", "from=rev:1", "from=published&to=plan:-2", "to=published", "from=published&format=svg"] {
        let (s, e) = call("GET", &format!("{b}/api/v1/diff?{bad}"), None, None);
        assert_eq!(s, 400, "{bad}: {e}");
        assert!(e["detail"].as_str().unwrap().contains("parameter"), "{e}");
    }
    for unknown in ["from=plan:999", "from=published&to=revision:999"] {
        assert_eq!(call("GET", &format!("{b}/api/v1/diff?{unknown}"), None, None).0, 404, "{unknown}");
    }

    let (_, revs) = call("GET", &format!("{b}/api/v1/revisions"), None, None);
    let base = revs["current"].as_i64().unwrap();
    let (s, rev) = call("POST", &format!("{b}/api/v1/plans/{id}/publish"), p, Some(&json!({"message": "拆分"})));
    assert_eq!(s, 200, "{rev}");
    assert_eq!((rev["author"].as_str(), rev["author_role"].as_str()), (Some("王规划"), Some("planner")));
    // A revision against the one before it is the same change as the plan was.
    let (_, d2) = call("GET", &format!("{b}/api/v1/diff?from=revision:{base}&to=published"), None, None);
    assert_eq!(d2["grid_moves"], d["grid_moves"]);
    assert_eq!(d2["changed"].as_array().unwrap().len(), changed.len());
    let (_, d3) = call("GET", &format!("{b}/api/v1/diff?from=plan:{id}&to=revision:{}", rev["id"]), None, None);
    assert_eq!(d3["changed"], json!([]), "a published plan equals its revision");

    // The edits in the store carry the author too, and the audit log names the planner.
    let store = wangge_store::Store::open(&db).unwrap();
    let roles: Vec<String> = store.plans().unwrap().iter().map(|p| p.author_role.clone()).collect();
    assert_eq!(roles, vec!["planner"]);
    assert_eq!(call("GET", &format!("{b}/api/v1/audit"), None, None).0, 401);
    assert_eq!(call("GET", &format!("{b}/api/v1/audit"), p, None).0, 403);
    let (s, log) = call("GET", &format!("{b}/api/v1/audit?limit=10"), Some(&admin), None);
    assert_eq!(s, 200, "{log}");
    let rows = log["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4, "create, two edits, publish: {log}");
    assert!(
        rows.iter().all(|r| r["who"] == "王规划" && r["role"] == "planner" && r["status"].as_u64() < Some(300)),
        "{log}"
    );
    assert!(rows[0]["path"].as_str().unwrap().ends_with("/publish"), "newest first: {log}");
}
