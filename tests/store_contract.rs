//! The store contract: the same test functions run against both stores behind the seam
//! (`wangge_store::Db`) — a SQLite/GeoPackage file and a PostgreSQL/PostGIS database in a
//! throw-away cluster — and must see the same answers: layers round-trip exactly, plans keep
//! their versions (optimistic locking), publishing refuses a stale base, history answers past
//! dates, tokens and the audit log, addresses follow their building, other departments' networks
//! keep their versions, and `copy` moves a whole database with its history both ways.

mod common;
mod pg_support;

use pg_support::PgCluster;
use serde_json::{Value, json};
use wangge_app::import::{ImportOptions, Record, import};
use wangge_app::plan as svc;
use wangge_core::address::AddressRecord;
use wangge_core::model::Layer;
use wangge_core::rules::RulesConfig;
use wangge_formats::crs::Crs;
use wangge_formats::formats::FileFormat;
use wangge_store::access::Role;
use wangge_store::history::{AsOf, LayerWrite, Publication};
use wangge_store::networks::NetworkWrite;
use wangge_store::plans::{Author, EditBatch, PlanError, RevisionNote};
use wangge_store::{AuditEntry, Db, Store, WriteMode};

const G1: &str = "440304006009001";
const NEW: &str = "440304006009003";

/// The split of grid G1 at its middle that the plan tests publish.
fn split() -> Value {
    json!({"op": "split", "layer": "grid", "code": G1, "new_code": NEW,
        "line": {"type": "LineString", "coordinates": [[114.00390625, 22.50], [114.00390625, 22.52]]}})
}

/// Loads the fixture city into `db` (the initial load: revision 0).
fn load_city(db: &mut dyn Db) {
    for layer in Layer::ALL {
        let text = std::fs::read_to_string(common::city_dir().join(format!("{}.geojson", layer.id()))).unwrap();
        let options =
            ImportOptions { layer, crs: Crs::Wgs84, mode: WriteMode::Append, tolerance_m: 10.0, generate_codes: false };
        import(db, &text, FileFormat::GeoJson, &options, None).unwrap();
    }
}

fn planner() -> Author {
    Author::new("lin", "planner")
}

/// Every layer written comes back feature for feature, geometry bit for bit, in code order.
fn layers_round_trip(db: &mut dyn Db) {
    load_city(db);
    let snapshot = db.load_snapshot().unwrap();
    for layer in Layer::ALL {
        let text = std::fs::read_to_string(common::city_dir().join(format!("{}.geojson", layer.id()))).unwrap();
        let parsed = wangge_formats::geojson::read_features(&text);
        let mut expected: Vec<_> = parsed.features.into_iter().map(|(_, f)| (f.code, f.geometry)).collect();
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        let got: Vec<_> = db.load_layer(layer).unwrap().into_iter().map(|f| (f.code, f.geometry)).collect();
        assert_eq!(got, expected, "{}", layer.id());
        assert_eq!(snapshot.layer(layer).len(), expected.len());
    }
    assert_eq!(db.current_revision().unwrap(), 0, "the initial load records no revision");
    // Append refuses an existing code and writes nothing.
    let g = db.load_layer(Layer::Grid).unwrap();
    assert!(db.write_layer(Layer::Grid, &g[..1], WriteMode::Append).is_err());
    assert_eq!(db.load_layer(Layer::Grid).unwrap(), g);
    let report = db.write_layer(Layer::Grid, &g[..2], WriteMode::Upsert).unwrap();
    assert_eq!((report.inserted, report.updated), (0, 2));
}

