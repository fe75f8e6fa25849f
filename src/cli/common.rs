//! What every command shares: opening an existing database, printing problems, writing a file atomically.

use anyhow::{Context, Result, bail};
use std::path::Path;
use wangge_core::problem::Problem;
use wangge_store::Store;
use wangge_text::{Lang, Text};

pub(super) fn open_existing(db: &Path, lang: Lang) -> Result<Store> {
    if !db.exists() {
        bail!("{} {}", lang.pick("数据库不存在：", "database does not exist:"), db.display());
    }
    Ok(Store::open(db)?)
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
        if lang == Lang::Zh {
            format!("{source}：发现 {} 个问题", problems.len())
        } else {
            format!("{source}: {} problem(s)", problems.len())
        }
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
