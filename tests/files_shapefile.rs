//! Shapefiles as Chinese municipal data arrives: CGCS2000 Gauss–Krüger (EPSG:4547) with GBK
//! attributes, made by GDAL from the demo city, imported with the right names and positions; and
//! wangge's own Shapefile exports read back by GDAL feature by feature.

mod common;
mod files_common;

use files_common::*;
use std::path::Path;

/// The demo grids as GDAL writes them for a Chinese GIS office: EPSG:4547, GBK text with a .cpg.
fn gdal_gbk_grid(dir: &Path) -> std::path::PathBuf {
    let shp = dir.join("grid_4547.shp");
    gdal(
        "ogr2ogr",
        &[
            "-f",
            "ESRI Shapefile",
            "-t_srs",
            "EPSG:4547",
            "-lco",
            "ENCODING=CP936",
            shp.to_str().unwrap(),
            demo("grid").to_str().unwrap(),
        ],
    );
    shp
}

fn source_grids() -> std::collections::BTreeMap<String, serde_json::Value> {
    by_code(&read_json(&demo("grid")))
}

#[test]
fn gbk_gauss_kruger_shapefile_imports_with_chinese_names_and_positions() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let shp = gdal_gbk_grid(dir.path());
    assert_eq!(std::fs::read_to_string(shp.with_extension("cpg")).unwrap().trim(), "CP936");
    let db = parents_db(dir.path(), "a.gpkg");
    let out = import(&db, "grid", &shp, &[]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("GBK") && t.contains("EPSG:4547") && t.contains("parent_cod"), "{t}");
    let ours = exported(&db, "grid", dir.path());
    let source = source_grids();
    assert_eq!(ours.len(), 120);
    assert_same(&source, &ours, &["name", "parent_code", "households", "residents", "kind", "worker"]);
    assert_eq!(ours["440304005021001"]["properties"]["name"], "新沙社区第1网格");
}

#[test]
fn without_cpg_gbk_is_detected_and_said() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let shp = gdal_gbk_grid(dir.path());
    std::fs::remove_file(shp.with_extension("cpg")).unwrap();
    let db = parents_db(dir.path(), "a.gpkg");
    let out = import(&db, "grid", &shp, &[]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("GBK (no .cpg; the text is not UTF-8"), "{t}");
    assert_same(&source_grids(), &exported(&db, "grid", dir.path()), &["name", "worker"]);
    // Told the wrong encoding, the names are not valid UTF-8 and the import stops naming the record.
    let db2 = parents_db(dir.path(), "b.gpkg");
    let out = import(&db2, "grid", &shp, &["--encoding", "UTF-8"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("grid_4547.dbf, record 1") && t.contains("Nothing was written"), "{t}");
    assert!(exported(&db2, "grid", dir.path()).is_empty());
}

#[test]
fn gdal_reads_wangge_shapefile_exports_feature_by_feature() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = parents_db(dir.path(), "a.gpkg");
    assert!(import(&db, "grid", &demo("grid"), &[]).status.success());
    let ours = exported(&db, "grid", dir.path());
    for (crs, encoding) in [("EPSG:4547", "GBK"), ("EPSG:4326", "UTF-8"), ("EPSG:4490", "UTF-8")] {
        let shp = dir.path().join(format!("out_{}_{encoding}.shp", crs.replace(':', "")));
        let args = ["export", "--db", db.to_str().unwrap(), "--layer", "grid", "--crs", crs, "--encoding", encoding];
        let out = wangge(&[&args[..], &[shp.to_str().unwrap()]].concat());
        let t = text(&out);
        assert!(out.status.success(), "{t}");
        assert!(t.contains("attribute parent_code written as column parent_cod"), "{t}");
        for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
            assert!(shp.with_extension(ext).exists(), "{ext}");
        }
        let info = gdal("ogrinfo", &["-ro", "-so", "-al", shp.to_str().unwrap()]);
        assert!(info.contains("Feature Count: 120") && info.contains("Polygon"), "{info}");
        let code = crs.trim_start_matches("EPSG:");
        assert!(info.contains(&format!("ID[\"EPSG\",{code}]")), "GDAL identifies {crs}: {info}");
        // Booleans are dBase logicals (L), which GDAL 3.6 reads as the text T/F.
        assert!(info.contains("households: Integer") && info.contains("estimated: String (1.0)"), "{info}");
        let back = dir.path().join(format!("gdal_{code}.geojson"));
        gdal("ogr2ogr", &["-f", "GeoJSON", "-t_srs", "EPSG:4326", back.to_str().unwrap(), shp.to_str().unwrap()]);
        let gdal_read = by_code(&read_json(&back));
        assert_same(&ours, &gdal_read, &["name", "households", "residents", "kind", "worker"]);
        for (c, f) in &gdal_read {
            assert_eq!(f["properties"]["parent_cod"], ours[c]["properties"]["parent_code"]);
            let logical = if ours[c]["properties"]["estimated"] == true { "T" } else { "F" };
            assert_eq!(f["properties"]["estimated"], logical);
        }
    }
}

