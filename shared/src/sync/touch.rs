//! What a batch of changes touched, read from their operations: per object, the map members
//! written, whether the object must be read again whole (a text typed into, a list that lost
//! or changed an element), or only the elements a list gained. Objects the changes created
//! themselves are left out: whatever created them (a member set, an element added) covers
//! them. The operations are decoded once ([`Ops`]) for both this and the in-place check
//! ([`super::in_place`]).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use automerge::legacy::{Key, ObjectId, Op, OpType};
use automerge::{ActorId, Change};

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

/// The operations of a batch of changes, each with its id (counter, actor).
#[derive(Debug, Default)]
pub(crate) struct Ops {
    pub(super) list: Vec<(u64, ActorId, Op)>,
}

fn id(counter: u64, actor: &ActorId) -> String {
    format!("{counter}@{}", actor.to_hex_string())
}

/// Decodes the operations of `changes`; `None` when there are too many to be worth finding
/// where each one went (past about four per part that can be read again).
pub(crate) fn decode<'a>(changes: impl IntoIterator<Item = &'a Change>) -> Option<Ops> {
    if !cfg!(feature = "incremental-views") {
        return None;
    }
    let mut list = Vec::new();
    for change in changes {
        if change.len() > 4 * MAX_TOUCHES + list.len() {
            return None;
        }
        let actor = change.actor_id();
        let start = change.start_op().get();
        for (i, op) in change.decode().operations.into_iter().enumerate() {
            list.push((start + i as u64, actor.clone(), op));
        }
    }
    Some(Ops { list })
}

/// Per object (`counter@actor`, or `_root`), what the operations did to it; `None` when they
/// touched more than [`MAX_TOUCHES`] parts.
pub(super) fn touched(ops: &Ops) -> Option<BTreeMap<String, ObjTouch>> {
    let created: HashSet<(u64, &ActorId)> = ops
        .list
        .iter()
        .filter(|(_, _, op)| matches!(op.action, OpType::Make(_)))
        .map(|(c, a, _)| (*c, a))
        .collect();
    let mut out: BTreeMap<String, ObjTouch> = BTreeMap::new();
    let mut last: Option<(&ObjectId, String)> = None;
    for (counter, actor, op) in &ops.list {
        let obj = match (&last, &op.obj) {
            (Some((o, name)), _) if *o == &op.obj => name.clone(),
            (_, ObjectId::Root) => "_root".to_owned(),
            (_, ObjectId::Id(o)) => {
                if created.contains(&(o.0, &o.1)) {
                    continue;
                }
                id(o.0, &o.1)
            }
        };
        last = Some((&op.obj, obj.clone()));
        let t = out.entry(obj).or_default();
        match (&op.key, &op.action) {
            (Key::Map(k), _) => {
                t.members.insert(k.to_string());
            }
            (Key::Seq(_), OpType::Make(_)) if op.insert => t.added.push(id(*counter, actor)),
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
