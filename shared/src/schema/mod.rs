//! JSON Schema (draft 2020-12) of the dossier with UI hints:
//!
//! - every property: `title` in the requested language and
//!   `x-ui: {label: {zh, en}, widget, order}`;
//! - every closed list: `enum` of codes and `x-enum-labels: {code: {zh, en}}`;
//! - volume B: `x-personal: true` (personal data, withheld from partner mediators).
//!
//! The schema ships as two committed files, `shared/schema/dossier.zh-CN.json` and
//! `dossier.en.json`. They are generated from the Rust types by [`generate`] (feature
//! `schema-gen`, `schemars`); the golden test `tests/tests/schema_golden.rs` fails when they fall
//! behind the types and rewrites them with `ABJUAN_BLESS=1 cargo test -p abjuan-e2e --test
//! schema_golden`. Only the Chinese file is built into this crate (reading it links no schema
//! generator): the two differ in their `title`s only, and every English title is the
//! `x-ui.label.en` beside it, so the English schema is the Chinese one retitled (a unit test
//! holds the retitled text equal to the committed English file). That keeps 35 KB of text out
//! of the WASM package.

#[cfg(feature = "schema-gen")]
pub(crate) mod generate;
#[cfg(feature = "schema-gen")]
mod hints;

#[cfg(feature = "schema-gen")]
pub use generate::generate;

use std::borrow::Cow;

use serde_json::Value;

use crate::Locale;

/// `minified!(TEXT)`: a `&'static str` const of the JSON text `TEXT` without insignificant
/// whitespace. Two const passes: the length first (it sizes the array), then the bytes.
macro_rules! minified {
    ($text:expr) => {{
        const LEN: usize = $crate::schema::minify::len($text);
        const BYTES: [u8; LEN] = $crate::schema::minify::bytes::<LEN>($text);
        match core::str::from_utf8(&BYTES) {
            Ok(text) => text,
            Err(_) => panic!("minified JSON is not UTF-8"),
        }
    }};
}
// The other forms' committed schemas are minified the same way (forms::site_inspection).
pub(crate) use minified;

/// The committed Chinese file, as pretty-printed in the repository.
const ZH_FILE: &str = include_str!("../../schema/dossier.zh-CN.json");

/// The same text without the whitespace between tokens (removed at compile time): the pretty
/// file is almost twice as large, and every byte here is a byte of the WASM package.
const ZH_TEXT: &str = minified!(ZH_FILE);

/// Every `title` that has an `x-ui.label` beside it becomes the label in `locale`.
pub(crate) fn retitle(value: &mut Value, locale: Locale) {
    match value {
        Value::Object(map) => {
            let label = map
                .get("x-ui")
                .and_then(|ui| ui.get("label"))
                .and_then(|l| l.get(locale.pick("zh", "en")))
                .cloned();
            if let (Some(label), Some(title)) = (label, map.get_mut("title")) {
                *title = label;
            }
            map.values_mut().for_each(|v| retitle(v, locale));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| retitle(v, locale)),
        _ => {}
    }
}

/// The committed file's text for `locale` (for `Locale::Zh`: `dossier.zh-CN.json`; for
/// `Locale::En` the same retitled, which is `dossier.en.json`), with the whitespace between
/// JSON tokens removed; string contents are untouched, so it parses to the same value.
#[must_use]
pub fn dossier_schema_text(locale: Locale) -> Cow<'static, str> {
    match locale {
        Locale::Zh => Cow::Borrowed(ZH_TEXT),
        Locale::En => Cow::Owned(dossier_schema(Locale::En).to_string()),
    }
}

/// The dossier's JSON Schema with UI hints, titles in `locale`: the committed file, parsed.
///
/// The text is this crate's own and a unit test parses both files, so the error path is
/// unreachable in a tested build; should it ever be taken, the answer is `Value::Null` (not an
/// empty schema, which would accept anything) rather than a panic.
#[must_use]
pub fn dossier_schema(locale: Locale) -> Value {
    let mut schema = serde_json::from_str(ZH_TEXT).unwrap_or(Value::Null);
    if locale == Locale::En {
        retitle(&mut schema, locale);
    }
    schema
}

/// Whitespace removal for JSON text, usable in consts. Outside strings, JSON whitespace (space,
/// tab, CR, LF) is dropped; inside strings (escapes included) every byte is kept. Whitespace is
/// ASCII, so the result of UTF-8 input is UTF-8. Members `"description": "<text>"` are dropped
/// too: the schema's descriptions are the model's doc comments, for developers reading the
/// committed files; a form renderer reads titles and `x-ui` (7 KB of text, 2 KB of the gzipped
/// WASM package).
pub(crate) mod minify {
    const fn is_space(b: u8) -> bool {
        matches!(b, b' ' | b'\t' | b'\n' | b'\r')
    }

