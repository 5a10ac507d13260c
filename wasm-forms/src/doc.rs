//! `DossierDoc`: one dossier's two automerge documents, edited offline on the phone under the
//! device's actor id. Saved as two byte arrays (for IndexedDB); every edit is one change per
//! document it touched; [`DossierDoc::assess`] re-validates and re-grades after any merge.

use std::str::FromStr;

use abjuan_shared::doc::{self, DossierDocs, EditOutcome, Volume};
use abjuan_shared::forms::Form;
use abjuan_shared::model::{FollowUp, MediationSession, Party, Timestamp};
use abjuan_shared::sync::DossierState;
use abjuan_shared::Dossier;
use automerge::{ActorId, Automerge};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::options::{parse_status, Options};
use crate::{js, BindError};

/// A dossier being edited on this device.
#[wasm_bindgen]
#[derive(Debug)]
pub struct DossierDoc {
    /// The documents with their views (kept up to date change by change, so reading the
    /// dossier, its conflicts and its assessment does not read the documents again).
    pub(crate) state: DossierState,
    pub(crate) actor: ActorId,
    pub(crate) id: String,
}

/// What an edit produced, as JS sees it: the new change hash per document, or `null`.
#[derive(Debug, Serialize)]
pub struct Edit {
    /// New change in document A.
    pub a: Option<String>,
    /// New change in document B.
    pub b: Option<String>,
}

impl From<EditOutcome> for Edit {
    fn from(o: EditOutcome) -> Self {
        Self {
            a: o.a.map(|h| h.to_string()),
            b: o.b.map(|h| h.to_string()),
        }
    }
}

/// Longest actor id accepted, in bytes (automerge's own are 16).
const MAX_ACTOR_BYTES: usize = 64;

/// A device's actor id in hex.
pub fn parse_actor(hex: &str) -> Result<ActorId, BindError> {
    let bad = || BindError::new("invalid_actor", "the actor id must be 2 to 128 hex digits");
    let actor = ActorId::from_str(hex).map_err(|_| bad())?;
    if actor.to_bytes().is_empty() || actor.to_bytes().len() > MAX_ACTOR_BYTES {
        return Err(bad());
    }
    Ok(actor)
}

/// `"a"` or `"b"`.
pub fn parse_volume(volume: &str) -> Result<Volume, BindError> {
    match volume {
        "a" | "A" => Ok(Volume::A),
        "b" | "B" => Ok(Volume::B),
        _ => Err(BindError::new(
            "invalid_volume",
            "volume must be \"a\" or \"b\"",
        )),
    }
}

/// A dossier (or part of one) from JSON text; the model refuses what does not fit.
pub fn parse_model<T: DeserializeOwned>(json: &str, what: &str) -> Result<T, BindError> {
    serde_json::from_str(json).map_err(|e| misfit(what, &e))
}

/// Dossier JSON text as the model (through `shared`'s one copy of its deserializer).
pub fn parse_dossier(json: &str) -> Result<Dossier, BindError> {
    abjuan_shared::parse_dossier(json).map_err(|e| misfit("the dossier", &e))
}

/// Record JSON text of any registered form in its model's canonical form, or why not
/// (`unknown_form_type`, or `invalid_dossier` naming where the text does not fit the model).
pub fn parse_record(json: &str) -> Result<(&'static dyn Form, Value), BindError> {
    let form = abjuan_shared::forms::of_text(json).map_err(|found| {
        BindError::new(
            "unknown_form_type",
            format!("no registered form is called {found}"),
        )
    })?;
    let record = form.normalize(json).map_err(|e| misfit("the record", &e))?;
    Ok((form, record))
}

fn misfit(what: &str, e: &serde_json::Error) -> BindError {
    BindError::new(
        "invalid_dossier",
        format!(
            "{what} does not fit the dossier model (line {} column {})",
            e.line(),
            e.column()
        ),
    )
}

fn load_volume(bytes: &[u8]) -> Result<Automerge, BindError> {
    if bytes.is_empty() {
        return Ok(Automerge::new());
    }
    Ok(Automerge::load(bytes).map_err(doc::DocError::from)?)
}

