//! Helpers shared by the `shared` crate's integration tests: fixtures, JSON patches, a fixed
//! "now".

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use abjuan_shared::model::Timestamp;
use serde_json::Value;

pub mod edits;
pub mod gen;

/// The clock all fixture tests use: 2025-06-01 12:00 Beijing time.
pub fn now() -> Timestamp {
    Timestamp::parse_from_rfc3339("2025-06-01T12:00:00+08:00").unwrap()
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every `*.json` file in a fixtures subfolder, sorted, as `(name, value)`.
pub fn fixture_dir(sub: &str) -> Vec<(String, Value)> {
    let mut files: Vec<_> = std::fs::read_dir(fixtures().join(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                read_json(&p),
            )
        })
        .collect()
}

/// An invalid fixture materialised: its base with its patch applied.
pub fn materialise(invalid: &Value) -> Value {
    let base = read_json(
        &fixtures()
            .join("valid")
            .join(invalid["base"].as_str().unwrap()),
    );
    apply_patch(base, invalid["patch"].as_array().unwrap())
}

/// The three RFC 6902 operations the fixtures use: add, replace, remove.
pub fn apply_patch(mut doc: Value, ops: &[Value]) -> Value {
    for op in ops {
        let path = op["path"].as_str().unwrap();
        let (parent, key) = path.rsplit_once('/').unwrap();
        let target = doc
            .pointer_mut(parent)
            .unwrap_or_else(|| panic!("no {parent}"));
        match (op["op"].as_str().unwrap(), target) {
            ("remove", Value::Object(m)) => {
                m.shift_remove(key).unwrap_or_else(|| panic!("no {path}"));
            }
            ("remove", Value::Array(a)) => {
                a.remove(key.parse().unwrap());
            }
            (_, Value::Object(m)) => {
                m.insert(key.to_owned(), op["value"].clone());
            }
            ("replace", Value::Array(a)) => a[key.parse::<usize>().unwrap()] = op["value"].clone(),
            (_, Value::Array(a)) => a.insert(key.parse().unwrap(), op["value"].clone()),
            _ => panic!("cannot apply {op}"),
        }
    }
    doc
}

/// Damages one place of a JSON document, chosen by `pick`.
pub fn damage(doc: &mut Value, pick: usize, how: u8) {
    let mut paths = Vec::new();
    collect_paths(doc, String::new(), &mut paths);
    let path = &paths[pick % paths.len()];
    let (parent, key) = path.rsplit_once('/').unwrap();
    let Some(target) = doc.pointer_mut(parent) else {
        return;
    };
    let replacement = match how % 5 {
        0 => Value::from("not-a-valid-value"),
        1 => Value::Bool(true),
        2 => Value::from(7),
        3 => Value::Null,
        _ => {
            if let Value::Object(m) = target {
                m.shift_remove(key);
            }
            return;
        }
    };
    match target {
        Value::Object(m) => {
            m.insert(key.to_owned(), replacement);
        }
        Value::Array(a) => a[key.parse::<usize>().unwrap()] = replacement,
        _ => {}
    }
}

pub fn collect_paths(v: &Value, here: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, v)| {
            let p = format!("{here}/{k}");
            out.push(p.clone());
            collect_paths(v, p, out);
        }),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, v)| {
            let p = format!("{here}/{i}");
            out.push(p.clone());
            collect_paths(v, p, out);
        }),
        _ => {}
    }
}
