//! Retrying a request changes nothing; bad input gets a documented 4xx code and the server
//! keeps serving.

use abjuan_e2e::{new_id, sample_dossier, Phone, Server};
use abjuan_server::sync::wire::{Bytes, DocRequest, Format, SyncRequest};
use serde_json::Value;

fn code(body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    v["code"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn the_same_request_twice_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path(), &[]);
    let mut phone = Phone::new(&server.url, "phone-r");
    let id = new_id();
    phone
        .create(&sample_dossier(&id, "s1", "debt", "欠款纠纷"))
        .expect("create");
    let req = phone.request(std::slice::from_ref(&id));
    let t = server.transport();
    let first = t.send("phone-r", &req).expect("first");
    let history_before = server.get(&format!("/v1/dossiers/{id}/history"));
    let metrics_before = server.get("/v1/dossiers");
    // The reply was "lost": the phone sends exactly the same bytes again.
    let second = t.send("phone-r", &req).expect("retry");
    assert_eq!(first.docs.iter().map(|d| d.applied).sum::<usize>(), 2);
    assert_eq!(second.docs.iter().map(|d| d.applied).sum::<usize>(), 0);
    for (a, b) in first.docs.iter().zip(&second.docs) {
        assert_eq!(a.heads, b.heads);
        assert!(b.changes.is_empty());
    }
    assert_eq!(first.dossiers, second.dossiers);
    assert_eq!(
        server.get(&format!("/v1/dossiers/{id}/history")),
        history_before
    );
    let mut after = server.get("/v1/dossiers");
    let mut before = metrics_before;
    // updatedAt is the last write; no write happened.
    for v in [&mut after, &mut before] {
        v["dossiers"][0]["updatedAt"].take();
    }
    assert_eq!(after, before);
    assert_eq!(
        history_before["a"].as_array().map(Vec::len),
        Some(1),
        "one change in document A"
    );
}

#[test]
fn bad_input_gets_documented_codes_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path(), &["--max-body-mb", "1"]);
    let t = server.transport();
    let mut phone = Phone::new(&server.url, "phone-ok");
    let id = new_id();
    phone
        .create(&sample_dossier(&id, "s1", "land", "宅基地纠纷"))
        .expect("create");
    let good = Format::Json
        .encode(&phone.request(std::slice::from_ref(&id)))
        .expect("encode");
    let cbor = Format::Cbor
        .encode(&phone.request(std::slice::from_ref(&id)))
        .expect("encode");

    // (what, content type, gzip it, body, status, code)
    type Case<'a> = (&'a str, &'a str, bool, Vec<u8>, u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            "garbage json",
            "application/json",
            false,
            b"{\"docs\": [{".to_vec(),
            400,
            "body_invalid",
        ),
        (
            "truncated json",
            "application/json",
            false,
            good[..good.len() / 2].to_vec(),
            400,
            "body_invalid",
        ),
        (
            "truncated cbor",
            "application/cbor",
            false,
            cbor[..cbor.len() / 2].to_vec(),
            400,
            "body_invalid",
        ),
        (
            "garbage cbor",
            "application/cbor",
            false,
            vec![0xff; 64],
            400,
            "body_invalid",
        ),
        (
            "wrong content type",
            "text/plain",
            false,
            good.clone(),
            415,
            "unsupported_media_type",
        ),
        (
            "no docs field",
            "application/json",
            false,
            b"{}".to_vec(),
            400,
            "body_invalid",
        ),
        (
            "oversized body",
            "application/json",
            false,
            vec![b' '; 2 * 1024 * 1024],
            413,
            "body_too_large",
        ),
        (
            "zip bomb",
            "application/json",
            true,
            vec![b' '; 3 * 1024 * 1024],
            413,
            "body_too_large",
        ),
        (
            "bad dossier id",
            "application/json",
            false,
            br#"{"docs":[{"dossier":"../../etc","volume":"a","heads":[],"changes":[]}]}"#.to_vec(),
            400,
            "invalid_dossier_id",
        ),
        (
            "bad head",
            "application/json",
            false,
            format!(
                r#"{{"docs":[{{"dossier":"{id}","volume":"a","heads":["zz"],"changes":[]}}]}}"#
            )
            .into_bytes(),
            400,
            "invalid_heads",
        ),
        (
            "bad volume",
            "application/json",
            false,
            format!(r#"{{"docs":[{{"dossier":"{id}","volume":"c"}}]}}"#).into_bytes(),
            400,
            "body_invalid",
        ),
    ];
    for (name, ct, gzip, body, status, want) in cases {
        let (got, reply) = t.post_raw("attacker", ct, gzip, &body).expect(name);
        assert_eq!((got, code(&reply).as_str()), (status, want), "{name}");
    }
    // Truncated gzip.
    let gz = abjuan_server::sync::wire::gzip(&good);
    let mut broken = gz[..gz.len() / 2].to_vec();
    broken.push(0);
    let (status, reply) = t
        .post_raw_encoded("attacker", "application/json", "gzip", &broken)
        .expect("gzip");
    assert_eq!((status, code(&reply).as_str()), (400, "body_encoding"));

    // Per-document failures: damaged change bytes, a change of another dossier.
    let other = new_id();
    let mut intruder = Phone::new(&server.url, "attacker");
    intruder
        .create(&sample_dossier(&other, "s1", "land", "另一卷"))
        .expect("create other");
    let foreign = intruder.request(std::slice::from_ref(&other)).docs[0]
        .changes
        .clone();
    let req = SyncRequest {
        docs: vec![
            DocRequest {
                dossier: id.clone(),
                volume: "a".into(),
                heads: vec![],
                changes: vec![Bytes(vec![0x85, 0x6f, 0x4a, 0x83, 1, 2, 3])],
                sync: None,
            },
            DocRequest {
                dossier: id.clone(),
                volume: "b".into(),
                heads: vec![],
                changes: vec![Bytes(b"not a change".to_vec())],
                sync: Some(Bytes(b"not a message".to_vec())),
            },
            DocRequest {
                dossier: new_id(),
                volume: "a".into(),
                heads: vec![],
                changes: foreign,
                sync: None,
            },
        ],
    };
    let reply = t
        .send("attacker", &req)
        .expect("per-document errors are a 200");
    let codes: Vec<&str> = reply
        .docs
        .iter()
        .map(|d| d.error.as_ref().map_or("", |e| e.code.as_str()))
        .collect();
    // Volume B of a dossier whose volume A the server has not got is refused before its
    // bytes are even read.
    assert_eq!(
        codes,
        ["doc_corrupt", "doc_no_volume_a", "doc_wrong_dossier"]
    );

    // Unknown dossier on the read API; unknown route.
    let (status, v) = t
        .get_json(&format!("/v1/dossiers/{}", new_id()))
        .expect("get");
    assert_eq!(
        (status, v["code"].as_str()),
        (404, Some("dossier_not_found"))
    );
    let (status, v) = t.get_json("/v1/dossiers/not-a-uuid").expect("get");
    assert_eq!(
        (status, v["code"].as_str()),
        (400, Some("invalid_dossier_id"))
    );
    let (status, v) = t.get_json("/v1/nothing-here").expect("get");
    assert_eq!((status, v["code"].as_str()), (404, Some("not_found")));

    // After all that, a good sync still works and nothing bad was stored.
    let out = phone.sync_all().expect("good sync");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.applied, 2);
    assert_eq!(server.get("/healthz")["status"], "ok");
    assert_eq!(
        server.get("/v1/dossiers")["dossiers"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}
