//! The site inspection (`site_inspection/v1`) through the form registry: the valid fixtures
//! pass, each invalid one breaks exactly the rule it names (path and code), the committed JSON
//! Schema agrees with the Rust parser on them, and grades, listings and statistics read what an
//! inspector wrote.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use abjuan_shared::forms::site_inspection::stats::{CampaignStats, InspectionFacts};
use abjuan_shared::forms::{self, site_inspection, Checked};
use abjuan_shared::validate::{Severity, Stage};
use abjuan_shared::{Locale, ValidateOptions, WarningLevel};
use serde_json::Value;

fn dir() -> PathBuf {
    common::fixtures().join("site_inspection")
}

fn valid(name: &str) -> Value {
    common::read_json(&dir().join("valid").join(format!("{name}.json")))
}

fn fixtures(sub: &str) -> Vec<(String, Value)> {
    let mut files: Vec<_> = std::fs::read_dir(dir().join(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, common::read_json(&p))
        })
        .collect()
}

/// An invalid fixture materialised: its base (in `site_inspection/valid/`) with its patch.
fn materialise(fixture: &Value) -> Value {
    let base = common::read_json(&dir().join("valid").join(fixture["base"].as_str().unwrap()));
    common::apply_patch(base, fixture["patch"].as_array().unwrap())
}

fn check(json: &Value) -> Checked {
    forms::check_text(&json.to_string(), &ValidateOptions::new(common::now()))
}

fn codes(checked: &Checked) -> Vec<(String, String)> {
    checked
        .report
        .codes()
        .into_iter()
        .map(|(p, c)| (p, c.to_owned()))
        .collect()
}

#[test]
fn valid_fixtures_pass_with_no_issue_and_are_graded() {
    let all = fixtures("valid");
    assert!(all.len() >= 3);
    for (name, json) in all {
        let checked = check(&json);
        assert!(checked.report.valid, "{name}: {:#?}", checked.report.issues);
        assert!(
            checked.report.issues.is_empty(),
            "{name}: {:#?}",
            checked.report.issues
        );
        assert!(checked.grade.is_some(), "{name}: not graded");
        assert!(checked.dossier.is_none(), "{name}: read as a dossier");
    }
}

#[test]
fn each_invalid_fixture_breaks_exactly_its_rule() {
    let all = fixtures("invalid");
    assert!(all.len() >= 25);
    for (name, fixture) in all {
        let checked = check(&materialise(&fixture));
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
        assert_eq!(codes(&checked), expected, "{name}");
        assert!(!checked.report.valid, "{name} should be invalid");
    }
}

#[test]
fn the_committed_schema_accepts_the_valid_fixtures_and_rejects_the_structurally_invalid() {
    let schema = site_inspection::schema(Locale::Zh);
    assert_eq!(
        schema["$id"],
        "https://abjuan.example/schema/site_inspection/v1"
    );
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    for (name, json) in fixtures("valid") {
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "schema rejects valid fixture {name}: {errors:?}"
        );
    }
    let mut structural_seen = 0;
    for (name, fixture) in fixtures("invalid") {
        let structural = fixture["expect"].as_array().unwrap().iter().all(|e| {
            abjuan_shared::validate::Code::from_str_code(e[1].as_str().unwrap())
                .unwrap()
                .is_structural()
        });
        structural_seen += usize::from(structural);
        let json = materialise(&fixture);
        assert_eq!(validator.is_valid(&json), !structural, "{name}");
    }
    assert!(
        structural_seen >= 8,
        "too few structural fixtures: {structural_seen}"
    );
}

#[test]
fn a_bureau_s_own_place_type_is_accepted_by_rust_and_schema_alike() {
    let mut json = valid("passed-logistics");
    json["place"]["type"] = Value::from("local_coal_yard");
    assert!(check(&json).report.issues.is_empty());
    let validator = jsonschema::validator_for(&site_inspection::schema(Locale::Zh)).unwrap();
    assert!(validator.is_valid(&json));
    json["place"]["type"] = Value::from("local_");
    assert!(!validator.is_valid(&json));
    assert_eq!(
        codes(&check(&json)),
        vec![("/place/type".to_owned(), "place_type_unknown".to_owned())]
    );
}

