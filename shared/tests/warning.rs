//! Warning grades: core rules, a bureau's local rules as data, manual raises that can only raise.

#![allow(clippy::unwrap_used)]

mod common;

use abjuan_shared::model::{WarningLevel, WarningRaise};
use abjuan_shared::warning::{LocalRules, RuleSet, RuleSetId, RuleSource};
use abjuan_shared::{grade, Dossier};

fn dossier(name: &str) -> Dossier {
    serde_json::from_value(common::read_json(
        &common::fixtures().join("valid").join(name),
    ))
    .unwrap()
}

fn fired(d: &Dossier, rules: Option<&RuleSet>) -> Vec<String> {
    grade(d, rules).fired.into_iter().map(|f| f.id).collect()
}

#[test]
fn an_ordinary_dispute_is_blue() {
    let g = grade(&dossier("draft-neighbour.json"), None);
    assert_eq!(g.level, WarningLevel::Blue);
    assert!(g.fired.is_empty());
    assert_eq!(g.rule_set, None, "core rules only: no rule set named");
    let json = serde_json::to_value(&g).unwrap();
    assert!(json.get("ruleSet").is_none(), "{json}");
}

#[test]
fn core_rules_name_themselves_and_the_highest_level_wins() {
    let mut d = dossier("follow-up-marriage.json");
    assert_eq!(grade(&d, None).level, WarningLevel::Yellow);
    assert_eq!(fired(&d, None), ["core.yellow.risky_party"]);
    d.header.facts.prior_calls = 2;
    d.volume_b.as_mut().unwrap().parties[0]
        .risk
        .violence_history = true;
    let g = grade(&d, None);
    assert_eq!(g.level, WarningLevel::Orange);
    assert_eq!(
        fired(&d, None),
        [
            "core.orange.violence_repeat",
            "core.yellow.repeat_calls",
            "core.yellow.risky_party"
        ]
    );
    assert_eq!(g.fired[0].reason.zh, "有暴力史且多次报警");
    d.volume_b.as_mut().unwrap().parties[1]
        .risk
        .threatens_self_harm = true;
    assert_eq!(grade(&d, None).level, WarningLevel::Red);
    assert_eq!(fired(&d, None)[0], "core.red.self_harm");
}

#[test]
fn local_rules_are_data() {
    let rules = LocalRules::from_json(
        r#"{"rules": [
            {"id": "yongji.elderly_applicant", "level": "orange",
             "reason": {"zh": "申请人为老年人", "en": "The applicant is elderly"},
             "when": {"all": [
                {"path": "/volumeB/parties/*/vulnerable/elderly", "op": "eq", "value": true},
                {"not": {"path": "/header/category", "op": "in", "value": ["debt", "wages"]}}]}},
            {"id": "yongji.summary_mentions_knife", "level": "red",
             "reason": {"zh": "案情提及刀具", "en": "The summary mentions a knife"},
             "when": {"path": "/header/summary", "op": "contains", "value": "刀"}}
        ]}"#,
    )
    .unwrap();
    let rules = RuleSet::new("yongji", 4, rules);
    let mut d = dossier("draft-neighbour.json");
    let g = grade(&d, Some(&rules));
    assert_eq!(g.level, WarningLevel::Orange);
    assert_eq!(g.fired[0].source, RuleSource::Local);
    assert_eq!(fired(&d, Some(&rules)), ["yongji.elderly_applicant"]);
    assert_eq!(
        g.rule_set,
        Some(RuleSetId {
            bureau: "yongji".into(),
            version: 4
        }),
        "the grade names the rule set it used"
    );
    assert_eq!(
        serde_json::to_value(&g).unwrap()["ruleSet"],
        serde_json::json!({"bureau": "yongji", "version": 4})
    );
    d.header.summary.push_str("一方手持菜刀。");
    assert_eq!(grade(&d, Some(&rules)).level, WarningLevel::Red);
    let none_fire = RuleSet::new("yongji", 5, LocalRules::default());
    let g = grade(&dossier("draft-neighbour.json"), Some(&none_fire));
    assert_eq!(g.level, WarningLevel::Blue);
    assert_eq!(
        g.rule_set.map(|r| r.version),
        Some(5),
        "a set applied is named even when none of its rules fired"
    );
}

