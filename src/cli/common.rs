//! What every command shares: opening an existing database, printing problems, writing a file
//! atomically, and the read → rows with a progress bar → CSV out of the batch commands.

use anyhow::{Context, Result, bail};
use std::path::Path;
use wangge_core::problem::Problem;
use wangge_core::snapshot::Snapshot;
use wangge_store::{Db, Store};
use wangge_text::zh_en;
use wangge_text::{Lang, Text};

/// Opens the database `db` names: a `postgres://` URL (migrated to this build's schema) or a
/// GeoPackage file, which must exist.
pub(super) fn open_existing(db: &Path, lang: Lang) -> Result<Box<dyn Db>> {
    if !is_url(db) && !db.exists() {
        bail!("{} {}", lang.pick("数据库不存在：", "database does not exist:"), db.display());
    }
    open_db(db)
}

/// The published snapshot of `db`, for a question asked once or as a `--csv`/`--xlsx` batch
/// (`batch`). `--out` (`out`) names a batch's answer file, so it is refused without one.
pub(super) fn snapshot_to_ask(db: &Path, batch: bool, out: bool, lang: Lang) -> Result<Snapshot> {
    if out && !batch {
        bail!("{}", lang.pick("--out 只用于 --csv 或 --xlsx 批量", "--out is for a --csv or --xlsx batch"));
    }
    Ok(open_existing(db, lang)?.load_snapshot()?)
}

/// Opens the database `db` names: a `postgres://` URL, or a GeoPackage file (created if missing).
pub(super) fn open_db(db: &Path) -> Result<Box<dyn Db>> {
    Ok(match db.to_str().filter(|s| wangge_pg::is_url(s)) {
        Some(url) => Box::new(wangge_pg::PgStore::open(url)?),
        None => Box::new(Store::open(db)?),
    })
}

/// Whether `db` is a PostgreSQL URL rather than a file path.
pub(super) fn is_url(db: &Path) -> bool {
    db.to_str().is_some_and(wangge_pg::is_url)
}

pub(super) fn report_problems(problems: &[Problem], json: bool, lang: Lang, source: &str) {
    if json {
        let v: Vec<serde_json::Value> = problems
            .iter()
            .map(|p| {
                let mut v = serde_json::to_value(p).unwrap_or_default();
                v["message"] = serde_json::Value::String(p.message(lang));
                v
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return;
    }
    eprintln!(
        "{}",
        zh_en!(lang, ("{source}：发现 {} 个问题", problems.len()), ("{source}: {} problem(s)", problems.len()))
    );
    for p in problems {
        eprintln!("  [{}] {}", p.rule.id(), p.message(lang));
    }
}

/// Writes a file via a temporary sibling and a rename, so readers never see half a file.
pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Reads a whole input file, naming it when it cannot be read.
pub(super) fn read_input_file(input: &Path, lang: Lang) -> Result<Vec<u8>> {
    std::fs::read(input).with_context(|| format!("{} {}", lang.pick("无法读取", "cannot read"), input.display()))
}

/// Answers every item in order with a progress bar on stderr (cleared at the end); the first error
/// stops the batch.
pub(super) fn answer_all<T, R>(items: &[T], mut answer: impl FnMut(usize, &T) -> Result<R>) -> Result<Vec<R>> {
    let bar = indicatif::ProgressBar::new(items.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        out.push(answer(i, item)?);
        if i % 256 == 0 {
            bar.set_position(i as u64);
        }
    }
    bar.finish_and_clear();
    Ok(out)
}

/// Writes a batch's CSV answer to `out` (atomically) or, without one, to stdout.
pub(super) fn write_csv(out: Option<&Path>, csv: &str) -> Result<()> {
    match out {
        Some(path) => write_atomically(path, csv.as_bytes()),
        None => Ok(std::io::Write::write_all(&mut std::io::stdout(), csv.as_bytes())?),
    }
}
