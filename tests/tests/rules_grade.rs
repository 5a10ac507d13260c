//! 3+N on the server: a local rule published with `abjuan admin rules` while the server runs
//! re-grades the bureau's stored dossiers in the background (the list, the warning feed and
//! the statistics change without any phone syncing), the next sync reply grades with it and
//! names the version, and the phone's offline grade with the fetched rule set is the same.

use std::time::{Duration, Instant};

use abjuan_e2e::rules::{add_rules, category_rule, retire_rules, rule_set_json, wait_for_rule_set};
use abjuan_e2e::{
    add_person, add_puzhou, enrol, phone, sample_dossier, Server, Unit, BUREAU, STATION,
};
use abjuan_shared::warning::{RuleSet, WarningLevel};
use serde_json::Value;

/// Polls `GET path` (as `token`) until `pick` finds what it wants (at most 10 s).
fn wait_for(server: &Server, token: &str, path: &str, pick: impl Fn(&Value) -> bool) -> Value {
    let transport = server.transport().with_token(token);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, v) = transport.get_json(path).expect("GET");
        assert_eq!(status, 200, "{v}");
        if pick(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "{path} never showed it: {v}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_bureau_rule_regrades_what_the_list_the_feed_the_stats_and_the_phone_show() {
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
    let (wang, sup) = (enrol(d, "wang"), enrol(d, "sup"));
    let server = Server::start(d, &[]);
    let id = abjuan_e2e::new_id();
    let dossier = sample_dossier(&id, STATION, "neighbour", "楼道堆物");
    let mut p = phone(&server, "wang-phone", &wang);
    p.create(&dossier).expect("create");
    let out = p.sync(std::slice::from_ref(&id)).expect("sync");
    let grade = &out.last.as_ref().expect("reply").dossiers[&id]["grade"];
    assert_eq!(grade["level"], "blue", "{grade}");
    assert!(grade.get("ruleSet").is_none_or(Value::is_null), "{grade}");

    // The bureau makes every neighbour dispute orange.
    let version = add_rules(
        d,
        BUREAU,
        &rule_set_json(&[category_rule(BUREAU, "neighbour", "orange")]),
    );
    wait_for_rule_set(&server, &wang, Some(version));

    // Re-graded in the background: no phone has synced since.
    let level_of = |v: &Value| {
        v["dossiers"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["id"] == id.as_str()))
            .and_then(|r| r["level"].as_str())
            .map(str::to_owned)
    };
    wait_for(&server, &sup, "/v1/dossiers", |v| {
        level_of(v).as_deref() == Some("orange")
    });
    wait_for(&server, &sup, "/v1/warnings", |v| {
        level_of(v).as_deref() == Some("orange")
    });
    let stats = wait_for(&server, &sup, "/v1/stats", |v| {
        v["rows"].as_array().is_some_and(|rows| {
            rows.iter()
                .any(|r| r["station"] == STATION && r["openRedOrange"] == 1)
        })
    });
    assert!(stats["rows"].as_array().is_some_and(|r| !r.is_empty()));

    // The next sync reply grades with the bureau's rules and names them; the phone, grading
    // offline with the set it fetched, gets the same grade.
    let out = p.sync(std::slice::from_ref(&id)).expect("sync");
    let grade = out.last.as_ref().expect("reply").dossiers[&id]["grade"].clone();
    assert_eq!(grade["level"], "orange", "{grade}");
    assert_eq!(grade["ruleSet"]["bureau"], BUREAU);
    assert_eq!(grade["ruleSet"]["version"], version);
    let (status, fetched) = server
        .transport()
        .with_token(&wang)
        .get_json(&format!("/v1/rules/{version}"))
        .expect("GET");
    assert_eq!(status, 200, "{fetched}");
    let set = RuleSet::from_json(&fetched["ruleSet"].to_string()).expect("rule set");
    let offline = abjuan_shared::grade(&dossier, Some(&set));
    assert_eq!(offline.level, WarningLevel::Orange);
    assert_eq!(
        serde_json::to_value(&offline).expect("json"),
        grade,
        "the phone's offline grade is the server's"
    );

    // Retired: back to core rules everywhere, again without a sync.
    retire_rules(d, BUREAU, version);
    wait_for(&server, &sup, "/v1/dossiers", |v| {
        level_of(v).as_deref() == Some("blue")
    });
}
