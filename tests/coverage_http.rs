//! Coverage over real HTTP on loopback, on the demo city (real OSM roads of Futian): service
//! circles, gaps, statistics, suggestions, the feature layers, and a JSON 4xx naming the parameter
//! for every kind of bad input.

mod common;

use common::Server;
use serde_json::Value;
use std::path::Path;
use std::sync::OnceLock;

fn server() -> &'static Server {
    static SERVER: OnceLock<(tempfile::TempDir, Server)> = OnceLock::new();
    &SERVER
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let db = dir.path().join("demo.gpkg");
            let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
            wangge_app::demo::ensure_demo_db(&db, &data).unwrap();
            let server = Server::start_with_roads(&db);
            (dir, server)
        })
        .1
}

#[test]
fn coverage_returns_circles_gaps_and_stats() {
    let (status, v) = server().get("/api/v1/coverage?kind=党群服务中心&minutes=15&speed_kmh=4&mode=network");
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["type"], "FeatureCollection");
    let features = v["features"].as_array().unwrap();
    let circles = features.iter().filter(|f| f["properties"]["layer"] == "coverage_circle").count();
    let gaps = features.iter().filter(|f| f["properties"]["layer"] == "coverage_gap").count();
    assert_eq!(circles, 28, "one service circle per 党群服务中心");
    assert!(gaps > 0);
    let s = &v["stats"];
    assert_eq!(s["households"], 48537);
    let covered = s["covered_households"].as_u64().unwrap();
    assert!(covered > 30_000 && covered < 48537, "{s}");
    assert_eq!(s["uncovered_households"].as_u64().unwrap() + covered, 48537);
    let (area, cov, gap) =
        (s["area_m2"].as_f64().unwrap(), s["covered_m2"].as_f64().unwrap(), s["gap_m2"].as_f64().unwrap());
    assert!((cov + gap - area).abs() <= area * 1e-3);
    // The straight-line circles claim everything the network misses here.
    assert_eq!(s["circle_excess"]["households"].as_u64().unwrap(), 48537 - covered);
    assert!(s["circle_excess"]["area_m2"].as_f64().unwrap() > 0.0);
    assert_eq!(v["params"]["distance_m"], 1000.0);
}

#[test]
fn circle_mode_covers_at_least_as_much() {
    let (_, net) = server().get("/api/v1/coverage?minutes=10");
    let (status, circle) = server().get("/api/v1/coverage?minutes=10&mode=circle");
    assert_eq!(status, 200);
    assert!(circle["stats"]["covered_households"].as_u64() >= net["stats"]["covered_households"].as_u64());
    assert_eq!(circle["params"]["mode"], "circle");
    assert!(circle["stats"].get("circle_excess").is_none());
}

#[test]
fn stats_per_level_add_up_and_list_uncovered_buildings() {
    let (_, total) = server().get("/api/v1/coverage/stats?level=community");
    let total_households = total["total"]["households"].as_u64().unwrap();
    for level in ["grid", "community", "street"] {
        let (status, v) = server().get(&format!("/api/v1/coverage/stats?level={level}"));
        assert_eq!(status, 200, "{v}");
        let rows = v["stats"].as_array().unwrap();
        assert!(!rows.is_empty());
        let sum = |k: &str| rows.iter().map(|r| r[k].as_u64().unwrap()).sum::<u64>();
        assert_eq!(sum("households"), total_households, "{level}");
        assert_eq!(sum("uncovered_households"), total["total"]["uncovered_households"].as_u64().unwrap());
        for r in rows {
            let listed: u64 =
                r["uncovered_buildings"].as_array().unwrap().iter().map(|b| b["households"].as_u64().unwrap()).sum();
            assert_eq!(listed, r["uncovered_households"].as_u64().unwrap());
        }
    }
    let (_, v) = server().get("/api/v1/coverage/stats?level=community");
    assert_eq!(v["stats"].as_array().unwrap().len(), 24);
}

#[test]
fn suggest_picks_greedily_with_marginal_gains() {
    let (status, body) = server().post(
        "/api/v1/coverage/suggest",
        "application/json",
        r#"{"k":3,"minutes":15,"candidates":"buildings"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let picks = v["picks"].as_array().unwrap();
    assert_eq!(picks.len(), 3);
    let gains: Vec<u64> = picks.iter().map(|p| p["gain_households"].as_u64().unwrap()).collect();
    assert!(gains.windows(2).all(|w| w[0] >= w[1]), "{gains:?}");
    assert_eq!(v["covered_after"].as_u64().unwrap(), v["covered_before"].as_u64().unwrap() + gains.iter().sum::<u64>());
    let (status, body) = server().post(
        "/api/v1/coverage/suggest",
        "application/json",
        r#"{"k":1,"candidates":[[114.03,22.53],{"lon":114.02,"lat":22.52,"code":"mine"}]}"#,
    );
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["candidates"], 2);
}

