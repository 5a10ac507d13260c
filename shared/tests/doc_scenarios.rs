//! Deterministic multi-replica scenarios, no network: officers edit one dossier offline on
//! their own phones and merge in every delivery order.

#![allow(clippy::unwrap_used)]

mod common;

use abjuan_shared::doc::{assess, DossierDocs, Volume};
use abjuan_shared::model::{ContactMethod, FollowUp, MediationSession, SessionOutcome, Status};
use abjuan_shared::{Dossier, ValidateOptions};
use automerge::ActorId;
use chrono::Duration;
use serde_json::json;

fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16].as_slice())
}

fn base() -> Dossier {
    serde_json::from_value(common::read_json(
        &common::fixtures().join("valid/follow-up-marriage.json"),
    ))
    .unwrap()
}

fn at(minutes: i64) -> abjuan_shared::model::Timestamp {
    common::now() + Duration::minutes(minutes)
}

const NARRATIVE: &str = "/volumeA/sessions/0/narrative";
const PHONE: &str = "/volumeB/parties/0/mobile";

/// The scenario of the issue: A adds a session and fixes a phone number; B edits the same
/// narrative paragraph and changes the same phone number; a mediator adds a follow-up.
fn replicas() -> (DossierDocs, DossierDocs, DossierDocs, DossierDocs) {
    let station = DossierDocs::create(&base(), &actor(1), at(-60)).unwrap();
    let (mut a, mut b, mut m) = (station.clone(), station.clone(), station.clone());
    a.add_session(
        MediationSession {
            id: "0193f0a0-0000-7000-8000-00000000aaaa".into(),
            at: at(-30),
            place: None,
            method: ContactMethod::HomeVisit,
            mediators: vec![],
            attendees: vec![],
            narrative: "上门回访，双方情绪平稳。".into(),
            outcome: Some(SessionOutcome::Agreed),
            next_step: None,
        },
        &actor(2),
        at(-30),
    )
    .unwrap();
    a.set_field(PHONE, json!("13900000001"), &actor(2), at(-29))
        .unwrap();
    a.splice_text(NARRATIVE, 0, 0, "【甲补充】", &actor(2), at(-28))
        .unwrap();
    let b_text = b
        .to_json()
        .unwrap()
        .pointer(NARRATIVE)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    b.splice_text(
        NARRATIVE,
        b_text.chars().count(),
        0,
        "【乙补充：双方已签字】",
        &actor(3),
        at(-25),
    )
    .unwrap();
    b.set_field(PHONE, json!("13900000002"), &actor(3), at(-24))
        .unwrap();
    m.add_follow_up(
        FollowUp {
            id: "0193f0a0-0000-7000-8000-00000000bbbb".into(),
            at: at(-20),
            by: "赵主任".into(),
            method: ContactMethod::Phone,
            parties_said: "双方表示满意".into(),
            flared_up: false,
            notes: String::new(),
        },
        &actor(4),
        at(-20),
    )
    .unwrap();
    (station, a, b, m)
}

#[test]
fn every_delivery_order_gives_the_same_dossier_with_both_narrative_edits_and_the_phone_conflict() {
    let (station, a, b, m) = replicas();
    let others = [a, b, m];
    let orders = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let mut results = Vec::new();
    for order in orders {
        let mut merged = station.clone();
        for i in order {
            merged.merge(&mut others[i].clone()).unwrap();
            // Delivering twice changes nothing.
            merged.merge(&mut others[i].clone()).unwrap();
        }
        let json = merged.to_json().unwrap();
        let assessment = assess(&merged, &ValidateOptions::new(at(0))).unwrap();
        results.push((
            json.to_string(),
            serde_json::to_string(&assessment).unwrap(),
        ));
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]), "orders disagree");

    let mut merged = station.clone();
    for mut o in others {
        merged.merge(&mut o).unwrap();
    }
    let json = merged.to_json().unwrap();
    let narrative = json.pointer(NARRATIVE).unwrap().as_str().unwrap();
    assert!(narrative.starts_with("【甲补充】"), "{narrative}");
    assert!(narrative.ends_with("【乙补充：双方已签字】"), "{narrative}");
    assert_eq!(json["volumeA"]["sessions"].as_array().unwrap().len(), 7);
    assert_eq!(json["volumeA"]["followUps"].as_array().unwrap().len(), 3);

    let assessment = assess(&merged, &ValidateOptions::new(at(0))).unwrap();
    let phone: Vec<_> = assessment
        .conflicts
        .iter()
        .filter(|c| c.path == PHONE)
        .collect();
    assert_eq!(phone.len(), 1, "{:?}", assessment.conflicts);
    assert_eq!(phone[0].volume, Volume::B);
    let mut values: Vec<(String, String)> = phone[0]
        .values
        .iter()
        .map(|v| (v.value.as_str().unwrap().to_owned(), v.actor.clone()))
        .collect();
    values.sort();
    assert_eq!(
        values,
        vec![
            ("13900000001".into(), actor(2).to_hex_string()),
            ("13900000002".into(), actor(3).to_hex_string()),
        ]
    );
    assert_eq!(phone[0].values.iter().filter(|v| v.winner).count(), 1);
    assert_eq!(assessment.conflicts.len(), 1, "{:?}", assessment.conflicts);
    assert!(assessment.report.valid, "{:?}", assessment.report.issues);
}

