//! Household-level rows over real HTTP (PIPL, domain.md §7): addresses down to the room are shown
//! in full to planners and admins, to workers only inside their area, and cut at building/unit
//! level (`"redacted": true`) for viewers and anonymous callers; every answer that returned
//! room-level rows is in the audit log with who, role, what, how many rows and the area.

mod common;

use common::{Server, city_db, text, wangge};
use serde_json::Value;

fn get(url: &str, token: Option<&str>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut req = agent.get(url);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let mut resp = req.call().unwrap();
    let body = resp.body_mut().read_to_string().unwrap();
    (resp.status().as_u16(), serde_json::from_str(&body).unwrap_or(Value::String(body)))
}

fn post_csv(url: &str, token: Option<&str>, body: &str) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut req = agent.post(url).header("Content-Type", "text/csv");
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    req.send(body).unwrap().body_mut().read_to_string().unwrap()
}

const ROOM_ZHULIN: &str = "广东省深圳市福田区沙头街道竹林社区竹林路1号3栋2单元502室";

fn addresses(answer: &Value) -> Vec<(String, bool)> {
    answer["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["address"].as_str().unwrap().to_string(), c["redacted"] == true))
        .collect()
}

#[test]
fn room_level_addresses_by_role_and_area_and_every_such_read_audited() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let csv = dir.path().join("addr.csv");
    std::fs::write(
        &csv,
        format!(
            "code,address,lon,lat\nR1,{ROOM_ZHULIN},114.0039,22.5117\n\
             R2,广东省深圳市福田区沙头街道香梅社区香梅路2号1栋1单元101室,114.0117,22.5117\n\
             D1,广东省深圳市福田区沙头街道竹林社区竹林路1号,114.0040,22.5118\n"
        ),
    )
    .unwrap();
    let d = db.to_str().unwrap();
    let out = wangge(&["import-addresses", "--db", d, csv.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let token = |role: &str, name: &str, area: Option<&str>| {
        let mut args = vec!["token", "create", "--db", d, "--role", role, "--name", name];
        if let Some(a) = area {
            args.extend(["--area", a]);
        }
        let out = wangge(&args);
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let viewer = token("viewer", "访客", None);
    let zhulin = token("worker", "竹林网格员", Some("440304006009"));
    let xiangmei = token("worker", "香梅网格员", Some("440304006011001,440304006011002"));
    let planner = token("planner", "规划", None);
    let admin = token("admin", "管理员", None);
    let bad = wangge(&["token", "create", "--db", d, "--role", "worker", "--name", "x", "--area", "竹林"]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));

    let server = Server::start(&db);
    let q = format!("{}/api/v1/geocode?q=竹林路1号3栋2单元502室&limit=5", server.base);
    let room_shown = |a: &Value| addresses(a).iter().any(|(s, _)| s == ROOM_ZHULIN);
    let cut =
        |a: &Value| addresses(a).iter().any(|(s, r)| *r && s == "广东省深圳市福田区沙头街道竹林社区竹林路1号3栋2单元");
    for t in [None, Some(viewer.as_str()), Some(xiangmei.as_str())] {
        let (s, a) = get(&q, t);
        assert_eq!(s, 200, "{a}");
        assert!(!room_shown(&a) && cut(&a), "{t:?}: {a}");
        assert!(addresses(&a).iter().all(|(s, _)| !s.ends_with('室')), "{a}");
    }
    for t in [&zhulin, &planner, &admin] {
        let (_, a) = get(&q, Some(t));
        assert!(room_shown(&a) && !cut(&a), "{a}");
    }
    assert_eq!(get(&q, Some("wg_forged")).0, 401);

    // Reverse and batch answers follow the same rule.
    let rev = format!("{}/api/v1/geocode/reverse?lon=114.0039&lat=22.5117&limit=3", server.base);
    assert!(!room_shown(&get(&rev, None).1));
    assert!(room_shown(&get(&rev, Some(&zhulin)).1));
    let batch = format!("{}/api/v1/geocode/batch", server.base);
    let room_xiangmei = "广东省深圳市福田区沙头街道香梅社区香梅路2号1栋1单元101室";
    let body = format!("id,address\n1,{room_xiangmei}\n");
    // The answer's address column, not the echoed query (the caller's own text).
    let answered = |token: &str| {
        let csv = post_csv(&batch, Some(token), &body);
        let row: Vec<String> = csv.lines().nth(1).unwrap().split(',').map(str::to_string).collect();
        row[5].clone()
    };
    assert_eq!(answered(&viewer), "广东省深圳市福田区沙头街道香梅社区香梅路2号1栋1单元");
    assert_eq!(answered(&planner), room_xiangmei);

    // Audit: one row per answer that returned room-level rows, newest first; none for the others.
    let (s, log) = get(&format!("{}/api/v1/audit", server.base), Some(&admin));
    assert_eq!(s, 200, "{log}");
    let rows = log["rows"].as_array().unwrap();
    let who: Vec<&str> = rows.iter().map(|r| r["who"].as_str().unwrap()).collect();
    assert_eq!(who, vec!["规划", "竹林网格员", "管理员", "规划", "竹林网格员"], "{log}");
    let worker_row = rows.last().unwrap();
    assert_eq!(worker_row["role"], "worker");
    assert_eq!(worker_row["area"], "440304006009");
    assert_eq!(worker_row["rows"], 1);
    assert!(worker_row["detail"].as_str().unwrap().contains("502室"), "{worker_row}");
    assert!(rows[0]["path"].as_str().unwrap().ends_with("/batch"));
}
