//! Attachment bytes (photos of signed papers, site photos, ID-card copies), kept beside the
//! dossiers that reference them by content address (SHA-256):
//!
//! - [`store`]: the [`BlobStore`] trait (chunked reads and writes, unfinished uploads, bytes
//!   sent per device and day), [`fs`] its embedded home under the data directory, [`pg`] rows
//!   of chunks in PostgreSQL (`--database-url`: every node sees every blob);
//! - [`routes`]: `PUT /v1/blobs/{sha256}` (the hash checked, idempotent, resumable with
//!   `Content-Range`), `HEAD`, `GET` (ranges too), all streamed chunk by chunk;
//! - [`reply`]: per dossier of a sync reply, which referenced blobs the server lacks and which
//!   the phone does;
//! - [`print`]: the photos a server PDF shows, copied beside the page Chromium prints;
//! - [`sweep`]: blobs no dossier references are removed after a grace period, unfinished
//!   uploads too.
//!
//! Who may read a blob is decided by the pure access policy
//! ([`abjuan_shared::access::Rights::may_read_attachment`]): the caller must be able to read the
//! volume of some dossier that references it (the references are kept with the dossier index,
//! `store/blob_refs.rs`), or be the device that uploaded it. Anything else is answered as a
//! blob that does not exist.

pub mod client;
pub mod fs;
pub mod pg;
pub mod print;
pub mod reply;
pub mod routes;
pub mod store;
pub mod sweep;
mod upload;

#[cfg(test)]
mod store_tests;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use abjuan_shared::access::Rights;

pub use fs::FsBlobStore;
pub use pg::PgBlobStore;
pub use store::{BlobMeta, BlobStore, BlobStoreError};

use crate::auth::{guard, Caller, Gate};
use crate::error::ApiError;
use crate::store::blob_refs::{BlobRef, RefQuery};
use crate::store::Store;

/// The blob options of `abjuan serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct BlobArgs {
    /// Largest attachment, in MiB.
    #[arg(long, env = "ABJUAN_MAX_BLOB_MB", default_value_t = 10)]
    pub max_blob_mb: u64,
    /// Attachment bytes one device may send per day (China time), in MiB.
    #[arg(long, env = "ABJUAN_BLOB_MB_PER_DAY", default_value_t = 512)]
    pub blob_mb_per_day: u64,
    /// How long a blob no dossier references is kept (and an unfinished upload), in hours.
    #[arg(long, env = "ABJUAN_BLOB_GRACE_HOURS", default_value_t = 168.0)]
    pub blob_grace_hours: f64,
    /// Seconds between sweeps for unreferenced blobs.
    #[arg(long, env = "ABJUAN_BLOB_SWEEP_SECS", default_value_t = 3600)]
    pub blob_sweep_secs: u64,
}

impl Default for BlobArgs {
    fn default() -> Self {
        Self {
            max_blob_mb: 10,
            blob_mb_per_day: 512,
            blob_grace_hours: 168.0,
            blob_sweep_secs: 3600,
        }
    }
}

/// Limits on blobs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Largest blob, in bytes.
    pub max_blob_bytes: u64,
    /// Bytes one device may send per day.
    pub per_device_day: u64,
    /// How long an unreferenced blob or an unfinished upload is kept.
    pub grace: Duration,
    /// Time between sweeps.
    pub sweep_every: Duration,
    /// An upload that sends nothing for this long is cut (what arrived is kept).
    pub idle: Duration,
}

impl From<&BlobArgs> for Limits {
    fn from(a: &BlobArgs) -> Self {
        Self {
            max_blob_bytes: a.max_blob_mb.saturating_mul(1024 * 1024),
            per_device_day: a.blob_mb_per_day.saturating_mul(1024 * 1024),
            grace: Duration::from_secs_f64(a.blob_grace_hours.max(0.0) * 3600.0),
            sweep_every: Duration::from_secs(a.blob_sweep_secs.max(1)),
            idle: Duration::from_secs(30),
        }
    }
}