/// Plans: versions checked (a stale If-Match is refused), undo/redo, publish, stale base, history.
fn plans_publish_and_history(db: &mut dyn Db) {
    load_city(db);
    let plan = db.create_plan("split", &planner()).unwrap();
    assert_eq!((plan.version, plan.base_revision, plan.status.as_str()), (1, 0, "draft"));
    let v2 = svc::add_edits(db, plan.id, planner(), &[split()], Some(1)).unwrap();
    assert_eq!(v2.version, 2);
    match db.add_edits(plan.id, EditBatch { author: &planner(), edits: &[split()] }, Some(1)) {
        Err(PlanError::StaleVersion { expected: 1, current: 2, .. }) => {}
        other => panic!("a stale version must be refused: {other:?}"),
    }
    assert_eq!(db.plan_steps(plan.id).unwrap(), (1, 0));
    db.undo(plan.id, Some(2)).unwrap();
    assert_eq!(db.plan_edits(plan.id).unwrap().len(), 0);
    assert_eq!(db.plan_steps(plan.id).unwrap(), (0, 1));
    let v4 = db.redo(plan.id, None).unwrap();
    assert_eq!((v4.version, db.plan_edits(plan.id).unwrap()), (4, vec![split()]));

    // A second plan on the same base goes stale once the first is published.
    let other = db.create_plan("other", &planner()).unwrap();
    let rev = svc::publish(db, None, plan.id, planner(), "split G1", "2026-03-01", &RulesConfig::default()).unwrap();
    assert_eq!((rev.id, rev.plan_id, rev.author.as_str()), (1, Some(plan.id), "lin"));
    assert_eq!(db.current_revision().unwrap(), 1);
    assert_eq!(db.plan(plan.id).unwrap().unwrap().status, "published");
    let batch = EditBatch { author: &planner(), edits: &[split()] };
    assert!(matches!(db.add_edits(plan.id, batch, None), Err(PlanError::NotDraft(_))));
    let now = db.load_snapshot().unwrap();
    assert!(now.layer(Layer::Grid).get(NEW).is_some());
    let note = RevisionNote { author: &planner(), message: "late", date: "2026-03-02" };
    let stale = db.publish(Publication { plan_id: other.id, version: None, note, before: &now, after: &now });
    match stale {
        Err(PlanError::StaleBase { base: 0, current: 1, since }) => assert_eq!(since.len(), 1),
        other => panic!("a plan on an old base must be refused: {other:?}"),
    }
    db.discard_plan(other.id, None).unwrap();
    assert!(db.plan(other.id).unwrap().is_none());

    // History: before the effective date, and as of revision 0, the old grid stands whole.
    let then = db.snapshot_as_of(&AsOf::Date("2026-01-01".into())).unwrap();
    assert!(then.layer(Layer::Grid).get(NEW).is_none());
    let old = then.layer(Layer::Grid).get(G1).unwrap().geometry().into_owned();
    assert_eq!(
        db.snapshot_as_of(&AsOf::Revision(0)).unwrap().layer(Layer::Grid).get(G1).unwrap().geometry().into_owned(),
        old
    );
    let after = db.snapshot_as_of(&AsOf::Date("2026-03-01".into())).unwrap();
    assert_eq!(after.layer(Layer::Grid).get(NEW), now.layer(Layer::Grid).get(NEW));
    assert_ne!(after.layer(Layer::Grid).get(G1).unwrap().geometry().into_owned(), old);
    assert_eq!(db.revisions_since(0).unwrap(), vec![rev.clone()]);
    assert!(db.revision_created_at(1).unwrap().is_some_and(|t| t.ends_with('Z')));
    let (published, revision) = db.load_published().unwrap();
    assert_eq!((revision, published.layer(Layer::Grid).len()), (1, now.layer(Layer::Grid).len()));

    // A recorded import is a revision too, and an unchanged one records nothing.
    let record =
        Record { author: Author::new("cli", "cli"), message: "rename".into(), effective_date: "2026-04-01".into() };
    let mut g = db.load_layer(Layer::Grid).unwrap().remove(0);
    g.name = "改名的网格".into();
    let grids = [g];
    let upsert = LayerWrite { layer: Layer::Grid, features: &grids, mode: WriteMode::Upsert };
    let note = RevisionNote { author: &record.author, message: "rename", date: "2026-04-01" };
    let (report, rev2) = db.write_layer_recorded(upsert, note).unwrap();
    assert_eq!((report.updated, rev2.map(|r| r.id)), (1, Some(2)));
    let note = RevisionNote { author: &record.author, message: "again", date: "2026-04-02" };
    let (_, none) = db.write_layer_recorded(upsert, note).unwrap();
    assert!(none.is_none());
}

