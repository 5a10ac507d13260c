//! Sync from the page: the one-round-trip change exchange of the phone API (`heads`,
//! `changesSince`, `applyChanges`) and automerge's generic sync protocol (`SyncState`,
//! `generateSyncMessage`, `receiveSyncMessage`) as a fallback. One [`SyncState`] per (peer,
//! dossier, volume). Nothing here can make a document claim another dossier: changes and sync
//! messages that would are refused and leave the document as it was.

use std::str::FromStr;

use abjuan_shared::doc::sync::changes_since;
use abjuan_shared::doc::Volume;
use abjuan_shared::sync::phone;
use automerge::{sync, ChangeHash};
use wasm_bindgen::prelude::*;

use crate::doc::{parse_volume, DossierDoc};
use crate::BindError;

/// automerge's sync state with one peer for one document; `encode()` it to keep it across
/// app launches.
#[wasm_bindgen]
#[derive(Debug, Default)]
pub struct SyncState(pub(crate) sync::State);

#[wasm_bindgen]
impl SyncState {
    /// A fresh state (nothing known about the peer).
    #[wasm_bindgen(constructor)]
    #[must_use]
    pub fn new() -> SyncState {
        Self::default()
    }

    /// Bytes to persist (what automerge keeps across sessions: the shared heads).
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        self.0.encode()
    }

    /// Reads what `encode()` wrote.
    pub fn decode(bytes: &[u8]) -> Result<SyncState, JsValue> {
        Ok(Self::decode_bytes(bytes)?)
    }
}

impl SyncState {
    /// Reads what [`Self::encode`] wrote; damaged bytes give `sync_state_corrupt`.
    pub fn decode_bytes(bytes: &[u8]) -> Result<Self, BindError> {
        sync::State::decode(bytes)
            .map(Self)
            .map_err(|_| BindError::new("sync_state_corrupt", "not an encoded sync state"))
    }
}

/// Hex change hashes.
pub fn parse_heads(heads: &[String]) -> Result<Vec<ChangeHash>, BindError> {
    heads
        .iter()
        .map(|h| {
            ChangeHash::from_str(h)
                .map_err(|_| BindError::new("invalid_heads", format!("not a change hash: {h:?}")))
        })
        .collect()
}

impl DossierDoc {
    /// The heads of one document, as hex.
    #[must_use]
    pub fn heads(&self, volume: Volume) -> Vec<String> {
        self.state
            .doc(volume)
            .get_heads()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// The changes a peer at `heads` lacks; `None` when a head is unknown here (fall back to
    /// the sync protocol).
    pub fn changes_since(
        &self,
        volume: Volume,
        heads: &[String],
    ) -> Result<Option<Vec<Vec<u8>>>, BindError> {
        Ok(changes_since(self.state.doc(volume), &parse_heads(heads)?))
    }

    /// Applies a peer's changes, all or nothing (the sync core's checked apply); returns how
    /// many were new.
    pub fn apply_changes(&mut self, volume: Volume, raw: &[Vec<u8>]) -> Result<usize, BindError> {
        Ok(phone::take_changes(&mut self.state, &self.id, volume, raw)?)
    }

    /// The next sync message for the peer, if there is anything to say.
    pub fn generate_sync_message(&self, volume: Volume, state: &mut SyncState) -> Option<Vec<u8>> {
        phone::next_message(&self.state, volume, &mut state.0)
    }

    /// Takes a sync message from the peer. A message that would make the document claim
    /// another dossier (by any of the id's concurrent values) is refused and changes nothing
    /// (document and state).
    pub fn receive_sync_message(
        &mut self,
        volume: Volume,
        state: &mut SyncState,
        message: &[u8],
    ) -> Result<(), BindError> {
        phone::take_message(&mut self.state, &self.id, volume, &mut state.0, message)?;
        Ok(())
    }
}

fn to_bytes(value: &JsValue) -> Result<Vec<u8>, BindError> {
    if value.is_instance_of::<js_sys::Uint8Array>() {
        Ok(js_sys::Uint8Array::new(value).to_vec())
    } else {
        Err(BindError::new(
            "invalid_argument",
            "changes must be Uint8Arrays",
        ))
    }
}

#[wasm_bindgen]
impl DossierDoc {
    /// The heads of one document (hex change hashes).
    #[wasm_bindgen(js_name = heads)]
    pub fn heads_js(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Volume")] volume: &str,
    ) -> Result<Vec<String>, JsValue> {
        Ok(self.heads(parse_volume(volume)?))
    }

