//! `wangge import --network NAME FILE` and `wangge align --network NAME [--level …] [--out FILE]`:
//! other departments' networks and how they line up with ours (多网合一).

use super::common::{open_existing, report_problems, write_atomically};
use anyhow::{Result, bail};
use std::path::Path;
use wangge_app::align::{Level, pieces_geojson, report, report_xlsx};
use wangge_app::files::ReadOptions;
use wangge_app::import::ImportError;
use wangge_core::align::AlignConfig;
use wangge_formats::formats::FileFormat;
use wangge_store::WriteMode;
use wangge_store::networks::valid_name;
use wangge_text::{Lang, zh_en};

/// How `import --network` was asked to read and record.
pub(super) struct NetworkImport<'a> {
    pub db: &'a Path,
    pub name: &'a str,
    pub input: &'a Path,
    pub format: Option<FileFormat>,
    pub read: ReadOptions,
    pub mode: WriteMode,
    pub author: Option<String>,
    pub json: bool,
    pub repair: bool,
}

fn check_name(name: &str, lang: Lang) -> Result<()> {
    if !valid_name(name) {
        bail!(
            "{}",
            zh_en!(
                lang,
                ("网络名称 \"{name}\" 无效：应为 1–64 个字母、数字、_ 或 -"),
                ("network name \"{name}\" is not valid: 1–64 letters, digits, _ or -")
            )
        );
    }
    Ok(())
}

/// Imports a network: exit 0 written (as a new version), 1 refused (nothing written), 2 unreadable.
pub(super) fn import_network(args: NetworkImport<'_>, lang: Lang) -> Result<i32> {
    check_name(args.name, lang)?;
    let repair = args.repair.then_some((wangge_core::model::Layer::Grid, args.json));
    let parsed = match super::files::read_input(args.input, args.format, &args.read, repair, lang)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let mut store = open_existing(args.db, lang)?;
    let file =
        args.input.file_name().map_or_else(|| args.input.display().to_string(), |n| n.to_string_lossy().into_owned());
    let message = format!("import network {} from {file} (mode {}, {{n}} features)", args.name, args.mode.id());
    let author = super::plan::cli_author(args.author);
    match wangge_app::align::import_network(&mut *store, args.name, parsed, args.mode, &author, &message) {
        Ok((r, version)) => {
            println!(
                "{}",
                zh_en!(
                    lang,
                    (
                        "已导入网络 {}（版本 {version}）：新增 {}，更新 {}，删除 {}",
                        args.name,
                        r.inserted,
                        r.updated,
                        r.deleted
                    ),
                    (
                        "imported network {} (version {version}): {} inserted, {} updated, {} deleted",
                        args.name,
                        r.inserted,
                        r.updated,
                        r.deleted
                    )
                )
            );
            Ok(0)
        }
        Err(ImportError::Rejected(problems)) => {
            report_problems(&problems, args.json, lang, &args.input.display().to_string());
            eprintln!("{}", lang.pick("未写入任何数据。", "Nothing was written."));
            Ok(1)
        }
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}

/// Writes the alignment report of `network` against `level`: to `out` as JSON, CSV, .xlsx or
/// GeoJSON (by its extension), or as JSON to stdout; a one-line summary goes to stderr.
pub(super) fn align(db: &Path, network: &str, level: &str, out: Option<&Path>, lang: Lang) -> Result<i32> {
    let Ok(level) = level.parse::<Level>() else {
        bail!(
            "{}",
            zh_en!(
                lang,
                ("--level 的值 \"{level}\" 无效：应为 grid、community 或 street"),
                ("--level \"{level}\" is not grid, community or street")
            )
        );
    };
    let store = open_existing(db, lang)?;
    let (Some(version), Some(features)) = (store.network_version(network)?, store.load_network(network, None)?) else {
        let known: Vec<String> = store.networks()?.into_iter().map(|n| n.name).collect();
        let known = if known.is_empty() { "-".to_string() } else { known.join(", ") };
        bail!(
            "{}",
            zh_en!(
                lang,
                ("没有名为 \"{network}\" 的网络（已有：{known}）"),
                ("no network named \"{network}\" (known: {known})")
            )
        );
    };
    let snapshot = store.load_snapshot()?;
    let (value, alignment) = report(&snapshot, level, (network, version, &features), &AlignConfig::default());
    let ext = out.and_then(|p| p.extension()).map(|e| e.to_string_lossy().to_lowercase());
    let bytes = match ext.as_deref() {
        None => {
            println!("{}", serde_json::to_string_pretty(&value)?);
            Vec::new()
        }
        Some("csv") => wangge_app::align::pairs_csv(&value).into_bytes(),
        Some("xlsx") => report_xlsx(&value).map_err(|e| anyhow::anyhow!(e.0))?,
        Some("geojson") => serde_json::to_vec(&pieces_geojson(&value, &alignment))?,
        Some("json") => serde_json::to_vec_pretty(&value)?,
        Some(other) => bail!(
            "{}",
            zh_en!(
                lang,
                ("--out 的扩展名 .{other} 不支持：应为 .json、.csv、.xlsx 或 .geojson"),
                ("--out: .{other} is not supported (.json, .csv, .xlsx or .geojson)")
            )
        ),
    };
    if let Some(path) = out {
        write_atomically(path, &bytes)?;
    }
    let all = &value["summary"]["all"];
    let [pairs, identical, nested, split, crossed, slivers, mismatched] =
        ["pairs", "identical", "nested", "split", "many_to_many", "slivers", "households_mismatched"].map(|k| &all[k]);
    let (v_households, v_area) = (&all["by_households"]["v_measure"], &all["by_area"]["v_measure"]);
    tell!(
        lang,
        ("{pairs} 对：一致 {identical}，嵌套 {nested}，拆分 {split}，交错 {crossed}；碎片 {slivers}；V 值（户）{v_households}，（面积）{v_area}；不一致处户数 {mismatched}"),
        ("{pairs} pairs: {identical} identical, {nested} nested, {split} split, {crossed} many-to-many; {slivers} slivers; V-measure {v_households} (households), {v_area} (area); {mismatched} households in mismatched pieces")
    );
    Ok(0)
}
