//! The streamed CSV batch (`wangge lookup --csv`): the same answer as the HTTP batch's CSV for the
//! same points, across chunk boundaries and per-row coordinate systems, and a bad row that stops
//! the batch with its line number and leaves no output file.

mod common;

use common::{Server, city_db, text, wangge};
use std::path::Path;
use std::process::Output;

/// `wangge lookup --db DB --FLAG INPUT --out OUT`, in English.
fn batch(db: &Path, flag: &str, input: &Path, out: &Path) -> Output {
    let [db, input, out] = [db, input, out].map(|p| p.to_str().unwrap().to_string());
    wangge(&["--lang", "en", "lookup", "--db", &db, flag, &input, "--out", &out])
}

/// `n` points over the test city and around it (about half outside every grid), every
/// seventh in GCJ-02 through the `crs` column, as a grid worker's spreadsheet would have them.
fn points_csv(n: usize) -> String {
    let mut state = 0x5eed_u64;
    let mut csv = String::from("id,lon,lat,crs\n");
    for i in 0..n {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let (u, v) = ((state >> 11) as f64 / (1u64 << 53) as f64, (state >> 3 & 0xffff) as f64 / 65536.0);
        let (lon, lat) = (113.997 + u * 0.022, 22.497 + v * 0.022);
        let crs = if i % 7 == 0 { "gcj02" } else { "" };
        csv.push_str(&format!("p{i},{lon:.6},{lat:.6},{crs}\n"));
    }
    csv
}

#[test]
fn streamed_answer_is_the_http_batch_answer_across_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    // More rows than one chunk (65,536), so the order across chunks and threads is checked.
    let csv = points_csv(70_000);
    let input = dir.path().join("points.csv");
    std::fs::write(&input, &csv).unwrap();
    let out = dir.path().join("answer.csv");
    let r = batch(&db, "--csv", &input, &out);
    assert!(r.status.success(), "{}", text(&r));
    let streamed = std::fs::read_to_string(&out).unwrap();
    let (status, http) = Server::start(&db).post("/api/v1/lookup?format=csv", "text/csv", &csv);
    assert_eq!(status, 200, "{http}");
    assert_eq!(streamed.lines().count(), 70_001);
    let covered = streamed.lines().skip(1).filter(|l| l.split(',').nth(3) == Some("true")).count();
    assert!(covered > 10_000 && covered < 69_000, "a mix of covered and uncovered points: {covered}");
    assert!(text(&r).contains(&format!("70000 points, {covered} inside a grid")), "{}", text(&r));
    // Line by line, so a difference is shown where it is.
    for (i, (a, b)) in streamed.lines().zip(http.lines()).enumerate() {
        assert_eq!(a, b, "line {}", i + 1);
    }
    assert_eq!(streamed.trim_end(), http.trim_end());
}

#[test]
fn a_bad_row_after_the_first_chunk_stops_the_batch_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let out = dir.path().join("answer.csv");
    for (bad, line, says) in [("abc", 90_002, "lon 'abc' is not a number"), ("500", 80_002, "outside longitude")] {
        let mut csv = points_csv(100_000);
        // Replace the longitude of the data row on `line` (line 1 is the header).
        let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
        let fields: Vec<&str> = lines[line - 1].split(',').collect();
        lines[line - 1] = format!("{},{bad},{},{}", fields[0], fields[2], fields[3]);
        csv = lines.join("\n") + "\n";
        let input = dir.path().join("points.csv");
        std::fs::write(&input, &csv).unwrap();
        let r = batch(&db, "--csv", &input, &out);
        assert!(!r.status.success(), "a bad row fails the batch");
        let msg = text(&r);
        assert!(msg.contains(&format!("row {line}")) && msg.contains(says), "{msg}");
        assert!(!out.exists(), "no answer file after a failed batch");
        assert!(!out.with_extension("partial").exists(), "no temporary file left behind");
    }
}

