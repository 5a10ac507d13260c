//! Sync helpers for many documents: automerge's sync protocol state per (peer, document),
//! encodable so a phone can keep it between app launches, and the one-round-trip change
//! exchange ("changes since these heads") used by the phone batch API.
//!
//! ```
//! use abjuan_shared::doc::sync::SyncStates;
//! use abjuan_shared::doc::Volume;
//! use abjuan_shared::sync::{phone, DossierState};
//! use automerge::{transaction::Transactable, ReadDoc};
//!
//! let mut mine = DossierState::new();
//! mine.edit(|docs| {
//!     let mut tx = docs.a.transaction();
//!     tx.put(automerge::ROOT, "id", "d1")?;
//!     tx.commit();
//!     Ok(())
//! })
//! .unwrap();
//! let mut theirs = DossierState::new();
//! let (mut my_states, mut their_states) = (SyncStates::default(), SyncStates::default());
//! loop {
//!     let to_them = phone::next_message(&mine, Volume::A, my_states.state("d1/a"));
//!     if let Some(m) = &to_them {
//!         phone::take_message(&mut theirs, "d1", Volume::A, their_states.state("d1/a"), m).unwrap();
//!     }
//!     let to_me = phone::next_message(&theirs, Volume::A, their_states.state("d1/a"));
//!     if let Some(m) = &to_me {
//!         phone::take_message(&mut mine, "d1", Volume::A, my_states.state("d1/a"), m).unwrap();
//!     }
//!     if to_them.is_none() && to_me.is_none() { break; }
//! }
//! assert_eq!(theirs.doc(Volume::A).get_heads(), mine.doc(Volume::A).get_heads());
//! assert_eq!(theirs.view(Volume::A).json()["id"], "d1");
//! let saved = my_states.encode();
//! assert_eq!(SyncStates::decode(&saved).unwrap().len(), 1);
//! ```

use std::collections::BTreeMap;

use automerge::sync::{Message, State, SyncDoc};
use automerge::{Automerge, Change, ChangeHash};

use super::{DocError, Volume};

/// Sync states with one peer, one per document key (e.g. `"<dossier id>/a"`).
#[derive(Debug, Default)]
pub struct SyncStates {
    states: BTreeMap<String, State>,
}

impl SyncStates {
    /// The state for `key`, created when new.
    pub fn state(&mut self, key: &str) -> &mut State {
        self.states.entry(key.to_owned()).or_default()
    }

    /// How many documents have a state.
    #[must_use]
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Whether there is none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// Bytes to persist: per key, what automerge keeps across sessions (the shared heads).
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(
            &u32::try_from(self.states.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes(),
        );
        for (key, state) in &self.states {
            let bytes = state.encode();
            out.extend_from_slice(&u32::try_from(key.len()).unwrap_or(u32::MAX).to_be_bytes());
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes());
            out.extend_from_slice(&bytes);
        }
        out
    }

    /// Reads what [`Self::encode`] wrote. Damaged bytes give [`DocError::Corrupt`].
    pub fn decode(mut bytes: &[u8]) -> Result<Self, DocError> {
        fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8], DocError> {
            if bytes.len() < n {
                return Err(DocError::Corrupt);
            }
            let (head, tail) = bytes.split_at(n);
            *bytes = tail;
            Ok(head)
        }
        fn len(bytes: &mut &[u8]) -> Result<usize, DocError> {
            let b = take(bytes, 4)?;
            Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        }
        let count = len(&mut bytes)?;
        let mut states = BTreeMap::new();
        for _ in 0..count {
            let n = len(&mut bytes)?;
            let key = std::str::from_utf8(take(&mut bytes, n)?).map_err(|_| DocError::Corrupt)?;
            let n = len(&mut bytes)?;
            let state = State::decode(take(&mut bytes, n)?).map_err(|_| DocError::Corrupt)?;
            states.insert(key.to_owned(), state);
        }
        if !bytes.is_empty() {
            return Err(DocError::Corrupt);
        }
        Ok(Self { states })
    }
}

/// automerge's sync protocol on one document: the next message as bytes. Messages from a
/// peer are taken through the checked apply ([`crate::sync::Trial::message`]).
pub trait DocSync {
    /// The next message for the peer, if there is anything to say.
    fn generate(&self, state: &mut State) -> Option<Vec<u8>>;
}

impl DocSync for Automerge {
    fn generate(&self, state: &mut State) -> Option<Vec<u8>> {
        self.generate_sync_message(state).map(Message::encode)
    }
}

/// The changes `doc` has that a peer at `heads` lacks, as bytes. Unknown heads (the peer
/// knows something this document does not) give `None`: fall back to the sync protocol.
#[must_use]
pub fn changes_since(doc: &Automerge, heads: &[ChangeHash]) -> Option<Vec<Vec<u8>>> {
    changes_since_except(doc, heads, &[])
}

/// [`changes_since`], leaving out the changes `except` (the ones the peer just sent).
#[must_use]
pub fn changes_since_except(
    doc: &Automerge,
    heads: &[ChangeHash],
    except: &[ChangeHash],
) -> Option<Vec<Vec<u8>>> {
    if heads
        .iter()
        .any(|h| doc.get_change_meta_by_hash(h).is_none())
    {
        return None;
    }
    Some(
        doc.get_changes(heads)
            .into_iter()
            .filter(|c| !except.contains(&c.hash()))
            .map(|mut c| c.bytes().into_owned())
            .collect(),
    )
}

/// Parses raw changes. Any damaged one fails the whole batch.
pub fn parse_changes(raw: &[Vec<u8>]) -> Result<Vec<Change>, DocError> {
    super::guarded(|| {
        raw.iter()
            .map(|b| Change::from_bytes(b.clone()).map_err(|_| DocError::Corrupt))
            .collect()
    })
}

/// Applies changes to the document of `volume` of dossier `dossier`, all or nothing, through
/// the sync core's checked apply ([`crate::sync::Trial::changes`]). Returns how many were new.
pub fn apply_checked(
    doc: &mut Automerge,
    volume: Volume,
    dossier: &str,
    changes: Vec<Change>,
) -> Result<usize, DocError> {
    let trial = crate::sync::Trial::changes(doc, volume, dossier, changes)?;
    let added = trial.added();
    *doc = trial.into_parts().0;
    Ok(added)
}
