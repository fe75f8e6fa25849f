//! [`PgStore`]: one PostgreSQL connection answering the store seam ([`Db`]) with the SQLite
//! store's semantics — one transaction per write, plan versions checked under a row lock, a
//! publish refused when its plan's base is no longer the newest revision — and a `NOTIFY` on
//! every commit that changes what is published, for the other processes' change feeds.
//!
//! Revision-recording writes (publish, recorded imports) first lock the one `wangge_state` row,
//! so two processes publishing at once are serialised and the second sees the first's revision
//! (and is refused as stale if its plan was based on the older one).
//!
//! The reads a served store repeats — the change feed's polls and snapshot reads, token, plan
//! and revision lookups, the draft-edit transaction — go through `query_typed`: one round trip
//! each, where a plain `query` costs two (parse, then bind and execute). On a busy machine each
//! round trip can wait hundreds of milliseconds for the database backend to get a CPU, so a
//! replica follows a publish and an edit is stored after half as many of those waits.

use crate::{NOTIFY_CHANNEL, redact};
use geo::{Geodesic, Geometry, Length, LineString};
use postgres::types::Type;
use postgres::{Client, GenericClient, NoTls, Transaction};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::PathBuf;
use wangge_core::address::AddressRecord;
use wangge_core::diff::changes;
use wangge_core::model::{Feature, Layer};
use wangge_core::snapshot::Snapshot;
use wangge_formats::roads::RoadLine;
use wangge_formats::wkb;
use wangge_store::access::{AuditRow, Role, TokenHolder, hash_token};
use wangge_store::changes::ChangeStamp;
use wangge_store::columns::text_attr;
use wangge_store::dump::{Dump, EditDump, HistoryDump, PlanDump, TokenDump};
use wangge_store::history::{AsOf, LayerWrite, Publication};
use wangge_store::networks::{NetworkInfo, NetworkWrite};
use wangge_store::plans::{Author, EditBatch, PlanError, PlanRow, RevisionNote, RevisionRow, check_publishable};
use wangge_store::validity::DateSpan;
use wangge_store::{AuditEntry, Db, StoreError, WriteMode, WriteReport};

/// The current time as the SQLite store writes it (UTC, ISO 8601 with milliseconds), so both
/// stores' timestamps compare and parse alike.
const NOW: &str = "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

/// One connection to a wangge PostgreSQL database.
pub struct PgStore {
    pub(crate) client: RefCell<Client>,
    pub(crate) location: String,
}

