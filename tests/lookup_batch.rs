//! The streamed CSV batch (`wangge lookup --csv`): the same answer as the HTTP batch's CSV for the
//! same points, across chunk boundaries and per-row coordinate systems, and a bad row that stops
//! the batch with its line number and leaves no output file.

mod common;

use common::{Server, city_db, text, wangge};

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
    let r = wangge(&[
        "--lang",
        "en",
        "lookup",
        "--db",
        db.to_str().unwrap(),
        "--csv",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
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
        let r = wangge(&[
            "--lang",
            "en",
            "lookup",
            "--db",
            db.to_str().unwrap(),
            "--csv",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(!r.status.success(), "a bad row fails the batch");
        let msg = text(&r);
        assert!(msg.contains(&format!("row {line}")) && msg.contains(says), "{msg}");
        assert!(!out.exists(), "no answer file after a failed batch");
        assert!(!out.with_extension("partial").exists(), "no temporary file left behind");
    }
}
