//! JSON Schema (draft 2020-12) of the dossier with UI hints:
//!
//! - every property: `title` in the requested language and
//!   `x-ui: {label: {zh, en}, widget, order}`;
//! - every closed list: `enum` of codes and `x-enum-labels: {code: {zh, en}}`;
//! - volume B: `x-personal: true` (personal data, withheld from partner mediators).
//!
//! The schema ships as two committed files, `shared/schema/dossier.zh-CN.json` and
//! `dossier.en.json`, built into this crate: reading it links no schema generator. They are
//! generated from the Rust types by [`generate`] (feature `schema-gen`, `schemars`); the golden
//! test `tests/tests/schema_golden.rs` fails when they fall behind the types and rewrites them
//! with `ABJUAN_BLESS=1 cargo test -p abjuan-e2e --test schema_golden`.

#[cfg(feature = "schema-gen")]
mod generate;
#[cfg(feature = "schema-gen")]
mod hints;

#[cfg(feature = "schema-gen")]
pub use generate::generate;

use serde_json::Value;

use crate::Locale;

/// `minified!(TEXT)`: a `&'static str` const of the JSON text `TEXT` without insignificant
/// whitespace. Two const passes: the length first (it sizes the array), then the bytes.
macro_rules! minified {
    ($text:expr) => {{
        const LEN: usize = minify::len($text);
        const BYTES: [u8; LEN] = minify::bytes::<LEN>($text);
        match core::str::from_utf8(&BYTES) {
            Ok(text) => text,
            Err(_) => panic!("minified JSON is not UTF-8"),
        }
    }};
}

/// The committed file of each locale, as pretty-printed in the repository.
const ZH_FILE: &str = include_str!("../../schema/dossier.zh-CN.json");
const EN_FILE: &str = include_str!("../../schema/dossier.en.json");

/// The same texts without the whitespace between tokens (removed at compile time): the pretty
/// files are almost twice as large, and every byte here is a byte of the WASM package.
const ZH_TEXT: &str = minified!(ZH_FILE);
const EN_TEXT: &str = minified!(EN_FILE);

/// The committed file's text for `locale` (for `Locale::Zh`: `dossier.zh-CN.json`), with the
/// whitespace between JSON tokens removed; string contents are untouched, so it parses to the
/// same value.
#[must_use]
pub fn dossier_schema_text(locale: Locale) -> &'static str {
    match locale {
        Locale::Zh => ZH_TEXT,
        Locale::En => EN_TEXT,
    }
}

/// The dossier's JSON Schema with UI hints, titles in `locale`: the committed file, parsed.
///
/// The text is this crate's own and a unit test parses both files, so the error path is
/// unreachable in a tested build; should it ever be taken, the answer is `Value::Null` (not an
/// empty schema, which would accept anything) rather than a panic.
#[must_use]
pub fn dossier_schema(locale: Locale) -> Value {
    serde_json::from_str(dossier_schema_text(locale)).unwrap_or(Value::Null)
}

/// Whitespace removal for JSON text, usable in consts. Outside strings, JSON whitespace (space,
/// tab, CR, LF) is dropped; inside strings (escapes included) every byte is kept. Whitespace is
/// ASCII, so the result of UTF-8 input is UTF-8.
mod minify {
    const fn is_space(b: u8) -> bool {
        matches!(b, b' ' | b'\t' | b'\n' | b'\r')
    }

    /// Walks `text`, calling back (by writing into `out` when it is long enough) each kept byte;
    /// returns the number of kept bytes.
    const fn walk<const N: usize>(text: &str, out: &mut [u8; N]) -> usize {
        let bytes = text.as_bytes();
        let (mut i, mut n) = (0, 0);
        let (mut in_string, mut escaped) = (false, false);
        while i < bytes.len() {
            let b = bytes[i];
            let keep = if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
                true
            } else {
                if b == b'"' {
                    in_string = true;
                }
                !is_space(b)
            };
            if keep {
                if n < N {
                    out[n] = b;
                }
                n += 1;
            }
            i += 1;
        }
        n
    }

    /// How many bytes the minified `text` has.
    pub const fn len(text: &str) -> usize {
        walk(text, &mut [0u8; 0])
    }

    /// The minified `text`; `N` must be [`len`]`(text)`.
    pub const fn bytes<const N: usize>(text: &str) -> [u8; N] {
        let mut out = [0u8; N];
        let n = walk(text, &mut out);
        assert!(n == N, "minify::bytes: N is not minify::len(text)");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Value {
        match serde_json::from_str(text) {
            Ok(value) => value,
            Err(e) => panic!("a committed schema file is not JSON: {e}"),
        }
    }

    #[test]
    fn both_committed_files_parse_and_the_minified_texts_are_the_same_json() {
        for (locale, file, title) in [
            (Locale::Zh, ZH_FILE, "矛盾纠纷警情化解AB卷"),
            (Locale::En, EN_FILE, "Dispute resolution AB dossier"),
        ] {
            let pretty = parse(file);
            assert!(pretty.is_object(), "{locale:?}: not a JSON object");
            assert_eq!(pretty["title"], title, "{locale:?}");
            assert_eq!(dossier_schema(locale), pretty, "{locale:?}");
            assert_eq!(
                dossier_schema_text(locale),
                serde_json::to_string(&pretty).unwrap_or_default(),
                "{locale:?}: the minified text is not the compact form of the file"
            );
        }
        assert_ne!(ZH_TEXT, EN_TEXT);
    }

    #[test]
    fn minify_keeps_strings_whole() {
        const TEXT: &str = minified!("{ \"a b\" : [ 1 ,\n\t\"x \\\" y\\\\\" ,\"中 文\" ] }\n");
        assert_eq!(TEXT, r#"{"a b":[1,"x \" y\\","中 文"]}"#);
    }
}
