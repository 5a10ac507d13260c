//! No existence probing, over the real server with real accounts: a person who may not see a
//! dossier (an officer of another station, of another bureau, a partner mediator it is not
//! shared with) gets, for every read and sync, exactly the answer a dossier that does not exist
//! gets (same status, same code, same body); the refusal is still in the audit log. A caller who
//! sees the dossier but may not do something to it still gets 403 / its refusal code.

use abjuan_e2e::{
    add_bureau, add_person, add_puzhou, add_station, admin, enrol, new_id, phone, sample_dossier,
    Server, Transport, Unit, BUREAU, STATION,
};
use abjuan_server::sync::wire::{DocRequest, SyncRequest};
use abjuan_shared::doc::DossierDocs;
use automerge::Automerge;
use serde_json::json;

const KAIZHANG: &str = "yongji-kaizhang";

struct World {
    dir: tempfile::TempDir,
    server: Server,
    dossier: String,
    tokens: std::collections::BTreeMap<&'static str, String>,
}

fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    add_puzhou(d);
    add_station(d, KAIZHANG, "开张派出所", BUREAU);
    add_bureau(d, "ruicheng", "芮城县公安局");
    add_station(d, "ruicheng-gucheng", "古城派出所", "ruicheng");
    add_person(d, "wang", "王警官", "officer", Unit::Station(STATION));
    add_person(d, "aux", "辅警小李", "auxiliary", Unit::Station(STATION));
    add_person(d, "kz", "开张民警", "officer", Unit::Station(KAIZHANG));
    add_person(
        d,
        "rc",
        "芮城民警",
        "officer",
        Unit::Station("ruicheng-gucheng"),
    );
    add_person(
        d,
        "zhao",
        "赵调解员",
        "partner_mediator",
        Unit::Bureau(BUREAU),
    );
    let mut tokens = std::collections::BTreeMap::new();
    for p in ["wang", "aux", "kz", "rc", "zhao"] {
        tokens.insert(p, enrol(d, p));
    }
    let server = Server::start(d, &[]);
    let dossier = new_id();
    let mut wang = phone(&server, "wang-phone", &tokens["wang"]);
    wang.create(&sample_dossier(
        &dossier,
        STATION,
        "neighbour",
        "楼道堆物纠纷",
    ))
    .expect("create");
    let out = wang.sync_all().expect("sync");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    World {
        dir,
        server,
        dossier,
        tokens,
    }
}

impl World {
    fn as_(&self, who: &str) -> Transport {
        self.server.transport().with_token(&self.tokens[who])
    }
}

/// What a reply looks like with the dossier id taken out (so two ids compare).
fn masked(text: &str, id: &str) -> String {
    text.replace(id, "<ID>")
}

fn pull(id: &str, volume: &str, heads: Vec<String>) -> SyncRequest {
    SyncRequest {
        docs: vec![DocRequest {
            dossier: id.to_owned(),
            volume: volume.to_owned(),
            heads,
            changes: Vec::new(),
            sync: None,
        }],
    }
}

/// Every read and sync answer `who` gets for dossier `id`, id masked.
fn answers(t: &Transport, id: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for suffix in [
        "",
        "/report",
        "/conflicts",
        "/history",
        "/history?paths=true",
        "/shares",
        "?heads=zz",
        "?heads=0000000000000000000000000000000000000000000000000000000000000000",
        "/nonsense",
    ] {
        let path = format!("/v1/dossiers/{id}{suffix}");
        let (status, body) = t.get_text(&path).expect("GET");
        out.push((
            format!("GET {suffix}"),
            format!("{status} {}", masked(&body, id)),
        ));
    }
    let (status, body) = t
        .post_json(
            &format!("/v1/dossiers/{id}/shares"),
            &json!({"person": "zhao"}),
        )
        .expect("POST");
    out.push((
        "POST /shares".into(),
        format!("{status} {}", masked(&body, id)),
    ));
    let stale = vec!["11".repeat(32)];
    for (what, req) in [
        ("sync a", pull(id, "a", Vec::new())),
        ("sync b", pull(id, "b", Vec::new())),
        ("sync a, stale heads", pull(id, "a", stale.clone())),
        ("sync b, stale heads", pull(id, "b", stale)),
    ] {
        let reply = t.send("probe", &req).expect("sync");
        let text = serde_json::to_string(&reply).expect("json");
        out.push((what.into(), masked(&text, id)));
    }
    out
}

