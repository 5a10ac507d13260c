//! Attachments through the real binary: an officer's dossier references a signed-agreement
//! photo (volume A) and an ID-card copy (volume B); the first sync reply says the server lacks
//! both; an upload whose bytes do not match its address is refused and nothing of it is
//! stored; an upload cut off halfway (the connection closed) resumes where it stopped; a second
//! officer's phone is told it lacks both and fetches them; a partner mediator the dossier is
//! shared with gets the volume-A photo and never the ID-card copy, not even its address; a blob
//! no dossier references is swept after the grace period.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use abjuan_e2e::attachments::{blobs_of, jpeg, sorted, with_agreement_and_id_card};
use abjuan_e2e::{
    add_person, add_puzhou, admin, enrol, new_id, phone, Server, Unit, BUREAU, STATION,
};
use abjuan_server::blobs::client::BlobClient;
use abjuan_shared::attachment::content_address;
use abjuan_shared::doc::DossierDocs;
use serde_json::{json, Value};

/// Sends a `PUT` of `len` bytes but only `sent` of them, then closes the connection.
fn cut_upload(url: &str, token: &str, sha: &str, bytes: &[u8], sent: usize) {
    let addr = url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).expect("connect");
    let head = format!(
        "PUT /v1/blobs/{sha} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
        bytes.len()
    );
    s.write_all(head.as_bytes()).expect("head");
    s.write_all(&bytes[..sent]).expect("half the body");
    s.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(300));
    drop(s);
}

