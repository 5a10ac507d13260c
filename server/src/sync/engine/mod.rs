//! The sync engine: takes a batch of documents from one client, merges each into the cached
//! dossier (loaded from the store on a miss), queues the new changes, the dossier's index row
//! and any compaction for the store while still holding the dossier, and answers once the store
//! says everything is durable.
//!
//! Fast path: the phone names the server heads it last saw and sends its changes since; the
//! reply carries the changes it lacks. When the server does not know one of those heads, the
//! document switches to automerge's generic sync protocol (a state per client and document).

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use abjuan_shared::doc::{conflicts, Assessment, DossierDocs, Volume};
use abjuan_shared::validate::validate_value;
use abjuan_shared::ValidateOptions;
use automerge::{Automerge, ChangeHash};
use serde_json::Value;

use super::wire::{DocReply, DocRequest, SyncReply, SyncRequest, WireError};
use crate::auth::SyncGuard;
use crate::cache::{DossierCache, Entry, SharedEntry, SyncStateCache};
use crate::error::{ApiError, DocFailure, ErrorBody};
use crate::metrics::Metrics;
use crate::store::{IndexRow, Store, StoredDoc, WriteOp};

mod checks;
mod doc;

use checks::is_linear;

/// Limits the engine enforces.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most documents in one request.
    pub max_docs_per_request: usize,
    /// Largest stored size of one document, in bytes.
    pub max_doc_bytes: usize,
    /// Compact a document once this many changes are stored after its snapshot.
    pub compact_after: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_docs_per_request: 2000,
            max_doc_bytes: 16 * 1024 * 1024,
            compact_after: 200,
        }
    }
}

/// The server's state: the store, the document cache and the sync states.
pub struct Engine {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The document cache.
    pub cache: DossierCache,
    states: SyncStateCache,
    /// Limits.
    pub limits: Limits,
    /// Metrics.
    pub metrics: Metrics,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn volume_index(v: Volume) -> usize {
    match v {
        Volume::A => 0,
        Volume::B => 1,
    }
}

fn heads_hex(doc: &Automerge) -> Vec<String> {
    doc.get_heads().iter().map(ToString::to_string).collect()
}

fn fail(dossier: &str, volume: &str, e: DocFailure) -> DocReply {
    DocReply {
        dossier: dossier.to_owned(),
        volume: volume.to_owned(),
        ok: false,
        error: Some(WireError::from(ErrorBody::from(e))),
        ..DocReply::default()
    }
}

/// A validated request item.
struct Item<'a> {
    index: usize,
    req: &'a DocRequest,
    volume: Volume,
    heads: Vec<ChangeHash>,
}

fn load_stored(d: &StoredDoc) -> Result<Automerge, automerge::AutomergeError> {
    let mut doc = match &d.snapshot {
        Some(s) => Automerge::load(s)?,
        None => Automerge::new(),
    };
    for c in &d.changes {
        doc.load_incremental(c)?;
    }
    Ok(doc)
}

