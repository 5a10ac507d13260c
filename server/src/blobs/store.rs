//! Where attachment bytes are kept, behind a small trait: complete blobs by content address,
//! each device's unfinished uploads (so a cut upload resumes where it stopped), and how many
//! bytes each device sent per day (the daily limit). Every call moves at most one chunk of
//! bytes, so memory stays flat whatever the blob's size, and the calls map one to one onto
//! another home: rows of chunks in PostgreSQL, ranged reads and multipart uploads of an object
//! store. Calls block (files, SQLite): the routes run them on blocking threads.
//!
//! [`super::fs::FsBlobStore`] is the embedded default: files under the data directory.

use std::collections::BTreeSet;

/// What went wrong in a blob store (logged; clients see `storage`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobStoreError {
    /// An append that does not continue the upload where it stands (another request wrote to
    /// it meanwhile): the client asks again how much arrived.
    #[error("upload is at {0} bytes")]
    Offset(u64),
    /// The disk or the database failed (its message, for the log).
    #[error("{0}")]
    Io(String),
}

impl From<std::io::Error> for BlobStoreError {
    fn from(e: std::io::Error) -> Self {
        BlobStoreError::Io(e.to_string())
    }
}

impl From<rusqlite::Error> for BlobStoreError {
    fn from(e: rusqlite::Error) -> Self {
        BlobStoreError::Io(e.to_string())
    }
}

/// A complete blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobMeta {
    /// Content address (SHA-256, 64 lowercase hex digits).
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Its media type (checked against its first bytes when it was stored).
    pub media_type: String,
    /// The device whose upload completed it.
    pub device: String,
    /// Server time it was stored (ms since the epoch).
    pub stored_at: i64,
}

/// The blob storage backend.
pub trait BlobStore: Send + Sync + 'static {
    /// The complete blob with this content address, if stored.
    fn stat(&self, sha256: &str) -> Result<Option<BlobMeta>, BlobStoreError>;
    /// Which of `shas` are stored complete.
    fn stored(&self, shas: &[String]) -> Result<BTreeSet<String>, BlobStoreError>;
    /// Bytes `device` has sent of its unfinished upload of `sha256` (0: none).
    fn received(&self, sha256: &str, device: &str) -> Result<u64, BlobStoreError>;
    /// Starts `device`'s upload of `sha256` afresh (anything it sent before is dropped).
    fn restart(&self, sha256: &str, device: &str) -> Result<(), BlobStoreError>;
    /// Appends `bytes` to `device`'s upload, which must stand at `at` bytes
    /// ([`BlobStoreError::Offset`] otherwise, with where it stands).
    fn append(
        &self,
        sha256: &str,
        device: &str,
        at: u64,
        bytes: &[u8],
    ) -> Result<(), BlobStoreError>;
    /// Up to `len` bytes of `device`'s unfinished upload from `at` (to hash what arrived
    /// before a resumed upload continues).
    fn read_partial(
        &self,
        sha256: &str,
        device: &str,
        at: u64,
        len: usize,
    ) -> Result<Vec<u8>, BlobStoreError>;
    /// Makes `device`'s finished upload the blob `meta` (durable before it returns). The caller
    /// has checked the bytes' hash and type. A blob stored already stays as it is.
    fn commit(&self, meta: &BlobMeta) -> Result<(), BlobStoreError>;
    /// Drops `device`'s unfinished upload of `sha256`.
    fn discard(&self, sha256: &str, device: &str) -> Result<(), BlobStoreError>;
    /// Up to `len` bytes of the stored blob from `at` (empty at or past the end).
    fn read(&self, sha256: &str, at: u64, len: usize) -> Result<Vec<u8>, BlobStoreError>;
    /// Removes a stored blob.
    fn delete(&self, sha256: &str) -> Result<(), BlobStoreError>;
    /// Complete blobs stored before `before_ms` whose address sorts after `after`, at most
    /// `limit`, in address order (a sweep pages through them).
    fn stored_before(
        &self,
        before_ms: i64,
        after: &str,
        limit: usize,
    ) -> Result<Vec<String>, BlobStoreError>;
    /// Drops every unfinished upload last written before `before_ms`; returns how many.
    fn sweep_partials(&self, before_ms: i64) -> Result<usize, BlobStoreError>;
    /// Adds `bytes` to what `device` sent on `day` (`YYYY-MM-DD`); returns the new total.
    fn charge(&self, device: &str, day: &str, bytes: u64) -> Result<u64, BlobStoreError>;
    /// What `device` sent on `day`.
    fn charged(&self, device: &str, day: &str) -> Result<u64, BlobStoreError>;
}
