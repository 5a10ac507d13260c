//! Which stores a process opens: SQLite files in a data directory (the default: `abjuan.db`,
//! `accounts.sqlite3` with the rule sets, `audit.sqlite3`), or one PostgreSQL database shared
//! by several nodes (`--database-url`, env `ABJUAN_DATABASE_URL`) that holds all of it.
//! `serve`, `init` and `admin` all open them here, so they always agree.

use std::path::Path;
use std::sync::Arc;

use crate::audit::AuditLog;
use crate::auth::accounts::postgres::PgAccounts;
use crate::auth::{AccountStore, HashCost, SqliteAccounts};
use crate::rules::{PgRuleStore, RuleStore, SqliteRuleStore};
use crate::store::postgres::{Db, PgStore};
use crate::store::sqlite::SqliteStore;
use crate::store::Store;

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum Place {
    /// SQLite files in this directory.
    Dir(std::path::PathBuf),
    /// This PostgreSQL database.
    Postgres(Arc<Db>),
}

impl Place {
    /// The place named by the command line: the database when `database_url` is given, else
    /// the data directory. Open it inside the server's runtime to share that runtime.
    pub fn new(data_dir: &Path, database_url: Option<&str>) -> Result<Self, String> {
        match database_url.filter(|u| !u.trim().is_empty()) {
            Some(url) => Ok(Place::Postgres(
                Db::open(url.trim()).map_err(|e| format!("database: {e}"))?,
            )),
            None => Ok(Place::Dir(data_dir.to_path_buf())),
        }
    }

    /// Says where, for logs and messages (never the password).
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Place::Dir(d) => d.display().to_string(),
            Place::Postgres(db) => format!("PostgreSQL {db:?}"),
        }
    }
}

/// The stores of accounts, the audit log and rule sets.
pub type AdminStores = (Arc<dyn AccountStore>, Arc<AuditLog>, Arc<dyn RuleStore>);

/// Opens (creating or migrating) the account store, the audit log and the rule store.
pub fn admin_stores(place: &Place, cost: HashCost) -> Result<AdminStores, String> {
    match place {
        Place::Dir(dir) => {
            let accounts = SqliteAccounts::open(dir, cost).map_err(|e| format!("accounts: {e}"))?;
            let audit = AuditLog::open(dir).map_err(|e| format!("audit log: {e}"))?;
            let rules = SqliteRuleStore::open(dir).map_err(|e| format!("rules: {e}"))?;
            Ok((Arc::new(accounts), Arc::new(audit), Arc::new(rules)))
        }
        Place::Postgres(db) => {
            let accounts =
                PgAccounts::open(db.clone(), cost).map_err(|e| format!("accounts: {e}"))?;
            let audit =
                AuditLog::open_postgres(db.clone()).map_err(|e| format!("audit log: {e}"))?;
            let rules = PgRuleStore::open(db.clone()).map_err(|e| format!("rules: {e}"))?;
            Ok((Arc::new(accounts), Arc::new(audit), Arc::new(rules)))
        }
    }
}

/// Opens the dossier store (in PostgreSQL: starts this node's writer and listener, so call it
/// inside the server's runtime).
pub async fn dossier_store(place: &Place) -> Result<Arc<dyn Store>, String> {
    match place {
        Place::Dir(dir) => Ok(Arc::new(
            SqliteStore::open(dir).map_err(|e| format!("store: {e}"))?,
        )),
        Place::Postgres(db) => Ok(Arc::new(
            PgStore::open(db.clone())
                .await
                .map_err(|e| format!("store: {e}"))?,
        )),
    }
}
