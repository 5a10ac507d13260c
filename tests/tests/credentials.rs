//! Devices and authorship over the real server: a change made with another device's actor id
//! is refused and the store is unchanged; revocation takes effect on the next request; an old
//! credential or a used enrolment code replayed later is refused; the audit log records it all
//! and its chain verifies.

use abjuan_e2e::{
    add_person, add_puzhou, admin, device_of, enrol, enrolment_code, new_id, phone, redeem,
    sample_dossier, Server, Unit, BUREAU, STATION,
};
use serde_json::json;

fn setup(d: &std::path::Path) {
    add_puzhou(d);
    add_person(d, "wang", "王警官", "officer", Unit::Station(STATION));
    add_person(d, "liu", "刘警官", "officer", Unit::Station(STATION));
    add_person(d, "sup", "督察", "bureau_supervisor", Unit::Bureau(BUREAU));
}

#[test]
fn a_change_with_another_devices_actor_id_is_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    setup(d);
    let (wang, liu) = (enrol(d, "wang"), enrol(d, "liu"));
    let server = Server::start(d, &[]);
    let id = new_id();
    let mut p1 = phone(&server, "wang-phone", &wang);
    p1.create(&sample_dossier(
        &id,
        "yongji-puzhou",
        "neighbour",
        "楼道纠纷",
    ))
    .expect("create");
    assert!(p1.sync_all().expect("sync").errors.is_empty());

    let t = server.transport().with_token(&wang);
    let before = t.get_json(&format!("/v1/dossiers/{id}")).expect("GET").1;
    let history_before = t
        .get_json(&format!("/v1/dossiers/{id}/history"))
        .expect("GET")
        .1;

    // Liu's phone writes a change under Wang's actor id (copied from the dossier).
    let mut p2 = phone(&server, "liu-phone", &liu);
    p2.actor = p1.actor.clone();
    p2.docs_mut(&id);
    assert!(p2.sync_all().expect("pull").errors.is_empty());
    let now = abjuan_server::client::now();
    let actor = p2.actor.clone();
    let docs = p2.dossiers.get_mut(&id).expect("docs");
    docs.splice_text("/header/summary", 0, 0, "【冒名】", &actor, now)
        .expect("edit");
    docs.set_field(
        "/volumeB/parties/0/mobile",
        json!("13812345678"),
        &actor,
        now,
    )
    .expect("edit");
    let out = p2.sync_all().expect("sync");
    let mut errors = out.errors.clone();
    errors.sort();
    assert_eq!(
        errors,
        vec![
            format!("{id}/a: doc_actor_not_registered"),
            format!("{id}/b: doc_actor_not_registered"),
        ]
    );
    assert_eq!(
        t.get_json(&format!("/v1/dossiers/{id}")).expect("GET").1,
        before,
        "store unchanged"
    );
    assert_eq!(
        t.get_json(&format!("/v1/dossiers/{id}/history"))
            .expect("GET")
            .1,
        history_before
    );
    // History names people, not actor ids.
    let entry = &history_before["a"][0];
    assert_eq!(entry["author"]["name"], "王警官");
    assert_eq!(entry["uploadedBy"]["person"], "wang");
    assert!(entry.get("actor").is_none());
    // The refusal is in the audit log, and the chain holds.
    let audit = admin(d, &["audit", "show", "--limit", "1000"]);
    assert!(
        audit.contains("change_refused") && audit.contains("actor_not_registered"),
        "{audit}"
    );
    assert!(admin(d, &["audit", "verify"]).contains("\"brokenAt\": null"));
    // Registering an actor id that is another device's is refused too.
    let (s, _) = server
        .transport()
        .with_token(&liu)
        .post_json("/v1/actors", &json!({"actors": [p1.actor.to_hex_string()]}))
        .expect("POST");
    assert_eq!(s, 409);
}

