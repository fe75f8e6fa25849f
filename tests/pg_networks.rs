//! Other departments' networks on the PostgreSQL store, through the faces: `wangge import
//! --network` into a `postgres://` database, `GET /api/v1/networks` and `/api/v1/alignment` from
//! a server on it, and `wangge copy` carrying the networks and their versions both ways.

mod common;
mod pg_support;

use common::{Killed, city_dir, get_json as get, serve_process_with, text, wangge};
use pg_support::PgCluster;
use wangge_core::model::Layer;
use wangge_store::{Db, Store};

#[test]
fn networks_import_serve_align_and_copy_on_postgres() {
    let pg = PgCluster::start();
    let url = pg.new_db("networks");
    for layer in Layer::ALL {
        let file = city_dir().join(format!("{}.geojson", layer.id()));
        let out = wangge(&["import", "--db", &url, "--layer", layer.id(), file.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out));
    }
    // The grid layer itself as a network: every pair identical.
    let grids = city_dir().join("grid.geojson");
    let out = wangge(&["import", "--db", &url, "--network", "copy", grids.to_str().unwrap()]);
    assert!(out.status.success() && text(&out).contains("version 1"), "{}", text(&out));
    let again = wangge(&["import", "--db", &url, "--network", "copy", grids.to_str().unwrap()]);
    assert!(!again.status.success(), "append refuses codes the network has: {}", text(&again));
    let out = wangge(&["import", "--db", &url, "--network", "copy", "--mode", "replace", grids.to_str().unwrap()]);
    assert!(out.status.success() && text(&out).contains("version 2"), "{}", text(&out));

    let (child, base, _log) = serve_process_with(std::path::Path::new(&url), &[], &[]);
    let _server = Killed(child);
    let (status, list) = get(&format!("{base}/api/v1/networks"));
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        (list["networks"][0]["name"].as_str(), list["networks"][0]["version"].as_i64()),
        (Some("copy"), Some(2))
    );
    let (status, v1) = get(&format!("{base}/api/v1/networks/copy/features?version=1"));
    assert_eq!((status, v1["features"].as_array().map(Vec::len)), (200, Some(4)), "{v1}");
    let (status, aligned) = get(&format!("{base}/api/v1/alignment?network=copy"));
    assert_eq!(status, 200, "{aligned}");
    let all = &aligned["summary"]["all"];
    assert_eq!((all["identical"].as_u64(), all["pairs"].as_u64()), (Some(4), Some(4)), "{all}");

    // copy: PostgreSQL → GeoPackage → a second PostgreSQL database, networks and versions kept.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.gpkg");
    let out = wangge(&["copy", "--from", &url, "--to", file.to_str().unwrap()]);
    assert!(out.status.success() && text(&out).contains("network features=8"), "{}", text(&out));
    let gpkg = Store::open(&file).unwrap();
    assert_eq!(gpkg.network_version("copy").unwrap(), Some(2));
    let second = pg.new_db("networks_back");
    let out = wangge(&["copy", "--from", file.to_str().unwrap(), "--to", &second]);
    assert!(out.status.success(), "{}", text(&out));
    let back = wangge_pg::PgStore::open(&second).unwrap();
    let original = wangge_pg::PgStore::open(&url).unwrap();
    assert_eq!(back.dump().unwrap().networks, original.dump().unwrap().networks);
    assert_eq!(back.load_network("copy", Some(1)).unwrap(), gpkg.load_network("copy", Some(1)).unwrap());
}
