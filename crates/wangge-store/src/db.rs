//! The store seam: [`Db`] is one connection's worth of everything the use-cases and faces ask
//! of a store, so the SQLite/GeoPackage file ([`Store`]) and PostgreSQL/PostGIS (crate
//! `wangge-pg`) answer the same calls with the same semantics: one transaction per write,
//! optimistic locking on plans (their version) and on publishing (the plan's base revision).
//!
//! Why a trait object rather than a generic parameter: the backend is chosen at run time from
//! `--db` (a file path or a `postgres://` URL), and every use-case then runs unchanged on
//! `&mut dyn Db`. Methods mirror [`Store`]'s inherent ones; the few that take an
//! `impl Into<Author>` there take `&Author` here to stay object-safe.

use super::access::{AuditRow, Role, TokenHolder};
use super::changes::ChangeStamp;
use super::history::AsOf;
use super::history::{LayerWrite, Publication};
use super::networks::{NetworkInfo, NetworkWrite};
use super::plans::{Author, EditBatch, PlanError, PlanRow, RevisionNote, RevisionRow};
use super::pool::AuditEntry;
use super::sqlite::{Store, StoreError, WriteMode, WriteReport};
use super::validity::DateSpan;
use serde_json::Value;
use wangge_core::address::AddressRecord;
use wangge_core::model::{Feature, Layer};
use wangge_core::snapshot::Snapshot;
use wangge_formats::roads::RoadLine;

/// One connection to a store (see the module documentation).
pub trait Db: Send {
    /// Where the data lives, for messages (a file path, or a URL without its password).
    fn location(&self) -> String;

    /// Every feature of `layer`, in code order.
    fn load_layer(&self, layer: Layer) -> Result<Vec<Feature>, StoreError>;
    /// Every layer and the gazetteer, as an immutable snapshot ready for lookups.
    fn load_snapshot(&self) -> Result<Snapshot, StoreError>;
    /// Writes `features` into `layer` in one transaction, recording no revision.
    fn write_layer(&mut self, layer: Layer, features: &[Feature], mode: WriteMode) -> Result<WriteReport, StoreError>;
    /// Writes `features` into `layer` and records the change as a revision in the same
    /// transaction (see [`Store::write_layer_recorded`]).
    fn write_layer_recorded(
        &mut self,
        write: LayerWrite<'_>,
        note: RevisionNote<'_>,
    ) -> Result<(WriteReport, Option<RevisionRow>), StoreError>;

    /// Writes address records in one transaction.
    fn write_addresses(&mut self, records: &[AddressRecord], mode: WriteMode) -> Result<WriteReport, StoreError>;
    /// Every address record, in code order.
    fn load_addresses(&self) -> Result<Vec<AddressRecord>, StoreError>;
    /// Number of stored addresses.
    fn address_count(&self) -> Result<usize, StoreError>;
    /// Replaces the stored road lines in one transaction.
    fn write_roads(&mut self, lines: &[RoadLine], node_crossings: bool) -> Result<(), StoreError>;
    /// The stored road lines and whether crossings are to be noded.
    fn load_roads(&self) -> Result<(Vec<RoadLine>, bool), StoreError>;
    /// A number that moves whenever the stored roads are replaced, for change feeds (a store
    /// that keeps none answers 0, and its roads are never reloaded).
    fn roads_stamp(&self) -> Result<i64, StoreError> {
        Ok(0)
    }

