//! [`DossierDocs`]: a dossier's two automerge documents and the edits officers make to them.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Automerge, ChangeHash, ObjId, ObjType, ReadDoc, Value as AmValue};
use serde_json::{Map, Value};

use super::{read, write, DocError, Volume};
use crate::model::{
    Dossier, FollowUp, Labelled, MediationSession, Party, Status, Timestamp, VolumeB,
};

/// A dossier's two documents: A (`{id, formType, header, volumeA}`) and B
/// (`{dossierId, volumeB}`).
#[derive(Debug, Clone)]
pub struct DossierDocs {
    /// Header and volume A.
    pub a: Automerge,
    /// Volume B: personal data.
    pub b: Automerge,
}

/// What an edit produced: the new change hash of each document it touched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditOutcome {
    /// New change in document A, if it changed.
    pub a: Option<ChangeHash>,
    /// New change in document B, if it changed.
    pub b: Option<ChangeHash>,
}

fn commit_opts(message: &str, now: Timestamp) -> CommitOptions {
    CommitOptions::default()
        .with_message(message.to_owned())
        .with_time(now.timestamp_millis())
}

/// The root map of one document as JSON.
type Root = Map<String, Value>;

/// Splits a dossier's JSON into the roots of its two documents.
fn split(dossier: &Dossier) -> Result<(Root, Root), DocError> {
    let mut all = serde_json::to_value(dossier).map_err(|_| DocError::Shape)?;
    if let Some(root) = all.as_object_mut() {
        if root.get("volumeB").is_none_or(Value::is_null) {
            let empty = serde_json::to_value(VolumeB::default()).unwrap_or(Value::Null);
            root.insert("volumeB".into(), empty);
        }
    }
    split_value(all)
}

/// Splits any record's JSON (one of the registered forms, see [`crate::forms`]) into the
/// roots of its two documents: everything but `volumeB` in A; `{dossierId, volumeB}` in B.
fn split_value(record: Value) -> Result<(Root, Root), DocError> {
    let Value::Object(mut all) = record else {
        return Err(DocError::Shape);
    };
    let id = all
        .get("id")
        .and_then(Value::as_str)
        .ok_or(DocError::Shape)?
        .to_owned();
    let volume_b = all
        .shift_remove("volumeB")
        .filter(|v| !v.is_null())
        .unwrap_or_else(|| Value::Object(Map::new()));
    let mut b = Map::new();
    b.insert("dossierId".into(), Value::from(id));
    b.insert("volumeB".into(), volume_b);
    Ok((all, b))
}

/// Writes `root` into `doc` as one change; `None` when nothing differed.
fn write_root(
    doc: &mut Automerge,
    actor: &ActorId,
    root: &Map<String, Value>,
    message: &str,
    now: Timestamp,
) -> Result<Option<ChangeHash>, DocError> {
    doc.set_actor(actor.clone());
    let mut tx = doc.transaction();
    let mut path = Vec::new();
    if let Err(e) = write::reconcile_map(&mut tx, &ObjId::Root, &mut path, root) {
        tx.rollback();
        return Err(e);
    }
    if tx.pending_ops() == 0 {
        tx.rollback();
        return Ok(None);
    }
    Ok(tx.commit_with(commit_opts(message, now)).0)
}

impl DossierDocs {
    /// New documents holding `dossier`, written by `actor` at `now`.
    pub fn create(dossier: &Dossier, actor: &ActorId, now: Timestamp) -> Result<Self, DocError> {
        let mut docs = Self {
            a: Automerge::new(),
            b: Automerge::new(),
        };
        docs.update(dossier, actor, now, "create dossier")?;
        Ok(docs)
    }

    /// New documents holding a record of any registered form, given as JSON text (checked by
    /// its form's model first: a record that does not parse is refused with the code why).
    pub fn create_record(json: &str, actor: &ActorId, now: Timestamp) -> Result<Self, DocError> {
        let (form, value) = crate::forms::normalize(json).map_err(DocError::InvalidEdit)?;
        Self::create_normalized(form, value, actor, now)
    }

    /// New documents holding `record`, already in its form's canonical JSON
    /// ([`crate::forms::Form::normalize`]): for a caller that normalized it to report its own
    /// errors, so it is not parsed twice.
    pub fn create_normalized(
        form: &dyn crate::forms::Form,
        record: Value,
        actor: &ActorId,
        now: Timestamp,
    ) -> Result<Self, DocError> {
        let mut docs = Self {
            a: Automerge::new(),
            b: Automerge::new(),
        };
        // The dossier's first change says so, as `create` writes it; another form's names it.
        let message = if form.code() == crate::model::FORM_TYPE {
            "create dossier".to_owned()
        } else {
            format!("create {}", form.code())
        };
        docs.update_normalized(record, actor, now, &message)?;
        Ok(docs)
    }

