//! `wangge serve`: the HTTP service on a database (created from the demo data with `--demo`).

use super::common::open_existing;
use crate::api::{self, AppState};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use wangge_app::demo::{ensure_demo_addresses, ensure_demo_db};
use wangge_store::Store;
use wangge_text::Lang;

pub(super) fn serve(
    db: &Path,
    addr: &str,
    demo: bool,
    data_dir: PathBuf,
    web_dir: PathBuf,
    limits: api::Limits,
    lang: Lang,
) -> Result<i32> {
    if demo && ensure_demo_db(db, &data_dir)? {
        eprintln!("{} {}", lang.pick("已用示范城市创建数据库", "created the demo database"), db.display());
    } else if demo {
        let n = ensure_demo_addresses(db, &data_dir)?;
        if n > 0 {
            eprintln!("{} {n}", lang.pick("已载入示意地址", "loaded illustrative addresses:"));
        }
    }
    let store = if demo { Store::open(db)? } else { open_existing(db, lang)? };
    let snapshot = store.load_snapshot()?;
    let counts: Vec<String> = snapshot.counts().iter().map(|(l, n)| format!("{}={n}", l.id())).collect();
    let (roads, node_crossings) = store.load_roads()?;
    let state = AppState::new(snapshot, web_dir, data_dir)
        .with_roads(&roads, node_crossings)
        .with_store(store)
        .with_limits(limits)
        .with_feed()?;
    let pool = state.store.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("{} {addr}", lang.pick("无法监听", "cannot listen on")))?;
        let local = listener.local_addr()?;
        eprintln!("wangge {} http://{local}/  ({})", lang.pick("服务已启动", "listening on"), counts.join(", "));
        api::serve(listener, state).await?;
        anyhow::Ok(())
    })?;
    // Audit lines still queued when the server stopped are written before the process ends.
    if let Some(pool) = pool {
        pool.flush_audit();
    }
    Ok(0)
}
