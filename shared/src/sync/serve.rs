//! The server's side of one document of a sync request, with no IO: given the dossier's state,
//! the request item and the caller's rights (looked up beforehand), [`serve`] returns the reply
//! and the effects for the caller to perform: changes to store, a compaction, refusals for the
//! audit log, the generic-protocol state to keep, actor ids to look up first.
//!
//! Fast path: the peer names the server heads it last saw and sends its changes since; the
//! reply carries the changes it lacks. When the server does not know one of those heads, the
//! document switches to automerge's generic sync protocol (a state per peer and document).

use automerge::sync::{State, SyncDoc};
use automerge::{Change, ChangeHash};

use super::item::{ItemError, ItemReply, ItemRequest};
use super::state::{DossierState, NewChange};
use super::trial::Trial;
use crate::access::{Refusal, Rights};
use crate::doc::{DossierFacts, Volume};

/// Limits the server keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest stored size of one document, in bytes.
    pub max_doc_bytes: usize,
    /// Fold a document's changes into a snapshot once this many are stored after the last.
    pub compact_after: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_doc_bytes: 16 * 1024 * 1024,
            compact_after: 200,
        }
    }
}

/// A refusal to record in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditNote {
    /// Which document.
    pub volume: Volume,
    /// Why.
    pub refusal: Refusal,
    /// Recorded as an access denial (reading) rather than as refused changes (writing).
    pub denied: bool,
}

/// The generic-protocol states the caller keeps for this peer and document: one for the
/// document, one for the empty stand-in of a dossier the peer may not see.
#[derive(Debug, Default, Clone)]
pub struct PeerStates {
    /// For the document.
    pub normal: Option<State>,
    /// For the stand-in of a hidden dossier.
    pub hidden: Option<State>,
}

/// A generic-protocol state to keep (`hidden`: the stand-in's).
#[derive(Debug, Clone)]
pub struct KeepState {
    /// Which of the two.
    pub hidden: bool,
    /// The state.
    pub state: State,
}

/// What serving one item produced.
#[derive(Debug, Default)]
pub struct ItemOutcome {
    /// The reply.
    pub reply: ItemReply,
    /// New changes to store, in causal order.
    pub store: Vec<NewChange>,
    /// A snapshot replacing the stored changes, and what goes beside it.
    pub compaction: Option<(Vec<u8>, Vec<u8>)>,
    /// Refusals to record.
    pub audit: Vec<AuditNote>,
    /// A generic-protocol state to keep.
    pub keep_state: Option<KeepState>,
    /// Actor ids the rights know nothing about: look them up (binding unclaimed ones to the
    /// caller's device) and serve the item again. Nothing was kept.
    pub needs_actors: Vec<String>,
    /// Changes cleared to be applied in place failed half-way: the dossier's state is in
    /// doubt, load it again from the store (which holds none of them).
    pub reload: bool,
}

impl ItemOutcome {
    fn fail(&mut self, e: impl Into<ItemError>) {
        self.store.clear();
        self.compaction = None;
        self.reply = ItemReply {
            error: Some(e.into()),
            ..ItemReply::default()
        };
    }
}

impl From<Refusal> for ItemError {
    fn from(r: Refusal) -> Self {
        ItemError::Refused(r)
    }
}

/// Serves one document of a request from the caller with `rights`.
pub fn serve(
    state: &mut DossierState,
    dossier: &str,
    item: ItemRequest,
    rights: &Rights,
    states: PeerStates,
    limits: &Limits,
) -> ItemOutcome {
    let mut out = ItemOutcome::default();
    let volume = item.volume;
    let note = |refusal, denied| AuditNote {
        volume,
        refusal,
        denied,
    };
    match rights.may_sync(dossier, volume, &state.facts()) {
        Ok(()) => serve_doc(
            state,
            dossier,
            item,
            rights,
            states.normal,
            limits,
            &mut out,
        ),
        Err(Refusal::Hidden) => {
            // Exactly as a dossier this server has never seen: synced against empty documents
            // with their own states; nothing of it is kept. Only an upload that would create
            // it afresh can tell the difference, and it is refused as any write elsewhere is.
            out.audit.push(note(Refusal::Hidden, true));
            let mut phantom = DossierState::new();
            serve_doc(
                &mut phantom,
                dossier,
                item,
                rights,
                states.hidden,
                limits,
                &mut out,
            );
            if let Some(keep) = &mut out.keep_state {
                keep.hidden = true;
            }
            if !out.store.is_empty() {
                out.audit.push(note(Refusal::Hidden, false));
                out.keep_state = None;
                out.fail(Refusal::Forbidden);
            }
        }
        Err(r) => {
            out.audit.push(note(r, r.is_denial()));
            out.fail(r);
        }
    }
    out
}