    /// Makes the documents hold the record given as JSON text, of any registered form,
    /// touching only what differs (as [`Self::update`] does for a dossier). The record's id and
    /// form type cannot change.
    pub fn update_record(
        &mut self,
        json: &str,
        actor: &ActorId,
        now: Timestamp,
        message: &str,
    ) -> Result<EditOutcome, DocError> {
        let (_, value) = crate::forms::normalize(json).map_err(DocError::InvalidEdit)?;
        self.update_normalized(value, actor, now, message)
    }

    /// [`Self::update_record`] for a record already in its form's canonical JSON.
    pub fn update_normalized(
        &mut self,
        value: Value,
        actor: &ActorId,
        now: Timestamp,
        message: &str,
    ) -> Result<EditOutcome, DocError> {
        let id = value.get("id").and_then(Value::as_str);
        if let Some(existing) = self.dossier_id(Volume::A) {
            if Some(existing.as_str()) != id {
                return Err(DocError::WrongDossier);
            }
            let stored = self
                .a
                .get(automerge::ROOT, "formType")
                .ok()
                .flatten()
                .and_then(|(v, obj)| read::string_value(&self.a, &v, &obj));
            let stored = serde_json::json!({ "formType": stored });
            let form = |v: &Value| crate::forms::of_json(v).map(crate::forms::Form::code);
            if form(&stored) != form(&value) {
                return Err(DocError::InvalidEdit("form_type_changed"));
            }
        }
        let (a, b) = split_value(value)?;
        Ok(EditOutcome {
            a: write_root(&mut self.a, actor, &a, message, now)?,
            b: write_root(&mut self.b, actor, &b, message, now)?,
        })
    }

    /// Loads both documents from saved bytes. Hostile bytes give [`DocError::Corrupt`].
    pub fn load(a: &[u8], b: &[u8]) -> Result<Self, DocError> {
        let docs = super::guarded(|| {
            let docs = Self {
                a: Automerge::load(a)?,
                b: Automerge::load(b)?,
            };
            // Reading both once proves they hold something a dossier can be read from.
            docs.to_json()?;
            Ok(docs)
        })?;
        match (docs.dossier_id(Volume::A), docs.dossier_id(Volume::B)) {
            (Some(a), Some(b)) if a == b => Ok(docs),
            (Some(_), Some(_)) => Err(DocError::WrongDossier),
            _ => Err(DocError::Shape),
        }
    }

    /// Both documents as bytes (compressed automerge format).
    #[must_use]
    pub fn save(&self) -> (Vec<u8>, Vec<u8>) {
        (self.a.save(), self.b.save())
    }

    /// One of the two documents.
    #[must_use]
    pub fn doc(&self, volume: Volume) -> &Automerge {
        match volume {
            Volume::A => &self.a,
            Volume::B => &self.b,
        }
    }

    /// One of the two documents, mutably.
    pub fn doc_mut(&mut self, volume: Volume) -> &mut Automerge {
        match volume {
            Volume::A => &mut self.a,
            Volume::B => &mut self.b,
        }
    }

    /// The dossier id a document says it belongs to (`id` in A, `dossierId` in B).
    #[must_use]
    pub fn dossier_id(&self, volume: Volume) -> Option<String> {
        dossier_id(self.doc(volume), volume)
    }

    /// The dossier as JSON: document A's root plus `volumeB` from document B. Not checked
    /// against the model: [`super::assess`] does that and reports what is wrong.
    pub fn to_json(&self) -> Result<Value, DocError> {
        merge_json(read::to_json(&self.a)?, Some(read::to_json(&self.b)?))
    }

    /// The dossier as the model, if the documents hold a well-formed one.
    pub fn dossier(&self) -> Result<Dossier, DocError> {
        // Through text: the model has one deserializer (from text), shared by every caller.
        crate::parse_dossier(&self.to_json()?.to_string()).map_err(|_| DocError::Shape)
    }

    /// Makes the documents hold `dossier`, touching only what differs (one change per document
    /// that changed). This is how a form saves: concurrent edits elsewhere survive.
    pub fn update(
        &mut self,
        dossier: &Dossier,
        actor: &ActorId,
        now: Timestamp,
        message: &str,
    ) -> Result<EditOutcome, DocError> {
        if let Some(existing) = self.dossier_id(Volume::A) {
            if existing != dossier.id {
                return Err(DocError::WrongDossier);
            }
        }
        let (a, b) = split(dossier)?;
        Ok(EditOutcome {
            a: write_root(&mut self.a, actor, &a, message, now)?,
            b: write_root(&mut self.b, actor, &b, message, now)?,
        })
    }