impl DossierDoc {
    /// New documents holding the dossier in `json`, written by `actor_hex` at `now`.
    /// Any registered form type (`formType`); the AB dossier when absent.
    pub fn create(json: &str, actor_hex: &str, now: Timestamp) -> Result<Self, BindError> {
        let actor = parse_actor(actor_hex)?;
        let (form, record) = parse_record(json)?;
        let id = record
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| abjuan_shared::validate::field::is_uuid(id))
            .ok_or_else(|| BindError::new("invalid_dossier", "the dossier id must be a UUID"))?
            .to_owned();
        let docs = DossierDocs::create_normalized(form, record, &actor, now)?;
        Ok(Self {
            state: DossierState::from_docs(docs)?,
            actor,
            id,
        })
    }

    /// Empty documents for a dossier this device has not seen yet (filled by sync).
    pub fn empty(dossier_id: &str, actor_hex: &str) -> Result<Self, BindError> {
        if !abjuan_shared::validate::field::is_uuid(dossier_id) {
            return Err(BindError::new(
                "invalid_dossier",
                "the dossier id must be a UUID",
            ));
        }
        Ok(Self {
            state: DossierState::new(),
            actor: parse_actor(actor_hex)?,
            id: dossier_id.to_owned(),
        })
    }

    /// Loads saved bytes (empty bytes: an empty document). The documents must name one
    /// dossier.
    pub fn load(a: &[u8], b: &[u8], actor_hex: &str) -> Result<Self, BindError> {
        let actor = parse_actor(actor_hex)?;
        let docs = DossierDocs {
            a: load_volume(a)?,
            b: load_volume(b)?,
        };
        let (ida, idb) = (docs.dossier_id(Volume::A), docs.dossier_id(Volume::B));
        let id = match (ida, idb) {
            (Some(x), Some(y)) if x != y => return Err(doc::DocError::WrongDossier.into()),
            (Some(x), _) | (None, Some(x)) => x,
            (None, None) => {
                return Err(BindError::new(
                    "doc_shape",
                    "neither document names its dossier: use DossierDoc.empty(id, actor)",
                ))
            }
        };
        Ok(Self {
            state: DossierState::from_docs(docs)?,
            actor,
            id,
        })
    }

    /// The dossier id.
    #[must_use]
    pub fn dossier_id(&self) -> &str {
        &self.id
    }

    /// The dossier as JSON (not checked against the model: `assess` does that).
    pub fn to_json(&self) -> Result<Value, BindError> {
        Ok(self.state.json())
    }

    /// Runs an edit under this device's actor id; the views follow its changes.
    fn edit(
        &mut self,
        f: impl FnOnce(&mut DossierDocs, &ActorId) -> Result<EditOutcome, doc::DocError>,
    ) -> Result<Edit, BindError> {
        let actor = &self.actor;
        Ok(self.state.edit(|docs| f(docs, actor))?.into())
    }

    /// Makes the documents hold the dossier in `json`, touching only what differs.
    pub fn update(&mut self, json: &str, now: Timestamp, message: &str) -> Result<Edit, BindError> {
        let (_, record) = parse_record(json)?;
        self.edit(|d, actor| d.update_normalized(record, actor, now, message))
    }

    /// Sets one field (`null` removes an optional one).
    pub fn set_field(
        &mut self,
        pointer: &str,
        value: Value,
        now: Timestamp,
    ) -> Result<Edit, BindError> {
        self.edit(|d, actor| d.set_field(pointer, value, actor, now))
    }

    /// Edits a narrative text in place (positions in Unicode characters).
    pub fn splice_text(
        &mut self,
        pointer: &str,
        pos: usize,
        delete: usize,
        insert: &str,
        now: Timestamp,
    ) -> Result<Edit, BindError> {
        self.edit(|d, actor| d.splice_text(pointer, pos, delete, insert, actor, now))
    }

    /// Adds a mediation session.
    pub fn add_session(&mut self, json: &str, now: Timestamp) -> Result<Edit, BindError> {
        let s: MediationSession = parse_model(json, "the session")?;
        self.edit(|d, actor| d.add_session(s, actor, now))
    }

    /// Adds a follow-up visit.
    pub fn add_follow_up(&mut self, json: &str, now: Timestamp) -> Result<Edit, BindError> {
        let f: FollowUp = parse_model(json, "the follow-up")?;
        self.edit(|d, actor| d.add_follow_up(f, actor, now))
    }

    /// Adds a party to volume B.
    pub fn add_party(&mut self, json: &str, now: Timestamp) -> Result<Edit, BindError> {
        let p: Party = parse_model(json, "the party")?;
        self.edit(|d, actor| d.add_party(p, actor, now))
    }

    /// Moves the dossier to another status, if the rules allow it.
    pub fn change_status(&mut self, status: &str, now: Timestamp) -> Result<Edit, BindError> {
        let to = parse_status(status)?;
        self.edit(|d, actor| d.change_status(to, actor, now))
    }

    /// Settles a conflict with `value`, superseding every concurrent value.
    pub fn resolve_conflict(
        &mut self,
        pointer: &str,
        value: &Value,
        now: Timestamp,
    ) -> Result<Edit, BindError> {
        self.edit(|d, actor| d.resolve_conflict(pointer, value, actor, now))
    }

    /// Fields with concurrent values, both documents.
    pub fn conflicts(&self) -> Result<Vec<doc::Conflict>, BindError> {
        Ok(self.state.conflicts())
    }

    /// Every change to one document, oldest first, with the fields each touched.
    #[must_use]
    pub fn history(&self, volume: Volume, with_paths: bool) -> Vec<doc::HistoryEntry> {
        doc::history(self.state.doc(volume), with_paths)
    }

    /// Validation report, grade and conflicts of the current (merged) state.
    pub fn assess(&self, opts: &Options) -> Result<doc::Assessment, BindError> {
        Ok(self.state.assess(&opts.validate_options()))
    }
}

