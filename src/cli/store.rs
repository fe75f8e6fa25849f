//! `wangge migrate` and `wangge copy`: the store's schema and moving a whole database between a
//! GeoPackage file and PostgreSQL.

use super::common::{is_url, open_db, open_existing};
use anyhow::{Result, bail};
use std::path::Path;
use wangge_text::Lang;
use wangge_text::zh_en;

/// `wangge migrate --db …`: applies the schema migrations this build has and the database lacks
/// (a GeoPackage file is brought up to date by opening it).
pub(super) fn migrate(db: &Path, lang: Lang) -> Result<i32> {
    match db.to_str().filter(|s| wangge_pg::is_url(s)) {
        Some(url) => {
            let mut store = wangge_pg::PgStore::connect(url)?;
            let applied = wangge_pg::migrate::migrate(store.client()).map_err(anyhow::Error::msg)?;
            let version = wangge_pg::migrate::latest();
            if applied.is_empty() {
                println!("{}", zh_en!(lang, ("数据库结构已是版本 {version}"), ("schema already at version {version}")));
            } else {
                println!(
                    "{}",
                    zh_en!(
                        lang,
                        ("已升级到版本 {version}：{applied:?}"),
                        ("migrated to version {version}: applied {applied:?}")
                    )
                );
            }
        }
        None => {
            open_existing(db, lang)?;
            println!("{}", lang.pick("GeoPackage 数据库结构已是最新", "GeoPackage schema is up to date"));
        }
    }
    Ok(0)
}

/// `wangge copy --from A --to B`: reads everything from `from` in one read transaction and
/// replaces everything in `to` with it (ids, revisions, history, plans, tokens and audit kept).
pub(super) fn copy(from: &Path, to: &Path, lang: Lang) -> Result<i32> {
    if from == to {
        bail!("{}", lang.pick("来源与目标相同", "--from and --to are the same database"));
    }
    if !is_url(from) && !from.exists() {
        bail!("{} {}", lang.pick("数据库不存在：", "database does not exist:"), from.display());
    }
    let source = open_db(from)?;
    let dump = source.dump()?;
    let mut dest = open_db(to)?;
    dest.restore_dump(&dump)?;
    let counts: Vec<String> = dump.counts().iter().map(|(what, n)| format!("{what}={n}")).collect();
    println!(
        "{}",
        zh_en!(
            lang,
            ("已复制 {} → {}：{}", source.location(), dest.location(), counts.join(", ")),
            ("copied {} → {}: {}", source.location(), dest.location(), counts.join(", "))
        )
    );
    Ok(0)
}