#[test]
fn attachments_travel_whole_checked_resumed_and_only_to_who_may_read_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    add_puzhou(d);
    add_person(d, "wang", "王警官", "officer", Unit::Station(STATION));
    add_person(d, "li", "李警官", "officer", Unit::Station(STATION));
    add_person(
        d,
        "zhao",
        "赵调解员",
        "partner_mediator",
        Unit::Bureau(BUREAU),
    );
    let (wang, li, zhao) = (enrol(d, "wang"), enrol(d, "li"), enrol(d, "zhao"));
    let server = Server::start(
        d,
        &["--blob-grace-hours", "0.001", "--blob-sweep-secs", "1"],
    );
    let (agreement, id_card) = (jpeg(600_000, 1), jpeg(700_000, 2));
    let (sa, sb) = (content_address(&agreement), content_address(&id_card));

    // Wang's dossier references both; the server has neither yet.
    let id = new_id();
    let mut p_wang = phone(&server, "wang-phone", &wang);
    p_wang
        .create(&with_agreement_and_id_card(&id, &agreement, &id_card))
        .expect("create");
    let first = p_wang.sync(std::slice::from_ref(&id)).expect("sync");
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    let lists = blobs_of(&first.last, &id);
    let mut both = vec![sa.clone(), sb.clone()];
    both.sort();
    assert_eq!(sorted(&lists["serverLacks"]), both, "{lists}");

    let wang_blobs = BlobClient::new(&server.url, Some(&wang));
    // Bytes that do not hash to their address: refused, nothing kept.
    let (status, body) = wang_blobs
        .put(&sa, "image/jpeg", &id_card, None)
        .expect("put");
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("blob_hash_mismatch"))
    );
    assert_eq!(wang_blobs.head(&sa).expect("head"), (404, Some(0)));
    let stored_files = || {
        let mut names = Vec::new();
        for e in walkdir(&d.join("blobs")) {
            names.push(e);
        }
        names
    };
    assert!(stored_files().is_empty(), "{:?}", stored_files());

    // The agreement photo whole; the ID-card copy cut off halfway, then resumed.
    wang_blobs
        .upload(&sa, "image/jpeg", &agreement)
        .expect("upload");
    let half = id_card.len() / 2;
    cut_upload(&server.url, &wang, &sb, &id_card, half);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut held = (0, None);
    while Instant::now() < deadline {
        held = wang_blobs.head(&sb).expect("head");
        if held.1 == Some(half as u64) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        held,
        (404, Some(half as u64)),
        "what arrived before the cut is kept"
    );
    let (status, body) = wang_blobs
        .put(
            &sb,
            "image/jpeg",
            &id_card[half..],
            Some((half as u64, id_card.len() as u64)),
        )
        .expect("resume");
    assert_eq!(status, 201, "{body}");
    assert_eq!(wang_blobs.head(&sb).expect("head").0, 200);

    // A second officer's phone: told it lacks both, fetches both.
    let mut p_li = phone(&server, "li-phone", &li);
    p_li.dossiers.insert(
        id.clone(),
        DossierDocs {
            a: automerge::Automerge::new(),
            b: automerge::Automerge::new(),
        },
    );
    let got = p_li.sync(std::slice::from_ref(&id)).expect("sync");
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    let lists = blobs_of(&got.last, &id);
    assert_eq!(sorted(&lists["phoneLacks"]), both, "{lists}");
    assert_eq!(sorted(&lists["serverLacks"]), Vec::<String>::new());
    let li_blobs = BlobClient::new(&server.url, Some(&li));
    assert_eq!(
        li_blobs.get(&sa, None).expect("get"),
        (200, agreement.clone())
    );
    assert_eq!(
        li_blobs.get(&sb, None).expect("get"),
        (200, id_card.clone())
    );
    let (status, part) = li_blobs.get(&sb, Some("bytes=1000-1999")).expect("range");
    assert_eq!((status, &part[..]), (206, &id_card[1000..2000]));

    // The partner mediator: the volume-A photo, never the ID-card copy, nor its address.
    admin(d, &["share", &id, "zhao"]);
    let mut p_zhao = phone(&server, "zhao-phone", &zhao);
    p_zhao.dossiers.insert(
        id.clone(),
        DossierDocs {
            a: automerge::Automerge::new(),
            b: automerge::Automerge::new(),
        },
    );
    let got = p_zhao.sync(std::slice::from_ref(&id)).expect("sync");
    let lists = blobs_of(&got.last, &id);
    assert_eq!(sorted(&lists["phoneLacks"]), vec![sa.clone()], "{lists}");
    let zhao_blobs = BlobClient::new(&server.url, Some(&zhao));
    assert_eq!(
        zhao_blobs.get(&sa, None).expect("get"),
        (200, agreement.clone())
    );
    let (status, body) = zhao_blobs.get(&sb, None).expect("get");
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&body).contains("blob_not_found"));
    assert_eq!(zhao_blobs.head(&sb).expect("head"), (404, Some(0)));
    // Asking about it by address changes nothing.
    let (status, text) = server
        .transport()
        .with_token(&zhao)
        .post_json(
            "/v1/sync",
            &json!({"docs": [{"dossier": id, "volume": "a", "heads": []}], "lacking": [sb, sa]}),
        )
        .expect("sync");
    assert_eq!(status, 200, "{text}");
    let reply: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(reply["dossiers"][&id]["blobs"]["phoneLacks"], json!([sa]));
    assert!(
        !text.contains(&sb),
        "the mediator's reply names the ID-card copy"
    );
    let (status, body) = zhao_blobs
        .put(&sb, "image/jpeg", &agreement, None)
        .expect("put");
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("blob_hash_mismatch")),
        "no oracle"
    );

    // A blob no dossier references goes after the grace period; the referenced ones stay.
    let loose = jpeg(5000, 9);
    wang_blobs
        .upload(&content_address(&loose), "image/jpeg", &loose)
        .expect("upload");
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline
        && wang_blobs.head(&content_address(&loose)).expect("head").0 == 200
    {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        wang_blobs.head(&content_address(&loose)).expect("head").0,
        404
    );
    assert_eq!(li_blobs.head(&sa).expect("head").0, 200);
    assert_eq!(li_blobs.head(&sb).expect("head").0, 200);
}

fn walkdir(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walkdir(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}
