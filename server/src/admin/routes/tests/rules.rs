//! Rule sets over the API, from the supervisor to the phone: add (the next version, current at
//! once), refusals with their codes and detail, list, show, retire (what becomes current),
//! `/v1/me` naming the current version, `/v1/rules` serving it to the officer and not to a
//! partner mediator, and the audit rows of it all.

use serde_json::json;

use super::*;

const DEBT_RULE: &str = r#"{"id": "yongji.debt_over_50k", "level": "orange",
    "reason": {"zh": "债务纠纷金额超过5万元", "en": "Debt dispute over 50,000 yuan"},
    "when": {"all": [
        {"path": "/header/category", "op": "eq", "value": "debt"},
        {"path": "/header/facts/amountYuan", "op": "gte", "value": 50000}]}}"#;

const ANY_DEBT_RULE: &str = r#"{"id": "yongji.debt", "level": "yellow",
    "reason": {"zh": "债务纠纷", "en": "A debt dispute"},
    "when": {"path": "/header/category", "op": "eq", "value": "debt"}}"#;

fn body(rules: &[&str], note: &str) -> Value {
    let rules: Vec<Value> = rules
        .iter()
        .map(|r| serde_json::from_str(r).expect("rule"))
        .collect();
    json!({ "rules": rules, "note": note })
}

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_supervisor_publishes_versions_and_the_phone_learns_of_them() {
    let r = rig();
    let sup = r.token("sup");
    let wang = r.token("wang");
    let (s, me) = r.call("GET", "/v1/me", &wang, None).await;
    assert_eq!(
        (s, &me["ruleSet"]),
        (200, &Value::Null),
        "no rule set yet: core rules only"
    );
    let (s, v) = r.call("GET", "/v1/rules", &wang, None).await;
    assert_eq!((s, &v["ruleSet"]), (200, &Value::Null));

    let (s, v) = r
        .call(
            "POST",
            "/v1/admin/rules",
            &sup,
            Some(body(&[DEBT_RULE], "县局2025年第3号通知")),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["ruleSet"]["version"], 1);
    assert_eq!(v["ruleSet"]["current"], true);
    assert_eq!(v["ruleSet"]["note"], "县局2025年第3号通知");
    assert_eq!(v["ruleSet"]["addedBy"], "sup");
    assert_eq!(v["ruleSet"]["rules"][0]["id"], "yongji.debt_over_50k");

    let (_, me) = r.call("GET", "/v1/me", &wang, None).await;
    assert_eq!(
        me["ruleSet"],
        json!({"bureau": "yongji", "version": 1}),
        "at once"
    );
    let (s, v) = r.call("GET", "/v1/rules", &wang, None).await;
    assert_eq!(s, 200);
    assert_eq!(v["ruleSet"]["bureau"], "yongji");
    assert_eq!(v["ruleSet"]["version"], 1);
    assert_eq!(v["ruleSet"]["rules"][0]["id"], "yongji.debt_over_50k");
    let set = abjuan_shared::RuleSet::from_json(&v["ruleSet"].to_string()).expect("a rule set");
    assert_eq!(
        set.version(),
        1,
        "what the phone gets reads back as the set"
    );

    let (s, v) = r
        .call(
            "POST",
            "/v1/admin/rules",
            &sup,
            Some(body(&[ANY_DEBT_RULE], "")),
        )
        .await;
    assert_eq!((s, &v["ruleSet"]["version"]), (200, &json!(2)), "{v}");
    let (_, me) = r.call("GET", "/v1/me", &wang, None).await;
    assert_eq!(me["ruleSet"]["version"], 2);
    let (s, v) = r.call("GET", "/v1/rules/1", &wang, None).await;
    assert_eq!(
        (s, &v["ruleSet"]["version"]),
        (200, &json!(1)),
        "an older version by number"
    );
    let (s, v) = r.call("GET", "/v1/rules/7", &wang, None).await;
    assert_eq!((s, code(&v)), (404, "rule_set_not_found"));

    let (s, v) = r.call("GET", "/v1/admin/rules", &sup, None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["current"], 2);
    let listed: Vec<(u64, bool)> = v["ruleSets"]
        .as_array()
        .expect("list")
        .iter()
        .map(|x| (x["version"].as_u64().unwrap_or(0), x["current"] == true))
        .collect();
    assert_eq!(listed, [(1, false), (2, true)]);
    let (s, v) = r.call("GET", "/v1/admin/rules/current", &sup, None).await;
    assert_eq!((s, &v["ruleSet"]["version"]), (200, &json!(2)));

    let (s, v) = r.call("POST", "/v1/admin/rules/2/retire", &sup, None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["current"], 1,
        "the highest version not retired is current again"
    );
    assert!(v["retired"]["retiredAt"].is_i64());
    let (_, me) = r.call("GET", "/v1/me", &wang, None).await;
    assert_eq!(me["ruleSet"]["version"], 1);
    let (s, v) = r.call("POST", "/v1/admin/rules/2/retire", &sup, None).await;
    assert_eq!((s, code(&v)), (409, "rule_set_retired"));
    let (s, v) = r.call("POST", "/v1/admin/rules/1/retire", &sup, None).await;
    assert_eq!(
        (s, &v["current"]),
        (200, &Value::Null),
        "none left: core rules only"
    );
    let (_, me) = r.call("GET", "/v1/me", &wang, None).await;
    assert_eq!(me["ruleSet"], Value::Null);
    let (s, v) = r.call("GET", "/v1/admin/rules/current", &sup, None).await;
    assert_eq!((s, code(&v)), (404, "rule_set_not_found"));

    let rows = r.gate.audit.read(&AuditFilter::default()).expect("audit");
    let added: Vec<_> = rows
        .iter()
        .filter(|row| row.kind == AuditKind::RuleSetAdded)
        .collect();
    assert_eq!(added.len(), 2);
    assert_eq!(added[0].person.as_deref(), Some("sup"));
    assert_eq!(added[0].bureau.as_deref(), Some("yongji"));
    assert_eq!(added[0].detail["version"], 1);
    assert_eq!(added[0].detail["ruleIds"], json!(["yongji.debt_over_50k"]));
    assert_eq!(added[0].detail["sha256"].as_str().map(str::len), Some(64));
    let retired: Vec<_> = rows
        .iter()
        .filter(|row| row.kind == AuditKind::RuleSetRetired)
        .map(|row| (row.detail["version"].clone(), row.detail["current"].clone()))
        .collect();
    assert_eq!(retired, [(json!(2), json!(1)), (json!(1), Value::Null)]);
}

