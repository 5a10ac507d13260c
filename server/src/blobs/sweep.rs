//! Removing what no dossier needs: a blob that no dossier references, once it is older than
//! the grace period, and unfinished uploads nobody continued within it.
//!
//! The grace period covers a phone that uploads a photo before the dossier change that
//! references it reaches the server (both happen when it is online, usually seconds apart;
//! the default week covers a sync refused for a while). A reference that arrives after its
//! blob was swept is not lost: the next sync reply names it in `serverLacks`, and a phone that
//! still holds the bytes uploads them again.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{blocking, Blobs};
use crate::error::ApiError;
use crate::store::blob_refs::RefQuery;

/// Addresses looked at per round trip to the stores.
const PAGE: usize = 500;

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Blobs no dossier referenced.
    pub blobs: usize,
    /// Unfinished uploads.
    pub partials: usize,
}

/// One sweep, with "now" given.
pub async fn sweep_at(blobs: &Blobs, now_ms: i64) -> Result<Swept, ApiError> {
    let grace = i64::try_from(blobs.limits.grace.as_millis()).unwrap_or(i64::MAX);
    let cutoff = now_ms.saturating_sub(grace);
    let mut out = Swept::default();
    let mut after = String::new();
    loop {
        let page = {
            let (store, after) = (blobs.store.clone(), after.clone());
            blocking(move || store.stored_before(cutoff, &after, PAGE)).await?
        };
        let Some(last) = page.last().cloned() else {
            break;
        };
        let held: BTreeSet<String> = blobs
            .references(RefQuery::Blobs(page.clone()))
            .await?
            .into_iter()
            .map(|r| r.sha256)
            .collect();
        for sha in page.into_iter().filter(|s| !held.contains(s)) {
            let store = blobs.store.clone();
            blocking(move || store.delete(&sha)).await?;
            out.blobs += 1;
        }
        after = last;
    }
    let store = blobs.store.clone();
    out.partials = blocking(move || store.sweep_partials(cutoff)).await?;
    Ok(out)
}

/// Sweeps every `limits.sweep_every`, for as long as the server runs.
pub async fn run(blobs: Arc<Blobs>) {
    let mut tick = tokio::time::interval(blobs.limits.sweep_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match sweep_at(&blobs, crate::clock::now_ms()).await {
            Ok(s) if s.blobs > 0 || s.partials > 0 => {
                tracing::info!(
                    blobs = s.blobs,
                    partials = s.partials,
                    "removed attachments no dossier references"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(code = e.code(), "attachment sweep failed; next time"),
        }
    }
}
