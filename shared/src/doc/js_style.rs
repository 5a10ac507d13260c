//! Documents laid out the way automerge-js writes a JS object (`A.from(json)`): every string a
//! text object, every number an f64. That is how independent clients make dossiers; the tests
//! and benchmarks use this to make the same documents without a JS runtime.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, Automerge, ObjId, ObjType, ScalarValue};
use serde_json::{Map, Value};

use super::{DocError, DossierDocs};

/// Writes `value` under `obj` at `key`.
fn put(doc: &mut AutoCommit, obj: &ObjId, key: &str, value: &Value) -> Result<(), DocError> {
    match value {
        Value::String(s) => {
            let text = doc.put_object(obj, key, ObjType::Text)?;
            doc.splice_text(&text, 0, 0, s)?;
        }
        Value::Number(n) => doc.put(obj, key, ScalarValue::F64(n.as_f64().unwrap_or(0.0)))?,
        Value::Bool(b) => doc.put(obj, key, *b)?,
        Value::Null => doc.put(obj, key, ScalarValue::Null)?,
        Value::Array(items) => {
            let list = doc.put_object(obj, key, ObjType::List)?;
            for (i, item) in items.iter().enumerate() {
                insert(doc, &list, i, item)?;
            }
        }
        Value::Object(map) => {
            let m = doc.put_object(obj, key, ObjType::Map)?;
            for (k, v) in map {
                put(doc, &m, k, v)?;
            }
        }
    }
    Ok(())
}

/// Inserts `value` into `list` at `i`.
fn insert(doc: &mut AutoCommit, list: &ObjId, i: usize, value: &Value) -> Result<(), DocError> {
    match value {
        Value::String(s) => {
            let text = doc.insert_object(list, i, ObjType::Text)?;
            doc.splice_text(&text, 0, 0, s)?;
        }
        Value::Number(n) => doc.insert(list, i, ScalarValue::F64(n.as_f64().unwrap_or(0.0)))?,
        Value::Bool(b) => doc.insert(list, i, *b)?,
        Value::Null => doc.insert(list, i, ScalarValue::Null)?,
        Value::Array(_) => return Err(DocError::Shape),
        Value::Object(map) => {
            let m = doc.insert_object(list, i, ObjType::Map)?;
            for (k, v) in map {
                put(doc, &m, k, v)?;
            }
        }
    }
    Ok(())
}

/// One document holding `root`, in one change by `actor`.
pub fn js_style_doc(
    root: &Map<String, Value>,
    actor: &automerge::ActorId,
) -> Result<Automerge, DocError> {
    let mut doc = AutoCommit::new().with_actor(actor.clone());
    for (k, v) in root {
        put(&mut doc, &automerge::ROOT, k, v)?;
    }
    doc.commit();
    Ok(doc.document().clone())
}

/// A dossier's two documents as automerge-js would write them from the dossier's JSON.
pub fn js_style_docs(dossier: &Value, actor: &automerge::ActorId) -> Result<DossierDocs, DocError> {
    let Value::Object(all) = dossier else {
        return Err(DocError::Shape);
    };
    let mut a = all.clone();
    let volume_b = a
        .shift_remove("volumeB")
        .unwrap_or(Value::Object(Map::new()));
    let mut b = Map::new();
    b.insert(
        "dossierId".into(),
        all.get("id").cloned().unwrap_or(Value::Null),
    );
    b.insert("volumeB".into(), volume_b);
    Ok(DossierDocs {
        a: js_style_doc(&a, actor)?,
        b: js_style_doc(&b, actor)?,
    })
}