fn now(now: Option<String>) -> Result<Timestamp, BindError> {
    js::now_or_clock(now)
}

fn edit(result: Result<Edit, BindError>) -> Result<JsValue, JsValue> {
    Ok(js::to_js(&result?)?)
}

fn value_of(v: &JsValue) -> Result<Value, BindError> {
    match js::stringify(v)? {
        Some(text) => serde_json::from_str(&text)
            .map_err(|_| BindError::new("invalid_json", "the value is not JSON")),
        None => Ok(Value::Null),
    }
}

#[wasm_bindgen]
impl DossierDoc {
    /// `DossierDoc.create(dossier, actorHex, now?)`.
    #[wasm_bindgen(js_name = create)]
    pub fn create_js(
        #[wasm_bindgen(unchecked_param_type = "Dossier | string")] dossier: &JsValue,
        #[wasm_bindgen(js_name = actorHex)] actor_hex: &str,
        now: Option<String>,
    ) -> Result<DossierDoc, JsValue> {
        let json = js::required_json(dossier, "the dossier")?;
        Ok(Self::create(&json, actor_hex, self::now(now)?)?)
    }

    /// `DossierDoc.empty(dossierId, actorHex)`: for a dossier first received by sync.
    #[wasm_bindgen(js_name = empty)]
    pub fn empty_js(
        #[wasm_bindgen(js_name = dossierId)] dossier_id: &str,
        #[wasm_bindgen(js_name = actorHex)] actor_hex: &str,
    ) -> Result<DossierDoc, JsValue> {
        Ok(Self::empty(dossier_id, actor_hex)?)
    }

    /// `DossierDoc.load(a, b, actorHex)`.
    #[wasm_bindgen(js_name = load)]
    pub fn load_js(
        a: &[u8],
        b: &[u8],
        #[wasm_bindgen(js_name = actorHex)] actor_hex: &str,
    ) -> Result<DossierDoc, JsValue> {
        Ok(Self::load(a, b, actor_hex)?)
    }

    /// Document A (header and volume A) as bytes.
    #[wasm_bindgen(js_name = saveA)]
    #[must_use]
    pub fn save_a(&self) -> Vec<u8> {
        self.state.doc(Volume::A).save()
    }

    /// Document B (volume B, personal data) as bytes.
    #[wasm_bindgen(js_name = saveB)]
    #[must_use]
    pub fn save_b(&self) -> Vec<u8> {
        self.state.doc(Volume::B).save()
    }

    /// The dossier id.
    #[wasm_bindgen(js_name = dossierId)]
    #[must_use]
    pub fn dossier_id_js(&self) -> String {
        self.id.clone()
    }

