//! [`DocView`]: one document as JSON, and its conflicts, kept up to date change by change. A
//! sync re-reads only what the new changes' operations touched (a text that was typed into,
//! the member of a map that was set, a list that gained an element), so its cost follows the
//! edit, not the dossier. The operations, not automerge's patches, say what was touched: a
//! concurrent value that loses to the current one changes no visible state (no patch) but does
//! change the field's conflict. Re-reading uses the same reader as a whole-document read
//! ([`crate::doc::read`]), so both give the same JSON; a property test holds them equal.

use std::collections::BTreeSet;

use automerge::{Automerge, Change, ObjId, Prop, ReadDoc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::touch::{decode, touched, Ops};
use crate::doc::conflicts::{walk, walk_prop, Found};
use crate::doc::{read, Conflict, DocError, Seg, Volume};

/// A document as JSON plus its conflicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocView {
    /// What [`crate::doc::read::to_json`] gives for the document.
    json: Value,
    /// Its conflicts by path (none while the history is linear).
    conflicts: Vec<(Vec<Seg>, Conflict)>,
}

impl Default for DocView {
    fn default() -> Self {
        Self {
            json: Value::Object(serde_json::Map::new()),
            conflicts: Vec::new(),
        }
    }
}

/// What to read again in one object.
enum Kind {
    /// One member of a map.
    Member(String),
    /// The whole object.
    Whole,
    /// Only the elements a list gained (automerge object ids).
    Added(Vec<ObjId>),
}

/// A part of the document to read again.
struct Touch {
    /// Where the object is.
    path: Vec<Seg>,
    obj: ObjId,
    kind: Kind,
}

impl Touch {
    /// Where the part read again is.
    fn target(&self) -> Vec<Seg> {
        let mut t = self.path.clone();
        if let Kind::Member(k) = &self.kind {
            t.push(Seg::Key(k.clone()));
        }
        t
    }

    /// Whether reading it again covers everything below it.
    fn covers(&self) -> bool {
        !matches!(self.kind, Kind::Added(_))
    }
}

fn schema_path(segs: &[Seg]) -> Vec<String> {
    segs.iter()
        .map(|s| match s {
            Seg::Index(_) => "*".to_owned(),
            Seg::Key(k) => k.clone(),
        })
        .collect()
}

/// The value at `segs` in `json`, mutably.
fn slot<'a>(json: &'a mut Value, segs: &[Seg]) -> Option<&'a mut Value> {
    segs.iter().try_fold(json, |v, s| match (v, s) {
        (Value::Object(m), Seg::Key(k)) => m.get_mut(k),
        (Value::Array(a), Seg::Index(i)) => a.get_mut(*i),
        _ => None,
    })
}

/// The view could not be patched (its shape no longer matches, or the document could not be
/// read there): it is read whole, which reports any real error.
struct Stale;

impl From<DocError> for Stale {
    fn from(_: DocError) -> Self {
        Stale
    }
}

impl From<automerge::AutomergeError> for Stale {
    fn from(_: automerge::AutomergeError) -> Self {
        Stale
    }
}

impl DocView {
    /// Reads the whole document; conflicts only when `with_conflicts` (a document whose
    /// history is one chain has none).
    pub fn read(doc: &Automerge, volume: Volume, with_conflicts: bool) -> Result<Self, DocError> {
        let json = read::to_json(doc)?;
        let mut found = Found::new();
        if with_conflicts {
            walk(doc, &automerge::ROOT, &mut Vec::new(), volume, &mut found)?;
        }
        Ok(Self {
            json,
            conflicts: found.into_iter().collect(),
        })
    }

    /// The document as JSON.
    #[must_use]
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The document as JSON, to lend a part of it for a moment ([`super::DossierState::lend_json`]).
    pub(super) fn json_mut(&mut self) -> &mut Value {
        &mut self.json
    }

