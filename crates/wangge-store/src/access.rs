//! API tokens (stored as SHA-256 hashes, never in clear), roles, and the audit log of writes
//! (PIPL Art. 55–56: keep processing logs — domain.md §7).

use super::pool::AuditEntry;
use super::sqlite::{Store, StoreError};
use crate::row_fields::from_columns;
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use std::io::Read;

/// Who may do what. Ordered: each role may do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
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
    /// The role's name as stored and shown (`viewer`, `worker`, `planner`, `admin`).
    pub fn id(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Worker => "worker",
            Role::Planner => "planner",
            Role::Admin => "admin",
        }
    }

    /// The role named `s`.
    pub fn from_id(s: &str) -> Option<Role> {
        [Role::Viewer, Role::Worker, Role::Planner, Role::Admin].into_iter().find(|r| r.id() == s)
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::from_id(s).ok_or_else(|| format!("unknown role '{s}' (viewer, worker, planner or admin)"))
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
    // Added after the first release of these tables: the area a token is limited to, and what a
    // read of household-level rows returned.
    super::plans::add_column(tx, "wangge_token", "area", "TEXT NOT NULL DEFAULT ''")?;
    for (column, decl) in
        [("detail", "TEXT NOT NULL DEFAULT ''"), ("rows", "INTEGER"), ("area", "TEXT NOT NULL DEFAULT ''")]
    {
        super::plans::add_column(tx, "wangge_audit", column, decl)?;
    }
    Ok(())
}

/// The holder of a token: who they are, their role, and the area they may see household-level
/// rows of (codes of grids, communities or streets; empty = no area).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenHolder {
    /// The holder's name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Codes of the grids, communities or streets they are responsible for.
    pub area: Vec<String>,
}

impl TokenHolder {
    /// Whether `grid` (a grid code) lies in the holder's area. Codes are hierarchical (a grid's
    /// code starts with its community's, which starts with its street's), so a prefix test is
    /// enough (domain.md §3).
    pub fn covers_grid(&self, grid: &str) -> bool {
        self.area.iter().any(|a| !a.is_empty() && grid.starts_with(a.as_str()))
    }
}

/// One line of the audit log as stored: its id and the entry that was queued.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditRow {
    /// Row id.
    pub id: i64,
    /// What was recorded (its fields are answered beside `id`, as one object).
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// SHA-256 of a token, hex.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random token (`wg_` and 48 hex digits from the system's random source).
pub fn new_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 24];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes))?;
    Ok(format!("wg_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

impl Store {
    /// Creates a token for `name` with `role`; returns the token itself, which is shown once and never stored.
    pub fn create_token(&mut self, name: &str, role: Role) -> Result<String, StoreError> {
        self.create_scoped_token(name, role, &[])
    }

    /// Creates a token limited to `area` (grid, community or street codes) for household-level reads.
    pub fn create_scoped_token(&mut self, name: &str, role: Role, area: &[String]) -> Result<String, StoreError> {
        let token = new_token().map_err(|e| self.wrap(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
        self.conn
            .execute(
                "INSERT INTO wangge_token (name, role, sha256, created_at, area) VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?4)",
                params![name, role.id(), hash_token(&token), area.join(",")],
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

    /// The holder of `token`, if it is one of ours.
    pub fn token_holder(&self, token: &str) -> Result<Option<TokenHolder>, StoreError> {
        let row: Option<(String, String, String)> = self
            .conn
            .query_row("SELECT name, role, area FROM wangge_token WHERE sha256 = ?1", [hash_token(token)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
            .map_err(|e| self.wrap(e))?;
        Ok(row.and_then(|(name, role, area)| {
            let area = area.split(',').map(str::trim).filter(|a| !a.is_empty()).map(str::to_string).collect();
            Role::from_id(&role).map(|role| TokenHolder { name, role, area })
        }))
    }

    /// Appends one line to the audit log.
    pub fn audit(&self, who: &str, role: &str, method: &str, path: &str, status: u16) -> Result<(), StoreError> {
        self.audit_read(who, role, method, path, status, "", None, "")
    }

    /// Appends one line to the audit log, with what was read and how many household-level rows.
    #[allow(clippy::too_many_arguments)]
    pub fn audit_read(
        &self,
        who: &str,
        role: &str,
        method: &str,
        path: &str,
        status: u16,
        detail: &str,
        rows: Option<i64>,
        area: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO wangge_audit (at, who, role, method, path, status, detail, rows, area)
                 VALUES (strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![who, role, method, path, status, detail, rows, area],
            )
            .map_err(|e| self.wrap(e))?;
        Ok(())
    }

    /// Appends audit lines (stamped by their [`AuditEntry::at`]) in one transaction.
    pub fn append_audit(&mut self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(wrap)?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO wangge_audit (at, who, role, method, path, status, detail, rows, area)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(wrap)?;
            for e in entries {
                insert
                    .execute(params![e.at, e.who, e.role, e.method, e.path, e.status, e.detail, e.rows, e.area])
                    .map_err(wrap)?;
            }
        }
        tx.commit().map_err(wrap)
    }

    /// The newest `limit` audit rows after `after` (id), newest first.
    pub fn audit_rows(&self, after: i64, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, at, who, role, method, path, status, detail, rows, area FROM wangge_audit
                 WHERE id > ?1 ORDER BY id DESC LIMIT ?2",
            )
            .map_err(|e| self.wrap(e))?;
        let rows = stmt
            .query_map(params![after, limit], |r| {
                let entry =
                    from_columns!(r, 1 => AuditEntry { at, who, role, method, path, status, detail, rows, area });
                Ok(AuditRow { id: r.get(0)?, entry })
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.wrap(e))?;
        Ok(rows)
    }

    /// Number of audit rows (for tests and the health page).
    pub fn audit_count(&self) -> Result<i64, StoreError> {
        self.conn.query_row("SELECT count(*) FROM wangge_audit", [], |r| r.get(0)).map_err(|e| self.wrap(e))
    }
}
