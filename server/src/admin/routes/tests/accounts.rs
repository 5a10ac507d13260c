//! The account and audit routes of the admin API: the supervisor's operations, the error
//! codes of refusals, confinement to the own bureau, and the audit rows the service writes.

use abjuan_shared::access::Role;
use serde_json::{json, Value};
use warp::Filter;

use super::*;
use crate::audit::{AuditFilter, AuditKind};
use crate::auth::testing::{self, enrol};
use crate::auth::{Bureau, Station};

async fn enrol_over_http(r: &Rig, person: &str) -> String {
    let code = r
        .gate
        .accounts
        .issue_enrolment(person, crate::clock::now_ms(), 60_000)
        .expect("code");
    let resp = warp::test::request()
        .method("POST")
        .path("/v1/enrol")
        .json(&json!({"code": code.code, "label": "测试手机"}))
        .reply(&r.routes())
        .await;
    assert_eq!(resp.status(), 200, "{:?}", resp.body());
    let v: Value = serde_json::from_slice(resp.body()).expect("json");
    let again = warp::test::request()
        .method("POST")
        .path("/v1/enrol")
        .json(&json!({"code": code.code}))
        .reply(&r.routes())
        .await;
    assert_eq!(again.status(), 401, "a code works once");
    v["token"].as_str().expect("token").to_owned()
}

#[tokio::test]
async fn enrol_then_me_and_the_supervisor_admin_api() {
    let r = rig();
    let routes = r.routes();
    let sup = enrol_over_http(&r, "sup").await;
    let wang = enrol_over_http(&r, "wang").await;
    let me = warp::test::request()
        .path("/v1/me")
        .header("authorization", format!("Bearer {wang}"))
        .reply(&routes)
        .await;
    assert_eq!(me.status(), 200);
    assert!(String::from_utf8_lossy(me.body()).contains("\"officer\""));
    let anon = warp::test::request().path("/v1/me").reply(&routes).await;
    assert_eq!(anon.status(), 401);
    let people = warp::test::request()
        .path("/v1/admin/people")
        .header("authorization", format!("Bearer {sup}"))
        .reply(&routes)
        .await;
    assert_eq!(people.status(), 200);
    let officer_tries = warp::test::request()
        .path("/v1/admin/people")
        .header("authorization", format!("Bearer {wang}"))
        .reply(&routes)
        .await;
    assert_eq!(officer_tries.status(), 403);
    let devices = r.gate.accounts.devices(Some("wang")).expect("devices");
    let revoke = warp::test::request()
        .method("POST")
        .path(&format!("/v1/admin/devices/{}/revoke", devices[0].id))
        .header("authorization", format!("Bearer {sup}"))
        .reply(&routes)
        .await;
    assert_eq!(revoke.status(), 200);
    let after = warp::test::request()
        .path("/v1/me")
        .header("authorization", format!("Bearer {wang}"))
        .reply(&routes)
        .await;
    assert_eq!(after.status(), 401, "revoked on the next request");
    let export = warp::test::request()
        .path("/v1/admin/audit/export")
        .header("authorization", format!("Bearer {sup}"))
        .reply(&routes)
        .await;
    assert_eq!(export.status(), 200);
    let text = String::from_utf8_lossy(export.body()).to_string();
    assert!(text.contains("device_enrolled") && text.contains("device_revoked"));
    assert!(text.contains("access_denied"));
    assert!(!text.contains("abjd_"), "no credential in the log");
}

#[tokio::test]
async fn a_supervisor_manages_people_and_every_operation_is_audited() {
    let r = rig();
    let sup = r.token("sup");
    let (s, v) = r
        .call(
            "POST",
            "/v1/admin/people",
            &sup,
            Some(json!({"id": "li", "name": "李警官", "role": "auxiliary", "station": "puzhou"})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["bureau"], "yongji",
        "a person added over the API joins the caller's bureau"
    );
    let (s, v) = r
        .call(
            "POST",
            "/v1/admin/people/li/role",
            &sup,
            Some(json!({"role": "officer", "station": "puzhou"})),
        )
        .await;
    assert_eq!((s, &v["role"]), (200, &json!("officer")), "{v}");
    let (s, v) = r
        .call("POST", "/v1/admin/people/li/enrolment", &sup, None)
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["code"].as_str().is_some_and(|c| c.starts_with("abje_")));
    let (s, v) = r.call("GET", "/v1/admin/stations", &sup, None).await;
    assert_eq!((s, v["stations"][0]["id"].as_str()), (200, Some("puzhou")));
    let (s, v) = r.call("GET", "/v1/admin/audit/verify", &sup, None).await;
    assert_eq!(s, 200);
    assert!(v["rows"].as_u64().is_some_and(|n| n >= 3), "{v}");
    assert_eq!(v.get("brokenAt"), Some(&Value::Null), "{v}");
    let rows = r.gate.audit.read(&AuditFilter::default()).expect("audit");
    let added = rows
        .iter()
        .find(|row| row.kind == AuditKind::PersonAdded)
        .expect("person_added");
    assert_eq!(
        added.person.as_deref(),
        Some("sup"),
        "the supervisor is named"
    );
    assert!(added.device.is_some(), "with their device");
    assert_eq!(added.subject.as_deref(), Some("li"));
    assert_eq!(
        added.detail,
        json!({"role": "auxiliary", "station": "puzhou"})
    );
    let kinds = r.kinds();
    for kind in [
        AuditKind::PersonAdded,
        AuditKind::RoleChanged,
        AuditKind::EnrolmentIssued,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} recorded: {kinds:?}");
    }
}

