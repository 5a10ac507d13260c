//! Conflicts: fields where officers wrote different values concurrently. automerge keeps every
//! concurrent value and picks a winner deterministically; this lists them all, with the actor
//! that wrote each (the server maps actors to people). Resolving is an ordinary edit
//! ([`super::DossierDocs::resolve_conflict`]) that supersedes all of them.
//!
//! Conflicts are listed in path order ([`Seg`]: map keys by text, list elements by index),
//! whether found by walking a whole document ([`conflicts`]) or kept up to date for the parts
//! an edit touched (`crate::sync::view`): both give the same list.

use automerge::{Automerge, ObjId, ObjType, Prop, ReadDoc, Value as AmValue};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::read::{scalar_to_json, MAX_DEPTH};
use super::structural_pointer;
use super::{DocError, Volume};

/// One field with concurrent values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// JSON pointer of the field in the dossier.
    pub path: String,
    /// Which document holds it.
    pub volume: Volume,
    /// Every concurrent value; the one shown now has `winner: true`.
    pub values: Vec<ConflictValue>,
}

/// One of the concurrent values of a field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictValue {
    /// The value.
    pub value: Value,
    /// Hex actor id that wrote it.
    pub actor: String,
    /// Whether this is the value currently shown.
    pub winner: bool,
}

/// One step of a path in a document: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Seg {
    /// A list element.
    Index(usize),
    /// A map member.
    Key(String),
}

impl Seg {
    /// The automerge property.
    #[must_use]
    pub fn prop(&self) -> Prop {
        match self {
            Seg::Index(i) => Prop::Seq(*i),
            Seg::Key(k) => Prop::Map(k.clone()),
        }
    }

    /// The step of an automerge property.
    #[must_use]
    pub fn of(prop: &Prop) -> Self {
        match prop {
            Prop::Seq(i) => Seg::Index(*i),
            Prop::Map(k) => Seg::Key(k.clone()),
        }
    }
}

/// A JSON pointer for `segs`.
#[must_use]
pub fn pointer(segs: &[Seg]) -> String {
    let mut out = String::new();
    for s in segs {
        match s {
            Seg::Index(i) => structural_pointer(&mut out, &i.to_string()),
            Seg::Key(k) => structural_pointer(&mut out, k),
        }
    }
    out
}

/// Conflicts found by a walk, keyed by where they are (so kept in path order).
pub(crate) type Found = std::collections::BTreeMap<Vec<Seg>, Conflict>;

/// Every conflict in one document, in path order.
pub fn conflicts(doc: &Automerge, volume: Volume) -> Result<Vec<Conflict>, DocError> {
    let mut found = Found::new();
    walk(doc, &automerge::ROOT, &mut Vec::new(), volume, &mut found)?;
    Ok(found.into_values().collect())
}

/// Walks the object `obj` found at `path`: every property, and every object below.
pub(crate) fn walk(
    doc: &Automerge,
    obj: &ObjId,
    path: &mut Vec<Seg>,
    volume: Volume,
    out: &mut Found,
) -> Result<(), DocError> {
    if path.len() > MAX_DEPTH {
        return Err(DocError::TooDeep);
    }
    let props: Vec<Prop> = match doc.object_type(obj)? {
        ObjType::Map | ObjType::Table => doc.keys(obj).map(Prop::from).collect(),
        ObjType::List => (0..doc.length(obj)).map(Prop::from).collect(),
        ObjType::Text => return Ok(()),
    };
    for prop in props {
        walk_prop(doc, obj, prop, path, volume, out)?;
    }
    Ok(())
}

/// Looks at one property of `obj` (at `path`): its concurrent values, and the object it holds.
pub(crate) fn walk_prop(
    doc: &Automerge,
    obj: &ObjId,
    prop: Prop,
    path: &mut Vec<Seg>,
    volume: Volume,
    out: &mut Found,
) -> Result<(), DocError> {
    path.push(Seg::of(&prop));
    let all = doc.get_all(obj, prop.clone())?;
    if all.len() > 1 {
        let winner = doc.get(obj, prop.clone())?.map(|(_, id)| id);
        let values = all
            .iter()
            .map(|(value, id)| {
                Ok(ConflictValue {
                    value: match value {
                        AmValue::Scalar(s) => scalar_to_json(s),
                        AmValue::Object(ObjType::Text) => Value::String(doc.text(id)?),
                        AmValue::Object(_) => Value::String("{…}".into()),
                    },
                    actor: match id {
                        ObjId::Id(_, actor, _) => actor.to_hex_string(),
                        ObjId::Root => String::new(),
                    },
                    winner: Some(id) == winner.as_ref(),
                })
            })
            .collect::<Result<Vec<_>, DocError>>()?;
        out.insert(
            path.clone(),
            Conflict {
                path: pointer(path),
                volume,
                values,
            },
        );
    }
    if let Some((AmValue::Object(_), child)) = doc.get(obj, prop)? {
        walk(doc, &child, path, volume, out)?;
    }
    path.pop();
    Ok(())
}