    const KEY: &[u8] = b"\"description\"";

    /// Past the whitespace from `i`.
    const fn skip_space(bytes: &[u8], mut i: usize) -> usize {
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        i
    }

    /// When `bytes[i..]` is a member `"description": "<string>"`, the index just after it.
    const fn description_member(bytes: &[u8], i: usize) -> Option<usize> {
        if i + KEY.len() > bytes.len() {
            return None;
        }
        let mut k = 0;
        while k < KEY.len() {
            if bytes[i + k] != KEY[k] {
                return None;
            }
            k += 1;
        }
        let mut j = skip_space(bytes, i + KEY.len());
        if j >= bytes.len() || bytes[j] != b':' {
            return None;
        }
        j = skip_space(bytes, j + 1);
        if j >= bytes.len() || bytes[j] != b'"' {
            return None;
        }
        j += 1;
        let mut escaped = false;
        while j < bytes.len() {
            let b = bytes[j];
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                return Some(j + 1);
            }
            j += 1;
        }
        None
    }

    /// Walks `text`, calling back (by writing into `out` when it is long enough) each kept byte;
    /// returns the number of kept bytes.
    const fn walk<const N: usize>(text: &str, out: &mut [u8; N]) -> usize {
        let bytes = text.as_bytes();
        let (mut i, mut n) = (0, 0);
        let (mut in_string, mut escaped) = (false, false);
        // The last byte kept (0 once a comma before a dropped member was taken back).
        let mut last = 0u8;
        while i < bytes.len() {
            let b = bytes[i];
            if !in_string && b == b'"' {
                if let Some(end) = description_member(bytes, i) {
                    i = end;
                    if last == b',' {
                        // `…,"description":"…"`: take the comma back.
                        n -= 1;
                        last = 0;
                    } else {
                        // `{"description":"…",…`: drop the comma after it.
                        let j = skip_space(bytes, i);
                        if j < bytes.len() && bytes[j] == b',' {
                            i = j + 1;
                        }
                    }
                    continue;
                }
            }
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
                last = b;
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

    /// The committed English file (only tests read it: the crate derives it from the Chinese).
    const EN_FILE: &str = include_str!("../../schema/dossier.en.json");

    /// `value` without its `description` members.
    fn undescribed(value: Value) -> Value {
        match value {
            Value::Object(m) => Value::Object(
                m.into_iter()
                    .filter(|(k, v)| !(k == "description" && v.is_string()))
                    .map(|(k, v)| (k, undescribed(v)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.into_iter().map(undescribed).collect()),
            v => v,
        }
    }

    #[test]
    fn both_committed_files_parse_and_the_minified_texts_are_the_same_json() {
        for (locale, file, title) in [
            (Locale::Zh, ZH_FILE, "矛盾纠纷警情化解AB卷"),
            (Locale::En, EN_FILE, "Dispute resolution AB dossier"),
        ] {
            let pretty = undescribed(parse(file));
            assert!(pretty.is_object(), "{locale:?}: not a JSON object");
            assert_eq!(pretty["title"], title, "{locale:?}");
            assert_eq!(dossier_schema(locale), pretty, "{locale:?}");
            assert_eq!(
                dossier_schema_text(locale),
                serde_json::to_string(&pretty).unwrap_or_default(),
                "{locale:?}: the minified text is not the compact form of the file"
            );
        }
        assert_ne!(
            dossier_schema_text(Locale::Zh),
            dossier_schema_text(Locale::En)
        );
    }

    #[test]
    fn minify_keeps_strings_whole() {
        const TEXT: &str = minified!("{ \"a b\" : [ 1 ,\n\t\"x \\\" y\\\\\" ,\"中 文\" ] }\n");
        assert_eq!(TEXT, r#"{"a b":[1,"x \" y\\","中 文"]}"#);
    }

    #[test]
    fn minify_drops_description_strings_only() {
        const TEXT: &str = minified!(
            r#"{ "description" : "a \"quoted\" note", "b": [1, "description"],
                 "c": {"x": 1, "description": "y"}, "description": {"kept": true},
                 "d": {"description": "only"} }"#
        );
        assert_eq!(
            TEXT,
            r#"{"b":[1,"description"],"c":{"x":1},"description":{"kept":true},"d":{}}"#
        );
    }
}
