//! Many processes, one truth: three real `wangge serve` processes on one PostgreSQL database.
//! Lookups run through all three while a plan is published through one of them: no lookup
//! fails, every replica serves the new revision (the publish-to-served time is measured and
//! printed, not asserted tight), and no replica ever answers an older state after a newer one.
//! Then one replica's database connections are ended (`pg_terminate_backend`) and it follows the
//! next publish without a restart.
//!
//! Run with `--nocapture` to see the lookups/s through 1, 2 and 3 replicas and the lags.

mod common;
mod pg_support;

use common::{Killed, city_db, serve_process_with, text, wangge};
use pg_support::PgCluster;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const G1: &str = "440304006009001";
const NEW: &str = "440304006009003";
const EAST: &str = "/api/v1/lookup?lon=114.006&lat=22.512";

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// GET: status, the `Wangge-Revision` header, and the JSON body.
fn get(agent: &ureq::Agent, url: &str) -> Result<(u16, i64, Value), String> {
    let mut resp = agent.get(url).call().map_err(|e| e.to_string())?;
    let revision = resp
        .headers()
        .get("wangge-revision")
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .ok_or("no Wangge-Revision header")?;
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_string().map_err(|e| e.to_string())?;
    Ok((status, revision, serde_json::from_str(&body).unwrap_or(Value::String(body))))
}

