//! A dossier that does not parse is reported at the path where parsing stopped. The locator
//! walks the text to serde_json's error position; `serde_path_to_error` (which tracks the path
//! while deserializing, at the price of a second copy of the deserializer) is the oracle: on
//! randomly damaged dossiers, compact and pretty-printed, both name the same place.

#![allow(clippy::unwrap_used)]

mod common;

use abjuan_shared::{validate_json, Dossier, ValidateOptions};
use proptest::prelude::*;
use serde_json::Value;

fn push(path: &mut String, segment: &str) {
    path.push('/');
    path.push_str(&segment.replace('~', "~0").replace('/', "~1"));
}

/// Where `serde_path_to_error` says parsing broke (plus the missing field, as reports name
/// it), or `None` when the text parses.
fn oracle(json: &str) -> Option<String> {
    let mut de = serde_json::Deserializer::from_str(json);
    let err = match serde_path_to_error::deserialize::<_, Dossier>(&mut de) {
        // Text after the document: the document as a whole.
        Ok(_) => return de.end().err().map(|_| String::new()),
        Err(err) => err,
    };
    let mut path = String::new();
    for segment in err.path().iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => push(&mut path, &index.to_string()),
            serde_path_to_error::Segment::Map { key } => push(&mut path, key),
            _ => {}
        }
    }
    let text = err.inner().to_string();
    if let Some(rest) = text.strip_prefix("missing field `") {
        push(&mut path, rest.split('`').next().unwrap());
    }
    Some(path)
}

fn reported(json: &str) -> Option<String> {
    let (report, dossier) = validate_json(json, &ValidateOptions::new(common::now()));
    if dossier.is_some() {
        return None;
    }
    assert_eq!(report.issues.len(), 1, "{:?}", report.codes());
    Some(report.issues[0].path.clone())
}

fn same_place(value: &Value) -> Result<(), TestCaseError> {
    for json in [
        value.to_string(),
        serde_json::to_string_pretty(value).unwrap(),
    ] {
        prop_assert_eq!(reported(&json), oracle(&json), "{}", json);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn damaged_dossiers_are_reported_where_the_oracle_says(
        d in common::gen::dossier(), pick in any::<usize>(), how in any::<u8>(),
    ) {
        let mut value = serde_json::to_value(&d).unwrap();
        common::damage(&mut value, pick, how);
        same_place(&value)?;
    }

    #[test]
    fn truncated_dossiers_are_reported_where_the_oracle_says(
        d in common::gen::dossier(), cut in any::<prop::sample::Index>(),
    ) {
        let json = serde_json::to_string_pretty(&d).unwrap();
        let mut at = cut.index(json.len());
        while !json.is_char_boundary(at) {
            at -= 1;
        }
        let json = &json[..at];
        prop_assert_eq!(reported(json), oracle(json), "{}", json);
    }
}

#[test]
fn every_fixture_damage_lands_where_the_oracle_says() {
    for (name, fixture) in common::fixture_dir("invalid") {
        let value = common::materialise(&fixture);
        for json in [
            value.to_string(),
            serde_json::to_string_pretty(&value).unwrap(),
        ] {
            if let Some(expected) = oracle(&json) {
                assert_eq!(reported(&json), Some(expected), "{name}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// Byte-level damage (a structural character dropped in or taken out) breaks the syntax:
    /// never a panic, and the place named is the oracle's.
    #[test]
    fn syntax_damage_is_reported_where_the_oracle_says(
        d in common::gen::dossier(), at in any::<prop::sample::Index>(),
        with in prop::sample::select(&["{", "}", "[", "]", ",", ":", "\"", "x", "1", "\\", ""][..]),
        pretty in any::<bool>(),
    ) {
        let json = if pretty { serde_json::to_string_pretty(&d).unwrap() } else { serde_json::to_string(&d).unwrap() };
        let mut at = at.index(json.len());
        while !json.is_char_boundary(at) {
            at -= 1;
        }
        let mut next = at + 1;
        while next < json.len() && !json.is_char_boundary(next) {
            next += 1;
        }
        let damaged = format!("{}{}{}", &json[..at], with, &json[next.min(json.len())..]);
        prop_assert_eq!(reported(&damaged), oracle(&damaged), "{}", damaged);
    }
}
