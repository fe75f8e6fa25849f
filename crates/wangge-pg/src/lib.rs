//! The PostgreSQL/PostGIS store: the same store seam ([`wangge_store::Db`] for one connection,
//! [`wangge_store::Backend`] for a served pool) as the SQLite/GeoPackage file, for deployments
//! where many processes — replicas behind a proxy, a planner office and a public viewer, the
//! CLI — share one database.
//!
//! - [`PgStore`]: one connection (the CLI, and each pooled connection).
//! - [`PgBackend`]: the served store: a pool of connections, a background audit writer, and a
//!   change-feed watcher that `LISTEN`s for the `NOTIFY` every publish sends.
//! - [`migrate`]: versioned schema migrations, run on every open.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod migrate;
mod networks;
mod served;
mod store;

pub use served::{PgBackend, PgWatch};
pub use store::PgStore;

/// The channel a commit that changes what is published notifies (payload: the newest revision).
pub const NOTIFY_CHANNEL: &str = "wangge_published";

/// Whether `db` (a `--db` value) names a PostgreSQL database rather than a file.
pub fn is_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// `url` without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else { return url.to_string() };
    let rest = &url[scheme_end..];
    let Some(at) = rest.find('@') else { return url.to_string() };
    let userinfo = &rest[..at];
    match userinfo.find(':') {
        Some(colon) => format!("{}{}:***{}", &url[..scheme_end], &userinfo[..colon], &rest[at..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_the_password_only() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("postgresql://h/db?x=1"), "postgresql://h/db?x=1");
        assert!(is_url("postgresql://h/db") && !is_url("wangge.gpkg"));
    }
}
