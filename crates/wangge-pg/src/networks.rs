//! Other departments' networks (警格, 城管网格 …) in PostgreSQL, with the GeoPackage store's
//! layout and semantics (see [`wangge_store::networks`]): one `network_feature` table for every
//! network (PostGIS geometry with a GiST index, so QGIS shows them as one layer filtered by
//! `network`), every import the next version of its network in `wangge_network_version`, a row
//! valid from the version that wrote it until the one that replaced or removed it, so any
//! earlier version reads back.
//!
//! Two processes importing the same network at once take turns on a transaction-scoped advisory
//! lock keyed by the network's name, so each gets its own version number.

use crate::store::{PgStore, detail};
use geo::Geometry;
use postgres::GenericClient;
use std::path::Path;
use wangge_core::model::Feature;
use wangge_formats::wkb;
use wangge_store::dump::{NetworkDump, NetworkRow, NetworkVersionRow};
use wangge_store::networks::{NetworkInfo, NetworkWrite, stored_feature, version_to_read};
use wangge_store::{StoreError, WriteReport};

/// The schema (migration 4).
pub(crate) fn schema() -> String {
    let title = wangge_store::styles::tables()
        .into_iter()
        .find(|t| t.table == wangge_store::networks::TABLE)
        .map(|t| format!("{}：{}", t.title, t.description))
        .unwrap_or_default();
    format!(
        "CREATE TABLE IF NOT EXISTS network_feature (fid bigserial PRIMARY KEY, geom geometry(Geometry, 4326) NOT NULL,
           network text NOT NULL, code text NOT NULL, name text NOT NULL, attributes json NOT NULL DEFAULT '{{}}',
           version_from bigint NOT NULL, version_to bigint);
         CREATE INDEX IF NOT EXISTS network_feature_current ON network_feature (network, version_to, code);
         CREATE INDEX IF NOT EXISTS network_feature_geom ON network_feature USING gist (geom);
         CREATE TABLE IF NOT EXISTS wangge_network_version (network text NOT NULL, version bigint NOT NULL, at text NOT NULL,
           author text NOT NULL, role text NOT NULL, message text NOT NULL, features bigint NOT NULL,
           PRIMARY KEY (network, version));
         COMMENT ON TABLE network_feature IS $wg${title}$wg$;
        "
    )
}

fn wkb_of(g: &Geometry<f64>) -> Vec<u8> {
    let mut out = Vec::new();
    wkb::write(g, &mut out);
    out
}

fn current_version(c: &mut impl GenericClient, name: &str) -> Result<Option<i64>, postgres::Error> {
    Ok(c.query_one("SELECT max(version) FROM wangge_network_version WHERE network = $1", &[&name])?.get(0))
}

