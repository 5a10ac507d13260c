//! Tests of the account routes over `warp::test` (no socket; a temporary directory each):
//! enrolment, `/v1/me`, actor registration, and their error codes. The admin API's tests are
//! in `crate::admin::routes`.

use abjuan_shared::access::Role;
use serde_json::Value;

use super::*;
use crate::auth::testing::{self, add_person, add_units, enrol};

/// The gate over fresh stores (bureau `yongji`, station `puzhou`, officers `wang` and `li`)
/// and the directory they live in.
fn gate() -> (tempfile::TempDir, Arc<Gate>) {
    let (dir, g) = testing::gate(false);
    add_units(&g, &[("puzhou", "蒲州")]);
    add_person(&g, "wang", Role::Officer, Some("puzhou"));
    add_person(&g, "li", Role::Officer, Some("puzhou"));
    (dir, Arc::new(g))
}

/// `req` through the account routes over the stores in `dir`: status and JSON body.
async fn send(
    g: &Arc<Gate>,
    dir: &tempfile::TempDir,
    req: warp::test::RequestBuilder,
) -> (u16, Value) {
    let book = testing::book(dir.path());
    let resp = req
        .reply(&routes(g.clone(), book).recover(crate::http::handle_rejection))
        .await;
    let v = serde_json::from_slice(resp.body()).unwrap_or(Value::Null);
    (resp.status().as_u16(), v)
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn a_phone_enrols_once_and_learns_who_it_is() {
    let (d, g) = gate();
    let code = g
        .accounts
        .issue_enrolment("wang", now_ms(), 60_000)
        .expect("code");
    let enrol_with = |c: &str| {
        warp::test::request()
            .method("POST")
            .path("/v1/enrol")
            .json(&json!({"code": c, "label": "王的手机"}))
    };
    let (s, v) = send(&g, &d, enrol_with(&code.code)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["person"]["id"], "wang");
    assert_eq!(v["person"]["role"], "officer");
    let token = v["token"].as_str().expect("token").to_owned();
    let (s, v) = send(&g, &d, enrol_with(&code.code)).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (401, Some("enrolment_invalid")),
        "once"
    );
    let (s, v) = send(&g, &d, enrol_with("abje_garbage")).await;
    assert_eq!((s, v["code"].as_str()), (401, Some("enrolment_invalid")));
    let (s, v) = send(
        &g,
        &d,
        warp::test::request()
            .path("/v1/me")
            .header("authorization", bearer(&token)),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (
            v["person"].as_str(),
            v["station"].as_str(),
            v["bureau"].as_str()
        ),
        (Some("wang"), Some("puzhou"), Some("yongji"))
    );
    assert_eq!(v["demo"], false);
    let (s, v) = send(&g, &d, warp::test::request().path("/v1/me")).await;
    assert_eq!((s, v["code"].as_str()), (401, Some("unauthorized")));
    let kinds: Vec<_> = g
        .audit
        .read(&crate::audit::AuditFilter::default())
        .expect("audit")
        .into_iter()
        .map(|r| r.kind)
        .collect();
    assert!(kinds.contains(&AuditKind::DeviceEnrolled));
    assert!(kinds.contains(&AuditKind::EnrolmentRefused));
}

#[tokio::test]
async fn an_actor_id_belongs_to_the_device_that_registered_it_first() {
    let (d, g) = gate();
    let wang = enrol(&g, "wang", now_ms()).token;
    let li = enrol(&g, "li", now_ms()).token;
    let register = |token: &str, actors: Value| {
        warp::test::request()
            .method("POST")
            .path("/v1/actors")
            .header("authorization", bearer(token))
            .json(&json!({ "actors": actors }))
    };
    let (s, v) = send(&g, &d, register(&wang, json!(["aa11bb22"]))).await;
    assert_eq!((s, &v["registered"]), (200, &json!(["aa11bb22"])), "{v}");
    let (s, _) = send(&g, &d, register(&wang, json!(["aa11bb22"]))).await;
    assert_eq!(s, 200, "registering again is harmless");
    let (s, v) = send(&g, &d, register(&li, json!(["aa11bb22"]))).await;
    assert_eq!((s, v["code"].as_str()), (409, Some("actor_taken")));
    let many: Vec<String> = (0..65).map(|i| format!("{i:04x}")).collect();
    let (s, v) = send(&g, &d, register(&li, json!(many))).await;
    assert_eq!((s, v["code"].as_str()), (400, Some("invalid_argument")));
    let (s, _) = send(
        &g,
        &d,
        warp::test::request()
            .method("POST")
            .path("/v1/actors")
            .json(&json!({"actors": ["cc33"]})),
    )
    .await;
    assert_eq!(s, 401, "only with a credential");
}
