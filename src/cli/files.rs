//! The command-line face of file import and export (Shapefile, GeoPackage, CSV, GeoJSON in any
//! CRS): prints what was used (encoding, CRS, renamed columns) and every problem, in zh or en.

use super::common::{open_existing, report_problems};
use super::import::finish_import;
use anyhow::{Context, Result};
use std::path::Path;
use wangge_app::files::{ExportOptions, ReadOptions, export_file, parse_text, read_file};
use wangge_app::import::{
    ImportOptions, Record, RepairReport, check_parsed, import_geojson, import_parsed, repair_parsed,
};
use wangge_core::model::Layer;
use wangge_formats::crs::Crs;
use wangge_formats::formats::{FileError, FileFormat};
use wangge_text::Lang;

fn fail(e: &FileError, lang: Lang) -> Result<i32> {
    eprintln!("{}", e.message(lang));
    eprintln!("{}", lang.pick("未写入任何数据。", "Nothing was written."));
    Ok(1)
}

/// Reads `input` in any format (`format`, or what the file's name or first character says), in WGS 84:
/// `Err(exit code)` when the file cannot be read at all (the reason is printed).
/// With `repair`, invalid polygons are then made valid as features of `layer` (see [`repair_parsed`])
/// and every repair is reported.
pub(super) fn read_input(
    input: &Path,
    format: Option<FileFormat>,
    read: &ReadOptions,
    repair: Option<(Layer, bool)>,
    lang: Lang,
) -> Result<std::result::Result<wangge_formats::geojson::Parsed, i32>> {
    let (parsed, notes) = match format.or_else(|| FileFormat::from_path(input)) {
        Some(f) if !f.is_text() => match read_file(input, f, read) {
            Ok(r) => r,
            Err(e) => return fail(&e, lang).map(Err),
        },
        format => {
            let text = std::fs::read_to_string(input)
                .with_context(|| format!("{} {}", lang.pick("无法读取", "cannot read"), input.display()))?;
            let format = format.unwrap_or_else(|| FileFormat::sniff(&input.to_string_lossy(), &text));
            (parse_text(&text, format, read.crs.unwrap_or(Crs::Wgs84)), Vec::new())
        }
    };
    for n in &notes {
        eprintln!("{}", n.text(lang));
    }
    let mut parsed = parsed;
    if let Some((layer, json)) = repair {
        report_repairs(&repair_parsed(&mut parsed, layer), json, lang);
    }
    Ok(Ok(parsed))
}

/// Prints what `--repair` changed, one line per feature on stderr (stdout keeps the problems'
/// contract); with `json`, one JSON object `{"repaired":[…]}`.
fn report_repairs(repairs: &[RepairReport], json: bool, lang: Lang) {
    if json {
        eprintln!("{}", serde_json::json!({ "repaired": repairs }));
        return;
    }
    for r in repairs {
        let rules = r.rules.join(", ");
        tell!(
            lang,
            (
                "已修复要素 #{}（编码 {}，{rules}）：面积 {:.1} → {:.1} 平方米",
                r.index,
                r.code,
                r.area_before_m2,
                r.area_after_m2
            ),
            (
                "repaired feature #{} (code {}, {rules}): area {:.1} → {:.1} m²",
                r.index,
                r.code,
                r.area_before_m2,
                r.area_after_m2
            )
        );
    }
}

/// `wangge import` of any format (`format`, or what the file's name or first character says): exit 0
/// imported, 1 rejected (nothing written), 2 when the file cannot be read at all. With `repair`,
/// invalid polygons are made valid first (see [`repair_parsed`]) and every repair is reported.
#[allow(clippy::too_many_arguments)]
pub fn import(
    db: &Path,
    input: &Path,
    format: Option<FileFormat>,
    read: &ReadOptions,
    options: &ImportOptions,
    record: &Record,
    json: bool,
    repair: bool,
    lang: Lang,
) -> Result<i32> {
    let known = format.or_else(|| FileFormat::from_path(input));
    // The streaming write is the GeoPackage's (prepared statements in one SQLite transaction); a
    // PostgreSQL store takes the parsed path below.
    let streams = !super::common::is_url(db);
    if streams && !repair && !options.generate_codes && matches!(known, None | Some(FileFormat::GeoJson)) {
        let text = std::fs::read_to_string(input)
            .with_context(|| format!("{} {}", lang.pick("无法读取", "cannot read"), input.display()))?;
        if known.unwrap_or_else(|| FileFormat::sniff(&input.to_string_lossy(), &text)) == FileFormat::GeoJson {
            // Read, checked and written one feature at a time: a national layer never sits in memory whole.
            let mut store = wangge_store::Store::open(db)?;
            let options = ImportOptions { crs: read.crs.unwrap_or(Crs::Wgs84), ..*options };
            let result = import_geojson(&mut store, &text, &options, Some(record));
            return finish_import(result, options.layer, input, json, lang);
        }
    }
    let parsed = match read_input(input, format, read, repair.then_some((options.layer, json)), lang)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let mut store = super::common::open_db(db)?;
    finish_import(import_parsed(&mut *store, parsed, options, Some(record)), options.layer, input, json, lang)
}

/// `wangge check`: everything `wangge import` would refuse in `input`, without writing. Without
/// `db`, parents are not looked up. Exit 0 when the import would pass, 1 when it would not.
#[allow(clippy::too_many_arguments)]
pub fn check(
    db: Option<&Path>,
    input: &Path,
    layer: Option<Layer>,
    format: Option<FileFormat>,
    read: &ReadOptions,
    mode: wangge_store::WriteMode,
    tolerance_m: f64,
    json: bool,
    repair: bool,
    lang: Lang,
) -> Result<i32> {
    let repair = repair.then_some((layer.unwrap_or(Layer::Building), json));
    let parsed = match read_input(input, format, read, repair, lang)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let count = parsed.features.len() + parsed.problems.iter().filter(|p| p.index.is_some()).count();
    let current = match db {
        Some(db) => Some(open_existing(db, lang)?.load_snapshot()?),
        None => None,
    };
    let problems = check_parsed(parsed, layer, current.as_ref(), mode, tolerance_m);
    if problems.is_empty() {
        if json {
            println!("[]");
        } else {
            say!(
                lang,
                ("未发现问题：{} 可以导入（约 {count} 个要素）", input.display()),
                ("no problems: {} can be imported (about {count} features)", input.display())
            );
        }
        return Ok(0);
    }
    report_problems(&problems, json, lang, &input.display().to_string());
    Ok(1)
}

/// `wangge export` to any format and CRS: exit 0 written, 1 refused (nothing written).
pub fn export(db: &Path, layer: Layer, output: &Path, options: &ExportOptions, lang: Lang) -> Result<i32> {
    let store = open_existing(db, lang)?;
    let features = store.load_layer(layer)?;
    match export_file(output, layer, &features, options) {
        Ok(done) => {
            for n in &done.notes {
                eprintln!("{}", n.text(lang));
            }
            let files: Vec<String> = done.files.iter().map(|p| p.display().to_string()).collect();
            say!(
                lang,
                ("已导出 {} 个要素（{}，{}）：{}", done.count, options.format.id(), options.crs, files.join(", ")),
                ("exported {} features ({}, {}): {}", done.count, options.format.id(), options.crs, files.join(", "))
            );
            Ok(0)
        }
        Err(e) => fail(&e, lang),
    }
}
