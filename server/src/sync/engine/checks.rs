//! Checks on a document's changes that need no copy of the document: which dossier the changes
//! and the document claim to be, and whether its history is one chain.

use abjuan_shared::doc::Volume;
use automerge::{Automerge, ChangeHash, ReadDoc};

/// What new changes do to the document's own dossier-id field, read from their operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IdClaim {
    /// They leave it alone or write `dossier` itself as a string.
    Same,
    /// They write something else there (another id, a number, a map, a delete): the changes
    /// belong to another dossier.
    Other,
    /// The id is (or becomes) a text object, as automerge-js writes JS strings; its content is
    /// edited by operations on that object, so only the document after the changes can tell.
    /// Apply them to a copy and check it with [`claims_only`].
    CheckAfter,
}

/// What `changes` claim the document (now `doc`) to be. Reads the changes' operations
/// instead of trial-applying them to a copy of the document, except where the id is text.
pub(super) fn id_claim(
    doc: &Automerge,
    changes: &[automerge::Change],
    volume: Volume,
    dossier: &str,
) -> IdClaim {
    use automerge::legacy::{Key, ObjectId, OpType};
    let key = volume.id_key();
    let mut claim = match doc.get(automerge::ROOT, key) {
        Ok(Some((automerge::Value::Object(automerge::ObjType::Text), _))) => IdClaim::CheckAfter,
        _ => IdClaim::Same,
    };
    for c in changes {
        for op in c.decode().operations {
            if !(matches!(op.obj, ObjectId::Root)
                && matches!(&op.key, Key::Map(k) if k.as_str() == key))
            {
                continue;
            }
            match &op.action {
                OpType::Put(automerge::ScalarValue::Str(s)) if s.as_str() == dossier => {}
                OpType::Make(automerge::ObjType::Text) => claim = IdClaim::CheckAfter,
                _ => return IdClaim::Other,
            }
        }
    }
    claim
}

/// Every concurrent value of the document's own dossier-id field equals `dossier` (or there
/// is none yet); a text object counts by its content.
pub(super) fn claims_only(doc: &Automerge, volume: Volume, dossier: &str) -> bool {
    match doc.get_all(automerge::ROOT, volume.id_key()) {
        Ok(all) => all.iter().all(|(v, obj)| {
            abjuan_shared::doc::read::string_value(doc, v, obj).as_deref() == Some(dossier)
        }),
        Err(_) => false,
    }
}

/// Whether the document's history is one chain of changes.
pub(super) fn is_linear(doc: &Automerge) -> bool {
    let mut head: Vec<ChangeHash> = Vec::new();
    for meta in doc.get_changes_meta(&[]) {
        if meta.deps != head {
            return false;
        }
        head = vec![meta.hash];
    }
    true
}

/// Whether a chain that ended at `before` still is one after `new` (in causal order).
pub(super) fn still_linear(before: &[ChangeHash], new: &[automerge::Change]) -> bool {
    let mut head = before.to_vec();
    for c in new {
        if c.deps() != head.as_slice() {
            return false;
        }
        head = vec![c.hash()];
    }
    true
}
