//! Tests of the account routes over `warp::test` (a temporary directory each).

use abjuan_shared::access::Role;

use super::*;
use crate::auth::testing::{self, add_person, add_units};

fn gate() -> (tempfile::TempDir, Arc<Gate>) {
    let (dir, g) = testing::gate(false);
    add_units(&g, &[("puzhou", "蒲州")]);
    add_person(&g, "sup", Role::BureauSupervisor, None);
    add_person(&g, "wang", Role::Officer, Some("puzhou"));
    (dir, Arc::new(g))
}

async fn enrol_over_http(g: &Arc<Gate>, person: &str) -> String {
    let code = g
        .accounts
        .issue_enrolment(person, now_ms(), 60_000)
        .expect("code");
    let resp = warp::test::request()
        .method("POST")
        .path("/v1/enrol")
        .json(&json!({"code": code.code, "label": "测试手机"}))
        .reply(&routes(g.clone()))
        .await;
    assert_eq!(resp.status(), 200, "{:?}", resp.body());
    let v: serde_json::Value = serde_json::from_slice(resp.body()).expect("json");
    let again = warp::test::request()
        .method("POST")
        .path("/v1/enrol")
        .json(&json!({"code": code.code}))
        .reply(&routes(g.clone()))
        .await;
    assert_eq!(again.status(), 401, "a code works once");
    v["token"].as_str().expect("token").to_owned()
}

#[tokio::test]
async fn enrol_then_me_and_the_supervisor_admin_api() {
    let (_d, g) = gate();
    let r = routes(g.clone()).recover(crate::http::handle_rejection);
    let sup = enrol_over_http(&g, "sup").await;
    let wang = enrol_over_http(&g, "wang").await;
    let me = warp::test::request()
        .path("/v1/me")
        .header("authorization", format!("Bearer {wang}"))
        .reply(&r)
        .await;
    assert_eq!(me.status(), 200);
    assert!(String::from_utf8_lossy(me.body()).contains("\"officer\""));
    let anon = warp::test::request().path("/v1/me").reply(&r).await;
    assert_eq!(anon.status(), 401);
    let people = warp::test::request()
        .path("/v1/admin/people")
        .header("authorization", format!("Bearer {sup}"))
        .reply(&r)
        .await;
    assert_eq!(people.status(), 200);
    let officer_tries = warp::test::request()
        .path("/v1/admin/people")
        .header("authorization", format!("Bearer {wang}"))
        .reply(&r)
        .await;
    assert_eq!(officer_tries.status(), 403);
    let devices = g.accounts.devices(Some("wang")).expect("devices");
    let revoke = warp::test::request()
        .method("POST")
        .path(&format!("/v1/admin/devices/{}/revoke", devices[0].id))
        .header("authorization", format!("Bearer {sup}"))
        .reply(&r)
        .await;
    assert_eq!(revoke.status(), 200);
    let after = warp::test::request()
        .path("/v1/me")
        .header("authorization", format!("Bearer {wang}"))
        .reply(&r)
        .await;
    assert_eq!(after.status(), 401, "revoked on the next request");
    let export = warp::test::request()
        .path("/v1/admin/audit/export")
        .header("authorization", format!("Bearer {sup}"))
        .reply(&r)
        .await;
    assert_eq!(export.status(), 200);
    let text = String::from_utf8_lossy(export.body()).to_string();
    assert!(text.contains("device_enrolled") && text.contains("device_revoked"));
    assert!(text.contains("access_denied"));
    assert!(!text.contains("abjd_"), "no credential in the log");
}