type PgResult<T> = Result<T, postgres::Error>;

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`) and migrates the schema
    /// to this build's version.
    pub fn open(url: &str) -> Result<PgStore, StoreError> {
        let store = PgStore::connect(url)?;
        let location = store.location.clone();
        crate::migrate::migrate(&mut store.client.borrow_mut())
            .map_err(|detail| StoreError::Database { location, detail })?;
        Ok(store)
    }

    /// Connects to `url` without migrating (pool connections: the pool migrated once).
    pub fn connect(url: &str) -> Result<PgStore, StoreError> {
        let location = redact(url);
        let mut config: postgres::Config =
            url.parse().map_err(|e| StoreError::Database { location: location.clone(), detail: format!("{e}") })?;
        // Names this process's connections in pg_stat_activity, so an operator can tell the
        // replicas apart (and end one's connections).
        if config.get_application_name().is_none() {
            config.application_name(&format!("wangge-{}", std::process::id()));
        }
        let client = config
            .connect(NoTls)
            .map_err(|e| StoreError::Database { location: location.clone(), detail: e.to_string() })?;
        Ok(PgStore { client: RefCell::new(client), location })
    }

    /// Loads PostGIS into this connection's backend now, before anything waits for it: the
    /// first PostGIS call on a new connection loads the extension's libraries (GEOS, PROJ, …),
    /// 20 ms on an idle machine and up to 1.7 s measured on a busy one — on the change feed's
    /// connection that was the first snapshot read after a publish. Served connections (the
    /// feed's, the pool's) are warmed as they open; the CLI's are not.
    pub fn warm_up(&self) -> Result<(), StoreError> {
        self.with(|c| c.simple_query("SELECT ST_AsBinary('POINT(0 0)'::geometry)").map(|_| ()))
    }

    /// The connection, for the pool's health checks and the change feed's `LISTEN`.
    pub fn client(&mut self) -> &mut Client {
        self.client.get_mut()
    }

    fn err(&self) -> impl Fn(postgres::Error) -> StoreError + '_ {
        move |e| StoreError::Database { location: self.location.clone(), detail: detail(&e) }
    }

    fn plan_err(&self) -> impl Fn(postgres::Error) -> PlanError + '_ {
        move |e| PlanError::Store(StoreError::Database { location: self.location.clone(), detail: detail(&e) })
    }

    fn corrupt(&self, layer: Layer, code: &str, detail: String) -> StoreError {
        StoreError::Corrupt { path: PathBuf::from(&self.location), layer, code: code.to_string(), detail }
    }

    /// Reads with the shared connection.
    fn with<T>(&self, f: impl FnOnce(&mut Client) -> PgResult<T>) -> Result<T, StoreError> {
        let mut c = self.client.borrow_mut();
        f(&mut c).map_err(self.err())
    }

    fn features(&self, rows: Vec<postgres::Row>, layer: Layer) -> Result<Vec<Feature>, StoreError> {
        rows.into_iter().map(|r| self.feature(&r, layer, 0)).collect()
    }

    /// A feature from the columns `code, name, parent_code, attributes::text, ST_AsBinary(geom)`
    /// starting at column `at`.
    fn feature(&self, r: &postgres::Row, layer: Layer, at: usize) -> Result<Feature, StoreError> {
        let code: String = r.get(at);
        let attrs: String = r.get(at + 3);
        let blob: Vec<u8> = r.get(at + 4);
        let geometry = wkb::read(&blob).map_err(|e| self.corrupt(layer, &code, e.to_string()))?;
        let attrs: wangge_core::model::Attrs =
            serde_json::from_str(&attrs).map_err(|e| self.corrupt(layer, &code, format!("attributes: {e}")))?;
        Ok(Feature { name: r.get(at + 1), parent_code: r.get(at + 2), attrs, geometry, code })
    }

    fn load_layer_with(&self, c: &mut impl GenericClient, layer: Layer) -> Result<Vec<Feature>, StoreError> {
        let sql = format!(
            "SELECT code, name, parent_code, attributes::text, ST_AsBinary(geom) FROM \"{}\" ORDER BY code COLLATE \"C\"",
            layer.id()
        );
        let rows = c.query_typed(&sql, &[]).map_err(self.err())?;
        self.features(rows, layer)
    }

    fn load_addresses_with(&self, c: &mut impl GenericClient) -> Result<Vec<AddressRecord>, StoreError> {
        let rows = c
            .query_typed(
                "SELECT code, address, road, door, estate, building_code, grid_code, source, illustrative, ST_X(geom), ST_Y(geom)
                 FROM address ORDER BY code COLLATE \"C\"",
                &[],
            )
            .map_err(self.err())?;
        Ok(rows
            .iter()
            .map(|r| AddressRecord {
                code: r.get(0),
                address: r.get(1),
                road: r.get(2),
                door: r.get(3),
                estate: r.get(4),
                building: r.get(5),
                grid: r.get(6),
                source: r.get(7),
                illustrative: r.get(8),
                point: geo::Coord { x: r.get(9), y: r.get(10) },
            })
            .collect())
    }

    fn snapshot_with(&self, c: &mut impl GenericClient) -> Result<Snapshot, StoreError> {
        let mut layers = Vec::new();
        for layer in Layer::ALL {
            layers.push((layer, self.load_layer_with(c, layer)?));
        }
        Ok(Snapshot::new(layers).with_addresses(self.load_addresses_with(c)?))
    }

    /// Runs `change` on draft plan `id` in one transaction (see the SQLite store's `in_draft`):
    /// the plan row is locked, its status and version checked, and the version bumped when
    /// `change` reports a change.
    fn in_draft(
        &mut self,
        id: i64,
        if_match: Option<i64>,
        change: impl FnOnce(&mut Transaction<'_>) -> PgResult<bool>,
    ) -> Result<Option<PlanRow>, PlanError> {
        let e = self.plan_err();
        let mut c = self.client.borrow_mut();
        let mut tx = c.transaction().map_err(&e)?;
        check_draft(&mut tx, id, if_match).map_err(|d| d.into_plan_error(&e))?;
        if !change(&mut tx).map_err(&e)? {
            return Ok(None);
        }
        let sql = format!("UPDATE wangge_plan SET version = version + 1, updated_at = {NOW} WHERE id = $1");
        tx.query_typed(&sql, &[(&id, Type::INT8)]).map_err(&e)?;
        let row = tx.query_typed_opt(&format!("{PLAN_SELECT} WHERE id = $1"), &[(&id, Type::INT8)]).map_err(&e)?;
        tx.commit().map_err(&e)?;
        Ok(row.map(|r| plan_row(&r)))
    }
}

/// A PostgreSQL error with the server's message when there is one.
pub(crate) fn detail(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

const PLAN_SELECT: &str =
    "SELECT id, name, author, author_role, base_revision, status, version, created_at FROM wangge_plan";
const REVISION_SELECT: &str =
    "SELECT id, author, author_role, created_at, message, plan_id, effective_date FROM wangge_revision";

fn plan_row(r: &postgres::Row) -> PlanRow {
    PlanRow {
        id: r.get(0),
        name: r.get(1),
        author: r.get(2),
        author_role: r.get(3),
        base_revision: r.get(4),
        status: r.get(5),
        version: r.get(6),
        created_at: r.get(7),
    }
}

fn revision_row(r: &postgres::Row) -> RevisionRow {
    RevisionRow {
        id: r.get(0),
        author: r.get(1),
        author_role: r.get(2),
        created_at: r.get(3),
        message: r.get(4),
        plan_id: r.get(5),
        effective_date: r.get(6),
    }
}

enum DraftCheck {
    Sql(postgres::Error),
    Plan(PlanError),
}

impl DraftCheck {
    fn into_plan_error(self, e: &impl Fn(postgres::Error) -> PlanError) -> PlanError {
        match self {
            DraftCheck::Sql(s) => e(s),
            DraftCheck::Plan(p) => p,
        }
    }
}

/// The plan exists, is a draft and is at version `if_match` when one is given; its row stays
/// locked until the transaction ends, so two writers of one plan take turns.
fn check_draft(tx: &mut Transaction<'_>, id: i64, if_match: Option<i64>) -> Result<(), DraftCheck> {
    let row = tx
        .query_typed_opt("SELECT status, version FROM wangge_plan WHERE id = $1 FOR UPDATE", &[(&id, Type::INT8)])
        .map_err(DraftCheck::Sql)?
        .ok_or(DraftCheck::Plan(PlanError::NotFound(id)))?;
    let (status, version): (String, i64) = (row.get(0), row.get(1));
    if status != "draft" {
        return Err(DraftCheck::Plan(PlanError::NotDraft(id)));
    }
    if let Some(expected) = if_match.filter(|e| *e != version) {
        return Err(DraftCheck::Plan(PlanError::StaleVersion { id, expected, current: version }));
    }
    Ok(())
}

fn wkb_of(g: &Geometry<f64>) -> Vec<u8> {
    let mut out = Vec::new();
    wkb::write(g, &mut out);
    out
}

/// Writes `f` into `table` by code, the common attributes into their columns too (see
/// [`wangge_store::columns`]); returns whether the code was there.
fn write_row(c: &mut impl GenericClient, table: &str, f: &Feature) -> PgResult<bool> {
    let sql = format!(
        "INSERT INTO \"{table}\" (geom, code, name, parent_code, households, residents, attributes, kind, worker, facility)
         VALUES (ST_GeomFromWKB($1, 4326), $2, $3, $4, $5, $6, $7::text::json, $8, $9, $10)
         ON CONFLICT (code) DO UPDATE SET geom = EXCLUDED.geom, name = EXCLUDED.name, parent_code = EXCLUDED.parent_code,
           households = EXCLUDED.households, residents = EXCLUDED.residents, attributes = EXCLUDED.attributes,
           kind = EXCLUDED.kind, worker = EXCLUDED.worker, facility = EXCLUDED.facility
         RETURNING (xmax <> 0)"
    );
    let attrs = f.attrs.to_json();
    let row = c.query_one(
        &sql,
        &[
            &wkb_of(&f.geometry),
            &f.code,
            &f.name,
            &f.parent_code,
            &f.int_attr("households"),
            &f.int_attr("residents"),
            &attrs,
            &text_attr(f, "kind"),
            &text_attr(f, "worker"),
            &text_attr(f, "facility"),
        ],
    )?;
    Ok(row.get(0))
}

/// Marks a change of what is published: bumps the change counter and notifies every listening
/// process (delivered when the transaction commits, never before).
fn announce(c: &mut impl GenericClient) -> PgResult<()> {
    let row = c.query_one(
        "UPDATE wangge_state SET change_seq = change_seq + 1 WHERE id = 1
         RETURNING (SELECT coalesce(max(id), 0) FROM wangge_revision)",
        &[],
    )?;
    let revision: i64 = row.get(0);
    c.execute("SELECT pg_notify($1, $2)", &[&NOTIFY_CHANNEL, &revision.to_string()])?;
    Ok(())
}

/// Moves the roads stamp (`Db::roads_stamp`) and wakes the listening change feeds, whose next
/// poll then reloads the walking network.
fn bump_roads_stamp(c: &mut impl GenericClient) -> PgResult<()> {
    c.execute(
        "INSERT INTO wangge_meta VALUES ('roads_version', '1')
         ON CONFLICT (key) DO UPDATE SET value = (wangge_meta.value::bigint + 1)::text",
        &[],
    )?;
    c.execute("SELECT pg_notify($1, (SELECT coalesce(max(id), 0) FROM wangge_revision)::text)", &[&NOTIFY_CHANNEL])?;
    Ok(())
}

/// Serialises revision-recording writes across processes (see the module documentation).
fn lock_state(c: &mut impl GenericClient) -> PgResult<()> {
    c.execute("SELECT 1 FROM wangge_state WHERE id = 1 FOR UPDATE", &[])?;
    Ok(())
}

/// A read-only, repeatable-read transaction: every query in it sees one snapshot of the
/// database, so what it reads together is never a mixed state.
fn read_transaction(c: &mut Client) -> PgResult<Transaction<'_>> {
    c.build_transaction().isolation_level(postgres::IsolationLevel::RepeatableRead).read_only(true).start()
}

fn current_revision_with(c: &mut impl GenericClient) -> PgResult<i64> {
    Ok(c.query_typed_one("SELECT coalesce(max(id), 0) FROM wangge_revision", &[])?.get(0))
}

fn insert_history(tx: &mut Transaction<'_>, layer: Layer, f: &Feature, from: Option<&str>, rev: i64) -> PgResult<()> {
    tx.execute(
        "INSERT INTO wangge_feature_history (layer, code, name, parent_code, attributes, geom, valid_from, revision_from)
         VALUES ($1, $2, $3, $4, $5::text::json, ST_GeomFromWKB($6, 4326), $7, $8)",
        &[
            &layer.id(),
            &f.code,
            &f.name,
            &f.parent_code,
            &f.attrs.to_json(),
            &wkb_of(&f.geometry),
            &from,
            &rev,
        ],
    )?;
    Ok(())
}

/// Inserts a revision and applies `before` → `after` to the live tables and the history, as the
/// SQLite store's `record_revision` does.
fn record_revision(
    tx: &mut Transaction<'_>,
    plan_id: Option<i64>,
    note: RevisionNote<'_>,
    before: &Snapshot,
    after: &Snapshot,
) -> PgResult<i64> {
    let RevisionNote { author, message, date } = note;
    let sql = format!(
        "INSERT INTO wangge_revision (author, author_role, created_at, message, plan_id, effective_date)
         VALUES ($1, $2, {NOW}, $3, $4, $5) RETURNING id"
    );
    let rev: i64 = tx.query_one(&sql, &[&author.name, &author.role, &message, &plan_id, &date])?.get(0);
    let mut layers = BTreeSet::new();
    for ((layer, code), (old, new)) in changes(before, after) {
        layers.insert(layer);
        // Owned only here, one change at a time: the history rows and the table row take a feature.
        let (old, new) = (old.map(|f| f.to_feature()), new.map(|f| f.to_feature()));
        let open = tx.query_opt(
            "SELECT id FROM wangge_feature_history WHERE layer = $1 AND code = $2 AND revision_to IS NULL",
            &[&layer.id(), &code],
        )?;
        if open.is_none()
            && let Some(f) = &old
        {
            insert_history(tx, layer, f, None, 0)?;
        }
        tx.execute(
            "UPDATE wangge_feature_history SET valid_to = $3, revision_to = $4
             WHERE layer = $1 AND code = $2 AND revision_to IS NULL",
            &[&layer.id(), &code, &date, &rev],
        )?;
        match &new {
            Some(f) => {
                insert_history(tx, layer, f, Some(date), rev)?;
                write_row(tx, layer.id(), f)?;
            }
            None => {
                tx.execute(&format!("DELETE FROM \"{}\" WHERE code = $1", layer.id()), &[&code])?;
            }
        }
    }
    announce(tx)?;
    Ok(rev)
}

/// Keeps addresses' grid links true to a published change (see the SQLite store).
fn relink_addresses(tx: &mut Transaction<'_>, before: &Snapshot, after: &Snapshot) -> PgResult<()> {
    let grids = after.layer(Layer::Grid);
    for g in before.layer(Layer::Grid).iter().filter(|g| grids.get(g.code()).is_none()) {
        tx.execute("UPDATE address SET grid_code = NULL WHERE grid_code = $1", &[&g.code()])?;
    }
    let old = before.layer(Layer::Building);
    for b in after.layer(Layer::Building).iter() {
        if old.get(b.code()).is_some_and(|o| o.parent_code() != b.parent_code()) {
            tx.execute("UPDATE address SET grid_code = $1 WHERE building_code = $2", &[&b.parent_code(), &b.code()])?;
        }
    }
    Ok(())
}

fn unique_violation(location: &str, code: &str, table: &str) -> StoreError {
    StoreError::Database { location: location.to_string(), detail: format!("code {code} already exists in {table}") }
}

impl Db for PgStore {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn load_layer(&self, layer: Layer) -> Result<Vec<Feature>, StoreError> {
        let mut c = self.client.borrow_mut();
        self.load_layer_with(&mut *c, layer)
    }

    fn load_snapshot(&self) -> Result<Snapshot, StoreError> {
        self.load_published().map(|(s, _)| s)
    }

    fn write_layer(&mut self, layer: Layer, features: &[Feature], mode: WriteMode) -> Result<WriteReport, StoreError> {
        let location = self.location.clone();
        let e = self.err();
        let mut c = self.client.borrow_mut();
        let mut tx = c.transaction().map_err(&e)?;
        let table = layer.id();
        let mut report = WriteReport::default();
        if mode == WriteMode::Replace {
            report.deleted = tx.execute(&format!("DELETE FROM \"{table}\""), &[]).map_err(&e)? as usize;
        }
        for f in features {
            if mode == WriteMode::Append {
                let exists =
                    tx.query_opt(&format!("SELECT 1 FROM \"{table}\" WHERE code = $1"), &[&f.code]).map_err(&e)?;
                if exists.is_some() {
                    return Err(unique_violation(&location, &f.code, table));
                }
            }
            if write_row(&mut tx, table, f).map_err(&e)? { report.updated += 1 } else { report.inserted += 1 }
        }
        announce(&mut tx).map_err(&e)?;
        tx.commit().map_err(&e)?;
        Ok(report)
    }

    fn write_layer_recorded(
        &mut self,
        write: LayerWrite<'_>,
        note: RevisionNote<'_>,
    ) -> Result<(WriteReport, Option<RevisionRow>), StoreError> {
        let layer = write.layer;
        let location = self.location.clone();
        let mut c = self.client.borrow_mut();
        let e = |err: postgres::Error| StoreError::Database { location: location.clone(), detail: detail(&err) };
        let mut tx = c.transaction().map_err(e)?;
        lock_state(&mut tx).map_err(e)?;
        let current = current_revision_with(&mut tx).map_err(e)?;
        let old = self.load_layer_with(&mut tx, layer)?;
        let mut report = WriteReport::default();
        if current == 0 && old.is_empty() {
            // The initial load stays revision 0 (see the SQLite store).
            for f in write.features {
                write_row(&mut tx, layer.id(), f).map_err(e)?;
                report.inserted += 1;
            }
            announce(&mut tx).map_err(e)?;
            tx.commit().map_err(e)?;
            return Ok((report, None));
        }
        let (new, merged) = write.merged(&old).map_err(|code| unique_violation(&location, &code, layer.id()))?;
        report = merged;
        let before = Snapshot::new([(layer, old)]);
        let after = Snapshot::new([(layer, new)]);
        if changes(&before, &after).is_empty() {
            return Ok((report, None));
        }
        let rev = record_revision(&mut tx, None, note, &before, &after).map_err(e)?;
        let row = tx.query_one(&format!("{REVISION_SELECT} WHERE id = $1"), &[&rev]).map_err(e)?;
        tx.commit().map_err(e)?;
        Ok((report, Some(revision_row(&row))))
    }

    fn write_addresses(&mut self, records: &[AddressRecord], mode: WriteMode) -> Result<WriteReport, StoreError> {
        let location = self.location.clone();
        let e = self.err();
        let mut c = self.client.borrow_mut();
        let mut tx = c.transaction().map_err(&e)?;
        let mut report = WriteReport::default();
        if mode == WriteMode::Replace {
            report.deleted = tx.execute("DELETE FROM address", &[]).map_err(&e)? as usize;
        }
        let upsert = tx
            .prepare(
                "INSERT INTO address (geom, code, address, road, door, estate, building_code, grid_code, source, illustrative)
                 VALUES (ST_SetSRID(ST_MakePoint($1, $2), 4326), $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (code) DO UPDATE SET geom = EXCLUDED.geom, address = EXCLUDED.address, road = EXCLUDED.road,
                   door = EXCLUDED.door, estate = EXCLUDED.estate, building_code = EXCLUDED.building_code,
                   grid_code = EXCLUDED.grid_code, source = EXCLUDED.source, illustrative = EXCLUDED.illustrative
                 RETURNING (xmax <> 0)",
            )
            .map_err(&e)?;
        for r in records {
            if mode == WriteMode::Append
                && tx.query_opt("SELECT 1 FROM address WHERE code = $1", &[&r.code]).map_err(&e)?.is_some()
            {
                return Err(unique_violation(&location, &r.code, "address"));
            }
            let row = tx
                .query_one(
                    &upsert,
                    &[
                        &r.point.x,
                        &r.point.y,
                        &r.code,
                        &r.address,
                        &r.road,
                        &r.door,
                        &r.estate,
                        &r.building,
                        &r.grid,
                        &r.source,
                        &r.illustrative,
                    ],
                )
                .map_err(&e)?;
            if row.get::<_, bool>(0) { report.updated += 1 } else { report.inserted += 1 }
        }
        announce(&mut tx).map_err(&e)?;
        tx.commit().map_err(&e)?;
        Ok(report)
    }

    fn load_addresses(&self) -> Result<Vec<AddressRecord>, StoreError> {
        let mut c = self.client.borrow_mut();
        self.load_addresses_with(&mut *c)
    }

    fn address_count(&self) -> Result<usize, StoreError> {
        self.with(|c| Ok(c.query_one("SELECT count(*) FROM address", &[])?.get::<_, i64>(0) as usize))
    }

    fn write_roads(&mut self, lines: &[RoadLine], node_crossings: bool) -> Result<(), StoreError> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            tx.execute("DELETE FROM road", &[])?;
            let insert = tx.prepare(
                "INSERT INTO road (geom, highway, name, length_m) VALUES (ST_GeomFromWKB($1, 4326), $2, $3, $4)",
            )?;
            for l in lines {
                let ls = LineString(l.coords.clone());
                let len = Geodesic.length(&ls);
                tx.execute(&insert, &[&wkb_of(&Geometry::LineString(ls)), &l.highway, &l.name, &len])?;
            }
            tx.execute(
                "INSERT INTO wangge_meta VALUES ('road_node_crossings', $1)
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                &[&(if node_crossings { "1" } else { "0" })],
            )?;
            bump_roads_stamp(&mut tx)?;
            tx.commit()
        })
    }

    fn roads_stamp(&self) -> Result<i64, StoreError> {
        self.with(|c| {
            let row = c.query_typed_opt("SELECT value::bigint FROM wangge_meta WHERE key = 'roads_version'", &[])?;
            Ok(row.map_or(0, |r| r.get(0)))
        })
    }

    fn load_roads(&self) -> Result<(Vec<RoadLine>, bool), StoreError> {
        self.with(|c| {
            let noding = c.query_opt("SELECT value FROM wangge_meta WHERE key = 'road_node_crossings'", &[])?;
            let rows = c.query("SELECT ST_AsBinary(geom), highway, name FROM road ORDER BY fid", &[])?;
            let mut out = Vec::new();
            for r in rows {
                if let Ok(Geometry::LineString(ls)) = wkb::read(&r.get::<_, Vec<u8>>(0)) {
                    out.push(RoadLine { highway: r.get(1), name: r.get(2), coords: ls.0 });
                }
            }
            Ok((out, noding.is_none_or(|r| r.get::<_, String>(0) != "0")))
        })
    }

    fn current_revision(&self) -> Result<i64, StoreError> {
        self.with(current_revision_with)
    }

    fn revisions_since(&self, after: i64) -> Result<Vec<RevisionRow>, StoreError> {
        self.with(|c| {
            let rows = c.query(&format!("{REVISION_SELECT} WHERE id > $1 ORDER BY id"), &[&after])?;
            Ok(rows.iter().map(revision_row).collect())
        })
    }

    fn snapshot_as_of(&self, when: &AsOf) -> Result<Snapshot, StoreError> {
        let mut c = self.client.borrow_mut();
        let e = self.err();
        let mut tx = read_transaction(&mut c).map_err(&e)?;
        let cond = match when {
            AsOf::Date(_) => "(valid_from IS NULL OR valid_from <= $2) AND (valid_to IS NULL OR valid_to > $2)",
            AsOf::Revision(_) => "revision_from <= $3 AND (revision_to IS NULL OR revision_to > $3)",
        };
        let (date, rev) = match when {
            AsOf::Date(d) => (d.clone(), 0i64),
            AsOf::Revision(r) => (String::new(), *r),
        };
        let mut layers = Vec::new();
        for layer in Layer::ALL {
            // Features never changed by a revision have no history rows: valid since ever. Both
            // parameters are named in the first part so their types are known whichever the
            // condition uses.
            let sql = format!(
                "SELECT code, name, parent_code, attributes::text, ST_AsBinary(geom) FROM \"{t}\" f
                   WHERE NOT EXISTS (SELECT 1 FROM wangge_feature_history h WHERE h.layer = $1 AND h.code = f.code)
                     AND $2::text IS NOT NULL AND $3::bigint IS NOT NULL
                 UNION ALL
                 SELECT code, name, parent_code, attributes::text, ST_AsBinary(geom) FROM wangge_feature_history
                   WHERE layer = $1 AND {cond}",
                t = layer.id()
            );
            let rows = tx.query(&sql, &[&layer.id(), &date, &rev]).map_err(&e)?;
            let mut features = self.features(rows, layer)?;
            features.sort_by(|a, b| a.code.cmp(&b.code));
            layers.push((layer, features));
        }
        tx.commit().map_err(&e)?;
        Ok(Snapshot::new(layers))
    }

    fn layer_valid_between(&self, layer: Layer, span: DateSpan<'_>) -> Result<Vec<Feature>, StoreError> {
        let mut c = self.client.borrow_mut();
        let e = self.err();
        // Never changed by a revision: valid since ever and still valid. Later versions of a
        // code replace earlier ones (ordered by valid_from).
        let sql = format!(
            "SELECT code, name, parent_code, attributes::text, ST_AsBinary(geom) FROM (
               SELECT code, name, parent_code, attributes, geom, '' AS k, 0::bigint AS id FROM \"{t}\" f
                 WHERE NOT EXISTS (SELECT 1 FROM wangge_feature_history h WHERE h.layer = $1 AND h.code = f.code)
               UNION ALL
               SELECT code, name, parent_code, attributes, geom, coalesce(valid_from, ''), id FROM wangge_feature_history
                 WHERE layer = $1 AND ($3::text IS NULL OR valid_from IS NULL OR valid_from <= $3)
                   AND ($2::text IS NULL OR valid_to IS NULL OR valid_to > $2)) x
             ORDER BY k, id",
            t = layer.id()
        );
        let rows = c.query(&sql, &[&layer.id(), &span.from, &span.to]).map_err(&e)?;
        let mut out = std::collections::BTreeMap::new();
        for f in self.features(rows, layer)? {
            out.insert(f.code.clone(), f);
        }
        Ok(out.into_values().collect())
    }

    fn create_plan(&mut self, name: &str, author: &Author) -> Result<PlanRow, StoreError> {
        self.with(|c| {
            let sql = format!(
                "INSERT INTO wangge_plan (name, author, author_role, base_revision, created_at, updated_at)
                 VALUES ($1, $2, $3, (SELECT coalesce(max(id), 0) FROM wangge_revision), {NOW}, {NOW})
                 RETURNING id, name, author, author_role, base_revision, status, version, created_at"
            );
            Ok(plan_row(&c.query_one(&sql, &[&name, &author.name, &author.role])?))
        })
    }

    fn plan(&self, id: i64) -> Result<Option<PlanRow>, StoreError> {
        self.with(|c| {
            let row = c.query_typed_opt(&format!("{PLAN_SELECT} WHERE id = $1"), &[(&id, Type::INT8)])?;
            Ok(row.map(|r| plan_row(&r)))
        })
    }

    fn plans(&self) -> Result<Vec<PlanRow>, StoreError> {
        self.with(|c| Ok(c.query(&format!("{PLAN_SELECT} ORDER BY id DESC"), &[])?.iter().map(plan_row).collect()))
    }

    fn plan_edits(&self, id: i64) -> Result<Vec<Value>, StoreError> {
        let rows = self.with(|c| {
            c.query_typed(
                "SELECT id, edit FROM wangge_plan_edit WHERE plan_id = $1 AND NOT undone ORDER BY id",
                &[(&id, Type::INT8)],
            )
        })?;
        rows.iter()
            .map(|r| {
                let (edit, text): (i64, String) = (r.get(0), r.get(1));
                serde_json::from_str(&text).map_err(|e| StoreError::CorruptEdit {
                    path: PathBuf::from(&self.location),
                    plan: id,
                    edit,
                    detail: e.to_string(),
                })
            })
            .collect()
    }

    fn plan_steps(&self, id: i64) -> Result<(i64, i64), StoreError> {
        self.with(|c| {
            let r = c.query_one(
                "SELECT count(DISTINCT CASE WHEN NOT undone THEN batch END), count(DISTINCT CASE WHEN undone THEN batch END)
                   FROM wangge_plan_edit WHERE plan_id = $1",
                &[&id],
            )?;
            Ok((r.get(0), r.get(1)))
        })
    }

    fn add_edits(&mut self, id: i64, batch: EditBatch<'_>, if_match: Option<i64>) -> Result<PlanRow, PlanError> {
        let EditBatch { author, edits } = batch;
        self.in_draft(id, if_match, |tx| {
            tx.query_typed("DELETE FROM wangge_plan_edit WHERE plan_id = $1 AND undone", &[(&id, Type::INT8)])?;
            let sql = format!(
                "INSERT INTO wangge_plan_edit (plan_id, author, author_role, created_at, edit) VALUES ($1, $2, $3, {NOW}, $4)
                 RETURNING id"
            );
            let mut first: Option<i64> = None;
            for edit in edits {
                let params: [(&(dyn postgres::types::ToSql + Sync), Type); 4] =
                    [(&id, Type::INT8), (&author.name, Type::TEXT), (&author.role, Type::TEXT), (&edit.to_string(), Type::TEXT)];
                let row = tx.query_typed_one(&sql, &params)?;
                first.get_or_insert(row.get(0));
            }
            if let Some(first) = first {
                tx.query_typed(
                    "UPDATE wangge_plan_edit SET batch = $1 WHERE plan_id = $2 AND id >= $1",
                    &[(&first, Type::INT8), (&id, Type::INT8)],
                )?;
            }
            Ok(true)
        })?
        .ok_or(PlanError::NotFound(id))
    }

    fn undo(&mut self, id: i64, if_match: Option<i64>) -> Result<PlanRow, PlanError> {
        self.in_draft(id, if_match, |tx| {
            let n = tx.execute(
                "UPDATE wangge_plan_edit SET undone = true WHERE plan_id = $1 AND batch =
                   (SELECT max(batch) FROM wangge_plan_edit WHERE plan_id = $1 AND NOT undone)",
                &[&id],
            )?;
            Ok(n > 0)
        })
        .and_then(|r| r.ok_or(PlanError::NothingToUndo(id)))
    }

    fn redo(&mut self, id: i64, if_match: Option<i64>) -> Result<PlanRow, PlanError> {
        self.in_draft(id, if_match, |tx| {
            let n = tx.execute(
                "UPDATE wangge_plan_edit SET undone = false WHERE plan_id = $1 AND batch =
                   (SELECT min(batch) FROM wangge_plan_edit WHERE plan_id = $1 AND undone)",
                &[&id],
            )?;
            Ok(n > 0)
        })
        .and_then(|r| r.ok_or(PlanError::NothingToRedo(id)))
    }

    fn discard_plan(&mut self, id: i64, if_match: Option<i64>) -> Result<(), PlanError> {
        let e = self.plan_err();
        let mut c = self.client.borrow_mut();
        let mut tx = c.transaction().map_err(&e)?;
        check_draft(&mut tx, id, if_match).map_err(|d| d.into_plan_error(&e))?;
        tx.execute("DELETE FROM wangge_plan_edit WHERE plan_id = $1", &[&id]).map_err(&e)?;
        tx.execute("DELETE FROM wangge_plan WHERE id = $1", &[&id]).map_err(&e)?;
        tx.commit().map_err(&e)
    }

    fn publish(&mut self, p: Publication<'_>) -> Result<RevisionRow, PlanError> {
        let plan_id = p.plan_id;
        let e = self.plan_err();
        let mut c = self.client.borrow_mut();
        let mut tx = c.transaction().map_err(&e)?;
        lock_state(&mut tx).map_err(&e)?;
        let row = tx
            .query_opt("SELECT status, base_revision, version FROM wangge_plan WHERE id = $1 FOR UPDATE", &[&plan_id])
            .map_err(&e)?
            .ok_or(PlanError::NotFound(plan_id))?;
        let (status, base, current_version): (String, i64, i64) = (row.get(0), row.get(1), row.get(2));
        check_publishable(plan_id, &status, current_version, p.version)?;
        let current = current_revision_with(&mut tx).map_err(&e)?;
        if base != current {
            let since = tx.query(&format!("{REVISION_SELECT} WHERE id > $1 ORDER BY id"), &[&base]).map_err(&e)?;
            return Err(PlanError::StaleBase { base, current, since: since.iter().map(revision_row).collect() });
        }
        let rev = record_revision(&mut tx, Some(plan_id), p.note, p.before, p.after).map_err(&e)?;
        relink_addresses(&mut tx, p.before, p.after).map_err(&e)?;
        tx.execute("UPDATE wangge_plan SET status = 'published', version = version + 1 WHERE id = $1", &[&plan_id])
            .map_err(&e)?;
        let row = tx.query_one(&format!("{REVISION_SELECT} WHERE id = $1"), &[&rev]).map_err(&e)?;
        tx.commit().map_err(&e)?;
        Ok(revision_row(&row))
    }

    fn create_scoped_token(&mut self, name: &str, role: Role, area: &[String]) -> Result<String, StoreError> {
        let token = wangge_store::access::new_token()
            .map_err(|e| StoreError::Database { location: self.location.clone(), detail: e.to_string() })?;
        self.with(|c| {
            c.execute(
                &format!(
                    "INSERT INTO wangge_token (name, role, sha256, created_at, area) VALUES ($1, $2, $3, {NOW}, $4)"
                ),
                &[&name, &role.id(), &hash_token(&token), &area.join(",")],
            )
        })?;
        Ok(token)
    }

    fn token_holder(&self, token: &str) -> Result<Option<TokenHolder>, StoreError> {
        let row = self.with(|c| {
            c.query_typed_opt(
                "SELECT name, role, area FROM wangge_token WHERE sha256 = $1",
                &[(&hash_token(token), Type::TEXT)],
            )
        })?;
        Ok(row.and_then(|r| {
            let (name, role, area): (String, String, String) = (r.get(0), r.get(1), r.get(2));
            let area = area.split(',').map(str::trim).filter(|a| !a.is_empty()).map(str::to_string).collect();
            Role::from_id(&role).map(|role| TokenHolder { name, role, area })
        }))
    }

    fn append_audit(&mut self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            let insert = tx.prepare(
                "INSERT INTO wangge_audit (at, who, role, method, path, status, detail, rows, area)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )?;
            for e in entries {
                let status = i32::from(e.status);
                tx.execute(
                    &insert,
                    &[&e.at, &e.who, &e.role, &e.method, &e.path, &status, &e.detail, &e.rows, &e.area],
                )?;
            }
            tx.commit()
        })
    }

    fn audit_rows(&self, after: i64, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
        let rows = self.with(|c| {
            c.query(
                "SELECT id, at, who, role, method, path, status, detail, rows, area FROM wangge_audit
                 WHERE id > $1 ORDER BY id DESC LIMIT $2",
                &[&after, &limit],
            )
        })?;
        Ok(rows
            .iter()
            .map(|r| AuditRow {
                id: r.get(0),
                entry: AuditEntry {
                    at: r.get(1),
                    who: r.get(2),
                    role: r.get(3),
                    method: r.get(4),
                    path: r.get(5),
                    status: u16::try_from(r.get::<_, i32>(6)).unwrap_or(0),
                    detail: r.get(7),
                    rows: r.get(8),
                    area: r.get(9),
                },
            })
            .collect())
    }

    fn change_stamp(&self) -> Result<ChangeStamp, StoreError> {
        self.with(|c| {
            let r = c.query_typed_one(
                "SELECT (SELECT coalesce(max(id), 0) FROM wangge_revision), (SELECT change_seq FROM wangge_state WHERE id = 1)",
                &[],
            )?;
            Ok(ChangeStamp { revision: r.get(0), last_change: r.get::<_, Option<i64>>(1).map(|n| n.to_string()) })
        })
    }

    fn load_published(&self) -> Result<(Snapshot, i64), StoreError> {
        let mut c = self.client.borrow_mut();
        let e = self.err();
        // The revision and every table from one snapshot of the database: never a mixed state.
        let mut tx = read_transaction(&mut c).map_err(&e)?;
        let revision = current_revision_with(&mut tx).map_err(&e)?;
        let snapshot = self.snapshot_with(&mut tx)?;
        tx.commit().map_err(&e)?;
        Ok((snapshot, revision))
    }

    fn revision_created_at(&self, id: i64) -> Result<Option<String>, StoreError> {
        self.with(|c| {
            Ok(c.query_typed_opt("SELECT created_at FROM wangge_revision WHERE id = $1", &[(&id, Type::INT8)])?
                .map(|r| r.get(0)))
        })
    }

    fn integrity_check(&self) -> Result<(), StoreError> {
        let version = crate::migrate::version(&mut self.client.borrow_mut())
            .map_err(|detail| StoreError::Database { location: self.location.clone(), detail })?;
        if version != crate::migrate::latest() {
            return Err(StoreError::Database {
                location: self.location.clone(),
                detail: format!(
                    "schema version {version}, this wangge writes {}; run wangge migrate",
                    crate::migrate::latest()
                ),
            });
        }
        Ok(())
    }

    fn dump(&self) -> Result<Dump, StoreError> {
        let mut c = self.client.borrow_mut();
        let e = self.err();
        let mut tx = read_transaction(&mut c).map_err(&e)?;
        let mut d = Dump::default();
        for layer in Layer::ALL {
            d.layers.push((layer, self.load_layer_with(&mut tx, layer)?));
        }
        d.addresses = self.load_addresses_with(&mut tx)?;
        let noding =
            tx.query_opt("SELECT value FROM wangge_meta WHERE key = 'road_node_crossings'", &[]).map_err(&e)?;
        let mut roads = Vec::new();
        for r in tx.query("SELECT ST_AsBinary(geom), highway, name FROM road ORDER BY fid", &[]).map_err(&e)? {
            if let Ok(Geometry::LineString(ls)) = wkb::read(&r.get::<_, Vec<u8>>(0)) {
                roads.push(RoadLine { highway: r.get(1), name: r.get(2), coords: ls.0 });
            }
        }
        d.roads = (roads, noding.is_none_or(|r| r.get::<_, String>(0) != "0"));
        d.revisions =
            tx.query(&format!("{REVISION_SELECT} ORDER BY id"), &[]).map_err(&e)?.iter().map(revision_row).collect();
        d.plans = tx
            .query(
                "SELECT id, name, author, author_role, base_revision, status, version, created_at, updated_at FROM wangge_plan ORDER BY id",
                &[],
            )
            .map_err(&e)?
            .iter()
            .map(|r| PlanDump { row: plan_row(r), updated_at: r.get(8) })
            .collect();
        d.edits = tx
            .query(
                "SELECT id, plan_id, author, author_role, created_at, edit, coalesce(batch, id), undone FROM wangge_plan_edit ORDER BY id",
                &[],
            )
            .map_err(&e)?
            .iter()
            .map(|r| EditDump {
                id: r.get(0),
                plan_id: r.get(1),
                author: r.get(2),
                author_role: r.get(3),
                created_at: r.get(4),
                edit: r.get(5),
                batch: r.get(6),
                undone: r.get(7),
            })
            .collect();
        let rows = tx
            .query(
                "SELECT id, layer, code, name, parent_code, attributes::text, ST_AsBinary(geom), valid_from, valid_to,
                   revision_from, revision_to FROM wangge_feature_history ORDER BY id",
                &[],
            )
            .map_err(&e)?;
        for r in rows {
            let layer_id: String = r.get(1);
            let layer = Layer::ALL.into_iter().find(|l| l.id() == layer_id).unwrap_or(Layer::District);
            let feature = self.feature(&r, layer, 2)?;
            d.history.push(HistoryDump {
                id: r.get(0),
                layer,
                feature,
                valid_from: r.get(7),
                valid_to: r.get(8),
                revision_from: r.get(9),
                revision_to: r.get(10),
            });
        }
        d.networks = crate::networks::dump(self, &mut tx)?;
        d.tokens = tx
            .query("SELECT id, name, role, sha256, created_at, area FROM wangge_token ORDER BY id", &[])
            .map_err(&e)?
            .iter()
            .map(|r| TokenDump {
                id: r.get(0),
                name: r.get(1),
                role: r.get(2),
                sha256: r.get(3),
                created_at: r.get(4),
                area: r.get(5),
            })
            .collect();
        tx.commit().map_err(&e)?;
        drop(c);
        let mut audit = self.audit_rows(0, i64::MAX)?;
        audit.reverse();
        d.audit = audit;
        Ok(d)
    }

    fn restore_dump(&mut self, d: &Dump) -> Result<(), StoreError> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            lock_state(&mut tx)?;
            let mut tables: Vec<&str> = Layer::ALL.iter().map(|l| l.id()).collect();
            tables.extend([
                "address",
                "road",
                "wangge_revision",
                "wangge_plan",
                "wangge_plan_edit",
                "wangge_feature_history",
                "wangge_token",
                "wangge_audit",
            ]);
            let list: Vec<String> = tables.iter().map(|t| format!("\"{t}\"")).collect();
            tx.batch_execute(&format!("TRUNCATE {} RESTART IDENTITY", list.join(", ")))?;
            for (layer, features) in &d.layers {
                for f in features {
                    write_row(&mut tx, layer.id(), f)?;
                }
            }
            for a in &d.addresses {
                tx.execute(
                    "INSERT INTO address (geom, code, address, road, door, estate, building_code, grid_code, source, illustrative)
                     VALUES (ST_SetSRID(ST_MakePoint($1, $2), 4326), $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    &[
                        &a.point.x,
                        &a.point.y,
                        &a.code,
                        &a.address,
                        &a.road,
                        &a.door,
                        &a.estate,
                        &a.building,
                        &a.grid,
                        &a.source,
                        &a.illustrative,
                    ],
                )?;
            }
            for l in &d.roads.0 {
                let ls = LineString(l.coords.clone());
                let len = Geodesic.length(&ls);
                tx.execute(
                    "INSERT INTO road (geom, highway, name, length_m) VALUES (ST_GeomFromWKB($1, 4326), $2, $3, $4)",
                    &[&wkb_of(&Geometry::LineString(ls)), &l.highway, &l.name, &len],
                )?;
            }
            tx.execute(
                "INSERT INTO wangge_meta VALUES ('road_node_crossings', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                &[&(if d.roads.1 { "1" } else { "0" })],
            )?;
            for r in &d.revisions {
                tx.execute(
                    "INSERT INTO wangge_revision (id, author, author_role, created_at, message, plan_id, effective_date)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[&r.id, &r.author, &r.author_role, &r.created_at, &r.message, &r.plan_id, &r.effective_date],
                )?;
            }
            for p in &d.plans {
                let r = &p.row;
                tx.execute(
                    "INSERT INTO wangge_plan (id, name, author, author_role, base_revision, status, version, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    &[&r.id, &r.name, &r.author, &r.author_role, &r.base_revision, &r.status, &r.version, &r.created_at, &p.updated_at],
                )?;
            }
            for x in &d.edits {
                tx.execute(
                    "INSERT INTO wangge_plan_edit (id, plan_id, author, author_role, created_at, edit, batch, undone)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[&x.id, &x.plan_id, &x.author, &x.author_role, &x.created_at, &x.edit, &x.batch, &x.undone],
                )?;
            }
            for h in &d.history {
                let f = &h.feature;
                tx.execute(
                    "INSERT INTO wangge_feature_history (id, layer, code, name, parent_code, attributes, geom, valid_from,
                       valid_to, revision_from, revision_to)
                     VALUES ($1, $2, $3, $4, $5, $6::text::json, ST_GeomFromWKB($7, 4326), $8, $9, $10, $11)",
                    &[
                        &h.id,
                        &h.layer.id(),
                        &f.code,
                        &f.name,
                        &f.parent_code,
                        &f.attrs.to_json(),
                        &wkb_of(&f.geometry),
                        &h.valid_from,
                        &h.valid_to,
                        &h.revision_from,
                        &h.revision_to,
                    ],
                )?;
            }
            for t in &d.tokens {
                tx.execute(
                    "INSERT INTO wangge_token (id, name, role, sha256, created_at, area) VALUES ($1, $2, $3, $4, $5, $6)",
                    &[&t.id, &t.name, &t.role, &t.sha256, &t.created_at, &t.area],
                )?;
            }
            for a in &d.audit {
                let e = &a.entry;
                let status = i32::from(e.status);
                tx.execute(
                    "INSERT INTO wangge_audit (id, at, who, role, method, path, status, detail, rows, area)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    &[&a.id, &e.at, &e.who, &e.role, &e.method, &e.path, &status, &e.detail, &e.rows, &e.area],
                )?;
            }
            // Ids were copied: the sequences continue after the highest.
            for t in ["wangge_revision", "wangge_plan", "wangge_plan_edit", "wangge_feature_history", "wangge_token", "wangge_audit"] {
                tx.execute(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{t}', 'id'), coalesce((SELECT max(id) FROM {t}), 0) + 1, false)"
                    ),
                    &[],
                )?;
            }
            crate::networks::restore(&mut tx, &d.networks)?;
            bump_roads_stamp(&mut tx)?;
            announce(&mut tx)?;
            tx.commit()
        })
    }

    fn networks(&self) -> Result<Vec<NetworkInfo>, StoreError> {
        self.pg_networks()
    }

    fn network_version(&self, name: &str) -> Result<Option<i64>, StoreError> {
        self.pg_network_version(name)
    }

    fn load_network(&self, name: &str, version: Option<i64>) -> Result<Option<Vec<Feature>>, StoreError> {
        self.pg_load_network(name, version)
    }

    fn write_network(&mut self, w: &NetworkWrite<'_>) -> Result<(WriteReport, i64), StoreError> {
        self.pg_write_network(w)
    }
}