    /// The dossier as a plain object (also what `JSON.stringify(doc)` writes).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "Dossier")]
    pub fn to_json_js(&self) -> Result<JsValue, JsValue> {
        Ok(js::to_js(&self.to_json()?)?)
    }

    /// Makes the documents hold `dossier` (how a form saves).
    #[wasm_bindgen(js_name = update, unchecked_return_type = "EditOutcome")]
    pub fn update_js(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Dossier | string")] dossier: &JsValue,
        now: Option<String>,
        message: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let json = js::required_json(dossier, "the dossier")?;
        let message = message.unwrap_or_else(|| "update".to_owned());
        edit(self.update(&json, self::now(now)?, &message))
    }

    /// Sets the field at a JSON pointer.
    #[wasm_bindgen(js_name = setField, unchecked_return_type = "EditOutcome")]
    pub fn set_field_js(
        &mut self,
        pointer: &str,
        value: &JsValue,
        now: Option<String>,
    ) -> Result<JsValue, JsValue> {
        edit(self.set_field(pointer, value_of(value)?, self::now(now)?))
    }

    /// Edits a narrative text: delete `del` characters at `pos`, insert `insert`.
    #[wasm_bindgen(js_name = spliceText, unchecked_return_type = "EditOutcome")]
    pub fn splice_text_js(
        &mut self,
        pointer: &str,
        pos: u32,
        del: u32,
        insert: &str,
        now: Option<String>,
    ) -> Result<JsValue, JsValue> {
        edit(self.splice_text(pointer, pos as usize, del as usize, insert, self::now(now)?))
    }

