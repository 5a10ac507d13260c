//! Writing JSON into a dossier document with the fewest operations: only what differs is
//! touched, text is spliced (common prefix and suffix kept), entity lists are matched by `id`.
//! That is what keeps concurrent edits from different phones apart, so they merge.

use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, TextEncoding, Value as AmValue};
use serde_json::{Map, Value};

use super::shape::{self, Kind};
use super::DocError;

/// Makes the map `obj` (at `path`) hold exactly `new`, member by member.
pub fn reconcile_map<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    path: &mut Vec<String>,
    new: &Map<String, Value>,
) -> Result<(), DocError> {
    let stale: Vec<String> = tx
        .keys(obj)
        .filter(|k| new.get(k).is_none_or(Value::is_null))
        .collect();
    for key in stale {
        tx.delete(obj, key.as_str())?;
    }
    for (key, value) in new {
        if value.is_null() {
            continue;
        }
        path.push(key.clone());
        reconcile_prop(tx, obj, Prop::Key(key), path, value)?;
        path.pop();
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Prop<'a> {
    Key(&'a str),
    Index(usize),
}

impl From<Prop<'_>> for automerge::Prop {
    fn from(p: Prop<'_>) -> Self {
        match p {
            Prop::Key(k) => automerge::Prop::Map(k.to_owned()),
            Prop::Index(i) => automerge::Prop::Seq(i),
        }
    }
}

/// Creates a new object of `typ` at `prop` (put for maps, insert for lists).
fn create<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    prop: Prop<'_>,
    typ: ObjType,
    insert: bool,
) -> Result<ObjId, DocError> {
    Ok(match (prop, insert) {
        (Prop::Index(i), true) => tx.insert_object(obj, i, typ)?,
        _ => tx.put_object(obj, prop, typ)?,
    })
}

fn reconcile_prop<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    prop: Prop<'_>,
    path: &mut Vec<String>,
    value: &Value,
) -> Result<(), DocError> {
    let schema_path: Vec<&str> = path.iter().map(String::as_str).collect();
    let kind = shape::kind(&schema_path, value);
    let current = tx.get(obj, prop)?;
    let existing = |want: ObjType| match &current {
        Some((AmValue::Object(t), id)) if *t == want => Some(id.clone()),
        _ => None,
    };
    match kind {
        Kind::Text => {
            let s = value.as_str().unwrap_or_default();
            let id = match existing(ObjType::Text) {
                Some(id) => id,
                None => create(tx, obj, prop, ObjType::Text, false)?,
            };
            splice_diff(tx, &id, s)?;
        }
        Kind::Map => {
            let id = match existing(ObjType::Map) {
                Some(id) => id,
                None => create(tx, obj, prop, ObjType::Map, false)?,
            };
            if let Value::Object(m) = value {
                reconcile_map(tx, &id, path, m)?;
            }
        }
        Kind::EntityList | Kind::ScalarSet | Kind::WholeList => {
            let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
            let id = match existing(ObjType::List) {
                Some(id) => id,
                None => create(tx, obj, prop, ObjType::List, false)?,
            };
            match kind {
                Kind::EntityList => reconcile_entities(tx, &id, path, items)?,
                Kind::ScalarSet => reconcile_set(tx, &id, items)?,
                _ => replace_list(tx, &id, path, items)?,
            }
        }
        Kind::Scalar => match (value.as_str(), existing(ObjType::Text)) {
            // A string automerge-js wrote as a text object stays a text object, but a new one
            // replaces it whole, as automerge-js's own assignment does: a scalar changes as
            // one value, so two phones that change it offline meet as a conflict (one value
            // shown, the other kept beside it), never as two splices interleaved into a value
            // neither wrote (`resolvedresolved`, a phone number made of both). Only a value
            // that changed is written; every other string stays as the JS client wrote it.
            (Some(s), Some(id)) => {
                if tx.text(&id)? != s {
                    let fresh = create(tx, obj, prop, ObjType::Text, false)?;
                    tx.splice_text(&fresh, 0, 0, s)?;
                }
            }
            _ => {
                let new = json_to_scalar(value);
                let same =
                    matches!(&current, Some((AmValue::Scalar(old), _)) if scalar_eq(old, &new));
                if !same {
                    tx.put(obj, prop, new)?;
                }
            }
        },
    }
    Ok(())
}

/// Writes a freshly inserted list element.
fn insert_item<T: Transactable>(
    tx: &mut T,
    list: &ObjId,
    index: usize,
    path: &mut Vec<String>,
    value: &Value,
) -> Result<(), DocError> {
    path.push("*".to_owned());
    let schema_path: Vec<&str> = path.iter().map(String::as_str).collect();
    let result = match shape::kind(&schema_path, value) {
        Kind::Scalar => tx
            .insert(list, index, json_to_scalar(value))
            .map_err(DocError::from),
        kind => {
            let typ = match kind {
                Kind::Text => ObjType::Text,
                Kind::Map => ObjType::Map,
                _ => ObjType::List,
            };
            let id = create(tx, list, Prop::Index(index), typ, true)?;
            fill(tx, &id, path, value)
        }
    };
    path.pop();
    result
}

