//! The geocode batch of an Excel workbook against the demo city's address gazetteer: by the CLI
//! (`wangge geocode --xlsx IN --out OUT`) and by a real `wangge serve` on loopback (`POST
//! /api/v1/geocode/batch` with the `.xlsx` media type). Every user column and cell type comes back
//! as it went in, the answer agrees with the CSV batch, headers follow the language, rooms follow
//! the caller's role, and a bad workbook is a 4xx that names what is wrong.

mod common;

use common::{Killed, Server, serve_process, text, wangge};
use serde_json::Value;
use std::path::{Path, PathBuf};
use wangge_core::address::columns::GeocodeColumn;
use wangge_formats::xlsx::{Cell, Table, read_first_sheet, write_table};
use wangge_text::{Lang, catalog};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const ROOM: &str = "广东省深圳市福田区福保街道福保社区一号路99号3栋2单元502室";
const ROOM_CUT: &str = "广东省深圳市福田区福保街道福保社区一号路99号3栋2单元";

/// The demo database (built from data/), with one household-level address added (at a door
/// the demo does not have, so it is the best answer to itself).
fn demo_db(dir: &Path) -> PathBuf {
    let db = dir.join("demo.gpkg");
    wangge_app::demo::ensure_demo_db(&db, &Path::new(env!("CARGO_MANIFEST_DIR")).join("data")).unwrap();
    let rooms = dir.join("rooms.csv");
    std::fs::write(&rooms, format!("code,address,lon,lat\nR1,{ROOM},114.0389701,22.5201347\n")).unwrap();
    let out = wangge(&["import-addresses", "--db", db.to_str().unwrap(), rooms.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    db
}

/// `(address, grid)` of every 150th demo address.
fn demo_addresses() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/address.csv")).unwrap();
    text.lines()
        .skip(75)
        .step_by(150)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[1].to_string(), f[7].to_string())
        })
        .collect()
}

/// A grid worker's visit sheet: text ids with leading zeros, a number, a yes/no, a date, the
/// address under 详细地址, an address nobody has, a row with no address and an empty spacer row.
fn visit_sheet(addresses: &[(String, String)]) -> Table {
    let header = ["编号", "户数", "详细地址", "已走访", "日期", "备注"].map(|h| Cell::Text(h.into())).to_vec();
    let mut rows = vec![header];
    let queries = addresses.iter().map(|(a, _)| a.as_str()).chain(["火星基地九号", "", ROOM]);
    for (i, q) in queries.enumerate() {
        if i == 4 {
            rows.push(vec![Cell::Empty; 6]);
        }
        rows.push(vec![
            Cell::Text(format!("{i:04}")),
            Cell::Number(i as f64 * 1.5),
            if q.is_empty() { Cell::Empty } else { Cell::Text(q.to_string()) },
            Cell::Bool(i % 2 == 0),
            Cell::Date(46_000.25 + i as f64),
            if i % 3 == 0 { Cell::Text("复核".into()) } else { Cell::Empty },
        ]);
    }
    Table { name: "入户走访".into(), rows }
}

/// `wangge --lang zh geocode --db DB --xlsx INPUT --out OUT`, which must succeed; the answer's sheet.
fn geocode_cli(db: &Path, input: &Path, out: &Path) -> Table {
    let [db, input, out_s] = [db, input, out].map(|p| p.to_str().unwrap().to_string());
    let r = wangge(&["--lang", "zh", "geocode", "--db", &db, "--xlsx", &input, "--out", &out_s]);
    assert!(r.status.success(), "{}", text(&r));
    read_first_sheet(&std::fs::read(out).unwrap()).unwrap()
}

fn headers(lang: Lang) -> Vec<String> {
    GeocodeColumn::ALL.iter().map(|c| catalog(lang).geocode_column(*c).to_string()).collect()
}

fn col(c: GeocodeColumn) -> usize {
    6 + GeocodeColumn::ALL.iter().position(|x| *x == c).unwrap()
}

/// POSTs a workbook (or any bytes with the workbook's media type); status and body.
fn post(url: &str, token: Option<&str>, body: &[u8]) -> (u16, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut req = agent.post(url).header("Content-Type", XLSX);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let mut resp = req.send(body).unwrap();
    (resp.status().as_u16(), resp.body_mut().read_to_vec().unwrap())
}

fn error_detail(body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(body)));
    assert!(v["error"].is_string(), "{v}");
    v["detail"].as_str().unwrap().to_string()
}