    /// Adds a mediation session.
    #[wasm_bindgen(js_name = addSession, unchecked_return_type = "EditOutcome")]
    pub fn add_session_js(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "MediationSession")] session: &JsValue,
        now: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let json = js::required_json(session, "the session")?;
        edit(self.add_session(&json, self::now(now)?))
    }

    /// Adds a follow-up visit.
    #[wasm_bindgen(js_name = addFollowUp, unchecked_return_type = "EditOutcome")]
    pub fn add_follow_up_js(
        &mut self,
        #[wasm_bindgen(js_name = followUp, unchecked_param_type = "FollowUp")] follow_up: &JsValue,
        now: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let json = js::required_json(follow_up, "the follow-up")?;
        edit(self.add_follow_up(&json, self::now(now)?))
    }

    /// Adds a party to volume B.
    #[wasm_bindgen(js_name = addParty, unchecked_return_type = "EditOutcome")]
    pub fn add_party_js(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Party")] party: &JsValue,
        now: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let json = js::required_json(party, "the party")?;
        edit(self.add_party(&json, self::now(now)?))
    }

    /// Moves the dossier to another status.
    #[wasm_bindgen(js_name = changeStatus, unchecked_return_type = "EditOutcome")]
    pub fn change_status_js(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "DossierStatus")] status: &str,
        now: Option<String>,
    ) -> Result<JsValue, JsValue> {
        edit(self.change_status(status, self::now(now)?))
    }

    /// Settles a conflict at a JSON pointer with `value`.
    #[wasm_bindgen(js_name = resolveConflict, unchecked_return_type = "EditOutcome")]
    pub fn resolve_conflict_js(
        &mut self,
        pointer: &str,
        value: &JsValue,
        now: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let value = value_of(value)?;
        edit(self.resolve_conflict(pointer, &value, self::now(now)?))
    }

    /// Fields with concurrent values.
    #[wasm_bindgen(js_name = conflicts, unchecked_return_type = "Conflict[]")]
    pub fn conflicts_js(&self) -> Result<JsValue, JsValue> {
        Ok(js::to_js(&self.conflicts()?)?)
    }

    /// Every change to one document, oldest first (`withPaths`, default true, also lists the
    /// fields each change touched).
    #[wasm_bindgen(js_name = history, unchecked_return_type = "HistoryEntry[]")]
    pub fn history_js(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Volume")] volume: &str,
        #[wasm_bindgen(js_name = withPaths)] with_paths: Option<bool>,
    ) -> Result<JsValue, JsValue> {
        let volume = parse_volume(volume)?;
        Ok(js::to_js(
            &self.history(volume, with_paths.unwrap_or(true)),
        )?)
    }

    /// `{report, grade, conflicts}` of the current state.
    #[wasm_bindgen(js_name = assess, skip_typescript)]
    pub fn assess_js(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ValidateOptions")] opts: Option<js_sys::Object>,
    ) -> Result<JsValue, JsValue> {
        let text = opts.as_deref().map(js::stringify).transpose()?.flatten();
        let opts = Options::from_json(text.as_deref(), js::now)?;
        Ok(js::to_js(&self.assess(&opts)?)?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const ALICE: &str = "aa01aa01aa01aa01aa01aa01aa01aa01";
    pub(crate) const BOB: &str = "bb02bb02bb02bb02bb02bb02bb02bb02";

    pub(crate) fn now() -> Timestamp {
        Timestamp::parse_from_rfc3339("2025-06-01T12:00:00+08:00").unwrap()
    }

    pub(crate) fn fixture(name: &str) -> String {
        let path = format!(
            "{}/../shared/fixtures/valid/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn create_save_load_round_trip() {
        let d = DossierDoc::create(&fixture("follow-up-marriage.json"), ALICE, now()).unwrap();
        let back = DossierDoc::load(&d.save_a(), &d.save_b(), BOB).unwrap();
        assert_eq!(back.to_json().unwrap(), d.to_json().unwrap());
        assert_eq!(back.dossier_id(), d.dossier_id());
        let original: Value = serde_json::from_str(&fixture("follow-up-marriage.json")).unwrap();
        assert_eq!(back.to_json().unwrap()["header"], original["header"]);
    }

    #[test]
    fn edits_and_assessment() {
        let mut d = DossierDoc::create(&fixture("draft-neighbour.json"), ALICE, now()).unwrap();
        let e = d
            .set_field("/header/facts/peopleInvolved", Value::from(3), now())
            .unwrap();
        assert!(e.a.is_some() && e.b.is_none());
        assert_eq!(d.to_json().unwrap()["header"]["facts"]["peopleInvolved"], 3);
        let opts = Options::from_json(None, now).unwrap();
        let assessment = d.assess(&opts).unwrap();
        assert!(assessment.grade.is_some());
        assert!(d.history(Volume::A, true).len() >= 2);
        assert_eq!(
            d.change_status("nonsense", now()).unwrap_err().code,
            "invalid_status"
        );
    }

    #[test]
    fn hostile_input_gives_codes() {
        assert_eq!(
            DossierDoc::load(b"junk", b"", ALICE).unwrap_err().code,
            "doc_corrupt"
        );
        assert_eq!(
            DossierDoc::load(b"", b"", ALICE).unwrap_err().code,
            "doc_shape"
        );
        assert_eq!(
            DossierDoc::create("{}", ALICE, now()).unwrap_err().code,
            "invalid_dossier"
        );
        assert_eq!(
            DossierDoc::create(&fixture("draft-neighbour.json"), "xyz", now())
                .unwrap_err()
                .code,
            "invalid_actor"
        );
        assert_eq!(parse_volume("c").unwrap_err().code, "invalid_volume");
        let mut d = DossierDoc::create(&fixture("draft-neighbour.json"), ALICE, now()).unwrap();
        assert_eq!(
            d.add_party("{\"name\": 3}", now()).unwrap_err().code,
            "invalid_dossier"
        );
        assert_eq!(
            d.splice_text("/nowhere", 0, 0, "x", now())
                .unwrap_err()
                .code,
            "edit_invalid"
        );
    }

    #[test]
    fn concurrent_edits_show_as_conflicts_and_resolve() {
        let mut a = DossierDoc::create(&fixture("draft-neighbour.json"), ALICE, now()).unwrap();
        let mut b = DossierDoc::load(&a.save_a(), &a.save_b(), BOB).unwrap();
        a.set_field("/header/facts/peopleInvolved", Value::from(4), now())
            .unwrap();
        b.set_field("/header/facts/peopleInvolved", Value::from(5), now())
            .unwrap();
        let theirs = b.changes_since(Volume::A, &[]).unwrap().unwrap();
        a.apply_changes(Volume::A, &theirs).unwrap();
        let found = a.conflicts().unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "/header/facts/peopleInvolved");
        a.resolve_conflict("/header/facts/peopleInvolved", &Value::from(5), now())
            .unwrap();
        assert!(a.conflicts().unwrap().is_empty());
    }
}
