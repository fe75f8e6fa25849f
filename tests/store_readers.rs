//! Readers do not wait for the writer: while a long write transaction is open on the served
//! store (its writer connection taken, and SQLite's write lock held by another connection), an
//! authenticated lookup, the plan list and the revision list are still answered.

mod common;

use common::{Server, city_db};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use wangge::api::AppState;
use wangge_store::Store;

fn get(url: &str, token: &str) -> u16 {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    agent.get(url).header("Authorization", &format!("Bearer {token}")).call().unwrap().status().as_u16()
}

#[test]
fn reads_are_answered_while_a_long_write_transaction_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let out = common::wangge(&["token", "create", "--db", db.to_str().unwrap(), "--role", "planner", "--name", "t"]);
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let store = Store::open(&db).unwrap();
    let state = AppState::new(store.load_snapshot().unwrap(), root.join("web"), root.join("data")).with_store(store);
    let pool = state.store.clone().unwrap();
    let server = Server::start_state(state);

    // The served writer connection is taken, and another connection holds SQLite's write lock
    // with an uncommitted row, for as long as the test needs.
    let (held_tx, held) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    let db2 = db.clone();
    let writer = std::thread::spawn(move || {
        pool.write(|_| {
            let conn = rusqlite::Connection::open(&db2).unwrap();
            conn.execute_batch(
                "BEGIN IMMEDIATE; INSERT INTO wangge_plan (name, author, status, base_revision, version, created_at, updated_at)
                 VALUES ('uncommitted', 'x', 'draft', 0, 1, 'now', 'now');",
            )
            .unwrap();
            held_tx.send(()).unwrap();
            release_rx.recv_timeout(Duration::from_secs(30)).ok();
            conn.execute_batch("COMMIT;").unwrap();
        })
    });
    held.recv().unwrap();

    let (done_tx, done) = mpsc::channel();
    let base = server.base.clone();
    std::thread::spawn(move || {
        let started = Instant::now();
        let lookup = get(&format!("{base}/api/v1/lookup?lon=114.002&lat=22.512"), &token);
        let plans = get(&format!("{base}/api/v1/plans"), &token);
        let revisions = get(&format!("{base}/api/v1/revisions"), &token);
        done_tx.send(((lookup, plans, revisions), started.elapsed())).unwrap();
    });
    let answered = done.recv_timeout(Duration::from_secs(5));
    release.send(()).unwrap();
    writer.join().unwrap().unwrap();
    let (statuses, took) = answered.expect("reads were answered while the write transaction was open");
    assert_eq!(statuses, (200, 200, 200));
    assert!(took < Duration::from_secs(5), "{took:?}");
}