#[tokio::test]
async fn a_bad_rule_set_is_refused_with_its_code_and_changes_nothing() {
    let r = rig();
    let sup = r.token("sup");
    let post = |b: Value| r.call("POST", "/v1/admin/rules", &sup, Some(b));
    let (s, v) = post(json!({"rules": 7})).await;
    assert_eq!((s, code(&v)), (400, "rules_invalid"), "{v}");
    assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()), "{v}");
    let (s, v) = post(body(&[DEBT_RULE, DEBT_RULE], "")).await;
    assert_eq!((s, code(&v)), (400, "rules_bad_id"));
    assert!(
        v["detail"]
            .as_str()
            .is_some_and(|d| d.contains("yongji.debt_over_50k")),
        "the detail names the rule: {v}"
    );
    let (s, v) = post(body(
        &[&DEBT_RULE.replace("/header/category", "header")],
        "",
    ))
    .await;
    assert_eq!((s, code(&v)), (400, "rules_bad_path"));
    let core = DEBT_RULE.replace("yongji.debt_over_50k", "core.red.mine");
    let (s, v) = post(body(&[&core], "")).await;
    assert_eq!(
        (s, code(&v)),
        (400, "rules_bad_id"),
        "core ids are reserved"
    );
    let deep = format!(
        r#"{{"id": "x", "level": "red", "reason": {{"zh": "", "en": ""}}, "when": {}{{"path": "/a", "op": "truthy"}}{}}}"#,
        r#"{"not": "#.repeat(20),
        "}".repeat(20)
    );
    let (s, v) = post(body(&[&deep], "")).await;
    assert_eq!((s, code(&v)), (400, "rules_too_large"));
    let resp = warp::test::request()
        .method("POST")
        .path("/v1/admin/rules")
        .header("authorization", format!("Bearer {sup}"))
        .body(vec![0xff, 0xfe, b'{'])
        .reply(&r.routes())
        .await;
    assert_eq!(resp.status(), 400, "not UTF-8");
    let (s, v) = r.call("GET", "/v1/admin/rules", &sup, None).await;
    assert_eq!((s, &v["ruleSets"]), (200, &json!([])), "nothing was stored");
    assert_eq!(r.book.version("yongji"), None);
    let refused = r
        .kinds()
        .into_iter()
        .filter(|k| *k == AuditKind::RuleSetRefused)
        .count();
    assert_eq!(refused, 6, "every refusal is recorded");
}

#[tokio::test]
async fn only_the_supervisor_manages_and_a_mediator_never_gets_the_rules() {
    let r = rig();
    let sup = r.token("sup");
    let wang = r.token("wang");
    let zhao = r.token("zhao");
    let (s, v) = r
        .call(
            "POST",
            "/v1/admin/rules",
            &wang,
            Some(body(&[DEBT_RULE], "")),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (403, "forbidden"),
        "an officer may not publish rules"
    );
    for path in ["/v1/admin/rules", "/v1/admin/rules/current"] {
        let (s, _) = r.call("GET", path, &wang, None).await;
        assert_eq!(s, 403, "{path}");
    }
    let (s, _) = r
        .call(
            "POST",
            "/v1/admin/rules",
            &sup,
            Some(body(&[DEBT_RULE], "")),
        )
        .await;
    assert_eq!(s, 200);
    let (s, v) = r.call("GET", "/v1/rules", &zhao, None).await;
    assert_eq!(
        (s, code(&v)),
        (403, "forbidden"),
        "rules read volume B: not for mediators"
    );
    let (s, v) = r.call("GET", "/v1/rules/1", &zhao, None).await;
    assert_eq!((s, code(&v)), (403, "forbidden"));
    let (s, me) = r.call("GET", "/v1/me", &zhao, None).await;
    assert_eq!((s, &me["ruleSet"]), (200, &Value::Null));
    let (s, v) = r.call("GET", "/v1/rules", &wang, None).await;
    assert_eq!((s, &v["ruleSet"]["version"]), (200, &json!(1)));
    let denied = r
        .kinds()
        .into_iter()
        .filter(|k| *k == AuditKind::AccessDenied)
        .count();
    assert_eq!(denied, 5, "every refusal is recorded");
}
