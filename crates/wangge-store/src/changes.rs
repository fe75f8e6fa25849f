//! What a change feed reads to notice that another process changed the file: SQLite's
//! `data_version`, the newest revision, and the published state read in one read transaction.
//!
//! Why `data_version`: it changes on a connection exactly when another connection (of this
//! process or another one) committed a change to the file, and reading it costs no I/O beyond the
//! WAL index, so polling it a few times a second is free while nothing changes.

use super::sqlite::{Store, StoreError};
use wangge_core::snapshot::Snapshot;

/// What the store says is current: the newest revision and the newest `gpkg_contents.last_change`
/// (every write of a layer stamps it, also the unrecorded ones of revision 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeStamp {
    /// The newest revision (0 before any).
    pub revision: i64,
    /// The newest layer change time (UTC), if any layer was written.
    pub last_change: Option<String>,
}

impl Store {
    /// SQLite's `PRAGMA data_version` on this connection: it differs from the last value read
    /// here exactly when another connection committed a change since.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.conn.query_row("PRAGMA data_version", [], |r| r.get(0)).map_err(|e| self.wrap(e))
    }

    /// The newest revision and layer change time.
    pub fn change_stamp(&self) -> Result<ChangeStamp, StoreError> {
        self.conn
            .query_row(
                "SELECT (SELECT coalesce(max(id), 0) FROM wangge_revision), (SELECT max(last_change) FROM gpkg_contents)",
                [],
                |r| Ok(ChangeStamp { revision: r.get(0)?, last_change: r.get(1)? }),
            )
            .map_err(|e| self.wrap(e))
    }

    /// The published snapshot and the revision it is, read in one read transaction so a commit
    /// landing between two layers cannot mix two states.
    pub fn load_published(&self) -> Result<(Snapshot, i64), StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.wrap(e))?;
        let revision = self.current_revision()?;
        let snapshot = self.load_snapshot()?;
        tx.commit().map_err(|e| self.wrap(e))?;
        Ok((snapshot, revision))
    }

    /// When revision `id` was committed (UTC, ISO 8601), if it exists.
    pub fn revision_created_at(&self, id: i64) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row("SELECT created_at FROM wangge_revision WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(|e| self.wrap(e))
    }
}

/// What a change feed watches a store through: a connection of its own, and a way to wait for
/// a sign that another connection committed.
pub trait Watch: Send {
    /// Waits at most `max` for a sign that the store changed. `false`: nothing changed; `true`:
    /// something may have (a feed then reads [`Db::change_stamp`](crate::Db::change_stamp)).
    fn wait(&mut self, max: std::time::Duration) -> Result<bool, StoreError>;
    /// The watcher's connection, to read what changed.
    fn db(&self) -> &dyn crate::Db;
}

/// Watches a SQLite file by `PRAGMA data_version` (see the module documentation).
pub struct SqliteWatch {
    conn: Store,
    data_version: Option<i64>,
}

impl SqliteWatch {
    /// A read connection of its own to the file at `path`.
    pub fn open(path: &std::path::Path) -> Result<SqliteWatch, StoreError> {
        Ok(SqliteWatch { conn: Store::open_reader(path)?, data_version: None })
    }
}

impl Watch for SqliteWatch {
    fn wait(&mut self, max: std::time::Duration) -> Result<bool, StoreError> {
        std::thread::sleep(max);
        let version = self.conn.data_version()?;
        let changed = self.data_version != Some(version);
        self.data_version = Some(version);
        Ok(changed)
    }
    fn db(&self) -> &dyn crate::Db {
        &self.conn
    }
}
