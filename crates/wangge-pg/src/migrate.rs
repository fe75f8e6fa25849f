//! Versioned schema migrations: each is applied once, in order, in its own transaction, and
//! recorded in `wangge_migration`. Every process runs them on start (and `wangge migrate` on
//! demand) under a transaction-scoped advisory lock, so replicas starting together do not race.
//!
//! The layout follows the SQLite/GeoPackage one column for column, so `wangge copy` moves rows
//! unchanged, with PostGIS types: geometry columns are `geometry(…, 4326)` with GiST indexes (QGIS
//! and `ogr2ogr PG:` read the tables directly), attributes are `json` (kept verbatim, key order
//! included, so an export is byte-for-byte what was imported — `jsonb` would reorder keys).

use postgres::Client;
use wangge_core::model::{GeometryKind, Layer};

/// The advisory lock key migrations hold ("wangge" in ASCII).
const LOCK: i64 = 0x7761_6e67_6765;

/// One migration: its version and the statements it runs.
struct Migration {
    version: i32,
    name: &'static str,
    sql: fn() -> String,
}

fn v1_schema() -> String {
    let mut sql = String::from(
        "CREATE EXTENSION IF NOT EXISTS postgis;
         CREATE TABLE wangge_meta (key text PRIMARY KEY, value text NOT NULL);
         CREATE TABLE wangge_state (id int PRIMARY KEY CHECK (id = 1), change_seq bigint NOT NULL DEFAULT 0);
         INSERT INTO wangge_state (id) VALUES (1);
         CREATE TABLE wangge_revision (id bigserial PRIMARY KEY, author text NOT NULL,
           author_role text NOT NULL DEFAULT '', created_at text NOT NULL, message text NOT NULL, plan_id bigint,
           effective_date text NOT NULL);
         CREATE TABLE wangge_plan (id bigserial PRIMARY KEY, name text NOT NULL, author text NOT NULL,
           author_role text NOT NULL DEFAULT '', base_revision bigint NOT NULL, status text NOT NULL DEFAULT 'draft',
           version bigint NOT NULL DEFAULT 1, created_at text NOT NULL, updated_at text NOT NULL);
         CREATE TABLE wangge_plan_edit (id bigserial PRIMARY KEY, plan_id bigint NOT NULL, author text NOT NULL,
           author_role text NOT NULL DEFAULT '', created_at text NOT NULL, edit text NOT NULL, batch bigint,
           undone boolean NOT NULL DEFAULT false);
         CREATE INDEX wangge_plan_edit_plan ON wangge_plan_edit (plan_id, id);
         CREATE TABLE wangge_feature_history (id bigserial PRIMARY KEY, layer text NOT NULL, code text NOT NULL,
           name text NOT NULL, parent_code text, attributes json NOT NULL, geom geometry(Geometry, 4326) NOT NULL,
           valid_from text, valid_to text, revision_from bigint NOT NULL, revision_to bigint);
         CREATE INDEX wangge_feature_history_code ON wangge_feature_history (layer, code);
         CREATE INDEX wangge_feature_history_geom ON wangge_feature_history USING gist (geom);
         CREATE TABLE wangge_token (id bigserial PRIMARY KEY, name text NOT NULL, role text NOT NULL,
           sha256 text NOT NULL UNIQUE, created_at text NOT NULL, area text NOT NULL DEFAULT '');
         CREATE TABLE wangge_audit (id bigserial PRIMARY KEY, at text NOT NULL, who text NOT NULL, role text NOT NULL,
           method text NOT NULL, path text NOT NULL, status int NOT NULL, detail text NOT NULL DEFAULT '',
           rows bigint, area text NOT NULL DEFAULT '');
         CREATE TABLE address (fid bigserial PRIMARY KEY, geom geometry(Point, 4326) NOT NULL,
           code text NOT NULL UNIQUE, address text NOT NULL, road text, door text, estate text, building_code text,
           grid_code text, source text NOT NULL, illustrative boolean NOT NULL DEFAULT false);
         CREATE INDEX address_grid ON address (grid_code);
         CREATE INDEX address_geom ON address USING gist (geom);
         CREATE TABLE road (fid bigserial PRIMARY KEY, geom geometry(LineString, 4326) NOT NULL,
           highway text NOT NULL, name text, length_m double precision NOT NULL);
         CREATE INDEX road_geom ON road USING gist (geom);
        ",
    );
    for layer in Layer::ALL {
        let t = layer.id();
        let kind = if layer.geometry_kind() == GeometryKind::Point { "Point" } else { "Geometry" };
        sql.push_str(&format!(
            "CREATE TABLE \"{t}\" (fid bigserial PRIMARY KEY, geom geometry({kind}, 4326) NOT NULL,
               code text NOT NULL UNIQUE, name text NOT NULL, parent_code text, households bigint, residents bigint,
               attributes json NOT NULL DEFAULT '{{}}');
             CREATE INDEX \"{t}_parent\" ON \"{t}\" (parent_code);
             CREATE INDEX \"{t}_geom\" ON \"{t}\" USING gist (geom);
            "
        ));
    }
    sql
}