    /// Applies `edit` to the current dossier and saves the result (the model checks it first).
    fn edit_with(
        &mut self,
        actor: &ActorId,
        now: Timestamp,
        message: &str,
        edit: impl FnOnce(&mut Dossier) -> Result<(), DocError>,
    ) -> Result<EditOutcome, DocError> {
        let mut dossier = self.dossier()?;
        edit(&mut dossier)?;
        self.update(&dossier, actor, now, message)
    }

    /// Sets the field at a JSON pointer (`/volumeB/parties/0/mobile`) to `value` (`null`
    /// removes an optional field). Refused when the dossier would no longer parse.
    pub fn set_field(
        &mut self,
        pointer: &str,
        value: Value,
        actor: &ActorId,
        now: Timestamp,
    ) -> Result<EditOutcome, DocError> {
        let mut json = self.to_json()?;
        match json.pointer_mut(pointer) {
            Some(slot) => *slot = value,
            None => insert_missing(&mut json, pointer, value)
                .map_err(|()| DocError::InvalidEdit("unknown_path"))?,
        }
        let (_, record) =
            crate::forms::normalize(&json.to_string()).map_err(DocError::InvalidEdit)?;
        self.update_normalized(record, actor, now, &format!("set {pointer}"))
    }

    /// Adds a mediation session.
    pub fn add_session(
        &mut self,
        session: MediationSession,
        actor: &ActorId,
        now: Timestamp,
    ) -> Result<EditOutcome, DocError> {
        self.edit_with(actor, now, "add session", |d| {
            d.volume_a.sessions.push(session);
            Ok(())
        })
    }

    /// Adds a follow-up visit.
    pub fn add_follow_up(
        &mut self,
        follow_up: FollowUp,
        actor: &ActorId,
        now: Timestamp,
    ) -> Result<EditOutcome, DocError> {
        self.edit_with(actor, now, "add follow-up", |d| {
            d.volume_a.follow_ups.push(follow_up);
            Ok(())
        })
    }

    /// Adds a party to volume B.
    pub fn add_party(
        &mut self,
        party: Party,
        actor: &ActorId,
        now: Timestamp,
    ) -> Result<EditOutcome, DocError> {
        self.edit_with(actor, now, "add party", |d| {
            d.volume_b
                .get_or_insert_with(VolumeB::default)
                .parties
                .push(party);
            Ok(())
        })
    }

    /// Moves the dossier to `to`, if the status rules allow it from the current status.
    pub fn change_status(
        &mut self,
        to: Status,
        actor: &ActorId,
        now: Timestamp,
    ) -> Result<EditOutcome, DocError> {
        self.edit_with(actor, now, &format!("status {to}"), |d| {
            let from = d.header.status;
            if from != to && !from.allowed_next().contains(&to) {
                return Err(DocError::Transition {
                    from: from.code(),
                    to: to.code(),
                });
            }
            d.header.status = to;
            Ok(())
        })
    }

    /// Edits the text at a JSON pointer (a narrative field): deletes `delete` characters at
    /// character `pos` and inserts `insert`. Positions count Unicode characters.
    pub fn splice_text(
        &mut self,
        pointer: &str,
        pos: usize,
        delete: usize,
        insert: &str,
        actor: &ActorId,
        now: Timestamp,
    ) -> Result<EditOutcome, DocError> {
        let volume = volume_of(pointer);
        let doc = self.doc_mut(volume);
        let obj = resolve(doc, pointer)?;
        if doc.object_type(&obj)? != ObjType::Text {
            return Err(DocError::InvalidEdit("not_text"));
        }
        let text = doc.text(&obj)?;
        let enc = doc.text_encoding();
        let start = text.char_indices().nth(pos).map_or(text.len(), |(i, _)| i);
        let end = text[start..]
            .char_indices()
            .nth(delete)
            .map_or(text.len(), |(i, _)| start + i);
        let at = write::width(enc, &text[..start]);
        let del = isize::try_from(write::width(enc, &text[start..end])).unwrap_or(isize::MAX);
        doc.set_actor(actor.clone());
        let mut tx = doc.transaction();
        tx.splice_text(&obj, at, del, insert)?;
        let hash = tx
            .commit_with(commit_opts(&format!("edit {pointer}"), now))
            .0;
        Ok(match volume {
            Volume::A => EditOutcome { a: hash, b: None },
            Volume::B => EditOutcome { a: None, b: hash },
        })
    }

