//! The committed JSON Schema files (`shared/schema/*.json`, what `dossier_schema` and
//! `forms::site_inspection::schema` return and the WASM package ships) are exactly what
//! `schemars` and the UI hints generate from the Rust types today. Change a model type, a doc comment on one, a `validator` limit or a hint, and this fails
//! until the files are regenerated:
//!
//! ```sh
//! ABJUAN_BLESS=1 cargo test -p abjuan-e2e --test schema_golden
//! ```

use std::path::{Path, PathBuf};

use abjuan_shared::forms::site_inspection;
use abjuan_shared::schema::generate;
use abjuan_shared::Locale;
use serde_json::Value;

const BLESS: &str = "ABJUAN_BLESS=1 cargo test -p abjuan-e2e --test schema_golden";

fn file(name: &str) -> PathBuf {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    tests
        .parent()
        .unwrap_or(tests)
        .join("shared/schema")
        .join(name)
}

/// A schema generator: one form's `generate`.
type Generator = fn(Locale) -> Value;

/// The file's text as generated: pretty-printed, one final newline.
fn generated_text(make: Generator, locale: Locale) -> String {
    match serde_json::to_string_pretty(&make(locale)) {
        Ok(text) => text + "\n",
        Err(e) => panic!("the generated schema does not serialise: {e}"),
    }
}

#[test]
fn committed_schema_files_are_what_the_types_generate() {
    let bless = std::env::var("ABJUAN_BLESS").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    // Every registered form's schema: the AB dossier's and the site inspection's.
    let files: [(Generator, Locale, &str); 4] = [
        (generate, Locale::Zh, "dossier.zh-CN.json"),
        (generate, Locale::En, "dossier.en.json"),
        (
            site_inspection::generate,
            Locale::Zh,
            "site_inspection.zh-CN.json",
        ),
        (
            site_inspection::generate,
            Locale::En,
            "site_inspection.en.json",
        ),
    ];
    for (make, locale, name) in files {
        let path = file(name);
        let want = generated_text(make, locale);
        let have = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(_) if bless => String::new(),
            Err(e) => {
                stale.push(format!("{name}: cannot read {}: {e}", path.display()));
                continue;
            }
        };
        if bless {
            if have == want {
                println!("schema_golden: {} is up to date", path.display());
            } else {
                if let Err(e) = std::fs::write(&path, &want) {
                    panic!("cannot write {}: {e}", path.display());
                }
                println!(
                    "schema_golden: wrote {} ({} bytes)",
                    path.display(),
                    want.len()
                );
            }
        } else if have != want {
            let line = want
                .lines()
                .zip(have.lines())
                .position(|(w, h)| w != h)
                .unwrap_or_else(|| want.lines().count().min(have.lines().count()));
            stale.push(format!(
                "{name}: differs from the generated schema from line {} on\n  generated: {}\n  committed: {}",
                line + 1,
                want.lines().nth(line).unwrap_or("(end of text)"),
                have.lines().nth(line).unwrap_or("(end of file)"),
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "the committed JSON Schema is out of date with the Rust types:\n{}\n\
         If the change is intended, regenerate the files and commit them:\n  {BLESS}",
        stale.join("\n")
    );
}
