//! The store several server nodes share: PostgreSQL (`abjuan serve --database-url …`).
//! Everything durable is in the database; a node keeps only caches that it checks before
//! answering (the [`crate::store::Mark`] of each cached dossier: its change sequence and its
//! snapshots' generations). What lives where:
//! - [`db`]: the connection (pool, dedicated connections, the bridge for blocking callers);
//! - [`schema`]: the versioned migrations of every table (dossiers, accounts, rule sets, the
//!   audit log, generic-protocol states);
//! - [`writer`]: the node's one writer task (group commit, pipelined statements, retries)
//!   and its statements ([`sql`]);
//! - [`reads`]: loads and catch-up reads of dossiers, lists, figures, the ledger, uploads,
//!   through the pool; [`order`]: a read of a dossier waits for this node's earlier writes;
//! - [`notify`]: the LISTEN connection that passes other nodes' writes on as hints.
//!
//! Relied on (plain PostgreSQL, no extension): `INSERT … ON CONFLICT`, row locks taken by
//! `INSERT … ON CONFLICT DO UPDATE`, `LISTEN`/`NOTIFY` (hints only), `BYTEA`, `= ANY(array)`,
//! `UNION ALL` reads as one snapshot, `json_array_elements_text` (the officers' figures),
//! `strpos`, PL/pgSQL for the audit log's append-only trigger.

pub mod db;
mod notify;
mod order;
mod reads;
pub mod schema;
mod sql;
mod writer;

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot};

pub use db::{describe, Db};
pub use reads::dialect;

use super::reports::{LedgerQuery, LedgerRow};
use super::{
    Answer, IndexRow, ListFilter, Mark, Since, Store, StoreError, StoredDossier, UploadRow,
    WriteOp, Written,
};
use crate::report::figures::{CountRow, Sql};

/// Generic-protocol states untouched this long are dropped (ms): a phone that comes back
/// later starts the protocol afresh, which costs one more round trip.
const STATE_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

/// The PostgreSQL store of one node.
#[derive(Debug)]
pub struct PgStore {
    db: Arc<Db>,
    tx: mpsc::UnboundedSender<writer::Msg>,
    order: Arc<order::Order>,
    notices: broadcast::Sender<String>,
    node: String,
}

impl std::fmt::Debug for writer::Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Msg #{}", self.ticket)
    }
}

impl PgStore {
    /// Migrates the database and starts this node's writer and listener (call inside the
    /// server's runtime).
    pub async fn open(db: Arc<Db>) -> Result<Self, StoreError> {
        let (mut client, _) = db.dedicated().await?;
        schema::migrate(&mut client).await?;
        let cutoff = crate::clock::now_ms() - STATE_TTL_MS;
        client
            .execute("DELETE FROM sync_states WHERE updated_at < $1", &[&cutoff])
            .await?;
        drop(client);
        let mut id = [0u8; 6];
        getrandom::fill(&mut id).map_err(|e| StoreError::Other(e.to_string()))?;
        let node = hex::encode(id);
        let (tx, rx) = mpsc::unbounded_channel();
        let (done_tx, done) = tokio::sync::watch::channel(0);
        tokio::spawn(writer::run(db.clone(), rx, node.clone(), done_tx));
        let (notices, _) = broadcast::channel(4096);
        tokio::spawn(notify::run(db.clone(), node.clone(), notices.clone()));
        tracing::info!(node = %node, "PostgreSQL store open");
        Ok(Self {
            db,
            tx,
            order: Arc::new(order::Order::new(done)),
            notices,
            node,
        })
    }

    /// This node's id in notices (random per start).
    #[must_use]
    pub fn node(&self) -> &str {
        &self.node
    }
}

/// Creates the database `name` on the server of `admin_url` when it does not exist (tests and
/// benchmarks give each run a database of its own). `name`: `[a-z0-9_]`, at most 63. Blocks
/// (runs outside any runtime).
pub fn create_database(admin_url: &str, name: &str) -> Result<(), StoreError> {
    if name.is_empty()
        || name.len() > 63
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(StoreError::Other(format!("bad database name {name:?}")));
    }
    let db = Db::open(admin_url)?;
    db.block(async {
        let (client, _) = db.dedicated().await?;
        let exists = client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
            .await?
            .is_some();
        if !exists {
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await?;
        }
        Ok(())
    })
}

impl Store for PgStore {
    fn submit(&self, ops: Vec<WriteOp>) -> Answer<Written> {
        let (tx, rx) = oneshot::channel();
        self.order.send(&self.tx, ops, tx);
        rx
    }

    fn load(&self, dossier: &str) -> Answer<Option<StoredDossier>> {
        let (tx, rx) = oneshot::channel();
        let (db, order, id) = (self.db.clone(), self.order.clone(), dossier.to_owned());
        tokio::spawn(async move {
            let _ = tx.send(PgStore::load_now(&db, &order, &id).await);
        });
        rx
    }

    fn shared(&self) -> bool {
        true
    }

    fn since(&self, asks: Vec<(String, Mark)>) -> Answer<Vec<Since>> {
        let (tx, rx) = oneshot::channel();
        let (db, order) = (self.db.clone(), self.order.clone());
        tokio::spawn(async move {
            let _ = tx.send(PgStore::since_now(&db, &order, &asks).await);
        });
        rx
    }

    fn sync_state(&self, client: &str, key: &str) -> Answer<Option<Vec<u8>>> {
        let (tx, rx) = oneshot::channel();
        let (db, client, key) = (self.db.clone(), client.to_owned(), key.to_owned());
        tokio::spawn(async move {
            let _ = tx.send(PgStore::state(&db, &client, &key).await);
        });
        rx
    }

    fn behind(&self, limit: u32) -> Result<Vec<String>, StoreError> {
        self.behind_rows(limit)
    }

    fn notices(&self) -> Option<broadcast::Receiver<String>> {
        Some(self.notices.subscribe())
    }

    fn list(&self, filter: &ListFilter) -> Result<Vec<IndexRow>, StoreError> {
        self.list_rows(filter)
    }

    fn figure_counts(&self, sql: &Sql, keys: usize) -> Result<Vec<CountRow>, StoreError> {
        self.counts(sql, keys)
    }

    fn figure_rows(&self, sql: &Sql) -> Result<Vec<IndexRow>, StoreError> {
        self.figure_list(sql)
    }

    fn form_facts(&self, sql: &Sql) -> Result<Vec<String>, StoreError> {
        self.facts_rows(sql)
    }

    fn ledger(&self, q: &LedgerQuery) -> Result<Vec<LedgerRow>, StoreError> {
        self.ledger_rows(q)
    }

    fn ledger_stale(&self, limit: u32) -> Result<Vec<String>, StoreError> {
        self.stale_ledger(limit)
    }

    fn uploads(&self, dossier: &str) -> Result<Vec<UploadRow>, StoreError> {
        self.upload_rows(dossier)
    }

    fn count(&self) -> Result<u64, StoreError> {
        self.count_rows()
    }

    fn blob_refs(
        &self,
        q: &crate::store::blob_refs::RefQuery,
    ) -> Result<Vec<crate::store::blob_refs::BlobRef>, StoreError> {
        self.blob_ref_rows(q)
    }
}

#[cfg(test)]
pub(crate) mod tests;
