//! Fixture dossiers: the valid ones pass, each invalid one breaks exactly the rule it names,
//! with the exact code and JSON path.

#![allow(clippy::unwrap_used)]

mod common;

use abjuan_shared::model::{Labelled, Status};
use abjuan_shared::validate::{Severity, Stage};
use abjuan_shared::{validate_json, Locale, ValidateOptions};

#[test]
fn valid_fixtures_have_no_errors() {
    let valid = common::fixture_dir("valid");
    assert!(valid.len() >= 3);
    for (name, json) in valid {
        let (report, dossier) =
            validate_json(&json.to_string(), &ValidateOptions::new(common::now()));
        assert!(dossier.is_some(), "{name} did not parse");
        assert!(report.valid, "{name}: {:#?}", report.issues);
        let errors: Vec<_> = report
            .issues
            .iter()
            .filter(|i| i.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        if name != "draft-neighbour" {
            assert!(report.issues.is_empty(), "{name}: {:#?}", report.issues);
        }
    }
}

#[test]
fn a_draft_is_judged_softly_and_the_same_dossier_strictly_when_closing() {
    let json =
        common::read_json(&common::fixtures().join("valid/draft-neighbour.json")).to_string();
    let (draft, _) = validate_json(&json, &ValidateOptions::new(common::now()));
    assert_eq!(draft.stage, Stage::Draft);
    assert!(draft.valid);
    assert_eq!(
        draft.codes(),
        vec![
            (
                "/volumeB/legalEducation".to_owned(),
                "legal_education_missing"
            ),
            (
                "/volumeB/parties/0/idNumber".to_owned(),
                "party_data_missing"
            ),
            ("/volumeB/parties/0/mobile".to_owned(), "party_data_missing"),
        ]
    );
    assert!(draft.issues.iter().all(|i| i.severity == Severity::Warning));

    let mut opts = ValidateOptions::new(common::now());
    opts.status = Some(Status::Resolved);
    let (closing, _) = validate_json(&json, &opts);
    assert_eq!(closing.stage, Stage::Closing);
    assert!(!closing.valid);
    let errors: Vec<_> = closing
        .issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .map(|i| (i.path.as_str(), i.code.as_str()))
        .collect();
    assert_eq!(
        errors,
        vec![
            ("/volumeA/agreement", "resolved_needs_agreement_or_note"),
            ("/volumeB/legalEducation", "legal_education_missing"),
            ("/volumeB/parties/0/idNumber", "party_data_missing"),
            ("/volumeB/parties/0/mobile", "party_data_missing"),
        ]
    );
}

#[test]
fn each_invalid_fixture_breaks_exactly_its_rule() {
    let invalid = common::fixture_dir("invalid");
    assert!(invalid.len() >= 30);
    for (name, fixture) in invalid {
        let json = common::materialise(&fixture).to_string();
        let mut opts = ValidateOptions::new(common::now());
        opts.status = fixture["status"].as_str().and_then(Status::from_code);
        let (report, _) = validate_json(&json, &opts);
        let expected: Vec<(String, String)> = fixture["expect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e[0].as_str().unwrap().to_owned(),
                    e[1].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let got: Vec<(String, String)> = report
            .codes()
            .into_iter()
            .map(|(p, c)| (p, c.to_owned()))
            .collect();
        assert_eq!(got, expected, "{name}");
        assert!(!report.valid, "{name} should be invalid");
    }
}

#[test]
fn messages_are_chinese_by_default_and_english_on_request() {
    let fixture = common::read_json(&common::fixtures().join("invalid/id-number-checksum.json"));
    let json = common::materialise(&fixture).to_string();
    let (zh, _) = validate_json(&json, &ValidateOptions::new(common::now()));
    assert_eq!(zh.issues[0].message, "身份证号校验码错误，请核对号码");
    let (en, _) = validate_json(
        &json,
        &ValidateOptions::new(common::now()).locale(Locale::En),
    );
    assert_eq!(
        en.issues[0].message,
        "The ID number's check character is wrong; check the number"
    );
}

#[test]
fn params_fill_messages_and_never_echo_personal_values() {
    let fixture = common::read_json(&common::fixtures().join("invalid/sex-mismatch.json"));
    let json = common::materialise(&fixture).to_string();
    let (report, _) = validate_json(
        &json,
        &ValidateOptions::new(common::now()).locale(Locale::En),
    );
    assert_eq!(
        report.issues[0].message,
        "Sex does not match the ID number (it says male)"
    );
    let fixture = common::read_json(&common::fixtures().join("invalid/name-too-long.json"));
    let json = common::materialise(&fixture).to_string();
    let (report, _) = validate_json(&json, &ValidateOptions::new(common::now()));
    assert_eq!(report.issues[0].message, "长度应在 1 到 50 之间");
    let body = serde_json::to_string(&report).unwrap();
    assert!(!body.contains("张张张"), "the value leaked into the report");
}
