//! Who may see and change what, over the real server: every role × {own station, another
//! station of the bureau, a dossier shared with them, another bureau's} × {read JSON, sync A,
//! sync B, history, statistics}, asserted one by one; and what a refused upload leaves behind.

use std::collections::BTreeMap;
use std::path::Path;

use abjuan_e2e::{
    add_bureau, add_person, add_puzhou, add_station, admin, enrol, new_id, phone, sample_dossier,
    Server, Transport, Unit, BUREAU, STATION,
};
use abjuan_server::sync::wire::{Bytes, DocRequest, SyncRequest};
use abjuan_shared::doc::{DossierDocs, Volume};
use automerge::{ActorId, Automerge};
use serde_json::json;

const ROLES: [&str; 5] = [
    "officer",
    "auxiliary",
    "station_chief",
    "bureau_supervisor",
    "partner_mediator",
];

/// The dossiers of the matrix, by situation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Situation {
    /// At the person's own station (蒲州), not shared.
    OwnStation,
    /// At another station of the bureau (开张), not shared.
    OtherStation,
    /// At another station (开张), shared with the person.
    Shared,
    /// At a station of another bureau (芮城), not shared.
    OtherBureau,
}

const SITUATIONS: [Situation; 4] = [
    Situation::OwnStation,
    Situation::OtherStation,
    Situation::Shared,
    Situation::OtherBureau,
];

fn station_of(s: Situation) -> &'static str {
    match s {
        Situation::OwnStation => "yongji-puzhou",
        Situation::OtherStation | Situation::Shared => "yongji-kaizhang",
        Situation::OtherBureau => "ruicheng-gucheng",
    }
}

/// Expected outcome per (role, situation), five cells: read JSON, sync A, sync B, history,
/// statistics. `y` allowed, `r` read-only (pull works, an upload is refused), `n` refused.
fn expected(role: &str, s: Situation) -> &'static str {
    use Situation::{OtherBureau, OtherStation, OwnStation, Shared};
    match (role, s) {
        ("officer" | "auxiliary", OwnStation | Shared) => "yyyyn",
        ("station_chief", OwnStation) => "yyyyy",
        ("station_chief", Shared) => "yyyyn",
        ("bureau_supervisor", OwnStation | OtherStation | Shared) => "yrryy",
        ("partner_mediator", Shared) => "yynyn",
        (_, OtherBureau | OtherStation | OwnStation) => "nnnnn",
        _ => unreachable!("every role and situation is listed"),
    }
}

fn setup(dir: &Path) {
    add_puzhou(dir);
    add_bureau(dir, "ruicheng", "芮城县公安局");
    add_station(dir, "yongji-kaizhang", "开张派出所", BUREAU);
    add_station(dir, "ruicheng-gucheng", "古城派出所", "ruicheng");
    for role in ROLES {
        let unit = match role {
            "bureau_supervisor" | "partner_mediator" => Unit::Bureau(BUREAU),
            _ => Unit::Station(STATION),
        };
        add_person(dir, role, role, role, unit);
    }
    add_person(
        dir,
        "kz-officer",
        "开张民警",
        "officer",
        Unit::Station("yongji-kaizhang"),
    );
    add_person(
        dir,
        "rc-officer",
        "芮城民警",
        "officer",
        Unit::Station("ruicheng-gucheng"),
    );
}

struct World {
    _dir: tempfile::TempDir,
    server: Server,
    tokens: BTreeMap<String, String>,
    dossiers: BTreeMap<Situation, String>,
}

fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    setup(dir.path());
    let mut tokens = BTreeMap::new();
    for p in ROLES.iter().copied().chain(["kz-officer", "rc-officer"]) {
        tokens.insert(p.to_owned(), enrol(dir.path(), p));
    }
    let server = Server::start(dir.path(), &[]);
    let mut dossiers = BTreeMap::new();
    for s in SITUATIONS {
        let creator = match s {
            Situation::OwnStation => "officer",
            Situation::OtherStation | Situation::Shared => "kz-officer",
            Situation::OtherBureau => "rc-officer",
        };
        let id = new_id();
        let mut phone = phone(&server, creator, &tokens[creator]);
        phone
            .create(&sample_dossier(
                &id,
                station_of(s),
                "neighbour",
                "楼道堆物纠纷",
            ))
            .expect("create");
        let out = phone.sync_all().expect("creator syncs");
        assert!(out.errors.is_empty(), "{s:?}: {:?}", out.errors);
        dossiers.insert(s, id);
    }
    for role in ROLES {
        admin(dir.path(), &["share", &dossiers[&Situation::Shared], role]);
    }
    World {
        _dir: dir,
        server,
        tokens,
        dossiers,
    }
}

