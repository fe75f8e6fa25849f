//! The served store: one writer connection, a small pool of read connections, and a background
//! audit writer, over one SQLite/GeoPackage file in WAL mode.
//!
//! Why: one connection behind one mutex made every request wait for whatever held it — a token
//! lookup waited for a publish's transaction. In WAL mode readers read the last committed state
//! while a writer writes, so reads take a pooled read connection and never wait for the writer;
//! writes (plans, publish) take the single writer connection, which keeps them serialised as
//! SQLite requires anyway. Audit rows are appended through a channel to a thread that writes them
//! in batches, so an audited request does not wait for the writer either.
//!
//! Why hand-rolled rather than `r2d2` + `r2d2_sqlite`: those pin their own `rusqlite` version,
//! and the build must keep exactly one `rusqlite`/`libsqlite3-sys`; a pool of a few connections
//! is a mutex, a vector and a condition variable.
//!
//! WAL and GeoPackage: WAL is switched on here, for a served file, not by every
//! [`Store::open`], so a file only ever written by the CLI stays one self-contained file. GDAL
//! and QGIS read WAL databases (they need write access to the directory for the `-shm` file);
//! while the server runs, `NAME-wal` and `NAME-shm` sit next to the file, and SQLite folds the
//! log back into the file when the last connection closes.

use super::access::{AuditRow, TokenHolder};
use super::audit_queue::AuditQueue;
use super::changes::{SqliteWatch, Watch};
use super::db::Db;
use super::external::Absorbed;
use super::history::AsOf;
use super::plans::{PlanRow, RevisionRow};
use super::sqlite::{Store, StoreError};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;
use wangge_core::snapshot::Snapshot;

/// Read connections kept open at most; a request finding all busy waits for one.
pub const READERS: usize = 4;

/// How long SQLite waits for a lock held by another connection before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// One audit-log line, stamped when it is queued (not when the batch is written).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AuditEntry {
    /// When (UTC, `YYYY-MM-DDTHH:MM:SS.mmmZ`).
    pub at: String,
    /// Who (token holder name, `?` for an unknown token, `anonymous`).
    pub who: String,
    /// Their role.
    pub role: String,
    /// HTTP method (or `CLI`).
    pub method: String,
    /// Path.
    pub path: String,
    /// HTTP status of the answer.
    pub status: u16,
    /// What was read or written.
    pub detail: String,
    /// How many household-level rows were returned, if any.
    pub rows: Option<i64>,
    /// The holder's area, comma-separated.
    pub area: String,
}

impl AuditEntry {
    /// An entry stamped now.
    pub fn now(who: &str, role: &str, method: &str, path: &str, status: u16) -> AuditEntry {
        AuditEntry {
            at: jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            who: who.into(),
            role: role.into(),
            method: method.into(),
            path: path.into(),
            status,
            ..AuditEntry::default()
        }
    }
}

