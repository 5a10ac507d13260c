//! Storage behind a trait: append-only changes per document, snapshots, the provenance of every
//! change (who uploaded it, when), and the denormalised dossier index the read API lists from.
//!
//! Ordering contract every backend keeps: [`Store::submit`] and [`Store::load`] are served in
//! the order they were called, and a submitted batch is acknowledged only once it is durable.
//! The engine relies on it: a load sees every write submitted before it, and compaction (which
//! drops a document's change rows) only ever covers changes submitted before it. [`sqlite`] is
//! the embedded default; a PostgreSQL backend implements the same trait with one writer task.

pub mod blob_refs;
pub mod index;
pub mod ledger;
pub mod reports;
pub mod sqlite;

use abjuan_shared::doc::Volume;
use tokio::sync::oneshot;

pub use index::{IndexRow, ListFilter, StatRow, StatsFilter, UploadRow};

/// What went wrong in a store (logged; clients see `storage`). Cloneable: one failed group
/// commit answers every batch in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database said no (its message, for the log).
    #[error("database: {0}")]
    Database(String),
    /// The store's worker is gone (shutting down).
    #[error("store closed")]
    Closed,
    /// Anything else (IO, a bad schema version).
    #[error("{0}")]
    Other(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

/// A store's answer to come: `await` it with [`answer`].
pub type Answer<T> = oneshot::Receiver<Result<T, StoreError>>;

/// Waits for a store's answer; a worker that went away is [`StoreError::Closed`].
pub async fn answer<T>(rx: Answer<T>) -> Result<T, StoreError> {
    rx.await.unwrap_or(Err(StoreError::Closed))
}

/// A document's stored form: its latest snapshot (if compacted) plus the changes after it.
#[derive(Debug, Default, Clone)]
pub struct StoredDoc {
    /// `Automerge::save()` bytes, if the document was ever compacted.
    pub snapshot: Option<Vec<u8>>,
    /// What was stored beside the snapshot (the document's view: see
    /// `abjuan_shared::sync::DossierState::snapshot`), so a load need not read it again.
    pub derived: Option<Vec<u8>>,
    /// Raw changes appended since the snapshot, in arrival order.
    pub changes: Vec<Vec<u8>>,
}

/// Both documents of a dossier as stored.
#[derive(Debug, Default, Clone)]
pub struct StoredDossier {
    /// Document A.
    pub a: StoredDoc,
    /// Document B.
    pub b: StoredDoc,
}

/// One change to append (as the sync core hands it over).
pub use abjuan_shared::sync::NewChange;

/// One write; a batch of them commits in one transaction.
#[derive(Debug, Clone)]
pub enum WriteOp {
    /// Append changes to a document and record who uploaded them.
    Append {
        /// Dossier id.
        dossier: String,
        /// Which document.
        volume: Volume,
        /// The new changes.
        changes: Vec<NewChange>,
        /// Uploading device or client id.
        device: String,
        /// Server time (ms since the epoch).
        received_at: i64,
    },
    /// Replace a document's change rows by one snapshot that holds them all.
    Compact {
        /// Dossier id.
        dossier: String,
        /// Which document.
        volume: Volume,
        /// `Automerge::save()` of the document, covering every change submitted so far.
        snapshot: Vec<u8>,
        /// What goes beside it.
        derived: Vec<u8>,
    },
    /// Upsert the dossier's index row.
    Index(Box<IndexRow>),
}

/// The storage backend.
pub trait Store: Send + Sync + 'static {
    /// Queues a batch; the receiver answers once it is durable (or failed). Batches from
    /// concurrent callers are grouped into one transaction (group commit).
    fn submit(&self, ops: Vec<WriteOp>) -> Answer<()>;
    /// Loads a dossier, ordered after every batch submitted before this call.
    fn load(&self, dossier: &str) -> Answer<Option<StoredDossier>>;
    /// Lists index rows (blocking; call from a blocking thread).
    fn list(&self, filter: &ListFilter) -> Result<Vec<IndexRow>, StoreError>;
    /// Runs a counting statement of `report::figures` (blocking): `keys` leading key columns,
    /// then one count per figure.
    fn figure_counts(
        &self,
        sql: &crate::report::figures::Sql,
        keys: usize,
    ) -> Result<Vec<crate::report::figures::CountRow>, StoreError>;
    /// Runs a listing statement of `report::figures` (blocking).
    fn figure_rows(&self, sql: &crate::report::figures::Sql) -> Result<Vec<IndexRow>, StoreError>;
    /// The rows of a ledger or a print batch (blocking).
    fn ledger(&self, q: &reports::LedgerQuery) -> Result<Vec<reports::LedgerRow>, StoreError>;
    /// Dossiers whose ledger columns are missing or out of date (blocking).
    fn ledger_stale(&self, limit: u32) -> Result<Vec<String>, StoreError>;
    /// Who uploaded each change of a dossier (blocking).
    fn uploads(&self, dossier: &str) -> Result<Vec<UploadRow>, StoreError>;
    /// Number of dossiers in the index (blocking).
    fn count(&self) -> Result<u64, StoreError>;
    /// Attachment references: who holds these blobs, or what these dossiers hold (blocking).
    fn blob_refs(&self, q: &blob_refs::RefQuery) -> Result<Vec<blob_refs::BlobRef>, StoreError>;
}