    /// Its conflicts, in path order.
    pub fn conflicts(&self) -> impl Iterator<Item = &Conflict> {
        self.conflicts.iter().map(|(_, c)| c)
    }

    /// Brings the view up to date with `doc` after `changes` were applied to it.
    pub fn update<'a>(
        &mut self,
        doc: &Automerge,
        volume: Volume,
        changes: impl IntoIterator<Item = &'a Change>,
        with_conflicts: bool,
    ) -> Result<(), DocError> {
        let ops = crate::doc::guarded(|| Ok(decode(changes))).ok().flatten();
        self.update_from(doc, volume, ops.as_ref(), with_conflicts)
    }

    /// [`Self::update`] from the new changes' operations, decoded (`None`: too many to
    /// follow, read the document whole).
    pub(crate) fn update_from(
        &mut self,
        doc: &Automerge,
        volume: Volume,
        ops: Option<&Ops>,
        with_conflicts: bool,
    ) -> Result<(), DocError> {
        let touched = ops.and_then(touched);
        let Some(touched) = touched else {
            // Changes that wrote all over the document (a dossier's first, say): one whole
            // read costs less than finding where each part is.
            *self = Self::read(doc, volume, with_conflicts)?;
            return Ok(());
        };
        let mut touches = Vec::new();
        for (obj, t) in touched {
            let Ok(obj) = doc.import_obj(&obj) else {
                continue;
            };
            // An object that is not visible (deleted, or the losing value of a conflict)
            // shows nothing: neither its JSON nor its conflicts.
            let Some(path) = doc.parents(&obj)?.visible_path() else {
                continue;
            };
            let path: Vec<Seg> = path.iter().map(|(_, prop)| Seg::of(prop)).collect();
            let mut kinds: Vec<Kind> = t.members.into_iter().map(Kind::Member).collect();
            if t.whole {
                kinds.push(Kind::Whole);
            } else if !t.added.is_empty() {
                let added = t.added.iter().filter_map(|a| doc.import_obj(a).ok());
                kinds.push(Kind::Added(added.collect()));
            }
            for kind in kinds {
                touches.push(Touch {
                    path: path.clone(),
                    obj: obj.clone(),
                    kind,
                });
            }
        }
        // Outermost first: a list read again (or one that gained elements) fixes the indices
        // below it; a part read again whole covers everything below it.
        touches.sort_by_key(|t| t.target().len());
        let mut found = Found::new();
        let mut done: BTreeSet<Vec<Seg>> = BTreeSet::new();
        let mut replaced: Vec<(Vec<Seg>, bool)> = Vec::new();
        for t in &touches {
            let target = t.target();
            if (0..=target.len()).any(|n| done.contains(&target[..n])) {
                continue;
            }
            match self.reread(doc, volume, t, with_conflicts, &mut found) {
                Ok(Some(replaced_here)) => replaced.push(replaced_here),
                Ok(None) => {}
                Err(Stale) => {
                    *self = Self::read(doc, volume, with_conflicts)?;
                    return Ok(());
                }
            }
            if t.covers() {
                done.insert(target);
            }
        }
        if with_conflicts || !self.conflicts.is_empty() {
            // Conflicts under a part read again are replaced by what the reading found.
            self.conflicts.retain(|(segs, _)| {
                !replaced.iter().any(|(prefix, inclusive)| {
                    segs.starts_with(prefix) && (*inclusive || segs.len() > prefix.len())
                })
            });
            let mut all: Found = std::mem::take(&mut self.conflicts).into_iter().collect();
            all.extend(found);
            self.conflicts = all.into_iter().collect();
        }
        Ok(())
    }

    /// Reads the part `t` touched again and puts it into the view. Returns where the
    /// conflicts it found replace the old ones (`true`: the place itself too).
    fn reread(
        &mut self,
        doc: &Automerge,
        volume: Volume,
        t: &Touch,
        with_conflicts: bool,
        found: &mut Found,
    ) -> Result<Option<(Vec<Seg>, bool)>, Stale> {
        let mut schema = schema_path(&t.path);
        match &t.kind {
            Kind::Member(key) => {
                schema.push(key.clone());
                let value = match doc.get(&t.obj, key.as_str())? {
                    Some((v, id)) => read::read_value(doc, v, &id, &mut schema)?,
                    None => Value::Null,
                };
                let Some(Value::Object(map)) = slot(&mut self.json, &t.path) else {
                    return Err(Stale);
                };
                if value.is_null() {
                    map.shift_remove(key);
                } else {
                    map.insert(key.clone(), value);
                }
                if with_conflicts {
                    let mut path = t.path.clone();
                    walk_prop(
                        doc,
                        &t.obj,
                        Prop::Map(key.clone()),
                        &mut path,
                        volume,
                        found,
                    )?;
                }
            }
            Kind::Whole => {
                let value = read::to_json_at(doc, &t.obj, &mut schema)?;
                let Some(at) = slot(&mut self.json, &t.path) else {
                    return Err(Stale);
                };
                *at = value;
                if with_conflicts {
                    let mut path = t.path.clone();
                    walk(doc, &t.obj, &mut path, volume, found)?;
                }
                return Ok(Some((t.path.clone(), false)));
            }
            Kind::Added(elements) => {
                return self.read_added(doc, volume, t, elements, with_conflicts, found);
            }
        }
        Ok(Some((t.target(), true)))
    }

    /// Puts the elements a list gained into the view's copy of the list, where the document
    /// has them now; the list is read again whole when that is not simply so (elements left
    /// it too, or it is read as a set, or conflicts below it would move).
    fn read_added(
        &mut self,
        doc: &Automerge,
        volume: Volume,
        t: &Touch,
        elements: &[ObjId],
        with_conflicts: bool,
        found: &mut Found,
    ) -> Result<Option<(Vec<Seg>, bool)>, Stale> {
        let mut at: Vec<(usize, &ObjId)> = Vec::with_capacity(elements.len());
        for e in elements {
            let Some(path) = doc.parents(e)?.visible_path() else {
                continue;
            };
            let in_list = path.len() == t.path.len() + 1
                && path.iter().zip(&t.path).all(|((_, p), s)| Seg::of(p) == *s);
            match path.last() {
                Some((_, Prop::Seq(i))) if in_list => at.push((*i, e)),
                _ => return Err(Stale),
            }
        }
        at.sort_unstable_by_key(|(i, _)| *i);
        let mut schema = schema_path(&t.path);
        let as_set = {
            let s: Vec<&str> = schema.iter().map(String::as_str).collect();
            crate::doc::shape::is_scalar_set(&s)
        };
        let first = at.first().map_or(usize::MAX, |(i, _)| *i);
        let moves_conflicts = self.conflicts.iter().any(|(segs, _)| {
            segs.len() > t.path.len()
                && segs.starts_with(&t.path)
                && matches!(segs[t.path.len()], Seg::Index(i) if i >= first)
        });
        let fits = matches!(slot(&mut self.json, &t.path), Some(Value::Array(a))
            if a.len() + at.len() == doc.length(&t.obj));
        if as_set || moves_conflicts || !fits {
            let whole = Touch {
                path: t.path.clone(),
                obj: t.obj.clone(),
                kind: Kind::Whole,
            };
            return self.reread(doc, volume, &whole, with_conflicts, found);
        }
        schema.push("*".to_owned());
        for (i, e) in at {
            let value = read::to_json_at(doc, e, &mut schema)?;
            if let Some(Value::Array(list)) = slot(&mut self.json, &t.path) {
                list.insert(i.min(list.len()), value);
            }
            if with_conflicts {
                let mut path = t.path.clone();
                path.push(Seg::Index(i));
                walk(doc, e, &mut path, volume, found)?;
            }
        }
        Ok(None)
    }
}
