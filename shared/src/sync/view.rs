//! [`DocView`]: one document as JSON, and its conflicts, kept up to date change by change. A
//! sync re-reads only what the new changes' operations touched (a text that was typed into,
//! the member of a map that was set, a list that gained an element), so its cost follows the
//! edit, not the dossier. The operations, not automerge's patches, say what was touched: a
//! concurrent value that loses to the current one changes no visible state (no patch) but does
//! change the field's conflict. Re-reading uses the same reader as a whole-document read
//! ([`crate::doc::read`]), so both give the same JSON; a property test holds them equal.

use std::collections::BTreeSet;

use automerge::legacy::{Key, ObjectId};
use automerge::{Automerge, Change, ObjId, Prop, ReadDoc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

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

/// What a patch touched: a whole object, or one member of a map.
struct Touch {
    /// Where the object is.
    path: Vec<Seg>,
    obj: ObjId,
    key: Option<String>,
}

impl Touch {
    /// The part of the document that is read again.
    fn target(&self) -> Vec<Seg> {
        let mut t = self.path.clone();
        if let Some(k) = &self.key {
            t.push(Seg::Key(k.clone()));
        }
        t
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

/// The objects (as automerge's `counter@actor` text) and map members the operations of
/// `changes` wrote to, each once; `None` for a list or text (read again whole).
fn touched<'a>(
    changes: impl IntoIterator<Item = &'a Change>,
) -> BTreeSet<(String, Option<String>)> {
    let mut out = BTreeSet::new();
    for change in changes {
        for op in change.decode().operations {
            let obj = match &op.obj {
                ObjectId::Root => "_root".to_owned(),
                ObjectId::Id(id) => format!("{}@{}", id.0, id.1.to_hex_string()),
            };
            let key = match &op.key {
                Key::Map(k) => Some(k.to_string()),
                Key::Seq(_) => None,
            };
            out.insert((obj, key));
        }
    }
    out
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
        let mut touches = Vec::new();
        for (obj, key) in touched(changes) {
            let Ok(obj) = doc.import_obj(&obj) else {
                continue;
            };
            // An object that is not visible (deleted, or the losing value of a conflict)
            // shows nothing: neither its JSON nor its conflicts.
            let Some(path) = doc.parents(&obj)?.visible_path() else {
                continue;
            };
            touches.push(Touch {
                path: path.iter().map(|(_, prop)| Seg::of(prop)).collect(),
                obj,
                key,
            });
        }
        // Outermost first: a re-read list fixes the indices below it, and covers them.
        touches.sort_by_key(|t| t.path.len() + usize::from(t.key.is_some()));
        let mut found = Found::new();
        let mut done: Vec<Vec<Seg>> = Vec::new();
        let mut stale = false;
        for t in &touches {
            let target = t.target();
            if done.iter().any(|d| target.starts_with(d)) {
                continue;
            }
            if self
                .reread(doc, volume, t, with_conflicts, &mut found)
                .is_err()
            {
                stale = true;
                break;
            }
            done.push(target);
        }
        if stale {
            *self = Self::read(doc, volume, with_conflicts)?;
            return Ok(());
        }
        if with_conflicts || !self.conflicts.is_empty() {
            // Conflicts under a re-read part are replaced by what the re-read found.
            self.conflicts.retain(|(segs, _)| {
                !touches.iter().any(|t| {
                    let target = t.target();
                    segs.starts_with(&target) && (t.key.is_some() || segs.len() > target.len())
                })
            });
            let mut all: Found = std::mem::take(&mut self.conflicts).into_iter().collect();
            all.extend(found);
            self.conflicts = all.into_iter().collect();
        }
        Ok(())
    }

    /// Reads the part `t` touched again and puts it into the view.
    fn reread(
        &mut self,
        doc: &Automerge,
        volume: Volume,
        t: &Touch,
        with_conflicts: bool,
        found: &mut Found,
    ) -> Result<(), Stale> {
        let mut schema = schema_path(&t.path);
        match &t.key {
            Some(key) => {
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
            None => {
                let value = read::to_json_at(doc, &t.obj, &mut schema)?;
                let Some(at) = slot(&mut self.json, &t.path) else {
                    return Err(Stale);
                };
                *at = value;
                if with_conflicts {
                    let mut path = t.path.clone();
                    walk(doc, &t.obj, &mut path, volume, found)?;
                }
            }
        }
        Ok(())
    }
}