#[test]
fn revocation_takes_effect_on_the_next_request_and_old_secrets_stay_dead() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    setup(d);
    let code = enrolment_code(d, "wang");
    let server = Server::start(d, &[]);
    let anonymous = server.transport();
    let (token, _) = redeem(&anonymous, &code, "王的手机");
    // The code was for one use.
    let (s, body) = anonymous
        .post_json("/v1/enrol", &json!({"code": code}))
        .expect("enrol again");
    assert_eq!(s, 401, "{body}");
    assert!(body.contains("enrolment_invalid"));

    let id = new_id();
    let mut phone = phone(&server, "wang-phone", &token);
    phone
        .create(&sample_dossier(&id, "yongji-puzhou", "debt", "欠款"))
        .expect("create");
    assert!(phone.sync_all().expect("sync").errors.is_empty());
    assert_eq!(phone.transport.get_json("/v1/me").expect("me").0, 200);

    // Revoked while the server runs (the lost phone): the very next request fails.
    let device = device_of(&token);
    admin(d, &["device", "revoke", &device]);
    assert_eq!(phone.transport.get_json("/v1/me").expect("me").0, 401);
    assert_eq!(
        phone
            .transport
            .get_json(&format!("/v1/dossiers/{id}"))
            .expect("GET")
            .0,
        401
    );
    match phone.sync_all() {
        Err(abjuan_e2e::ClientError::Status { status, .. }) => assert_eq!(status, 401),
        other => panic!("a revoked device must not sync: {other:?}"),
    }
    // A new phone for the same officer works; the old credential stays refused.
    let fresh = enrol(d, "wang");
    assert_ne!(fresh, token);
    let t = server.transport().with_token(&fresh);
    assert_eq!(
        t.get_json(&format!("/v1/dossiers/{id}")).expect("GET").0,
        200
    );
    assert_eq!(phone.transport.get_json("/v1/me").expect("me").0, 401);
    // A credential with the right device id and a wrong secret is refused as well.
    let forged = format!("abjd_{device}_{}", "B".repeat(43));
    assert_eq!(
        server
            .transport()
            .with_token(&forged)
            .get_json("/v1/me")
            .expect("me")
            .0,
        401
    );

    // The supervisor sees the story in the audit log and exports it.
    let sup = enrol(d, "sup");
    let st = server.transport().with_token(&sup);
    let (s, text) = st.get_text("/v1/admin/audit/export").expect("export");
    assert_eq!(s, 200);
    for kind in ["device_enrolled", "device_revoked", "auth_refused"] {
        assert!(text.contains(kind), "{kind} missing from {text}");
    }
    // A refused code names no bureau: the administrator's full log has it.
    assert!(admin(d, &["audit", "show", "--limit", "1000"]).contains("enrolment_refused"));
    assert!(!text.contains(&token), "no credential in the audit log");
    let (s, v) = st.get_json("/v1/admin/audit/verify").expect("verify");
    assert_eq!(s, 200);
    assert_eq!(v["brokenAt"], serde_json::Value::Null);
    // The admin API is the supervisor's only.
    assert_eq!(t.get_json("/v1/admin/audit").expect("GET").0, 403);
}

#[test]
fn a_device_over_its_rate_limit_gets_429_with_retry_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    setup(d);
    let wang = enrol(d, "wang");
    let server = Server::start(d, &["--rate-burst", "5", "--rate-per-second", "0.01"]);
    let t = server.transport().with_token(&wang);
    let statuses: Vec<u16> = (0..7)
        .map(|_| t.get_json("/v1/me").expect("me").0)
        .collect();
    assert_eq!(&statuses[..5], &[200; 5]);
    assert_eq!(statuses[5], 429);
    // Another device is not slowed down by this one.
    let liu = enrol(d, "liu");
    assert_eq!(
        server
            .transport()
            .with_token(&liu)
            .get_json("/v1/me")
            .expect("me")
            .0,
        200
    );
}

#[test]
fn plain_http_is_refused_off_loopback_and_tls_is_served_with_a_certificate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(abjuan_e2e::binary())
        .args(["serve", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-cert"));

    let Some((cert, key)) = abjuan_server::tls::self_signed(dir.path()) else {
        eprintln!("no openssl: the TLS start-up is covered by server/src/tls.rs only");
        return;
    };
    let data = dir.path().join("data");
    let server = Server::start(
        &data,
        &[
            "--tls-cert",
            cert.to_str().expect("path"),
            "--tls-key",
            key.to_str().expect("path"),
        ],
    );
    assert!(server.url.starts_with("https://"), "{}", server.url);
    // Plain HTTP to the TLS port gets no answer.
    let plain = server.url.replacen("https://", "http://", 1);
    let t = abjuan_e2e::Transport::new(&plain);
    assert!(t.get_json("/healthz").is_err() || t.get_json("/healthz").is_ok_and(|(s, _)| s != 200));
}
