//! Hostile and broken input gives a clear report with a stable code, never a panic.

#![allow(clippy::unwrap_used)]

mod common;

use abjuan_shared::{validate_json, ValidateOptions};

fn codes(json: &str) -> Vec<(String, &'static str)> {
    let (report, dossier) = validate_json(json, &ValidateOptions::new(common::now()));
    assert!(!report.valid, "accepted: {}", &json[..json.len().min(80)]);
    assert!(dossier.is_none() || !report.issues.is_empty());
    report.codes()
}

fn valid_json() -> serde_json::Value {
    common::read_json(&common::fixtures().join("valid/follow-up-marriage.json"))
}

#[test]
fn not_json_at_all() {
    assert_eq!(codes(""), vec![(String::new(), "invalid_json")]);
    assert_eq!(codes("{\"id\": "), vec![("/id".to_owned(), "invalid_json")]);
    assert_eq!(
        codes("\u{0}\u{1}garbage"),
        vec![(String::new(), "invalid_json")]
    );
    assert_eq!(codes("[]"), vec![(String::new(), "invalid_type")]);
    let mut trailing = valid_json().to_string();
    trailing.push_str(" {}");
    assert_eq!(codes(&trailing), vec![(String::new(), "invalid_json")]);
}

#[test]
fn ten_megabyte_strings_are_refused_before_parsing() {
    let mut d = valid_json();
    d["header"]["summary"] = serde_json::Value::from("争".repeat(10 * 1024 * 1024 / 3));
    let (report, dossier) = validate_json(&d.to_string(), &ValidateOptions::new(common::now()));
    assert!(dossier.is_none());
    assert_eq!(report.codes(), vec![(String::new(), "too_large")]);
    assert_eq!(report.issues[0].params["max"], 4 * 1024 * 1024);
}

#[test]
fn a_long_string_under_the_input_limit_is_a_length_issue() {
    let mut d = valid_json();
    d["volumeA"]["sessions"][0]["narrative"] = serde_json::Value::from("x".repeat(1_000_000));
    assert_eq!(
        codes(&d.to_string()),
        vec![("/volumeA/sessions/0/narrative".to_owned(), "length")]
    );
}

#[test]
fn deeply_nested_json_neither_overflows_the_stack_nor_sneaks_in() {
    let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let mut d = valid_json();
    d["header"]["summary"] = serde_json::Value::Null;
    let deep = d.to_string().replace(
        "\"summary\":null",
        &format!("\"summary\":{}", nest(100_000)),
    );
    assert_eq!(
        codes(&deep),
        vec![("/header/summary".to_owned(), "invalid_type")]
    );
    // Unknown members are skipped without recursion, so even 100,000 levels cost nothing.
    let mut unknown = valid_json().to_string();
    unknown.pop();
    let unknown = format!("{unknown}, \"extra\": {}}}", nest(100_000));
    let (report, dossier) = validate_json(&unknown, &ValidateOptions::new(common::now()));
    assert!(report.valid && dossier.is_some());
}

#[test]
fn wrong_types_and_unknown_enum_values_name_the_field() {
    let mut d = valid_json();
    d["volumeB"]["parties"][1]["side"] = serde_json::Value::from("plaintiff");
    assert_eq!(
        codes(&d.to_string()),
        vec![("/volumeB/parties/1/side".to_owned(), "unknown_value")]
    );
    let mut d = valid_json();
    d["volumeA"]["followUps"][1]["flaredUp"] = serde_json::Value::from("yes");
    assert_eq!(
        codes(&d.to_string()),
        vec![("/volumeA/followUps/1/flaredUp".to_owned(), "invalid_type")]
    );
    let mut d = valid_json();
    d["volumeB"]["parties"] = serde_json::json!({"0": {}});
    assert_eq!(
        codes(&d.to_string()),
        vec![("/volumeB/parties".to_owned(), "invalid_type")]
    );
    let mut d = valid_json();
    d["header"]["facts"]["priorCalls"] = serde_json::Value::from(1u64 << 40);
    assert_eq!(
        codes(&d.to_string()),
        vec![("/header/facts/priorCalls".to_owned(), "range")]
    );
}

#[test]
fn the_schema_rejects_what_the_rust_parser_rejects_in_the_fixtures() {
    let schema = abjuan_shared::schema::dossier_schema(abjuan_shared::Locale::Zh);
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    for (name, json) in common::fixture_dir("valid") {
        assert!(
            validator.is_valid(&json),
            "schema rejects valid fixture {name}"
        );
    }
    for (name, fixture) in common::fixture_dir("invalid") {
        let structural = fixture["expect"].as_array().unwrap().iter().all(|e| {
            abjuan_shared::validate::Code::from_str_code(e[1].as_str().unwrap())
                .unwrap()
                .is_structural()
        });
        let json = common::materialise(&fixture);
        assert_eq!(validator.is_valid(&json), !structural, "{name}");
    }
}
