//! API tokens (stored as SHA-256 hashes, never in clear), roles, and the audit log of writes
//! (PIPL Art. 55–56: keep processing logs — domain.md §7).

use super::sqlite::{Store, StoreError};
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use std::io::Read;

/// Who may do what. Ordered: each role may do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads published data and aggregates.
    Viewer,
    /// A grid worker: reads, plus household-level data of their area.
    Worker,
    /// Edits and publishes plans.
    Planner,
    /// Everything, including tokens.
    Admin,
}

impl Role {
    fn id(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Worker => "worker",
            Role::Planner => "planner",
            Role::Admin => "admin",
        }
    }

    fn from_id(s: &str) -> Option<Role> {
        [Role::Viewer, Role::Worker, Role::Planner, Role::Admin].into_iter().find(|r| r.id() == s)
    }
}

/// Creates the token and audit tables, registered as GeoPackage attributes tables.
pub(super) fn init(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS wangge_token (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
           role TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS wangge_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
           who TEXT NOT NULL, role TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL);",
    )?;
    for (t, d) in [
        ("wangge_token", "API tokens: SHA-256 hashes and roles"),
        ("wangge_audit", "every write and household-level read"),
    ] {
        tx.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) VALUES (?1, 'attributes', ?1, ?2)",
            params![t, d],
        )?;
    }
    Ok(())
}

/// SHA-256 of a token, hex.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// Creates a token for `name` with `role`; returns the token itself, which is shown once and never stored.
    pub fn create_token(&mut self, name: &str, role: Role) -> Result<String, StoreError> {
        let mut bytes = [0u8; 24];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .map_err(|e| self.wrap(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
        let token = format!("wg_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
        self.conn
            .execute(
                "INSERT INTO wangge_token (name, role, sha256, created_at) VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
                params![name, role.id(), hash_token(&token)],
            )
            .map_err(|e| self.wrap(e))?;
        Ok(token)
    }

    /// The name and role of `token`, if it is one of ours.
    pub fn token_role(&self, token: &str) -> Result<Option<(String, Role)>, StoreError> {
        let row: Option<(String, String)> = self
            .conn
            .query_row("SELECT name, role FROM wangge_token WHERE sha256 = ?1", [hash_token(token)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(|e| self.wrap(e))?;
        Ok(row.and_then(|(n, r)| Role::from_id(&r).map(|r| (n, r))))
    }

    /// Appends one line to the audit log.
    pub fn audit(&self, who: &str, role: &str, method: &str, path: &str, status: u16) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO wangge_audit (at, who, role, method, path, status) VALUES (strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?1, ?2, ?3, ?4, ?5)",
                params![who, role, method, path, status],
            )
            .map_err(|e| self.wrap(e))?;
        Ok(())
    }

    /// Number of audit rows (for tests and the health page).
    pub fn audit_count(&self) -> Result<i64, StoreError> {
        self.conn.query_row("SELECT count(*) FROM wangge_audit", [], |r| r.get(0)).map_err(|e| self.wrap(e))
    }
}