#[test]
fn a_dossier_you_may_not_see_looks_exactly_like_one_that_does_not_exist() {
    let w = world();
    for who in ["kz", "rc", "zhao"] {
        let t = w.as_(who);
        let existing = answers(&t, &w.dossier);
        let missing = answers(&t, &new_id());
        for ((what, got), (_, want)) in existing.iter().zip(&missing) {
            assert_eq!(
                got, want,
                "{who} × {what}: existing-but-foreign vs random id"
            );
        }
        let (status, v) = t
            .get_json(&format!("/v1/dossiers/{}", w.dossier))
            .expect("GET");
        assert_eq!(
            (status, v["code"].as_str()),
            (404, Some("dossier_not_found"))
        );
        // The generic-protocol fallback goes on against nothing, as for a missing dossier.
        let fallback = existing
            .iter()
            .find(|(what, _)| what == "sync a, stale heads")
            .expect("row");
        assert!(fallback.1.contains("\"fallback\":true"), "{}", fallback.1);
    }

    // The refusals are in the audit log, by person, with the real dossier id; the chain holds.
    let audit = admin(w.dir.path(), &["audit", "show", "--limit", "10000"]);
    let denied: Vec<serde_json::Value> = audit
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r["kind"] == "access_denied" && r["subject"] == w.dossier.as_str())
        .collect();
    for who in ["kz", "rc", "zhao"] {
        for action in ["read", "read_shares", "share", "sync_a"] {
            assert!(
                denied
                    .iter()
                    .any(|r| r["person"] == who && r["detail"]["action"] == action),
                "{who} {action} not recorded: {audit}"
            );
        }
    }
    assert!(admin(w.dir.path(), &["audit", "verify"]).contains("\"brokenAt\": null"));

    // The owner's dossier is untouched by all of it.
    let (status, v) = w
        .as_("wang")
        .get_json(&format!("/v1/dossiers/{}", w.dossier))
        .expect("GET");
    assert_eq!(status, 200);
    assert_eq!(v["dossier"]["header"]["summary"], "楼道堆物纠纷");
}

#[test]
fn creating_a_dossier_under_a_taken_id_is_refused_and_changes_nothing() {
    let w = world();
    // kz makes a dossier of their own station offline, under the id of wang's dossier: the
    // only way left to tell that the id exists, refused as a write to a station they may not
    // write is, and recorded.
    let mut kz = phone(&w.server, "kz-phone", &w.tokens["kz"]);
    kz.create(&sample_dossier(&w.dossier, KAIZHANG, "debt", "借款纠纷"))
        .expect("create");
    let out = kz.sync_all().expect("sync");
    assert!(
        out.errors.iter().any(|e| e.ends_with("/a: doc_forbidden")),
        "{:?}",
        out.errors
    );
    assert!(out.last.as_ref().is_some_and(|r| r.dossiers.is_empty()));
    let (_, v) = w
        .as_("wang")
        .get_json(&format!("/v1/dossiers/{}", w.dossier))
        .expect("GET");
    assert_eq!(v["dossier"]["header"]["station"], STATION);
    assert_eq!(v["dossier"]["header"]["summary"], "楼道堆物纠纷");
    let (_, list) = w.as_("kz").get_json("/v1/dossiers").expect("list");
    assert_eq!(list["dossiers"].as_array().map(Vec::len), Some(0), "{list}");
    let audit = admin(w.dir.path(), &["audit", "show", "--limit", "10000"]);
    assert!(
        audit.lines().any(|l| l.contains("change_refused")
            && l.contains(&w.dossier)
            && l.contains("\"kz\"")),
        "{audit}"
    );
    // A fresh id of their own station is theirs to create.
    let fresh = new_id();
    kz.create(&sample_dossier(&fresh, KAIZHANG, "debt", "借款纠纷"))
        .expect("create");
    let out = kz.sync(std::slice::from_ref(&fresh)).expect("sync");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
}

#[test]
fn who_sees_a_dossier_but_may_not_act_still_gets_403() {
    let w = world();
    let id = &w.dossier;
    // An auxiliary sees the station's dossiers but may not share them.
    let (status, body) = w
        .as_("aux")
        .post_json(
            &format!("/v1/dossiers/{id}/shares"),
            &json!({"person": "zhao"}),
        )
        .expect("POST");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("\"forbidden\""), "{body}");
    // …nor close them.
    let t = w.as_("aux");
    let reply = t.send("aux", &pull(id, "a", Vec::new())).expect("pull");
    let mut a = Automerge::new();
    for c in &reply.docs[0].changes {
        a.load_incremental(&c.0).expect("loads");
    }
    let mut docs = DossierDocs {
        a,
        b: Automerge::new(),
    };
    let (before, changes) = abjuan_e2e::edits::failed_closure(&mut docs);
    let mut req = pull(id, "a", before.iter().map(ToString::to_string).collect());
    req.docs[0].changes = changes;
    let reply = t.send("aux", &req).expect("send");
    let err = reply.docs[0].error.as_ref().map(|e| e.code.as_str());
    assert_eq!(err, Some("doc_close_forbidden"));
    // Once shared, the mediator sees the dossier, and volume B is refused as such.
    admin(w.dir.path(), &["share", id, "zhao"]);
    let m = w.as_("zhao");
    assert_eq!(
        m.get_json(&format!("/v1/dossiers/{id}")).expect("GET").0,
        200
    );
    let reply = m.send("zhao", &pull(id, "b", Vec::new())).expect("pull b");
    let err = reply.docs[0].error.as_ref().map(|e| e.code.as_str());
    assert_eq!(err, Some("doc_forbidden"));
    let (status, _) = m
        .post_json(
            &format!("/v1/dossiers/{id}/shares"),
            &json!({"person": "kz"}),
        )
        .expect("POST");
    assert_eq!(status, 403);
}
