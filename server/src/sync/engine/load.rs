//! Bringing dossiers into the cache and keeping them current: a miss loads the stored
//! documents (snapshot, what was stored beside it, changes after it) through the store's
//! ordered queue, so a load sees every write submitted before it. Misses of one request are
//! loaded together. Over a store several nodes share, a cached dossier is also checked before
//! it answers ([`crate::store::Store::since`], through the same queue): changes another node
//! stored since are applied like any others, and a document another node compacted is loaded
//! again.

use abjuan_shared::doc::sync::parse_changes;
use abjuan_shared::doc::{DocError, Volume};
use abjuan_shared::sync::DossierState;

use super::Engine;
use crate::cache::{Entry, SharedEntry};
use crate::error::DocFailure;
use crate::store::{answer, Answer, Since, StoreError, StoredDossier};

/// Applies change rows another node stored to one document of `state`.
fn apply_stored(
    state: &mut DossierState,
    id: &str,
    volume: Volume,
    rows: &[Vec<u8>],
) -> Result<(), DocError> {
    if rows.is_empty() {
        return Ok(());
    }
    let parsed = parse_changes(rows)?;
    let trial = state.try_changes(volume, id, parsed.clone())?;
    state.commit(trial, &parsed)?;
    Ok(())
}

impl Engine {
    /// Makes sure `entry` holds the dossier's current state: loaded when it is not, and, over
    /// a store several nodes share, caught up unless `fresh` (checked earlier in this request).
    pub(super) async fn ensure_current(
        &self,
        id: &str,
        entry: &mut Entry,
        fresh: bool,
    ) -> Result<(), DocFailure> {
        if !entry.loaded {
            let stored = answer(self.store.load(id)).await;
            return Self::fill(id, entry, stored);
        }
        if fresh || !self.store.shared() {
            return Ok(());
        }
        let since = answer(self.store.since(vec![(id.to_owned(), entry.mark)])).await;
        let since = since.map(|mut s| s.pop().unwrap_or(Since::Reload));
        self.catch_up(id, entry, since).await
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
        let mut mark = crate::store::Mark::default();
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
            mark = s.mark;
        }
        entry.state = state;
        entry.assessment_json = None;
        entry.loaded = true;
        entry.mark = mark;
        entry.own.clear();
        Ok(())
    }

    /// Applies what [`crate::store::Store::since`] answered for a loaded `entry`.
    async fn catch_up(
        &self,
        id: &str,
        entry: &mut Entry,
        since: Result<Since, StoreError>,
    ) -> Result<(), DocFailure> {
        match since {
            Err(e) => {
                tracing::error!(dossier = id, error = %e, "catching up failed");
                Err(DocFailure::DocStorage)
            }
            Ok(Since::Current) => {
                entry.own.clear();
                Ok(())
            }
            Ok(Since::Changes { a, b, mark }) => {
                for (volume, rows) in [(Volume::A, &a), (Volume::B, &b)] {
                    if let Err(e) = apply_stored(&mut entry.state, id, volume, rows) {
                        tracing::error!(dossier = id, error = %e, "stored changes do not apply");
                        entry.reset();
                        return Err(DocFailure::DocStorage);
                    }
                }
                entry.assessment_json = None;
                entry.mark = mark;
                entry.own.clear();
                self.metrics.caught_up(a.len() + b.len());
                Ok(())
            }
            Ok(Since::Reload) => {
                self.metrics.caught_up(0);
                let stored = answer(self.store.load(id)).await;
                Self::fill(id, entry, stored)
            }
        }
    }

    /// Loads every dossier of a request that is not cached with one trip to the store (the
    /// loads are grouped into one transaction), before any of the request's writes; over a
    /// store several nodes share, checks the cached ones with one more. Returns the entries,
    /// which stay pinned in the cache while the request holds them, and whether each was
    /// brought up to date here (an entry another request held is checked when served).
    pub(super) async fn prefetch(&self, ids: &[&str]) -> (Vec<SharedEntry>, Vec<bool>) {
        let mut pinned = Vec::with_capacity(ids.len());
        let mut fresh = vec![false; ids.len()];
        let mut loads: Vec<(&str, _, Answer<Option<StoredDossier>>)> = Vec::new();
        let mut checks = Vec::new();
        let shared_store = self.store.shared();
        for (i, id) in ids.iter().enumerate() {
            let (shared, hit) = self.cache.get(id);
            self.metrics.cache(hit);
            if let Ok(guard) = shared.clone().try_lock_owned() {
                fresh[i] = true;
                if !guard.loaded {
                    loads.push((*id, guard, self.store.load(id)));
                } else if shared_store {
                    checks.push((*id, guard));
                }
            }
            pinned.push(shared);
        }
        let asked = (!checks.is_empty()).then(|| {
            self.store.since(
                checks
                    .iter()
                    .map(|(id, g)| ((*id).to_owned(), g.mark))
                    .collect(),
            )
        });
        for (id, mut guard, rx) in loads {
            // A failure is left for the request to meet again (and report) per document.
            let _ = Self::fill(id, &mut guard, answer(rx).await);
        }
        if let Some(rx) = asked {
            let answers = answer(rx).await;
            for (n, (id, mut guard)) in checks.into_iter().enumerate() {
                let since = match &answers {
                    Ok(all) => Ok(all.get(n).cloned().unwrap_or(Since::Reload)),
                    Err(e) => Err(e.clone()),
                };
                if self.catch_up(id, &mut guard, since).await.is_err() {
                    let i = ids.iter().position(|x| *x == id).unwrap_or(0);
                    fresh[i] = false;
                }
            }
        }
        (pinned, fresh)
    }

    /// The cached entry of a dossier, loaded and current. The caller holds the returned `Arc`.
    pub async fn entry(&self, id: &str) -> Result<SharedEntry, DocFailure> {
        let (shared, hit) = self.cache.get(id);
        self.metrics.cache(hit);
        {
            let mut entry = shared.lock().await;
            self.ensure_current(id, &mut entry, false).await?;
        }
        Ok(shared)
    }
}