/// The served store: what the faces use per request, so PostgreSQL (crate `wangge-pg`) stands in
/// for the SQLite [`Pool`]. Every method takes `&self`: the implementation decides which
/// connection answers. The use-cases run on a connection lent as a [`Db`] by
/// [`read`](dyn Backend::read) and [`write`](dyn Backend::write).
pub trait Backend: Send + Sync {
    /// Every layer and the gazetteer, as published.
    fn load_snapshot(&self) -> Result<Snapshot, StoreError>;
    /// The hierarchy as of a date or revision.
    fn snapshot_as_of(&self, when: &AsOf) -> Result<Snapshot, StoreError>;
    /// The newest revision (0 before any).
    fn current_revision(&self) -> Result<i64, StoreError>;
    /// Revisions after `after`, oldest first.
    fn revisions_since(&self, after: i64) -> Result<Vec<RevisionRow>, StoreError>;
    /// Every plan.
    fn plans(&self) -> Result<Vec<PlanRow>, StoreError>;
    /// One plan.
    fn plan(&self, id: i64) -> Result<Option<PlanRow>, StoreError>;
    /// A plan's edits, in order.
    fn plan_edits(&self, id: i64) -> Result<Vec<Value>, StoreError>;
    /// The holder of `token`, if it is one of ours (asked on every authenticated request).
    fn token_holder(&self, token: &str) -> Result<Option<TokenHolder>, StoreError>;
    /// Queues one audit-log line; it is written soon, without the caller waiting for it.
    fn append_audit(&self, entry: AuditEntry);
    /// The newest `limit` audit rows after `after`, newest first, including every line queued before.
    fn audit_rows(&self, after: i64, limit: i64) -> Result<Vec<AuditRow>, StoreError>;
    /// Where the data lives (a file path, or a URL without its password).
    fn location(&self) -> String;
    /// Runs `f` on a read connection (see [`read`](dyn Backend::read) for the typed form).
    fn with_reader(&self, f: &mut dyn FnMut(&dyn Db)) -> Result<(), StoreError>;
    /// Runs `f` on a write connection; each write `f` makes is one transaction (see
    /// [`write`](dyn Backend::write) for the typed form).
    fn with_writer(&self, f: &mut dyn FnMut(&mut dyn Db)) -> Result<(), StoreError>;
    /// Waits until every audit line queued so far is written.
    fn flush_audit(&self);
    /// Changes by other programs waiting to be recorded (only a SQLite file can have them: a
    /// GIS client writing the GeoPackage).
    fn pending_external(&self) -> Result<i64, StoreError> {
        Ok(0)
    }
    /// Records what other programs changed as a revision (see [`crate::external`]).
    fn absorb_external(&self, _message: &str, _date: &str) -> Result<Option<Absorbed>, StoreError> {
        Ok(None)
    }
    /// A watcher of this store for a change feed, on a connection of its own.
    fn watch(&self) -> Result<Box<dyn Watch>, StoreError>;
}

impl dyn Backend {
    /// Runs `f` on a read connection and returns what it returns.
    pub fn read<T>(&self, f: impl FnOnce(&dyn Db) -> T) -> Result<T, StoreError> {
        let mut once = RunOnce::new(f);
        self.with_reader(&mut |db| once.run(|f| f(db)))?;
        once.result(self, "read")
    }

    /// Runs `f` on a write connection and returns what it returns.
    pub fn write<T>(&self, f: impl FnOnce(&mut dyn Db) -> T) -> Result<T, StoreError> {
        let mut once = RunOnce::new(f);
        self.with_writer(&mut |db| once.run(|f| f(db)))?;
        once.result(self, "write")
    }
}

/// A one-shot closure handed to a connection as the `FnMut` the object-safe
/// [`Backend::with_reader`] / [`Backend::with_writer`] take, and what it returned.
struct RunOnce<F, T> {
    f: Option<F>,
    out: Option<T>,
}

impl<F, T> RunOnce<F, T> {
    fn new(f: F) -> Self {
        RunOnce { f: Some(f), out: None }
    }

    /// Calls `f` the first time only.
    fn run(&mut self, call: impl FnOnce(F) -> T) {
        if let Some(f) = self.f.take() {
            self.out = Some(call(f));
        }
    }

    /// What `f` returned, or the error that no connection of `backend` ran the `what`.
    fn result(self, backend: &dyn Backend, what: &str) -> Result<T, StoreError> {
        self.out.ok_or_else(|| StoreError::Database {
            location: backend.location(),
            detail: format!("no connection ran the {what}"),
        })
    }
}

struct Readers {
    idle: Vec<Store>,
    open: usize,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Store>,
    readers: Mutex<Readers>,
    returned: Condvar,
}

/// The served SQLite store: see the module documentation.
pub struct Pool {
    inner: Arc<Inner>,
    audit: AuditQueue,
}

