//! One document of a batch: merge its changes (fast path or the generic protocol), check them
//! against the guard, and queue what the store must keep.

use abjuan_shared::doc::sync::DocSync;
use abjuan_shared::doc::{DocError, DossierDocs, Volume};
use automerge::{Automerge, ChangeHash, ReadDoc};

use super::checks::{claims_only, id_claim, still_linear, IdClaim};
use super::{fail, heads_hex, now_ms, volume_index, Engine, Item};
use crate::auth::{Refusal, SyncGuard};
use crate::cache::Entry;
use crate::error::DocFailure;
use crate::store::{NewChange, WriteOp};
use crate::sync::wire::{Bytes, DocReply};

impl Engine {
    /// Syncs one document; queues its new changes (and a compaction when due) into `ops`.
    pub(super) fn sync_doc(
        &self,
        id: &str,
        it: &Item<'_>,
        client: &str,
        guard: Option<SyncGuard<'_>>,
        entry: &mut Entry,
        ops: &mut Vec<WriteOp>,
    ) -> DocReply {
        let vi = volume_index(it.volume);
        let Some(docs) = entry.docs.as_ref() else {
            return fail(id, &it.req.volume, DocFailure::DocStorage);
        };
        if let Some(g) = guard {
            match g.may_sync(id, it.volume, docs) {
                Ok(()) => {}
                Err(Refusal::Hidden) => {
                    g.record(id, it.volume, Refusal::Hidden);
                    return self.sync_hidden(id, it, client, g);
                }
                Err(r) => {
                    g.record(id, it.volume, r);
                    return fail(id, &it.req.volume, DocFailure::from(r));
                }
            }
        }
        let incoming: usize = it.req.changes.iter().map(|c| c.0.len()).sum::<usize>()
            + it.req.sync.as_ref().map_or(0, |s| s.0.len());
        if entry.stored_bytes[vi] + incoming > self.limits.max_doc_bytes {
            return fail(id, &it.req.volume, DocFailure::DocTooLarge);
        }
        let Some(docs) = entry.docs.as_mut() else {
            return fail(id, &it.req.volume, DocFailure::DocStorage);
        };
        // The uploader recorded with each change: the caller's device (or the named client).
        let device = guard.map_or(client, |g| g.caller.device.as_str());
        let before = docs.doc(it.volume).get_heads();
        let state_key = format!("{id}/{}", it.volume.as_str());
        let mut reply = DocReply {
            dossier: id.to_owned(),
            volume: it.req.volume.clone(),
            ok: true,
            ..DocReply::default()
        };
        let mut failure = None;
        if let Some(message) = &it.req.sync {
            // The generic protocol: the phone answers our last sync message.
            let mut state = self.states.take(client, &state_key);
            let mut trial = docs.doc(it.volume).fork();
            if let Err(e) = trial.receive(&mut state, &message.0) {
                return fail(id, &it.req.volume, DocFailure::from(&e));
            }
            if let Err(f) = vet_trial(id, it.volume, docs, &before, &trial, true, guard) {
                return fail(id, &it.req.volume, f);
            }
            let doc = docs.doc_mut(it.volume);
            *doc = trial;
            reply.sync = doc.generate(&mut state).map(Bytes);
            reply.fallback = true;
            self.states.put(client, &state_key, state);
        } else {
            let parsed = it
                .req
                .changes
                .iter()
                .map(|c| automerge::Change::from_bytes(c.0.clone()))
                .collect::<Result<Vec<_>, _>>();
            let Ok(parsed) = parsed else {
                return fail(id, &it.req.volume, DocFailure::DocCorrupt);
            };
            let sent: Vec<ChangeHash> = parsed.iter().map(automerge::Change::hash).collect();
            let claim = id_claim(docs.doc(it.volume), &parsed, it.volume, id);
            if claim == IdClaim::Other {
                return fail(id, &it.req.volume, DocFailure::DocWrongDossier);
            }
            // The common case: the phone was up to date with the server (its heads are ours)
            // and sends changes that build only on those heads and on each other. Then every
            // change is new here, the phone lacks nothing, and no change has to be re-encoded
            // from the document.
            let mut ours = before.clone();
            let mut theirs = it.heads.clone();
            ours.sort_unstable();
            theirs.sort_unstable();
            let mut fast = None;
            if ours == theirs && !parsed.is_empty() {
                let mut known: std::collections::HashSet<ChangeHash> =
                    before.iter().copied().collect();
                let closed = parsed.iter().all(|c| {
                    let ok = c.deps().iter().all(|d| known.contains(d));
                    known.insert(c.hash());
                    ok
                });
                if closed {
                    let mut seen = std::collections::HashSet::new();
                    let new: Vec<NewChange> = parsed
                        .iter()
                        .zip(&it.req.changes)
                        .filter(|(c, _)| seen.insert(c.hash()))
                        .map(|(c, raw)| NewChange {
                            hash: c.hash().0,
                            bytes: raw.0.clone(),
                        })
                        .collect();
                    fast = Some((new, still_linear(&before, &parsed)));
                }
            }
            if !parsed.is_empty() {
                // With a caller, or a text id to read, the changes go to a copy first, kept
                // only when allowed.
                let check_id = claim == IdClaim::CheckAfter;
                let mut trial = (guard.is_some() || check_id).then(|| docs.doc(it.volume).fork());
                let target = match trial.as_mut() {
                    Some(t) => t,
                    None => docs.doc_mut(it.volume),
                };
                if let Err(e) = target.apply_changes(parsed) {
                    // Changes applied before the failing one are kept (and stored below).
                    tracing::debug!(dossier = id, error = %e, "changes refused");
                    failure = Some(DocFailure::from(&DocError::from(e)));
                    fast = None;
                }
                if let Some(trial) = trial {
                    if let Err(f) = vet_trial(id, it.volume, docs, &before, &trial, check_id, guard)
                    {
                        return fail(id, &it.req.volume, f);
                    }
                    *docs.doc_mut(it.volume) = trial;
                }
            }
            if let Some((new, linear)) = fast {
                if !linear {
                    entry.linear[vi] = false;
                }
                return self.finish(id, it, device, entry, ops, reply, new, failure);
            }
            let doc = docs.doc_mut(it.volume);
            let mut current = doc.get_heads();
            current.sort_unstable();
            if current == theirs {
                // The phone is up to date with this document: nothing to send back.
            } else if it.heads.iter().all(|h| doc.get_change_by_hash(h).is_some()) {
                reply.changes = doc
                    .get_changes(&it.heads)
                    .into_iter()
                    .filter(|c| !sent.contains(&c.hash()))
                    .map(|mut c| Bytes(c.bytes().into_owned()))
                    .collect();
            } else {
                // The phone's idea of the server is stale: start the generic protocol.
                let mut state = automerge::sync::State::new();
                reply.sync = doc.generate(&mut state).map(Bytes);
                reply.fallback = true;
                self.states.put(client, &state_key, state);
            }
        }
        let new_changes = docs.doc_mut(it.volume).get_changes(&before);
        if !new_changes.is_empty() && entry.linear[vi] && !still_linear(&before, &new_changes) {
            entry.linear[vi] = false;
        }
        let new: Vec<NewChange> = new_changes
            .into_iter()
            .map(|mut c| NewChange {
                hash: c.hash().0,
                bytes: c.bytes().into_owned(),
            })
            .collect();
        self.finish(id, it, device, entry, ops, reply, new, failure)
    }

