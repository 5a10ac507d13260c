//! Checks on a document's changes that need no copy of the document: which dossier the changes
//! and the document claim to be, and whether its history is one chain.

use abjuan_shared::doc::Volume;
use automerge::{Automerge, ChangeHash, ReadDoc};

/// Whether any change writes the document's own dossier-id field with something other than
/// `dossier` (another id, an object, a delete): such changes belong to another dossier. This
/// reads the changes' operations instead of trial-applying them to a copy of the document.
pub(super) fn claims_other(changes: &[automerge::Change], volume: Volume, dossier: &str) -> bool {
    use automerge::legacy::{Key, ObjectId, OpType};
    let key = match volume {
        Volume::A => "id",
        Volume::B => "dossierId",
    };
    changes.iter().any(|c| {
        c.decode().operations.iter().any(|op| {
            matches!(op.obj, ObjectId::Root)
                && matches!(&op.key, Key::Map(k) if k.as_str() == key)
                && !matches!(&op.action, OpType::Put(automerge::ScalarValue::Str(s)) if s.as_str() == dossier)
        })
    })
}

/// Every concurrent value of the document's own dossier-id field equals `dossier` (or there
/// is none yet).
pub(super) fn claims_only(doc: &Automerge, volume: Volume, dossier: &str) -> bool {
    let key = match volume {
        Volume::A => "id",
        Volume::B => "dossierId",
    };
    match doc.get_all(automerge::ROOT, key) {
        Ok(all) => all.iter().all(|(v, _)| match v {
            automerge::Value::Scalar(s) => s.as_str() == Some(dossier),
            automerge::Value::Object(_) => false,
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