#[test]
fn an_inspection_outside_its_campaign_is_a_warning_only() {
    let mut json = valid("passed-logistics");
    json["header"]["inspectedAt"] = Value::from("2025-03-05T09:00:00+08:00");
    let checked = check(&json);
    assert!(checked.report.valid);
    assert_eq!(
        codes(&checked),
        vec![(
            "/header/inspectedAt".to_owned(),
            "outside_campaign".to_owned()
        )]
    );
    assert_eq!(checked.report.issues[0].severity, Severity::Warning);
}

#[test]
fn a_draft_is_judged_softly_and_closing_strictly() {
    let mut json = valid("rectifying-internet-cafe");
    json["team"]["members"][0]["role"] = Value::from("auxiliary");
    json["hazards"][0]["description"] = Value::from("");
    let draft = check(&json);
    assert_eq!(draft.report.stage, Stage::Draft);
    assert!(draft.report.valid);
    assert_eq!(
        codes(&draft),
        vec![
            (
                "/hazards/0/description".to_owned(),
                "hazard_description_missing".to_owned()
            ),
            ("/team/members".to_owned(), "team_needs_officer".to_owned()),
        ]
    );
    assert!(draft
        .report
        .issues
        .iter()
        .all(|i| i.severity == Severity::Warning));
    json["header"]["status"] = Value::from("closed");
    json["outcome"]["result"] = Value::from("suspended");
    let closing = check(&json);
    assert_eq!(closing.report.stage, Stage::Closing);
    assert!(!closing.report.valid);
    assert!(closing
        .report
        .issues
        .iter()
        .all(|i| i.severity == Severity::Error));
    assert_eq!(closing.report.issues.len(), 2);
}

#[test]
fn messages_come_in_both_languages() {
    let json = materialise(&common::read_json(
        &dir().join("invalid/passed-with-open-hazard.json"),
    ));
    let zh = check(&json);
    assert_eq!(
        zh.report.issues[0].message,
        "尚有未整改的隐患，检查结论不能为“合格”"
    );
    let en = forms::check_text(
        &json.to_string(),
        &ValidateOptions::new(common::now()).locale(Locale::En),
    );
    assert_eq!(
        en.report.issues[0].message,
        "\"Passed\" while a hazard is not rectified"
    );
}

#[test]
fn an_unknown_form_type_is_refused_at_form_type() {
    let mut json = valid("passed-logistics");
    json["formType"] = Value::from("site_inspection/v9");
    let checked = check(&json);
    assert_eq!(
        codes(&checked),
        vec![("/formType".to_owned(), "unknown_form_type".to_owned())]
    );
    assert!(!checked.report.valid);
    assert!(checked.grade.is_none());
}

#[test]
fn grades_name_the_rules_that_fired() {
    let ids = |name: &str| {
        let grade = check(&valid(name)).grade.unwrap();
        let ids: Vec<String> = grade.fired.iter().map(|f| f.id.clone()).collect();
        (grade.level, ids)
    };
    // 2025-06-01: the café's registration hazard (deadline 2025-02-20) is overdue.
    assert_eq!(
        ids("rectifying-internet-cafe"),
        (
            WarningLevel::Orange,
            vec![
                "inspection.orange.overdue".to_owned(),
                "inspection.yellow.failed_check".to_owned(),
                "inspection.yellow.open_hazard".to_owned(),
            ]
        )
    );
    assert_eq!(
        ids("closed-hotel-rectified"),
        (
            WarningLevel::Yellow,
            vec!["inspection.yellow.failed_check".to_owned()]
        )
    );
    assert_eq!(ids("passed-logistics"), (WarningLevel::Blue, vec![]));
    let mut json = valid("rectifying-internet-cafe");
    json["volumeB"]["persons"][0]["reason"] = Value::from("wanted");
    let grade = check(&json).grade.unwrap();
    assert_eq!(grade.level, WarningLevel::Red);
    assert_eq!(grade.fired[0].id, "inspection.red.wanted_person");
    assert_eq!(grade.fired[0].reason.zh, "发现在逃人员");
    // A partner mediator's view: the level stays, the volume-B rule is not named, the others are.
    let mut redacted = grade.clone();
    abjuan_shared::access::redact_grade(&mut redacted);
    assert_eq!(redacted.level, WarningLevel::Red);
    let ids: Vec<&str> = redacted.fired.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "volume_b_risk",
            "inspection.orange.overdue",
            "inspection.yellow.failed_check",
            "inspection.yellow.open_hazard"
        ]
    );
    assert!(!serde_json::to_string(&redacted).unwrap().contains("在逃"));
}

