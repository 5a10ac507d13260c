//! Bringing dossiers into the cache: a miss loads the stored documents (snapshot, what was
//! stored beside it, changes after it) through the store's ordered queue, so a load sees every
//! write submitted before it. Misses of one request are loaded together.

use abjuan_shared::doc::Volume;
use abjuan_shared::sync::DossierState;

use super::Engine;
use crate::cache::{Entry, SharedEntry};
use crate::error::DocFailure;
use crate::store::{answer, Answer, StoreError, StoredDossier};

impl Engine {
    /// Makes sure `entry` holds the dossier's current state.
    pub(super) async fn ensure_loaded(
        &self,
        id: &str,
        entry: &mut Entry,
    ) -> Result<(), DocFailure> {
        if entry.loaded {
            return Ok(());
        }
        let stored = answer(self.store.load(id)).await;
        Self::fill(id, entry, stored)
    }

    /// Puts what the store answered into `entry`.
    fn fill(
        id: &str,
        entry: &mut Entry,
        stored: Result<Option<StoredDossier>, StoreError>,
    ) -> Result<(), DocFailure> {
        let stored = stored.map_err(|e| {
            tracing::error!(dossier = id, error = %e, "load failed");
            DocFailure::DocStorage
        })?;
        let mut state = DossierState::new();
        if let Some(s) = stored {
            for (volume, doc) in [(Volume::A, &s.a), (Volume::B, &s.b)] {
                let restored = state.restore(
                    volume,
                    doc.snapshot.as_deref(),
                    doc.derived.as_deref(),
                    &doc.changes,
                );
                if let Err(e) = restored {
                    tracing::error!(dossier = id, error = %e, "stored document does not load");
                    return Err(DocFailure::DocStorage);
                }
            }
        }
        entry.state = state;
        entry.assessment_json = None;
        entry.loaded = true;
        Ok(())
    }

    /// Loads every dossier of a request that is not cached with one trip to the store (the
    /// loads are grouped into one transaction), before any of the request's writes. Returns
    /// the entries, which stay pinned in the cache while the request holds them.
    pub(super) async fn prefetch(&self, ids: &[&str]) -> Vec<SharedEntry> {
        let mut pinned = Vec::with_capacity(ids.len());
        let mut loads: Vec<(&str, _, Answer<Option<StoredDossier>>)> = Vec::new();
        for id in ids {
            let (shared, hit) = self.cache.get(id);
            self.metrics.cache(hit);
            if !hit {
                if let Ok(guard) = shared.clone().try_lock_owned() {
                    if !guard.loaded {
                        loads.push((*id, guard, self.store.load(id)));
                    }
                }
            }
            pinned.push(shared);
        }
        for (id, mut guard, rx) in loads {
            // A failure is left for the request to meet again (and report) per document.
            let _ = Self::fill(id, &mut guard, answer(rx).await);
        }
        pinned
    }

    /// The cached entry of a dossier, loaded. The caller holds the returned `Arc`.
    pub async fn entry(&self, id: &str) -> Result<SharedEntry, DocFailure> {
        let (shared, hit) = self.cache.get(id);
        self.metrics.cache(hit);
        {
            let mut entry = shared.lock().await;
            self.ensure_loaded(id, &mut entry).await?;
        }
        Ok(shared)
    }
}