/// Fills a new, empty object.
fn fill<T: Transactable>(
    tx: &mut T,
    id: &ObjId,
    path: &mut Vec<String>,
    value: &Value,
) -> Result<(), DocError> {
    match value {
        Value::String(s) => {
            tx.splice_text(id, 0, 0, s)?;
        }
        Value::Object(m) => reconcile_map(tx, id, path, m)?,
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                insert_item(tx, id, i, path, item)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn item_id<T: ReadDoc>(tx: &T, list: &ObjId, index: usize) -> Option<String> {
    let (AmValue::Object(ObjType::Map), item) = tx.get(list, index).ok()?? else {
        return None;
    };
    let (value, id) = tx.get(&item, "id").ok()??;
    super::read::string_value(tx, &value, &id)
}

/// Entity lists: delete the elements whose id is gone, reconcile the ones that stay (in
/// place: order in the document is kept), insert new ones after their predecessor.
fn reconcile_entities<T: Transactable>(
    tx: &mut T,
    list: &ObjId,
    path: &mut Vec<String>,
    items: &[Value],
) -> Result<(), DocError> {
    let wanted: Vec<Option<&str>> = items.iter().map(|v| v["id"].as_str()).collect();
    let mut ids: Vec<Option<String>> = (0..tx.length(list)).map(|i| item_id(tx, list, i)).collect();
    for i in (0..ids.len()).rev() {
        let keep = ids[i]
            .as_deref()
            .is_some_and(|id| wanted.contains(&Some(id)));
        if !keep {
            tx.delete(list, i)?;
            ids.remove(i);
        }
    }
    let mut cursor = 0;
    for (item, id) in items.iter().zip(&wanted) {
        let found = id.and_then(|id| ids.iter().position(|x| x.as_deref() == Some(id)));
        match found {
            Some(at) => {
                path.push("*".to_owned());
                let (AmValue::Object(ObjType::Map), elem) =
                    tx.get(list, at)?.ok_or(DocError::Shape)?
                else {
                    return Err(DocError::Shape);
                };
                if let Value::Object(m) = item {
                    reconcile_map(tx, &elem, path, m)?;
                }
                path.pop();
                cursor = at + 1;
            }
            None => {
                insert_item(tx, list, cursor, path, item)?;
                ids.insert(cursor, id.map(str::to_owned));
                cursor += 1;
            }
        }
    }
    Ok(())
}

/// Scalar sets: delete what is no longer wanted, append what is new.
fn reconcile_set<T: Transactable>(
    tx: &mut T,
    list: &ObjId,
    items: &[Value],
) -> Result<(), DocError> {
    let mut current: Vec<Value> = (0..tx.length(list))
        .map(|i| match tx.get(list, i) {
            Ok(Some((AmValue::Scalar(s), _))) => super::read::scalar_to_json(&s),
            Ok(Some((value, id))) => {
                super::read::string_value(tx, &value, &id).map_or(Value::Null, Value::String)
            }
            _ => Value::Null,
        })
        .collect();
    for i in (0..current.len()).rev() {
        if !items.contains(&current[i]) {
            tx.delete(list, i)?;
            current.remove(i);
        }
    }
    for item in items {
        if !current.contains(item) {
            tx.insert(list, current.len(), json_to_scalar(item))?;
            current.push(item.clone());
        }
    }
    Ok(())
}

/// Other lists: replaced as a whole when they differ.
fn replace_list<T: Transactable>(
    tx: &mut T,
    list: &ObjId,
    path: &mut Vec<String>,
    items: &[Value],
) -> Result<(), DocError> {
    let mut sub = path.clone();
    let current = super::read::to_json_at(tx, list, &mut sub)?;
    if current.as_array().map(Vec::as_slice) == Some(items) {
        return Ok(());
    }
    for i in (0..tx.length(list)).rev() {
        tx.delete(list, i)?;
    }
    for (i, item) in items.iter().enumerate() {
        insert_item(tx, list, i, path, item)?;
    }
    Ok(())
}

/// Width of `s` in the document's text units.
pub(crate) fn width(encoding: TextEncoding, s: &str) -> usize {
    match encoding {
        TextEncoding::Utf8CodeUnit => s.len(),
        TextEncoding::Utf16CodeUnit => s.encode_utf16().count(),
        TextEncoding::UnicodeCodePoint | TextEncoding::GraphemeCluster => s.chars().count(),
    }
}

/// Turns the text object `id` into `new` by one splice over the part that differs.
fn splice_diff<T: Transactable>(tx: &mut T, id: &ObjId, new: &str) -> Result<(), DocError> {
    let old = tx.text(id)?;
    if old == new {
        return Ok(());
    }
    let prefix: usize = old
        .chars()
        .zip(new.chars())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    let suffix: usize = old[prefix..]
        .chars()
        .rev()
        .zip(new[prefix..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    let enc = tx.text_encoding();
    let pos = width(enc, &old[..prefix]);
    let del = width(enc, &old[prefix..old.len() - suffix]);
    let ins = &new[prefix..new.len() - suffix];
    tx.splice_text(id, pos, isize::try_from(del).unwrap_or(isize::MAX), ins)?;
    Ok(())
}

/// JSON scalar → automerge scalar: integers as `int` (what JS clients write), other numbers
/// as `f64`.
#[must_use]
pub fn json_to_scalar(v: &Value) -> ScalarValue {
    match v {
        Value::Bool(b) => ScalarValue::Boolean(*b),
        Value::Number(n) => n
            .as_i64()
            .map(ScalarValue::Int)
            .or_else(|| n.as_u64().map(ScalarValue::Uint))
            .unwrap_or_else(|| ScalarValue::F64(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => ScalarValue::Str(s.as_str().into()),
        Value::Null | Value::Array(_) | Value::Object(_) => ScalarValue::Null,
    }
}

fn scalar_eq(old: &ScalarValue, new: &ScalarValue) -> bool {
    super::read::scalar_to_json(old) == super::read::scalar_to_json(new)
}
