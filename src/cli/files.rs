//! The command-line face of file import and export (Shapefile, GeoPackage, CSV, GeoJSON in any
//! CRS): prints what was used (encoding, CRS, renamed columns) and every problem, in zh or en.

use super::common::open_existing;
use super::import::finish_import;
use anyhow::{Context, Result};
use std::path::Path;
use wangge_app::files::{ExportOptions, ReadOptions, export_file, parse_text, read_file};
use wangge_app::import::{ImportOptions, Record, import_parsed};
use wangge_core::model::Layer;
use wangge_formats::crs::Crs;
use wangge_formats::formats::{FileError, FileFormat};
use wangge_store::Store;
use wangge_text::Lang;

fn fail(e: &FileError, lang: Lang) -> Result<i32> {
    eprintln!("{}", e.message(lang));
    eprintln!("{}", lang.pick("未写入任何数据。", "Nothing was written."));
    Ok(1)
}

/// `wangge import` of any format (`format`, or what the file's name or first character says): exit 0
/// imported, 1 rejected (nothing written), 2 when the file cannot be read at all.
#[allow(clippy::too_many_arguments)]
pub fn import(
    db: &Path,
    input: &Path,
    format: Option<FileFormat>,
    read: &ReadOptions,
    options: &ImportOptions,
    record: &Record,
    json: bool,
    lang: Lang,
) -> Result<i32> {
    let (parsed, notes) = match format.or_else(|| FileFormat::from_path(input)) {
        Some(f) if !f.is_text() => match read_file(input, f, read) {
            Ok(r) => r,
            Err(e) => return fail(&e, lang),
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
    let mut store = Store::open(db)?;
    finish_import(import_parsed(&mut store, parsed, options, Some(record)), options.layer, input, json, lang)
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
            println!(
                "{}",
                if lang == Lang::Zh {
                    format!(
                        "已导出 {} 个要素（{}，{}）：{}",
                        done.count,
                        options.format.id(),
                        options.crs,
                        files.join(", ")
                    )
                } else {
                    format!(
                        "exported {} features ({}, {}): {}",
                        done.count,
                        options.format.id(),
                        options.crs,
                        files.join(", ")
                    )
                }
            );
            Ok(0)
        }
        Err(e) => fail(&e, lang),
    }
}
