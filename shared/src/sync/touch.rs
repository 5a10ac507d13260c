//! What a batch of changes touched, read from their operations: per object, the map members
//! written, whether the object must be read again whole (a text typed into, a list that lost
//! or changed an element), or only the elements a list gained. Objects the changes created
//! themselves are left out: whatever created them (a member set, an element added) covers
//! them.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use automerge::legacy::{Key, ObjectId, OpType};
use automerge::Change;

/// Past this many touched parts, the document is read whole instead.
pub(super) const MAX_TOUCHES: usize = 64;

/// What happened to one object.
#[derive(Debug, Default)]
pub(super) struct ObjTouch {
    /// Read it again whole.
    pub whole: bool,
    /// Map members written.
    pub members: BTreeSet<String>,
    /// Objects inserted into this list (automerge's `counter@actor`).
    pub added: Vec<String>,
}

fn id(counter: u64, actor: &str) -> String {
    format!("{counter}@{actor}")
}

/// Per object (`counter@actor`, or `_root`), what `changes` did to it; `None` when they
/// touched more than [`MAX_TOUCHES`] parts.
pub(super) fn touched<'a>(
    changes: impl IntoIterator<Item = &'a Change>,
) -> Option<BTreeMap<String, ObjTouch>> {
    if !cfg!(feature = "incremental-views") {
        return None;
    }
    let mut ops = Vec::new();
    let mut created = HashSet::new();
    for change in changes {
        if change.len() > 4 * MAX_TOUCHES + ops.len() {
            return None;
        }
        let actor = change.actor_id().to_hex_string();
        let start = change.start_op().get();
        for (i, op) in change.decode().operations.into_iter().enumerate() {
            let op_id = id(start + i as u64, &actor);
            if matches!(op.action, OpType::Make(_)) {
                created.insert(op_id.clone());
            }
            ops.push((op_id, op));
        }
    }
    let mut out: BTreeMap<String, ObjTouch> = BTreeMap::new();
    for (op_id, op) in ops {
        let obj = match &op.obj {
            ObjectId::Root => "_root".to_owned(),
            ObjectId::Id(o) => id(o.0, &o.1.to_hex_string()),
        };
        if created.contains(&obj) {
            continue;
        }
        let t = out.entry(obj).or_default();
        match (&op.key, &op.action) {
            (Key::Map(k), _) => {
                t.members.insert(k.to_string());
            }
            (Key::Seq(_), OpType::Make(_)) if op.insert => t.added.push(op_id),
            (Key::Seq(_), _) => t.whole = true,
        }
        if out.len() > MAX_TOUCHES {
            return None;
        }
    }
    let parts: usize = out
        .values()
        .map(|t| t.members.len() + usize::from(t.whole || !t.added.is_empty()))
        .sum();
    (parts <= MAX_TOUCHES).then_some(out)
}