#[test]
fn circles_and_gaps_are_feature_layers() {
    let (status, v) = server().get("/api/v1/layers/coverage_circle/features?minutes=5");
    assert_eq!(status, 200);
    assert_eq!(v["numberMatched"], 28);
    assert_eq!(v["features"][0]["geometry"]["type"], "MultiPolygon");
    let (status, v) = server().get("/api/v1/layers/coverage_gap/features");
    assert_eq!(status, 200);
    assert!(v["numberMatched"].as_u64().unwrap() > 0);
}

#[test]
fn every_bad_input_is_a_json_4xx_naming_the_parameter() {
    for (path, status, name) in [
        ("/api/v1/coverage?minutes=0", 400, "minutes"),
        ("/api/v1/coverage?minutes=61", 400, "minutes"),
        ("/api/v1/coverage?minutes=abc", 400, "minutes"),
        ("/api/v1/coverage?minutes=NaN", 400, "minutes"),
        ("/api/v1/coverage?speed_kmh=0.5", 400, "speed_kmh"),
        ("/api/v1/coverage?speed_kmh=11", 400, "speed_kmh"),
        ("/api/v1/coverage?walk_off_m=1", 400, "walk_off_m"),
        ("/api/v1/coverage?mode=bus", 400, "mode"),
        ("/api/v1/coverage?kind=菜市场", 404, "kind"),
        ("/api/v1/coverage/stats?level=city", 400, "level"),
        ("/api/v1/coverage/stats?format=pdf", 400, "format"),
        ("/api/v1/layers/coverage_gap/features?minutes=-3", 400, "minutes"),
    ] {
        let (got, v) = server().get(&format!("{path}&lang=en"));
        assert_eq!(got, status, "{path}: {v}");
        assert!(v["detail"].as_str().unwrap().contains(name), "{path}: {v}");
    }
    for (body, name) in [
        ("not json", "JSON"),
        ("[1,2]", "object"),
        (r#"{"k":0}"#, "k"),
        (r#"{"k":51}"#, "k"),
        (r#"{"k":"three"}"#, "k"),
        (r#"{"k":1,"minutes":90}"#, "minutes"),
        (r#"{"k":1,"candidates":[[114.0]]}"#, "candidates item 0"),
        (r#"{"k":1,"candidates":[[114.0,22.5],[400,22.5]]}"#, "candidates item 1"),
        (r#"{"k":1,"candidates":42}"#, "candidates"),
        (r#"{"k":1,"kind":"菜市场"}"#, "kind"),
    ] {
        let (status, text) = server().post("/api/v1/coverage/suggest?lang=en", "application/json", body);
        assert!((400..500).contains(&status), "{body}: {status} {text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert!(v["detail"].as_str().unwrap().contains(name), "{body}: {text}");
    }
}

#[test]
fn without_a_network_coverage_answers_409() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::city_db(dir.path());
    let s = Server::start(&db);
    let (status, v) = s.get("/api/v1/coverage?lang=en");
    assert_eq!(status, 409, "{v}");
    assert_eq!(v["error"], "no_network");
    assert!(v["detail"].as_str().unwrap().contains("import-roads"));
}

#[test]
fn stats_download_as_csv_and_xlsx_with_the_api_numbers() {
    use wangge_formats::xlsx::{Cell, read_first_sheet};
    let (_, v) = server().get("/api/v1/coverage/stats?level=community&minutes=10");
    let rows = v["stats"].as_array().unwrap();
    let get = |format: &str| {
        let url = format!("{}/api/v1/coverage/stats?level=community&minutes=10&format={format}", server().base);
        let mut resp = ureq::get(&url).call().unwrap();
        let disposition = resp.headers().get("content-disposition").unwrap().to_str().unwrap().to_string();
        assert!(disposition.contains(&format!("coverage-community-10min.{format}")), "{disposition}");
        resp.body_mut().with_config().limit(64 << 20).read_to_vec().unwrap()
    };
    // CSV: one line per community and the total, each number as the JSON has it.
    let csv = String::from_utf8(get("csv")).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), rows.len() + 1);
    for (r, j) in records.iter().zip(rows) {
        assert_eq!(&r[0], j["code"].as_str().unwrap());
        assert_eq!(r[6].parse::<i64>().unwrap(), j["households"].as_i64().unwrap());
        assert_eq!(r[8].parse::<f64>().unwrap(), j["covered_households_pct"].as_f64().unwrap());
    }
    let last = records.last().unwrap();
    assert_eq!(&last[0], "total");
    assert_eq!(last[6].parse::<i64>().unwrap(), v["total"]["households"].as_i64().unwrap());
    // xlsx: the same table with numbers as numbers, and every uncovered building on its own sheet.
    let book = read_first_sheet(&get("xlsx")).unwrap();
    assert_eq!(book.name, "community");
    for (r, j) in book.rows.iter().skip(1).zip(rows) {
        assert_eq!(r[0], Cell::Text(j["code"].as_str().unwrap().into()));
        assert_eq!(r[7], Cell::Number(j["covered_households"].as_f64().unwrap()));
    }
    let uncovered: usize = rows.iter().map(|r| r["uncovered_buildings"].as_array().unwrap().len()).sum();
    assert!(uncovered > 0, "the demo has uncovered buildings at 10 minutes");
}