    /// Resolves a conflict: writes `value` at the pointer as a new change that supersedes every
    /// concurrent value there, even when `value` equals the current winner.
    pub fn resolve_conflict(
        &mut self,
        pointer: &str,
        value: &Value,
        actor: &ActorId,
        now: Timestamp,
    ) -> Result<EditOutcome, DocError> {
        let volume = volume_of(pointer);
        let (parent, key) = pointer
            .rsplit_once('/')
            .ok_or(DocError::InvalidEdit("unknown_path"))?;
        let doc = self.doc_mut(volume);
        let obj = resolve(doc, parent)?;
        let prop: automerge::Prop = match key.parse::<usize>() {
            Ok(i) if doc.object_type(&obj)? == ObjType::List => i.into(),
            _ => unescape(key).into(),
        };
        doc.set_actor(actor.clone());
        let mut tx = doc.transaction();
        match value {
            Value::Object(_) | Value::Array(_) => {
                tx.rollback();
                return Err(DocError::InvalidEdit("not_scalar"));
            }
            Value::String(s)
                if matches!(
                    tx.get(&obj, prop.clone())?,
                    Some((AmValue::Object(ObjType::Text), _))
                ) =>
            {
                let text = tx.put_object(&obj, prop, ObjType::Text)?;
                tx.splice_text(&text, 0, 0, s)?;
            }
            v => tx.put(&obj, prop, write::json_to_scalar(v))?,
        }
        let hash = tx
            .commit_with(commit_opts(&format!("resolve {pointer}"), now))
            .0;
        Ok(match volume {
            Volume::A => EditOutcome { a: hash, b: None },
            Volume::B => EditOutcome { a: None, b: hash },
        })
    }

    /// Merges another replica's documents into these (A with A, B with B).
    pub fn merge(&mut self, other: &mut DossierDocs) -> Result<(), DocError> {
        for volume in [Volume::A, Volume::B] {
            let (mine, theirs) = (self.dossier_id(volume), other.dossier_id(volume));
            if mine.is_some() && theirs.is_some() && mine != theirs {
                return Err(DocError::WrongDossier);
            }
        }
        self.a.merge(&mut other.a)?;
        self.b.merge(&mut other.b)?;
        Ok(())
    }

    /// The documents as they were at `heads` (one list per document).
    pub fn at(&self, heads_a: &[ChangeHash], heads_b: &[ChangeHash]) -> Result<Self, DocError> {
        Ok(Self {
            a: self.a.fork_at(heads_a)?,
            b: self.b.fork_at(heads_b)?,
        })
    }
}

/// `id` of document A or `dossierId` of document B.
#[must_use]
pub fn dossier_id(doc: &Automerge, volume: Volume) -> Option<String> {
    let (value, obj) = doc.get(automerge::ROOT, volume.id_key()).ok()??;
    read::string_value(doc, &value, &obj)
}

/// Joins document A's JSON and document B's JSON into dossier JSON.
pub fn merge_json(a: Value, b: Option<Value>) -> Result<Value, DocError> {
    let Value::Object(mut root) = a else {
        return Err(DocError::Shape);
    };
    if let Some(Value::Object(mut b)) = b {
        if let Some(vb) = b.shift_remove("volumeB") {
            root.insert("volumeB".into(), vb);
        }
    }
    Ok(Value::Object(root))
}

fn volume_of(pointer: &str) -> Volume {
    if pointer.starts_with("/volumeB") {
        Volume::B
    } else {
        Volume::A
    }
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// The object at a JSON pointer in the document of `volume`.
fn resolve(doc: &Automerge, pointer: &str) -> Result<ObjId, DocError> {
    let mut obj = automerge::ROOT;
    for segment in pointer.split('/').skip(1) {
        let typ = doc.object_type(&obj)?;
        let prop: automerge::Prop = match (typ, segment.parse::<usize>()) {
            (ObjType::List, Ok(i)) => i.into(),
            (ObjType::List, Err(_)) => return Err(DocError::InvalidEdit("unknown_path")),
            _ => unescape(segment).into(),
        };
        match doc.get(&obj, prop)? {
            Some((AmValue::Object(_), id)) => obj = id,
            _ => return Err(DocError::InvalidEdit("unknown_path")),
        }
    }
    Ok(obj)
}

/// Sets a member that does not exist yet (its parent object must exist).
fn insert_missing(json: &mut Value, pointer: &str, value: Value) -> Result<(), ()> {
    let (parent, key) = pointer.rsplit_once('/').ok_or(())?;
    match json.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.insert(unescape(key), value);
            Ok(())
        }
        _ => Err(()),
    }
}
