//! `wangge serve`: the HTTP service on a database (created from the demo data with `--demo`).

use super::common::is_url;
use crate::api::{self, AppState};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wangge_app::demo::{ensure_demo_addresses, ensure_demo_db};
use wangge_store::{Backend, Pool, Store};
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
    if demo && is_url(db) {
        bail!(
            "{}",
            lang.pick(
                "--demo 只用于 GeoPackage 文件；先建示范库，再用 wangge copy 复制到 PostgreSQL",
                "--demo builds a GeoPackage file; build it, then move it with wangge copy --from FILE --to postgres://…"
            )
        );
    }
    if demo && ensure_demo_db(db, &data_dir)? {
        eprintln!("{} {}", lang.pick("已用示范城市创建数据库", "created the demo database"), db.display());
    } else if demo {
        let n = ensure_demo_addresses(db, &data_dir)?;
        if n > 0 {
            eprintln!("{} {n}", lang.pick("已载入示意地址", "loaded illustrative addresses:"));
        }
    }
    let backend: Arc<dyn Backend> = match db.to_str().filter(|s| wangge_pg::is_url(s)) {
        // PostgreSQL: migrated on open; many processes may serve the one database.
        Some(url) => Arc::new(wangge_pg::PgBackend::open(url)?),
        None => Arc::new(Pool::new(if demo { Store::open(db)? } else { open_existing_file(db, lang)? })),
    };
    let clock = std::time::Instant::now();
    let lap = |what: &str| tracing::debug!(target: "wangge::load", "{what}: at {:.0} ms", clock.elapsed().as_secs_f64() * 1e3);
    let (snapshot, revision) = backend.read(|s| s.load_published())??;
    lap("published state read");
    let counts: Vec<String> = snapshot.counts().iter().map(|(l, n)| format!("{}={n}", l.id())).collect();
    // Read before the roads: roads imported in between are then reloaded by the change feed.
    let roads_stamp = backend.read(|s| s.roads_stamp())??;
    let (roads, node_crossings) = backend.read(|s| s.load_roads())??;
    lap("roads read");
    let state = AppState::new(snapshot, web_dir, data_dir);
    lap("state");
    let state = state.with_roads(&roads, node_crossings);
    lap("coverage on roads");
    let state = state.with_backend(backend).with_limits(limits);
    lap("backend");
    // The revision read with the snapshot, in one transaction (the store may have moved since).
    state.live.set_revision(revision);
    state.live.set_roads_stamp(roads_stamp);
    let state = state.with_feed()?;
    lap("change feed started");
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

/// An existing GeoPackage file (a missing one is an error naming it, not a new empty database).
fn open_existing_file(db: &Path, lang: Lang) -> Result<Store> {
    if !db.exists() {
        bail!("{} {}", lang.pick("数据库不存在：", "database does not exist:"), db.display());
    }
    Ok(Store::open(db)?)
}
