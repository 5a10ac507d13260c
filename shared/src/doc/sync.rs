//! Sync helpers for many documents: automerge's sync protocol state per (peer, document),
//! encodable so a phone can keep it between app launches, and the one-round-trip change
//! exchange ("changes since these heads") used by the phone batch API.
//!
//! ```
//! use abjuan_shared::doc::sync::{DocSync, SyncStates};
//! use automerge::{transaction::Transactable, Automerge, ReadDoc};
//!
//! let mut phone = Automerge::new();
//! let mut tx = phone.transaction();
//! tx.put(automerge::ROOT, "id", "d1").unwrap();
//! tx.commit();
//! let mut server = Automerge::new();
//! let (mut phone_states, mut server_states) = (SyncStates::default(), SyncStates::default());
//! loop {
//!     let to_server = phone.generate(phone_states.state("d1/a"));
//!     if let Some(m) = &to_server { server.receive(server_states.state("d1/a"), m).unwrap(); }
//!     let to_phone = server.generate(server_states.state("d1/a"));
//!     if let Some(m) = &to_phone { phone.receive(phone_states.state("d1/a"), m).unwrap(); }
//!     if to_server.is_none() && to_phone.is_none() { break; }
//! }
//! assert_eq!(server.get_heads(), phone.get_heads());
//! let saved = phone_states.encode();
//! assert_eq!(SyncStates::decode(&saved).unwrap().len(), 1);
//! ```

use std::collections::BTreeMap;

use automerge::sync::{Message, State, SyncDoc};
use automerge::{Automerge, Change, ChangeHash, ReadDoc};

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

/// automerge's sync protocol on one document, with bytes in and out.
pub trait DocSync {
    /// The next message for the peer, if there is anything to say.
    fn generate(&self, state: &mut State) -> Option<Vec<u8>>;
    /// Takes a message from the peer.
    fn receive(&mut self, state: &mut State, message: &[u8]) -> Result<(), DocError>;
}

impl DocSync for Automerge {
    fn generate(&self, state: &mut State) -> Option<Vec<u8>> {
        self.generate_sync_message(state).map(Message::encode)
    }

    fn receive(&mut self, state: &mut State, message: &[u8]) -> Result<(), DocError> {
        let (trial, trial_state) = super::guarded(|| {
            let message = Message::decode(message).map_err(|_| DocError::Corrupt)?;
            let mut trial = self.fork();
            let mut trial_state = state.clone();
            trial.receive_sync_message(&mut trial_state, message)?;
            Ok((trial, trial_state))
        })?;
        *self = trial;
        *state = trial_state;
        Ok(())
    }
}

/// The changes `doc` has that a peer at `heads` lacks, as raw bytes. Unknown heads (the peer
/// knows something this document does not) give `None`: fall back to the sync protocol.
#[must_use]
pub fn changes_since(doc: &Automerge, heads: &[ChangeHash]) -> Option<Vec<Vec<u8>>> {
    if heads.iter().any(|h| doc.get_change_by_hash(h).is_none()) {
        return None;
    }
    Some(
        doc.get_changes(heads)
            .into_iter()
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

/// Applies changes to the document of `volume` of dossier `dossier`, all or nothing: they are
/// tried on a copy first, and refused when they would make the document claim another
/// dossier id (a valid change for another document).
pub fn apply_checked(
    doc: &mut Automerge,
    volume: Volume,
    dossier: &str,
    changes: Vec<Change>,
) -> Result<usize, DocError> {
    let (trial, added) = super::guarded(|| {
        let mut trial = doc.fork();
        let before = trial.get_heads();
        trial.apply_changes(changes)?;
        super::read::to_json(&trial)?;
        let added = trial.get_changes(&before).len();
        Ok((trial, added))
    })?;
    let ids = id_values(&trial, volume);
    if ids.iter().any(|id| id != dossier) {
        return Err(DocError::WrongDossier);
    }
    *doc = trial;
    Ok(added)
}

/// Every concurrent value of the document's dossier-id field.
fn id_values(doc: &Automerge, volume: Volume) -> Vec<String> {
    let Ok(all) = automerge::ReadDoc::get_all(doc, automerge::ROOT, volume.id_key()) else {
        return vec![String::new()];
    };
    all.into_iter()
        .map(|(v, obj)| super::read::string_value(doc, &v, &obj).unwrap_or_default())
        .collect()
}