    /// A dossier that exists but that the caller may not see (recorded by the caller as an
    /// access denial): synced against an empty document, exactly as a dossier the server has
    /// never seen, with its own sync states; nothing of it is kept. Only an upload that would
    /// create the dossier afresh can tell the difference: it is refused (`doc_forbidden`), as
    /// it is for a dossier at a station the caller may not write.
    fn sync_hidden(&self, id: &str, it: &Item<'_>, client: &str, guard: SyncGuard<'_>) -> DocReply {
        let mut phantom = Entry {
            loaded: true,
            docs: Some(abjuan_shared::doc::DossierDocs {
                a: automerge::Automerge::new(),
                b: automerge::Automerge::new(),
            }),
            linear: [true, true],
            ..Entry::default()
        };
        let mut ops = Vec::new();
        let client = format!("hidden/{client}");
        let reply = self.sync_doc(id, it, &client, Some(guard), &mut phantom, &mut ops);
        if ops.is_empty() {
            reply
        } else {
            guard.gate.refused(
                guard.caller,
                id,
                it.volume.as_str(),
                Refusal::Hidden.reason(),
            );
            fail(id, &it.req.volume, DocFailure::DocForbidden)
        }
    }

    /// Records the document's new changes (and a compaction when due) and completes the reply.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        id: &str,
        it: &Item<'_>,
        device: &str,
        entry: &mut Entry,
        ops: &mut Vec<WriteOp>,
        mut reply: DocReply,
        new: Vec<NewChange>,
        failure: Option<DocFailure>,
    ) -> DocReply {
        let vi = volume_index(it.volume);
        let Some(docs) = entry.docs.as_mut() else {
            return fail(id, &it.req.volume, DocFailure::DocStorage);
        };
        let doc = docs.doc_mut(it.volume);
        reply.heads = heads_hex(doc);
        reply.applied = new.len();
        if !new.is_empty() {
            let added: usize = new.iter().map(|c| c.bytes.len()).sum();
            entry.stored_bytes[vi] += added;
            entry.since_snapshot[vi] += new.len();
            ops.push(WriteOp::Append {
                dossier: id.to_owned(),
                volume: it.volume,
                changes: new,
                device: device.to_owned(),
                received_at: now_ms(),
            });
            if entry.since_snapshot[vi] >= self.limits.compact_after {
                let snapshot = doc.save();
                entry.stored_bytes[vi] = snapshot.len();
                entry.since_snapshot[vi] = 0;
                ops.push(WriteOp::Compact {
                    dossier: id.to_owned(),
                    volume: it.volume,
                    snapshot,
                });
            }
        }
        match failure {
            Some(e) => fail(id, &it.req.volume, e),
            None => reply,
        }
    }
}

/// Whether the changes applied to `trial` (a copy of `volume` of the stored `docs`, whose heads
/// were `before`) may be kept: the dossier id, when only the result can tell it (`check_id`),
/// and the caller's rights (a refusal is recorded in the audit log).
fn vet_trial(
    id: &str,
    volume: Volume,
    docs: &DossierDocs,
    before: &[ChangeHash],
    trial: &Automerge,
    check_id: bool,
    guard: Option<SyncGuard<'_>>,
) -> Result<(), DocFailure> {
    if check_id && !claims_only(trial, volume, id) {
        return Err(DocFailure::DocWrongDossier);
    }
    if let Some(g) = guard {
        let new = trial.get_changes(before);
        g.may_keep(id, volume, docs, trial, &new).map_err(|r| {
            g.record(id, volume, r);
            DocFailure::from(r)
        })?;
    }
    Ok(())
}
