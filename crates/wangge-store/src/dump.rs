//! A whole store as plain rows — layers, addresses, roads, revisions, plans and their edits, the
//! feature history, tokens and the audit log, ids kept — so `wangge copy` moves a database from
//! one backend to the other with its history (a revision number means the same in both).

use super::access::AuditRow;
use super::plans::{PlanRow, RevisionRow};
use super::pool::AuditEntry;
use super::sqlite::{Store, StoreError};
use crate::row_fields::from_columns;
use geo::Geometry;
use rusqlite::params;
use wangge_core::address::AddressRecord;
use wangge_core::model::{Feature, Layer};
use wangge_formats::gpkg;
use wangge_formats::roads::RoadLine;

/// A plan row with what [`PlanRow`] leaves out.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanDump {
    /// The row as answered.
    pub row: PlanRow,
    /// Last change (UTC).
    pub updated_at: String,
}

/// One stored plan edit.
#[derive(Debug, Clone, PartialEq)]
pub struct EditDump {
    /// Row id.
    pub id: i64,
    /// Plan.
    pub plan_id: i64,
    /// Who.
    pub author: String,
    /// Their role.
    pub author_role: String,
    /// When (UTC).
    pub created_at: String,
    /// The edit as stored (JSON text, kept verbatim even if unreadable).
    pub edit: String,
    /// Its batch (undo step).
    pub batch: i64,
    /// Whether it is undone.
    pub undone: bool,
}

/// One row of the feature history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryDump {
    /// Row id.
    pub id: i64,
    /// Layer.
    pub layer: Layer,
    /// The feature as it was.
    pub feature: Feature,
    /// Valid from (none: since ever).
    pub valid_from: Option<String>,
    /// Valid until (none: still).
    pub valid_to: Option<String>,
    /// The revision that made it.
    pub revision_from: i64,
    /// The revision that replaced it.
    pub revision_to: Option<i64>,
}

/// One stored token (its hash: tokens are never stored in clear).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenDump {
    /// Row id.
    pub id: i64,
    /// Holder.
    pub name: String,
    /// Role id.
    pub role: String,
    /// SHA-256 of the token, hex.
    pub sha256: String,
    /// When (UTC).
    pub created_at: String,
    /// Area codes, comma-separated.
    pub area: String,
}

/// One row of `network_feature`: a feature of an other department's network and the versions
/// it is valid in.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkRow {
    /// The network's name.
    pub network: String,
    /// The feature (no parent).
    pub feature: Feature,
    /// The version that wrote it.
    pub version_from: i64,
    /// The version that replaced or removed it.
    pub version_to: Option<i64>,
}

/// One import of a network (`wangge_network_version`).
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkVersionRow {
    /// The network's name.
    pub network: String,
    /// The version.
    pub version: i64,
    /// When (UTC).
    pub at: String,
    /// Who.
    pub author: String,
    /// Their role.
    pub role: String,
    /// The import's message.
    pub message: String,
    /// Features imported.
    pub features: i64,
}

/// Every network's rows and versions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetworkDump {
    /// Feature rows, in storage order.
    pub features: Vec<NetworkRow>,
    /// Versions, by network and number.
    pub versions: Vec<NetworkVersionRow>,
}

/// Everything in a store (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dump {
    /// Every layer's features.
    pub layers: Vec<(Layer, Vec<Feature>)>,
    /// The gazetteer.
    pub addresses: Vec<AddressRecord>,
    /// Road lines and whether crossings are noded.
    pub roads: (Vec<RoadLine>, bool),
    /// Revisions, oldest first.
    pub revisions: Vec<RevisionRow>,
    /// Plans.
    pub plans: Vec<PlanDump>,
    /// Plan edits.
    pub edits: Vec<EditDump>,
    /// Feature history.
    pub history: Vec<HistoryDump>,
    /// Tokens.
    pub tokens: Vec<TokenDump>,
    /// Audit log, oldest first.
    pub audit: Vec<AuditRow>,
    /// Other departments' networks with their versions.
    pub networks: NetworkDump,
}

impl Dump {
    /// Row counts by table, for the CLI's report.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        let features = self.layers.iter().map(|(_, f)| f.len()).sum();
        vec![
            ("features", features),
            ("addresses", self.addresses.len()),
            ("roads", self.roads.0.len()),
            ("revisions", self.revisions.len()),
            ("plans", self.plans.len()),
            ("plan edits", self.edits.len()),
            ("history rows", self.history.len()),
            ("tokens", self.tokens.len()),
            ("audit rows", self.audit.len()),
            ("network features", self.networks.features.len()),
        ]
    }
}

/// Every row `sql` selects, each read by `row`.
fn every_row<T>(
    s: &Store,
    sql: &str,
    row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = s.conn.prepare(sql).map_err(|e| s.wrap(e))?;
    stmt.query_map([], row).and_then(|rows| rows.collect()).map_err(|e| s.wrap(e))
}