#[test]
fn shapefile_round_trip_through_wangge_is_lossless() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let shp = gdal_gbk_grid(dir.path());
    let db1 = parents_db(dir.path(), "one.gpkg");
    assert!(import(&db1, "grid", &shp, &[]).status.success());
    let again = dir.path().join("again.shp");
    let out = wangge(&[
        "export",
        "--db",
        db1.to_str().unwrap(),
        "--layer",
        "grid",
        "--crs",
        "EPSG:4547",
        again.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let db2 = parents_db(dir.path(), "two.gpkg");
    let out = import(&db2, "grid", &again, &[]);
    let t = text(&out);
    assert!(out.status.success() && t.contains("UTF-8") && t.contains("EPSG:4547"), "{t}");
    let (a, b) = (exported(&db1, "grid", dir.path()), exported(&db2, "grid", dir.path()));
    for (code, fa) in &a {
        assert_eq!(fa["properties"], b[code]["properties"], "{code}: attributes and their types");
    }
    assert_same(&a, &b, &[]);
    // Booleans, reals and texts keep their types through wangge's own Shapefile.
    let db3 = parents_db(dir.path(), "three.gpkg");
    assert!(import(&db3, "grid", &demo("grid"), &[]).status.success());
    let typed = dir.path().join("typed.shp");
    assert!(
        wangge(&["export", "--db", db3.to_str().unwrap(), "--layer", "grid", typed.to_str().unwrap()]).status.success()
    );
    let db4 = parents_db(dir.path(), "four.gpkg");
    assert!(import(&db4, "grid", &typed, &[]).status.success());
    let (c, d) = (exported(&db3, "grid", dir.path()), exported(&db4, "grid", dir.path()));
    assert_eq!(d["440304005021001"]["properties"]["estimated"], true);
    for (code, fc) in &c {
        assert_eq!(fc["properties"], d[code]["properties"], "{code}");
    }
    assert_same(&c, &d, &[]);
}

#[test]
fn bad_shapefiles_are_refused_naming_the_file_and_nothing_is_written() {
    if !gdal_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let shp = gdal_gbk_grid(dir.path());
    let db = parents_db(dir.path(), "a.gpkg");
    let copy = |name: &str| {
        let to = dir.path().join(name);
        for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
            std::fs::copy(shp.with_extension(ext), to.with_extension(ext)).unwrap();
        }
        to
    };
    let refused = |file: &Path, extra: &[&str], says: &[&str]| {
        let out = import(&db, "grid", file, extra);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(1), "{t}");
        for s in says {
            assert!(t.contains(s), "expected {s:?} in: {t}");
        }
        assert!(!t.contains("panicked"), "{t}");
        assert!(exported(&db, "grid", dir.path()).is_empty(), "nothing written");
    };
    let no_dbf = copy("no_dbf.shp");
    std::fs::remove_file(no_dbf.with_extension("dbf")).unwrap();
    refused(&no_dbf, &[], &["missing file", "no_dbf.dbf"]);
    refused(&no_dbf, &["--lang", "zh"], &["缺少文件", "no_dbf.dbf", "未写入任何数据"]);

    let bad_prj = copy("bad_prj.shp");
    std::fs::write(bad_prj.with_extension("prj"), "PROJCS[\"my local grid\",UNKNOWN[1]]").unwrap();
    refused(&bad_prj, &[], &["bad_prj.prj", "coordinate system cannot be understood", "--crs"]);
    let out = import(&db, "grid", &bad_prj, &["--crs", "EPSG:4547", "--mode", "replace"]);
    assert!(out.status.success(), "--crs overrides an unreadable .prj: {}", text(&out));
    let out = import(&db, "grid", &bad_prj, &["--mode", "replace", "--lang", "zh"]);
    assert!(text(&out).contains("坐标系无法识别"), "{}", text(&out));
    let db_clean = dir.path().join("a.gpkg");
    assert_eq!(db_clean, db);
    let out = wangge(&[
        "import",
        "--db",
        db.to_str().unwrap(),
        "--layer",
        "grid",
        "--mode",
        "replace",
        demo("grid").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    // From here on the layer holds 120 grids; a refused import must leave exactly those.
    let before = exported(&db, "grid", dir.path());
    let refused_keep = |file: &Path, says: &[&str]| {
        let out = import(&db, "grid", file, &["--mode", "replace"]);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(1), "{t}");
        for s in says {
            assert!(t.contains(s), "expected {s:?} in: {t}");
        }
        assert!(!t.contains("panicked"), "{t}");
        assert_eq!(exported(&db, "grid", dir.path()), before, "nothing written");
    };

    let truncated = copy("truncated.shp");
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    refused_keep(&truncated, &["truncated.shp, record", "is damaged"]);
    let garbage = copy("garbage.shp");
    std::fs::write(&garbage, b"this is not a shapefile at all, just text").unwrap();
    refused_keep(&garbage, &["garbage.shp is damaged or not of this format"]);

    let points = dir.path().join("points.shp");
    let centres = dir.path().join("centres.gpkg");
    let out = wangge(&[
        "import",
        "--db",
        centres.to_str().unwrap(),
        "--layer",
        "service_centre",
        demo("service_centre").to_str().unwrap(),
    ]);
    assert!(out.status.success() || text(&out).contains("unknown_parent"), "{}", text(&out));
    gdal("ogr2ogr", &["-f", "ESRI Shapefile", points.to_str().unwrap(), demo("service_centre").to_str().unwrap()]);
    refused_keep(&points, &["wrong_geometry_type", "feature #0"]);
}
