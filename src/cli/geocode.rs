//! `wangge import-addresses` and the batch forms of `wangge geocode` (CSV and Excel).

use super::common::{answer_all, read_input_file, write_csv};
use anyhow::{Context, Result};
use std::path::Path;
use wangge_app::address::{batch_csv, batch_queries, batch_row, link};
use wangge_core::address::Gazetteer;
use wangge_formats::addresses::{read_csv, read_osm_pbf};
use wangge_formats::crs::Crs;
use wangge_store::WriteMode;
use wangge_text::Lang;

pub(super) fn import_addresses(db: &Path, crs: Crs, mode: WriteMode, input: &Path, lang: Lang) -> Result<i32> {
    let name = input.to_string_lossy().to_ascii_lowercase();
    let (rows, source) = if name.ends_with(".pbf") {
        (read_osm_pbf(input).map_err(|e| anyhow::anyhow!(e.0))?, "osm")
    } else {
        let bytes = std::fs::read(input)
            .with_context(|| format!("{} {}", lang.pick("无法读取", "cannot read"), input.display()))?;
        (read_csv(&bytes).map_err(|e| anyhow::anyhow!("{}: {}", input.display(), e.0))?, "csv")
    };
    let mut store = super::common::open_db(db)?;
    let snapshot = store.load_snapshot()?;
    match link(rows, &snapshot, crs, source) {
        Ok(records) => {
            let r = store.write_addresses(&records, mode)?;
            let in_grid = records.iter().filter(|r| r.grid.is_some()).count();
            say!(
                lang,
                ("已导入 {} 条地址（新增 {}，更新 {}），{} 条在网格内", records.len(), r.inserted, r.updated, in_grid),
                (
                    "imported {} addresses ({} inserted, {} updated), {in_grid} inside a grid",
                    records.len(),
                    r.inserted,
                    r.updated
                )
            );
            Ok(0)
        }
        Err(problems) => {
            for p in &problems {
                eprintln!("  {p}");
            }
            eprintln!("{}", lang.pick("未写入任何数据。", "Nothing was written."));
            Ok(1)
        }
    }
}

pub(super) fn geocode_csv(g: &Gazetteer, input: &Path, out: Option<&Path>, lang: Lang) -> Result<i32> {
    let bytes = read_input_file(input, lang)?;
    let queries = batch_queries(&bytes, lang).map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
    let rows = answer_all(&queries, |_, (id, q)| Ok(batch_row(g, id, q)))?;
    write_csv(out, &batch_csv(&rows))?;
    let count = |s: &str| rows.iter().filter(|r| r[2] == s).count();
    let (m, a, n) = (count("matched"), count("ambiguous"), count("not_found"));
    tell!(
        lang,
        ("共 {} 条：匹配 {m}，有歧义 {a}，未找到 {n}", rows.len()),
        ("{} rows: {m} matched, {a} ambiguous, {n} not found", rows.len())
    );
    Ok(0)
}

/// `wangge geocode --xlsx IN --out OUT [--address-column NAME]`: the workbook's first sheet with
/// the match and hierarchy columns added ([`wangge_app::geocode_xlsx`]), headers in `lang`,
/// written atomically. The CLI reads the database file itself, so it sees every room.
pub(super) fn geocode_xlsx(
    g: &Gazetteer,
    input: &Path,
    out: &Path,
    address_column: Option<&str>,
    lang: Lang,
) -> Result<i32> {
    use wangge_app::geocode_xlsx::{GeocodeSheet, geocode_xlsx};
    let bytes = read_input_file(input, lang)?;
    let header = |c| wangge_text::catalog(lang).geocode_column(c);
    let sheet = GeocodeSheet {
        address_column,
        max_rows: usize::MAX,
        max_query_chars: usize::MAX,
        header: &header,
        may_see_rooms: &|_| true,
    };
    let (answer, n) = geocode_xlsx(g, &bytes, &sheet, lang).map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
    super::common::write_atomically(out, &answer)?;
    tell!(
        lang,
        ("共 {} 条：匹配 {}，有歧义 {}，未找到 {}：{}", n.rows, n.matched, n.ambiguous, n.not_found, out.display()),
        (
            "{} rows: {} matched, {} ambiguous, {} not found: {}",
            n.rows,
            n.matched,
            n.ambiguous,
            n.not_found,
            out.display()
        )
    );
    Ok(0)
}