fn post(base: &str, path: &str, token: &str, body: Value) -> Value {
    let mut resp = agent()
        .post(&format!("{base}{path}"))
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap();
    assert!(status < 300, "POST {path}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

/// What the lookup load saw through one replica.
#[derive(Default)]
struct Seen {
    ok: AtomicU64,
    errors: AtomicU64,
    /// Milliseconds since the test's epoch at which the replica first answered the new grid.
    first_new_ms: AtomicU64,
    /// Answers of the old grid after the new one (a replica going back in time).
    regressions: AtomicU64,
    /// Answers of the new grid under a revision header older than its publish.
    mixed: AtomicU64,
}

/// Looks up `EAST` through `base` until `stop`, recording what it saw.
fn load(base: String, stop: Arc<AtomicBool>, seen: Arc<Seen>, epoch: Instant) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let agent = agent();
        let url = format!("{base}{EAST}");
        while !stop.load(Ordering::Relaxed) {
            match get(&agent, &url) {
                Ok((200, revision, body)) => {
                    seen.ok.fetch_add(1, Ordering::Relaxed);
                    let code = body["grid"]["code"].as_str().unwrap_or_default().to_string();
                    if code == NEW {
                        let now = epoch.elapsed().as_millis() as u64;
                        let _ = seen.first_new_ms.compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
                        if revision < 1 {
                            seen.mixed.fetch_add(1, Ordering::Relaxed);
                        }
                    } else if code == G1 {
                        if seen.first_new_ms.load(Ordering::Relaxed) != 0 {
                            seen.regressions.fetch_add(1, Ordering::Relaxed);
                        }
                    } else {
                        seen.errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                other => {
                    eprintln!("{base}: {other:?}");
                    seen.errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    })
}

/// Lookups per second through the first `n` replicas, one client thread per replica, for `span`.
fn throughput(bases: &[String], n: usize, span: Duration) -> f64 {
    let stop = Arc::new(AtomicBool::new(false));
    let seen: Vec<Arc<Seen>> = (0..n).map(|_| Arc::new(Seen::default())).collect();
    let epoch = Instant::now();
    let threads: Vec<_> = (0..n).map(|i| load(bases[i].clone(), stop.clone(), seen[i].clone(), epoch)).collect();
    std::thread::sleep(span);
    stop.store(true, Ordering::Relaxed);
    threads.into_iter().for_each(|t| t.join().unwrap());
    let ok: u64 = seen.iter().map(|s| s.ok.load(Ordering::Relaxed)).sum();
    assert_eq!(seen.iter().map(|s| s.errors.load(Ordering::Relaxed)).sum::<u64>(), 0);
    ok as f64 / epoch.elapsed().as_secs_f64()
}

fn wait_for_revision(base: &str, revision: i64, what: &str) -> Duration {
    let started = Instant::now();
    loop {
        if let Ok((200, _, body)) = get(&agent(), &format!("{base}/healthz"))
            && body["revision"].as_i64() >= Some(revision)
        {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(15), "{what}: revision {revision} not served within 15 s");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn three_replicas_on_one_postgres_converge_and_recover() {
    let pg = PgCluster::start();
    let url = pg.new_db("replicas");
    let dir = tempfile::tempdir().unwrap();
    let gpkg = city_db(dir.path());
    let out = wangge(&["copy", "--from", gpkg.to_str().unwrap(), "--to", &url]);
    assert!(out.status.success(), "copy: {}", text(&out));
    let out = wangge(&["token", "create", "--db", &url, "--role", "planner", "--name", "lin"]);
    assert!(out.status.success(), "token: {}", text(&out));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    // GIS clients read the PostGIS tables directly (geometry columns, SRID 4326, GiST indexes).
    if common::gdal_available() {
        let conn =
            format!("PG:host=127.0.0.1 port={} dbname={} user=postgres", pg.port, url.rsplit('/').next().unwrap());
        let out = std::process::Command::new("ogrinfo")
            .args(["-ro", "-so", "-al", &conn, "district", "grid", "building", "service_centre"])
            .output()
            .unwrap();
        let info = text(&out);
        common::assert_ogrinfo_counts(&info, &[("district", 1), ("grid", 4), ("building", 1), ("service_centre", 1)]);
        assert!(info.contains("EPSG") && info.contains("4326"), "{info}");
    }

    let mut replicas = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..3 {
        let (child, base, _log) = serve_process_with(Path::new(&url), &[], &[]);
        replicas.push(Killed(child));
        bases.push(base);
    }
    for base in &bases {
        let (status, revision, body) = get(&agent(), &format!("{base}{EAST}")).unwrap();
        assert_eq!((status, revision, body["grid"]["code"].as_str()), (200, 0, Some(G1)));
    }

    // Lookups/s through 1, 2 and 3 replicas (one client thread each; printed for the README).
    for n in 1..=3 {
        let rate = throughput(&bases, n, Duration::from_millis(1500));
        eprintln!("lookups/s through {n} replica(s): {rate:.0}");
    }

    // A plan published through replica 0 while lookups run through all three.
    let stop = Arc::new(AtomicBool::new(false));
    let seen: Vec<Arc<Seen>> = (0..3).map(|_| Arc::new(Seen::default())).collect();
    let epoch = Instant::now();
    let threads: Vec<_> = (0..3).map(|i| load(bases[i].clone(), stop.clone(), seen[i].clone(), epoch)).collect();
    std::thread::sleep(Duration::from_millis(300));
    let plan = post(&bases[0], "/api/v1/plans", &token, json!({"name": "split"}));
    let id = plan["id"].as_i64().unwrap();
    let split = json!({"op": "split", "layer": "grid", "code": G1, "new_code": NEW,
        "line": {"type": "LineString", "coordinates": [[114.00390625, 22.50], [114.00390625, 22.52]]}});
    post(&bases[0], &format!("/api/v1/plans/{id}/edits"), &token, split);
    let rev = post(
        &bases[0],
        &format!("/api/v1/plans/{id}/publish"),
        &token,
        json!({"message": "split", "effective_date": "2026-03-01"}),
    );
    let committed = epoch.elapsed();
    assert_eq!(rev["id"], 1);
    for (i, base) in bases.iter().enumerate() {
        wait_for_revision(base, 1, &format!("replica {i}"));
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    threads.into_iter().for_each(|t| t.join().unwrap());
    for (i, s) in seen.iter().enumerate() {
        let first = Duration::from_millis(s.first_new_ms.load(Ordering::Relaxed));
        eprintln!(
            "replica {i}: {} lookups, {} errors; new grid served {:?} after the publish returned",
            s.ok.load(Ordering::Relaxed),
            s.errors.load(Ordering::Relaxed),
            first.saturating_sub(committed)
        );
        assert_eq!(s.errors.load(Ordering::Relaxed), 0, "replica {i}: failed lookups");
        assert_eq!(s.regressions.load(Ordering::Relaxed), 0, "replica {i}: answered the old state after the new");
        assert_eq!(s.mixed.load(Ordering::Relaxed), 0, "replica {i}: new grid under an old revision");
        assert!(s.first_new_ms.load(Ordering::Relaxed) > 0, "replica {i} never answered the new grid");
    }

    // Replica 2 loses every database connection; it reconnects and follows the next publish
    // (an import from the CLI, another process again) without a restart.
    let pid = replicas[2].0.id();
    let ended = pg
        .admin()
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&format!("wangge-{pid}")],
        )
        .unwrap()
        .len();
    assert!(ended >= 2, "replica 2 holds its feed's connection and a pooled one; ended {ended}");
    let mut grids: Value =
        serde_json::from_str(&std::fs::read_to_string(common::city_dir().join("grid.geojson")).unwrap()).unwrap();
    let mut g2 = grids["features"][1].clone();
    g2["properties"]["name"] = json!("竹林社区第二网格（改名）");
    grids["features"] = json!([g2]);
    let file = dir.path().join("g2.geojson");
    std::fs::write(&file, grids.to_string()).unwrap();
    let out = wangge(&["import", "--db", &url, "--layer", "grid", "--mode", "upsert", file.to_str().unwrap()]);
    assert!(out.status.success(), "import: {}", text(&out));
    let started = Instant::now();
    for (i, base) in bases.iter().enumerate() {
        wait_for_revision(base, 2, &format!("replica {i} after the import"));
    }
    eprintln!("all replicas serve the CLI import {:?} after it exited (replica 2 reconnected)", started.elapsed());
    // Its pool replaced the ended connections too: a request that reads the database answers.
    let (status, _, plans) = get(&agent(), &format!("{}/api/v1/plans", bases[2])).unwrap();
    assert_eq!(status, 200, "{plans}");
    assert_eq!(plans["plans"][0]["status"], "published");
}
