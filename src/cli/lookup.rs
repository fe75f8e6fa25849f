//! `wangge lookup`: one point, or a CSV batch with a progress bar.

use anyhow::{Context, Result};
use std::path::Path;
use wangge_app::batch::lookup_csv_stream;
use wangge_formats::crs::Crs;
use wangge_text::Lang;

/// `wangge lookup --csv`: streams the file through [`lookup_csv_stream`] with a progress bar by
/// bytes read. With `--out`, the answer goes to a temporary sibling renamed into place at the end,
/// so a batch stopped by a bad row leaves no file; on stdout, earlier rows may have been printed.
pub(super) fn lookup_csv(
    snapshot: &wangge_core::snapshot::Snapshot,
    input: &Path,
    out: Option<&Path>,
    crs: Crs,
    lang: Lang,
) -> Result<i32> {
    let cannot_read = || format!("{} {}", lang.pick("无法读取", "cannot read"), input.display());
    let file = std::fs::File::open(input).with_context(cannot_read)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = indicatif::ProgressBar::new(size);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = |_, bytes| bar.set_position(bytes);
    let input_reader = std::io::BufReader::with_capacity(1 << 20, file);
    let result = match out {
        Some(path) => {
            let tmp = path.with_extension("partial");
            let file = std::fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
            let result = lookup_csv_stream(snapshot, input_reader, file, crs, lang, progress);
            match &result {
                Ok(_) => std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?,
                Err(_) => {
                    let _ = std::fs::remove_file(&tmp);
                }
            }
            result
        }
        None => lookup_csv_stream(snapshot, input_reader, std::io::stdout().lock(), crs, lang, progress),
    };
    bar.finish_and_clear();
    let count = result.map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
    tell!(
        lang,
        ("共 {} 个点，{} 个在网格内", count.points, count.covered),
        ("{} points, {} inside a grid", count.points, count.covered)
    );
    Ok(0)
}

/// `wangge lookup --xlsx IN --out OUT`: the workbook's first sheet with the answer columns
/// added ([`wangge_app::batch::lookup_xlsx`]), written atomically.
pub(super) fn lookup_xlsx(
    snapshot: &wangge_core::snapshot::Snapshot,
    input: &Path,
    out: &Path,
    crs: Crs,
    lang: Lang,
) -> Result<i32> {
    let bytes = super::common::read_input_file(input, lang)?;
    let (answer, count) = wangge_app::batch::lookup_xlsx(snapshot, &bytes, crs, lang, usize::MAX)
        .map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
    super::common::write_atomically(out, &answer)?;
    tell!(
        lang,
        ("共 {} 个点，{} 个在网格内：{}", count.points, count.covered, out.display()),
        ("{} points, {} inside a grid: {}", count.points, count.covered, out.display())
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
