//! What a GIS user gets when opening the store directly: table titles GDAL reports, QGIS's own
//! `layer_styles` table holding a default style per layer (QML that parses), and the common
//! attributes (`kind`, `worker` …) as real columns kept in step by every write, on new and on
//! older databases, in the GeoPackage and in PostgreSQL.

mod common;
mod pg_support;

use pg_support::PgCluster;
use serde_json::json;
use std::path::Path;
use std::process::Command;
use wangge_app::import::{ImportOptions, import};
use wangge_app::plan as svc;
use wangge_core::model::Layer;
use wangge_core::rules::RulesConfig;
use wangge_formats::crs::Crs;
use wangge_formats::formats::FileFormat;
use wangge_store::plans::Author;
use wangge_store::{Store, WriteMode};

/// Every element of `xml` parses, and the root is `root`.
fn assert_xml(xml: &str, root: &str, what: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut first = None;
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) => {
                first.get_or_insert_with(|| String::from_utf8_lossy(e.local_name().as_ref()).to_string());
                depth += 1;
            }
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{what}: not XML at {}: {e}\n{xml}", reader.buffer_position()),
        }
    }
    assert_eq!((first.as_deref(), depth), (Some(root), 0), "{what}: root element and balance");
}

fn ogrinfo(args: &[&str]) -> String {
    let out = Command::new("ogrinfo").args(args).output().unwrap();
    assert!(out.status.success(), "ogrinfo {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Whether QGIS can be driven here (PyQGIS or `qgis_process`); says so when not.
fn qgis_python() -> bool {
    let ok =
        Command::new("/usr/bin/python3").args(["-c", "import qgis.core"]).output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("PyQGIS not installed: the default style was not loaded into QGIS (install qgis python3-qgis)");
    }
    ok
}

fn check_gpkg_styles(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let rows: Vec<(String, String, String, i64)> = conn
        .prepare(
            "SELECT f_table_name, f_geometry_column, styleQML, useAsDefault FROM layer_styles WHERE styleName = ?1",
        )
        .unwrap()
        .query_map([wangge_store::styles::STYLE_NAME], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let tables: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    for t in ["district", "street", "community", "grid", "building", "service_centre", "address", "network_feature"] {
        assert!(tables.contains(&t), "a default style for {t}: {tables:?}");
    }
    for (table, column, qml, default) in &rows {
        assert_eq!((column.as_str(), *default), ("geom", 1), "{table}");
        assert_xml(qml, "qgis", table);
    }
    let kind: String = conn
        .query_row("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kind, "attributes");
}

#[test]
fn geopackage_has_titles_and_default_qgis_styles() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::city_db(dir.path());
    check_gpkg_styles(&db);
    if common::gdal_available() {
        let grid = ogrinfo(&["-so", db.to_str().unwrap(), "grid"]);
        assert!(grid.contains("IDENTIFIER=网格") && grid.contains("DESCRIPTION=基层治理网格"), "{grid}");
        let styles = ogrinfo(&["-ro", "-q", db.to_str().unwrap(), "-sql", "SELECT count(*) AS n FROM layer_styles"]);
        assert!(styles.contains("n (Integer) = 9") || styles.contains("n (Integer64) = 9"), "{styles}");
    }

    // An older file (no layer_styles, identifiers still the table names) gains both on open; a
    // title someone changed stays theirs.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "DROP TABLE layer_styles; DELETE FROM gpkg_contents WHERE table_name = 'layer_styles';
         UPDATE gpkg_contents SET identifier = table_name;
         UPDATE gpkg_contents SET identifier = '我的楼栋' WHERE table_name = 'building';",
    )
    .unwrap();
    drop(conn);
    drop(Store::open(&db).unwrap());
    check_gpkg_styles(&db);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let title = |t: &str| -> String {
        conn.query_row("SELECT identifier FROM gpkg_contents WHERE table_name = ?1", [t], |r| r.get(0)).unwrap()
    };
    assert_eq!((title("grid"), title("building")), ("网格".to_string(), "我的楼栋".to_string()));

    if qgis_python() {
        // Every layer takes its default style from the GeoPackage; the fixture's buildings are
        // points, so QGIS opens that layer as a point layer and the rule renderer draws markers.
        let script = format!(
            "from qgis.core import QgsApplication, QgsVectorLayer
app = QgsApplication([], False); app.initQgis()
for t in ['district', 'street', 'community', 'grid', 'building', 'service_centre']:
    layer = QgsVectorLayer('{}|layername=' + t, t, 'ogr')
    assert layer.isValid(), t
    msg, ok = layer.loadDefaultStyle()
    r = layer.renderer()
    first = (r.symbol() if r.type() == 'singleSymbol' else r.rootRule().children()[1].symbol()).symbolLayer(0)
    print(t, ok, r.type(), first.layerType(), layer.labelsEnabled())",
            db.display()
        );
        let out = Command::new("/usr/bin/python3")
            .args(["-c", &script])
            .env("QT_QPA_PLATFORM", "offscreen")
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        for expected in [
            "grid True singleSymbol SimpleFill True",
            "community True singleSymbol SimpleFill True",
            "building True RuleRenderer SimpleMarker True",
            "service_centre True singleSymbol SimpleMarker True",
        ] {
            assert!(said.contains(expected), "QGIS: {expected}? {said}{}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

#[test]
fn postgres_has_qgis_layer_styles_and_table_comments() {
    let pg = PgCluster::start();
    let url = pg.new_db("styles");
    drop(wangge_pg::PgStore::open(&url).unwrap());
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let check = |c: &mut postgres::Client| {
        let rows = c
            .query(
                "SELECT f_table_catalog = current_database(), f_table_schema, f_table_name, styleqml::text, stylesld::text,
                   useasdefault FROM layer_styles WHERE stylename = $1",
                &[&wangge_store::styles::STYLE_NAME],
            )
            .unwrap();
        assert_eq!(rows.len(), wangge_store::styles::tables().len());
        for r in rows {
            let (catalog, schema, table, qml, sld, default): (bool, String, String, String, String, bool) =
                (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5));
            assert!(catalog && schema == "public" && default, "{table}");
            assert_xml(&qml, "qgis", &table);
            assert_xml(&sld, "StyledLayerDescriptor", &table);
        }
        let comment: String = c.query_one("SELECT obj_description('public.grid'::regclass)", &[]).unwrap().get(0);
        assert!(comment.starts_with("网格："), "{comment}");
    };
    check(&mut c);
    // A database migrated before styles existed gets them from the migration.
    c.batch_execute(
        "DROP TABLE layer_styles; DELETE FROM wangge_migration WHERE version >= 2; COMMENT ON TABLE grid IS NULL",
    )
    .unwrap();
    drop(wangge_pg::PgStore::open(&url).unwrap());
    check(&mut c);
    if common::gdal_available() {
        let grid = ogrinfo(&["-ro", "-so", &format!("PG:{}", pg_conninfo(&url)), "grid"]);
        assert!(grid.contains("Feature Count: 0"), "GDAL reads the PostGIS table: {grid}");
    }
}

/// `postgres://user@host:port/db` as a libpq keyword string for GDAL's `PG:`.
fn pg_conninfo(url: &str) -> String {
    let rest = url.trim_start_matches("postgres://");
    let (user, rest) = rest.split_once('@').unwrap();
    let (hostport, db) = rest.split_once('/').unwrap();
    let (host, port) = hostport.split_once(':').unwrap();
    format!("host={host} port={port} user={user} dbname={db}")
}

const G1: &str = "440304006009001";

/// Publishes a plan that gives grid G1 a new `kind` and `worker`.
fn publish_new_staffing(db: &mut dyn wangge_store::Db) {
    let mut g = db.load_layer(Layer::Grid).unwrap().into_iter().find(|g| g.code == G1).unwrap();
    g.attrs.insert("kind".into(), json!("专属"));
    g.attrs.insert("worker".into(), json!("网格员 丙"));
    let author = Author::new("lin", "planner");
    let plan = db.create_plan("staffing", &author).unwrap();
    let edit = json!({"op": "replace", "layer": "grid", "feature": wangge_formats::geojson::feature_to_json(&g)});
    svc::add_edits(db, plan.id, author.clone(), &[edit], None).unwrap();
    svc::publish(db, None, plan.id, author, "new worker", "2026-06-01", &RulesConfig::default()).unwrap();
}

/// `kind, worker` of G1 as GDAL's SQL reads them from `source`.
fn gdal_kind_worker(source: &str) -> String {
    ogrinfo(&["-ro", "-q", source, "-sql", &format!("SELECT kind, worker FROM grid WHERE code = '{G1}'")])
}

#[test]
fn common_attributes_are_columns_in_the_geopackage() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::city_db(dir.path());
    let gdal = common::gdal_available();
    if gdal {
        let t = gdal_kind_worker(db.to_str().unwrap());
        assert!(t.contains("kind (String) = 综合") && t.contains("worker (String) = 网格员 甲"), "after import: {t}");
    }
    let mut store = Store::open(&db).unwrap();
    publish_new_staffing(&mut store);
    if gdal {
        let t = gdal_kind_worker(db.to_str().unwrap());
        assert!(t.contains("kind (String) = 专属") && t.contains("worker (String) = 网格员 丙"), "after publish: {t}");
    }
    assert_eq!(store.pending_external().unwrap(), 0, "wangge's own writes of the columns are not outside edits");

    // A GIS user edits the column: the feature changed, and is recorded as such.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE grid SET worker = '网格员 丁' WHERE code = ?1", [G1]).unwrap();
    let absorbed = store.absorb_external("edited in QGIS", "2026-06-02").unwrap().unwrap();
    assert_eq!(absorbed.changes.len(), 1, "{absorbed:?}");
    let g = store.load_layer(Layer::Grid).unwrap().into_iter().find(|g| g.code == G1).unwrap();
    assert_eq!(g.attrs["worker"], "网格员 丁");

    // A file made before the columns existed gains them, filled, with no outside edit recorded.
    conn.execute_batch("ALTER TABLE grid DROP COLUMN kind; ALTER TABLE grid DROP COLUMN worker;").unwrap();
    drop(store);
    let store = Store::open(&db).unwrap();
    let (kind, worker): (String, String) =
        conn.query_row("SELECT kind, worker FROM grid WHERE code = ?1", [G1], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!((kind.as_str(), worker.as_str()), ("专属", "网格员 丁"));
    assert_eq!(store.pending_external().unwrap(), 0);
}

#[test]
fn common_attributes_are_columns_in_postgres() {
    let pg = PgCluster::start();
    let url = pg.new_db("columns");
    let mut db = wangge_pg::PgStore::open(&url).unwrap();
    for layer in Layer::ALL {
        let text = std::fs::read_to_string(common::city_dir().join(format!("{}.geojson", layer.id()))).unwrap();
        let options =
            ImportOptions { layer, crs: Crs::Wgs84, mode: WriteMode::Append, tolerance_m: 10.0, generate_codes: false };
        import(&mut db, &text, FileFormat::GeoJson, &options, None).unwrap();
    }
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let read = |c: &mut postgres::Client| -> (String, String) {
        let r = c.query_one("SELECT kind, worker FROM grid WHERE code = $1", &[&G1]).unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(read(&mut c), ("综合".into(), "网格员 甲".into()));
    publish_new_staffing(&mut db);
    assert_eq!(read(&mut c), ("专属".into(), "网格员 丙".into()));
    if common::gdal_available() {
        let t = gdal_kind_worker(&format!("PG:{}", pg_conninfo(&url)));
        assert!(t.contains("kind (String) = 专属") && t.contains("worker (String) = 网格员 丙"), "{t}");
    }
    if qgis_python() {
        // QGIS's PostgreSQL provider finds the default style in public.layer_styles.
        let script = format!(
            "from qgis.core import QgsApplication, QgsVectorLayer
app = QgsApplication([], False); app.initQgis()
layer = QgsVectorLayer(\"{} key='fid' srid=4326 type=Polygon table=\\\"public\\\".\\\"grid\\\" (geom)\", 'grid', 'postgres')
assert layer.isValid()
msg, ok = layer.loadDefaultStyle()
print('pg', ok, layer.renderer().symbol().symbolLayer(0).layerType(), layer.labelsEnabled(), layer.featureCount())",
            pg_conninfo(&url)
        );
        let out = Command::new("/usr/bin/python3")
            .args(["-c", &script])
            .env("QT_QPA_PLATFORM", "offscreen")
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            said.contains("pg True SimpleFill True 4"),
            "QGIS on PostgreSQL: {said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A database migrated before the columns existed gets them, filled, from migration 3.
    c.batch_execute(
        "ALTER TABLE grid DROP COLUMN kind, DROP COLUMN worker, DROP COLUMN facility;
         DELETE FROM wangge_migration WHERE version >= 3",
    )
    .unwrap();
    drop(wangge_pg::PgStore::open(&url).unwrap());
    assert_eq!(read(&mut c), ("专属".into(), "网格员 丙".into()));
}
