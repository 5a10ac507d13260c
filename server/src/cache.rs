//! The bounded document cache: dossiers in memory, least recently used evicted first, bounded
//! by an estimate of their memory (bytes), so the server's memory stays flat however many
//! dossiers are on disk.
//!
//! Each dossier has at most one live entry: an entry in use (someone holds its `Arc`) is never
//! evicted, and a new entry is loaded through the store's ordered queue, so it sees every write
//! submitted by the entry it replaces. That is what makes compaction safe.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use abjuan_shared::sync::{Assessed, DossierState};
use lru::LruCache;

/// How many times its stored size a document takes in memory (an estimate).
pub const MEMORY_FACTOR: usize = 16;
/// Fixed overhead per cached dossier, in bytes: two automerge documents with their column
/// indexes, the cached assessment and allocator slack. Measured with `abjuan-load`: resident
/// memory grew by about 240 KiB per small dossier held (PERFORMANCE.md).
pub const ENTRY_OVERHEAD: usize = 200 * 1024;

/// One dossier in memory.
#[derive(Debug, Default)]
pub struct Entry {
    /// Whether the store has been read (the state below is current).
    pub loaded: bool,
    /// The dossier (empty documents for a dossier the server has never seen).
    pub state: DossierState,
    /// The last assessment as JSON (`{report, grade, conflicts}`), with the assessment it was
    /// made from: made again only when that changes.
    pub assessment_json: Option<(Arc<Assessed>, Arc<serde_json::Value>)>,
    /// The rule set the dossier's index row was graded with, as far as this entry knows
    /// (written again when the rules that grade it now differ).
    pub graded_with: Option<abjuan_shared::warning::RuleSetId>,
    /// Where this copy stands against a store several nodes share (checked before it
    /// answers; zero with a store this process owns).
    pub mark: crate::store::Mark,
    /// Hashes of the changes this node stored for the dossier since `mark` was read.
    pub own: Vec<[u8; 32]>,
}

impl Entry {
    /// The stored change sequence this copy reflects: the mark's, plus this node's own
    /// changes since (what an index row made from it is based on).
    #[must_use]
    pub fn based_on(&self) -> i64 {
        self.mark.seq + i64::try_from(self.own.len()).unwrap_or(i64::MAX / 2)
    }

    /// The memory estimate used as the cache weight.
    #[must_use]
    pub fn weight(&self) -> usize {
        let [a, b] = self.state.stored;
        (a.bytes + b.bytes) * MEMORY_FACTOR + ENTRY_OVERHEAD
    }

    /// Forgets everything (the next use reloads from the store).
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// A shared, lockable entry.
pub type SharedEntry = Arc<tokio::sync::Mutex<Entry>>;

#[derive(Debug)]
struct Slot {
    entry: SharedEntry,
    weight: usize,
}

#[derive(Debug)]
struct Inner {
    lru: LruCache<String, Slot>,
    total: usize,
}

/// The cache.
#[derive(Debug)]
pub struct DossierCache {
    inner: Mutex<Inner>,
    budget: usize,
}

impl DossierCache {
    /// A cache holding about `budget` bytes.
    #[must_use]
    pub fn new(budget: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                lru: LruCache::unbounded(),
                total: 0,
            }),
            budget,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means a panic elsewhere; the map itself is still consistent.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The entry of `id`, made (not yet loaded) when absent. The bool says whether it was
    /// already there.
    pub fn get(&self, id: &str) -> (SharedEntry, bool) {
        let mut inner = self.lock();
        if let Some(slot) = inner.lru.get(id) {
            return (slot.entry.clone(), true);
        }
        let entry = SharedEntry::default();
        inner.lru.put(
            id.to_owned(),
            Slot {
                entry: entry.clone(),
                weight: ENTRY_OVERHEAD,
            },
        );
        inner.total += ENTRY_OVERHEAD;
        (entry, false)
    }

    /// The entry of `id` if it is cached (not made, not counted as used).
    pub fn peek(&self, id: &str) -> Option<SharedEntry> {
        self.lock().lru.peek(id).map(|slot| slot.entry.clone())
    }

    /// Records the new weight of `id` and evicts unused entries while over budget.
    pub fn set_weight(&self, id: &str, weight: usize) {
        let mut inner = self.lock();
        let Inner { lru, total } = &mut *inner;
        if let Some(slot) = lru.peek_mut(id) {
            *total = total.saturating_sub(slot.weight) + weight;
            slot.weight = weight;
        }
        let mut tries = lru.len();
        while *total > self.budget && tries > 0 {
            tries -= 1;
            let Some((key, slot)) = lru.pop_lru() else {
                break;
            };
            if Arc::strong_count(&slot.entry) > 1 {
                lru.put(key, slot);
            } else {
                *total = total.saturating_sub(slot.weight);
            }
        }
    }

    /// Drops `id` (after a failed write, so the next use reloads what is durable).
    pub fn remove(&self, id: &str) {
        let mut inner = self.lock();
        if let Some(slot) = inner.lru.pop(id) {
            inner.total = inner.total.saturating_sub(slot.weight);
        }
    }

    /// Drops `id` unless someone else holds its entry (a background job that loaded it only
    /// for itself).
    pub fn remove_unused(&self, id: &str) {
        let mut inner = self.lock();
        let unused = inner
            .lru
            .peek(id)
            .is_some_and(|slot| Arc::strong_count(&slot.entry) == 1);
        if unused {
            if let Some(slot) = inner.lru.pop(id) {
                inner.total = inner.total.saturating_sub(slot.weight);
            }
        }
    }

    /// The ids of the dossiers cached, most recently used first.
    pub fn ids(&self) -> Vec<String> {
        self.lock().lru.iter().map(|(id, _)| id.clone()).collect()
    }

    /// `(dossiers cached, estimated bytes)`.
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.lru.len(), inner.total)
    }
}

/// A bounded LRU of automerge sync states per (client, document), for the generic protocol.
#[derive(Debug)]
pub struct SyncStateCache {
    inner: Mutex<LruCache<(String, String), automerge::sync::State>>,
}

impl SyncStateCache {
    /// Keeps at most `cap` states.
    #[must_use]
    pub fn new(cap: usize) -> Self {
        Self {
            inner: Mutex::new(LruCache::new(
                NonZeroUsize::new(cap.max(1)).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    /// Takes the state, if kept; put it back with [`Self::put`].
    pub fn take(&self, client: &str, doc: &str) -> Option<automerge::sync::State> {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.pop(&(client.to_owned(), doc.to_owned()))
    }

    /// Keeps the state.
    pub fn put(&self, client: &str, doc: &str, state: automerge::sync::State) {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.put((client.to_owned(), doc.to_owned()), state);
    }
}