#[test]
fn a_workbook_is_geocoded_keeping_every_user_cell_by_cli_and_http() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let d = db.to_str().unwrap();
    let addresses = demo_addresses();
    let sheet = visit_sheet(&addresses);
    let input = dir.path().join("visits.xlsx");
    std::fs::write(&input, write_table(&sheet).unwrap()).unwrap();
    let out = dir.path().join("answered.xlsx");
    let back = geocode_cli(&db, &input, &out);
    assert_eq!(back.name, "入户走访");
    assert_eq!(back.rows.len(), sheet.rows.len(), "every row, the spacer too");
    let header: Vec<String> = back.rows[0].iter().map(Cell::text).collect();
    assert_eq!(header[..6], ["编号", "户数", "详细地址", "已走访", "日期", "备注"]);
    assert_eq!(header[6..], headers(Lang::Zh)[..], "the answer columns, in Chinese");
    for (got, want) in back.rows.iter().zip(&sheet.rows) {
        assert_eq!(
            got[..want.len().min(got.len())],
            want[..want.len().min(got.len())],
            "user cells keep values and types"
        );
        assert!(want[got.len().min(want.len())..].iter().all(|c| *c == Cell::Empty));
    }
    assert!(back.rows[5].iter().all(|c| *c == Cell::Empty), "the spacer row stays empty");

    // Each demo address is found, in its own grid, with typed cells.
    let answered: Vec<&Vec<Cell>> = back.rows.iter().skip(1).filter(|r| r[0] != Cell::Empty).collect();
    for ((address, grid), row) in addresses.iter().zip(&answered) {
        assert_eq!(row[col(GeocodeColumn::Status)], Cell::Text("matched".into()), "{address}");
        assert_eq!(row[col(GeocodeColumn::MatchedAddress)].text(), *address);
        assert_eq!(row[col(GeocodeColumn::GridCode)].text(), *grid);
        assert!(matches!(row[col(GeocodeColumn::Score)], Cell::Number(s) if s > 0.5 && s <= 1.0));
        assert!(matches!(row[col(GeocodeColumn::Lon)], Cell::Number(x) if (113.9..114.2).contains(&x)));
        assert!(matches!(row[col(GeocodeColumn::Lat)], Cell::Number(y) if (22.4..22.7).contains(&y)));
        for c in [
            GeocodeColumn::GridName,
            GeocodeColumn::CommunityCode,
            GeocodeColumn::StreetName,
            GeocodeColumn::DistrictName,
        ] {
            assert!(matches!(&row[col(c)], Cell::Text(t) if !t.is_empty()), "{c:?} of {address}");
        }
    }
    let n = addresses.len();
    assert_eq!(answered[n][col(GeocodeColumn::Status)].text(), "not_found");
    assert_eq!(answered[n + 1][col(GeocodeColumn::Status)].text(), "not_found", "an empty address cell");
    assert_eq!(answered[n + 1].get(col(GeocodeColumn::MatchedAddress)), Some(&Cell::Empty));
    assert_eq!(answered[n + 2][col(GeocodeColumn::MatchedAddress)].text(), ROOM, "the CLI reads the file: every room");

    // The same statuses, points and grids as the CSV batch of the same addresses.
    let mut csv = String::from("id,address\n");
    for row in &answered {
        csv.push_str(&format!("{},\"{}\"\n", row[0].text(), row[2].text()));
    }
    let csv_in = dir.path().join("same.csv");
    std::fs::write(&csv_in, csv).unwrap();
    let r = wangge(&["geocode", "--db", d, "--csv", csv_in.to_str().unwrap()]);
    assert!(r.status.success(), "{}", text(&r));
    let stdout = String::from_utf8(r.stdout).unwrap();
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    for (rec, row) in reader.records().map(Result::unwrap).zip(&answered) {
        assert_eq!(rec[0], row[0].text());
        assert_eq!(rec[2], row[col(GeocodeColumn::Status)].text());
        assert_eq!(rec[9], row.get(col(GeocodeColumn::GridCode)).map(Cell::text).unwrap_or_default());
        if let Cell::Number(lon) = row[col(GeocodeColumn::Lon)] {
            assert!((rec[6].parse::<f64>().unwrap() - lon).abs() < 1e-6);
        }
    }

    // Answering the answered workbook again writes over the answer columns.
    let again = dir.path().join("again.xlsx");
    assert_eq!(geocode_cli(&db, &out, &again).rows, back.rows);

    // Over HTTP: English headers with lang=en, the same cells, the room cut for an anonymous caller
    // and shown to a planner.
    let planner = wangge(&["token", "create", "--db", d, "--role", "planner", "--name", "规划"]);
    let planner = String::from_utf8(planner.stdout).unwrap().lines().last().unwrap().trim().to_string();
    let (child, base) = serve_process(&db);
    let _server = Killed(child);
    let body = std::fs::read(&input).unwrap();
    let url = format!("{base}/api/v1/geocode/batch?lang=en");
    let (status, bytes) = post(&url, None, &body);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let http = read_first_sheet(&bytes).unwrap();
    let en: Vec<String> = http.rows[0].iter().map(Cell::text).collect();
    assert_eq!(en[6..], headers(Lang::En)[..]);
    assert_eq!(en[6 + 3], "matched_address");
    let room_row = http.rows.len() - 1;
    assert_eq!(http.rows[room_row][col(GeocodeColumn::MatchedAddress)].text(), ROOM_CUT);
    for (h, c) in http.rows.iter().zip(&back.rows).skip(1).take(room_row - 1) {
        assert_eq!(h, c, "HTTP and CLI answer alike");
    }
    let (_, bytes) = post(&url, Some(&planner), &body);
    let full = read_first_sheet(&bytes).unwrap();
    assert_eq!(full.rows[room_row][col(GeocodeColumn::MatchedAddress)].text(), ROOM);

    // Bad workbooks: a 400 that names what is wrong.
    let bad = |body: &[u8], query: &str| {
        let (status, bytes) = post(&format!("{base}/api/v1/geocode/batch?lang=en{query}"), None, body);
        assert_eq!(status, 400, "{}", String::from_utf8_lossy(&bytes));
        error_detail(&bytes)
    };
    let detail = bad(b"address\n1 Main St\n", "");
    assert!(detail.contains("not an Excel workbook"), "{detail}");
    let detail = bad(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], "");
    assert!(detail.contains("old Excel (.xls)"), "{detail}");
    let mut no_address = sheet.clone();
    no_address.rows[0][2] = Cell::Text("住址说明".into());
    let detail = bad(&write_table(&no_address).unwrap(), "");
    assert!(detail.contains("no address column") && detail.contains("住址说明"), "{detail}");
    // Naming the column makes the same workbook answerable.
    let named = format!("{base}/api/v1/geocode/batch?address_column={}", "%E4%BD%8F%E5%9D%80%E8%AF%B4%E6%98%8E");
    let (status, bytes) = post(&named, None, &write_table(&no_address).unwrap());
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let header: Vec<String> = read_first_sheet(&bytes).unwrap().rows[0].iter().map(Cell::text).collect();
    assert_eq!(header[6..], headers(Lang::Zh)[..], "Chinese headers by default");
    let detail = bad(&write_table(&sheet).unwrap(), "&address_column=nosuch");
    assert!(detail.contains("no address column 'nosuch'"), "{detail}");
    let mut long = sheet.clone();
    long.rows[2][2] = Cell::Text("路".repeat(201));
    let detail = bad(&write_table(&long).unwrap(), "");
    assert!(detail.contains("row 3") && detail.contains("longer than 200"), "{detail}");
    let (status, _) = post(&format!("{base}/api/v1/geocode/batch"), None, &write_table(&no_address).unwrap());
    assert_eq!(status, 400, "Chinese message, same status");

    // The OpenAPI document says so: both media types in and out, the address_column parameter.
    let (_, doc) = common::get_json(&format!("{base}/api/v1/openapi.json"));
    let op = &doc["paths"]["/api/v1/geocode/batch"]["post"];
    for at in ["/requestBody/content", "/responses/200/content"] {
        let types = op.pointer(at).and_then(Value::as_object).unwrap();
        assert!(types.contains_key(XLSX) && types.contains_key("text/csv"), "{at}: {types:?}");
    }
    assert!(op["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "address_column"));
}

#[test]
fn a_workbook_over_the_batch_limit_is_a_413_before_any_search() {
    use wangge::api::{AppState, Limits};
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let snapshot = wangge_store::Store::open(&db).unwrap().load_snapshot().unwrap();
    let state = AppState::new(snapshot, root.join("web"), root.join("data"))
        .with_limits(Limits { max_batch_points: 3, ..Limits::default() });
    let server = Server::start_state(state);
    let body = write_table(&visit_sheet(&demo_addresses())).unwrap();
    let (status, bytes) = post(&format!("{}/api/v1/geocode/batch?lang=en", server.base), None, &body);
    assert_eq!(status, 413);
    assert!(error_detail(&bytes).contains("too many addresses"), "{}", String::from_utf8_lossy(&bytes));
}
