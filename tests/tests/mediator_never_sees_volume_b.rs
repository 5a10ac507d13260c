//! A partner mediator never receives volume B in any form: every response body of a full
//! mediator session (enrolment, lists, the dossier, its report, grade, conflicts, history at
//! every depth, sync in both formats and in the generic protocol, refusals) is searched for the
//! party's name, ID number and phone, and for any volume-B path.

use abjuan_e2e::{
    add_person, add_puzhou, admin, enrol, enrolment_code, new_id, phone, redeem, sample_dossier,
    Server, Unit, BUREAU, STATION,
};
use abjuan_server::sync::wire::{Bytes, DocRequest, SyncRequest};
use abjuan_shared::doc::Volume;
use automerge::transaction::Transactable;
use automerge::Automerge;
use serde_json::json;

const NAME: &str = "王桂兰";
const ID_NUMBER: &str = "11010519491231002X";
const MOBILE: &str = "13912345678";
const OTHER_MOBILE: &str = "13700001111";

fn dossier(id: &str) -> abjuan_shared::Dossier {
    let mut v = serde_json::to_value(sample_dossier(
        id,
        "yongji-puzhou",
        "debt",
        "欠款纠纷，双方约定面谈。",
    ))
    .expect("json");
    let party = &mut v["volumeB"]["parties"][0];
    party["idNumber"] = json!(ID_NUMBER);
    party["sex"] = json!("female");
    party["birthDate"] = json!("1949-12-31");
    party["mobile"] = json!(MOBILE);
    party["currentAddress"] = json!("蒲州镇西厢村");
    party["risk"] = json!({"weapons": true, "threatensRevenge": true});
    serde_json::from_value(v).expect("dossier")
}

