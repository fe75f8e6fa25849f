//! [`PgBackend`]: the served PostgreSQL store — a pool of [`PgStore`] connections (a connection
//! that broke, say by `pg_terminate_backend` or a database restart, fails its check-out test and
//! is replaced, so a replica recovers without a restart), a background audit writer, and
//! [`PgWatch`] for the change feed.

use crate::store::{PgStore, detail};
use crate::{NOTIFY_CHANNEL, redact};
use postgres::fallible_iterator::FallibleIterator;
use serde_json::Value;
use std::time::Duration;
use wangge_core::snapshot::Snapshot;
use wangge_store::access::{AuditRow, TokenHolder};
use wangge_store::changes::Watch;
use wangge_store::history::AsOf;
use wangge_store::plans::{PlanRow, RevisionRow};
use wangge_store::{AuditEntry, AuditQueue, Backend, Db, StoreError};

/// Connections a served store keeps open at most.
pub const POOL_SIZE: u32 = 8;

/// How long a request waits for a free (or new) connection before it fails.
pub const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(5);

struct Manager {
    url: String,
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgStore;
    type Error = StoreError;

    fn connect(&self) -> Result<PgStore, StoreError> {
        let store = PgStore::connect(&self.url)?;
        store.warm_up()?;
        Ok(store)
    }

    fn is_valid(&self, conn: &mut PgStore) -> Result<(), StoreError> {
        let location = conn.location();
        conn.client().simple_query("").map(|_| ()).map_err(|e| StoreError::Database { location, detail: detail(&e) })
    }

    fn has_broken(&self, conn: &mut PgStore) -> bool {
        conn.client().is_closed()
    }
}

/// The served PostgreSQL store (see the module documentation).
pub struct PgBackend {
    url: String,
    location: String,
    pool: r2d2::Pool<Manager>,
    audit: AuditQueue,
}

impl PgBackend {
    /// Migrates the database at `url` and serves it.
    pub fn open(url: &str) -> Result<PgBackend, StoreError> {
        drop(PgStore::open(url)?);
        let location = redact(url);
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(CHECKOUT_TIMEOUT)
            .build(Manager { url: url.to_string() })
            .map_err(|e| StoreError::Database { location: location.clone(), detail: e.to_string() })?;
        let (for_audit, at) = (pool.clone(), location.clone());
        let audit = AuditQueue::start(move |rows| checkout(&for_audit, &at)?.append_audit(rows));
        Ok(PgBackend { url: url.to_string(), location, pool, audit })
    }

    fn conn(&self) -> Result<r2d2::PooledConnection<Manager>, StoreError> {
        checkout(&self.pool, &self.location)
    }
}

/// A free (or new) connection of `pool`, whose database is at `location`.
fn checkout(pool: &r2d2::Pool<Manager>, location: &str) -> Result<r2d2::PooledConnection<Manager>, StoreError> {
    pool.get().map_err(|e| StoreError::Database { location: location.to_string(), detail: e.to_string() })
}

impl Backend for PgBackend {
    fn load_snapshot(&self) -> Result<Snapshot, StoreError> {
        self.conn()?.load_snapshot()
    }
    fn snapshot_as_of(&self, when: &AsOf) -> Result<Snapshot, StoreError> {
        self.conn()?.snapshot_as_of(when)
    }
    fn current_revision(&self) -> Result<i64, StoreError> {
        self.conn()?.current_revision()
    }
    fn revisions_since(&self, after: i64) -> Result<Vec<RevisionRow>, StoreError> {
        self.conn()?.revisions_since(after)
    }
    fn plans(&self) -> Result<Vec<PlanRow>, StoreError> {
        self.conn()?.plans()
    }
    fn plan(&self, id: i64) -> Result<Option<PlanRow>, StoreError> {
        self.conn()?.plan(id)
    }
    fn plan_edits(&self, id: i64) -> Result<Vec<Value>, StoreError> {
        self.conn()?.plan_edits(id)
    }
    fn token_holder(&self, token: &str) -> Result<Option<TokenHolder>, StoreError> {
        self.conn()?.token_holder(token)
    }
    fn append_audit(&self, entry: AuditEntry) {
        self.audit.push(entry)
    }
    fn audit_rows(&self, after: i64, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
        self.flush_audit();
        self.conn()?.audit_rows(after, limit)
    }
    fn location(&self) -> String {
        self.location.clone()
    }
    fn with_reader(&self, f: &mut dyn FnMut(&dyn Db)) -> Result<(), StoreError> {
        let c = self.conn()?;
        f(&*c);
        Ok(())
    }
    fn with_writer(&self, f: &mut dyn FnMut(&mut dyn Db)) -> Result<(), StoreError> {
        let mut c = self.conn()?;
        f(&mut *c);
        Ok(())
    }
    fn flush_audit(&self) {
        self.audit.flush()
    }
    fn watch(&self) -> Result<Box<dyn Watch>, StoreError> {
        Ok(Box::new(PgWatch::open(&self.url)?))
    }
}

/// The change feed's view of PostgreSQL: a connection of its own that `LISTEN`s on
/// [`NOTIFY_CHANNEL`]. [`Watch::wait`] returns at the first notification, or after the poll
/// interval anyway — a notification sent while this connection was down is lost, so the feed
/// also reads the revision on every poll.
pub struct PgWatch {
    conn: PgStore,
}

impl PgWatch {
    /// Connects to `url` and listens.
    pub fn open(url: &str) -> Result<PgWatch, StoreError> {
        let mut conn = PgStore::connect(url)?;
        let location = conn.location();
        conn.client()
            .batch_execute(&format!("LISTEN {NOTIFY_CHANNEL}"))
            .map_err(|e| StoreError::Database { location, detail: detail(&e) })?;
        conn.warm_up()?;
        Ok(PgWatch { conn })
    }
}

impl Watch for PgWatch {
    fn wait(&mut self, max: Duration) -> Result<bool, StoreError> {
        let location = self.conn.location();
        let err = |e: postgres::Error| StoreError::Database { location: location.clone(), detail: detail(&e) };
        let client = self.conn.client();
        let first = {
            let mut notifications = client.notifications();
            let first = notifications.timeout_iter(max).next().map_err(err)?;
            // Several publishes may have landed: one read of the newest state serves them all.
            while first.is_some() && notifications.iter().next().map_err(err)?.is_some() {}
            first
        };
        if first.is_none() && client.is_closed() {
            return Err(StoreError::Database { location, detail: "the listening connection closed".into() });
        }
        Ok(true)
    }
    fn db(&self) -> &dyn Db {
        &self.conn
    }
}
