//! Two phones edit the same dossiers offline, sync in interleaved partial rounds, and converge;
//! the server's view matches both. A stale third phone falls back to the generic protocol.

use abjuan_e2e::{
    add_person, add_puzhou, enrol, new_id, phone, sample_dossier, Phone, Server, Unit, STATION,
};
use abjuan_server::sync::wire::Format;
use abjuan_shared::doc::Volume;
use serde_json::json;

fn heads(phone: &Phone, id: &str) -> (Vec<String>, Vec<String>) {
    let d = &phone.dossiers[id];
    let hex = |doc: &automerge::Automerge| {
        let mut v: Vec<String> = doc.get_heads().iter().map(ToString::to_string).collect();
        v.sort();
        v
    };
    (hex(&d.a), hex(&d.b))
}

fn server_view(server: &Server, id: &str) -> (serde_json::Value, Vec<String>, Vec<String>) {
    let v = server.get(&format!("/v1/dossiers/{id}"));
    let list = |k: &str| {
        let mut h: Vec<String> = v["heads"][k]
            .as_array()
            .expect("heads")
            .iter()
            .map(|x| x.as_str().expect("hex").to_owned())
            .collect();
        h.sort();
        h
    };
    (v["dossier"].clone(), list("a"), list("b"))
}

#[test]
fn two_phones_converge_through_partial_interleaved_rounds() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Real accounts: two officers' phones sync; the station chief reads (statistics too).
    let d = dir.path();
    add_puzhou(d);
    for (id, role) in [
        ("officer1", "officer"),
        ("officer2", "officer"),
        ("chief", "station_chief"),
    ] {
        add_person(d, id, id, role, Unit::Station(STATION));
    }
    let mut server = Server::start(d, &[]);
    server.token = Some(enrol(d, "chief"));
    let mut p1 = phone(&server, "phone-1", &enrol(d, "officer1"));
    let mut p2 = phone(&server, "phone-2", &enrol(d, "officer2"));
    p2.transport.format = Format::Cbor;
    p2.transport.gzip = true;
    let ids: Vec<String> = (0..3).map(|_| new_id()).collect();
    for (i, id) in ids.iter().enumerate() {
        p1.create(&sample_dossier(
            id,
            "yongji-puzhou",
            "neighbour",
            &format!("纠纷{i}"),
        ))
        .expect("create");
    }
    let out = p1.sync_all().expect("first sync");
    assert_eq!(out.round_trips, 1, "fast path is one round trip");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    // Phone 2 learns the dossiers exist and pulls them.
    for id in &ids {
        p2.docs_mut(id);
    }
    let out = p2.sync_all().expect("pull");
    assert_eq!(out.round_trips, 1);
    assert!(out.received >= 6, "received {}", out.received);

    // Offline edits on both phones: the same text, the same scalar, and different fields.
    let now = abjuan_server::client::now();
    let (a1, a2) = (p1.actor.clone(), p2.actor.clone());
    for id in &ids {
        let d = p1.dossiers.get_mut(id).expect("p1");
        d.splice_text("/header/summary", 0, 0, "【一号机】", &a1, now)
            .expect("p1 text");
        d.set_field("/header/facts/priorCalls", json!(1), &a1, now)
            .expect("p1 calls");
        d.set_field("/volumeB/parties/0/mobile", json!("13800138000"), &a1, now)
            .expect("p1 phone");
        let d = p2.dossiers.get_mut(id).expect("p2");
        d.splice_text("/header/summary", 2, 0, "【二号机】", &a2, now)
            .expect("p2 text");
        d.set_field("/header/facts/priorCalls", json!(2), &a2, now)
            .expect("p2 calls");
        d.set_field("/header/place/address", json!("蒲州镇"), &a2, now)
            .expect("p2 address");
    }
    // Interleaved partial rounds.
    p1.sync(&ids[..1]).expect("r1");
    p2.sync(&ids[..2]).expect("r2");
    p1.sync(&ids[1..]).expect("r3");
    p2.sync_all().expect("r4");
    p1.sync_all().expect("r5");
    let last = p2.sync_all().expect("r6");
    assert!(last.errors.is_empty(), "{:?}", last.errors);

    for id in &ids {
        assert_eq!(heads(&p1, id), heads(&p2, id), "phones converge on {id}");
        let (json, ha, hb) = server_view(&server, id);
        assert_eq!((ha, hb), heads(&p1, id), "server converges on {id}");
        assert_eq!(json, p1.dossiers[id].to_json().expect("json"));
        let summary = json["header"]["summary"].as_str().expect("summary");
        assert!(
            summary.contains("一号机") && summary.contains("二号机"),
            "{summary}"
        );
        assert_eq!(json["header"]["place"]["address"], "蒲州镇");
        assert_eq!(json["volumeB"]["parties"][0]["mobile"], "13800138000");
        let conflicts = server.get(&format!("/v1/dossiers/{id}/conflicts"));
        let paths: Vec<&str> = conflicts["conflicts"]
            .as_array()
            .expect("conflicts")
            .iter()
            .filter_map(|c| c["path"].as_str())
            .collect();
        assert!(paths.contains(&"/header/facts/priorCalls"), "{paths:?}");
        // The reply's per-dossier assessment is there too.
        let reply = last.last.as_ref().expect("reply");
        assert!(reply.dossiers[id]["report"]["valid"].is_boolean());
        assert!(reply.dossiers[id]["conflicts"]
            .as_array()
            .is_some_and(|c| !c.is_empty()));
        // History knows who wrote and who uploaded each change: people, not actor ids.
        let history = server.get(&format!("/v1/dossiers/{id}/history"));
        let people: Vec<&str> = history["a"]
            .as_array()
            .expect("history")
            .iter()
            .filter_map(|e| e["uploadedBy"]["person"].as_str())
            .collect();
        assert!(
            people.contains(&"officer1") && people.contains(&"officer2"),
            "{people:?}"
        );
        assert!(history["a"][0]["author"]["name"].is_string());
    }

    // A stale phone (it believes the server has a head it never had) falls back to the
    // generic protocol and still converges.
    let mut p3 = phone(&server, "phone-3", &enrol(d, "officer1"));
    let id = &ids[0];
    let mut copy = p1.dossiers[id].clone();
    copy.set_field("/header/facts/peopleInvolved", json!(3), &p3.actor, now)
        .expect("p3 edit");
    p3.dossiers.insert(id.clone(), copy);
    let bogus: automerge::ChangeHash = "11".repeat(32).parse().expect("hash");
    p3.set_server_heads(id, Volume::A, vec![bogus]);
    let out = p3.sync(std::slice::from_ref(id)).expect("fallback sync");
    assert!(
        out.round_trips > 1,
        "fallback takes more than one round trip"
    );
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let (json, ha, hb) = server_view(&server, id);
    assert_eq!((ha, hb), heads(&p3, id));
    assert_eq!(json["header"]["facts"]["peopleInvolved"], 3);
    p1.sync_all().expect("p1 catches up");
    assert_eq!(heads(&p1, id), heads(&p3, id));

    // Read API: list, filter, warning feed, statistics, as-of view.
    let list = server.get("/v1/dossiers?station=yongji-puzhou&q=%E4%BA%8C%E5%8F%B7%E6%9C%BA");
    assert_eq!(list["dossiers"].as_array().map(Vec::len), Some(3));
    let none = server.get("/v1/dossiers?station=elsewhere");
    assert_eq!(none["dossiers"].as_array().map(Vec::len), Some(0));
    let stats = server.get("/v1/stats?station=yongji-puzhou");
    assert_eq!(stats["rows"][0]["opened"], 3);
    // Warning feed: an injury makes a dossier red; it leads the feed.
    p1.dossiers
        .get_mut(&ids[2])
        .expect("p1")
        .set_field("/header/facts/injuryOccurred", json!(true), &a1, now)
        .expect("injury");
    let out = p1.sync(&ids[2..]).expect("sync red");
    let grade = &out.last.as_ref().expect("reply").dossiers[&ids[2]]["grade"];
    assert_eq!(grade["level"], "red", "{grade}");
    let feed = server.get("/v1/warnings");
    assert_eq!(feed["dossiers"][0]["id"], ids[2].as_str());
    assert_eq!(feed["dossiers"][0]["level"], "red");
    let stats = server.get("/v1/stats?station=yongji-puzhou");
    assert_eq!(stats["rows"][0]["openRedOrange"], 1);
    let (status, _) = server
        .transport()
        .get_json("/openapi.json")
        .expect("openapi");
    assert_eq!(status, 200);

    let first_change = server.get(&format!("/v1/dossiers/{id}/history"))["a"][0]["hash"]
        .as_str()
        .expect("hash")
        .to_owned();
    let old = server.get(&format!("/v1/dossiers/{id}?heads={first_change}"));
    assert_eq!(old["dossier"]["header"]["summary"], "纠纷0");
    // A well-formed hash that is no change of this dossier: not found, not malformed.
    for (heads, status, code) in [
        ("0".repeat(64), 404, "unknown_heads"),
        (first_change[..63].to_owned(), 400, "invalid_heads"),
    ] {
        let (got, body) = server
            .transport()
            .get_json(&format!("/v1/dossiers/{id}/report?heads={heads}"))
            .expect("report");
        assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{body}");
    }
}
