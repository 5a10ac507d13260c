//! Compactions: the write that folds a document's stored changes into a snapshot (with the
//! views beside it), and, when `abjuan serve` is told to stop, the change tails of the
//! dossiers cached here folded before the process ends ([`Engine::compact_tails`]), so that
//! the next start (this node's or another's) loads them from a snapshot instead of applying
//! their changes one by one. A node that dies without that loses nothing: its dossiers load
//! from the snapshot and the changes after it, as always.

use std::time::Instant;

use abjuan_shared::doc::Volume;

use super::Engine;
use crate::cache::Entry;
use crate::store::{answer, Covers, Mark, WriteOp};

/// The write that replaces document `volume`'s stored changes by `snapshot` (the snapshot and
/// what goes beside it), covering what `entry` knows the store holds.
pub(super) fn compaction(
    id: &str,
    volume: Volume,
    (snapshot, derived): (Vec<u8>, Vec<u8>),
    entry: &mut Entry,
) -> WriteOp {
    let vi = volume.index();
    let op = WriteOp::Compact {
        dossier: id.to_owned(),
        volume,
        snapshot,
        derived,
        covers: Covers {
            generation: entry.mark.generation[vi],
            through: entry.mark.seq,
            own: entry.own.clone(),
        },
    };
    // Known once the store answers (a shared store may find that another node compacted
    // first; then this copy is loaded again).
    entry.mark.generation[vi] = Mark::UNKNOWN;
    op
}

impl Engine {
    /// Folds into snapshots the documents cached here with at least `min_tail` changes stored
    /// after their snapshot, longest tails first, until `deadline`; dossiers in use are left
    /// alone. Returns how many documents were compacted.
    pub async fn compact_tails(&self, min_tail: usize, deadline: Instant) -> usize {
        let min_tail = min_tail.max(1);
        let mut tails: Vec<(usize, String)> = Vec::new();
        for id in self.cache.ids() {
            let Some(shared) = self.cache.peek(&id) else {
                continue;
            };
            let Ok(entry) = shared.try_lock() else {
                continue;
            };
            let [a, b] = entry.state.stored;
            let tail = a.since_snapshot.max(b.since_snapshot);
            if entry.loaded && tail >= min_tail {
                tails.push((tail, id));
            }
        }
        tails.sort_unstable_by(|x, y| y.cmp(x));
        let mut done = 0;
        for (_, id) in tails {
            if Instant::now() >= deadline {
                break;
            }
            let Some(shared) = self.cache.peek(&id) else {
                continue;
            };
            let rx = {
                let Ok(mut entry) = shared.try_lock() else {
                    continue;
                };
                if self.ensure_current(&id, &mut entry, false).await.is_err() {
                    continue;
                }
                let mut ops = Vec::new();
                for volume in [Volume::A, Volume::B] {
                    if entry.state.stored[volume.index()].since_snapshot < min_tail {
                        continue;
                    }
                    if let Some(snapshot) = entry.state.snapshot(volume) {
                        ops.push(compaction(&id, volume, snapshot, &mut entry));
                    }
                }
                if ops.is_empty() {
                    continue;
                }
                done += ops.len();
                self.store.submit(ops)
            };
            match answer(rx).await {
                Ok(written) => self.compacted(&written),
                Err(_) => self.cache.remove(&id),
            }
        }
        done
    }
}