/// Tokens are stored as hashes with their role and area; audit lines come back newest first.
fn tokens_and_audit(db: &mut dyn Db) {
    let token = db.create_scoped_token("wang", Role::Worker, &["440304006".into()]).unwrap();
    assert!(token.starts_with("wg_"));
    let holder = db.token_holder(&token).unwrap().unwrap();
    assert_eq!(
        (holder.name.as_str(), holder.role, holder.area.clone()),
        ("wang", Role::Worker, vec!["440304006".into()])
    );
    assert!(db.token_holder("wg_not_ours").unwrap().is_none());
    let mut e = AuditEntry::now("wang", "worker", "GET", "/api/v1/households", 200);
    e.rows = Some(3);
    db.append_audit(&[e.clone(), AuditEntry::now("lin", "planner", "POST", "/api/v1/plans", 201)]).unwrap();
    let rows = db.audit_rows(0, 10).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].entry.path.as_str(), rows[1].entry.clone()), ("/api/v1/plans", e));
    assert_eq!(db.audit_rows(rows[0].id, 10).unwrap().len(), 0);
}

/// Addresses round-trip, and a publish moving a building relinks its addresses.
fn addresses(db: &mut dyn Db) {
    load_city(db);
    let records = vec![AddressRecord {
        code: "A1".into(),
        address: "福田区竹林社区 1 号".into(),
        road: Some("竹林路".into()),
        door: Some("1".into()),
        estate: None,
        point: geo::Coord { x: 114.001, y: 22.501 },
        building: Some("B1".into()),
        grid: Some(G1.into()),
        source: "csv".into(),
        illustrative: false,
    }];
    let r = db.write_addresses(&records, WriteMode::Append).unwrap();
    assert_eq!(r.inserted, 1);
    assert!(db.write_addresses(&records, WriteMode::Append).is_err(), "append refuses an existing code");
    assert_eq!(db.load_addresses().unwrap(), records);
    assert_eq!(db.address_count().unwrap(), 1);
    // The grid is merged away by a publish: the address loses its link instead of naming it.
    let plan = db.create_plan("delete", &planner()).unwrap();
    let before = db.load_snapshot().unwrap();
    let mut after_layers: Vec<_> = Layer::ALL.iter().map(|l| (*l, before.layer(*l).to_features())).collect();
    for (l, f) in &mut after_layers {
        if *l == Layer::Grid {
            f.retain(|g| g.code != G1);
        }
    }
    let after = wangge_core::snapshot::Snapshot::new(after_layers);
    let note = RevisionNote { author: &planner(), message: "drop G1", date: "2026-05-01" };
    db.publish(Publication { plan_id: plan.id, version: None, note, before: &before, after: &after }).unwrap();
    assert_eq!(db.load_addresses().unwrap()[0].grid, None);
}

/// The fixture city's grids as an other department's network (no parents).
fn network_features(shift: f64) -> Vec<wangge_core::model::Feature> {
    let text = std::fs::read_to_string(common::city_dir().join("grid.geojson")).unwrap();
    let parsed = wangge_formats::geojson::read_features(&text);
    parsed
        .features
        .into_iter()
        .map(|(_, mut f)| {
            f.parent_code = None;
            f.name = format!("警格 {}", f.code);
            use geo::Translate;
            f.geometry = f.geometry.translate(shift, 0.0);
            f
        })
        .collect()
}

/// Writes `features` as the next version of network `name`, by the CLI.
fn write_network(
    db: &mut dyn Db,
    name: &str,
    features: &[wangge_core::model::Feature],
    mode: WriteMode,
    message: &str,
) -> Result<(wangge_store::WriteReport, i64), wangge_store::StoreError> {
    db.write_network(&NetworkWrite { name, features, mode, author: &Author::new("cli", "cli"), message })
}