    /// The changes a peer at `heads` lacks, or `null` when a head is unknown here.
    #[wasm_bindgen(js_name = changesSince, unchecked_return_type = "Uint8Array[] | null")]
    pub fn changes_since_js(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Volume")] volume: &str,
        heads: Vec<String>,
    ) -> Result<JsValue, JsValue> {
        let changes = self.changes_since(parse_volume(volume)?, &heads)?;
        Ok(changes.map_or(JsValue::NULL, |all| {
            all.iter()
                .map(|c| js_sys::Uint8Array::from(c.as_slice()))
                .collect::<js_sys::Array>()
                .into()
        }))
    }

    /// Applies a peer's changes (all or nothing); returns how many were new.
    #[wasm_bindgen(js_name = applyChanges)]
    pub fn apply_changes_js(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Volume")] volume: &str,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array[]")] changes: &js_sys::Array,
    ) -> Result<u32, JsValue> {
        let volume = parse_volume(volume)?;
        let raw = changes
            .iter()
            .map(|c| to_bytes(&c))
            .collect::<Result<Vec<_>, _>>()?;
        let added = self.apply_changes(volume, &raw)?;
        Ok(u32::try_from(added).unwrap_or(u32::MAX))
    }

    /// The next sync message for the peer, or `null` when there is nothing to say.
    #[wasm_bindgen(js_name = generateSyncMessage, unchecked_return_type = "Uint8Array | null")]
    pub fn generate_sync_message_js(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Volume")] volume: &str,
        state: &mut SyncState,
    ) -> Result<JsValue, JsValue> {
        let message = self.generate_sync_message(parse_volume(volume)?, state);
        Ok(message.map_or(JsValue::NULL, |m| {
            js_sys::Uint8Array::from(m.as_slice()).into()
        }))
    }

    /// Takes a sync message from the peer.
    #[wasm_bindgen(js_name = receiveSyncMessage)]
    pub fn receive_sync_message_js(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Volume")] volume: &str,
        state: &mut SyncState,
        message: &[u8],
    ) -> Result<(), JsValue> {
        Ok(self.receive_sync_message(parse_volume(volume)?, state, message)?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::doc::tests::{fixture, now, ALICE, BOB};
    use serde_json::Value;

    #[test]
    fn fast_path_exchange() {
        let mut phone =
            DossierDoc::create(&fixture("follow-up-marriage.json"), ALICE, now()).unwrap();
        let mut server = DossierDoc::empty(phone.dossier_id(), BOB).unwrap();
        for volume in [Volume::A, Volume::B] {
            let changes = phone.changes_since(volume, &[]).unwrap().unwrap();
            assert!(server.apply_changes(volume, &changes).unwrap() > 0);
            assert_eq!(
                server.apply_changes(volume, &changes).unwrap(),
                0,
                "retry is harmless"
            );
        }
        assert_eq!(server.to_json().unwrap(), phone.to_json().unwrap());
        let heads = phone.heads(Volume::A);
        phone
            .set_field("/header/facts/priorCalls", Value::from(3), now())
            .unwrap();
        let delta = phone.changes_since(Volume::A, &heads).unwrap().unwrap();
        assert_eq!(delta.len(), 1);
        assert_eq!(server.apply_changes(Volume::A, &delta).unwrap(), 1);
        let unknown = vec!["ab".repeat(32)];
        assert!(server.changes_since(Volume::A, &unknown).unwrap().is_none());
        assert_eq!(
            server
                .changes_since(Volume::A, &["zz".into()])
                .unwrap_err()
                .code,
            "invalid_heads"
        );
    }

    #[test]
    fn changes_of_another_dossier_are_refused() {
        let a = DossierDoc::create(&fixture("follow-up-marriage.json"), ALICE, now()).unwrap();
        let mut other = DossierDoc::create(&fixture("draft-neighbour.json"), BOB, now()).unwrap();
        let changes = a.changes_since(Volume::A, &[]).unwrap().unwrap();
        let before = other.heads(Volume::A);
        assert_eq!(
            other.apply_changes(Volume::A, &changes).unwrap_err().code,
            "doc_wrong_dossier"
        );
        assert_eq!(other.heads(Volume::A), before);
        assert_eq!(
            other
                .apply_changes(Volume::A, &[b"junk".to_vec()])
                .unwrap_err()
                .code,
            "doc_corrupt"
        );
    }

    #[test]
    fn sync_protocol_converges_and_states_persist() {
        let phone = DossierDoc::create(&fixture("follow-up-marriage.json"), ALICE, now()).unwrap();
        let mut phone = phone;
        let mut server = DossierDoc::empty(phone.dossier_id(), BOB).unwrap();
        let (mut ps, mut ss) = (SyncState::new(), SyncState::new());
        for _ in 0..10 {
            let to_server = phone.generate_sync_message(Volume::B, &mut ps);
            if let Some(m) = &to_server {
                server.receive_sync_message(Volume::B, &mut ss, m).unwrap();
            }
            let to_phone = server.generate_sync_message(Volume::B, &mut ss);
            if let Some(m) = &to_phone {
                phone.receive_sync_message(Volume::B, &mut ps, m).unwrap();
            }
            if to_server.is_none() && to_phone.is_none() {
                break;
            }
        }
        assert_eq!(server.heads(Volume::B), phone.heads(Volume::B));
        let saved = SyncState::decode_bytes(&ps.encode()).unwrap();
        assert_eq!(saved.encode(), ps.encode());
        assert_eq!(
            SyncState::decode_bytes(b"\x99junk").unwrap_err().code,
            "sync_state_corrupt"
        );
        assert_eq!(
            server
                .receive_sync_message(Volume::B, &mut ss, b"junk")
                .unwrap_err()
                .code,
            "doc_corrupt"
        );
    }

    #[test]
    fn sync_message_of_another_dossier_is_refused() {
        let mut a = DossierDoc::create(&fixture("follow-up-marriage.json"), ALICE, now()).unwrap();
        let mut other = DossierDoc::create(&fixture("draft-neighbour.json"), BOB, now()).unwrap();
        let (mut sa, mut so) = (SyncState::new(), SyncState::new());
        let (before_a, before_other) = (a.heads(Volume::A), other.heads(Volume::A));
        let mut refused = 0;
        for _ in 0..10 {
            let to_other = a.generate_sync_message(Volume::A, &mut sa);
            if let Some(m) = &to_other {
                if let Err(e) = other.receive_sync_message(Volume::A, &mut so, m) {
                    assert_eq!(e.code, "doc_wrong_dossier");
                    refused += 1;
                }
            }
            let to_a = other.generate_sync_message(Volume::A, &mut so);
            if let Some(m) = &to_a {
                if let Err(e) = a.receive_sync_message(Volume::A, &mut sa, m) {
                    assert_eq!(e.code, "doc_wrong_dossier");
                    refused += 1;
                }
            }
            if to_other.is_none() && to_a.is_none() {
                break;
            }
        }
        assert!(refused > 0);
        assert_eq!(a.heads(Volume::A), before_a);
        assert_eq!(other.heads(Volume::A), before_other);
    }
}