/// A read connection, back to the pool when dropped.
pub struct Reader<'a> {
    pool: &'a Inner,
    store: Option<Store>,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        // Taken only in `drop`.
        self.store.as_ref().unwrap_or_else(|| unreachable!("a reader holds its store until dropped"))
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(store) = self.store.take() {
            let mut r = lock(&self.pool.readers);
            r.idle.push(store);
            drop(r);
            self.pool.returned.notify_one();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a connection leaves the connection usable (SQLite rolls back).
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Pool {
    /// Serves `store`'s file: switches it to WAL, keeps `store` as the one writer connection and
    /// starts the audit writer. If the file cannot be switched to WAL (an in-memory or read-only
    /// database), it is served anyway: readers then wait for a writer's commit, as before.
    pub fn new(store: Store) -> Pool {
        if let Err(e) = store.enable_wal() {
            tracing::warn!("readers will wait for writers: {e}");
        }
        let inner = Arc::new(Inner {
            path: store.path().to_path_buf(),
            writer: Mutex::new(store),
            readers: Mutex::new(Readers { idle: Vec::new(), open: 0 }),
            returned: Condvar::new(),
        });
        let for_audit = inner.clone();
        let audit = AuditQueue::start(move |rows| lock(&for_audit.writer).append_audit(rows));
        Pool { inner, audit }
    }

    /// Opens the file at `path` and serves it.
    pub fn open(path: &Path) -> Result<Pool, StoreError> {
        Ok(Pool::new(Store::open(path)?))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// A read connection: it sees the last committed state and never waits for the writer (only,
    /// when all [`READERS`] are busy, for one of them).
    pub fn reader(&self) -> Result<Reader<'_>, StoreError> {
        let mut r = lock(&self.inner.readers);
        loop {
            if let Some(store) = r.idle.pop() {
                return Ok(Reader { pool: &self.inner, store: Some(store) });
            }
            if r.open < READERS {
                r.open += 1;
                drop(r);
                return match Store::open_reader(&self.inner.path) {
                    Ok(store) => Ok(Reader { pool: &self.inner, store: Some(store) }),
                    Err(e) => {
                        lock(&self.inner.readers).open -= 1;
                        self.inner.returned.notify_one();
                        Err(e)
                    }
                };
            }
            r = self.inner.returned.wait(r).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Runs `f` on a read connection.
    pub fn read<T>(&self, f: impl FnOnce(&Store) -> T) -> Result<T, StoreError> {
        let reader = self.reader()?;
        Ok(f(&reader))
    }

    /// Runs `f` with the writer connection (writers wait for each other, readers do not wait).
    pub fn write<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut lock(&self.inner.writer))
    }

    /// Waits until every audit line queued so far is written.
    pub fn flush_audit(&self) {
        self.audit.flush()
    }
}

impl Backend for Pool {
    fn load_snapshot(&self) -> Result<Snapshot, StoreError> {
        self.read(|s| s.load_snapshot())?
    }
    fn snapshot_as_of(&self, when: &AsOf) -> Result<Snapshot, StoreError> {
        self.read(|s| s.snapshot_as_of(when))?
    }
    fn current_revision(&self) -> Result<i64, StoreError> {
        self.read(|s| s.current_revision())?
    }
    fn revisions_since(&self, after: i64) -> Result<Vec<RevisionRow>, StoreError> {
        self.read(|s| s.revisions_since(after))?
    }
    fn plans(&self) -> Result<Vec<PlanRow>, StoreError> {
        self.read(|s| s.plans())?
    }
    fn plan(&self, id: i64) -> Result<Option<PlanRow>, StoreError> {
        self.read(|s| s.plan(id))?
    }
    fn plan_edits(&self, id: i64) -> Result<Vec<Value>, StoreError> {
        self.read(|s| s.plan_edits(id))?
    }
    fn token_holder(&self, token: &str) -> Result<Option<TokenHolder>, StoreError> {
        self.read(|s| s.token_holder(token))?
    }
    fn append_audit(&self, entry: AuditEntry) {
        self.audit.push(entry)
    }
    fn audit_rows(&self, after: i64, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
        self.flush_audit();
        self.read(|s| s.audit_rows(after, limit))?
    }
    fn location(&self) -> String {
        self.path().display().to_string()
    }
    fn with_reader(&self, f: &mut dyn FnMut(&dyn Db)) -> Result<(), StoreError> {
        self.read(|s| f(s))
    }
    fn with_writer(&self, f: &mut dyn FnMut(&mut dyn Db)) -> Result<(), StoreError> {
        self.write(|s| f(s));
        Ok(())
    }
    fn flush_audit(&self) {
        Pool::flush_audit(self)
    }
    fn pending_external(&self) -> Result<i64, StoreError> {
        self.read(|s| s.pending_external())?
    }
    fn absorb_external(&self, message: &str, date: &str) -> Result<Option<Absorbed>, StoreError> {
        self.write(|s| s.absorb_external(message, date))
    }
    fn watch(&self) -> Result<Box<dyn Watch>, StoreError> {
        Ok(Box::new(SqliteWatch::open(self.path())?))
    }
}