/// Networks: each import is the next version, earlier versions read back, append refuses a
/// code the network has, replace ends every current feature.
fn networks(db: &mut dyn Db) {
    assert!(db.networks().unwrap().is_empty());
    assert_eq!((db.network_version("police").unwrap(), db.load_network("police", None).unwrap()), (None, None));
    let first = network_features(0.0);
    let (r, v) = write_network(db, "police", &first, WriteMode::Append, "first {n}").unwrap();
    assert_eq!((r.inserted, v), (first.len(), 1));
    let moved = network_features(0.001);
    let (r, v) = write_network(db, "police", &moved[..2], WriteMode::Upsert, "second").unwrap();
    assert_eq!((r.inserted, r.updated, v), (0, 2, 2));
    assert!(write_network(db, "police", &first[..1], WriteMode::Append, "again").is_err());
    assert_eq!(db.network_version("police").unwrap(), Some(2), "a refused import makes no version");
    assert_eq!(db.load_network("police", Some(1)).unwrap().unwrap(), first, "version 1 reads back as written");
    let now = db.load_network("police", None).unwrap().unwrap();
    assert_eq!((now.len(), &now[0].geometry), (first.len(), &moved[0].geometry));
    let (r, v) = write_network(db, "police", &moved[3..], WriteMode::Replace, "third").unwrap();
    assert_eq!((r.inserted, r.updated, r.deleted, v), (0, 1, first.len() - 1, 3));
    write_network(db, "城管", &first[..1], WriteMode::Append, "{n} grid").unwrap();
    let list = db.networks().unwrap();
    let listed: Vec<_> = list.iter().map(|n| (n.name.as_str(), n.version, n.features)).collect();
    assert_eq!(listed, [("police", 3, 1), ("城管", 1, 1)]);
    assert_eq!((list[1].message.as_str(), list[1].author.as_str()), ("1 grid", "cli"));
    assert!(list[0].updated.ends_with('Z'));
    assert_eq!(db.load_network("police", Some(4)).unwrap(), None);
}

/// One contract function: it gets an empty store and checks what it promises.
type Contract = fn(&mut dyn Db);

const CONTRACT: &[(&str, Contract)] = &[
    ("layers_round_trip", layers_round_trip),
    ("plans_publish_and_history", plans_publish_and_history),
    ("tokens_and_audit", tokens_and_audit),
    ("addresses", addresses),
    ("networks", networks),
];

#[test]
fn contract_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    for (name, test) in CONTRACT {
        let mut db = Store::open(&dir.path().join(format!("{name}.gpkg"))).unwrap();
        test(&mut db);
        eprintln!("sqlite: {name} ok");
    }
}

#[test]
fn contract_on_postgres() {
    let pg = PgCluster::start();
    for (name, test) in CONTRACT {
        let mut db = wangge_pg::PgStore::open(&pg.new_db(name)).unwrap();
        test(&mut db);
        eprintln!("postgres: {name} ok");
    }
}

/// `copy` moves everything, history and ids included: SQLite → PostgreSQL → SQLite gives back
/// the same dump, and the copy answers history questions like the original.
#[test]
fn copy_moves_a_whole_database_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = Store::open(&dir.path().join("a.gpkg")).unwrap();
    plans_publish_and_history(&mut sqlite);
    tokens_and_audit(&mut sqlite);
    networks(&mut sqlite);
    let original = Db::dump(&sqlite).unwrap();
    assert_eq!(original.networks.versions.len(), 4);

    let pg = PgCluster::start();
    let mut postgres = wangge_pg::PgStore::open(&pg.new_db("copy")).unwrap();
    postgres.restore_dump(&original).unwrap();
    assert_eq!(postgres.dump().unwrap(), original);
    let mut back = Store::open(&dir.path().join("b.gpkg")).unwrap();
    back.restore_dump(&postgres.dump().unwrap()).unwrap();
    assert_eq!(Db::dump(&back).unwrap(), original);

    // The copy carries on where the original was: the next revision and plan ids follow.
    let then = postgres.snapshot_as_of(&AsOf::Date("2026-01-01".into())).unwrap();
    assert!(then.layer(Layer::Grid).get(NEW).is_none());
    assert_eq!(postgres.network_version("police").unwrap(), Some(3));
    let plan = postgres.create_plan("next", &planner()).unwrap();
    assert_eq!((plan.id, plan.base_revision), (original.plans.iter().map(|p| p.row.id).max().unwrap() + 1, 2));
}
