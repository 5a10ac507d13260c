//! Properties: every dossier the model can generate round-trips through serde, and the JSON
//! Schema agrees with the Rust validator on the structural rules, also after random
//! structural damage (wrong types, missing fields, unknown enum values); a dossier read from a
//! JSON value (as the server reads its documents) gets the report its text would get.

#![allow(clippy::unwrap_used)]

mod common;

use abjuan_shared::schema::dossier_schema;
use abjuan_shared::validate::validate_value;
use abjuan_shared::{validate_json, Dossier, Locale, ValidateOptions};
use proptest::prelude::*;

fn schema_validator() -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(&dossier_schema(Locale::Zh))
        .unwrap()
}

fn rust_structurally_valid(json: &str) -> (bool, Vec<(String, &'static str)>) {
    let (report, _) = validate_json(json, &ValidateOptions::new(common::now()));
    let structural: Vec<_> = report
        .issues
        .iter()
        .filter(|i| i.code.is_structural())
        .map(|i| (i.path.clone(), i.code.as_str()))
        .collect();
    (structural.is_empty(), structural)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn serde_round_trip(d in common::gen::dossier()) {
        let json = serde_json::to_string(&d).unwrap();
        let back: Dossier = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, d);
    }

    #[test]
    fn schema_agrees_on_generated_dossiers(d in common::gen::dossier()) {
        let validator = schema_validator();
        let value = serde_json::to_value(&d).unwrap();
        let (rust_ok, found) = rust_structurally_valid(&value.to_string());
        let errors: Vec<String> = validator.iter_errors(&value).map(|e| format!("{} {}", e.instance_path(), e)).collect();
        prop_assert_eq!(rust_ok, errors.is_empty(), "rust: {:?} schema: {:?}", found, errors);
    }

    #[test]
    fn schema_agrees_on_damaged_dossiers(d in common::gen::dossier(), pick in any::<usize>(), how in any::<u8>()) {
        let validator = schema_validator();
        let mut value = serde_json::to_value(&d).unwrap();
        common::damage(&mut value, pick, how);
        let (rust_ok, found) = rust_structurally_valid(&value.to_string());
        let errors: Vec<String> = validator.iter_errors(&value).map(|e| format!("{} {}", e.instance_path(), e)).collect();
        prop_assert_eq!(rust_ok, errors.is_empty(), "rust: {:?} schema: {:?}", found, errors);
    }

    #[test]
    fn a_value_gets_the_report_its_text_gets(d in common::gen::dossier(), pick in any::<usize>(), how in any::<u8>(), damaged in any::<bool>()) {
        let mut value = serde_json::to_value(&d).unwrap();
        if damaged {
            common::damage(&mut value, pick, how);
        }
        let opts = ValidateOptions::new(common::now());
        let (by_value, parsed) = validate_value(&value, &opts);
        let (by_text, from_text) = validate_json(&value.to_string(), &opts);
        prop_assert_eq!(&by_value, &by_text);
        prop_assert_eq!(parsed, from_text);
    }
}

#[test]
fn every_fixture_read_as_a_value_gets_the_report_its_text_gets() {
    for dir in ["valid", "invalid"] {
        for (name, value) in common::fixture_dir(dir) {
            for status in [None, Some(abjuan_shared::model::Status::Resolved)] {
                let mut opts = ValidateOptions::new(common::now());
                opts.status = status;
                let (by_value, _) = validate_value(&value, &opts);
                let (by_text, _) = validate_json(&value.to_string(), &opts);
                assert_eq!(by_value, by_text, "{dir}/{name}");
            }
        }
    }
}
