//! The phone's side of a sync, with no IO: what to send, and taking what came back. The WASM
//! package (and the Rust test phones of the server crate) call these, so a phone checks what the
//! server sends exactly as the server checks what phones send ([`super::Trial`]).

use automerge::sync::State;
use automerge::{Automerge, ChangeHash};

use super::DossierState;
use crate::doc::sync::{changes_since, parse_changes, DocSync};
use crate::doc::{DocError, Volume};

/// The phone's changes the server lacks, given the server heads it last saw; every change
/// when the phone does not know those heads (applying a change twice changes nothing).
#[must_use]
pub fn outgoing(doc: &Automerge, server_heads: &[ChangeHash]) -> Vec<Vec<u8>> {
    changes_since(doc, server_heads)
        .or_else(|| changes_since(doc, &[]))
        .unwrap_or_default()
}

/// Takes changes the server sent for document `volume` of `dossier`, all or nothing; returns
/// how many were new.
pub fn take_changes(
    state: &mut DossierState,
    dossier: &str,
    volume: Volume,
    raw: &[Vec<u8>],
) -> Result<usize, DocError> {
    let changes = parse_changes(raw)?;
    let trial = state.try_changes(volume, dossier, changes)?;
    Ok(state.commit(trial, &[])?.len())
}

/// Takes a message of the generic sync protocol; `sync` (the state with the server for this
/// document) and the document change only when it is accepted. Returns how many changes were
/// new.
pub fn take_message(
    state: &mut DossierState,
    dossier: &str,
    volume: Volume,
    sync: &mut State,
    message: &[u8],
) -> Result<usize, DocError> {
    let trial = state.try_message(volume, dossier, sync, message)?;
    Ok(state.commit(trial, &[])?.len())
}

/// The next generic sync message for the server, if there is anything to say.
#[must_use]
pub fn next_message(state: &DossierState, volume: Volume, sync: &mut State) -> Option<Vec<u8>> {
    state.doc(volume).generate(sync)
}

/// [`take_changes`] for a peer that keeps no views, only the document.
pub fn take_changes_into(
    doc: &mut Automerge,
    dossier: &str,
    volume: Volume,
    raw: &[Vec<u8>],
) -> Result<usize, DocError> {
    crate::doc::sync::apply_checked(doc, volume, dossier, parse_changes(raw)?)
}

/// [`take_message`] for a peer that keeps no views, only the document.
pub fn take_message_into(
    doc: &mut Automerge,
    dossier: &str,
    volume: Volume,
    sync: &mut State,
    message: &[u8],
) -> Result<usize, DocError> {
    let trial = super::Trial::message(doc, volume, dossier, sync, message)?;
    let added = trial.added();
    *doc = trial.into_parts().0;
    Ok(added)
}
