//! Real Python clients against the real server: OWSLib reads collections and items, and
//! schemathesis fuzzes every operation of the served OpenAPI document (all its checks: no 5xx,
//! status codes, content types, headers and bodies as documented, bad input refused, good input
//! accepted, writes refused without a token). Both come from PyPI, pinned, in the virtual
//! environment `scripts/setup.sh test` makes (`.venv-interop/`); `WANGGE_REQUIRE_INTEROP=1` (set
//! by scripts/test.sh) turns a missing environment into a failure.

mod common;
mod ogc_support;

use common::{Server, city_db, text};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn venv_bin(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv-interop/bin").join(name);
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var("WANGGE_REQUIRE_INTEROP").is_err(),
        "{} is required but missing: run `bash scripts/setup.sh test`",
        p.display()
    );
    eprintln!("{} not found: run `bash scripts/setup.sh test` to install OWSLib and schemathesis", p.display());
    None
}

#[test]
fn owslib_reads_collections_and_items() {
    let Some(python) = venv_bin("python") else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let server = Server::start(&db);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/owslib_read.py");
    let out = Command::new(python).arg(script).arg(format!("{}/ogc", server.base)).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        seen["collections"],
        serde_json::json!(["district", "street", "community", "grid", "building", "service_centre"])
    );
    assert!(seen["conformance"].as_u64().unwrap() >= 10);
    assert_eq!(seen["grid_title"], "网格");
    assert!(seen["queryables"].as_array().unwrap().iter().any(|q| q == "households"));
    assert_eq!(seen["page"]["matched"], 4);
    assert_eq!(seen["page"]["returned"], 3);
    assert_eq!(seen["all"]["440304006009001"], 420);
    assert_eq!(seen["all"]["440304006009002"], 380);
    assert_eq!(seen["filtered"], serde_json::json!(["440304006009001", "440304006011001"]));
    assert_eq!(seen["one"]["name"], "竹林社区第一网格");
    assert_eq!(seen["one"]["type"], "Polygon");
}

#[test]
fn schemathesis_finds_no_failures_in_the_openapi_document() {
    let Some(st) = venv_bin("st") else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = city_db(dir.path());
    let token = ogc_support::token(&db, "planner");
    let server = Server::start(&db);
    let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/schemathesis.toml");
    let out = Command::new(st)
        .arg("--config-file")
        .arg(config)
        .args(["run", &format!("{}/ogc/api", server.base)])
        .args(["--checks", "all", "--max-examples", "4", "--seed", "6", "-w", "2", "--generation-database", "none"])
        .args(["--phases", "examples,coverage,fuzzing", "--request-timeout", "10", "--no-color"])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .current_dir(dir.path())
        .env("SCHEMATHESIS_HOOKS", "")
        .output()
        .unwrap();
    let t = text(&out);
    println!("{t}");
    assert!(out.status.success(), "schemathesis reported failures:\n{t}");
    assert!(!t.contains("Server error"), "{t}");
}