/// The blob service: the store, the dossier references, the limits, and which uploads are
/// running (one request at a time per device and blob).
pub struct Blobs {
    /// Where the bytes are.
    pub store: Arc<dyn BlobStore>,
    /// The dossier store (its references).
    pub refs: Arc<dyn Store>,
    /// Limits.
    pub limits: Limits,
    running: Mutex<HashSet<(String, String)>>,
}

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blobs")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// Runs a blocking store call off the async threads; a failure is logged and answered as
/// `storage`.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, BlobStoreError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "blob store failed");
            Err(ApiError::Storage)
        }
        Err(_) => Err(ApiError::Internal),
    }
}

/// The day an upload counts against (China time: one zone for the whole country).
#[must_use]
pub fn today() -> String {
    let now = chrono::Utc::now();
    match chrono::FixedOffset::east_opt(8 * 3600) {
        Some(china) => now.with_timezone(&china).format("%Y-%m-%d").to_string(),
        None => now.format("%Y-%m-%d").to_string(),
    }
}

/// Holds one running upload of a blob by a device; dropping it lets the next one run.
pub(crate) struct Running<'a> {
    blobs: &'a Blobs,
    key: (String, String),
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if let Ok(mut set) = self.blobs.running.lock() {
            set.remove(&self.key);
        }
    }
}

impl Blobs {
    /// The service over `store`, deciding readers from `refs`.
    #[must_use]
    pub fn new(store: Arc<dyn BlobStore>, refs: Arc<dyn Store>, limits: Limits) -> Self {
        Self {
            store,
            refs,
            limits,
            running: Mutex::new(HashSet::new()),
        }
    }

    /// Marks `device`'s upload of `sha256` running, unless one is already.
    pub(crate) fn start(&self, sha256: &str, device: &str) -> Option<Running<'_>> {
        let key = (sha256.to_owned(), device.to_owned());
        let mut set = self.running.lock().ok()?;
        set.insert(key.clone())
            .then_some(Running { blobs: self, key })
    }

    /// The references of `q` (blocking).
    pub(crate) async fn references(&self, q: RefQuery) -> Result<Vec<BlobRef>, ApiError> {
        let refs = self.refs.clone();
        match tokio::task::spawn_blocking(move || refs.blob_refs(&q)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "blob references failed");
                Err(ApiError::Storage)
            }
            Err(_) => Err(ApiError::Internal),
        }
    }

    /// Whether `caller` may read the stored blob `meta`: they uploaded it, or they may read
    /// the volume of some dossier that references it. A refusal of a referenced blob is
    /// recorded as an access denial.
    pub(crate) async fn may_read(
        &self,
        gate: &Arc<Gate>,
        caller: &Caller,
        meta: &BlobMeta,
    ) -> Result<bool, ApiError> {
        if meta.device == caller.device && !caller.demo {
            return Ok(true);
        }
        let holders = self
            .references(RefQuery::Blobs(vec![meta.sha256.clone()]))
            .await?;
        if holders.is_empty() {
            return Ok(caller.demo);
        }
        let rights = rights_over(gate, caller, &holders).await?;
        let ok = rights.may_read_attachment(holders.iter().map(|h| {
            (
                h.dossier.as_str(),
                Some(h.station.as_str()).filter(|s| !s.is_empty()),
                h.volume,
            )
        }));
        if !ok {
            let (gate, caller, sha) = (gate.clone(), caller.clone(), meta.sha256.clone());
            let _ = tokio::task::spawn_blocking(move || gate.denied(&caller, &sha, "blob")).await;
        }
        Ok(ok)
    }
}

/// The caller's rights over the dossiers of `holders` (account lookups, blocking thread).
pub(crate) async fn rights_over(
    gate: &Arc<Gate>,
    caller: &Caller,
    holders: &[BlobRef],
) -> Result<Rights, ApiError> {
    let mut ids: Vec<String> = holders.iter().map(|h| h.dossier.clone()).collect();
    ids.sort_unstable();
    ids.dedup();
    let (gate, caller) = (gate.clone(), caller.clone());
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        guard::rights(&gate, &caller, &refs, &[])
    })
    .await
    .map_err(|_| ApiError::Internal)?
    .map_err(|e| ApiError::from(&e))
}
