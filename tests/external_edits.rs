//! Another program writing the feature tables directly while the real server runs (here a Python
//! `sqlite3` script, as QGIS or `ogrinfo -sql` would): the edit is served, recorded as a revision
//! by `external` with the earlier versions kept as history, validated, and reported by
//! `/healthz`; wangge's own writes are never taken for external ones.

mod common;

use common::{Killed, Server, city_db, serve_process_logged, text, wangge};
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

const G1: &str = "440304006009001";
const G2: &str = "440304006009002";

/// Moves the edge between grids 001 and 002 north from 22.5078125 to 22.51171875 and sets grid
/// 002's `households` column, in one transaction of a separate Python process; the geometry is
/// written as a GeoPackage blob by hand (header, envelope, WKB), as any GeoPackage writer does.
const SCRIPT: &str = r#"
import sqlite3, struct, sys
def blob(x0, y0, x1, y1):
    ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    wkb = struct.pack('<BII', 1, 3, 1) + struct.pack('<I', len(ring)) + b''.join(struct.pack('<dd', *p) for p in ring)
    return b'GP' + bytes([0, 3]) + struct.pack('<i', 4326) + struct.pack('<dddd', x0, x1, y0, y1) + wkb
db = sqlite3.connect(sys.argv[1], timeout=10)
edge = 22.51171875
with db:
    db.execute("UPDATE grid SET geom = ? WHERE code = '440304006009001'", (blob(114.0, edge, 114.0078125, 22.515625),))
    db.execute("UPDATE grid SET geom = ?, households = 999 WHERE code = '440304006009002'", (blob(114.0, 22.5, 114.0078125, edge),))
db.close()
"#;

#[test]
fn a_direct_edit_by_another_program_is_served_recorded_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let (child, base, log) = serve_process_logged(&db);
    let _child = Killed(child);
    let server = Server { base };
    let moved = "/api/v1/lookup?lon=114.002&lat=22.510";
    assert_eq!(server.get(moved).1["grid"]["code"], G1);

    let out = Command::new("python3").arg("-c").arg(SCRIPT).arg(&db).output().expect("python3 runs");
    assert!(out.status.success(), "{}", text(&out));
    let started = Instant::now();
    loop {
        let (_, body) = server.get(moved);
        if body["grid"]["code"] == G2 {
            eprintln!("external edit served after {:?}", started.elapsed());
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "external edit not served within 10 s: {body}");
        std::thread::sleep(Duration::from_millis(20));
    }

    // Recorded as a revision by `external`, effective today; before today the old boundary holds.
    let (_, revisions) = server.get("/api/v1/revisions");
    let last = revisions["revisions"].as_array().and_then(|r| r.last()).cloned().unwrap_or(Value::Null);
    assert_eq!((last["id"].as_i64(), last["author"].as_str()), (Some(1), Some("external")), "{revisions}");
    assert_eq!(last["author_role"], "external");
    assert_eq!(server.get(&format!("{moved}&at=2020-01-01")).1["grid"]["code"], G1, "history kept the old boundary");
    // The column a GIS user edited is what is served.
    let (_, g2) = server.get(&format!("/api/v1/layers/grid/features/{G2}"));
    assert_eq!(g2["properties"]["households"], 999, "{g2}");

    // Reported: a warning in /healthz naming the revision and the changed features, validated.
    let (_, health) = server.get("/healthz");
    let warnings = health["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{health}");
    assert_eq!((warnings[0]["kind"].as_str(), warnings[0]["revision"].as_i64()), (Some("external_edit"), Some(1)));
    assert_eq!(warnings[0]["changed"], 2, "{health}");
    assert!(warnings[0]["errors"].is_u64(), "{health}");
    let edit = &health["feed"]["external_edits"][0];
    let mut codes: Vec<&str> =
        edit["changes"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    codes.sort();
    assert_eq!(codes, [G1, G2], "{edit}");
    assert!(edit["changes"].as_array().unwrap().iter().all(|c| c["kind"] == "changed"), "{edit}");
    // And logged by the server (the log line is written before the new state is swapped in).
    let logged = log.lock().unwrap().clone();
    assert!(logged.contains("external edit") && logged.contains(G2), "{logged}");

    // wangge's own write afterwards is its own revision, not another external one.
    let mut grids: Value =
        serde_json::from_str(&std::fs::read_to_string(common::city_dir().join("grid.geojson")).unwrap()).unwrap();
    let mut g4 = grids["features"][3].clone();
    g4["properties"]["name"] = Value::from("香梅社区第二网格（改名）");
    grids["features"] = Value::from(vec![g4]);
    let file = dir.path().join("g4.geojson");
    std::fs::write(&file, grids.to_string()).unwrap();
    let out = wangge(&[
        "import",
        "--db",
        db.to_str().unwrap(),
        "--layer",
        "grid",
        "--mode",
        "upsert",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let store = wangge_store::Store::open(&db).unwrap();
    assert_eq!(store.pending_external().unwrap(), 0, "wangge's own import was taken for an external edit");
    let revisions = store.revisions_since(0).unwrap();
    assert_eq!(revisions.iter().map(|r| r.author.as_str() == "external").collect::<Vec<_>>(), [true, false]);
}

#[test]
fn readyz_is_not_ready_while_an_external_edit_waits_to_be_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    // The in-process server has no change feed, so the edit stays pending.
    let server = Server::start(&db);
    assert_eq!(server.get("/readyz").0, 200);
    let out = Command::new("python3").arg("-c").arg(SCRIPT).arg(&db).output().expect("python3 runs");
    assert!(out.status.success(), "{}", text(&out));
    let (status, body) = server.get("/readyz");
    assert_eq!((status, body["error"].as_str()), (503, Some("not_ready")), "{body}");
    assert_eq!(body["problems"]["pending_external_changes"], 2, "{body}");
    // Recording it (what the feed does) makes the store's state a revision again.
    let mut store = wangge_store::Store::open(&db).unwrap();
    let absorbed = store.absorb_external("test", "2026-06-01").unwrap().unwrap();
    assert_eq!((absorbed.revision.map(|r| r.id), absorbed.changes.len()), (Some(1), 2));
    assert_eq!(store.pending_external().unwrap(), 0);
    let (status, body) = server.get("/readyz");
    assert_eq!((status, body["problems"]["stored_revision"].as_i64()), (503, Some(1)), "{body}");
}