/// Reads the whole SQLite store.
pub(super) fn sqlite_dump(s: &Store) -> Result<Dump, StoreError> {
    let mut d = Dump::default();
    for layer in Layer::ALL {
        d.layers.push((layer, s.load_layer(layer)?));
    }
    d.addresses = s.load_addresses()?;
    d.roads = s.load_roads()?;
    d.revisions = s.revisions_since(-1)?;
    d.plans = every_row(
        s,
        "SELECT id, name, author, author_role, base_revision, status, version, created_at, updated_at FROM wangge_plan ORDER BY id",
        |r| Ok(PlanDump { row: super::plans::plan_row(r)?, updated_at: r.get(8)? }),
    )?;
    d.edits = every_row(
        s,
        "SELECT id, plan_id, author, author_role, created_at, edit, coalesce(batch, id), undone FROM wangge_plan_edit ORDER BY id",
        |r| Ok(from_columns!(r => EditDump { id, plan_id, author, author_role, created_at, edit, batch, undone })),
    )?;
    type Raw = (i64, String, String, String, Option<String>, String, Vec<u8>);
    type Validity = (Option<String>, Option<String>, i64, Option<i64>);
    let rows: Vec<(Raw, Validity)> = every_row(
        s,
        "SELECT id, layer, code, name, parent_code, attributes, geom, valid_from, valid_to, revision_from, revision_to
         FROM wangge_feature_history ORDER BY id",
        |r| {
            Ok((
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?),
                (r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?),
            ))
        },
    )?;
    for ((id, layer, code, name, parent_code, attrs, blob), (valid_from, valid_to, revision_from, revision_to)) in rows
    {
        let layer = Layer::ALL.into_iter().find(|l| l.id() == layer).unwrap_or(Layer::District);
        let corrupt = |detail: String| StoreError::Corrupt { path: s.path.clone(), layer, code: code.clone(), detail };
        let geometry = gpkg::decode(&blob).map_err(|e| corrupt(e.to_string()))?;
        let attrs = serde_json::from_str(&attrs).map_err(|e| corrupt(e.to_string()))?;
        let feature = Feature { code: code.clone(), name, parent_code, attrs, geometry };
        d.history.push(HistoryDump { id, layer, feature, valid_from, valid_to, revision_from, revision_to });
    }
    d.tokens = every_row(s, "SELECT id, name, role, sha256, created_at, area FROM wangge_token ORDER BY id", |r| {
        Ok(from_columns!(r => TokenDump { id, name, role, sha256, created_at, area }))
    })?;
    let mut audit = s.audit_rows(0, i64::MAX)?;
    audit.reverse();
    d.audit = audit;
    d.networks = super::networks::dump(s)?;
    Ok(d)
}

/// Replaces everything in the SQLite store with `d`, in one transaction.
pub(super) fn sqlite_restore(s: &mut Store, d: &Dump) -> Result<(), StoreError> {
    let path = s.path.clone();
    let w = |source| StoreError::Sqlite { path: path.clone(), source };
    let tx = s.conn.transaction().map_err(w)?;
    super::external::mark_own_write(&tx, true).map_err(w)?;
    for t in ["wangge_revision", "wangge_plan", "wangge_plan_edit", "wangge_feature_history", "wangge_token"] {
        tx.execute(&format!("DELETE FROM {t}"), []).map_err(w)?;
    }
    tx.execute("DELETE FROM wangge_audit", []).map_err(w)?;
    tx.execute("DELETE FROM \"address\"", []).map_err(w)?;
    for (layer, features) in &d.layers {
        tx.execute(&format!("DELETE FROM \"{}\"", layer.id()), []).map_err(w)?;
        for f in features {
            super::sqlite::write_row(&tx, layer.id(), f).map_err(w)?;
        }
        super::sqlite::update_contents_extent(&tx, layer.id()).map_err(w)?;
    }
    for r in &d.revisions {
        tx.execute(
            "INSERT INTO wangge_revision (id, author, author_role, created_at, message, plan_id, effective_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![r.id, r.author, r.author_role, r.created_at, r.message, r.plan_id, r.effective_date],
        )
        .map_err(w)?;
    }
    for p in &d.plans {
        let r = &p.row;
        tx.execute(
            "INSERT INTO wangge_plan (id, name, author, author_role, base_revision, status, version, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![r.id, r.name, r.author, r.author_role, r.base_revision, r.status, r.version, r.created_at, p.updated_at],
        )
        .map_err(w)?;
    }
    for e in &d.edits {
        tx.execute(
            "INSERT INTO wangge_plan_edit (id, plan_id, author, author_role, created_at, edit, batch, undone)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![e.id, e.plan_id, e.author, e.author_role, e.created_at, e.edit, e.batch, e.undone as i64],
        )
        .map_err(w)?;
    }
    for h in &d.history {
        let f = &h.feature;
        tx.execute(
            "INSERT INTO wangge_feature_history (id, layer, code, name, parent_code, attributes, geom, valid_from,
               valid_to, revision_from, revision_to) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                h.id,
                h.layer.id(),
                f.code,
                f.name,
                f.parent_code,
                f.attrs.to_json(),
                gpkg::encode(&f.geometry),
                h.valid_from,
                h.valid_to,
                h.revision_from,
                h.revision_to
            ],
        )
        .map_err(w)?;
    }
    for t in &d.tokens {
        tx.execute(
            "INSERT INTO wangge_token (id, name, role, sha256, created_at, area) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![t.id, t.name, t.role, t.sha256, t.created_at, t.area],
        )
        .map_err(w)?;
    }
    for a in &d.audit {
        let e: &AuditEntry = &a.entry;
        tx.execute(
            "INSERT INTO wangge_audit (id, at, who, role, method, path, status, detail, rows, area)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![a.id, e.at, e.who, e.role, e.method, e.path, e.status, e.detail, e.rows, e.area],
        )
        .map_err(w)?;
    }
    super::networks::restore(&tx, &d.networks).map_err(w)?;
    super::external::mark_own_write(&tx, false).map_err(w)?;
    tx.commit().map_err(w)?;
    // Addresses and roads are written by their own transactions after the rest: each is whole.
    s.write_addresses(&d.addresses, super::sqlite::WriteMode::Replace)?;
    s.write_roads(&d.roads.0, d.roads.1)?;
    Ok(())
}

/// A point geometry's coordinate, for address rows read back from a backend's WKB.
pub fn point_of(g: &Geometry<f64>) -> Option<geo::Coord> {
    match g {
        Geometry::Point(p) => Some(p.0),
        _ => None,
    }
}