    /// The published revision (0 before any).
    fn current_revision(&self) -> Result<i64, StoreError>;
    /// Revisions after `after`, oldest first.
    fn revisions_since(&self, after: i64) -> Result<Vec<RevisionRow>, StoreError>;
    /// Every layer as it was at `when`.
    fn snapshot_as_of(&self, when: &AsOf) -> Result<Snapshot, StoreError>;
    /// Every version of `layer`'s features valid at some day of `span`, the latest per code
    /// (see [`Store::layer_valid_between`]).
    fn layer_valid_between(&self, layer: Layer, span: DateSpan<'_>) -> Result<Vec<Feature>, StoreError>;
    /// Creates a draft plan on the current revision.
    fn create_plan(&mut self, name: &str, author: &Author) -> Result<PlanRow, StoreError>;
    /// One plan.
    fn plan(&self, id: i64) -> Result<Option<PlanRow>, StoreError>;
    /// Every plan, newest first.
    fn plans(&self) -> Result<Vec<PlanRow>, StoreError>;
    /// The plan's edits in effect, in order.
    fn plan_edits(&self, id: i64) -> Result<Vec<Value>, StoreError>;
    /// Undo and redo steps of a plan.
    fn plan_steps(&self, id: i64) -> Result<(i64, i64), StoreError>;
    /// Appends edits to a draft plan as one batch, at version `if_match` when given.
    fn add_edits(&mut self, id: i64, batch: EditBatch<'_>, if_match: Option<i64>) -> Result<PlanRow, PlanError>;
    /// Undoes the plan's last batch.
    fn undo(&mut self, id: i64, if_match: Option<i64>) -> Result<PlanRow, PlanError>;
    /// Redoes the plan's last undone batch.
    fn redo(&mut self, id: i64, if_match: Option<i64>) -> Result<PlanRow, PlanError>;
    /// Deletes a draft plan and its edits.
    fn discard_plan(&mut self, id: i64, if_match: Option<i64>) -> Result<(), PlanError>;
    /// Publishes a plan in one transaction; refused when its base is no longer current, or when
    /// `p.version` is given and the plan is no longer at it.
    fn publish(&mut self, p: Publication<'_>) -> Result<RevisionRow, PlanError>;

    /// Creates a token limited to `area`; returns the token (shown once, stored as a hash).
    fn create_scoped_token(&mut self, name: &str, role: Role, area: &[String]) -> Result<String, StoreError>;
    /// The holder of `token`, if it is one of ours.
    fn token_holder(&self, token: &str) -> Result<Option<TokenHolder>, StoreError>;
    /// Appends audit lines in one transaction.
    fn append_audit(&mut self, entries: &[AuditEntry]) -> Result<(), StoreError>;
    /// The newest `limit` audit rows after `after`, newest first.
    fn audit_rows(&self, after: i64, limit: i64) -> Result<Vec<AuditRow>, StoreError>;

    /// The newest revision and change stamp, for change feeds.
    fn change_stamp(&self) -> Result<ChangeStamp, StoreError>;
    /// The published snapshot and its revision, read in one transaction.
    fn load_published(&self) -> Result<(Snapshot, i64), StoreError>;
    /// When revision `id` was committed (UTC, ISO 8601).
    fn revision_created_at(&self, id: i64) -> Result<Option<String>, StoreError>;
    /// Checks the store's own consistency.
    fn integrity_check(&self) -> Result<(), StoreError>;
    /// A copy of every table, ids kept, for `wangge copy`.
    fn dump(&self) -> Result<super::dump::Dump, StoreError>;
    /// Replaces everything in this store with `dump` in one transaction.
    fn restore_dump(&mut self, dump: &super::dump::Dump) -> Result<(), StoreError>;

    /// Every network (other departments' partitions), by name. Networks are kept by the
    /// GeoPackage store only so far: another store refuses, naming itself.
    fn networks(&self) -> Result<Vec<NetworkInfo>, StoreError> {
        Err(no_networks(self.location()))
    }
    /// The current version of network `name`, if it exists.
    fn network_version(&self, _name: &str) -> Result<Option<i64>, StoreError> {
        Err(no_networks(self.location()))
    }
    /// Network `name`'s features at `version` (`None`: the current one).
    fn load_network(&self, _name: &str, _version: Option<i64>) -> Result<Option<Vec<Feature>>, StoreError> {
        Err(no_networks(self.location()))
    }
    /// Writes the features of `w` as the next version of its network, in one transaction.
    fn write_network(&mut self, _w: &NetworkWrite<'_>) -> Result<(WriteReport, i64), StoreError> {
        Err(no_networks(self.location()))
    }
}

fn no_networks(location: String) -> StoreError {
    StoreError::Database { location, detail: "networks are kept in the GeoPackage store only".into() }
}

impl Db for Store {
    fn location(&self) -> String {
        self.path().display().to_string()
    }
    fn load_layer(&self, layer: Layer) -> Result<Vec<Feature>, StoreError> {
        Store::load_layer(self, layer)
    }
    fn load_snapshot(&self) -> Result<Snapshot, StoreError> {
        Store::load_snapshot(self)
    }
    fn write_layer(&mut self, layer: Layer, features: &[Feature], mode: WriteMode) -> Result<WriteReport, StoreError> {
        Store::write_layer(self, layer, features, mode)
    }
    fn write_layer_recorded(
        &mut self,
        write: LayerWrite<'_>,
        note: RevisionNote<'_>,
    ) -> Result<(WriteReport, Option<RevisionRow>), StoreError> {
        Store::write_layer_recorded(self, write, note)
    }
    fn write_addresses(&mut self, records: &[AddressRecord], mode: WriteMode) -> Result<WriteReport, StoreError> {
        Store::write_addresses(self, records, mode)
    }
    fn load_addresses(&self) -> Result<Vec<AddressRecord>, StoreError> {
        Store::load_addresses(self)
    }
    fn address_count(&self) -> Result<usize, StoreError> {
        Store::address_count(self)
    }
    fn write_roads(&mut self, lines: &[RoadLine], node_crossings: bool) -> Result<(), StoreError> {
        Store::write_roads(self, lines, node_crossings)
    }
    fn load_roads(&self) -> Result<(Vec<RoadLine>, bool), StoreError> {
        Store::load_roads(self)
    }
    fn roads_stamp(&self) -> Result<i64, StoreError> {
        Store::roads_stamp(self)
    }
    fn current_revision(&self) -> Result<i64, StoreError> {
        Store::current_revision(self)
    }
    fn revisions_since(&self, after: i64) -> Result<Vec<RevisionRow>, StoreError> {
        Store::revisions_since(self, after)
    }
    fn snapshot_as_of(&self, when: &AsOf) -> Result<Snapshot, StoreError> {
        Store::snapshot_as_of(self, when)
    }
    fn layer_valid_between(&self, layer: Layer, span: DateSpan<'_>) -> Result<Vec<Feature>, StoreError> {
        Store::layer_valid_between(self, layer, span)
    }
    fn create_plan(&mut self, name: &str, author: &Author) -> Result<PlanRow, StoreError> {
        Store::create_plan(self, name, author)
    }
    fn plan(&self, id: i64) -> Result<Option<PlanRow>, StoreError> {
        Store::plan(self, id)
    }
    fn plans(&self) -> Result<Vec<PlanRow>, StoreError> {
        Store::plans(self)
    }
    fn plan_edits(&self, id: i64) -> Result<Vec<Value>, StoreError> {
        Store::plan_edits(self, id)
    }
    fn plan_steps(&self, id: i64) -> Result<(i64, i64), StoreError> {
        Store::plan_steps(self, id)
    }
    fn add_edits(&mut self, id: i64, batch: EditBatch<'_>, if_match: Option<i64>) -> Result<PlanRow, PlanError> {
        Store::add_edits(self, id, batch, if_match)
    }
    fn undo(&mut self, id: i64, if_match: Option<i64>) -> Result<PlanRow, PlanError> {
        Store::undo(self, id, if_match)
    }
    fn redo(&mut self, id: i64, if_match: Option<i64>) -> Result<PlanRow, PlanError> {
        Store::redo(self, id, if_match)
    }
    fn discard_plan(&mut self, id: i64, if_match: Option<i64>) -> Result<(), PlanError> {
        Store::discard_plan(self, id, if_match)
    }
    fn publish(&mut self, p: Publication<'_>) -> Result<RevisionRow, PlanError> {
        Store::publish(self, p)
    }
    fn create_scoped_token(&mut self, name: &str, role: Role, area: &[String]) -> Result<String, StoreError> {
        Store::create_scoped_token(self, name, role, area)
    }
    fn token_holder(&self, token: &str) -> Result<Option<TokenHolder>, StoreError> {
        Store::token_holder(self, token)
    }
    fn append_audit(&mut self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        Store::append_audit(self, entries)
    }
    fn audit_rows(&self, after: i64, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
        Store::audit_rows(self, after, limit)
    }
    fn change_stamp(&self) -> Result<ChangeStamp, StoreError> {
        Store::change_stamp(self)
    }
    fn load_published(&self) -> Result<(Snapshot, i64), StoreError> {
        Store::load_published(self)
    }
    fn revision_created_at(&self, id: i64) -> Result<Option<String>, StoreError> {
        Store::revision_created_at(self, id)
    }
    fn integrity_check(&self) -> Result<(), StoreError> {
        Store::integrity_check(self)
    }
    fn dump(&self) -> Result<super::dump::Dump, StoreError> {
        super::dump::sqlite_dump(self)
    }
    fn restore_dump(&mut self, dump: &super::dump::Dump) -> Result<(), StoreError> {
        super::dump::sqlite_restore(self, dump)
    }
    fn networks(&self) -> Result<Vec<NetworkInfo>, StoreError> {
        Store::networks(self)
    }
    fn network_version(&self, name: &str) -> Result<Option<i64>, StoreError> {
        Store::network_version(self, name)
    }
    fn load_network(&self, name: &str, version: Option<i64>) -> Result<Option<Vec<Feature>>, StoreError> {
        Store::load_network(self, name, version)
    }
    fn write_network(&mut self, w: &NetworkWrite<'_>) -> Result<(WriteReport, i64), StoreError> {
        Store::write_network(self, w)
    }
}