#[test]
fn bad_local_rules_are_refused_with_a_code() {
    let cases = [
        ("not json", "rules_invalid"),
        (
            r#"{"rules": [{"id": "core.x", "level": "red", "reason": {"zh": "", "en": ""}, "when": {"path": "/a", "op": "truthy"}}]}"#,
            "rules_bad_id",
        ),
        (
            r#"{"rules": [{"id": "x", "level": "red", "reason": {"zh": "", "en": ""}, "when": {"path": "a", "op": "truthy"}}]}"#,
            "rules_bad_path",
        ),
        (
            r#"{"rules": [{"id": "x", "level": "purple", "reason": {"zh": "", "en": ""}, "when": {"path": "/a", "op": "truthy"}}]}"#,
            "rules_invalid",
        ),
        (
            r#"{"rules": [{"id": "x", "level": "red", "reason": {"zh": "", "en": ""}, "when": {"path": "/a", "op": "matches"}}]}"#,
            "rules_invalid",
        ),
    ];
    for (json, code) in cases {
        assert_eq!(
            LocalRules::from_json(json).unwrap_err().code(),
            code,
            "{json}"
        );
    }
    let condition = format!(
        r#"{}{{"path": "/a", "op": "truthy"}}{}"#,
        r#"{"not": "#.repeat(20),
        "}".repeat(20)
    );
    let deep = format!(
        r#"{{"rules": [{{"id": "x", "level": "red", "reason": {{"zh": "", "en": ""}}, "when": {condition}}}]}}"#
    );
    assert_eq!(
        LocalRules::from_json(&deep).unwrap_err().code(),
        "rules_too_large"
    );
}

#[test]
fn a_manual_raise_raises_and_can_never_lower() {
    let mut d = dossier("draft-neighbour.json");
    let raise = |level| WarningRaise {
        level,
        reason: "当事人情绪激动".into(),
        by: "王警官".into(),
        at: common::now(),
    };
    d.header.warning_raise = Some(raise(WarningLevel::Orange));
    let g = grade(&d, None);
    assert_eq!(
        (g.level, g.computed),
        (WarningLevel::Orange, WarningLevel::Blue)
    );
    assert_eq!(g.fired[0].id, "manual_raise");
    assert!(g.fired[0].reason.zh.contains("当事人情绪激动"));

    d.header.facts.injury_occurred = true;
    d.header.warning_raise = Some(raise(WarningLevel::Yellow));
    let g = grade(&d, None);
    assert_eq!(
        g.level,
        WarningLevel::Red,
        "a raise must not lower the level"
    );
    assert_eq!(g.ignored_raise.unwrap().level, WarningLevel::Yellow);
}

#[test]
fn rule_paths_walk_lists_indexes_and_escaped_keys() {
    use abjuan_shared::warning::Condition;
    let when = |json: &str| -> Condition { serde_json::from_str(json).unwrap() };
    let doc = serde_json::json!({
        "parties": [{"age": 30, "flags": ["a"]}, {"age": 81, "flags": []}],
        "odd/key": {"~tilde": 5},
    });
    assert!(when(r#"{"path": "/parties/*/age", "op": "gte", "value": 80}"#).holds(&doc));
    assert!(!when(r#"{"path": "/parties/0/age", "op": "gte", "value": 80}"#).holds(&doc));
    assert!(when(r#"{"path": "/parties/1/age", "op": "gte", "value": 80}"#).holds(&doc));
    assert!(!when(r#"{"path": "/parties/9/age", "op": "exists"}"#).holds(&doc));
    assert!(when(r#"{"path": "/parties/*/flags", "op": "contains", "value": "a"}"#).holds(&doc));
    assert!(when(r#"{"path": "/odd~1key/~0tilde", "op": "eq", "value": 5}"#).holds(&doc));
    assert!(!when(r#"{"path": "/parties/age", "op": "exists"}"#).holds(&doc));
    assert!(when(r#"{"not": {"path": "/missing", "op": "exists"}}"#).holds(&doc));
    assert!(
        when(r#"{"path": "", "op": "truthy"}"#).holds(&doc),
        "the whole document"
    );
}
