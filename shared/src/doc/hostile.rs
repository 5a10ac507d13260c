//! Everything that reads bytes from outside, in one function, for the fuzz target and the
//! regression tests: each step must return an error on bad input, never panic.

use automerge::{ActorId, Automerge};

use super::sync::{apply_checked, parse_changes, SyncStates};
use super::{DossierDocs, Volume};

/// Feeds `data` to every byte-reading entry point. Returns how many of them accepted it.
pub fn exercise(data: &[u8]) -> usize {
    let mut accepted = 0;
    if let Ok(docs) = DossierDocs::load(data, data) {
        accepted += 1;
        let _ = docs.to_json();
        let _ = super::conflicts(&docs.a, Volume::A);
        let _ = super::history(&docs.a, true);
    }
    if let Ok(changes) = parse_changes(&[data.to_vec()]) {
        accepted += 1;
        let mut doc = Automerge::new().with_actor(ActorId::from([7u8; 16].as_slice()));
        if apply_checked(&mut doc, Volume::A, "fuzz", changes).is_ok() {
            let _ = super::read::to_json(&doc);
        }
    }
    if SyncStates::decode(data).is_ok() {
        accepted += 1;
    }
    let mut dossier = crate::sync::DossierState::new();
    let mut state = automerge::sync::State::new();
    if crate::sync::phone::take_message(&mut dossier, "fuzz", Volume::A, &mut state, data).is_ok() {
        accepted += 1;
        let _ = crate::sync::phone::next_message(&dossier, Volume::A, &mut state);
    }
    accepted
}