fn transport(w: &World, who: &str) -> Transport {
    w.server.transport().with_token(&w.tokens[who])
}

/// A request for everything of one document the caller may have.
fn pull_request(id: &str, volume: Volume) -> SyncRequest {
    SyncRequest {
        docs: vec![DocRequest {
            dossier: id.to_owned(),
            volume: volume.as_str().to_owned(),
            heads: Vec::new(),
            changes: Vec::new(),
            sync: None,
        }],
    }
}

fn pull(t: &Transport, id: &str, volume: Volume) -> Result<Vec<Vec<u8>>, String> {
    let reply = t
        .send("matrix", &pull_request(id, volume))
        .map_err(|e| format!("{e}"))?;
    let d = &reply.docs[0];
    if d.ok {
        Ok(d.changes.iter().map(|c| c.0.clone()).collect())
    } else {
        Err(d.error.as_ref().map(|e| e.code.clone()).unwrap_or_default())
    }
}

/// Pulls both volumes it can, edits `volume` and uploads the edit.
fn push(
    t: &Transport,
    id: &str,
    volume: Volume,
    a: &[Vec<u8>],
    b: &[Vec<u8>],
) -> Result<(), String> {
    let load = |raw: &[Vec<u8>]| {
        let mut doc = Automerge::new();
        for c in raw {
            doc.load_incremental(c).expect("server change loads");
        }
        doc
    };
    let mut docs = DossierDocs {
        a: load(a),
        b: load(b),
    };
    let before = docs.doc(volume).get_heads();
    let actor = ActorId::random();
    let now = abjuan_server::client::now();
    match volume {
        Volume::A => docs
            .splice_text("/header/summary", 0, 0, "【补】", &actor, now)
            .map(|_| ()),
        Volume::B => docs
            .set_field(
                "/volumeB/parties/0/occupation",
                json!(format!("职业{}", &actor.to_hex_string()[..6])),
                &actor,
                now,
            )
            .map(|_| ()),
    }
    .expect("local edit");
    let changes = docs
        .doc(volume)
        .get_changes(&before)
        .into_iter()
        .map(|c| Bytes(c.raw_bytes().to_vec()))
        .collect();
    let req = SyncRequest {
        docs: vec![DocRequest {
            dossier: id.to_owned(),
            volume: volume.as_str().to_owned(),
            heads: docs
                .doc(volume)
                .get_heads()
                .iter()
                .map(ToString::to_string)
                .collect(),
            changes,
            sync: None,
        }],
    };
    let reply = t.send("matrix", &req).map_err(|e| format!("{e}"))?;
    let d = &reply.docs[0];
    match (d.ok, d.applied) {
        (true, n) if n > 0 => Ok(()),
        (true, _) => Err(format!(
            "nothing applied ({} change(s) sent, reply {:?})",
            req.docs[0].changes.len(),
            d
        )),
        (false, _) => Err(d.error.as_ref().map(|e| e.code.clone()).unwrap_or_default()),
    }
}

fn status(t: &Transport, path: &str) -> u16 {
    t.get_json(path).expect("GET").0
}