impl PgStore {
    fn net_err(&self) -> impl Fn(postgres::Error) -> StoreError + '_ {
        move |e| StoreError::Database { location: self.location.clone(), detail: detail(&e) }
    }

    /// A network feature from `code, name, attributes::text, ST_AsBinary(geom)` at column `at`.
    fn network_feature(&self, r: &postgres::Row, network: &str, at: usize) -> Result<Feature, StoreError> {
        let geometry = wkb::read(&r.get::<_, Vec<u8>>(at + 3)).map_err(|e| e.to_string());
        stored_feature(Path::new(&self.location), network, (r.get(at), r.get(at + 1)), r.get(at + 2), geometry)
    }

    /// Every network, by name.
    pub(crate) fn pg_networks(&self) -> Result<Vec<NetworkInfo>, StoreError> {
        let rows = self
            .client
            .borrow_mut()
            .query(
                "SELECT v.network AS name, v.version, v.at AS updated, v.author, v.message,
                   (SELECT count(*) FROM network_feature f WHERE f.network = v.network AND f.version_to IS NULL)
                   AS features
                 FROM wangge_network_version v
                 WHERE v.version = (SELECT max(version) FROM wangge_network_version w WHERE w.network = v.network)
                 ORDER BY v.network COLLATE \"C\"",
                &[],
            )
            .map_err(self.net_err())?;
        // Read by the names the query gives its columns, so the two cannot drift apart.
        Ok(rows
            .iter()
            .map(|r| NetworkInfo {
                name: r.get("name"),
                version: r.get("version"),
                updated: r.get("updated"),
                author: r.get("author"),
                message: r.get("message"),
                features: r.get("features"),
            })
            .collect())
    }

    /// The current version of network `name`.
    pub(crate) fn pg_network_version(&self, name: &str) -> Result<Option<i64>, StoreError> {
        current_version(&mut *self.client.borrow_mut(), name).map_err(self.net_err())
    }

    /// Network `name`'s features at `version` (the current one when `None`), in code order.
    pub(crate) fn pg_load_network(&self, name: &str, version: Option<i64>) -> Result<Option<Vec<Feature>>, StoreError> {
        let Some(v) = version_to_read(self.pg_network_version(name)?, version) else { return Ok(None) };
        let rows = self
            .client
            .borrow_mut()
            .query(
                "SELECT code, name, attributes::text, ST_AsBinary(geom) FROM network_feature
                 WHERE network = $1 AND version_from <= $2 AND (version_to IS NULL OR version_to > $2)
                 ORDER BY code COLLATE \"C\"",
                &[&name, &v],
            )
            .map_err(self.net_err())?;
        rows.iter().map(|r| self.network_feature(r, name, 0)).collect::<Result<Vec<_>, _>>().map(Some)
    }

    /// Writes the features of `w` as the next version of its network in one transaction (the
    /// GeoPackage store's semantics, see [`NetworkWrite`]).
    pub(crate) fn pg_write_network(&mut self, w: &NetworkWrite<'_>) -> Result<(WriteReport, i64), StoreError> {
        let e = self.net_err();
        let name = w.name;
        let mut c = self.client.borrow_mut();
        let mut tx = c.transaction().map_err(&e)?;
        tx.execute("SELECT pg_advisory_xact_lock(hashtext('wangge_network:' || $1))", &[&name]).map_err(&e)?;
        let version = current_version(&mut tx, name).map_err(&e)?.unwrap_or(0) + 1;
        let current: Vec<String> = tx
            .query("SELECT code FROM network_feature WHERE network = $1 AND version_to IS NULL", &[&name])
            .map_err(&e)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let plan = w.plan(&current).map_err(|code| StoreError::Database {
            location: self.location.clone(),
            detail: format!("code {code} already exists in network {name}"),
        })?;
        if plan.end_all {
            tx.execute(
                "UPDATE network_feature SET version_to = $2 WHERE network = $1 AND version_to IS NULL",
                &[&name, &version],
            )
            .map_err(&e)?;
        }
        let end = tx
            .prepare(
                "UPDATE network_feature SET version_to = $3 WHERE network = $1 AND code = $2 AND version_to IS NULL",
            )
            .map_err(&e)?;
        let insert = tx
            .prepare(
                "INSERT INTO network_feature (geom, network, code, name, attributes, version_from)
                 VALUES (ST_GeomFromWKB($1, 4326), $2, $3, $4, $5::text::json, $6)",
            )
            .map_err(&e)?;
        for (f, ends) in &plan.rows {
            if *ends {
                tx.execute(&end, &[&name, &f.code, &version]).map_err(&e)?;
            }
            let attrs = f.attrs.to_json();
            tx.execute(&insert, &[&wkb_of(&f.geometry), &name, &f.code, &f.name, &attrs, &version]).map_err(&e)?;
        }
        let count = w.features.len() as i64;
        tx.execute(
            "INSERT INTO wangge_network_version (network, version, at, author, role, message, features)
             VALUES ($1, $2, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), $3, $4, $5, $6)",
            &[&name, &version, &w.author.name, &w.author.role, &w.version_message(), &count],
        )
        .map_err(&e)?;
        tx.commit().map_err(&e)?;
        Ok((plan.report, version))
    }
}

/// Every network row and version, in a read transaction `c` of a dump.
pub(crate) fn dump(store: &PgStore, c: &mut impl GenericClient) -> Result<NetworkDump, StoreError> {
    let e = store.net_err();
    let mut d = NetworkDump::default();
    let rows = c
        .query(
            "SELECT network, code, name, attributes::text, ST_AsBinary(geom), version_from, version_to
             FROM network_feature ORDER BY fid",
            &[],
        )
        .map_err(&e)?;
    for r in rows {
        let network: String = r.get(0);
        let feature = store.network_feature(&r, &network, 1)?;
        d.features.push(NetworkRow { network, feature, version_from: r.get(5), version_to: r.get(6) });
    }
    let rows = c
        .query(
            "SELECT network, version, at, author, role, message, features FROM wangge_network_version
             ORDER BY network COLLATE \"C\", version",
            &[],
        )
        .map_err(&e)?;
    d.versions = rows
        .iter()
        .map(|r| NetworkVersionRow {
            network: r.get(0),
            version: r.get(1),
            at: r.get(2),
            author: r.get(3),
            role: r.get(4),
            message: r.get(5),
            features: r.get(6),
        })
        .collect();
    Ok(d)
}

/// Replaces every network with `d`'s, in the restore's transaction `c`.
pub(crate) fn restore(c: &mut impl GenericClient, d: &NetworkDump) -> Result<(), postgres::Error> {
    c.batch_execute("TRUNCATE network_feature RESTART IDENTITY; TRUNCATE wangge_network_version")?;
    let insert = c.prepare(
        "INSERT INTO network_feature (geom, network, code, name, attributes, version_from, version_to)
         VALUES (ST_GeomFromWKB($1, 4326), $2, $3, $4, $5::text::json, $6, $7)",
    )?;
    for r in &d.features {
        let f = &r.feature;
        let attrs = f.attrs.to_json();
        c.execute(
            &insert,
            &[&wkb_of(&f.geometry), &r.network, &f.code, &f.name, &attrs, &r.version_from, &r.version_to],
        )?;
    }
    // Prepared once, like the features above: a restore may hold many versions.
    let insert_version = c.prepare(
        "INSERT INTO wangge_network_version (network, version, at, author, role, message, features)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )?;
    for v in &d.versions {
        c.execute(&insert_version, &[&v.network, &v.version, &v.at, &v.author, &v.role, &v.message, &v.features])?;
    }
    Ok(())
}