#[test]
fn resolving_a_conflict_is_an_edit_that_supersedes_every_value() {
    let (mut station, mut a, mut b, _) = replicas();
    station.merge(&mut a).unwrap();
    station.merge(&mut b).unwrap();
    let chief = actor(9);
    let loser = abjuan_shared::doc::conflicts(&station.b, Volume::B).unwrap()[0]
        .values
        .iter()
        .find(|v| !v.winner)
        .unwrap()
        .value
        .clone();
    station
        .resolve_conflict(PHONE, &loser, &chief, at(1))
        .unwrap();
    assert!(abjuan_shared::doc::conflicts(&station.b, Volume::B)
        .unwrap()
        .is_empty());
    assert_eq!(station.to_json().unwrap().pointer(PHONE).unwrap(), &loser);
    // Phones that merge the resolution see it too.
    a.merge(&mut station.clone()).unwrap();
    assert_eq!(a.to_json().unwrap().pointer(PHONE).unwrap(), &loser);
    assert!(abjuan_shared::doc::conflicts(&a.b, Volume::B)
        .unwrap()
        .is_empty());
}

#[test]
fn a_merge_that_makes_the_dossier_invalid_is_reported_not_hidden() {
    let mut d = base();
    d.header.status = Status::Mediating;
    d.volume_a.agreement = None;
    d.volume_a.closure = None;
    d.volume_a.follow_ups.clear();
    let station = DossierDocs::create(&d, &actor(1), at(-60)).unwrap();
    let (mut closer, mut other) = (station.clone(), station.clone());
    // Officer 1 closes the dossier as resolved with a closing note...
    closer
        .set_field(
            "/volumeA/closure",
            json!({"at": at(-10), "note": "双方和解"}),
            &actor(2),
            at(-10),
        )
        .unwrap();
    closer
        .change_status(Status::Resolved, &actor(2), at(-10))
        .unwrap();
    // ...while officer 2, offline, removes the closure note when recording a failed session.
    other
        .set_field(
            "/volumeA/sessions/5/outcome",
            json!("not_agreed"),
            &actor(3),
            at(-9),
        )
        .unwrap();
    other
        .set_field("/volumeA/closure", json!({"at": at(-9)}), &actor(3), at(-9))
        .unwrap();
    let mut merged = closer.clone();
    merged.merge(&mut other).unwrap();
    let assessment = assess(&merged, &ValidateOptions::new(at(0))).unwrap();
    assert_eq!(
        assessment.dossier.as_ref().unwrap().header.status,
        Status::Resolved
    );
    assert!(!assessment.report.valid);
    assert!(assessment.report.codes().contains(&(
        "/volumeA/agreement".to_owned(),
        "resolved_needs_agreement_or_note"
    )));
}

#[test]
fn status_changes_follow_the_rules() {
    let mut d = base();
    d.header.status = Status::Registered;
    let mut docs = DossierDocs::create(&d, &actor(1), at(-60)).unwrap();
    let err = docs
        .change_status(Status::Archived, &actor(1), at(0))
        .unwrap_err();
    assert_eq!(err.code(), "status_transition");
    docs.change_status(Status::Mediating, &actor(1), at(0))
        .unwrap();
    assert_eq!(docs.dossier().unwrap().header.status, Status::Mediating);
}

#[test]
fn history_names_actors_times_messages_and_touched_fields_and_shows_the_past() {
    let (mut station, mut a, _, _) = replicas();
    station.merge(&mut a).unwrap();
    let history = abjuan_shared::doc::history(&station.b, true);
    let phone_edit = history
        .iter()
        .find(|h| h.message.as_deref() == Some(&format!("set {PHONE}")))
        .unwrap();
    assert_eq!(phone_edit.actor, actor(2).to_hex_string());
    assert_eq!(phone_edit.time, at(-29).timestamp_millis());
    assert_eq!(phone_edit.paths, vec![PHONE.to_owned()]);
    let first = abjuan_shared::doc::history(&station.a, true);
    assert_eq!(first[0].message.as_deref(), Some("create dossier"));
    assert!(
        first[0].paths.iter().any(|p| p == "/header"),
        "{:?}",
        first[0].paths
    );

    // As it was before the phone edit.
    let before_b: Vec<automerge::ChangeHash> = vec![history[0].hash.parse().unwrap()];
    let past = station.at(&station.a.get_heads(), &before_b).unwrap();
    assert_eq!(
        past.to_json().unwrap().pointer(PHONE).unwrap(),
        "13912345678"
    );
}

#[test]
fn volume_b_lives_in_its_own_document() {
    let docs = DossierDocs::create(&base(), &actor(1), at(0)).unwrap();
    let a = abjuan_shared::doc::read::to_json(&docs.a)
        .unwrap()
        .to_string();
    for personal in [
        "140881198003151234",
        "13912345678",
        "永济市某机械厂",
        "张建军",
    ] {
        assert!(!a.contains(personal), "{personal} in document A");
    }
    let b = abjuan_shared::doc::read::to_json(&docs.b)
        .unwrap()
        .to_string();
    assert!(b.contains("140881198003151234"));
    assert_eq!(docs.dossier().unwrap(), base());
    // A partner mediator's replica holds A only and still reads a dossier (without volume B).
    let a_only = abjuan_shared::doc::read::to_json(&docs.a).unwrap();
    let json = abjuan_shared::doc::merge_json(a_only, None).unwrap();
    assert!(json.get("volumeB").is_none());
}
