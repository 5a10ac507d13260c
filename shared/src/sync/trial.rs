//! [`Trial`]: a peer's changes (or a generic sync message) applied to a copy of one document
//! and checked for the dossier id, before anything is kept, so a refusal leaves the document
//! as it was. The copy costs as much as the document (automerge's columns are byte vectors,
//! its change graph grows with the history): ordinary edits skip it
//! ([`super::in_place`]).

use automerge::sync::{Message, State, SyncDoc};
use automerge::{Automerge, Change, ChangeHash, ReadDoc};

use crate::doc::{guarded, read, DocError, DossierFacts, Volume};

/// Changes applied to a copy of one document, the document's id checked.
#[derive(Debug)]
pub struct Trial {
    volume: Volume,
    doc: Automerge,
    before: Vec<ChangeHash>,
}

impl Trial {
    fn start(doc: &Automerge, volume: Volume) -> Self {
        Self {
            volume,
            doc: doc.clone(),
            before: doc.get_heads(),
        }
    }

    /// Applies `changes` to a copy of `doc` (document `volume` of dossier `dossier`). Refused
    /// when one is damaged, or when the result would name another dossier (every concurrent
    /// value of the id is checked, a text id by its content) or drop the id it had.
    pub fn changes(
        doc: &Automerge,
        volume: Volume,
        dossier: &str,
        changes: Vec<Change>,
    ) -> Result<Self, DocError> {
        let mut trial = Self::start(doc, volume);
        guarded(|| Ok(trial.doc.apply_changes(changes)?))?;
        trial.check_id(doc, dossier)?;
        Ok(trial)
    }

    /// Receives a message of automerge's generic sync protocol on a copy of `doc`; `state`
    /// changes only when the result is kept (the checks of [`Self::changes`]).
    pub fn message(
        doc: &Automerge,
        volume: Volume,
        dossier: &str,
        state: &mut State,
        message: &[u8],
    ) -> Result<Self, DocError> {
        let mut trial = Self::start(doc, volume);
        let mut next = state.clone();
        guarded(|| {
            let message = Message::decode(message).map_err(|_| DocError::Corrupt)?;
            trial.doc.receive_sync_message(&mut next, message)?;
            Ok(())
        })?;
        trial.check_id(doc, dossier)?;
        *state = next;
        Ok(trial)
    }

    fn check_id(&self, original: &Automerge, dossier: &str) -> Result<(), DocError> {
        let key = self.volume.id_key();
        let values = self.doc.get_all(automerge::ROOT, key)?;
        let had = !original.get_all(automerge::ROOT, key)?.is_empty();
        let all_ours = values
            .iter()
            .all(|(v, obj)| read::string_value(&self.doc, v, obj).as_deref() == Some(dossier));
        if all_ours && !(had && values.is_empty()) {
            Ok(())
        } else {
            Err(DocError::WrongDossier)
        }
    }

    /// Which document.
    #[must_use]
    pub fn volume(&self) -> Volume {
        self.volume
    }

    /// The document with the changes applied.
    #[must_use]
    pub fn doc(&self) -> &Automerge {
        &self.doc
    }

    /// How many changes the document did not have before.
    #[must_use]
    pub fn added(&self) -> usize {
        self.doc.get_changes_meta(&self.before).len()
    }

    /// The actor ids (hex) of the changes the document did not have before, each once.
    #[must_use]
    pub fn new_actors(&self) -> Vec<String> {
        let mut actors: Vec<String> = self
            .doc
            .get_changes_meta(&self.before)
            .into_iter()
            .map(|m| m.actor.to_hex_string())
            .collect();
        actors.sort_unstable();
        actors.dedup();
        actors
    }

    /// The facts of the document after the changes (meaningful for document A).
    #[must_use]
    pub fn facts(&self) -> DossierFacts {
        DossierFacts::of(&self.doc)
    }

    /// The document and its heads before.
    #[must_use]
    pub fn into_parts(self) -> (Automerge, Vec<ChangeHash>) {
        (self.doc, self.before)
    }
}
