//! Prints the native validation report of every fixture record (the AB dossier's in
//! `shared/fixtures/`, each other form's in `shared/fixtures/<form>/`), for the node test that
//! checks the WASM package gives byte-identical reports:
//! `cargo run -p abjuan-wasm-forms --example native_reports > reports.json`.
//!
//! Output: a JSON array of `{name, locale, input, report}`, `input` being the dossier JSON text
//! (invalid fixtures materialised: base plus JSON patch, as `shared/tests/common` does) and
//! `report` the report as serde writes it. "Now" is fixed: 2025-06-01T12:00:00+08:00.

use std::error::Error;
use std::path::{Path, PathBuf};

use abjuan_shared::model::Timestamp;
use abjuan_shared::{forms, Locale, ValidateOptions};
use serde_json::{json, Value};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")
}

fn read(path: &Path) -> Result<Value, Box<dyn Error>> {
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

fn dir(sub: &str) -> Result<Vec<(String, Value)>, Box<dyn Error>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures().join(sub))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = format!(
                "{sub}/{}",
                p.file_stem().unwrap_or_default().to_string_lossy()
            );
            Ok((name, read(&p)?))
        })
        .collect()
}

/// The RFC 6902 operations the fixtures use: add, replace, remove.
fn apply_patch(mut doc: Value, ops: &[Value]) -> Result<Value, Box<dyn Error>> {
    for op in ops {
        let path = op["path"].as_str().ok_or("patch op without path")?;
        let (parent, key) = path.rsplit_once('/').ok_or("bad patch path")?;
        let target = doc.pointer_mut(parent).ok_or("patch parent missing")?;
        match (op["op"].as_str().unwrap_or_default(), target) {
            ("remove", Value::Object(m)) => {
                m.shift_remove(key);
            }
            ("remove", Value::Array(a)) => {
                a.remove(key.parse()?);
            }
            (_, Value::Object(m)) => {
                m.insert(key.to_owned(), op["value"].clone());
            }
            ("replace", Value::Array(a)) => {
                let i: usize = key.parse()?;
                *a.get_mut(i).ok_or("index out of range")? = op["value"].clone();
            }
            (_, Value::Array(a)) => a.insert(key.parse()?, op["value"].clone()),
            _ => return Err(format!("cannot apply {op}").into()),
        }
    }
    Ok(doc)
}

fn main() -> Result<(), Box<dyn Error>> {
    let now = Timestamp::parse_from_rfc3339("2025-06-01T12:00:00+08:00")?;
    let mut inputs = Vec::new();
    // The AB dossier's fixtures, then the site inspection's (same layout one folder down).
    for root in ["", "site_inspection/"] {
        for (name, value) in dir(&format!("{root}valid"))? {
            inputs.push((name, serde_json::to_string(&value)?));
        }
        for (name, fixture) in dir(&format!("{root}invalid"))? {
            let base = read(
                &fixtures()
                    .join(format!("{root}valid"))
                    .join(fixture["base"].as_str().ok_or("no base")?),
            )?;
            let ops = fixture["patch"].as_array().ok_or("no patch")?;
            inputs.push((name, serde_json::to_string(&apply_patch(base, ops)?)?));
        }
    }
    let mut out = Vec::new();
    for (name, input) in &inputs {
        for (tag, locale) in [("zh-CN", Locale::Zh), ("en", Locale::En)] {
            let opts = ValidateOptions::new(now).locale(locale);
            let report = serde_json::to_string(&forms::check_text(input, &opts).report)?;
            out.push(json!({"name": name, "locale": tag, "input": input, "report": report}));
        }
    }
    println!("{}", serde_json::to_string(&out)?);
    Ok(())
}
