//! Property: the committed JSON Schema of the site inspection and the Rust parser and field
//! rules agree on what is structurally valid, also after random structural damage to a valid
//! record (wrong types, missing fields, unknown enum values, nulls).

#![allow(clippy::unwrap_used)]

mod common;

use abjuan_shared::forms::{self, site_inspection};
use abjuan_shared::{Locale, ValidateOptions};
use proptest::prelude::*;
use serde_json::Value;

const VALID: [&str; 3] = [
    "closed-hotel-rectified",
    "passed-logistics",
    "rectifying-internet-cafe",
];

fn valid(i: usize) -> Value {
    common::read_json(
        &common::fixtures()
            .join("site_inspection/valid")
            .join(format!("{}.json", VALID[i % VALID.len()])),
    )
}

fn rust_structurally_valid(json: &Value) -> (bool, Vec<(String, &'static str)>) {
    let checked = forms::check_value(json, &ValidateOptions::new(common::now()));
    let structural: Vec<_> = checked
        .report
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
    fn schema_agrees_on_damaged_inspections(base in 0usize..3, pick in any::<usize>(), how in any::<u8>()) {
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&site_inspection::schema(Locale::Zh))
            .unwrap();
        let mut value = valid(base);
        common::damage(&mut value, pick, how);
        // A damaged `formType` names another form (or none): the registry's business, not the schema's.
        prop_assume!(value["formType"] == "site_inspection/v1");
        let (rust_ok, found) = rust_structurally_valid(&value);
        let errors: Vec<String> = validator.iter_errors(&value).map(|e| format!("{} {}", e.instance_path(), e)).collect();
        prop_assert_eq!(rust_ok, errors.is_empty(), "rust: {:?} schema: {:?}", found, errors);
    }
}