#[tokio::test]
async fn refusals_carry_stable_codes_and_nothing_crosses_a_bureau() {
    let r = rig();
    r.gate
        .accounts
        .add_bureau(&Bureau {
            id: "ruicheng".into(),
            name: "芮城".into(),
        })
        .expect("bureau");
    r.gate
        .accounts
        .add_station(&Station {
            id: "gucheng".into(),
            bureau: "ruicheng".into(),
            name: "古城".into(),
        })
        .expect("station");
    r.gate
        .accounts
        .add_person(
            &crate::auth::Person {
                id: "zhou".into(),
                name: "周".into(),
                role: Role::Officer,
                station: Some("gucheng".into()),
                bureau: "ruicheng".into(),
                disabled: false,
            },
            1,
        )
        .expect("person");
    let sup = r.token("sup");
    let wang = r.token("wang");
    let code = |v: &Value| v["code"].as_str().unwrap_or_default().to_owned();

    let (s, v) = r.call("GET", "/v1/admin/people", &wang, None).await;
    assert_eq!((s, code(&v)), (403, "forbidden".into()), "an officer");
    let new = |id: &str, role: &str, station: &str| {
        Some(json!({"id": id, "name": "新人", "role": role, "station": station}))
    };
    let (s, v) = r
        .call(
            "POST",
            "/v1/admin/people",
            &sup,
            new("x", "sheriff", "puzhou"),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (400, "invalid_argument".into()),
        "unknown role"
    );
    let (s, v) = r
        .call(
            "POST",
            "/v1/admin/people",
            &sup,
            new("wang", "officer", "puzhou"),
        )
        .await;
    assert_eq!((s, code(&v)), (409, "exists".into()), "taken id");
    let (s, v) = r
        .call(
            "POST",
            "/v1/admin/people",
            &sup,
            new("y", "officer", "gucheng"),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (400, "invalid_argument".into()),
        "a station of another bureau"
    );
    for (method, path) in [
        ("POST", "/v1/admin/people/zhou/role"),
        ("POST", "/v1/admin/people/zhou/enrolment"),
        ("GET", "/v1/admin/devices?person=zhou"),
        ("POST", "/v1/admin/people/nobody/enrolment"),
    ] {
        let body = (method == "POST").then(|| json!({"role": "officer"}));
        let (s, v) = r.call(method, path, &sup, body).await;
        assert_eq!(
            (s, code(&v)),
            (404, "not_found".into()),
            "{path}: a person of another bureau is answered as one that does not exist"
        );
    }
    let zhou_device = enrol(&r.gate, "zhou", crate::clock::now_ms()).device.id;
    let (s, v) = r
        .call(
            "POST",
            &format!("/v1/admin/devices/{zhou_device}/revoke"),
            &sup,
            None,
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (404, "not_found".into()),
        "another bureau's device"
    );
    assert!(
        r.gate
            .accounts
            .device(&zhou_device)
            .expect("device")
            .is_some_and(|d| d.revoked_at.is_none()),
        "and it still works"
    );
    let (s, v) = r.call("GET", "/v1/admin/devices", &sup, None).await;
    assert_eq!(s, 200);
    assert!(
        !v.to_string().contains(&zhou_device),
        "a supervisor lists their bureau's devices only"
    );
    let (s, v) = r.call("GET", "/v1/admin/audit", &sup, None).await;
    assert_eq!(s, 200);
    assert!(
        v["rows"]
            .as_array()
            .is_some_and(|rows| rows.iter().all(|row| row["bureau"] == "yongji")),
        "{v}"
    );
    let (s, v) = r
        .call("GET", "/v1/admin/people", "abjd_nonsense", None)
        .await;
    assert_eq!((s, code(&v)), (401, "unauthorized".into()));
    let denied = r
        .gate
        .audit
        .read(&AuditFilter::default())
        .expect("audit")
        .into_iter()
        .filter(|row| row.kind == AuditKind::AccessDenied)
        .count();
    assert_eq!(denied, 1, "the officer's attempt is recorded");
}

#[tokio::test]
async fn the_demo_caller_administers_nothing() {
    let (dir, g) = testing::gate(true);
    let gate = Arc::new(g);
    let admin = testing::admin(&gate, &testing::book(dir.path()));
    let routes = routes(admin, gate.clone()).recover(crate::http::handle_rejection);
    let resp = warp::test::request()
        .path("/v1/admin/people")
        .remote_addr("127.0.0.1:9".parse().expect("addr"))
        .reply(&routes)
        .await;
    assert_eq!(resp.status(), 403, "open demo mode has no administrator");
}
