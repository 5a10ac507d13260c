//! Bureau rule sets against the real binary: published with `abjuan admin rules` while the
//! server runs (and with the admin API), announced by `GET /v1/me`, fetched by the phone at
//! `GET /v1/rules/{version}`, and the phone's offline grade with them names the version and
//! fires the bureau's rule; a refused set gets its code on the command line; retiring falls
//! back; a partner mediator never gets the rules; every change is in the audit log.

use abjuan_e2e::rules::{
    add_rules, add_rules_refused, category_rule, retire_rules, rule_set_json, wait_for_rule_set,
};
use abjuan_e2e::{
    add_person, add_puzhou, admin, enrol, sample_dossier, Server, Unit, BUREAU, STATION,
};
use abjuan_shared::warning::{RuleSet, WarningLevel};

#[test]
fn a_rule_set_published_at_the_command_line_reaches_the_phone_and_its_grade() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    add_puzhou(d);
    add_person(d, "wang", "王警官", "officer", Unit::Station(STATION));
    add_person(
        d,
        "sup",
        "李督察",
        "bureau_supervisor",
        Unit::Bureau(BUREAU),
    );
    add_person(
        d,
        "zhao",
        "赵调解员",
        "partner_mediator",
        Unit::Bureau(BUREAU),
    );
    let (wang, sup, zhao) = (enrol(d, "wang"), enrol(d, "sup"), enrol(d, "zhao"));
    let server = Server::start(d, &[]);
    let officer = server.transport().with_token(&wang);
    wait_for_rule_set(&server, &wang, None);

    let version = add_rules(
        d,
        BUREAU,
        &rule_set_json(&[category_rule(BUREAU, "neighbour", "orange")]),
    );
    assert_eq!(version, 1);
    wait_for_rule_set(&server, &wang, Some(1));
    let (status, v) = officer.get_json("/v1/rules/1").expect("GET");
    assert_eq!(status, 200, "{v}");
    let set = RuleSet::from_json(&v["ruleSet"].to_string()).expect("the phone reads the set");

    // The phone grades offline with exactly what it fetched.
    let dossier = sample_dossier(&abjuan_e2e::new_id(), STATION, "neighbour", "楼道堆物");
    let offline = abjuan_shared::grade(&dossier, Some(&set));
    assert_eq!(offline.level, WarningLevel::Orange);
    assert!(offline.fired.iter().any(|f| f.id == "yongji.neighbour"));
    let named = offline.rule_set.expect("names the rule set");
    assert_eq!((named.bureau.as_str(), named.version), (BUREAU, 1));
    assert_eq!(
        abjuan_shared::grade(&dossier, None).level,
        WarningLevel::Blue
    );

    let (code, stderr) = add_rules_refused(d, BUREAU, r#"{"rules": [{"id": "x"}]}"#);
    assert_eq!(code, 2);
    assert!(stderr.contains("rules_invalid"), "{stderr}");
    let mut bad_path = category_rule(BUREAU, "debt", "red");
    bad_path["when"]["path"] = "header/category".into();
    let (code, stderr) = add_rules_refused(d, BUREAU, &rule_set_json(&[bad_path]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("rules_bad_path") && stderr.contains("yongji.debt"),
        "{stderr}"
    );

    // The supervisor publishes over the API: current at once.
    let (status, body) = server
        .transport()
        .with_token(&sup)
        .post_json(
            "/v1/admin/rules",
            &serde_json::json!({"rules": [category_rule(BUREAU, "debt", "red")], "note": "第3号通知"}),
        )
        .expect("POST");
    assert_eq!(status, 200, "{body}");
    wait_for_rule_set(&server, &wang, Some(2));

    retire_rules(d, BUREAU, 2);
    wait_for_rule_set(&server, &wang, Some(1));

    let (status, v) = server
        .transport()
        .with_token(&zhao)
        .get_json("/v1/rules")
        .expect("GET");
    assert_eq!((status, v["code"].as_str()), (403, Some("forbidden")));

    let audit = admin(d, &["audit", "export"]);
    let rows: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let of = |kind: &str| rows.iter().filter(|r| r["kind"] == kind).count();
    assert_eq!(
        (
            of("rule_set_added"),
            of("rule_set_refused"),
            of("rule_set_retired")
        ),
        (2, 2, 1)
    );
    assert!(rows
        .iter()
        .any(|r| r["kind"] == "rule_set_added" && r["person"] == "sup"));
    let verify = admin(d, &["audit", "verify"]);
    assert!(verify.contains("\"brokenAt\": null"), "{verify}");
}
