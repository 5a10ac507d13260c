//! The sync engine: the IO around the sync core (`abjuan_shared::sync`). Per request it parses
//! the batch ([`batch`]), looks up the caller's rights once (account queries, binding new
//! actor ids), and then per dossier, holding only that dossier's lock: loads it on a cache miss
//! ([`load`]), lets the core serve each document, and queues what the core says to store (new
//! changes, a compaction with the views beside the snapshot, the index row) before releasing
//! the dossier. It answers once the store says everything is durable; refusals go to the audit
//! log and conflicting values get their authors' names after that, outside every lock.

mod batch;
mod load;
mod nodes;
mod regrade;
mod reply;
mod tails;

pub use nodes::{follow_notices, follow_reindex};
pub use regrade::{follow_calendar, follow_rules};

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use abjuan_shared::access::Rights;
use abjuan_shared::sync::{serve, AuditNote, ItemOutcome, PeerStates};
use abjuan_shared::warning::RuleSet;
use abjuan_shared::ValidateOptions;

use self::batch::{Batch, Item};
use super::wire::{DocReply, SyncReply, SyncRequest};
use crate::auth::{guard, Caller, Gate};
use crate::cache::{DossierCache, Entry, SyncStateCache};
use crate::clock::now_ms;
use crate::error::{ApiError, DocFailure};
use crate::metrics::Metrics;
use crate::rules::RuleBook;
use crate::store::{answer, IndexRow, Mark, Store, WriteOp, Written};

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

