//! The committed demo city: it loads through the same import rules as user data, its grids tile
//! every community with no gap and no overlap, and `wangge serve --demo` starts from it without
//! touching the committed files.

mod common;

use geo::{Area, Coord};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use wangge_app::demo::ensure_demo_db;
use wangge_core::model::Layer;
use wangge_core::prepared::PreparedArea;
use wangge_core::snapshot::as_multipolygon;
use wangge_store::Store;

fn data_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data"))
}

fn demo_snapshot() -> (tempfile::TempDir, wangge_core::snapshot::Snapshot) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.gpkg");
    assert!(ensure_demo_db(&db, data_dir()).unwrap(), "a new database is built");
    assert!(!ensure_demo_db(&db, data_dir()).unwrap(), "an existing one is left alone");
    let snapshot = Store::open(&db).unwrap().load_snapshot().unwrap();
    (dir, snapshot)
}

#[test]
fn grids_tile_their_communities_without_gaps_or_overlaps() {
    let (_dir, snapshot) = demo_snapshot();
    let grids = snapshot.layer(Layer::Grid).to_features();
    let communities = snapshot.layer(Layer::Community).to_features();
    assert!(grids.len() >= 50, "a city-sized demo: {} grids", grids.len());
    // Areas add up: the grids of each community cover exactly its area (planar degrees², enough for a ratio).
    for c in communities {
        let sum: f64 = grids
            .iter()
            .filter(|g| g.parent_code.as_deref() == Some(&c.code))
            .map(|g| as_multipolygon(&g.geometry).unsigned_area())
            .sum();
        let area = as_multipolygon(&c.geometry).unsigned_area();
        assert!((sum - area).abs() <= area * 1e-9, "community {}: grids {sum} vs {area}", c.code);
    }
    // Every sampled point of a street belongs to exactly one grid, and to that grid's community.
    let prepared: Vec<PreparedArea> = grids.iter().map(|g| PreparedArea::new(&as_multipolygon(&g.geometry))).collect();
    let streets: Vec<PreparedArea> = snapshot
        .layer(Layer::Street)
        .to_features()
        .iter()
        .map(|s| PreparedArea::new(&as_multipolygon(&s.geometry)))
        .collect();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut inside, mut outside) = (0, 0);
    for _ in 0..20_000 {
        let p = Coord { x: 113.995 + 0.047 * next(), y: 22.515 + 0.038 * next() };
        let owners: Vec<usize> = (0..prepared.len()).filter(|&i| prepared[i].contains(p)).collect();
        let in_street = streets.iter().any(|s| s.contains(p));
        if in_street {
            assert_eq!(owners.len(), 1, "{p:?} inside a street is in grids {owners:?}");
            let grid = &grids[owners[0]];
            assert_eq!(snapshot.grid_owner(p).map(|i| &grids[i as usize].code), Some(&grid.code));
            let community = snapshot.owner(Layer::Community, p).unwrap();
            assert_eq!(grid.parent_code.as_deref(), Some(community.code()));
            inside += 1;
        } else {
            assert!(owners.is_empty(), "{p:?} outside every street is in grids {owners:?}");
            outside += 1;
        }
    }
    assert!(inside > 10_000 && outside > 0, "the sample covers the city and its surroundings: {inside}/{outside}");
}

#[test]
fn demo_figures_follow_the_domain_rules() {
    let (_dir, snapshot) = demo_snapshot();
    let hh = |l: Layer| -> Vec<i64> { snapshot.layer(l).iter().map(|f| f.int_attr("households").unwrap()).collect() };
    let grids = hh(Layer::Grid);
    let in_range = grids.iter().filter(|&&h| (300..=500).contains(&h)).count();
    assert!(in_range * 10 >= grids.len() * 8, "most grids have 300–500 households: {in_range}/{}", grids.len());
    assert!(hh(Layer::Community).iter().all(|&h| (1000..=3000).contains(&h)), "{:?}", hh(Layer::Community));
    for g in snapshot.layer(Layer::Grid).to_features() {
        let parent = g.parent_code.as_deref().unwrap();
        assert!(g.code.len() == 15 && g.code.starts_with(parent), "{} under {parent}", g.code);
        assert_eq!(g.attrs["estimated"], true, "household figures are labelled as estimates");
    }
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_demo_starts_the_real_binary_and_leaves_data_untouched() {
    let digest = || -> Vec<(String, Vec<u8>)> {
        // Every file under data/, subfolders (data/networks/) included.
        let mut files = Vec::new();
        let mut folders = vec![data_dir().to_path_buf()];
        while let Some(folder) = folders.pop() {
            for p in std::fs::read_dir(folder).unwrap().map(|e| e.unwrap().path()) {
                if p.is_dir() { folders.push(p) } else { files.push(p) }
            }
        }
        files.sort();
        files.into_iter().map(|p| (p.display().to_string(), std::fs::read(&p).unwrap())).collect()
    };
    let before = digest();
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let db = dir.path().join("demo.gpkg");
    let _server = Running(
        Command::new(env!("CARGO_BIN_EXE_wangge"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["serve", "--demo", "--db", db.to_str().unwrap(), "--addr", &addr])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let started = Instant::now();
    let health = loop {
        if let Ok(mut r) = agent.get(&format!("http://{addr}/healthz")).call() {
            break r.body_mut().read_to_string().unwrap();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "server did not come up");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(health.contains("\"grid\""), "{health}");
    let page = agent.get(&format!("http://{addr}/")).call().unwrap().body_mut().read_to_string().unwrap();
    assert!(page.contains("<html") && page.contains("OpenStreetMap"), "the map page is served with the attribution");
    let v: serde_json::Value = agent
        .get(&format!("http://{addr}/api/v1/lookup?lon=114.02&lat=22.53"))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(v["covered"], true, "{v}");
    assert_eq!(v["district"]["name"], "福田区");
    assert_eq!(digest(), before, "data/ is never written");
}
