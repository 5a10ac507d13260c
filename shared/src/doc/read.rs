//! Reading a dossier document back into JSON (and so into the model).
//!
//! The reader trusts nothing: a document from a hostile client may have any shape. It stops at
//! [`MAX_DEPTH`] levels, skips values JSON cannot hold, and leaves type checking to the
//! validator, which then reports exactly what is wrong and where.

use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, Value as AmValue};
use serde_json::{Map, Value};

use super::{shape, DocError};

/// The deepest nesting read from a document.
pub const MAX_DEPTH: usize = 24;

/// A string field's value, stored either as a scalar string (how this crate writes every string
/// but the narratives) or as a text object (how automerge-js writes every JS string): both are
/// the same string to the dossier. `None` for anything else.
pub fn string_value<D: ReadDoc>(doc: &D, value: &AmValue<'_>, obj: &ObjId) -> Option<String> {
    match value {
        AmValue::Scalar(s) => s.as_str().map(str::to_owned),
        AmValue::Object(ObjType::Text) => doc.text(obj).ok(),
        AmValue::Object(_) => None,
    }
}

/// The whole document as JSON.
pub fn to_json<D: ReadDoc>(doc: &D) -> Result<Value, DocError> {
    let mut path = Vec::new();
    read_obj(doc, &ObjId::Root, ObjType::Map, &mut path)
}

/// The object `obj` (of any type) as JSON; `path` is its schema path.
pub(crate) fn to_json_at<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    path: &mut Vec<String>,
) -> Result<Value, DocError> {
    let typ = doc.object_type(obj)?;
    read_obj(doc, obj, typ, path)
}

fn read_obj<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    typ: ObjType,
    path: &mut Vec<String>,
) -> Result<Value, DocError> {
    if path.len() > MAX_DEPTH {
        return Err(DocError::TooDeep);
    }
    match typ {
        ObjType::Map | ObjType::Table => {
            let mut out = Map::new();
            for key in doc.keys(obj) {
                let Some((value, id)) = doc.get(obj, key.as_str())? else {
                    continue;
                };
                path.push(key.clone());
                let v = read_value(doc, value, &id, path)?;
                path.pop();
                if !v.is_null() {
                    out.insert(key, v);
                }
            }
            Ok(Value::Object(out))
        }
        ObjType::List => {
            let len = doc.length(obj);
            let mut out = Vec::with_capacity(len);
            for i in 0..len {
                let Some((value, id)) = doc.get(obj, i)? else {
                    continue;
                };
                path.push("*".to_owned());
                let v = read_value(doc, value, &id, path)?;
                path.pop();
                out.push(v);
            }
            let schema_path: Vec<&str> = path.iter().map(String::as_str).collect();
            if shape::is_scalar_set(&schema_path) {
                let mut seen = Vec::with_capacity(out.len());
                out.retain(|v| {
                    if seen.contains(v) {
                        false
                    } else {
                        seen.push(v.clone());
                        true
                    }
                });
            }
            Ok(Value::Array(out))
        }
        ObjType::Text => Ok(Value::String(doc.text(obj)?)),
    }
}

pub(crate) fn read_value<D: ReadDoc>(
    doc: &D,
    value: AmValue<'_>,
    id: &ObjId,
    path: &mut Vec<String>,
) -> Result<Value, DocError> {
    match value {
        AmValue::Object(typ) => read_obj(doc, id, typ, path),
        AmValue::Scalar(s) => Ok(scalar_to_json(&s)),
    }
}

/// 2^53: the largest integer a JS number (an f64) holds exactly, and beyond.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_992.0;

/// A scalar as JSON (bytes and unknown types, which a dossier never holds, become null).
#[must_use]
pub fn scalar_to_json(s: &ScalarValue) -> Value {
    match s {
        ScalarValue::Str(s) => Value::String(s.to_string()),
        ScalarValue::Int(i) => Value::from(*i),
        ScalarValue::Uint(u) => Value::from(*u),
        // automerge-js writes every JS number as f64, so a count of 3 arrives as 3.0. JSON has
        // one number type and the model's counts are integers: an integral f64 (within the
        // range a JS number holds exactly) reads as that integer.
        #[allow(clippy::cast_possible_truncation)]
        ScalarValue::F64(f) if f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER => {
            Value::from(*f as i64)
        }
        ScalarValue::F64(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        ScalarValue::Boolean(b) => Value::Bool(*b),
        ScalarValue::Timestamp(t) => Value::from(*t),
        ScalarValue::Counter(c) => Value::from(i64::from(c)),
        ScalarValue::Bytes(_) | ScalarValue::Unknown { .. } | ScalarValue::Null => Value::Null,
    }
}
