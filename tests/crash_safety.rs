//! A crash mid-import leaves the previous state intact: a real `wangge import` process is killed
//! with SIGKILL at a series of moments, and each time the database must pass SQLite's integrity
//! check and hold either the old layer or the new one, never a mixture.

mod common;

use common::{STEP, city_db, text, wangge};
use serde_json::json;
use std::process::{Command, Stdio};
use std::time::Instant;
use wangge_core::model::Layer;
use wangge_store::Store;

#[test]
fn killed_imports_never_leave_half_a_layer() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let n = 40_000;
    let features: Vec<_> = (0..n)
        .map(|i| {
            let (x, y) = (114.0 + STEP * (0.05 + 1.9 * (i % 200) as f64 / 200.0), 22.5 + STEP * (2.05 + 1.9 * (i / 200) as f64 / 200.0));
            json!({"type":"Feature","properties":{"code":format!("B{i:06}"),"name":format!("{i}栋"),"parent_code":"440304006009001","households":i % 97},
                   "geometry":{"type":"Point","coordinates":[x,y]}})
        })
        .collect();
    let file = dir.path().join("buildings.geojson");
    std::fs::write(&file, json!({"type":"FeatureCollection","features":features}).to_string()).unwrap();
    let args =
        ["import", "--db", db.to_str().unwrap(), "--layer", "building", "--mode", "replace", file.to_str().unwrap()];

    // How long an uninterrupted import takes on this machine, to spread the kills across it.
    let started = Instant::now();
    let full = wangge(&args);
    assert!(full.status.success(), "{}", text(&full));
    let duration = started.elapsed();
    let count = || Store::open(&db).unwrap().load_layer(Layer::Building).unwrap().len();
    assert_eq!(count(), n);

    // Put the old layer back, then kill replacements at 1/16, 2/16, … of the way through.
    let restore = common::city_dir().join("building.geojson");
    let mut outcomes = (0usize, 0usize);
    for k in 1..=15u32 {
        let r = wangge(&[
            "import",
            "--db",
            db.to_str().unwrap(),
            "--layer",
            "building",
            "--mode",
            "replace",
            restore.to_str().unwrap(),
        ]);
        assert!(r.status.success(), "{}", text(&r));
        let mut child = Command::new(env!("CARGO_BIN_EXE_wangge"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(duration * k / 16);
        let _ = child.kill(); // SIGKILL: no destructor, no rollback code of ours runs
        let _ = child.wait();
        let store = Store::open(&db).unwrap();
        store.integrity_check().unwrap();
        match store.load_layer(Layer::Building).unwrap().len() {
            1 => outcomes.0 += 1,
            c if c == n => outcomes.1 += 1,
            other => panic!("kill at {k}/16 left {other} buildings: half a layer"),
        }
    }
    eprintln!("kills that left the old layer: {}, that came after the commit: {}", outcomes.0, outcomes.1);
    assert!(
        outcomes.0 > 0,
        "at least one kill should land before the commit ({:?}, import took {duration:?})",
        outcomes
    );
    // The rest of the database is untouched.
    assert_eq!(Store::open(&db).unwrap().load_layer(Layer::Grid).unwrap().len(), 4);
}