/// Whether new changes of document `volume` by `actors` may be kept, the dossier's facts
/// being `before` and, after them, `after()` (read only when needed).
fn vet(
    rights: &Rights,
    dossier: &str,
    volume: Volume,
    before: &DossierFacts,
    after: impl FnOnce() -> DossierFacts,
    actors: &[String],
    out: &mut ItemOutcome,
) -> Result<(), ItemError> {
    if actors.is_empty() {
        return Ok(());
    }
    if !rights.subject.demo {
        let unknown: Vec<String> = actors
            .iter()
            .filter(|a| !rights.actor_devices.contains_key(*a))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            out.needs_actors = unknown;
            return Err(ItemError::Refused(Refusal::ForeignActor));
        }
    }
    let after = match volume {
        Volume::A => after(),
        Volume::B => before.clone(),
    };
    rights
        .may_keep(
            dossier,
            volume,
            before,
            &after,
            actors.iter().map(String::as_str),
        )
        .map_err(|r| {
            out.audit.push(AuditNote {
                volume,
                refusal: r,
                denied: r.is_denial(),
            });
            ItemError::Refused(r)
        })
}

/// Vets a trial's new changes ([`vet`]).
fn vet_trial(
    rights: &Rights,
    dossier: &str,
    before: &DossierFacts,
    trial: &Trial,
    out: &mut ItemOutcome,
) -> Result<(), ItemError> {
    let actors = trial.new_actors();
    vet(
        rights,
        dossier,
        trial.volume(),
        before,
        || trial.facts(),
        &actors,
        out,
    )
}

#[allow(clippy::too_many_arguments)]
fn serve_doc(
    state: &mut DossierState,
    dossier: &str,
    item: ItemRequest,
    rights: &Rights,
    peer: Option<State>,
    limits: &Limits,
    out: &mut ItemOutcome,
) {
    let volume = item.volume;
    let vi = volume.index();
    let changes = match &item.changes {
        Ok(c) => c,
        Err(e) => return out.fail(e.clone()),
    };
    let incoming = changes.iter().map(|c| c.raw_bytes().len()).sum::<usize>()
        + item.message.as_ref().map_or(0, Vec::len);
    if state.stored[vi].bytes + incoming > limits.max_doc_bytes {
        return out.fail(ItemError::TooLarge);
    }
    let before = state.doc(volume).get_heads();
    let facts = state.facts();
    if let Some(message) = &item.message {
        // The generic protocol: the peer answers our last sync message.
        let mut peer = peer.unwrap_or_default();
        let trial = match state.try_message(volume, dossier, &mut peer, message) {
            Ok(t) => t,
            Err(e) => return out.fail(e),
        };
        if let Err(e) = vet_trial(rights, dossier, &facts, &trial, out) {
            return out.fail(e);
        }
        match state.commit(trial, &[]) {
            Ok(new) => out.store = new,
            Err(e) => return out.fail(e),
        }
        out.reply.message = state
            .doc(volume)
            .generate_sync_message(&mut peer)
            .map(|m| m.encode());
        out.reply.fallback = true;
        out.keep_state = Some(KeepState {
            hidden: false,
            state: peer,
        });
    } else {
        let plan = if changes.is_empty() {
            None
        } else {
            state.plan_in_place(volume, dossier, changes)
        };
        if let Some(plan) = plan {
            // Nothing these changes touch is read by a check: the rights are vetted on their
            // actors and the facts as they stand, and they are applied without a copy.
            if let Err(e) = vet(
                rights,
                dossier,
                volume,
                &facts,
                || facts.clone(),
                &plan.actors,
                out,
            ) {
                return out.fail(e);
            }
            match state.apply_in_place(volume, plan, changes) {
                Ok(new) => out.store = new,
                Err(e) => {
                    out.reload = true;
                    return out.fail(e);
                }
            }
        } else if !changes.is_empty() {
            let trial = match state.try_changes(volume, dossier, changes.clone()) {
                Ok(t) => t,
                Err(e) => return out.fail(e),
            };
            if let Err(e) = vet_trial(rights, dossier, &facts, &trial, out) {
                return out.fail(e);
            }
            match state.commit(trial, changes) {
                Ok(new) => out.store = new,
                Err(e) => return out.fail(e),
            }
        }
        let doc = state.doc(volume);
        let mut ours = before;
        let mut theirs = item.heads.clone();
        ours.sort_unstable();
        theirs.sort_unstable();
        if ours == theirs {
            // The peer had everything the server had: it lacks nothing but what it sent.
        } else if let Some(lacking) = lacking(doc, &item.heads, changes) {
            out.reply.changes = lacking;
        } else {
            // The peer's idea of the server is stale: start the generic protocol.
            let mut fresh = State::new();
            out.reply.message = doc.generate_sync_message(&mut fresh).map(|m| m.encode());
            out.reply.fallback = true;
            out.keep_state = Some(KeepState {
                hidden: false,
                state: fresh,
            });
        }
    }
    out.reply.heads = state.doc(volume).get_heads();
    out.reply.applied = out.store.len();
    if !out.store.is_empty() {
        out.compaction = state.compaction(volume, limits.compact_after);
    }
}

/// The changes a peer at `heads` lacks (leaving out those it just `sent`), `None` when a head
/// is unknown here.
fn lacking(
    doc: &automerge::Automerge,
    heads: &[ChangeHash],
    sent: &[Change],
) -> Option<Vec<Vec<u8>>> {
    let sent: Vec<ChangeHash> = sent.iter().map(Change::hash).collect();
    crate::doc::sync::changes_since_except(doc, heads, &sent)
}
