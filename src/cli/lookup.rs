//! `wangge lookup`: one point, or a CSV batch with a progress bar.

use super::common::{answer_all, read_input_file, write_csv};
use anyhow::Result;
use std::path::Path;
use wangge_app::lookup::{lookup_one, points_from_csv, results_to_csv};
use wangge_formats::crs::Crs;
use wangge_text::Lang;
use wangge_text::zh_en;

pub(super) fn lookup_csv(
    snapshot: &wangge_core::snapshot::Snapshot,
    input: &Path,
    out: Option<&Path>,
    crs: Crs,
    lang: Lang,
) -> Result<i32> {
    let bytes = read_input_file(input, lang)?;
    let points = points_from_csv(&bytes, crs, lang).map_err(|e| anyhow::anyhow!("{}: {}", input.display(), e.0))?;
    let results = answer_all(&points, |i, p| {
        lookup_one(snapshot, p, lang).map_err(|e| {
            let row = i + 2;
            anyhow::anyhow!("{}", zh_en!(lang, ("第 {row} 行：{}", e.0), ("row {row}: {}", e.0)))
        })
    })?;
    write_csv(out, &results_to_csv(&results))?;
    let covered = results.iter().filter(|r| r["covered"] == true).count();
    eprintln!(
        "{}",
        zh_en!(
            lang,
            ("共 {} 个点，{} 个在网格内", results.len(), covered),
            ("{} points, {} inside a grid", results.len(), covered)
        )
    );
    Ok(0)
}

pub(super) fn print_answer(answer: &serde_json::Value, lang: Lang) {
    let line = |label: &str, v: &serde_json::Value| {
        if let (Some(code), Some(name)) = (v["code"].as_str(), v["name"].as_str()) {
            println!("{label}\t{name}\t{code}");
        }
    };
    line(lang.pick("区", "district"), &answer["district"]);
    line(lang.pick("街道", "street"), &answer["street"]);
    line(lang.pick("社区", "community"), &answer["community"]);
    if answer["covered"] == true {
        line(lang.pick("网格", "grid"), &answer["grid"]);
    } else if let Some(n) = answer.get("nearest_grid") {
        println!(
            "{}\t{}\t{}\t{} m",
            lang.pick("不在任何网格内；最近网格", "not in any grid; nearest grid"),
            n["name"].as_str().unwrap_or(""),
            n["code"].as_str().unwrap_or(""),
            n["distance_m"]
        );
    } else {
        println!("{}", lang.pick("不在任何网格内", "not in any grid"));
    }
}
