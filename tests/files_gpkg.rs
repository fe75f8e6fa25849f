//! GeoPackages from GDAL in (any table, any envelope variant, reprojected from their srs_id),
//! standalone GeoPackages and CSVs out that GDAL reads back feature by feature.

mod common;
mod files_common;

use files_common::*;
use std::path::Path;

fn export(db: &Path, layer: &str, file: &Path, extra: &[&str]) -> String {
    let mut args = vec!["export", "--db", db.to_str().unwrap(), "--layer", layer];
    args.extend_from_slice(extra);
    args.push(file.to_str().unwrap());
    let out = wangge(&args);
    assert!(out.status.success(), "{}", text(&out));
    text(&out)
}

/// Rewrites every other geometry blob of `table` with another envelope: none, or xyz (flags 2).
fn vary_envelopes(gpkg: &Path, table: &str) {
    let conn = rusqlite::Connection::open(gpkg).unwrap();
    let rows: Vec<(i64, Vec<u8>)> = conn
        .prepare(&format!("SELECT fid, geom FROM \"{table}\""))
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (fid, blob) in rows {
        let env_len = match (blob[3] >> 1) & 7 {
            0 => 0,
            1 => 32,
            2 | 3 => 48,
            _ => 64,
        };
        let (head, wkb) = (&blob[..8], &blob[8 + env_len..]);
        let mut out = head.to_vec();
        if fid % 2 == 0 {
            out[3] = (out[3] & !0b1110) | (2 << 1);
            out.extend_from_slice(&blob[8..8 + env_len.min(32)]);
            out.extend_from_slice(&0f64.to_le_bytes());
            out.extend_from_slice(&0f64.to_le_bytes());
        } else {
            out[3] &= !0b1110;
        }
        out.extend_from_slice(wkb);
        conn.execute(&format!("UPDATE \"{table}\" SET geom = ?1 WHERE fid = ?2"), rusqlite::params![out, fid]).unwrap();
    }
}

#[test]
fn gdal_geopackage_in_gauss_kruger_imports_from_any_table() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("from_gdal.gpkg");
    let g = gpkg.to_str().unwrap();
    // No spatial index: its triggers call SpatiaLite functions the test's plain SQLite lacks.
    let (src, nln) = (demo("grid"), ["-nln", "grids_4547", "-lco", "SPATIAL_INDEX=NO"]);
    gdal("ogr2ogr", &[&["-f", "GPKG", "-t_srs", "EPSG:4547"][..], &nln, &[g, src.to_str().unwrap()]].concat());
    vary_envelopes(&gpkg, "grids_4547");
    let db = parents_db(dir.path(), "a.gpkg");
    let out = import(&db, "grid", &gpkg, &[]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("feature table: grids_4547") && t.contains("EPSG:4547"), "{t}");
    let source = by_code(&read_json(&demo("grid")));
    let ours = exported(&db, "grid", dir.path());
    assert_same(&source, &ours, &["name", "parent_code", "households", "residents", "kind", "worker", "estimated"]);

    // With a second table the import needs --table, and says which tables there are.
    gdal("ogr2ogr", &["-f", "GPKG", "-update", "-nln", "communities", g, demo("community").to_str().unwrap()]);
    let db2 = parents_db(dir.path(), "b.gpkg");
    let out = import(&db2, "grid", &gpkg, &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("name one with --table: communities, grids_4547"), "{t}");
    let out = import(&db2, "grid", &gpkg, &["--table", "nope"]);
    assert!(text(&out).contains("has no feature table nope"), "{}", text(&out));
    assert!(exported(&db2, "grid", dir.path()).is_empty());
    let out = import(&db2, "grid", &gpkg, &["--table", "grids_4547"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_same(&source, &exported(&db2, "grid", dir.path()), &["name", "households"]);
}

#[test]
fn gdal_reads_wangge_geopackage_exports_feature_by_feature() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = parents_db(dir.path(), "a.gpkg");
    assert!(import(&db, "grid", &demo("grid"), &[]).status.success());
    let ours = exported(&db, "grid", dir.path());
    for crs in ["EPSG:4547", "EPSG:4326", "EPSG:32650"] {
        let out = dir.path().join(format!("grid_{}.gpkg", crs.replace(':', "")));
        export(&db, "grid", &out, &["--crs", crs]);
        let o = out.to_str().unwrap();
        let info = gdal("ogrinfo", &["-ro", "-so", o, "grid"]);
        assert!(info.contains("Feature Count: 120"), "{info}");
        assert!(info.contains(&format!("ID[\"EPSG\",{}]", crs.trim_start_matches("EPSG:"))), "{info}");
        assert!(info.contains("households: Integer") && info.contains("estimated: Integer(Boolean)"), "{info}");
        assert!(!info.contains("ERROR") && !info.contains("Warning"), "{info}");
        let back = dir.path().join(format!("back_{}.geojson", crs.replace(':', "")));
        gdal("ogr2ogr", &["-f", "GeoJSON", "-t_srs", "EPSG:4326", back.to_str().unwrap(), o, "grid"]);
        let gdal_read = by_code(&read_json(&back));
        assert_same(
            &ours,
            &gdal_read,
            &["name", "parent_code", "households", "residents", "kind", "worker", "estimated"],
        );
    }
}

