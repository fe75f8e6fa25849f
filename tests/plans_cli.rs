//! `wangge plan …` run as the real binary on a real GeoPackage: create, edit from a file and from
//! stdin, show, validate (exit 1 on errors), diff, publish (refused on errors and on a stale
//! base, with the reasons), restore; authors are `--author` or the OS user; zh and en messages.

mod common;

use common::{city_db, text};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn plan(db: &Path, args: &[&str]) -> Output {
    let mut all = vec!["plan"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--db", db.to_str().unwrap()]);
    common::wangge(&all)
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)))
}

fn with_stdin(db: &Path, args: &[&str], input: &str, user: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wangge"))
        .arg("plan")
        .args(args)
        .args(["--db", db.to_str().unwrap()])
        .env("WANGGE_LANG", "en")
        .env("USER", user)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

const G1: &str = "440304006009001";

fn split() -> Value {
    json!({"op": "split", "layer": "grid", "code": G1, "new_code": "440304006009003",
           "line": {"type": "LineString", "coordinates": [[114.00390625, 22.50], [114.00390625, 22.52]]}})
}

#[test]
fn a_plan_is_made_checked_compared_and_published_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let out = plan(&db, &["create", "--name", "拆分", "--author", "李四", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let created = json_of(&out);
    assert_eq!((created["author"].as_str(), created["author_role"].as_str()), (Some("李四"), Some("cli")));
    let id = created["id"].to_string();

    // Edits from a file (an array) and from stdin (one edit); the OS user is the default author.
    let file = dir.path().join("edits.json");
    std::fs::write(&file, json!([split()]).to_string()).unwrap();
    let out = plan(&db, &["edit", &id, file.to_str().unwrap(), "--if-match", "1"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("now at v2"), "{}", text(&out));
    let rename = json!({"op": "reassign_buildings", "buildings": ["44030400600900001"], "grid": "440304006009003"});
    let out = with_stdin(&db, &["edit", &id, "-"], &rename.to_string(), "赵五");
    assert!(out.status.success(), "{}", text(&out));
    // A stale version and an edit that does not apply are refused (exit 1) and store nothing.
    let out = plan(&db, &["edit", &id, file.to_str().unwrap(), "--if-match", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let bad = json!([{"op": "delete", "layer": "grid", "code": "440304006011002"}, {"op": "explode"}]);
    std::fs::write(&file, bad.to_string()).unwrap();
    let out = plan(&db, &["edit", &id, file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("edit 3 cannot be applied"), "{}", text(&out));
    let shown = json_of(&plan(&db, &["show", &id, "--json"]));
    assert_eq!((shown["version"].as_i64(), shown["edits"].as_array().unwrap().len()), (Some(3), 2), "{shown}");

    let out = plan(&db, &["validate", &id, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(json_of(&out)["errors"], 0);
    let out = plan(&db, &["diff", &id, "--json", "--geojson", dir.path().join("d.geojson").to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let d = json_of(&out);
    assert_eq!(d["households_moved"], 120, "{d}");
    let pieces: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("d.geojson")).unwrap()).unwrap();
    assert!(pieces["features"].as_array().unwrap().len() >= 3, "{pieces}");
    let out = plan(&db, &["diff", "--from", "bogus"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    // A second plan made now will be stale once the first is published.
    let other = json_of(&plan(&db, &["create", "--name", "late", "--json"]))["id"].to_string();
    let out = plan(&db, &["publish", &id, "--message", "拆分第一网格", "--effective-date", "2026-03-01", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let rev = json_of(&out);
    assert_eq!((rev["author"].as_str(), rev["author_role"].as_str()), (Some(whoami().as_str()), Some("cli")));
    let out = plan(&db, &["publish", &other, "--message", "x", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let refused = json_of(&out);
    assert_eq!(refused["error"], "stale_base");
    assert_eq!(refused["problems"]["since"][0]["message"], "拆分第一网格");

    // A plan that leaves a gap is refused with the findings; in Chinese by default.
    let gap = json_of(&plan(&db, &["create", "--name", "gap", "--json"]))["id"].to_string();
    std::fs::write(
        &file,
        json!({"op": "delete", "layer": "grid", "code": G1, "reassign_to": "440304006009002"}).to_string(),
    )
    .unwrap();
    assert!(plan(&db, &["edit", &gap, file.to_str().unwrap()]).status.success());
    let out = plan(&db, &["validate", &gap]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let out = plan(&db, &["publish", &gap, "--message", "x", "--lang", "zh"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("方案违反了错误级规则") && text(&out).contains("parent_gap"), "{}", text(&out));

    // Restoring the revision before the split makes a plan that brings grid 001 back whole.
    let base = rev["id"].as_i64().unwrap() - 1;
    let out = plan(&db, &["restore", &base.to_string(), "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let back = json_of(&out)["id"].to_string();
    assert!(plan(&db, &["publish", &back, "--message", "undo"]).status.success());
    let list = json_of(&plan(&db, &["list", "--json"]));
    assert_eq!(list["plans"].as_array().unwrap().len(), 4);
    let out = plan(&db, &["show", "999"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let store = wangge_store::Store::open(&db).unwrap();
    assert!(store.load_snapshot().unwrap().layer(wangge_core::model::Layer::Grid).get("440304006009003").is_none());
}

fn whoami() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(|| std::env::var("LOGNAME").ok().filter(|u| !u.is_empty()))
        .unwrap_or("cli".into())
}

#[test]
fn undo_redo_discard_and_publish_fields_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let id = json_of(&plan(&db, &["create", "--name", "steps", "--json"]))["id"].to_string();
    let file = dir.path().join("batch.json");
    let reassign = json!({"op": "reassign_buildings", "buildings": ["44030400600900001"], "grid": "440304006009003"});
    std::fs::write(&file, json!([split(), reassign]).to_string()).unwrap();
    assert!(plan(&db, &["edit", &id, file.to_str().unwrap()]).status.success());
    let edits = |db: &Path| json_of(&plan(db, &["show", &id, "--json"]))["edits"].as_array().unwrap().len();
    assert_eq!(edits(&db), 2);

    // The array was one batch: one undo takes both back, one redo puts both back.
    let out = plan(&db, &["undo", &id, "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(json_of(&out)["version"], 3);
    assert_eq!(edits(&db), 0);
    let out = plan(&db, &["undo", &id]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("no edit to undo"), "{}", text(&out));
    let out = plan(&db, &["redo", &id, "--if-match", "3"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("redone, now at v4"), "{}", text(&out));
    assert_eq!(edits(&db), 2);
    assert_eq!(plan(&db, &["redo", &id]).status.code(), Some(1));

    // Publishing needs a message and a real date (bad input: exit 2, naming the field).
    let out = plan(&db, &["publish", &id, "--message", "  ", "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(json_of(&out)["problems"]["field"], "message");
    let out = plan(&db, &["publish", &id, "--message", "x", "--effective-date", "2026-02-30"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("effective_date"), "{}", text(&out));
    assert!(plan(&db, &["publish", &id, "--message", "split", "--effective-date", "2026-03-01"]).status.success());

    // A published plan cannot be discarded; a draft can.
    let out = plan(&db, &["discard", &id]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let draft = json_of(&plan(&db, &["create", "--name", "temp", "--json"]))["id"].to_string();
    let out = plan(&db, &["discard", &draft, "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(plan(&db, &["show", &draft]).status.code(), Some(2));
}