impl Engine {
    /// A new engine over `store` with a document cache of `cache_bytes`.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, cache_bytes: usize, limits: Limits) -> Self {
        Self {
            store,
            cache: DossierCache::new(cache_bytes),
            states: SyncStateCache::new(100_000),
            limits,
            metrics: Metrics::default(),
        }
    }

    /// Makes sure `entry` holds the dossier's current documents.
    async fn ensure_loaded(&self, id: &str, entry: &mut Entry) -> Result<(), DocFailure> {
        if entry.loaded {
            return Ok(());
        }
        let stored = self.store.load(id).await;
        Self::fill(id, entry, stored)
    }

    /// Puts what the store answered into `entry`.
    fn fill(
        id: &str,
        entry: &mut Entry,
        stored: Result<
            Result<Option<crate::store::StoredDossier>, String>,
            tokio::sync::oneshot::error::RecvError,
        >,
    ) -> Result<(), DocFailure> {
        let stored = stored.map_err(|_| DocFailure::DocStorage)?.map_err(|e| {
            tracing::error!(dossier = id, error = %e, "load failed");
            DocFailure::DocStorage
        })?;
        entry.stored_bytes = [0, 0];
        entry.since_snapshot = [0, 0];
        let docs = match stored {
            None => DossierDocs {
                a: Automerge::new(),
                b: Automerge::new(),
            },
            Some(s) => {
                let size = |d: &StoredDoc| {
                    d.snapshot.as_ref().map_or(0, Vec::len)
                        + d.changes.iter().map(Vec::len).sum::<usize>()
                };
                entry.stored_bytes = [size(&s.a), size(&s.b)];
                entry.since_snapshot = [s.a.changes.len(), s.b.changes.len()];
                let (a, b) = (load_stored(&s.a), load_stored(&s.b));
                match (a, b) {
                    (Ok(a), Ok(b)) => DossierDocs { a, b },
                    _ => {
                        tracing::error!(dossier = id, "stored document does not load");
                        return Err(DocFailure::DocStorage);
                    }
                }
            }
        };
        entry.linear = [is_linear(&docs.a), is_linear(&docs.b)];
        entry.docs = Some(docs);
        entry.loaded = true;
        Ok(())
    }

    /// Loads every dossier of a request that is not cached with one trip to the store (the
    /// loads are grouped into one transaction), before any of the request's writes. Returns
    /// the entries, which stay pinned in the cache while the request holds them.
    async fn prefetch(&self, ids: &[&str]) -> Vec<SharedEntry> {
        let mut pinned = Vec::with_capacity(ids.len());
        let mut loads = Vec::new();
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
            let stored = rx.await;
            // A failure is left for the request to meet again (and report) per document.
            let _ = Self::fill(id, &mut guard, stored);
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

    /// Serves one sync request from `client` (the key of its sync states). `guard`, when
    /// given, authorises every document for the caller (read before, write after applying on
    /// a copy), records the caller's device as the uploader and redacts the per-dossier
    /// assessments of the reply; `None` is for tests of the engine alone.
    pub async fn sync(
        &self,
        req: &SyncRequest,
        client: &str,
        guard: Option<SyncGuard<'_>>,
    ) -> Result<SyncReply, ApiError> {
        let started = Instant::now();
        let result = self.sync_inner(req, client, guard).await;
        self.metrics.sync_done(started.elapsed(), result.is_ok());
        result
    }

    async fn sync_inner(
        &self,
        req: &SyncRequest,
        client: &str,
        guard: Option<SyncGuard<'_>>,
    ) -> Result<SyncReply, ApiError> {
        if req.docs.len() > self.limits.max_docs_per_request {
            return Err(ApiError::TooManyDocs);
        }
        // Validate everything first: a malformed request changes nothing.
        let mut by_dossier: BTreeMap<&str, Vec<Item<'_>>> = BTreeMap::new();
        for (index, d) in req.docs.iter().enumerate() {
            if uuid::Uuid::parse_str(&d.dossier).is_err() || d.dossier.len() != 36 {
                return Err(ApiError::InvalidDossierId);
            }
            let volume = match d.volume.as_str() {
                "a" => Volume::A,
                "b" => Volume::B,
                _ => return Err(ApiError::BodyInvalid),
            };
            let heads = d
                .heads
                .iter()
                .map(|h| ChangeHash::from_str(h).map_err(|_| ApiError::InvalidHeads))
                .collect::<Result<Vec<_>, _>>()?;
            by_dossier.entry(&d.dossier).or_default().push(Item {
                index,
                req: d,
                volume,
                heads,
            });
        }
        // Volume A first: what B may do depends on the dossier's station in A.
        for items in by_dossier.values_mut() {
            items.sort_by_key(|it| volume_index(it.volume));
        }
        let mut replies: Vec<Option<DocReply>> = vec![None; req.docs.len()];
        let mut dossiers = BTreeMap::new();
        let mut pending = Vec::new();
        let (mut n_changes, mut n_fallbacks) = (0u64, 0u64);
        let ids: Vec<&str> = by_dossier.keys().copied().collect();
        let pinned = self.prefetch(&ids).await;
        for ((id, items), pin) in by_dossier.into_iter().zip(pinned) {
            let loaded = {
                let mut entry = pin.lock().await;
                self.ensure_loaded(id, &mut entry).await
            };
            let shared = match loaded.map(|()| pin) {
                Ok(s) => s,
                Err(e) => {
                    for it in items {
                        replies[it.index] = Some(fail(id, &it.req.volume, e));
                    }
                    continue;
                }
            };
            let mut entry = shared.lock().await;
            let mut ops = Vec::new();
            let mut changed = false;
            for it in &items {
                // automerge is not supposed to panic on hostile bytes; if it ever does, the
                // dossier is dropped from memory (reloaded from the store next time) and the
                // client gets `doc_corrupt` instead of a dead connection.
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.sync_doc(id, it, client, guard, &mut entry, &mut ops)
                }));
                let reply = result.unwrap_or_else(|_| {
                    tracing::error!(dossier = id, "panic while syncing a document");
                    entry.loaded = false;
                    entry.docs = None;
                    entry.assessment = None;
                    fail(id, &it.req.volume, DocFailure::DocCorrupt)
                });
                if reply.ok {
                    n_changes += reply.applied as u64;
                    n_fallbacks += u64::from(reply.fallback);
                    changed |= reply.applied > 0;
                }
                replies[it.index] = Some(reply);
            }
            if changed {
                entry.assessment = None;
            }
            let exists = entry
                .docs
                .as_ref()
                .is_some_and(|d| !d.a.get_heads().is_empty() || !d.b.get_heads().is_empty());
            if exists {
                match self.assessment(id, &mut entry, changed, &mut ops) {
                    Some(a) => match (guard, entry.docs.as_ref()) {
                        (None, _) => {
                            dossiers.insert(id.to_owned(), (*a).clone());
                        }
                        (Some(g), Some(docs)) => {
                            if let Some(v) = g.assessment(id, docs, &a) {
                                dossiers.insert(id.to_owned(), v);
                            }
                        }
                        (Some(_), None) => {}
                    },
                    None => tracing::warn!(dossier = id, "dossier could not be assessed"),
                }
            }
            if !ops.is_empty() {
                pending.push((id.to_owned(), self.store.submit(ops)));
            }
            let weight = entry.weight();
            drop(entry);
            drop(shared);
            self.cache.set_weight(id, weight);
        }
        let mut failed = false;
        for (id, rx) in pending {
            let ok = matches!(rx.await, Ok(Ok(())));
            if !ok {
                self.cache.remove(&id);
                failed = true;
            }
        }
        if failed {
            return Err(ApiError::Storage);
        }
        self.metrics
            .docs(req.docs.len() as u64, n_changes, n_fallbacks);
        Ok(SyncReply {
            docs: replies.into_iter().flatten().collect(),
            dossiers,
        })
    }

    /// The dossier's assessment (cached until the next change); queues its index row when
    /// `changed`.
    fn assessment(
        &self,
        id: &str,
        entry: &mut Entry,
        changed: bool,
        ops: &mut Vec<WriteOp>,
    ) -> Option<Arc<Value>> {
        if !changed {
            if let Some(a) = &entry.assessment {
                return Some(a.clone());
            }
        }
        let docs = entry.docs.as_ref()?;
        let now = chrono::Utc::now().fixed_offset();
        // What `abjuan_shared::doc::assess` does, reading the documents into JSON only once
        // (the index row needs that JSON too).
        let json = docs.to_json().ok()?;
        let opts = ValidateOptions::new(now);
        let (report, dossier) = validate_value(&json, &opts);
        let grade = dossier.as_ref().map(|d| abjuan_shared::grade(d, None));
        let mut found = Vec::new();
        if !entry.linear[0] {
            found = conflicts(&docs.a, Volume::A).ok()?;
        }
        if !entry.linear[1] {
            found.extend(conflicts(&docs.b, Volume::B).ok()?);
        }
        let assessment = Assessment {
            dossier: None,
            report,
            grade,
            conflicts: found,
        };
        if changed {
            ops.push(WriteOp::Index(Box::new(IndexRow::build(
                id,
                &json,
                &assessment,
                now_ms(),
            ))));
        }
        let value = Arc::new(serde_json::to_value(&assessment).ok()?);
        entry.assessment = Some(value.clone());
        Some(value)
    }
}