/// QGIS's own `layer_styles` table (as QGIS creates it in PostgreSQL, unquoted names and all) with
/// wangge's default style per layer, and each table's title as its comment (QGIS shows it); see
/// [`wangge_store::styles`]. A `layer_styles` QGIS made before is kept and only gains our rows.
fn v2_styles() -> String {
    let mut sql = String::from(
        "CREATE TABLE IF NOT EXISTS public.layer_styles (id serial PRIMARY KEY, f_table_catalog varchar,
           f_table_schema varchar, f_table_name varchar, f_geometry_column varchar, styleName text, styleQML xml,
           styleSLD xml, useAsDefault boolean, description text, owner varchar(63) DEFAULT CURRENT_USER, ui xml,
           update_time timestamp DEFAULT CURRENT_TIMESTAMP, type varchar);
        ",
    );
    let name = wangge_store::styles::STYLE_NAME;
    let column = wangge_store::styles::GEOMETRY_COLUMN;
    for t in wangge_store::styles::tables() {
        // Dollar-quoted: QML and SLD hold quotes of both kinds.
        sql.push_str(&format!(
            "INSERT INTO public.layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column,
               styleName, styleQML, styleSLD, useAsDefault, description, owner)
             SELECT current_database(), 'public', '{table}', '{column}', '{name}', XMLPARSE(DOCUMENT $wg${qml}$wg$),
               XMLPARSE(DOCUMENT $wg${sld}$wg$), true, '{title}', 'wangge'
             WHERE NOT EXISTS (SELECT 1 FROM public.layer_styles WHERE f_table_schema = 'public'
               AND f_table_name = '{table}' AND styleName = '{name}');
             DO $do$ BEGIN
               IF to_regclass('public.{table}') IS NOT NULL THEN
                 EXECUTE format('COMMENT ON TABLE public.%I IS %L', '{table}', '{title}：{description}');
               END IF;
             END $do$;
            ",
            table = t.table,
            qml = t.qml(),
            sld = t.sld().replacen("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "", 1),
            title = t.title,
            description = t.description,
        ));
    }
    sql
}

/// The common text attributes as columns of every layer table (see [`wangge_store::columns`]),
/// filled from the attribute JSON for the rows already there.
fn v3_columns() -> String {
    let mut sql = String::new();
    for layer in Layer::ALL {
        let t = layer.id();
        let cols = wangge_store::columns::TEXT_COLUMNS;
        let adds: Vec<String> = cols.iter().map(|c| format!("ADD COLUMN IF NOT EXISTS {c} text")).collect();
        let sets: Vec<String> = cols
            .iter()
            .map(|c| {
                format!("{c} = CASE WHEN json_typeof(attributes -> '{c}') = 'string' THEN attributes ->> '{c}' END")
            })
            .collect();
        sql.push_str(&format!("ALTER TABLE \"{t}\" {};\nUPDATE \"{t}\" SET {};\n", adds.join(", "), sets.join(", ")));
    }
    sql
}

const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "layers, plans, history, tokens, audit", sql: v1_schema },
    Migration { version: 2, name: "QGIS default styles and table titles", sql: v2_styles },
    Migration { version: 3, name: "common attributes as columns (kind, worker, facility)", sql: v3_columns },
    Migration { version: 4, name: "other departments' networks", sql: crate::networks::schema },
];

/// The newest schema version this build knows.
pub fn latest() -> i32 {
    MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Applies every migration not applied yet; returns the versions applied now (empty: up to date).
/// Refuses a database migrated by a newer wangge (its schema may not be what this one writes).
pub fn migrate(client: &mut Client) -> Result<Vec<i32>, String> {
    let mut tx = client.transaction().map_err(|e| e.to_string())?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK]).map_err(|e| e.to_string())?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS wangge_migration (version int PRIMARY KEY, name text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .map_err(|e| e.to_string())?;
    let current: i32 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM wangge_migration", &[])
        .and_then(|r| r.try_get(0))
        .map_err(|e| e.to_string())?;
    if current > latest() {
        return Err(format!(
            "the database has schema version {current}, newer than this wangge knows ({}); upgrade wangge",
            latest()
        ));
    }
    let mut applied = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        tx.batch_execute(&(m.sql)())
            .map_err(|e| format!("migration {} ({}): {}", m.version, m.name, crate::store::detail(&e)))?;
        tx.execute("INSERT INTO wangge_migration (version, name) VALUES ($1, $2)", &[&m.version, &m.name])
            .map_err(|e| e.to_string())?;
        applied.push(m.version);
    }
    tx.commit().map_err(|e| e.to_string())?;
    Ok(applied)
}

/// The schema version the database is at (0: never migrated).
pub fn version(client: &mut Client) -> Result<i32, String> {
    let exists: bool = client
        .query_one("SELECT to_regclass('wangge_migration') IS NOT NULL", &[])
        .and_then(|r| r.try_get(0))
        .map_err(|e| e.to_string())?;
    if !exists {
        return Ok(0);
    }
    client
        .query_one("SELECT coalesce(max(version), 0) FROM wangge_migration", &[])
        .and_then(|r| r.try_get(0))
        .map_err(|e| e.to_string())
}
