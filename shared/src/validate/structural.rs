//! Structural findings: turning serde's first error and the `validator` derive's errors into
//! issues with JSON-pointer paths and stable codes.

use serde_json::Value;
use validator::{ValidationErrors, ValidationErrorsKind};

use super::locate::{locate, offset_of};
use super::report::Collector;
use super::Code;

/// Appends one JSON-pointer segment (RFC 6901 escaping).
pub(crate) fn push_segment(path: &mut String, segment: &str) {
    path.push('/');
    for c in segment.chars() {
        match c {
            '~' => path.push_str("~0"),
            '/' => path.push_str("~1"),
            c => path.push(c),
        }
    }
}

/// `id_number` → `idNumber`: serde's camelCase of a Rust field name.
fn camel(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut upper = false;
    for c in field.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Converts the `validator` derive's errors into issues under `prefix`.
pub(crate) fn from_validator(errors: &ValidationErrors, prefix: &str, out: &mut Collector) {
    for (field, kind) in errors.errors() {
        let mut path = prefix.to_owned();
        push_segment(&mut path, &camel(field));
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    let code = match error.code.as_ref() {
                        "length" => Code::Length,
                        "range" => Code::Range,
                        other => Code::from_str_code(other).unwrap_or(Code::InvalidFormat),
                    };
                    let params = out.error(path.clone(), code);
                    if matches!(code, Code::Length | Code::Range) {
                        // Never echo the value itself: it may be personal data.
                        let min = error.params.get("min").cloned().unwrap_or(Value::from(0));
                        let max = error.params.get("max").cloned().unwrap_or(Value::from("∞"));
                        params.insert("min".into(), min);
                        params.insert("max".into(), max);
                    }
                }
            }
            ValidationErrorsKind::Struct(inner) => from_validator(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    let mut item_path = path.clone();
                    push_segment(&mut item_path, &index.to_string());
                    from_validator(inner, &item_path, out);
                }
            }
        }
    }
}

/// Converts the first deserialization error of `json` into an issue at the path where
/// parsing stopped.
pub(crate) fn from_serde(inner: &serde_json::Error, json: &str, out: &mut Collector) {
    let found =
        offset_of(json, inner.line(), inner.column()).map(|at| locate(json, at, inner.is_eof()));
    let text = inner.to_string();
    // serde_json positions enum errors after what follows the string: name the string.
    let mut path = match found {
        Some(l) if text.starts_with("unknown variant") => l.last_string.unwrap_or(l.path),
        Some(l) => l.path,
        None => String::new(),
    };
    if !inner.is_data() {
        let code = if text.starts_with("recursion limit exceeded") {
            Code::TooDeep
        } else {
            Code::InvalidJson
        };
        let params = out.error(path, code);
        if code == Code::InvalidJson {
            params.insert(
                "detail".into(),
                Value::from(format!("line {} column {}", inner.line(), inner.column())),
            );
        }
        return;
    }
    if let Some(field) = between(&text, "missing field `", "`") {
        push_segment(&mut path, field);
        out.error(path, Code::Required);
    } else if let Some(value) = between(&text, "unknown variant `", "`") {
        let shown: String = value.chars().take(32).collect();
        out.error(path, Code::UnknownValue)
            .insert("value".into(), Value::from(shown));
    } else if text.starts_with("invalid type") || text.starts_with("invalid length") {
        let expected = json_type(text.split("expected ").nth(1).unwrap_or(""));
        out.error(path, Code::InvalidType)
            .insert("expected".into(), Value::from(expected));
    } else if text.starts_with("invalid value") && text.contains("expected u") {
        out.error(path, Code::Range).extend([
            ("min".into(), Value::from(0)),
            ("max".into(), Value::from("∞")),
        ]);
    } else {
        let expected = if path.ends_with("At") || path.ends_with("/at") {
            "2024-12-31T09:30:00+08:00"
        } else {
            "2024-12-31"
        };
        out.error(path, Code::InvalidFormat)
            .insert("expected".into(), Value::from(expected));
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}

/// serde's "expected ..." phrase as a JSON type name.
fn json_type(expected: &str) -> &'static str {
    let e = expected.trim_start_matches("a ").trim_start_matches("an ");
    if e.starts_with("string") || e.starts_with("borrowed str") || e.contains("date") {
        "string"
    } else if e.starts_with("bool") {
        "boolean"
    } else if e.starts_with('u') || e.starts_with('i') {
        "integer"
    } else if e.starts_with('f') {
        "number"
    } else if e.starts_with("sequence") || e.starts_with("tuple") {
        "array"
    } else {
        "object"
    }
}
