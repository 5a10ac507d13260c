//! Changes applied in place, without the copy a [`super::Trial`] makes, when their operations
//! show beforehand that every check of a trial would come out as it is now: the dossier id
//! is ours (every concurrent value) and no operation touches it (the root member, nor the
//! text of any of its values), no operation touches the facts rights depend on (document A's
//! `formType`, `header`, its `station` and `status`), and every change can be applied now (its
//! dependencies are in the document or in the batch, and nothing waits in the document's
//! queue), so the changes new to the document are known before they are applied, and so are
//! their actors. The rights are then vetted on that, before anything is applied.
//!
//! Copying a document costs as much as the document (automerge's columns are plain byte
//! vectors, its change graph grows with the history), so this is what makes an ordinary
//! upload cost what the edit costs. Anything else (a dossier's first changes, an edit of the
//! id or of the header's station or status, a change with missing dependencies, a change too
//! big to follow op by op) takes the trial.

use std::collections::HashSet;

use automerge::legacy::{Key, ObjectId};
use automerge::{ActorId, Automerge, Change, ChangeHash, ObjId, ReadDoc, Value as AmValue};

use super::touch::{decode, Ops};
use crate::doc::{guarded, read, Volume};

/// What is known of changes that may be applied in place.
#[derive(Debug)]
pub struct InPlace {
    /// The actor ids (hex) of the changes new to the document, each once, sorted.
    pub actors: Vec<String>,
    /// Their operations, decoded (the view follows them).
    pub(crate) ops: Ops,
}

/// The objects whose content the checks read: (counter, actor) of each. Found while the
/// document's id is this dossier's; an in-place apply cannot change any of it (it touches none
/// of these objects nor the keys that lead to them), so a peer keeps it between applies
/// ([`super::DossierState`] forgets it whenever a document changes another way).
#[derive(Debug, Clone, Default)]
pub(crate) struct Guarded {
    /// Values of the id and of the header's station and status (texts, when not scalars).
    values: HashSet<(u64, ActorId)>,
    /// The header maps (document A).
    headers: HashSet<(u64, ActorId)>,
}

fn object_id(id: &ObjId) -> Option<(u64, ActorId)> {
    match id {
        ObjId::Id(counter, actor, _) => Some((*counter, actor.clone())),
        ObjId::Root => None,
    }
}

/// Every concurrent value of `key` in `obj` that is an object.
fn objects(doc: &Automerge, obj: &ObjId, key: &str) -> Option<Vec<(u64, ActorId)>> {
    let all = doc.get_all(obj, key).ok()?;
    Some(
        all.iter()
            .filter(|(v, _)| matches!(v, AmValue::Object(_)))
            .filter_map(|(_, id)| object_id(id))
            .collect(),
    )
}

/// What the checks read in `doc`, when the id is ours now (else `None`: the trial decides).
pub(crate) fn guarded_parts(doc: &Automerge, volume: Volume, dossier: &str) -> Option<Guarded> {
    let key = volume.id_key();
    let ids = doc.get_all(automerge::ROOT, key).ok()?;
    if ids.is_empty()
        || !ids
            .iter()
            .all(|(v, obj)| read::string_value(doc, v, obj).as_deref() == Some(dossier))
    {
        return None;
    }
    let mut g = Guarded::default();
    g.values.extend(objects(doc, &automerge::ROOT, key)?);
    if volume == Volume::A {
        g.values.extend(objects(doc, &automerge::ROOT, "formType")?);
        for (v, header) in doc.get_all(automerge::ROOT, "header").ok()? {
            if let AmValue::Object(_) = v {
                for k in ["station", "status"] {
                    g.values.extend(objects(doc, &header, k)?);
                }
                g.headers.extend(object_id(&header));
            }
        }
    }
    Some(g)
}

/// Whether `changes` (for document `volume` of dossier `dossier`) may be applied to `doc` in
/// place, and what is known of them then. `known` holds what the checks read in `doc` when a
/// previous call found it (it is found here otherwise, and left there).
pub(crate) fn plan(
    doc: &Automerge,
    volume: Volume,
    dossier: &str,
    changes: &[Change],
    known: &mut Option<Guarded>,
) -> Option<InPlace> {
    guarded(|| Ok(plan_inner(doc, volume, dossier, changes, known)))
        .ok()
        .flatten()
}

fn plan_inner(
    doc: &Automerge,
    volume: Volume,
    dossier: &str,
    changes: &[Change],
    known: &mut Option<Guarded>,
) -> Option<InPlace> {
    if doc.get_heads().is_empty() || !doc.get_missing_deps(&[]).is_empty() {
        return None;
    }
    // With an empty queue, the hashes automerge calls missing are the ones it does not have.
    let hashes: Vec<ChangeHash> = changes.iter().map(Change::hash).collect();
    let new: HashSet<ChangeHash> = doc.get_missing_deps(&hashes).into_iter().collect();
    if new.is_empty() {
        return Some(InPlace {
            actors: Vec::new(),
            ops: Ops::default(),
        });
    }
    let mut fresh: Vec<&Change> = Vec::with_capacity(new.len());
    let mut seen = HashSet::new();
    for c in changes {
        if new.contains(&c.hash()) && seen.insert(c.hash()) {
            fresh.push(c);
        }
    }
    let deps: Vec<ChangeHash> = fresh
        .iter()
        .flat_map(|c| c.deps().iter().copied())
        .collect();
    if !doc.get_missing_deps(&deps).iter().all(|d| new.contains(d)) {
        return None;
    }
    if known.is_none() {
        *known = Some(guarded_parts(doc, volume, dossier)?);
    }
    let guarded = known.as_ref()?;
    let ops = decode(fresh.iter().copied())?;
    let id_key = volume.id_key();
    for (_, _, op) in &ops.list {
        let at_key = |k: &str| matches!(&op.key, Key::Map(m) if m.as_str() == k);
        let touches = match &op.obj {
            ObjectId::Root => {
                at_key(id_key) || (volume == Volume::A && (at_key("header") || at_key("formType")))
            }
            ObjectId::Id(o) => {
                let o = (o.0, o.1.clone());
                guarded.values.contains(&o)
                    || (guarded.headers.contains(&o) && (at_key("station") || at_key("status")))
            }
        };
        if touches {
            return None;
        }
    }
    let mut actors: Vec<String> = fresh.iter().map(|c| c.actor_id().to_hex_string()).collect();
    actors.sort_unstable();
    actors.dedup();
    Some(InPlace { actors, ops })
}
