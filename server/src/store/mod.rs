//! Storage behind a trait: append-only changes per document, snapshots, the provenance of every
//! change (who uploaded it, when), and the denormalised dossier index the read API lists from.
//!
//! Ordering contract every backend keeps: [`Store::submit`] and [`Store::load`] are served in
//! the order they were called, and a submitted batch is acknowledged only once it is durable.
//! The engine relies on it: a load sees every write submitted before it, and compaction (which
//! drops a document's change rows) only ever covers changes submitted before it. [`sqlite`] is
//! the embedded default; [`postgres`] is the store several nodes share (one writer task per
//! node, and a [`Mark`] per cached dossier so a node catches up with what others wrote).

pub mod blob_refs;
pub mod index;
pub mod ledger;
pub mod postgres;
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

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError::Database(postgres::describe(&e))
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
    /// Where the stored dossier stood when it was read (a store several nodes share).
    pub mark: Mark,
}

/// Where a node's copy of a dossier stands against a store several nodes share: the
/// dossier's change sequence (bumped under the dossier's row lock by every append, so it
/// grows in commit order) and, per document, the generation of its snapshot (a new random
/// value at every compaction; 0: none yet) as last read. Always zero with a store one process
/// owns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mark {
    /// Every change row with a sequence number up to this one has been read.
    pub seq: i64,
    /// Snapshot generation of documents A and B ([`Mark::UNKNOWN`] after a compaction of this
    /// node whose outcome is not known yet: the next check reloads).
    pub generation: [i64; 2],
}

impl Mark {
    /// A generation no stored snapshot has.
    pub const UNKNOWN: i64 = -1;
}

/// What was stored for a dossier after a node's [`Mark`] ([`Store::since`]).
#[derive(Debug, Clone)]
pub enum Since {
    /// Nothing: the node's copy is current.
    Current,
    /// Changes stored by others since (each document's, in order), and the new mark.
    Changes {
        /// Document A's new change rows.
        a: Vec<Vec<u8>>,
        /// Document B's.
        b: Vec<Vec<u8>>,
        /// Where the dossier stands now.
        mark: Mark,
    },
    /// A document was compacted by another node since: load the dossier again.
    Reload,
}

/// What a compaction's snapshot holds of the stored change rows (stores several nodes
/// share): every row up to `through` of the snapshot generation `generation`, and this
/// node's own rows since (`own`). Only those rows are deleted, and only if the document's
/// snapshot is still of `generation`.
#[derive(Debug, Clone, Default)]
pub struct Covers {
    /// The snapshot generation the new snapshot builds on.
    pub generation: i64,
    /// The change sequence up to which every row was read into the snapshot.
    pub through: i64,
    /// Hashes of this node's own changes stored after `through`.
    pub own: Vec<[u8; 32]>,
}

/// What a committed batch did that the caller may want to know (stores several nodes share).
#[derive(Debug, Clone, Default)]
pub struct Written {
    /// Compactions that took effect: dossier, document index (0: A, 1: B), new generation.
    pub compacted: Vec<(String, usize, i64)>,
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
        /// Which change rows it holds (a store one process owns drops them all).
        covers: Covers,
    },
    /// Upsert the dossier's index row.
    Index(Box<IndexRow>),
    /// Keep a generic-protocol sync state (stores several nodes share; a store one process
    /// owns never gets one: its engine keeps them in memory).
    SyncState {
        /// The client (device) id.
        client: String,
        /// `dossier/volume`, or `hidden/dossier/volume`.
        key: String,
        /// `automerge::sync::State::encode()`.
        state: Vec<u8>,
    },
}

/// The storage backend.
pub trait Store: Send + Sync + 'static {
    /// Queues a batch; the receiver answers once it is durable (or failed). Batches from
    /// concurrent callers are grouped into one transaction (group commit).
    fn submit(&self, ops: Vec<WriteOp>) -> Answer<Written>;
    /// Loads a dossier, ordered after every batch submitted before this call.
    fn load(&self, dossier: &str) -> Answer<Option<StoredDossier>>;
    /// Whether several server processes share this store: then a cached dossier is checked
    /// with [`Store::since`] before it answers, and generic-protocol states are kept in the
    /// store ([`WriteOp::SyncState`], [`Store::sync_state`]).
    fn shared(&self) -> bool {
        false
    }
    /// What others stored for each dossier after its mark, ordered after every batch
    /// submitted before this call (a store one process owns: always [`Since::Current`]).
    fn since(&self, asks: Vec<(String, Mark)>) -> Answer<Vec<Since>> {
        let (tx, rx) = oneshot::channel();
        let _ = tx.send(Ok(asks.iter().map(|_| Since::Current).collect()));
        rx
    }
    /// Dossiers whose index row was made from less than everything stored (by a node that
    /// had not seen another's write): a node makes them again (blocking). None in a store
    /// one process owns.
    fn behind(&self, _limit: u32) -> Result<Vec<String>, StoreError> {
        Ok(Vec::new())
    }
    /// Hints from other nodes: ids of dossiers they wrote (early, never complete: a node
    /// still checks before it answers). None for a store one process owns.
    fn notices(&self) -> Option<tokio::sync::broadcast::Receiver<String>> {
        None
    }
    /// A kept generic-protocol state ([`WriteOp::SyncState`]); none in a store one process
    /// owns.
    fn sync_state(&self, _client: &str, _key: &str) -> Answer<Option<Vec<u8>>> {
        let (tx, rx) = oneshot::channel();
        let _ = tx.send(Ok(None));
        rx
    }
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
    /// The `form_facts` column of the index rows a statement selects (its one column), for a
    /// form's own statistics (blocking).
    fn form_facts(&self, sql: &crate::report::figures::Sql) -> Result<Vec<String>, StoreError>;
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