#[test]
fn geopackage_round_trips_are_lossless() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db1 = parents_db(dir.path(), "one.gpkg");
    assert!(import(&db1, "grid", &demo("grid"), &[]).status.success());
    let file = dir.path().join("grid_4547.gpkg");
    export(&db1, "grid", &file, &["--crs", "EPSG:4547"]);
    let db2 = parents_db(dir.path(), "two.gpkg");
    let out = import(&db2, "grid", &file, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let (a, b) = (exported(&db1, "grid", dir.path()), exported(&db2, "grid", dir.path()));
    for (code, fa) in &a {
        assert_eq!(fa["properties"], b[code]["properties"], "{code}: attributes and their types");
    }
    assert_same(&a, &b, &[]);
    // A wangge database is itself a GeoPackage: its grid table imports with every attribute.
    let db3 = parents_db(dir.path(), "three.gpkg");
    let out = import(&db3, "grid", &db1, &["--table", "grid"]);
    assert!(out.status.success(), "{}", text(&out));
    let c = exported(&db3, "grid", dir.path());
    for (code, fa) in &a {
        assert_eq!(fa["properties"], c[code]["properties"], "{code}");
        assert_eq!(fa["geometry"], c[code]["geometry"], "{code}: bit for bit in WGS 84");
    }
}

#[test]
fn csv_exports_points_as_lon_lat_and_areas_as_wkt() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = parents_db(dir.path(), "a.gpkg");
    assert!(import(&db, "grid", &demo("grid"), &[]).status.success());
    let out = import(&db, "service_centre", &demo("service_centre"), &[]);
    assert!(out.status.success(), "{}", text(&out));
    let grid_csv = dir.path().join("grid.csv");
    export(&db, "grid", &grid_csv, &[]);
    let head = std::fs::read_to_string(&grid_csv).unwrap();
    assert!(head.starts_with("code,name,parent_code,wkt,kind,households"), "{}", &head[..200]);
    let centres_csv = dir.path().join("centres.csv");
    export(&db, "service_centre", &centres_csv, &[]);
    assert!(std::fs::read_to_string(&centres_csv).unwrap().starts_with("code,name,parent_code,lon,lat,"));

    // wangge reads its own CSV back to the same features.
    let db2 = parents_db(dir.path(), "b.gpkg");
    let out = import(&db2, "grid", &grid_csv, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let out = import(&db2, "service_centre", &centres_csv, &[]);
    assert!(out.status.success(), "{}", text(&out));
    for layer in ["grid", "service_centre"] {
        let (a, b) = (exported(&db, layer, dir.path()), exported(&db2, layer, dir.path()));
        for (code, fa) in &a {
            assert_eq!(fa["properties"], b[code]["properties"], "{layer} {code}");
            assert_eq!(fa["geometry"], b[code]["geometry"], "{layer} {code}: shortest exact numbers");
        }
    }
    // GDAL reads the same file with the wkt column as geometry (files_http compares the shapes).
    let info = gdal(
        "ogrinfo",
        &[
            "-ro",
            "-so",
            "-al",
            "-oo",
            "GEOM_POSSIBLE_NAMES=wkt",
            "-oo",
            "KEEP_GEOM_COLUMNS=NO",
            grid_csv.to_str().unwrap(),
        ],
    );
    assert!(info.contains("Feature Count: 120") && !info.contains("wkt: String"), "{info}");
    // A projected CSV names its columns x,y and reads back with --crs.
    let projected = dir.path().join("centres_4547.csv");
    export(&db, "service_centre", &projected, &["--crs", "EPSG:4547"]);
    assert!(std::fs::read_to_string(&projected).unwrap().starts_with("code,name,parent_code,x,y,"));
    let db3 = parents_db(dir.path(), "c.gpkg");
    assert!(import(&db3, "grid", &grid_csv, &[]).status.success());
    let out = import(&db3, "service_centre", &projected, &["--crs", "EPSG:4547"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_same(&exported(&db, "service_centre", dir.path()), &exported(&db3, "service_centre", dir.path()), &["name"]);
}

#[test]
fn bad_geopackages_and_export_targets_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = parents_db(dir.path(), "a.gpkg");
    let not_gpkg = dir.path().join("text.gpkg");
    std::fs::write(&not_gpkg, "just some text, not SQLite").unwrap();
    let out = import(&db, "grid", &not_gpkg, &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("text.gpkg is damaged or not of this format") && !t.contains("panicked"), "{t}");
    let out = import(&db, "grid", &dir.path().join("absent.gpkg"), &["--lang", "zh"]);
    assert!(text(&out).contains("缺少文件") && text(&out).contains("absent.gpkg"), "{}", text(&out));
    // GCJ-02 is an obfuscation, not a CRS a file can be labelled with.
    let out = wangge(&[
        "export",
        "--db",
        db.to_str().unwrap(),
        "--layer",
        "street",
        "--crs",
        "gcj02",
        dir.path().join("s.gpkg").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!dir.path().join("s.gpkg").exists());
    // An EPSG code PROJ does not know is refused before anything is written.
    let out = wangge(&[
        "export",
        "--db",
        db.to_str().unwrap(),
        "--layer",
        "street",
        "--crs",
        "EPSG:999999",
        dir.path().join("s.shp").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!dir.path().join("s.shp").exists() && !dir.path().join("s.dbf").exists());
}