/// Who is syncing.
#[derive(Debug, Clone)]
pub enum Access {
    /// An authenticated caller (or the open demo caller), checked by the gate's policy.
    Caller(Arc<Gate>, Caller),
    /// Tests of the engine alone: every right, no account store.
    Open,
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
    /// The bureaus' rule sets (the "N" of 3+N); none: core rules only.
    pub rules: Option<Arc<RuleBook>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// What serving one request gathered on the way.
#[derive(Default)]
struct Gathered {
    replies: Vec<Option<DocReply>>,
    dossiers: BTreeMap<String, serde_json::Value>,
    notes: Vec<(String, AuditNote)>,
    pending: Vec<(String, crate::store::Answer<Written>)>,
    changes: u64,
    fallbacks: u64,
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
            rules: None,
        }
    }

    /// The same engine grading with the bureaus' rule sets in `book`.
    #[must_use]
    pub fn with_rules(mut self, book: Arc<RuleBook>) -> Self {
        self.rules = Some(book);
        self
    }

    /// The rule set dossiers of `bureau` are graded with now (none: core rules only).
    #[must_use]
    pub fn rule_set(&self, bureau: &str) -> Option<Arc<RuleSet>> {
        self.rules.as_ref().and_then(|b| b.current(bureau))
    }

    fn core_limits(&self) -> abjuan_shared::sync::Limits {
        abjuan_shared::sync::Limits {
            max_doc_bytes: self.limits.max_doc_bytes,
            compact_after: self.limits.compact_after,
        }
    }

    /// Serves one sync request from `client` (the key of its generic-protocol states).
    pub async fn sync(
        &self,
        req: &SyncRequest,
        client: &str,
        access: Access,
    ) -> Result<SyncReply, ApiError> {
        let started = Instant::now();
        let result = self.sync_inner(req, client, &access).await;
        self.metrics.sync_done(started.elapsed(), result.is_ok());
        result
    }

    async fn sync_inner(
        &self,
        req: &SyncRequest,
        client: &str,
        access: &Access,
    ) -> Result<SyncReply, ApiError> {
        let batch = Batch::parse(req, self.limits.max_docs_per_request)?;
        let ids: Vec<&str> = batch.dossiers.keys().copied().collect();
        let mut rights = look_up(access, client, &ids, &batch.actors).await?;
        let mut out = Gathered {
            replies: vec![None; req.docs.len()],
            ..Gathered::default()
        };
        let (pinned, fresh) = self.prefetch(&ids).await;
        let mut deferred: Vec<(&str, Vec<&Item<'_>>)> = Vec::new();
        let mut needed = BTreeSet::new();
        for (((id, items), pin), fresh) in batch.dossiers.iter().zip(&pinned).zip(fresh) {
            let items: Vec<&Item<'_>> = items.iter().collect();
            let mut entry = pin.lock().await;
            let (rest, actors) = self
                .serve_dossier(id, &items, client, &rights, &mut entry, fresh, &mut out)
                .await;
            if !rest.is_empty() {
                needed.extend(actors);
                deferred.push((id, rest));
            }
            let weight = entry.weight();
            drop(entry);
            self.cache.set_weight(id, weight);
        }
        if !deferred.is_empty() {
            // Changes that came by the generic protocol carried actor ids the rights did not
            // know: bind them, then serve those documents again.
            let ids: Vec<&str> = deferred.iter().map(|(id, _)| *id).collect();
            let needed: Vec<String> = needed.into_iter().collect();
            let more = look_up(access, client, &ids, &needed).await?;
            rights.actor_devices.extend(more.actor_devices);
            for (id, items) in deferred {
                let (shared, _) = self.cache.get(id);
                let mut entry = shared.lock().await;
                let (rest, _) = self
                    .serve_dossier(id, &items, client, &rights, &mut entry, true, &mut out)
                    .await;
                for it in rest {
                    out.replies[it.index] =
                        Some(reply::failed(it.wire, DocFailure::DocActorNotRegistered));
                }
                let weight = entry.weight();
                drop(entry);
                self.cache.set_weight(id, weight);
            }
        }
        drop(pinned);
        let mut failed = false;
        for (id, rx) in std::mem::take(&mut out.pending) {
            match answer(rx).await {
                Ok(written) => self.compacted(&written),
                Err(_) => {
                    self.cache.remove(&id);
                    failed = true;
                }
            }
        }
        if failed {
            return Err(ApiError::Storage);
        }
        self.metrics
            .docs(req.docs.len() as u64, out.changes, out.fallbacks);
        if let Access::Caller(gate, caller) = access {
            reply::after_commit(gate, caller, &out.notes, &mut out.dossiers).await;
        }
        Ok(SyncReply {
            docs: out.replies.into_iter().flatten().collect(),
            dossiers: out.dossiers,
        })
    }

    /// Records the generations of this node's compactions that took effect (a cached copy
    /// whose compaction's outcome was not known yet; one in use is checked again instead).
    fn compacted(&self, written: &Written) {
        for (id, vi, generation) in &written.compacted {
            let (shared, _) = self.cache.get(id);
            if let Ok(mut entry) = shared.try_lock() {
                if entry.loaded && entry.mark.generation[*vi] == Mark::UNKNOWN {
                    entry.mark.generation[*vi] = *generation;
                }
            };
        }
    }

    /// The generic-protocol states kept for `client` and a document (`key`, and its hidden
    /// stand-in's): in memory, or in a store several nodes share.
    async fn take_states(&self, client: &str, key: &str, hidden_key: &str) -> PeerStates {
        if !self.store.shared() {
            return PeerStates {
                normal: self.states.take(client, key),
                hidden: self.states.take(client, hidden_key),
            };
        }
        let normal = self.store.sync_state(client, key);
        let hidden = self.store.sync_state(client, hidden_key);
        let decode = |bytes: Result<Option<Vec<u8>>, _>| {
            bytes
                .ok()
                .flatten()
                .and_then(|b| automerge::sync::State::decode(&b).ok())
        };
        PeerStates {
            normal: decode(answer(normal).await),
            hidden: decode(answer(hidden).await),
        }
    }

    /// Serves the items of one dossier (whose entry the caller holds, checked against the
    /// store earlier in this request when `fresh`) and queues its writes. Returns the items
    /// left for after the actor ids they need are bound (the first item that needed some, and
    /// every later one of the dossier), and those actor ids.
    #[allow(clippy::too_many_arguments)]
    async fn serve_dossier<'b, 'a>(
        &self,
        id: &str,
        items: &[&'b Item<'a>],
        client: &str,
        rights: &Rights,
        entry: &mut Entry,
        fresh: bool,
        out: &mut Gathered,
    ) -> (Vec<&'b Item<'a>>, Vec<String>) {
        if let Err(e) = self.ensure_current(id, entry, fresh).await {
            for it in items {
                out.replies[it.index] = Some(reply::failed(it.wire, e));
            }
            return (Vec::new(), Vec::new());
        }
        let limits = self.core_limits();
        let mut ops = Vec::new();
        let mut changed = false;
        for (n, it) in items.iter().enumerate() {
            let request = it.request.clone();
            let key = format!("{id}/{}", request.volume.as_str());
            let hidden_key = format!("hidden/{key}");
            let states = if request.message.is_some() {
                self.take_states(client, &key, &hidden_key).await
            } else {
                PeerStates::default()
            };
            // automerge is not supposed to panic on hostile bytes (the core guards every call
            // on them); if it ever does, the dossier is dropped from memory (reloaded from the
            // store next time) and the client gets `doc_corrupt` instead of a dead connection.
            let served = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                serve(&mut entry.state, id, request, rights, states, &limits)
            }));
            let outcome: ItemOutcome = match served {
                Ok(o) => o,
                Err(_) => {
                    tracing::error!(dossier = id, "panic while syncing a document");
                    entry.reset();
                    out.replies[it.index] = Some(reply::failed(it.wire, DocFailure::DocCorrupt));
                    for later in &items[n + 1..] {
                        out.replies[later.index] =
                            Some(reply::failed(later.wire, DocFailure::DocStorage));
                    }
                    break;
                }
            };
            if !outcome.needs_actors.is_empty() {
                return (items[n..].to_vec(), outcome.needs_actors);
            }
            if outcome.reload {
                // Changes applied in place failed half-way (nothing of them was stored): the
                // dossier is loaded again from the store next time.
                tracing::warn!(
                    dossier = id,
                    "changes failed half-way; reloading the dossier"
                );
                entry.reset();
                out.notes
                    .extend(outcome.audit.iter().map(|n| (id.to_owned(), *n)));
                out.replies[it.index] = Some(reply::done(it.wire, outcome.reply));
                for later in &items[n + 1..] {
                    out.replies[later.index] =
                        Some(reply::failed(later.wire, DocFailure::DocStorage));
                }
                break;
            }
            if let Some(keep) = outcome.keep_state {
                let key = if keep.hidden { &hidden_key } else { &key };
                if self.store.shared() {
                    ops.push(WriteOp::SyncState {
                        client: client.to_owned(),
                        key: key.clone(),
                        state: keep.state.encode(),
                    });
                } else {
                    self.states.put(client, key, keep.state);
                }
            }
            out.notes
                .extend(outcome.audit.iter().map(|n| (id.to_owned(), *n)));
            let volume = it.request.volume;
            if !outcome.store.is_empty() {
                changed = true;
                out.changes += outcome.store.len() as u64;
                entry.own.extend(outcome.store.iter().map(|c| c.hash));
                ops.push(WriteOp::Append {
                    dossier: id.to_owned(),
                    volume,
                    changes: outcome.store,
                    device: rights.subject.device.clone(),
                    received_at: now_ms(),
                });
                if let Some(snapshot) = outcome.compaction {
                    ops.push(tails::compaction(id, volume, snapshot, entry));
                }
            }
            out.fallbacks += u64::from(outcome.reply.fallback);
            out.replies[it.index] = Some(reply::done(it.wire, outcome.reply));
        }
        if entry.loaded && !entry.state.is_empty() {
            // Graded with the caller's bureau's rules: a dossier is only ever written by people
            // of the bureau its station belongs to (sharing stays inside the bureau).
            let rule_set = self.rule_set(&rights.subject.bureau);
            let mut opts = ValidateOptions::new(crate::clock::now());
            opts.local_rules = rule_set.as_deref();
            let assessed = entry.state.assessed(&opts);
            if changed || entry.graded_with.as_ref() != assessed.rules.as_ref() {
                // A change, or rules that grade it differently than its index row says.
                entry.graded_with.clone_from(&assessed.rules);
                let mut row = entry
                    .state
                    .lend_json(|json| IndexRow::build(id, json, &assessed.assessment, now_ms()));
                row.based_on = Some(entry.based_on());
                ops.push(WriteOp::Index(Box::new(row)));
            }
            if let Some(v) = reply::assessment_view(id, entry, &assessed, rights) {
                out.dossiers.insert(id.to_owned(), v);
            }
        }
        if !ops.is_empty() {
            // Submitted while the dossier is held: a later load is queued behind these writes.
            out.pending.push((id.to_owned(), self.store.submit(ops)));
        }
        (Vec::new(), Vec::new())
    }
}

/// The caller's rights over `dossiers` with `actors` bound (a blocking lookup, off the async
/// threads; no IO for the demo caller and the open access of engine tests, whose uploads are
/// recorded as from `client`).
async fn look_up(
    access: &Access,
    client: &str,
    dossiers: &[&str],
    actors: &[String],
) -> Result<Rights, ApiError> {
    match access {
        Access::Open => Ok(Rights::demo(client)),
        Access::Caller(_, caller) if caller.demo => Ok(Rights::demo(&caller.device)),
        Access::Caller(gate, caller) => {
            let (gate, caller) = (gate.clone(), caller.clone());
            let dossiers: Vec<String> = dossiers.iter().map(|d| (*d).to_owned()).collect();
            let actors = actors.to_vec();
            tokio::task::spawn_blocking(move || {
                let ids: Vec<&str> = dossiers.iter().map(String::as_str).collect();
                guard::rights(&gate, &caller, &ids, &actors)
            })
            .await
            .map_err(|_| ApiError::Internal)?
            .map_err(|e| ApiError::from(&e))
        }
    }
}

#[cfg(test)]
mod tests;
