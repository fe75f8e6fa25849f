//! `wangge import` and `wangge export` of GeoJSON (other formats are in [`super::files`]): the revision an
//! import records, and what it prints.

use super::common::report_problems;
use anyhow::Result;
use std::path::Path;
use wangge_app::import::ImportError;
use wangge_core::model::Layer;
use wangge_store::WriteMode;
use wangge_text::zh_en;
use wangge_text::{Label, Lang};

/// Prints what an import did (exit 0) or every problem (exit 1, nothing written).
/// How a command-line import is recorded: author `--author` or the OS user (role `cli`), a message
/// naming the layer, the file, the mode and the number of features, and the effective date.
pub(super) fn import_record(
    layer: Layer,
    mode: WriteMode,
    input: &Path,
    author: Option<String>,
    effective_date: Option<String>,
    lang: Lang,
) -> Result<wangge_app::import::Record> {
    let effective_date = match effective_date {
        Some(d) => crate::api::history::parse_date(&d, lang).map_err(|e| anyhow::anyhow!(e.detail))?,
        None => crate::api::history::today(),
    };
    let file = input.file_name().map_or_else(|| input.display().to_string(), |n| n.to_string_lossy().into_owned());
    let mode = mode.id().to_string();
    let message = zh_en!(
        lang,
        ("导入 {layer} 图层自 {file}（方式 {mode}，{{n}} 个要素）"),
        ("import {layer} from {file} (mode {mode}, {{n}} features)")
    );
    Ok(wangge_app::import::Record { author: crate::cli::plan::cli_author(author), message, effective_date })
}

pub(super) fn finish_import(
    result: Result<wangge_app::import::Imported, ImportError>,
    layer: Layer,
    input: &Path,
    json: bool,
    lang: Lang,
) -> Result<i32> {
    match result {
        Ok(r) => {
            say!(
                lang,
                (
                    "已导入 {} 图层：新增 {}，更新 {}，删除 {}",
                    layer.label(lang),
                    r.report.inserted,
                    r.report.updated,
                    r.report.deleted
                ),
                (
                    "imported into layer {layer}: {} inserted, {} updated, {} deleted",
                    r.report.inserted,
                    r.report.updated,
                    r.report.deleted
                )
            );
            if let Some(rev) = &r.revision {
                say!(
                    lang,
                    ("已记录为修订 {}（{}，{} 起生效）", rev.id, rev.author, rev.effective_date),
                    ("recorded as revision {} ({}, effective {})", rev.id, rev.author, rev.effective_date)
                );
            }
            Ok(0)
        }
        Err(ImportError::Rejected(problems)) => {
            report_problems(&problems, json, lang, &input.display().to_string());
            eprintln!("{}", lang.pick("未写入任何数据。", "Nothing was written."));
            Ok(1)
        }
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}