/// A grid worker's visit sheet: text ids with leading zeros, names, numbers and text coordinates,
/// a yes/no column, a date, and an empty spacer row.
fn visit_sheet(n: usize) -> wangge_formats::xlsx::Table {
    use wangge_formats::xlsx::Cell;
    let header = ["编号", "姓名", "lon", "LAT", "已走访", "日期"].map(|h| Cell::Text(h.into())).to_vec();
    let mut rows = vec![header];
    for i in 0..n {
        if i == 3 {
            rows.push(vec![Cell::Empty; 6]);
        }
        let (lon, lat) = (113.998 + (i % 23) as f64 * 0.0009, 22.498 + (i % 19) as f64 * 0.0011);
        rows.push(vec![
            Cell::Text(format!("{i:04}")),
            Cell::Text(format!("住户{i}")),
            Cell::Number(lon),
            if i % 2 == 0 { Cell::Number(lat) } else { Cell::Text(format!("{lat}")) },
            Cell::Bool(i % 3 == 0),
            Cell::Date(46_000.0 + i as f64),
        ]);
    }
    wangge_formats::xlsx::Table { name: "走访".into(), rows }
}

#[test]
fn a_workbook_comes_back_with_every_column_and_the_grid_columns_added() {
    use wangge_formats::xlsx::{Cell, read_first_sheet, write_table};
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let sheet = visit_sheet(60);
    let input = dir.path().join("visits.xlsx");
    std::fs::write(&input, write_table(&sheet).unwrap()).unwrap();
    let out = dir.path().join("answered.xlsx");
    let r = batch(&db, "--xlsx", &input, &out);
    assert!(r.status.success(), "{}", text(&r));
    let back = read_first_sheet(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(back.name, "走访");
    assert_eq!(back.rows.len(), sheet.rows.len(), "every row, the spacer too");
    let header: Vec<String> = back.rows[0].iter().map(Cell::text).collect();
    assert_eq!(header[..6], ["编号", "姓名", "lon", "LAT", "已走访", "日期"]);
    assert_eq!(header[6..], wangge_app::lookup::BATCH_COLUMNS[3..], "the answer columns, from covered on");
    assert_eq!(header[7], "grid_code");
    for (got, want) in back.rows.iter().zip(&sheet.rows).skip(1) {
        assert_eq!(got[..want.len()], want[..], "user cells keep their values and types");
    }
    assert!(back.rows[4].iter().all(|c| *c == Cell::Empty), "the spacer row stays empty");
    // The grid column agrees with the CSV batch for the same points.
    let csv: String = std::iter::once("id,lon,lat\n".to_string())
        .chain(
            sheet
                .rows
                .iter()
                .skip(1)
                .filter(|r| r[0] != Cell::Empty)
                .map(|r| format!("{},{},{}\n", r[0].text(), r[2].text(), r[3].text())),
        )
        .collect();
    let csv_in = dir.path().join("same.csv");
    std::fs::write(&csv_in, csv).unwrap();
    let r = wangge(&["lookup", "--db", db.to_str().unwrap(), "--csv", csv_in.to_str().unwrap()]);
    let by_csv: Vec<(String, String)> = String::from_utf8(r.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[4].to_string())
        })
        .collect();
    let by_xlsx: Vec<(String, String)> =
        back.rows.iter().skip(1).filter(|r| r[0] != Cell::Empty).map(|r| (r[0].text(), r[7].text())).collect();
    assert_eq!(by_xlsx, by_csv);
    assert!(by_xlsx.iter().any(|(_, g)| g.is_empty()) && by_xlsx.iter().any(|(_, g)| !g.is_empty()));

    // Answering the answered workbook again replaces the answer columns instead of adding more.
    let again = dir.path().join("again.xlsx");
    assert!(batch(&db, "--xlsx", &out, &again).status.success());
    let twice = read_first_sheet(&std::fs::read(&again).unwrap()).unwrap();
    assert_eq!(twice.rows, back.rows);

    // Over HTTP, a workbook body is answered with a workbook.
    let body = std::fs::read(&input).unwrap();
    let resp = ureq::post(&format!("{}/api/v1/lookup", Server::start(&db).base))
        .header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .send(&body[..])
        .unwrap();
    assert!(resp.headers().get("content-type").unwrap().to_str().unwrap().contains("spreadsheetml"));
    let http = read_first_sheet(&resp.into_body().read_to_vec().unwrap()).unwrap();
    assert_eq!(http.rows, back.rows);
}

