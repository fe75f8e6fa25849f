//! Coverage tables to hand on: the per-area statistics of `GET /api/v1/coverage/stats` as CSV
//! and as an Excel workbook. Built from the same JSON values the API answers, so a downloaded
//! table says exactly what the page and the API say.

use serde_json::Value;
use wangge_formats::xlsx::{Cell, Table, XlsxError, write_tables};

/// The columns of a statistics row, in order; the last row of a table is the total (`code`
/// `total`).
pub const STAT_COLUMNS: [&str; 12] = [
    "code",
    "name",
    "area_m2",
    "covered_m2",
    "gap_m2",
    "covered_area_pct",
    "households",
    "covered_households",
    "covered_households_pct",
    "uncovered_households",
    "buildings",
    "covered_buildings",
];

/// The columns of the uncovered-buildings sheet.
pub const UNCOVERED_COLUMNS: [&str; 7] = ["area_code", "code", "name", "households", "estimated", "lon", "lat"];

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn stat_rows<'a>(rows: &'a [Value], total: &'a Value) -> impl Iterator<Item = (String, &'a Value)> {
    rows.iter().map(|r| (text(&r["code"]), r)).chain(std::iter::once(("total".to_string(), total)))
}

/// The statistics as CSV: a header, one row per area, the total last.
pub fn stats_csv(rows: &[Value], total: &Value) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(STAT_COLUMNS);
    for (code, r) in stat_rows(rows, total) {
        let fields = STAT_COLUMNS.iter().map(|k| if *k == "code" { code.clone() } else { text(&r[*k]) });
        let _ = w.write_record(fields);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The statistics as a workbook: a sheet named after the level (one row per area, the total
/// last) and a sheet of the uncovered buildings with the area each lies in.
pub fn stats_xlsx(level: &str, rows: &[Value], total: &Value) -> Result<Vec<u8>, XlsxError> {
    let header = |names: &[&str]| names.iter().map(|n| Cell::Text((*n).to_string())).collect::<Vec<_>>();
    let mut stats = Table { name: level.to_string(), rows: vec![header(&STAT_COLUMNS)] };
    for (code, r) in stat_rows(rows, total) {
        stats.rows.push(
            STAT_COLUMNS
                .iter()
                .map(|k| if *k == "code" { Cell::Text(code.clone()) } else { Cell::from_json(&r[*k]) })
                .collect(),
        );
    }
    let mut uncovered = Table { name: "uncovered_buildings".into(), rows: vec![header(&UNCOVERED_COLUMNS)] };
    for r in rows {
        for b in r["uncovered_buildings"].as_array().into_iter().flatten() {
            let mut row = vec![Cell::from_json(&r["code"])];
            row.extend(UNCOVERED_COLUMNS[1..].iter().map(|k| Cell::from_json(&b[*k])));
            uncovered.rows.push(row);
        }
    }
    write_tables(&[stats, uncovered])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_tables_say_what_the_values_say() {
        let rows = vec![json!({
            "code": "440304006", "name": "福田", "area_m2": 1200.5, "covered_m2": 600.0, "gap_m2": 600.5,
            "covered_area_pct": 49.98, "households": 900, "covered_households": 450, "covered_households_pct": 50.0,
            "uncovered_households": 450, "buildings": 3, "covered_buildings": 1,
            "uncovered_buildings": [{"code": "b1", "name": "1栋", "households": 200, "estimated": true,
                                     "lon": 114.01, "lat": 22.51}]
        })];
        let total = json!({"code": null, "name": "", "area_m2": 1200.5, "households": 900});
        let csv = stats_csv(&rows, &total);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], STAT_COLUMNS.join(","));
        assert_eq!(lines[1], "440304006,福田,1200.5,600.0,600.5,49.98,900,450,50.0,450,3,1");
        assert!(lines[2].starts_with("total,,1200.5,"));
        let book = wangge_formats::xlsx::read_first_sheet(&stats_xlsx("community", &rows, &total).unwrap()).unwrap();
        assert_eq!(book.name, "community");
        assert_eq!(book.rows[1][2], Cell::Number(1200.5));
        assert_eq!(book.rows[2][0], Cell::Text("total".into()));
    }
}