#[test]
fn a_mediator_session_never_sees_volume_b() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    add_puzhou(d);
    add_person(d, "wang", "王警官", "officer", Unit::Station(STATION));
    add_person(d, "liu", "刘警官", "officer", Unit::Station(STATION));
    add_person(
        d,
        "zhao",
        "赵调解员",
        "partner_mediator",
        Unit::Bureau(BUREAU),
    );
    let wang = enrol(d, "wang");
    let liu = enrol(d, "liu");
    let server = Server::start(d, &[]);

    // Two officers build the dossier, with a conflict in volume B and one in volume A.
    let id = new_id();
    let mut p1 = phone(&server, "wang-phone", &wang);
    p1.create(&dossier(&id)).expect("create");
    assert!(p1.sync_all().expect("sync").errors.is_empty());
    let mut p2 = phone(&server, "liu-phone", &liu);
    p2.docs_mut(&id);
    assert!(p2.sync_all().expect("pull").errors.is_empty());
    let now = abjuan_server::client::now();
    let (a1, a2) = (p1.actor.clone(), p2.actor.clone());
    let d1 = p1.dossiers.get_mut(&id).expect("p1");
    d1.set_field("/volumeB/parties/0/mobile", json!(OTHER_MOBILE), &a1, now)
        .expect("edit");
    d1.set_field("/header/facts/priorCalls", json!(1), &a1, now)
        .expect("edit");
    let d2 = p2.dossiers.get_mut(&id).expect("p2");
    d2.set_field("/volumeB/parties/0/mobile", json!("13600002222"), &a2, now)
        .expect("edit");
    d2.set_field("/header/facts/priorCalls", json!(2), &a2, now)
        .expect("edit");
    assert!(p1.sync_all().expect("sync").errors.is_empty());
    assert!(p2.sync_all().expect("sync").errors.is_empty());
    admin(d, &["share", &id, "zhao"]);

    // The mediator's whole session; every body is kept.
    let mut bodies: Vec<(String, String)> = Vec::new();
    let anonymous = server.transport();
    let code = enrolment_code(d, "zhao");
    let (token, body) = redeem(&anonymous, &code, "网格员手机");
    bodies.push(("enrol".into(), body));
    let t = server.transport().with_token(&token);
    let history = t
        .get_json(&format!("/v1/dossiers/{id}/history"))
        .expect("history")
        .1;
    let first_a = history["a"][0]["hash"].as_str().expect("a hash").to_owned();
    for path in [
        "/v1/me".to_owned(),
        "/v1/dossiers".to_owned(),
        "/v1/warnings".to_owned(),
        "/v1/stats".to_owned(),
        format!("/v1/dossiers/{id}"),
        format!("/v1/dossiers/{id}?lang=en"),
        format!("/v1/dossiers/{id}?heads={first_a}"),
        format!("/v1/dossiers/{id}/report"),
        format!("/v1/dossiers/{id}/report?lang=en"),
        format!("/v1/dossiers/{id}/conflicts"),
        format!("/v1/dossiers/{id}/history"),
        format!("/v1/dossiers/{id}/history?paths=true"),
        format!("/v1/dossiers/{id}/nonsense"),
        "/v1/admin/people".to_owned(),
        "/v1/admin/audit".to_owned(),
    ] {
        let (status, body) = t.get_text(&path).expect("GET");
        assert!(status < 500, "{path}: {status}");
        bodies.push((path, body));
    }
    let (status, one) = t.get_text(&format!("/v1/dossiers/{id}")).expect("GET");
    assert_eq!(status, 200, "the mediator reads volume A");
    assert!(one.contains("欠款纠纷"), "volume A is there: {one}");

    // Sync: pull A and B in one batch (B refused), JSON and CBOR, then the generic protocol,
    // then an upload to A (its reply carries the assessment).
    let mut mediator = phone(&server, "zhao-phone", &token);
    mediator.docs_mut(&id);
    let req = mediator.request(std::slice::from_ref(&id));
    for format in ["application/json", "application/cbor"] {
        let body = match format {
            "application/json" => serde_json::to_vec(&req).expect("json"),
            _ => abjuan_server::sync::wire::Format::Cbor
                .encode(&req)
                .expect("cbor"),
        };
        let (status, reply) = mediator
            .transport
            .post_raw("zhao-phone", format, false, &body)
            .expect("sync");
        assert_eq!(status, 200);
        bodies.push((
            format!("sync {format}"),
            String::from_utf8_lossy(&reply).into_owned(),
        ));
    }
    let out = mediator.sync(std::slice::from_ref(&id)).expect("sync");
    assert!(
        out.errors.iter().any(|e| e.ends_with("/b: doc_forbidden")),
        "{:?}",
        out.errors
    );
    assert!(
        mediator.dossiers[&id].b.get_heads().is_empty(),
        "no B on the phone"
    );
    assert!(
        !mediator.dossiers[&id].a.get_heads().is_empty(),
        "A on the phone"
    );
    bodies.push((
        "sync reply".into(),
        serde_json::to_string(&out.last).expect("json"),
    ));
    // The generic protocol, from a phone that forgot the server.
    mediator.forget_server();
    let bogus: automerge::ChangeHash = "11".repeat(32).parse().expect("hash");
    mediator.set_server_heads(&id, Volume::A, vec![bogus]);
    mediator.set_server_heads(&id, Volume::B, vec![bogus]);
    let out = mediator.sync(std::slice::from_ref(&id)).expect("fallback");
    bodies.push((
        "fallback".into(),
        serde_json::to_string(&out.last).expect("json"),
    ));
    // An upload to A: allowed, and its reply's assessment is redacted.
    let now = abjuan_server::client::now();
    let actor = mediator.actor.clone();
    let docs = mediator.dossiers.get_mut(&id).expect("docs");
    docs.splice_text("/header/summary", 0, 0, "【网格员补充】", &actor, now)
        .expect("edit");
    let out = mediator.sync(std::slice::from_ref(&id)).expect("upload");
    assert!(out.applied >= 1, "the mediator's edit to A is kept");
    let reply = out.last.expect("reply");
    assert!(
        reply.dossiers.contains_key(&id),
        "the assessment comes back"
    );
    bodies.push((
        "upload".into(),
        serde_json::to_string(&reply).expect("json"),
    ));
    // A forged upload to B is refused, and says nothing about B.
    let mut b = Automerge::new().with_actor(actor.clone());
    let mut tx = b.transaction();
    tx.put(automerge::ROOT, "dossierId", id.as_str())
        .expect("put");
    tx.commit();
    let raw: Vec<Bytes> = b
        .get_changes(&[])
        .into_iter()
        .map(|c| Bytes(c.raw_bytes().to_vec()))
        .collect();
    let (status, reply) = mediator
        .transport
        .post_raw(
            "zhao-phone",
            "application/json",
            false,
            &serde_json::to_vec(&SyncRequest {
                docs: vec![DocRequest {
                    dossier: id.clone(),
                    volume: "b".into(),
                    heads: Vec::new(),
                    changes: raw,
                    sync: None,
                }],
            })
            .expect("json"),
        )
        .expect("upload b");
    assert_eq!(status, 200);
    let reply = String::from_utf8_lossy(&reply).into_owned();
    assert!(reply.contains("doc_forbidden"), "{reply}");
    bodies.push(("forged b".into(), reply));

    // The officers still see it all: the search below is not vacuous.
    let (_, officer_view) = server
        .transport()
        .with_token(&wang)
        .get_text(&format!("/v1/dossiers/{id}"))
        .expect("GET");
    assert!(officer_view.contains(NAME) && officer_view.contains(ID_NUMBER));
    let (_, officer_report) = server
        .transport()
        .with_token(&wang)
        .get_text(&format!("/v1/dossiers/{id}/report"))
        .expect("GET");
    assert!(
        officer_report.contains("core.red.weapons"),
        "{officer_report}"
    );

    for (what, body) in &bodies {
        for secret in [
            NAME,
            ID_NUMBER,
            MOBILE,
            OTHER_MOBILE,
            "13600002222",
            "西厢村",
            "volumeB",
            "core.red.weapons",
        ] {
            assert!(!body.contains(secret), "{what} leaks {secret}: {body}");
        }
    }
}