fn sync_cell(t: &Transport, id: &str, volume: Volume, what: &str) -> char {
    let a = pull(t, id, Volume::A);
    let pulled = match volume {
        Volume::A => a.clone(),
        Volume::B => pull(t, id, Volume::B),
    };
    match pulled {
        Err(code) => {
            assert!(
                code == "doc_forbidden" || code == "doc_no_volume_a",
                "{what}: refused pulls say doc_forbidden (or, for a dossier the caller may \
                 not see, what a missing one gets), got {code}"
            );
            'n'
        }
        // A dossier the caller may not see is answered as one the server has never seen.
        Ok(changes) if changes.is_empty() => 'n',
        Ok(changes) => {
            let a = a.unwrap_or_default();
            let b = match volume {
                Volume::A => Vec::new(),
                Volume::B => changes,
            };
            match push(t, id, volume, &a, &b) {
                Ok(()) => 'y',
                Err(code) => {
                    assert_eq!(
                        code, "doc_forbidden",
                        "{what}: refused uploads say doc_forbidden"
                    );
                    'r'
                }
            }
        }
    }
}

#[test]
fn every_role_in_every_situation_gets_exactly_its_rights() {
    let w = world();
    let mut failures = Vec::new();
    for role in ROLES {
        let t = transport(&w, role);
        for s in SITUATIONS {
            let id = &w.dossiers[&s];
            let want: Vec<char> = expected(role, s).chars().collect();
            let cell = |ok: u16| if ok == 200 { 'y' } else { 'n' };
            let json = status(&t, &format!("/v1/dossiers/{id}"));
            let got = [
                cell(json),
                sync_cell(&t, id, Volume::A, &format!("{role} × {s:?} × A")),
                sync_cell(&t, id, Volume::B, &format!("{role} × {s:?} × B")),
                cell(status(&t, &format!("/v1/dossiers/{id}/history"))),
                cell(status(&t, &format!("/v1/stats?station={}", station_of(s)))),
            ];
            for (i, op) in ["read JSON", "sync A", "sync B", "history", "stats"]
                .iter()
                .enumerate()
            {
                if got[i] != want[i] {
                    failures.push(format!(
                        "{role} × {s:?} × {op}: expected {}, got {}",
                        want[i], got[i]
                    ));
                }
            }
            if want[0] == 'n' {
                assert_eq!(
                    json, 404,
                    "{role} × {s:?}: a dossier the caller may not see is not found"
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn lists_show_only_what_the_caller_may_read_and_nothing_without_a_credential() {
    let w = world();
    let ids = |who: &str| -> Vec<String> {
        let (s, v) = transport(&w, who).get_json("/v1/dossiers").expect("list");
        assert_eq!(s, 200);
        let mut out: Vec<String> = v["dossiers"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["id"].as_str().expect("id").to_owned())
            .collect();
        out.sort();
        out
    };
    let d = |s: Situation| w.dossiers[&s].clone();
    let mut officer = vec![d(Situation::OwnStation), d(Situation::Shared)];
    officer.sort();
    assert_eq!(ids("officer"), officer);
    assert_eq!(ids("partner_mediator"), vec![d(Situation::Shared)]);
    let mut sup = vec![
        d(Situation::OwnStation),
        d(Situation::OtherStation),
        d(Situation::Shared),
    ];
    sup.sort();
    assert_eq!(ids("bureau_supervisor"), sup);
    let anonymous = w.server.transport();
    for path in ["/v1/dossiers", "/v1/warnings", "/v1/stats", "/v1/me"] {
        assert_eq!(anonymous.get_json(path).expect("GET").0, 401, "{path}");
    }
    let id = d(Situation::OwnStation);
    assert_eq!(
        anonymous
            .get_json(&format!("/v1/dossiers/{id}"))
            .expect("GET")
            .0,
        401
    );
    let (s, _) = anonymous
        .clone()
        .with_token("abjd_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .get_json("/v1/dossiers")
        .expect("GET");
    assert_eq!(s, 401);
    for open in ["/healthz", "/openapi.json", "/metrics"] {
        assert_eq!(anonymous.get_json(open).expect("GET").0, 200, "{open}");
    }
}

#[test]
fn an_auxiliary_may_not_close_an_officer_may() {
    let w = world();
    let id = &w.dossiers[&Situation::OwnStation];
    for (who, want) in [
        ("auxiliary", Err("doc_close_forbidden".to_owned())),
        ("officer", Ok(())),
    ] {
        let t = transport(&w, who);
        let a = pull(&t, id, Volume::A).expect("pull A");
        let b = pull(&t, id, Volume::B).expect("pull B");
        let load = |raw: &[Vec<u8>]| {
            let mut doc = Automerge::new();
            for c in raw {
                doc.load_incremental(c).expect("loads");
            }
            doc
        };
        let mut docs = DossierDocs {
            a: load(&a),
            b: load(&b),
        };
        let (before, changes) = abjuan_e2e::edits::failed_closure(&mut docs);
        let reply = t
            .send(
                "close",
                &SyncRequest {
                    docs: vec![DocRequest {
                        dossier: id.clone(),
                        volume: "a".into(),
                        heads: before.iter().map(ToString::to_string).collect(),
                        changes,
                        sync: None,
                    }],
                },
            )
            .expect("send");
        let d = &reply.docs[0];
        let got = if d.ok {
            Ok(())
        } else {
            Err(d.error.as_ref().map(|e| e.code.clone()).unwrap_or_default())
        };
        assert_eq!(got, want, "{who}");
    }
}

/// The sync reply tells each caller what they may do to the dossier, so the phone offers only
/// that (the form locks a conflicted field for whoever may not resolve conflicts).
#[test]
fn the_sync_reply_says_what_the_caller_may_do() {
    let w = world();
    // (role, situation, [writeA, writeB, close, resolveConflicts])
    let cases = [
        ("officer", Situation::OwnStation, [true, true, true, false]),
        (
            "auxiliary",
            Situation::OwnStation,
            [true, true, false, false],
        ),
        (
            "station_chief",
            Situation::OwnStation,
            [true, true, true, true],
        ),
        (
            "station_chief",
            Situation::Shared,
            [true, true, true, false],
        ),
        (
            "bureau_supervisor",
            Situation::OtherStation,
            [false, false, false, false],
        ),
        (
            "partner_mediator",
            Situation::Shared,
            [true, false, false, false],
        ),
    ];
    for (role, s, want) in cases {
        let t = transport(&w, role);
        let id = &w.dossiers[&s];
        let reply = t.send("may", &pull_request(id, Volume::A)).expect("send");
        let may = &reply.dossiers[id.as_str()]["may"];
        let got = ["writeA", "writeB", "close", "resolveConflicts"].map(|k| may[k] == true);
        assert_eq!(got, want, "{role} × {s:?}: {may}");
    }
    // A dossier the caller may not see has no entry at all.
    let t = transport(&w, "officer");
    let hidden = &w.dossiers[&Situation::OtherStation];
    let reply = t
        .send("may", &pull_request(hidden, Volume::A))
        .expect("send");
    assert!(!reply.dossiers.contains_key(hidden.as_str()));
}

#[test]
fn officers_share_their_stations_dossiers_and_only_they_do() {
    let w = world();
    let own = &w.dossiers[&Situation::OwnStation];
    let path = format!("/v1/dossiers/{own}/shares");
    let mediator = transport(&w, "partner_mediator");
    assert_eq!(status(&mediator, &format!("/v1/dossiers/{own}")), 404);
    // Who sees the dossier but may not share it gets 403; who may not see it, 404.
    for (who, want) in [
        ("auxiliary", 403),
        ("bureau_supervisor", 403),
        ("kz-officer", 404),
        ("partner_mediator", 404),
    ] {
        let (s, body) = transport(&w, who)
            .post_json(&path, &json!({"person": "partner_mediator"}))
            .expect("POST");
        assert_eq!(s, want, "{who} may not share: {body}");
    }
    let (s, body) = transport(&w, "officer")
        .post_json(&path, &json!({"person": "partner_mediator"}))
        .expect("POST");
    assert_eq!(s, 200, "{body}");
    assert!(body.contains("partner_mediator"));
    assert_eq!(status(&mediator, &format!("/v1/dossiers/{own}")), 200);
    let (s, _) = transport(&w, "officer")
        .post_json(&path, &json!({"person": "nobody"}))
        .expect("POST");
    assert_eq!(s, 404);
    assert_eq!(status(&transport(&w, "station_chief"), &path), 200);
    assert_eq!(status(&transport(&w, "kz-officer"), &path), 404);
}
