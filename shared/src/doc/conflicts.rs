//! Conflicts: fields where officers wrote different values concurrently. automerge keeps every
//! concurrent value and picks a winner deterministically; this lists them all, with the actor
//! that wrote each (the server maps actors to people). Resolving is an ordinary edit
//! ([`super::DossierDocs::resolve_conflict`]) that supersedes all of them.

use automerge::{Automerge, ObjId, ObjType, ReadDoc, Value as AmValue};
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

/// Every conflict in one document, in document order.
pub fn conflicts(doc: &Automerge, volume: Volume) -> Result<Vec<Conflict>, DocError> {
    let mut out = Vec::new();
    walk(
        doc,
        &automerge::ROOT,
        &mut String::new(),
        0,
        volume,
        &mut out,
    )?;
    Ok(out)
}

fn walk(
    doc: &Automerge,
    obj: &ObjId,
    path: &mut String,
    depth: usize,
    volume: Volume,
    out: &mut Vec<Conflict>,
) -> Result<(), DocError> {
    if depth > MAX_DEPTH {
        return Err(DocError::TooDeep);
    }
    let props: Vec<automerge::Prop> = match doc.object_type(obj)? {
        ObjType::Map | ObjType::Table => doc.keys(obj).map(automerge::Prop::from).collect(),
        ObjType::List => (0..doc.length(obj)).map(automerge::Prop::from).collect(),
        ObjType::Text => return Ok(()),
    };
    for prop in props {
        let len = path.len();
        match &prop {
            automerge::Prop::Map(k) => structural_pointer(path, k),
            automerge::Prop::Seq(i) => structural_pointer(path, &i.to_string()),
        }
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
            out.push(Conflict {
                path: path.clone(),
                volume,
                values,
            });
        }
        if let Some((AmValue::Object(_), child)) = doc.get(obj, prop)? {
            walk(doc, &child, path, depth + 1, volume, out)?;
        }
        path.truncate(len);
    }
    Ok(())
}