#[test]
fn a_bad_workbook_row_or_file_is_named() {
    use wangge_formats::xlsx::{Cell, write_table};
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let mut sheet = visit_sheet(10);
    sheet.rows[6][2] = Cell::Text("东经114".into());
    let input = dir.path().join("visits.xlsx");
    std::fs::write(&input, write_table(&sheet).unwrap()).unwrap();
    let out = dir.path().join("answered.xlsx");
    let r = batch(&db, "--xlsx", &input, &out);
    assert!(!r.status.success());
    assert!(text(&r).contains("row 7: lon '东经114' is not a number"), "{}", text(&r));
    assert!(!out.exists());
    std::fs::write(&input, "lon,lat\n114,22.5\n").unwrap();
    let r = batch(&db, "--xlsx", &input, &out);
    assert!(!r.status.success() && text(&r).contains("xlsx"), "{}", text(&r));
}

#[test]
fn a_workbook_over_the_batch_limit_is_a_413_before_any_lookup() {
    use wangge::api::{AppState, Limits};
    use wangge_store::Store;
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let state = AppState::new(Store::open(&db).unwrap().load_snapshot().unwrap(), root.join("web"), root.join("data"))
        .with_limits(Limits { max_batch_points: 5, ..Limits::default() });
    let server = Server::start_state(state);
    let body = wangge_formats::xlsx::write_table(&visit_sheet(10)).unwrap();
    let mut resp = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
        .post(&format!("{}/api/v1/lookup?lang=en", server.base))
        .header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .send(&body[..])
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);
    let v: serde_json::Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
    assert!(v["detail"].as_str().unwrap().contains("too many points"), "{v}");
}

#[test]
fn a_streamed_csv_batch_checks_every_row_before_answering() {
    use wangge::api::{AppState, Limits};
    use wangge_store::Store;
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let state = AppState::new(Store::open(&db).unwrap().load_snapshot().unwrap(), root.join("web"), root.join("data"))
        .with_limits(Limits { max_batch_points: 90_000, ..Limits::default() });
    let server = Server::start_state(state);
    let path = "/api/v1/lookup?format=csv&lang=en";
    // A bad row past the first chunk is still a 400 naming its line: no answer has been sent yet.
    for (bad, line, says) in [("abc", 80_002, "lon 'abc' is not a number"), ("500", 70_002, "outside longitude")] {
        let mut lines: Vec<String> = points_csv(85_000).lines().map(str::to_string).collect();
        let fields: Vec<&str> = lines[line - 1].split(',').collect();
        lines[line - 1] = format!("{},{bad},{},{}", fields[0], fields[2], fields[3]);
        let (status, body) = server.post(path, "text/csv", &(lines.join("\n") + "\n"));
        assert_eq!(status, 400, "{body}");
        assert!(body.contains(&format!("row {line}")) && body.contains(says), "{body}");
    }
    // Over the limit: 413 with the whole count, not the count where reading stopped.
    let (status, body) = server.post(path, "text/csv", &points_csv(90_001));
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("90001 > 90000"), "{body}");
    // A header alone is an empty answer, with the answer's header.
    let (status, body) = server.post(path, "text/csv", "id,lon,lat\n");
    assert_eq!((status, body.trim_end()), (200, wangge_app::lookup::BATCH_COLUMNS.join(",").as_str()));
}

#[test]
fn a_streamed_csv_answer_survives_compression() {
    // Browsers ask for gzip; the compressing layer polls the streamed body once more after its
    // end, which used to panic the worker and cut the answer.
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let server = Server::start(&db);
    let body: String = std::iter::once("lon,lat\n".to_string())
        .chain((0..5000).map(|i| format!("{},{}\n", 114.0 + (i % 100) as f64 * 1e-4, 22.5)))
        .collect();
    for _ in 0..3 {
        let resp = ureq::post(&format!("{}/api/v1/lookup?format=csv", server.base))
            .header("Content-Type", "text/csv")
            .header("Accept-Encoding", "gzip")
            .send(body.as_bytes())
            .unwrap();
        assert_eq!(resp.headers().get("content-encoding").map(|v| v.to_str().unwrap()), Some("gzip"));
        let bytes = resp.into_body().read_to_vec().unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text).unwrap();
        assert_eq!(text.lines().count(), 5001, "the whole answer, header and every row");
    }
}