#[test]
fn listing_shows_place_status_and_the_earliest_open_deadline() {
    let form = forms::of_json(&valid("rectifying-internet-cafe")).unwrap();
    assert_eq!(form.code(), "site_inspection/v1");
    let listing = form.listing(&valid("rectifying-internet-cafe"));
    assert_eq!(listing.station, "jiangxian-chengguan");
    assert_eq!(listing.status, "rectifying");
    assert_eq!(listing.category, "internet_cafe");
    assert_eq!(listing.summary, "星际网络会所");
    assert_eq!(listing.at, "2025-01-20T21:10:00+08:00");
    assert_eq!(listing.due.as_deref(), Some("2025-02-20"));
    assert_eq!(listing.outcome, "");
    assert!(listing.open);
    let closed = form.listing(&valid("closed-hotel-rectified"));
    assert_eq!(
        (closed.outcome.as_str(), closed.open, closed.due),
        ("rectify", false, None)
    );
}

#[test]
fn normalize_writes_every_list_and_volume_b() {
    let mut json = valid("passed-logistics");
    let object = json.as_object_mut().unwrap();
    for key in ["hazards", "publicity", "attachments", "volumeB"] {
        object.shift_remove(key);
    }
    let (form, normal) = forms::normalize(&json.to_string()).unwrap();
    assert_eq!(form.code(), "site_inspection/v1");
    for pointer in ["/hazards", "/publicity", "/attachments", "/volumeB/persons"] {
        assert_eq!(
            normal.pointer(pointer),
            Some(&Value::Array(vec![])),
            "{pointer}"
        );
    }
}

#[test]
fn campaign_statistics_count_places_and_hazards_per_station_and_team() {
    // As the server gets them: the registry's `Form::facts`, stored as JSON text and read back.
    let facts: Vec<InspectionFacts> = fixtures("valid")
        .iter()
        .map(|(_, json)| {
            let stored = forms::of_json(json)
                .unwrap()
                .facts(json)
                .unwrap()
                .to_string();
            serde_json::from_str(&stored).unwrap()
        })
        .collect();
    assert_eq!(
        facts[0],
        InspectionFacts::from_json(&valid("closed-hotel-rectified"))
    );
    // Facts keep no names of persons (volume B) or of those responsible.
    let text = serde_json::to_string(&facts).unwrap();
    assert!(!text.contains("马某某") && !text.contains("刘强"), "{text}");
    let back: Vec<InspectionFacts> = serde_json::from_str(&text).unwrap();
    assert_eq!(back, facts);

    let today = chrono::NaiveDate::from_ymd_opt(2025, 2, 21).unwrap();
    let stats = CampaignStats::build(&facts, today);
    assert_eq!(stats.totals.places, 3);
    assert_eq!(stats.totals.hazards, 3);
    assert_eq!(stats.totals.rectified, 2);
    assert_eq!(stats.totals.overdue, 1);
    assert_eq!(stats.totals.serious, 1);
    assert_eq!(stats.places_by_type.get("hotel"), Some(&1));
    assert_eq!(stats.places_by_type.get("internet_cafe"), Some(&1));
    assert_eq!(stats.places_by_type.get("logistics"), Some(&1));
    let stations: Vec<&str> = stats.stations.iter().map(|s| s.station.as_str()).collect();
    assert_eq!(
        stations,
        ["jiangxian-chengguan", "ruicheng-dawang", "ruicheng-guwei"]
    );
    let jiang = &stats.stations[0];
    assert_eq!((jiang.tally.hazards, jiang.tally.overdue), (2, 1));
    assert_eq!(jiang.teams[0].team, "城关派出所夜查组");
    // The day before the deadline nothing is overdue.
    let before = CampaignStats::build(
        &facts,
        chrono::NaiveDate::from_ymd_opt(2025, 2, 20).unwrap(),
    );
    assert_eq!(before.totals.overdue, 0);
    let json = serde_json::to_value(&stats).unwrap();
    assert_eq!(json["stations"][0]["teams"][0]["overdue"], 1);
}
